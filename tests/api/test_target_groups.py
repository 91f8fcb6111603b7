"""/v1/networks/{id}/target-groups and /v1/target-groups/{id}: a network's target groups."""

import uuid

import pytest

from network_fixtures import (COORDINATED_WRITE, DEMO_NETWORK, READ, ROLES, SCHULDNER_NODE,
                              audit_rows, callers, etag, net, problem_fields)

__all__ = ["callers", "net"]  # fixtures used by the tests below

ALLEINERZIEHENDE = "50000000-0000-4000-8000-000000000001"


def code():
    return f"tg-{uuid.uuid4().hex[:10]}"


def group_row(db, group):
    return db.execute("SELECT network_id::text, code, name, criteria, version FROM target_group"
                      " WHERE id = %s", (group,)).fetchone()


def group_count(db):
    return db.execute("SELECT count(*) FROM target_group").fetchone()[0]


def new_group(client, net, **fields):
    r = client.post(f"/v1/networks/{net['id']}/target-groups",
                    json={"code": code(), "name": "Ältere in Grundsicherung"} | fields)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_create_and_read(demo, demo_db, net):
    c = code()
    r = net["coordinator"].post(f"/v1/networks/{net['id']}/target-groups", json={
        "code": c, "name": "Ältere in Grundsicherung (SGB XII)",
        "criteria": "Ab 60 Jahren,\nmit Leistungen nach dem SGB XII."})
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["network_id"], body["code"], body["version"]) == (net["id"], c, 1)
    assert r.headers["Location"] == f"/v1/target-groups/{body['id']}"
    assert r.headers["ETag"] == '"1"'
    assert group_row(demo_db, body["id"]) == (net["id"], c, "Ältere in Grundsicherung (SGB XII)",
                                             "Ab 60 Jahren,\nmit Leistungen nach dem SGB XII.", 1)
    assert audit_rows(demo_db, r) == [("target_group.create", "target_group", body["id"],
                                       {"network_id": net["id"], "code": c}, net["account"])]
    got = demo("jugendamt").get(f"/v1/target-groups/{body['id']}")
    assert got.status_code == 200 and got.json() == body
    counts = demo("auditor").get(f"/v1/networks/{net['id']}").json()["counts"]
    assert counts["target_groups"] >= 1


@pytest.mark.parametrize("body, field", [
    ({"name": "x"}, "code"),
    ({"code": "a"}, "name"),
    ({"code": "Alleinerziehende", "name": "x"}, "code"),
    ({"code": "1abc", "name": "x"}, "code"),
    ({"code": "a b", "name": "x"}, "code"),
    ({"code": "a" * 65, "name": "x"}, "code"),
    ({"code": "", "name": "x"}, "code"),
    ({"code": 5, "name": "x"}, "code"),
    ({"code": "a", "name": ""}, "name"),
    ({"code": "a", "name": "n" * 201}, "name"),
    ({"code": "a", "name": "a\tb"}, "name"),
    ({"code": "a", "name": None}, "name"),
    ({"code": "a", "name": "x", "criteria": ""}, "criteria"),
    ({"code": "a", "name": "x", "criteria": "c" * 4001}, "criteria"),
    ({"code": "a", "name": "x", "criteria": 1}, "criteria"),
    ({"code": "a", "name": "x", "network_id": DEMO_NETWORK}, "network_id"),
    ({"code": "a", "name": "x", "label": "y"}, "label"),
])
def test_create_rejects_bad_fields_and_writes_nothing(demo_db, net, body, field):
    before = group_count(demo_db)
    r = net["coordinator"].post(f"/v1/networks/{net['id']}/target-groups", json=body)
    assert r.status_code == 422, r.text
    assert problem_fields(r) == [field]
    assert group_count(demo_db) == before
    assert audit_rows(demo_db, r) == []


