"""Accept by link: a node without accounts (the demo's Kita-Platz-Vermittlung) answers a
referral through a link its contact e-mail receives. The link shows exactly what the
receiving node may see, moves the referral through the one state machine as the node's with
the channel "link", and opens nothing else; expired, revoked, used-up and foreign links are
refused clearly, and failed attempts are throttled per address and per token."""

import hashlib
import re
import time

import psycopg
import pytest

from checks import assert_problem
from conftest import DEMO_PASSWORD
from events_support import load_demo
from harness import Api
from referral_support import KITA, SCHULDNER, consent, move, open_case, refer, today
from smtp_support import SmtpReceiver, make_certificate, smtp_options

KITA_EMAIL = "kitavermittlung@awo-neustadt.example.org"
HEADER = "Pnet-Link-Token"
# Failures from 127.0.0.1 add up across the tests of this module: only the throttle's own
# test runs with the real bounds.
LENIENT = ["--link-free-failures=1000", "--link-max-failures-per-token=1000"]


@pytest.fixture(scope="module")
def database(database_factory):
    """A database of this module's own with the demo network (its e-mails and link failures
    are no other test's business)."""
    conninfo = database_factory()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        load_demo(conn)
    return conninfo


@pytest.fixture
def db(database):
    conn = psycopg.connect(database, autocommit=True)
    yield conn
    conn.close()


@pytest.fixture
def server(pnetd_factory, database):
    return pnetd_factory(*LENIENT, database=database)


def login(server, name):
    c = Api(server.base_url)
    c.login(name, DEMO_PASSWORD)
    return c


def send_to_kita(sender, note="Mutter von zwei Kindern, sucht ab Mai einen Kita-Platz."):
    case = open_case(sender)
    consent(sender, case["id"], KITA)
    return case, refer(sender, case["id"], KITA, note=note)


def token_of(db, referral_id):
    """The token of the referral's newest link, as its e-mail (not yet sent) holds it."""
    row = db.execute("SELECT o.secret FROM email_outgoing o JOIN referral_link l"
                     " ON l.id = o.link_id WHERE l.referral_id = %s"
                     " ORDER BY l.created_at DESC LIMIT 1", (referral_id,)).fetchone()
    assert row and row[0], "no link e-mail waits for this referral"
    return row[0]


def holder(server, token):
    """A client without a login that sends the link's token."""
    c = Api(server.base_url)
    c.session.headers[HEADER] = token
    return c


def link_move(client, referral_id, version, to, **fields):
    body = {"to": to}
    body.update(fields)
    return client.post(f"/v1/link/referrals/{referral_id}/transitions", json=body,
                       headers={"If-Match": f'"{version}"'}, auth=False)


def test_a_referral_to_a_node_without_accounts_sends_a_link_only_its_hash_kept(server, db):
    jobcenter = login(server, "jobcenter")
    _, referral = send_to_kita(jobcenter)
    token = token_of(db, referral["id"])
    assert len(token) >= 43  # 32 random bytes, base64url
    assert re.fullmatch(r"pnet_[A-Za-z0-9_-]{43}", token)
    # 14 of Germany's days (the session's zone is pnetd's): 14 x 24 hours but across a change
    # of summer time
    row = db.execute("SELECT token_hash, node_id::text, recipient,"
                     "       expires_at = created_at + interval '14 days'"
                     " FROM referral_link WHERE referral_id = %s", (referral["id"],)).fetchone()
    assert row[0] == hashlib.sha256(token.encode()).hexdigest()
    assert row[1:3] == (KITA, KITA_EMAIL)
    assert row[3] is True
    # The e-mail's stored text holds a placeholder, never the token.
    body = db.execute("SELECT body FROM email_outgoing o JOIN referral_link l ON l.id = o.link_id"
                      " WHERE l.referral_id = %s", (referral["id"],)).fetchone()[0]
    assert token not in body and f"/link/{referral['id']}#{{{{token}}}}" in body
    # The sender sees the link's state, the receiving node cannot be asked (no account).
    got = jobcenter.get(f"/v1/referrals/{referral['id']}").json()
    assert got["link"]["state"] == "live" and got["link"]["recipient"] == KITA_EMAIL
    # A node with accounts gets no link.
    case = open_case(jobcenter)
    consent(jobcenter, case["id"], SCHULDNER)
    other = refer(jobcenter, case["id"], SCHULDNER)
    assert db.execute("SELECT count(*) FROM referral_link WHERE referral_id = %s",
                      (other["id"],)).fetchone()[0] == 0
    assert jobcenter.get(f"/v1/referrals/{other['id']}").json()["link"] is None
    assert_problem(jobcenter.post(f"/v1/referrals/{other['id']}/link"), 409, "link-not-needed")


