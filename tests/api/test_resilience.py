"""The database going away and coming back, graceful SIGTERM, the bounded queue."""

import re
import signal
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
import requests

from checks import assert_problem
from conftest import ADMIN_LOGIN, ADMIN_PASSWORD
from harness import Api, run_pnetd
from pgcluster import PgCluster


def prepare(pnetd_exe, conninfo):
    """Migrate a database and give it an admin (cheap scrypt: these tests are about time)."""
    r = run_pnetd(pnetd_exe, "migrate", f"--database={conninfo}")
    assert r.returncode == 0, r.stderr
    r = run_pnetd(pnetd_exe, "create-admin", "--login", ADMIN_LOGIN, "--password-stdin",
                  "--scrypt-log-n=10", f"--database={conninfo}", input=ADMIN_PASSWORD + "\n")
    assert r.returncode == 0, r.stderr


def logged_in(server):
    """A logged-in client, once every pool connection has prepared its statements: tests that
    lock a table must not catch a connection still preparing (it would wait on the lock too)."""
    client = Api(server.base_url, timeout=30)
    # First the pools (/metrics needs no token): a login answered by a worker whose pool is
    # still reconnecting would be a 503.
    assert wait_for(lambda: pools_ready(client), 30), "the database pools did not get ready"
    client.login(ADMIN_LOGIN, ADMIN_PASSWORD)
    return client


def pools_ready(client):
    """Whether every database connection of every worker is up (per /metrics, which the
    workers update each second); /readyz only speaks for the worker that answers it."""
    text = client.get("/metrics").text
    gauges = dict(re.findall(r'^pnet_db_connections\{state="(\w+)"\} (\d+)$', text, re.M))
    return gauges.get("configured") not in (None, "0") and gauges.get("ready") == gauges["configured"]


@pytest.fixture
def cluster():
    with PgCluster() as pg:
        yield pg


def wait_for(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    return predicate()


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_database_stops_and_comes_back(pnetd_exe, pnetd_factory, cluster, mode):
    prepare(pnetd_exe, cluster.conninfo())
    server = pnetd_factory("--workers=2", "--db-reconnect-max-ms=1000",
                           database=cluster.conninfo())
    client = logged_in(server)
    assert client.get("/v1/me").status_code == 200
    assert client.get("/readyz").status_code == 200

    cluster.stop(mode)
    # Within a few seconds every request answers 503 promptly (never hangs).
    for _ in range(6):
        started = time.monotonic()
        r = client.get("/v1/me")
        assert time.monotonic() - started < 6, "a request hung while the database was down"
        body = assert_problem(r, 503, "database-unavailable")
        assert int(r.headers["Retry-After"]) >= 1
        assert "database" in body["detail"]
    r = client.get("/readyz")
    assert_problem(r, 503, "not-ready")
    assert r.headers["Retry-After"]
    assert client.get("/healthz").status_code == 200
    assert client.get("/metrics").status_code == 200
    assert server.running()
    # The gauges below are a second old at most: they must have seen the pools down, or a
    # short outage leaves them saying "all ready" from before it (a burst then met a worker
    # whose pool was still connecting).
    assert wait_for(lambda: not pools_ready(client), 10), "/metrics never saw the pools down"

    cluster.start()
    started = time.monotonic()
    ok = wait_for(lambda: client.get("/v1/me").status_code == 200, 10)
    assert ok, f"no recovery within 10 s:\n{server.log_tail()}"
    assert time.monotonic() - started < 10
    # Every connection of every worker is back: a burst all succeeds.
    assert wait_for(lambda: pools_ready(client), 10), server.log_tail()
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda _: Api(server.base_url, client.token).get("/v1/me")
                                 .status_code, range(16)))
    assert statuses == [200] * 16
    assert client.get("/readyz").status_code == 200
    assert any("database connection" in line for line in server.lines)


def test_database_down_at_start(pnetd_exe, pnetd_factory, cluster):
    prepare(pnetd_exe, cluster.conninfo())
    cluster.stop()
    server = pnetd_factory("--db-reconnect-max-ms=500", database=cluster.conninfo())
    api = Api(server.base_url)
    assert_problem(api.post("/v1/auth/login", json={"login": ADMIN_LOGIN,
                                                    "password": ADMIN_PASSWORD}), 503)
    assert_problem(api.get("/readyz"), 503, "not-ready")
    cluster.start()
    assert wait_for(lambda: api.get("/readyz").status_code == 200, 10)
    assert logged_in(server).get("/v1/me").status_code == 200


def lock_tokens(conninfo):
    """A transaction holding ACCESS EXCLUSIVE on api_token: every token check waits."""
    conn = psycopg.connect(conninfo)
    conn.execute("LOCK TABLE api_token IN ACCESS EXCLUSIVE MODE")
    return conn


