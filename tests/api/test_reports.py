"""The network report (docs/user-guide/statistics.md, "The network report"):
GET /v1/networks/{id}/report, exact and suppressed, JSON and CSV, filters, and a period's
report before and after retention purges its cases.

A network of the test's own ("R") is built through the API as the nodes would: the admin makes
it with three demo nodes as members (Jobcenter Team Alleinerziehende sends; Caritas
Schuldnerberatung "S", district Altstadt, and Diakonie Suchtberatung "U", district Südviertel,
receive) and a coordinator; the coordinator adds target groups A and B and a chain for A whose
one step "beratung" (S, 3 days to accept, 6 to start) is published; the jobcenter opens one
case per referral, enrols the A cases, sends and logs handovers, and S and U answer. Only the
clock is set by SQL afterwards: each referral's sending (and due time) is moved back by the
days below, so that the days to a reaction, an acceptance and a start are those days (the
answers themselves came seconds after sending).

Current period (the last 30 days):
  to S, step beratung, target group A:
    c1-c6  completed goal_reached   Nordstadt   days 1,1,2,2,5,5   c1-c5 warm handover
    c7-c8  completed partially      Nordstadt   days 4,10
    d1-d5  declined no_capacity     Weststadt   day 1
    d6     declined not_eligible    Weststadt   day 1
    w1     withdrawn (unanswered)   Nordstadt   day 2
  to U, no chain, target group B:
    o1-o5  sent (open)              Weststadt   day 0
    x1-x2  dropped_out no_show      (none)      day 0 (accepted, then dropped out)
    x3     dropped_out broke_off    Weststadt   day 0
Previous period (the 31 days before): p1 to S, beratung, A, declined no_capacity, Nordstadt, 40
days ago.
"""

import csv
import io
import uuid
from datetime import timedelta

import psycopg
import pytest

from checks import assert_problem, error_fields
from harness import Api, german_date, run_pnetd
from referral_support import JOBCENTER, SCHULDNER, SUCHT, consent, move, open_case, refer

PASSWORD = "report-test-password"
FATES = ["open", "declined", "withdrawn", "dropped_out", "goal_reached", "partially_reached",
         "not_reached", "referred_on"]

# name: (receiver, step, group, district, status, reason or outcome, warm, days back)
PLAN = (
    [(f"c{i}", "S", True, "A", "Nordstadt", "completed", "goal_reached", i <= 5, d)
     for i, d in enumerate([1, 1, 2, 2, 5, 5], start=1)]
    + [(f"c{i}", "S", True, "A", "Nordstadt", "completed", "partially_reached", False, d)
       for i, d in ((7, 4), (8, 10))]
    + [(f"d{i}", "S", True, "A", "Weststadt", "declined", "no_capacity", False, 1)
       for i in range(1, 6)]
    + [("d6", "S", True, "A", "Weststadt", "declined", "not_eligible", False, 1),
       ("w1", "S", True, "A", "Nordstadt", "withdrawn", None, False, 2)]
    + [(f"o{i}", "U", False, "B", "Weststadt", "sent", None, False, 0) for i in range(1, 6)]
    + [("x1", "U", False, "B", None, "dropped_out", "no_show", False, 0),
       ("x2", "U", False, "B", None, "dropped_out", "no_show", False, 0),
       ("x3", "U", False, "B", "Weststadt", "dropped_out", "broke_off", False, 0),
       ("p1", "S", True, "A", "Nordstadt", "declined", "no_capacity", False, 40)]
)
WALK = {"sent": [], "declined": ["declined"], "withdrawn": ["withdrawn"],
        "completed": ["accepted", "in_progress", "completed"],
        "dropped_out": ["accepted", "dropped_out"]}


def unique(prefix):
    return f"{prefix} {uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def rdb(demo_database):
    conn = psycopg.connect(demo_database, autocommit=True)
    yield conn
    conn.close()


