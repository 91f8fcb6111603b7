"""Cases (Fälle): opening, listing, reading, changing and closing one; enrolment in a chain;
progress and next steps on a demo chain as steps complete (the join and the optional branch)."""

import uuid

import pytest

from chainkit import make_outsiders
from checks import assert_problem, error_fields
from referral_support import (CHAINS, GROUPS, JOBCENTER, JUGENDAMT, NETWORK, SCHULDNER, SUCHT,
                              BILDUNG, audit, consent, counts, move, open_case, ref, refer,
                              today)


def test_open_a_case(demo, demo_db):
    jc = demo("jobcenter")
    reference = ref()
    resp = jc.post("/v1/cases", json={"reference": reference, "target_group_id": GROUPS[0],
                                      "district": "Nordstadt"})
    assert resp.status_code == 201, resp.text
    c = resp.json()
    assert resp.headers["Location"] == f"/v1/cases/{c['id']}"
    assert resp.headers["ETag"] == '"1"'
    assert (c["network_id"], c["owner_node_id"], c["reference"], c["target_group_id"],
            c["district"], c["status"], c["close_reason"], c["closed_at"], c["version"],
            c["access"]) == (NETWORK, JOBCENTER, reference, GROUPS[0], "Nordstadt", "open", None,
                             None, 1, "owner")
    assert c["opened_at"]
    assert audit(demo_db, c["id"]) == ["case.create"]
    # 64 characters are fine
    open_case(jc, reference="R" * 64)


BAD_CASES = [
    ({"reference": ""}, ["reference"]),
    ({"reference": "R" * 65}, ["reference"]),
    ({"reference": "Erika Mustermann"}, ["reference"]),
    ({"reference": "Müller"}, ["reference"]),
    ({"reference": "geb-12.03.1985"}, ["reference"]),
    ({"reference": "12345BG0012345"}, ["reference"]),
    ({"reference": 42}, ["reference"]),
    ({"reference": None}, ["reference"]),
    ({"target_group_id": "alleinerziehende"}, ["target_group_id"]),
    ({"target_group_id": str(uuid.uuid4())}, ["target_group_id"]),
    ({"district": ""}, ["district"]),
    ({"status": "open"}, ["status"]),
    ({"name": "Erika"}, ["name"]),
]


@pytest.mark.parametrize("change,fields", BAD_CASES)
def test_bad_cases(demo, demo_db, change, fields):
    jc = demo("jobcenter")
    body = {"reference": ref(), "target_group_id": GROUPS[0]}
    body.update(change)
    before = counts(demo_db)
    p = assert_problem(jc.post("/v1/cases", json=body), 422)
    assert error_fields(p) == fields
    assert counts(demo_db) == before


def test_invalid_utf8(demo, demo_db):
    before = counts(demo_db)
    r = demo("jobcenter").post("/v1/cases", data=b'{"reference": "A\xc3", "target_group_id": "'
                               + GROUPS[0].encode() + b'"}',
                               headers={"Content-Type": "application/json"})
    assert r.status_code in (400, 422), r.text
    assert counts(demo_db) == before


def test_only_members_open_cases(demo, demo_db):
    make_outsiders(demo_db)
    outsider = demo("aussen-fallmanagement")
    before = counts(demo_db)
    p = assert_problem(outsider.post("/v1/cases", json={"reference": ref(),
                                                        "target_group_id": GROUPS[0]}),
                       422, "not-a-member")
    assert error_fields(p) == ["target_group_id"]
    assert counts(demo_db) == before


def test_one_open_case_per_reference(demo, demo_db):
    jc = demo("jobcenter")
    c = open_case(jc)
    before = counts(demo_db)
    p = assert_problem(jc.post("/v1/cases", json={"reference": c["reference"],
                                                  "target_group_id": GROUPS[1]}), 409)
    assert error_fields(p) == ["reference"]
    assert counts(demo_db) == before
    # another node may use the same pseudonym
    open_case(demo("jugendamt"), reference=c["reference"])


