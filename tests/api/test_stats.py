"""Statistics (docs/user-guide/statistics.md): flows, funnel and agreements, as JSON and as CSV exports.

A network of the tests' own ("N") is filled by SQL with referrals in every state at chosen
times, plus rows in referral_archive, so that every figure can be worked out by hand (see
the table in `dataset`). The demo network is checked against numbers computed here from its
raw rows, whatever referrals the demo data holds.
"""

import csv
import io
import statistics
import uuid
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

import psycopg
import pytest

from checks import assert_problem
from harness import Api

DEMO_NETWORK = "40000000-0000-4000-8000-000000000001"
DEMO_PASSWORD = "neustadt-demo"
T0 = datetime(2025, 3, 3, 8, 0, tzinfo=timezone.utc)
DAY = timedelta(days=1)
SINCE = "2025-03-01"


def d(days):
    return T0 + days * DAY


@pytest.fixture(scope="module")
def dataset(demo, demo_database):
    """Builds network N: nodes A (jobcenter), B (counselling_service, 2 agreed days),
    C (welfare_association, network default 5 days) and D (no referrals, 10 days); a chain
    whose retired version 1 has steps alt, erst and whose published version 2 has erst,
    schulden, neu. Referrals (T0 = 2025-03-03 08:00Z, times in days after T0):

      r1  A->B erst      completed   received .5, accepted 1, started 3, closed 10
      r2  A->B erst      in_progress accepted 2, started 6
      r3  A->B erst      accepted    accepted 3
      r4  A->B erst      dropped_out accepted 4, closed 9
      r5  A->B erst      declined    closed .5
      r6  A->B erst      withdrawn   closed 1 (never answered)
      r7  A->B erst      sent        due 2 (overdue now)
      r8  A->C schulden  accepted    accepted .25
      r9  A->C schulden  waitlisted  only the timeline says when (1)
      r10 A->C alt (v1)  declined    closed 1
      r11 B->C -         declined    created 2025-03-02 23:30Z (00:30 in Germany), closed +3
      r12 A->B erst      completed   created 2025-01-15, accepted +10, started +12
      r13 C->B -         sent        created an hour ago, due in 2 days
      a1  A->B erst      completed   archived: answered 1, accepted 6, started 7, closed 20
      a2..a5 A->B erst   declined    archived: closed 1
      x1  A->B           completed   in another network (never counted)
    """
    suffix = uuid.uuid4().hex[:8]
    conn = psycopg.connect(demo_database, autocommit=True)
    q = conn.execute
    org = q("SELECT id FROM organization LIMIT 1").fetchone()[0]

    def node(label, kind):
        return str(q("INSERT INTO node (organization_id, name, kind) VALUES (%s, %s, %s)"
                     " RETURNING id", (org, f"{label} {suffix}", kind)).fetchone()[0])

    def network(label):
        return str(q("INSERT INTO network (name, locality, default_days_to_accept)"
                     " VALUES (%s, 'Statistikstadt', 5) RETURNING id",
                     (f"{label} {suffix}",)).fetchone()[0])

    a = node("Stat A Jobcenter", "jobcenter")
    b = node("Stat B Beratung", "counselling_service")
    c = node('Stat C Caritas "Nord", e.V.', "welfare_association")
    dd = node("Stat D Klinik", "health_provider")
    n, n2 = network("Statistiknetz"), network("Anderes Netz")
    for node_id, days in ((a, None), (b, 2), (c, None), (dd, 10)):
        q("INSERT INTO network_member (network_id, node_id, days_to_accept) VALUES (%s, %s, %s)",
          (n, node_id, days))
    for node_id in (a, b):
        q("INSERT INTO network_member (network_id, node_id) VALUES (%s, %s)", (n2, node_id))
    group = q("INSERT INTO target_group (network_id, code, name) VALUES (%s, 'alle', 'Alle')"
              " RETURNING id", (n,)).fetchone()[0]
    group2 = q("INSERT INTO target_group (network_id, code, name) VALUES (%s, 'alle', 'Alle')"
               " RETURNING id", (n2,)).fetchone()[0]
    chain = str(q("INSERT INTO chain (network_id, target_group_id, name) VALUES (%s, %s, 'Kette')"
                  " RETURNING id", (n, group)).fetchone()[0])

    def version(number, steps):
        v = q("INSERT INTO chain_version (chain_id, number) VALUES (%s, %s) RETURNING id",
              (chain, number)).fetchone()[0]
        for position, (key, name, category) in enumerate(steps):
            q("INSERT INTO chain_step (version_id, key, name, category, position)"
              " VALUES (%s, %s, %s, %s, %s)", (v, key, name, category, 10 * (3 - position)))
        return v

    # Positions run backwards, so that the order must come from position, not from the key.
    v1 = version(1, [("erst", "Erstberatung alt", "first_consultation"),
                     ("alt", "Alt-Schritt", "qualification")])
    q("UPDATE chain_version SET status = 'published' WHERE id = %s", (v1,))
    v2 = version(2, [("erst", "Erstberatung", "first_consultation"),
                     ("schulden", "Schulden", "debt_counselling"),
                     ("neu", "Neu", "qualification")])
    q("UPDATE chain_step SET position = p FROM (VALUES ('erst', 10), ('schulden', 20),"
      " ('neu', 30)) AS x(k, p) WHERE version_id = %s AND key = k", (v2,))
    q("UPDATE chain_version SET status = 'retired' WHERE id = %s", (v1,))
    q("UPDATE chain_version SET status = 'published' WHERE id = %s", (v2,))

    def case(owner, chain_version, net=n, grp=group):
        return q("INSERT INTO client_case (network_id, owner_node_id, reference, target_group_id,"
                 " chain_version_id) VALUES (%s, %s, %s, %s, %s) RETURNING id",
                 (net, owner, uuid.uuid4().hex[:12], grp, chain_version)).fetchone()[0]

    def referral(frm, to, step, status, created, version=v2, net=n, grp=group, due=None,
                 **times):
        ref = q("INSERT INTO referral (case_id, network_id, from_node_id, to_node_id,"
                " chain_step_key, status, created_at, due_at, received_at, accepted_at,"
                " started_at, closed_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                " RETURNING id",
                (case(frm, version if step else None, net, grp), net, frm, to, step, status,
                 created, due or created + 5 * DAY, times.get("received"), times.get("accepted"),
                 times.get("started"), times.get("closed"))).fetchone()[0]
        return ref

    referral(a, b, "erst", "completed", T0, received=d(.5), accepted=d(1), started=d(3),
             closed=d(10))
    referral(a, b, "erst", "in_progress", T0, accepted=d(2), started=d(6))
    referral(a, b, "erst", "accepted", T0, accepted=d(3))
    referral(a, b, "erst", "dropped_out", T0, accepted=d(4), closed=d(9))
    referral(a, b, "erst", "declined", T0, closed=d(.5))
    referral(a, b, "erst", "withdrawn", T0, closed=d(1))
    referral(a, b, "erst", "sent", T0, due=d(2))
    referral(a, c, "schulden", "accepted", T0, accepted=d(.25))
    r9 = referral(a, c, "schulden", "waitlisted", T0)
    q("INSERT INTO referral_event (referral_id, at, kind, from_status, to_status)"
      " VALUES (%s, %s, 'transition', 'sent', 'waitlisted')", (r9, d(1)))
    referral(a, c, "alt", "declined", T0, version=v1, closed=d(1))
    r11_created = datetime(2025, 3, 2, 23, 30, tzinfo=timezone.utc)
    referral(b, c, None, "declined", r11_created, closed=r11_created + 3 * DAY)
    r12_created = datetime(2025, 1, 15, 10, 0, tzinfo=timezone.utc)
    referral(a, b, "erst", "completed", r12_created, accepted=r12_created + 10 * DAY,
             started=r12_created + 12 * DAY, closed=r12_created + 30 * DAY)
    now = datetime.now(timezone.utc)
    referral(c, b, None, "sent", now - timedelta(hours=1), due=now + 2 * DAY)
    referral(a, b, None, "completed", T0, net=n2, grp=group2, accepted=d(1), started=d(2),
             closed=d(3))

    def archived(status, **times):
        q("INSERT INTO referral_archive (id, network_id, chain_id, chain_step_key, from_node_id,"
          " to_node_id, kind, status, created_at, answered_at, accepted_at, started_at,"
          " closed_at) VALUES (gen_random_uuid(), %s, %s, 'erst', %s, %s, 'service', %s, %s,"
          " %s, %s, %s, %s)",
          (n, chain, a, b, status, T0, times.get("answered"), times.get("accepted"),
           times.get("started"), times.get("closed")))

    archived("completed", answered=d(1), accepted=d(6), started=d(7), closed=d(20))
    for _ in range(4):
        archived("declined", closed=d(1))

    login = f"stat-koord-{suffix}"
    q("INSERT INTO account (login, display_name, password_hash, role, network_ids)"
      " SELECT %s, 'Koordination Statistik', password_hash, 'coordinator', ARRAY[%s::uuid]"
      " FROM account WHERE login = 'koordination'", (login, n))
    coordinator = Api(demo("admin").base_url)
    coordinator.login(login, DEMO_PASSWORD)
    names = dict(q("SELECT id::text, name FROM node WHERE id IN (%s, %s, %s, %s)",
                   (a, b, c, dd)).fetchall())
    yield {"network": n, "other_network": n2, "chain": chain, "a": a, "b": b, "c": c, "d": dd,
           "names": names, "coordinator": coordinator, "conn": conn}
    coordinator.close()
    conn.close()


