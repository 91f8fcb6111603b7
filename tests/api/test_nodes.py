"""Nodes: create, read, change, retire, who may do what, and the directory search
(GET /v1/nodes?kind=&network_id=&district=&q=) over the Neustadt demo network."""

import uuid

import pytest

from registry_support import (CARITAS_ORG, DEMO_NETWORK, OTHER_LOGIN, OTHER_NETWORK,
                              SCHULDNERBERATUNG_ACCOUNT, SCHULDNERBERATUNG_NODE, audit_rows,
                              demo_only, ensure_other_network, error_fields, integration_token,
                              node)


@pytest.fixture(scope="module")
def other_coordinator(demo_database, demo):
    ensure_other_network(demo_database)
    return demo(OTHER_LOGIN)


def new_node(**extra):
    body = {"organization_id": CARITAS_ORG, "name": f"Testknoten {uuid.uuid4().hex[:8]}",
            "kind": "counselling_service"}
    body.update(extra)
    return body


def create(client, **extra):
    r = client.post("/v1/nodes", json=new_node(**extra))
    assert r.status_code == 201, r.text
    return r.json()


def counts(conn):
    return conn.execute("SELECT (SELECT count(*) FROM node), (SELECT count(*) FROM audit_log)"
                        ).fetchone()


# -- create and read

def test_create_answers_the_node_with_defaults(demo, demo_db):
    body = new_node()
    r = demo("koordination").post("/v1/nodes", json=body)
    assert r.status_code == 201, r.text
    n = r.json()
    assert r.headers["ETag"] == '"1"'
    assert r.headers["Location"] == f"/v1/nodes/{n['id']}"
    assert {k: n[k] for k in body} == body
    assert n["district"] is None
    assert n["address"] == {"street": None, "postal_code": None, "city": None}
    assert n["contact"] == {"phone": None, "email": None, "url": None}
    assert n["geo"] is None
    assert n["languages"] == ["de"]
    assert n["accessibility"] is None
    assert n["active"] is True
    assert n["version"] == 1
    assert n["memberships"] == []
    assert n["created_at"] and n["updated_at"]
    rows = audit_rows(demo_db, n["id"], "node.create")
    assert len(rows) == 1
    assert rows[0][0] == "60000000-0000-4000-8000-000000000002"
    assert rows[0][1] == {"name": body["name"], "kind": "counselling_service",
                          "organization_id": CARITAS_ORG}
    assert demo("koordination").get(f"/v1/nodes/{n['id']}").json() == n


def test_create_with_every_field(demo, demo_db):
    body = new_node(district="Altstadt",
                    address={"street": "Domgasse 7", "postal_code": "55511", "city": "Neustadt"},
                    geo={"lat": 51.2425, "lon": 7.4301},
                    contact={"phone": "0049 555 4000-130", "email": "test@caritas.example.org",
                             "url": "https://caritas.example.org/test"},
                    languages=["de", "en", "uk"],
                    accessibility="Stufenlos.\nAufzug vorhanden.", active=False)
    r = demo("admin").post("/v1/nodes", json=body)
    assert r.status_code == 201, r.text
    n = r.json()
    assert {k: n[k] for k in body} == body
    row = demo_db.execute("SELECT street, postal_code, city, geo_lat, geo_lon, phone, email, url,"
                          " languages, active FROM node WHERE id = %s", (n["id"],)).fetchone()
    assert row == ("Domgasse 7", "55511", "Neustadt", 51.2425, 7.4301, "0049 555 4000-130",
                   "test@caritas.example.org", "https://caritas.example.org/test",
                   ["de", "en", "uk"], False)


def test_get_shows_the_memberships_and_an_etag(demo):
    r = demo("jugendamt").get(f"/v1/nodes/{SCHULDNERBERATUNG_NODE}")
    assert r.status_code == 200
    n = r.json()
    assert r.headers["ETag"] == f'"{n["version"]}"'
    assert n["name"] == "Caritas Schuldnerberatung Neustadt"
    assert n["kind"] == "counselling_service"
    assert n["organization_id"] == CARITAS_ORG
    assert n["district"] == "Altstadt"
    assert n["address"] == {"street": "Domgasse 5", "postal_code": "55511", "city": "Neustadt"}
    assert n["geo"] == {"lat": 51.2425, "lon": 7.4301}
    assert n["languages"] == ["de", "en", "ru"]
    # Other tests may add this node to networks of their own; the demo membership is there.
    assert {"network_id": DEMO_NETWORK, "role": "member", "active": True} in n["memberships"]


