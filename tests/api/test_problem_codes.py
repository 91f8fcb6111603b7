"""Every field error carries a stable code beside field and message (docs/problems.md), so
that clients word it in their user's language: from the field tables, from the rules checked
by hand, from the handover state machine, from named constraints and from SQL functions."""

import uuid

from checks import assert_problem
from referral_support import GROUPS, SCHULDNER, consent, counts, move, open_case, refer, today


def codes(problem):
    return [(e["field"], e["code"]) for e in problem["errors"]]


def test_field_table_codes_with_bounds_and_allowed_values(demo, demo_db):
    jc = demo("jobcenter")
    before = counts(demo_db)
    p = assert_problem(jc.post("/v1/cases", json={
        "reference": "x" * 65, "target_group_id": "nope", "district": 5, "name": "A"}), 422,
        "validation")
    assert sorted(codes(p)) == [("district", "wrong_type"), ("name", "unknown_field"),
                                ("reference", "too_long"), ("target_group_id", "uuid")]
    ref = [e for e in p["errors"] if e["field"] == "reference"][0]
    assert (ref["min"], ref["max"]) == (1, 64) and ref["message"]
    c = open_case(jc)
    before = counts(demo_db)
    p = assert_problem(jc.post(f"/v1/cases/{c['id']}/consents", json={
        "scope": "world", "purpose": "", "given_on": "2026-02-30", "evidence": "Akte"}), 422)
    assert sorted(codes(p)) == [("given_on", "date"), ("purpose", "too_short"),
                                ("purpose_code", "required"), ("scope", "not_in_list")]
    scope = [e for e in p["errors"] if e["field"] == "scope"][0]
    assert scope["allowed"] == ["node", "network"]
    assert_problem(jc.post("/v1/cases", json={"target_group_id": GROUPS[0]}), 422)
    p = jc.post("/v1/cases", json={"target_group_id": GROUPS[0]}).json()
    assert codes(p) == [("reference", "required")]
    assert counts(demo_db) == before


def test_pseudonym_codes(demo, demo_db):
    jc = demo("jobcenter")
    for reference, code in [("Max Mustermann", "pseudonym_characters"),
                            ("AE-01.02.1990", "pseudonym_looks_like_birth_date"),
                            ("12345BG678", "pseudonym_looks_like_benefit_number")]:
        p = assert_problem(jc.post("/v1/cases", json={
            "reference": reference, "target_group_id": GROUPS[0]}), 422, "validation")
        assert codes(p) == [("reference", code)]
    c = open_case(jc)
    p = assert_problem(jc.patch(f"/v1/cases/{c['id']}", json={"reference": "AE-1.2.90"}), 422)
    assert codes(p) == [("reference", "pseudonym_looks_like_birth_date")]
    p = assert_problem(jc.patch(f"/v1/cases/{c['id']}", json={"status": "closed"}), 422)
    assert codes(p) == [("close_reason", "required")]


def test_hand_checked_rules_have_codes(demo, demo_db):
    jc = demo("jobcenter")
    c = open_case(jc)
    url = f"/v1/cases/{c['id']}/consents"
    body = {"purpose": "Vermittlung", "given_on": today(-1), "evidence": "Akte",
            "purpose_code": "housing"}
    p = assert_problem(jc.post(url, json=dict(body, scope="node")), 422)
    assert codes(p) == [("recipient_node_id", "required")]
    p = assert_problem(jc.post(url, json=dict(body, scope="network",
                                              recipient_node_id=SCHULDNER)), 422)
    assert codes(p) == [("recipient_node_id", "not_allowed")]
    p = assert_problem(jc.post(url, json=dict(body, scope="network", expires_on=today(-2))), 422)
    assert codes(p) == [("expires_on", "before_given_on")]


def test_sql_problems_carry_codes(demo, demo_db):
    jc = demo("jobcenter")
    c = open_case(jc)
    url = f"/v1/cases/{c['id']}/consents"
    body = {"purpose": "Vermittlung", "given_on": today(), "evidence": "Akte", "scope": "node",
            "purpose_code": "housing"}
    # A code the function gives (HINT) ...
    p = assert_problem(jc.post(url, json=dict(body, recipient_node_id=SCHULDNER,
                                              given_on=today(1))), 422, "validation")
    assert codes(p) == [("given_on", "future")]
    # ... or, without one, the problem's slug in the codes' spelling.
    p = assert_problem(jc.post(url, json=dict(body, recipient_node_id=str(uuid.uuid4()))), 422,
                       "not-a-member")
    assert codes(p) == [("recipient_node_id", "not_a_member")]
    p = assert_problem(jc.post("/v1/referrals", json={"case_id": c["id"],
                                                     "to_node_id": SCHULDNER}), 422,
                       "consent-required")
    assert codes(p) == [("to_node_id", "consent_required")]
    p = assert_problem(jc.post(f"/v1/cases/{c['id']}/enrolment", json={
        "chain_id": "70000000-0000-4000-8000-000000000002"}), 422, "validation")
    assert codes(p) == [("chain_id", "other_target_group")]
    p = assert_problem(jc.post("/v1/cases", json={"reference": "T-" + uuid.uuid4().hex[:8],
                                                  "target_group_id": str(uuid.uuid4())}), 422)
    assert codes(p) == [("target_group_id", "not_found")]


def test_state_machine_input_codes(demo, demo_db):
    jc, sch = demo("jobcenter"), demo("schuldnerberatung")
    c = open_case(jc)
    consent(jc, c["id"], SCHULDNER)
    r = refer(jc, c["id"], SCHULDNER)
    p = assert_problem(move(sch, r, "declined", reason=None), 422)
    assert codes(p) == [("reason", "required")]
    p = assert_problem(move(sch, r, "declined", reason="keine Lust"), 422)
    assert codes(p) == [("reason", "not_in_list")]
    p = assert_problem(move(sch, r, "waitlisted", expected_on="bald"), 422)
    assert codes(p) == [("expected_on", "date")]
    p = assert_problem(move(sch, r, "received", note=None, reason="other"), 422)
    assert codes(p) == [("reason", "not_allowed")]
