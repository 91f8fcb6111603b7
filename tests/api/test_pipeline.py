"""Queries sent ahead on a busy database connection (--db-pipeline, docs/architecture.md,
"The database pool"): while a connection runs one query, a write's query may already be on its
way behind it, each its own transaction, answered in order to the request that asked; a query
that fails aborts nothing sent behind it. A read waits for a free connection instead, and a
periodic scan runs with nothing sent behind it."""

import re
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from harness import Api
from test_resilience import logged_in, prepare, wait_for


def gauges(client):
    """The pool's queue, its busy connections and the requests in flight, from /metrics."""
    text = client.get("/metrics").text
    value = {name: int(n) for name, n in re.findall(
        r"^(pnet_db_queue_length|pnet_http_requests_in_flight) (\d+)$", text, re.M)}
    busy = re.search(r'^pnet_db_connections\{state="busy"\} (\d+)$', text, re.M)
    return value["pnet_db_queue_length"], int(busy.group(1)), value["pnet_http_requests_in_flight"]


def one_connection(pnetd_exe, pnetd_factory, database_factory, depth):
    """A pnetd with one worker and one database connection (whatever is sent ahead is sent on
    that connection), the admin's client, and two networks made. The webhook dispatcher polls
    once at start and not within the test."""
    database = database_factory(migrate=False)
    prepare(pnetd_exe, database)
    server = pnetd_factory("--workers=1", "--db-pool-size=1", f"--db-pipeline={depth}",
                           "--db-queue-timeout-ms=20000", "--webhook-poll-ms=600000",
                           database=database)
    admin = logged_in(server)
    made = []
    for _ in range(2):
        r = admin.post("/v1/networks", json={"name": f"Netzwerk {uuid.uuid4().hex[:8]}",
                                             "locality": "Neustadt"})
        assert r.status_code == 201, r.text
        made.append(r.json())
    # The token is known to the worker now: only the requests' own statements wait below.
    assert admin.get("/v1/me").status_code == 200
    return database, server, admin, made


def while_networks_locked(database, server, admin, waves, expect):
    """Runs the calls [(method, path, body)] of each wave at once while the network table is
    locked, a wave once those before it are in flight (per /metrics, which the worker updates
    each second); waits until /metrics shows expect((queue, busy, in flight)), then lets them
    go. Their answers, in order."""
    calls = [c for wave in waves for c in wave]
    lock = psycopg.connect(database)
    lock.execute("LOCK TABLE network IN ACCESS EXCLUSIVE MODE")
    clients = [Api(server.base_url, admin.token, timeout=60) for _ in calls]

    def call(i, started):
        method, path, body = calls[i]
        started.wait()
        if body is None:
            return clients[i].request(method, path)
        return clients[i].request(method, path, json=body)

    try:
        with ThreadPoolExecutor(len(calls)) as pool:
            futures = []
            for wave in waves:
                if futures:
                    n = len(futures)
                    assert wait_for(lambda: gauges(admin)[2] == n, 10), gauges(admin)
                started = threading.Barrier(len(wave))
                futures += [pool.submit(call, i, started)
                            for i in range(len(futures), len(futures) + len(wave))]
            seen = wait_for(lambda: (lambda g: g if expect(g) else None)(gauges(admin)), 10)
            assert seen, f"queue, busy, in flight: {gauges(admin)}"
            time.sleep(0.3)
            assert not any(f.done() for f in futures)
            lock.rollback()
            return [f.result() for f in futures]
    finally:
        lock.close()
        for c in clients:
            c.close()


def create(name):
    return ("POST", "/v1/networks", {"name": name, "locality": "Neustadt"})


# Sent ahead up to 8, the four writes all go to the one connection; one at a time, three of
# them wait in the pool's queue (with whatever the worker does meanwhile, such as recording
# the token's last use).
@pytest.mark.parametrize("depth, queued", [(8, range(0, 1)), (1, range(3, 6))])
def test_writes_sent_behind_a_waiting_one_answer_their_own_requests(
        pnetd_exe, pnetd_factory, database_factory, depth, queued):
    database, server, admin, made = one_connection(pnetd_exe, pnetd_factory,
                                                   database_factory, depth)
    names = [f"Netzwerk {uuid.uuid4().hex[:8]}" for _ in range(3)]
    calls = [create(names[0]), create(made[0]["name"]), create(names[1]), create(names[2])]
    answers = while_networks_locked(
        database, server, admin, [calls],
        lambda g: g[2] == len(calls) and g[1] == 1 and g[0] in queued)
    first, taken, second, third = answers
    for answer, name in ((first, names[0]), (second, names[1]), (third, names[2])):
        assert answer.status_code == 201 and answer.json()["name"] == name, answer.text
    # The unique violation ended its own transaction only.
    assert taken.status_code == 409, taken.text
    assert taken.headers["Content-Type"].startswith("application/problem+json")
    listed = admin.get("/v1/networks?limit=100").json()["items"]
    assert sorted(n["name"] for n in listed if n["name"] in names) == sorted(names)