@pytest.fixture(scope="module")
def rnet(demo, rdb):
    admin = demo("admin")
    r = admin.post("/v1/networks", json={"name": unique("Berichtsnetz"), "locality": "Neustadt"})
    assert r.status_code == 201, r.text
    network = r.json()["id"]
    for node in (JOBCENTER, SCHULDNER, SUCHT):
        r = admin.post(f"/v1/networks/{network}/members", json={"node_id": node})
        assert r.status_code == 201, r.text
    login = f"bericht-{uuid.uuid4().hex[:8]}"
    r = admin.post("/v1/accounts", json={"login": login, "display_name": "Koordination R",
                                         "role": "coordinator", "network_ids": [network],
                                         "password": PASSWORD, "must_change_password": False})
    assert r.status_code == 201, r.text
    coordinator = Api(admin.base_url)
    coordinator.login(login, PASSWORD)

    groups = {}
    for key in ("A", "B"):
        r = coordinator.post(f"/v1/networks/{network}/target-groups",
                             json={"code": f"gruppe-{key.lower()}-{uuid.uuid4().hex[:6]}",
                                   "name": f"Gruppe {key}"})
        assert r.status_code == 201, r.text
        groups[key] = r.json()["id"]
    r = coordinator.post(f"/v1/networks/{network}/chains",
                         json={"target_group_id": groups["A"], "name": unique("Berichtskette")})
    assert r.status_code == 201, r.text
    chain = r.json()["id"]
    url = f"/v1/chains/{chain}/versions"
    r = coordinator.post(url, json={})
    assert r.status_code == 201, r.text
    r = coordinator.put(f"{url}/1", headers={"If-Match": r.headers["ETag"]}, json={
        "steps": [{"key": "beratung", "name": "Schuldnerberatung", "category": "debt_counselling",
                   "required": True, "providers": [SCHULDNER], "target_days_to_accept": 3,
                   "target_days_to_start": 6}],
        "edges": [{"from": "start", "to": "beratung"}]})
    assert r.status_code == 200, r.text
    r = coordinator.post(f"{url}/1/publish", headers={"If-Match": r.headers["ETag"]})
    assert r.status_code == 200, r.text

    jc, receivers = demo("jobcenter"), {"S": demo("schuldnerberatung"), "U": demo("suchtberatung")}
    nodes = {"S": SCHULDNER, "U": SUCHT}
    made = {}
    for name, to, in_chain, group, district, status, detail, warm, days in PLAN:
        case = open_case(jc, groups[group], district=district)
        consent(jc, case["id"], scope="network")
        if in_chain:
            r = jc.post(f"/v1/cases/{case['id']}/enrolment", json={"chain_id": chain})
            assert r.status_code == 200, r.text
        ref = refer(jc, case["id"], nodes[to], **({"chain_step_key": "beratung"} if in_chain else {}))
        if warm:
            r = jc.post(f"/v1/referrals/{ref['id']}/handovers", json={"channel": "phone", "warm": True})
            assert r.status_code in (200, 201), r.text
            ref = jc.get(f"/v1/referrals/{ref['id']}").json()
        for step in WALK[status]:
            client = jc if step == "withdrawn" else receivers[to]
            fields = {}
            if step in ("declined", "dropped_out"):
                fields["reason"] = detail
            if step == "completed":
                fields["outcome"] = detail
            r = move(client, ref, step, **fields)
            assert r.status_code == 200, r.text
            ref = r.json()
        made[name] = (case, ref)
        # The clock: sent (and due) that many days ago.
        rdb.execute("UPDATE referral SET created_at = created_at - make_interval(days => %s),"
                        " due_at = due_at - make_interval(days => %s) WHERE id = %s",
                        (days, days, ref["id"]))
    # The period: Germany's last 30 days, counted from the day the referrals were sent, taken
    # after sending so that a run across midnight in Berlin still finds the day-0 referrals
    # inside it (sent that day or the one before); the period before has as many days.
    today = german_date()
    since = (today - timedelta(days=30)).isoformat()
    yield {"id": network, "coordinator": coordinator, "groups": groups, "chain": chain,
           "made": made, "since": since, "until": (today + timedelta(days=1)).isoformat(),
           "previous": ((today - timedelta(days=61)).isoformat(), since)}
    coordinator.close()


