"""Fixtures for the API tests: a real pnetd against a real PostgreSQL.

./dev test sets the environment; `./dev test tests/api/test_x.py` (any pytest arguments) runs
one file with the same set-up. Run by hand, export the variables yourself:
    PNETD                 the pnetd to test (build/test/server/pnetd, ASan + UBSan)
    PNET_TEST_PGHOST      socket directory of the throw-away cluster (superuser postgres, trust)
    PNET_TEST_PGPORT      its port number (names the socket file; default 5432)
    PNET_TEST_PGDATA, PNET_TEST_PGBIN, PNET_TEST_PGUSER_OS   for tests that drive a cluster
    PNET_SOURCE_DIR       the checkout (logs go to build/test/logs/ in it)

Fixtures:
    database          (session) conninfo of a fresh, migrated database owned by pnet
    database_factory  (session) make(migrate=True) -> conninfo of another fresh database
    pnetd             (session) a Pnetd serving `database`
    pnetd_factory     make(*args, env=None, database=None, wait=True) -> a started Pnetd
    api               an Api client for `pnetd`, without a token
    admin             (session) an Api client logged in as admin (ADMIN_LOGIN/ADMIN_PASSWORD)
    db                a psycopg connection (autocommit) to `database` as pnet
"""

import os
import re
import uuid

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from events_support import DEMO_DIR, load_demo, wait_demo_deadlines_said
from harness import GERMANY, Api, Pnetd, run_pnetd

# The tests' own SQL sessions (psycopg, through libpq's PGTZ) count days and times as pnetd's
# sessions do, in Germany's zone (server/db.h): "43 days ago" in a test is 43 of Germany's days,
# also across a change of summer time. The cluster itself keeps the machine's zone (UTC), and
# pnetd gets no PGTZ (harness.pnetd_env), so every test runs pnetd as on a UTC server.
os.environ["PGTZ"] = GERMANY

ADMIN_LOGIN = "admin"
ADMIN_PASSWORD = "admin-password-123"

SOURCE_DIR = os.environ.get("PNET_SOURCE_DIR") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LOG_DIR = os.path.join(SOURCE_DIR, "build", "test", "logs")


def _require(name):
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run the API tests through ./dev test, or export "
                    f"PNETD and PNET_TEST_PGHOST as ./dev test does", pytrace=False)
    return value


@pytest.fixture(scope="session")
def pnetd_exe():
    exe = _require("PNETD")
    if not os.access(exe, os.X_OK):
        pytest.fail(f"PNETD={exe} is not an executable (did the build fail?)", pytrace=False)
    return exe


@pytest.fixture(scope="session")
def pg_superuser():
    """Conninfo keywords for the superuser postgres on the test cluster."""
    host = _require("PNET_TEST_PGHOST")
    return {"host": host, "port": os.environ.get("PNET_TEST_PGPORT") or "5432",
            "user": "postgres"}


@pytest.fixture(scope="session")
def database_factory(pg_superuser, pnetd_exe):
    """make(migrate=True): a new database owned by pnet (migrated by `pnetd migrate` unless
    migrate=False); returns its conninfo. All are dropped at the end of the session."""
    made = []
    admin = psycopg.connect(make_conninfo(dbname="postgres", **pg_superuser), autocommit=True)
    if not admin.execute("SELECT 1 FROM pg_roles WHERE rolname = 'pnet'").fetchone():
        admin.execute("CREATE ROLE pnet LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE")

    def make(migrate=True):
        name = f"pnet_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        admin.execute(sql.SQL("CREATE DATABASE {} OWNER pnet").format(sql.Identifier(name)))
        made.append(name)
        conninfo = make_conninfo(host=pg_superuser["host"], port=pg_superuser["port"],
                                 dbname=name, user="pnet")
        if migrate:
            r = run_pnetd(pnetd_exe, "migrate", f"--database={conninfo}")
            assert r.returncode == 0, f"pnetd migrate: exit {r.returncode}\n{r.stderr}"
        return conninfo

    yield make
    for name in made:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                      .format(sql.Identifier(name)))
    admin.close()


