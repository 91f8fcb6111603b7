"""Plans kept (docs/performance.md, lever 15; docs/developing.md, "SQL or PL/pgSQL").
PostgreSQL 15 plans a SQL function it cannot inline (one that reads a table in FROM, asks
EXISTS, or writes) afresh at every execution of the statement calling it; PL/pgSQL keeps the
plans of its statements for the connection. referral_json planned that way cost 0.9 ms of
every create and move. Here the statements of a referral's closed loop, of a case manager's
day on a case, of the coordinator's pages and of a partner's and the admin's, nested ones
included, are counted with pg_stat_statements (which ./dev test loads with track = all and
track_planning) on pnetd's one database connection: after the warm-up, none is planned
again in every journey."""

import contextlib
import datetime
import uuid

import psycopg
from psycopg.conninfo import conninfo_to_dict

from conftest import DEMO_PASSWORD
from events_support import SCHULDNER_NODE, load_demo, new_case, wait_demo_deadlines_said
from harness import Api, german_date
from referral_support import CHAINS, NETWORK, consent, open_case

# PostgreSQL plans a prepared statement with its values for its first five executions, then
# makes a generic plan and keeps it (or keeps planning with the values when that is cheaper).
# After six warm-up journeys, a statement run once a journey has a kept plan, whichever it
# is; one planned JOURNEYS times in the journeys after that is planned at every call, or at
# every execution of the statement that calls it (a SQL function per row).
WARM_UP = 6
JOURNEYS = 6

# SQL functions that stay SQL although PostgreSQL plans them once per statement calling them:
# they run for every row of large sets, where PL/pgSQL's cost per call weighs more than a
# plan (docs/developing.md, "SQL or PL/pgSQL").
KEPT_SQL = ["FROM referral_missed_deadline(r, s)"]  # referral_overdue, per row of referral_fact


def write(client, path, body, version=None):
    """A write as the web app sends it: with an Idempotency-Key (and If-Match for a move)."""
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    if version is not None:
        headers["If-Match"] = f'"{version}"'
    r = client.post(path, json=body, headers=headers)
    assert r.status_code in (200, 201), r.text
    return r.json()


def journey(jobcenter, schuldner):
    """The closed loop: a case with consent, a referral, read by both sides, a message each
    way, received, accepted, started and completed with its outcome."""
    case, _ = new_case(jobcenter)
    referral = write(jobcenter, "/v1/referrals", {"case_id": case["id"],
                                                  "to_node_id": SCHULDNER_NODE,
                                                  "reason": "Schulden"})
    path = f"/v1/referrals/{referral['id']}"
    r = schuldner.get("/v1/referrals", params={"box": "inbox", "status": "sent,received"})
    assert r.status_code == 200, r.text
    for step in ({"to": "received"}, {"to": "accepted"}, {"to": "in_progress"},
                 {"to": "completed", "outcome": "goal_reached"}):
        referral = write(schuldner, path + "/transitions", step, referral["version"])
        if step["to"] == "received":
            write(schuldner, path + "/messages", {"text": "Termin am Montag?"})
            write(jobcenter, path + "/messages", {"text": "Ja, 10 Uhr."})
    for client in (jobcenter, schuldner):
        for read in (path, path + "/messages", f"/v1/cases/{case['id']}"):
            r = client.get(read)
            assert r.status_code == 200, r.text
    r = jobcenter.get("/v1/referrals", params={"box": "outbox"})
    assert r.status_code == 200, r.text


