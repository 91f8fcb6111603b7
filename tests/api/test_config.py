"""Configuration (flags, PNET_* environment, --config file), --help, and the docs that list
every option; the one-shot commands migrate and create-admin."""

import json
import os
import re
import signal
import subprocess
import threading

import psycopg
import pytest

from conftest import SOURCE_DIR
from harness import Api, free_port, pnetd_env, run_pnetd


def markdown_options(pnetd_exe):
    r = run_pnetd(pnetd_exe, "--help-markdown")
    assert r.returncode == 0
    rows = [line for line in r.stdout.splitlines() if line.startswith("| `--")]
    assert len(rows) >= 20
    return [re.match(r"\| `(--[a-z0-9-]+)` \| `(PNET_[A-Z0-9_]+)`", row).groups() for row in rows]


def test_help_lists_every_option(pnetd_exe):
    r = run_pnetd(pnetd_exe, "--help")
    assert r.returncode == 0
    for flag, env in markdown_options(pnetd_exe):
        assert f"  {flag}=" in r.stdout, flag
        assert f"[{env};" in r.stdout, env
    for command in ("migrate", "create-admin", "routes", "--config"):
        assert command in r.stdout


def test_operations_doc_lists_every_option(pnetd_exe):
    """docs/operations.md holds the table of `pnetd --help-markdown`: regenerate and paste it
    when an option changes."""
    with open(os.path.join(SOURCE_DIR, "docs", "operations.md"), encoding="utf-8") as f:
        doc = f.read()
    r = run_pnetd(pnetd_exe, "--help-markdown")
    missing = [line for line in r.stdout.splitlines() if line.startswith("| `--")
               and line not in doc]
    assert not missing, ("docs/operations.md lacks these rows of pnetd --help-markdown:\n"
                         + "\n".join(missing))


def test_version(pnetd_exe):
    r = run_pnetd(pnetd_exe, "--version")
    assert r.returncode == 0 and re.fullmatch(r"pnetd \S+\n", r.stdout)


