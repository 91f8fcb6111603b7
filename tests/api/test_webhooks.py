"""Webhooks: registration, signed deliveries, retries with backoff, giving up, several
processes, a crash during delivery, SSRF refusal."""

import hashlib
import importlib.util
import json
import os
import secrets
import signal
import ssl
import subprocess
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg
import pytest

from checks import assert_problem, error_fields
from events_support import SCHULDNER_NODE, load_demo, new_referral, transition, wait_for
from harness import Api

_spec = importlib.util.spec_from_file_location("receiver", os.path.join(
    os.path.dirname(__file__), "..", "..", "clients", "webhook-receiver", "receiver.py"))
receiver_example = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(receiver_example)

FAST = ("--webhook-allow-private", "--webhook-allow-http", "--webhook-poll-ms=30",
        "--webhook-backoff-base-ms=300", "--webhook-backoff-max-s=60", "--webhook-timeout-s=2")


class Receiver:
    """An HTTP server on 127.0.0.1 recording every POST; `answers` gives the status of the
    n-th request (the last one repeats); `hold` (an Event) keeps requests waiting; with `tls`
    (a server SSLContext) it speaks HTTPS."""

    def __init__(self, answers=(200,), tls=None):
        self.answers = list(answers)
        self.requests = []
        self.hold = None
        self.lock = threading.Lock()
        outer = self

        class H(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with outer.lock:
                    n = len(outer.requests)
                    outer.requests.append({"at": time.monotonic(), "headers": dict(self.headers),
                                           "body": body, "path": self.path})
                    status = outer.answers[min(n, len(outer.answers) - 1)]
                if outer.hold is not None:
                    outer.hold.wait(30)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.server.daemon_threads = True
        if tls:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}/hook?k=1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def event_ids(self):
        with self.lock:
            return [r["headers"]["Pnet-Event-Id"] for r in self.requests]

    def close(self):
        if self.hold:
            self.hold.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def wh_database(database_factory):
    """A demo database of these tests' own: no other pnetd claims its deliveries."""
    conninfo = database_factory()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        load_demo(conn)
    return conninfo


@pytest.fixture
def wh_db(wh_database):
    with psycopg.connect(wh_database, autocommit=True) as conn:
        yield conn
        conn.execute("DELETE FROM webhook")


def token_for(db, login, kind="session", scopes=()):
    """A token for a demo account, minted in the database (logins are slow on purpose)."""
    token = "pnet_" + secrets.token_urlsafe(32)
    db.execute("INSERT INTO api_token (account_id, token_hash, kind, scopes, expires_at)"
               " SELECT id, %s, %s, %s, now() + interval '1 day' FROM account WHERE login = %s",
               (hashlib.sha256(token.encode()).hexdigest(), kind, list(scopes), login))
    return token


@pytest.fixture
def receivers():
    made = []

    def make(answers=(200,), tls=None):
        r = Receiver(answers, tls)
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()


def clients(server, db):
    return (Api(server.base_url, token_for(db, "jobcenter")),
            Api(server.base_url, token_for(db, "schuldnerberatung")))


def register(client, url, types=("referral.created", "referral.updated")):
    r = client.post("/v1/webhooks", json={"url": url, "event_types": list(types)})
    assert r.status_code == 201, r.text
    return r.json()


def delivery_rows(db, webhook_id):
    return db.execute("SELECT d.outbox_seq, d.state, d.attempts, d.last_status, d.last_error"
                      " FROM webhook_delivery d WHERE d.webhook_id = %s ORDER BY d.id",
                      (webhook_id,)).fetchall()


