"""Case conferences (Fallkonferenzen): planned by the case's owner with other members of its
network, optionally on a chain step; the invited nodes see them, and see the agenda, the
case's reference and the decisions' text only while a consent covers them; third nodes get
404, participants 403 for writes, coordinators 403 (they see counts in the funnel). Each
invited node gets a conference.invited event (metadata only); changes, holding, cancelling
and decisions are conference.updated events and entries of the case's timeline. Referrals
made from a decision go through referral_create's rules and are linked to the decision.
Reads and writes are audited; bad input is 422 and writes nothing; retention deletes the
conferences with the case and the funnel keeps counting them."""

import datetime
import json
import uuid

import psycopg
import pytest

from checks import assert_problem, error_fields
from events_support import SseClient
from referral_support import (CHAINS, GROUPS, JOBCENTER, JUGENDAMT, SCHULDNER, SUCHT, audit,
                              consent, open_case, refer)

AGENDA = "Schulden und Kinderbetreuung klären; Frau M. bringt Unterlagen mit."
DECISION = "Schuldnerberatung beginnt vor der Teilzeitqualifizierung."
NOT_A_MEMBER = "20000000-0000-4000-8000-000000000999"
TABLES = ["conference", "conference_participant", "conference_decision",
          "conference_decision_referral", "conference_event", "referral", "audit_log"]


def at(hours=24):
    return (datetime.datetime.now(datetime.timezone.utc)
            + datetime.timedelta(hours=hours)).isoformat(timespec="seconds")


