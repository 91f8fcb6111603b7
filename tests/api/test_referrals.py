"""Referrals: creating one (the rules, due_at, idempotency, bad input), the timeline and
handovers, transfer and redirect, inbox/outbox and the coordinators' overdue list."""

import datetime
import json
import threading
import uuid

import pytest

from chainkit import OUTSIDE_NODE, make_outsiders
from checks import assert_problem, error_fields
from harness import Api
from referral_support import (CHAINS, GROUPS, JOBCENTER, JUGENDAMT, KITA, NETWORK, SCHULDNER,
                              SUCHT, Loop, audit, consent, counts, move, open_case, refer, today)


def due_days(r):
    created = datetime.datetime.fromisoformat(r["created_at"])
    due = datetime.datetime.fromisoformat(r["due_at"])
    return (due - created) / datetime.timedelta(days=1)


def test_create_writes_referral_event_outbox_and_audit(demo, demo_db):
    loop = Loop(demo)
    outbox = demo_db.execute("SELECT count(*) FROM outbox").fetchone()[0]
    resp = loop.sender.post("/v1/referrals", json={
        "case_id": loop.case["id"], "to_node_id": SCHULDNER, "reason": "Kontopfändung",
        "note": "Bitte zeitnah,\nKlientin ist erreichbar.", "priority": "urgent"})
    assert resp.status_code == 201, resp.text
    r = resp.json()
    assert resp.headers["Location"] == f"/v1/referrals/{r['id']}"
    assert resp.headers["ETag"] == '"1"'
    assert (r["status"], r["from_node_id"], r["to_node_id"], r["kind"], r["priority"],
            r["version"], r["network_id"]) == ("sent", JOBCENTER, SCHULDNER, "service",
                                               "urgent", 1, NETWORK)
    assert r["case"] == {"reference": loop.case["reference"], "target_group_id": GROUPS[0]}
    assert demo_db.execute("SELECT kind, to_status, actor_node::text FROM referral_event"
                           " WHERE referral_id = %s", (r["id"],)).fetchall() == \
        [("created", "sent", JOBCENTER)]
    assert audit(demo_db, r["id"]) == ["referral.create"]
    assert demo_db.execute("SELECT count(*) FROM outbox").fetchone()[0] == outbox + 1
    payload = demo_db.execute("SELECT payload::text FROM outbox ORDER BY seq DESC LIMIT 1"
                              ).fetchone()[0]
    assert "Kontopfändung" not in payload and "Klientin" not in payload


def test_due_at_from_step_member_and_network(demo, demo_db):
    jc = demo("jobcenter")
    # member days: the Schuldnerberatung agreed 10 days, the Suchtberatung 7
    loop = Loop(demo)
    assert round(due_days(loop.refer())) == 10
    c = open_case(jc)
    consent(jc, c["id"], SUCHT)
    assert round(due_days(refer(jc, c["id"], SUCHT))) == 7
    # no agreed days: the network's default (5)
    consent(jc, c["id"], KITA)
    assert round(due_days(refer(jc, c["id"], KITA))) == 5
    # the chain step's target days win (kinderbetreuung: 5 days; the Jugendamt agreed 10)
    e = jc.post(f"/v1/cases/{c['id']}/enrolment", json={"chain_id": CHAINS[0]})
    assert e.status_code == 200, e.text
    consent(jc, c["id"], JUGENDAMT)
    consent(jc, c["id"], SCHULDNER)
    assert round(due_days(refer(jc, c["id"], JUGENDAMT, chain_step_key="kinderbetreuung"))) == 5
    assert round(due_days(refer(jc, c["id"], SCHULDNER,
                                chain_step_key="schuldnerberatung"))) == 10
    # erstberatung: 2 days against the Suchtberatung's 7
    assert round(due_days(refer(jc, c["id"], SUCHT, chain_step_key="erstberatung"))) == 2


