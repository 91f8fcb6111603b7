"""Open Referral HSDS 3.0: the export (GET /v1/hsds/...) and `pnetd hsds-import FILE`.

The round trip: the Neustadt demo directory exported, imported into an empty database, and
exported again gives the same document (timestamps aside)."""

import copy
import json
import re

import psycopg
import pytest

from harness import Api, run_pnetd

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
COLLECTIONS = ("organizations", "locations", "services", "service_at_locations")
ROUTES = {"organizations": "/v1/hsds/organizations", "locations": "/v1/hsds/locations",
          "services": "/v1/hsds/services",
          "service_at_locations": "/v1/hsds/service_at_locations"}
ADMIN_PASSWORD = "hsds-admin-password"

DEBT_SERVICE = "30000000-0000-4000-8000-000000000016"
CARITAS_DEBT_NODE = "20000000-0000-4000-8000-000000000007"
CARITAS = "10000000-0000-4000-8000-000000000004"


def collect(client, path, limit=7):
    """Every item of a paginated HSDS collection, walking next."""
    items, after = [], None
    while True:
        params = {"limit": limit}
        if after:
            params["after"] = after
        r = client.get(path, params=params)
        assert r.status_code == 200, r.text
        body = r.json()
        assert set(body) == {"items", "next"}
        items += body["items"]
        after = body["next"]
        if after is None:
            return items


def export_all(client):
    return {name: collect(client, path) for name, path in ROUTES.items()}


def without_timestamps(doc):
    """The document with the capacity timestamps (service updated_at) left out."""
    doc = copy.deepcopy(doc)
    for service in doc["services"]:
        for capacity in service.get("capacities", []):
            capacity.pop("updated")
    return doc


def directory_rows(conninfo):
    """The registry rows as the database holds them, versions and timestamps included."""
    with psycopg.connect(conninfo) as conn:
        return {table: conn.execute(f"SELECT to_jsonb(t) - 'search' FROM {table} t ORDER BY id")
                .fetchall() for table in ("organization", "node", "service")}


def audit_rows(conninfo):
    with psycopg.connect(conninfo) as conn:
        return [r[0] for r in conn.execute(
            "SELECT detail FROM audit_log WHERE action = 'hsds.import' ORDER BY id")]


def import_file(pnetd_exe, path, conninfo):
    return run_pnetd(pnetd_exe, "hsds-import", str(path), f"--database={conninfo}")


@pytest.fixture(scope="module")
def exported(demo):
    return export_all(demo("admin"))


# --- reading -------------------------------------------------------------------------------

@pytest.mark.parametrize("login", ["admin", "koordination", "jobcenter", "auditor"])
def test_every_role_reads_the_hsds_collections(demo, login):
    for path in ROUTES.values():
        r = demo(login).get(path, params={"limit": 2})
        assert r.status_code == 200, (path, r.text)
        assert len(r.json()["items"]) == 2


def test_reads_need_a_token(demo):
    for path in list(ROUTES.values()) + ["/v1/hsds/export"]:
        assert demo(None).get(path).status_code == 401


def test_whole_export_is_for_admins_and_coordinators(demo, exported):
    for login in ("admin", "koordination"):
        r = demo(login).get("/v1/hsds/export")
        assert r.status_code == 200, r.text
        assert r.json() == exported
    for login in ("jobcenter", "auditor"):
        r = demo(login).get("/v1/hsds/export")
        assert r.status_code == 403
        assert r.headers["Content-Type"].startswith("application/problem+json")


