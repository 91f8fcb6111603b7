"""Shared by the case, consent and referral tests: the demo ids, and a small vocabulary to
open a case, record a consent, send a referral and walk it through the state machine."""

import uuid
from harness import german_date

NETWORK = "40000000-0000-4000-8000-000000000001"
GROUPS = ["50000000-0000-4000-8000-00000000000" + str(i) for i in (1, 2, 3)]
CHAINS = ["70000000-0000-4000-8000-00000000000" + str(i) for i in (1, 2, 3)]


def node(n):
    return f"20000000-0000-4000-8000-{n:012d}"


JOBCENTER = node(2)         # demo('jobcenter'); member days_to_accept 3
JUGENDAMT = node(5)         # demo('jugendamt'); 10 days
SCHULDNER = node(7)         # demo('schuldnerberatung'); 10 days
SUCHT = node(8)             # demo('suchtberatung'); 7 days
KITA = node(9)              # no agreed days: the network default (5)
BILDUNG = node(11)

LOGIN_OF = {JOBCENTER: "jobcenter", JUGENDAMT: "jugendamt", SCHULDNER: "schuldnerberatung",
            SUCHT: "suchtberatung"}

# The state machine as the issue states it (lib/referral.c): to -> (sources, side, input).
STATUSES = ["sent", "received", "waitlisted", "accepted", "declined", "in_progress",
            "completed", "dropped_out", "withdrawn"]
OPEN = ["sent", "received", "waitlisted", "accepted", "in_progress"]
TERMINAL = ["declined", "completed", "dropped_out", "withdrawn"]
MOVES = {
    "received": (["sent"], "receiver"),
    "waitlisted": (["sent", "received"], "receiver"),
    "accepted": (["sent", "received", "waitlisted"], "receiver"),
    "declined": (["sent", "received", "waitlisted"], "receiver"),
    "in_progress": (["accepted"], "receiver"),
    "completed": (["in_progress"], "receiver"),
    "dropped_out": (["accepted", "in_progress"], "receiver"),
    "withdrawn": (["sent", "received", "waitlisted", "accepted", "in_progress"], "sender"),
}
# A shortest legal walk from sent to each status.
PATH = {
    "sent": [],
    "received": ["received"],
    "waitlisted": ["waitlisted"],
    "accepted": ["accepted"],
    "declined": ["declined"],
    "in_progress": ["accepted", "in_progress"],
    "completed": ["accepted", "in_progress", "completed"],
    "dropped_out": ["accepted", "dropped_out"],
    "withdrawn": ["withdrawn"],
}

TABLES = ["referral", "referral_event", "client_case", "consent", "audit_log"]


def today(days=0):
    return german_date(days).isoformat()


def ref():
    """A fresh pseudonym."""
    return "T-" + uuid.uuid4().hex[:16]


def allowed(frm, to, side):
    """Whether side ('sender'/'receiver') may move a referral from frm to to."""
    return to in MOVES and frm in MOVES[to][0] and MOVES[to][1] == side


def legal(frm, to):
    return to in MOVES and frm in MOVES[to][0]


def inputs(to):
    """The smallest valid body for a move into to."""
    body = {"to": to}
    if to == "declined":
        body["reason"] = "no_capacity"
    elif to == "dropped_out":
        body["reason"] = "no_show"
    elif to == "completed":
        body["outcome"] = "goal_reached"
    elif to == "waitlisted":
        body["expected_on"] = today(14)
    return body


def counts(conn):
    """Row counts of the tables a failed request must leave alone."""
    return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def audit(conn, object_id, action=None):
    """The audit actions on object_id, oldest first (only action when given)."""
    rows = conn.execute("SELECT action FROM audit_log WHERE object_id = %s ORDER BY id",
                        (object_id,)).fetchall()
    return [a for (a,) in rows if action is None or a == action]


def open_case(client, group=GROUPS[0], **fields):
    body = {"reference": ref(), "target_group_id": group}
    body.update(fields)
    r = client.post("/v1/cases", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def consent(client, case_id, recipient=None, scope="node", **fields):
    body = {"scope": scope, "purpose": "Vermittlung", "purpose_code": "municipal_services",
            "given_on": today(), "evidence": "Akte 4711"}
    if recipient:
        body["recipient_node_id"] = recipient
    body.update(fields)
    r = client.post(f"/v1/cases/{case_id}/consents", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def refer(client, case_id, to, **fields):
    body = {"case_id": case_id, "to_node_id": to}
    body.update(fields)
    r = client.post("/v1/referrals", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def move(client, referral, to, **fields):
    """A move through the API with the right If-Match; returns the response."""
    body = inputs(to)
    body.update(fields)
    return client.post(f"/v1/referrals/{referral['id']}/transitions", json=body,
                       headers={"If-Match": f'"{referral["version"]}"'})


class Loop:
    """A case of the jobcenter with consent for one receiver (by default the
    Schuldnerberatung), and helpers to send referrals on it."""

    def __init__(self, demo, receiver=SCHULDNER, sender="jobcenter", group=GROUPS[0]):
        self.demo = demo
        self.sender = demo(sender)
        self.receiver_id = receiver
        self.receiver = demo(LOGIN_OF[receiver])
        self.case = open_case(self.sender, group)
        self.consent = consent(self.sender, self.case["id"], receiver)

    def refer(self, **fields):
        return refer(self.sender, self.case["id"], self.receiver_id, **fields)

    def walk(self, status, **fields):
        """A new referral moved to status through legal moves; returns its JSON."""
        r = self.refer(**fields)
        for to in PATH[status]:
            client = self.sender if MOVES[to][1] == "sender" else self.receiver
            resp = move(client, r, to)
            assert resp.status_code == 200, resp.text
            r = resp.json()
        assert r["status"] == status
        return r
