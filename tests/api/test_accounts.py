"""Accounts and integration tokens (admin only), and the audit rows of every write."""

import uuid

import psycopg
import pytest

from checks import assert_problem, error_fields, new_login, snapshot

NODE = "20000000-0000-4000-8000-000000000002"      # Jobcenter (demo)
NETWORK = "40000000-0000-4000-8000-000000000001"   # Neustadt (demo)
PASSWORD = "twelve-chars-ok"


def body(**extra):
    b = {"login": new_login(), "display_name": "Account test", "role": "auditor",
         "password": PASSWORD}
    b.update(extra)
    return b


def create(admin, **extra):
    r = admin.post("/v1/accounts", json=body(**extra))
    assert r.status_code == 201, r.text
    return r


def audit_rows(db, action, object_id):
    return db.execute("SELECT account_id::text, action, object_type, request_id, detail"
                      " FROM audit_log WHERE action = %s AND object_id = %s ORDER BY id",
                      (action, object_id)).fetchall()


def test_create(demo, demo_db):
    admin = demo("admin")
    b = body(role="caseworker", node_id=NODE, display_name="Frau Müller")
    r = admin.post("/v1/accounts", json=b, headers={"X-Request-Id": "create-1"})
    assert r.status_code == 201, r.text
    acc = r.json()
    assert r.headers["Location"] == f"/v1/accounts/{acc['id']}"
    assert r.headers["ETag"] == '"1"'
    assert {k: acc[k] for k in ("login", "display_name", "role", "node_id", "network_ids",
                                "disabled", "version")} == {
        "login": b["login"], "display_name": "Frau Müller", "role": "caseworker",
        "node_id": NODE, "network_ids": [], "disabled": False, "version": 1}
    assert "password" not in acc and "password_hash" not in acc
    rows = audit_rows(demo_db, "account.create", acc["id"])
    assert len(rows) == 1
    assert rows[0][0] == "60000000-0000-4000-8000-000000000001"
    assert rows[0][3] == "create-1"
    assert rows[0][4] == {"login": b["login"], "role": "caseworker"}
    got = admin.get(f"/v1/accounts/{acc['id']}")
    assert got.status_code == 200 and got.json() == acc and got.headers["ETag"] == '"1"'


def test_coordinator_with_networks(demo):
    acc = create(demo("admin"), role="coordinator", network_ids=[NETWORK]).json()
    assert acc["network_ids"] == [NETWORK]


@pytest.mark.parametrize("extra,fields,status", [
    ({"password": "short-11chr"}, ["password"], 422),
    ({"role": "caseworker"}, ["node_id"], 422),
    ({"role": "auditor", "node_id": NODE}, ["node_id"], 422),
    ({"role": "admin", "network_ids": [NETWORK]}, ["network_ids"], 422),
    ({"role": "boss"}, ["role"], 422),
    ({"login": "A!"}, ["login"], 422),
    ({"role": "caseworker", "node_id": str(uuid.uuid4())}, ["node_id"], 422),
    ({"role": "coordinator", "network_ids": [str(uuid.uuid4())]}, ["network_ids"], 422),
    ({"display_name": ""}, ["display_name"], 422),
], ids=["short-password", "caseworker-no-node", "auditor-node", "admin-networks", "bad-role",
        "bad-login", "unknown-node", "unknown-network", "empty-name"])
def test_create_invalid_writes_nothing(demo, demo_db, extra, fields, status):
    before = snapshot(demo_db, "account")
    audit = demo_db.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    r = demo("admin").post("/v1/accounts", json=body(**extra))
    b = assert_problem(r, status)
    assert error_fields(b) == fields, b
    assert snapshot(demo_db, "account") == before
    assert demo_db.execute("SELECT count(*) FROM audit_log").fetchone()[0] == audit


def test_create_missing_fields(demo, demo_db):
    before = snapshot(demo_db, "account")
    r = demo("admin").post("/v1/accounts", json={"login": new_login()})
    b = assert_problem(r, 422, "validation")
    assert set(error_fields(b)) == {"display_name", "role", "password"}
    assert snapshot(demo_db, "account") == before


def test_duplicate_login_is_409(demo, demo_db):
    admin = demo("admin")
    first = create(admin).json()
    before = snapshot(demo_db, "account")
    r = admin.post("/v1/accounts", json=body(login=first["login"]))
    assert error_fields(assert_problem(r, 409, "conflict")) == ["login"]
    assert snapshot(demo_db, "account") == before


