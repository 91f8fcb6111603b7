"""Live events: the outbox, GET /v1/events (Server-Sent Events), resume, restarts."""

import json
import signal
import time

import pytest

from conftest import DEMO_PASSWORD
from events_support import (JOBCENTER_NODE, SCHULDNER_NODE, TARGET_GROUP, SseClient, load_demo,
                            new_case, new_referral, transition, wait_demo_deadlines_said,
                            wait_for)
from harness import Api, run_pnetd
from pgcluster import PgCluster


@pytest.fixture
def stream(demo_pnetd):
    opened = []

    def open_(token, **kw):
        s = SseClient(demo_pnetd.base_url, token, **kw)
        opened.append(s)
        return s

    yield open_
    for s in opened:
        s.close()


def outbox_rows(db, after):
    return db.execute("SELECT seq, type, node_ids::text[], payload FROM outbox WHERE seq > %s "
                      "ORDER BY seq", (after,)).fetchall()


def max_seq(db):
    return db.execute("SELECT coalesce(max(seq), 0) FROM outbox").fetchone()[0]


def test_created_reaches_the_receiver_within_a_second_and_no_other_node(demo, stream, demo_db):
    receiver = stream(demo("schuldnerberatung").token)
    other = stream(demo("jugendamt").token)
    assert receiver.status == 200
    assert receiver.headers["Content-Type"].startswith("text/event-stream")
    assert receiver.headers["Cache-Control"] == "no-store"
    assert receiver.headers["X-Accel-Buffering"] == "no"

    # Measured from the create's answer (the commit), not from before the case and consent
    # that precede it: on a loaded test machine those requests alone can take a second.
    referral, _ = new_referral(demo("jobcenter"), note="Notiz: nur für die Beratung")
    event = receiver.next(timeout=1.0)
    assert event is not None, "no event within a second of the create"
    assert event["event"] == "referral.created"
    body = json.loads(event["data"])
    seq, type_, nodes, payload = demo_db.execute(
        "SELECT seq, type, node_ids::text[], payload FROM outbox "
        "WHERE payload->>'referral_id' = %s", (referral["id"],)).fetchone()
    assert int(event["id"]) == seq == body["id"]
    assert body["type"] == type_ == "referral.created"
    assert body["data"] == payload
    assert body["data"]["referral_id"] == referral["id"]
    assert body["data"]["to_node_id"] == SCHULDNER_NODE
    assert body["data"]["status"] == "sent"
    assert "Notiz" not in event["data"]
    assert sorted(nodes) == sorted([JOBCENTER_NODE, SCHULDNER_NODE])
    assert other.next(timeout=1.5) is None, "another node saw the event"


def test_outbox_rows_carry_no_notes_and_a_rolled_back_change_none(demo, demo_db):
    jobcenter, schuldner = demo("jobcenter"), demo("schuldnerberatung")
    secret = "GEHEIM-notiz-4711"
    before = max_seq(demo_db)
    referral, consent = new_referral(jobcenter, note=secret)
    referral = transition(schuldner, referral, "received", note=secret)
    r = jobcenter.post(f"/v1/referrals/{referral['id']}/handovers",
                       json={"channel": "phone", "warm": True, "note": secret})
    assert r.status_code == 201, r.text
    r = jobcenter.post(f"/v1/consents/{consent['id']}/revoke")
    assert r.status_code == 200, r.text
    rows = outbox_rows(demo_db, before)
    assert [t for _, t, _, _ in rows] == ["referral.created", "referral.updated",
                                         "referral.handover", "referral.updated",
                                         "consent.revoked"]
    for _, _, nodes, payload in rows:
        assert secret not in json.dumps(payload)
        assert SCHULDNER_NODE in nodes and JOBCENTER_NODE in nodes
    assert rows[3][3]["status"] == "withdrawn"
    assert rows[4][3]["withdrawn_referral_ids"] == [referral["id"]]

    # A change that fails writes no event: a duplicate referral (409) and an illegal move.
    before = max_seq(demo_db)
    case, _ = new_case(jobcenter)
    r = jobcenter.post("/v1/referrals", json={"case_id": case["id"], "to_node_id": SCHULDNER_NODE})
    assert r.status_code == 201
    after_create = max_seq(demo_db)
    assert after_create > before
    r = jobcenter.post("/v1/referrals", json={"case_id": case["id"], "to_node_id": SCHULDNER_NODE})
    assert r.status_code == 409
    r = jobcenter.post(f"/v1/referrals/{referral['id']}/transitions", json={"to": "accepted"},
                       headers={"If-Match": f'"{referral["version"]}"'})
    assert r.status_code in (409, 412)
    assert max_seq(demo_db) == after_create
    assert demo_db.execute("SELECT count(*) FROM outbox WHERE seq > %s",
                           (after_create,)).fetchone()[0] == 0