def report(client, rnet, **params):
    """The report of rnet's network for its period (or the period in params)."""
    query = {"since": rnet["since"], "until": rnet["until"]} | params
    return client.get(f"/v1/networks/{rnet['id']}/report", params=query)


def fates(**counts):
    return {f: counts.get(f, 0) for f in FATES}


def test_the_figures_of_a_hand_made_network(rnet):
    r = report(rnet["coordinator"], rnet)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["network_id"] == rnet["id"] and "suppressed" not in body
    cur, prev = body["current"], body["previous"]
    assert (cur["since"], cur["until"]) == (rnet["since"], rnet["until"])
    # 31 days, not whole months: the period before has as many days
    assert (prev["since"], prev["until"]) == rnet["previous"]

    assert cur["totals"] == {
        "referred": 23, "accepted": 11, "started": 8, "warm_handovers": 5,
        "warm_handover_share": round(5 / 23, 4),
        **fates(open=5, declined=6, withdrawn=1, dropped_out=3, goal_reached=6,
                partially_reached=2)}
    s = {"referred": 15, **fates(declined=6, withdrawn=1, goal_reached=6, partially_reached=2)}
    u = {"referred": 8, **fates(open=5, dropped_out=3)}
    providers = {p["node_id"]: {k: p[k] for k in ["referred", *FATES]}
                 for p in cur["outcomes_by_provider"]}
    assert providers == {SCHULDNER: s, SUCHT: u}
    (step,) = cur["outcomes_by_step"]
    assert (step["chain_id"], step["step_key"], step["step_name"]) == (
        rnet["chain"], "beratung", "Schuldnerberatung")
    assert {k: step[k] for k in ["referred", *FATES]} == s
    assert cur["decline_reasons"] == [{"reason": "no_capacity", "referrals": 5},
                                      {"reason": "not_eligible", "referrals": 1}]
    assert cur["dropout_reasons"] == [{"reason": "broke_off", "referrals": 1},
                                      {"reason": "no_show", "referrals": 2}]
    assert cur["districts"] == [{"district": "Nordstadt", "referred": 9},
                                {"district": "Weststadt", "referred": 12},
                                {"district": None, "referred": 2}]
    assert cur["district_flows"] == [
        {"from_district": "Nordstadt", "to_district": "Altstadt", "referred": 9},
        {"from_district": "Weststadt", "to_district": "Altstadt", "referred": 6},
        {"from_district": "Weststadt", "to_district": "Südviertel", "referred": 6},
        {"from_district": None, "to_district": "Südviertel", "referred": 2}]

    # Timing. The step: reactions 1 x8, 2, 2, 4, 5, 5, 10 (14; the withdrawal had none):
    # median 1, p90 at 0.9 * 13 = 11.7 between 5 and 5; by the due time (3 days): 10.
    # Acceptances and starts: 1, 1, 2, 2, 4, 5, 5, 10: median 3, p90 at 6.3: 5 + 0.3 * 5;
    # accepted within 3 days: 4; started within 6: 7.
    everything, beratung = cur["timing"]
    assert (beratung["step_key"], beratung["target_days_to_accept"],
            beratung["target_days_to_start"]) == ("beratung", 3, 6)
    assert beratung["reaction"] == {"n": 14, "median": 1.0, "p90": 5.0, "within_target": 10,
                                    "with_target": 14}
    assert beratung["acceptance"] == {"n": 8, "median": 3.0, "p90": 6.5, "within_target": 4,
                                      "with_target": 8}
    assert beratung["start"] == {"n": 8, "median": 3.0, "p90": 6.5, "within_target": 7,
                                 "with_target": 8}
    # All referrals: U's three acceptances came at once (0 days, in time).
    # Reactions 0 x3 + the 14: median (idx 8) 1, p90 at 14.4: 5. Acceptances 0, 0, 0, 1, 1,
    # 2, 2, 4, 5, 5, 10: median 2, p90 at 9.0: 5. Starts only the step's (U's had a target
    # only for acceptance).
    assert everything["step_key"] is None and everything["chain_id"] is None
    assert everything["reaction"] == {"n": 17, "median": 1.0, "p90": 5.0, "within_target": 13,
                                      "with_target": 17}
    assert everything["acceptance"] == {"n": 11, "median": 2.0, "p90": 5.0,
                                        "within_target": 7, "with_target": 11}
    assert everything["start"] == beratung["start"]

    assert prev["totals"]["referred"] == 1 and prev["totals"]["declined"] == 1
    assert prev["decline_reasons"] == [{"reason": "no_capacity", "referrals": 1}]


