"""Who is responsible for a case, its deputies, handing it to a colleague, "my cases", and a
transfer whose receiver names the new responsible person (schema/functions/case_team.sql).
Another node sees none of it; a colleague of the same node may, but the default list shows only
their own cases."""

import json

from checks import assert_problem
from events_support import SseClient
from team_support import (JOBCENTER, NETWORK, SCHULDNER, Person, consent_for,  # noqa: F401
                          people, server, team_database, team_db)


def test_the_opener_is_responsible_and_my_cases_are_the_default(people):
    anna, ben = people["anna"], people["ben"]
    case = anna.open_case()
    assert case["responsible"] == {"id": anna.id, "display_name": anna.name}
    assert case["deputies"] == [] and case["next_follow_up_on"] is None
    mine = anna.cases()
    assert mine[case["id"]]["my_role"] == "responsible"
    # A colleague of the same node may see it, but not in the default list.
    assert case["id"] not in ben.cases()
    assert case["id"] not in ben.cases(scope="mine")
    node = ben.cases(scope="node")
    assert node[case["id"]]["my_role"] is None
    assert node[case["id"]]["responsible"]["id"] == anna.id
    assert ben.case(case["id"])["responsible"]["id"] == anna.id
    r = ben.api.get("/v1/cases", params={"scope": "everyone"})
    assert_problem(r, 400, "bad-query")


def test_hand_over_within_the_node_is_in_the_timeline_and_the_audit_log(people, team_db):
    anna, ben = people["anna"], people["ben"]
    case = anna.open_case()
    stream = SseClient(anna.api.base_url, ben.token)
    try:
        assert stream.status == 200
        r = anna.hand_to(case, ben, version=case["version"] + 7)
        assert_problem(r, 412, "stale")
        r = anna.hand_to(case, ben, version=case["version"])
        assert r.status_code == 200, r.text
        handed = r.json()
        assert handed["responsible"]["id"] == ben.id
        assert handed["version"] == case["version"] + 1
        assert r.headers["ETag"] == f'"{handed["version"]}"'
        # The new responsible person hears of it.
        event = None
        for e in stream.take(5, timeout=5):
            if e["event"] == "case.responsible_changed":
                event = e
                break
        assert event, "no case.responsible_changed event"
        body = json.loads(event["data"])
        assert body["data"]["case_id"] == case["id"]
        assert body["data"]["responsible_account_id"] == ben.id
        assert body["data"]["previous_account_id"] == anna.id
        assert {"account_id": ben.id, "role": "responsible", "on_behalf_of": None} in \
            body["recipients"]
    finally:
        stream.close()
    assert case["id"] in ben.cases() and case["id"] not in anna.cases()
    entry = anna.timeline(case["id"])[-1]
    assert team_db.execute("SELECT count(*) FROM audit_log WHERE object_id = %s"
                           " AND action = 'case.timeline_read'", (case["id"],)).fetchone()[0] == 1
    assert (entry["kind"], entry["account"]["id"], entry["previous_account"]["id"],
            entry["actor"]["id"]) == ("responsible", ben.id, anna.id, anna.id)
    rows = team_db.execute(
        "SELECT account_id::text, detail FROM audit_log WHERE object_id = %s"
        " AND action = 'case.responsible'", (case["id"],)).fetchall()
    assert rows == [(anna.id, {"from": anna.id, "to": ben.id})]
    # Handing it to whoever has it already changes nothing.
    r = anna.hand_to(case, ben)
    assert r.status_code == 200 and r.json()["version"] == handed["version"]
    assert len(anna.timeline(case["id"])) == 1


def test_only_caseworkers_of_the_node_may_take_a_case(people, team_db, server):
    anna, other, coord = people["anna"], people["other"], people["coord"]
    case = anna.open_case()
    before = team_db.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    for who in (other, coord):
        r = anna.hand_to(case, who)
        assert_problem(r, 422, "validation")
        assert r.json()["errors"][0]["field"] == "account_id"
        assert r.json()["errors"][0]["code"] == "not_a_colleague"
    gone = Person(server, team_db, "Gone")
    team_db.execute("UPDATE account SET disabled = true WHERE id = %s", (gone.id,))
    assert_problem(anna.hand_to(case, gone), 422, "validation")
    r = anna.api.put(f"/v1/cases/{case['id']}/responsible", json={"account_id": None})
    assert_problem(r, 422, "validation")
    r = anna.api.put(f"/v1/cases/{case['id']}/responsible", json={})
    assert_problem(r, 422, "validation")
    assert team_db.execute("SELECT count(*) FROM audit_log").fetchone()[0] == before
    assert anna.case(case["id"])["responsible"]["id"] == anna.id