def test_integration_tokens_need_directory_read(demo):
    admin = demo("admin")
    account = "60000000-0000-4000-8000-000000000004"  # schuldnerberatung, a caseworker
    tokens = {}
    for scopes in (["directory:read"], ["cases:read"]):
        r = admin.post(f"/v1/accounts/{account}/tokens", json={"label": "hsds", "scopes": scopes})
        assert r.status_code == 201, r.text
        tokens[scopes[0]] = r.json()["token"]
    reader = Api(admin.base_url, tokens["directory:read"])
    other = Api(admin.base_url, tokens["cases:read"])
    try:
        assert reader.get("/v1/hsds/services").status_code == 200
        r = other.get("/v1/hsds/services")
        assert r.status_code == 403
        assert r.json()["type"].endswith("insufficient-scope")
        # The whole export is not for caseworkers' tokens either.
        assert reader.get("/v1/hsds/export").status_code == 403
    finally:
        reader.close()
        other.close()


def test_lists_refuse_bad_query_parameters(demo):
    client = demo("admin")
    for params, field in (({"limit": 0}, "limit"), ({"after": "!!"}, "after"),
                          ({"sort": "name"}, "sort")):
        r = client.get("/v1/hsds/services", params=params)
        assert r.status_code == 400, params
        assert r.json()["errors"][0]["field"] == field


def test_pages_cover_everything_once(demo, demo_db, exported):
    # Other tests add to the shared demo database: the export must hold exactly what the
    # tables hold when it is made (tests run one at a time, so nothing changes in between).
    now = export_all(demo("admin"))
    tables = {"organizations": "organization", "locations": "node", "services": "service"}
    for name, table in tables.items():
        ids = {str(row[0]) for row in demo_db.execute(f"SELECT id FROM {table}")}
        assert {item["id"] for item in now[name]} == ids, name
    assert {s["service_id"] for s in now["service_at_locations"]} == {s["id"] for s in now["services"]}
    assert len(exported["organizations"]) >= 11 and len(exported["locations"]) >= 19
    assert len(exported["services"]) >= 41
    for name in COLLECTIONS:
        ids = [item["id"] for item in now[name]]
        assert len(set(ids)) == len(ids)
        # In id order (service_at_locations in the order of their services).
        keys = [item.get("service_id", item["id"]) for item in now[name]]
        assert keys == sorted(keys)
    # Two exports give the same document: every nested id is deterministic.
    assert export_all(demo("koordination")) == now


# --- what HSDS expects ---------------------------------------------------------------------

def check_fields(obj, required, optional, where):
    """required and optional: {name: type or tuple of types}; nothing else may appear."""
    assert isinstance(obj, dict), where
    for name, kind in required.items():
        assert name in obj, f"{where}: {name} missing"
    for name, value in obj.items():
        kind = required.get(name, optional.get(name))
        assert kind is not None, f"{where}: unexpected field {name}"
        assert isinstance(value, kind), f"{where}.{name}: {value!r}"
        assert value is not None, f"{where}.{name} is null"
        if name == "id" or name.endswith("_id"):
            assert UUID.match(value), f"{where}.{name}: {value}"


def check_attributes(parent, where):
    for i, a in enumerate(parent.get("attributes", [])):
        w = f"{where}.attributes[{i}]"
        check_fields(a, {"id": str, "taxonomy_term": dict},
                     {"link_id": str, "link_entity": str, "link_type": str,
                      "taxonomy_term_id": str, "value": str}, w)
        check_fields(a["taxonomy_term"], {"id": str, "name": str, "description": str},
                     {"code": str, "taxonomy": str}, w + ".taxonomy_term")
        assert a["taxonomy_term_id"] == a["taxonomy_term"]["id"]
        assert a["link_id"] == parent["id"]


def check_address(a, where):
    check_fields(a, {"id": str, "address_1": str, "city": str, "state_province": str,
                     "postal_code": str, "country": str, "address_type": str},
                 {"location_id": str}, where)
    assert a["country"] == "DE"
    assert a["address_type"] in ("physical", "postal", "virtual")


