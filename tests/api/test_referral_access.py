"""The access matrix of cases and referrals: caseworkers of the sender, of the receiver and of
a third node, the coordinator, the auditor, the admin and no token, against every endpoint;
another node's objects answer 404 exactly like ids that do not exist; integration tokens are
limited to their scopes."""

import uuid

import pytest

from chainkit import token_client
from checks import assert_problem
from referral_support import (CHAINS, JOBCENTER, NETWORK, SCHULDNER, SUCHT, Loop, audit, counts,
                              today)

ACTORS = ["sender", "receiver", "third", "coordinator", "auditor", "admin", "none"]
LOGINS = {"sender": "jobcenter", "receiver": "schuldnerberatung", "third": "suchtberatung",
          "coordinator": "koordination", "auditor": "auditor", "admin": "admin", "none": None}
NOT_CASEWORKER = {"coordinator": 403, "auditor": 403, "admin": 403, "none": 401}


@pytest.fixture
def world(demo, demo_db):
    """A case of the jobcenter, consent for the Schuldnerberatung and one for the
    Suchtberatung (to revoke), one referral to the Schuldnerberatung, enrolled in chain 1."""
    for login in LOGINS.values():
        demo(login)
    loop = Loop(demo)
    r = loop.refer(note="Vertraulich")
    assert loop.sender.post(f"/v1/cases/{loop.case['id']}/enrolment",
                            json={"chain_id": CHAINS[0]}).status_code == 200
    spare = loop.sender.post(f"/v1/cases/{loop.case['id']}/consents", json={
        "recipient_node_id": SUCHT, "purpose": "Sucht", "purpose_code": "addiction_counselling",
        "given_on": today(), "evidence": "Akte"}).json()
    return {"case": loop.case["id"], "referral": r["id"], "consent": spare["id"]}


def call(client, method, path, body=None, headers=None):
    if body is None:
        return client.request(method, path, headers=headers)
    return client.request(method, path, json=body, headers=headers)


def endpoints(w):
    """(name, method, path, body, headers, expected status per caseworker actor)."""
    c, r, k = w["case"], w["referral"], w["consent"]
    return [
        ("list cases", "GET", "/v1/cases", None, None, (200, 200, 200)),
        ("open a case", "POST", "/v1/cases",
         {"reference": "A-" + uuid.uuid4().hex[:8], "target_group_id": w["group"]}, None,
         (201, 201, 201)),
        ("read case", "GET", f"/v1/cases/{c}", None, None, (200, 200, 404)),
        ("change case", "PATCH", f"/v1/cases/{c}", {"district": "Altstadt"}, None,
         (200, 404, 404)),
        ("list consents", "GET", f"/v1/cases/{c}/consents", None, None, (200, 404, 404)),
        ("record consent", "POST", f"/v1/cases/{c}/consents",
         {"scope": "network", "purpose": "Netz", "purpose_code": "municipal_services",
          "given_on": today(), "evidence": "Akte"}, None,
         (201, 404, 404)),
        ("enrol", "POST", f"/v1/cases/{c}/enrolment", {"chain_id": CHAINS[0]}, None,
         (200, 404, 404)),
        ("progress", "GET", f"/v1/cases/{c}/progress", None, None, (200, 404, 404)),
        ("next steps", "GET", f"/v1/cases/{c}/next-steps", None, None, (200, 404, 404)),
        ("list referrals", "GET", "/v1/referrals", None, None, (200, 200, 200)),
        ("read referral", "GET", f"/v1/referrals/{r}", None, None, (200, 200, 404)),
        ("timeline", "GET", f"/v1/referrals/{r}/events", None, None, (200, 200, 404)),
        ("handover", "POST", f"/v1/referrals/{r}/handovers", {"channel": "phone", "warm": False},
         None, (201, 403, 404)),
        # the receiver's move, tried by everyone: only the receiver may make it
        ("transition", "POST", f"/v1/referrals/{r}/transitions", {"to": "received"},
         {"If-Match": '"1"'}, (403, 200, 404)),
        ("create referral", "POST", "/v1/referrals", {"case_id": c, "to_node_id": SUCHT}, None,
         (201, 422, 422)),
        ("revoke consent", "POST", f"/v1/consents/{k}/revoke", None, None, (200, 404, 404)),
    ]


