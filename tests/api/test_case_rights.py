"""The data subject's rights for one case: the export of everything pnet holds about it (Art. 15
GDPR), for its owner only and audited, and its erasure (Art. 17): at once, audited, keeping only
the anonymous statistics rows, and leaving no row with the case's id in any table."""

import psycopg.sql

from checks import assert_problem
from referral_support import (JOBCENTER, KITA, SCHULDNER, SUCHT, Loop, consent, move, open_case, refer,
                              today)


def rows_naming(db, text):
    """(table, count) of every table of the schema with rows whose text holds text."""
    tables = [t for (t,) in db.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1")]
    found = []
    for t in tables:
        n = db.execute(psycopg.sql.SQL("SELECT count(*) FROM {} x WHERE x::text LIKE %s")
                       .format(psycopg.sql.Identifier(t)), (f"%{text}%",)).fetchone()[0]
        if n:
            found.append((t, n))
    return found, tables


def a_full_case(demo):
    """A case with consents, a completed referral with notes and a handover, a withdrawn
    one, and reads of all of it by the owner and the receiver."""
    loop = Loop(demo)
    jc, sch = loop.sender, loop.receiver
    c = loop.case
    done = loop.walk("completed", note="Mietschulden, Kontopfändung")
    jc.post(f"/v1/referrals/{done['id']}/handovers",
            json={"channel": "phone", "warm": True, "note": "Telefonat"})
    consent(jc, c["id"], SUCHT)
    gone = refer(jc, c["id"], SUCHT, note="Suchtberatung")
    assert move(jc, gone, "withdrawn").status_code == 200
    for client in (jc, sch):
        client.get(f"/v1/referrals/{done['id']}")
        client.get(f"/v1/referrals/{done['id']}/events")
        client.get("/v1/referrals")
    jc.get(f"/v1/cases/{c['id']}")
    jc.get("/v1/cases")
    jc.get(f"/v1/cases/{c['id']}/consents")
    return loop, done, gone


def test_export_holds_everything_and_only_for_the_owner(demo, demo_db):
    loop, done, gone = a_full_case(demo)
    jc, c = loop.sender, loop.case
    r = jc.get(f"/v1/cases/{c['id']}/export")
    assert r.status_code == 200, r.text
    x = r.json()
    assert x["case"]["id"] == c["id"] and x["case"]["reference"] == c["reference"]
    assert len(x["consents"]) == 2
    assert {k["recipient_node_id"] for k in x["consents"]} == {SCHULDNER, SUCHT}
    refs = {f["id"]: f for f in x["referrals"]}
    assert set(refs) == {done["id"], gone["id"]}
    assert refs[done["id"]]["note"] == "Mietschulden, Kontopfändung"
    kinds = [e["kind"] for e in refs[done["id"]]["events"]]
    assert kinds.count("transition") == 3 and "handover" in kinds and kinds[0] == "created"
    actions = [a["action"] for a in x["audit"]]
    for a in ("case.create", "consent.create", "referral.create", "referral.transition",
              "referral.handover", "referral.read", "referral.events_read", "referral.list",
              "case.read", "case.list", "consent.list"):
        assert a in actions, a
    # who read it: the receiver's reads are there, by name
    reads = [a for a in x["audit"] if a["action"] == "referral.read"]
    assert {a["node_id"] for a in reads} == {JOBCENTER, SCHULDNER}
    assert all(a["account_name"] for a in reads)
    # the export is audited itself
    assert demo_db.execute("SELECT count(*) FROM audit_log WHERE action = 'case.export' "
                           "AND object_id = %s", (c["id"],)).fetchone()[0] == 1
    # the owner only: the receiver, another node, a coordinator
    assert_problem(loop.receiver.get(f"/v1/cases/{c['id']}/export"), 404)
    assert_problem(demo("suchtberatung").get(f"/v1/cases/{c['id']}/export"), 404)
    assert_problem(demo("koordination").get(f"/v1/cases/{c['id']}/export"), 403)


def test_erase_leaves_no_row_with_the_case_id(demo, demo_db):
    loop, done, gone = a_full_case(demo)
    jc, c = loop.sender, loop.case
    jc.get(f"/v1/cases/{c['id']}/export")
    before, tables = rows_naming(demo_db, c["id"])
    assert {"client_case", "consent", "referral", "audit_log", "outbox"} <= {
        t for t, _ in before}
    # not the receiver, not another node
    assert_problem(loop.receiver.post(f"/v1/cases/{c['id']}/erase"), 404)
    r = jc.post(f"/v1/cases/{c['id']}/erase")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["erased"] is True and body["referrals_archived"] == 2
    after, _ = rows_naming(demo_db, c["id"])
    assert after == [], after
    assert len(tables) > 20
    # what statistics keep: the anonymous rows, no case, no text
    archived = demo_db.execute("SELECT id::text, status FROM referral_archive "
                               "WHERE id = ANY (%s::uuid[])",
                               ([done["id"], gone["id"]],)).fetchall()
    assert sorted(archived) == sorted([(done["id"], "completed"), (gone["id"], "withdrawn")])
    # the erasure is audited under its erasure id, and the entries that named the case name it
    erased = demo_db.execute("SELECT account_id::text, detail FROM audit_log "
                             "WHERE action = 'case.erase' AND object_id = %s",
                             (body["erasure_id"],)).fetchall()
    assert len(erased) == 1 and erased[0][1]["referrals_archived"] == 2
    assert demo_db.execute("SELECT count(*) FROM audit_log WHERE object_id = %s "
                           "AND action = 'case.create'",
                           (body["erasure_id"],)).fetchone()[0] == 1
    # gone for everyone
    assert_problem(jc.get(f"/v1/cases/{c['id']}"), 404)
    assert_problem(loop.receiver.get(f"/v1/referrals/{done['id']}"), 404)
    assert_problem(jc.post(f"/v1/cases/{c['id']}/erase"), 404)
    # the audit log stays append-only otherwise
    try:
        demo_db.execute("UPDATE audit_log SET action = 'x' WHERE id = "
                        "(SELECT max(id) FROM audit_log)")
        raise AssertionError("audit_log changed")
    except psycopg.errors.InsufficientPrivilege:
        pass


def test_erase_refuses_open_referrals(demo, demo_db):
    jc = demo("jobcenter")
    c = open_case(jc)
    consent(jc, c["id"], KITA, given_on=today())
    open_one = refer(jc, c["id"], KITA)
    assert_problem(jc.post(f"/v1/cases/{c['id']}/erase"), 409, "open-referrals")
    assert jc.get(f"/v1/cases/{c['id']}").status_code == 200
    assert move(jc, open_one, "withdrawn").status_code == 200
    assert jc.post(f"/v1/cases/{c['id']}/erase").status_code == 200
    assert rows_naming(demo_db, c["id"])[0] == []