def flows_url(ds, query=""):
    return f"/v1/networks/{ds['network']}/stats/flows{query}"


def funnel_url(ds, query=""):
    return f"/v1/chains/{ds['chain']}/stats/funnel{query}"


def agreements_url(ds, query=""):
    return f"/v1/networks/{ds['network']}/stats/agreements{query}"


def pair(ds, frm, to, referred, accepted, declined, rate, median):
    return {"from_node_id": ds[frm], "from_name": ds["names"][ds[frm]],
            "from_kind": KIND[frm], "to_node_id": ds[to], "to_name": ds["names"][ds[to]],
            "to_kind": KIND[to], "referred": referred, "accepted": accepted,
            "declined": declined, "acceptance_rate": rate, "median_days_to_accept": median}


def kinds(frm, to, referred, accepted, declined, rate, median):
    return {"from_kind": frm, "to_kind": to, "referred": referred, "accepted": accepted,
            "declined": declined, "acceptance_rate": rate, "median_days_to_accept": median}


KIND = {"a": "jobcenter", "b": "counselling_service", "c": "welfare_association",
        "d": "health_provider"}


def test_flows_counts_rates_and_medians(dataset):
    ds = dataset
    r = ds["coordinator"].get(flows_url(ds, f"?since={SINCE}"))
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "application/json"
    assert r.headers["Vary"] == "Accept"
    body = r.json()
    assert body["network_id"] == ds["network"]
    # A date is the midnight that starts it in Germany (CET in March: UTC+1).
    assert datetime.fromisoformat(body["since"]) == datetime(2025, 2, 28, 23, tzinfo=timezone.utc)
    assert body["until"] is None
    assert body["nodes"] == [
        pair(ds, "a", "b", 12, 5, 5, 0.5, 3.0),
        pair(ds, "a", "c", 3, 1, 1, 0.5, 0.25),
        pair(ds, "b", "c", 1, 0, 1, 0.0, None),
        pair(ds, "c", "b", 1, 0, 0, None, None),
    ]
    assert body["kinds"] == [
        kinds("counselling_service", "welfare_association", 1, 0, 1, 0.0, None),
        kinds("jobcenter", "counselling_service", 12, 5, 5, 0.5, 3.0),
        kinds("jobcenter", "welfare_association", 3, 1, 1, 0.5, 0.25),
        kinds("welfare_association", "counselling_service", 1, 0, 0, None, None),
    ]