def test_register_read_change_delete_and_access(pnetd_factory, wh_database, wh_db):
    server = pnetd_factory("--webhook-allow-http", "--webhook-allow-private",
                           database=wh_database)
    strict = pnetd_factory(database=wh_database)
    jobcenter, schuldner = clients(server, wh_db)
    jugendamt = Api(server.base_url, token_for(wh_db, "jugendamt"))
    admin = Api(server.base_url, token_for(wh_db, "admin"))

    r = schuldner.post("/v1/webhooks", json={"url": "https://partner.example/hook",
                                             "event_types": ["referral.created"],
                                             "description": "Fachverfahren"})
    assert r.status_code == 201, r.text
    hook = r.json()
    assert r.headers["Location"] == f"/v1/webhooks/{hook['id']}"
    assert r.headers["ETag"] == '"1"'
    assert hook["secret"].startswith("whsec_") and len(hook["secret"]) == 49
    assert hook["node_id"] == SCHULDNER_NODE and hook["active"] is True
    assert hook["disabled_reason"] is None
    got = schuldner.get(f"/v1/webhooks/{hook['id']}")
    assert got.status_code == 200 and "secret" not in got.json()
    assert {k: v for k, v in hook.items() if k != "secret"} == got.json()
    listed = schuldner.get("/v1/webhooks").json()
    assert [w["id"] for w in listed["items"]] == [hook["id"]] and listed["next"] is None
    assert "secret" not in listed["items"][0]
    assert wh_db.execute("SELECT count(*) FROM audit_log WHERE action = 'webhook.create' AND"
                         " object_id = %s", (hook["id"],)).fetchone()[0] == 1

    # Another node, another role: nothing to see.
    for path in (f"/v1/webhooks/{hook['id']}", f"/v1/webhooks/{hook['id']}/deliveries"):
        assert_problem(jugendamt.get(path), 404, "not-found")
    assert_problem(jugendamt.patch(f"/v1/webhooks/{hook['id']}", json={"active": False}),
                   404, "not-found")
    assert_problem(jugendamt.delete(f"/v1/webhooks/{hook['id']}"), 404, "not-found")
    assert jugendamt.get("/v1/webhooks").json()["items"] == []
    # Admins reach every node's webhooks (test_admins_manage_the_webhooks_of_any_node);
    # coordinators and auditors none.
    assert [w["id"] for w in admin.get("/v1/webhooks").json()["items"]] == [hook["id"]]
    for login in ("koordination", "auditor"):
        other = Api(server.base_url, token_for(wh_db, login))
        assert_problem(other.get("/v1/webhooks"), 403, "forbidden")
        assert_problem(other.get(f"/v1/webhooks/{hook['id']}"), 403, "forbidden")
    tok = Api(server.base_url, token_for(wh_db, "schuldnerberatung", "integration",
                                         ["events:read"]))
    assert_problem(tok.get("/v1/webhooks"), 403, "insufficient-scope")
    tok = Api(server.base_url, token_for(wh_db, "schuldnerberatung", "integration",
                                         ["webhooks:write"]))
    assert tok.get(f"/v1/webhooks/{hook['id']}").status_code == 200

    # Change with If-Match; a stale one is 412 and changes nothing.
    r = schuldner.patch(f"/v1/webhooks/{hook['id']}", json={"event_types": ["consent.revoked"]},
                        headers={"If-Match": '"1"'})
    assert r.status_code == 200, r.text
    assert r.json()["event_types"] == ["consent.revoked"] and r.json()["version"] == 2
    r = schuldner.patch(f"/v1/webhooks/{hook['id']}", json={"active": False},
                        headers={"If-Match": '"1"'})
    assert_problem(r, 412, "stale")
    assert schuldner.get(f"/v1/webhooks/{hook['id']}").json()["active"] is True

    # Bad input: nothing written.
    count = wh_db.execute("SELECT count(*) FROM webhook").fetchone()[0]
    strict_client = Api(strict.base_url, schuldner.token)
    cases = [
        (strict_client, {"url": "http://partner.example/hook", "event_types": ["referral.created"]},
         "url"),
        (strict_client, {"url": "https://127.0.0.1/hook", "event_types": ["referral.created"]},
         "url"),
        (strict_client, {"url": "https://10.1.2.3/hook", "event_types": ["referral.created"]},
         "url"),
        (strict_client, {"url": "https://[::1]/hook", "event_types": ["referral.created"]},
         "url"),
        (strict_client, {"url": "https://localhost/hook", "event_types": ["referral.created"]},
         "url"),
        (schuldner, {"url": "ftp://partner.example/", "event_types": ["referral.created"]}, "url"),
        (schuldner, {"url": "https://u:p@partner.example/", "event_types": ["referral.created"]},
         "url"),
        (schuldner, {"url": "https://partner.example/", "event_types": ["referral.deleted"]},
         "event_types[0]"),
        (schuldner, {"url": "https://partner.example/", "event_types": []}, "event_types"),
        (schuldner, {"url": "https://partner.example/", "event_types": ["referral.created"],
                     "secret": "mine"}, "secret"),
    ]
    for client, body, field in cases:
        r = client.post("/v1/webhooks", json=body)
        problem = assert_problem(r, 422, "validation")
        assert field in [e["field"] for e in problem["errors"]], (body, problem)
    assert wh_db.execute("SELECT count(*) FROM webhook").fetchone()[0] == count

    r = schuldner.delete(f"/v1/webhooks/{hook['id']}")
    assert r.status_code == 204
    assert_problem(schuldner.get(f"/v1/webhooks/{hook['id']}"), 404, "not-found")
    assert_problem(schuldner.delete(f"/v1/webhooks/{hook['id']}"), 404, "not-found")
    assert wh_db.execute("SELECT array_agg(action ORDER BY id) FROM audit_log WHERE object_id = %s",
                         (hook["id"],)).fetchone()[0] == ["webhook.create", "webhook.update",
                                                          "webhook.delete"]