def test_deputies_share_the_case(people, team_db):
    anna, ben = people["anna"], people["ben"]
    case = anna.open_case()
    r = anna.api.put(f"/v1/cases/{case['id']}/deputies", json={"account_ids": [ben.id]})
    assert r.status_code == 200, r.text
    assert r.json()["deputies"] == [{"id": ben.id, "display_name": ben.name}]
    assert ben.cases()[case["id"]]["my_role"] == "deputy"
    # The responsible person is not their own deputy; strangers are no deputies.
    r = anna.api.put(f"/v1/cases/{case['id']}/deputies", json={"account_ids": [anna.id]})
    assert_problem(r, 422, "validation")
    assert r.json()["errors"][0]["code"] == "responsible"
    r = anna.api.put(f"/v1/cases/{case['id']}/deputies",
                     json={"account_ids": [people["other"].id]})
    assert_problem(r, 422, "validation")
    r = anna.api.put(f"/v1/cases/{case['id']}/deputies", json={"account_ids": ["nope"]})
    assert_problem(r, 422, "validation")
    r = anna.api.put(f"/v1/cases/{case['id']}/deputies", json={"account_ids": []})
    assert r.status_code == 200 and r.json()["deputies"] == []
    assert case["id"] not in ben.cases()
    assert [e["kind"] for e in anna.timeline(case["id"])] == ["deputy_added", "deputy_removed"]
    assert [a for (a,) in team_db.execute(
        "SELECT action FROM audit_log WHERE object_id = %s AND action LIKE 'case.deputies'",
        (case["id"],)).fetchall()] == ["case.deputies", "case.deputies"]
    # Handing the case to a deputy makes them responsible and no longer a deputy.
    anna.api.put(f"/v1/cases/{case['id']}/deputies", json={"account_ids": [ben.id]})
    r = anna.hand_to(case, ben)
    assert r.json()["responsible"]["id"] == ben.id and r.json()["deputies"] == []


def test_another_node_sees_none_of_it(people):
    anna, other, coord = people["anna"], people["other"], people["coord"]
    case = anna.open_case()
    consent_for(anna, case["id"])
    r = anna.api.post("/v1/referrals", json={"case_id": case["id"], "to_node_id": SCHULDNER})
    assert r.status_code == 201, r.text
    # The receiver sees the reference and target group only: no names, no dates.
    seen = other.case(case["id"])
    assert set(seen) == {"id", "reference", "target_group_id", "access"}
    for method, path, body in (
            ("GET", f"/v1/cases/{case['id']}/timeline", None),
            ("PUT", f"/v1/cases/{case['id']}/responsible", {"account_id": other.id}),
            ("PUT", f"/v1/cases/{case['id']}/deputies", {"account_ids": [other.id]}),
            ("GET", f"/v1/cases/{case['id']}/follow-ups", None),
            ("POST", f"/v1/cases/{case['id']}/follow-ups",
             {"due_on": "2099-01-01", "reason": "x"})):
        r = other.api.request(method, path, **({"json": body} if body else {}))
        assert_problem(r, 404, "not-found")
        r = coord.api.request(method, path, **({"json": body} if body else {}))
        assert r.status_code == 403, (path, r.text)
    assert case["id"] not in other.cases(scope="node")
    r = other.api.get("/v1/colleagues")
    assert anna.id not in {c["id"] for c in r.json()["items"]}
    r = coord.api.get("/v1/colleagues")
    assert r.status_code == 403


def test_colleagues_lists_the_caseworkers_of_the_node(people, team_db):
    anna, ben = people["anna"], people["ben"]
    r = anna.api.get("/v1/colleagues")
    assert r.status_code == 200, r.text
    ids = {c["id"] for c in r.json()["items"]}
    assert {anna.id, ben.id} <= ids and people["other"].id not in ids
    assert "60000000-0000-4000-8000-000000000003" in ids  # the demo's jobcenter account
    assert all(c["absence"] is None for c in r.json()["items"] if c["id"] in (anna.id, ben.id))


