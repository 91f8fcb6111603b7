"""Follow-up dates (Wiedervorlage) and absences with a stand-in: setting, listing per person
and per node, counting, done and deleted, the reason under the consent rule of notes, the
event case.follow_up_due once per follow-up even with two pnetd, and events that reach the
stand-in during an absence (schema/functions/follow_ups.sql). Statistics stay
anonymous."""

import json
import time

from checks import assert_problem
from events_support import SseClient, wait_for
from harness import german_date
from team_support import (JOBCENTER, NETWORK, SCHULDNER, Person, consent_for,  # noqa: F401
                          people, server, team_database, team_db)


def day(n=0):
    return german_date(n).isoformat()


def follow_up(person, case_id, due_on, reason="Unterlagen nachfragen"):
    r = person.api.post(f"/v1/cases/{case_id}/follow-ups",
                        json={"due_on": due_on, "reason": reason})
    assert r.status_code == 201, r.text
    return r.json()


def last_read(db, person):
    """(object_id, detail) of the person's latest follow-up list read."""
    return db.execute("SELECT object_id::text, detail FROM audit_log WHERE action = 'follow_up.list'"
                      " AND account_id = %s ORDER BY id DESC LIMIT 1", (person.id,)).fetchone()


def listed(person, **query):
    r = person.api.get("/v1/follow-ups", params={"limit": 500, **query})
    assert r.status_code == 200, r.text
    return [f["id"] for f in r.json()["items"]]


def test_set_list_count_and_close_follow_ups(people, team_db):
    anna, ben = people["anna"], people["ben"]
    case = anna.open_case()
    later = follow_up(anna, case["id"], day(7), "Bescheid abwarten")
    today = follow_up(anna, case["id"], day(0))
    assert (later["case_id"], later["due_on"], later["reason"], later["state"], later["due"],
            later["reason_hidden"]) == (case["id"], day(7), "Bescheid abwarten", "open",
                                        "later", False)
    assert later["responsible"]["id"] == anna.id and later["created_by"]["id"] == anna.id
    assert today["due"] == "today"
    # One overdue: set for today, then the day passes (moved back in the database).
    overdue = follow_up(anna, case["id"], day(0), "Rückruf")
    team_db.execute("UPDATE case_follow_up SET due_on = current_date - 2, due_event_at = now()"
                    " WHERE id = %s", (overdue["id"],))
    assert anna.case(case["id"])["next_follow_up_on"] == day(-2)
    mine = listed(anna)
    assert mine.index(overdue["id"]) < mine.index(today["id"]) < mine.index(later["id"])
    # Reasons are social data: each list read names what it showed (docs/architecture.md).
    object_id, detail = last_read(team_db, anna)
    assert object_id is None and set(detail["ids"]) == set(mine)
    assert case["id"] in detail["case_ids"]
    assert set(listed(anna, due="overdue")) >= {overdue["id"]}
    assert today["id"] not in listed(anna, due="overdue")
    assert later["id"] not in listed(anna, due="due") and today["id"] in listed(anna, due="due")
    assert today["id"] in listed(anna, due="today") and overdue["id"] not in listed(anna, due="today")
    r = anna.api.get("/v1/follow-ups/count")
    assert r.status_code == 200 and r.json()["today"] >= 1 and r.json()["overdue"] >= 1
    # A colleague of the node may see them, but not as theirs.
    assert today["id"] not in listed(ben)
    assert today["id"] in listed(ben, scope="node")
    assert ben.api.get("/v1/follow-ups/count").json() == {"today": 0, "overdue": 0}
    r = ben.api.get(f"/v1/cases/{case['id']}/follow-ups")
    assert [f["id"] for f in r.json()["items"]] == [overdue["id"], today["id"], later["id"]]
    assert last_read(team_db, ben) == (case["id"], {"ids": [overdue["id"], today["id"],
                                                            later["id"]]})
    # Handed over, they are the colleague's.
    assert anna.hand_to(case, ben).status_code == 200
    assert today["id"] in listed(ben) and today["id"] not in listed(anna)
    r = ben.api.post(f"/v1/follow-ups/{today['id']}/done")
    assert r.status_code == 200, r.text
    assert (r.json()["state"], r.json()["done_by"]["id"], r.json()["due"]) == ("done", ben.id, None)
    assert_problem(ben.api.post(f"/v1/follow-ups/{today['id']}/done"), 409, "follow-up-done")
    assert today["id"] not in listed(ben)
    assert ben.api.delete(f"/v1/follow-ups/{later['id']}").status_code == 204
    assert_problem(ben.api.delete(f"/v1/follow-ups/{later['id']}"), 404, "not-found")
    actions = [a for (a,) in team_db.execute(
        "SELECT action FROM audit_log WHERE object_id = %s AND action LIKE 'case.follow_up%%'"
        " ORDER BY id", (case["id"],)).fetchall()]
    assert actions == ["case.follow_up_create"] * 3 + ["case.follow_up_done",
                                                      "case.follow_up_delete"]
    assert_problem(anna.api.get("/v1/follow-ups", params={"due": "soon"}), 400, "bad-query")
    assert_problem(anna.api.get("/v1/follow-ups", params={"scope": "all"}), 400, "bad-query")