def test_delivery_is_signed_and_a_tampered_body_fails(pnetd_factory, wh_database, wh_db,
                                                      receivers):
    rx = receivers()
    server = pnetd_factory(*FAST, database=wh_database)
    jobcenter, schuldner = clients(server, wh_db)
    hook = register(schuldner, rx.url)

    referral, consent = new_referral(jobcenter, note="vertraulich")
    assert wait_for(lambda: len(rx.requests) == 1, 5), server.log_tail()
    req = rx.requests[0]
    assert req["path"] == "/hook?k=1"
    assert req["headers"]["Content-Type"] == "application/json"
    body = json.loads(req["body"])
    seq = wh_db.execute("SELECT seq FROM outbox WHERE type = 'referral.created' AND"
                        " payload->>'referral_id' = %s", (referral["id"],)).fetchone()[0]
    assert req["headers"]["Pnet-Event-Id"] == str(seq) == str(body["id"])
    assert body["type"] == "referral.created"
    assert body["data"]["referral_id"] == referral["id"]
    assert set(body) == {"id", "type", "created_at", "data"}
    assert b"vertraulich" not in req["body"]

    sig = req["headers"]["Pnet-Signature"]
    t = int(sig.split(",")[0][2:])
    assert abs(time.time() - t) < 10
    assert receiver_example.verify(hook["secret"], sig, req["body"])
    assert not receiver_example.verify(hook["secret"], sig, req["body"].replace(b"created",
                                                                                 b"updated"))
    assert not receiver_example.verify("whsec_other", sig, req["body"])
    assert not receiver_example.verify(hook["secret"], sig, req["body"], now=t + 301)

    # Only the subscribed types: a revoked consent is not delivered, the withdrawal is.
    assert jobcenter.post(f"/v1/consents/{consent['id']}/revoke").status_code == 200
    assert wait_for(lambda: len(rx.requests) == 2, 5)
    time.sleep(0.5)
    assert [json.loads(r["body"])["type"] for r in rx.requests] == ["referral.created",
                                                                   "referral.updated"]
    assert [row[1:4] for row in delivery_rows(wh_db, hook["id"])] == [("delivered", 1, 200)] * 2
    page = schuldner.get(f"/v1/webhooks/{hook['id']}/deliveries", params={"limit": 1}).json()
    assert len(page["items"]) == 1 and page["next"]
    assert page["items"][0]["state"] == "delivered" and page["items"][0]["attempts"] == 1
    assert page["items"][0]["type"] == "referral.updated"
    rest = schuldner.get(f"/v1/webhooks/{hook['id']}/deliveries",
                         params={"after": page["next"]}).json()
    assert [d["event_id"] for d in rest["items"]] == [seq] and rest["next"] is None


def test_a_failing_receiver_gets_the_event_on_the_fifth_try_with_growing_gaps(
        pnetd_factory, wh_database, wh_db, receivers):
    rx = receivers(answers=(500, 503, 500, 404, 200))
    server = pnetd_factory(*FAST, database=wh_database)
    jobcenter, schuldner = clients(server, wh_db)
    hook = register(schuldner, rx.url, types=("referral.created",))
    new_referral(jobcenter)
    assert wait_for(lambda: len(rx.requests) == 5, 20), server.log_tail()
    time.sleep(1.0)
    assert len(rx.requests) == 5
    assert len(set(rx.event_ids())) == 1
    at = [r["at"] for r in rx.requests]
    gaps = [b - a for a, b in zip(at, at[1:])]
    assert all(b > a for a, b in zip(gaps, gaps[1:])), gaps
    assert gaps[0] >= 0.2 and gaps[-1] >= 1.2, gaps
    [(_, state, attempts, status, error)] = delivery_rows(wh_db, hook["id"])
    assert (state, attempts, status, error) == ("delivered", 5, 200, None)
    statuses = wh_db.execute("SELECT array_agg(a.status ORDER BY a.id) FROM webhook_attempt a"
                             " JOIN webhook_delivery d ON d.id = a.delivery_id"
                             " WHERE d.webhook_id = %s", (hook["id"],)).fetchone()[0]
    assert statuses == [500, 503, 500, 404, 200]
    assert schuldner.get(f"/v1/webhooks/{hook['id']}").json()["active"] is True


