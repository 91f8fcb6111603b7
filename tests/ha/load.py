"""A steady load of writes through the cluster's HTTP front, every answer recorded: cases,
consents and referrals created by the jobcenter, and the debt counselling moving them on."""

import threading
import time
import uuid

import requests

JOBCENTER_NODE = "20000000-0000-4000-8000-000000000002"
SCHULDNER_NODE = "20000000-0000-4000-8000-000000000007"
TARGET_GROUP = "50000000-0000-4000-8000-000000000001"
# The receiver's moves, in order, until the referral is completed.
NEXT = {"sent": "received", "received": "accepted", "accepted": "in_progress",
        "in_progress": "completed"}


class Load:
    """Threads that write until stop(); acknowledged writes and every answer are kept."""

    def __init__(self, cluster, sender, receiver, threads=4):
        self.cluster = cluster
        self.sender, self.receiver = sender, receiver
        self.nthreads = threads
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        # (start, seconds, what, status or exception name, Retry-After, problem type or "")
        self.answers = []
        self.cases, self.consents = set(), set()
        self.referrals = {}  # id -> (status, version) of the last acknowledged write
        self.threads = []

    def start(self):
        for i in range(self.nthreads):
            t = threading.Thread(target=self._run, args=(i,), daemon=True)
            t.start()
            self.threads.append(t)
        return self

    def stop(self):
        self.stopping.set()
        for t in self.threads:
            t.join(60)
        assert not any(t.is_alive() for t in self.threads), "a load thread hangs"

    def _call(self, client, what, method, path, **kw):
        started = time.monotonic()
        try:
            r = client.request(method, path, timeout=20, **kw)
            outcome, retry = r.status_code, r.headers.get("Retry-After")
            kind = "" if r.ok else (r.json().get("type", "") if "json" in
                                    r.headers.get("Content-Type", "") else r.text[:80])
        except requests.RequestException as e:
            r, outcome, retry, kind = None, type(e).__name__, None, str(e)[:80]
        with self.lock:
            self.answers.append((started, time.monotonic() - started, what, outcome, retry,
                                 kind))
        return r

    def _run(self, i):
        sender = self.sender.as_token(self.sender.token)
        receiver = self.receiver.as_token(self.receiver.token)
        mine = []  # referrals this thread moves on
        while not self.stopping.is_set():
            r = self._call(sender, "case", "POST", "/v1/cases",
                           json={"reference": f"ha-{uuid.uuid4().hex[:12]}",
                                 "target_group_id": TARGET_GROUP})
            if r is None or r.status_code != 201:
                time.sleep(0.1)
                continue
            case = r.json()["id"]
            with self.lock:
                self.cases.add(case)
            r = self._call(sender, "consent", "POST", f"/v1/cases/{case}/consents",
                           json={"scope": "node", "recipient_node_id": SCHULDNER_NODE,
                                 "purpose": "Schuldnerberatung",
                                 "purpose_code": "debt_counselling", "given_on": "2024-01-01",
                                 "evidence": "HA-Test"})
            if r is None or r.status_code != 201:
                continue
            with self.lock:
                self.consents.add(r.json()["id"])
            r = self._call(sender, "referral", "POST", "/v1/referrals",
                           json={"case_id": case, "to_node_id": SCHULDNER_NODE,
                                 "reason": "Schulden"})
            if r is not None and r.status_code == 201:
                ref = r.json()
                self._acknowledge(ref)
                mine.append(ref)
            mine = [m for m in (self._move(receiver, m) for m in mine) if m]

    def _acknowledge(self, ref):
        with self.lock:
            self.referrals[ref["id"]] = (ref["status"], ref["version"])

    def _move(self, receiver, ref):
        """One move of ref; the referral to go on with (None when done or lost track)."""
        to = NEXT.get(ref["status"])
        if not to:
            return None
        body = {"to": to}
        if to == "completed":
            body["outcome"] = "goal_reached"
        r = self._call(receiver, "transition", "POST", f"/v1/referrals/{ref['id']}/transitions",
                       json=body, headers={"If-Match": f'"{ref["version"]}"'})
        if r is not None and r.status_code == 200:
            self._acknowledge(r.json())
            return r.json()
        if r is not None and r.status_code in (409, 412):
            # A move that was carried out although its answer was lost: read where it is.
            g = self._call(receiver, "read", "GET", f"/v1/referrals/{ref['id']}")
            return g.json() if g is not None and g.status_code == 200 else ref
        return ref

    def writes_ok_between(self, start, end):
        return [a for a in self.answers
                if start <= a[0] + a[1] <= end and a[3] in (200, 201) and a[2] != "read"]