def test_suppression_hides_small_counts_and_what_would_give_them_away(rnet):
    """The hidden cells worked out by hand from server/suppress.h's rule (docs/user-guide/
    statistics.md, "Small numbers")."""
    r = report(rnet["coordinator"], rnet, suppress="true")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["suppressed"] is True
    cur = body["current"]
    providers = {p["node_id"]: {k: p[k] for k in ["referred", *FATES]}
                 for p in cur["outcomes_by_provider"]}
    # Provider table: S's withdrawn 1 and partially 2, U's dropped out 3 and the totals of
    # those columns are small. U's dropped out would be 8 - 5 from its row: with U's open 5
    # and the open total 5 hidden too, each hidden cell lies on a cycle.
    assert providers[SCHULDNER] == {"referred": 15, **fates(declined=6, withdrawn=None,
                                                            goal_reached=6,
                                                            partially_reached=None)}
    assert providers[SUCHT] == {"referred": 8, **fates(open=None, dropped_out=None)}
    (step,) = cur["outcomes_by_step"]
    assert {k: step[k] for k in ["referred", *FATES]} == providers[SCHULDNER]
    assert cur["totals"] | {} == {
        "referred": 23, "accepted": 11, "started": 8, "warm_handovers": 5,
        "warm_handover_share": round(5 / 23, 4),
        **fates(open=None, declined=6, withdrawn=None, dropped_out=None, goal_reached=6,
                partially_reached=None)}
    # Decline reasons: 1 is small, and 6 - 5 would give it: the 5 goes too (the total stays).
    assert [x["referrals"] for x in cur["decline_reasons"]] == [None, None]
    # Drop-out reasons: small, and so is their total (hidden in the totals already).
    assert [x["referrals"] for x in cur["dropout_reasons"]] == [None, None]
    # Districts: the 2 without a district is small, in its row total and in the Südviertel
    # column; Weststadt's Südviertel 6 and its total 12 close the cycle.
    assert cur["districts"] == [{"district": "Nordstadt", "referred": 9},
                                {"district": "Weststadt", "referred": None},
                                {"district": None, "referred": None}]
    assert [f["referred"] for f in cur["district_flows"]] == [9, 6, None, None]
    # Timing: counts below 5 are hidden (accepted within the step's 3 days: 4).
    beratung = cur["timing"][1]
    assert beratung["acceptance"] == {"n": 8, "median": 3.0, "p90": 6.5, "within_target": None,
                                      "with_target": 8}
    # The period before: one referral, hidden everywhere, with what is computed from it.
    prev = body["previous"]
    assert prev["totals"]["referred"] is None and prev["totals"]["declined"] is None
    assert prev["totals"]["warm_handover_share"] is None
    assert prev["timing"][0]["reaction"]["median"] is None
    # JSON without ?suppress stays exact for the coordinator
    assert report(rnet["coordinator"], rnet).json()["current"]["totals"]["withdrawn"] == 1