def test_reads_wait_for_a_free_connection_and_nothing_overtakes_them(
        pnetd_exe, pnetd_factory, database_factory):
    database, server, admin, made = one_connection(pnetd_exe, pnetd_factory,
                                                   database_factory, 8)
    names = [f"Netzwerk {uuid.uuid4().hex[:8]}" for _ in range(2)]
    # A write on the connection; two reads, with room behind it, wait in the queue; a write
    # after them waits there too instead of being sent ahead past them.
    waves = [[create(names[0])],
             [("GET", f"/v1/networks/{made[0]['id']}", None),
              ("GET", f"/v1/networks/{made[1]['id']}", None)],
             [create(names[1])]]
    answers = while_networks_locked(
        database, server, admin, waves,
        lambda g: g[2] == 4 and g[1] == 1 and g[0] in (3, 4))
    first, read_a, read_b, last = answers
    assert first.status_code == 201 and first.json()["name"] == names[0], first.text
    assert read_a.status_code == 200 and read_a.json()["id"] == made[0]["id"], read_a.text
    assert read_b.status_code == 200 and read_b.json()["id"] == made[1]["id"], read_b.text
    assert last.status_code == 201 and last.json()["name"] == names[1], last.text


def test_a_head_waits_for_a_free_connection_as_a_get_does(
        pnetd_exe, pnetd_factory, database_factory):
    """A HEAD answers a GET route without the body: its query is a read, not sent ahead."""
    database, server, admin, made = one_connection(pnetd_exe, pnetd_factory,
                                                   database_factory, 8)
    name = f"Netzwerk {uuid.uuid4().hex[:8]}"
    waves = [[create(name)], [("HEAD", f"/v1/networks/{made[0]['id']}", None)]]
    first, head = while_networks_locked(
        database, server, admin, waves, lambda g: g[2] == 2 and g[1] == 1 and g[0] >= 1)
    assert first.status_code == 201 and first.json()["name"] == name, first.text
    assert head.status_code == 200 and head.content == b"", head.text


def test_a_long_scan_holds_up_no_request(pnetd_exe, pnetd_factory, database_factory):
    """The overdue scan (a periodic job, DB_SEND_ALONE) runs on a connection of its own:
    nothing is sent behind it, so writes keep going on the other while it waits."""
    database = database_factory(migrate=False)
    prepare(pnetd_exe, database)
    lock = psycopg.connect(database)
    # The scan writes what it says here: it waits for the lock from its first moment.
    lock.execute("LOCK TABLE referral_deadline_missed IN ACCESS EXCLUSIVE MODE")
    try:
        # The scan waits as long as the test needs (no statement timeout cuts it short).
        server = pnetd_factory("--workers=1", "--db-pool-size=2", "--db-pipeline=8",
                               "--overdue-interval-s=1", "--webhook-poll-ms=600000",
                               "--db-statement-timeout-ms=120000", database=database)
        admin = logged_in(server)
        with psycopg.connect(database, autocommit=True) as watch:
            assert wait_for(lambda: watch.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pnetd'"
                " AND query LIKE '%referral_overdue_scan%' AND wait_event_type = 'Lock'"
            ).fetchone()[0] == 1, 15), "the overdue scan did not start waiting"
        # A write sent behind the scan would wait for the lock to go: it times out instead.
        clients = [Api(server.base_url, admin.token, timeout=10) for _ in range(12)]
        started = time.monotonic()
        with ThreadPoolExecutor(len(clients)) as pool:
            answers = list(pool.map(
                lambda c: c.post("/v1/networks", json={
                    "name": f"Netzwerk {uuid.uuid4().hex[:8]}", "locality": "Neustadt"}),
                clients * 3))
        took = time.monotonic() - started
        assert [a.status_code for a in answers] == [201] * len(answers)
        assert took < 10, f"{len(answers)} requests took {took:.1f} s beside the waiting scan"
        for c in clients:
            c.close()
    finally:
        lock.rollback()
        lock.close()
