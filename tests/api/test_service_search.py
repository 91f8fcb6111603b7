"""The service directory: GET /v1/services with filters, full text, and cursor pages.

Expected sets are computed here from the rows in the database (other tests add services of
their own), so the assertions hold whatever ran before; a few fixed demo facts pin them down.
"""
from urllib.parse import quote, urlencode

import pytest

from service_fixtures import (INACTIVE_NODE_SERVICE, NETWORK, NODE_QUARTIER, OTHER_NETWORK,
                              OTHER_TG, SERVICE_KURZBERATUNG, SERVICE_SCHULDNER, TG_ALLEIN,
                              TG_U25, other_network)

__all__ = ["other_network"]


@pytest.fixture
def reader(demo, other_network):
    return demo("jobcenter")


def rows(demo_db):
    """Every service with what the filters look at, as dicts."""
    cur = demo_db.execute(
        "SELECT s.id::text, s.name, s.category, s.target_group_ids::text[],"
        "       coalesce(s.district, n.district), s.capacity_free, s.status, n.active,"
        "       n.languages, ARRAY(SELECT m.network_id::text FROM network_member m"
        "                          WHERE m.node_id = n.id AND m.active)"
        "  FROM service s JOIN node n ON n.id = s.node_id")
    keys = ("id", "name", "category", "tgs", "district", "free", "status", "node_active",
            "languages", "networks")
    return [dict(zip(keys, r)) for r in cur.fetchall()]


def expected(demo_db, status="active", category=None, target_group_id=None, district=None,
             network_id=None, has_capacity=None, language=None):
    out = []
    for s in rows(demo_db):
        if not s["node_active"] or s["status"] != status:
            continue
        if category and s["category"] != category:
            continue
        if target_group_id and target_group_id not in s["tgs"]:
            continue
        if district and (s["district"] or "").lower() != district.lower():
            continue
        if network_id and network_id not in s["networks"]:
            continue
        if has_capacity == "true" and not (s["free"] and s["free"] > 0):
            continue
        if language and language not in s["languages"]:
            continue
        out.append(s)
    # The server sorts in the database's collation; compare as sets and check order apart.
    return {s["id"] for s in out}


def search(client, **params):
    """All pages of a search (limit 500), as a list of items."""
    r = client.get("/v1/services?" + urlencode(params, quote_via=quote))
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["next"] is None
    return page["items"]


def ids(items):
    return {s["id"] for s in items}


def test_default_lists_active_services_of_active_nodes_in_name_order(reader, demo_db):
    items = search(reader, limit=500)
    assert ids(items) == expected(demo_db)
    assert INACTIVE_NODE_SERVICE not in ids(items)  # its node is inactive
    assert "30000000-0000-4000-8000-000000000035" not in ids(items)  # temporarily closed
    names = [s["name"] for s in items]
    db_order = [r[0] for r in demo_db.execute(
        "SELECT s.name FROM service s WHERE s.id = ANY(%s::uuid[]) ORDER BY s.name, s.id",
        ([s["id"] for s in items],))]
    assert names == db_order
    s = next(i for i in items if i["id"] == SERVICE_SCHULDNER)
    assert s["node"] == {"id": "20000000-0000-4000-8000-000000000007",
                         "name": "Caritas Schuldnerberatung Neustadt", "district": "Altstadt"}
    assert s["category"] == "debt_counselling" and s["capacity_total"] == 80


@pytest.mark.parametrize("params", [
    {"category": "debt_counselling"},
    {"category": "childcare"},
    {"target_group_id": TG_U25},
    {"target_group_id": OTHER_TG},
    {"district": "Nordstadt"},
    {"district": "südviertel"},
    {"network_id": NETWORK},
    {"network_id": OTHER_NETWORK},
    {"has_capacity": "true"},
    {"has_capacity": "false"},
    {"language": "ru"},
    {"language": "fa"},
    {"language": "zz"},
    {"status": "temporarily_closed"},
    {"status": "inactive"},
    {"category": "childcare", "has_capacity": "true"},
    {"district": "Nordstadt", "language": "tr", "has_capacity": "true"},
    {"network_id": NETWORK, "target_group_id": TG_ALLEIN, "district": "Weststadt"},
    {"category": "qualification", "target_group_id": TG_ALLEIN, "language": "en",
     "network_id": NETWORK, "has_capacity": "true", "district": "Weststadt"},
])
def test_each_filter_alone_and_combined(reader, demo_db, params):
    got = ids(search(reader, limit=500, **params))
    assert got == expected(demo_db, **params)


