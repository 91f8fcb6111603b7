"""Logging in and out, tokens, disabled accounts, login throttling."""

import re
import time

import psycopg
import pytest

from checks import assert_problem, new_login
from conftest import ADMIN_LOGIN, ADMIN_PASSWORD
from harness import Api, run_pnetd

PASSWORD = "correct-horse-battery"


def make_account(admin, role="admin", password=PASSWORD, **extra):
    body = {"login": new_login(), "display_name": "Auth test", "role": role,
            "password": password}
    body.update(extra)
    r = admin.post("/v1/accounts", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def login(api, login, password):
    return api.post("/v1/auth/login", json={"login": login, "password": password}, auth=False)


def test_login_ok(api, admin, db):
    acc = make_account(admin, role="auditor")
    r = login(api, acc["login"], PASSWORD)
    assert r.status_code == 201, r.text
    body = r.json()
    assert set(body) == {"token", "expires_at", "account"}
    assert re.fullmatch(r"pnet_[A-Za-z0-9_-]{43}", body["token"])
    assert body["account"]["id"] == acc["id"]
    assert body["account"]["login"] == acc["login"]
    assert body["account"]["role"] == "auditor"
    # An admin set the password: its owner must choose one (test_password.py).
    assert body["account"]["must_change_password"] is True
    assert PASSWORD not in r.text and "password_hash" not in r.text and "$scrypt$" not in r.text
    hours = db.execute("SELECT extract(epoch FROM %s::timestamptz - now()) / 3600",
                       (body["expires_at"],)).fetchone()[0]
    assert 11.9 < float(hours) <= 12
    rows = db.execute("SELECT action, account_id::text, object_type FROM audit_log"
                      " WHERE account_id = %s AND action = 'auth.login'", (acc["id"],)).fetchall()
    assert rows == [("auth.login", acc["id"], "api_token")]

    me = api.as_token(body["token"]).get("/v1/me")
    assert me.status_code == 200, me.text
    assert me.json()["account"]["id"] == acc["id"]
    assert me.json()["token"]["kind"] == "session"


def test_wrong_password_and_unknown_login_look_the_same(api, admin, db):
    acc = make_account(admin)
    wrong = login(api, acc["login"], "not-the-password")
    unknown = login(api, new_login("ghost"), PASSWORD)
    a = assert_problem(wrong, 401, "login-failed")
    b = assert_problem(unknown, 401, "login-failed")
    for body in (a, b):
        del body["request_id"]
    assert a == b
    assert db.execute("SELECT count(*) FROM audit_log WHERE action = 'auth.login_failed'"
                      " AND account_id = %s", (acc["id"],)).fetchone()[0] == 1


@pytest.mark.parametrize("body", [{}, {"login": "x"}, {"login": "x", "password": ""},
                                  {"login": 5, "password": "x"},
                                  {"login": "x", "password": "y", "otp": "1"}])
def test_login_bad_requests_are_400(api, body):
    r = api.post("/v1/auth/login", json=body)
    assert_problem(r, 400, "validation")


def test_no_token_or_bad_token_is_401(api):
    r = api.get("/v1/me")
    assert_problem(r, 401, "unauthorized")
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    r = api.get("/v1/me", headers={"Authorization": "Bearer pnet_nonsense"})
    assert_problem(r, 401, "unauthorized")
    r = api.get("/v1/me", headers={"Authorization": "Basic YWRtaW46eA=="})
    assert_problem(r, 401, "unauthorized")


def test_logout_ends_the_token(api, admin, db):
    acc = make_account(admin)
    token = login(api, acc["login"], PASSWORD).json()["token"]
    other = login(api, acc["login"], PASSWORD).json()["token"]
    client = api.as_token(token)
    assert client.get("/v1/me").status_code == 200
    r = client.post("/v1/auth/logout")
    assert r.status_code == 204 and r.content == b""
    assert_problem(client.get("/v1/me"), 401, "unauthorized")
    assert_problem(client.post("/v1/auth/logout"), 401, "unauthorized")
    # Only that token: the other session goes on.
    assert api.as_token(other).get("/v1/me").status_code == 200
    assert db.execute("SELECT count(*) FROM audit_log WHERE action = 'auth.logout'"
                      " AND account_id = %s", (acc["id"],)).fetchone()[0] == 1


def test_disabled_account_token_stops_and_login_fails(api, admin):
    acc = make_account(admin, role="auditor")
    client = api.as_token(login(api, acc["login"], PASSWORD).json()["token"])
    assert client.get("/v1/me").status_code == 200
    r = admin.patch(f"/v1/accounts/{acc['id']}", json={"disabled": True})
    assert r.status_code == 200 and r.json()["disabled"] is True
    assert_problem(client.get("/v1/me"), 401, "unauthorized")
    assert_problem(login(api, acc["login"], PASSWORD), 401, "login-failed")
    # Enabled again, the old session works again (it was never revoked) and login works.
    assert admin.patch(f"/v1/accounts/{acc['id']}", json={"disabled": False}).status_code == 200
    assert client.get("/v1/me").status_code == 200
    assert login(api, acc["login"], PASSWORD).status_code == 201


def test_password_change_ends_sessions(api, admin):
    acc = make_account(admin, role="auditor")
    client = api.as_token(login(api, acc["login"], PASSWORD).json()["token"])
    r = admin.patch(f"/v1/accounts/{acc['id']}", json={"password": "another-long-password"})
    assert r.status_code == 200, r.text
    assert_problem(client.get("/v1/me"), 401, "unauthorized")
    assert_problem(login(api, acc["login"], PASSWORD), 401, "login-failed")
    assert login(api, acc["login"], "another-long-password").status_code == 201


def test_stored_secrets(api, admin, db):
    acc = make_account(admin)
    stored = db.execute("SELECT password_hash FROM account WHERE id = %s",
                        (acc["id"],)).fetchone()[0]
    assert stored.startswith("$scrypt$ln=17,r=8,p=1$"), stored
    salt = stored.split("$")[3]
    assert len(salt) >= 22  # 16 bytes, base64
    assert PASSWORD not in stored
    token = login(api, acc["login"], PASSWORD).json()["token"]
    rows = db.execute("SELECT t::text, token_hash FROM api_token t WHERE account_id = %s",
                      (acc["id"],)).fetchall()
    assert len(rows) == 1
    assert re.fullmatch(r"[0-9a-f]{64}", rows[0][1])
    assert token not in rows[0][0] and token[5:] not in rows[0][0]
    import hashlib
    assert rows[0][1] == hashlib.sha256(token.encode()).hexdigest()



# -- kept token checks (server/token_cache.h): revocation stays immediate

def superuser_db(pg_superuser, database):
    """A connection as superuser to the test database (to change rows with triggers off)."""
    dbname = psycopg.conninfo.conninfo_to_dict(database)["dbname"]
    return psycopg.connect(psycopg.conninfo.make_conninfo(dbname=dbname, **pg_superuser),
                           autocommit=True)


def revoke_unnoticed(su, token):
    """Revokes token with the triggers off: nothing is notified on pnet_auth."""
    import hashlib
    with su.transaction():
        su.execute("SET LOCAL session_replication_role = replica")
        su.execute("UPDATE api_token SET revoked_at = now() WHERE token_hash = %s",
                   (hashlib.sha256(token.encode()).hexdigest(),))


def auth_notifications(api):
    m = re.search(r"^pnet_auth_notifications_total (\d+)$", api.get("/metrics", auth=False).text,
                  re.M)
    return int(m.group(1))


def settled_notifications(api, quiet=0.2, timeout=5):
    """auth_notifications once no notification came for `quiet` seconds: those of changes
    made before are counted, so that wait_notified waits for the next change's own."""
    deadline = time.monotonic() + timeout
    last = auth_notifications(api)
    while True:
        time.sleep(quiet)
        now = auth_notifications(api)
        if now == last or time.monotonic() > deadline:
            return now
        last = now


def wait_cache_active(api, timeout=15):
    """Until the pnetd keeps token checks (its listener listens; it may connect after
    /healthz answers)."""
    deadline = time.monotonic() + timeout
    while not re.search(r"^pnet_token_cache_active 1$", api.get("/metrics", auth=False).text,
                        re.M):
        assert time.monotonic() < deadline, "the token cache never became active"
        time.sleep(0.05)


def wait_notified(api, seen, timeout=5):
    deadline = time.monotonic() + timeout
    while auth_notifications(api) <= seen:
        assert time.monotonic() < deadline, "pnet_auth was not notified"
        time.sleep(0.01)


def test_a_kept_token_check_is_dropped_when_pnet_auth_is_notified(pnetd_factory, admin,
                                                                  pg_superuser, database):
    """One worker keeps the check of a token: revoked behind its back (no notification) the
    token still passes there, which shows the check is kept; any change that notifies
    pnet_auth, made by anyone (here psql), drops it: once the listener has the notification
    (another process's commit reaches it a moment later), the very next request fails."""
    server = pnetd_factory("--workers=1")
    api = Api(server.base_url)
    wait_cache_active(api)
    acc = make_account(admin, role="auditor")
    token = login(api, acc["login"], PASSWORD).json()["token"]
    client = api.as_token(token)
    assert client.get("/v1/me").status_code == 200
    with superuser_db(pg_superuser, database) as su:
        revoke_unnoticed(su, token)
        assert client.get("/v1/me").status_code == 200  # kept
        # Another token of someone else changes, as any pnetd or psql would change it.
        other = make_account(admin, role="auditor")
        login(api, other["login"], PASSWORD)
        seen = settled_notifications(api)
        su.execute("UPDATE api_token SET revoked_at = now() WHERE account_id = %s",
                   (other["id"],))
    wait_notified(api, seen)
    assert_problem(client.get("/v1/me"), 401, "unauthorized")


def test_a_stale_token_check_is_never_kept_after_a_lost_listener(pnetd_factory, admin,
                                                                 pg_superuser, database):
    """While the listener is away a notification could be missed: whatever was kept before is
    forgotten, so a token revoked meanwhile fails at once."""
    server = pnetd_factory("--workers=1")
    api = Api(server.base_url)
    wait_cache_active(api)
    acc = make_account(admin, role="auditor")
    token = login(api, acc["login"], PASSWORD).json()["token"]
    client = api.as_token(token)
    assert client.get("/v1/me").status_code == 200
    with superuser_db(pg_superuser, database) as su:
        su.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                   " WHERE application_name = 'pnetd-listen' AND datname = current_database()")
        revoke_unnoticed(su, token)
    server.wait_for_log(lambda rec: rec.get("msg") == "event listener: ready again", timeout=15)
    assert_problem(client.get("/v1/me"), 401, "unauthorized")


