#!/usr/bin/env python3
"""A pnet webhook receiver: Python 3 standard library only.

    PNET_WEBHOOK_SECRET=whsec_... python3 receiver.py --port 8000

It checks Pnet-Signature (HMAC-SHA256 of "<t>.<body>" under the webhook's secret), refuses
signatures older than five minutes (replays), answers 2xx only once the event is safely
handled (here: printed), and treats Pnet-Event-Id as the key that makes a repeat harmless:
pnet delivers at least once, so the same event may come twice.
"""

import argparse
import hashlib
import hmac
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_S = 300


def verify(secret, header, body, now=None, tolerance=TOLERANCE_S):
    """True when header ("t=<unix time>,v1=<hex>") signs body (bytes) under secret and is at
    most tolerance seconds old (or early)."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        t = int(parts["t"])
        given = parts["v1"]
    except (KeyError, ValueError, AttributeError):
        return False
    now = time.time() if now is None else now
    if abs(now - t) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, given)


class Handler(BaseHTTPRequestHandler):
    secret = ""
    seen = set()  # a real receiver keeps this in its database

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if not verify(self.secret, self.headers.get("Pnet-Signature", ""), body):
            self.send_response(401)
            self.end_headers()
            return
        event_id = self.headers.get("Pnet-Event-Id")
        if event_id not in self.seen:
            event = json.loads(body)
            print(f"event {event['id']}: {event['type']} {json.dumps(event['data'])}",
                  flush=True)
            self.seen.add(event_id)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--bind", default="127.0.0.1")
    args = parser.parse_args()
    Handler.secret = os.environ.get("PNET_WEBHOOK_SECRET", "")
    if not Handler.secret:
        sys.exit("set PNET_WEBHOOK_SECRET to the secret pnet showed when the webhook was made")
    ThreadingHTTPServer((args.bind, args.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
