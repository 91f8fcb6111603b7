"""The referral vocabulary has one home, lib/referral.c (docs/developing.md, "Adding a referral
status"). GET /v1/vocabulary answers it straight from the library; these tests compare every
use of it on the SQL side with that answer and fail on any difference:

  * the tables pnetd migrate fills from the library (referral_status, referral_move,
    referral_code, chain_step_state) hold exactly the library's vocabulary;
  * the CHECK constraints that name statuses, outcomes, channels or step states name exactly
    the library's, and only referral_status_check names statuses;
  * no function, view, trigger or embedded statement (server/**/*.sql) holds a list of
    statuses (an open/terminal/allowed question asks referral_status instead), and every
    status, outcome or channel it names by itself is one of the library's.

So adding a status touches lib/referral.c, referral_status_check, the translations and the
tests, and nothing else.
"""

import glob
import os
import re

import pytest

from conftest import SOURCE_DIR
from referral_support import OPEN, STATUSES, Loop, allowed, inputs
from test_transitions import sql_referral

STATUS_COLUMNS = r"(?:status|from_status|to_status|p_to|current_status)"


def vocabulary(api):
    r = api.get("/v1/vocabulary")
    assert r.status_code == 200, r.text
    return r.json()


def literals(text):
    """The quoted literals of SQL text, comments left out."""
    text = re.sub(r"--[^\n]*", "", text)
    return re.findall(r"'((?:[^']|'')*)'", text)


def check_sets(db):
    """{constraint name: set of the literals its definition names} for every CHECK."""
    rows = db.execute(
        "SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c"
        " JOIN pg_namespace n ON n.oid = c.connamespace"
        " WHERE c.contype = 'c' AND n.nspname = current_schema()").fetchall()
    return {name: definition for name, definition in rows}


def test_the_tables_hold_the_librarys_vocabulary(admin, db):
    v = vocabulary(admin)
    statuses = [s["status"] for s in v["statuses"]]
    rows = db.execute("SELECT status, initial, open, stamp, clock, handover, step_state,"
                      " hands_over_case, appointment, start_deadline, fhir FROM referral_status"
                      " ORDER BY position").fetchall()
    assert [r[0] for r in rows] == statuses
    for row, s in zip(rows, v["statuses"]):
        assert row[1:] == (s["initial"], s["open"], s.get("stamp"), s.get("clock"),
                           s["handover"], s["step_state"], s["hands_over_case"],
                           s["appointment"], s["start_deadline"], s["fhir"])
    moves = {(f, m["to"]) for m in v["moves"] for f in m["from"]}
    assert set(db.execute("SELECT from_status, to_status FROM referral_move").fetchall()) == moves
    for m in v["moves"]:
        row = db.execute("SELECT sides, reason, reasons, outcome, expected_on, appointment_at"
                         " FROM referral_status WHERE status = %s", (m["to"],)).fetchone()

        def need(field):
            return None if field not in m else \
                ("required" if m[field]["required"] else "optional")

        assert row == (m["sides"], need("reason"),
                       m["reason"]["codes"] if "reason" in m else None,
                       need("outcome"), need("expected_on"), need("appointment_at")), m["to"]
    for list_name, key in (("outcome", "outcomes"), ("channel", "channels")):
        assert [r[0] for r in db.execute(
            "SELECT code FROM referral_code WHERE list = %s ORDER BY position",
            (list_name,)).fetchall()] == v[key]
    assert db.execute("SELECT state, own FROM chain_step_state ORDER BY rank").fetchall() == \
        [(s["state"], s["own"]) for s in v["step_states"]]


def test_allowed_moves_are_the_librarys_moves_per_side(admin, db):
    v = vocabulary(admin)
    for s in v["statuses"]:
        for side in ("sender", "receiver"):
            expected = [m["to"] for m in v["moves"]
                        if s["status"] in m["from"] and side in m["sides"]]
            shown = db.execute(f"SELECT {side}_moves FROM referral_status WHERE status = %s",
                               (s["status"],)).fetchone()[0]
            assert [m["to"] for m in shown] == expected, (s["status"], side)
            for m in shown:
                full = next(x for x in v["moves"] if x["to"] == m["to"])
                for field in ("reason", "outcome", "expected_on", "appointment_at"):
                    assert m.get(field) == full.get(field)