def test_the_email_arrives_with_the_link_and_the_token_is_then_forgotten(pnetd_factory,
                                                                          database, db,
                                                                          tmp_path):
    cert = make_certificate(tmp_path)
    receiver = SmtpReceiver(*cert).start()
    try:
        server = pnetd_factory(*LENIENT, *smtp_options(receiver, ca=cert[0]), database=database)
        jobcenter = login(server, "jobcenter")
        _, referral = send_to_kita(jobcenter)
        # Earlier tests' links wait in the same database: they go out now too.
        deadline = time.monotonic() + 20
        mail = None
        while mail is None and time.monotonic() < deadline:
            mail = next((m for m in receiver.to(KITA_EMAIL) if referral["id"] in m.text), None)
            time.sleep(0.1)
        assert mail, "the link's e-mail did not arrive"
        m = re.search(r"https://pnet\.example/app/link/([0-9a-f-]{36})#(pnet_[A-Za-z0-9_-]+)",
                      mail.text)
        assert m and m.group(1) == referral["id"], mail.text
        assert "Kita" in mail.subject
        # No note and no case reference in the e-mail.
        assert "Mutter" not in mail.text and referral["case"]["reference"] not in mail.text
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            row = db.execute("SELECT o.secret, o.sent_at FROM email_outgoing o JOIN"
                             " referral_link l ON l.id = o.link_id WHERE l.referral_id = %s",
                             (referral["id"],)).fetchone()
            if row[1]:
                break
            time.sleep(0.1)
        assert row == (None, row[1]) and row[1] is not None
        r = holder(server, m.group(2)).get(f"/v1/link/referrals/{referral['id']}", auth=False)
        assert r.status_code == 200, r.text
    finally:
        receiver.stop()


