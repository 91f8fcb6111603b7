"""A private PostgreSQL cluster in a temporary directory, for tests that stop, restart or
break the database under a running pnetd. The shared cluster of ./dev test is left alone.

Same rules as ./dev: unix socket only (listen_addresses = ''), the socket directory is private
(0700), initdb and the server run as the postgres OS user when we are root
(PNET_TEST_PGUSER_OS), superuser `postgres` with trust auth on the socket, and a role `pnet`
(login, not superuser) owning a database `pnet`.

    with PgCluster() as pg:          # initdb + start; stop + remove on exit
        pg.conninfo()                # "host=... port=... dbname=pnet user=pnet"
        pg.stop(); pg.start(); pg.restart()
"""

import os
import shutil
import subprocess
import tempfile

import psycopg
from psycopg.conninfo import make_conninfo


def _env(name, default=None):
    value = os.environ.get(name)
    return value if value else default


class PgCluster:
    PORT = 5432  # only names the socket file: there is no TCP listener

    def __init__(self, base=None, pgbin=None, os_user=None, settings=None):
        self.pgbin = pgbin or _env("PNET_TEST_PGBIN", "/usr/lib/postgresql/15/bin")
        if os_user is None:
            os_user = _env("PNET_TEST_PGUSER_OS") or ("postgres" if os.geteuid() == 0 else "")
        self.os_user = os_user
        # /tmp and not $TMPDIR: the socket path must stay under 107 bytes and be reachable
        # by the postgres user.
        self.base = base or tempfile.mkdtemp(prefix="pnet-pg-", dir="/tmp")
        self._own_base = base is None
        self.data = os.path.join(self.base, "data")
        self.socket_dir = os.path.join(self.base, "run")
        self.log_path = os.path.join(self.base, "postgresql.log")
        # fsync off only: a crash of the server (stop("immediate")) still loses no
        # committed transaction, only a crash of the machine would.
        self.settings = {"fsync": "off"}
        self.settings.update(settings or {})

    # -- running things as the cluster's owner

    def _run(self, *cmd, check=True):
        if self.os_user:
            cmd = ("runuser", "-u", self.os_user, "--") + cmd
        return subprocess.run(cmd, check=check, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)

    def _chown(self, path):
        if self.os_user:
            shutil.chown(path, self.os_user, self.os_user)

    # -- life cycle

    def init(self):
        """initdb, the settings, the role and database pnet (the cluster is left running)."""
        os.makedirs(self.socket_dir, exist_ok=True)
        for path in (self.base, self.socket_dir):
            os.chmod(path, 0o700)
            self._chown(path)
        result = self._run(os.path.join(self.pgbin, "initdb"), "-D", self.data, "-U", "postgres",
                           "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", check=False)
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{result.stdout}")
        lines = ["", "# pnet test cluster",
                 "listen_addresses = ''",
                 f"unix_socket_directories = '{self.socket_dir}'",
                 "unix_socket_permissions = 0700",
                 f"port = {self.PORT}"]
        lines += [f"{k} = {v}" for k, v in self.settings.items()]
        # Appending keeps the file's owner.
        with open(os.path.join(self.data, "postgresql.conf"), "a", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        self.start()
        with self.connect(user="postgres", dbname="postgres") as conn:
            conn.execute("CREATE ROLE pnet LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE")
            conn.execute("CREATE DATABASE pnet OWNER pnet")
        return self

    def running(self):
        result = self._run(os.path.join(self.pgbin, "pg_ctl"), "-D", self.data, "status",
                           check=False)
        return result.returncode == 0

    def start(self):
        if not os.path.exists(self.log_path):
            open(self.log_path, "a").close()
            self._chown(self.log_path)
        result = self._run(os.path.join(self.pgbin, "pg_ctl"), "-D", self.data,
                           "-l", self.log_path, "-w", "-t", "60", "start", check=False)
        if result.returncode != 0:
            raise RuntimeError(f"PostgreSQL did not start:\n{result.stdout}\n{self.log_tail()}")

    def stop(self, mode="fast"):
        """mode: smart, fast or immediate (a crash, as far as clients can tell)."""
        result = self._run(os.path.join(self.pgbin, "pg_ctl"), "-D", self.data, "-m", mode,
                           "-w", "-t", "60", "stop", check=False)
        if result.returncode != 0 and self.running():
            raise RuntimeError(f"PostgreSQL did not stop:\n{result.stdout}")

    def restart(self, mode="fast"):
        self.stop(mode)
        self.start()

    def destroy(self):
        if os.path.exists(os.path.join(self.data, "PG_VERSION")) and self.running():
            self.stop("immediate")
        if self._own_base:
            shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self):
        return self.init()

    def __exit__(self, *exc):
        self.destroy()

    # -- connecting

    def conninfo(self, dbname="pnet", user="pnet", **extra):
        return make_conninfo(host=self.socket_dir, port=self.PORT, dbname=dbname, user=user,
                             **extra)

    def connect(self, dbname="pnet", user="pnet", autocommit=True, **kw):
        return psycopg.connect(self.conninfo(dbname, user), autocommit=autocommit, **kw)

    def log_tail(self, n=30):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""