def test_flows_without_period_count_everything_of_the_network(dataset):
    ds = dataset
    body = ds["coordinator"].get(flows_url(ds)).json()
    # r12 (January) joins A->B: accepted after 10 days; the other network's x1 never counts.
    assert body["nodes"][0] == pair(ds, "a", "b", 13, 6, 5, 0.5455, 3.5)
    assert [(p["from_node_id"], p["to_node_id"]) for p in body["nodes"]] == [
        (ds["a"], ds["b"]), (ds["a"], ds["c"]), (ds["b"], ds["c"]), (ds["c"], ds["b"])]
    assert body["since"] is None and body["until"] is None


@pytest.mark.parametrize("query, referred", [
    # until is exclusive: only January's r12.
    ("?until=2025-03-01", {("a", "b"): 1}),
    # since is inclusive, and an offset is honoured: 09:00+01:00 is T0 itself.
    ("?since=2025-03-03T09:00:00%2B01:00&until=2025-03-03T08:00:01Z",
     {("a", "b"): 12, ("a", "c"): 3}),
    ("?since=2025-03-03T08:00:00Z&until=2025-03-03T08:00:00Z", {}),
    # A date is German midnight: r11 (23:30Z on 2 March) belongs to 3 March ...
    ("?since=2025-03-03&until=2025-03-04", {("a", "b"): 12, ("a", "c"): 3, ("b", "c"): 1}),
    # ... and not to 2 March.
    ("?since=2025-03-02&until=2025-03-03", {}),
])
def test_flows_period(dataset, query, referred):
    ds = dataset
    r = ds["coordinator"].get(flows_url(ds, query))
    assert r.status_code == 200, r.text
    got = {(p["from_node_id"], p["to_node_id"]): p["referred"] for p in r.json()["nodes"]}
    assert got == {(ds[f], ds[t]): count for (f, t), count in referred.items()}