def test_resume_with_last_event_id_replays_exactly_what_was_missed(demo, stream):
    jobcenter, schuldner = demo("jobcenter"), demo("schuldnerberatung")
    first = stream(schuldner.token)
    referral, _ = new_referral(jobcenter)
    seen = first.next(timeout=3)
    assert seen and seen["event"] == "referral.created"
    first.close()

    referral = transition(schuldner, referral, "received")
    r = jobcenter.post(f"/v1/referrals/{referral['id']}/handovers",
                       json={"channel": "in_person", "warm": True})
    assert r.status_code == 201
    referral = transition(schuldner, referral, "accepted")

    again = stream(schuldner.token, last_event_id=seen["id"])
    got = again.take(3, timeout=5)
    assert [e["event"] for e in got] == ["referral.updated", "referral.handover",
                                        "referral.updated"]
    ids = [int(e["id"]) for e in got]
    assert ids == sorted(ids) and ids[0] > int(seen["id"])
    assert [json.loads(e["data"])["data"].get("status") for e in got] == \
        ["received", None, "accepted"]
    assert again.next(timeout=1.0) is None, "more than the three missed events"

    # ?after= does the same for clients that cannot set headers.
    third = stream(schuldner.token, params={"after": seen["id"]})
    assert [e["id"] for e in third.take(3, timeout=5)] == [e["id"] for e in got]
    assert third.next(timeout=0.5) is None


def test_access_rules_and_bad_input(demo, demo_pnetd, admin_token_for_demo, stream):
    anon = stream(None)
    assert anon.status == 401
    for login in ("koordination", "auditor"):
        s = stream(demo(login).token)
        assert s.status == 403, login
    s = stream(demo("schuldnerberatung").token, last_event_id="abc")
    assert s.status == 400
    assert json.loads(s.body)["type"].endswith("/bad-last-event-id")
    s = stream(demo("schuldnerberatung").token, params={"since": "1"})
    assert s.status == 400

    # Integration tokens need events:read.
    tokens = {}
    for scopes in (["referrals:read"], ["events:read"]):
        r = admin_token_for_demo.post("/v1/accounts/60000000-0000-4000-8000-000000000004/tokens",
                                      json={"label": "ev", "scopes": scopes})
        assert r.status_code == 201, r.text
        tokens[scopes[0]] = r.json()["token"]
    assert stream(tokens["referrals:read"]).status == 403
    ok = stream(tokens["events:read"])
    assert ok.status == 200

    # ?access_token= (EventSource cannot send headers), never written to the log.
    token = tokens["events:read"]
    via_query = stream(None, params={"access_token": token})
    assert via_query.status == 200
    referral, _ = new_referral(demo("jobcenter"))
    e = via_query.next(timeout=3)
    assert e and json.loads(e["data"])["data"]["referral_id"] == referral["id"]
    assert ok.next(timeout=3)["id"] == e["id"]
    assert stream(None, params={"access_token": "pnet_wrong"}).status == 401
    # Other routes do not take it.
    r = Api(demo_pnetd.base_url).get("/v1/referrals", params={"access_token": token})
    assert r.status_code == 401
    time.sleep(0.2)
    log = "\n".join(demo_pnetd.lines)
    assert token not in log
    assert "access_token" not in log


