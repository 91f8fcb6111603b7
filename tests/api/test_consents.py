"""Consent (Einwilligung): recording it, what it covers (none, expired, revoked, network-wide),
and revoking it: at once, withdrawing the open referrals it covered and hiding notes."""

import uuid

import pytest

from checks import assert_problem, error_fields
from referral_support import (JOBCENTER, KITA, SCHULDNER, SUCHT, Loop, audit, consent, counts,
                              move, open_case, refer, today)


def test_record_and_list(demo, demo_db):
    jc = demo("jobcenter")
    c = open_case(jc)
    resp = jc.post(f"/v1/cases/{c['id']}/consents", json={
        "recipient_node_id": SCHULDNER, "purpose": "Schuldnerberatung",
        "purpose_code": "debt_counselling", "given_on": today(-3), "expires_on": today(90), "evidence": "Akte 12/2026, Bl. 4"})
    assert resp.status_code == 201, resp.text
    k = resp.json()
    assert (k["scope"], k["recipient_node_id"], k["given_on"], k["expires_on"], k["active"],
            k["revoked_at"]) == ("node", SCHULDNER, today(-3), today(90), True, None)
    assert audit(demo_db, k["id"]) == ["consent.create"]
    n = consent(jc, c["id"], scope="network")
    assert n["recipient_node_id"] is None and n["scope"] == "network"
    listed = jc.get(f"/v1/cases/{c['id']}/consents")
    assert listed.status_code == 200
    assert [i["id"] for i in listed.json()["items"]] == [k["id"], n["id"]]
    # nobody else sees them, not even a receiver of a referral on the case
    refer(jc, c["id"], SCHULDNER)
    assert_problem(demo("schuldnerberatung").get(f"/v1/cases/{c['id']}/consents"), 404)
    assert_problem(demo("suchtberatung").get(f"/v1/cases/{c['id']}/consents"), 404)
    assert_problem(jc.get(f"/v1/cases/{uuid.uuid4()}/consents"), 404)


def test_a_case_without_consent_lists_none(demo):
    """Not a consent whose every field is null: the screen must say there is none yet."""
    jc = demo("jobcenter")
    c = open_case(jc)
    r = jc.get(f"/v1/cases/{c['id']}/consents")
    assert r.status_code == 200, r.text
    assert r.json() == {"items": [], "next": None}
    k = consent(jc, c["id"], SCHULDNER)
    assert jc.post(f"/v1/consents/{k['id']}/revoke").status_code == 200
    items = jc.get(f"/v1/cases/{c['id']}/consents").json()["items"]
    assert [(i["id"], i["active"]) for i in items] == [(k["id"], False)]
    assert items[0]["revoked_at"] is not None


BAD = [
    ({"recipient_node_id": None}, ["recipient_node_id"]),
    ({"scope": "network"}, ["recipient_node_id"]),
    ({"scope": "world"}, ["scope"]),
    ({"purpose": ""}, ["purpose"]),
    ({"purpose": "x" * 201}, ["purpose"]),
    ({"purpose": 5}, ["purpose"]),
    ({"given_on": "2026-02-30"}, ["given_on"]),
    ({"given_on": "gestern"}, ["given_on"]),
    ({"given_on": today(-1), "expires_on": today(-2)}, ["expires_on"]),
    ({"evidence": None}, ["evidence"]),
    ({"purpose_code": None}, ["purpose_code"]),
    ({"purpose_code": ""}, ["purpose_code"]),
    ({"signed": True}, ["signed"]),
]


@pytest.mark.parametrize("change,fields", BAD)
def test_bad_consents(demo, demo_db, change, fields):
    jc = demo("jobcenter")
    c = open_case(jc)
    body = {"recipient_node_id": SCHULDNER, "purpose": "Vermittlung", "given_on": today(),
            "evidence": "Akte", "purpose_code": "municipal_services"}
    body.update(change)
    before = counts(demo_db)
    p = assert_problem(jc.post(f"/v1/cases/{c['id']}/consents", json=body), 422)
    assert error_fields(p) == fields
    assert counts(demo_db) == before


def test_consent_rules_in_the_database(demo, demo_db):
    jc = demo("jobcenter")
    c = open_case(jc)
    body = {"recipient_node_id": SCHULDNER, "purpose": "Vermittlung", "given_on": today(),
            "evidence": "Akte", "purpose_code": "municipal_services"}
    url = f"/v1/cases/{c['id']}/consents"
    before = counts(demo_db)
    p = assert_problem(jc.post(url, json=dict(body, given_on=today(1))), 422)
    assert error_fields(p) == ["given_on"]
    p = assert_problem(jc.post(url, json=dict(body, recipient_node_id=str(uuid.uuid4()))), 422,
                       "not-a-member")
    assert error_fields(p) == ["recipient_node_id"]
    # another node's case is not there
    assert_problem(demo("schuldnerberatung").post(url, json=body), 404)
    assert counts(demo_db) == before
    # a closed case takes no consent
    assert jc.patch(f"/v1/cases/{c['id']}", json={"status": "closed",
                                                  "close_reason": "other"}).status_code == 200
    before = counts(demo_db)
    assert_problem(jc.post(url, json=body), 409, "case-closed")
    assert counts(demo_db) == before


