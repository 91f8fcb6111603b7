"""Legal basis and purpose: the lists, the basis and purpose each consent names, the basis each
referral records (a consent or a statutory paragraph), the youth welfare rule (§ 65 SGB VIII:
only with consent), notes that follow the basis, and the audit log and timeline showing it."""

from checks import assert_problem, error_fields
from referral_support import (JOBCENTER, JUGENDAMT, KITA, SCHULDNER, SUCHT, consent, counts,
                              move, open_case, refer, today, GROUPS)


def test_the_lists(demo):
    for login in ("jobcenter", "koordination", "auditor"):
        bases = demo(login).get("/v1/legal-bases")
        assert bases.status_code == 200, bases.text
        items = {b["code"]: b for b in bases.json()["items"]}
        assert items["sgbx_67b"]["kind"] == "consent"
        assert items["sgbx_67b"]["paragraph"] == "§ 67b Abs. 2 SGB X"
        assert items["sgbviii_65_1_1"]["kind"] == "consent"
        assert items["sgbx_69_1_1"]["kind"] == "statutory"
        assert "§ 69 Abs. 1 Nr. 1 SGB X" in items["sgbx_69_1_1"]["label_de"]
        assert all(b["label_en"] for b in items.values())
        purposes = demo(login).get("/v1/legal-purposes")
        assert purposes.status_code == 200
        codes = [p["code"] for p in purposes.json()["items"]]
        assert "debt_counselling" in codes and "childcare" in codes
    assert_problem(demo(None).get("/v1/legal-bases"), 401)
    assert_problem(demo("jobcenter").get("/v1/legal-bases?x=1"), 400)


def test_consent_names_basis_and_purpose(demo, demo_db):
    jc = demo("jobcenter")
    c = open_case(jc)
    k = consent(jc, c["id"], SCHULDNER, purpose_code="debt_counselling")
    assert (k["legal_basis"], k["purpose_code"]) == ("sgbx_67b", "debt_counselling")
    detail = demo_db.execute("SELECT detail FROM audit_log WHERE object_id = %s",
                             (k["id"],)).fetchone()[0]
    assert (detail["legal_basis"], detail["purpose_code"]) == ("sgbx_67b", "debt_counselling")
    # the youth welfare office's consent is by default one under § 65 SGB VIII
    ja = demo("jugendamt")
    cj = open_case(ja)
    kj = consent(ja, cj["id"], KITA, purpose_code="childcare")
    assert kj["legal_basis"] == "sgbviii_65_1_1"
    listed = jc.get(f"/v1/cases/{c['id']}/consents").json()["items"]
    assert listed[0]["purpose_code"] == "debt_counselling"


def test_consent_basis_and_purpose_come_from_the_lists(demo, demo_db):
    jc = demo("jobcenter")
    c = open_case(jc)
    before = counts(demo_db)
    for fields, field in (({"legal_basis": "sgbx_69_1_1"}, "legal_basis"),
                          ({"legal_basis": "gut_gemeint"}, "legal_basis"),
                          ({"purpose_code": "neugier"}, "purpose_code"),
                          ({"purpose_code": "Neugier!"}, "purpose_code")):
        body = {"recipient_node_id": SCHULDNER, "purpose": "x", "given_on": today(),
                "evidence": "Akte 1", "purpose_code": "housing", **fields}
        r = jc.post(f"/v1/cases/{c['id']}/consents", json=body)
        assert field in error_fields(assert_problem(r, 422)), (fields, r.text)
    assert counts(demo_db) == before


def test_referral_on_consent_names_it(demo, demo_db):
    jc = demo("jobcenter")
    c = open_case(jc)
    older = consent(jc, c["id"], scope="network", purpose_code="municipal_services")
    k = consent(jc, c["id"], SCHULDNER, purpose_code="debt_counselling")
    r = refer(jc, c["id"], SCHULDNER)
    # the newest covering consent is the basis
    assert (r["legal_basis"], r["consent_id"]) == ("sgbx_67b", k["id"])
    r2 = refer(jc, c["id"], SUCHT, legal_basis="sgbx_67b")
    assert r2["consent_id"] == older["id"]
    detail = demo_db.execute("SELECT detail FROM audit_log WHERE object_id = %s "
                             "AND action = 'referral.create'", (r["id"],)).fetchone()[0]
    assert (detail["legal_basis"], detail["consent_id"]) == ("sgbx_67b", k["id"])
    events = demo("schuldnerberatung").get(f"/v1/referrals/{r['id']}/events").json()["items"]
    assert [(e["kind"], e["legal_basis"]) for e in events] == [("created", "sgbx_67b")]
    # a consent basis that no covering consent names is refused
    assert_problem(refer_raw(jc, c["id"], KITA, legal_basis="sgbviii_65_1_1"), 422,
                   "consent-required")


