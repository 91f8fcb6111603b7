"""The data subject's rights for one case: the export of everything pnet holds about it (Art. 15
GDPR), for its owner only and audited, and its erasure (Art. 17): at once, audited, keeping only
the anonymous statistics rows, and leaving no row with the case's id in any table."""

import uuid

import psycopg.sql
import pytest

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


COLLEAGUE = "60000000-0000-4000-8000-000000000010"  # the jobcenter's second caseworker


def ok(r, status=200):
    assert r.status_code == status, r.text
    return r.json()


def a_full_case(demo):
    """A case with consents, a completed referral with notes, a handover and messages, one
    completed after an appointment, a withdrawn one, a deputy, a follow-up date, and reads of
    all of it by the owner and the receiver."""
    loop = Loop(demo)
    jc, sch = loop.sender, loop.receiver
    c = loop.case
    # Texts of this case alone, to look for after its erasure.
    loop.message = "Nachricht im Fall " + uuid.uuid4().hex
    loop.follow_up = "Bescheid nachfragen " + uuid.uuid4().hex[:8]
    loop.agenda = "Fallkonferenz zur Wohnung " + uuid.uuid4().hex[:8]
    done = loop.walk("completed", note="Mietschulden, Kontopfändung")
    jc.post(f"/v1/referrals/{done['id']}/handovers",
            json={"channel": "phone", "warm": True, "note": "Telefonat"})
    ok(jc.post(f"/v1/referrals/{done['id']}/messages", json={"text": loop.message}), 201)
    ok(sch.post(f"/v1/referrals/{done['id']}/messages", json={"text": "Antwort"}), 201)
    met = loop.walk("accepted")
    met = ok(sch.put(f"/v1/referrals/{met['id']}/appointment",
                     json={"at": "2031-03-04T09:30:00+01:00"}))
    for to in ("in_progress", "completed"):
        met = ok(move(sch, met, to))
    ok(jc.put(f"/v1/cases/{c['id']}/deputies", json={"account_ids": [COLLEAGUE]}))
    ok(jc.post(f"/v1/cases/{c['id']}/follow-ups",
               json={"due_on": today(7), "reason": loop.follow_up}), 201)
    loop.conference = ok(jc.post(f"/v1/cases/{c['id']}/conferences", json={
        "starts_at": f"{today(5)}T10:00:00+01:00", "place": "Jobcenter, Raum 2.14",
        "agenda": loop.agenda, "participant_node_ids": [SCHULDNER]}), 201)
    consent(jc, c["id"], SUCHT)
    gone = refer(jc, c["id"], SUCHT, note="Suchtberatung")
    assert move(jc, gone, "withdrawn").status_code == 200
    for client in (jc, sch):
        client.get(f"/v1/referrals/{done['id']}")
        client.get(f"/v1/referrals/{done['id']}/events")
        client.get(f"/v1/referrals/{done['id']}/messages")
        client.get("/v1/referrals")
    jc.get(f"/v1/cases/{c['id']}")
    jc.get("/v1/cases")
    jc.get(f"/v1/cases/{c['id']}/consents")
    return loop, done, gone, met


def test_export_holds_everything_and_only_for_the_owner(demo, demo_db):
    loop, done, gone, met = a_full_case(demo)
    jc, c = loop.sender, loop.case
    r = jc.get(f"/v1/cases/{c['id']}/export")
    assert r.status_code == 200, r.text
    x = r.json()
    assert x["case"]["id"] == c["id"] and x["case"]["reference"] == c["reference"]
    assert len(x["consents"]) == 2
    assert {k["recipient_node_id"] for k in x["consents"]} == {SCHULDNER, SUCHT}
    refs = {f["id"]: f for f in x["referrals"]}
    assert set(refs) == {done["id"], gone["id"], met["id"]}
    assert refs[done["id"]]["note"] == "Mietschulden, Kontopfändung"
    kinds = [e["kind"] for e in refs[done["id"]]["events"]]
    assert kinds.count("transition") == 3 and "handover" in kinds and kinds[0] == "created"
    assert kinds.count("message") == 2
    # the messages with their text, the appointment and its timeline entry
    assert [(m["text"], m["author_node_id"]) for m in refs[done["id"]]["messages"]] == [
        (loop.message, JOBCENTER), ("Antwort", SCHULDNER)]
    assert refs[gone["id"]]["messages"] == [] and refs[gone["id"]]["missed_deadlines"] == []
    assert refs[met["id"]]["appointment_at"].startswith("2031-03-04")
    assert "appointment" in [e["kind"] for e in refs[met["id"]]["events"]]
    # the team, the follow-up date with its reason, the case's own timeline
    assert [d["id"] for d in x["case"]["deputies"]] == [COLLEAGUE]
    assert x["case"]["responsible"]["id"]
    assert [(f["reason"], f["due_on"]) for f in x["follow_ups"]] == [(loop.follow_up, today(7))]
    assert "deputy_added" in [e["kind"] for e in x["timeline"]]
    assert [(f["id"], f["agenda"]) for f in x["conferences"]] == [
        (loop.conference["id"], loop.agenda)]
    # the events about it that went to the nodes
    types = [n["type"] for n in x["notifications"]]
    assert "referral.message" in types and "referral.appointment" in types
    assert all(SCHULDNER in n["node_ids"] or SUCHT in n["node_ids"] or JOBCENTER in n["node_ids"]
               for n in x["notifications"])
    actions = [a["action"] for a in x["audit"]]
    for a in ("case.create", "consent.create", "referral.create", "referral.transition",
              "referral.handover", "referral.read", "referral.events_read", "referral.list",
              "case.read", "case.list", "consent.list", "referral.message",
              "referral.messages_read", "referral.appointment", "case.deputies",
              "case.follow_up_create"):
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


