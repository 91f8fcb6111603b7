"""Funding sources: the list a network's coordinators keep, named on referrals (or taken from
the service), and the double-funding check: a case with an open referral to a service of the
same category paid from another source is refused 409 double-funding unless the sender
confirms it with a reason, which the referral keeps and the audit log records."""

import uuid

from checks import assert_problem, error_fields
from contract_support import JUGENDAMT_SERVICE, KITA_SERVICE, SCHULDNER_SERVICE, source
from referral_support import (JUGENDAMT, KITA, NETWORK, SCHULDNER, consent, counts, open_case,
                              refer)


def test_coordinator_keeps_the_list(demo, demo_db):
    ko = demo("koordination")
    code = "sgb2-" + uuid.uuid4().hex[:6]
    r = ko.post(f"/v1/networks/{NETWORK}/funding-sources",
                json={"code": code, "name": "SGB II (Bund)"})
    assert r.status_code == 201, r.text
    f = r.json()
    assert (f["code"], f["name"], f["active"], f["network_id"]) == (code, "SGB II (Bund)", True,
                                                                   NETWORK)
    assert r.headers["Location"] == f"/v1/funding-sources/{f['id']}"
    listed = demo("jobcenter").get(f"/v1/networks/{NETWORK}/funding-sources")
    assert f["id"] in [x["id"] for x in listed.json()["items"]]
    assert_problem(ko.post(f"/v1/networks/{NETWORK}/funding-sources",
                           json={"code": code, "name": "doppelt"}), 409)
    u = ko.patch(f"/v1/funding-sources/{f['id']}", json={"active": False},
                 headers={"If-Match": f'"{f["version"]}"'})
    assert u.status_code == 200 and u.json()["active"] is False
    actions = [a for (a,) in demo_db.execute(
        "SELECT action FROM audit_log WHERE object_id = %s ORDER BY id", (f["id"],))]
    assert actions == ["funding_source.create", "funding_source.update"]
    assert_problem(demo("jobcenter").post(f"/v1/networks/{NETWORK}/funding-sources",
                                          json={"code": "x", "name": "x"}), 403)
    assert_problem(ko.post(f"/v1/networks/{uuid.uuid4()}/funding-sources",
                           json={"code": "x", "name": "x"}), 404)
    bad = ko.post(f"/v1/networks/{NETWORK}/funding-sources", json={"code": "Nicht OK",
                                                                   "name": ""})
    assert set(error_fields(assert_problem(bad, 422))) == {"code", "name"}
    # an inactive source pays no new referral
    jc = demo("jobcenter")
    c = open_case(jc)
    consent(jc, c["id"], SCHULDNER)
    r = jc.post("/v1/referrals", json={"case_id": c["id"], "to_node_id": SCHULDNER,
                                       "service_id": SCHULDNER_SERVICE,
                                       "funding_source_id": f["id"]})
    assert "funding_source_id" in error_fields(assert_problem(r, 422))