def test_bad_follow_ups_are_refused_and_write_nothing(people, team_db):
    anna = people["anna"]
    case = anna.open_case()
    before = team_db.execute("SELECT count(*) FROM case_follow_up").fetchone()[0]
    for body, field, code in (
            ({"due_on": day(1), "reason": "x" * 201}, "reason", "too_long"),
            ({"due_on": day(1), "reason": ""}, "reason", "too_short"),
            ({"due_on": day(1), "reason": "zwei\nZeilen"}, "reason", "single_line"),
            ({"due_on": day(1)}, "reason", "required"),
            ({"due_on": "morgen", "reason": "x"}, "due_on", "date"),
            ({"due_on": day(-1), "reason": "x"}, "due_on", "past"),
            ({"due_on": day(2000), "reason": "x"}, "due_on", "too_far")):
        r = anna.api.post(f"/v1/cases/{case['id']}/follow-ups", json=body)
        assert_problem(r, 422, "validation")
        assert (r.json()["errors"][0]["field"], r.json()["errors"][0]["code"]) == (field, code)
    assert len(follow_up(anna, case["id"], day(1), "x" * 200)["reason"]) == 200
    assert team_db.execute("SELECT count(*) FROM case_follow_up").fetchone()[0] == before + 1


def test_a_follow_up_moves_to_another_day_audited_and_its_event_comes_again(people, team_db):
    anna, ben, other = people["anna"], people["ben"], people["other"]
    case = anna.open_case()
    f = follow_up(anna, case["id"], day(0), "Termin bestätigen")
    # Its event was written for today; moved to another day it is to come again then.
    team_db.execute("UPDATE case_follow_up SET due_event_at = now() WHERE id = %s", (f["id"],))
    r = anna.api.patch(f"/v1/follow-ups/{f['id']}", json={"due_on": day(3)},
                       headers={"If-Match": f'"{f["version"]}"'})
    assert r.status_code == 200, r.text
    moved = r.json()
    assert (moved["id"], moved["due_on"], moved["due"], moved["version"]) == (
        f["id"], day(3), "later", f["version"] + 1)
    assert r.headers["ETag"] == f'"{moved["version"]}"'
    assert anna.case(case["id"])["next_follow_up_on"] == day(3)
    assert team_db.execute("SELECT due_event_at FROM case_follow_up WHERE id = %s",
                           (f["id"],)).fetchone()[0] is None
    (detail,) = team_db.execute(
        "SELECT detail FROM audit_log WHERE action = 'case.follow_up_move' AND object_id = %s"
        " AND account_id = %s", (case["id"], anna.id)).fetchone()
    assert detail == {"follow_up_id": f["id"], "from": day(0), "to": day(3)}
    # The version read before is stale; a colleague of the node may move it without one.
    assert_problem(anna.api.patch(f"/v1/follow-ups/{f['id']}", json={"due_on": day(4)},
                                  headers={"If-Match": f'"{f["version"]}"'}), 412, "stale")
    r = ben.api.patch(f"/v1/follow-ups/{f['id']}", json={"due_on": day(5)})
    assert r.status_code == 200 and r.json()["due_on"] == day(5), r.text
    # Bad days and bodies are refused and change nothing; another node sees none of it.
    for body, field, code in (({"due_on": day(-1)}, "due_on", "past"),
                              ({"due_on": day(2000)}, "due_on", "too_far"),
                              ({"due_on": "bald"}, "due_on", "date"),
                              ({}, "due_on", "required"),
                              ({"due_on": day(1), "reason": "neu"}, "reason", "unknown_field")):
        r = anna.api.patch(f"/v1/follow-ups/{f['id']}", json=body)
        assert_problem(r, 422, "validation")
        assert (r.json()["errors"][0]["field"], r.json()["errors"][0]["code"]) == (field, code)
    assert_problem(other.api.patch(f"/v1/follow-ups/{f['id']}", json={"due_on": day(1)}),
                   404, "not-found")
    assert team_db.execute("SELECT due_on::text FROM case_follow_up WHERE id = %s",
                           (f["id"],)).fetchone()[0] == day(5)
    # A done one stays where it is.
    assert anna.api.post(f"/v1/follow-ups/{f['id']}/done").status_code == 200
    assert_problem(anna.api.patch(f"/v1/follow-ups/{f['id']}", json={"due_on": day(6)}),
                   409, "follow-up-done")
    moves = team_db.execute("SELECT count(*) FROM audit_log WHERE action = 'case.follow_up_move'"
                            " AND object_id = %s", (case["id"],)).fetchone()[0]
    assert moves == 2