def test_list_walks_every_account_once_in_login_order(demo, demo_db):
    admin = demo("admin")
    create(admin)
    expected = [row[0] for row in demo_db.execute(
        "SELECT login FROM account ORDER BY login, id").fetchall()]
    seen, url = [], "/v1/accounts?limit=1"
    for _ in range(len(expected) + 2):
        r = admin.get(url)
        assert r.status_code == 200, r.text
        page = r.json()
        assert len(page["items"]) <= 1
        seen += [a["login"] for a in page["items"]]
        if not page.get("next"):
            break
        url = f"/v1/accounts?limit=1&after={page['next']}"
    assert seen == expected
    everything = admin.get("/v1/accounts?limit=500").json()
    assert [a["login"] for a in everything["items"]] == expected
    assert not everything.get("next")


def test_list_role_filter(demo, demo_db):
    r = demo("admin").get("/v1/accounts", params={"role": "caseworker", "limit": 500})
    assert r.status_code == 200
    logins = [a["login"] for a in r.json()["items"]]
    assert logins == [x[0] for x in demo_db.execute(
        "SELECT login FROM account WHERE role = 'caseworker' ORDER BY login, id")]
    assert_problem(demo("admin").get("/v1/accounts?role=boss"), 400, "bad-query")


@pytest.mark.parametrize("query,field", [
    ("limit=0", "limit"), ("limit=501", "limit"), ("limit=abc", "limit"), ("limit=", "limit"),
    ("after=garbage!", "after"), ("after=bm90LWEtY3Vyc29y", "after"), ("colour=red", "colour"),
])
def test_list_bad_query_is_400(demo, query, field):
    r = demo("admin").get(f"/v1/accounts?{query}")
    assert error_fields(assert_problem(r, 400, "bad-query")) == [field]


def test_get_unknown_is_404(demo):
    admin = demo("admin")
    assert_problem(admin.get(f"/v1/accounts/{uuid.uuid4()}"), 404, "not-found")
    assert_problem(admin.get("/v1/accounts/12345"), 404, "not-found")


def test_patch_versions(demo, demo_db):
    admin = demo("admin")
    acc = create(admin).json()
    url = f"/v1/accounts/{acc['id']}"
    r = admin.patch(url, json={"display_name": "Renamed"}, headers={"If-Match": '"1"'})
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 2 and r.json()["display_name"] == "Renamed"
    assert r.headers["ETag"] == '"2"'
    before = snapshot(demo_db, "account")
    r = admin.patch(url, json={"display_name": "Stale"}, headers={"If-Match": '"1"'})
    assert_problem(r, 412, "stale")
    assert snapshot(demo_db, "account") == before
    r = admin.patch(url, json={"display_name": "Bad"}, headers={"If-Match": "1"})
    assert_problem(r, 400, "bad-if-match")
    r = admin.patch(url, json={"display_name": "No If-Match"})
    assert r.status_code == 200 and r.json()["version"] == 3
    rows = audit_rows(demo_db, "account.update", acc["id"])
    assert [row[4]["fields"] for row in rows] == [["display_name"], ["display_name"]]
    assert admin.get(url).json()["display_name"] == "No If-Match"


def test_patch_role_and_node(demo, demo_db):
    admin = demo("admin")
    acc = create(admin).json()
    url = f"/v1/accounts/{acc['id']}"
    before = snapshot(demo_db, "account")
    r = admin.patch(url, json={"role": "caseworker"})
    assert error_fields(assert_problem(r, 422, "validation")) == ["node_id"]
    assert snapshot(demo_db, "account") == before
    r = admin.patch(url, json={"role": "caseworker", "node_id": NODE})
    assert r.status_code == 200 and r.json()["node_id"] == NODE
    r = admin.patch(url, json={"role": "coordinator", "node_id": None, "network_ids": [NETWORK]})
    assert r.status_code == 200, r.text
    assert r.json()["network_ids"] == [NETWORK] and r.json()["node_id"] is None


@pytest.mark.parametrize("patch,fields", [
    ({}, ["body"]), ({"login": "renamed"}, ["login"]), ({"disabled": "yes"}, ["disabled"]),
    ({"password": "short"}, ["password"]),
])
def test_patch_invalid(demo, demo_db, patch, fields):
    acc = create(demo("admin")).json()
    before = snapshot(demo_db, "account")
    r = demo("admin").patch(f"/v1/accounts/{acc['id']}", json=patch)
    assert error_fields(assert_problem(r, 422, "validation")) == fields
    assert snapshot(demo_db, "account") == before