def test_a_code_is_unique_within_its_network_only(demo, demo_db, net):
    c = code()
    new_group(net["coordinator"], net, code=c)
    admin = demo("admin")
    other = admin.post("/v1/networks", json={"name": f"Netz {c}", "locality": "N"}).json()
    new_group(admin, other, code=c)
    before = group_count(demo_db)
    r = net["coordinator"].post(f"/v1/networks/{net['id']}/target-groups",
                                json={"code": c, "name": "Noch einmal"})
    assert r.status_code == 409, r.text
    assert problem_fields(r) == ["code"]
    assert group_count(demo_db) == before
    assert audit_rows(demo_db, r) == []


def test_the_demo_groups_in_code_order_with_pages(demo):
    client = demo("schuldnerberatung")
    seen, after = [], None
    while True:
        params = {"limit": 2} | ({"after": after} if after else {})
        r = client.get(f"/v1/networks/{DEMO_NETWORK}/target-groups", params=params)
        assert r.status_code == 200
        assert len(r.json()["items"]) <= 2
        seen += r.json()["items"]
        after = r.json()["next"]
        if not after:
            break
    codes = [g["code"] for g in seen]
    assert codes == sorted(codes) and len(set(codes)) == len(codes)
    assert [c for c in codes if c in ("alleinerziehende", "sucht", "u25")] == \
        ["alleinerziehende", "sucht", "u25"]
    assert all(g["network_id"] == DEMO_NETWORK for g in seen)
    g = client.get(f"/v1/target-groups/{ALLEINERZIEHENDE}")
    assert g.json()["name"] == "Alleinerziehende im Langzeitleistungsbezug"
    assert g.json()["network_id"] == DEMO_NETWORK
    assert g.headers["ETag"] == f'"{g.json()["version"]}"'


def test_unknown_ids_and_bad_queries(demo, net):
    client = demo("admin")
    missing = "40000000-0000-4000-8000-00000000ffff"
    assert client.get(f"/v1/networks/{missing}/target-groups").status_code == 404
    assert client.post(f"/v1/networks/{missing}/target-groups",
                       json={"code": "x", "name": "x"}).status_code == 404
    assert client.get(f"/v1/target-groups/{missing}").status_code == 404
    assert client.patch(f"/v1/target-groups/{missing}", json={"name": "x"}).status_code == 404
    assert client.delete(f"/v1/target-groups/{missing}").status_code == 404
    assert client.get("/v1/target-groups/nope").status_code == 404
    assert client.get(f"/v1/networks/{net['id']}/target-groups?code=x").status_code == 400
    assert client.get(f"/v1/networks/{net['id']}/target-groups?limit=501").status_code == 400


@pytest.mark.parametrize("role", ROLES)
def test_create_access(callers, demo_db, net, role):
    before = group_count(demo_db)
    r = callers[role].post(f"/v1/networks/{net['id']}/target-groups",
                           json={"code": code(), "name": "x"})
    expected = COORDINATED_WRITE[role] or 201
    assert r.status_code == expected, r.text
    assert group_count(demo_db) == before + (1 if expected == 201 else 0)


@pytest.mark.parametrize("role", ROLES)
def test_read_access(callers, net, role):
    group = new_group(callers["admin"], net)
    for path in (f"/v1/networks/{net['id']}/target-groups", f"/v1/target-groups/{group}",
                 f"/v1/networks/{DEMO_NETWORK}/target-groups",
                 f"/v1/target-groups/{ALLEINERZIEHENDE}"):
        assert callers[role].get(path).status_code == READ[role], path


@pytest.mark.parametrize("role", ROLES)
def test_patch_access(callers, demo_db, net, role):
    group = new_group(callers["admin"], net)
    r = callers[role].patch(f"/v1/target-groups/{group}", json={"name": f"by {role}"})
    expected = COORDINATED_WRITE[role] or 200
    assert r.status_code == expected, r.text
    row = group_row(demo_db, group)
    assert (row[2], row[4]) == ((f"by {role}", 2) if expected == 200 else ("Ältere in Grundsicherung", 1))


@pytest.mark.parametrize("role", ROLES)
def test_delete_access(callers, demo_db, net, role):
    group = new_group(callers["admin"], net)
    r = callers[role].delete(f"/v1/target-groups/{group}")
    expected = COORDINATED_WRITE[role] or 204
    assert r.status_code == expected, r.text
    assert (group_row(demo_db, group) is None) == (expected == 204)


