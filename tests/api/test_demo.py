"""The demo cases (schema/demo/04_cases.sql): every status, some overdue, timelines that walk
legal moves of lib/referral.h's table, consents that cover every receiver, idempotent loading."""

import datetime
import os
import re

import pytest

from conftest import DEMO_DIR, SOURCE_DIR

STATUSES = {"sent", "received", "waitlisted", "accepted", "declined", "in_progress",
            "completed", "dropped_out", "withdrawn"}
TERMINAL = {"declined", "completed", "dropped_out", "withdrawn"}
DEMO_REFERRALS = "82000000-0000-4000-8000-%"
DEMO_CASES = "80000000-0000-4000-8000-%"


def allowed_moves():
    """{(from, to): side} read from the comment table at the top of lib/referral.h."""
    with open(os.path.join(SOURCE_DIR, "lib", "referral.h"), encoding="utf-8") as f:
        text = f.read()
    lines = text.split("\n")
    start = next(i for i, l in enumerate(lines) if re.match(r"^ \*\s+to\s+from\s+side", l))
    rows = []
    for line in lines[start + 1:]:
        body = line[2:].strip() if line.startswith(" *") else ""
        if not body:
            break
        cols = re.split(r"\s{2,}", body)
        if len(cols) >= 3 and cols[0] in STATUSES:
            rows.append([cols[0], cols[1], cols[2]])
        else:  # the from list goes on in the next line
            rows[-1][1] += " " + cols[0]
    moves = {}
    for to, froms, side in rows:
        if froms == "(creation)":
            moves[(None, to)] = side
            continue
        for f in re.split(r",\s*", froms.strip().rstrip(",")):
            moves[(f, to)] = side
    return moves


def test_the_table_reads_as_expected():
    moves = allowed_moves()
    assert moves[(None, "sent")] == "sender"
    assert moves[("in_progress", "withdrawn")] == "sender"
    assert moves[("waitlisted", "declined")] == "receiver"
    assert ("sent", "in_progress") not in moves
    assert len(moves) == 1 + 1 + 2 + 3 + 3 + 1 + 1 + 2 + 5


def demo_referrals(db):
    return db.execute(
        "SELECT id::text, case_id::text, from_node_id::text, to_node_id::text, kind, status,"
        " version, created_at, received_at, accepted_at, started_at, closed_at, updated_at,"
        " status_reason, outcome, redirected_from::text, referral_is_overdue(r),"
        " consent_covers(case_id, to_node_id), appointment_at, expected_on"
        " FROM referral r WHERE id::text LIKE %s ORDER BY id", (DEMO_REFERRALS,)).fetchall()


def test_every_status_and_some_overdue(demo_db):
    rows = demo_referrals(demo_db)
    assert len(rows) == 17
    assert {r[5] for r in rows} == STATUSES
    overdue = {r[0][-2:]: r[5] for r in rows if r[16]}
    # two sent, one received, one waitlisted past its expected date
    assert overdue == {"02": "waitlisted", "05": "received", "08": "sent", "15": "sent"}


def test_timelines_walk_legal_moves(demo_db):
    moves = allowed_moves()
    for (rid, case_id, sender, receiver, kind, status, version, created, received, accepted,
         started, closed, updated, status_reason, outcome, _, _, _, appointment,
         expected) in demo_referrals(demo_db):
        events = demo_db.execute(
            "SELECT kind, from_status, to_status, actor_node::text, at, status_reason,"
            " outcome, channel, warm FROM referral_event WHERE referral_id = %s ORDER BY id",
            (rid,)).fetchall()
        assert events[0][0] == "created" and events[0][2] == "sent", rid
        assert events[0][3] == sender and events[0][4] == created, rid
        current, last_at, times, transitions = None, None, {}, 0
        for ekind, frm, to, actor, at, reason, out, channel, warm in events:
            assert last_at is None or at > last_at, f"{rid}: events out of order"
            last_at = at
            if ekind == "handover":
                assert actor == sender and channel and warm is not None, rid
                assert current not in ("declined", "withdrawn"), rid
                continue
            assert frm == current, f"{rid}: {frm} after {current}"
            side = moves.get((frm, to))
            assert side, f"{rid}: {frm} -> {to} is not in lib/referral.h's table"
            assert actor == (sender if side == "sender" else receiver), f"{rid}: {frm}->{to}"
            if to in ("declined", "dropped_out"):
                assert reason, rid
            if to == "completed":
                assert out, rid
            transitions += ekind == "transition"
            times.setdefault(to, at)
            current = to
        assert current == status, rid
        assert version == 1 + transitions, rid
        assert received == times.get("received") and accepted == times.get("accepted"), rid
        assert started == times.get("in_progress"), rid
        assert closed == (times.get(status) if status in TERMINAL else None), rid
        assert updated == max(t for t in times.values()), rid
        assert (status_reason is not None) == (status in ("declined", "dropped_out",
                                                          "withdrawn")), rid
        assert (outcome is not None) == (status == "completed"), rid
        assert appointment is None or accepted is not None, rid
        assert (expected is not None) == ("waitlisted" in times), rid