def test_rules_of_creation(demo, demo_db):
    jc = demo("jobcenter")
    c = open_case(jc)
    body = {"case_id": c["id"], "to_node_id": SCHULDNER}
    before = counts(demo_db)
    # no consent at all
    p = assert_problem(jc.post("/v1/referrals", json=body), 422, "consent-required")
    assert error_fields(p) == ["to_node_id"]
    # to oneself
    consent(jc, c["id"], scope="network")
    before = counts(demo_db)
    p = assert_problem(jc.post("/v1/referrals", json=dict(body, to_node_id=JOBCENTER)), 422)
    assert error_fields(p) == ["to_node_id"]
    # not a member of the network (a node of another network; an unknown node)
    make_outsiders(demo_db)
    before = counts(demo_db)
    for to in [OUTSIDE_NODE, str(uuid.uuid4())]:
        p = assert_problem(jc.post("/v1/referrals", json=dict(body, to_node_id=to)), 422,
                           "not-a-member")
        assert error_fields(p) == ["to_node_id"]
    # another node's case, an unknown case
    other = open_case(demo("schuldnerberatung"))
    before = counts(demo_db)
    for case_id in [other["id"], str(uuid.uuid4())]:
        p = assert_problem(jc.post("/v1/referrals", json=dict(body, case_id=case_id)), 422)
        assert error_fields(p) == ["case_id"]
    # a step while not enrolled; a service of another node
    p = assert_problem(jc.post("/v1/referrals", json=dict(body, chain_step_key="erstberatung")),
                       422)
    assert error_fields(p) == ["chain_step_key"]
    p = assert_problem(jc.post("/v1/referrals", json=dict(
        body, service_id="30000000-0000-4000-8000-000000000003")), 422)
    assert error_fields(p) == ["service_id"]
    assert counts(demo_db) == before
    # now it works; a second open one to the same node for the same step is 409
    first = refer(jc, c["id"], SCHULDNER)
    before = counts(demo_db)
    assert_problem(jc.post("/v1/referrals", json=body), 409, "duplicate")
    assert counts(demo_db) == before
    # ... but not once the first is closed
    assert move(jc, first, "withdrawn").status_code == 200
    refer(jc, c["id"], SCHULDNER)
    # a closed case takes no referral
    c2 = open_case(jc)
    consent(jc, c2["id"], SCHULDNER)
    assert jc.patch(f"/v1/cases/{c2['id']}", json={"status": "closed",
                                                   "close_reason": "other"}).status_code == 200
    before = counts(demo_db)
    p = assert_problem(jc.post("/v1/referrals", json=dict(body, case_id=c2["id"])), 409,
                       "case-closed")
    assert counts(demo_db) == before


DROP = object()
BAD_BODIES = [
    ({"case_id": DROP}, ["case_id"]),
    ({"to_node_id": DROP}, ["to_node_id"]),
    ({"case_id": 5}, ["case_id"]),
    ({"case_id": "not-a-uuid"}, ["case_id"]),
    ({"kind": "handover"}, ["kind"]),
    ({"priority": "high"}, ["priority"]),
    ({"priority": None}, ["priority"]),
    ({"note": "x" * 2001}, ["note"]),
    ({"reason": "x" * 201}, ["reason"]),
    ({"reason": "a\nb"}, ["reason"]),
    ({"note": ["a"]}, ["note"]),
    ({"colour": "red"}, ["colour"]),
    ({"redirected_from": "nope"}, ["redirected_from"]),
    ({"chain_step_key": "Not A Key!"}, ["chain_step_key"]),
]


@pytest.mark.parametrize("change,fields", BAD_BODIES)
def test_bad_bodies(demo, demo_db, change, fields):
    loop = Loop(demo)
    body = {"case_id": loop.case["id"], "to_node_id": SCHULDNER}
    body.update(change)
    body = {k: v for k, v in body.items() if v is not DROP}
    before = counts(demo_db)
    p = assert_problem(loop.sender.post("/v1/referrals", json=body), 422, "validation")
    assert error_fields(p) == fields
    assert counts(demo_db) == before