def test_documents_have_the_hsds_required_fields(exported):
    number = (int, float)
    ids = {name: {item["id"] for item in exported[name]} for name in COLLECTIONS}
    for i, o in enumerate(exported["organizations"]):
        w = f"organizations[{i}]"
        check_fields(o, {"id": str, "name": str, "description": str},
                     {"email": str, "website": str, "phones": list, "locations": list,
                      "attributes": list}, w)
        for p in o.get("phones", []):
            check_fields(p, {"id": str, "number": str}, {"organization_id": str}, w + ".phones")
        for loc in o.get("locations", []):
            check_fields(loc, {"id": str, "location_type": str},
                         {"organization_id": str, "name": str, "addresses": list}, w)
            assert loc["location_type"] == "postal"
            for a in loc["addresses"]:
                check_address(a, w + ".locations.addresses")
        check_attributes(o, w)
    for i, loc in enumerate(exported["locations"]):
        w = f"locations[{i}]"
        check_fields(loc, {"id": str, "location_type": str},
                     {"organization_id": str, "name": str, "url": str, "latitude": number,
                      "longitude": number, "addresses": list, "phones": list,
                      "contacts": list, "languages": list, "accessibility": list,
                      "attributes": list}, w)
        assert loc["location_type"] == "physical"
        assert loc["organization_id"] in ids["organizations"]
        for a in loc["addresses"]:
            check_address(a, w + ".addresses")
        for lang in loc["languages"]:
            check_fields(lang, {"id": str}, {"location_id": str, "code": str}, w + ".languages")
        for p in loc["phones"]:
            check_fields(p, {"id": str, "number": str}, {"location_id": str}, w + ".phones")
        for c in loc["contacts"]:
            check_fields(c, {"id": str}, {"location_id": str, "name": str, "email": str}, w)
        for a in loc["accessibility"]:
            check_fields(a, {"id": str}, {"location_id": str, "description": str}, w)
        check_attributes(loc, w)
    for i, s in enumerate(exported["services"]):
        w = f"services[{i}]"
        check_fields(s, {"id": str, "name": str, "status": str},
                     {"organization_id": str, "description": str,
                      "eligibility_description": str, "wait_time": str, "capacities": list,
                      "schedules": list, "attributes": list}, w)
        assert s["status"] in ("active", "inactive", "defunct", "temporarily closed")
        assert s["organization_id"] in ids["organizations"]
        for c in s["capacities"]:
            check_fields(c, {"id": str, "unit": dict, "available": int, "updated": str},
                         {"service_id": str, "maximum": int}, w + ".capacities")
            check_fields(c["unit"], {"id": str, "name": str}, {"scheme": str, "identifier": str},
                         w + ".capacities.unit")
        for j, sch in enumerate(s["schedules"]):
            sw = f"{w}.schedules[{j}]"
            check_fields(sch, {"id": str}, {"service_id": str, "freq": str, "wkst": str,
                                            "byday": str, "opens_at": str, "closes_at": str,
                                            "description": str, "attributes": list}, sw)
            assert sch["freq"] == "WEEKLY"
            assert sch["byday"] in ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
            assert re.match(r"^\d\d:\d\d$", sch["opens_at"]), sw
            check_attributes(sch, sw)
        check_attributes(s, w)
    for i, sal in enumerate(exported["service_at_locations"]):
        check_fields(sal, {"id": str}, {"service_id": str, "location_id": str},
                     f"service_at_locations[{i}]")
        assert sal["service_id"] in ids["services"]
        assert sal["location_id"] in ids["locations"]
    # Every id is unique across the whole document, nested objects included.
    seen = []

    def walk(v):
        if isinstance(v, dict):
            if "id" in v:
                seen.append((v["id"], json.dumps(v, sort_keys=True)))
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
    walk(exported)
    by_id = {}
    for id_, text in seen:
        by_id.setdefault(id_, set()).add(text)
    # A taxonomy term appears under each attribute that uses it, always the same.
    assert all(len(texts) == 1 for texts in by_id.values())