def test_filters_pick_the_known_demo_services(reader):
    debt = ids(search(reader, category="debt_counselling", limit=500))
    assert {SERVICE_SCHULDNER, SERVICE_KURZBERATUNG} <= debt
    assert all(s["category"] == "debt_counselling"
               for s in search(reader, category="debt_counselling", limit=500))
    free_childcare = ids(search(reader, category="childcare", has_capacity="true"))
    # 11 (Jugendamt) and 21 (AWO Randzeiten) have no free place; 20 (AWO Kita) has three.
    assert "30000000-0000-4000-8000-000000000020" in free_childcare
    assert not {"30000000-0000-4000-8000-000000000011",
                "30000000-0000-4000-8000-000000000021"} & free_childcare
    other = search(reader, network_id=OTHER_NETWORK, limit=500)
    assert other and all(s["node_id"] == NODE_QUARTIER for s in other)
    farsi = search(reader, language="fa", limit=500)
    assert farsi and all(s["node"]["name"] == "DRK Migrationsberatung Neustadt" for s in farsi)
    assert search(reader, language="zz") == []
    assert all(s["capacity_free"] > 0 and s["status"] == "active"
               for s in search(reader, has_capacity="true", limit=500))


def test_q_full_text_and_parts_of_compounds(reader):
    found = ids(search(reader, q="Schuldnerberatung", limit=500))
    # The category's label and the node's name carry the compound.
    assert {SERVICE_SCHULDNER, SERVICE_KURZBERATUNG} <= found
    assert INACTIVE_NODE_SERVICE not in found
    # A word of a description only, in another inflection (german stemming).
    assert ids(search(reader, q="Pfändungsschutzkonto")) == {SERVICE_KURZBERATUNG}
    assert SERVICE_SCHULDNER in ids(search(reader, q="Gläubiger"))  # "Gläubigern"
    # A part of a compound in a name.
    assert "30000000-0000-4000-8000-000000000040" in ids(search(reader, q="stromspar"))
    # Several words (websearch syntax): both must occur.
    assert ids(search(reader, q="Kinderbetreuung Deutschkurs")) == {
        "30000000-0000-4000-8000-000000000027"}
    # LIKE's wildcards are plain characters.
    assert search(reader, q="%") == []
    assert search(reader, q="_") == []
    assert search(reader, q="xyzzy-nichts") == []


def test_q_combines_with_filters(reader):
    got = search(reader, q="Beratung", district="Nordstadt", limit=500)
    assert got
    assert all((s["district"] or s["node"]["district"]) == "Nordstadt" for s in got)


def test_pagination_walk_visits_every_match_once(reader, demo_db):
    for params in ({}, {"has_capacity": "true"}, {"q": "Beratung"}):
        full = [s["id"] for s in search(reader, limit=500, **params)]
        assert len(full) > 3
        seen, after, pages = [], None, 0
        while True:
            p = dict(params, limit=3)
            if after:
                p["after"] = after
            r = reader.get("/v1/services?" + urlencode(p, quote_via=quote))
            assert r.status_code == 200, r.text
            page = r.json()
            assert 1 <= len(page["items"]) <= 3
            seen += [s["id"] for s in page["items"]]
            pages += 1
            after = page["next"]
            if not after:
                break
        assert seen == full
        assert len(set(seen)) == len(seen)
        assert pages == (len(full) + 2) // 3


@pytest.mark.parametrize("query,field", [
    ("has_capacity=yes", "has_capacity"),
    ("has_capacity=1", "has_capacity"),
    ("has_capacity=", "has_capacity"),
    ("category=Debt%20Counselling", "category"),
    ("category=astrology", "category"),
    ("target_group_id=nope", "target_group_id"),
    ("target_group_id=50000000-0000-4000-8000-0000000000ff", "target_group_id"),
    ("network_id=123", "network_id"),
    ("network_id=40000000-0000-4000-8000-0000000000ff", "network_id"),
    ("district=", "district"),
    ("district=" + "x" * 101, "district"),
    ("language=deu", "language"),
    ("language=DE", "language"),
    ("q=", "q"),
    ("q=" + "x" * 201, "q"),
    ("q=%01", "q"),
    ("q=%FF", "q"),
    ("status=closed", "status"),
    ("limit=0", "limit"),
    ("limit=501", "limit"),
    ("limit=x", "limit"),
    ("after=garbage!", "after"),
    ("colour=red", "colour"),
    ("node_id=20000000-0000-4000-8000-000000000007", "node_id"),
])
def test_bad_values_and_unknown_filters_are_400_naming_them(reader, query, field):
    r = reader.get("/v1/services?" + query)
    assert r.status_code == 400, r.text
    assert r.headers["Content-Type"].startswith("application/problem+json")
    assert [e["field"] for e in r.json()["errors"]] == [field]


def test_several_bad_values_are_named_together(reader):
    r = reader.get("/v1/services?has_capacity=ja&language=xyz")
    assert r.status_code == 400
    assert sorted(e["field"] for e in r.json()["errors"]) == ["has_capacity", "language"]


def test_form_encoded_spaces_in_q(reader):
    """Browsers and requests send a space in a query as '+'."""
    r = reader.get("/v1/services", params={"q": "Kinderbetreuung Deutschkurs"})
    assert r.status_code == 200
    assert ids(r.json()["items"]) == {"30000000-0000-4000-8000-000000000027"}
