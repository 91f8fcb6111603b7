"""/v1/networks: create (admins), list and read (everyone), change (admins, its coordinators)."""

import pytest

from network_fixtures import (COORDINATED_WRITE, DEMO_NETWORK, READ, ROLES, audit_rows, callers,
                              etag, net, problem_fields, unique)

__all__ = ["callers", "net"]  # fixtures used by the tests below


def network_count(db):
    return db.execute("SELECT count(*) FROM network").fetchone()[0]


def test_admin_creates_a_network_with_defaults_and_an_audit_row(demo, demo_db):
    name = unique("Netzwerk Weststadt")
    r = demo("admin").post("/v1/networks", json={"name": name, "locality": "Neustadt-West"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["name"] == name and body["locality"] == "Neustadt-West"
    assert body["description"] is None and body["default_days_to_accept"] == 5
    assert body["counts"] == {"members": 0, "target_groups": 0}
    assert body["version"] == 1 and r.headers["ETag"] == '"1"'
    assert r.headers["Location"] == f"/v1/networks/{body['id']}"
    row = demo_db.execute("SELECT name, locality, default_days_to_accept FROM network"
                          " WHERE id = %s", (body["id"],)).fetchone()
    assert row == (name, "Neustadt-West", 5)
    assert audit_rows(demo_db, r) == [("network.create", "network", body["id"], {"name": name},
                                       "60000000-0000-4000-8000-000000000001")]


def test_create_with_every_field(demo):
    r = demo("admin").post("/v1/networks", json={
        "name": unique("Jugendberufsagentur"), "locality": "Neustadt",
        "description": "Jobcenter, Agentur und Jugendamt\nunter einem Dach.",
        "default_days_to_accept": 90})
    assert r.status_code == 201, r.text
    assert r.json()["default_days_to_accept"] == 90
    assert r.json()["description"].endswith("unter einem Dach.")


@pytest.mark.parametrize("body, field", [
    ({"locality": "Neustadt"}, "name"),
    ({"name": "x"}, "locality"),
    ({"name": "", "locality": "Neustadt"}, "name"),
    ({"name": "x" * 201, "locality": "Neustadt"}, "name"),
    ({"name": "a\nb", "locality": "Neustadt"}, "name"),
    ({"name": 5, "locality": "Neustadt"}, "name"),
    ({"name": None, "locality": "Neustadt"}, "name"),
    ({"name": "x", "locality": "y" * 201}, "locality"),
    ({"name": "x", "locality": ""}, "locality"),
    ({"name": "x", "locality": "y", "description": ""}, "description"),
    ({"name": "x", "locality": "y", "description": "d" * 4001}, "description"),
    ({"name": "x", "locality": "y", "description": ["d"]}, "description"),
    ({"name": "x", "locality": "y", "default_days_to_accept": 0}, "default_days_to_accept"),
    ({"name": "x", "locality": "y", "default_days_to_accept": 91}, "default_days_to_accept"),
    ({"name": "x", "locality": "y", "default_days_to_accept": "5"}, "default_days_to_accept"),
    ({"name": "x", "locality": "y", "default_days_to_accept": 5.5}, "default_days_to_accept"),
    ({"name": "x", "locality": "y", "default_days_to_accept": None}, "default_days_to_accept"),
    ({"name": "x", "locality": "y", "id": DEMO_NETWORK}, "id"),
    ({"name": "x", "locality": "y", "version": 1}, "version"),
    ({"name": "x", "locality": "y", "coordinator": "me"}, "coordinator"),
])
def test_create_rejects_bad_fields_and_writes_nothing(demo, demo_db, body, field):
    before = network_count(demo_db)
    r = demo("admin").post("/v1/networks", json=body)
    assert r.status_code == 422, r.text
    assert r.headers["Content-Type"].startswith("application/problem+json")
    assert problem_fields(r) == [field]
    assert network_count(demo_db) == before
    assert audit_rows(demo_db, r) == []


def test_every_problem_is_reported_at_once(demo):
    r = demo("admin").post("/v1/networks", json={"name": "", "default_days_to_accept": 0,
                                                 "colour": "red"})
    assert r.status_code == 422
    assert sorted(problem_fields(r)) == ["colour", "default_days_to_accept", "locality", "name"]


def test_a_taken_name_is_409_naming_the_field(demo, demo_db):
    before = network_count(demo_db)
    r = demo("admin").post("/v1/networks", json={"name": "Produktionsnetzwerk Neustadt",
                                                 "locality": "Neustadt"})
    assert r.status_code == 409, r.text
    assert problem_fields(r) == ["name"]
    assert network_count(demo_db) == before


def test_malformed_and_wrongly_typed_bodies(demo):
    admin = demo("admin")
    assert admin.post("/v1/networks", data="{", headers={"Content-Type": "application/json"}
                      ).status_code == 400
    assert admin.post("/v1/networks", json=["x"]).status_code == 400
    assert admin.post("/v1/networks", data="name=x",
                      headers={"Content-Type": "text/plain"}).status_code == 415


@pytest.mark.parametrize("role", ROLES)
def test_create_access(callers, demo_db, role):
    expected = {"admin": 201} | {k: v for k, v in COORDINATED_WRITE.items() if v}
    expected["coordinator"] = 403  # coordinators do not found networks
    before = network_count(demo_db)
    r = callers[role].post("/v1/networks", json={"name": unique("Netz"), "locality": "N"})
    assert r.status_code == expected[role], r.text
    assert network_count(demo_db) == before + (1 if role == "admin" else 0)


@pytest.mark.parametrize("role", ROLES)
def test_read_access(callers, net, role):
    client = callers[role]
    for path in ("/v1/networks", f"/v1/networks/{net['id']}", f"/v1/networks/{DEMO_NETWORK}"):
        assert client.get(path).status_code == READ[role], path


def test_the_demo_network_with_its_counts(demo):
    r = demo("schuldnerberatung").get(f"/v1/networks/{DEMO_NETWORK}")
    assert r.status_code == 200
    body = r.json()
    assert body["name"] == "Produktionsnetzwerk Neustadt" and body["locality"] == "Neustadt"
    assert body["counts"]["target_groups"] >= 3 and body["counts"]["members"] >= 19
    assert r.headers["ETag"] == f'"{body["version"]}"'


def test_unknown_and_malformed_ids_are_404(demo):
    client = demo("koordination")
    assert client.get("/v1/networks/40000000-0000-4000-8000-00000000ffff").status_code == 404
    assert client.get("/v1/networks/not-a-uuid").status_code == 404
    r = client.patch("/v1/networks/40000000-0000-4000-8000-00000000ffff", json={"name": "x"})
    assert r.status_code == 404


def test_list_pages_by_name(demo):
    admin = demo("admin")
    prefix = unique("Seite")
    ids = [admin.post("/v1/networks", json={"name": f"{prefix} {i}", "locality": "N"}).json()["id"]
           for i in range(3)]
    seen, after = [], None
    while True:
        params = {"limit": 2} | ({"after": after} if after else {})
        r = admin.get("/v1/networks", params=params)
        assert r.status_code == 200
        page = r.json()
        assert len(page["items"]) <= 2
        seen += page["items"]
        after = page["next"]
        if not after:
            break
    names = [n["name"] for n in seen]
    assert names == sorted(names)
    assert len({n["id"] for n in seen}) == len(seen)
    assert set(ids) <= {n["id"] for n in seen}
    assert DEMO_NETWORK in {n["id"] for n in seen}


@pytest.mark.parametrize("query", ["limit=0", "limit=501", "limit=x", "after=%%%", "sort=name"])
def test_list_rejects_bad_query_parameters(demo, query):
    r = demo("admin").get(f"/v1/networks?{query}")
    assert r.status_code == 400, r.text


def test_patch_with_if_match_and_a_stale_one(demo, demo_db, net):
    coordinator = net["coordinator"]
    r = coordinator.get(f"/v1/networks/{net['id']}")
    version = r.json()["version"]
    r = coordinator.patch(f"/v1/networks/{net['id']}", headers=etag(version),
                          json={"description": "Kooperationsvereinbarung vom 01.03.2025",
                                "default_days_to_accept": 7})
    assert r.status_code == 200, r.text
    assert r.json()["version"] == version + 1 and r.headers["ETag"] == f'"{version + 1}"'
    assert r.json()["default_days_to_accept"] == 7
    assert audit_rows(demo_db, r) == [("network.update", "network", net["id"],
                                       {"fields": ["description", "default_days_to_accept"]},
                                       net["account"])]
    stale = coordinator.patch(f"/v1/networks/{net['id']}", headers=etag(version),
                              json={"default_days_to_accept": 9})
    assert stale.status_code == 412, stale.text
    assert audit_rows(demo_db, stale) == []
    row = demo_db.execute("SELECT default_days_to_accept, version FROM network WHERE id = %s",
                          (net["id"],)).fetchone()
    assert row == (7, version + 1)
    assert coordinator.patch(f"/v1/networks/{net['id']}", headers={"If-Match": "7"},
                             json={"locality": "x"}).status_code == 400


def test_patch_clears_the_description_and_refuses_bad_fields(demo, net):
    admin = demo("admin")
    r = admin.patch(f"/v1/networks/{net['id']}", json={"description": None})
    assert r.status_code == 200 and r.json()["description"] is None
    for body, field in [({}, "body"), ({"name": None}, "name"), ({"locality": ""}, "locality"),
                        ({"id": net["id"]}, "id"), ({"default_days_to_accept": 100},
                                                    "default_days_to_accept")]:
        r = admin.patch(f"/v1/networks/{net['id']}", json=body)
        assert r.status_code == 422 and problem_fields(r) == [field], (body, r.text)
    r = admin.patch(f"/v1/networks/{net['id']}", json={"name": "Produktionsnetzwerk Neustadt"})
    assert r.status_code == 409 and problem_fields(r) == ["name"]


@pytest.mark.parametrize("role", ROLES)
def test_patch_access(callers, demo_db, net, role):
    before = demo_db.execute("SELECT version FROM network WHERE id = %s",
                             (net["id"],)).fetchone()[0]
    r = callers[role].patch(f"/v1/networks/{net['id']}", json={"locality": f"Neustadt {role}"})
    expected = COORDINATED_WRITE[role] or 200
    assert r.status_code == expected, r.text
    after = demo_db.execute("SELECT version, locality FROM network WHERE id = %s",
                            (net["id"],)).fetchone()
    if expected == 200:
        assert after == (before + 1, f"Neustadt {role}")
        assert [a[0] for a in audit_rows(demo_db, r)] == ["network.update"]
    else:
        assert after[0] == before


def test_integration_tokens_need_directory_read(demo, net):
    admin = demo("admin")
    account = "60000000-0000-4000-8000-000000000004"  # schuldnerberatung
    tokens = {}
    for scopes in (["directory:read"], ["cases:read"], ["directory:write"]):
        r = admin.post(f"/v1/accounts/{account}/tokens", json={"label": "test", "scopes": scopes})
        assert r.status_code == 201, r.text
        tokens[scopes[0]] = admin.as_token(r.json()["token"])
    assert tokens["directory:read"].get(f"/v1/networks/{net['id']}").status_code == 200
    assert tokens["cases:read"].get(f"/v1/networks/{net['id']}").status_code == 403
    assert tokens["cases:read"].get("/v1/networks").status_code == 403
    # A caseworker's token cannot write here, whatever its scopes.
    assert tokens["directory:write"].patch(f"/v1/networks/{net['id']}",
                                           json={"locality": "x"}).status_code == 403
