"""Writes that race each other on one case: a referral is created while its consent is
revoked, while a second consent is revoked too, or while the case is closed. Each round fires
the requests at once from threads of their own; afterwards the database must hold what some
serial order of them would have left (docs/architecture.md, "Access rules"):

- no open referral without an active consent covering its receiver;
- no closed case with an open referral.

The rounds are bounded in number and in time, so that a slow machine makes the test slower,
not endless."""

import threading
import time

from harness import Api
from referral_support import (BILDUNG, JUGENDAMT, KITA, OPEN, SCHULDNER, SUCHT, consent,
                              open_case)

RECEIVERS = [SCHULDNER, SUCHT, JUGENDAMT, KITA, BILDUNG]
ROUNDS = 30
TIME_BOUND_S = 120


def fire(base_url, token, calls):
    """Runs calls [(method, path, body)] at once, one thread and connection each, and returns
    their status codes in order."""
    barrier = threading.Barrier(len(calls))
    statuses = [None] * len(calls)

    def run(i, method, path, body):
        client = Api(base_url, token, timeout=60)
        try:
            client.get("/healthz")  # the connection is open before the barrier
            barrier.wait(10)
            kw = {} if body is None else {"json": body}
            statuses[i] = client.request(method, path, **kw).status_code
        finally:
            client.close()

    threads = [threading.Thread(target=run, args=(i, *c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    return statuses


def uncovered_open_referrals(db, case_ids):
    """Open referrals of these cases whose receiver no active consent covers."""
    return db.execute(
        "SELECT r.id::text, r.status, r.to_node_id::text FROM referral r"
        " WHERE r.case_id = ANY (%s::uuid[]) AND r.status = ANY (%s)"
        "   AND NOT consent_covers(r.case_id, r.to_node_id)",
        (case_ids, OPEN)).fetchall()


def rounds():
    """range(ROUNDS), ending early once the time bound has passed (at least five rounds)."""
    started = time.monotonic()
    for i in range(ROUNDS):
        if i >= 5 and time.monotonic() - started > TIME_BOUND_S:
            return
        yield i


def test_revoke_beside_creates_leaves_no_uncovered_referral(demo, demo_pnetd, demo_db):
    jc = demo("jobcenter")
    cases = []
    for _ in rounds():
        c = open_case(jc)
        k = consent(jc, c["id"], scope="network")
        cases.append(c["id"])
        calls = [("POST", "/v1/referrals", {"case_id": c["id"], "to_node_id": to})
                 for to in RECEIVERS[:4]]
        calls.insert(2, ("POST", f"/v1/consents/{k['id']}/revoke", None))
        statuses = fire(demo_pnetd.base_url, jc.token, calls)
        assert statuses[2] == 200, statuses
        assert set(statuses[:2] + statuses[3:]) <= {201, 422}, statuses
    assert uncovered_open_referrals(demo_db, cases) == []


def test_two_revokes_beside_creates_leave_no_uncovered_referral(demo, demo_pnetd, demo_db):
    """Two consents cover the same receivers; each revocation alone keeps the referrals the
    other covers, both together must withdraw them."""
    jc = demo("jobcenter")
    cases = []
    for _ in rounds():
        c = open_case(jc)
        a = consent(jc, c["id"], scope="network")
        b = consent(jc, c["id"], scope="network")
        cases.append(c["id"])
        for to in RECEIVERS[:2]:
            assert jc.post("/v1/referrals", json={"case_id": c["id"],
                                                  "to_node_id": to}).status_code == 201
        calls = [("POST", f"/v1/consents/{a['id']}/revoke", None),
                 ("POST", "/v1/referrals", {"case_id": c["id"], "to_node_id": RECEIVERS[2]}),
                 ("POST", f"/v1/consents/{b['id']}/revoke", None)]
        statuses = fire(demo_pnetd.base_url, jc.token, calls)
        assert statuses[0] == statuses[2] == 200, statuses
        assert statuses[1] in (201, 422), statuses
    assert uncovered_open_referrals(demo_db, cases) == []


def test_close_beside_creates_leaves_no_open_referral_on_a_closed_case(demo, demo_pnetd,
                                                                       demo_db):
    jc = demo("jobcenter")
    cases = []
    for _ in rounds():
        c = open_case(jc)
        consent(jc, c["id"], scope="network")
        cases.append(c["id"])
        calls = [("POST", "/v1/referrals", {"case_id": c["id"], "to_node_id": to})
                 for to in RECEIVERS[:3]]
        calls.insert(1, ("PATCH", f"/v1/cases/{c['id']}",
                         {"status": "closed", "close_reason": "other"}))
        statuses = fire(demo_pnetd.base_url, jc.token, calls)
        assert statuses[1] in (200, 409), statuses
        assert set(statuses[:1] + statuses[2:]) <= {201, 409}, statuses
    rows = demo_db.execute(
        "SELECT c.id::text, r.id::text FROM client_case c JOIN referral r ON r.case_id = c.id"
        " WHERE c.id = ANY (%s::uuid[]) AND c.status = 'closed' AND r.status = ANY (%s)",
        (cases, OPEN)).fetchall()
    assert rows == []