@pytest.fixture
def admin_token_for_demo(demo):
    return demo("admin")


def test_heartbeat_metrics_and_shutdown(pnetd_factory, demo_database, demo):
    server = pnetd_factory("--sse-heartbeat-s=1", "--shutdown-timeout-s=30", "--workers=2",
                           database=demo_database)
    token = demo("schuldnerberatung").token
    streams = [SseClient(server.base_url, token) for _ in range(3)]
    assert all(s.status == 200 for s in streams)
    assert wait_for(lambda: any(c == ": keepalive" for c in streams[0].comments), 3), \
        streams[0].comments
    api = Api(server.base_url)
    assert "pnet_sse_clients 3" in api.get("/metrics").text
    streams[2].close()
    assert wait_for(lambda: "pnet_sse_clients 2" in api.get("/metrics").text, 5)

    # A stream's events still arrive through this server.
    referral, _ = new_referral(Api(server.base_url, demo("jobcenter").token))
    assert streams[0].next_about(referral["id"], timeout=3)

    # SIGTERM ends the streams cleanly at once: no waiting for the 30 s deadline.
    started = time.monotonic()
    server.signal(signal.SIGTERM)
    assert streams[0].ended.wait(5) and streams[1].ended.wait(5)
    assert server.wait(10) == 0
    assert time.monotonic() - started < 5


def test_database_restart_loses_nothing(pnetd_exe, pnetd_factory, demo):
    with PgCluster() as pg:
        r = run_pnetd(pnetd_exe, "migrate", f"--database={pg.conninfo()}")
        assert r.returncode == 0, r.stderr
        with pg.connect() as conn:
            load_demo(conn)
        server = pnetd_factory("--db-reconnect-max-ms=500", "--sse-heartbeat-s=2",
                               database=pg.conninfo())
        jobcenter = Api(server.base_url, timeout=30)
        jobcenter.login("jobcenter", DEMO_PASSWORD)
        schuldner = Api(server.base_url, timeout=30)
        schuldner.login("schuldnerberatung", DEMO_PASSWORD)
        with pg.connect() as conn:
            wait_demo_deadlines_said(conn)
        s = SseClient(server.base_url, schuldner.token)
        assert s.status == 200
        first, _ = new_referral(jobcenter)
        assert s.next(timeout=3)["event"] == "referral.created"

        pg.restart("immediate")
        # Written straight into the database while pnetd is still reconnecting.
        with pg.connect() as conn:
            case_id = conn.execute(
                "INSERT INTO client_case (network_id, owner_node_id, reference, target_group_id)"
                " SELECT network_id, %s, 'restart-1', id FROM target_group WHERE id = %s"
                " RETURNING id", (JOBCENTER_NODE, TARGET_GROUP)).fetchone()[0]
            conn.execute("INSERT INTO consent (case_id, scope, recipient_node_id, purpose, "
                         "given_on, evidence) VALUES (%s, 'node', %s, 'p', '2024-01-01', 'e')",
                         (case_id, SCHULDNER_NODE))
            # The last three: legal basis (a covering consent), funding source, double-funding
            # reason.
            conn.execute("SELECT referral_create(NULL, %s, 'r', 'c', NULL, NULL, %s, %s, NULL,"
                         " NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)",
                         (JOBCENTER_NODE, case_id, SCHULDNER_NODE))
        e = s.next(timeout=10)
        assert e and e["event"] == "referral.created", server.log_tail()
        assert json.loads(e["data"])["data"]["case_id"] == str(case_id)
        # And through the API once it is back.
        ok = wait_for(lambda: jobcenter.get("/v1/me").status_code == 200, 15)
        assert ok
        second, _ = new_referral(jobcenter)
        e = s.next(timeout=5)
        assert e and json.loads(e["data"])["data"]["referral_id"] == second["id"]
        assert s.next(timeout=1) is None
        assert not s.ended.is_set()
        s.close()
        server.stop()



