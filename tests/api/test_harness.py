"""Tests of the test harness itself (no pnetd needed)."""

import socket

import psycopg
import pytest

from harness import free_port, pnetd_env
from pgcluster import PgCluster


@pytest.fixture(scope="module")
def cluster():
    with PgCluster() as pg:
        yield pg


def test_pgcluster_serves_pnet_database_to_role_pnet(cluster):
    with cluster.connect() as conn:
        row = conn.execute("SELECT current_user, current_database(), "
                           "(SELECT rolsuper FROM pg_roles WHERE rolname = current_user)"
                           ).fetchone()
    assert row == ("pnet", "pnet", False)


def test_pgcluster_listens_on_no_tcp_port(cluster):
    with cluster.connect(user="postgres", dbname="postgres") as conn:
        assert conn.execute("SHOW listen_addresses").fetchone() == ("",)


def test_pgcluster_stop_breaks_connections_and_start_brings_them_back(cluster):
    conn = cluster.connect()
    cluster.stop()
    assert not cluster.running()
    with pytest.raises(psycopg.OperationalError):
        conn.execute("SELECT 1")
    with pytest.raises(psycopg.OperationalError):
        cluster.connect()
    cluster.start()
    assert cluster.running()
    with cluster.connect() as again:
        assert again.execute("SELECT 1").fetchone() == (1,)


def test_pgcluster_restart_keeps_data(cluster):
    with cluster.connect() as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS kept (x int)")
        conn.execute("INSERT INTO kept VALUES (42)")
    cluster.restart(mode="immediate")
    with cluster.connect() as conn:
        assert conn.execute("SELECT x FROM kept").fetchall() == [(42,)]


def test_free_port_is_bindable():
    port = free_port()
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))


def test_pnetd_env_drops_the_harness_variables(monkeypatch):
    monkeypatch.setenv("PNET_TEST_PGHOST", "/x")
    monkeypatch.setenv("PNET_PORT", "1")
    env = pnetd_env({"PNET_WORKERS": "2"})
    assert "PNET_TEST_PGHOST" not in env and "PNET_PORT" not in env
    assert env["PNET_WORKERS"] == "2"
    assert "PATH" in env
