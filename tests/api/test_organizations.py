"""Organizations (Träger): create, read, list, change, and who may do what."""

import uuid

import pytest

from registry_support import (CARITAS_ORG, DEMO_NETWORK, OTHER_LOGIN, OTHER_NETWORK, audit_rows,
                              ensure_other_network, error_fields, integration_token,
                              SCHULDNERBERATUNG_ACCOUNT)


@pytest.fixture(scope="module")
def other_coordinator(demo_database, demo):
    ensure_other_network(demo_database)
    return demo(OTHER_LOGIN)


def new_org(**extra):
    body = {"name": f"Testträger {uuid.uuid4().hex[:8]} e.V.", "kind": "nonprofit"}
    body.update(extra)
    return body


def create(client, **extra):
    r = client.post("/v1/organizations", json=new_org(**extra))
    assert r.status_code == 201, r.text
    return r.json()


def counts(conn):
    return conn.execute("SELECT (SELECT count(*) FROM organization),"
                        " (SELECT count(*) FROM audit_log)").fetchone()


def test_create_and_read(demo, demo_db):
    body = new_org(contact={"phone": "0049 555 9000-0", "email": "info@test.example.org",
                            "url": "https://test.example.org"},
                   address={"street": "Am Markt 1", "postal_code": "55511", "city": "Neustadt"})
    r = demo("koordination").post("/v1/organizations", json=body)
    assert r.status_code == 201, r.text
    o = r.json()
    assert r.headers["ETag"] == '"1"'
    assert r.headers["Location"] == f"/v1/organizations/{o['id']}"
    assert set(o) == {"id", "name", "kind", "contact", "address", "version", "created_at",
                      "updated_at"}
    assert {k: o[k] for k in body} == body
    assert o["version"] == 1
    rows = audit_rows(demo_db, o["id"], "organization.create")
    assert rows == [("60000000-0000-4000-8000-000000000002",
                     {"name": body["name"], "kind": "nonprofit"})]
    r = demo("auditor").get(f"/v1/organizations/{o['id']}")
    assert r.status_code == 200
    assert r.json() == o
    assert r.headers["ETag"] == '"1"'


def test_create_without_contact_or_address(demo):
    o = create(demo("admin"))
    assert o["contact"] == {"phone": None, "email": None, "url": None}
    assert o["address"] == {"street": None, "postal_code": None, "city": None}


def test_get_a_demo_organization(demo):
    r = demo("jugendamt").get(f"/v1/organizations/{CARITAS_ORG}")
    assert r.status_code == 200
    o = r.json()
    assert o["name"] == "Caritasverband Neustadt e.V."
    assert o["kind"] == "welfare_association"
    assert o["address"] == {"street": "Domgasse 5", "postal_code": "55511", "city": "Neustadt"}
    assert o["contact"]["email"] == "info@caritas-neustadt.example.org"


def test_get_unknown_is_404(demo):
    assert demo("admin").get(f"/v1/organizations/{uuid.uuid4()}").status_code == 404


BAD_BODIES = [
    ({"legal_form": "e.V."}, ["legal_form"]),
    ({"name": ""}, ["name"]),
    ({"name": "n" * 201}, ["name"]),
    ({"name": ["Caritas"]}, ["name"]),
    ({"kind": "club"}, ["kind"]),
    ({"contact": "info@x.example.org"}, ["contact"]),
    ({"contact": {"email": "x@"}}, ["contact.email"]),
    ({"contact": {"phone": "12"}}, ["contact.phone"]),
    ({"contact": {"url": "example.org"}}, ["contact.url"]),
    ({"address": {"postal_code": "555110"}}, ["address.postal_code"]),
    ({"address": {"street": ""}}, ["address.street"]),
    ({"address": {"city": "c" * 101}}, ["address.city"]),
    ({"address": {"country": "DE"}}, ["address.country"]),
    ({"geo": {"lat": 1, "lon": 2}}, ["geo"]),
]