@pytest.fixture(scope="session")
def database(database_factory):
    return database_factory()


def _log_path(label):
    os.makedirs(LOG_DIR, exist_ok=True)
    label = re.sub(r"[^A-Za-z0-9_.-]+", "_", label)[:80]
    return os.path.join(LOG_DIR, f"pnetd-{label}-{os.getpid()}-{uuid.uuid4().hex[:6]}.log")


def _stop_clean(server):
    """Stops a server (SIGTERM unless it has exited already) and insists on exit status 0:
    crashes and sanitizer reports at exit (leaks) surface here."""
    status = server.stop()
    assert status == 0, (f"pnetd exited with {status} (log {server.log_path}):\n"
                         f"{server.log_tail()}")


@pytest.fixture(scope="session")
def pnetd(pnetd_exe, database):
    server = Pnetd(pnetd_exe, database, log_path=_log_path("session")).start()
    yield server
    _stop_clean(server)


@pytest.fixture
def pnetd_factory(request, pnetd_exe, database):
    """make(*args, env=None, database=None, wait=True, limits=None): a pnetd of this test's
    own, started with extra arguments (and PNET_* environment, and resource limits as
    {resource.RLIMIT_...: (soft, hard)}); stopped after the test."""
    servers = []

    def make(*args, env=None, database=database, wait=True, limits=None):
        server = Pnetd(pnetd_exe, database, args=args, env=env, limits=limits,
                       log_path=_log_path(request.node.name))
        servers.append(server)
        return server.start(wait=wait)

    yield make
    # Those the test stopped or killed itself are its business.
    for server in servers:
        if server.running():
            _stop_clean(server)


@pytest.fixture
def api(pnetd):
    client = Api(pnetd.base_url)
    yield client
    client.close()


@pytest.fixture(scope="session")
def admin(pnetd_exe, database, pnetd):
    r = run_pnetd(pnetd_exe, "create-admin", "--login", ADMIN_LOGIN, "--password-stdin",
                  f"--database={database}", input=ADMIN_PASSWORD + "\n")
    assert r.returncode == 0, f"pnetd create-admin: exit {r.returncode}\n{r.stderr}"
    client = Api(pnetd.base_url)
    client.login(ADMIN_LOGIN, ADMIN_PASSWORD)
    yield client
    client.close()


@pytest.fixture
def db(database):
    conn = psycopg.connect(database, autocommit=True)
    yield conn
    conn.close()


DEMO_PASSWORD = "neustadt-demo"


@pytest.fixture(scope="session")
def demo_database(database_factory):
    """conninfo of a migrated database holding the Neustadt demo network (schema/demo)."""
    conninfo = database_factory()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        load_demo(conn)
    return conninfo


@pytest.fixture(scope="session")
def demo_pnetd(pnetd_exe, demo_database):
    """The demo database's pnetd, once its first overdue scan has said the demo's missed
    deadlines, as on a server that has run: a test's events are then its own."""
    server = Pnetd(pnetd_exe, demo_database, log_path=_log_path("demo")).start()
    with psycopg.connect(demo_database, autocommit=True) as conn:
        wait_demo_deadlines_said(conn)
    yield server
    _stop_clean(server)


@pytest.fixture(scope="session")
def demo(demo_pnetd):
    """demo(login) -> an Api client logged in as that demo account (tokens are cached for
    the session; scrypt makes logins slow on purpose); demo(None) -> one without a token."""
    clients = {}

    def client(login):
        if login not in clients:
            c = Api(demo_pnetd.base_url)
            if login:
                c.login(login, DEMO_PASSWORD)
            clients[login] = c
        return clients[login]

    yield client
    for c in clients.values():
        c.close()


@pytest.fixture
def demo_db(demo_database):
    conn = psycopg.connect(demo_database, autocommit=True)
    yield conn
    conn.close()
