"""High availability, for real: reads on the standby, a pnetd killed behind HAProxy, and the
primary PostgreSQL killed under a steady load of writes (docs/operations.md, "High
availability"; the figures go to docs/performance.md)."""

import os
import signal
import threading
import time

import pytest
import requests

from conftest import wait_until
from load import Load, SCHULDNER_NODE

from events_support import SseClient  # tests/api, on sys.path through conftest


def test_read_routes_are_served_by_the_standby_and_writes_by_the_primary(cluster):
    primary = cluster.primary()
    assert primary is not None
    standby = 1 - primary
    client = cluster.api("koordination")
    marker = f"HA-Lesetest {time.time_ns()}"
    counters = {}
    for i in (0, 1):
        with cluster.connect(cluster.pg_ports[i], user="postgres") as db:
            db.execute("SELECT pg_stat_statements_reset()")
    for _ in range(20):
        assert client.get("/v1/services", params={"q": "Schuldnerberatung"}).status_code == 200
    # a write: a target group of the demo network, through the front
    r = client.post("/v1/networks/40000000-0000-4000-8000-000000000001/target-groups",
                    json={"code": f"ha{time.time_ns() % 10**9}", "name": marker})
    assert r.status_code == 201, r.text
    for i in (0, 1):
        with cluster.connect(cluster.pg_ports[i], user="postgres") as db:
            rows = db.execute(
                "SELECT s.query, s.calls FROM pg_stat_statements s"
                " JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = 'pnet'").fetchall()
        counters[i] = {
            "search": sum(c for q, c in rows if "websearch_to_tsquery" in q),
            "write": sum(c for q, c in rows if "INSERT INTO target_group" in q),
        }
    assert counters[standby]["search"] >= 20, counters
    assert counters[primary]["search"] == 0, counters
    assert counters[primary]["write"] >= 1 and counters[standby]["write"] == 0, counters
    # And the standby has the write too (synchronous replication, applied before the answer).
    with cluster.connect(cluster.pg_ports[standby]) as db:
        assert db.execute("SELECT 1 FROM target_group WHERE name = %s", (marker,)).fetchone()


def test_a_killed_pnetd_leaves_the_service_and_streams_resume_without_a_gap(cluster):
    sender, receiver = cluster.api("jobcenter"), cluster.api("schuldnerberatung")
    seen, seen_lock, stop = [], threading.Lock(), threading.Event()
    backends, reconnects = [], []

    def follow():
        """A stream of the receiver's events that reconnects with Last-Event-ID as a browser's
        EventSource does, through the front."""
        last = None
        while not stop.is_set():
            try:
                s = SseClient(cluster.base_url, token=receiver.token, last_event_id=last)
            except OSError:
                time.sleep(0.2)
                continue
            if s.status != 200:
                time.sleep(0.2)
                continue
            backends.append(s.headers.get("X-Pnet-Backend"))
            while not stop.is_set() and not (s.ended.is_set() and s.events.empty()):
                e = s.next(0.2)
                if e:
                    with seen_lock:
                        seen.append(int(e["id"]))
                    last = e["id"]
            s.close()
            if not stop.is_set():
                reconnects.append(time.monotonic())

    follower = threading.Thread(target=follow, daemon=True)
    follower.start()
    assert wait_until(lambda: backends, 10), "the stream did not open"
    with cluster.connect(cluster.rw) as db:
        first_seq = db.execute("SELECT coalesce(max(seq), 0) FROM outbox").fetchone()[0]
    load = Load(cluster, sender, receiver, threads=2).start()
    time.sleep(2)
    victim = int(backends[0][-1]) - 1  # the pnetd serving the stream: "pnetd1" -> 0
    killed_at = time.monotonic()
    os.kill(cluster.pnetd_pid(victim), signal.SIGKILL)
    # The front answers from the other pnetd within seconds, and keeps doing so.
    failures = []

    def healthy():
        try:
            ok = requests.get(cluster.base_url + "/readyz", timeout=2).status_code == 200
        except requests.RequestException:
            ok = False
        if not ok:
            failures.append(time.monotonic() - killed_at)
        return ok

    assert wait_until(lambda: all(healthy() for _ in range(20)), 15, step=0.1)
    time.sleep(3)
    load.stop()
    time.sleep(1)
    stop.set()
    follower.join(10)
    recovered = max(failures, default=0.0)
    print(f"\nHA figure: a killed pnetd: front healthy again after {recovered:.1f} s; "
          f"{len(reconnects)} stream reconnect(s)")
    assert recovered < 5, failures
    assert reconnects, "the stream on the killed pnetd did not end"
    assert backends[-1] != backends[0], backends
    # Every event of the receiver's node since the stream began, each exactly once.
    with cluster.connect(cluster.rw) as db:
        expected = [row[0] for row in db.execute(
            "SELECT seq FROM outbox WHERE seq > %s AND %s = ANY (node_ids) ORDER BY seq",
            (first_seq, SCHULDNER_NODE))]
    assert expected, "the load wrote no events"
    # (Events come in commit order, which is not always the order of their ids.)
    assert len(set(seen)) == len(seen), "an event came twice"
    assert sorted(s for s in seen if s > first_seq) == expected
    # Writes after the kill went on (through the other pnetd).
    assert load.writes_ok_between(killed_at + 1, time.monotonic())
    # pnetd comes back for the next test (./dev cluster starts what is not running).
    cluster.dev("start")


