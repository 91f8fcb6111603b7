"""Services: create, read, change; validation, the access matrix, versions, the audit log."""
import pytest

from service_fixtures import (NETWORK, NODE_JUGENDAMT, NODE_SCHULDNER, OTHER_COORDINATOR_LOGIN,
                              OTHER_TG, SERVICE_SCHULDNER, TG_ALLEIN, TG_SUCHT, other_network,
                              unique)

__all__ = ["other_network"]  # the fixture is used by name

MISSING = "30000000-0000-4000-8000-0000000000ff"
MISSING_NODE = "20000000-0000-4000-8000-0000000000ff"

SCHEDULE = [
    {"weekday": 1, "from": "09:00", "to": "12:00", "place": "Caritas-Haus, Domgasse 5",
     "kind": "opening"},
    {"weekday": 4, "from": "14:00", "to": "16:30", "kind": "mobile"},
]


def body(**fields):
    b = {"category": "debt_counselling", "name": unique("Testangebot Schulden")}
    b.update(fields)
    return b


@pytest.fixture
def writer(demo):
    return demo("schuldnerberatung")


@pytest.fixture
def created(writer):
    """A new service of node 7 (Caritas Schuldnerberatung), created by its caseworker."""
    r = writer.post(f"/v1/nodes/{NODE_SCHULDNER}/services",
                    json=body(capacity_total=10, capacity_free=4, wait_days=14,
                              target_group_ids=[TG_ALLEIN], schedule=SCHEDULE))
    assert r.status_code == 201, r.text
    return r.json()


def count_services(demo_db, name):
    return demo_db.execute("SELECT count(*) FROM service WHERE name = %s", (name,)).fetchone()[0]


def audit_rows(demo_db, object_id, action):
    return demo_db.execute(
        "SELECT account_id::text, node_id::text, request_id, detail FROM audit_log"
        " WHERE object_id = %s AND action = %s ORDER BY id", (object_id, action)).fetchall()


def audit_count(demo_db):
    return demo_db.execute("SELECT count(*) FROM audit_log WHERE object_type = 'service'").fetchone()[0]


def fields(r):
    return sorted(e["field"] for e in r.json().get("errors", []))


# --- create and read ------------------------------------------------------------------------

def test_create_answers_the_service_with_etag_location_and_audit(writer, demo_db):
    b = body(description="Beratung bei Überschuldung.\nMit Termin.", eligibility="Alle",
             target_group_ids=[TG_ALLEIN, TG_SUCHT], capacity_total=12, capacity_free=3,
             wait_days=21, district="Altstadt", place="Domgasse 5, 1. OG", schedule=SCHEDULE,
             status="temporarily_closed")
    r = writer.post(f"/v1/nodes/{NODE_SCHULDNER}/services", json=b)
    assert r.status_code == 201, r.text
    s = r.json()
    assert r.headers["ETag"] == '"1"'
    assert r.headers["Location"] == f"/v1/services/{s['id']}"
    for k, v in b.items():
        assert s[k] == v, k
    assert s["node_id"] == NODE_SCHULDNER and s["version"] == 1
    assert s["node"] == {"id": NODE_SCHULDNER, "name": "Caritas Schuldnerberatung Neustadt",
                         "district": "Altstadt"}
    row = demo_db.execute("SELECT node_id::text, capacity_free, schedule, status FROM service"
                          " WHERE id = %s", (s["id"],)).fetchone()
    assert row == (NODE_SCHULDNER, 3, SCHEDULE, "temporarily_closed")
    audit = audit_rows(demo_db, s["id"], "service.create")
    assert len(audit) == 1
    assert audit[0][0] == "60000000-0000-4000-8000-000000000004"
    assert audit[0][1] == NODE_SCHULDNER
    assert audit[0][3]["name"] == b["name"]


def test_create_minimal_takes_the_defaults(writer):
    r = writer.post(f"/v1/nodes/{NODE_SCHULDNER}/services", json=body())
    assert r.status_code == 201, r.text
    s = r.json()
    assert s["status"] == "active" and s["schedule"] == [] and s["target_group_ids"] == []
    assert s["capacity_total"] is None and s["capacity_free"] is None and s["description"] is None


def test_get_one_and_the_node_list(demo, created):
    r = demo("auditor").get(f"/v1/services/{created['id']}")
    assert r.status_code == 200
    assert r.json() == created
    assert r.headers["ETag"] == '"1"'
    listed = demo("jugendamt").get(f"/v1/nodes/{NODE_SCHULDNER}/services?limit=500").json()
    ids = [s["id"] for s in listed["items"]]
    assert created["id"] in ids and SERVICE_SCHULDNER in ids
    assert all(s["node_id"] == NODE_SCHULDNER for s in listed["items"])
    names = [(s["name"], s["id"]) for s in listed["items"]]
    assert names == sorted(names, key=lambda p: p[0])  # by name (then id)


