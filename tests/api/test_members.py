"""/v1/networks/{id}/members[/{node_id}]: a network's member nodes."""

import pytest

from harness import german_date
from network_fixtures import (COORDINATED_WRITE, COORDINATION_NODE, DEMO_NETWORK, READ, ROLES,
                              SCHULDNER_NODE, audit_rows, callers, etag, make_node, net,
                              problem_fields)

__all__ = ["callers", "net"]  # fixtures used by the tests below


def member_row(db, network, node):
    return db.execute(
        "SELECT role, joined_on::text, agreement_signed_on::text, days_to_accept, active, version"
        " FROM network_member WHERE network_id = %s AND node_id = %s", (network, node)).fetchone()


def member_count(db):
    return db.execute("SELECT count(*) FROM network_member").fetchone()[0]


def members_path(net, node=None):
    return f"/v1/networks/{net['id']}/members" + (f"/{node}" if node else "")


def test_add_with_defaults(demo_db, net):
    node = make_node(demo_db)
    r = net["coordinator"].post(members_path(net), json={"node_id": node})
    assert r.status_code == 201, r.text
    body = r.json()
    today = german_date().isoformat()
    assert body["network_id"] == net["id"] and body["node_id"] == node
    assert body["role"] == "member" and body["joined_on"] == today and body["active"] is True
    assert body["agreement_signed_on"] is None and body["days_to_accept"] is None
    assert body["node"]["id"] == node and body["node"]["kind"] == "counselling_service"
    assert body["node"]["district"] == "Altstadt" and body["node"]["name"].startswith("Testb")
    assert body["version"] == 1 and r.headers["ETag"] == '"1"'
    assert r.headers["Location"] == members_path(net, node)
    assert member_row(demo_db, net["id"], node) == ("member", today, None, None, True, 1)
    assert audit_rows(demo_db, r) == [("network.member.add", "network", net["id"],
                                       {"node_id": node, "role": "member"}, net["account"])]


def test_add_with_every_field(demo, demo_db, net):
    node = make_node(demo_db)
    r = demo("admin").post(members_path(net), json={
        "node_id": node, "role": "coordinator", "joined_on": "2024-02-29",
        "agreement_signed_on": "2024-03-01", "days_to_accept": 90})
    assert r.status_code == 201, r.text
    assert member_row(demo_db, net["id"], node) == ("coordinator", "2024-02-29", "2024-03-01",
                                                    90, True, 1)


@pytest.mark.parametrize("body, field", [
    ({}, "node_id"),
    ({"node_id": None}, "node_id"),
    ({"node_id": "20000000-0000-4000-8000-00000000007"}, "node_id"),
    ({"node_id": 7}, "node_id"),
    ({"role": "boss"}, "role"),
    ({"role": "Coordinator"}, "role"),
    ({"role": None}, "role"),
    ({"joined_on": "2024-02-30"}, "joined_on"),
    ({"joined_on": "01.03.2024"}, "joined_on"),
    ({"joined_on": None}, "joined_on"),
    ({"agreement_signed_on": "2024-13-01"}, "agreement_signed_on"),
    ({"agreement_signed_on": 20240101}, "agreement_signed_on"),
    ({"days_to_accept": 0}, "days_to_accept"),
    ({"days_to_accept": 91}, "days_to_accept"),
    ({"days_to_accept": "3"}, "days_to_accept"),
    ({"days_to_accept": True}, "days_to_accept"),
    ({"active": False}, "active"),
    ({"network_id": DEMO_NETWORK}, "network_id"),
    ({"note": "x"}, "note"),
])
def test_add_rejects_bad_fields_and_writes_nothing(demo_db, net, body, field):
    node = make_node(demo_db)
    body = {"node_id": node} | body if "node_id" not in body and body != {} else body
    before = member_count(demo_db)
    r = net["coordinator"].post(members_path(net), json=body)
    assert r.status_code == 422, r.text
    assert problem_fields(r) == [field]
    assert member_count(demo_db) == before
    assert audit_rows(demo_db, r) == []


def test_an_unknown_node_is_422_naming_node_id(demo_db, net):
    before = member_count(demo_db)
    r = net["coordinator"].post(members_path(net),
                                json={"node_id": "20000000-0000-4000-8000-00000000ffff"})
    assert r.status_code == 422, r.text
    assert problem_fields(r) == ["node_id"]
    assert member_count(demo_db) == before


def test_an_inactive_node_cannot_be_a_member(demo_db, net):
    node = make_node(demo_db, active=False)
    r = net["coordinator"].post(members_path(net), json={"node_id": node})
    assert r.status_code == 422, r.text
    assert r.json()["errors"] == [{"field": "node_id", "code": "inactive",
                                   "message": "must refer to something active"}]
    assert member_row(demo_db, net["id"], node) is None
    assert audit_rows(demo_db, r) == []