def test_access_matrix(demo, demo_db, world):
    world["group"] = "50000000-0000-4000-8000-000000000001"
    failures = []
    for name, method, path, body, headers, caseworkers in endpoints(world):
        # those who may not come first, the one who may last (a write changes the object)
        order = ["none", "admin", "auditor", "coordinator", "third", "receiver", "sender"]
        expected = dict(zip(["sender", "receiver", "third"], caseworkers), **NOT_CASEWORKER)
        if name == "transition":
            order = ["none", "admin", "auditor", "coordinator", "third", "sender", "receiver"]
        for actor in order:
            before = counts(demo_db)
            resp = call(demo(LOGINS[actor]), method, path, body, headers)
            want = expected[actor]
            if resp.status_code != want:
                failures.append(f"{name} by {actor}: {resp.status_code}, not {want}: "
                                f"{resp.text[:160]}")
                continue
            if want >= 400:
                p = resp.json()
                if resp.headers["Content-Type"] != "application/problem+json":
                    failures.append(f"{name} by {actor}: not a problem")
                if counts(demo_db) != before:
                    failures.append(f"{name} by {actor}: {want} but wrote {counts(demo_db)}")
                if want == 404 and p["detail"] != "There is no such object, or it is not " \
                                                  "visible to you.":
                    failures.append(f"{name} by {actor}: another 404 {p}")
    assert not failures, "\n".join(failures)


def test_hidden_is_like_missing(demo, demo_db, world):
    third = demo("suchtberatung")
    gone = str(uuid.uuid4())
    pairs = [
        ("GET", "/v1/cases/{}", None, None),
        ("PATCH", "/v1/cases/{}", {"district": "Altstadt"}, None),
        ("GET", "/v1/cases/{}/consents", None, None),
        ("GET", "/v1/cases/{}/progress", None, None),
        ("GET", "/v1/referrals/{}", None, None),
        ("GET", "/v1/referrals/{}/events", None, None),
        ("POST", "/v1/referrals/{}/transitions", {"to": "received"}, {"If-Match": '"1"'}),
        ("POST", "/v1/referrals/{}/handovers", {"channel": "phone", "warm": True}, None),
    ]
    for method, template, body, headers in pairs:
        oid = world["referral"] if "referrals" in template else world["case"]
        hidden = call(third, method, template.format(oid), body, headers)
        missing = call(third, method, template.format(gone), body, headers)
        assert hidden.status_code == missing.status_code == 404, template
        h, m = hidden.json(), missing.json()
        for key in ("request_id", "instance"):
            h.pop(key), m.pop(key)
        assert h == m, template
    # a list filtered by another node's case is empty, not an error
    r = third.get(f"/v1/referrals?case_id={world['case']}")
    assert r.status_code == 200 and r.json()["items"] == []
    # nor does the third node see the referral in any box
    for box in ["inbox", "outbox"]:
        ids = [i["id"] for i in third.get(f"/v1/referrals?box={box}&limit=100").json()["items"]]
        assert world["referral"] not in ids


def test_receiver_sees_little_of_the_case(demo, demo_db, world):
    sch = demo("schuldnerberatung")
    case = sch.get(f"/v1/cases/{world['case']}").json()
    assert set(case) == {"id", "reference", "target_group_id", "access"}
    r = sch.get(f"/v1/referrals/{world['referral']}").json()
    assert set(r["case"]) == {"reference", "target_group_id"}
    assert r["note"] == "Vertraulich"
    # reads of a referral and its timeline are audited for whoever reads them
    actions = audit(demo_db, world["referral"])
    assert actions[-1] == "referral.read"
    sch.get(f"/v1/referrals/{world['referral']}/events")
    assert audit(demo_db, world["referral"])[-1] == "referral.events_read"


def test_integration_tokens_are_scoped(demo, demo_db, world):
    admin = demo("admin")
    jobcenter_account = "60000000-0000-4000-8000-000000000003"
    reader = token_client(demo, admin, jobcenter_account, ["referrals:read"])
    writer = token_client(demo, admin, jobcenter_account, ["referrals:write", "cases:read"])
    assert reader.get(f"/v1/referrals/{world['referral']}").status_code == 200
    before = counts(demo_db)
    assert_problem(reader.post(f"/v1/referrals/{world['referral']}/handovers",
                               json={"channel": "portal", "warm": False}), 403)
    assert_problem(reader.get(f"/v1/cases/{world['case']}"), 403)
    assert_problem(writer.get(f"/v1/referrals/{world['referral']}"), 403)
    assert_problem(writer.post(f"/v1/cases/{world['case']}/consents", json={
        "scope": "network", "purpose": "x", "purpose_code": "housing", "given_on": today(),
        "evidence": "y"}), 403)
    assert counts(demo_db) == before
    resp = writer.post(f"/v1/referrals/{world['referral']}/handovers",
                       json={"channel": "portal", "warm": False})
    assert resp.status_code == 201, resp.text
    assert resp.json()["actor_node_id"] == JOBCENTER
    assert writer.get(f"/v1/cases/{world['case']}").status_code == 200
    reader.close()
    writer.close()


def test_overdue_list_access(demo, demo_db):
    for login, status in [("koordination", 200), ("admin", 200), ("auditor", 403),
                          ("jobcenter", 403), (None, 401)]:
        assert demo(login).get(f"/v1/networks/{NETWORK}/overdue").status_code == status, login
