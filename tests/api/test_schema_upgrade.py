"""pnetd migrate (docs/architecture.md, "Migrations"): a database migrated by the previous
release and then by this pnetd ends with exactly the schema of a fresh one; the functions,
triggers and views of schema/functions are applied again on every run, and what no file
defines any more does not linger; an applied migration that changed is refused."""

import hashlib
import os
import subprocess

import psycopg
from psycopg.conninfo import conninfo_to_dict

from conftest import SOURCE_DIR
from harness import run_pnetd

# main as last merged before the functions moved out of the migrations into
# schema/functions: its migrations (0001-0052, functions in them) are what a database in use
# has applied.
PREVIOUS_RELEASE = "9e69ef455daff7b44512c257e773e1d8fcb24880"


def git(*args):
    r = subprocess.run(["git", "-C", SOURCE_DIR, *args], capture_output=True, check=False)
    assert r.returncode == 0, r.stderr.decode()
    return r.stdout


def previous_migrations():
    """[(name, text)] of the previous release's migrations, in order."""
    names = git("ls-tree", "--name-only", PREVIOUS_RELEASE, "schema/").decode().split()
    files = sorted(n for n in names if n.endswith(".sql") and n.split("/")[-1][:4].isdigit())
    assert len(files) > 10
    return [(f.split("/")[-1][:-4], git("show", f"{PREVIOUS_RELEASE}:{f}").decode())
            for f in files]


def migrate_as_the_previous_release(conninfo):
    """What the previous release's pnetd migrate did: each file in its own transaction with
    the row recording it (name and SHA-256 of its text)."""
    with psycopg.connect(conninfo, autocommit=True) as db:
        db.execute("CREATE TABLE schema_migration (version integer PRIMARY KEY,"
                   " name text NOT NULL, checksum text NOT NULL,"
                   " applied_at timestamptz NOT NULL DEFAULT now())")
        for name, text in previous_migrations():
            with db.transaction():
                db.execute(text.encode())
                db.execute("INSERT INTO schema_migration (version, name, checksum)"
                           " VALUES (%s, %s, %s)",
                           (int(name[:4]), name, hashlib.sha256(text.encode()).hexdigest()))


def schema_dump(conninfo):
    params = conninfo_to_dict(conninfo)
    pgbin = os.environ.get("PNET_TEST_PGBIN", "/usr/lib/postgresql/15/bin")
    r = subprocess.run([os.path.join(pgbin, "pg_dump"), "--schema-only", "--no-owner",
                        "-h", params["host"], "-p", str(params["port"]), "-U", params["user"],
                        params["dbname"]], capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr
    # Comments, SET lines and the random key of psql's \\restrict lines differ by dump.
    return [line for line in r.stdout.splitlines()
            if line and not line.startswith(("--", "SET ", "\\restrict", "\\unrestrict"))]


def migrated(pnetd_exe, conninfo):
    r = run_pnetd(pnetd_exe, "migrate", f"--database={conninfo}")
    assert r.returncode == 0, r.stderr
    return r


def applied(conninfo):
    with psycopg.connect(conninfo) as db:
        return db.execute("SELECT version, name, checksum FROM schema_migration"
                          " ORDER BY version").fetchall()


def test_a_database_of_the_previous_release_ends_like_a_fresh_one(pnetd_exe, database_factory):
    fresh = database_factory()
    old = database_factory(migrate=False)
    migrate_as_the_previous_release(old)
    r = migrated(pnetd_exe, old)
    # The operator sees which applied migrations were rewritten (their checksums recorded
    # anew) and that the functions were applied.
    assert '"msg":"migration rewritten"' in r.stderr
    assert '"msg":"functions applied"' in r.stderr
    assert schema_dump(old) == schema_dump(fresh)
    assert applied(old) == applied(fresh)
    # And again: nothing left to rewrite or apply, the same schema.
    r = migrated(pnetd_exe, old)
    assert "migration rewritten" not in r.stderr and "migration applied" not in r.stderr
    assert schema_dump(old) == schema_dump(fresh)


def test_functions_are_applied_again_and_strays_dropped(pnetd_exe, database_factory):
    conninfo = database_factory()
    before = schema_dump(conninfo)
    with psycopg.connect(conninfo, autocommit=True) as db:
        # A function whose text was changed by hand, one that was dropped, a trigger that was
        # dropped, and functions no file defines (one of them under an old signature).
        db.execute("CREATE OR REPLACE FUNCTION stale(p_what text, p_version integer)"
                   " RETURNS text LANGUAGE sql AS $$ SELECT 'changed' $$")
        db.execute("DROP FUNCTION referral_is_overdue(referral)")
        db.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        db.execute("CREATE FUNCTION stray() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$")
        db.execute("CREATE FUNCTION audit(p_account uuid) RETURNS void LANGUAGE sql"
                   " AS $$ SELECT $$")
    migrated(pnetd_exe, conninfo)
    assert schema_dump(conninfo) == before


def test_a_function_a_table_needs_stops_the_run(pnetd_exe, database_factory):
    """A column default or CHECK that uses a function would lose it when migrate drops the
    functions: migrate refuses instead of dropping the table's rule with it."""
    conninfo = database_factory()
    with psycopg.connect(conninfo, autocommit=True) as db:
        db.execute("CREATE FUNCTION helper() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$")
        db.execute("CREATE TABLE uses_helper (x int DEFAULT helper())")
    r = run_pnetd(pnetd_exe, "migrate", f"--database={conninfo}")
    assert r.returncode != 0
    assert "helper()" in r.stderr and "belongs in a migration" in r.stderr
    with psycopg.connect(conninfo) as db:
        assert db.execute("SELECT count(*) FROM pg_proc WHERE proname = 'helper'"
                          ).fetchone()[0] == 1


def test_an_applied_migration_that_changed_is_refused(pnetd_exe, database_factory):
    conninfo = database_factory()
    with psycopg.connect(conninfo, autocommit=True) as db:
        # As if 0003 had been applied with other text, which no rewrite of it names.
        db.execute("UPDATE schema_migration SET checksum = %s WHERE version = 3", ("0" * 64,))
    r = run_pnetd(pnetd_exe, "migrate", f"--database={conninfo}")
    assert r.returncode != 0
    assert "0003_chains changed after it was applied" in r.stderr
    assert "put the change in a new migration" in r.stderr
