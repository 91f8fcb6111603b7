"""Overdue escalation: a referral that passes its acceptance deadline, its expected date or its
step's target start (target_days_to_start from acceptance) is said once per deadline as the
event referral.overdue (SSE, webhooks, e-mail by preference), however many pnetd scan; the
coordinators' overdue list says which deadline was missed."""

import json
import time

import psycopg
import pytest

from conftest import DEMO_PASSWORD
from events_support import SseClient, load_demo, wait_demo_deadlines_said
from harness import Api
from referral_support import CHAINS, NETWORK, SCHULDNER, consent, move, open_case, refer, today
from smtp_support import SmtpReceiver, make_certificate, smtp_options


@pytest.fixture
def world(database_factory, pnetd_factory):
    conninfo = database_factory()
    conn = psycopg.connect(conninfo, autocommit=True)
    load_demo(conn)

    class World:
        db = conn
        database = conninfo

        def pnetd(self, *options):
            return pnetd_factory("--overdue-interval-s=1", *options, database=conninfo)

        def login(self, server, login):
            c = Api(server.base_url)
            c.login(login, DEMO_PASSWORD)
            return c

        def said(self, referral_id):
            return self.db.execute(
                "SELECT payload->>'deadline', count(*) FROM outbox WHERE type = 'referral.overdue'"
                " AND payload->>'referral_id' = %s GROUP BY 1 ORDER BY 1",
                (referral_id,)).fetchall()

    yield World()
    conn.close()


def new_referral(client, **fields):
    case = open_case(client)
    consent(client, case["id"], SCHULDNER)
    return case, refer(client, case["id"], SCHULDNER, **fields)