def test_list_own_cases(demo, demo_db):
    jc = demo("jobcenter")
    mine = [open_case(jc, group=GROUPS[1]) for _ in range(3)]
    theirs = open_case(demo("jugendamt"), group=GROUPS[1])
    jc.patch(f"/v1/cases/{mine[0]['id']}", json={"status": "closed", "close_reason": "no_contact"})
    items = jc.get("/v1/cases?limit=100&target_group_id=" + GROUPS[1]).json()["items"]
    got = [i["id"] for i in items]
    assert theirs["id"] not in got
    assert [m["id"] for m in reversed(mine)] == [i for i in got if i in {m["id"] for m in mine}]
    assert all(i["owner_node_id"] == JOBCENTER for i in items)
    open_ids = [i["id"] for i in jc.get("/v1/cases?status=open&limit=100").json()["items"]]
    assert mine[0]["id"] not in open_ids and mine[1]["id"] in open_ids
    closed_ids = [i["id"] for i in jc.get("/v1/cases?status=closed&limit=100").json()["items"]]
    assert mine[0]["id"] in closed_ids and mine[1]["id"] not in closed_ids
    p1 = jc.get("/v1/cases?limit=2").json()
    assert len(p1["items"]) == 2 and p1["next"]
    p2 = jc.get(f"/v1/cases?limit=2&after={p1['next']}").json()
    assert not {i["id"] for i in p1["items"]} & {i["id"] for i in p2["items"]}
    for q in ["status=gone", "target_group_id=x", "colour=red", "limit=0"]:
        assert_problem(jc.get(f"/v1/cases?{q}"), 400)


def test_read_is_audited_and_limited(demo, demo_db):
    jc, sch, su = demo("jobcenter"), demo("schuldnerberatung"), demo("suchtberatung")
    c = open_case(jc, district="Altstadt")
    consent(jc, c["id"], SCHULDNER)
    refer(jc, c["id"], SCHULDNER)
    full = jc.get(f"/v1/cases/{c['id']}")
    assert full.status_code == 200 and full.json()["district"] == "Altstadt"
    assert full.headers["ETag"] == '"1"'
    seen = sch.get(f"/v1/cases/{c['id']}")
    assert seen.status_code == 200
    assert seen.json() == {"id": c["id"], "reference": c["reference"],
                           "target_group_id": GROUPS[0], "access": "referral"}
    rows = demo_db.execute("SELECT node_id::text FROM audit_log WHERE object_id = %s"
                           " AND action = 'case.read' ORDER BY id", (c["id"],)).fetchall()
    assert rows == [(JOBCENTER,), (SCHULDNER,)]
    before = counts(demo_db)
    unknown = su.get(f"/v1/cases/{uuid.uuid4()}")
    hidden = su.get(f"/v1/cases/{c['id']}")
    assert_problem(hidden, 404, "not-found")
    assert_problem(unknown, 404, "not-found")
    assert hidden.json()["detail"] == unknown.json()["detail"]
    assert counts(demo_db) == before


def test_change_and_close(demo, demo_db):
    jc, sch = demo("jobcenter"), demo("schuldnerberatung")
    c = open_case(jc)
    url = f"/v1/cases/{c['id']}"
    resp = jc.patch(url, json={"district": "Weststadt"}, headers={"If-Match": '"1"'})
    assert resp.status_code == 200, resp.text
    assert resp.json()["district"] == "Weststadt" and resp.headers["ETag"] == '"2"'
    before = counts(demo_db)
    assert_problem(jc.patch(url, json={"district": "Altstadt"}, headers={"If-Match": '"1"'}),
                   412, "stale")
    for body, fields in [({}, ["body"]),
                         ({"status": "closed"}, ["close_reason"]),
                         ({"close_reason": "other"}, ["close_reason"]),
                         ({"status": "open"}, ["status"]),
                         ({"status": "open", "close_reason": "other"}, ["status"]),
                         ({"status": "closed", "close_reason": "fertig"}, ["close_reason"]),
                         ({"reference": "Erika Mustermann"}, ["reference"]),
                         ({"owner_node_id": SUCHT}, ["owner_node_id"])]:
        p = assert_problem(jc.patch(url, json=body), 422)
        assert error_fields(p) == fields, body
    assert_problem(sch.patch(url, json={"district": "Altstadt"}), 404)
    assert counts(demo_db) == before
    # open referrals block closing
    consent(jc, c["id"], SCHULDNER)
    r = refer(jc, c["id"], SCHULDNER)
    r = move(sch, r, "accepted").json()
    before = counts(demo_db)
    assert_problem(jc.patch(url, json={"status": "closed", "close_reason": "goal_reached"}),
                   409, "open-referrals")
    assert counts(demo_db) == before
    assert move(jc, r, "withdrawn").status_code == 200
    resp = jc.patch(url, json={"status": "closed", "close_reason": "goal_reached"})
    assert resp.status_code == 200, resp.text
    closed = resp.json()
    assert (closed["status"], closed["close_reason"]) == ("closed", "goal_reached")
    assert closed["closed_at"]
    assert audit(demo_db, c["id"])[-1] == "case.close"
    before = counts(demo_db)
    assert_problem(jc.patch(url, json={"district": "Altstadt"}), 409, "case-closed")
    assert_problem(jc.post(f"{url}/enrolment", json={"chain_id": CHAINS[0]}), 409)
    assert counts(demo_db) == before
    # a closed case frees its reference
    open_case(jc, reference=c["reference"])