def test_get_unknown_or_malformed_id_is_404(demo):
    assert demo("admin").get(f"/v1/nodes/{uuid.uuid4()}").status_code == 404
    assert demo("admin").get("/v1/nodes/not-a-uuid").status_code == 404


# -- validation

BAD_BODIES = [
    ({"colour": "blue"}, ["colour"]),
    ({"name": ""}, ["name"]),
    ({"name": "x" * 201}, ["name"]),
    ({"name": 5}, ["name"]),
    ({"name": "Zeile\nZwei"}, ["name"]),
    ({"kind": "castle"}, ["kind"]),
    ({"kind": None}, ["kind"]),
    ({"organization_id": "not-a-uuid"}, ["organization_id"]),
    ({"district": ""}, ["district"]),
    ({"district": "d" * 101}, ["district"]),
    ({"address": "Domgasse 5"}, ["address"]),
    ({"address": {"postal_code": "1234"}}, ["address.postal_code"]),
    ({"address": {"postal_code": "5551a"}}, ["address.postal_code"]),
    ({"address": {"street": "s" * 201}}, ["address.street"]),
    ({"address": {"city": ""}}, ["address.city"]),
    ({"address": {"zip": "55511"}}, ["address.zip"]),
    ({"contact": {"email": "no-at-sign"}}, ["contact.email"]),
    ({"contact": {"phone": "call me"}}, ["contact.phone"]),
    ({"contact": {"url": "ftp://example.org"}}, ["contact.url"]),
    ({"contact": {"fax": "0049 1"}}, ["contact.fax"]),
    ({"contact": []}, ["contact"]),
    ({"geo": {"lat": 91, "lon": 7}}, ["geo.lat"]),
    ({"geo": {"lat": 51, "lon": -181}}, ["geo.lon"]),
    ({"geo": {"lat": 51}}, ["geo.lon"]),
    ({"geo": {"lat": "51", "lon": 7}}, ["geo.lat"]),
    ({"geo": {"lat": 51, "lon": 7, "alt": 3}}, ["geo.alt"]),
    ({"languages": ["DE"]}, ["languages[0]"]),
    ({"languages": ["de", "deu"]}, ["languages[1]"]),
    ({"languages": ["de", "de"]}, ["languages[1]"]),
    ({"languages": "de"}, ["languages"]),
    ({"languages": [f"{a}{b}" for a in "ab" for b in "abcdefghijk"]}, ["languages"]),
    ({"accessibility": ""}, ["accessibility"]),
    ({"accessibility": "a" * 2001}, ["accessibility"]),
    ({"active": "yes"}, ["active"]),
]


@pytest.mark.parametrize("change,fields", BAD_BODIES)
def test_create_refuses_a_bad_field_and_writes_nothing(demo, demo_db, change, fields):
    before = counts(demo_db)
    r = demo("admin").post("/v1/nodes", json=new_node(**change))
    assert r.status_code == 422, r.text
    assert r.headers["Content-Type"].startswith("application/problem+json")
    assert error_fields(r) == fields
    assert counts(demo_db) == before


def test_create_names_every_missing_field(demo, demo_db):
    before = counts(demo_db)
    r = demo("admin").post("/v1/nodes", json={"district": "Altstadt"})
    assert r.status_code == 422
    assert error_fields(r) == ["kind", "name", "organization_id"]
    assert counts(demo_db) == before


def test_create_with_a_missing_organization_is_422_naming_it(demo, demo_db):
    before = counts(demo_db)
    r = demo("admin").post("/v1/nodes", json=new_node(organization_id=str(uuid.uuid4())))
    assert r.status_code == 422, r.text
    assert error_fields(r) == ["organization_id"]
    assert counts(demo_db) == before


