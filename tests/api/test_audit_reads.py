"""Reads of lists that show social data are audited (docs/architecture.md, "Reads of social
data"): one row per request, naming the ids shown, written in the statement that reads them;
an empty list or a refused request writes nothing; GET /v1/audit?object_id= finds a list read
by any id it showed."""

import uuid

from checks import assert_problem
from referral_support import (JOBCENTER, SCHULDNER, SUCHT, consent, open_case, refer)


def rows(db, response):
    """(action, object_type, object_id, detail, node) of the audit rows of one request."""
    return db.execute(
        "SELECT action, object_type, object_id::text, detail, node_id::text FROM audit_log"
        " WHERE request_id = %s ORDER BY id", (response.headers["X-Request-Id"],)).fetchall()


def test_consent_list_is_audited_naming_the_consents(demo, demo_db):
    jc = demo("jobcenter")
    c = open_case(jc)
    empty = jc.get(f"/v1/cases/{c['id']}/consents")
    assert empty.status_code == 200 and empty.json()["items"] == []
    # Even an empty list shows something of the case (that it has no consent): audited.
    assert rows(demo_db, empty) == [("consent.list", "client_case", c["id"], {"ids": []},
                                     JOBCENTER)]
    a = consent(jc, c["id"], SCHULDNER)
    b = consent(jc, c["id"], scope="network")
    r = jc.get(f"/v1/cases/{c['id']}/consents")
    assert [i["id"] for i in r.json()["items"]] == [a["id"], b["id"]]
    assert rows(demo_db, r) == [("consent.list", "client_case", c["id"],
                                 {"ids": [a["id"], b["id"]]}, JOBCENTER)]
    # Another node's case, a missing one: 404 and no row.
    for client, case_id in ((demo("schuldnerberatung"), c["id"]), (jc, str(uuid.uuid4()))):
        r = client.get(f"/v1/cases/{case_id}/consents")
        assert_problem(r, 404)
        assert rows(demo_db, r) == []


def test_referral_lists_are_audited_naming_referrals_and_cases(demo, demo_db):
    jc, sch = demo("jobcenter"), demo("schuldnerberatung")
    c1, c2 = open_case(jc), open_case(jc)
    for c in (c1, c2):
        consent(jc, c["id"], scope="network")
    r1 = refer(jc, c1["id"], SCHULDNER, note="Schulden seit 2024")
    r2 = refer(jc, c2["id"], SCHULDNER)
    r3 = refer(jc, c1["id"], SUCHT)

    by_case = jc.get(f"/v1/referrals?case_id={c1['id']}")
    assert {i["id"] for i in by_case.json()["items"]} == {r1["id"], r3["id"]}
    [(action, otype, oid, detail, node)] = rows(demo_db, by_case)
    assert (action, otype, oid, node) == ("referral.list", "referral", None, JOBCENTER)
    assert detail["box"] == "both" and detail["case_id"] == c1["id"]
    assert detail["ids"] == [i["id"] for i in by_case.json()["items"]]
    assert detail["case_ids"] == [c1["id"]]

    # The receiver's inbox shows case references and notes: audited under its node.
    inbox = sch.get("/v1/referrals?box=inbox&limit=2")
    shown = [i["id"] for i in inbox.json()["items"]]
    assert shown[:2] == [r2["id"], r1["id"]] and inbox.json()["next"]
    [(action, _, _, detail, node)] = rows(demo_db, inbox)
    assert (action, node, detail["box"]) == ("referral.list", SCHULDNER, "inbox")
    # Only what was shown: not the page's look-ahead row.
    assert detail["ids"] == shown
    assert sorted(detail["case_ids"]) == sorted({c1["id"], c2["id"]})

    outbox = jc.get("/v1/referrals?box=outbox&limit=1")
    [(_, _, _, detail, _)] = rows(demo_db, outbox)
    assert detail["box"] == "outbox" and detail["ids"] == [r3["id"]]

    # Nothing shown, nothing written; a refused request writes nothing either.
    none = jc.get(f"/v1/referrals?case_id={uuid.uuid4()}")
    assert none.status_code == 200 and none.json()["items"] == []
    assert rows(demo_db, none) == []
    bad = jc.get("/v1/referrals?box=sideways")
    assert_problem(bad, 400, "bad-query")
    assert rows(demo_db, bad) == []


def test_case_list_is_audited(demo, demo_db):
    u25 = demo("jobcenter-u25")
    c = open_case(u25)
    r = u25.get("/v1/cases?limit=1")
    assert [i["id"] for i in r.json()["items"]] == [c["id"]]
    assert rows(demo_db, r) == [("case.list", "client_case", None, {"ids": [c["id"]]},
                                 "20000000-0000-4000-8000-000000000001")]


def test_audit_finds_list_reads_by_the_ids_they_showed(demo, demo_db):
    jc, sch = demo("jobcenter"), demo("schuldnerberatung")
    c = open_case(jc)
    consent(jc, c["id"], SCHULDNER)
    ref = refer(jc, c["id"], SCHULDNER)
    inbox = sch.get(f"/v1/referrals?box=inbox&case_id={c['id']}")
    assert [i["id"] for i in inbox.json()["items"]] == [ref["id"]]
    auditor = demo("auditor")
    for object_id in (ref["id"], c["id"]):
        found = auditor.get("/v1/audit", params={"object_id": object_id, "limit": 500})
        assert found.status_code == 200, found.text
        reads = [i for i in found.json()["items"]
                 if i["request_id"] == inbox.headers["X-Request-Id"]]
        assert len(reads) == 1 and reads[0]["action"] == "referral.list", object_id
        assert reads[0]["node_id"] == SCHULDNER
