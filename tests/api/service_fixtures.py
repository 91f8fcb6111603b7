"""Shared set-up of the service tests: ids of the Neustadt demo data, and a second network
with its own coordinator, target group and member, added to the demo database once."""
import uuid

import psycopg
import pytest

NETWORK = "40000000-0000-4000-8000-000000000001"
NODE_SCHULDNER = "20000000-0000-4000-8000-000000000007"  # demo('schuldnerberatung')
NODE_JUGENDAMT = "20000000-0000-4000-8000-000000000005"  # demo('jugendamt')
NODE_QUARTIER = "20000000-0000-4000-8000-000000000012"   # also a member of the other network
TG_ALLEIN = "50000000-0000-4000-8000-000000000001"
TG_U25 = "50000000-0000-4000-8000-000000000002"
TG_SUCHT = "50000000-0000-4000-8000-000000000003"
SERVICE_SCHULDNER = "30000000-0000-4000-8000-000000000016"
SERVICE_KURZBERATUNG = "30000000-0000-4000-8000-000000000017"

# Added by other_network (fixed ids: the set-up is idempotent within the session).
OTHER_NETWORK = "40000000-0000-4000-8000-0000000000f1"
OTHER_TG = "50000000-0000-4000-8000-0000000000f1"
OTHER_COORDINATOR = "60000000-0000-4000-8000-0000000000f1"
OTHER_COORDINATOR_LOGIN = "koordination-services"
INACTIVE_NODE = "20000000-0000-4000-8000-0000000000f1"
INACTIVE_NODE_SERVICE = "30000000-0000-4000-8000-0000000000f1"
WRITER_TOKEN_LABEL = "services-test-writer"


@pytest.fixture(scope="session")
def other_network(demo_database):
    """A second network ("Testnetz Services") with a coordinator account (password
    neustadt-demo), a target group, and node 12 (Quartierszentrum Nordstadt) as its only
    member; plus an inactive node with an active service, which the directory must hide."""
    with psycopg.connect(demo_database, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO network (id, name, locality) VALUES (%s, 'Testnetz Services', 'Altdorf')"
            " ON CONFLICT DO NOTHING", (OTHER_NETWORK,))
        conn.execute(
            "INSERT INTO target_group (id, network_id, code, name) VALUES"
            " (%s, %s, 'altdorf-test', 'Testzielgruppe Altdorf') ON CONFLICT DO NOTHING",
            (OTHER_TG, OTHER_NETWORK))
        conn.execute(
            "INSERT INTO network_member (network_id, node_id) VALUES (%s, %s)"
            " ON CONFLICT DO NOTHING", (OTHER_NETWORK, NODE_QUARTIER))
        conn.execute(
            "INSERT INTO account (id, login, display_name, password_hash, role, network_ids)"
            " SELECT %s, %s, 'Koordination Testnetz', password_hash, 'coordinator',"
            "        ARRAY[%s::uuid] FROM account WHERE login = 'koordination'"
            " ON CONFLICT DO NOTHING",
            (OTHER_COORDINATOR, OTHER_COORDINATOR_LOGIN, OTHER_NETWORK))
        conn.execute(
            "INSERT INTO node (id, organization_id, name, kind, district, languages, active)"
            " VALUES (%s, '10000000-0000-4000-8000-000000000004', 'Caritas Außenstelle (geschlossen)',"
            "         'counselling_service', 'Altstadt', '{de,ru}', false) ON CONFLICT DO NOTHING",
            (INACTIVE_NODE,))
        conn.execute(
            "INSERT INTO service (id, node_id, category, name, description, capacity_total,"
            "                     capacity_free, district)"
            " VALUES (%s, %s, 'debt_counselling', 'Schuldnerberatung Außenstelle',"
            "         'Schuldnerberatung in der geschlossenen Außenstelle.', 10, 5, 'Altstadt')"
            " ON CONFLICT DO NOTHING", (INACTIVE_NODE_SERVICE, INACTIVE_NODE))
    return OTHER_NETWORK


def unique(prefix):
    return f"{prefix} {uuid.uuid4().hex[:8]}"
