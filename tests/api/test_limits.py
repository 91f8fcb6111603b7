"""Connection and memory limits (docs/operations.md, "Connections and memory"): pnetd at the
open-files limit, accept() failing, too many connections from one address, and the bound on
the bytes of requests not yet authenticated. Each test runs a pnetd of its own: the limits
are process-wide."""

import json
import os
import resource
import socket
import time

import requests

from rawhttp import closed_within, connect, problem, read_response

HEALTHZ = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"


def cpu_seconds(pid):
    """User and system CPU time the process has used so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def metric(server, name):
    """The value of one line of /metrics (name with its labels, as written there)."""
    text = requests.get(server.url("/metrics"), timeout=10).text
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    raise AssertionError(f"{name} not in /metrics")


def lines_about(server, start, words):
    return [line for line in server.lines[start:] if any(w in line for w in words)]


def healthy_within(server, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(server.url("/healthz"), timeout=1).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.1)
    return False


def open_many(server, n):
    """n connections; those beyond what pnetd accepts wait in the kernel's backlog."""
    return [socket.create_connection(("127.0.0.1", server.port), timeout=10) for _ in range(n)]


def test_at_the_open_files_limit_pnetd_pauses_accepting(pnetd_factory):
    """Started under a small `ulimit -n`, pnetd caps its connections below it: it stops
    accepting at the cap instead of spinning on accept() failing with EMFILE, logs that at
    most once per 10 seconds, serves the connections it has, and accepts again once they
    close."""
    server = pnetd_factory("--workers=1", "--db-pool-size=1",
                           limits={resource.RLIMIT_NOFILE: (128, 128)})
    socks = open_many(server, 300)
    try:
        time.sleep(1)
        cpu, mark = cpu_seconds(server.pid), len(server.lines)
        time.sleep(3)
        assert cpu_seconds(server.pid) - cpu < 0.5, "pnetd is busy while it waits"
        noise = lines_about(server, mark, ("accept", "connection limit"))
        assert len(noise) <= 1, noise
        # The connections it took are served.
        socks[0].sendall(HEALTHZ)
        assert read_response(socks[0])[0] == 200
    finally:
        for s in socks:
            s.close()
    assert healthy_within(server, 10), server.log_tail()
    lowered = server.wait_for_log(lambda r: r.get("msg", "").startswith("max-connections lowered"))
    assert 16 <= lowered["max_connections"] < 128 and lowered["open_files"] == 128
    assert server.wait_for_log(lambda r: r.get("msg", "").startswith("connection limit reached"))


def test_accept_failing_for_want_of_descriptors_backs_off(pnetd_factory):
    """The open-files limit lowered under a running pnetd (prlimit): accept() fails with
    EMFILE; pnetd pauses accepting and tries again after a growing pause (up to a second)
    instead of spinning, and serves again once descriptors are free."""
    server = pnetd_factory("--workers=1", "--db-pool-size=1")
    soft, hard = resource.prlimit(server.pid, resource.RLIMIT_NOFILE)
    in_use = len(os.listdir(f"/proc/{server.pid}/fd"))
    resource.prlimit(server.pid, resource.RLIMIT_NOFILE, (in_use + 4, hard))
    socks = []
    try:
        socks = open_many(server, 40)
        time.sleep(1)
        cpu, mark = cpu_seconds(server.pid), len(server.lines)
        time.sleep(3)
        assert cpu_seconds(server.pid) - cpu < 0.5, "pnetd spins on accept()"
        noise = lines_about(server, mark, ("accept",))
        assert len(noise) <= 1, noise
        failed = [r for r in server.records() if r.get("msg", "").startswith("accept failed")]
        assert failed and "open files" in failed[0]["error"], server.log_tail()
    finally:
        resource.prlimit(server.pid, resource.RLIMIT_NOFILE, (soft, hard))
        for s in socks:
            s.close()
    assert healthy_within(server, 10), server.log_tail()
    assert metric(server, "pnet_http_accept_failures_total") >= 1


def test_too_many_connections_from_one_address(pnetd_factory):
    server = pnetd_factory("--max-connections-per-addr=3", "--limit-loopback")
    time.sleep(0.5)  # the start-up check's connection has closed
    held = [connect(server) for _ in range(3)]
    for s in held:
        s.sendall(HEALTHZ)
        assert read_response(s)[0] == 200
    extra = connect(server)
    assert closed_within(extra, 5), "the fourth connection from one address stays open"
    extra.close()
    warning = server.wait_for_log(lambda r: r.get("msg", "").startswith("too many connections"))
    assert warning["client"] == "127.0.0.1" and warning["limit"] == 3
    # The three go on; once one closes there is room for another.
    held[1].sendall(HEALTHZ)
    assert read_response(held[1])[0] == 200
    held.pop().close()
    deadline = time.monotonic() + 5
    while True:  # once pnetd has seen it close
        again = connect(server)
        try:
            again.sendall(HEALTHZ)
            assert read_response(again)[0] == 200
            break
        except (OSError, ConnectionError):
            again.close()
            assert time.monotonic() < deadline, "no room after a connection closed"
            time.sleep(0.2)
    for s in held + [again]:
        s.close()
    time.sleep(0.3)
    # (the retry above may have been refused once more)
    assert metric(server, 'pnet_http_connections_refused_total{reason="address"}') >= 1
    assert metric(server, "pnet_http_connections") >= 1