def test_primary_killed_under_load_loses_no_acknowledged_write(cluster):
    old = cluster.primary()
    assert old is not None and cluster.role(1 - old) == "replica"
    sender, receiver = cluster.api("jobcenter"), cluster.api("schuldnerberatung")
    load = Load(cluster, sender, receiver, threads=4).start()
    time.sleep(5)
    killed_at = time.monotonic()
    os.kill(cluster.postmaster_pid(old), signal.SIGKILL)
    new = wait_until(lambda: (p := cluster.primary()) is not None and p != old and p, 60)
    assert new is not None and new != old, "Patroni promoted no standby"
    promoted_at = time.monotonic()
    # Writes succeed again: measure when the first acknowledged write after the kill ended.
    assert wait_until(lambda: load.writes_ok_between(killed_at + 0.5, time.monotonic()), 60)
    first_ok = min(a[0] + a[1] for a in load.writes_ok_between(killed_at + 0.5, time.monotonic()))
    time.sleep(5)
    load.stop()

    answers = [a for a in load.answers if a[2] != "read"]
    around = [a for a in answers if a[0] + a[1] >= killed_at - 1]
    bad = [a for a in answers if a[3] not in (200, 201, 409, 412, 503)]
    unavailable = [a for a in answers if a[3] == 503]
    print(f"\nHA figure: primary killed: Patroni promoted the standby after "
          f"{promoted_at - killed_at:.1f} s; writes succeeded again after "
          f"{first_ok - killed_at:.1f} s; {len(unavailable)} answers 503 with Retry-After, "
          f"{len(answers)} writes in all, longest request {max(a[1] for a in answers):.1f} s")
    assert not bad, f"answers other than 2xx, 409/412 after a lost answer, or 503: {bad[:10]}"
    assert all(a[4] for a in unavailable), [a for a in unavailable if not a[4]][:5]
    assert max(a[1] for a in around) < 15, "a request hung"

    # Every acknowledged write is on the new primary.
    with cluster.connect(cluster.pg_ports[new]) as db:
        cases = {r[0] for r in db.execute(
            "SELECT id::text FROM client_case WHERE id = ANY (%s::uuid[])", (list(load.cases),))}
        consents = {r[0] for r in db.execute(
            "SELECT id::text FROM consent WHERE id = ANY (%s::uuid[])", (list(load.consents),))}
        rows = {r[0]: (r[1], r[2]) for r in db.execute(
            "SELECT id::text, status, version FROM referral WHERE id = ANY (%s::uuid[])",
            (list(load.referrals),))}
    assert cases == load.cases, f"{len(load.cases - cases)} acknowledged cases lost"
    assert consents == load.consents, f"{len(load.consents - consents)} consents lost"
    lost = [i for i, (status, version) in load.referrals.items()
            if i not in rows or rows[i][1] < version
            or (rows[i][1] == version and rows[i][0] != status)]
    assert not lost, f"{len(lost)} of {len(load.referrals)} acknowledged referral writes lost"
    assert len(load.referrals) > 10

    # The old primary comes back as a standby of the new one.
    assert wait_until(lambda: cluster.role(old) in ("replica", "sync_standby")
                      and cluster.patroni(old, "/replica")[0] == 200, 90), cluster.patroni(old)
