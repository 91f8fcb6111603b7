"""Contracts (Kontingente): kept by the network's coordinators; a place taken at acceptance and
given back by a withdrawal or drop-out before the start (a decline never took one), through
every move of the state machine; "Kontingent erschöpft" before sending (a soft limit warns, a
hard one is 409 contract-exhausted) and at acceptance, also when two acceptances race for the
last place; and the coordinator's use view (JSON and CSV)."""

import csv
import io
import threading

from checks import assert_problem, error_fields
from contract_support import (SCHULDNER_SERVICE, contract, contract_now, quarter_start,
                              source)
from harness import Api, german_date
from referral_support import (JOBCENTER, NETWORK, PATH, MOVES, SCHULDNER, Loop, audit, move,
                              today)


def test_coordinator_keeps_contracts(demo, demo_db):
    ko = demo("koordination")
    src = source(ko)
    k = contract(ko, funder=src["id"], places=12, price_per_place=350.5, limit="soft",
                 period="year", period_start=f"{quarter_start()[:4]}-01-01")
    assert (k["places"], k["places_taken"], k["places_free"], k["limit"], k["period"],
            k["funding_source_id"], k["exhausted"]) == (12, 0, 12, "soft", "year", src["id"],
                                                        False)
    assert k["period_end"] == f"{quarter_start()[:4]}-12-31"
    assert float(k["price_per_place"]) == 350.5
    assert audit(demo_db, k["id"]) == ["contract.create"]
    # everybody reads a service's contracts
    listed = demo("jobcenter").get(f"/v1/services/{SCHULDNER_SERVICE}/contracts")
    assert k["id"] in [c["id"] for c in listed.json()["items"]]
    r = ko.patch(f"/v1/contracts/{k['id']}", json={"places": 15, "limit": "hard"},
                 headers={"If-Match": f'"{k["version"]}"'})
    assert r.status_code == 200, r.text
    assert (r.json()["places"], r.json()["limit"]) == (15, "hard")
    assert_problem(ko.patch(f"/v1/contracts/{k['id']}", json={"places": 16},
                            headers={"If-Match": f'"{k["version"]}"'}), 412)
    # one contract per service, funder and period
    again = ko.post(f"/v1/services/{SCHULDNER_SERVICE}/contracts", json={
        "network_id": NETWORK, "funding_source_id": src["id"], "period": "year",
        "period_start": f"{quarter_start()[:4]}-01-01", "places": 3})
    assert_problem(again, 409)
    # caseworkers do not write contracts
    assert_problem(demo("jobcenter").post(f"/v1/services/{SCHULDNER_SERVICE}/contracts", json={
        "network_id": NETWORK, "period": "quarter", "period_start": quarter_start(),
        "places": 3}), 403)


def test_contract_fields_are_checked(demo):
    ko = demo("koordination")
    for fields, field in (({"period": "month"}, "period"),
                          ({"period_start": "2026-02-01"}, "period_start"),
                          ({"period": "year", "period_start": "2026-04-01"}, "period_start"),
                          ({"places": 0}, "places"),
                          ({"price_per_place": -1}, "price_per_place"),
                          ({"limit": "streng"}, "limit")):
        body = {"network_id": NETWORK, "period": "quarter", "period_start": "2026-04-01",
                "places": 3, **fields}
        r = ko.post(f"/v1/services/{SCHULDNER_SERVICE}/contracts", json=body)
        assert field in error_fields(assert_problem(r, 422)), (fields, r.text)
    other = source(ko)
    assert_problem(ko.post("/v1/services/30000000-0000-4000-8000-000000009999/contracts", json={
        "network_id": NETWORK, "period": "quarter", "period_start": quarter_start(),
        "places": 3, "funding_source_id": other["id"]}), 404)


def taken(client, k):
    return contract_now(client, k["id"])["places_taken"]


def walk(loop, r, steps):
    for to in steps:
        client = loop.sender if MOVES[to][1] == "sender" else loop.receiver
        resp = move(client, r, to)
        assert resp.status_code == 200, (to, resp.text)
        r = resp.json()
    return r


# Each walk from sent and the places the referral holds at its end: taken at acceptance,
# kept once started, given back by a withdrawal or drop-out before the start.
WALKS = [
    ([], 0),
    (["received"], 0),
    (["waitlisted"], 0),
    (["received", "waitlisted"], 0),
    (["accepted"], 1),
    (["declined"], 0),
    (["received", "declined"], 0),
    (["waitlisted", "declined"], 0),
    (["received", "accepted"], 1),
    (["waitlisted", "accepted"], 1),
    (["accepted", "in_progress"], 1),
    (["accepted", "in_progress", "completed"], 1),
    (["accepted", "dropped_out"], 0),
    (["accepted", "in_progress", "dropped_out"], 1),
    (["withdrawn"], 0),
    (["received", "withdrawn"], 0),
    (["waitlisted", "withdrawn"], 0),
    (["accepted", "withdrawn"], 0),
    (["accepted", "in_progress", "withdrawn"], 1),
]


