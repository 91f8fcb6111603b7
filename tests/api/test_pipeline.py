"""Queries sent ahead on a busy database connection (--db-pipeline, docs/architecture.md,
"Database pool"): while a connection runs one query, the next ones are already on their way, each
its own transaction, answered in order to the request that asked; a query that fails aborts
nothing sent behind it."""

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


# Sent ahead up to 8, the four requests' statements all go to the one connection; one at a
# time, three of them wait in the pool's queue (with whatever the worker does meanwhile, such
# as recording the token's last use).
@pytest.mark.parametrize("depth, queued", [(8, range(0, 1)), (1, range(3, 6))])
def test_queries_behind_a_waiting_one_answer_their_own_requests(
        pnetd_exe, pnetd_factory, database_factory, depth, queued):
    database = database_factory(migrate=False)
    prepare(pnetd_exe, database)
    # One worker with one connection: whatever is sent ahead is sent on that connection. The
    # webhook dispatcher polls once at start and not within the test.
    server = pnetd_factory("--workers=1", "--db-pool-size=1", f"--db-pipeline={depth}",
                           "--db-queue-timeout-ms=20000", "--webhook-poll-ms=600000",
                           database=database)
    admin = logged_in(server)
    names = [f"Netzwerk {uuid.uuid4().hex[:8]}" for _ in range(3)]
    made = []
    for name in names[:2]:
        r = admin.post("/v1/networks", json={"name": name, "locality": "Neustadt"})
        assert r.status_code == 201, r.text
        made.append(r.json())
    # The token is known to the worker now: only the requests' own statements wait below.
    assert admin.get("/v1/me").status_code == 200

    lock = psycopg.connect(database)
    lock.execute("LOCK TABLE network IN ACCESS EXCLUSIVE MODE")
    calls = [
        ("GET", f"/v1/networks/{made[0]['id']}", None),
        ("POST", "/v1/networks", {"name": names[0], "locality": "Neustadt"}),  # taken: 409
        ("GET", f"/v1/networks/{made[1]['id']}", None),
        ("POST", "/v1/networks", {"name": names[2], "locality": "Neustadt"}),
    ]
    clients = [Api(server.base_url, admin.token, timeout=60) for _ in calls]
    started = threading.Barrier(len(calls))

    def call(i):
        method, path, body = calls[i]
        started.wait()
        if body is None:
            return clients[i].request(method, path)
        return clients[i].request(method, path, json=body)

    try:
        with ThreadPoolExecutor(len(calls)) as pool:
            futures = [pool.submit(call, i) for i in range(len(calls))]
            # All four wait for the lock: sent on the one connection behind the first (as far
            # as --db-pipeline lets them), the rest in the pool's queue (the worker updates
            # the gauges each second).
            seen = wait_for(lambda: (lambda g: g if g[2] == len(calls) and g[1] == 1
                                     and g[0] in queued else None)(gauges(admin)), 10)
            assert seen, f"queue, busy, in flight: {gauges(admin)} (expected {queued} queued)"
            time.sleep(0.3)
            assert not any(f.done() for f in futures)
            lock.rollback()
            answers = [f.result() for f in futures]
    finally:
        lock.close()
        for c in clients:
            c.close()

    first, taken, second, new = answers
    assert first.status_code == 200 and first.json()["id"] == made[0]["id"], first.text
    assert first.json()["name"] == names[0]
    # The unique violation ended its own transaction only.
    assert taken.status_code == 409, taken.text
    assert taken.headers["Content-Type"].startswith("application/problem+json")
    assert second.status_code == 200 and second.json()["id"] == made[1]["id"], second.text
    assert new.status_code == 201 and new.json()["name"] == names[2], new.text
    listed = admin.get("/v1/networks?limit=100").json()["items"]
    assert sorted(n["name"] for n in listed if n["name"] in names) == sorted(names)
