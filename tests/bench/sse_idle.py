#!/usr/bin/env python3
"""What idle event streams cost: open N GET /v1/events streams against a pnetd (a release
build: ./dev build release) and report its resident memory per stream.

    /usr/bin/python3 tests/bench/sse_idle.py [-n 2000] [--pnetd build/demo/server/pnetd]

Starts a private PostgreSQL (tests/api/pgcluster.py), migrates it, loads the demo data,
mints a token for the demo caseworker, starts pnetd with 2 workers, and measures VmRSS
before and after opening the streams (each answered with its headers and first comment).
"""

import argparse
import hashlib
import os
import resource
import secrets
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "api"))

from events_support import load_demo  # noqa: E402
from harness import Pnetd, free_port, run_pnetd  # noqa: E402
from pgcluster import PgCluster  # noqa: E402


def rss_kib(pid):
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def open_stream(port, token):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(f"GET /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
              f"Accept: text/event-stream\r\n\r\n".encode())
    data = b""
    while b": connected" not in data:
        chunk = s.recv(4096)
        if not chunk:
            raise RuntimeError(f"stream refused: {data[:200]!r}")
        data += chunk
    if not data.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(data[:200])
    return s


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-n", type=int, default=2000)
    p.add_argument("--pnetd", default=os.path.join(ROOT, "build", "demo", "server", "pnetd"))
    args = p.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    # Per process (this one holds the client ends, pnetd, which inherits the limit, the
    # server ends): the streams and some to spare.
    want = min(hard, args.n + 1000)
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    if want < args.n + 100:
        sys.exit(f"ulimit -n is {hard}: too low for {args.n} streams")

    with PgCluster(settings={"max_connections": "100"}) as pg:
        r = run_pnetd(args.pnetd, "migrate", f"--database={pg.conninfo()}")
        assert r.returncode == 0, r.stderr
        token = "pnet_" + secrets.token_urlsafe(32)
        with pg.connect() as conn:
            load_demo(conn)
            conn.execute("INSERT INTO api_token (account_id, token_hash, kind, expires_at)"
                         " SELECT id, %s, 'session', now() + interval '1 day' FROM account"
                         " WHERE login = 'schuldnerberatung'",
                         (hashlib.sha256(token.encode()).hexdigest(),))
        server = Pnetd(args.pnetd, pg.conninfo(), args=["--workers=2", "--log-level=warn",
                             f"--max-connections={args.n + 100}"],
                       port=free_port()).start()
        try:
            # Warm up: a few streams and requests so that pools and allocator arenas exist.
            warm = [open_stream(server.port, token) for _ in range(20)]
            for s in warm:
                s.close()
            time.sleep(1)
            before = rss_kib(server.pid)
            streams = []
            started = time.monotonic()
            for _ in range(args.n):
                streams.append(open_stream(server.port, token))
            opened = time.monotonic() - started
            time.sleep(2)
            after = rss_kib(server.pid)
            per = (after - before) * 1024 / args.n
            print(f"{args.n} idle streams opened in {opened:.1f} s; pnetd RSS {before} KiB -> "
                  f"{after} KiB: {per / 1024:.1f} KiB per stream")
            for s in streams:
                s.close()
        finally:
            server.stop()


if __name__ == "__main__":
    main()