def rows(text):
    return list(csv.reader(io.StringIO(text)))


def test_the_csv_export_is_always_suppressed(rnet):
    r = report(rnet["coordinator"], rnet, format="csv")
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert r.headers["Content-Disposition"].startswith(
        f'attachment; filename="report-{rnet["id"]}-{rnet["since"]}-{rnet["until"]}-')
    lines = rows(r.text)
    assert lines[0] == ["section", "period", "since", "until", "row_id", "row", "column", "value"]
    cells = {(x[0], x[1], x[4], x[6]): x[7] for x in lines[1:]}
    assert cells[("totals", "current", "", "referred")] == "23"
    assert cells[("totals", "current", "", "withdrawn")] == "x"
    assert cells[("totals", "current", "", "warm_handover_share")] == "0.2174"
    assert cells[("outcomes_by_provider", "current", SUCHT, "open")] == "x"
    assert cells[("outcomes_by_provider", "current", SCHULDNER, "goal_reached")] == "6"
    assert cells[("decline_reasons", "current", "no_capacity", "referrals")] == "x"
    assert cells[("district_flows", "current", "Weststadt", "Altstadt")] == "6"
    assert cells[("district_flows", "current", "Weststadt", "Südviertel")] == "x"
    assert cells[("timing", "current", "beratung", "acceptance_p90")] == "6.50"
    assert cells[("timing", "current", "beratung", "acceptance_within_target")] == "x"
    assert cells[("totals", "previous", "", "referred")] == "x"
    # Accept: text/csv gives the same
    r2 = rnet["coordinator"].get(f"/v1/networks/{rnet['id']}/report",
                                 params={"since": rnet["since"], "until": rnet["until"]},
                                 headers={"Accept": "text/csv"})
    assert r2.status_code == 200 and r2.text == r.text

    r = report(rnet["coordinator"], rnet, format="excel", lang="de")
    assert r.status_code == 200
    text = r.content.decode("utf-8")
    assert text.startswith("\ufeffAbschnitt;Zeitraum;Von;Bis;Zeile (Id);Zeile;Spalte;Wert\r\n")
    period = f"{rnet['since']};{rnet['until']}"
    assert f"totals;current;{period};;;warm_handover_share;0,2174\r\n" in text
    assert r.headers["Content-Disposition"].endswith('-excel.csv"')


def test_filters_narrow_every_figure(rnet):
    c = rnet["coordinator"]
    b = report(c, rnet, target_group=rnet["groups"]["B"]).json()
    assert b["filters"]["target_group_id"] == rnet["groups"]["B"]
    assert b["filters"]["target_group_name"] == "Gruppe B"
    assert b["current"]["totals"]["referred"] == 8
    assert [p["node_id"] for p in b["current"]["outcomes_by_provider"]] == [SUCHT]
    assert b["current"]["outcomes_by_step"] == []
    chain = report(c, rnet, chain=rnet["chain"]).json()
    assert chain["current"]["totals"]["referred"] == 15
    assert chain["previous"]["totals"]["referred"] == 1
    west = report(c, rnet, district="Weststadt").json()["current"]
    assert west["totals"]["referred"] == 12
    assert west["district_flows"] == [
        {"from_district": "Weststadt", "to_district": "Altstadt", "referred": 6},
        {"from_district": "Weststadt", "to_district": "Südviertel", "referred": 6}]
    both = report(c, rnet, district="Weststadt", target_group=rnet["groups"]["A"]).json()
    assert both["current"]["totals"]["referred"] == 6