def test_bad_syntax(demo, demo_db):
    loop = Loop(demo)
    before = counts(demo_db)
    for data in [b'{"case_id": "' + loop.case["id"].encode() + b'", "note": "\xff"}',
                 b'{"case_id": ', b'[]']:
        r = loop.sender.post("/v1/referrals", data=data,
                             headers={"Content-Type": "application/json"})
        assert r.status_code in (400, 422), r.text
    assert counts(demo_db) == before


def test_idempotency(demo, demo_db):
    loop = Loop(demo)
    body = {"case_id": loop.case["id"], "to_node_id": SCHULDNER, "note": "einmal"}
    key = {"Idempotency-Key": "create-" + uuid.uuid4().hex}
    first = loop.sender.post("/v1/referrals", json=body, headers=key)
    assert first.status_code == 201, first.text
    for _ in range(19):
        again = loop.sender.post("/v1/referrals", json=dict(reversed(list(body.items()))),
                                 headers=key)
        assert again.status_code == 201
        assert again.json() == first.json()
        assert again.headers["Location"] == first.headers["Location"]
    assert demo_db.execute("SELECT count(*) FROM referral WHERE case_id = %s",
                           (loop.case["id"],)).fetchone() == (1,)
    assert audit(demo_db, first.json()["id"]) == ["referral.create"]
    before = counts(demo_db)
    p = assert_problem(loop.sender.post("/v1/referrals", json=dict(body, note="anders"),
                                        headers=key), 422, "idempotency-key-reused")
    assert counts(demo_db) == before
    # the same key of another account is another key
    other = Loop(demo, sender="suchtberatung", receiver=SCHULDNER, group=GROUPS[2])
    r = other.sender.post("/v1/referrals", json={"case_id": other.case["id"],
                                                 "to_node_id": SCHULDNER}, headers=key)
    assert r.status_code == 201, r.text
    # a bad key
    for bad in ["", "a b", "x" * 201]:
        assert_problem(loop.sender.post("/v1/referrals", json=body,
                                        headers={"Idempotency-Key": bad}), 400)
    # a failed request stores nothing: after consent is given, the same key succeeds
    c = open_case(loop.sender)
    key2 = {"Idempotency-Key": uuid.uuid4().hex}
    b2 = {"case_id": c["id"], "to_node_id": SCHULDNER}
    assert_problem(loop.sender.post("/v1/referrals", json=b2, headers=key2), 422,
                   "consent-required")
    consent(loop.sender, c["id"], SCHULDNER)
    assert loop.sender.post("/v1/referrals", json=b2, headers=key2).status_code == 201


def test_idempotency_concurrent(demo, demo_db):
    loop = Loop(demo)
    body = {"case_id": loop.case["id"], "to_node_id": SCHULDNER}
    key = {"Idempotency-Key": uuid.uuid4().hex}
    results = []
    barrier = threading.Barrier(20)

    def worker():
        c = Api(loop.sender.base_url, loop.sender.token, timeout=60)
        barrier.wait()
        r = c.post("/v1/referrals", json=body, headers=key)
        results.append((r.status_code, r.json().get("id")))
        c.close()

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {s for s, _ in results} <= {201, 409}, results
    assert len({i for s, i in results if s == 201}) == 1
    assert demo_db.execute("SELECT count(*) FROM referral WHERE case_id = %s",
                           (loop.case["id"],)).fetchone() == (1,)