@pytest.mark.parametrize("change,fields", BAD_BODIES)
def test_create_refuses_a_bad_field_and_writes_nothing(demo, demo_db, change, fields):
    before = counts(demo_db)
    r = demo("admin").post("/v1/organizations", json=new_org(**change))
    assert r.status_code == 422, r.text
    assert error_fields(r) == fields
    assert counts(demo_db) == before


def test_create_names_the_missing_fields(demo, demo_db):
    before = counts(demo_db)
    r = demo("admin").post("/v1/organizations", json={})
    assert r.status_code == 422
    assert error_fields(r) == ["kind", "name"]
    assert counts(demo_db) == before


@pytest.mark.parametrize("change,fields", BAD_BODIES + [({}, ["body"]), ({"name": None}, ["name"])])
def test_patch_refuses_a_bad_field_and_writes_nothing(demo, demo_db, change, fields):
    o = create(demo("admin"))
    before = counts(demo_db)
    r = demo("admin").patch(f"/v1/organizations/{o['id']}", json=change)
    assert r.status_code == 422, r.text
    assert error_fields(r) == fields
    assert counts(demo_db) == before


def test_patch_replaces_nested_objects_and_checks_the_version(demo, demo_db):
    o = create(demo("admin"), address={"street": "Am Markt 1", "postal_code": "55511",
                                       "city": "Neustadt"},
               contact={"email": "a@test.example.org"})
    r = demo("admin").patch(f"/v1/organizations/{o['id']}",
                            json={"address": {"city": "Altdorf"}, "kind": "church"},
                            headers={"If-Match": '"1"'})
    assert r.status_code == 200, r.text
    p = r.json()
    assert r.headers["ETag"] == '"2"'
    assert p["address"] == {"street": None, "postal_code": None, "city": "Altdorf"}
    assert p["contact"] == o["contact"]
    assert p["kind"] == "church" and p["name"] == o["name"]
    r = demo("admin").patch(f"/v1/organizations/{o['id']}", json={"contact": None},
                            headers={"If-Match": '"1"'})
    assert r.status_code == 412
    assert demo_db.execute("SELECT email, version FROM organization WHERE id = %s",
                           (o["id"],)).fetchone() == ("a@test.example.org", 2)
    assert [d for _, d in audit_rows(demo_db, o["id"], "organization.update")] == \
        [{"fields": ["address", "kind"]}]
    r = demo("admin").patch(f"/v1/organizations/{o['id']}", json={"contact": None},
                            headers={"If-Match": '"2"'})
    assert r.status_code == 200
    assert r.json()["contact"] == {"phone": None, "email": None, "url": None}


def test_patch_unknown_is_404(demo):
    assert demo("admin").patch(f"/v1/organizations/{uuid.uuid4()}",
                               json={"name": "x"}).status_code == 404


def test_list_by_name_with_filters_and_pages(demo):
    client = demo("jugendamt")
    whole = client.get("/v1/organizations", params={"limit": "500"}).json()
    names = [(o["name"], o["id"]) for o in whole["items"]]
    assert whole["next"] is None
    assert len(names) >= 11
    seen, after = [], None
    while True:
        page = client.get("/v1/organizations",
                          params={"limit": "3", **({"after": after} if after else {})}).json()
        seen += [(o["name"], o["id"]) for o in page["items"]]
        after = page["next"]
        if not after:
            break
    assert seen == names
    r = client.get("/v1/organizations", params={"kind": "public_agency", "limit": "500"})
    demo_ids = [o["id"] for o in r.json()["items"] if o["id"].startswith("10000000-")]
    assert sorted(demo_ids) == ["10000000-0000-4000-8000-000000000001",
                                "10000000-0000-4000-8000-000000000003"]
    r = client.get("/v1/organizations", params={"q": "caritas"})
    assert [o["id"] for o in r.json()["items"]] == [CARITAS_ORG]
    r = client.get("/v1/organizations", params={"q": "%"})
    assert r.json()["items"] == []


@pytest.mark.parametrize("params,field", [({"kind": "club"}, "kind"), ({"q": ""}, "q"),
                                          ({"district": "Altstadt"}, "district"),
                                          ({"limit": "x"}, "limit")])