def refer_raw(client, case_id, to, **fields):
    return client.post("/v1/referrals", json={"case_id": case_id, "to_node_id": to, **fields})


def test_statutory_referral_needs_no_consent_and_keeps_its_note(demo, demo_db):
    jc, sch = demo("jobcenter"), demo("schuldnerberatung")
    c = open_case(jc)
    assert_problem(refer_raw(jc, c["id"], SCHULDNER), 422, "consent-required")
    assert_problem(refer_raw(jc, c["id"], SCHULDNER, legal_basis="paragraph_0"), 422)
    r = refer(jc, c["id"], SCHULDNER, legal_basis="sgbx_69_1_1", note="Mietschulden")
    assert (r["legal_basis"], r["consent_id"]) == ("sgbx_69_1_1", None)
    got = sch.get(f"/v1/referrals/{r['id']}").json()
    assert got["note"] == "Mietschulden" and got["legal_basis"] == "sgbx_69_1_1"
    moved = move(jc, r, "withdrawn", note="Doch nicht nötig")
    assert moved.status_code == 200, moved.text
    events = sch.get(f"/v1/referrals/{r['id']}/events").json()["items"]
    assert [(e["kind"], e["legal_basis"], e["note"]) for e in events] == [
        ("created", "sgbx_69_1_1", None), ("transition", "sgbx_69_1_1", "Doch nicht nötig")]
    audited = demo_db.execute("SELECT action, detail->>'legal_basis' FROM audit_log "
                              "WHERE object_id = %s ORDER BY id", (r["id"],)).fetchall()
    assert ("referral.create", "sgbx_69_1_1") in audited
    assert ("referral.transition", "sgbx_69_1_1") in audited


def test_revoking_a_consent_leaves_statutory_referrals(demo):
    jc, sch = demo("jobcenter"), demo("schuldnerberatung")
    c = open_case(jc)
    k = consent(jc, c["id"], scope="network")
    on_consent = refer(jc, c["id"], SUCHT, note="auf Einwilligung")
    statutory = refer(jc, c["id"], SCHULDNER, legal_basis="sgbx_69_1_1", note="gesetzlich")
    revoked = jc.post(f"/v1/consents/{k['id']}/revoke")
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["withdrawn_referral_ids"] == [on_consent["id"]]
    got = sch.get(f"/v1/referrals/{statutory['id']}").json()
    assert got["status"] == "sent" and got["note"] == "gesetzlich"
    assert demo("suchtberatung").get(f"/v1/referrals/{on_consent['id']}").json()["note"] is None


def test_youth_welfare_case_refers_only_with_consent(demo, demo_db):
    ja = demo("jugendamt")
    c = open_case(ja)
    before = counts(demo_db)
    for basis in ("sgbx_69_1_1", "sgbx_69_1_2", "sgbii_50"):
        body = assert_problem(refer_raw(ja, c["id"], KITA, legal_basis=basis), 422,
                              "consent-required")
        assert "65" in body["detail"]
        assert [(e["field"], e["code"]) for e in body["errors"]] == [
            ("legal_basis", "youth_welfare")]
    assert_problem(refer_raw(ja, c["id"], KITA), 422, "consent-required")
    assert counts(demo_db) == before
    k = consent(ja, c["id"], KITA, purpose_code="childcare")
    r = refer(ja, c["id"], KITA)
    assert (r["legal_basis"], r["consent_id"]) == ("sgbviii_65_1_1", k["id"])
    # the rule is the owner's: another node's case goes to the Jugendamt on a statutory basis
    jc = demo("jobcenter")
    other = open_case(jc)
    assert refer(jc, other["id"], JUGENDAMT, legal_basis="sgbx_69_1_1")["consent_id"] is None
    assert JOBCENTER != JUGENDAMT and GROUPS