def test_the_other_networks_coordinator_cannot_touch_demo_groups(demo, demo_db, net):
    r = net["coordinator"].patch(f"/v1/target-groups/{ALLEINERZIEHENDE}", json={"name": "x"})
    assert r.status_code == 403, r.text
    assert net["coordinator"].delete(f"/v1/target-groups/{ALLEINERZIEHENDE}").status_code == 403
    assert group_row(demo_db, ALLEINERZIEHENDE)[2] == "Alleinerziehende im Langzeitleistungsbezug"
    assert audit_rows(demo_db, r) == []


def test_patch_with_if_match_and_a_stale_one(demo_db, net):
    coordinator = net["coordinator"]
    group = new_group(coordinator, net, criteria="alt")
    new_code = code()
    r = coordinator.patch(f"/v1/target-groups/{group}", headers=etag(1),
                          json={"code": new_code, "criteria": None})
    assert r.status_code == 200, r.text
    assert r.headers["ETag"] == '"2"' and r.json()["criteria"] is None
    assert audit_rows(demo_db, r) == [("target_group.update", "target_group", group,
                                       {"network_id": net["id"], "fields": ["code", "criteria"]},
                                       net["account"])]
    stale = coordinator.patch(f"/v1/target-groups/{group}", headers=etag(1), json={"name": "y"})
    assert stale.status_code == 412, stale.text
    assert audit_rows(demo_db, stale) == []
    assert group_row(demo_db, group) == (net["id"], new_code, "Ältere in Grundsicherung", None, 2)
    assert coordinator.delete(f"/v1/target-groups/{group}", headers=etag(1)).status_code == 412
    assert group_row(demo_db, group) is not None


@pytest.mark.parametrize("body, field", [
    ({}, "body"), ({"code": "A"}, "code"), ({"name": ""}, "name"), ({"code": None}, "code"),
    ({"network_id": DEMO_NETWORK}, "network_id"), ({"criteria": "x" * 4001}, "criteria"),
])
def test_patch_rejects_bad_fields(demo_db, net, body, field):
    group = new_group(net["coordinator"], net)
    r = net["coordinator"].patch(f"/v1/target-groups/{group}", json=body)
    assert r.status_code == 422, r.text
    assert problem_fields(r) == [field]
    assert group_row(demo_db, group)[4] == 1


def test_patch_to_a_taken_code_is_409(demo_db, net):
    taken = code()
    new_group(net["coordinator"], net, code=taken)
    group = new_group(net["coordinator"], net)
    r = net["coordinator"].patch(f"/v1/target-groups/{group}", json={"code": taken})
    assert r.status_code == 409 and problem_fields(r) == ["code"]


def test_delete_writes_an_audit_row(demo_db, net):
    group = new_group(net["coordinator"], net)
    r = net["coordinator"].delete(f"/v1/target-groups/{group}", headers=etag(1))
    assert r.status_code == 204, r.text
    assert r.content == b""
    assert group_row(demo_db, group) is None
    assert [a[:3] for a in audit_rows(demo_db, r)] == [("target_group.delete", "target_group",
                                                        group)]
    assert net["coordinator"].delete(f"/v1/target-groups/{group}").status_code == 404


def test_a_group_named_by_a_service_or_a_chain_cannot_go(demo_db, net):
    coordinator = net["coordinator"]
    by_service = new_group(coordinator, net)
    demo_db.execute("INSERT INTO service (node_id, category, name, target_group_ids)"
                    " VALUES (%s, 'debt_counselling', 'Testangebot', ARRAY[%s]::uuid[])",
                    (SCHULDNER_NODE, by_service))
    by_chain = new_group(coordinator, net)
    demo_db.execute("INSERT INTO chain (network_id, target_group_id, name) VALUES (%s, %s, %s)",
                    (net["id"], by_chain, f"Kette {by_chain}"))
    for group in (by_service, by_chain):
        r = coordinator.delete(f"/v1/target-groups/{group}")
        assert r.status_code == 409, r.text
        assert r.json()["type"].endswith("/in-use")
        assert group_row(demo_db, group) is not None
        assert audit_rows(demo_db, r) == []
