"""Shared by the registry tests (taxonomy, organizations, nodes): ids of the Neustadt demo
data, a second network with its own coordinator, and integration tokens."""

import psycopg

from harness import Api

DEMO_NETWORK = "40000000-0000-4000-8000-000000000001"
DEMO_NODE_PREFIX = "20000000-0000-4000-8000-"
SCHULDNERBERATUNG_NODE = "20000000-0000-4000-8000-000000000007"
SCHULDNERBERATUNG_ACCOUNT = "60000000-0000-4000-8000-000000000004"
CARITAS_ORG = "10000000-0000-4000-8000-000000000004"
JOBCENTER_ORG = "10000000-0000-4000-8000-000000000001"

# A second network (not the demo's) with a coordinator of its own, made directly in SQL.
OTHER_NETWORK = "4f000000-0000-4000-8000-000000000001"
OTHER_COORDINATOR = "6f000000-0000-4000-8000-000000000001"
OTHER_LOGIN = "koordination-altdorf"


def node(n):
    """The id of demo node n (1..19)."""
    return f"{DEMO_NODE_PREFIX}{n:012d}"


def demo_only(items):
    """The ids of the demo nodes among items, in their order (tests may add nodes)."""
    return [i["id"] for i in items if i["id"].startswith(DEMO_NODE_PREFIX)]


def ensure_other_network(demo_database):
    """Creates (once) the second network and its coordinator account; the password is the
    demo one (the hash is copied from the demo coordinator)."""
    with psycopg.connect(demo_database, autocommit=True) as conn:
        conn.execute("INSERT INTO network (id, name, locality) VALUES (%s, %s, %s)"
                     " ON CONFLICT DO NOTHING",
                     (OTHER_NETWORK, "Produktionsnetzwerk Altdorf", "Altdorf"))
        conn.execute("INSERT INTO account (id, login, display_name, password_hash, role,"
                     "                     network_ids)"
                     " SELECT %s, %s, 'Netzwerkkoordination Altdorf', password_hash,"
                     "        'coordinator', ARRAY[%s::uuid] FROM account"
                     " WHERE login = 'koordination' ON CONFLICT DO NOTHING",
                     (OTHER_COORDINATOR, OTHER_LOGIN, OTHER_NETWORK))


def integration_token(demo, account_id, scopes):
    """A client with a new integration token of account_id limited to scopes."""
    r = demo("admin").post(f"/v1/accounts/{account_id}/tokens",
                           json={"label": "registry test", "scopes": scopes})
    assert r.status_code == 201, r.text
    return Api(demo("admin").base_url, r.json()["token"])


def audit_rows(conn, object_id, action):
    return conn.execute("SELECT account_id::text, detail FROM audit_log"
                        " WHERE object_id = %s AND action = %s ORDER BY id",
                        (object_id, action)).fetchall()


def error_fields(response):
    return sorted(e["field"] for e in response.json().get("errors", []))