def test_created_within_sixty_days_and_due_as_the_functions_compute(demo_db):
    rows = demo_db.execute(
        "SELECT r.id::text, r.created_at > now() - interval '61 days',"
        " r.due_at = r.created_at + make_interval(days => coalesce(s.target_days_to_accept,"
        "   m.days_to_accept, n.default_days_to_accept))"
        " FROM referral r JOIN client_case c ON c.id = r.case_id"
        " JOIN network n ON n.id = r.network_id"
        " JOIN network_member m ON m.network_id = r.network_id AND m.node_id = r.to_node_id"
        " LEFT JOIN chain_step s ON s.version_id = c.chain_version_id"
        "  AND s.key = r.chain_step_key"
        " WHERE r.id::text LIKE %s", (DEMO_REFERRALS,)).fetchall()
    assert len(rows) == 17
    assert all(r[1] and r[2] for r in rows), rows


def test_consents_cover_every_receiver_of_a_live_referral(demo_db):
    for r in demo_referrals(demo_db):
        if r[5] != "withdrawn":
            assert r[17], f"{r[0]} to {r[3]} is not covered by a consent"
    kinds = demo_db.execute(
        "SELECT scope, revoked_at IS NOT NULL, expires_on < current_date FROM consent"
        " WHERE case_id::text LIKE %s", (DEMO_CASES,)).fetchall()
    assert {k[0] for k in kinds} == {"node", "network"}
    assert sum(1 for k in kinds if k[1]) == 1      # one revoked
    assert sum(1 for k in kinds if k[2]) == 1      # one expired
    # The revoked consent's referral was withdrawn as consent_revoke does it.
    assert demo_db.execute(
        "SELECT r.status, r.status_reason, r.closed_at = k.revoked_at"
        " FROM consent k JOIN referral r ON r.case_id = k.case_id"
        "  AND r.to_node_id = k.recipient_node_id"
        " WHERE k.revoked_at IS NOT NULL AND k.case_id::text LIKE %s",
        (DEMO_CASES,)).fetchall() == [("withdrawn", "consent_revoked", True)]
    # Every consent was given before the referrals that rely on it.
    assert demo_db.execute(
        "SELECT count(*) FROM referral r JOIN consent k ON k.case_id = r.case_id"
        " AND (k.recipient_node_id = r.to_node_id OR k.scope = 'network')"
        " WHERE r.id::text LIKE %s AND k.given_on > r.created_at::date",
        (DEMO_REFERRALS,)).fetchone()[0] == 0


def test_cases_redirect_and_transfer(demo_db):
    cases = demo_db.execute(
        "SELECT reference, owner_node_id::text, status, target_group_id::text"
        " FROM client_case WHERE id::text LIKE %s ORDER BY id", (DEMO_CASES,)).fetchall()
    assert len(cases) == 8
    assert {c[3] for c in cases} == {"50000000-0000-4000-8000-000000000001",
                                     "50000000-0000-4000-8000-000000000002",
                                     "50000000-0000-4000-8000-000000000003"}
    jobcenters = {"20000000-0000-4000-8000-00000000000%d" % i for i in (1, 2, 3)}
    assert {c[1] for c in cases} <= jobcenters
    assert all(re.fullmatch(r"(AE|U25|SU)-2026-\d{3}", c[0]) for c in cases)
    # A declined referral redirected by its sender in the same case.
    assert demo_db.execute(
        "SELECT count(*) FROM referral n JOIN referral o ON o.id = n.redirected_from"
        " WHERE n.id::text LIKE %s AND o.status = 'declined' AND o.case_id = n.case_id"
        "   AND o.from_node_id = n.from_node_id", (DEMO_REFERRALS,)).fetchone()[0] == 1
    # A completed transfer moved the case to its receiver.
    assert demo_db.execute(
        "SELECT r.status, c.owner_node_id = r.to_node_id FROM referral r"
        " JOIN client_case c ON c.id = r.case_id"
        " WHERE r.kind = 'transfer' AND r.id::text LIKE %s",
        (DEMO_REFERRALS,)).fetchall() == [("completed", True)]
    # Closed cases have no open referral (case_update refuses that).
    assert demo_db.execute(
        "SELECT count(*) FROM referral r JOIN client_case c ON c.id = r.case_id"
        " WHERE c.status = 'closed' AND r.status NOT IN"
        " ('declined', 'completed', 'dropped_out', 'withdrawn')").fetchone()[0] == 0
    # Warm handovers are there.
    assert demo_db.execute(
        "SELECT count(*) FROM referral_event WHERE kind = 'handover' AND warm"
        " AND referral_id::text LIKE %s", (DEMO_REFERRALS,)).fetchone()[0] >= 3


