"""Shared set-up of the network, member and target-group tests (imported by those files).

Writes go to a network of the tests' own ("X", made by demo('admin')) so that the demo network
stays as loaded. X has a coordinator account of its own; demo('koordination') coordinates
only the demo network, so for X it is "the coordinator of another network". Node 07 (Caritas
Schuldnerberatung, demo('schuldnerberatung')) is a member of X; demo('jugendamt') works for a
node that is not.
"""

import uuid

import pytest

from harness import Api

DEMO_NETWORK = "40000000-0000-4000-8000-000000000001"
DEMO_ORG = "10000000-0000-4000-8000-000000000004"
SCHULDNER_NODE = "20000000-0000-4000-8000-000000000007"
COORDINATION_NODE = "20000000-0000-4000-8000-000000000016"
PASSWORD = "network-test-password"


def unique(prefix):
    return f"{prefix} {uuid.uuid4().hex[:10]}"


def make_node(db, active=True):
    """A node of the tests' own (inserted directly: the nodes API is not ours)."""
    row = db.execute(
        "INSERT INTO node (organization_id, name, kind, district, active)"
        " VALUES (%s, %s, 'counselling_service', 'Altstadt', %s) RETURNING id::text",
        (DEMO_ORG, unique("Testberatung"), active)).fetchone()
    return row[0]


def audit_rows(db, response):
    """The audit rows written by the request that gave response (by its request id)."""
    return db.execute(
        "SELECT action, object_type, object_id::text, detail, account_id::text"
        " FROM audit_log WHERE request_id = %s ORDER BY id",
        (response.headers["X-Request-Id"],)).fetchall()


def problem_fields(response):
    return [e["field"] for e in response.json().get("errors", [])]


def etag(version):
    return {"If-Match": f'"{version}"'}


@pytest.fixture(scope="module")
def net(demo):
    """{"id": X, "coordinator": Api of X's coordinator, "account": its id} (see above)."""
    admin = demo("admin")
    r = admin.post("/v1/networks", json={"name": unique("Testnetzwerk"), "locality": "Neustadt"})
    assert r.status_code == 201, r.text
    network_id = r.json()["id"]
    login = f"coord-{uuid.uuid4().hex[:10]}"
    r = admin.post("/v1/accounts", json={"login": login, "display_name": "Koordination X",
                                         "role": "coordinator", "network_ids": [network_id],
                                         "password": PASSWORD,
                                         # a fixture's account, not a person's first login
                                         "must_change_password": False})
    assert r.status_code == 201, r.text
    account = r.json()["id"]
    r = admin.post(f"/v1/networks/{network_id}/members", json={"node_id": SCHULDNER_NODE})
    assert r.status_code == 201, r.text
    coordinator = Api(admin.base_url)
    coordinator.login(login, PASSWORD)
    yield {"id": network_id, "coordinator": coordinator, "account": account}
    coordinator.close()


@pytest.fixture(scope="module")
def callers(demo, net):
    """The access matrix's rows: name -> Api client, as seen from network X."""
    return {
        "admin": demo("admin"),
        "coordinator": net["coordinator"],
        "other_coordinator": demo("koordination"),
        "member_caseworker": demo("schuldnerberatung"),
        "other_caseworker": demo("jugendamt"),
        "auditor": demo("auditor"),
        "anonymous": demo(None),
    }


ROLES = ["admin", "coordinator", "other_coordinator", "member_caseworker", "other_caseworker",
         "auditor", "anonymous"]

# Expected status of a write by each caller: admins and X's coordinators may, everyone else not.
COORDINATED_WRITE = {"admin": None, "coordinator": None, "other_coordinator": 403,
                     "member_caseworker": 403, "other_caseworker": 403, "auditor": 403,
                     "anonymous": 401}

# Reads: the directory is open to every role.
READ = {role: 200 for role in ROLES} | {"anonymous": 401}