def test_another_node_sees_no_follow_ups(people):
    anna, other = people["anna"], people["other"]
    case = anna.open_case()
    f = follow_up(anna, case["id"], day(0))
    assert f["id"] not in listed(other, scope="node")
    assert_problem(other.api.post(f"/v1/follow-ups/{f['id']}/done"), 404, "not-found")
    assert_problem(other.api.delete(f"/v1/follow-ups/{f['id']}"), 404, "not-found")
    assert other.api.get("/v1/follow-ups/count").json() == {"today": 0, "overdue": 0}
    assert people["coord"].api.get("/v1/follow-ups").status_code == 403


def test_the_reason_is_hidden_when_consent_is_revoked(people):
    anna = people["anna"]
    case = anna.open_case()
    consent = consent_for(anna, case["id"])
    f = follow_up(anna, case["id"], day(3), "Gespräch mit Schuldnerberatung")
    r = anna.api.post(f"/v1/consents/{consent['id']}/revoke")
    assert r.status_code == 200, r.text
    items = anna.api.get(f"/v1/cases/{case['id']}/follow-ups").json()["items"]
    assert (items[0]["id"], items[0]["reason"], items[0]["reason_hidden"]) == (f["id"], None, True)
    assert f["id"] in listed(anna) and all(
        i["reason"] is None for i in anna.api.get("/v1/follow-ups").json()["items"]
        if i["id"] == f["id"])
    # A new consent brings it back, as with notes.
    consent_for(anna, case["id"])
    items = anna.api.get(f"/v1/cases/{case['id']}/follow-ups").json()["items"]
    assert items[0]["reason"] == "Gespräch mit Schuldnerberatung"


def test_the_due_event_comes_on_the_day_once_even_with_two_pnetd(people, team_db, team_database,
                                                                 pnetd_factory):
    anna = people["anna"]
    second = pnetd_factory("--follow-up-interval-s=1", database=team_database)
    case = anna.open_case()
    stream = SseClient(anna.api.base_url, anna.token)
    try:
        future = follow_up(anna, case["id"], day(1))
        f = follow_up(anna, case["id"], day(0))
        got = None
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not got:
            e = stream.next(1)
            if e and e["event"] == "case.follow_up_due":
                body = json.loads(e["data"])
                if body["data"]["follow_up_id"] == f["id"]:
                    got = body
        assert got, "no case.follow_up_due"
        assert got["data"] == {"case_id": case["id"], "follow_up_id": f["id"], "due_on": day(0)}
        assert {"account_id": anna.id, "role": "responsible", "on_behalf_of": None} in \
            got["recipients"]
        time.sleep(2.5)  # both timers have run again meanwhile
        rows = team_db.execute("SELECT payload->>'follow_up_id' FROM outbox"
                               " WHERE type = 'case.follow_up_due' AND payload->>'case_id' = %s",
                               (case["id"],)).fetchall()
        assert rows == [(f["id"],)]
        assert future["id"] not in [r[0] for r in rows]
    finally:
        stream.close()
    assert second.running()