@pytest.mark.parametrize("how", ["logout", "disable", "password", "token-delete"])
def test_revocation_on_one_pnetd_is_immediate_on_another(pnetd_factory, pnetd, admin, how):
    """Two pnetd on one database: a token B has checked (and kept) fails on B on the very next
    request after A revoked it, however it was revoked."""
    b = Api(pnetd_factory().base_url)
    a = Api(pnetd.base_url)
    wait_cache_active(b)
    acc = make_account(admin, role="auditor")
    if how == "token-delete":
        r = admin.post(f"/v1/accounts/{acc['id']}/tokens",
                       json={"label": "kept", "scopes": ["directory:read"]})
        assert r.status_code == 201, r.text
        token, token_id = r.json()["token"], r.json()["id"]
        path = "/v1/nodes"
    else:
        token = login(a, acc["login"], PASSWORD).json()["token"]
        path = "/v1/me"
    on_b = b.as_token(token)
    for _ in range(8):  # every worker of B has kept it
        assert on_b.get(path).status_code == 200
    seen = auth_notifications(b)
    if how == "logout":
        assert a.as_token(token).post("/v1/auth/logout").status_code == 204
    elif how == "disable":
        assert admin.patch(f"/v1/accounts/{acc['id']}", json={"disabled": True}).status_code == 200
    elif how == "password":
        r = admin.patch(f"/v1/accounts/{acc['id']}", json={"password": "another-long-password"})
        assert r.status_code == 200, r.text
    else:
        r = admin.delete(f"/v1/tokens/{token_id}")
        assert r.status_code in (200, 204), r.text
    # Across processes the change takes effect when B's listener has the notification (a
    # fraction of a millisecond when idle; docs/architecture.md, "Accounts and tokens"): wait
    # for that, without any request meanwhile, then the very next request fails.
    wait_notified(b, seen)
    assert_problem(on_b.get(path), 401, "unauthorized")
    if how == "disable":
        # Enabled again, the session works again on B too (the change is notified as well).
        seen = auth_notifications(b)
        assert admin.patch(f"/v1/accounts/{acc['id']}",
                           json={"disabled": False}).status_code == 200
        wait_notified(b, seen)
        assert on_b.get(path).status_code == 200


