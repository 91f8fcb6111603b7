"""Contact: an account keeps its own display name, phone and e-mail current (admins any
account's, nobody else's); a referral's receiver sees the sender's node and account, the sender
sees the receiver's once the receiver has acted; a third node gets 404."""

import uuid

import pytest

from checks import assert_problem
from conftest import DEMO_PASSWORD
from harness import Api
from referral_support import JOBCENTER, SCHULDNER, Loop, audit, move


@pytest.fixture
def person(demo_db, demo_pnetd):
    """A caseworker of the Schuldnerberatung of this test's own (its contact changes)."""
    login = "kontakt-" + uuid.uuid4().hex[:8]
    demo_db.execute("INSERT INTO account (login, display_name, password_hash, role, node_id)"
                    " SELECT %s, 'Frau Beispiel', password_hash, 'caseworker', node_id"
                    " FROM account WHERE login = 'schuldnerberatung'", (login,))
    c = Api(demo_pnetd.base_url)
    c.login(login, DEMO_PASSWORD)
    yield c
    c.close()


def me(client):
    r = client.get("/v1/me")
    assert r.status_code == 200, r.text
    body = r.json()
    return body.get("account", body)


def test_an_account_keeps_its_own_contact_current(person, demo_db):
    account = me(person)
    assert account["phone"] is None and account["email"] is None
    r = person.patch(f"/v1/accounts/{account['id']}/contact",
                     json={"phone": "+49 6321 1234-56", "email": "beispiel@caritas.example",
                           "display_name": "Frau B. Beispiel"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["phone"] == "+49 6321 1234-56" and body["email"] == "beispiel@caritas.example"
    assert r.headers["ETag"] == f'"{body["version"]}"'
    after = me(person)
    assert (after["phone"], after["email"], after["display_name"]) == (
        "+49 6321 1234-56", "beispiel@caritas.example", "Frau B. Beispiel")
    assert "account.contact_update" in audit(demo_db, account["id"])

    # Cleared with null; a stale If-Match changes nothing.
    r = person.patch(f"/v1/accounts/{account['id']}/contact", json={"phone": None},
                     headers={"If-Match": f'"{body["version"]}"'})
    assert r.status_code == 200, r.text
    assert r.json()["phone"] is None and r.json()["email"] == "beispiel@caritas.example"
    assert_problem(person.patch(f"/v1/accounts/{account['id']}/contact",
                                json={"phone": "0800 1"},
                                headers={"If-Match": f'"{body["version"]}"'}), 412, "stale")
    assert me(person)["phone"] is None


def test_nobody_else_but_an_admin_changes_an_accounts_contact(person, demo, demo_db):
    target = me(person)["id"]
    before = demo_db.execute("SELECT version, phone FROM account WHERE id = %s",
                             (target,)).fetchone()
    for login in ("jobcenter", "schuldnerberatung", "koordination", "auditor"):
        assert_problem(demo(login).patch(f"/v1/accounts/{target}/contact",
                                         json={"phone": "110"}), 404)
        assert_problem(demo(login).get(f"/v1/accounts/{target}/contact"), 404)
    assert demo_db.execute("SELECT version, phone FROM account WHERE id = %s",
                           (target,)).fetchone() == before
    r = demo("admin").patch(f"/v1/accounts/{target}/contact", json={"email": "neu@x.example"})
    assert r.status_code == 200, r.text
    assert demo("admin").get(f"/v1/accounts/{target}/contact").json()["email"] == "neu@x.example"


@pytest.mark.parametrize("body, field", [
    ({"phone": "ruf mich an"}, "phone"),
    ({"email": "keine-adresse"}, "email"),
    ({"display_name": ""}, "display_name"),
    ({"login": "anders"}, "login"),
])
def test_invalid_contact_is_refused(person, demo_db, body, field):
    target = me(person)["id"]
    before = demo_db.execute("SELECT version FROM account WHERE id = %s", (target,)).fetchone()
    problem = assert_problem(person.patch(f"/v1/accounts/{target}/contact", json=body), 422)
    assert field in [e["field"] for e in problem["errors"]]
    assert demo_db.execute("SELECT version FROM account WHERE id = %s",
                           (target,)).fetchone() == before


def test_each_side_sees_the_others_contact_the_sender_the_receivers_once_it_acted(demo,
                                                                                  person):
    loop = Loop(demo)
    ref = loop.refer()
    account = me(person)
    assert person.patch(f"/v1/accounts/{account['id']}/contact",
                        json={"phone": "06321 555"}).status_code == 200

    seen = loop.receiver.get(f"/v1/referrals/{ref['id']}/contact")
    assert seen.status_code == 200, seen.text
    contact = seen.json()
    assert contact["sender"]["node"]["id"] == JOBCENTER
    assert contact["sender"]["node"]["name"]
    assert contact["sender"]["account"]["id"] == me(loop.sender)["id"]
    assert contact["receiver"] is None
    assert loop.sender.get(f"/v1/referrals/{ref['id']}/contact").json()["receiver"] is None

    # The test's own account of the receiver acts: from now on the sender sees it.
    r = move(person, ref, "received")
    assert r.status_code == 200, r.text
    receiver = loop.sender.get(f"/v1/referrals/{ref['id']}/contact").json()["receiver"]
    assert receiver["node"]["id"] == SCHULDNER
    assert receiver["account"] == {"id": account["id"], "display_name": "Frau Beispiel",
                                   "phone": "06321 555", "email": None}

    assert_problem(demo("suchtberatung").get(f"/v1/referrals/{ref['id']}/contact"), 404)
    assert_problem(demo("koordination").get(f"/v1/referrals/{ref['id']}/contact"), 403)


def test_a_node_s_own_caseworkers_keep_its_contact_current(demo):
    loop = Loop(demo)
    ref = loop.refer()
    node = demo("schuldnerberatung").get(f"/v1/nodes/{SCHULDNER}")
    assert node.status_code == 200, node.text
    phone = "06321 " + str(uuid.uuid4().int % 100000)
    r = demo("schuldnerberatung").patch(f"/v1/nodes/{SCHULDNER}",
                                        json={"contact": {"phone": phone}},
                                        headers={"If-Match": node.headers["ETag"]})
    assert r.status_code == 200, r.text
    try:
        move(loop.receiver, ref, "received")
        seen = loop.sender.get(f"/v1/referrals/{ref['id']}/contact").json()
        assert seen["receiver"]["node"]["phone"] == phone
    finally:
        # The demo node is shared with other tests: put its phone back.
        old = node.json().get("contact", {}).get("phone")
        assert demo("schuldnerberatung").patch(
            f"/v1/nodes/{SCHULDNER}", json={"contact": {"phone": old}},
            headers={"If-Match": r.headers["ETag"]}).status_code == 200
