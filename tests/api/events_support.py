"""Helpers of the live-event tests: an SSE client, and referrals between two demo nodes."""

import http.client
import json
import os
import queue
import socket
import threading
import time
import uuid
from urllib.parse import urlencode, urlparse

JOBCENTER_NODE = "20000000-0000-4000-8000-000000000002"
SCHULDNER_NODE = "20000000-0000-4000-8000-000000000007"
TARGET_GROUP = "50000000-0000-4000-8000-000000000001"
DEMO_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "schema", "demo")


class SseClient:
    """GET /v1/events on a thread of its own; events land in a queue as dicts
    {"id", "event", "data"}; comment lines are counted in `comments`."""

    def __init__(self, base_url, token=None, last_event_id=None, params=None, headers=None):
        u = urlparse(base_url)
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        hdrs = {"Accept": "text/event-stream"}
        if token:
            hdrs["Authorization"] = f"Bearer {token}"
        if last_event_id is not None:
            hdrs["Last-Event-ID"] = str(last_event_id)
        hdrs.update(headers or {})
        path = "/v1/events" + ("?" + urlencode(params) if params else "")
        self.conn.request("GET", path, headers=hdrs)
        self.resp = self.conn.getresponse()
        self.status = self.resp.status
        self.headers = self.resp.headers
        self.events = queue.Queue()
        self.comments = []
        self.ended = threading.Event()
        if self.status == 200:
            self.thread = threading.Thread(target=self._read, daemon=True)
            self.thread.start()
        else:
            self.body = self.resp.read()
            self.ended.set()

    def _read(self):
        event = {}
        try:
            while True:
                line = self.resp.readline()
                if not line:
                    break
                line = line.decode("utf-8").rstrip("\n")
                if line == "":
                    if "data" in event:  # as EventSource: no data, no event
                        self.events.put(event)
                    event = {}
                elif line.startswith(":"):
                    self.comments.append(line)
                else:
                    key, _, value = line.partition(":")
                    event[key] = value[1:] if value.startswith(" ") else value
        except (OSError, ValueError, AttributeError, http.client.HTTPException):
            pass
        finally:
            self.ended.set()

    def next(self, timeout=5):
        """The next event, or None after timeout seconds."""
        try:
            return self.events.get(timeout=timeout)
        except queue.Empty:
            return None

    def take(self, n, timeout=5):
        """n events within timeout (fewer if they do not come)."""
        out, deadline = [], time.monotonic() + timeout
        while len(out) < n and time.monotonic() < deadline:
            e = self.next(max(0.01, deadline - time.monotonic()))
            if e:
                out.append(e)
        return out

    def next_about(self, referral_id, timeout=5):
        """The next event about referral_id within timeout, passing over others (the overdue
        scan may report the shared demo database's old referrals meanwhile); None if none."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            e = self.next(max(0.01, deadline - time.monotonic()))
            if e and json.loads(e["data"])["data"].get("referral_id") == referral_id:
                return e
        return None

    def close(self):
        try:
            self.conn.sock and self.conn.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.conn.close()
        self.ended.wait(5)


def new_case(client, reference=None):
    r = client.post("/v1/cases", json={"reference": reference or f"ev-{uuid.uuid4().hex[:10]}",
                                       "target_group_id": TARGET_GROUP})
    assert r.status_code == 201, r.text
    case = r.json()
    r = client.post(f"/v1/cases/{case['id']}/consents",
                    json={"scope": "node", "recipient_node_id": SCHULDNER_NODE,
                          "purpose": "Schuldnerberatung", "purpose_code": "debt_counselling",
                          "given_on": "2024-01-01",
                          "evidence": "Akte 1"})
    assert r.status_code == 201, r.text
    return case, r.json()


def new_referral(client, note=None):
    """A case with consent and a referral from the jobcenter to the debt counselling."""
    case, consent = new_case(client)
    body = {"case_id": case["id"], "to_node_id": SCHULDNER_NODE, "reason": "Schulden"}
    if note:
        body["note"] = note
    r = client.post("/v1/referrals", json=body)
    assert r.status_code == 201, r.text
    return r.json(), consent


def transition(client, referral, to, note=None):
    body = {"to": to}
    if note:
        body["note"] = note
    r = client.post(f"/v1/referrals/{referral['id']}/transitions", json=body,
                    headers={"If-Match": f'"{referral["version"]}"'})
    assert r.status_code == 200, r.text
    return r.json()


def load_demo(conn):
    for name in sorted(os.listdir(DEMO_DIR)):
        if name.endswith(".sql"):
            with open(os.path.join(DEMO_DIR, name), encoding="utf-8") as f:
                conn.execute(f.read())


def wait_demo_deadlines_said(conn, timeout=15):
    """Until a new pnetd's first overdue scan (a second after its start) has said the missed
    deadlines load_demo brings (fewer than a batch: one statement says them all), as
    referral.overdue events that a test started sooner would meet among its own."""
    assert wait_for(lambda: conn.execute(
        "SELECT count(*) FROM referral_deadline_missed").fetchone()[0], timeout), \
        "no overdue scan said the demo's missed deadlines"


def wait_for(predicate, timeout, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()