@pytest.fixture
def receiver_wants_mail(demo):
    """The Schuldnerberatung's account wants e-mail for messages (the demo has no SMTP server,
    so its notices wait); put back afterwards."""
    sch = demo("schuldnerberatung")
    me = sch.get("/v1/me").json()
    me = me.get("account", me)
    was = sch.get("/v1/me/notifications").json()["email_kinds"]
    ok(sch.patch(f"/v1/accounts/{me['id']}/contact", json={"email": "sb@beratung.example"}))
    ok(sch.put("/v1/me/notifications", json={"email_kinds": ["message"]}))
    yield me["id"]
    ok(sch.put("/v1/me/notifications", json={"email_kinds": was}))
    ok(sch.patch(f"/v1/accounts/{me['id']}/contact", json={"email": me.get("email")}))


def test_erase_leaves_no_row_with_the_case_id(demo, demo_db, receiver_wants_mail):
    loop, done, gone, met = a_full_case(demo)
    jc, c = loop.sender, loop.case
    jc.get(f"/v1/cases/{c['id']}/export")
    before, tables = rows_naming(demo_db, c["id"])
    assert {"client_case", "consent", "referral", "audit_log", "outbox", "case_deputy",
            "case_event", "case_follow_up"} <= {t for t, _ in before}
    referral_ids = [done["id"], gone["id"], met["id"]]
    hanging = {t: demo_db.execute(f"SELECT count(*) FROM {t} WHERE referral_id = ANY (%s::uuid[])",
                                  (referral_ids,)).fetchone()[0]
               for t in ("referral_message", "referral_event")}
    assert hanging["referral_message"] == 2 and hanging["referral_event"] > 8
    notices = demo_db.execute(
        "SELECT count(*) FROM email_notice n JOIN outbox o ON o.seq = n.outbox_seq "
        "WHERE n.account_id = %s AND o.payload->>'case_id' = %s",
        (receiver_wants_mail, c["id"])).fetchone()[0]
    assert notices >= 1
    # not the receiver, not another node
    assert_problem(loop.receiver.post(f"/v1/cases/{c['id']}/erase"), 404)
    r = jc.post(f"/v1/cases/{c['id']}/erase")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["erased"] is True and body["referrals_archived"] == 3
    after, _ = rows_naming(demo_db, c["id"])
    assert after == [], after
    assert len(tables) > 20
    # nothing hangs on the referrals either: messages, timelines, the notice waiting for mail
    for t in ("referral_message", "referral_event", "referral_deadline_missed",
              "transfer_responsible"):
        assert demo_db.execute(f"SELECT count(*) FROM {t} WHERE referral_id = ANY (%s::uuid[])",
                               (referral_ids,)).fetchone()[0] == 0, t
    assert demo_db.execute("SELECT count(*) FROM conference_archive WHERE id = %s",
                           (loop.conference["id"],)).fetchone()[0] == 1
    for text in (loop.message, loop.follow_up, loop.agenda):
        assert rows_naming(demo_db, text)[0] == [], text
    assert demo_db.execute("SELECT count(*) FROM email_notice n WHERE n.account_id = %s "
                           "AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.seq = n.outbox_seq)",
                           (receiver_wants_mail,)).fetchone()[0] == 0
    # what statistics keep: the anonymous rows, no case, no text, with the target group
    archived = demo_db.execute("SELECT id::text, status, target_group_id::text "
                               "FROM referral_archive WHERE id = ANY (%s::uuid[])",
                               (referral_ids,)).fetchall()
    assert sorted(archived) == sorted([(done["id"], "completed", c["target_group_id"]),
                                       (gone["id"], "withdrawn", c["target_group_id"]),
                                       (met["id"], "completed", c["target_group_id"])])
    # the erasure is audited under its erasure id, and the entries that named the case name it
    erased = demo_db.execute("SELECT account_id::text, detail FROM audit_log "
                             "WHERE action = 'case.erase' AND object_id = %s",
                             (body["erasure_id"],)).fetchall()
    assert len(erased) == 1 and erased[0][1]["referrals_archived"] == 3
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