def test_giving_up_disables_the_webhook_and_says_why(pnetd_factory, wh_database, wh_db,
                                                     receivers):
    rx = receivers(answers=(500,))
    server = pnetd_factory(*FAST, "--webhook-give-up-s=2", database=wh_database)
    jobcenter, schuldner = clients(server, wh_db)
    hook = register(schuldner, rx.url, types=("referral.created",))
    new_referral(jobcenter)
    ok = wait_for(lambda: not schuldner.get(f"/v1/webhooks/{hook['id']}").json()["active"], 15)
    assert ok, server.log_tail()
    got = schuldner.get(f"/v1/webhooks/{hook['id']}").json()
    assert "could not be delivered" in got["disabled_reason"]
    assert "HTTP 500" in got["disabled_reason"]
    assert got["disabled_at"] and got["version"] == 2
    [(_, state, attempts, status, _)] = delivery_rows(wh_db, hook["id"])
    assert state == "failed" and status == 500 and attempts == len(rx.requests) >= 2
    assert wh_db.execute("SELECT count(*) FROM audit_log WHERE action = 'webhook.disable'"
                         " AND object_id = %s", (hook["id"],)).fetchone()[0] == 1
    # A disabled webhook gets no new deliveries; enabling it clears the reason.
    new_referral(jobcenter)
    time.sleep(0.5)
    assert len(delivery_rows(wh_db, hook["id"])) == 1
    r = schuldner.patch(f"/v1/webhooks/{hook['id']}", json={"active": True})
    assert r.status_code == 200
    assert r.json()["active"] is True and r.json()["disabled_reason"] is None


def test_two_processes_deliver_every_event_once(pnetd_factory, wh_database, wh_db, receivers):
    rx = receivers()
    a = pnetd_factory(*FAST, database=wh_database)
    b = pnetd_factory(*FAST, database=wh_database)
    jobcenter, schuldner = clients(a, wh_db)
    jobcenter_b = Api(b.base_url, jobcenter.token)
    schuldner_b = Api(b.base_url, schuldner.token)
    hook = register(schuldner, rx.url)
    for i in range(6):
        referral, _ = new_referral(jobcenter if i % 2 else jobcenter_b)
        transition(schuldner_b if i % 2 else schuldner, referral, "received")
    expected = [str(s) for (s,) in wh_db.execute(
        "SELECT outbox_seq FROM webhook_delivery WHERE webhook_id = %s ORDER BY outbox_seq",
        (hook["id"],)).fetchall()]
    assert len(expected) == 12
    assert wait_for(lambda: len(rx.requests) >= 12, 10), (a.log_tail(), b.log_tail())
    time.sleep(1.0)
    assert sorted(rx.event_ids(), key=int) == expected
    assert [row[1:3] for row in delivery_rows(wh_db, hook["id"])] == [("delivered", 1)] * 12


def test_sigkill_during_delivery_then_restart_delivers(pnetd_factory, wh_database, wh_db,
                                                       receivers):
    rx = receivers()
    rx.hold = threading.Event()
    fast = [o for o in FAST if not o.startswith("--webhook-timeout-s")]
    server = pnetd_factory(*fast, "--webhook-timeout-s=1", database=wh_database)
    jobcenter, schuldner = clients(server, wh_db)
    hook = register(schuldner, rx.url, types=("referral.created",))
    new_referral(jobcenter)
    assert wait_for(lambda: len(rx.requests) == 1, 5)
    server.signal(signal.SIGKILL)
    server.wait(10)
    rx.hold.set()
    rx.hold = None
    [(_, state, attempts, _, _)] = delivery_rows(wh_db, hook["id"])
    assert (state, attempts) == ("pending", 1)

    restarted = pnetd_factory(*fast, "--webhook-timeout-s=1", database=wh_database)
    # The lease (2 x timeout + 5 s) expires, then the restarted process delivers.
    assert wait_for(lambda: delivery_rows(wh_db, hook["id"])[0][1] == "delivered", 20), \
        restarted.log_tail()
    assert len(rx.requests) == 2 and len(set(rx.event_ids())) == 1
    assert delivery_rows(wh_db, hook["id"])[0][2] == 2