def test_no_expired_revoked_consent(demo, demo_db):
    jc = demo("jobcenter")
    c = open_case(jc)
    body = {"case_id": c["id"], "to_node_id": SCHULDNER}
    # none
    assert_problem(jc.post("/v1/referrals", json=body), 422, "consent-required")
    # for another node only
    consent(jc, c["id"], SUCHT)
    assert_problem(jc.post("/v1/referrals", json=body), 422, "consent-required")
    # expired yesterday
    consent(jc, c["id"], SCHULDNER, given_on=today(-30), expires_on=today(-1))
    before = counts(demo_db)
    assert_problem(jc.post("/v1/referrals", json=body), 422, "consent-required")
    # revoked
    k = consent(jc, c["id"], SCHULDNER)
    assert jc.post(f"/v1/consents/{k['id']}/revoke").status_code == 200
    before = counts(demo_db)
    assert_problem(jc.post("/v1/referrals", json=body), 422, "consent-required")
    assert counts(demo_db) == before
    # expiring today still covers
    consent(jc, c["id"], SCHULDNER, expires_on=today())
    refer(jc, c["id"], SCHULDNER)
    # a network-wide consent covers every active member
    consent(jc, c["id"], scope="network")
    refer(jc, c["id"], KITA)


def test_revoking_withdraws_open_referrals_and_hides_notes(demo, demo_db):
    loop = Loop(demo)
    jc, sch = loop.sender, loop.receiver
    done = loop.walk("completed")
    accepted = loop.walk("accepted", note="Nur für die Schuldnerberatung", chain_step_key=None)
    # a referral to another node, covered by a consent of its own, stays open
    consent(jc, loop.case["id"], SUCHT)
    sucht = refer(jc, loop.case["id"], SUCHT, note="Für die Suchtberatung")
    move(sch, accepted, "in_progress", note="Erstgespräch geführt")
    accepted = sch.get(f"/v1/referrals/{accepted['id']}").json()
    assert accepted["note"] == "Nur für die Schuldnerberatung"
    outbox = demo_db.execute("SELECT count(*) FROM outbox").fetchone()[0]

    resp = jc.post(f"/v1/consents/{loop.consent['id']}/revoke")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["consent"]["revoked_at"] and body["consent"]["active"] is False
    assert body["withdrawn_referral_ids"] == [accepted["id"]]
    row = demo_db.execute("SELECT status, status_reason, version, closed_at IS NOT NULL"
                          " FROM referral WHERE id = %s", (accepted["id"],)).fetchone()
    assert row == ("withdrawn", "consent_revoked", accepted["version"] + 1, True)
    last = demo_db.execute("SELECT kind, from_status, to_status, status_reason, actor_node::text"
                           " FROM referral_event WHERE referral_id = %s ORDER BY id DESC"
                           " LIMIT 1", (accepted["id"],)).fetchone()
    assert last == ("transition", "in_progress", "withdrawn", "consent_revoked", JOBCENTER)
    assert audit(demo_db, loop.consent["id"]) == ["consent.create", "consent.revoke"]
    assert audit(demo_db, accepted["id"], "referral.transition")[-1] == "referral.transition"
    # the completed one and the other node's are untouched
    assert demo_db.execute("SELECT status FROM referral WHERE id = %s",
                           (done["id"],)).fetchone() == ("completed",)
    assert demo_db.execute("SELECT status FROM referral WHERE id = %s",
                           (sucht["id"],)).fetchone() == ("sent",)
    # one outbox row per withdrawn referral and one for the revocation
    assert demo_db.execute("SELECT count(*) FROM outbox").fetchone()[0] == outbox + 2

    # notes: hidden from the recipient, still shown to the sender; its own note it still sees
    r = sch.get(f"/v1/referrals/{accepted['id']}").json()
    assert r["status"] == "withdrawn" and r["note"] is None
    assert sch.get(f"/v1/referrals/{done['id']}").json()["note"] is None
    assert jc.get(f"/v1/referrals/{accepted['id']}").json()["note"] == \
        "Nur für die Schuldnerberatung"
    notes = {e["note"] for e in sch.get(f"/v1/referrals/{accepted['id']}/events").json()["items"]}
    assert "Erstgespräch geführt" in notes
    inbox = [i for i in sch.get(f"/v1/referrals?box=inbox&case_id={loop.case['id']}")
             .json()["items"]]
    assert inbox and all(i["note"] is None for i in inbox)
    assert demo("suchtberatung").get(f"/v1/referrals/{sucht['id']}").json()["note"] == \
        "Für die Suchtberatung"

    # revoking again changes nothing
    before = counts(demo_db)
    again = jc.post(f"/v1/consents/{loop.consent['id']}/revoke")
    assert again.status_code == 200 and again.json()["withdrawn_referral_ids"] == []
    assert counts(demo_db) == before


def test_revoking_keeps_what_another_consent_covers(demo, demo_db):
    loop = Loop(demo)
    consent(loop.sender, loop.case["id"], scope="network")
    r = loop.refer(note="Bleibt sichtbar")
    resp = loop.sender.post(f"/v1/consents/{loop.consent['id']}/revoke")
    assert resp.status_code == 200 and resp.json()["withdrawn_referral_ids"] == []
    got = loop.receiver.get(f"/v1/referrals/{r['id']}").json()
    assert got["status"] == "sent" and got["note"] == "Bleibt sichtbar"


def test_revoke_access(demo, demo_db):
    loop = Loop(demo)
    loop.refer()
    url = f"/v1/consents/{loop.consent['id']}/revoke"
    for login in ["suchtberatung", "koordination", "auditor", "admin", None]:
        demo(login)  # logged in first: a login writes an audit row of its own
    before = counts(demo_db)
    assert_problem(loop.receiver.post(url), 404)
    assert_problem(demo("suchtberatung").post(url), 404)
    assert_problem(loop.sender.post(f"/v1/consents/{uuid.uuid4()}/revoke"), 404)
    for login in ["koordination", "auditor", "admin"]:
        assert_problem(demo(login).post(url), 403)
    assert_problem(demo(None).post(url), 401)
    assert counts(demo_db) == before
