"""The high-availability suite (./dev test-ha): a real cluster as ./dev cluster builds it
(etcd, two PostgreSQL under Patroni with synchronous replication, HAProxy, two pnetd), started
once for the session on ports of its own, with the Neustadt demo data loaded."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import psycopg
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "api"))

from events_support import load_demo  # noqa: E402
from harness import Api, free_port  # noqa: E402

# Internal ports: 26400..26441 (./dev cluster's own default is 25400.., so both can run).
BASE = int(os.environ.get("PNET_HA_BASE", "26400"))
PASSWORD = "neustadt-demo"


class Cluster:
    """Where the parts of the running cluster are, and how to reach and hurt them."""

    def __init__(self, directory, front):
        self.dir = directory
        self.front = front
        self.base_url = f"http://127.0.0.1:{front}"
        self.pg_ports = [BASE + 10, BASE + 11]
        self.rest_ports = [BASE + 20, BASE + 21]
        self.rw, self.ro = BASE + 30, BASE + 31
        self.pnetd_ports = [BASE + 40, BASE + 41]

    def env(self):
        env = dict(os.environ)
        env.update(PNET_CLUSTER_DIR=self.dir, PNET_CLUSTER_PORT=str(self.front),
                   PNET_CLUSTER_BASE=str(BASE))
        return env

    def dev(self, *args, timeout=600):
        r = subprocess.run([os.path.join(ROOT, "dev"), "cluster", *args], env=self.env(),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=timeout)
        assert r.returncode == 0, f"./dev cluster {' '.join(args)}:\n{r.stdout[-4000:]}"
        return r.stdout

    def secret(self, name):
        with open(os.path.join(self.dir, "secrets", name), encoding="ascii") as f:
            return f.read().strip()

    def conninfo(self, port, user="pnet", dbname="pnet"):
        password = self.secret("postgres" if user == "postgres" else "pnet")
        return (f"host=127.0.0.1 port={port} dbname={dbname} user={user} "
                f"password={password} connect_timeout=3")

    def connect(self, port, user="pnet", dbname="pnet"):
        return psycopg.connect(self.conninfo(port, user, dbname), autocommit=True)

    def patroni(self, i, path="/patroni"):
        """Patroni's REST answer of node i: (status, json or None)."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.rest_ports[i]}{path}",
                                        timeout=2) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            body = e.read()
            return e.code, json.loads(body) if body else None
        except OSError:
            return None, None

    def primary(self):
        """The index of the node Patroni calls primary, or None."""
        for i in (0, 1):
            if self.patroni(i, "/primary")[0] == 200:
                return i
        return None

    def role(self, i):
        return (self.patroni(i)[1] or {}).get("role")

    def postmaster_pid(self, i):
        with open(os.path.join(self.dir, f"pg{i + 1}", "data", "postmaster.pid")) as f:
            return int(f.readline())

    def pnetd_pid(self, i):
        with open(os.path.join(self.dir, "run", f"pnetd{i + 1}.pid")) as f:
            return int(f.read())

    def api(self, login=None):
        client = Api(self.base_url, timeout=20)
        if login:
            client.login(login, PASSWORD)
        return client


def wait_until(predicate, timeout, step=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


@pytest.fixture(scope="session")
def cluster():
    # The postgres user must reach the data folders: not under /root or /tmp's private parts.
    parent = "/var/tmp" if os.access("/var/tmp", os.W_OK) else None
    directory = tempfile.mkdtemp(prefix="pnet-ha-", dir=parent)
    os.chmod(directory, 0o755)
    c = Cluster(directory, free_port())
    try:
        c.dev("start")
        with c.connect(c.rw) as db:
            load_demo(db)
        yield c
    finally:
        try:
            c.dev("stop", timeout=120)
        finally:
            logs = os.path.join(ROOT, "build", "test", "logs", "ha")
            if os.path.isdir(os.path.join(directory, "log")):
                shutil.rmtree(logs, ignore_errors=True)
                shutil.copytree(os.path.join(directory, "log"), logs)
            shutil.rmtree(directory, ignore_errors=True)