def test_an_absence_routes_events_to_the_stand_in(people, team_db):
    anna, ben, other = people["anna"], people["ben"], people["other"]
    case = anna.open_case()
    consent_for(anna, case["id"])
    r = anna.api.post("/v1/me/absences", json={"starts_on": day(0), "ends_on": day(5),
                                               "stand_in_account_id": ben.id})
    assert r.status_code == 201, r.text
    absence = r.json()
    assert (absence["stand_in"]["id"], absence["current"]) == (ben.id, True)
    assert [a["id"] for a in anna.api.get("/v1/me/absences").json()["items"]] == [absence["id"]]
    colleagues = {c["id"]: c for c in ben.api.get("/v1/colleagues").json()["items"]}
    assert colleagues[anna.id]["absence"]["stand_in"]["id"] == ben.id
    # The stand-in's "my cases" shows the absent person's cases, and whose they are.
    mine = ben.cases()
    assert mine[case["id"]]["my_role"] == "stand_in"
    assert mine[case["id"]]["responsible"]["id"] == anna.id
    f = follow_up(anna, case["id"], day(2))
    assert f["id"] in listed(ben)
    # Events on the case name the stand-in for the owner node, and nobody for the receiver.
    own = SseClient(ben.api.base_url, ben.token)
    theirs = SseClient(other.api.base_url, other.token)
    try:
        r = anna.api.post("/v1/referrals", json={"case_id": case["id"], "to_node_id": SCHULDNER})
        assert r.status_code == 201, r.text

        def created(stream):
            for e in stream.take(10, timeout=3):
                if e["event"] == "referral.created":
                    return json.loads(e["data"])
        mine_event, their_event = created(own), created(theirs)
    finally:
        own.close()
        theirs.close()
    assert {"account_id": ben.id, "role": "stand_in", "on_behalf_of": anna.id} in \
        mine_event["recipients"]
    assert "recipients" not in their_event
    (routed,) = team_db.execute("SELECT recipients FROM outbox WHERE type = 'referral.created'"
                                " AND payload->>'case_id' = %s", (case["id"],)).fetchone()
    assert routed["node_id"] == JOBCENTER
    # Over: the stand-in's list is their own again.
    assert anna.api.delete(f"/v1/me/absences/{absence['id']}").status_code == 204
    assert case["id"] not in ben.cases()
    assert_problem(ben.api.delete(f"/v1/me/absences/{absence['id']}"), 404, "not-found")


def test_a_future_absence_does_not_route_yet_and_bad_ones_are_refused(people, team_db):
    anna, ben, other = people["anna"], people["ben"], people["other"]
    case = anna.open_case()
    r = anna.api.post("/v1/me/absences", json={"starts_on": day(3), "ends_on": day(4),
                                               "stand_in_account_id": ben.id})
    assert r.status_code == 201 and r.json()["current"] is False
    assert case["id"] not in ben.cases()
    before = team_db.execute("SELECT count(*) FROM account_absence").fetchone()[0]
    for body, status, field, code in (
            ({"starts_on": day(4), "ends_on": day(6), "stand_in_account_id": ben.id}, 409,
             None, None),
            ({"starts_on": day(-9), "ends_on": day(-8), "stand_in_account_id": ben.id}, 422,
             "ends_on", "past"),
            ({"starts_on": day(9), "ends_on": day(8), "stand_in_account_id": ben.id}, 422,
             "ends_on", "before_starts_on"),
            ({"starts_on": day(9), "ends_on": day(9), "stand_in_account_id": anna.id}, 422,
             "stand_in_account_id", "self"),
            ({"starts_on": day(9), "ends_on": day(9), "stand_in_account_id": other.id}, 422,
             "stand_in_account_id", "not_a_colleague")):
        r = anna.api.post("/v1/me/absences", json=body)
        problem = assert_problem(r, status)
        if field:
            assert (problem["errors"][0]["field"], problem["errors"][0]["code"]) == (field, code)
        else:
            assert problem["type"] == "/problems/absence-overlap"
    assert team_db.execute("SELECT count(*) FROM account_absence").fetchone()[0] == before


