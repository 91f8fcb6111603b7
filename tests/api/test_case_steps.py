"""A step the case's owner delivers itself (POST /v1/cases/{id}/steps/{key}): recorded as
started and as done without a referral to itself, counted in the progress so that next-steps
moves on, audited; another node's case and a step the chain lacks are 404; bad input is 422
naming the field and its code, and writes nothing."""

import datetime
import uuid

import pytest

from checks import assert_problem
from referral_support import (CHAINS, GROUPS, JOBCENTER, SCHULDNER, TABLES, audit, consent,
                              open_case, refer)


def enrolled(client, chain=CHAINS[0], group=GROUPS[0]):
    c = open_case(client, group)
    r = client.post(f"/v1/cases/{c['id']}/enrolment", json={"chain_id": chain})
    assert r.status_code == 200, r.text
    return c


def step_url(case_id, key="erstberatung"):
    return f"/v1/cases/{case_id}/steps/{key}"


def progress(client, case_id):
    r = client.get(f"/v1/cases/{case_id}/progress")
    assert r.status_code == 200, r.text
    return {s["key"]: s for s in r.json()["steps"]}


def next_steps(client, case_id):
    r = client.get(f"/v1/cases/{case_id}/next-steps")
    assert r.status_code == 200, r.text
    return r.json()["items"]


def counts(db):
    return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in TABLES + ["case_step"]}


def iso(dt):
    return dt.isoformat(timespec="seconds")


def test_own_step_started_then_done_moves_the_chain_on(demo, demo_db):
    jc = demo("jobcenter")
    c = enrolled(jc)
    first = next_steps(jc, c["id"])
    assert [s["key"] for s in first] == ["erstberatung"]
    # The owner is the step's provider, and never its own suggestion: it records the step.
    assert first[0]["own_provider"] is True and first[0]["own"] is None
    assert JOBCENTER not in {p["node_id"] for p in first[0]["suggestions"]}

    r = jc.post(step_url(c["id"]), json={"state": "in_progress", "note": "Erstgespräch geführt"})
    assert r.status_code == 200, r.text
    rec = r.json()
    assert (rec["case_id"], rec["step_key"], rec["state"], rec["node_id"], rec["note"],
            rec["done_at"]) == (c["id"], "erstberatung", "in_progress", JOBCENTER,
                                "Erstgespräch geführt", None)
    steps = progress(jc, c["id"])
    assert steps["erstberatung"]["state"] == "in_progress"
    assert steps["erstberatung"]["own"]["state"] == "in_progress"
    assert steps["erstberatung"]["referrals"] == []
    assert next_steps(jc, c["id"]) == []

    r = jc.post(step_url(c["id"]), json={"state": "done"})
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["state"] == "done" and done["started_at"] == rec["started_at"]
    assert done["done_at"] >= done["started_at"]
    assert done["note"] == "Erstgespräch geführt"  # kept when the done record has none
    assert progress(jc, c["id"])["erstberatung"]["state"] == "done"
    assert [s["key"] for s in next_steps(jc, c["id"])] == ["kinderbetreuung", "schuldnerberatung"]
    assert audit(demo_db, c["id"], "case.step") == ["case.step", "case.step"]
    details = [d for (d,) in demo_db.execute(
        "SELECT detail FROM audit_log WHERE object_id = %s AND action = 'case.step' ORDER BY id",
        (c["id"],)).fetchall()]
    assert details == [{"step": "erstberatung", "state": "in_progress"},
                       {"step": "erstberatung", "state": "done"}]
    # A done step stays done.
    for state in ["in_progress", "done"]:
        assert_problem(jc.post(step_url(c["id"]), json={"state": state}), 409, "step-done")


def test_done_at_once_with_a_time(demo, demo_db):
    jc = demo("jobcenter")
    c = enrolled(jc)
    at = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=2)
    r = jc.post(step_url(c["id"]), json={"state": "done", "at": iso(at)})
    assert r.status_code == 200, r.text
    rec = r.json()
    assert rec["started_at"] == rec["done_at"]
    assert datetime.datetime.fromisoformat(rec["done_at"]) == at.replace(microsecond=0)
    assert progress(jc, c["id"])["erstberatung"]["state"] == "done"


def test_started_twice_and_done_before_start(demo, demo_db):
    jc = demo("jobcenter")
    c = enrolled(jc)
    now = datetime.datetime.now(datetime.timezone.utc)
    assert jc.post(step_url(c["id"]), json={"state": "in_progress",
                                            "at": iso(now - datetime.timedelta(hours=3))}
                   ).status_code == 200
    before = counts(demo_db)
    assert_problem(jc.post(step_url(c["id"]), json={"state": "in_progress"}), 409,
                   "step-started")
    p = assert_problem(jc.post(step_url(c["id"]), json={
        "state": "done", "at": iso(now - datetime.timedelta(hours=5))}), 422, "validation")
    assert [(e["field"], e["code"]) for e in p["errors"]] == [("at", "before_start")]
    assert counts(demo_db) == before


