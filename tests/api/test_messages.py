"""Messages on a referral: the thread of both sides, unread per node (read by any account of
it, who and when recorded), the note's consent rule, a third node's 404, the event without
text, the timeline entry, audited reads and writes, cursor pages, deletion with the case."""

import json
import uuid

import pytest

from checks import assert_problem
from conftest import DEMO_PASSWORD
from events_support import SseClient
from harness import Api
from referral_support import JOBCENTER, SCHULDNER, Loop, audit, counts, open_case, refer

SECRET = "Hat der Klient schon ein P-Konto? Geheimtext-" + uuid.uuid4().hex[:8]


def post(client, referral_id, text):
    return client.post(f"/v1/referrals/{referral_id}/messages", json={"text": text})


def thread(client, referral_id, **params):
    r = client.get(f"/v1/referrals/{referral_id}/messages", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def unread(client):
    r = client.get("/v1/messages/unread")
    assert r.status_code == 200, r.text
    return r.json()


def unread_for(client, referral_id):
    return {x["referral_id"]: x["unread"] for x in unread(client)["referrals"]}.get(referral_id, 0)


@pytest.fixture
def colleague(demo, demo_db, demo_pnetd):
    """A second caseworker account of the Schuldnerberatung (same password as the demo)."""
    login = "sb-" + uuid.uuid4().hex[:8]
    demo_db.execute("INSERT INTO account (login, display_name, password_hash, role, node_id)"
                    " SELECT %s, 'Zweite Beraterin', password_hash, 'caseworker', node_id"
                    " FROM account WHERE login = 'schuldnerberatung'", (login,))
    c = Api(demo_pnetd.base_url)
    c.login(login, DEMO_PASSWORD)
    yield c, demo_db.execute("SELECT id::text FROM account WHERE login = %s",
                             (login,)).fetchone()[0]
    c.close()


def test_both_sides_write_and_read_the_thread_with_unread_per_node(demo, demo_db, colleague):
    loop = Loop(demo)
    ref = loop.refer()
    sender, receiver = loop.sender, loop.receiver
    other_account, other_id = colleague
    before_receiver = unread(receiver)["total"]

    r = post(sender, ref["id"], SECRET)
    assert r.status_code == 201, r.text
    sent = r.json()
    assert sent["text"] == SECRET and sent["withheld"] is False
    assert sent["author_node_id"] == JOBCENTER and sent["referral_id"] == ref["id"]
    assert sent["unread"] is False, "the author's own message is never unread for it"

    # Unread for the receiving node, for each of its accounts; not for the sender.
    assert unread_for(receiver, ref["id"]) == 1
    assert unread_for(other_account, ref["id"]) == 1
    assert unread(receiver)["total"] == before_receiver + 1
    assert unread_for(sender, ref["id"]) == 0

    # The colleague reads: the answer shows it as new; afterwards it is read for the node.
    items = thread(other_account, ref["id"])["items"]
    assert [m["text"] for m in items] == [SECRET]
    assert items[0]["unread"] is True
    assert unread_for(receiver, ref["id"]) == 0
    again = thread(receiver, ref["id"])["items"][0]
    assert again["unread"] is False
    assert again["read_by_account_id"] == other_id and again["read_at"]

    # The answer goes back: unread for the sender until it reads.
    r = post(receiver, ref["id"], "Ja, seit März.\nGruß")
    assert r.status_code == 201, r.text
    assert unread_for(sender, ref["id"]) == 1
    items = thread(sender, ref["id"])["items"]
    assert [m["text"] for m in items] == [SECRET, "Ja, seit März.\nGruß"]
    assert [m["unread"] for m in items] == [False, True]
    assert items[1]["author_node_id"] == SCHULDNER
    assert items[1]["author_name"]
    assert unread_for(sender, ref["id"]) == 0

    # Writes and reads are audited on the referral, naming the messages.
    actions = audit(demo_db, ref["id"])
    assert actions.count("referral.message") == 2
    assert actions.count("referral.messages_read") == 3
    detail = demo_db.execute(
        "SELECT detail FROM audit_log WHERE object_id = %s AND action = 'referral.messages_read'"
        " ORDER BY id LIMIT 1", (ref["id"],)).fetchone()[0]
    assert detail == {"ids": [sent["id"]], "read": [sent["id"]]}


def test_a_receiver_without_consent_sees_that_messages_exist_not_their_text(demo):
    loop = Loop(demo)
    ref = loop.refer()
    assert post(loop.sender, ref["id"], SECRET).status_code == 201
    assert post(loop.receiver, ref["id"], "Eigene Frage der Beratung").status_code == 201
    r = loop.sender.post(f"/v1/consents/{loop.consent['id']}/revoke")
    assert r.status_code == 200, r.text

    seen = thread(loop.receiver, ref["id"])["items"]
    assert len(seen) == 2
    assert seen[0]["text"] is None and seen[0]["withheld"] is True
    assert SECRET not in json.dumps(seen)
    # Its own message it still reads; the sender reads everything.
    assert seen[1]["text"] == "Eigene Frage der Beratung" and seen[1]["withheld"] is False
    assert [m["text"] for m in thread(loop.sender, ref["id"])["items"]] == [
        SECRET, "Eigene Frage der Beratung"]


def test_messages_follow_the_legal_basis_of_a_statutory_referral(demo, demo_db):
    # No consent at all: the data went on § 69 SGB X, so the receiver reads the thread as it
    # reads the note (referral_basis_holds), and entry and audit row name the basis.
    jc, sch = demo("jobcenter"), demo("schuldnerberatung")
    c = open_case(jc)
    ref = refer(jc, c["id"], SCHULDNER, legal_basis="sgbx_69_1_1", note="gesetzlich")
    r = post(jc, ref["id"], SECRET)
    assert r.status_code == 201, r.text
    assert post(sch, ref["id"], "Antwort der Beratung").status_code == 201
    seen = thread(sch, ref["id"])["items"]
    assert [(m["text"], m["withheld"]) for m in seen] == [
        (SECRET, False), ("Antwort der Beratung", False)]
    events = sch.get(f"/v1/referrals/{ref['id']}/events").json()["items"]
    assert [(e["kind"], e["legal_basis"]) for e in events if e["kind"] == "message"] == [
        ("message", "sgbx_69_1_1")] * 2
    assert demo_db.execute("SELECT detail->>'legal_basis' FROM audit_log WHERE object_id = %s"
                           " AND action = 'referral.message'", (ref["id"],)).fetchall() == [
        ("sgbx_69_1_1",)] * 2


def basis_holds(client, ref):
    r = client.get(f"/v1/referrals/{ref['id']}")
    assert r.status_code == 200, r.text
    return r.json()["basis_holds"]


def test_the_sender_writes_only_while_the_consent_holds_the_receiver_always(demo, demo_db):
    loop = Loop(demo)
    ref = loop.refer()
    # The referral says so to its sender (the web app offers a message only then); to the
    # receiver it says nothing (null), its note shows what it reads.
    assert ref["basis_holds"] is True
    assert (basis_holds(loop.sender, ref), basis_holds(loop.receiver, ref)) == (True, None)
    assert post(loop.sender, ref["id"], "Vor dem Widerruf").status_code == 201
    events = loop.sender.get(f"/v1/referrals/{ref['id']}/events").json()["items"]
    assert [e["legal_basis"] for e in events if e["kind"] == "message"] == [ref["legal_basis"]]
    r = loop.sender.post(f"/v1/consents/{loop.consent['id']}/revoke")
    assert r.status_code == 200, r.text
    assert (basis_holds(loop.sender, ref), basis_holds(loop.receiver, ref)) == (False, None)
    outbox = loop.sender.get("/v1/referrals", params={"box": "outbox", "limit": 20}).json()
    assert [x["basis_holds"] for x in outbox["items"] if x["id"] == ref["id"]] == [False]
    before = counts(demo_db)
    n = demo_db.execute("SELECT count(*) FROM referral_message WHERE referral_id = %s",
                        (ref["id"],)).fetchone()[0]
    r = post(loop.sender, ref["id"], SECRET)
    assert_problem(r, 422, "consent-required")
    assert r.json()["errors"][0]["field"] == "text" and r.json()["errors"][0]["code"] == "no_basis"
    assert counts(demo_db) == before
    assert demo_db.execute("SELECT count(*) FROM referral_message WHERE referral_id = %s",
                           (ref["id"],)).fetchone()[0] == n
    # The receiver still answers its sender, and a new consent lets the sender write again.
    assert post(loop.receiver, ref["id"], "Rückfrage der Beratung").status_code == 201
    k = loop.sender.post(f"/v1/cases/{loop.case['id']}/consents", json={
        "scope": "node", "recipient_node_id": SCHULDNER, "purpose": "Vermittlung",
        "purpose_code": "debt_counselling", "given_on": loop.consent["given_on"], "evidence": "neu"})
    assert k.status_code == 201, k.text
    assert basis_holds(loop.sender, ref) is True
    assert post(loop.sender, ref["id"], "Nach neuer Einwilligung").status_code == 201


def test_a_third_node_gets_404_and_nothing_is_written(demo, demo_db):
    loop = Loop(demo)
    ref = loop.refer()
    assert post(loop.sender, ref["id"], SECRET).status_code == 201
    third = demo("suchtberatung")
    before = counts(demo_db)
    messages = demo_db.execute("SELECT count(*) FROM referral_message").fetchone()[0]
    assert_problem(third.get(f"/v1/referrals/{ref['id']}/messages"), 404)
    assert_problem(post(third, ref["id"], "Darf ich mitlesen?"), 404)
    assert_problem(post(third, str(uuid.uuid4()), "Gibt es nicht"), 404)
    assert SECRET not in json.dumps(unread(third))
    assert counts(demo_db) == before
    assert demo_db.execute("SELECT count(*) FROM referral_message").fetchone()[0] == messages
    # Who is no caseworker has no thread at all.
    assert_problem(demo("koordination").get(f"/v1/referrals/{ref['id']}/messages"), 403)
    assert_problem(demo(None).get(f"/v1/referrals/{ref['id']}/messages"), 401)


@pytest.mark.parametrize("body, field", [
    ({}, "text"),
    ({"text": ""}, "text"),
    ({"text": "x" * 4001}, "text"),
    ({"text": 5}, "text"),
    ({"text": "Hallo", "to": "alle"}, "to"),
])
def test_invalid_messages_are_refused_and_write_nothing(demo, demo_db, body, field):
    loop = Loop(demo)
    ref = loop.refer()
    before = counts(demo_db)
    r = loop.sender.post(f"/v1/referrals/{ref['id']}/messages", json=body)
    problem = assert_problem(r, 422)
    assert field in [e["field"] for e in problem["errors"]]
    assert counts(demo_db) == before


def test_the_longest_message_and_a_closed_referral_are_fine(demo):
    loop = Loop(demo)
    ref = loop.walk("declined")
    r = post(loop.sender, ref["id"], "ä" * 4000)
    assert r.status_code == 201, r.text
    assert r.json()["text"] == "ä" * 4000


def test_each_message_is_an_event_without_text_and_a_timeline_entry(demo, demo_db,
                                                                    demo_pnetd):
    loop = Loop(demo)
    ref = loop.refer()
    stream = SseClient(demo_pnetd.base_url, loop.receiver.token)
    sender_stream = SseClient(demo_pnetd.base_url, loop.sender.token)
    try:
        assert stream.status == 200
        m = post(loop.sender, ref["id"], SECRET).json()
        for s in (stream, sender_stream):
            event = None
            while True:
                event = s.next(timeout=5)
                assert event is not None, "no referral.message event"
                if event["event"] == "referral.message":
                    break
            data = json.loads(event["data"])["data"]
            assert data["referral_id"] == ref["id"] and data["message_id"] == m["id"]
            assert data["author_node_id"] == JOBCENTER
            assert SECRET not in event["data"]
    finally:
        stream.close()
        sender_stream.close()
    payloads = demo_db.execute("SELECT payload::text FROM outbox WHERE type = 'referral.message'"
                               " AND payload->>'referral_id' = %s", (ref["id"],)).fetchall()
    assert len(payloads) == 1 and SECRET not in payloads[0][0]

    r = loop.receiver.get(f"/v1/referrals/{ref['id']}/events")
    assert r.status_code == 200, r.text
    entries = [e for e in r.json()["items"] if e["kind"] == "message"]
    assert len(entries) == 1
    assert entries[0]["message_id"] == m["id"] and entries[0]["actor_node_id"] == JOBCENTER
    assert entries[0]["note"] is None and SECRET not in r.text


def test_webhooks_may_ask_for_messages(demo):
    r = demo("schuldnerberatung").post("/v1/webhooks", json={
        "url": "https://example.org/hook", "event_types": ["referral.message"]})
    assert r.status_code == 201, r.text
    assert r.json()["event_types"] == ["referral.message"]


def test_the_thread_comes_in_cursor_pages_and_only_what_was_shown_is_read(demo):
    loop = Loop(demo)
    ref = loop.refer()
    texts = [f"Nachricht {i}" for i in range(5)]
    for t in texts:
        assert post(loop.sender, ref["id"], t).status_code == 201
    first = thread(loop.receiver, ref["id"], limit=2)
    assert [m["text"] for m in first["items"]] == texts[:2]
    assert first["next"]
    assert unread_for(loop.receiver, ref["id"]) == 3
    second = thread(loop.receiver, ref["id"], limit=2, after=first["next"])
    assert [m["text"] for m in second["items"]] == texts[2:4]
    third = thread(loop.receiver, ref["id"], limit=2, after=second["next"])
    assert [m["text"] for m in third["items"]] == texts[4:]
    assert third["next"] is None
    assert unread_for(loop.receiver, ref["id"]) == 0
    assert_problem(loop.receiver.get(f"/v1/referrals/{ref['id']}/messages",
                                     params={"after": "kaputt"}), 400)


def test_messages_leave_with_their_case(demo, demo_db):
    loop = Loop(demo)
    ref = loop.refer()
    secret = "Nur in diesem Fall " + uuid.uuid4().hex
    m = post(loop.sender, ref["id"], secret).json()
    # Retention deletes the case row (retention_purge); everything of it follows.
    demo_db.execute("DELETE FROM client_case WHERE id = %s", (loop.case["id"],))
    assert demo_db.execute("SELECT count(*) FROM referral_message WHERE id = %s",
                           (m["id"],)).fetchone()[0] == 0
    assert demo_db.execute("SELECT count(*) FROM referral_message WHERE body = %s",
                           (secret,)).fetchone()[0] == 0


def test_a_resend_with_the_same_idempotency_key_does_not_double_the_message(demo, demo_db):
    loop = Loop(demo)
    ref, other = loop.refer(), Loop(demo).refer()
    sender = loop.sender
    key = "msg-" + uuid.uuid4().hex

    def send(referral_id, text, k=key):
        return sender.post(f"/v1/referrals/{referral_id}/messages", json={"text": text},
                           headers={"Idempotency-Key": k})

    first = send(ref["id"], "Wann ist der erste Termin?")
    assert first.status_code == 201, first.text
    # The answer was lost: the app sends again with the same key.
    again = send(ref["id"], "Wann ist der erste Termin?")
    assert again.status_code == 201, again.text
    assert again.json()["id"] == first.json()["id"]
    assert [m["id"] for m in thread(sender, ref["id"])["items"]] == [first.json()["id"]]
    n = demo_db.execute("SELECT count(*) FROM referral_event WHERE referral_id = %s"
                        " AND kind = 'message'", (ref["id"],)).fetchone()[0]
    assert n == 1, "one timeline entry, one event"
    # The same key with another text, or for another referral, is another request: refused.
    assert_problem(send(ref["id"], "Etwas anderes"), 422, "idempotency-key-reused")
    assert_problem(send(other["id"], "Wann ist der erste Termin?"), 422,
                   "idempotency-key-reused")
    assert thread(sender, other["id"])["items"] == []
    # Without a key, each POST is a message of its own; a malformed key is refused.
    assert post(sender, ref["id"], "Noch eine Frage").status_code == 201
    assert_problem(send(ref["id"], "x", k="a b"), 400, "bad-idempotency-key")
    assert len(thread(sender, ref["id"])["items"]) == 2
