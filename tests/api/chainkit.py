"""What the chain tests share: the demo ids, accounts outside the demo network, and a
branching chain to build."""

import uuid

import pytest

from harness import Api
from registry_support import OTHER_LOGIN, OTHER_NETWORK, ensure_other_network

NETWORK = "40000000-0000-4000-8000-000000000001"
GROUPS = ["50000000-0000-4000-8000-00000000000" + str(i) for i in (1, 2, 3)]
DEMO_CHAINS = ["70000000-0000-4000-8000-00000000000" + str(i) for i in (1, 2, 3)]
JOBCENTER = "20000000-0000-4000-8000-000000000002"     # first_consultation, job_placement, ...
KITA = "20000000-0000-4000-8000-000000000009"          # childcare
SCHULDNER = "20000000-0000-4000-8000-000000000007"     # debt_counselling
BILDUNG = "20000000-0000-4000-8000-000000000011"       # qualification
KOORDINATION_NODE = "20000000-0000-4000-8000-000000000016"  # a member that offers no service

# Outside the demo network: a network of its own with a coordinator, and a node that is no
# member with a caseworker. Fixed ids, so that creating them twice is harmless.
OTHER_GROUP = "5f000000-0000-4000-8000-000000000001"
OUTSIDE_ORGANIZATION = "1f000000-0000-4000-8000-000000000001"
OUTSIDE_NODE = "2f000000-0000-4000-8000-000000000001"
OUTSIDE_CASEWORKER = "6f000000-0000-4000-8000-000000000002"
DEMO_PASSWORD = "neustadt-demo"


def make_outsiders(conn):
    """Creates (once) the other network and its coordinator (registry_support's), the node
    outside the network and its caseworker 'aussen-fallmanagement' (password neustadt-demo)."""
    # The other network and its coordinator are the registry tests' own (same ids, one login).
    ensure_other_network(conn.info.dsn)
    conn.execute(
        "INSERT INTO target_group (id, network_id, code, name) VALUES (%s, %s, 'alle', 'Alle')"
        " ON CONFLICT DO NOTHING", (OTHER_GROUP, OTHER_NETWORK))
    # An organization of its own: under a demo organization, the other network's coordinator
    # would gain rights over that organization (it coordinates a network one of its nodes is in).
    conn.execute(
        "INSERT INTO organization (id, name, kind) VALUES (%s, 'Sozialwerk Altdorf e.V.',"
        " 'welfare_association') ON CONFLICT DO NOTHING", (OUTSIDE_ORGANIZATION,))
    conn.execute(
        "INSERT INTO node (id, organization_id, name, kind) VALUES"
        " (%s, %s, 'Sozialwerk Altdorf, Beratungsstelle', 'counselling_service')"
        " ON CONFLICT DO NOTHING", (OUTSIDE_NODE, OUTSIDE_ORGANIZATION))
    conn.execute(
        "INSERT INTO network_member (network_id, node_id) VALUES (%s, %s) ON CONFLICT DO NOTHING",
        (OTHER_NETWORK, OUTSIDE_NODE))
    conn.execute(
        "INSERT INTO account (id, login, display_name, password_hash, role, node_id)"
        " SELECT %s, 'aussen-fallmanagement', 'Sozialwerk Altdorf', password_hash, 'caseworker', %s"
        " FROM account WHERE login = 'koordination' ON CONFLICT DO NOTHING",
        (OUTSIDE_CASEWORKER, OUTSIDE_NODE))


@pytest.fixture
def who(demo, demo_db):
    """who(name) -> a client: the demo logins, plus 'other-coordinator' (coordinates another
    network) and 'outsider' (caseworker of a node outside the demo network)."""
    make_outsiders(demo_db)
    names = {"other-coordinator": OTHER_LOGIN, "outsider": "aussen-fallmanagement"}

    def get(name):
        return demo(names.get(name, name))

    return get


def etag(response):
    return response.headers["ETag"]


def new_chain(client, group=GROUPS[0], **fields):
    """A new chain in the demo network (a unique name), as the created JSON."""
    body = {"target_group_id": group, "name": "Kette " + uuid.uuid4().hex[:10]}
    body.update(fields)
    r = client.post(f"/v1/networks/{NETWORK}/chains", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def step(key, category, providers=(), required=True, **more):
    s = {"key": key, "name": key.capitalize(), "category": category, "required": required,
         "providers": list(providers)}
    s.update(more)
    return s


def branching_graph(note=None):
    """start -> erstberatung -> {kinderbetreuung (required), schulden (optional)} ->
    qualifizierung -> vermittlung: a parallel branch, an optional one, and a join."""
    graph = {
        "steps": [
            step("erstberatung", "first_consultation", [JOBCENTER], target_days_to_accept=2,
                 target_days_to_start=10, guidance="Standortbestimmung\nund Einwilligung."),
            step("kinderbetreuung", "childcare", [KITA], target_days_to_accept=5),
            step("schulden", "debt_counselling", [SCHULDNER], required=False),
            step("qualifizierung", "qualification", [BILDUNG]),
            step("vermittlung", "job_placement", [JOBCENTER]),
        ],
        "edges": [
            {"from": "start", "to": "erstberatung"},
            {"from": "erstberatung", "to": "kinderbetreuung"},
            {"from": "erstberatung", "to": "schulden", "label": "bei Schulden"},
            {"from": "kinderbetreuung", "to": "qualifizierung"},
            {"from": "schulden", "to": "qualifizierung"},
            {"from": "qualifizierung", "to": "vermittlung"},
        ],
    }
    if note is not None:
        graph["note"] = note
    return graph


def audit_rows(conn, object_id, action):
    return conn.execute(
        "SELECT account_id::text, detail FROM audit_log WHERE object_id = %s AND action = %s"
        " ORDER BY id", (object_id, action)).fetchall()


def version_id(conn, chain_id, number):
    row = conn.execute("SELECT id::text FROM chain_version WHERE chain_id = %s AND number = %s",
                       (chain_id, number)).fetchone()
    return row[0] if row else None


def token_client(demo, admin_client, account_id, scopes):
    """An integration-token client for a demo account."""
    r = admin_client.post(f"/v1/accounts/{account_id}/tokens",
                          json={"label": "Fachverfahren", "scopes": scopes})
    assert r.status_code == 201, r.text
    return Api(admin_client.base_url, r.json()["token"])