def test_the_link_shows_what_the_receiving_node_sees_and_moves_as_the_node(server, db):
    jobcenter = login(server, "jobcenter")
    case, referral = send_to_kita(jobcenter)
    link = holder(server, token_of(db, referral["id"]))
    r = link.get(f"/v1/link/referrals/{referral['id']}", auth=False)
    assert r.status_code == 200, r.text
    view = r.json()
    assert view["done"] is False
    assert view["receiver"]["id"] == KITA
    assert view["sender"]["name"].startswith("Jobcenter")
    assert view["referral"]["note"] == referral["note"]
    assert [m["to"] for m in view["referral"]["allowed_moves"]] == \
        ["received", "waitlisted", "accepted", "declined"]
    assert r.headers["ETag"] == f'"{referral["version"]}"'

    # received, then accepted with an appointment: each through the state machine.
    r = link_move(link, referral["id"], 1, "received")
    assert r.status_code == 200, r.text
    assert_problem(link_move(link, referral["id"], 1, "accepted"), 412, "stale")
    assert_problem(link_move(link, referral["id"], 2, "completed", outcome="goal_reached"),
                   409, "illegal-transition")
    assert_problem(link_move(link, referral["id"], 2, "withdrawn"), 403)
    at = f"{today(3)}T09:30:00+01:00"
    r = link_move(link, referral["id"], 2, "accepted", appointment_at=at, note="Termin steht.")
    assert r.status_code == 200, r.text
    assert r.json()["referral"]["status"] == "accepted"

    # The sender's timeline, the audit log and the events say: the node, through the link.
    events = jobcenter.get(f"/v1/referrals/{referral['id']}/events").json()["items"]
    moves = [e for e in events if e["kind"] == "transition"]
    assert [(e["to_status"], e["actor_node_id"], e["actor_account_id"], e["channel"])
            for e in moves] == [("received", KITA, None, "link"), ("accepted", KITA, None, "link")]
    assert moves[1]["appointment_at"] is None or moves[1]["appointment_at"]
    assert jobcenter.get(f"/v1/referrals/{referral['id']}").json()["appointment_at"]
    audit = db.execute("SELECT action, account_id, node_id::text, detail->>'channel'"
                       " FROM audit_log WHERE object_id = %s AND node_id = %s ORDER BY id",
                       (referral["id"], KITA)).fetchall()
    assert ("referral.transition", None, KITA, "link") in audit
    assert ("referral.read", None, KITA, "link") in audit
    outbox = db.execute("SELECT payload->>'status', payload->>'channel' FROM outbox"
                        " WHERE type = 'referral.updated' AND payload->>'referral_id' = %s"
                        " ORDER BY seq", (referral["id"],)).fetchall()
    assert outbox == [("received", "link"), ("accepted", "link")]

    # Exactly the projection a receiving caseworker gets: give the node an account and compare.
    admin = login(server, "admin")
    name = f"kita-{referral['id'][:8]}"
    r = admin.post("/v1/accounts", json={"login": name, "display_name": "Kita", "role":
                                         "caseworker", "node_id": KITA,
                                         "password": "ein-langes-passwort-123",
                                         "must_change_password": False})
    assert r.status_code == 201, r.text
    try:
        kita = Api(server.base_url)
        kita.login(name, "ein-langes-passwort-123")
        theirs = kita.get(f"/v1/referrals/{referral['id']}").json()
        mine = link.get(f"/v1/link/referrals/{referral['id']}", auth=False).json()["referral"]
        assert mine == theirs
        # And under the consent rule: once the consent no longer covers the node, the note
        # goes from both alike.
        db.execute("UPDATE consent SET scope = 'node', recipient_node_id = %s"
                   " WHERE case_id = %s", (SCHULDNER, case["id"]))
        theirs = kita.get(f"/v1/referrals/{referral['id']}").json()
        mine = link.get(f"/v1/link/referrals/{referral['id']}", auth=False).json()["referral"]
        assert mine["note"] is None and mine == theirs
    finally:
        db.execute("UPDATE account SET disabled = true WHERE login = %s", (name,))


def test_declined_with_a_reason_and_then_the_link_is_used_up(server, db):
    jobcenter = login(server, "jobcenter")
    _, referral = send_to_kita(jobcenter)
    link = holder(server, token_of(db, referral["id"]))
    problem = assert_problem(link_move(link, referral["id"], 1, "declined"), 422)
    assert problem["errors"][0]["field"] == "reason"
    r = link_move(link, referral["id"], 1, "declined", reason="no_capacity")
    assert r.status_code == 200, r.text
    assert r.json()["done"] is True
    before = db.execute("SELECT count(*) FROM referral_event WHERE referral_id = %s",
                        (referral["id"],)).fetchone()
    problem = assert_problem(link_move(link, referral["id"], 2, "accepted"), 410, "link-used")
    assert "declined" in problem["detail"]
    assert db.execute("SELECT count(*) FROM referral_event WHERE referral_id = %s",
                      (referral["id"],)).fetchone() == before
    # Read-only afterwards: the page can still show what happened.
    r = link.get(f"/v1/link/referrals/{referral['id']}", auth=False)
    assert r.status_code == 200 and r.json()["done"] is True
    assert r.json()["referral"]["status"] == "declined"
    assert r.json()["referral"]["allowed_moves"] == []