def test_sigterm_lets_a_slow_request_finish(pnetd_exe, pnetd_factory, database_factory):
    database = database_factory(migrate=False)
    prepare(pnetd_exe, database)
    server = pnetd_factory("--workers=2", database=database)
    client = logged_in(server)
    lock = lock_tokens(database)
    result = {}

    def slow():
        started = time.monotonic()
        try:
            r = requests.get(server.url("/v1/me"), timeout=30,
                             headers={"Authorization": f"Bearer {client.token}"})
            result["status"] = r.status_code
            result["body"] = r.json()
        except requests.RequestException as e:
            result["error"] = e
        result["seconds"] = time.monotonic() - started

    keep_alive = Api(server.base_url)
    assert keep_alive.get("/healthz").status_code == 200  # an open, idle connection
    t = threading.Thread(target=slow)
    t.start()
    # The request is waiting on the lock.
    assert wait_for(lambda: lock.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
        " AND application_name = 'pnetd'").fetchone()[0] == 1, 10)
    server.signal(signal.SIGTERM)
    server.wait_for_log(lambda rec: "shutting down" in rec.get("msg", ""))
    time.sleep(1)
    assert server.running(), "pnetd exited with a request in flight"
    # New connections are refused.
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", server.port), timeout=2).close()
    # A request on a connection opened before is told to go elsewhere: a 503 when that
    # connection belongs to the draining worker, else the connection is closed; never a hang.
    started = time.monotonic()
    try:
        r = keep_alive.get("/v1/me", timeout=5)
    except requests.ConnectionError:
        pass
    else:
        assert_problem(r, 503, "shutting-down")
        assert r.headers["Retry-After"] == "1" and r.headers["Connection"].lower() == "close"
    assert time.monotonic() - started < 4  # a hang would be the 5 s read timeout
    lock.rollback()
    lock.close()
    t.join(30)
    assert result.get("status") == 200, result
    assert result["body"]["account"]["login"] == ADMIN_LOGIN
    assert result["seconds"] >= 1
    assert server.wait(30) == 0, server.log_tail()


def test_sigterm_deadline(pnetd_exe, pnetd_factory, database_factory):
    """A request that outlives --shutdown-timeout-s does not keep pnetd from exiting (0)."""
    database = database_factory(migrate=False)
    prepare(pnetd_exe, database)
    server = pnetd_factory("--workers=1", "--shutdown-timeout-s=1", database=database)
    client = logged_in(server)
    lock = lock_tokens(database)
    try:
        def cut_off():
            # The connection is closed at the deadline, without an answer.
            with pytest.raises(requests.ConnectionError):
                client.get("/v1/me")

        t = threading.Thread(target=cut_off, daemon=True)
        t.start()
        assert wait_for(lambda: lock.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            " AND application_name = 'pnetd'").fetchone()[0] == 1, 10)
        started = time.monotonic()
        server.signal(signal.SIGTERM)
        assert server.wait(20) == 0, server.log_tail()
        assert time.monotonic() - started < 10
        t.join(10)
    finally:
        lock.rollback()
        lock.close()


def test_queue_is_bounded(pnetd_exe, pnetd_factory, database_factory):
    database = database_factory(migrate=False)
    prepare(pnetd_exe, database)
    # The webhook dispatcher's poll would take the one connection or a queue place of its own
    # whenever it lands beside the six requests (on a loaded machine its claim is slow enough
    # to be caught): it polls once at start and then not within the test.
    server = pnetd_factory("--workers=1", "--db-pool-size=1", "--db-queue-max=2",
                           "--db-queue-timeout-ms=20000", "--webhook-poll-ms=600000",
                           database=database)
    client = logged_in(server)
    lock = lock_tokens(database)

    def one(_):
        started = time.monotonic()
        r = Api(server.base_url, client.token, timeout=60).get("/v1/me")
        return r.status_code, time.monotonic() - started, r

    try:
        with ThreadPoolExecutor(6) as pool:
            futures = [pool.submit(one, i) for i in range(6)]
            time.sleep(3)
            done = [f.result() for f in futures if f.done()]
            # 1 runs, 2 wait in the queue, the other 3 are refused at once.
            assert len(done) == 3, [d[:2] for d in done]
            for status, seconds, r in done:
                assert_problem(r, 503, "database-unavailable")
                assert r.headers["Retry-After"]
                assert seconds < 2
            lock.rollback()
    finally:
        lock.close()
    statuses = sorted(f.result()[0] for f in futures)
    assert statuses == [200, 200, 200, 503, 503, 503]


def test_sigterm_while_passwords_are_hashing(pnetd_exe, pnetd_factory, database_factory):
    """SIGTERM with several logins still hashing on the job threads, and a deadline that has
    long passed: each worker keeps its loop until its jobs are back, the job threads stop
    before the event bases are freed, and pnetd exits 0 (no sanitizer report)."""
    database = database_factory(migrate=False)
    prepare(pnetd_exe, database)
    # Unknown logins are hashed at --scrypt-log-n too (so that timing tells nothing): slow.
    server = pnetd_factory("--workers=2", "--shutdown-timeout-s=0", "--scrypt-log-n=16",
                           database=database)
    answers = []

    def attempt(i):
        try:
            r = requests.post(server.url("/v1/auth/login"), timeout=60,
                              json={"login": f"nobody-{i}", "password": "wrong password"})
            answers.append(r.status_code)
        except requests.ConnectionError:
            answers.append("closed")

    threads = [threading.Thread(target=attempt, args=(i,), daemon=True) for i in range(8)]
    for t in threads:
        t.start()
    time.sleep(0.5)  # the first ones are hashing, the rest queued
    server.signal(signal.SIGTERM)
    assert server.wait(60) == 0, server.log_tail()
    for t in threads:
        t.join(10)
    log = "\n".join(server.lines)
    assert "AddressSanitizer" not in log and "runtime error" not in log, server.log_tail()
    # Every login was either answered (wrong password) or cut off by the stop; none hung.
    assert len(answers) == 8 and set(answers) <= {401, 503, "closed"}, answers