def test_unauthenticated_bytes_are_bounded(pnetd_factory):
    """Bodies on their way to the login (nobody authenticated yet) may together hold at most
    --max-unauthenticated-bytes: the connection that brings more is shut down, the others go
    on, and the bytes count no more once their requests are answered or gone."""
    server = pnetd_factory("--max-body-bytes=1048576", "--max-unauthenticated-bytes=1048576")
    head = (b"POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 900000\r\n\r\n")
    socks = [connect(server) for _ in range(4)]
    for s in socks:
        try:
            s.sendall(head + b" " * 400000)
        except OSError:
            pass
        time.sleep(0.3)
    shut = [s for s in socks if closed_within(s, 2)]
    assert 1 <= len(shut) <= 2, len(shut)
    assert socks[0] not in shut and socks[1] not in shut
    warning = server.wait_for_log(lambda r: "memory bound" in r.get("msg", ""))
    assert warning["limit"] == 1048576
    # Once the others are gone, the first finishes its request and is answered (the body is
    # no login: 400).
    for s in socks[1:]:
        s.close()
    time.sleep(1)
    socks[0].sendall(b" " * 499998 + b"{}")
    problem(*read_response(socks[0]), 400, "validation")
    socks[0].close()
    # Nothing is counted any more (once pnetd has seen those connections end): a request of
    # the full size goes through.
    deadline = time.monotonic() + 10
    while True:
        s = connect(server)
        try:
            s.sendall(head + b" " * 899998 + b"{}")
            problem(*read_response(s), 400, "validation")
            break
        except (OSError, ConnectionError):
            assert time.monotonic() < deadline, "the bytes of ended requests still count"
            time.sleep(0.5)
        finally:
            s.close()
    assert healthy_within(server, 5)
    assert metric(server, 'pnet_http_connections_refused_total{reason="memory"}') >= 1


def test_loopback_is_not_limited_per_address_unless_asked(pnetd_factory):
    """A proxy or a health check on the same host connects from loopback: by default it is
    not held to --max-connections-per-addr (so a flood from loopback cannot lock out the
    local health check either; the total limit still holds)."""
    server = pnetd_factory("--max-connections-per-addr=3")
    held = [connect(server) for _ in range(6)]
    for s in held:
        s.sendall(HEALTHZ)
        assert read_response(s)[0] == 200
    for s in held:
        s.close()


def served_by_worker(server, start):
    """{worker: answers} for the /healthz requests logged since line start."""
    counts = {}
    for line in server.lines[start:]:
        if '"msg":"request"' in line and '"path":"/healthz"' in line:
            worker = json.loads(line)["worker"]
            counts[worker] = counts.get(worker, 0) + 1
    return counts


def test_a_burst_of_connections_is_shared_out_between_the_workers(pnetd_factory):
    """The workers share one listening socket. A burst of keep-alive connections used to land
    on whichever worker's loop woke first, sometimes all of them on one, whose database pool
    then served every request while the other's stood idle (docs/performance.md). Now a
    worker holding more connections than another leaves the next ones to the others: 16
    connections made at once, each asking once, are answered by both workers, neither
    holding more than two above the other; and when they close and come again, the same."""
    server = pnetd_factory("--workers=2", "--db-pool-size=1")
    # The factory's own /healthz is answered before its log line is read: counted from
    # before it, a burst would count 17.
    server.wait_for_log(lambda r: r.get("msg") == "request" and r.get("path") == "/healthz")
    for _ in range(2):
        start = len(server.lines)
        socks = open_many(server, 16)
        try:
            for s in socks:
                s.sendall(HEALTHZ)
            for s in socks:
                assert read_response(s)[0] == 200
            server.wait_for_log(lambda r: sum(served_by_worker(server, start).values()) == 16)
            counts = served_by_worker(server, start)
            assert sorted(counts) == [0, 1], counts
            assert abs(counts[0] - counts[1]) <= 2, counts
        finally:
            for s in socks:
                s.close()
        # pnetd has seen them close before the next burst.
        deadline = time.monotonic() + 10
        while metric(server, "pnet_http_connections") > 1 and time.monotonic() < deadline:
            time.sleep(0.05)