def test_places_through_every_move(demo):
    ko = demo("koordination")
    src = source(ko)
    k = contract(ko, funder=src["id"], places=50)
    # every move of the table is walked at least once
    walked = {(([None] + steps)[i], to) for steps, _ in WALKS
              for i, to in enumerate(steps)}
    table = {(frm, to) for to, (froms, _) in MOVES.items() for frm in froms}
    assert table <= {(f or "sent", t) for f, t in walked}, table - walked
    assert set(PATH) <= {(["sent"] + s)[-1] for s, _ in WALKS}
    held = 0
    for steps, holds in WALKS:
        loop = Loop(demo)
        r = loop.refer(service_id=SCHULDNER_SERVICE, funding_source_id=src["id"])
        assert r["contract_id"] is None
        before = taken(ko, k)
        for i, to in enumerate(steps):
            r = walk(loop, r, [to])
            sofar = steps[:i + 1]
            accepted = "accepted" in sofar
            started = "in_progress" in sofar
            closed_early = to in ("withdrawn", "dropped_out") and not started
            expect = 1 if accepted and not closed_early else 0
            assert taken(ko, k) == before + expect, (steps, to)
            if accepted:
                assert r["contract_id"] == k["id"]
        held += holds
        assert taken(ko, k) == held, steps


def test_hard_limit_refuses_before_sending_and_at_acceptance(demo, demo_db):
    ko = demo("koordination")
    src = source(ko)
    k = contract(ko, funder=src["id"], places=1, limit="hard")
    first, second = Loop(demo), Loop(demo)
    a = first.refer(service_id=SCHULDNER_SERVICE, funding_source_id=src["id"])
    b = second.refer(service_id=SCHULDNER_SERVICE, funding_source_id=src["id"])
    assert a["warnings"] == [] and b["warnings"] == []
    a = walk(first, a, ["accepted"])
    assert contract_now(ko, k["id"])["exhausted"] is True
    # the sender is told before sending
    third = Loop(demo)
    body = assert_problem(demo("jobcenter").post("/v1/referrals", json={
        "case_id": third.case["id"], "to_node_id": SCHULDNER, "service_id": SCHULDNER_SERVICE,
        "funding_source_id": src["id"]}), 409, "contract-exhausted")
    assert "Kontingent erschöpft" in body["detail"]
    # a referral sent before the places ran out cannot be accepted
    assert_problem(move(second.receiver, b, "accepted"), 409, "contract-exhausted")
    assert demo("schuldnerberatung").get(f"/v1/referrals/{b['id']}").json()["status"] == "sent"
    # a withdrawal before the start gives the place back
    walk(first, a, ["withdrawn"])
    assert taken(ko, k) == 0
    assert walk(second, b, ["accepted"])["contract_id"] == k["id"]
    # a contract without a funder is taken by referrals that name none; another funder's
    # contract is not
    other = source(ko)
    assert third.refer(service_id=SCHULDNER_SERVICE,
                       funding_source_id=other["id"])["warnings"] == []


def test_soft_limit_warns_and_lets_accept(demo):
    ko = demo("koordination")
    src = source(ko)
    k = contract(ko, funder=src["id"], places=1, limit="soft")
    first, second = Loop(demo), Loop(demo)
    walk(first, first.refer(service_id=SCHULDNER_SERVICE, funding_source_id=src["id"]),
         ["accepted"])
    b = second.refer(service_id=SCHULDNER_SERVICE, funding_source_id=src["id"])
    assert [(w["type"], w["places"], w["places_taken"]) for w in b["warnings"]] == [
        ("contract-exhausted", 1, 1)]
    assert "Kontingent erschöpft" in b["warnings"][0]["message"]
    walk(second, b, ["accepted"])
    now = contract_now(ko, k["id"])
    assert (now["places_taken"], now["places_free"], now["exhausted"]) == (2, 0, True)