def test_events_and_handovers(demo, demo_db):
    loop = Loop(demo)
    r = loop.refer()
    url = f"/v1/referrals/{r['id']}/handovers"
    before = counts(demo_db)
    # only the sender logs a handover
    assert_problem(loop.receiver.post(url, json={"channel": "phone", "warm": True}), 403)
    for bad, fields in [({"channel": "fax", "warm": True}, ["channel"]),
                        ({"channel": "phone"}, ["warm"]),
                        ({"channel": "phone", "warm": "yes"}, ["warm"]),
                        ({"channel": "phone", "warm": True, "at": "2030-01-01"}, ["at"]),
                        ({"channel": "phone", "warm": True, "note": "x" * 2001}, ["note"]),
                        ({"channel": "phone", "warm": True, "who": "x"}, ["who"])]:
        p = assert_problem(loop.sender.post(url, json=bad), 422, "validation")
        assert error_fields(p) == fields
    assert counts(demo_db) == before
    resp = loop.sender.post(url, json={"channel": "in_person", "warm": True,
                                       "at": "2030-03-01T10:00:00+01:00",
                                       "note": "Gemeinsamer Termin mit der Klientin"})
    assert resp.status_code == 201, resp.text
    h = resp.json()
    assert (h["kind"], h["channel"], h["warm"]) == ("handover", "in_person", True)
    assert h["handover_at"] == "2030-03-01T10:00:00+01:00"  # in Germany's time
    assert audit(demo_db, r["id"]) == ["referral.create", "referral.handover"]
    ev = loop.receiver.get(f"/v1/referrals/{r['id']}/events")
    assert ev.status_code == 200
    items = ev.json()["items"]
    assert [e["kind"] for e in items] == ["created", "handover"]
    assert items[1]["note"] == "Gemeinsamer Termin mit der Klientin"
    assert audit(demo_db, r["id"])[-1] == "referral.events_read"
    # pagination of the timeline
    move(loop.receiver, r, "received")
    page = loop.sender.get(f"/v1/referrals/{r['id']}/events?limit=2").json()
    assert len(page["items"]) == 2 and page["next"]
    rest = loop.sender.get(f"/v1/referrals/{r['id']}/events?limit=2&after={page['next']}").json()
    assert [e["kind"] for e in rest["items"]] == ["transition"] and rest["next"] is None


def test_no_handover_on_closed(demo, demo_db):
    loop = Loop(demo)
    r = loop.walk("withdrawn")
    before = counts(demo_db)
    assert_problem(loop.sender.post(f"/v1/referrals/{r['id']}/handovers",
                                    json={"channel": "phone", "warm": False}), 409)
    assert counts(demo_db) == before


def test_transfer_moves_ownership(demo, demo_db):
    loop = Loop(demo)
    r = loop.walk("in_progress", kind="transfer")
    assert r["kind"] == "transfer"
    resp = move(loop.receiver, r, "completed", outcome="referred_on")
    assert resp.status_code == 200, resp.text
    case_id = loop.case["id"]
    assert demo_db.execute("SELECT owner_node_id::text FROM client_case WHERE id = %s",
                           (case_id,)).fetchone() == (SCHULDNER,)
    new = loop.receiver.get(f"/v1/cases/{case_id}")
    assert new.status_code == 200 and new.json()["access"] == "owner"
    old = loop.sender.get(f"/v1/cases/{case_id}")
    assert old.status_code == 200 and old.json()["access"] == "referral"
    assert loop.sender.get(f"/v1/referrals/{r['id']}").status_code == 200
    assert loop.sender.get(f"/v1/referrals/{r['id']}/events").status_code == 200
    # the new owner may now refer on; the old one no longer
    consent(loop.receiver, case_id, SUCHT)
    refer(loop.receiver, case_id, SUCHT)
    assert_problem(loop.sender.post("/v1/referrals", json={"case_id": case_id,
                                                           "to_node_id": SUCHT}), 422)


def test_a_completed_service_referral_keeps_the_owner(demo, demo_db):
    loop = Loop(demo)
    loop.walk("completed")
    assert demo_db.execute("SELECT owner_node_id::text FROM client_case WHERE id = %s",
                           (loop.case["id"],)).fetchone() == (JOBCENTER,)