def case_day(jobcenter, schuldner):
    """The case manager's day on a case in a chain: enrolled, a consent for the network, the
    case page's reads, a step started, a follow-up and a case conference with the debt
    counselling, which reads its conferences."""
    case = open_case(jobcenter)
    path = f"/v1/cases/{case['id']}"
    r = jobcenter.post(path + "/enrolment", json={"chain_id": CHAINS[0]})
    assert r.status_code == 200, r.text
    consent(jobcenter, case["id"], scope="network")
    r = jobcenter.post(path + "/steps/erstberatung", json={"state": "in_progress"})
    assert r.status_code in (200, 201), r.text
    tomorrow = german_date(1)
    r = jobcenter.post(path + "/follow-ups", json={"due_on": tomorrow.isoformat(),
                                                   "reason": "Unterlagen nachfragen"})
    assert r.status_code == 201, r.text
    starts = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=2)
    r = jobcenter.post(path + "/conferences", json={
        "starts_at": starts.isoformat(timespec="seconds"), "place": "Jobcenter, Raum 2.14",
        "agenda": "Schulden klären", "participant_node_ids": [SCHULDNER_NODE]})
    assert r.status_code == 201, r.text
    conference = r.json()
    for read in ("", "/progress", "/next-steps", "/consents", "/timeline", "/follow-ups"):
        r = jobcenter.get(path + read)
        assert r.status_code == 200, (read, r.text)
    for client, read in ((jobcenter, f"/v1/conferences?case_id={case['id']}"),
                         (jobcenter, "/v1/follow-ups"), (jobcenter, "/v1/follow-ups/count"),
                         (jobcenter, "/v1/messages/unread"), (schuldner, "/v1/conferences"),
                         (schuldner, f"/v1/conferences/{conference['id']}")):
        r = client.get(read)
        assert r.status_code == 200, (read, r.text)


def coordinator_look(coordinator):
    """The network coordinator's pages: the network with its members, target groups, chains,
    funding, contracts and their use, the overdue list, the report, the statistics, the
    directory of services, nodes and organisations."""
    net = f"/v1/networks/{NETWORK}"
    today = german_date()
    period = f"?since={today.replace(month=1, day=1)}&until={today + datetime.timedelta(days=1)}"
    reads = ["/v1/networks", net, net + "/members", net + "/members?active=true",
             net + "/target-groups", net + "/chains", net + "/funding-sources",
             net + "/contract-use", net + "/overdue", net + "/report" + period,
             net + "/stats/flows" + period, net + "/stats/agreements" + period,
             f"/v1/chains/{CHAINS[0]}", f"/v1/chains/{CHAINS[0]}/stats/funnel" + period,
             f"/v1/services?network_id={NETWORK}", "/v1/nodes", "/v1/organizations"]
    for read in reads:
        r = coordinator.get(read)
        assert r.status_code == 200, (read, r.text)


def partner_and_admin_look(schuldner, admin):
    """The debt counselling's own node, its services, its account and inbox; the admin's
    accounts, organisations, nodes, webhooks, audit log and networks."""
    for client, read in ((schuldner, f"/v1/nodes/{SCHULDNER_NODE}"),
                         (schuldner, f"/v1/nodes/{SCHULDNER_NODE}/services"),
                         (schuldner, "/v1/me"), (schuldner, "/v1/me/notifications"),
                         (schuldner, "/v1/referrals?box=inbox"),
                         (admin, "/v1/accounts"), (admin, "/v1/organizations"),
                         (admin, "/v1/nodes"), (admin, "/v1/webhooks"), (admin, "/v1/audit"),
                         (admin, "/v1/networks"), (admin, f"/v1/nodes/{SCHULDNER_NODE}")):
        r = client.get(read)
        assert r.status_code == 200, (read, r.text)


@contextlib.contextmanager
def counted_demo(pnetd_factory, database_factory, pg_superuser, logins):
    """The demo's data on a database of its own, pnetd on one database connection with the
    accounts of `logins` logged in, and a superuser connection reading pg_stat_statements
    (which ./dev test loads): yields (database, admin connection, clients)."""
    database = database_factory()
    with psycopg.connect(database, autocommit=True) as conn:
        load_demo(conn)
    dbname = conninfo_to_dict(database)["dbname"]
    with psycopg.connect(dbname=dbname, **pg_superuser, autocommit=True) as admin:
        loaded = admin.execute("SHOW shared_preload_libraries").fetchone()[0]
        assert "pg_stat_statements" in loaded, \
            "pg_stat_statements is not loaded (./dev test starts PostgreSQL with it)"
        admin.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        server = pnetd_factory("--workers=1", "--db-pool-size=1", database=database)
        clients = []
        for login in logins:
            clients.append(Api(server.base_url))
            clients[-1].login(login, DEMO_PASSWORD)
        yield database, admin, clients


def counts_reset(admin):
    """Forgets what pg_stat_statements counted in this database; answers its oid."""
    dbid = admin.execute("SELECT oid FROM pg_database WHERE datname = current_database()"
                         ).fetchone()[0]
    admin.execute("SELECT pg_stat_statements_reset(0, %s, 0)", (dbid,))
    return dbid