def test_completed_with_an_outcome_through_the_link(server, db):
    jobcenter = login(server, "jobcenter")
    _, referral = send_to_kita(jobcenter)
    link = holder(server, token_of(db, referral["id"]))
    version = 1
    for to, fields in (("accepted", {}), ("in_progress", {}),
                       ("completed", {"outcome": "goal_reached"})):
        r = link_move(link, referral["id"], version, to, **fields)
        assert r.status_code == 200, r.text
        version = r.json()["referral"]["version"]
    got = jobcenter.get(f"/v1/referrals/{referral['id']}").json()
    assert (got["status"], got["outcome"]) == ("completed", "goal_reached")
    assert_problem(link_move(link, referral["id"], version, "dropped_out", reason="no_show"),
                   410, "link-used")


def test_expired_revoked_and_resent_links(server, db):
    jobcenter = login(server, "jobcenter")
    _, referral = send_to_kita(jobcenter)
    first = token_of(db, referral["id"])
    path = f"/v1/link/referrals/{referral['id']}"
    db.execute("UPDATE referral_link SET expires_at = now() - interval '1 second'"
               " WHERE referral_id = %s", (referral["id"],))
    assert_problem(holder(server, first).get(path, auth=False), 410, "link-expired")
    assert jobcenter.get(f"/v1/referrals/{referral['id']}").json()["link"]["state"] == "expired"
    assert_problem(link_move(holder(server, first), referral["id"], 1, "received"), 410,
                   "link-expired")

    # Sending again: a new token; the old one is revoked.
    r = jobcenter.post(f"/v1/referrals/{referral['id']}/link")
    assert r.status_code == 201, r.text
    assert r.json()["state"] == "live"
    second = token_of(db, referral["id"])
    assert second != first
    assert_problem(holder(server, first).get(path, auth=False), 410, "link-revoked")
    assert holder(server, second).get(path, auth=False).status_code == 200

    # Only the sender sends or revokes; the receiver has no account, another node sees 404.
    other = login(server, "schuldnerberatung")
    assert_problem(other.post(f"/v1/referrals/{referral['id']}/link"), 404)
    assert_problem(other.delete(f"/v1/referrals/{referral['id']}/link"), 404)

    # Revoked by the sender: the e-mail not yet sent forgets its token too.
    r = jobcenter.delete(f"/v1/referrals/{referral['id']}/link")
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "revoked"
    problem = assert_problem(holder(server, second).get(path, auth=False), 410, "link-revoked")
    assert "revoked" in problem["detail"]
    assert db.execute("SELECT count(*) FROM email_outgoing o JOIN referral_link l"
                      " ON l.id = o.link_id WHERE l.referral_id = %s AND o.secret IS NOT NULL",
                      (referral["id"],)).fetchone()[0] == 0
    assert_problem(jobcenter.delete(f"/v1/referrals/{referral['id']}/link"), 409, "link-none")
    actions = [a for (a,) in db.execute(
        "SELECT action FROM audit_log WHERE object_id = %s AND action LIKE 'referral.link%%'"
        " ORDER BY id", (referral["id"],)).fetchall()]
    assert actions == ["referral.link_send", "referral.link_send", "referral.link_revoke"]

    # A closed referral gets no new link.
    r = move(jobcenter, jobcenter.get(f"/v1/referrals/{referral['id']}").json(), "withdrawn")
    assert r.status_code == 200, r.text
    assert_problem(jobcenter.post(f"/v1/referrals/{referral['id']}/link"), 409,
                   "referral-closed")