def test_patch_unknown_is_404(demo):
    r = demo("admin").patch(f"/v1/accounts/{uuid.uuid4()}", json={"display_name": "x"})
    assert_problem(r, 404, "not-found")


def test_admin_cannot_lock_themselves_out(demo, demo_db):
    admin = demo("admin")
    me = admin.get("/v1/me").json()["account"]
    before = snapshot(demo_db, "account")
    for patch in ({"disabled": True}, {"role": "auditor"}):
        r = admin.patch(f"/v1/accounts/{me['id']}", json=patch)
        assert_problem(r, 409, "self-lockout")
    assert snapshot(demo_db, "account") == before
    r = admin.patch(f"/v1/accounts/{me['id']}", json={"display_name": me["display_name"]})
    assert r.status_code == 200


ACCOUNT_ROUTES = [
    ("POST", "/v1/accounts", body()),
    ("GET", "/v1/accounts", None),
    ("GET", "/v1/accounts/60000000-0000-4000-8000-000000000007", None),
    ("PATCH", "/v1/accounts/60000000-0000-4000-8000-000000000007", {"display_name": "x"}),
    ("POST", "/v1/accounts/60000000-0000-4000-8000-000000000003/tokens",
     {"label": "x", "scopes": ["cases:read"]}),
    ("GET", "/v1/accounts/60000000-0000-4000-8000-000000000003/tokens", None),
]


# Auditors read accounts (who may do what is part of what they check); they change nothing.
READ_ROUTES = {1, 2}


@pytest.mark.parametrize("who", ["koordination", "jobcenter", "auditor"])
def test_other_roles_get_403(demo, demo_db, who):
    client = demo(who)
    before = snapshot(demo_db, "account")
    tokens = demo_db.execute("SELECT id, revoked_at FROM api_token ORDER BY id").fetchall()
    for i, (method, path, payload) in enumerate(ACCOUNT_ROUTES):
        kw = {"json": payload} if payload is not None else {}
        r = client.request(method, path, **kw)
        if who == "auditor" and i in READ_ROUTES:
            assert r.status_code == 200, (path, r.text)
        else:
            assert_problem(r, 403, "forbidden")
    assert snapshot(demo_db, "account") == before
    assert demo_db.execute("SELECT id, revoked_at FROM api_token ORDER BY id").fetchall() == tokens


def test_no_token_gets_401(demo):
    for method, path, payload in ACCOUNT_ROUTES + [("DELETE", f"/v1/tokens/{uuid.uuid4()}", None)]:
        kw = {"json": payload} if payload is not None else {}
        r = demo(None).request(method, path, **kw)
        assert_problem(r, 401, "unauthorized")
        assert r.headers["WWW-Authenticate"] == 'Bearer realm="pnet"'


def test_integration_tokens(demo, demo_db):
    admin = demo("admin")
    acc = create(admin, role="caseworker", node_id=NODE).json()
    r = admin.post(f"/v1/accounts/{acc['id']}/tokens",
                   json={"label": "Fachverfahren", "scopes": ["cases:read", "referrals:read"],
                         "expires_in_days": 30})
    assert r.status_code == 201, r.text
    tok = r.json()
    token = tok["token"]
    assert token.startswith("pnet_") and tok["kind"] == "integration"
    assert tok["scopes"] == ["cases:read", "referrals:read"] and tok["account_id"] == acc["id"]
    stored = demo_db.execute("SELECT t::text FROM api_token t WHERE id = %s",
                             (tok["id"],)).fetchone()[0]
    assert token not in stored
    assert len(audit_rows(demo_db, "token.create", tok["id"])) == 1

    client = demo(None).as_token(token)
    me = client.get("/v1/me")
    assert me.status_code == 200, me.text
    assert me.json()["account"]["id"] == acc["id"] and me.json()["token"]["kind"] == "integration"
    # Account routes are admin-only, and this account is not an admin anyway.
    assert_problem(client.get("/v1/accounts"), 403)

    listing = admin.get(f"/v1/accounts/{acc['id']}/tokens")
    assert listing.status_code == 200
    items = listing.json()["items"]
    assert [t["id"] for t in items] == [tok["id"]]
    assert "token" not in items[0] and "token_hash" not in items[0]
    assert token not in listing.text
    hash_ = demo_db.execute("SELECT token_hash FROM api_token WHERE id = %s",
                            (tok["id"],)).fetchone()[0]
    assert hash_ not in listing.text

    r = admin.delete(f"/v1/tokens/{tok['id']}")
    assert r.status_code == 204
    assert_problem(client.get("/v1/me"), 401, "unauthorized")
    assert len(audit_rows(demo_db, "token.revoke", tok["id"])) == 1
    assert_problem(admin.get(f"/v1/accounts/{uuid.uuid4()}/tokens"), 404, "not-found")
    assert_problem(admin.delete(f"/v1/tokens/{uuid.uuid4()}"), 404, "not-found")