def test_mapping_of_one_service_and_its_location(exported):
    service = next(s for s in exported["services"] if s["id"] == DEBT_SERVICE)
    assert service["organization_id"] == CARITAS
    assert service["name"] == "Schuldner- und Insolvenzberatung"
    assert service["status"] == "active"
    assert service["wait_time"] == "42 days"
    cap = service["capacities"][0]
    assert (cap["available"], cap["maximum"], cap["unit"]["name"]) == (0, 80, "places")
    category = [a for a in service["attributes"]
                if a["taxonomy_term"]["taxonomy"] == "pnet-service-category"]
    assert [a["taxonomy_term"]["code"] for a in category] == ["debt_counselling"]
    assert category[0]["taxonomy_term"]["name"] == "Debt counselling"
    assert service["schedules"][0]["byday"] == "MO"
    assert service["schedules"][0]["opens_at"] == "09:00"
    assert service["schedules"][0]["description"] == "Caritas-Haus, Domgasse 5"
    sal = [x for x in exported["service_at_locations"] if x["service_id"] == DEBT_SERVICE]
    assert len(sal) == 1 and sal[0]["location_id"] == CARITAS_DEBT_NODE
    node = next(n for n in exported["locations"] if n["id"] == CARITAS_DEBT_NODE)
    assert node["addresses"][0]["address_1"] == "Domgasse 5"
    assert node["addresses"][0]["postal_code"] == "55511"
    assert [lang["code"] for lang in node["languages"]] == ["de", "en", "ru"]
    terms = {a["taxonomy_term"]["taxonomy"]: a for a in node["attributes"]}
    assert terms["pnet-node-kind"]["taxonomy_term"]["code"] == "counselling_service"
    assert terms["pnet-node-status"]["taxonomy_term"]["code"] == "active"
    assert terms["pnet-district"]["value"] == "Altstadt"


# --- import --------------------------------------------------------------------------------

def test_round_trip_through_an_empty_database(demo, exported, tmp_path, pnetd_exe,
                                              database_factory, pnetd_factory):
    path = tmp_path / "neustadt-hsds.json"
    path.write_text(json.dumps(exported, ensure_ascii=False), encoding="utf-8")
    conninfo = database_factory()

    r = import_file(pnetd_exe, path, conninfo)
    assert r.returncode == 0, r.stderr
    n_orgs, n_locs, n_svcs = (len(exported[k]) for k in ("organizations", "locations", "services"))
    assert f"organizations: {n_orgs} created, 0 updated, 0 unchanged" in r.stdout
    assert f"locations: {n_locs} created, 0 updated, 0 unchanged" in r.stdout
    assert f"services: {n_svcs} created, 0 updated, 0 unchanged" in r.stdout
    audits = audit_rows(conninfo)
    assert len(audits) == 1
    assert audits[0]["services"] == {"created": n_svcs, "updated": 0, "unchanged": 0}
    assert audits[0]["organizations"]["created"] == n_orgs

    r = run_pnetd(pnetd_exe, "create-admin", "--login", "admin", "--password-stdin",
                  f"--database={conninfo}", input=ADMIN_PASSWORD + "\n")
    assert r.returncode == 0, r.stderr
    server = pnetd_factory(database=conninfo)
    client = Api(server.base_url)
    try:
        client.login("admin", ADMIN_PASSWORD)
        again = export_all(client)
        assert without_timestamps(again) == without_timestamps(exported)
        r = client.get("/v1/hsds/export")
        assert r.status_code == 200
        assert without_timestamps(r.json()) == without_timestamps(exported)
    finally:
        client.close()

    # Twice is a no-op: no row changes (versions and timestamps stay), one more audit row.
    before = directory_rows(conninfo)
    r = import_file(pnetd_exe, path, conninfo)
    assert r.returncode == 0, r.stderr
    assert f"services: 0 created, 0 updated, {n_svcs} unchanged" in r.stdout
    assert directory_rows(conninfo) == before
    audits = audit_rows(conninfo)
    assert len(audits) == 2
    assert audits[1]["locations"] == {"created": 0, "updated": 0, "unchanged": n_locs}

    # A changed service is updated in place, and only it.
    changed = copy.deepcopy(exported)
    service = next(s for s in changed["services"] if s["id"] == DEBT_SERVICE)
    service["name"] = "Schuldnerberatung (neu)"
    service["status"] = "temporarily closed"
    path.write_text(json.dumps(changed), encoding="utf-8")
    r = import_file(pnetd_exe, path, conninfo)
    assert r.returncode == 0, r.stderr
    assert "services: 0 created, 1 updated, 40 unchanged" in r.stdout
    with psycopg.connect(conninfo) as conn:
        row = conn.execute("SELECT name, status, version FROM service WHERE id = %s",
                           (DEBT_SERVICE,)).fetchone()
    assert row == ("Schuldnerberatung (neu)", "temporarily_closed", 2)