def test_two_acceptances_for_the_last_place(demo, demo_pnetd):
    ko = demo("koordination")
    sch = demo("schuldnerberatung")
    for _ in range(5):
        src = source(ko)
        k = contract(ko, funder=src["id"], places=1, limit="hard")
        loops = [Loop(demo), Loop(demo)]
        refs = [lp.refer(service_id=SCHULDNER_SERVICE, funding_source_id=src["id"])
                for lp in loops]
        barrier = threading.Barrier(2)
        statuses = [None, None]

        def accept(i):
            client = Api(demo_pnetd.base_url, sch.token, timeout=60)
            try:
                client.get("/healthz")
                barrier.wait(10)
                statuses[i] = client.post(
                    f"/v1/referrals/{refs[i]['id']}/transitions", json={"to": "accepted"},
                    headers={"If-Match": f'"{refs[i]["version"]}"'}).status_code
            finally:
                client.close()

        threads = [threading.Thread(target=accept, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert sorted(statuses) == [200, 409], statuses
        assert taken(ko, k) == 1


def test_use_view(demo):
    ko = demo("koordination")
    src = source(ko, name="Kommunale Mittel Test")
    k = contract(ko, funder=src["id"], places=2, price_per_place=120)
    done, waiting = Loop(demo), Loop(demo)
    walk(done, done.refer(service_id=SCHULDNER_SERVICE, funding_source_id=src["id"]),
         ["accepted"])
    w = waiting.refer(service_id=SCHULDNER_SERVICE, funding_source_id=src["id"])
    r = ko.get(f"/v1/networks/{NETWORK}/contract-use")
    assert r.status_code == 200, r.text
    row = next(i for i in r.json()["items"] if i["id"] == k["id"])
    assert (row["places"], row["places_taken"], row["places_free"], row["waiting_count"],
            row["funding_source_name"], row["node_id"]) == (
        2, 1, 1, 1, "Kommunale Mittel Test",
        "20000000-0000-4000-8000-000000000007")
    assert [x["id"] for x in row["waiting"]] == [w["id"]]
    assert row["waiting"][0]["from_node_id"] == JOBCENTER
    # another day outside the period: not listed
    past = ko.get(f"/v1/networks/{NETWORK}/contract-use?on=2000-01-01").json()
    assert past["items"] == [] and past["on"] == "2000-01-01"
    # CSV as the statistics export it
    c = ko.get(f"/v1/networks/{NETWORK}/contract-use?format=csv")
    assert c.status_code == 200 and c.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(c.text)))
    mine = next(x for x in rows if x["funding_source_name"] == "Kommunale Mittel Test")
    assert (mine["places"], mine["places_taken"], mine["waiting_count"],
            mine["price_per_place"]) == ("2", "1", "1", "120.00")
    e = ko.get(f"/v1/networks/{NETWORK}/contract-use?format=excel&lang=de")
    assert e.content.startswith(b"\xef\xbb\xbf")
    text = e.content.decode("utf-8-sig")
    head = text.splitlines()[0].split(";")
    assert "Plätze" in head and "Kostenträger" in head
    line = next(x for x in text.splitlines() if "Kommunale Mittel Test" in x).split(";")
    assert line[head.index("Preis je Platz")] == "120,00"
    assert "attachment" in e.headers["Content-Disposition"]
    # only the network's coordinators (and admins)
    assert_problem(demo("jobcenter").get(f"/v1/networks/{NETWORK}/contract-use"), 403)
    assert demo("admin").get(f"/v1/networks/{NETWORK}/contract-use").status_code == 200
    assert_problem(ko.get(f"/v1/networks/{NETWORK}/contract-use?on=gestern"), 400)
    assert_problem(ko.get(f"/v1/networks/{NETWORK}/contract-use?format=pdf"), 400)
    assert today()


def test_a_contract_without_funder_has_places_for_any_funder(demo):
    # "none: places for any" (docs/user-guide/coordinators.md): a referral paid from a source
    # without a contract of its own takes its place from the service's contract without a
    # funder; one whose source has its own contract takes it from that one.
    ko = demo("koordination")
    own, other = source(ko), source(ko)
    year = german_date().replace(month=1, day=1).isoformat()
    for_any = contract(ko, places=1000, limit="soft", period="year", period_start=year)
    for_own = contract(ko, funder=own["id"], places=1, limit="hard")
    a, b = Loop(demo), Loop(demo)
    ra = walk(a, a.refer(service_id=SCHULDNER_SERVICE, funding_source_id=other["id"]),
              ["accepted"])
    rb = walk(b, b.refer(service_id=SCHULDNER_SERVICE, funding_source_id=own["id"]),
              ["accepted"])
    assert (ra["contract_id"], rb["contract_id"]) == (for_any["id"], for_own["id"])
    assert taken(ko, for_any) >= 1 and taken(ko, for_own) == 1
