"""Chains: /v1/networks/{id}/chains and /v1/chains/{id} (create, list, read, rename), who may
do what, and the audit rows."""

import pytest

from chainkit import (DEMO_CHAINS, GROUPS, NETWORK, OTHER_GROUP, OTHER_NETWORK, audit_rows,
                      etag, new_chain, token_client, who)  # noqa: F401 (who is a fixture)


def test_coordinator_creates_a_chain(who, demo_db):
    k = who("koordination")
    r = k.post(f"/v1/networks/{NETWORK}/chains",
               json={"target_group_id": GROUPS[1], "name": "Neue Kette U25",
                     "description": "Für den Workshop im Mai."})
    assert r.status_code == 201, r.text
    chain = r.json()
    assert r.headers["Location"] == f"/v1/chains/{chain['id']}"
    assert etag(r) == '"1"'
    assert {k: chain[k] for k in ("network_id", "target_group_id", "name", "description",
                                   "current_version", "draft_version", "version")} == {
        "network_id": NETWORK, "target_group_id": GROUPS[1], "name": "Neue Kette U25",
        "description": "Für den Workshop im Mai.", "current_version": None,
        "draft_version": None, "version": 1}
    rows = audit_rows(demo_db, chain["id"], "chain.create")
    assert len(rows) == 1
    assert rows[0][0] == "60000000-0000-4000-8000-000000000002"
    assert rows[0][1]["name"] == "Neue Kette U25"
    assert k.get(f"/v1/chains/{chain['id']}").json() == chain


def chain_count(conn):
    return conn.execute("SELECT count(*) FROM chain").fetchone()[0]


@pytest.mark.parametrize("body, status, field", [
    ({"name": "Ohne Zielgruppe"}, 422, "target_group_id"),
    ({"target_group_id": GROUPS[0], "name": ""}, 422, "name"),
    ({"target_group_id": GROUPS[0], "name": "x", "network_id": NETWORK}, 422, "network_id"),
    ({"target_group_id": "5e000000-0000-4000-8000-000000000001", "name": "Unbekannte Gruppe"},
     422, "target_group_id"),
    ({"target_group_id": OTHER_GROUP, "name": "Fremde Zielgruppe"}, 422, "target_group_id"),
    ({"target_group_id": GROUPS[0], "name": "Wege in Arbeit für Alleinerziehende"}, 409, "name"),
])
def test_create_refuses_bad_bodies_and_writes_nothing(who, demo_db, body, status, field):
    before = chain_count(demo_db)
    audit_before = demo_db.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    r = who("koordination").post(f"/v1/networks/{NETWORK}/chains", json=body)
    assert r.status_code == status, r.text
    assert field in [e["field"] for e in r.json()["errors"]]
    assert chain_count(demo_db) == before
    assert demo_db.execute("SELECT count(*) FROM audit_log").fetchone()[0] == audit_before


@pytest.mark.parametrize("login, status", [
    ("other-coordinator", 404), ("schuldnerberatung", 403), ("auditor", 403),
])
def test_only_the_networks_coordinators_create(who, demo_db, login, status):
    before = chain_count(demo_db)
    r = who(login).post(f"/v1/networks/{NETWORK}/chains",
                        json={"target_group_id": GROUPS[0], "name": "Unerlaubt"})
    assert r.status_code == status, r.text
    assert chain_count(demo_db) == before


def test_admin_creates_in_any_network_and_unknown_networks_are_404(who):
    a = who("admin")
    r = a.post(f"/v1/networks/{OTHER_NETWORK}/chains",
               json={"target_group_id": OTHER_GROUP, "name": "Altdorfer Kette"})
    assert r.status_code == 201, r.text
    r = a.post("/v1/networks/4e000000-0000-4000-8000-000000000009/chains",
               json={"target_group_id": OTHER_GROUP, "name": "Nirgends"})
    assert r.status_code == 404