def test_a_step_delivered_by_referral_and_one_recorded_side_by_side(demo, demo_db):
    jc = demo("jobcenter")
    c = enrolled(jc)
    consent(jc, c["id"], scope="network")
    assert jc.post(step_url(c["id"]), json={"state": "done"}).status_code == 200
    r = refer(jc, c["id"], SCHULDNER, chain_step_key="schuldnerberatung")
    steps = progress(jc, c["id"])
    assert (steps["erstberatung"]["state"], steps["schuldnerberatung"]["state"]) == (
        "done", "referred")
    assert [x["id"] for x in steps["schuldnerberatung"]["referrals"]] == [r["id"]]
    assert steps["schuldnerberatung"]["own"] is None
    # Both sides read the step's name, not only its key; outside the chain there is none.
    assert r["chain_step_name"] == "Schuldnerberatung"
    inbox = demo("schuldnerberatung").get(f"/v1/referrals?box=inbox&case_id={c['id']}").json()
    assert [(i["chain_step_key"], i["chain_step_name"]) for i in inbox["items"]] == [
        ("schuldnerberatung", "Schuldnerberatung")]
    other = refer(jc, c["id"], "20000000-0000-4000-8000-000000000010")
    assert (other["chain_step_key"], other["chain_step_name"]) == (None, None)


def test_only_the_owner_and_only_steps_of_its_chain(demo, demo_db):
    jc, other, coordinator = demo("jobcenter"), demo("schuldnerberatung"), demo("koordination")
    c = enrolled(jc)
    consent(jc, c["id"], scope="network")
    # A node holding a referral on the case sees it, but its progress is the owner's.
    refer(jc, c["id"], SCHULDNER, chain_step_key="schuldnerberatung")
    before = counts(demo_db)
    body = {"state": "done"}
    assert_problem(other.post(step_url(c["id"]), json=body), 404)
    assert_problem(other.post(step_url(c["id"], "schuldnerberatung"), json=body), 404)
    assert_problem(jc.post(step_url(uuid.uuid4()), json=body), 404)
    assert_problem(jc.post(step_url(c["id"], "gibt_es_nicht"), json=body), 404)
    assert_problem(jc.post(step_url(c["id"], "Erstberatung"), json=body), 404)
    assert_problem(jc.post(step_url(c["id"], "x" * 65), json=body), 404)
    # Coordinators and auditors have no cases.
    assert_problem(coordinator.post(step_url(c["id"]), json=body), 403)
    assert counts(demo_db) == before


BAD = [
    ({}, [("state", "required")]),
    ({"state": "started"}, [("state", "not_in_list")]),
    ({"state": None}, [("state", "not_null")]),
    ({"state": "done", "at": "morgen"}, [("at", "timestamp")]),
    ({"state": "done", "note": "x" * 2001}, [("note", "too_long")]),
    ({"state": "done", "note": ""}, [("note", "too_short")]),
    ({"state": "done", "by": "me"}, [("by", "unknown_field")]),
    ({"state": "done", "at": "FUTURE"}, [("at", "future")]),
]


@pytest.mark.parametrize("body,errors", BAD)
def test_bad_input(demo, demo_db, body, errors):
    jc = demo("jobcenter")
    c = enrolled(jc)
    if body.get("at") == "FUTURE":
        body = dict(body, at=iso(datetime.datetime.now(datetime.timezone.utc)
                                 + datetime.timedelta(hours=2)))
    before = counts(demo_db)
    p = assert_problem(jc.post(step_url(c["id"]), json=body), 422, "validation")
    assert [(e["field"], e["code"]) for e in p["errors"]] == errors
    assert counts(demo_db) == before


def test_not_enrolled_or_closed(demo, demo_db):
    jc = demo("jobcenter")
    plain = open_case(jc)
    before = counts(demo_db)
    assert_problem(jc.post(step_url(plain["id"]), json={"state": "done"}), 409, "not-enrolled")
    assert counts(demo_db) == before
    c = enrolled(jc)
    r = jc.patch(f"/v1/cases/{c['id']}", json={"status": "closed", "close_reason": "other"})
    assert r.status_code == 200, r.text
    before = counts(demo_db)
    assert_problem(jc.post(step_url(c["id"]), json={"state": "done"}), 409, "case-closed")
    assert counts(demo_db) == before