def counts(db):
    return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def plan(client, case_id, participants, **fields):
    body = {"starts_at": at(), "place": "Jobcenter, Raum 2.14", "agenda": AGENDA,
            "participant_node_ids": participants}
    body.update(fields)
    r = client.post(f"/v1/cases/{case_id}/conferences", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def patch(client, conf, body):
    return client.patch(f"/v1/conferences/{conf['id']}", json=body,
                        headers={"If-Match": f'"{conf["version"]}"'})


def decide(client, conf, text=DECISION):
    r = client.post(f"/v1/conferences/{conf['id']}/decisions", json={"text": text})
    assert r.status_code == 201, r.text
    return r.json()


def writes(db, object_id):
    """The audited writes on object_id (reads left out), oldest first."""
    return [a for a in audit(db, object_id) if not a.endswith(".read")]


def outbox(db, conference_id):
    return db.execute("SELECT type, node_ids::text[], payload FROM outbox"
                      " WHERE payload->>'conference_id' = %s ORDER BY seq",
                      (conference_id,)).fetchall()


def enrolled(client, chain=CHAINS[0], group=GROUPS[0]):
    c = open_case(client, group)
    r = client.post(f"/v1/cases/{c['id']}/enrolment", json={"chain_id": chain})
    assert r.status_code == 200, r.text
    return c


@pytest.fixture
def jc(demo):
    return demo("jobcenter")


# Planning


def test_owner_plans_a_conference_and_each_participant_is_invited(demo, jc, demo_db):
    c = enrolled(jc)
    r = jc.post(f"/v1/cases/{c['id']}/conferences", json={
        "starts_at": at(48), "ends_at": at(49), "place": "Jobcenter, Raum 2.14",
        "video_url": "https://meet.example.org/fallkonferenz-4711", "agenda": AGENDA,
        "chain_step_key": "schuldnerberatung", "participant_node_ids": [SCHULDNER, JUGENDAMT]})
    assert r.status_code == 201, r.text
    f = r.json()
    assert r.headers["Location"] == f"/v1/conferences/{f['id']}"
    assert r.headers["ETag"] == f'"{f["version"]}"'
    assert (f["case_id"], f["status"], f["access"], f["owner_node_id"], f["agenda"],
            f["chain_step_key"], f["chain_step_name"], f["case"]["reference"]) == (
        c["id"], "planned", "owner", JOBCENTER, AGENDA, "schuldnerberatung",
        "Schuldnerberatung", c["reference"])
    assert {p["node_id"] for p in f["participants"]} == {SCHULDNER, JUGENDAMT}
    assert f["decisions"] == []

    events = outbox(demo_db, f["id"])
    assert [(t, sorted(n)) for t, n, _ in events] == [
        ("conference.invited", sorted([SCHULDNER, JUGENDAMT]))]
    payload = events[0][2]
    # Metadata only: no agenda, no place, no reference.
    assert set(payload) == {"conference_id", "case_id", "owner_node_id", "status", "starts_at",
                            "chain_step_key", "version", "change"}
    assert AGENDA not in str(payload) and c["reference"] not in str(payload)
    assert writes(demo_db, f["id"]) == ["conference.create"]
    timeline = jc.get(f"/v1/cases/{c['id']}/timeline").json()["items"]
    assert [e["kind"] for e in timeline] == ["conference.planned"]
    assert timeline[0]["conference_id"] == f["id"]


def test_an_invited_node_hears_of_it_on_its_event_stream(demo, jc, demo_pnetd):
    c = open_case(jc)
    stream = SseClient(demo_pnetd.base_url, demo("suchtberatung").token)
    try:
        assert stream.status == 200
        f = plan(jc, c["id"], [SUCHT])
        got = None
        while got is None or got["event"] != "conference.invited":
            got = stream.next(timeout=10)
            assert got is not None, "no conference.invited event"
        data = json.loads(got["data"])["data"]
        assert (data["conference_id"], data["case_id"]) == (f["id"], c["id"])
        assert AGENDA not in got["data"]
    finally:
        stream.close()


@pytest.mark.parametrize("fields, field, code", [
    ({"place": None}, "place", "required"),
    ({"place": None, "video_url": "http://meet.example.org/x"}, "video_url", "https"),
    ({"video_url": "https://user@meet.example.org/x"}, "video_url", "url"),
    ({"video_url": "javascript:alert(1)"}, "video_url", "url"),
    ({"participant_node_ids": []}, "participant_node_ids", "count"),
    ({"participant_node_ids": [JOBCENTER]}, "participant_node_ids[0]", "self"),
    ({"starts_at": "morgen"}, "starts_at", "timestamp"),
    ({"agenda": "x" * 4001}, "agenda", "too_long"),
    ({"chain_step_key": "kinderbetreuung"}, "chain_step_key", "not_found"),
    ({"ends_at": at(-1)}, "ends_at", "out_of_range"),
    ({"colour": "blue"}, "colour", "unknown_field"),
])
def test_bad_input_is_422_naming_the_field_and_writes_nothing(jc, demo_db, fields, field, code):
    c = open_case(jc)  # not enrolled: no step fits
    before = counts(demo_db)
    body = {"starts_at": at(), "place": "Raum 1", "participant_node_ids": [SCHULDNER]}
    body.update(fields)
    r = jc.post(f"/v1/cases/{c['id']}/conferences", json=body)
    problem = assert_problem(r, 422)
    assert field in error_fields(problem), problem
    assert code in [e["code"] for e in problem["errors"] if e["field"] == field], problem
    assert counts(demo_db) == before


def test_a_participant_must_be_an_active_member_of_the_cases_network(jc, demo_db):
    c = open_case(jc)
    before = counts(demo_db)
    r = jc.post(f"/v1/cases/{c['id']}/conferences", json={
        "starts_at": at(), "place": "Raum 1", "participant_node_ids": [SCHULDNER, NOT_A_MEMBER]})
    problem = assert_problem(r, 422, "not-a-member")
    assert error_fields(problem) == ["participant_node_ids[1]"]
    assert counts(demo_db) == before


# Who may


def test_third_nodes_get_404_participants_403_coordinators_403(demo, jc, demo_db):
    c = open_case(jc)
    f = plan(jc, c["id"], [SCHULDNER])
    third = demo("jugendamt")
    for r in (third.get(f"/v1/conferences/{f['id']}"),
              patch(third, f, {"place": "Anderswo"}),
              third.post(f"/v1/conferences/{f['id']}/decisions", json={"text": "x"}),
              third.get(f"/v1/cases/{c['id']}/timeline"),
              third.post(f"/v1/cases/{c['id']}/conferences", json={
                  "starts_at": at(), "place": "Raum", "participant_node_ids": [SCHULDNER]})):
        assert_problem(r, 404)
    assert f["id"] not in [x["id"] for x in third.get("/v1/conferences").json()["items"]]

    part = demo("schuldnerberatung")
    assert_problem(patch(part, f, {"place": "Anderswo"}), 403, "forbidden")
    assert_problem(part.post(f"/v1/conferences/{f['id']}/decisions", json={"text": "x"}), 403,
                   "forbidden")
    assert_problem(patch(part, f, {"status": "cancelled"}), 403, "forbidden")

    coord = demo("koordination")
    assert_problem(coord.get(f"/v1/conferences/{f['id']}"), 403)
    assert_problem(coord.get("/v1/conferences"), 403)
    assert jc.get(f"/v1/conferences/{f['id']}").json()["version"] == f["version"]
    assert audit(demo_db, f["id"], "conference.update") == []


def test_a_closed_case_gets_no_conference(jc):
    c = open_case(jc)
    r = jc.patch(f"/v1/cases/{c['id']}", json={"status": "closed", "close_reason": "other"})
    assert r.status_code == 200, r.text
    r = jc.post(f"/v1/cases/{c['id']}/conferences", json={
        "starts_at": at(), "place": "Raum", "participant_node_ids": [SCHULDNER]})
    assert_problem(r, 409, "case-closed")


def test_closing_the_case_cancels_its_planned_conferences_and_tells_everyone(demo, jc,
                                                                            demo_db):
    c = open_case(jc)
    coming = plan(jc, c["id"], [SCHULDNER, JUGENDAMT])
    called_off = plan(jc, c["id"], [SCHULDNER])
    r = patch(jc, called_off, {"status": "cancelled"})
    assert r.status_code == 200, r.text
    called_off = r.json()
    begun = plan(jc, c["id"], [SUCHT])
    demo_db.execute("UPDATE conference SET starts_at = now() - interval '1 hour'"
                    " WHERE id = %s", (begun["id"],))
    close = {"status": "closed", "close_reason": "other"}

    # A planned one that has begun: only the case manager knows whether it took place.
    before = counts(demo_db)
    problem = assert_problem(jc.patch(f"/v1/cases/{c['id']}", json=close), 409,
                             "conference-begun")
    assert [(e["field"], e["code"], e["conference_id"]) for e in problem["errors"]] == [
        ("conference_id", "begun", begun["id"])]
    assert counts(demo_db) == before
    assert jc.get(f"/v1/cases/{c['id']}").json()["status"] == "open"
    r = patch(jc, jc.get(f"/v1/conferences/{begun['id']}").json(), {"status": "held"})
    assert r.status_code == 200, r.text

    r = jc.patch(f"/v1/cases/{c['id']}", json=close)
    assert r.status_code == 200, r.text
    now = {x["id"]: x for x in jc.get("/v1/conferences",
                                     params={"case_id": c["id"]}).json()["items"]}
    assert now[coming["id"]]["status"] == "cancelled"
    assert now[coming["id"]]["version"] == coming["version"] + 1
    assert now[called_off["id"]]["version"] == called_off["version"]
    assert now[begun["id"]]["status"] == "held"
    # Everyone invited hears of it as of any cancellation, the owner too.
    kind, nodes, payload = outbox(demo_db, coming["id"])[-1]
    assert (kind, sorted(nodes), payload["change"], payload["status"]) == (
        "conference.updated", sorted([JOBCENTER, SCHULDNER, JUGENDAMT]), "cancelled",
        "cancelled")
    assert [p["change"] for _, _, p in outbox(demo_db, called_off["id"])] == [
        "planned", "cancelled"]
    assert writes(demo_db, coming["id"]) == ["conference.create", "conference.cancel"]
    detail = demo_db.execute("SELECT detail FROM audit_log WHERE object_id = %s"
                             " AND action = 'conference.cancel'", (coming["id"],)).fetchone()[0]
    assert detail["case_closed"] is True
    kinds = [e["kind"] for e in demo("schuldnerberatung").get(
        f"/v1/cases/{c['id']}/timeline").json()["items"]]
    assert kinds == ["conference.planned", "conference.planned", "conference.cancelled",
                     "conference.cancelled"]


# The consent rule


def test_a_participant_without_consent_sees_that_decisions_exist_not_their_text(demo, jc,
                                                                                demo_db):
    c = open_case(jc)
    consent(jc, c["id"], SCHULDNER)  # covers the Schuldnerberatung, not the Jugendamt
    f = plan(jc, c["id"], [SCHULDNER, JUGENDAMT])
    d = decide(jc, f)
    assert d["text"] == DECISION and d["text_withheld"] is False

    covered = demo("schuldnerberatung").get(f"/v1/conferences/{f['id']}")
    assert covered.status_code == 200, covered.text
    cv = covered.json()
    assert (cv["access"], cv["agenda"], cv["agenda_withheld"], cv["case"]["reference"]) == (
        "participant", AGENDA, False, c["reference"])
    assert [x["text"] for x in cv["decisions"]] == [DECISION]

    blind = demo("jugendamt").get(f"/v1/conferences/{f['id']}")
    assert blind.status_code == 200, blind.text
    b = blind.json()
    assert (b["agenda"], b["agenda_withheld"], b["case"]["reference"]) == (None, True, None)
    assert [(x["id"], x["text"], x["text_withheld"]) for x in b["decisions"]] == [
        (d["id"], None, True)]
    assert DECISION not in blind.text and AGENDA not in blind.text
    # The owner always sees it; the reads are audited.
    assert jc.get(f"/v1/conferences/{f['id']}").json()["decisions"][0]["text"] == DECISION
    assert len(audit(demo_db, f["id"], "conference.read")) == 3


def test_revoking_the_consent_hides_the_text_again(demo, jc):
    c = open_case(jc)
    k = consent(jc, c["id"], SCHULDNER)
    f = plan(jc, c["id"], [SCHULDNER])
    decide(jc, f)
    part = demo("schuldnerberatung")
    assert part.get(f"/v1/conferences/{f['id']}").json()["agenda"] == AGENDA
    assert jc.post(f"/v1/consents/{k['id']}/revoke").status_code == 200
    seen = part.get(f"/v1/conferences/{f['id']}").json()
    assert (seen["agenda"], seen["decisions"][0]["text"]) == (None, None)


def test_a_network_wide_consent_covers_every_participant(demo, jc):
    c = open_case(jc)
    consent(jc, c["id"], scope="network")
    f = plan(jc, c["id"], [JUGENDAMT])
    decide(jc, f)
    seen = demo("jugendamt").get(f"/v1/conferences/{f['id']}").json()
    assert (seen["agenda"], seen["decisions"][0]["text"]) == (AGENDA, DECISION)


# Changing, holding, cancelling


def test_changes_need_the_current_version_and_reach_everyone(demo, jc, demo_db):
    c = open_case(jc)
    f = plan(jc, c["id"], [SCHULDNER])
    r = patch(jc, f, {"starts_at": at(72), "video_url": "https://meet.example.org/neu",
                      "participant_node_ids": [SCHULDNER, SUCHT]})
    assert r.status_code == 200, r.text
    g = r.json()
    assert g["version"] == f["version"] + 1
    assert g["video_url"] == "https://meet.example.org/neu"
    assert {p["node_id"] for p in g["participants"]} == {SCHULDNER, SUCHT}
    # The stale version is refused and changes nothing.
    assert_problem(patch(jc, f, {"place": "Anderswo"}), 412, "stale")
    assert jc.get(f"/v1/conferences/{f['id']}").json()["place"] == f["place"]

    events = [(t, sorted(n), p["change"]) for t, n, p in outbox(demo_db, f["id"])]
    assert events == [
        ("conference.invited", [SCHULDNER], "planned"),
        ("conference.invited", [SUCHT], "planned"),
        ("conference.updated", sorted([JOBCENTER, SCHULDNER]), "changed"),
    ]
    # A participant left out no longer sees it.
    r = patch(jc, g, {"participant_node_ids": [SUCHT]})
    assert r.status_code == 200, r.text
    assert_problem(demo("schuldnerberatung").get(f"/v1/conferences/{f['id']}"), 404)
    assert demo("suchtberatung").get(f"/v1/conferences/{f['id']}").status_code == 200
    kinds = [e["kind"] for e in jc.get(f"/v1/cases/{c['id']}/timeline").json()["items"]]
    assert kinds == ["conference.planned", "conference.changed", "conference.changed"]
    assert writes(demo_db, f["id"]) == ["conference.create", "conference.update",
                                       "conference.update"]


def test_clearing_both_place_and_link_is_refused(jc):
    c = open_case(jc)
    f = plan(jc, c["id"], [SCHULDNER])
    problem = assert_problem(patch(jc, f, {"place": None}), 422)
    assert error_fields(problem) == ["place"]


def test_hold_only_once_begun_then_nothing_changes_but_decisions(jc, demo_db):
    c = open_case(jc)
    future = plan(jc, c["id"], [SCHULDNER])
    problem = assert_problem(patch(jc, future, {"status": "held"}), 422)
    assert error_fields(problem) == ["status"]
    problem = assert_problem(patch(jc, future, {"status": "held", "place": "x"}), 422)
    assert error_fields(problem) == ["status"]

    f = plan(jc, c["id"], [SCHULDNER], starts_at=at(-2))
    r = patch(jc, f, {"status": "held"})
    assert r.status_code == 200, r.text
    held = r.json()
    assert held["status"] == "held" and held["held_at"]
    assert_problem(patch(jc, held, {"place": "Anderswo"}), 409, "conference-held")
    decide(jc, held)  # the minutes come after the meeting
    kinds = [e["kind"] for e in jc.get(f"/v1/cases/{c['id']}/timeline").json()["items"]
             if e["conference_id"] == f["id"]]
    assert kinds == ["conference.planned", "conference.held", "conference.decision"]
    assert writes(demo_db, f["id"]) == ["conference.create", "conference.hold",
                                       "conference.decision"]


def test_cancelled_conferences_take_no_change_and_no_decision(jc, demo_db):
    c = open_case(jc)
    f = plan(jc, c["id"], [SCHULDNER])
    r = patch(jc, f, {"status": "cancelled"})
    assert r.status_code == 200, r.text
    gone = r.json()
    assert gone["status"] == "cancelled" and gone["cancelled_at"]
    assert_problem(patch(jc, gone, {"place": "x"}), 409, "conference-cancelled")
    assert_problem(jc.post(f"/v1/conferences/{f['id']}/decisions", json={"text": "x"}), 409,
                   "conference-cancelled")
    assert [p["change"] for _, _, p in outbox(demo_db, f["id"])] == ["planned", "cancelled"]
    assert writes(demo_db, f["id"]) == ["conference.create", "conference.cancel"]


# Decisions and the referrals made from them


def test_a_referral_from_a_decision_keeps_every_referral_rule(demo, jc, demo_db):
    c = enrolled(jc)
    consent(jc, c["id"], SCHULDNER)
    f = plan(jc, c["id"], [SCHULDNER, JUGENDAMT], chain_step_key="schuldnerberatung")
    d = decide(jc, f)
    url = f"/v1/conferences/{f['id']}/decisions/{d['id']}/referrals"

    # Consent: the Jugendamt takes part but no consent covers it.
    before = counts(demo_db)
    assert_problem(jc.post(url, json={"to_node_id": JUGENDAMT}), 422, "consent-required")
    # Membership.
    assert_problem(jc.post(url, json={"to_node_id": NOT_A_MEMBER}), 422, "not-a-member")
    assert counts(demo_db) == before

    r = jc.post(url, json={"to_node_id": SCHULDNER, "reason": "Beschluss der Fallkonferenz"})
    assert r.status_code == 201, r.text
    ref = r.json()
    assert r.headers["Location"] == f"/v1/referrals/{ref['id']}"
    # The conference's step unless the request names another.
    assert (ref["case_id"], ref["to_node_id"], ref["chain_step_key"], ref["status"]) == (
        c["id"], SCHULDNER, "schuldnerberatung", "sent")
    # Duplicates: the same open referral again.
    assert_problem(jc.post(url, json={"to_node_id": SCHULDNER}), 409, "duplicate")

    mine = jc.get(f"/v1/conferences/{f['id']}").json()["decisions"][0]["referrals"]
    assert [(x["id"], x["to_node_id"], x["status"]) for x in mine] == [(ref["id"], SCHULDNER,
                                                                        "sent")]
    theirs = demo("schuldnerberatung").get(f"/v1/conferences/{f['id']}").json()
    assert [x["id"] for x in theirs["decisions"][0]["referrals"]] == [ref["id"]]
    others = demo("jugendamt").get(f"/v1/conferences/{f['id']}").json()
    assert others["decisions"][0]["referrals"] == []

    assert audit(demo_db, ref["id"]) == ["referral.create"]
    assert "conference.decision_referral" in audit(demo_db, f["id"])
    kinds = [e["kind"] for e in jc.get(f"/v1/cases/{c['id']}/timeline").json()["items"]]
    assert kinds == ["conference.planned", "conference.decision", "referral.created",
                     "conference.referral"]
    # The receiver's inbox has it like any other referral.
    inbox = demo("schuldnerberatung").get("/v1/referrals", params={"box": "inbox",
                                                                   "case_id": c["id"]})
    assert [x["id"] for x in inbox.json()["items"]] == [ref["id"]]


def test_a_referral_from_a_decision_honours_idempotency_key(jc, demo_db):
    c = open_case(jc)
    consent(jc, c["id"], SCHULDNER)
    f = plan(jc, c["id"], [SCHULDNER])
    d, e = decide(jc, f), decide(jc, f, "Zweiter Beschluss")
    url = f"/v1/conferences/{f['id']}/decisions/{d['id']}/referrals"
    key = {"Idempotency-Key": "vermittlung-" + uuid.uuid4().hex}
    body = {"to_node_id": SCHULDNER, "reason": "Beschluss der Fallkonferenz"}
    before = counts(demo_db)
    assert_problem(jc.post(url, json=body, headers={"Idempotency-Key": "zwei worte"}), 400,
                   "bad-idempotency-key")
    assert counts(demo_db) == before
    first = jc.post(url, json=body, headers=key)
    assert first.status_code == 201, first.text
    after = counts(demo_db)
    # The answer was lost: the resend (keys in another order) makes nothing new and answers
    # the first referral again, not 409 duplicate; so it does once the conference is over.
    again = jc.post(url, data=json.dumps(dict(reversed(body.items()))), headers={
        **key, "Content-Type": "application/json"})
    assert (again.status_code, again.json(), again.headers["Location"]) == (
        201, first.json(), first.headers["Location"])
    assert counts(demo_db) == after
    r = patch(jc, jc.get(f"/v1/conferences/{f['id']}").json(), {"status": "cancelled"})
    assert r.status_code == 200, r.text
    after = counts(demo_db)
    again = jc.post(url, json=body, headers=key)
    assert (again.status_code, again.json()["id"]) == (201, first.json()["id"])
    assert counts(demo_db) == after
    # The same key for another request: another body, another decision, a plain referral.
    for other_url, other in ((url, {**body, "reason": "Anders"}),
                             (f"/v1/conferences/{f['id']}/decisions/{e['id']}/referrals", body)):
        assert_problem(jc.post(other_url, json=other, headers=key), 422,
                       "idempotency-key-reused")
    assert_problem(jc.post("/v1/referrals", json={**body, "case_id": c["id"]}, headers=key),
                   422, "idempotency-key-reused")
    assert counts(demo_db) == after
    links = demo_db.execute("SELECT count(*) FROM conference_decision_referral"
                            " WHERE decision_id = %s", (d["id"],)).fetchone()[0]
    assert links == 1


def test_a_decision_of_another_conference_is_404(jc):
    c = open_case(jc)
    consent(jc, c["id"], SCHULDNER)
    f = plan(jc, c["id"], [SCHULDNER])
    g = plan(jc, c["id"], [SCHULDNER])
    d = decide(jc, f)
    r = jc.post(f"/v1/conferences/{g['id']}/decisions/{d['id']}/referrals",
                json={"to_node_id": SCHULDNER})
    assert_problem(r, 404)
    r = jc.post(f"/v1/conferences/{f['id']}/decisions/{uuid.uuid4()}/referrals",
                json={"to_node_id": SCHULDNER})
    assert_problem(r, 404)


def test_decision_text_is_required_and_bounded(jc, demo_db):
    c = open_case(jc)
    f = plan(jc, c["id"], [SCHULDNER])
    before = counts(demo_db)
    for body in ({}, {"text": ""}, {"text": "x" * 4001}):
        problem = assert_problem(jc.post(f"/v1/conferences/{f['id']}/decisions", json=body), 422)
        assert error_fields(problem) == ["text"]
    assert counts(demo_db) == before


# Lists and the timeline


def test_lists_show_the_nodes_conferences_and_are_audited(demo, jc, demo_db):
    c = open_case(jc)
    f = plan(jc, c["id"], [SUCHT], starts_at=at(24 * 400))
    part = demo("suchtberatung")
    r = part.get("/v1/conferences", params={"case_id": c["id"]})
    assert r.status_code == 200, r.text
    assert [x["id"] for x in r.json()["items"]] == [f["id"]]
    row = demo_db.execute("SELECT detail FROM audit_log WHERE action = 'conference.list'"
                          " ORDER BY id DESC LIMIT 1").fetchone()[0]
    assert row["ids"] == [f["id"]] and row["case_ids"] == [c["id"]]
    assert f["id"] in [x["id"] for x in jc.get("/v1/conferences",
                                               params={"status": "planned",
                                                       "limit": 500}).json()["items"]]
    assert_problem(jc.get("/v1/conferences", params={"status": "done"}), 400)
    assert_problem(jc.get("/v1/conferences", params={"case_id": "x"}), 400)
    # A participant's timeline of the case holds its conferences only, and is audited.
    items = part.get(f"/v1/cases/{c['id']}/timeline").json()["items"]
    assert [e["kind"] for e in items] == ["conference.planned"]
    assert audit(demo_db, c["id"], "case.timeline_read")


def test_one_timeline_holds_the_team_the_referrals_and_the_conferences(demo, jc, demo_db):
    c = open_case(jc)
    consent(jc, c["id"], SCHULDNER)
    refer(jc, c["id"], SCHULDNER)
    colleague = [p for p in jc.get("/v1/colleagues").json()["items"]
                 if p["id"] != jc.get("/v1/me").json()["account"]["id"]][0]
    r = jc.put(f"/v1/cases/{c['id']}/responsible", json={"account_id": colleague["id"]})
    assert r.status_code == 200, r.text
    f = plan(jc, c["id"], [SUCHT])
    before = len(audit(demo_db, c["id"], "case.timeline_read"))
    items = jc.get(f"/v1/cases/{c['id']}/timeline").json()["items"]
    assert [e["kind"] for e in items] == ["referral.created", "responsible",
                                          "conference.planned"]
    assert items[1]["account"]["id"] == colleague["id"]
    assert items[2]["conference_id"] == f["id"]
    # One read, one audit row; the invited node sees its conference's entries, not who works
    # on the case nor the case's referrals.
    assert len(audit(demo_db, c["id"], "case.timeline_read")) == before + 1
    part = demo("suchtberatung")
    items = part.get(f"/v1/cases/{c['id']}/timeline").json()["items"]
    assert [e["kind"] for e in items] == ["conference.planned"]
    assert colleague["display_name"] not in json.dumps(items)


# Webhooks, statistics, retention


def test_webhooks_may_follow_conference_events(jc):
    r = jc.post("/v1/webhooks", json={"url": "https://fachverfahren.example.org/pnet",
                                      "event_types": ["conference.invited",
                                                      "conference.updated"]})
    assert r.status_code == 201, r.text
    assert jc.delete(f"/v1/webhooks/{r.json()['id']}").status_code == 204


def funnel(client, chain, **params):
    r = client.get(f"/v1/chains/{chain}/stats/funnel", params=params)
    assert r.status_code == 200, r.text
    return r


def test_the_funnel_counts_conferences_per_step_and_keeps_them_after_retention(demo, jc,
                                                                               demo_db):
    coord = demo("koordination")
    chain = CHAINS[0]

    def count(step):
        return {s["key"]: s["conferences"] for s in funnel(coord, chain).json()["steps"]}[step]

    before = count("kinderbetreuung")
    c = enrolled(jc, chain)
    plan(jc, c["id"], [JUGENDAMT], chain_step_key="kinderbetreuung")
    called_off = plan(jc, c["id"], [JUGENDAMT], chain_step_key="kinderbetreuung")
    assert patch(jc, called_off, {"status": "cancelled"}).status_code == 200
    assert count("kinderbetreuung") == before + 1
    # Exports write small counts as <5 like every other figure.
    csv = funnel(coord, chain, format="csv").text.splitlines()
    assert csv[0].endswith(",conferences")
    row = next(line for line in csv if line.startswith("kinderbetreuung,"))
    assert row.endswith(",<5") or before + 1 >= 5

    # Retention deletes the conferences with the case; the funnel keeps its count (in a
    # transaction rolled back: the demo database is shared).
    with demo_db.transaction():
        demo_db.execute("UPDATE client_case SET status = 'closed', close_reason = 'other',"
                        " closed_at = now() - interval '800 days' WHERE id = %s", (c["id"],))
        demo_db.execute("SELECT retention_purge(700)")
        assert demo_db.execute("SELECT count(*) FROM conference WHERE case_id = %s",
                               (c["id"],)).fetchone()[0] == 0
        archived = demo_db.execute(
            "SELECT count(*) FROM conference_archive WHERE chain_step_key = 'kinderbetreuung'"
            " AND status <> 'cancelled'").fetchone()[0]
        assert archived >= 1
        n = demo_db.execute("SELECT (s->>'conferences')::int FROM json_array_elements("
                            "stats_funnel(%s, NULL, NULL)->'steps') s"
                            " WHERE s->>'key' = 'kinderbetreuung'", (chain,)).fetchone()[0]
        assert n == before + 1
        raise psycopg.Rollback()