def test_a_node_cannot_be_added_twice(demo_db, net):
    node = make_node(demo_db)
    assert net["coordinator"].post(members_path(net), json={"node_id": node}).status_code == 201
    r = net["coordinator"].post(members_path(net), json={"node_id": node, "role": "coordinator"})
    assert r.status_code == 409, r.text
    assert problem_fields(r) == ["node_id"]
    assert member_row(demo_db, net["id"], node)[0] == "member"


def test_an_unknown_network_is_404(demo, demo_db):
    node = make_node(demo_db)
    for client in (demo("admin"), demo("koordination")):
        r = client.post("/v1/networks/40000000-0000-4000-8000-00000000ffff/members",
                        json={"node_id": node})
        assert r.status_code == 404, r.text
        assert client.get("/v1/networks/40000000-0000-4000-8000-00000000ffff/members"
                          ).status_code == 404
    assert demo("admin").get(f"/v1/networks/{DEMO_NETWORK}/members/{node}").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_add_access(callers, demo_db, net, role):
    node = make_node(demo_db)
    r = callers[role].post(members_path(net), json={"node_id": node})
    expected = COORDINATED_WRITE[role] or 201
    assert r.status_code == expected, r.text
    assert (member_row(demo_db, net["id"], node) is not None) == (expected == 201)
    if expected == 403:
        assert audit_rows(demo_db, r) == []


@pytest.mark.parametrize("role", ROLES)
def test_read_access(callers, net, role):
    client = callers[role]
    for path in (members_path(net), members_path(net, SCHULDNER_NODE),
                 f"/v1/networks/{DEMO_NETWORK}/members",
                 f"/v1/networks/{DEMO_NETWORK}/members/{SCHULDNER_NODE}"):
        assert client.get(path).status_code == READ[role], path


@pytest.mark.parametrize("role", ROLES)
def test_patch_access(callers, demo_db, net, role):
    node = make_node(demo_db)
    assert callers["admin"].post(members_path(net), json={"node_id": node}).status_code == 201
    r = callers[role].patch(members_path(net, node), json={"days_to_accept": 4})
    expected = COORDINATED_WRITE[role] or 200
    assert r.status_code == expected, r.text
    row = member_row(demo_db, net["id"], node)
    assert row[3] == (4 if expected == 200 else None) and row[5] == (2 if expected == 200 else 1)


@pytest.mark.parametrize("role", ROLES)
def test_deactivate_access(callers, demo_db, net, role):
    node = make_node(demo_db)
    assert callers["admin"].post(members_path(net), json={"node_id": node}).status_code == 201
    r = callers[role].delete(members_path(net, node))
    expected = COORDINATED_WRITE[role] or 200
    assert r.status_code == expected, r.text
    assert member_row(demo_db, net["id"], node)[4] is (expected != 200)


def test_the_demo_members_with_their_nodes(demo):
    r = demo("jugendamt").get(f"/v1/networks/{DEMO_NETWORK}/members/{SCHULDNER_NODE}")
    assert r.status_code == 200
    body = r.json()
    assert body["node"] == {"id": SCHULDNER_NODE, "name": "Caritas Schuldnerberatung Neustadt",
                            "kind": "counselling_service", "district": "Altstadt"}
    assert (body["role"], body["joined_on"], body["agreement_signed_on"],
            body["days_to_accept"], body["active"]) == ("member", "2024-02-01", "2024-02-20",
                                                         10, True)
    assert r.headers["ETag"] == f'"{body["version"]}"'


def test_list_pages_by_node_name_and_filters(demo):
    client = demo("auditor")
    seen, after = [], None
    while True:
        params = {"limit": 5} | ({"after": after} if after else {})
        page = client.get(f"/v1/networks/{DEMO_NETWORK}/members", params=params).json()
        assert len(page["items"]) <= 5
        seen += page["items"]
        after = page["next"]
        if not after:
            break
    names = [m["node"]["name"] for m in seen]
    assert names == sorted(names) and len(seen) >= 19
    assert len({m["node_id"] for m in seen}) == len(seen)
    r = client.get(f"/v1/networks/{DEMO_NETWORK}/members", params={"role": "coordinator"})
    assert [m["node_id"] for m in r.json()["items"]] == [COORDINATION_NODE]
    r = client.get(f"/v1/networks/{DEMO_NETWORK}/members", params={"active": "true"})
    assert all(m["active"] for m in r.json()["items"]) and len(r.json()["items"]) >= 19


@pytest.mark.parametrize("query, name", [("role=boss", "role"), ("active=yes", "active"),
                                         ("limit=0", "limit"), ("node=x", "node")])