def test_redirect_after_decline(demo, demo_db):
    jc = demo("jobcenter")
    loop = Loop(demo)
    consent(jc, loop.case["id"], SUCHT)
    open_one = loop.refer()
    p = assert_problem(jc.post("/v1/referrals", json={
        "case_id": loop.case["id"], "to_node_id": SUCHT, "redirected_from": open_one["id"]}),
        422)
    assert error_fields(p) == ["redirected_from"]
    declined = move(loop.receiver, open_one, "declined", reason="no_capacity").json()
    new = refer(jc, loop.case["id"], SUCHT, redirected_from=declined["id"])
    assert new["redirected_from"] == declined["id"]
    # not someone else's referral
    other = Loop(demo, sender="suchtberatung", receiver=SCHULDNER, group=GROUPS[2])
    theirs = other.walk("declined")
    p = assert_problem(jc.post("/v1/referrals", json={
        "case_id": loop.case["id"], "to_node_id": SCHULDNER, "redirected_from": theirs["id"]}),
        422)
    assert error_fields(p) == ["redirected_from"]


def ids(resp):
    assert resp.status_code == 200, resp.text
    return [i["id"] for i in resp.json()["items"]]


def test_inbox_outbox_filters_and_pages(demo, demo_db):
    jc = demo("jobcenter")
    loop = Loop(demo)
    b = loop.walk("declined")
    a = loop.refer()
    c2 = open_case(jc)
    consent(jc, c2["id"], scope="network")
    d = refer(jc, c2["id"], SUCHT)
    outbox = ids(jc.get(f"/v1/referrals?box=outbox&case_id={loop.case['id']}"))
    assert outbox == [a["id"], b["id"]]  # newest first
    inbox = ids(loop.receiver.get(f"/v1/referrals?box=inbox&case_id={loop.case['id']}"))
    assert inbox == [a["id"], b["id"]]
    assert ids(jc.get(f"/v1/referrals?box=inbox&case_id={loop.case['id']}")) == []
    assert ids(loop.receiver.get(f"/v1/referrals?box=outbox&case_id={loop.case['id']}")) == []
    assert ids(loop.receiver.get(
        f"/v1/referrals?box=inbox&status=sent,received&case_id={loop.case['id']}")) == [a["id"]]
    assert ids(jc.get(f"/v1/referrals?status=declined&case_id={loop.case['id']}")) == [b["id"]]
    # the Suchtberatung sees its own only
    assert ids(demo("suchtberatung").get(f"/v1/referrals?case_id={c2['id']}")) == [d["id"]]
    assert ids(demo("suchtberatung").get(f"/v1/referrals?case_id={loop.case['id']}")) == []
    # pages
    p1 = jc.get(f"/v1/referrals?box=outbox&limit=1&case_id={loop.case['id']}").json()
    assert [i["id"] for i in p1["items"]] == [a["id"]] and p1["next"]
    p2 = jc.get(f"/v1/referrals?box=outbox&limit=1&case_id={loop.case['id']}"
                f"&after={p1['next']}").json()
    assert [i["id"] for i in p2["items"]] == [b["id"]] and p2["next"] is None
    for q in ["box=all", "status=open", "status=", "overdue=yes", "case_id=x", "colour=red"]:
        p = assert_problem(jc.get(f"/v1/referrals?{q}"), 400)


def test_pages_are_compact_json(demo, demo_db):
    """A page is compact JSON (no white space between tokens), whatever spacing the statement
    behind it writes (docs/performance.md, "Compact JSON"); text inside strings is kept."""
    loop = Loop(demo)
    loop.refer(reason="Termin : morgen, 9 Uhr", note="Er sagte: \"ja, gern\" \\ danke")
    c = loop.case["id"]
    for client, path in [(loop.sender, f"/v1/referrals?box=outbox&case_id={c}"),
                         (loop.receiver, f"/v1/referrals?box=inbox&case_id={c}"),
                         (loop.sender, "/v1/cases?limit=5")]:
        r = client.get(path)
        assert r.status_code == 200, r.text
        page = r.json()
        assert page["items"], path
        assert r.text == json.dumps(page, separators=(",", ":"), ensure_ascii=False), path
    item = loop.receiver.get(f"/v1/referrals?box=inbox&case_id={c}").json()["items"][0]
    assert item["reason"] == "Termin : morgen, 9 Uhr"
    assert item["note"] == 'Er sagte: "ja, gern" \\ danke'
    assert item["allowed_moves"] and item["case"]["reference"]