def test_node_list_pages_and_filters_by_status(writer, demo, demo_db):
    closed = writer.post(f"/v1/nodes/{NODE_SCHULDNER}/services", json=body(status="inactive"))
    assert closed.status_code == 201
    expected = [row[0] for row in demo_db.execute(
        "SELECT id::text FROM service WHERE node_id = %s ORDER BY name, id", (NODE_SCHULDNER,))]
    seen, after = [], None
    while True:
        q = "?limit=2" + (f"&after={after}" if after else "")
        page = demo("jobcenter").get(f"/v1/nodes/{NODE_SCHULDNER}/services{q}").json()
        assert len(page["items"]) <= 2
        seen += [s["id"] for s in page["items"]]
        after = page["next"]
        if not after:
            break
    assert seen == expected
    inactive = demo("jobcenter").get(
        f"/v1/nodes/{NODE_SCHULDNER}/services?status=inactive&limit=500").json()["items"]
    assert closed.json()["id"] in [s["id"] for s in inactive]
    assert all(s["status"] == "inactive" for s in inactive)


def test_node_list_of_an_unknown_node_is_404_and_bad_queries_400(demo):
    c = demo("jugendamt")
    assert c.get(f"/v1/nodes/{MISSING_NODE}/services").status_code == 404
    r = c.get(f"/v1/nodes/{NODE_SCHULDNER}/services?status=closed")
    assert r.status_code == 400 and fields(r) == ["status"]
    r = c.get(f"/v1/nodes/{NODE_SCHULDNER}/services?colour=red")
    assert r.status_code == 400 and fields(r) == ["colour"]


def test_unknown_service_is_404(demo):
    assert demo("admin").get(f"/v1/services/{MISSING}").status_code == 404
    assert demo("admin").get("/v1/services/not-a-uuid").status_code == 404
    r = demo("schuldnerberatung").patch(f"/v1/services/{MISSING}", json={"capacity_free": 1})
    assert r.status_code == 404
    r = demo("schuldnerberatung").post(f"/v1/nodes/{MISSING_NODE}/services", json=body())
    assert r.status_code == 404


# --- validation -----------------------------------------------------------------------------

BAD_FIELDS = [
    ({"name": 5}, "name"),
    ({"name": ""}, "name"),
    ({"name": "x" * 201}, "name"),
    ({"name": "zwei\nZeilen"}, "name"),
    ({"category": "Schulden Beratung"}, "category"),
    ({"category": 3}, "category"),
    ({"description": 7}, "description"),
    ({"description": "x" * 4001}, "description"),
    ({"target_group_ids": "x"}, "target_group_ids"),
    ({"target_group_ids": ["nope"]}, "target_group_ids[0]"),
    ({"target_group_ids": [TG_ALLEIN, TG_ALLEIN]}, "target_group_ids[1]"),
    ({"eligibility": []}, "eligibility"),
    ({"eligibility": "x" * 2001}, "eligibility"),
    ({"capacity_total": "3"}, "capacity_total"),
    ({"capacity_total": -1}, "capacity_total"),
    ({"capacity_free": 1.5}, "capacity_free"),
    ({"capacity_free": -3}, "capacity_free"),
    ({"capacity_free": True}, "capacity_free"),
    ({"capacity_total": 2, "capacity_free": 3}, "capacity_free"),
    ({"wait_days": -1}, "wait_days"),
    ({"wait_days": 3651}, "wait_days"),
    ({"district": ""}, "district"),
    ({"district": "x" * 101}, "district"),
    ({"place": "x" * 301}, "place"),
    ({"schedule": {}}, "schedule"),
    ({"schedule": [SCHEDULE[0]] * 51}, "schedule"),
    ({"status": "closed"}, "status"),
    ({"status": None}, "status"),
    ({"node_id": NODE_SCHULDNER}, "node_id"),
    ({"id": MISSING}, "id"),
    ({"colour": "red"}, "colour"),
]