def test_list_rejects_bad_query_parameters(demo, query, name):
    r = demo("admin").get(f"/v1/networks/{DEMO_NETWORK}/members?{query}")
    assert r.status_code == 400, r.text
    assert name in r.text


def test_patch_with_if_match_and_a_stale_one(demo_db, net):
    node = make_node(demo_db)
    coordinator = net["coordinator"]
    assert coordinator.post(members_path(net), json={"node_id": node}).status_code == 201
    r = coordinator.patch(members_path(net, node), headers=etag(1), json={
        "role": "coordinator", "joined_on": "2025-01-02", "agreement_signed_on": "2025-01-15",
        "days_to_accept": 3})
    assert r.status_code == 200, r.text
    assert r.headers["ETag"] == '"2"' and r.json()["role"] == "coordinator"
    assert audit_rows(demo_db, r) == [
        ("network.member.update", "network", net["id"],
         {"node_id": node, "fields": ["role", "joined_on", "days_to_accept",
                                      "agreement_signed_on"]}, net["account"])]
    stale = coordinator.patch(members_path(net, node), headers=etag(1), json={"role": "member"})
    assert stale.status_code == 412, stale.text
    assert audit_rows(demo_db, stale) == []
    assert member_row(demo_db, net["id"], node) == ("coordinator", "2025-01-02", "2025-01-15",
                                                    3, True, 2)
    r = coordinator.patch(members_path(net, node), json={"agreement_signed_on": None,
                                                         "days_to_accept": None})
    assert r.status_code == 200
    assert member_row(demo_db, net["id"], node)[2:4] == (None, None)


@pytest.mark.parametrize("body, field", [
    ({}, "body"), ({"role": "chair"}, "role"), ({"active": "no"}, "active"),
    ({"active": None}, "active"), ({"joined_on": "2025-02-29"}, "joined_on"),
    ({"days_to_accept": 0}, "days_to_accept"), ({"node_id": SCHULDNER_NODE}, "node_id"),
])
def test_patch_rejects_bad_fields(demo_db, net, body, field):
    r = net["coordinator"].patch(members_path(net, SCHULDNER_NODE), json=body)
    assert r.status_code == 422, r.text
    assert problem_fields(r) == [field]
    assert audit_rows(demo_db, r) == []


def test_unknown_member_is_404(net):
    r = net["coordinator"].patch(members_path(net, "20000000-0000-4000-8000-000000000005"),
                                 json={"days_to_accept": 3})
    assert r.status_code == 404
    assert net["coordinator"].delete(
        members_path(net, "20000000-0000-4000-8000-000000000005")).status_code == 404


def test_delete_deactivates_and_keeps_the_row(demo_db, net):
    node = make_node(demo_db)
    coordinator = net["coordinator"]
    assert coordinator.post(members_path(net), json={"node_id": node}).status_code == 201
    stale = coordinator.delete(members_path(net, node), headers=etag(7))
    assert stale.status_code == 412
    assert member_row(demo_db, net["id"], node)[4] is True
    r = coordinator.delete(members_path(net, node), headers=etag(1))
    assert r.status_code == 200, r.text
    assert r.json()["active"] is False and r.headers["ETag"] == '"2"'
    assert member_row(demo_db, net["id"], node)[4:] == (False, 2)
    assert audit_rows(demo_db, r) == [("network.member.deactivate", "network", net["id"],
                                       {"node_id": node}, net["account"])]
    # Again: answered unchanged, nothing written.
    again = coordinator.delete(members_path(net, node))
    assert again.status_code == 200 and again.json()["version"] == 2
    assert audit_rows(demo_db, again) == []
    listed = coordinator.get(members_path(net), params={"active": "false"}).json()["items"]
    assert node in [m["node_id"] for m in listed]
    # Reactivated by PATCH; adding it again is a conflict.
    assert coordinator.post(members_path(net), json={"node_id": node}).status_code == 409
    r = coordinator.patch(members_path(net, node), json={"active": True})
    assert r.status_code == 200 and r.json()["active"] is True


def test_a_member_whose_node_went_inactive_cannot_be_reactivated(demo_db, net):
    node = make_node(demo_db)
    coordinator = net["coordinator"]
    assert coordinator.post(members_path(net), json={"node_id": node}).status_code == 201
    assert coordinator.delete(members_path(net, node)).status_code == 200
    demo_db.execute("UPDATE node SET active = false WHERE id = %s", (node,))
    r = coordinator.patch(members_path(net, node), json={"active": True})
    assert r.status_code == 422, r.text
    assert problem_fields(r) == ["node_id"]
    assert member_row(demo_db, net["id"], node)[4:] == (False, 2)
    # Other changes to the inactive membership are still possible.
    r = coordinator.patch(members_path(net, node), json={"days_to_accept": 2})
    assert r.status_code == 200, r.text