def test_loading_twice_changes_nothing(demo_db):
    def state():
        return [demo_db.execute(f"SELECT count(*), md5(string_agg(t::text, ',' ORDER BY t::text))"
                                f" FROM {t} t").fetchone()
                for t in ("client_case", "consent", "referral", "referral_event")]
    before = state()
    with open(os.path.join(DEMO_DIR, "04_cases.sql"), encoding="utf-8") as f:
        demo_db.execute(f.read())
    assert state() == before


def test_the_api_shows_the_demo(demo):
    u25 = demo("jobcenter-u25")
    r = u25.get("/v1/referrals", params={"box": "outbox", "overdue": "true"})
    assert r.status_code == 200, r.text
    assert "82000000-0000-4000-8000-000000000008" in [x["id"] for x in r.json()["items"]]
    r = demo("jugendamt").get("/v1/referrals/82000000-0000-4000-8000-000000000005")
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["status"] == "received" and got["overdue"] is True
    assert got["redirected_from"] == "82000000-0000-4000-8000-000000000004"
    assert got["case"]["reference"] == "AE-2026-021"
    # The transferred case belongs to Team U25 now, not to Team Alleinerziehende.
    case = "/v1/cases/80000000-0000-4000-8000-000000000007"
    assert u25.get(case).json()["access"] == "owner"
    assert demo("jobcenter").get(case).json()["access"] == "referral"


def test_the_demo_jobcenter_team_has_a_colleague_with_cases_and_follow_ups(demo, demo_db):
    """schema/demo/05_team.sql: a second caseworker of Team Alleinerziehende (someone to hand
    over to), deputy on one case; follow-up dates on another; loading again changes nothing."""
    def state():
        # Not due_event_at: the demo pnetd's follow-up timer may set it meanwhile.
        return [demo_db.execute(f"SELECT count(*), md5(string_agg(t::text, ',' ORDER BY t::text))"
                                f" FROM (SELECT {cols} FROM {table}) t").fetchone()
                for table, cols in (("account", "*"), ("case_deputy", "*"),
                                    ("case_follow_up", "id, case_id, node_id, due_on, reason,"
                                                       " created_by, done_at, version"))]
    before = state()
    with open(os.path.join(DEMO_DIR, "05_team.sql"), encoding="utf-8") as f:
        demo_db.execute(f.read())
    assert state() == before
    jobcenter, colleague = demo("jobcenter"), demo("jobcenter-kollegin")
    names = {c["display_name"] for c in jobcenter.get("/v1/colleagues").json()["items"]}
    assert {"Jobcenter Neustadt, Team Alleinerziehende",
            "Jobcenter Neustadt, Team Alleinerziehende (Kollegin)"} <= names
    # Other tests open cases in the demo too: one page of the most there may be.
    page = {"limit": 500}
    mine = {c["reference"]: c for c in colleague.get("/v1/cases", params=page).json()["items"]}
    assert mine["AE-2026-021"]["my_role"] == "deputy"
    own = {c["reference"]: c for c in jobcenter.get("/v1/cases", params=page).json()["items"]}
    assert own["AE-2026-014"]["my_role"] == "responsible"
    assert own["AE-2026-014"]["next_follow_up_on"] is not None
    due = {f["id"] for f in jobcenter.get("/v1/follow-ups", params=page).json()["items"]}
    assert {"83000000-0000-4000-8000-000000000001", "83000000-0000-4000-8000-000000000002"} <= due