def test_double_funding_refused_then_confirmed(demo, demo_db):
    ko, jc = demo("koordination"), demo("jobcenter")
    sgb2, sgb8 = source(ko, "SGB II"), source(ko, "SGB VIII")
    c = open_case(jc)
    consent(jc, c["id"], scope="network")
    first = refer(jc, c["id"], KITA, service_id=KITA_SERVICE, funding_source_id=sgb2["id"])
    assert first["funding_source_id"] == sgb2["id"]
    before = counts(demo_db)
    body = {"case_id": c["id"], "to_node_id": JUGENDAMT, "service_id": JUGENDAMT_SERVICE,
            "funding_source_id": sgb8["id"]}
    refused = assert_problem(jc.post("/v1/referrals", json=body), 409, "double-funding")
    assert first["id"] in refused["detail"]
    assert counts(demo_db) == before
    # the same source is no double funding; nor a service of another category
    same = refer(jc, c["id"], JUGENDAMT, service_id=JUGENDAMT_SERVICE,
                 funding_source_id=sgb2["id"])
    assert jc.post(f"/v1/referrals/{same['id']}/transitions", json={"to": "withdrawn"},
                   headers={"If-Match": f'"{same["version"]}"'}).status_code == 200
    assert refer(jc, c["id"], SCHULDNER, service_id=SCHULDNER_SERVICE,
                 funding_source_id=sgb8["id"])["funding_source_id"] == sgb8["id"]
    # confirmed with a reason: kept, audited, shown to the sender only
    reason = "Randzeiten: SGB VIII trägt die Kita, SGB II die Randzeitenbetreuung"
    r = jc.post("/v1/referrals", json={**body, "double_funding_reason": reason})
    assert r.status_code == 201, r.text
    assert r.json()["double_funding_reason"] == reason
    detail = demo_db.execute("SELECT detail FROM audit_log WHERE object_id = %s "
                             "AND action = 'referral.create'", (r.json()["id"],)).fetchone()[0]
    assert (detail["double_funding_reason"], detail["funding_source_id"]) == (reason, sgb8["id"])
    seen = demo("jugendamt").get(f"/v1/referrals/{r.json()['id']}").json()
    assert seen["double_funding_reason"] is None and seen["funding_source_id"] == sgb8["id"]
    # a closed referral is no double funding any more
    c2 = open_case(jc)
    consent(jc, c2["id"], scope="network")
    gone = refer(jc, c2["id"], KITA, service_id=KITA_SERVICE, funding_source_id=sgb2["id"])
    assert jc.post(f"/v1/referrals/{gone['id']}/transitions", json={"to": "withdrawn"},
                   headers={"If-Match": f'"{gone["version"]}"'}).status_code == 200
    assert refer(jc, c2["id"], JUGENDAMT, service_id=JUGENDAMT_SERVICE,
                 funding_source_id=sgb8["id"])["double_funding_reason"] is None


def test_a_source_of_another_network_is_refused(demo):
    admin, jc = demo("admin"), demo("jobcenter")
    w = admin.post("/v1/networks", json={"name": "Netz " + uuid.uuid4().hex[:6],
                                         "locality": "Anderswo"})
    assert w.status_code == 201, w.text
    f = admin.post(f"/v1/networks/{w.json()['id']}/funding-sources",
                   json={"code": "esf", "name": "ESF Plus"})
    assert f.status_code == 201, f.text
    c = open_case(jc)
    consent(jc, c["id"], SCHULDNER)
    r = jc.post("/v1/referrals", json={"case_id": c["id"], "to_node_id": SCHULDNER,
                                       "funding_source_id": f.json()["id"]})
    assert "funding_source_id" in error_fields(assert_problem(r, 422))


def test_a_service_names_its_source_and_referrals_take_it(demo):
    """On a demo service (a new one would change the directory other tests count), put back
    afterwards."""
    ko, sch, jc, admin = (demo("koordination"), demo("schuldnerberatung"), demo("jobcenter"),
                          demo("admin"))
    src = source(ko, "Eigenmittel Test")
    svc = sch.get(f"/v1/services/{SCHULDNER_SERVICE}").json()
    before = svc["funding_source_id"]
    r = sch.patch(f"/v1/services/{SCHULDNER_SERVICE}", json={"funding_source_id": src["id"]},
                  headers={"If-Match": f'"{svc["version"]}"'})
    assert r.status_code == 200, r.text
    svc = r.json()
    try:
        assert svc["funding_source_id"] == src["id"]
        c = open_case(jc)
        consent(jc, c["id"], SCHULDNER)
        r = refer(jc, c["id"], SCHULDNER, service_id=SCHULDNER_SERVICE)
        assert r["funding_source_id"] == src["id"]
        # a source of a network the node is no member of is refused
        w = admin.post("/v1/networks", json={"name": "Netz " + uuid.uuid4().hex[:6],
                                             "locality": "Anderswo"}).json()
        other = admin.post(f"/v1/networks/{w['id']}/funding-sources",
                           json={"code": "esf", "name": "ESF"}).json()
        r = sch.patch(f"/v1/services/{SCHULDNER_SERVICE}",
                      json={"funding_source_id": other["id"]},
                      headers={"If-Match": f'"{svc["version"]}"'})
        assert "funding_source_id" in error_fields(assert_problem(r, 422))
    finally:
        svc = sch.get(f"/v1/services/{SCHULDNER_SERVICE}").json()
        assert sch.patch(f"/v1/services/{SCHULDNER_SERVICE}", json={"funding_source_id": before},
                         headers={"If-Match": f'"{svc["version"]}"'}).status_code == 200
