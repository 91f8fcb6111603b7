"""The handover state machine through the API: every from/to pair by both sides (driven by the
table of lib/referral.c as the issue states it), the inputs each move carries, If-Match, and
50 racing moves on one referral."""

import threading
import uuid

import pytest

from checks import assert_problem, error_fields
from harness import Api
from referral_support import (JOBCENTER, MOVES, OPEN, PATH, SCHULDNER, STATUSES, SUCHT,
                              TERMINAL, Loop, allowed, counts, inputs, legal, move, today)


def sql_referral(conn, loop, status):
    """A referral of loop's case in status, inserted directly (a step key of its own, so that
    several open ones may coexist); returns its JSON as the sender reads it."""
    rid = str(uuid.uuid4())
    conn.execute(
        "INSERT INTO referral (id, case_id, network_id, from_node_id, to_node_id, chain_step_key,"
        " status, due_at, closed_at) VALUES (%s, %s, %s, %s, %s, %s, %s, now() + interval '5 days',"
        " CASE WHEN %s THEN now() END)",
        (rid, loop.case["id"], loop.case["network_id"], JOBCENTER, SCHULDNER,
         "k" + rid[:8], status, status in TERMINAL))
    conn.execute("INSERT INTO referral_event (referral_id, kind, to_status) VALUES"
                 " (%s, 'created', %s)", (rid, status))
    return {"id": rid, "version": 1}


def events(conn, rid):
    return conn.execute("SELECT kind, from_status, to_status FROM referral_event"
                        " WHERE referral_id = %s ORDER BY id", (rid,)).fetchall()


def next_for(frm, side):
    return [to for to in STATUSES if allowed(frm, to, side)]