def test_integration_token_scope(demo, demo_db):
    """A token without the route's scope gets 403 insufficient-scope on a scoped route."""
    admin = demo("admin")
    acc = create(admin, role="caseworker", node_id=NODE).json()
    token = admin.post(f"/v1/accounts/{acc['id']}/tokens",
                       json={"label": "x", "scopes": ["cases:read"]}).json()["token"]
    client = demo(None).as_token(token)
    assert_problem(client.get("/v1/referrals?box=inbox"), 403, "insufficient-scope")
    assert client.get("/v1/cases").status_code == 200
    # Integration tokens may not log out or manage tokens (no scope on those routes).
    assert_problem(client.post("/v1/auth/logout"), 403, "forbidden")
    assert_problem(client.delete(f"/v1/tokens/{uuid.uuid4()}"), 403, "forbidden")


def test_token_create_invalid(demo, demo_db):
    admin = demo("admin")
    auditor = create(admin).json()
    caseworker = create(admin, role="caseworker", node_id=NODE).json()
    before = snapshot(demo_db, "api_token")
    r = admin.post(f"/v1/accounts/{auditor['id']}/tokens", json={"label": "x", "scopes": ["cases:read"]})
    assert error_fields(assert_problem(r, 422, "validation")) == ["scopes[0]"]
    r = admin.post(f"/v1/accounts/{caseworker['id']}/tokens",
                   json={"label": "x", "scopes": ["cases:read", "stats:read", "audit:read"]})
    assert error_fields(assert_problem(r, 422, "validation")) == ["scopes[1]", "scopes[2]"]
    admin_id = admin.get("/v1/me").json()["account"]["id"]
    r = admin.post(f"/v1/accounts/{admin_id}/tokens", json={"label": "x", "scopes": ["stats:read"]})
    assert error_fields(assert_problem(r, 422, "validation")) == ["account_id"]
    r = admin.post(f"/v1/accounts/{caseworker['id']}/tokens", json={"label": "x", "scopes": ["root"]})
    assert error_fields(assert_problem(r, 422, "validation")) == ["scopes[0]"]
    r = admin.post(f"/v1/accounts/{caseworker['id']}/tokens", json={"scopes": []})
    assert set(error_fields(assert_problem(r, 422, "validation"))) == {"label", "scopes"}
    r = admin.post(f"/v1/accounts/{uuid.uuid4()}/tokens", json={"label": "x", "scopes": ["cases:read"]})
    assert_problem(r, 404, "not-found")
    assert snapshot(demo_db, "api_token") == before


def test_users_revoke_only_their_own_tokens(demo, demo_db):
    admin = demo("admin")
    acc = create(admin, role="caseworker", node_id=NODE).json()
    tok = admin.post(f"/v1/accounts/{acc['id']}/tokens",
                     json={"label": "x", "scopes": ["cases:read"]}).json()
    # Another caseworker cannot see it: 404 like a token that does not exist.
    assert_problem(demo("jugendamt").delete(f"/v1/tokens/{tok['id']}"), 404, "not-found")
    assert demo_db.execute("SELECT revoked_at FROM api_token WHERE id = %s",
                           (tok["id"],)).fetchone()[0] is None


def test_audit_log_is_append_only(demo_db):
    demo_db.execute("SELECT audit(NULL, NULL, 'test.append', NULL, NULL, 'r', 'c')")
    for stmt in ("UPDATE audit_log SET action = 'x' WHERE action = 'test.append'",
                 "DELETE FROM audit_log WHERE action = 'test.append'",
                 "TRUNCATE audit_log"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            demo_db.execute(stmt)
    assert demo_db.execute("SELECT count(*) FROM audit_log WHERE action = 'test.append'"
                           ).fetchone()[0] == 1