# -- throttling, on a database of its own (the per-address count is shared by all tests)

@pytest.fixture
def fresh(pnetd_exe, database_factory, pnetd_factory):
    """make(*args) -> (server, admin client) on a new database; cheap scrypt for speed."""
    def make(*args):
        database = database_factory()
        r = run_pnetd(pnetd_exe, "create-admin", "--login", ADMIN_LOGIN, "--password-stdin",
                      "--scrypt-log-n=10", f"--database={database}", input=ADMIN_PASSWORD + "\n")
        assert r.returncode == 0, r.stderr
        server = pnetd_factory("--scrypt-log-n=10", *args, database=database)
        admin = Api(server.base_url)
        admin.login(ADMIN_LOGIN, ADMIN_PASSWORD)
        return server, admin, database
    return make


def login_from(api, addr, login_name, password):
    """A login as if from addr (pnetd started with --trust-proxy)."""
    return api.post("/v1/auth/login", json={"login": login_name, "password": password},
                    headers={"X-Forwarded-For": addr}, auth=False)


def failures(database, login_name):
    with psycopg.connect(database) as db:
        return db.execute("SELECT count(*) FROM login_failure WHERE login = %s",
                          (login_name,)).fetchone()[0]


def last_failure_now(db, login_name):
    """As if the login's last failure had happened this moment (a loaded machine may take
    longer than the shortest delay between two requests of a test)."""
    db.execute("UPDATE login_failure SET at = clock_timestamp() WHERE id ="
               " (SELECT max(id) FROM login_failure WHERE login = %s)", (login_name,))