def test_a_name_that_resolves_to_a_private_address_is_refused(pnetd_factory, wh_database,
                                                              wh_db, receivers):
    rx = receivers()
    server = pnetd_factory("--webhook-allow-http", "--webhook-poll-ms=30",
                           "--webhook-backoff-base-ms=60000", database=wh_database)
    jobcenter, _ = clients(server, wh_db)
    port = rx.server.server_address[1]
    # The API refuses literal private addresses and "localhost"; a name that resolves to
    # one (DNS rebinding, a hosts entry) is caught when it is resolved for the delivery.
    hook_id = wh_db.execute(
        "INSERT INTO webhook (node_id, url, event_types, secret) VALUES (%s, %s,"
        " '{referral.created}', 'whsec_x') RETURNING id",
        (SCHULDNER_NODE, f"http://localhost:{port}/hook")).fetchone()[0]
    new_referral(jobcenter)
    assert wait_for(lambda: delivery_rows(wh_db, hook_id)[0][2] == 1 and
                    delivery_rows(wh_db, hook_id)[0][4], 10)
    [(_, state, attempts, status, error)] = delivery_rows(wh_db, hook_id)
    assert state == "pending" and status is None
    assert "non-public address" in error
    assert rx.requests == []


def test_https_delivery_checks_the_receivers_certificate(pnetd_factory, wh_database, wh_db,
                                                         receivers, tmp_path):
    """Over HTTPS pnetd verifies the receiver's certificate: a certificate it has no reason to
    trust fails the delivery (and nothing reaches the receiver); with the CA given by
    --webhook-ca-file the retry is delivered."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", str(key), "-out", str(cert)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    rx = receivers(tls=tls)
    https_only = tuple(o for o in FAST if o != "--webhook-allow-http")

    server = pnetd_factory(*https_only, database=wh_database)
    jobcenter, schuldner = clients(server, wh_db)
    hook = register(schuldner, rx.url, types=("referral.created",))
    new_referral(jobcenter)
    # attempts counts a claim at once; the outcome is recorded when the attempt ends.
    assert wait_for(lambda: any(row[4] for row in delivery_rows(wh_db, hook["id"])), 10), \
        server.log_tail()
    (_, state, _, status, error), = delivery_rows(wh_db, hook["id"])
    assert state == "pending" and status is None
    assert error.startswith("TLS: the receiver's certificate is not trusted ("), error
    assert rx.requests == []
    assert server.stop() == 0

    trusted = pnetd_factory(*https_only, f"--webhook-ca-file={cert}", database=wh_database)
    assert wait_for(lambda: len(rx.requests) == 1, 15), trusted.log_tail()
    assert wait_for(lambda: delivery_rows(wh_db, hook["id"])[0][1] == "delivered", 5)
    body = rx.requests[0]["body"]
    assert json.loads(body)["type"] == "referral.created"
    assert receiver_example.verify(hook["secret"], rx.requests[0]["headers"]["Pnet-Signature"],
                                   body)


def test_admins_manage_the_webhooks_of_any_node(pnetd_factory, wh_database, wh_db, receivers):
    """The admin journey: register a webhook for a node, send a test event, see its delivery;
    the node's caseworkers see the same webhook, other nodes do not."""
    rx = receivers()
    server = pnetd_factory(*FAST, database=wh_database)
    admin = Api(server.base_url, token_for(wh_db, "admin"))
    jobcenter, schuldner = clients(server, wh_db)

    # An admin names the node; without one, or with an unknown one, nothing is written.
    before = wh_db.execute("SELECT count(*) FROM webhook").fetchone()[0]
    r = admin.post("/v1/webhooks", json={"url": rx.url, "event_types": ["referral.created"]})
    assert error_fields(assert_problem(r, 422, "validation")) == ["node_id"]
    r = admin.post("/v1/webhooks", json={"node_id": "2fffffff-0000-4000-8000-000000000001",
                                         "url": rx.url, "event_types": ["referral.created"]})
    assert error_fields(assert_problem(r, 422, "validation")) == ["node_id"]
    # A caseworker may name only their own node.
    r = jobcenter.post("/v1/webhooks", json={"node_id": SCHULDNER_NODE, "url": rx.url,
                                             "event_types": ["referral.created"]})
    assert error_fields(assert_problem(r, 422, "validation")) == ["node_id"]
    assert wh_db.execute("SELECT count(*) FROM webhook").fetchone()[0] == before

    r = admin.post("/v1/webhooks", json={"node_id": SCHULDNER_NODE, "url": rx.url,
                                         "event_types": ["referral.created"],
                                         "description": "Fachverfahren der Caritas"})
    assert r.status_code == 201, r.text
    hook = r.json()
    assert hook["node_id"] == SCHULDNER_NODE and hook["secret"].startswith("whsec_")
    row = wh_db.execute("SELECT account_id::text, node_id FROM audit_log WHERE action ="
                        " 'webhook.create' AND object_id = %s", (hook["id"],)).fetchone()
    assert row == ("60000000-0000-4000-8000-000000000001", None)
    # The node's own caseworkers see it; another node's do not.
    assert [w["id"] for w in schuldner.get("/v1/webhooks").json()["items"]] == [hook["id"]]
    assert_problem(jobcenter.get(f"/v1/webhooks/{hook['id']}"), 404, "not-found")
    # Admins list all, or one node's.
    mine = register(jobcenter, "https://jobcenter.example/hook")
    everything = {w["id"] for w in admin.get("/v1/webhooks").json()["items"]}
    assert {hook["id"], mine["id"]} <= everything
    only = admin.get("/v1/webhooks", params={"node_id": SCHULDNER_NODE}).json()["items"]
    assert [w["id"] for w in only] == [hook["id"]]
    assert_problem(admin.get("/v1/webhooks", params={"node_id": "x"}), 400, "bad-query")

    # A test event: one delivery, to this webhook only, signed like every other.
    r = admin.post(f"/v1/webhooks/{hook['id']}/ping")
    assert r.status_code == 202, r.text
    delivery = r.json()
    assert (delivery["type"], delivery["state"], delivery["attempts"]) == (
        "webhook.ping", "pending", 0)
    assert wait_for(lambda: rx.requests, 10), "the test event did not arrive"
    sent = rx.requests[0]
    event = json.loads(sent["body"])
    assert event["type"] == "webhook.ping" and event["data"] == {"webhook_id": hook["id"]}
    assert receiver_example.verify(hook["secret"], sent["headers"]["Pnet-Signature"],
                                   sent["body"])
    # ... and the admin sees it delivered.
    def delivered():
        items = admin.get(f"/v1/webhooks/{hook['id']}/deliveries").json()["items"]
        return items and items[0]["state"] == "delivered" and items
    items = wait_for(delivered, 10)
    assert items and items[0]["id"] == delivery["id"] and items[0]["last_status"] == 200
    assert wh_db.execute("SELECT count(*) FROM webhook_delivery WHERE webhook_id = %s",
                         (mine["id"],)).fetchone()[0] == 0
    assert wh_db.execute("SELECT node_ids FROM outbox WHERE seq = %s",
                         (delivery["event_id"],)).fetchone()[0] == []
    # The node's caseworker may send one too; another node's may not.
    assert schuldner.post(f"/v1/webhooks/{hook['id']}/ping").status_code == 202
    assert_problem(jobcenter.post(f"/v1/webhooks/{hook['id']}/ping"), 404, "not-found")

    # Change and disable as an admin; a disabled webhook gets no test event.
    r = admin.patch(f"/v1/webhooks/{hook['id']}", json={"active": False})
    assert r.status_code == 200 and r.json()["active"] is False
    seq = wh_db.execute("SELECT max(seq) FROM outbox").fetchone()[0]
    assert_problem(admin.post(f"/v1/webhooks/{hook['id']}/ping"), 409, "webhook-inactive")
    assert wh_db.execute("SELECT max(seq) FROM outbox").fetchone()[0] == seq
    assert_problem(admin.post(f"/v1/webhooks/{uuid.uuid4()}/ping"), 404, "not-found")
    assert admin.delete(f"/v1/webhooks/{hook['id']}").status_code == 204
    assert wh_db.execute("SELECT array_agg(action ORDER BY id) FROM audit_log WHERE object_id = %s",
                         (hook["id"],)).fetchone()[0] == [
        "webhook.create", "webhook.ping", "webhook.ping", "webhook.update", "webhook.delete"]