def test_the_one_status_check_names_the_librarys_open_and_closed_statuses(admin, db):
    v = vocabulary(admin)
    open_ = {s["status"] for s in v["statuses"] if s["open"]}
    closed = {s["status"] for s in v["statuses"] if not s["open"]}
    definition = check_sets(db)["referral_status_check"]
    parts = re.findall(r"status = ANY \(ARRAY\[(.*?)\]\)\) AND \(closed_at IS (NOT )?NULL\)",
                       definition)
    assert len(parts) == 2, definition
    by_closed = {bool(n): set(literals(items)) for items, n in parts}
    assert by_closed == {False: open_, True: closed}


def test_checks_of_the_other_lists_match_the_library(admin, db):
    v = vocabulary(admin)
    checks = check_sets(db)
    assert set(literals(checks["referral_outcome_check"])) == set(v["outcomes"])
    assert set(literals(checks["referral_event_channel_check"])) == \
        set(v["channels"]) | set(v["move_channels"])
    assert set(literals(checks["case_step_state_check"])) == \
        {s["state"] for s in v["step_states"] if s["own"]}


def test_no_other_check_names_a_referral_status(admin, db):
    statuses = {s["status"] for s in vocabulary(admin)["statuses"]}
    others = {name: sorted(set(literals(d)) & statuses) for name, d in check_sets(db).items()
              if name not in ("referral_status_check", "case_step_state_check")}
    # case_step_state_check names step states (in_progress is a state's name too).
    assert {name: found for name, found in others.items() if found} == {}


def sql_texts(db):
    """(where, text) of every function, view and trigger of the schema and of every embedded
    statement file of the server."""
    texts = [(f"function {name}", src) for name, src in db.execute(
        "SELECT p.oid::regprocedure::text, p.prosrc FROM pg_proc p"
        " WHERE p.pronamespace = current_schema()::regnamespace"
        "   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass"
        "                   AND d.objid = p.oid AND d.deptype = 'e')").fetchall()]
    texts += [(f"view {name}", d) for name, d in db.execute(
        "SELECT c.relname, pg_get_viewdef(c.oid) FROM pg_class c"
        " WHERE c.relkind = 'v' AND c.relnamespace = current_schema()::regnamespace").fetchall()]
    texts += [(f"trigger {name}", d) for name, d in db.execute(
        "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal"
        ).fetchall()]
    for path in sorted(glob.glob(os.path.join(SOURCE_DIR, "server", "**", "*.sql"),
                                 recursive=True)):
        with open(path, encoding="utf-8") as f:
            texts.append((os.path.relpath(path, SOURCE_DIR), f.read()))
    assert len(texts) > 100, "found too little SQL to mean anything"
    return texts


def status_lists(text, statuses):
    """The lists of two statuses or more in SQL text: IN (...), ARRAY[...], '{...}'."""
    code = re.sub(r"--[^\n]*", "", text)
    found = []
    for group in re.findall(r"\bIN\s*\(([^()]*)\)|ARRAY\s*\[([^\]]*)\]|'\{([^}']*)\}'",
                            code, flags=re.I):
        items = set(literals(group[0] or group[1])) | {
            x.strip('" ') for x in group[2].split(",") if group[2]}
        if len(items & statuses) >= 2:
            found.append(sorted(items & statuses))
    return found


# The one list allowed: the open inbox's statement repeats its partial index's predicate,
# as the planner needs it to use the index (schema/0110_referral_open_inbox.sql). That copy
# is checked against the vocabulary where it stands (test_referrals.py,
# test_the_open_inbox_statement_names_every_open_status).
INDEX_PREDICATE_STATEMENTS = {os.path.join("server", "api", "referrals.sql"): "referral_inbox_open"}


def without_index_predicates(where, text):
    """text without the statement of INDEX_PREDICATE_STATEMENTS it holds, if any."""
    name = INDEX_PREDICATE_STATEMENTS.get(where)
    if not name:
        return text
    head, sep, tail = text.partition(f"-- name: {name}\n")
    assert sep, f"{where} no longer holds {name}"
    rest = tail.partition("-- name:")
    return head + (rest[1] + rest[2] if rest[1] else "")