BAD_SCHEDULES = [
    ([{"weekday": 8, "from": "09:00", "to": "10:00", "kind": "opening"}], "schedule[0].weekday"),
    ([{"weekday": 0, "from": "09:00", "to": "10:00", "kind": "opening"}], "schedule[0].weekday"),
    ([SCHEDULE[0], {"weekday": 2, "from": "25:00", "to": "26:00", "kind": "opening"}],
     "schedule[1].from schedule[1].to"),
    ([{"weekday": 2, "from": "9:00", "to": "10:00", "kind": "opening"}], "schedule[0].from"),
    ([{"weekday": 2, "from": "10:00", "to": "10:00", "kind": "opening"}], "schedule[0].to"),
    ([{"weekday": 2, "from": "12:00", "to": "10:00", "kind": "opening"}], "schedule[0].to"),
    ([{"weekday": 2, "from": "09:00", "to": "10:00"}], "schedule[0].kind"),
    ([{"weekday": 2, "from": "09:00", "to": "10:00", "kind": "home"}], "schedule[0].kind"),
    ([{"weekday": 2, "from": "09:00", "to": "10:00", "kind": "opening", "room": "3"}],
     "schedule[0].room"),
    ([{"weekday": 2, "from": "09:00", "to": "10:00", "kind": "opening", "place": "x" * 201}],
     "schedule[0].place"),
    ([SCHEDULE[0], SCHEDULE[1], "Mo 9-12"], "schedule[2]"),
    ([{"from": "09:00", "to": "10:00", "kind": "opening"}], "schedule[0].weekday"),
]


@pytest.mark.parametrize("patch,field", BAD_FIELDS + [({"schedule": s}, f) for s, f in BAD_SCHEDULES])
def test_create_refuses_a_bad_field_and_names_it(writer, demo_db, patch, field):
    b = body(**patch)
    before = audit_count(demo_db)
    r = writer.post(f"/v1/nodes/{NODE_SCHULDNER}/services", json=b)
    assert r.status_code == 422, r.text
    assert r.headers["Content-Type"].startswith("application/problem+json")
    assert fields(r) == sorted(field.split())
    if isinstance(b.get("name"), str):
        assert count_services(demo_db, b["name"]) == 0
    assert audit_count(demo_db) == before


@pytest.mark.parametrize("missing", ["category", "name"])
def test_create_needs_category_and_name(writer, missing):
    b = body()
    del b[missing]
    r = writer.post(f"/v1/nodes/{NODE_SCHULDNER}/services", json=b)
    assert r.status_code == 422 and fields(r) == [missing]


def test_unknown_category_is_422_naming_it(writer, demo_db):
    b = body(category="astrology")
    r = writer.post(f"/v1/nodes/{NODE_SCHULDNER}/services", json=b)
    assert r.status_code == 422 and fields(r) == ["category"]
    assert count_services(demo_db, b["name"]) == 0


def test_target_group_of_another_network_is_422_naming_it(writer, demo_db, other_network):
    for ids in ([OTHER_TG], [TG_ALLEIN, OTHER_TG], ["50000000-0000-4000-8000-0000000000ff"]):
        b = body(target_group_ids=ids)
        before = audit_count(demo_db)
        r = writer.post(f"/v1/nodes/{NODE_SCHULDNER}/services", json=b)
        assert r.status_code == 422, r.text
        assert fields(r) == ["target_group_ids"]
        assert count_services(demo_db, b["name"]) == 0
        assert audit_count(demo_db) == before


def test_category_and_target_group_problems_are_reported_together(writer, other_network):
    r = writer.post(f"/v1/nodes/{NODE_SCHULDNER}/services",
                    json=body(category="astrology", target_group_ids=[OTHER_TG]))
    assert r.status_code == 422 and fields(r) == ["category", "target_group_ids"]