def test_import_keeps_target_groups_of_existing_services(demo, demo_database, tmp_path,
                                                         pnetd_exe):
    """Importing the export into the database it came from changes nothing there, and in
    particular leaves the services' target groups (not part of HSDS) alone."""
    # A fresh export: one taken earlier could undo what other tests changed since.
    exported = export_all(demo("admin"))
    path = tmp_path / "same.json"
    path.write_text(json.dumps(exported), encoding="utf-8")
    before = directory_rows(demo_database)
    r = import_file(pnetd_exe, path, demo_database)
    assert r.returncode == 0, r.stderr
    assert f"services: 0 created, 0 updated, {len(exported['services'])} unchanged" in r.stdout
    assert directory_rows(demo_database) == before


def broken(exported):
    doc = copy.deepcopy(exported)
    doc["organizations"][0]["fax"] = "0555 1"
    doc["locations"][2]["latitude"] = 123.0
    doc["locations"][3]["attributes"] = []
    doc["services"][4]["status"] = "open"
    doc["services"][5]["attributes"][0]["taxonomy_term"]["code"] = "astrology"
    doc["services"][6]["wait_time"] = "soon"
    doc["services"][7]["schedules"][0]["byday"] = "1MO"
    doc["service_at_locations"][8]["service_id"] = "99999999-0000-4000-8000-000000000000"
    return doc


def test_a_broken_file_is_refused_whole(exported, tmp_path, pnetd_exe, database_factory):
    conninfo = database_factory()
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken(exported)), encoding="utf-8")
    r = import_file(pnetd_exe, path, conninfo)
    assert r.returncode == 1
    assert "nothing imported" in r.stderr
    for where in ("organizations[0].fax: unknown field",
                  "locations[2].latitude:",
                  "locations[3]: needs an attribute of taxonomy pnet-node-kind",
                  "services[4].status:",
                  "services[5]: \"astrology\" is not a service category",
                  "services[6].wait_time:",
                  "services[7].schedules[0]: byday",
                  "service_at_locations[8]: service_id names no service",
                  f"services[8]: no service_at_location"):
        assert where in r.stderr, (where, r.stderr)
    assert directory_rows(conninfo) == {"organization": [], "node": [], "service": []}
    assert audit_rows(conninfo) == []


@pytest.mark.parametrize("content", ["", "[]", "{\"organizations\": [}", "{\"a\": 1, \"a\": 2}",
                                     "{\"services\": 3}"])
def test_malformed_json_writes_nothing(tmp_path, pnetd_exe, database, content):
    conninfo = database
    before = directory_rows(conninfo), audit_rows(conninfo)
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    r = import_file(pnetd_exe, path, conninfo)
    assert r.returncode == 1, r.stderr
    assert r.stderr.startswith("pnetd hsds-import:")
    assert (directory_rows(conninfo), audit_rows(conninfo)) == before


def test_usage_and_a_missing_file(tmp_path, pnetd_exe, database):
    r = run_pnetd(pnetd_exe, "hsds-import", f"--database={database}")
    assert r.returncode == 2
    r = run_pnetd(pnetd_exe, "hsds-import", str(tmp_path / "none.json"), f"--database={database}")
    assert r.returncode == 1
    assert "cannot read" in r.stderr