def test_overdue_lists(demo, demo_db):
    jc = demo("jobcenter")
    cases = []
    refs = []
    for _ in range(3):
        c = open_case(jc)
        consent(jc, c["id"], SCHULDNER)
        cases.append(c)
        refs.append(refer(jc, c["id"], SCHULDNER))
    late, fine, waiting = refs
    demo_db.execute("UPDATE referral SET due_at = now() - interval '3 days' WHERE id = %s",
                    (late["id"],))
    sch = demo("schuldnerberatung")
    w = move(sch, waiting, "waitlisted", expected_on=today(3)).json()
    demo_db.execute("UPDATE referral SET expected_on = current_date - 1 WHERE id = %s",
                    (w["id"],))
    mine = {r["id"] for r in refs}
    over = [i for i in ids(jc.get("/v1/referrals?box=outbox&overdue=true")) if i in mine]
    assert sorted(over) == sorted([late["id"], w["id"]])
    notover = [i for i in ids(jc.get("/v1/referrals?box=outbox&overdue=false")) if i in mine]
    assert notover == [fine["id"]]
    assert sch.get(f"/v1/referrals/{late['id']}").json()["overdue"] is True
    # the coordinators' list: metadata only
    k = demo("koordination")
    resp = k.get(f"/v1/networks/{NETWORK}/overdue?limit=100")
    assert resp.status_code == 200, resp.text
    items = {i["id"]: i for i in resp.json()["items"] if i["id"] in mine}
    assert set(items) == {late["id"], w["id"]}
    assert items[late["id"]]["days_overdue"] == 3
    assert set(items[late["id"]]) == {
        "id", "network_id", "from_node_id", "to_node_id", "kind", "chain_step_key", "status",
        "priority", "due_at", "expected_on", "created_at", "deadline", "deadline_at",
        "days_overdue"}
    assert items[late["id"]]["deadline"] == "accept"
    assert items[w["id"]]["deadline"] == "expected"
    # accepted: no longer overdue
    assert move(sch, late, "accepted").status_code == 200
    resp = k.get(f"/v1/networks/{NETWORK}/overdue?limit=100")
    assert late["id"] not in [i["id"] for i in resp.json()["items"]]
    assert demo("admin").get(f"/v1/networks/{NETWORK}/overdue").status_code == 200
    assert_problem(k.get(f"/v1/networks/{uuid.uuid4()}/overdue"), 403)
    assert_problem(demo("admin").get(f"/v1/networks/{uuid.uuid4()}/overdue"), 404)
    for login in ["jobcenter", "auditor"]:
        assert_problem(demo(login).get(f"/v1/networks/{NETWORK}/overdue"), 403)
    assert_problem(demo(None).get(f"/v1/networks/{NETWORK}/overdue"), 401)


def test_the_open_inbox_statement_names_every_open_status(db):
    """referral_inbox_open (server/api/referrals.sql) and its partial index name the open
    statuses as constants: they must be exactly those referral_status (lib/referral.c) marks
    open, or an open referral would be missing from the inbox."""
    import pathlib
    import re as _re
    open_now = {s for (s,) in db.execute("SELECT status FROM referral_status WHERE open")}
    index = db.execute("SELECT pg_get_indexdef('referral_inbox_open_idx'::regclass)").fetchone()[0]
    assert set(_re.findall(r"'(\w+)'::text", index)) == open_now
    sql = (pathlib.Path(__file__).parents[2] / "server/api/referrals.sql").read_text()
    stmt = sql.split("-- name: referral_inbox_open")[1].split("-- name:")[0]
    listed = _re.search(r"p\.status IN \(([^)]*)\)", stmt).group(1)
    assert set(_re.findall(r"'(\w+)'", listed)) == open_now