def test_malformed_bodies(writer, demo_db):
    url = f"/v1/nodes/{NODE_SCHULDNER}/services"
    r = writer.request("POST", url, data=b'{"name": ', headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    r = writer.request("POST", url, data=b'[]', headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    r = writer.request("POST", url, data=b'{"category": "debt_counselling", "name": "\xff"}',
                       headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    r = writer.request("POST", url, data=b'name=x', headers={"Content-Type": "text/plain"})
    assert r.status_code == 415


@pytest.mark.parametrize("patch,field", BAD_FIELDS + [({"schedule": s}, f) for s, f in BAD_SCHEDULES[:4]])
def test_patch_refuses_a_bad_field_and_changes_nothing(writer, demo_db, created, patch, field):
    before = audit_count(demo_db)
    r = writer.patch(f"/v1/services/{created['id']}", json=patch)
    assert r.status_code == 422, r.text
    assert fields(r) == sorted(field.split())
    assert writer.get(f"/v1/services/{created['id']}").json() == created
    assert audit_count(demo_db) == before


def test_patch_checks_references_and_stored_capacity(writer, demo_db, created, other_network):
    sid = created["id"]
    r = writer.patch(f"/v1/services/{sid}", json={"target_group_ids": [OTHER_TG]})
    assert r.status_code == 422 and fields(r) == ["target_group_ids"]
    r = writer.patch(f"/v1/services/{sid}", json={"category": "astrology"})
    assert r.status_code == 422 and fields(r) == ["category"]
    # created has 4 free of 10: fewer than 4 in total breaks the stored free count.
    r = writer.patch(f"/v1/services/{sid}", json={"capacity_total": 3})
    assert r.status_code == 422 and fields(r) == ["capacity_free"]
    r = writer.patch(f"/v1/services/{sid}", json={})
    assert r.status_code == 422 and fields(r) == ["body"]
    assert writer.get(f"/v1/services/{sid}").json() == created


# --- changes, versions, audit ---------------------------------------------------------------

def test_patch_changes_capacity_bumps_version_and_is_audited(writer, demo_db, created):
    sid = created["id"]
    r = writer.patch(f"/v1/services/{sid}", json={"capacity_free": 0, "wait_days": 30},
                     headers={"If-Match": '"1"'})
    assert r.status_code == 200, r.text
    s = r.json()
    assert r.headers["ETag"] == '"2"'
    assert s["version"] == 2 and s["capacity_free"] == 0 and s["wait_days"] == 30
    assert s["updated_at"] >= created["updated_at"]
    unchanged = {k: v for k, v in created.items()
                 if k not in ("capacity_free", "wait_days", "version", "updated_at")}
    assert {k: s[k] for k in unchanged} == unchanged
    audit = audit_rows(demo_db, sid, "service.update")
    assert len(audit) == 1
    assert sorted(audit[0][3]["fields"]) == ["capacity_free", "wait_days"]
    assert audit[0][3]["capacity_free"] == 0
    assert audit[0][2] == r.headers["X-Request-Id"]


def test_patch_with_a_stale_if_match_is_412_and_changes_nothing(writer, demo_db, created):
    sid = created["id"]
    assert writer.patch(f"/v1/services/{sid}", json={"capacity_free": 2},
                        headers={"If-Match": '"1"'}).status_code == 200
    r = writer.patch(f"/v1/services/{sid}", json={"capacity_free": 9}, headers={"If-Match": '"1"'})
    assert r.status_code == 412, r.text
    row = demo_db.execute("SELECT capacity_free, version FROM service WHERE id = %s",
                          (sid,)).fetchone()
    assert row == (2, 2)
    assert len(audit_rows(demo_db, sid, "service.update")) == 1
    r = writer.patch(f"/v1/services/{sid}", json={"capacity_free": 9}, headers={"If-Match": "2"})
    assert r.status_code == 400
    r = writer.patch(f"/v1/services/{sid}", json={"capacity_free": 9}, headers={"If-Match": '"2"'})
    assert r.status_code == 200 and r.json()["version"] == 3


def test_patch_clears_nullable_fields_and_replaces_lists(writer, created):
    sid = created["id"]
    r = writer.patch(f"/v1/services/{sid}", json={
        "capacity_total": None, "capacity_free": None, "description": None,
        "target_group_ids": [], "schedule": [SCHEDULE[1]], "name": "Neu benannt " + sid[:8]})
    assert r.status_code == 200, r.text
    s = r.json()
    assert s["capacity_total"] is None and s["capacity_free"] is None
    assert s["description"] is None and s["target_group_ids"] == []
    assert s["schedule"] == [SCHEDULE[1]] and s["name"] == "Neu benannt " + sid[:8]


def test_inactive_is_how_a_service_ends(writer, demo, created):
    r = writer.patch(f"/v1/services/{created['id']}", json={"status": "inactive"})
    assert r.status_code == 200 and r.json()["status"] == "inactive"
    assert writer.delete(f"/v1/services/{created['id']}").status_code == 405
    assert demo("auditor").get(f"/v1/services/{created['id']}").json()["status"] == "inactive"


# --- access ---------------------------------------------------------------------------------

ROLES = ["admin", "koordination", OTHER_COORDINATOR_LOGIN, "schuldnerberatung", "jugendamt",
         "auditor", None]
# Writes to node 7's services: only its caseworker. Everyone else who can see it: 403.
WRITE = {"admin": 403, "koordination": 403, OTHER_COORDINATOR_LOGIN: 403,
         "schuldnerberatung": None, "jugendamt": 403, "auditor": 403, None: 401}
READ = {"admin": 200, "koordination": 200, OTHER_COORDINATOR_LOGIN: 200,
        "schuldnerberatung": 200, "jugendamt": 200, "auditor": 200, None: 401}


@pytest.mark.parametrize("login", ROLES)
def test_access_create(demo, demo_db, other_network, login):
    b = body()
    before = audit_count(demo_db)
    r = demo(login).post(f"/v1/nodes/{NODE_SCHULDNER}/services", json=b)
    assert r.status_code == (WRITE[login] or 201), r.text
    assert count_services(demo_db, b["name"]) == (0 if WRITE[login] else 1)
    assert audit_count(demo_db) == before + (0 if WRITE[login] else 1)


@pytest.mark.parametrize("login", ROLES)
def test_access_patch(demo, demo_db, other_network, created, login):
    before = audit_count(demo_db)
    r = demo(login).patch(f"/v1/services/{created['id']}", json={"capacity_free": 1})
    assert r.status_code == (WRITE[login] or 200), r.text
    free = demo_db.execute("SELECT capacity_free FROM service WHERE id = %s",
                           (created["id"],)).fetchone()[0]
    assert free == (4 if WRITE[login] else 1)
    assert audit_count(demo_db) == before + (0 if WRITE[login] else 1)


@pytest.mark.parametrize("login", ROLES)
def test_access_read(demo, other_network, login):
    c = demo(login)
    assert c.get(f"/v1/services/{SERVICE_SCHULDNER}").status_code == READ[login]
    assert c.get(f"/v1/nodes/{NODE_SCHULDNER}/services").status_code == READ[login]
    assert c.get("/v1/services?category=debt_counselling").status_code == READ[login]


def test_caseworker_of_another_node_cannot_create_for_it_or_change_its_services(demo, demo_db):
    jugendamt = demo("jugendamt")
    r = jugendamt.patch(f"/v1/services/{SERVICE_SCHULDNER}", json={"capacity_free": 50})
    assert r.status_code == 403
    assert demo_db.execute("SELECT capacity_free FROM service WHERE id = %s",
                           (SERVICE_SCHULDNER,)).fetchone()[0] == 0
    # ... while its own node works.
    r = jugendamt.post(f"/v1/nodes/{NODE_JUGENDAMT}/services",
                       json=body(category="family_support", target_group_ids=[TG_ALLEIN]))
    assert r.status_code == 201 and r.json()["node_id"] == NODE_JUGENDAMT


def integration_token(demo, scopes):
    r = demo("admin").post("/v1/accounts/60000000-0000-4000-8000-000000000004/tokens",
                           json={"label": "services-test", "scopes": scopes})
    assert r.status_code == 201, r.text
    return demo(None).as_token(r.json()["token"])


def test_integration_tokens_need_the_directory_scopes(demo, demo_db):
    writer = integration_token(demo, ["directory:write", "directory:read"])
    reader = integration_token(demo, ["directory:read"])
    other = integration_token(demo, ["referrals:read"])
    r = writer.post(f"/v1/nodes/{NODE_SCHULDNER}/services", json=body())
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    assert writer.patch(f"/v1/services/{sid}", json={"capacity_free": 2}).status_code == 200
    assert len(audit_rows(demo_db, sid, "service.update")) == 1
    b = body()
    assert reader.post(f"/v1/nodes/{NODE_SCHULDNER}/services", json=b).status_code == 403
    assert count_services(demo_db, b["name"]) == 0
    assert reader.patch(f"/v1/services/{sid}", json={"capacity_free": 3}).status_code == 403
    assert reader.get(f"/v1/services/{sid}").status_code == 200
    assert reader.get("/v1/services?q=Schulden").status_code == 200
    assert other.get(f"/v1/services/{sid}").status_code == 403
    assert other.get(f"/v1/nodes/{NODE_SCHULDNER}/services").status_code == 403
    # A node's token writes only its node's services.
    r = writer.post(f"/v1/nodes/{NODE_JUGENDAMT}/services", json=body())
    assert r.status_code == 403


def test_openapi_documents_the_service_routes(demo):
    text = demo(None).get("/v1/openapi.yaml").text
    for path in ("/v1/nodes/{id}/services:", "/v1/services:", "/v1/services/{id}:"):
        assert path in text


def test_racing_patches_with_the_same_if_match_one_wins(writer, demo_db, created):
    from concurrent.futures import ThreadPoolExecutor
    sid = created["id"]

    def patch(i):
        c = writer.as_token(writer.token)
        try:
            return c.patch(f"/v1/services/{sid}", json={"capacity_free": i % 10},
                           headers={"If-Match": '"1"'}).status_code
        finally:
            c.close()

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(patch, range(16)))
    assert sorted(statuses) == [200] + [412] * 15
    assert demo_db.execute("SELECT version FROM service WHERE id = %s", (sid,)).fetchone()[0] == 2
    assert len(audit_rows(demo_db, sid, "service.update")) == 1
