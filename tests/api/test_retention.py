"""Retention: `pnetd purge` and pnetd's own timer delete closed cases past retention-days with
their consents, referrals and timelines, keep each referral as an anonymous archive row, and
drop old idempotency keys and login failures; one audit row per run."""

import time

import psycopg
import pytest

from events_support import load_demo
from harness import run_pnetd

OLD_TRANSFER_CASE = "80000000-0000-4000-8000-000000000007"   # referral 16: transfer, warm
OLD_CLOSED_CASE = "80000000-0000-4000-8000-000000000008"     # referral 17: enrolled chain 3
RECENT_CASE = "80000000-0000-4000-8000-000000000002"         # closed 12 hours ago below
OLD_REFERRALS = {"82000000-0000-4000-8000-000000000016", "82000000-0000-4000-8000-000000000017"}
COUNTS = ("cases", "consents", "referrals", "events", "archived", "idempotency_keys",
          "login_failures", "link_failures", "outbox_events")


@pytest.fixture
def rdb(database_factory):
    """A database of this test's own with the demo network and cases: two cases closed 400
    days ago, one 12 hours ago, the rest open; old and fresh idempotency keys and failures."""
    conninfo = database_factory()
    conn = psycopg.connect(conninfo, autocommit=True)
    load_demo(conn)
    conn.execute("UPDATE client_case SET status = 'closed', close_reason = 'goal_reached',"
                 " closed_at = now() - interval '400 days' WHERE id = ANY (%s::uuid[])",
                 ([OLD_TRANSFER_CASE, OLD_CLOSED_CASE],))
    # Case 2's open referral is closed first, as case_update demands.
    conn.execute("UPDATE referral SET status = 'withdrawn', closed_at = now()"
                 " WHERE case_id = %s AND status = 'received'", (RECENT_CASE,))
    conn.execute("UPDATE client_case SET status = 'closed', close_reason = 'moved_away',"
                 " closed_at = now() - interval '12 hours' WHERE id = %s", (RECENT_CASE,))
    conn.execute("INSERT INTO idempotency_key (account_id, key, request_hash, status, response,"
                 " created_at) VALUES"
                 " ('60000000-0000-4000-8000-000000000003', 'old', 'h', 201, '{}',"
                 "  now() - interval '25 hours'),"
                 " ('60000000-0000-4000-8000-000000000003', 'fresh', 'h', 201, '{}',"
                 "  now() - interval '23 hours')")
    conn.execute("INSERT INTO login_failure (login, client_addr, at) VALUES"
                 " ('old', '10.0.0.1', now() - interval '25 hours'),"
                 " ('fresh', '10.0.0.1', now() - interval '1 hour')")
    conn.execute("INSERT INTO link_failure (token_hash, client_addr, at) VALUES"
                 " ('old', '10.0.0.1', now() - interval '25 hours'),"
                 " ('fresh', '10.0.0.1', now() - interval '1 hour')")
    # Events: one about an old case, one about an old referral (handovers name no case), one
    # 35 days old about an open case, and a fresh one.
    conn.execute("INSERT INTO outbox (type, node_ids, payload, at) VALUES"
                 " ('old-case', '{}', jsonb_build_object('case_id', %s::text), now()),"
                 " ('old-referral', '{}', jsonb_build_object('referral_id', %s::text), now()),"
                 " ('stale', '{}', '{}', now() - interval '35 days'),"
                 " ('fresh', '{}', '{}', now() - interval '1 day')",
                 (OLD_CLOSED_CASE, sorted(OLD_REFERRALS)[0]))
    yield conninfo, conn
    conn.close()


def snapshot(conn):
    """What retention may touch, as counts and sets of ids."""
    return {
        "cases": {r[0] for r in conn.execute("SELECT id::text FROM client_case")},
        "consents": conn.execute("SELECT count(*) FROM consent").fetchone()[0],
        "referrals": {r[0] for r in conn.execute("SELECT id::text FROM referral")},
        "events": conn.execute("SELECT count(*) FROM referral_event").fetchone()[0],
        "archive": conn.execute("SELECT count(*) FROM referral_archive").fetchone()[0],
        "keys": {r[0] for r in conn.execute("SELECT key FROM idempotency_key")},
        "failures": {r[0] for r in conn.execute("SELECT login FROM login_failure")},
        "link_failures": {r[0] for r in conn.execute("SELECT token_hash FROM link_failure")},
        "outbox": {r[0] for r in conn.execute("SELECT type FROM outbox")},
    }