@pytest.mark.parametrize("frm", STATUSES)
def test_every_pair_by_both_sides(demo, demo_db, frm):
    loop = Loop(demo)
    clients = {"sender": loop.sender, "receiver": loop.receiver}
    failures = []
    for to in STATUSES:
        for side, client in clients.items():
            ref = sql_referral(demo_db, loop, frm)
            before = counts(demo_db)
            r = move(client, ref, to, note=f"{frm}->{to} by {side}")
            after = counts(demo_db)
            what = f"{frm} -> {to} by {side}: {r.status_code} {r.text[:200]}"
            if allowed(frm, to, side):
                ok = (r.status_code == 200 and r.json()["status"] == to
                      and r.json()["version"] == 2 and r.headers.get("ETag") == '"2"'
                      and events(demo_db, ref["id"])[-1] == ("transition", frm, to)
                      and after["referral_event"] == before["referral_event"] + 1
                      and after["audit_log"] == before["audit_log"] + 1)
            elif legal(frm, to):
                ok = (r.status_code == 403 and r.json()["type"] == "/problems/forbidden"
                      and after == before)
            else:
                body = r.json()
                ok = (r.status_code == 409 and body["type"] == "/problems/illegal-transition"
                      and r.headers["Content-Type"] == "application/problem+json"
                      and body["current_status"] == frm and body["allowed"] == next_for(frm, side)
                      and after == before)
            if not ok:
                failures.append(what)
            status = demo_db.execute("SELECT status, version FROM referral WHERE id = %s",
                                     (ref["id"],)).fetchone()
            expected = (to, 2) if allowed(frm, to, side) else (frm, 1)
            if status != expected:
                failures.append(f"{what}: the row is {status}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("status", STATUSES)
def test_walk_legal_moves(demo, demo_db, status):
    loop = Loop(demo)
    r = loop.walk(status)
    kinds = [e[0] for e in events(demo_db, r["id"])]
    assert kinds == ["created"] + ["transition"] * len(PATH[status])
    assert r["version"] == 1 + len(PATH[status])
    row = demo_db.execute("SELECT received_at IS NOT NULL, accepted_at IS NOT NULL,"
                          " started_at IS NOT NULL, closed_at IS NOT NULL FROM referral"
                          " WHERE id = %s", (r["id"],)).fetchone()
    assert row == ("received" in PATH[status], "accepted" in PATH[status],
                   "in_progress" in PATH[status], status in TERMINAL)


def test_moves_carry_their_inputs(demo, demo_db):
    loop = Loop(demo)
    r = loop.walk("received")
    resp = move(loop.receiver, r, "waitlisted", expected_on=today(21), note="Platz ab Monatsanfang")
    assert resp.status_code == 200, resp.text
    assert resp.json()["expected_on"] == today(21)
    resp = move(loop.receiver, resp.json(), "accepted", appointment_at="2030-03-01T09:30:00+01:00")
    assert resp.status_code == 200, resp.text
    assert resp.json()["appointment_at"] == "2030-03-01T09:30:00+01:00"  # in Germany's time
    resp = move(loop.receiver, resp.json(), "in_progress")
    resp = move(loop.receiver, resp.json(), "completed", outcome="partially_reached")
    assert resp.status_code == 200, resp.text
    assert resp.json()["outcome"] == "partially_reached"
    assert demo_db.execute("SELECT outcome, note FROM referral_event WHERE referral_id = %s"
                           " AND to_status = 'completed'", (r["id"],)).fetchone() == \
        ("partially_reached", None)

    for to, reason in [("declined", "not_eligible"), ("withdrawn", "no_longer_needed")]:
        x = loop.refer()
        side = loop.receiver if to == "declined" else loop.sender
        resp = move(side, x, to, reason=reason)
        assert resp.status_code == 200, resp.text
        assert resp.json()["status_reason"] == reason
    x = loop.walk("accepted")
    resp = move(loop.receiver, x, "dropped_out", reason="moved_away")
    assert resp.status_code == 200 and resp.json()["status_reason"] == "moved_away"
    # withdrawn takes a reason optionally
    x = loop.refer()
    resp = move(loop.sender, x, "withdrawn")
    assert resp.status_code == 200 and resp.json()["status_reason"] is None


BAD_INPUTS = [
    # (status to start from, body, the fields named)
    ("sent", {"to": "declined"}, ["reason"]),
    ("sent", {"to": "declined", "reason": "keine_lust"}, ["reason"]),
    ("sent", {"to": "declined", "reason": "no_show"}, ["reason"]),
    ("accepted", {"to": "dropped_out"}, ["reason"]),
    ("accepted", {"to": "dropped_out", "reason": "no_capacity"}, ["reason"]),
    ("sent", {"to": "withdrawn", "reason": "no_show"}, ["reason"]),
    ("in_progress", {"to": "completed"}, ["outcome"]),
    ("in_progress", {"to": "completed", "outcome": "great"}, ["outcome"]),
    ("in_progress", {"to": "completed", "outcome": "goal_reached", "reason": "other"},
     ["reason"]),
    ("sent", {"to": "waitlisted"}, ["expected_on"]),
    ("sent", {"to": "waitlisted", "expected_on": "2030-02-30"}, ["expected_on"]),
    ("sent", {"to": "waitlisted", "expected_on": "01.03.2030"}, ["expected_on"]),
    ("sent", {"to": "waitlisted", "expected_on": today(-1)}, ["expected_on"]),
    ("sent", {"to": "accepted", "appointment_at": "2030-03-01 09:30"}, ["appointment_at"]),
    ("sent", {"to": "accepted", "appointment_at": "tomorrow"}, ["appointment_at"]),
    ("sent", {"to": "received", "outcome": "goal_reached"}, ["outcome"]),
    ("sent", {"to": "received", "expected_on": "2030-03-01"}, ["expected_on"]),
    ("sent", {"to": "accepted", "reason": "no_capacity"}, ["reason"]),
    ("sent", {"to": "declined", "reason": "other", "appointment_at": "2030-03-01T09:30:00Z"},
     ["appointment_at"]),
    ("sent", {"to": "finished"}, ["to"]),
    ("sent", {"to": 3}, ["to"]),
    ("sent", {}, ["to"]),
    ("sent", {"to": "received", "colour": "red"}, ["colour"]),
    ("sent", {"to": "received", "note": "x" * 2001}, ["note"]),
    ("sent", {"to": "received", "note": 17}, ["note"]),
    ("sent", {"to": "declined", "reason": ["other"]}, ["reason"]),
]


@pytest.mark.parametrize("start,body,fields", BAD_INPUTS)
def test_bad_inputs_are_422_naming_the_field(demo, demo_db, start, body, fields):
    loop = Loop(demo)
    r = loop.walk(start)
    before = counts(demo_db)
    client = loop.sender if body.get("to") == "withdrawn" else loop.receiver
    resp = client.post(f"/v1/referrals/{r['id']}/transitions", json=body,
                       headers={"If-Match": f'"{r["version"]}"'})
    problem = assert_problem(resp, 422, "validation")
    assert sorted(error_fields(problem)) == sorted(fields)
    assert counts(demo_db) == before


def test_invalid_utf8_note(demo, demo_db):
    loop = Loop(demo)
    r = loop.refer()
    before = counts(demo_db)
    resp = loop.receiver.post(f"/v1/referrals/{r['id']}/transitions",
                              data=b'{"to": "received", "note": "Gr\xfc\xdfe"}',
                              headers={"If-Match": '"1"', "Content-Type": "application/json"})
    assert resp.status_code in (400, 422), resp.text
    assert counts(demo_db) == before


def test_if_match(demo, demo_db):
    loop = Loop(demo)
    r = loop.refer()
    url = f"/v1/referrals/{r['id']}/transitions"
    before = counts(demo_db)
    assert_problem(loop.receiver.post(url, json={"to": "received"}), 428, "if-match-required")
    assert_problem(loop.receiver.post(url, json={"to": "received"}, headers={"If-Match": "1"}),
                   400, "bad-if-match")
    assert_problem(loop.receiver.post(url, json={"to": "received"}, headers={"If-Match": '"2"'}),
                   412, "stale")
    assert counts(demo_db) == before
    resp = loop.receiver.post(url, json={"to": "received"}, headers={"If-Match": 'W/"1"'})
    assert resp.status_code == 200, resp.text
    # The version read before is stale now.
    assert_problem(move(loop.receiver, r, "accepted"), 412, "stale")
    # The detail's ETag is the version to send.
    etag = loop.receiver.get(f"/v1/referrals/{r['id']}").headers["ETag"]
    resp = loop.receiver.post(url, json={"to": "accepted"}, headers={"If-Match": etag})
    assert resp.status_code == 200, resp.text


def test_unknown_referral_is_404(demo, demo_db):
    loop = Loop(demo)
    assert_problem(loop.receiver.post(f"/v1/referrals/{uuid.uuid4()}/transitions",
                                      json={"to": "received"}, headers={"If-Match": '"1"'}),
                   404, "not-found")


def test_racing_moves_one_wins(demo, demo_db):
    loop = Loop(demo)
    r = loop.refer()
    before = counts(demo_db)
    token = loop.receiver.token
    base = loop.receiver.base_url
    results = []
    barrier = threading.Barrier(50)

    def worker(i):
        client = Api(base, token, timeout=60)
        to = ["received", "accepted", "declined"][i % 3]
        body = {"to": to}
        if to == "declined":
            body["reason"] = "no_capacity"
        barrier.wait()
        resp = client.post(f"/v1/referrals/{r['id']}/transitions", json=body,
                           headers={"If-Match": '"1"'})
        results.append(resp.status_code)
        client.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 50
    assert results.count(200) == 1, results
    assert set(results) <= {200, 409, 412}, results
    after = counts(demo_db)
    assert after["referral_event"] == before["referral_event"] + 1
    assert after["audit_log"] == before["audit_log"] + 1
    assert demo_db.execute("SELECT version FROM referral WHERE id = %s",
                           (r["id"],)).fetchone() == (2,)


def test_a_resend_with_the_same_idempotency_key_answers_the_first_move(demo, demo_db):
    loop = Loop(demo)
    r, other = loop.refer(), Loop(demo).refer()
    key = "move-" + uuid.uuid4().hex

    def send(referral, body, k=key, version=1):
        return loop.receiver.post(f"/v1/referrals/{referral['id']}/transitions", json=body,
                                  headers={"Idempotency-Key": k, "If-Match": f'"{version}"'})

    body = {"to": "accepted", "note": "Wir nehmen auf."}
    first = send(r, body)
    assert first.status_code == 200, first.text
    assert first.headers["ETag"] == '"2"'
    before = counts(demo_db)
    # The answer was lost: the app sends the same move again, with the If-Match it had then
    # (stale by now) and the body spaced or ordered otherwise: the first answer, nothing written.
    for again in (send(r, body), send(r, dict(reversed(list(body.items()))))):
        assert again.status_code == 200, again.text
        assert again.json() == first.json()
        assert again.headers["ETag"] == first.headers["ETag"]
    assert counts(demo_db) == before
    assert events(demo_db, r["id"]) == [("created", None, "sent"),
                                        ("transition", "sent", "accepted")]
    # The same key with another body, or for another referral, is another request: refused,
    # nothing written.
    assert_problem(send(r, {"to": "in_progress"}, version=2), 422, "idempotency-key-reused")
    assert_problem(send(other, body), 422, "idempotency-key-reused")
    assert counts(demo_db) == before
    assert loop.receiver.get(f"/v1/referrals/{other['id']}").json()["status"] == "sent"
    # A malformed key is refused; a failed move stores nothing, so its key works afterwards.
    assert_problem(send(other, body, k="a b"), 400, "bad-idempotency-key")
    k2 = "move-" + uuid.uuid4().hex
    assert_problem(send(other, body, k=k2, version=5), 412, "stale")
    assert send(other, body, k=k2).status_code == 200
    # Another account's same key is its own key.
    third = Loop(demo, receiver=SUCHT)
    resp = third.receiver.post(f"/v1/referrals/{third.refer()['id']}/transitions", json=body,
                               headers={"Idempotency-Key": key, "If-Match": '"1"'})
    assert resp.status_code == 200, resp.text


def test_concurrent_resends_of_one_move_move_once(demo, demo_db):
    loop = Loop(demo)
    r = loop.refer()
    key = {"Idempotency-Key": uuid.uuid4().hex, "If-Match": '"1"'}
    results = []
    barrier = threading.Barrier(20)

    def worker():
        client = Api(loop.receiver.base_url, loop.receiver.token, timeout=60)
        barrier.wait()
        resp = client.post(f"/v1/referrals/{r['id']}/transitions", json={"to": "received"},
                           headers=key)
        results.append((resp.status_code, resp.json().get("version")))
        client.close()

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {s for s, _ in results} <= {200, 409}, results
    assert {v for s, v in results if s == 200} == {2}, results
    assert events(demo_db, r["id"]) == [("created", None, "sent"),
                                        ("transition", "sent", "received")]