def wait_said(world, referral_id, expected, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if world.said(referral_id) == expected:
            return
        time.sleep(0.2)
    assert world.said(referral_id) == expected


def test_a_passed_acceptance_deadline_is_said_once_and_listed_with_its_deadline(world):
    server = world.pnetd()
    jobcenter = world.login(server, "jobcenter")
    beratung = world.login(server, "schuldnerberatung")
    stream = SseClient(server.base_url, beratung.token)
    try:
        _, late = new_referral(jobcenter)
        _, fine = new_referral(jobcenter)
        world.db.execute("UPDATE referral SET due_at = now() - interval '2 days' WHERE id = %s",
                         (late["id"],))
        event = None
        while True:
            event = stream.next(timeout=10)
            assert event is not None, "no referral.overdue event"
            if event["event"] == "referral.overdue" and late["id"] in event["data"]:
                break
        data = json.loads(event["data"])["data"]
        assert data["deadline"] == "accept" and data["referral_id"] == late["id"]
        assert set(data) == {"referral_id", "case_id", "status", "deadline", "deadline_at",
                             "from_node_id", "to_node_id", "version"}
        time.sleep(3)  # three more scans: nothing said twice
        assert world.said(late["id"]) == [("accept", 1)]
        assert world.said(fine["id"]) == []
    finally:
        stream.close()
    listed = world.login(server, "koordination").get(f"/v1/networks/{NETWORK}/overdue",
                                                     params={"limit": 500})
    assert listed.status_code == 200, listed.text
    items = {i["id"]: i for i in listed.json()["items"]}
    assert items[late["id"]]["deadline"] == "accept"
    assert items[late["id"]]["days_overdue"] == 2
    assert fine["id"] not in items


def test_a_backlog_is_said_in_batches_one_after_another(world, pnetd_factory):
    """After a long stop more deadlines have passed than one statement says: each scan says a
    batch, and a full batch is followed by the next at once, not an interval later."""
    world.db.execute("UPDATE referral SET due_at = now() - interval '3 days'"
                     " WHERE status = 'sent' AND closed_at IS NULL")
    backlog = world.db.execute(
        "SELECT count(*) FROM referral r JOIN referral_status s ON s.status = r.status"
        " CROSS JOIN LATERAL referral_missed_deadline(r, s) m"
        " WHERE r.closed_at IS NULL").fetchone()[0]
    assert backlog >= 3, backlog
    server = pnetd_factory("--overdue-batch=1", "--overdue-interval-s=3600",
                           database=world.database)
    deadline = time.monotonic() + 15
    said = 0
    while time.monotonic() < deadline and said < backlog:
        time.sleep(0.2)
        said = world.db.execute("SELECT count(*) FROM referral_deadline_missed").fetchone()[0]
    assert said == backlog, server.log_tail()
    assert world.db.execute("SELECT count(*) FROM outbox WHERE type = 'referral.overdue'"
                            ).fetchone()[0] == backlog
    scans = [json.loads(line)["newly_missed"] for line in server.log_tail(200).splitlines()
             if '"overdue scan"' in line and "newly_missed" in line]
    assert scans == [1] * backlog, scans


def test_the_steps_target_start_counts_from_acceptance(world):
    server = world.pnetd()
    jobcenter = world.login(server, "jobcenter")
    beratung = world.login(server, "schuldnerberatung")
    case = open_case(jobcenter)
    consent(jobcenter, case["id"], SCHULDNER)
    r = jobcenter.post(f"/v1/cases/{case['id']}/enrolment", json={"chain_id": CHAINS[0]})
    assert r.status_code == 200, r.text
    ref = refer(jobcenter, case["id"], SCHULDNER, chain_step_key="schuldnerberatung")
    accepted = move(beratung, ref, "accepted")
    assert accepted.status_code == 200, accepted.text
    # Step 'schuldnerberatung' of chain 1: start within 42 days of acceptance.
    world.db.execute("UPDATE referral SET accepted_at = now() - interval '41 days' WHERE id = %s",
                     (ref["id"],))
    time.sleep(2.5)
    assert world.said(ref["id"]) == []
    assert flagged(jobcenter, beratung, ref) == [False] * 4
    world.db.execute("UPDATE referral SET accepted_at = now() - interval '43 days' WHERE id = %s",
                     (ref["id"],))
    wait_said(world, ref["id"], [("start", 1)])
    items = {i["id"]: i for i in world.login(server, "koordination").get(
        f"/v1/networks/{NETWORK}/overdue", params={"limit": 500}).json()["items"]}
    assert items[ref["id"]]["deadline"] == "start"
    assert items[ref["id"]]["days_overdue"] == 1
    # The referral says so itself, to both sides, and the lists' overdue filter finds it.
    assert flagged(jobcenter, beratung, ref) == [True] * 4
    # Started: no longer overdue; the deadline is not said again.
    assert move(beratung, accepted.json(), "in_progress").status_code == 200
    assert flagged(jobcenter, beratung, ref) == [False] * 4
    time.sleep(2)
    assert world.said(ref["id"]) == [("start", 1)]


def flagged(sender, receiver, referral):
    """The referral's overdue flag as each side reads it, and whether each side's list
    filtered to overdue=true holds it."""
    out = []
    for client, box in ((sender, "outbox"), (receiver, "inbox")):
        r = client.get(f"/v1/referrals/{referral['id']}")
        assert r.status_code == 200, r.text
        out.append(r.json()["overdue"])
        page = client.get("/v1/referrals", params={"box": box, "overdue": "true",
                                                   "case_id": referral["case_id"]})
        assert page.status_code == 200, page.text
        out.append(referral["id"] in [i["id"] for i in page.json()["items"]])
    return out


def test_a_new_expected_date_is_a_new_deadline(world):
    server = world.pnetd()
    jobcenter = world.login(server, "jobcenter")
    beratung = world.login(server, "schuldnerberatung")
    _, ref = new_referral(jobcenter)
    w = move(beratung, ref, "waitlisted", expected_on=today(3))
    assert w.status_code == 200, w.text
    world.db.execute("UPDATE referral SET expected_on = current_date - 2 WHERE id = %s",
                     (ref["id"],))
    wait_said(world, ref["id"], [("expected", 1)])
    world.db.execute("UPDATE referral SET expected_on = current_date - 1 WHERE id = %s",
                     (ref["id"],))
    wait_said(world, ref["id"], [("expected", 2)])


def test_two_pnetd_say_each_deadline_once(world):
    servers = [world.pnetd(), world.pnetd()]
    jobcenter = world.login(servers[0], "jobcenter")
    refs = [new_referral(jobcenter)[1] for _ in range(5)]
    world.db.execute("UPDATE referral SET due_at = now() - interval '1 hour'"
                     " WHERE id = ANY (%s::uuid[])", ([r["id"] for r in refs],))
    for r in refs:
        wait_said(world, r["id"], [("accept", 1)])
    time.sleep(3)
    for r in refs:
        assert world.said(r["id"]) == [("accept", 1)]


def accepted_in_step(jobcenter, beratung):
    """A referral for step 'schuldnerberatung' of chain 1 (start within 42 days of
    acceptance), accepted by the Schuldnerberatung."""
    case = open_case(jobcenter)
    consent(jobcenter, case["id"], SCHULDNER)
    r = jobcenter.post(f"/v1/cases/{case['id']}/enrolment", json={"chain_id": CHAINS[0]})
    assert r.status_code == 200, r.text
    ref = refer(jobcenter, case["id"], SCHULDNER, chain_step_key="schuldnerberatung")
    accepted = move(beratung, ref, "accepted")
    assert accepted.status_code == 200, accepted.text
    return accepted.json()


@pytest.mark.parametrize("deadline", ["accept", "start"])
def test_overdue_reaches_webhooks_and_email_by_preference(world, tmp_path, deadline):
    cert, key = make_certificate(tmp_path)
    receiver = SmtpReceiver(cert, key).start()
    try:
        server = world.pnetd(*smtp_options(receiver, ca=cert))
        # The demo's own overdue referrals (one of them the agency's) are said before the
        # agency asks for e-mails, as on a server that has run for a while: the e-mail below
        # counts this test's referral alone. On a quick machine the agency was done asking
        # before the first scan.
        wait_demo_deadlines_said(world.db)
        beratung = world.login(server, "schuldnerberatung")
        me = beratung.get("/v1/me").json()
        me = me.get("account", me)
        address = "ueberfaellig@agency.example"
        assert beratung.patch(f"/v1/accounts/{me['id']}/contact",
                              json={"email": address}).status_code == 200
        assert beratung.put("/v1/me/notifications",
                            json={"email_kinds": ["overdue"]}).status_code == 200
        hook = beratung.post("/v1/webhooks", json={"url": "https://example.org/overdue",
                                                   "event_types": ["referral.overdue"]})
        assert hook.status_code == 201, hook.text
        if deadline == "accept":
            _, ref = new_referral(world.login(server, "jobcenter"))
            world.db.execute("UPDATE referral SET due_at = now() - interval '1 hour'"
                             " WHERE id = %s", (ref["id"],))
        else:
            ref = accepted_in_step(world.login(server, "jobcenter"), beratung)
            world.db.execute("UPDATE referral SET accepted_at = now() - interval '43 days'"
                             " WHERE id = %s", (ref["id"],))
        got = receiver.wait(address, 1)
        assert len(got) == 1
        assert got[0].subject.startswith("pnet: 1 überfällige Vermittlung bei ")
        assert world.said(ref["id"]) == [(deadline, 1)]
        time.sleep(2.5)  # more scans: said once, one e-mail
        assert len(receiver.to(address)) == 1
        deliveries = world.db.execute(
            "SELECT count(*) FROM webhook_delivery d JOIN outbox o ON o.seq = d.outbox_seq"
            " WHERE d.webhook_id = %s AND o.type = 'referral.overdue'"
            " AND o.payload->>'referral_id' = %s", (hook.json()["id"], ref["id"])).fetchone()[0]
        assert deliveries == 1
    finally:
        receiver.stop()