def test_statistics_for_coordinators_name_no_person(people, team_db):
    anna, ben, other, coord = people["anna"], people["ben"], people["other"], people["coord"]
    case = anna.open_case()
    consent_for(anna, case["id"])
    anna.hand_to(case, ben)
    ref = ben.api.post("/v1/referrals", json={"case_id": case["id"],
                                              "to_node_id": SCHULDNER}).json()
    other.api.post(f"/v1/referrals/{ref['id']}/transitions", json={"to": "accepted"},
                   headers={"If-Match": f'"{ref["version"]}"'})
    persons = {a for (a,) in team_db.execute("SELECT id::text FROM account").fetchall()}
    # The demo's accounts carry their node's name; these people have names of their own.
    names = {p.name for p in people.values()}
    chain = "70000000-0000-4000-8000-000000000001"
    answers = []
    for path in (f"/v1/networks/{NETWORK}/stats/flows", f"/v1/networks/{NETWORK}/stats/agreements",
                 f"/v1/chains/{chain}/stats/funnel", f"/v1/networks/{NETWORK}/overdue"):
        for fmt in ({}, {"format": "csv"}):
            r = coord.api.get(path, params=fmt)
            if r.status_code == 400 and fmt:
                continue  # a list without a CSV form
            assert r.status_code == 200, (path, r.text)
            answers.append(r.text)
    text = "\n".join(answers)
    assert not [p for p in persons if p in text]
    assert not [n for n in names if n in text]
    for path in ("/v1/follow-ups", "/v1/follow-ups/count", "/v1/colleagues", "/v1/me/absences",
                 f"/v1/cases/{case['id']}/timeline"):
        assert coord.api.get(path).status_code == 403, path


def test_webhooks_name_the_recipients_to_the_owner_node_only(people, team_db):
    from test_webhooks import Receiver
    anna, ben, other = people["anna"], people["ben"], people["other"]
    own_rx, their_rx = Receiver(), Receiver()
    try:
        hooks = []
        for person, rx in ((anna, own_rx), (other, their_rx)):
            r = person.api.post("/v1/webhooks", json={
                "url": rx.url, "event_types": ["referral.created", "case.follow_up_due"]})
            assert r.status_code == 201, r.text
            hooks.append(r.json()["id"])
        case = anna.open_case()
        consent_for(anna, case["id"])
        r = anna.api.put(f"/v1/cases/{case['id']}/deputies", json={"account_ids": [ben.id]})
        assert r.status_code == 200, r.text
        r = anna.api.post("/v1/referrals", json={"case_id": case["id"], "to_node_id": SCHULDNER})
        assert r.status_code == 201, r.text
        f = follow_up(anna, case["id"], day(0))

        def bodies(rx):
            with rx.lock:
                return [json.loads(q["body"]) for q in rx.requests]

        def of_case(rx, kind):
            return [b for b in bodies(rx) if b["type"] == kind
                    and b["data"].get("case_id") == case["id"]]
        assert wait_for(lambda: of_case(own_rx, "referral.created")
                        and of_case(own_rx, "case.follow_up_due")
                        and of_case(their_rx, "referral.created"), 15)
        [mine] = of_case(own_rx, "referral.created")
        assert mine["recipients"] == [
            {"account_id": anna.id, "role": "responsible", "on_behalf_of": None},
            {"account_id": ben.id, "role": "deputy", "on_behalf_of": None}]
        [due] = of_case(own_rx, "case.follow_up_due")
        assert due["data"]["follow_up_id"] == f["id"] and len(due["recipients"]) == 2
        [theirs] = of_case(their_rx, "referral.created")
        assert "recipients" not in theirs
        assert not of_case(their_rx, "case.follow_up_due")
    finally:
        team_db.execute("DELETE FROM webhook WHERE url IN (%s, %s)", (own_rx.url, their_rx.url))
        own_rx.close()
        their_rx.close()