def test_parallel_wrong_passwords_are_counted_before_the_check(fresh):
    """Every attempt is counted (as a failure) before its password is checked, under a lock:
    forty at once cannot all read the same count and all be checked."""
    import concurrent.futures

    server, admin, database = fresh("--login-free-failures=5")
    victim = make_account(admin)

    def attempt(_):
        client = Api(server.base_url)
        try:
            return login(client, victim["login"], "wrong-password")
        finally:
            client.close()

    with concurrent.futures.ThreadPoolExecutor(max_workers=40) as pool:
        answers = list(pool.map(attempt, range(40)))
    statuses = sorted(a.status_code for a in answers)
    assert statuses.count(401) == 5, statuses
    assert statuses.count(429) == 35, statuses
    throttled = [a for a in answers if a.status_code == 429]
    assert_problem(throttled[0], 429, "too-many-attempts")
    assert failures(database, victim["login"]) == 5
    # The right password waits its turn like a wrong one.
    with psycopg.connect(database, autocommit=True) as db:
        last_failure_now(db, victim["login"])
    assert_problem(login(Api(server.base_url), victim["login"], PASSWORD), 429,
                   "too-many-attempts")


def test_delays_grow_per_login_and_address(fresh):
    server, admin, database = fresh("--login-free-failures=2", "--login-max-delay-s=4")
    acc = make_account(admin)
    api = Api(server.base_url)
    for _ in range(2):
        assert_problem(login(api, acc["login"], "wrong-password"), 401, "login-failed")
    with psycopg.connect(database, autocommit=True) as db:
        for expected in (1, 2, 4, 4):  # doubling from 1 s, at most --login-max-delay-s
            last_failure_now(db, acc["login"])
            r = login(api, acc["login"], "wrong-password")
            body = assert_problem(r, 429, "too-many-attempts")
            assert int(r.headers["Retry-After"]) == expected, (expected, r.headers)
            assert "from your address" in body["detail"]
            # Held back, nothing was counted; once the delay has passed, one more attempt.
            db.execute("UPDATE login_failure SET at = at - make_interval(secs => %s)"
                       " WHERE login = %s", (expected, acc["login"]))
            assert_problem(login(api, acc["login"], "wrong-password"), 401, "login-failed")
        assert failures(database, acc["login"]) == 6
        # A failure that left the window no longer counts.
        db.execute("UPDATE login_failure SET at = at - interval '61 minutes' WHERE login = %s",
                   (acc["login"],))
    assert login(api, acc["login"], PASSWORD).status_code == 201


def test_success_clears_the_failures_of_that_address(fresh):
    server, admin, database = fresh("--login-free-failures=3")
    acc = make_account(admin)
    api = Api(server.base_url)
    for _ in range(2):
        for _ in range(2):
            assert login(api, acc["login"], "wrong-password").status_code == 401
        assert login(api, acc["login"], PASSWORD).status_code == 201
        assert failures(database, acc["login"]) == 0


def test_a_stranger_cannot_lock_the_rightful_user_out(fresh):
    """Failures from many addresses bound a login for addresses it never logged in from; the
    address its owner logs in from stays open (only its own delays apply there)."""
    server, admin, database = fresh("--trust-proxy", "--login-max-failures=10")
    user = make_account(admin)
    api = Api(server.base_url)
    assert login_from(api, "198.51.100.7", user["login"], PASSWORD).status_code == 201
    for i in range(10):
        r = login_from(api, f"203.0.113.{i + 1}", user["login"], "guess-%d" % i)
        assert_problem(r, 401, "login-failed")
    r = login_from(api, "203.0.113.99", user["login"], "guess-x")
    body = assert_problem(r, 429, "too-many-attempts")
    assert "for this login" in body["detail"] and "address" not in body["detail"]
    assert 59 * 60 < int(r.headers["Retry-After"]) <= 60 * 60
    # The bound holds for the owner too, from an address the login was never used from ...
    assert_problem(login_from(api, "198.51.100.8", user["login"], PASSWORD), 429,
                   "too-many-attempts")
    # ... but not from the address the owner logs in from.
    assert login_from(api, "198.51.100.7", user["login"], PASSWORD).status_code == 201
    assert failures(database, user["login"]) == 10