def test_a_stream_ends_when_its_token_stops_working(pnetd_factory, demo_database, demo):
    """A stream outlives the request that opened it: its token is checked again at every
    heartbeat, and a logout, a revoked token or a disabled account ends it."""
    server = pnetd_factory("--sse-heartbeat-s=1", database=demo_database)
    admin = Api(server.base_url, demo("admin").token)

    # Logout of the token the stream uses.
    session = Api(server.base_url)
    session.login("schuldnerberatung", DEMO_PASSWORD)
    other = Api(server.base_url)
    other.login("schuldnerberatung", DEMO_PASSWORD)
    doomed, kept = SseClient(server.base_url, session.token), SseClient(server.base_url, other.token)
    assert doomed.status == 200 and kept.status == 200
    assert session.post("/v1/auth/logout").status_code == 204
    assert doomed.ended.wait(5), "the stream of a logged-out token went on"
    assert not kept.ended.is_set(), "another token's stream was ended too"
    assert SseClient(server.base_url, session.token).status == 401

    # A disabled account: every stream of it ends.
    account = admin.get("/v1/accounts", params={"limit": "500"}).json()["items"]
    suchtberatung = next(a for a in account if a["login"] == "suchtberatung")
    sucht = Api(server.base_url)
    sucht.login("suchtberatung", DEMO_PASSWORD)
    stream = SseClient(server.base_url, sucht.token)
    assert stream.status == 200
    r = admin.patch(f"/v1/accounts/{suchtberatung['id']}", json={"disabled": True})
    assert r.status_code == 200, r.text
    try:
        assert stream.ended.wait(5), "the stream of a disabled account went on"
        assert not kept.ended.is_set()
    finally:
        r = admin.patch(f"/v1/accounts/{suchtberatung['id']}", json={"disabled": False})
        assert r.status_code == 200, r.text
        kept.close()
        stream.close()


def test_the_listener_reconnects_after_its_connection_is_terminated(pnetd_factory, demo_database,
                                                                     demo, demo_db):
    """The listener's connection is a db_link (server/db.c) like the pool's: terminated by the
    server, it connects again with backoff, LISTENs again, and events reach streams at once
    (long before the heartbeat, when workers would look anyway)."""
    server = pnetd_factory("--db-reconnect-max-ms=500", "--sse-heartbeat-s=60",
                           database=demo_database)
    jobcenter = Api(server.base_url, demo("jobcenter").token)
    s = SseClient(server.base_url, demo("schuldnerberatung").token)
    assert s.status == 200

    def listeners():
        return {pid for (pid,) in demo_db.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = 'pnetd-listen'"
            " AND datname = current_database() AND query LIKE 'LISTEN pnet_outbox%'").fetchall()}

    assert wait_for(lambda: listeners(), 5)
    before = listeners()
    killed = demo_db.execute("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))"
                             " FROM pg_stat_activity WHERE pid = ANY(%s)",
                             (list(before),)).fetchone()[0]
    assert killed == len(before)
    assert wait_for(lambda: len(listeners() - before) >= len(before), 10), server.log_tail()
    assert wait_for(lambda: any("event listener: ready again" in line
                                for line in server.lines), 5), server.log_tail()
    assert any("event listener: connection" in line for line in server.lines), server.log_tail()

    referral, _ = new_referral(jobcenter)
    e = s.next(timeout=2)
    assert e and json.loads(e["data"])["data"]["referral_id"] == referral["id"], \
        server.log_tail()
    s.close()
    assert server.stop() == 0