def step(key, name, referred=0, accepted=0, started=0, completed=0, declined=0, dropped_out=0,
         median_accept=None, median_start=None, overdue=0, conferences=0):
    return {"key": key, "name": name, "referred": referred, "accepted": accepted,
            "started": started, "completed": completed, "declined": declined,
            "dropped_out": dropped_out, "median_days_to_accept": median_accept,
            "median_days_to_start": median_start, "overdue_now": overdue,
            "conferences": conferences}


def test_funnel_per_step_in_chain_order_then_old_keys(dataset):
    ds = dataset
    r = ds["coordinator"].get(funnel_url(ds, f"?since={SINCE}"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["chain_id"] == ds["chain"]
    assert body["until"] is None
    assert body["steps"] == [
        # r1-r7 and the archived a1-a5; started r1, r2, a1 (2, 4 and 1 days after accepting)
        step("erst", "Erstberatung", 12, 5, 3, 2, 5, 1, 3.0, 2.0, 1),
        step("schulden", "Schulden", 2, 1, median_accept=0.25),
        step("neu", "Neu"),
        # only version 1 has it: named from there, listed last
        step("alt", "Alt-Schritt", 1, declined=1),
    ]


def test_funnel_without_period(dataset):
    ds = dataset
    body = ds["coordinator"].get(funnel_url(ds)).json()
    assert body["steps"][0] == step("erst", "Erstberatung", 13, 6, 4, 3, 5, 1, 3.5, 2.0, 1)
    assert body["since"] is None


def member(ds, key, days, referrals, in_time, share):
    return {"node_id": ds[key], "name": ds["names"][ds[key]], "days_to_accept": days,
            "referrals": referrals, "answered_in_time": in_time, "share_in_time": share}


def test_agreements_share_answered_in_time(dataset):
    ds = dataset
    r = ds["coordinator"].get(agreements_url(ds, f"?since={SINCE}"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["network_id"] == ds["network"]
    assert sorted(body["members"], key=lambda m: m["name"]) == body["members"]
    by_node = {m["node_id"]: m for m in body["members"]}
    assert set(by_node) == {ds["a"], ds["b"], ds["c"], ds["d"]}
    assert by_node[ds["a"]] == member(ds, "a", 5, 0, 0, None)
    # B (2 days): in time r1 (received at .5), r2 (accepted at exactly 2), r5 (declined),
    # a1 (answered 1), a2-a5 (declined 1); late r3, r4, r7 (never answered); not counted:
    # r6 (withdrawn before its deadline), r13 (not yet due).
    assert by_node[ds["b"]] == member(ds, "b", 2, 11, 8, 0.7273)
    # C (network default 5): r9's answer is known from the timeline only.
    assert by_node[ds["c"]] == member(ds, "c", 5, 4, 4, 1.0)
    assert by_node[ds["d"]] == member(ds, "d", 10, 0, 0, None)


def test_agreements_without_period(dataset):
    ds = dataset
    body = dataset["coordinator"].get(agreements_url(ds)).json()
    by_node = {m["node_id"]: m for m in body["members"]}
    assert by_node[ds["b"]] == member(ds, "b", 2, 12, 8, 0.6667)


def csv_get(client, url, accept="text/csv"):
    r = client.get(url, headers={"Accept": accept})
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert r.headers["Vary"] == "Accept"
    return r


def test_flows_csv_suppresses_small_cells(dataset):
    ds = dataset
    r = csv_get(ds["coordinator"], flows_url(ds, f"?since={SINCE}"))
    today = datetime.now().strftime("%Y-%m-%d")  # the test runs in Germany or UTC: near enough
    disposition = r.headers["Content-Disposition"]
    assert disposition.startswith(f'attachment; filename="flows-{ds["network"]}-')
    assert len(disposition) == len(f'attachment; filename="flows-{ds["network"]}-{today}.csv"')
    a, b, c = ds["a"], ds["b"], ds["c"]
    na, nb = ds["names"][a], ds["names"][b]
    nc = '"' + ds["names"][c].replace('"', '""') + '"'  # quotes and a comma: quoted
    assert r.text == "\r\n".join([
        "level,from_node_id,from_name,from_kind,to_node_id,to_name,to_kind,referred,accepted,"
        "declined,acceptance_rate,median_days_to_accept",
        f"node,{a},{na},jobcenter,{b},{nb},counselling_service,12,5,5,0.5000,3.00",
        f"node,{a},{na},jobcenter,{c},{nc},welfare_association,<5,<5,<5,,",
        f"node,{b},{nb},counselling_service,{c},{nc},welfare_association,<5,0,<5,,",
        f"node,{c},{nc},welfare_association,{b},{nb},counselling_service,<5,0,0,,",
        "kind,,,counselling_service,,,welfare_association,<5,0,<5,,",
        "kind,,,jobcenter,,,counselling_service,12,5,5,0.5000,3.00",
        "kind,,,jobcenter,,,welfare_association,<5,<5,<5,,",
        "kind,,,welfare_association,,,counselling_service,<5,0,0,,",
    ]) + "\r\n"
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[2][5] == ds["names"][c]  # a CSV reader gets the name back


def test_funnel_csv(dataset):
    ds = dataset
    r = csv_get(ds["coordinator"], funnel_url(ds, f"?since={SINCE}"))
    assert f'filename="funnel-{ds["chain"]}-' in r.headers["Content-Disposition"]
    assert r.text == "\r\n".join([
        "key,name,referred,accepted,started,completed,declined,dropped_out,"
        "median_days_to_accept,median_days_to_start,overdue_now,conferences",
        # median to start comes from 3 started referrals: blank
        "erst,Erstberatung,12,5,<5,<5,5,<5,3.00,,<5,0",
        "schulden,Schulden,<5,<5,0,0,0,0,,,0,0",
        "neu,Neu,0,0,0,0,0,0,,,0,0",
        "alt,Alt-Schritt,<5,0,0,0,<5,0,,,0,0",
    ]) + "\r\n"


def test_agreements_csv(dataset):
    ds = dataset
    r = csv_get(ds["coordinator"], agreements_url(ds, f"?since={SINCE}"), accept="text/*")
    assert f'filename="agreements-{ds["network"]}-' in r.headers["Content-Disposition"]
    lines = r.text.split("\r\n")
    assert lines[0] == "node_id,name,days_to_accept,referrals,answered_in_time,share_in_time"
    assert lines[-1] == ""
    names = ds["names"]
    nc = '"' + names[ds["c"]].replace('"', '""') + '"'
    assert sorted(lines[1:-1]) == sorted([
        f"{ds['a']},{names[ds['a']]},5,0,0,",
        f"{ds['b']},{names[ds['b']]},2,11,8,0.7273",
        f"{ds['c']},{nc},5,<5,<5,",
        f"{ds['d']},{names[ds['d']]},10,0,0,",
    ])


def test_csv_cells_that_look_like_formulas_stay_text(dataset):
    ds = dataset
    conn = ds["conn"]
    name = ds["names"][ds["d"]]
    conn.execute("UPDATE node SET name = %s WHERE id = %s", ("=HYPERLINK(1)", ds["d"]))
    try:
        r = csv_get(ds["coordinator"], agreements_url(ds))
    finally:
        conn.execute("UPDATE node SET name = %s WHERE id = %s", (name, ds["d"]))
    assert f"{ds['d']},\"'=HYPERLINK(1)\",10,0,0,\r\n" in r.text


@pytest.mark.parametrize("accept, kind", [
    (None, "json"),
    ("*/*", "json"),
    ("application/json", "json"),
    ("application/*", "json"),
    ("text/csv", "csv"),
    ("text/csv; charset=utf-8", "csv"),
    ("TEXT/CSV", "csv"),
    ("text/csv, */*", "csv"),
    ("application/json, text/csv;q=0.5", "json"),
    ("text/csv, application/json;q=0.9", "csv"),
    ("application/json;q=0, */*", "csv"),
    ("text/html, application/xhtml+xml, */*;q=0.8", "json"),
])
def test_content_negotiation(dataset, accept, kind):
    ds = dataset
    # None: no Accept header at all (requests would send */* unless told otherwise).
    headers = {"Accept": accept}
    r = ds["coordinator"].get(funnel_url(ds), headers=headers)
    assert r.status_code == 200, r.text
    expected = "application/json" if kind == "json" else "text/csv; charset=utf-8"
    assert r.headers["Content-Type"] == expected


@pytest.mark.parametrize("accept", ["application/xml", "image/png, text/html",
                                    "application/json;q=0, text/csv;q=0"])
def test_not_acceptable(dataset, accept):
    ds = dataset
    for url in (flows_url(ds), funnel_url(ds), agreements_url(ds)):
        r = ds["coordinator"].get(url, headers={"Accept": accept})
        assert_problem(r, 406, "not-acceptable")


@pytest.mark.parametrize("query, fields", [
    ("?since=yesterday", ["since"]),
    ("?since=2025-02-30", ["since"]),
    ("?until=2025-03-01T10:00:00", ["until"]),  # no zone
    ("?since=&until=2025-13-01", ["since", "until"]),
    ("?since=2025-03-02&until=2025-03-01", ["since"]),
    ("?since=2025-03-01T00:30:00%2B01:00&until=2025-02-28T23:00:00Z", ["since"]),
    ("?from=2025-01-01", ["from"]),
])
def test_bad_period(dataset, query, fields):
    ds = dataset
    for url in (flows_url(ds, query), funnel_url(ds, query), agreements_url(ds, query)):
        body = assert_problem(ds["coordinator"].get(url), 400)
        assert [e["field"] for e in body["errors"]] == fields, body


def test_bad_period_is_400_before_anything_else(dataset, demo):
    # Bad input is reported whoever asks; for an unknown network only after the period.
    r = demo("admin").get(f"/v1/networks/{uuid.uuid4()}/stats/flows?since=x")
    assert_problem(r, 400, "bad-query")


def test_stats_are_equal_for_admins(dataset, demo):
    ds = dataset
    for url in (flows_url(ds), funnel_url(ds), agreements_url(ds)):
        mine = ds["coordinator"].get(url)
        admins = demo("admin").get(url)
        assert admins.status_code == 200
        assert admins.json() == mine.json()


def test_access_matrix(dataset, demo):
    ds = dataset
    admin = demo("admin")
    tokens = []
    coordinator_login = ds["conn"].execute(
        "SELECT login FROM account WHERE network_ids = ARRAY[%s::uuid]", (ds["network"],)
    ).fetchone()[0]
    for login, scopes in ((coordinator_login, ["stats:read"]), ("koordination", ["stats:read"]),
                          (coordinator_login, ["chains:read"]), ("jobcenter", ["referrals:read"])):
        account = admin.get("/v1/accounts?limit=500").json()["items"]
        account_id = next(x["id"] for x in account if x["login"] == login)
        r = admin.post(f"/v1/accounts/{account_id}/tokens",
                       json={"label": "Statistik", "scopes": scopes})
        assert r.status_code == 201, r.text
        tokens.append(Api(admin.base_url, r.json()["token"]))
    callers = {
        "admin": (admin, 200, 200),
        "coordinator": (ds["coordinator"], 200, 200),
        # the network is in the open directory (403); a chain of another network is not (404)
        "other_coordinator": (demo("koordination"), 403, 404),
        "caseworker": (demo("jobcenter"), 403, 403),
        "auditor": (demo("auditor"), 403, 403),
        # a coordinator's token with stats:read, for this network or another; without the scope
        "token_with_scope": (tokens[0], 200, 200),
        "other_coordinators_token": (tokens[1], 403, 404),
        "token_without_scope": (tokens[2], 403, 403),
        "caseworkers_token": (tokens[3], 403, 403),
        "anonymous": (demo(None), 401, 401),
    }
    for name, (client, network_status, chain_status) in callers.items():
        for url, status in ((flows_url(ds), network_status), (agreements_url(ds), network_status),
                            (funnel_url(ds), chain_status)):
            for accept in ("application/json", "text/csv"):
                r = client.get(url, headers={"Accept": accept})
                if status == 200:
                    assert r.status_code == 200, (name, url, r.text)
                else:
                    assert_problem(r, status)
                    assert "referred" not in r.text, (name, url)
    for t in tokens:
        t.close()


def test_unknown_objects_are_404(dataset, demo):
    ds = dataset
    for client in (demo("admin"), ds["coordinator"]):
        for url in (f"/v1/networks/{uuid.uuid4()}/stats/flows",
                    f"/v1/networks/{uuid.uuid4()}/stats/agreements",
                    f"/v1/chains/{uuid.uuid4()}/stats/funnel",
                    "/v1/chains/not-a-uuid/stats/funnel"):
            r = client.get(url)
            assert_problem(r, 404)
    # A coordinator asking about a network that exists but is not theirs: 403.
    assert_problem(ds["coordinator"].get(f"/v1/networks/{ds['other_network']}/stats/flows"), 403)


def test_reads_write_nothing(dataset):
    ds = dataset
    conn = ds["conn"]
    r = ds["coordinator"].get(flows_url(ds), headers={"Accept": "text/csv"})
    assert r.status_code == 200
    rows = conn.execute("SELECT count(*) FROM audit_log WHERE request_id = %s",
                        (r.headers["X-Request-Id"],)).fetchone()[0]
    assert rows == 0


def test_other_methods_are_405(dataset):
    ds = dataset
    r = ds["coordinator"].post(flows_url(ds), json={})
    assert_problem(r, 405)


# The demo network: the API agrees with numbers computed here from the raw rows.

def demo_facts(conn, network):
    return conn.execute(
        "SELECT r.from_node_id::text, r.to_node_id::text, r.status, r.created_at,"
        "       r.accepted_at, r.started_at, v.chain_id::text, r.chain_step_key,"
        "       referral_is_overdue(r)"
        "  FROM referral r JOIN client_case c ON c.id = r.case_id"
        "  LEFT JOIN chain_version v ON v.id = c.chain_version_id WHERE r.network_id = %s"
        " UNION ALL SELECT from_node_id::text, to_node_id::text, status, created_at,"
        "       accepted_at, started_at, chain_id::text, chain_step_key, false"
        "  FROM referral_archive WHERE network_id = %s", (network, network)).fetchall()


def rounded(x, places):
    """Rounded as PostgreSQL rounds numeric: half away from zero."""
    return float(Decimal(repr(x)).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP))


def median_days(pairs):
    # timestamp(), not b - a: Python subtracts two times of one zone by the clock on the wall,
    # an hour off across a change of summer time; PostgreSQL counts the time that passed.
    days = [(b.timestamp() - a.timestamp()) / 86400 for a, b in pairs if a and b]
    return rounded(statistics.median(days), 2) if days else None


def test_demo_flows_match_the_demo_data(demo, demo_db):
    facts = demo_facts(demo_db, DEMO_NETWORK)
    r = demo("koordination").get(f"/v1/networks/{DEMO_NETWORK}/stats/flows")
    assert r.status_code == 200, r.text
    expected = {}
    for key in {(f[0], f[1]) for f in facts}:
        rows = [f for f in facts if (f[0], f[1]) == key]
        accepted = sum(1 for f in rows if f[4])
        declined = sum(1 for f in rows if f[2] == "declined")
        expected[key] = (len(rows), accepted, declined,
                         rounded(accepted / (accepted + declined), 4) if accepted + declined
                         else None, median_days((f[3], f[4]) for f in rows))
    got = {(p["from_node_id"], p["to_node_id"]):
           (p["referred"], p["accepted"], p["declined"], p["acceptance_rate"],
            p["median_days_to_accept"]) for p in r.json()["nodes"]}
    assert got == expected
    assert sum(k["referred"] for k in r.json()["kinds"]) == len(facts)


def test_demo_funnels_match_the_demo_data(demo, demo_db):
    facts = demo_facts(demo_db, DEMO_NETWORK)
    chains = [row[0] for row in demo_db.execute(
        "SELECT id::text FROM chain WHERE network_id = %s", (DEMO_NETWORK,)).fetchall()]
    for chain in chains:
        r = demo("koordination").get(f"/v1/chains/{chain}/stats/funnel")
        assert r.status_code == 200, r.text
        steps = {s["key"]: s for s in r.json()["steps"]}
        mine = [f for f in facts if f[6] == chain and f[7]]
        assert sum(s["referred"] for s in steps.values()) == len(mine)
        for key, s in steps.items():
            rows = [f for f in mine if f[7] == key]
            assert (s["referred"], s["accepted"], s["started"], s["completed"], s["declined"],
                    s["dropped_out"], s["overdue_now"]) == (
                len(rows), sum(1 for f in rows if f[4]), sum(1 for f in rows if f[5]),
                sum(1 for f in rows if f[2] == "completed"),
                sum(1 for f in rows if f[2] == "declined"),
                sum(1 for f in rows if f[2] == "dropped_out"), sum(1 for f in rows if f[8])), key
            assert s["median_days_to_accept"] == median_days((f[3], f[4]) for f in rows), key
            assert s["median_days_to_start"] == median_days((f[4], f[5]) for f in rows), key


def excel_cell(text):
    """A text cell as the Excel form writes it: quoted when it holds ; " or a line break."""
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ';"\r\n') else text


def test_flows_for_german_excel(dataset):
    """?format=excel: what a spreadsheet set to German opens as columns (semicolons, decimal
    commas, a UTF-8 byte-order mark, CR LF); ?lang=de: German headers and node kinds."""
    ds = dataset
    r = ds["coordinator"].get(flows_url(ds, f"?since={SINCE}&format=excel&lang=de"))
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert r.content.startswith(b"\xef\xbb\xbf")
    assert r.headers["Content-Disposition"].endswith('-excel.csv"')
    a, b, c = ds["a"], ds["b"], ds["c"]
    na, nb, nc = (excel_cell(ds["names"][x]) for x in (a, b, c))
    assert r.content.decode("utf-8-sig") == "\r\n".join([
        "Ebene;Von (Id);Von;Von (Art);An (Id);An;An (Art);Vermittelt;Angenommen;Abgelehnt;"
        "Annahmequote;Median Tage bis Annahme",
        f"Stelle;{a};{na};Jobcenter;{b};{nb};Beratungsstelle;12;5;5;0,5000;3,00",
        f"Stelle;{a};{na};Jobcenter;{c};{nc};Wohlfahrtsverband;<5;<5;<5;;",
        f"Stelle;{b};{nb};Beratungsstelle;{c};{nc};Wohlfahrtsverband;<5;0;<5;;",
        f"Stelle;{c};{nc};Wohlfahrtsverband;{b};{nb};Beratungsstelle;<5;0;0;;",
        "Art;;;Beratungsstelle;;;Wohlfahrtsverband;<5;0;<5;;",
        "Art;;;Jobcenter;;;Beratungsstelle;12;5;5;0,5000;3,00",
        "Art;;;Jobcenter;;;Wohlfahrtsverband;<5;<5;<5;;",
        "Art;;;Wohlfahrtsverband;;;Beratungsstelle;<5;0;0;;",
    ]) + "\r\n"
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[2][5] == ds["names"][c] and len({len(row) for row in rows}) == 1


def test_funnel_and_agreements_for_german_excel(dataset):
    ds = dataset
    r = ds["coordinator"].get(funnel_url(ds, f"?since={SINCE}&format=excel&lang=de"))
    assert r.status_code == 200, r.text
    assert r.content.decode("utf-8-sig").split("\r\n")[:2] == [
        "Schlüssel;Schritt;Vermittelt;Angenommen;Begonnen;Abgeschlossen;Abgelehnt;Abgebrochen;"
        "Median Tage bis Annahme;Median Tage bis Beginn;Jetzt überfällig;Fallkonferenzen",
        "erst;Erstberatung;12;5;<5;<5;5;<5;3,00;;<5;0"]
    r = ds["coordinator"].get(agreements_url(ds, f"?since={SINCE}&format=excel"))
    lines = r.content.decode("utf-8-sig").split("\r\n")
    assert lines[0] == "node_id;name;days_to_accept;referrals;answered_in_time;share_in_time"
    assert f"{ds['b']};{excel_cell(ds['names'][ds['b']])};2;11;8;0,7273" in lines


def test_format_and_lang_choose_the_export_without_accept(dataset):
    ds = dataset
    by_accept = ds["coordinator"].get(funnel_url(ds, f"?since={SINCE}"),
                                      headers={"Accept": "text/csv"}).text
    by_query = ds["coordinator"].get(funnel_url(ds, f"?since={SINCE}&format=csv"),
                                     headers={"Accept": "application/json"})
    assert by_query.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert by_query.text == by_accept and not by_query.content.startswith(b"\xef\xbb\xbf")
    json_too = ds["coordinator"].get(funnel_url(ds, "?format=json"), headers={"Accept": "text/csv"})
    assert json_too.headers["Content-Type"] == "application/json"
    german_rfc = ds["coordinator"].get(funnel_url(ds, f"?since={SINCE}&format=csv&lang=de")).text
    assert german_rfc.split("\r\n")[1] == "erst,Erstberatung,12,5,<5,<5,5,<5,3.00,,<5,0"
    assert german_rfc.startswith("Schlüssel,Schritt,Vermittelt,")


@pytest.mark.parametrize("query, fields", [
    ("?format=xlsx", ["format"]),
    ("?lang=fr", ["lang"]),
    ("?format=Excel&lang=DE", ["format", "lang"]),
])
def test_bad_format_or_lang(dataset, query, fields):
    ds = dataset
    for url in (flows_url(ds, query), funnel_url(ds, query), agreements_url(ds, query)):
        body = assert_problem(ds["coordinator"].get(url), 400, "bad-query")
        assert [e["field"] for e in body["errors"]] == fields, body