def purge_rows(conn):
    return conn.execute("SELECT account_id, request_id, client_addr, detail FROM audit_log"
                        " WHERE action = 'retention.purge' ORDER BY id").fetchall()


def purge(pnetd_exe, conninfo, *args):
    return run_pnetd(pnetd_exe, "purge", f"--database={conninfo}", *args)


def expected_counts(conn):
    """The counts a purge of the two old cases must report, read before it runs."""
    old = [OLD_TRANSFER_CASE, OLD_CLOSED_CASE]
    one = lambda q: conn.execute(q, (old,)).fetchone()[0]   # noqa: E731
    return {
        "cases": 2,
        "consents": one("SELECT count(*) FROM consent WHERE case_id = ANY (%s::uuid[])"),
        "referrals": 2, "archived": 2,
        "events": one("SELECT count(*) FROM referral_event e JOIN referral r"
                      " ON r.id = e.referral_id WHERE r.case_id = ANY (%s::uuid[])"),
        "idempotency_keys": 1, "login_failures": 1, "link_failures": 1,
    }


def test_purge_deletes_old_closed_cases(pnetd_exe, rdb):
    conninfo, conn = rdb
    before = snapshot(conn)

    # A retention longer than 400 days keeps the cases; keys and failures go all the same.
    r = purge(pnetd_exe, conninfo, "--retention-days=500")
    assert r.returncode == 0, r.stderr
    assert r.stdout == ("purged: retention_days=500 cases=0 consents=0 referrals=0 events=0"
                        " archived=0 idempotency_keys=1 login_failures=1 link_failures=1"
                        " outbox_events=1\n")
    after = snapshot(conn)
    # Events older than 30 days go; those of cases that stay, stay.
    assert after["outbox"] == before["outbox"] - {"stale"}
    assert after["cases"] == before["cases"] and after["referrals"] == before["referrals"]
    assert after["keys"] == {"fresh"} and after["failures"] == {"fresh"}
    assert after["link_failures"] == {"fresh"}
    assert len(purge_rows(conn)) == 1

    expected = expected_counts(conn)
    assert expected["consents"] == 2 and expected["events"] > 2
    r = purge(pnetd_exe, conninfo, "--retention-days=1")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "purged: retention_days=1 " + " ".join(
        f"{k}={expected[k] if k in ('cases', 'consents', 'referrals', 'events', 'archived') else 0}"
        for k in COUNTS if k != "outbox_events") + " outbox_events=2\n"
    # The events about the purged cases and their referrals go with them.
    assert snapshot(conn)["outbox"] == {"fresh"}

    after = snapshot(conn)
    assert after["cases"] == before["cases"] - {OLD_TRANSFER_CASE, OLD_CLOSED_CASE}
    assert RECENT_CASE in after["cases"]                    # closed 12 hours ago: kept
    assert after["referrals"] == before["referrals"] - OLD_REFERRALS
    assert after["consents"] == before["consents"] - 2
    assert after["events"] == before["events"] - expected["events"]
    for table, column in (("consent", "case_id"), ("referral", "case_id")):
        assert conn.execute(f"SELECT count(*) FROM {table} WHERE {column} = ANY (%s::uuid[])",
                            ([OLD_TRANSFER_CASE, OLD_CLOSED_CASE],)).fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM referral_event WHERE referral_id = ANY"
                        " (%s::uuid[])", (list(OLD_REFERRALS),)).fetchone()[0] == 0

    # The archive keeps each referral without case and text.
    columns = {r[0] for r in conn.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_name = 'referral_archive'")}
    assert not columns & {"case_id", "reason", "note", "appointment_at"}
    archive = {r[0]: r[1:] for r in conn.execute(
        "SELECT id::text, chain_id::text, chain_step_key, kind, status, outcome, warm_handover,"
        " from_node_id::text, to_node_id::text, created_at IS NOT NULL, closed_at IS NOT NULL"
        " FROM referral_archive")}
    assert archive == {
        "82000000-0000-4000-8000-000000000016": (
            None, None, "transfer", "completed", "goal_reached", True,
            "20000000-0000-4000-8000-000000000002", "20000000-0000-4000-8000-000000000001",
            True, True),
        "82000000-0000-4000-8000-000000000017": (
            "70000000-0000-4000-8000-000000000003", "qualifizierung", "service", "completed",
            "goal_reached", False, "20000000-0000-4000-8000-000000000003",
            "20000000-0000-4000-8000-000000000011", True, True),
    }

    rows = purge_rows(conn)
    assert len(rows) == 2
    account, request, client, detail = rows[-1]
    assert (account, request, client) == (None, "cli", "local")
    assert detail == {"retention_days": 1, **{k: expected[k] if k in (
        "cases", "consents", "referrals", "events", "archived") else 0 for k in COUNTS},
        "outbox_events": 2}

    # A second run finds nothing more.
    r = purge(pnetd_exe, conninfo, "--retention-days=1")
    assert r.returncode == 0 and " cases=0 " in r.stdout, r.stdout
    assert snapshot(conn) == after


def test_one_purge_at_a_time(pnetd_exe, rdb):
    """While another session holds the purge lock, a call does nothing and says so."""
    conninfo, conn = rdb
    before = snapshot(conn)
    with psycopg.connect(conninfo) as holder:
        holder.execute("SELECT pg_advisory_xact_lock(hashtextextended('pnet retention_purge', 0))")
        row = conn.execute("SELECT * FROM retention_purge(1)").fetchone()
        assert row == (False,) + (0,) * len(COUNTS)
        holder.rollback()
    assert snapshot(conn) == before and purge_rows(conn) == []
    assert conn.execute("SELECT (retention_purge(1)).locked").fetchone()[0] is True
    assert len(purge_rows(conn)) == 1


def test_purge_arguments(pnetd_exe, rdb):
    conninfo, conn = rdb
    r = purge(pnetd_exe, conninfo, "extra")
    assert r.returncode == 2 and "unknown argument extra" in r.stderr
    r = purge(pnetd_exe, conninfo, "--retention-days=0")
    assert r.returncode == 2 and "retention-days" in r.stderr
    assert purge_rows(conn) == []
    with pytest.raises(psycopg.errors.InvalidParameterValue):
        conn.execute("SELECT retention_purge(0)")
    r = run_pnetd(pnetd_exe, "--help")
    assert "pnetd purge" in r.stdout and "--purge-interval-s" in r.stdout


def test_pnetd_purges_by_itself(pnetd_factory, rdb):
    conninfo, conn = rdb
    before = snapshot(conn)
    server = pnetd_factory("--purge-interval-s=1", "--retention-days=1", "--workers=4",
                           database=conninfo)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if OLD_CLOSED_CASE not in snapshot(conn)["cases"]:
            break
        time.sleep(0.2)
    after = snapshot(conn)
    assert after["cases"] == before["cases"] - {OLD_TRANSFER_CASE, OLD_CLOSED_CASE}
    assert after["referrals"] == before["referrals"] - OLD_REFERRALS
    assert after["archive"] == 2
    record = server.wait_for_log(lambda rec: rec.get("msg") == "retention purge"
                                 and rec.get("cases") == 2)
    assert record["retention_days"] == 1 and record["archived"] == 2
    # One timer per process, not one per worker: over three more seconds at most about
    # three more runs (four workers each with a timer would make about twelve).
    first = len(purge_rows(conn))
    time.sleep(3)
    runs = purge_rows(conn)[first - 1:]
    assert 2 <= len(runs) <= 5, len(runs)
    assert all(r[1:3] == ("timer", "pnetd") for r in runs)
    assert all(r[3]["cases"] == 0 for r in runs[1:])