def serve(pnetd_exe, *args, env=None):
    """Start `pnetd serve` as given (no --port added) and return (process, its port) from
    the "listening" log line."""
    proc = subprocess.Popen([pnetd_exe, "serve", *args], env=pnetd_env(env),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in proc.stdout:
        lines.append(line)
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if rec.get("msg") == "listening":
            threading.Thread(target=proc.stdout.read, daemon=True).start()
            return proc, rec["port"]
    proc.wait()
    raise AssertionError(f"pnetd exited {proc.returncode}:\n{''.join(lines)}")


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 0


@pytest.fixture
def config_file(tmp_path):
    def write(text):
        path = tmp_path / "pnetd.conf"
        path.write_text(text)
        return str(path)
    return write


def test_precedence_flag_env_file(pnetd_exe, database, config_file):
    file_port, env_port, flag_port = free_port(), free_port(), free_port()
    path = config_file(f"# a comment\nport = {file_port}\nlisten = \"127.0.0.1\"\n"
                       f"db_pool_size = 2\n")
    base = ["--database", database, "--config", path]
    proc, port = serve(pnetd_exe, *base)
    assert port == file_port
    assert Api(f"http://127.0.0.1:{port}").get("/healthz").status_code == 200
    stop(proc)
    proc, port = serve(pnetd_exe, *base, env={"PNET_PORT": str(env_port)})
    assert port == env_port
    stop(proc)
    proc, port = serve(pnetd_exe, *base, f"--port={flag_port}", env={"PNET_PORT": str(env_port)})
    assert port == flag_port
    stop(proc)
    # PNET_CONFIG names the file too.
    proc, port = serve(pnetd_exe, "--database", database, env={"PNET_CONFIG": path})
    assert port == file_port
    stop(proc)


@pytest.mark.parametrize("args,env,words", [
    (["--port=abc"], None, ["port", "abc", "0 to 65535"]),
    (["--port", "70000"], None, ["port", "70000"]),
    ([], {"PNET_PORT": "x1"}, ["PNET_PORT", "x1"]),
    (["--workers=-1"], None, ["workers", "-1"]),
    (["--migrate=perhaps"], None, ["migrate", "true or false"]),
    (["--log-level=loud"], None, ["log-level"]),
    (["--tls-cert=/nonexistent"], None, ["tls-cert and tls-key"]),
    (["--no-such-option"], None, ["unknown argument", "--no-such-option"]),
    (["--port"], None, ["--port needs a value"]),
    (["--config=/nonexistent/pnetd.conf"], None, ["/nonexistent/pnetd.conf"]),
])
def test_bad_values_exit_2(pnetd_exe, args, env, words):
    r = run_pnetd(pnetd_exe, "serve", *args, env=env, timeout=30)
    assert r.returncode == 2, (r.returncode, r.stderr)
    for word in words:
        assert word in r.stderr, r.stderr
    assert len(r.stderr.splitlines()) <= 2


@pytest.mark.parametrize("text,words", [
    ("port = 8080\nbogus = 1\n", ["pnetd.conf:2", "unknown option", "bogus"]),
    ("port 8080\n", ["pnetd.conf:1", "name = value"]),
    ("port = eighty\n", ["pnetd.conf:1", "port", "eighty"]),
])
def test_bad_config_file_exits_2(pnetd_exe, config_file, text, words):
    r = run_pnetd(pnetd_exe, "serve", "--config", config_file(text), timeout=30)
    assert r.returncode == 2, r.stderr
    for word in words:
        assert word in r.stderr, r.stderr


def test_unknown_command_exits_2(pnetd_exe):
    r = run_pnetd(pnetd_exe, "frobnicate")
    assert r.returncode == 2 and "unknown command frobnicate" in r.stderr


def test_routes_command(pnetd_exe):
    r = run_pnetd(pnetd_exe, "routes")
    assert r.returncode == 0
    assert "GET /v1/me" in r.stdout.splitlines()
    assert "POST /v1/auth/login" in r.stdout.splitlines()


# -- migrate

def migrations(conninfo):
    with psycopg.connect(conninfo) as conn:
        return conn.execute("SELECT version, name, checksum, applied_at FROM schema_migration"
                            " ORDER BY version").fetchall()


def schema_files():
    return sorted(f[:-4] for f in os.listdir(os.path.join(SOURCE_DIR, "schema"))
                  if re.fullmatch(r"\d{4}_.+\.sql", f))


def test_migrate_twice_is_a_no_op(pnetd_exe, database_factory):
    conninfo = database_factory(migrate=False)
    r = run_pnetd(pnetd_exe, "migrate", f"--database={conninfo}")
    assert r.returncode == 0, r.stderr
    first = migrations(conninfo)
    assert [m[1] for m in first] == schema_files()
    assert [m[0] for m in first] == [int(n[:4]) for n in schema_files()]
    assert r.stderr.count("migration applied") == len(first)
    r = run_pnetd(pnetd_exe, "migrate", f"--database={conninfo}")
    assert r.returncode == 0, r.stderr
    assert "migration applied" not in r.stderr
    assert migrations(conninfo) == first


def test_concurrent_migrates_apply_each_once(pnetd_exe, database_factory):
    conninfo = database_factory(migrate=False)
    procs = [subprocess.Popen([pnetd_exe, "migrate", f"--database={conninfo}"],
                              env=pnetd_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(3)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outs
    assert sum(err.count("migration applied") for _, err in outs) == len(schema_files())
    assert [m[1] for m in migrations(conninfo)] == schema_files()


def test_a_failing_migration_leaves_nothing(pnetd_exe, database_factory, tmp_path):
    conninfo = database_factory(migrate=False)
    schema = tmp_path / "schema"
    schema.mkdir()
    (schema / "0001_ok.sql").write_text("CREATE TABLE t1 (id int);")
    (schema / "0002_broken.sql").write_text("CREATE TABLE t2 (id int); SELECT nonsense;")
    r = run_pnetd(pnetd_exe, "migrate", f"--database={conninfo}", f"--schema-dir={schema}")
    assert r.returncode == 1
    assert "0002_broken" in r.stderr
    assert [m[1] for m in migrations(conninfo)] == ["0001_ok"]
    with psycopg.connect(conninfo) as conn:
        assert conn.execute("SELECT to_regclass('t2')").fetchone()[0] is None
    (schema / "0002_broken.sql").write_text("CREATE TABLE t2 (id int);")
    r = run_pnetd(pnetd_exe, "migrate", f"--database={conninfo}", f"--schema-dir={schema}")
    assert r.returncode == 0, r.stderr
    assert [m[1] for m in migrations(conninfo)] == ["0001_ok", "0002_broken"]


def test_serve_with_migrate(pnetd_exe, database_factory, pnetd_factory):
    conninfo = database_factory(migrate=False)
    server = pnetd_factory("--migrate", database=conninfo)
    assert [m[1] for m in migrations(conninfo)] == schema_files()
    r = Api(server.base_url).get("/readyz")
    assert r.status_code == 200, r.text


def test_readyz_when_the_schema_is_behind(pnetd_exe, database_factory, pnetd_factory):
    conninfo = database_factory()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("DELETE FROM schema_migration WHERE version = "
                     "(SELECT max(version) FROM schema_migration)")
    server = pnetd_factory(database=conninfo)
    r = Api(server.base_url).get("/readyz")
    assert r.status_code == 503
    assert "pnetd migrate" in r.json()["detail"]


def test_migrate_without_database_fails(pnetd_exe, tmp_path):
    r = run_pnetd(pnetd_exe, "migrate", f"--database=host={tmp_path} dbname=none", timeout=30)
    assert r.returncode == 1
    assert "cannot connect" in r.stderr


# -- create-admin

def test_create_admin(pnetd_exe, database_factory, pnetd_factory):
    conninfo = database_factory()
    r = run_pnetd(pnetd_exe, "create-admin", "--login", "first-admin", "--password-stdin",
                  "--display-name", "Erste Verwaltung", f"--database={conninfo}",
                  input="a-password-of-mine\n")
    assert r.returncode == 0, r.stderr
    assert "password" not in r.stdout
    r = run_pnetd(pnetd_exe, "create-admin", "--login=second-admin", f"--database={conninfo}")
    assert r.returncode == 0, r.stderr
    shown = re.findall(r"^password \(shown once\): (\S+)$", r.stdout, re.M)
    assert len(shown) == 1 and len(shown[0]) >= 16
    generated = shown[0]
    r = run_pnetd(pnetd_exe, "create-admin", "--login", "first-admin", "--password-stdin",
                  f"--database={conninfo}", input="another-password\n")
    assert r.returncode == 1
    assert "exists already" in r.stderr

    with psycopg.connect(conninfo) as conn:
        rows = conn.execute("SELECT login, display_name, role, password_hash FROM account"
                            " ORDER BY login").fetchall()
        audit = conn.execute("SELECT count(*) FROM audit_log WHERE action = 'account.create'"
                             ).fetchone()[0]
    assert [(l, d, role) for l, d, role, _ in rows] == [
        ("first-admin", "Erste Verwaltung", "admin"), ("second-admin", "Administrator", "admin")]
    assert all(h.startswith("$scrypt$ln=17,r=8,p=1$") for *_, h in rows)
    assert audit == 2

    server = pnetd_factory(database=conninfo)
    api = Api(server.base_url)
    assert api.login("first-admin", "a-password-of-mine")
    assert Api(server.base_url).login("second-admin", generated)


@pytest.mark.parametrize("args,stdin", [
    ([], None), (["--login", "X!"], None), (["--login", "ok-login", "--password-stdin"], "short\n"),
    (["--login", "ok-login", "--what"], None),
])
def test_create_admin_bad_arguments(pnetd_exe, database, args, stdin):
    r = run_pnetd(pnetd_exe, "create-admin", *args, f"--database={database}", input=stdin)
    assert r.returncode == 2, r.stderr


def test_tls(pnetd_exe, database, pnetd_factory, tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert r.returncode == 0, r.stdout
    server = pnetd_factory(f"--tls-cert={cert}", f"--tls-key={key}", wait=False)
    import requests
    import time
    deadline = time.monotonic() + 30
    while True:
        try:
            resp = requests.get(f"https://127.0.0.1:{server.port}/healthz", verify=str(cert),
                                timeout=2)
            break
        except requests.RequestException:
            assert time.monotonic() < deadline and server.running(), server.log_tail()
            time.sleep(0.1)
    assert resp.status_code == 200 and resp.json() == {"status": "ok"}
    # Plain HTTP on the TLS port gets no answer.
    with pytest.raises(requests.RequestException):
        requests.get(f"http://127.0.0.1:{server.port}/healthz", timeout=3)
    rec = server.wait_for_log(lambda x: x.get("msg") == "listening")
    assert rec["tls"] is True


def test_tls_bad_files_exit_1(pnetd_exe, database, tmp_path):
    (tmp_path / "x.pem").write_text("not a certificate\n")
    r = run_pnetd(pnetd_exe, "serve", f"--tls-cert={tmp_path}/x.pem",
                  f"--tls-key={tmp_path}/x.pem", f"--database={database}", "--port=0",
                  timeout=30)
    assert r.returncode == 1, r.stderr


# -- TLS suites (BSI TR-02102-2) and HSTS

def tls_server(pnetd_factory, tmp_path, *args):
    """A pnetd serving HTTPS with a fresh self-signed RSA certificate; (server, cert path)."""
    import requests
    import time
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", str(key), "-out", str(cert)],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert r.returncode == 0, r.stdout
    server = pnetd_factory(f"--tls-cert={cert}", f"--tls-key={key}", *args, wait=False)
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(f"https://127.0.0.1:{server.port}/healthz", verify=str(cert), timeout=2)
            return server, cert
        except requests.RequestException:
            assert time.monotonic() < deadline and server.running(), server.log_tail()
            time.sleep(0.1)


def s_client(port, *args):
    """openssl s_client against 127.0.0.1:port; (handshake done, negotiated suite, output)."""
    r = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-brief",
                        *args], input="", stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=30)
    m = re.search(r"^Ciphersuite: (\S+)", r.stdout, re.M)
    done = r.returncode == 0 and "CONNECTION ESTABLISHED" in r.stdout
    return done, m.group(1) if m else None, r.stdout


def test_tls_offers_ecdhe_with_aead_only(pnetd_factory, tmp_path):
    server, _ = tls_server(pnetd_factory, tmp_path)
    port = server.port
    # TLS 1.2: forward secrecy with AEAD is accepted ...
    for suite in ("ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384"):
        done, got, out = s_client(port, "-tls1_2", "-cipher", suite)
        assert done and got == suite, out
    # ... static RSA (no forward secrecy), CBC and ChaCha20 (not in BSI TR-02102-2) are not.
    for suite in ("AES128-GCM-SHA256", "AES256-SHA256", "ECDHE-RSA-AES128-SHA256",
                  "ECDHE-RSA-AES256-SHA", "ECDHE-RSA-CHACHA20-POLY1305", "DHE-RSA-AES128-GCM-SHA256"):
        done, _, out = s_client(port, "-tls1_2", "-cipher", suite)
        assert not done, (suite, out)
    # What a client gets without asking: TLS 1.3 with an AES-GCM suite.
    done, got, out = s_client(port)
    assert done and got in ("TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256"), out
    assert "Protocol version: TLSv1.3" in out
    done, _, out = s_client(port, "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256")
    assert not done, out
    # Nothing older than TLS 1.2.
    for old in ("-tls1", "-tls1_1"):
        done, _, out = s_client(port, old)
        assert not done, out


def test_hsts_when_serving_tls(pnetd_factory, tmp_path):
    import requests
    server, cert = tls_server(pnetd_factory, tmp_path)
    for path in ("/healthz", "/v1/no-such-thing", "/"):
        r = requests.get(f"https://127.0.0.1:{server.port}{path}", verify=str(cert), timeout=10)
        assert r.headers["Strict-Transport-Security"] == "max-age=31536000", (path, r.headers)
    other, cert = tls_server(pnetd_factory, tmp_path, "--hsts-max-age-s=300")
    r = requests.get(f"https://127.0.0.1:{other.port}/healthz", verify=str(cert), timeout=10)
    assert r.headers["Strict-Transport-Security"] == "max-age=300"
    off, cert = tls_server(pnetd_factory, tmp_path, "--hsts-max-age-s=0")
    r = requests.get(f"https://127.0.0.1:{off.port}/healthz", verify=str(cert), timeout=10)
    assert "Strict-Transport-Security" not in r.headers


def test_no_hsts_over_plain_http(api):
    assert "Strict-Transport-Security" not in api.get("/healthz").headers


def test_tls_bad_cipher_list_exit_1(pnetd_exe, database, tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=x", "-keyout", str(key), "-out", str(cert)],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    r = run_pnetd(pnetd_exe, "serve", f"--tls-cert={cert}", f"--tls-key={key}",
                  "--tls-ciphers=NO-SUCH-SUITE", f"--database={database}", "--port=0",
                  timeout=30)
    assert r.returncode == 1, r.stderr
    assert "tls-ciphers" in r.stdout + r.stderr
