"""Integration tokens of coordinators and auditors (docs/architecture.md, "Accounts and
tokens"): a token holds only scopes of its account's role, passes where a scope and the role
allow, and is refused elsewhere: insufficient-scope for a route of another scope, forbidden
where the role cannot go, not-found for another network's chain."""

import uuid

import pytest

from checks import assert_problem, error_fields, new_login

NETWORK = "40000000-0000-4000-8000-000000000001"    # Neustadt (demo)
CHAIN = "70000000-0000-4000-8000-000000000001"      # a published demo chain
PASSWORD = "twelve-chars-ok"


def account(admin, role, **extra):
    r = admin.post("/v1/accounts", json={"login": new_login(role[:5]), "display_name": "Token test",
                                         "role": role, "password": PASSWORD,
                                         "must_change_password": False, **extra})
    assert r.status_code == 201, r.text
    return r.json()


def token(admin, account_id, *scopes):
    r = admin.post(f"/v1/accounts/{account_id}/tokens",
                   json={"label": "nightly", "scopes": list(scopes)})
    assert r.status_code == 201, r.text
    assert r.json()["scopes"] == list(scopes)
    return r.json()["token"]


@pytest.fixture(scope="module")
def other_network(demo):
    r = demo("admin").post("/v1/networks", json={"name": f"Altkreis {uuid.uuid4().hex[:6]}",
                                                 "locality": "Altkreis"})
    assert r.status_code == 201, r.text
    return r.json()["id"]


@pytest.fixture(scope="module")
def coordinator(demo):
    return account(demo("admin"), "coordinator", network_ids=[NETWORK])


@pytest.fixture(scope="module")
def auditor(demo):
    return account(demo("admin"), "auditor")


def test_a_coordinators_statistics_token(demo, coordinator, other_network):
    client = demo(None).as_token(token(demo("admin"), coordinator["id"], "stats:read"))
    # Where the scope allows: the network's statistics, JSON and the nightly CSV.
    assert client.get(f"/v1/networks/{NETWORK}/stats/flows").status_code == 200
    r = client.get(f"/v1/networks/{NETWORK}/stats/agreements?format=excel&lang=de")
    assert r.status_code == 200 and r.text.startswith("\ufeff")
    assert client.get(f"/v1/chains/{CHAIN}/stats/funnel").status_code == 200
    # Another scope's routes.
    for method, path in (("GET", f"/v1/networks/{NETWORK}/chains"),
                         ("GET", f"/v1/networks/{NETWORK}/members"),
                         ("POST", f"/v1/chains/{CHAIN}/versions")):
        r = client.request(method, path, **({"json": {}} if method == "POST" else {}))
        assert_problem(r, 403, "insufficient-scope")
    # Its role does not reach another network's statistics, nor the audit log.
    assert_problem(client.get(f"/v1/networks/{other_network}/stats/flows"), 403, "forbidden")
    assert_problem(client.get("/v1/audit"), 403, "forbidden")
    # Routes without a scope are for people only.
    assert_problem(client.post("/v1/auth/logout"), 403, "forbidden")
    assert client.get("/v1/me").json()["token"]["scopes"] == ["stats:read"]


def test_a_coordinators_chain_token(demo, coordinator):
    admin = demo("admin")
    client = demo(None).as_token(token(admin, coordinator["id"], "chains:read", "chains:write"))
    r = client.post(f"/v1/networks/{NETWORK}/chains",
                    json={"name": f"Kette per Token {uuid.uuid4().hex[:6]}",
                          "target_group_id": "50000000-0000-4000-8000-000000000001"})
    assert r.status_code == 201, r.text
    chain = r.json()["id"]
    r = client.post(f"/v1/chains/{chain}/versions", json={"from": "empty"})
    assert r.status_code == 201, r.text
    assert client.get(f"/v1/chains/{chain}/versions/1").status_code == 200
    assert_problem(client.get(f"/v1/networks/{NETWORK}/stats/flows"), 403, "insufficient-scope")


def test_an_auditors_review_token(demo, auditor):
    admin = demo("admin")
    client = demo(None).as_token(token(admin, auditor["id"], "audit:read"))
    r = client.get("/v1/audit", params={"limit": 5, "action": "case.read"})
    assert r.status_code == 200, r.text
    assert all(e["action"] == "case.read" for e in r.json()["items"])
    assert_problem(client.get("/v1/networks"), 403, "insufficient-scope")
    assert_problem(client.get(f"/v1/networks/{NETWORK}/stats/flows"), 403, "forbidden")
    assert_problem(client.get("/v1/accounts"), 403, "forbidden")   # reading accounts: people only
    both = demo(None).as_token(token(admin, auditor["id"], "audit:read", "directory:read"))
    assert both.get("/v1/networks").status_code == 200
    assert both.get("/v1/audit?limit=1").status_code == 200


@pytest.mark.parametrize("role,scopes,bad", [
    ("coordinator", ["stats:read", "audit:read"], ["scopes[1]"]),
    ("coordinator", ["cases:read", "referrals:write"], ["scopes[0]", "scopes[1]"]),
    ("auditor", ["audit:read", "stats:read"], ["scopes[1]"]),
    ("auditor", ["chains:write"], ["scopes[0]"]),
], ids=["coordinator-audit", "coordinator-cases", "auditor-stats", "auditor-chains"])
def test_scopes_outside_the_role_are_refused(demo, demo_db, coordinator, auditor, role, scopes, bad):
    acc = coordinator if role == "coordinator" else auditor
    before = demo_db.execute("SELECT count(*) FROM api_token WHERE account_id = %s",
                             (acc["id"],)).fetchone()[0]
    r = demo("admin").post(f"/v1/accounts/{acc['id']}/tokens",
                           json={"label": "x", "scopes": scopes})
    assert error_fields(assert_problem(r, 422, "validation")) == bad
    assert demo_db.execute("SELECT count(*) FROM api_token WHERE account_id = %s",
                           (acc["id"],)).fetchone()[0] == before


def test_a_disabled_account_takes_its_tokens_with_it(demo, demo_db):
    admin = demo("admin")
    acc = account(admin, "auditor")
    client = demo(None).as_token(token(admin, acc["id"], "audit:read"))
    assert client.get("/v1/audit?limit=1").status_code == 200
    assert admin.patch(f"/v1/accounts/{acc['id']}", json={"disabled": True}).status_code == 200
    assert_problem(client.get("/v1/audit?limit=1"), 401, "unauthorized")