def test_a_journeys_statements_keep_their_plans(pnetd_factory, database_factory,
                                                 pg_superuser):
    logins = ("jobcenter", "schuldnerberatung", "koordination", "admin")
    with counted_demo(pnetd_factory, database_factory, pg_superuser, logins) as (
            database, admin, (jobcenter, schuldner, coordinator, administrator)):
        with psycopg.connect(database, autocommit=True) as conn:
            wait_demo_deadlines_said(conn)

        def walk(times):
            for _ in range(times):
                journey(jobcenter, schuldner)
                case_day(jobcenter, schuldner)
                coordinator_look(coordinator)
                partner_and_admin_look(schuldner, administrator)

        walk(WARM_UP)
        dbid = counts_reset(admin)
        walk(JOURNEYS)
        # Nested statements only: pnetd prepares its own on the connection, and PostgreSQL
        # may keep planning one of those with its values where that plan is cheaper (optional
        # filters); that is its choice, not a plan thrown away. Left out too: PostgreSQL's
        # foreign key checks (`SELECT 1 FROM ONLY ...`), whose text is one for every
        # constraint naming the same table while each keeps a plan of its own.
        rows = admin.execute(
            "SELECT calls, plans, round((total_plan_time / plans)::numeric, 3), query"
            "  FROM pg_stat_statements WHERE dbid = %s AND NOT toplevel AND plans >= %s"
            "   AND query !~ '^SELECT (1|\\$[0-9]+) FROM ONLY '"
            " ORDER BY total_plan_time DESC", (dbid, JOURNEYS)).fetchall()
    replanned = [f"{calls} calls, {plans} plans, {ms} ms a plan: {' '.join(query.split())[:160]}"
                 for calls, plans, ms, query in rows
                 if not any(kept in query for kept in KEPT_SQL)]
    assert not replanned, "planned at every call:\n" + "\n".join(replanned)


def test_a_page_of_referrals_is_one_statement(pnetd_factory, database_factory, pg_superuser):
    """A page of the inbox and the outbox runs its items' projection (referral_view) and its
    audit row (referral_list_audit) inside pnetd's one statement: nothing nested that runs
    once a page or once an item (docs/performance.md, lever 16; a function that inserts
    the audit row was two statements of its own on every page)."""
    pages = 8
    with counted_demo(pnetd_factory, database_factory, pg_superuser,
                      ("jobcenter", "schuldnerberatung")) as (_, admin, (jobcenter, schuldner)):
        case, _ = new_case(jobcenter)
        write(jobcenter, "/v1/referrals", {"case_id": case["id"], "to_node_id": SCHULDNER_NODE,
                                           "reason": "Schulden", "note": "Ruft vormittags an"})
        dbid = counts_reset(admin)
        for _ in range(pages):
            for client, params in ((schuldner, {"box": "inbox", "status": "sent,received"}),
                                   (schuldner, {"box": "inbox"}),
                                   (jobcenter, {"box": "outbox"})):
                r = client.get("/v1/referrals", params=params)
                assert r.status_code == 200, r.text
                assert r.json()["items"], params
        nested = admin.execute(
            "SELECT calls, query FROM pg_stat_statements"
            " WHERE dbid = %s AND NOT toplevel AND calls >= %s", (dbid, pages)).fetchall()
    assert not nested, "run on every page:\n" + "\n".join(
        f"{calls} calls: {' '.join(query.split())[:160]}" for calls, query in nested)


def test_referral_view_is_pulled_up_into_the_statement(database_factory):
    """referral_view, inlined, joins the statement's own rows: the fields of the referral it
    is given are read as columns (r.case_id), not out of a row value per item ((r.*).case_id),
    which is what PostgreSQL does when an outer join inside the function keeps it a subquery
    of its own (docs/developing.md, "SQL or PL/pgSQL")."""
    with psycopg.connect(database_factory(), autocommit=True) as conn:
        load_demo(conn)
        plan = "\n".join(row[0] for row in conn.execute(
            "EXPLAIN (COSTS OFF) SELECT v.body FROM referral r"
            " CROSS JOIN LATERAL referral_view(r, r.to_node_id) v"))
    assert "= r.case_id" in plan, plan
    assert "(r.*).case_id" not in plan.split("SubPlan")[0], plan