# Who reads a demo chain: coordinators and admins with drafts, caseworkers of member nodes
# without, nobody else.
@pytest.mark.parametrize("login, status, sees_drafts", [
    ("admin", 200, True), ("koordination", 200, True), ("schuldnerberatung", 200, False),
    ("jobcenter", 200, False), ("auditor", 404, None), ("other-coordinator", 404, None),
    ("outsider", 404, None), (None, 401, None),
])
def test_access_matrix_for_reading(who, login, status, sees_drafts):
    k = who("koordination")
    chain = new_chain(k)
    assert k.post(f"/v1/chains/{chain['id']}/versions", json={}).status_code == 201
    c = who(login)
    r = c.get(f"/v1/chains/{chain['id']}")
    assert r.status_code == status, r.text
    listed = c.get(f"/v1/networks/{NETWORK}/chains", params={"limit": 500})
    assert listed.status_code == status
    if status == 404:
        assert r.json()["title"] == "Not found"
        assert listed.json()["title"] == "Not found"
    if status != 200:
        return
    assert r.json()["draft_version"] == (1 if sees_drafts else None)
    assert r.json()["current_version"] is None
    ids = [item["id"] for item in listed.json()["items"]]
    assert set(DEMO_CHAINS) <= set(ids) and chain["id"] in ids


def test_list_filters_by_target_group_and_pages(who):
    k = who("koordination")
    r = k.get(f"/v1/networks/{NETWORK}/chains", params={"target_group_id": GROUPS[2]})
    assert r.status_code == 200
    items = r.json()["items"]
    assert DEMO_CHAINS[2] in [c["id"] for c in items]
    assert {c["target_group_id"] for c in items} == {GROUPS[2]}
    seen, after = [], None
    while True:
        params = {"limit": 1}
        if after:
            params["after"] = after
        page = k.get(f"/v1/networks/{NETWORK}/chains", params=params).json()
        seen += [c["id"] for c in page["items"]]
        after = page["next"]
        if not after:
            break
    full = k.get(f"/v1/networks/{NETWORK}/chains", params={"limit": 500}).json()["items"]
    assert seen == [c["id"] for c in full]
    assert k.get(f"/v1/networks/{NETWORK}/chains", params={"color": "x"}).status_code == 400
    assert k.get(f"/v1/networks/{NETWORK}/chains",
                 params={"target_group_id": "nope"}).status_code == 400


def test_demo_chains_are_published(who):
    for chain_id in DEMO_CHAINS:
        r = who("jobcenter").get(f"/v1/chains/{chain_id}")
        assert r.status_code == 200
        assert r.json()["current_version"] == 1


def test_rename_with_if_match(who, demo_db):
    k = who("koordination")
    chain = new_chain(k)
    url = f"/v1/chains/{chain['id']}"
    r = k.patch(url, json={"name": "Umbenannt", "description": None},
                headers={"If-Match": '"1"'})
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "Umbenannt" and r.json()["description"] is None
    assert r.json()["version"] == 2 and etag(r) == '"2"'
    rows = audit_rows(demo_db, chain["id"], "chain.update")
    assert len(rows) == 1 and sorted(rows[0][1]["fields"]) == ["description", "name"]

    r = k.patch(url, json={"name": "Zu spät"}, headers={"If-Match": '"1"'})
    assert r.status_code == 412, r.text
    assert k.get(url).json()["name"] == "Umbenannt"
    assert len(audit_rows(demo_db, chain["id"], "chain.update")) == 1

    r = k.patch(url, json={"target_group_id": GROUPS[1]})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "target_group_id"
    assert k.patch(url, json={}).status_code == 422
    assert k.patch(url, json={"name": "x"}, headers={"If-Match": "2"}).status_code == 400
    assert k.patch(url, json={"name": "Ohne If-Match"}).status_code == 200


@pytest.mark.parametrize("login, status", [
    ("other-coordinator", 404), ("schuldnerberatung", 403), ("auditor", 403),
])
def test_others_cannot_rename(who, demo_db, login, status):
    chain = new_chain(who("koordination"))
    r = who(login).patch(f"/v1/chains/{chain['id']}", json={"name": "Übernommen"})
    assert r.status_code == status
    assert audit_rows(demo_db, chain["id"], "chain.update") == []


def test_integration_tokens_need_the_chains_scopes(who):
    admin = who("admin")
    account = "60000000-0000-4000-8000-000000000004"  # schuldnerberatung
    reader = token_client(None, admin, account, ["chains:read"])
    other = token_client(None, admin, account, ["directory:read"])
    try:
        assert reader.get(f"/v1/chains/{DEMO_CHAINS[0]}").status_code == 200
        assert reader.get(f"/v1/chains/{DEMO_CHAINS[0]}/versions/1").status_code == 200
        r = other.get(f"/v1/chains/{DEMO_CHAINS[0]}")
        assert r.status_code == 403 and "chains:read" in r.json()["detail"]
    finally:
        reader.close()
        other.close()