def test_a_closed_case_changes_hands_no_more(people):
    anna, ben = people["anna"], people["ben"]
    case = anna.open_case()
    r = anna.api.patch(f"/v1/cases/{case['id']}",
                       json={"status": "closed", "close_reason": "goal_reached"})
    assert r.status_code == 200, r.text
    assert_problem(anna.hand_to(case, ben), 409, "case-closed")


def test_a_transfer_names_the_new_responsible_person_on_acceptance(people, team_db, server):
    anna, other = people["anna"], people["other"]
    olga2 = Person(server, team_db, "Otto Schuldnerberatung", node=SCHULDNER)
    case = anna.open_case()
    consent_for(anna, case["id"])
    anna.api.put(f"/v1/cases/{case['id']}/deputies", json={"account_ids": [people["ben"].id]})
    r = anna.api.post("/v1/referrals", json={"case_id": case["id"], "to_node_id": SCHULDNER,
                                             "kind": "transfer"})
    assert r.status_code == 201, r.text
    ref = r.json()

    def move(who, to, **extra):
        r = who.api.post(f"/v1/referrals/{ref['id']}/transitions", json={"to": to, **extra},
                         headers={"If-Match": f'"{ref["version"]}"'})
        if r.status_code == 200:
            ref.update(r.json())
        return r

    # The sender names nobody at the receiver, and the receiver names only its own people.
    assert_problem(move(anna, "withdrawn", responsible_account_id=anna.id), 422, "validation")
    r = move(other, "accepted", responsible_account_id=anna.id)
    assert_problem(r, 422, "validation")
    assert r.json()["errors"][0]["field"] == "responsible_account_id"
    assert move(other, "accepted", responsible_account_id=olga2.id).status_code == 200
    assert move(other, "in_progress").status_code == 200
    assert move(other, "completed", outcome="goal_reached").status_code == 200
    now = olga2.case(case["id"])
    assert now["owner_node_id"] == SCHULDNER
    assert now["responsible"]["id"] == olga2.id and now["deputies"] == []
    assert case["id"] in olga2.cases() and case["id"] not in other.cases()
    timeline = olga2.timeline(case["id"])
    assert timeline[-1]["kind"] == "transferred" and timeline[-1]["account"]["id"] == olga2.id
    # The old node no longer sees the case's team or timeline.
    assert_problem(anna.api.get(f"/v1/cases/{case['id']}/timeline"), 404, "not-found")


def test_a_transfer_completed_without_a_name_goes_to_who_completes_it(people):
    anna, other = people["anna"], people["other"]
    case = anna.open_case()
    consent_for(anna, case["id"])
    ref = anna.api.post("/v1/referrals", json={"case_id": case["id"], "to_node_id": SCHULDNER,
                                               "kind": "transfer"}).json()
    for to, extra in (("accepted", {}), ("in_progress", {}),
                      ("completed", {"outcome": "goal_reached"})):
        r = other.api.post(f"/v1/referrals/{ref['id']}/transitions", json={"to": to, **extra},
                           headers={"If-Match": f'"{ref["version"]}"'})
        assert r.status_code == 200, r.text
        ref = r.json()
    assert other.case(case["id"])["responsible"]["id"] == other.id


def test_a_service_referral_names_nobody(people):
    anna, other = people["anna"], people["other"]
    case = anna.open_case()
    consent_for(anna, case["id"])
    ref = anna.api.post("/v1/referrals", json={"case_id": case["id"],
                                               "to_node_id": SCHULDNER}).json()
    r = other.api.post(f"/v1/referrals/{ref['id']}/transitions",
                       json={"to": "accepted", "responsible_account_id": other.id},
                       headers={"If-Match": f'"{ref["version"]}"'})
    assert_problem(r, 422, "validation")


def test_existing_cases_got_their_opener_or_nobody(team_db):
    # The demo's cases are inserted with their opener: the jobcenter account where it owns
    # them; the transferred one belongs to a node whose opener is not its caseworker.
    rows = dict(team_db.execute(
        "SELECT c.id::text, c.responsible_account_id::text FROM client_case c"
        " WHERE c.id::text LIKE '80000000-%'").fetchall())
    owners = dict(team_db.execute(
        "SELECT c.id::text, (a.node_id = c.owner_node_id) FROM client_case c"
        " JOIN account a ON a.id = c.created_by WHERE c.id::text LIKE '80000000-%'").fetchall())
    assert rows and owners
    for cid, same in owners.items():
        if same:
            assert rows[cid] is not None
        else:
            assert rows[cid] is None