def test_bad_requests_and_who_may_read(rnet, demo):
    c, network = rnet["coordinator"], rnet["id"]
    url = f"/v1/networks/{network}/report"
    p = assert_problem(c.get(url), 400, "bad-query")
    assert sorted(error_fields(p)) == ["since", "until"]
    p = assert_problem(c.get(url, params={"since": "2025-13-01", "until": "x",
                                          "chain": "nope", "format": "pdf"}), 400)
    assert sorted(error_fields(p)) == ["chain", "format", "since", "until"]
    p = assert_problem(report(c, rnet, since=rnet["until"], until=rnet["since"]), 400)
    assert [(e["field"], e["code"]) for e in p["errors"]] == [("until", "not_after_from")]
    p = assert_problem(report(c, rnet, since="2000-01-01", until="2020-01-01"), 400)
    assert [(e["field"], e["code"]) for e in p["errors"]] == [("until", "out_of_range")]
    # another network's target group and chain (the demo network's)
    p = assert_problem(report(c, rnet, target_group="50000000-0000-4000-8000-000000000001",
                              chain="70000000-0000-4000-8000-000000000001"), 400)
    assert sorted(error_fields(p)) == ["chain", "target_group"]
    period = {"since": rnet["since"], "until": rnet["until"]}
    assert_problem(c.get(url, params=period | {"bogus": "1"}), 400)
    assert_problem(c.get(url, params=period, headers={"Accept": "image/png"}), 406)
    assert_problem(report(c, rnet | {"id": str(uuid.uuid4())}), 404)
    assert_problem(report(demo("koordination"), rnet), 403)
    assert_problem(report(demo("jobcenter"), rnet), 403)
    assert_problem(report(demo(None), rnet), 401)
    assert report(demo("admin"), rnet).status_code == 200


def test_months_give_the_months_before(rnet):
    body = report(rnet["coordinator"], rnet, since="2026-04-01", until="2026-07-01").json()
    assert (body["previous"]["since"], body["previous"]["until"]) == ("2026-01-01", "2026-04-01")
    assert body["current"]["totals"]["referred"] == 0
    assert body["current"]["outcomes_by_provider"] == []


def test_a_purge_leaves_the_report_as_it_was(rnet, demo, demo_db, pnetd_exe, demo_database):
    """Retention archives the closed cases' referrals; the report, exact and exported, stays
    byte for byte what it was."""
    c = rnet["coordinator"]
    before = {fmt: report(c, rnet, **fmt_params).content
              for fmt, fmt_params in {"json": {}, "suppressed": {"suppress": "true"},
                                      "csv": {"format": "csv"}}.items()}
    before_chain = report(c, rnet, chain=rnet["chain"], district="Nordstadt").content
    jc = demo("jobcenter")
    closed = []
    for name, (case, ref) in rnet["made"].items():
        if name.startswith("o"):
            continue  # open referrals: the case stays open and live
        current = jc.get(f"/v1/cases/{case['id']}")
        r = jc.patch(f"/v1/cases/{case['id']}", json={"status": "closed",
                                                      "close_reason": "goal_reached"},
                     headers={"If-Match": current.headers["ETag"]})
        assert r.status_code == 200, r.text
        closed.append(case["id"])
    demo_db.execute("UPDATE client_case SET closed_at = now() - interval '400 days'"
                    " WHERE id = ANY (%s::uuid[])", (closed,))
    archived = lambda: demo_db.execute(  # noqa: E731
        "SELECT count(*) FROM referral_archive WHERE network_id = %s", (rnet["id"],)).fetchone()[0]
    assert archived() == 0
    run = run_pnetd(pnetd_exe, "purge", f"--database={demo_database}", "--retention-days=365")
    assert run.returncode == 0, run.stderr
    assert archived() == len(closed) == 19
    assert demo_db.execute("SELECT count(*) FROM referral r JOIN client_case k ON k.id = r.case_id"
                           " WHERE k.network_id = %s", (rnet["id"],)).fetchone()[0] == 5
    after = {fmt: report(c, rnet, **fmt_params).content
             for fmt, fmt_params in {"json": {}, "suppressed": {"suppress": "true"},
                                     "csv": {"format": "csv"}}.items()}
    for fmt in before:
        assert after[fmt] == before[fmt], fmt
    assert report(c, rnet, chain=rnet["chain"], district="Nordstadt").content == before_chain