def test_one_address_does_not_lock_an_agency_out(fresh):
    """Failures from one address (an agency's NAT) bound the logins never used there; a
    colleague who logs in there keeps logging in."""
    server, admin, _ = fresh("--trust-proxy", "--login-max-failures-per-addr=5")
    colleague = make_account(admin)
    newcomer = make_account(admin)
    api = Api(server.base_url)
    nat = "192.0.2.10"
    assert login_from(api, nat, colleague["login"], PASSWORD).status_code == 201
    for _ in range(5):
        assert login_from(api, nat, new_login("nobody"), "wrong-password").status_code == 401
    r = login_from(api, nat, newcomer["login"], PASSWORD)
    body = assert_problem(r, 429, "too-many-attempts")
    assert "from your address" in body["detail"] and "this login" not in body["detail"]
    assert int(r.headers["Retry-After"]) > 0
    assert login_from(api, nat, colleague["login"], PASSWORD).status_code == 201
    # The newcomer from another address is not affected.
    assert login_from(api, "192.0.2.11", newcomer["login"], PASSWORD).status_code == 201


def test_a_throttled_attempt_records_nothing(fresh):
    server, admin, database = fresh("--login-free-failures=1", "--login-max-delay-s=600")
    acc = make_account(admin)
    api = Api(server.base_url)
    assert login(api, acc["login"], "wrong-password").status_code == 401
    # Nine more failures from here (as if made before): the next attempt waits 2^9 s.
    with psycopg.connect(database, autocommit=True) as db:
        db.execute("INSERT INTO login_failure (login, client_addr, at)"
                   " SELECT login, client_addr, clock_timestamp() FROM login_failure"
                   " CROSS JOIN generate_series(1, 9) WHERE login = %s", (acc["login"],))
    for _ in range(5):
        r = login(api, acc["login"], "wrong-password")
        assert_problem(r, 429, "too-many-attempts")
        assert 500 < int(r.headers["Retry-After"]) <= 512
    assert failures(database, acc["login"]) == 10


def test_per_address_limit(fresh):
    server, admin, _ = fresh("--login-max-failures-per-addr=5")
    good = make_account(admin)
    api = Api(server.base_url)
    for i in range(5):
        assert login(api, new_login("nobody"), "wrong-password").status_code == 401
    # good never logged in from this address: held back with the others.
    r = login(api, good["login"], PASSWORD)
    body = assert_problem(r, 429, "too-many-attempts")
    assert "address" in body["detail"]
    assert int(r.headers["Retry-After"]) > 0


def test_login_is_not_slowed_by_other_requests(api, admin):
    """Password checks run on the job threads: the loop keeps answering meanwhile."""
    import threading
    acc = make_account(admin)
    results = []
    t = threading.Thread(target=lambda: results.append(login(Api(api.base_url), acc["login"],
                                                             PASSWORD).status_code))
    t.start()
    started = time.monotonic()
    while t.is_alive():
        assert api.get("/healthz").status_code == 200
    t.join()
    assert results == [201]
    assert time.monotonic() - started < 30


def test_a_login_flood_is_refused_once_the_hashing_queue_is_full(pnetd_factory, admin):
    """Password checks are slow on purpose; beyond --login-queue-max waiting checks, logins
    answer 503 at once instead of queueing without end."""
    import concurrent.futures

    import requests

    server = pnetd_factory("--login-queue-max=1", "--workers=1")

    def attempt(i):
        return requests.post(server.url("/v1/auth/login"),
                             json={"login": f"flood{i}", "password": "wrong-password-x"}, timeout=60)

    with concurrent.futures.ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(attempt, range(12)))
    statuses = sorted(a.status_code for a in answers)
    assert set(statuses) <= {401, 503}, statuses
    busy = [a for a in answers if a.status_code == 503]
    assert busy, "no login was refused although the queue holds one check"
    assert busy[0].headers["Retry-After"] == "1"
    assert busy[0].json()["type"] == "/problems/busy"
    assert 401 in statuses
