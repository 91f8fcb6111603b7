"""Building blocks of the API tests: a pnetd process (Pnetd) and an HTTP client (Api).
The fixtures in conftest.py put them together; tests may use them directly too."""

import json
import os
import resource
import signal
import socket
import subprocess
import threading
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import requests

_MISSING = object()

# pnetd's time zone (server/db.h's DB_TIME_ZONE): the tests' own sessions, browser and dates
# keep it too.
GERMANY = "Europe/Berlin"


def german_date(days=0):
    """The day in Germany, days from today (a datetime.date): what people there enter as today,
    and pnetd's today (its sessions' TimeZone, server/db.h). This machine's date.today() is
    UTC's, a day behind for an hour or two after midnight in Germany."""
    return datetime.now(ZoneInfo(GERMANY)).date() + timedelta(days=days)


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pnetd_env(extra=None):
    """The environment for a pnetd process: ours without any PNET_* variable (the harness's
    own PNET_TEST_* must not reach pnetd's configuration, nor a developer's PNET_PORT) and
    without the tests' time zone (PGTZ, TZ: pnetd sets its sessions' own, server/db.h), plus
    extra. Configure pnetd through arguments or extra={"PNET_...": ...}."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PNET_") and k not in ("PGTZ", "TZ")}
    env.update(extra or {})
    return env


def run_pnetd(exe, *args, input=None, env=None, timeout=120):
    """Runs a pnetd subcommand to its end (migrate, create-admin, --help, ...) and returns the
    CompletedProcess (text, stdout and stderr captured, not checked)."""
    return subprocess.run([exe, *args], input=input, env=pnetd_env(env), timeout=timeout,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


class Pnetd:
    """One pnetd serving on 127.0.0.1:<free port>.

    stderr and stdout are copied line by line to log_path and kept in `lines`; `records()`
    gives the JSON log lines as dicts. `stop()` sends SIGTERM and returns the exit status.
    limits, {resource.RLIMIT_...: (soft, hard)}, are set in the child before pnetd runs (as
    `ulimit` would).
    """

    def __init__(self, exe, database, args=(), env=None, log_path=None, port=None, limits=None):
        self.exe = exe
        self.database = database
        self.args = list(args)
        self.env = dict(env or {})
        self.log_path = log_path
        self.port = port
        self.limits = dict(limits or {})
        self.proc = None
        self.lines = []
        self.returncode = None
        self._reader = None
        self._lock = threading.Lock()

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    def url(self, path):
        return self.base_url + path

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def command(self):
        cmd = [self.exe, "serve", "--listen=127.0.0.1", f"--port={self.port}"]
        if self.database is not None:
            cmd.append(f"--database={self.database}")
        return cmd + self.args

    def start(self, wait=True, timeout=30):
        """Starts pnetd; with wait, returns once GET /healthz answers 200 (raises when pnetd
        exits first or the timeout passes, with the end of its log)."""
        assert self.proc is None or self.proc.poll() is not None, "already running"
        if self.port is None:
            self.port = free_port()
        self.lines = []
        self.returncode = None
        log = open(self.log_path, "a", encoding="utf-8") if self.log_path else None
        if log:
            log.write(f"$ {' '.join(self.command())}\n")
            log.flush()
        limits = self.limits

        def set_limits():
            for which, values in limits.items():
                resource.setrlimit(which, values)

        self.proc = subprocess.Popen(self.command(), env=pnetd_env(self.env),
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, errors="replace",
                                     preexec_fn=set_limits if limits else None)
        self._reader = threading.Thread(target=self._read, args=(self.proc.stdout, log),
                                        daemon=True)
        self._reader.start()
        if wait:
            self.wait_healthy(timeout)
        return self

    def _read(self, stream, log):
        try:
            for line in stream:
                with self._lock:
                    self.lines.append(line.rstrip("\n"))
                if log:
                    log.write(line)
                    log.flush()
        finally:
            if log:
                log.close()

    def wait_healthy(self, timeout=30):
        deadline = time.monotonic() + timeout
        with requests.Session() as http:
            http.trust_env = False  # no proxy for 127.0.0.1
            self._poll_healthz(http, deadline, timeout)

    def _poll_healthz(self, http, deadline, timeout):
        while True:
            if self.proc.poll() is not None:
                self._join_reader()
                raise RuntimeError(f"pnetd exited with {self.proc.returncode} before it was "
                                   f"healthy:\n{self.log_tail()}")
            try:
                if http.get(self.url("/healthz"), timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"pnetd not healthy after {timeout}s:\n{self.log_tail()}")
            time.sleep(0.05)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig):
        self.proc.send_signal(sig)

    def wait(self, timeout=30):
        """Waits for the process to exit and returns its exit status (negative: a signal)."""
        self.returncode = self.proc.wait(timeout)
        self._join_reader()
        return self.returncode

    def stop(self, timeout=30):
        """SIGTERM, then the exit status (SIGKILL and TimeoutError if it does not exit)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.wait(10)
                raise TimeoutError(f"pnetd did not exit within {timeout}s of SIGTERM:\n"
                                   f"{self.log_tail()}")
        return self.wait()

    def _join_reader(self):
        if self._reader:
            self._reader.join(5)

    # -- the log

    def records(self):
        """The log lines that are JSON objects, parsed."""
        out = []
        with self._lock:
            lines = list(self.lines)
        for line in lines:
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if isinstance(obj, dict):
                out.append(obj)
        return out

    def wait_for_log(self, predicate, timeout=10):
        """Waits until a JSON log record satisfies predicate(record); returns the record."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for record in self.records():
                if predicate(record):
                    return record
            time.sleep(0.05)
        raise TimeoutError(f"no matching log line within {timeout}s:\n{self.log_tail()}")

    def log_tail(self, n=40):
        with self._lock:
            return "\n".join(self.lines[-n:])


class Api:
    """A requests.Session bound to one pnetd and, optionally, one bearer token.

        api.login("admin", "pw")                    # returns the token and keeps it
        r = api.post("/v1/nodes", json={...}, headers={"Idempotency-Key": "k1"})
        other = api.as_token(token)                 # same server, other identity
        api.get("/v1/me", auth=False)               # without the token
    Methods return the requests.Response; nothing is raised for HTTP errors.
    """

    def __init__(self, base_url, token=None, timeout=15):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.session = requests.Session()
        self.session.trust_env = False  # no proxy, no ~/.netrc: talk to pnetd directly

    def as_token(self, token):
        return Api(self.base_url, token, self.timeout)

    def login(self, login, password):
        r = self.post("/v1/auth/login", json={"login": login, "password": password}, auth=False)
        assert r.status_code in (200, 201), f"login {login}: {r.status_code} {r.text}"
        token = r.json().get("token")
        assert token, f"login {login}: no token in {r.text}"
        self.token = token
        return token

    def request(self, method, path, json=_MISSING, headers=None, auth=True, **kw):
        """path is relative to base_url; json is sent as the body unless left out; further
        keyword arguments (data=, params=, stream=, timeout=) go to requests."""
        hdrs = {}
        if auth and self.token:
            hdrs["Authorization"] = f"Bearer {self.token}"
        hdrs.update(headers or {})
        if json is not _MISSING:
            kw["json"] = json
        kw.setdefault("timeout", self.timeout)
        return self.session.request(method, self.base_url + path, headers=hdrs, **kw)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, json=_MISSING, **kw):
        return self.request("POST", path, json=json, **kw)

    def put(self, path, json=_MISSING, **kw):
        return self.request("PUT", path, json=json, **kw)

    def patch(self, path, json=_MISSING, **kw):
        return self.request("PATCH", path, json=json, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def close(self):
        self.session.close()