def test_a_link_opens_its_own_referral_and_nothing_else(server, db):
    jobcenter = login(server, "jobcenter")
    _, one = send_to_kita(jobcenter)
    _, two = send_to_kita(jobcenter)
    token = token_of(db, one["id"])
    link = holder(server, token)
    # Another referral to the same node, and one to another node: the link is bound to one.
    assert_problem(link.get(f"/v1/link/referrals/{two['id']}", auth=False), 403,
                   "link-wrong-referral")
    assert_problem(link_move(link, two["id"], 1, "received"), 403, "link-wrong-referral")
    case = open_case(jobcenter)
    consent(jobcenter, case["id"], SCHULDNER)
    foreign = refer(jobcenter, case["id"], SCHULDNER)
    assert_problem(link.get(f"/v1/link/referrals/{foreign['id']}", auth=False), 403,
                   "link-wrong-referral")
    # Not a login: every other route refuses it, in the link header or as a bearer token.
    bearer = Api(server.base_url, token)
    for path in (f"/v1/referrals/{one['id']}", f"/v1/referrals/{one['id']}/events",
                 "/v1/referrals", "/v1/cases", f"/v1/cases/{one['case_id']}", "/v1/me",
                 f"/v1/referrals/{one['id']}/contact", "/v1/events"):
        assert_problem(link.get(path, auth=False), 401)
        assert_problem(bearer.get(path), 401)
    assert_problem(link.post(f"/v1/referrals/{one['id']}/transitions", json={"to": "received"},
                             headers={"If-Match": '"1"'}, auth=False), 401)
    assert_problem(link.post(f"/v1/referrals/{one['id']}/link", auth=False), 401)
    # Without a token, or with a made-up one.
    assert_problem(Api(server.base_url).get(f"/v1/link/referrals/{one['id']}", auth=False), 401,
                   "link-required")
    assert_problem(holder(server, "pnet_" + "A" * 43).get(f"/v1/link/referrals/{one['id']}",
                                                         auth=False), 401, "link-invalid")
    assert link.get(f"/v1/link/referrals/{one['id']}", auth=False).status_code == 200
    # Nothing changed for the other referrals.
    assert jobcenter.get(f"/v1/referrals/{two['id']}").json()["status"] == "sent"


def test_brute_force_is_throttled_per_address_and_per_token(pnetd_factory, database_factory):
    conninfo = database_factory()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        load_demo(conn)
        server = pnetd_factory("--link-free-failures=3", "--link-max-failures-per-token=4",
                               "--link-max-delay-s=60", database=conninfo)
        jobcenter = login(server, "jobcenter")
        _, referral = send_to_kita(jobcenter)
        path = f"/v1/link/referrals/{referral['id']}"
        guesses = [holder(server, f"pnet_{i:043d}") for i in range(6)]
        for g in guesses[:3]:
            assert_problem(g.get(path, auth=False), 401, "link-invalid")
        r = guesses[3].get(path, auth=False)
        problem = assert_problem(r, 429, "too-many-attempts")
        assert 1 <= int(r.headers["Retry-After"]) <= 60
        assert "address" in problem["detail"]
        # Held back, even the right token waits: nothing is tried while held back.
        good = holder(server, token_of(conn, referral["id"]))
        assert_problem(good.get(path, auth=False), 429)
        assert conn.execute("SELECT count(*) FROM link_failure").fetchone()[0] == 3
        # After the wait, one more guess is tried, and the wait doubles.
        time.sleep(int(r.headers["Retry-After"]))
        assert_problem(guesses[4].get(path, auth=False), 401)
        r = guesses[5].get(path, auth=False)
        assert_problem(r, 429)
        assert int(r.headers["Retry-After"]) == 2

        # Per token: failures of one token from any address count against it.
        conn.execute("DELETE FROM link_failure")
        token = token_of(conn, referral["id"])
        conn.execute("UPDATE referral_link SET expires_at = now() WHERE referral_id = %s",
                     (referral["id"],))
        for addr in ("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"):
            conn.execute("INSERT INTO link_failure (token_hash, client_addr) VALUES (%s, %s)",
                         (hashlib.sha256(token.encode()).hexdigest(), addr))
        r = holder(server, token).get(path, auth=False)
        problem = assert_problem(r, 429, "too-many-attempts")
        assert "this link" in problem["detail"]
        assert int(r.headers["Retry-After"]) > 60