def test_no_sql_holds_a_list_of_statuses(admin, db):
    """An open/terminal/allowed question asks referral_status; a list of two statuses or more
    in a function or statement would be a copy of the table."""
    statuses = {s["status"] for s in vocabulary(admin)["statuses"]}
    lists = [(where, found) for where, text in sql_texts(db)
             for found in status_lists(without_index_predicates(where, text), statuses)]
    assert lists == []
    # The scan finds such lists where they are (a wrong pattern would pass vacuously).
    assert status_lists(check_sets(db)["referral_status_check"], statuses)
    assert status_lists("WHERE x.status IN ('sent', 'received')", statuses)
    assert status_lists("p.status = ANY ('{sent,received}')", statuses)


def test_sql_names_only_the_librarys_statuses_outcomes_and_channels(admin, db):
    """A status compared by name (a report's column of declined referrals, the declined
    referral a redirect starts from) must be one of the library's: renaming or removing one
    in lib/referral.c fails here instead of silently counting nothing."""
    v = vocabulary(admin)
    statuses = {s["status"] for s in v["statuses"]}
    # Other tables have statuses of their own (a case is open or closed, a service active):
    # their CHECKs name them.
    known = statuses | {x for name, d in check_sets(db).items()
                        if name != "referral_status_check" for x in literals(d)}
    named, unknown = set(), []
    for where, text in sql_texts(db):
        code = re.sub(r"--[^\n]*", "", text)
        for name in re.findall(rf"\b{STATUS_COLUMNS}\s*(?:=|<>|!=)\s*'([a-z_]+)'", code):
            named.add(name)
            if name not in known:
                unknown.append((where, name))
        for name in re.findall(r"\bchannel\s*(?:=|<>)\s*'([a-z_]+)'", code):
            if name not in v["channels"] + v["move_channels"]:
                unknown.append((where, name))
        for name in re.findall(r"\boutcome\s*(?:=|<>)\s*'([a-z_]+)'", code):
            if name not in v["outcomes"]:
                unknown.append((where, name))
    assert unknown == []
    # The scan sees the uses it is meant to check (a wrong pattern would pass vacuously).
    assert {"declined", "completed"} <= named


@pytest.mark.parametrize("status", STATUSES)
def test_a_referral_carries_the_moves_its_reader_may_make(demo, demo_db, status):
    """allowed_moves, as the sender and as the receiver read a referral in each status, are
    the moves of the state machine as the tests state it (referral_support.MOVES), each with
    what it carries."""
    loop = Loop(demo)
    r = sql_referral(demo_db, loop, status)
    for side, client in (("sender", loop.sender), ("receiver", loop.receiver)):
        got = client.get(f"/v1/referrals/{r['id']}")
        assert got.status_code == 200, got.text
        moves = got.json()["allowed_moves"]
        assert [m["to"] for m in moves] == [to for to in STATUSES if allowed(status, to, side)]
        for m in moves:
            needed = {k for k, v in inputs(m["to"]).items() if k != "to"}
            assert {k for k, v in m.items() if k != "to" and v["required"]} == needed, m
    withdraw = [m for m in loop.sender.get(f"/v1/referrals/{r['id']}").json()["allowed_moves"]
                if m["to"] == "withdrawn"]
    if status in OPEN:
        assert "consent_revoked" in withdraw[0]["reason"]["codes"]


def test_lists_filter_by_open_as_the_library_says(demo, demo_db):
    """?open=true|false asks the library which statuses are open (the web app's inbox and
    outbox filter), instead of a status list the client would keep."""
    loop = Loop(demo)
    mine = {status: sql_referral(demo_db, loop, status)["id"] for status in STATUSES}

    def listed(query):
        r = loop.sender.get(f"/v1/referrals?box=outbox&case_id={loop.case['id']}&{query}")
        assert r.status_code == 200, r.text
        return {x["status"] for x in r.json()["items"] if x["id"] in mine.values()}

    assert listed("open=true") == set(OPEN)
    assert listed("open=false") == set(STATUSES) - set(OPEN)
    assert listed("open=true&status=sent,declined") == {"sent"}
    r = loop.sender.get("/v1/referrals?open=perhaps")
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "open"