def test_create_needs_a_json_object(demo, demo_db):
    before = counts(demo_db)
    r = demo("admin").post("/v1/nodes", data="[]", headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    r = demo("admin").post("/v1/nodes", data="name=x",
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 415
    assert counts(demo_db) == before


# -- changing a node

def test_patch_changes_the_named_fields_and_replaces_nested_objects(demo, demo_db):
    n = create(demo("admin"), district="Altstadt",
               address={"street": "Domgasse 7", "postal_code": "55511", "city": "Neustadt"},
               geo={"lat": 51.1, "lon": 7.1},
               contact={"phone": "0049 555 1", "email": "a@b.example.org"})
    r = demo("admin").patch(f"/v1/nodes/{n['id']}",
                            json={"address": {"city": "Altdorf"}, "contact": None, "geo": None,
                                  "languages": ["tr"], "district": None},
                            headers={"If-Match": '"1"'})
    assert r.status_code == 200, r.text
    m = r.json()
    assert r.headers["ETag"] == '"2"'
    assert m["version"] == 2
    assert m["address"] == {"street": None, "postal_code": None, "city": "Altdorf"}
    assert m["contact"] == {"phone": None, "email": None, "url": None}
    assert m["geo"] is None
    assert m["languages"] == ["tr"]
    assert m["district"] is None
    assert m["name"] == n["name"] and m["kind"] == n["kind"]
    assert m["updated_at"] >= n["updated_at"]
    rows = audit_rows(demo_db, n["id"], "node.update")
    assert [d for _, d in rows] == [{"fields": ["address", "contact", "district", "geo",
                                                "languages"]}]


def test_patch_with_a_stale_if_match_is_412_and_changes_nothing(demo, demo_db):
    n = create(demo("admin"))
    assert demo("admin").patch(f"/v1/nodes/{n['id']}", json={"district": "Oststadt"}
                               ).status_code == 200
    r = demo("admin").patch(f"/v1/nodes/{n['id']}", json={"district": "Weststadt"},
                            headers={"If-Match": '"1"'})
    assert r.status_code == 412
    assert "version 2" in r.json()["detail"]
    assert demo_db.execute("SELECT district, version FROM node WHERE id = %s",
                           (n["id"],)).fetchone() == ("Oststadt", 2)
    assert len(audit_rows(demo_db, n["id"], "node.update")) == 1
    r = demo("admin").patch(f"/v1/nodes/{n['id']}", json={"district": "Weststadt"},
                            headers={"If-Match": '"2"'})
    assert r.status_code == 200
    assert r.json()["district"] == "Weststadt"


def test_patch_with_a_malformed_if_match_is_400(demo):
    n = create(demo("admin"))
    r = demo("admin").patch(f"/v1/nodes/{n['id']}", json={"district": "Oststadt"},
                            headers={"If-Match": "yesterday"})
    assert r.status_code == 400


@pytest.mark.parametrize("change,fields", BAD_BODIES + [({}, ["body"]),
                                                        ({"name": None}, ["name"]),
                                                        ({"organization_id": None},
                                                         ["organization_id"])])
def test_patch_refuses_a_bad_field_and_writes_nothing(demo, demo_db, change, fields):
    before = counts(demo_db)
    version = demo_db.execute("SELECT version FROM node WHERE id = %s",
                              (SCHULDNERBERATUNG_NODE,)).fetchone()
    r = demo("admin").patch(f"/v1/nodes/{SCHULDNERBERATUNG_NODE}", json=change)
    assert r.status_code == 422, r.text
    assert error_fields(r) == fields
    assert counts(demo_db) == before
    assert demo_db.execute("SELECT version FROM node WHERE id = %s",
                           (SCHULDNERBERATUNG_NODE,)).fetchone() == version


def test_patch_to_a_missing_organization_is_422_naming_it(demo, demo_db):
    n = create(demo("admin"))
    r = demo("admin").patch(f"/v1/nodes/{n['id']}", json={"organization_id": str(uuid.uuid4())})
    assert r.status_code == 422
    assert error_fields(r) == ["organization_id"]
    assert demo_db.execute("SELECT version FROM node WHERE id = %s", (n["id"],)).fetchone() == (1,)
    assert audit_rows(demo_db, n["id"], "node.update") == []


def test_patch_of_an_unknown_node_is_404(demo):
    r = demo("admin").patch(f"/v1/nodes/{uuid.uuid4()}", json={"district": "Oststadt"})
    assert r.status_code == 404


def test_deactivating_a_node_retires_it_from_active_lists(demo, demo_db):
    n = create(demo("admin"), district=f"Retired-{uuid.uuid4().hex[:6]}")
    r = demo("admin").patch(f"/v1/nodes/{n['id']}", json={"active": False})
    assert r.status_code == 200
    assert r.json()["active"] is False
    listed = demo("admin").get("/v1/nodes", params={"district": n["district"], "active": "false"})
    assert [i["id"] for i in listed.json()["items"]] == [n["id"]]
    listed = demo("admin").get("/v1/nodes", params={"district": n["district"], "active": "true"})
    assert listed.json()["items"] == []
    assert demo("admin").delete(f"/v1/nodes/{n['id']}").status_code == 405


def test_caseworkers_change_their_own_node_but_not_its_kind_organization_or_active(demo,
                                                                                  demo_db):
    cw = demo("schuldnerberatung")
    current = cw.get(f"/v1/nodes/{SCHULDNERBERATUNG_NODE}").json()
    for field, value in (("kind", "other"), ("organization_id", CARITAS_ORG), ("active", True)):
        r = cw.patch(f"/v1/nodes/{SCHULDNERBERATUNG_NODE}", json={field: value})
        assert r.status_code == 403, field
    assert demo_db.execute("SELECT version FROM node WHERE id = %s",
                           (SCHULDNERBERATUNG_NODE,)).fetchone()[0] == current["version"]
    r = cw.patch(f"/v1/nodes/{SCHULDNERBERATUNG_NODE}",
                 json={"accessibility": current["accessibility"]})
    assert r.status_code == 200
    assert r.json()["version"] == current["version"] + 1


# -- who may do what

ROLES = ["admin", "coordinator", "other-coordinator", "caseworker", "other-caseworker",
         "auditor", None]
LOGINS = {"admin": "admin", "coordinator": "koordination", "other-coordinator": OTHER_LOGIN,
          "caseworker": "schuldnerberatung", "other-caseworker": "jugendamt",
          "auditor": "auditor", None: None}
# Expected status per role, in the order of ROLES. "caseworker" is the caseworker of the node
# under test (demo node 07, a member of the demo network that "coordinator" coordinates).
MATRIX = {
    "list": [200, 200, 200, 200, 200, 200, 401],
    "get": [200, 200, 200, 200, 200, 200, 401],
    "create": [201, 201, 201, 403, 403, 403, 401],
    "patch": [200, 200, 403, 200, 403, 403, 401],
}


@pytest.mark.parametrize("action", sorted(MATRIX))
@pytest.mark.parametrize("role", ROLES, ids=[str(r) for r in ROLES])
def test_access_matrix(demo, demo_db, other_coordinator, action, role):
    client = demo(LOGINS[role])
    expected = MATRIX[action][ROLES.index(role)]
    before = counts(demo_db)
    if action == "list":
        r = client.get("/v1/nodes")
    elif action == "get":
        r = client.get(f"/v1/nodes/{SCHULDNERBERATUNG_NODE}")
    elif action == "create":
        r = client.post("/v1/nodes", json=new_node())
    else:
        # The value it has: the demo data stays as it was.
        accessibility = demo_db.execute("SELECT accessibility FROM node WHERE id = %s",
                                        (SCHULDNERBERATUNG_NODE,)).fetchone()[0]
        r = client.patch(f"/v1/nodes/{SCHULDNERBERATUNG_NODE}",
                         json={"accessibility": accessibility})
    assert r.status_code == expected, r.text
    after = counts(demo_db)
    if action == "create" and expected == 201:
        assert after == (before[0] + 1, before[1] + 1)
    elif action == "patch" and expected == 200:
        assert after == (before[0], before[1] + 1)
    else:
        assert after == before


def test_coordinators_change_nodes_of_their_network_only(demo, demo_db, other_coordinator):
    n = create(demo("admin"))
    # Not a member of any network yet: only admins may change it.
    assert demo("koordination").patch(f"/v1/nodes/{n['id']}", json={"district": "A"}
                                      ).status_code == 403
    demo_db.execute("INSERT INTO network_member (network_id, node_id) VALUES (%s, %s)",
                    (OTHER_NETWORK, n["id"]))
    assert demo("koordination").patch(f"/v1/nodes/{n['id']}", json={"district": "A"}
                                      ).status_code == 403
    r = other_coordinator.patch(f"/v1/nodes/{n['id']}", json={"district": "B"})
    assert r.status_code == 200, r.text
    assert r.json()["memberships"] == [{"network_id": OTHER_NETWORK, "role": "member",
                                        "active": True}]
    # An inactive membership gives no say.
    demo_db.execute("UPDATE network_member SET active = false WHERE node_id = %s", (n["id"],))
    assert other_coordinator.patch(f"/v1/nodes/{n['id']}", json={"district": "C"}
                                   ).status_code == 403
    assert demo_db.execute("SELECT district FROM node WHERE id = %s",
                           (n["id"],)).fetchone() == ("B",)


def test_integration_tokens_need_the_directory_scopes(demo):
    reader = integration_token(demo, SCHULDNERBERATUNG_ACCOUNT, ["directory:read"])
    writer = integration_token(demo, SCHULDNERBERATUNG_ACCOUNT,
                               ["directory:read", "directory:write"])
    other = integration_token(demo, SCHULDNERBERATUNG_ACCOUNT, ["referrals:read"])
    path = f"/v1/nodes/{SCHULDNERBERATUNG_NODE}"
    current = reader.get(path)
    assert current.status_code == 200
    assert reader.get("/v1/nodes").status_code == 200
    assert other.get("/v1/nodes").status_code == 403
    assert other.get(path).status_code == 403
    patch = {"accessibility": current.json()["accessibility"]}
    assert reader.patch(path, json=patch).status_code == 403
    assert writer.patch(path, json=patch).status_code == 200
    # A token acts for its account's node: another node stays closed.
    assert writer.patch(f"/v1/nodes/{node(5)}", json={"district": "Weststadt"}).status_code == 403
    for c in (reader, writer, other):
        c.close()


# -- the directory search

def search(client, **params):
    r = client.get("/v1/nodes", params={"limit": "500", **params})
    assert r.status_code == 200, r.text
    return demo_only(r.json()["items"])


def ids(*numbers):
    return sorted(node(n) for n in numbers)


def test_filter_by_kind(demo, demo_db):
    # Other tests add nodes to the shared database: the filter must find exactly the nodes of
    # the kind the table holds, and among them the demo's own.
    for kind in ("jobcenter", "counselling_service", "employer"):
        held = {str(r[0]) for r in demo_db.execute("SELECT id FROM node WHERE kind = %s", (kind,))}
        assert set(search(demo("jugendamt"), kind=kind)) == set(demo_only([{"id": i} for i in held])), kind
    assert set(ids(1, 2, 3)) <= set(search(demo("jugendamt"), kind="jobcenter"))
    assert set(ids(7, 8, 14)) <= set(search(demo("jugendamt"), kind="counselling_service"))


def test_filter_by_district(demo):
    assert sorted(search(demo("auditor"), district="Nordstadt")) == ids(9, 12, 18, 19)
    assert sorted(search(demo("auditor"), district="Südviertel")) == ids(6, 8, 17)


def test_filter_by_network(demo, demo_db, other_coordinator):
    assert sorted(search(demo("admin"), network_id=DEMO_NETWORK)) == ids(*range(1, 20))
    # Node 15 joins the other network; an inactive membership does not count.
    demo_db.execute("INSERT INTO network_member (network_id, node_id) VALUES (%s, %s)"
                    " ON CONFLICT DO NOTHING", (OTHER_NETWORK, node(15)))
    demo_db.execute("INSERT INTO network_member (network_id, node_id, active)"
                    " VALUES (%s, %s, false) ON CONFLICT DO NOTHING", (OTHER_NETWORK, node(16)))
    assert search(demo("admin"), network_id=OTHER_NETWORK) == [node(15)]
    assert search(demo("admin"), network_id=str(uuid.uuid4())) == []


def test_q_finds_german_words_and_parts_of_compounds(demo):
    client = demo("schuldnerberatung")
    assert search(client, q="Schuldnerberatung") == [node(7)]
    # "Sucht" is a word in "Team Reha/Sucht" and a part of "Suchtberatung", "Suchtambulanz".
    assert sorted(search(client, q="Sucht")) == ids(3, 8, 17)
    assert search(client, q="schuld") == [node(7)]
    # Full text covers the district too, with German stemming.
    assert sorted(search(client, q="Nordstadt")) == ids(9, 12, 18, 19)
    assert sorted(search(client, q="Jugendamt")) == ids(5)


def test_q_treats_like_wildcards_literally(demo):
    assert search(demo("admin"), q="%") == []
    assert search(demo("admin"), q="_") == []
    assert search(demo("admin"), q="Sucht%beratung") == []


def test_filters_combine(demo):
    client = demo("koordination")
    assert sorted(search(client, kind="welfare_association", district="Nordstadt")) == \
        ids(9, 18, 19)
    assert search(client, q="Sucht", kind="counselling_service") == [node(8)]
    assert sorted(search(client, q="Sucht", district="Südviertel")) == ids(8, 17)
    assert search(client, q="Sucht", district="Südviertel", kind="jobcenter") == []
    assert search(client, q="Caritas", network_id=DEMO_NETWORK, district="Nordstadt",
                  kind="welfare_association") == [node(19)]


def test_pagination_walks_every_node_once_in_a_stable_order(demo):
    client = demo("jugendamt")
    whole = client.get("/v1/nodes", params={"limit": "500"}).json()
    assert whole["next"] is None
    order = [i["id"] for i in whole["items"]]
    assert set(ids(*range(1, 20))) <= set(order)
    seen, after, pages = [], None, 0
    while True:
        params = {"limit": "2"}
        if after:
            params["after"] = after
        r = client.get("/v1/nodes", params=params)
        assert r.status_code == 200
        page = r.json()
        assert len(page["items"]) <= 2
        seen += [i["id"] for i in page["items"]]
        pages += 1
        after = page["next"]
        if not after:
            break
    assert seen == order
    assert len(seen) == len(set(seen))
    assert pages == (len(order) + 1) // 2
    names = [(i["name"], i["id"]) for i in whole["items"]]
    assert len(names) == len(set(names))


def test_pagination_keeps_the_filters(demo):
    client = demo("jugendamt")
    first = client.get("/v1/nodes", params={"kind": "jobcenter", "limit": "2"}).json()
    assert len(first["items"]) == 2 and first["next"]
    rest = client.get("/v1/nodes", params={"kind": "jobcenter", "limit": "2",
                                            "after": first["next"]}).json()
    got = demo_only(first["items"]) + demo_only(rest["items"])
    assert sorted(got) == ids(1, 2, 3)


@pytest.mark.parametrize("params,field", [
    ({"kind": "castle"}, "kind"),
    ({"kind": ""}, "kind"),
    ({"network_id": "not-a-uuid"}, "network_id"),
    ({"network_id": "40000000-0000-4000-8000-00000000000"}, "network_id"),
    ({"district": ""}, "district"),
    ({"q": ""}, "q"),
    ({"q": "x" * 201}, "q"),
    ({"active": "yes"}, "active"),
    ({"limit": "0"}, "limit"),
    ({"limit": "501"}, "limit"),
    ({"after": "not a cursor"}, "after"),
    ({"colour": "blue"}, "colour"),
    ({"category": "debt_counselling"}, "category"),
])
def test_a_bad_filter_is_400_naming_it(demo, params, field):
    r = demo("admin").get("/v1/nodes", params=params)
    assert r.status_code == 400, r.text
    assert r.headers["Content-Type"].startswith("application/problem+json")
    assert error_fields(r) == [field]


def test_several_bad_filters_are_named_together(demo):
    r = demo("admin").get("/v1/nodes", params={"kind": "castle", "network_id": "x"})
    assert r.status_code == 400
    assert error_fields(r) == ["kind", "network_id"]
