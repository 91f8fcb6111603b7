"""--database-read: routes that only read and may lag a little read from a standby; the token
check is a pure read and the last use of a token is written in batches on the primary.

A second database stands in for the standby here (tests/ha runs a real Patroni standby): what
it holds differs from the primary, so every answer tells which one served it."""

import re
import time

import psycopg
import pytest

from conftest import ADMIN_LOGIN, ADMIN_PASSWORD
from harness import Api, run_pnetd

# The primary's organization and the stand-in standby's organization (same shape, other name).
PRIMARY_ORG = "Träger auf dem Primary e.V."
STANDBY_ORG = "Träger auf dem Standby e.V."


def admin_on(pnetd_exe, conninfo):
    r = run_pnetd(pnetd_exe, "create-admin", "--login", ADMIN_LOGIN, "--password-stdin",
                  "--scrypt-log-n=10", f"--database={conninfo}", input=ADMIN_PASSWORD + "\n")
    assert r.returncode == 0, r.stderr


def add_organization(conninfo, name):
    with psycopg.connect(conninfo, autocommit=True) as db:
        return str(db.execute("INSERT INTO organization (name, kind) VALUES (%s, 'other')"
                              " RETURNING id", (name,)).fetchone()[0])


def names(response):
    assert response.status_code == 200, response.text
    return {item["name"] for item in response.json()["items"]}


def read_connections(client):
    text = client.get("/metrics").text
    return dict(re.findall(r'^pnet_db_read_connections\{state="(\w+)"\} (\d+)$', text, re.M))


@pytest.fixture
def two_databases(pnetd_exe, database_factory):
    primary, standby = database_factory(), database_factory()
    admin_on(pnetd_exe, primary)
    primary_org = add_organization(primary, PRIMARY_ORG)
    add_organization(standby, STANDBY_ORG)
    return primary, standby, primary_org


def test_read_routes_read_from_the_standby_and_the_rest_from_the_primary(
        pnetd_factory, two_databases):
    primary, standby, primary_org = two_databases
    server = pnetd_factory("--workers=1", f"--database-read={standby}", database=primary)
    client = Api(server.base_url)
    # The login and the token check run on the primary (the standby has no such account).
    client.login(ADMIN_LOGIN, ADMIN_PASSWORD)
    # Until the standby pool has a connection, read routes fall back to the primary (a busy
    # machine can be slower to connect than the login); the gauges are published each second.
    deadline = time.monotonic() + 20
    while int(read_connections(client).get("ready", 0)) < 1 and time.monotonic() < deadline:
        time.sleep(0.2)
    # A directory list is a read-replica route: the standby's rows.
    assert names(client.get("/v1/organizations")) == {STANDBY_ORG}
    # The detail is not: the primary's row.
    r = client.get(f"/v1/organizations/{primary_org}")
    assert r.status_code == 200 and r.json()["name"] == PRIMARY_ORG
    # Writes go to the primary, and a list on the standby does not see them.
    r = client.post("/v1/organizations", json={"name": "Neu e.V.", "kind": "other"})
    assert r.status_code == 201, r.text
    assert names(client.get("/v1/organizations")) == {STANDBY_ORG}
    gauges = read_connections(client)
    assert gauges["configured"] == "4" and int(gauges["ready"]) >= 1, gauges


def test_without_a_standby_the_primary_serves_the_read_routes(pnetd_factory, two_databases):
    primary, _, _ = two_databases
    server = pnetd_factory("--workers=1", database=primary)
    client = Api(server.base_url)
    client.login(ADMIN_LOGIN, ADMIN_PASSWORD)
    assert names(client.get("/v1/organizations")) == {PRIMARY_ORG}
    assert read_connections(client)["configured"] == "0"


def test_a_standby_that_is_away_leaves_the_reads_to_the_primary(pnetd_factory, two_databases):
    primary, _, _ = two_databases
    nowhere = "host=127.0.0.1 port=1 dbname=pnet user=pnet connect_timeout=1"
    server = pnetd_factory("--workers=1", f"--database-read={nowhere}", database=primary)
    client = Api(server.base_url)
    client.login(ADMIN_LOGIN, ADMIN_PASSWORD)
    # No 503: the primary answers while the standby cannot be reached.
    assert names(client.get("/v1/organizations")) == {PRIMARY_ORG}
    assert read_connections(client)["ready"] == "0"


def test_the_token_check_is_a_pure_read(pnetd_factory, two_databases):
    """A pnetd whose database sessions are read-only (as on a standby) still authenticates:
    the token check writes nothing. (Before, it touched last_used_at in the same statement.)"""
    primary, _, _ = two_databases
    token = Api(pnetd_factory("--workers=1", database=primary).base_url).login(
        ADMIN_LOGIN, ADMIN_PASSWORD)
    read_only = primary + " options='-c default_transaction_read_only=on'"
    server = pnetd_factory("--workers=1", database=read_only)
    client = Api(server.base_url, token=token)
    for _ in range(3):
        r = client.get("/v1/me")
        assert r.status_code == 200, r.text
    # And a write on that pnetd is refused by the database, as it would be on a standby.
    r = client.post("/v1/organizations", json={"name": "Nope e.V.", "kind": "other"})
    assert r.status_code >= 500 or r.status_code == 422, r.text


def test_last_use_is_written_in_batches(pnetd_factory, two_databases):
    primary, _, _ = two_databases
    server = pnetd_factory("--workers=1", database=primary)
    client = Api(server.base_url)
    token = client.login(ADMIN_LOGIN, ADMIN_PASSWORD)
    with psycopg.connect(primary, autocommit=True) as db:
        db.execute("UPDATE api_token SET last_used_at = NULL")

        def last_used():
            return db.execute("SELECT last_used_at FROM api_token WHERE token_hash ="
                              " encode(sha256(%s::bytea), 'hex')", (token,)).fetchone()[0]

        assert client.get("/v1/me").status_code == 200
        deadline = time.monotonic() + 5
        while last_used() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        first = last_used()
        assert first is not None, "the last use was not written within 5 s"
        # Within the minute, further uses do not write again.
        for _ in range(5):
            assert client.get("/v1/me").status_code == 200
        time.sleep(1.5)
        assert last_used() == first
