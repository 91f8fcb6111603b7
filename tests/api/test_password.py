"""Passwords of one's own: POST /v1/me/password, and the change an admin's password forces
(a new account, a reset) before the session reaches anything else."""

import pytest

from checks import assert_problem, error_fields, new_login, snapshot
from harness import Api

START = "start-password-12"
OWN = "my-own-password-34"
NODE = "20000000-0000-4000-8000-000000000002"      # Jobcenter (demo)


def new_account(admin, **extra):
    body = {"login": new_login("pw"), "display_name": "Neue Fachkraft", "role": "caseworker",
            "node_id": NODE, "password": START, **extra}
    if body["role"] != "caseworker":
        del body["node_id"]
    r = admin.post("/v1/accounts", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def session(server, login, password):
    client = Api(server.base_url)
    client.login(login, password)
    return client


def change(client, current, new):
    return client.post("/v1/me/password", json={"current_password": current, "new_password": new})


def test_a_new_account_must_choose_its_password_first(demo, demo_pnetd, demo_db):
    admin = demo("admin")
    acc = new_account(admin)
    assert acc["must_change_password"] is True and acc["password_changed_at"]
    first = session(demo_pnetd, acc["login"], START)
    # Who am I and logging out work; nothing else does, whatever the route.
    me = first.get("/v1/me")
    assert me.status_code == 200 and me.json()["account"]["must_change_password"] is True
    for method, path in (("GET", "/v1/referrals?box=inbox"), ("GET", "/v1/cases"),
                         ("GET", "/v1/networks"), ("GET", "/v1/events"),
                         ("POST", "/v1/cases"), ("GET", "/v1/openapi.yaml")):
        r = first.request(method, path, **({"json": {}} if method == "POST" else {}))
        if path == "/v1/openapi.yaml":
            assert r.status_code == 200          # public: no token needed
            continue
        assert_problem(r, 403, "password-change-required")
    second = session(demo_pnetd, acc["login"], START)   # another tab, before the change

    r = change(first, START, OWN)
    assert r.status_code == 200, r.text
    assert r.headers["ETag"] == f'"{acc["version"] + 1}"'
    body = r.json()
    assert body["must_change_password"] is False and body["id"] == acc["id"]
    assert body["password_changed_at"] > acc["password_changed_at"]
    # This session goes on and reaches everything its role may; the other one has ended.
    assert first.get("/v1/referrals?box=inbox").status_code == 200
    assert_problem(second.get("/v1/me"), 401, "unauthorized")
    rows = demo_db.execute("SELECT account_id::text, detail FROM audit_log"
                           " WHERE action = 'account.password_change' AND object_id = %s",
                           (acc["id"],)).fetchall()
    assert rows == [(acc["id"], None)]
    # The start password is gone, the own one works.
    assert_problem(Api(demo_pnetd.base_url).post(
        "/v1/auth/login", json={"login": acc["login"], "password": START}, auth=False),
        401, "login-failed")
    session(demo_pnetd, acc["login"], OWN).post("/v1/auth/logout")


def test_logout_works_before_the_change(demo, demo_pnetd):
    acc = new_account(demo("admin"))
    client = session(demo_pnetd, acc["login"], START)
    assert client.post("/v1/auth/logout").status_code == 204
    assert_problem(client.get("/v1/me"), 401, "unauthorized")


@pytest.mark.parametrize("body,fields", [
    ({"current_password": "wrong-password-1", "new_password": OWN}, ["current_password"]),
    ({"current_password": START, "new_password": START}, ["new_password"]),
    ({"current_password": START, "new_password": "short-11chr"}, ["new_password"]),
    ({"current_password": START}, ["new_password"]),
    ({"new_password": OWN, "old": 1}, ["old", "current_password"]),
], ids=["wrong-current", "same-again", "too-short", "missing-new", "unknown-field"])
def test_refused_changes_change_nothing(demo, demo_pnetd, demo_db, body, fields):
    acc = new_account(demo("admin"))
    client = session(demo_pnetd, acc["login"], START)
    before = snapshot(demo_db, "account")
    r = client.post("/v1/me/password", json=body)
    assert error_fields(assert_problem(r, 422, "validation")) == fields
    assert snapshot(demo_db, "account") == before
    failures = demo_db.execute("SELECT count(*) FROM login_failure WHERE login = %s",
                               (acc["login"],)).fetchone()[0]
    # A wrong current password counts as a failed login (the throttle sees it).
    assert failures == (1 if fields == ["current_password"] and "old" not in body else 0)
    assert client.get("/v1/me").json()["account"]["must_change_password"] is True


def test_wrong_current_passwords_are_throttled(pnetd_factory, admin, db):
    """Checking the current password is a login attempt: counted before the check, held
    back by the same delays (docs/architecture.md, "Accounts and tokens")."""
    server = pnetd_factory("--login-free-failures=2")
    acc = new_account(admin, role="auditor")
    client = session(server, acc["login"], START)
    for _ in range(2):
        assert_problem(change(client, "wrong-password-1", OWN), 422, "validation")
    # As if the last failure were this moment (a loaded machine may take longer than 1 s).
    db.execute("UPDATE login_failure SET at = clock_timestamp() WHERE id ="
               " (SELECT max(id) FROM login_failure WHERE login = %s)", (acc["login"],))
    r = change(client, START, OWN)
    assert_problem(r, 429, "too-many-attempts")
    assert int(r.headers["Retry-After"]) == 1
    # Once the delay has passed, the right password changes it, and clears the failures.
    db.execute("UPDATE login_failure SET at = at - interval '2 seconds' WHERE login = %s",
               (acc["login"],))
    assert change(client, START, OWN).status_code == 200
    assert db.execute("SELECT count(*) FROM login_failure WHERE login = %s",
                      (acc["login"],)).fetchone()[0] == 0


def test_an_admins_reset_forces_a_change_again(demo, demo_pnetd, demo_db):
    admin = demo("admin")
    acc = new_account(admin)
    client = session(demo_pnetd, acc["login"], START)
    assert change(client, START, OWN).status_code == 200
    version = client.get("/v1/me").json()["account"]["version"]
    r = admin.patch(f"/v1/accounts/{acc['id']}", json={"password": "reset-by-admin-56"},
                    headers={"If-Match": f'"{version}"'})
    assert r.status_code == 200, r.text
    assert r.json()["must_change_password"] is True
    assert_problem(client.get("/v1/me"), 401, "unauthorized")    # sessions end with a reset
    again = session(demo_pnetd, acc["login"], "reset-by-admin-56")
    assert_problem(again.get("/v1/cases"), 403, "password-change-required")
    assert change(again, "reset-by-admin-56", "chosen-again-789").status_code == 200
    assert again.get("/v1/cases").status_code == 200


def test_an_admin_may_set_a_password_that_need_not_be_changed(demo, demo_pnetd):
    """For accounts of a program (an integration), or a person who chose it with the admin."""
    admin = demo("admin")
    acc = new_account(admin, must_change_password=False)
    assert acc["must_change_password"] is False
    assert session(demo_pnetd, acc["login"], START).get("/v1/cases").status_code == 200
    # Forcing a change later, without a new password.
    r = admin.patch(f"/v1/accounts/{acc['id']}", json={"must_change_password": True})
    assert r.status_code == 200 and r.json()["must_change_password"] is True
    assert_problem(session(demo_pnetd, acc["login"], START).get("/v1/cases"), 403,
                   "password-change-required")


def test_integration_tokens_are_not_held_back(demo):
    """The rule is about a person's sessions: an integration token acts by its scopes."""
    admin = demo("admin")
    acc = new_account(admin)
    token = admin.post(f"/v1/accounts/{acc['id']}/tokens",
                       json={"label": "Fachverfahren", "scopes": ["cases:read"]})
    assert token.status_code == 201, token.text
    client = demo(None).as_token(token.json()["token"])
    assert client.get("/v1/cases").status_code == 200
    # ... and cannot change a password: that needs a person's session.
    assert_problem(change(client, START, OWN), 403, "forbidden")


def test_an_admin_changing_their_own_password_is_not_asked_again(admin, pnetd):
    me = admin.get("/v1/me").json()["account"]
    login = new_login("adm")
    r = admin.post("/v1/accounts", json={"login": login, "display_name": "Zweite Verwaltung",
                                         "role": "admin", "password": START})
    assert r.status_code == 201, r.text
    other = session(pnetd, login, START)
    assert change(other, START, OWN).status_code == 200
    own = other.get("/v1/me").json()["account"]
    r = other.patch(f"/v1/accounts/{own['id']}", json={"password": "another-own-pw-9"})
    assert r.status_code == 200, r.text
    assert r.json()["must_change_password"] is False
    assert me["must_change_password"] is False


def test_without_a_token_401(demo):
    assert_problem(change(demo(None), START, OWN), 401, "unauthorized")