def test_enrolment(demo, demo_db):
    jc = demo("jobcenter")
    c = open_case(jc)
    url = f"/v1/cases/{c['id']}/enrolment"
    before = counts(demo_db)
    for body, fields in [({"chain_id": CHAINS[1]}, ["chain_id"]),   # another target group
                         ({"chain_id": str(uuid.uuid4())}, ["chain_id"]),
                         ({"chain_id": "x"}, ["chain_id"]),
                         ({}, ["chain_id"]),
                         ({"chain_id": CHAINS[0], "version": 1}, ["version"])]:
        p = assert_problem(jc.post(url, json=body), 422)
        assert error_fields(p) == fields, body
    assert_problem(demo("schuldnerberatung").post(url, json={"chain_id": CHAINS[0]}), 404)
    assert_problem(jc.get(f"/v1/cases/{c['id']}/progress"), 409, "not-enrolled")
    assert_problem(jc.get(f"/v1/cases/{c['id']}/next-steps"), 409, "not-enrolled")
    assert counts(demo_db) == before
    resp = jc.post(url, json={"chain_id": CHAINS[0]})
    assert resp.status_code == 200, resp.text
    e = resp.json()
    assert (e["chain_id"], e["chain_version"], e["version"]) == (CHAINS[0], 1, 2)
    assert e["enrolled_at"]
    assert audit(demo_db, c["id"])[-1] == "case.enrol"


BILDUNG_ACCOUNT = "6e000000-0000-4000-8000-000000000011"


def bildung(demo, demo_db):
    demo_db.execute(
        "INSERT INTO account (id, login, display_name, password_hash, role, node_id)"
        " SELECT %s, 'bildung-test', 'Bildungsträger', password_hash, 'caseworker', %s"
        " FROM account WHERE login = 'koordination' ON CONFLICT DO NOTHING",
        (BILDUNG_ACCOUNT, BILDUNG))
    return demo("bildung-test")


def steps(resp):
    assert resp.status_code == 200, resp.text
    return resp.json()["items"] if "items" in resp.json() else resp.json()["steps"]


def states(client, case_id):
    return {s["key"]: s["state"] for s in steps(client.get(f"/v1/cases/{case_id}/progress"))}


def next_keys(client, case_id):
    return [s["key"] for s in steps(client.get(f"/v1/cases/{case_id}/next-steps"))]


def finish(client, r, outcome="goal_reached"):
    for to in ["accepted", "in_progress", "completed"]:
        resp = move(client, r, to, outcome=outcome) if to == "completed" else move(client, r, to)
        assert resp.status_code == 200, resp.text
        r = resp.json()
    return r