def test_list_refuses_a_bad_filter(demo, params, field):
    r = demo("admin").get("/v1/organizations", params=params)
    assert r.status_code == 400
    assert error_fields(r) == [field]


ROLES = ["admin", "coordinator", "other-coordinator", "caseworker", "other-caseworker",
         "auditor", None]
LOGINS = {"admin": "admin", "coordinator": "koordination", "other-coordinator": OTHER_LOGIN,
          "caseworker": "schuldnerberatung", "other-caseworker": "jugendamt",
          "auditor": "auditor", None: None}
# The organization under test is the Caritas (demo org 04): its nodes 07 and 19 are members
# of the demo network; "caseworker" works at its node 07.
MATRIX = {
    "list": [200, 200, 200, 200, 200, 200, 401],
    "get": [200, 200, 200, 200, 200, 200, 401],
    "create": [201, 201, 201, 403, 403, 403, 401],
    "patch": [200, 200, 403, 403, 403, 403, 401],
}


@pytest.mark.parametrize("action", sorted(MATRIX))
@pytest.mark.parametrize("role", ROLES, ids=[str(r) for r in ROLES])
def test_access_matrix(demo, demo_db, other_coordinator, action, role):
    client = demo(LOGINS[role])
    expected = MATRIX[action][ROLES.index(role)]
    before = counts(demo_db)
    if action == "list":
        r = client.get("/v1/organizations")
    elif action == "get":
        r = client.get(f"/v1/organizations/{CARITAS_ORG}")
    elif action == "create":
        r = client.post("/v1/organizations", json=new_org())
    else:
        # The name it has: the demo data stays as it was.
        r = client.patch(f"/v1/organizations/{CARITAS_ORG}",
                         json={"name": "Caritasverband Neustadt e.V."})
    assert r.status_code == expected, r.text
    after = counts(demo_db)
    if action == "create" and expected == 201:
        assert after == (before[0] + 1, before[1] + 1)
    elif action == "patch" and expected == 200:
        assert after == (before[0], before[1] + 1)
    else:
        assert after == before


def test_coordinators_change_organizations_with_a_node_in_their_network(demo, demo_db,
                                                                        other_coordinator):
    o = create(demo("admin"))
    r = demo("admin").post("/v1/nodes", json={"organization_id": o["id"], "name": "Testknoten",
                                              "kind": "other"})
    assert r.status_code == 201
    node_id = r.json()["id"]
    assert other_coordinator.patch(f"/v1/organizations/{o['id']}",
                                   json={"kind": "church"}).status_code == 403
    demo_db.execute("INSERT INTO network_member (network_id, node_id) VALUES (%s, %s)",
                    (OTHER_NETWORK, node_id))
    assert other_coordinator.patch(f"/v1/organizations/{o['id']}",
                                   json={"kind": "church"}).status_code == 200
    assert demo("koordination").patch(f"/v1/organizations/{o['id']}",
                                      json={"kind": "other"}).status_code == 403
    demo_db.execute("INSERT INTO network_member (network_id, node_id) VALUES (%s, %s)",
                    (DEMO_NETWORK, node_id))
    assert demo("koordination").patch(f"/v1/organizations/{o['id']}",
                                      json={"kind": "other"}).status_code == 200


def test_integration_tokens_read_with_directory_read_and_cannot_write(demo):
    reader = integration_token(demo, SCHULDNERBERATUNG_ACCOUNT, ["directory:read"])
    writer = integration_token(demo, SCHULDNERBERATUNG_ACCOUNT, ["directory:write"])
    other = integration_token(demo, SCHULDNERBERATUNG_ACCOUNT, ["cases:read"])
    assert reader.get(f"/v1/organizations/{CARITAS_ORG}").status_code == 200
    assert other.get("/v1/organizations").status_code == 403
    # The token's account is a caseworker: organizations are not theirs to change.
    assert writer.post("/v1/organizations", json=new_org()).status_code == 403
    for c in (reader, writer, other):
        c.close()
