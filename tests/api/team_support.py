"""Helpers of the responsibility, absence and follow-up tests: a demo database of their own,
colleagues made in it, and tokens minted there (logins are slow on purpose)."""

import hashlib
import secrets
import uuid

import psycopg
import pytest

from events_support import load_demo
from harness import Api, Pnetd

JOBCENTER = "20000000-0000-4000-8000-000000000002"
SCHULDNER = "20000000-0000-4000-8000-000000000007"
GROUP = "50000000-0000-4000-8000-000000000001"
NETWORK = "40000000-0000-4000-8000-000000000001"


@pytest.fixture(scope="module")
def team_database(database_factory):
    """A demo database of the module's own: its timer and its events are the test's."""
    conninfo = database_factory()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        load_demo(conn)
    return conninfo


@pytest.fixture(scope="module")
def server(team_database, pnetd_exe):
    """A pnetd on it whose follow-up timer looks every second, delivering webhooks to the
    tests' receivers on 127.0.0.1 at once."""
    s = Pnetd(pnetd_exe, team_database,
              args=("--follow-up-interval-s=1", "--webhook-allow-private", "--webhook-allow-http",
                    "--webhook-poll-ms=50")).start()
    yield s
    status = s.stop()
    assert status == 0, s.log_tail()


@pytest.fixture
def team_db(team_database):
    with psycopg.connect(team_database, autocommit=True) as conn:
        yield conn


def token_for(db, account_id):
    token = "pnet_" + secrets.token_urlsafe(32)
    db.execute("INSERT INTO api_token (account_id, token_hash, kind, scopes, expires_at)"
               " VALUES (%s, %s, 'session', '{}', now() + interval '1 day')",
               (account_id, hashlib.sha256(token.encode()).hexdigest()))
    return token


def account(db, name, role="caseworker", node=JOBCENTER, networks=()):
    """A new account (id) of role at node."""
    login = f"t-{uuid.uuid4().hex[:12]}"
    (aid,) = db.execute(
        "INSERT INTO account (login, display_name, role, node_id, network_ids)"
        " VALUES (%s, %s, %s, %s, %s) RETURNING id::text",
        (login, name, role, node if role == "caseworker" else None, list(networks))).fetchone()
    return aid


class Person:
    """An account and a client acting as it."""

    def __init__(self, server, db, name, role="caseworker", node=JOBCENTER, networks=()):
        self.id = account(db, name, role, node, networks)
        self.name = name
        self.token = token_for(db, self.id)
        self.api = Api(server.base_url, self.token)

    def open_case(self, reference=None):
        r = self.api.post("/v1/cases", json={"reference": reference or "T-" + uuid.uuid4().hex[:12],
                                             "target_group_id": GROUP})
        assert r.status_code == 201, r.text
        return r.json()

    def case(self, case_id):
        r = self.api.get(f"/v1/cases/{case_id}")
        assert r.status_code == 200, r.text
        return r.json()

    def cases(self, **query):
        r = self.api.get("/v1/cases", params={"limit": 500, **query})
        assert r.status_code == 200, r.text
        return {c["id"]: c for c in r.json()["items"]}

    def hand_to(self, case, person, version=None):
        headers = {"If-Match": f'"{version}"'} if version is not None else {}
        return self.api.put(f"/v1/cases/{case['id']}/responsible",
                            json={"account_id": person.id}, headers=headers)

    def timeline(self, case_id):
        r = self.api.get(f"/v1/cases/{case_id}/timeline")
        assert r.status_code == 200, r.text
        return r.json()["items"]


@pytest.fixture
def people(server, team_db):
    """Two caseworkers of the jobcenter, one of the debt counselling, and a coordinator."""
    return {
        "anna": Person(server, team_db, "Anna Fallmanagerin"),
        "ben": Person(server, team_db, "Ben Kollege"),
        "other": Person(server, team_db, "Olga Schuldnerberatung", node=SCHULDNER),
        "coord": Person(server, team_db, "Kora Koordination", role="coordinator",
                        networks=(NETWORK,)),
    }


def consent_for(person, case_id, node=SCHULDNER):
    r = person.api.post(f"/v1/cases/{case_id}/consents",
                        json={"scope": "node", "recipient_node_id": node,
                              "purpose": "Vermittlung", "purpose_code": "municipal_services",
                              "given_on": "2024-01-01",
                              "evidence": "Akte 1"})
    assert r.status_code == 201, r.text
    return r.json()