def test_progress_and_next_steps_along_the_chain(demo, demo_db):
    # The Suchtberatung owns the case, so that the jobcenter can take the first step.
    owner, jc = demo("suchtberatung"), demo("jobcenter")
    ja, sch, bi = demo("jugendamt"), demo("schuldnerberatung"), bildung(demo, demo_db)
    c = open_case(owner)
    consent(owner, c["id"], scope="network")
    assert owner.post(f"/v1/cases/{c['id']}/enrolment",
                      json={"chain_id": CHAINS[0]}).status_code == 200
    prog = owner.get(f"/v1/cases/{c['id']}/progress").json()
    assert prog["chain_id"] == CHAINS[0] and prog["chain_version"] == 1
    assert [s["key"] for s in prog["steps"]] == ["erstberatung", "kinderbetreuung",
                                                 "schuldnerberatung", "teilzeitqualifizierung",
                                                 "vermittlung"]
    assert all("suggestions" not in s and s["referrals"] == [] for s in prog["steps"])
    assert set(states(owner, c["id"]).values()) == {"open"}
    assert audit(demo_db, c["id"])[-1] == "case.progress_read"
    assert next_keys(owner, c["id"]) == ["erstberatung"]

    first = refer(owner, c["id"], JOBCENTER, chain_step_key="erstberatung")
    assert states(owner, c["id"])["erstberatung"] == "referred"
    assert next_keys(owner, c["id"]) == []
    r = move(jc, first, "accepted").json()
    r = move(jc, r, "in_progress").json()
    assert states(owner, c["id"])["erstberatung"] == "in_progress"
    move(jc, r, "completed", outcome="goal_reached")
    assert states(owner, c["id"])["erstberatung"] == "done"
    # the parallel branches open: required before optional
    assert next_keys(owner, c["id"]) == ["kinderbetreuung", "schuldnerberatung"]

    # a declined step is dropped and open again; a new referral completes it
    k1 = refer(owner, c["id"], JUGENDAMT, chain_step_key="kinderbetreuung")
    move(ja, k1, "declined", reason="no_capacity")
    assert states(owner, c["id"])["kinderbetreuung"] == "dropped"
    assert next_keys(owner, c["id"]) == ["kinderbetreuung", "schuldnerberatung"]
    k2 = refer(owner, c["id"], JUGENDAMT, chain_step_key="kinderbetreuung",
               redirected_from=k1["id"])
    finish(ja, k2)
    prog = owner.get(f"/v1/cases/{c['id']}/progress").json()
    kinder = [s for s in prog["steps"] if s["key"] == "kinderbetreuung"][0]
    assert kinder["state"] == "done"
    assert [(x["id"], x["status"]) for x in kinder["referrals"]] == \
        [(k1["id"], "declined"), (k2["id"], "completed")]
    # the join opens although the optional branch is not done
    assert next_keys(owner, c["id"]) == ["teilzeitqualifizierung", "schuldnerberatung"]
    s1 = refer(owner, c["id"], SCHULDNER, chain_step_key="schuldnerberatung")
    move(sch, s1, "accepted")
    assert states(owner, c["id"])["schuldnerberatung"] == "referred"
    assert next_keys(owner, c["id"]) == ["teilzeitqualifizierung"]
    q = refer(owner, c["id"], BILDUNG, chain_step_key="teilzeitqualifizierung")
    assert next_keys(owner, c["id"]) == []
    finish(bi, q)
    assert next_keys(owner, c["id"]) == ["vermittlung"]
    v = refer(owner, c["id"], JOBCENTER, chain_step_key="vermittlung")
    finish(jc, v)
    assert next_keys(owner, c["id"]) == []
    assert states(owner, c["id"]) == {"erstberatung": "done", "kinderbetreuung": "done",
                                      "schuldnerberatung": "referred",
                                      "teilzeitqualifizierung": "done", "vermittlung": "done"}
    # only the owner sees where the case stands
    for client in [jc, sch]:
        assert_problem(client.get(f"/v1/cases/{c['id']}/progress"), 404)
        assert_problem(client.get(f"/v1/cases/{c['id']}/next-steps"), 404)


@pytest.mark.parametrize("district,order", [
    ("Nordstadt", ["30000000-0000-4000-8000-000000000020", "30000000-0000-4000-8000-000000000021",
                   "30000000-0000-4000-8000-000000000011"]),
    ("Weststadt", ["30000000-0000-4000-8000-000000000020", "30000000-0000-4000-8000-000000000011",
                   "30000000-0000-4000-8000-000000000021"]),
])
def test_suggestions_free_capacity_then_district(demo, demo_db, district, order):
    owner, jc = demo("suchtberatung"), demo("jobcenter")
    c = open_case(owner, district=district)
    consent(owner, c["id"], JOBCENTER)
    owner.post(f"/v1/cases/{c['id']}/enrolment", json={"chain_id": CHAINS[0]})
    first = refer(owner, c["id"], JOBCENTER, chain_step_key="erstberatung")
    finish(jc, first)
    items = steps(owner.get(f"/v1/cases/{c['id']}/next-steps"))
    kinder = items[0]
    assert kinder["key"] == "kinderbetreuung"
    assert [s["service_id"] for s in kinder["suggestions"]] == order
    assert {s["node_id"] for s in kinder["suggestions"]} == \
        {JUGENDAMT, "20000000-0000-4000-8000-000000000009"}
    # an inactive service is no suggestion
    schuldner = items[1]
    assert schuldner["key"] == "schuldnerberatung"
    assert {s["service_id"] for s in schuldner["suggestions"]} == {
        "30000000-0000-4000-8000-000000000016", "30000000-0000-4000-8000-000000000017"}
