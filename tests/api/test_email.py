"""Notifications by e-mail: each account chooses the kinds it wants; pnetd sends them through a
real SMTP server (aiosmtpd, STARTTLS with a certificate the test makes), batched per account;
an SMTP server that is down delays e-mails and every one arrives exactly once when it is back,
also with two pnetd; no e-mail holds a case reference, a note, a reason or a message text."""

import time
import uuid

import psycopg
import pytest

from checks import assert_problem
from conftest import DEMO_PASSWORD
from events_support import load_demo
from harness import Api
from referral_support import JUGENDAMT, SCHULDNER, consent, move, open_case, refer
from smtp_support import SmtpReceiver, make_certificate, smtp_options
from team_support import JOBCENTER, Person

SCHULDNER_NAME = "Schuldnerberatung"  # part of the demo node's name


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    return make_certificate(tmp_path_factory.mktemp("smtp"))


@pytest.fixture
def world(database_factory, pnetd_factory):
    """A database of this test's own with the demo network (e-mails are queued per database:
    another test's cannot reach this test's receiver), and a way to start pnetd on it."""
    conninfo = database_factory()
    conn = psycopg.connect(conninfo, autocommit=True)
    load_demo(conn)

    class World:
        db = conn
        database = conninfo

        def pnetd(self, *options):
            return pnetd_factory(*options, database=conninfo)

        def login(self, server, login):
            c = Api(server.base_url)
            c.login(login, DEMO_PASSWORD)
            return c

        def wants(self, client, kinds, address=None):
            """The logged-in account sets its e-mail address and the kinds it wants."""
            address = address or f"{uuid.uuid4().hex[:10]}@agency.example"
            me = client.get("/v1/me").json()
            me = me.get("account", me)
            r = client.patch(f"/v1/accounts/{me['id']}/contact", json={"email": address})
            assert r.status_code == 200, r.text
            r = client.put("/v1/me/notifications", json={"email_kinds": kinds})
            assert r.status_code == 200, r.text
            return address

    yield World()
    conn.close()


def new_referral(sender, **fields):
    case = open_case(sender)
    consent(sender, case["id"], SCHULDNER)
    return case, refer(sender, case["id"], SCHULDNER, **fields)


def test_preferences_are_the_accounts_own_and_checked(world):
    server = world.pnetd()
    client = world.login(server, "schuldnerberatung")
    r = client.get("/v1/me/notifications")
    assert r.status_code == 200, r.text
    assert r.json()["email_kinds"] == []
    assert r.json()["kinds"] == ["new_referral", "referral_update", "message", "overdue",
                                 "follow_up_due", "conference"]
    r = client.put("/v1/me/notifications", json={"email_kinds": ["message", "new_referral"]})
    assert r.status_code == 200, r.text
    assert client.get("/v1/me/notifications").json()["email_kinds"] == ["message",
                                                                       "new_referral"]
    problem = assert_problem(client.put("/v1/me/notifications",
                                        json={"email_kinds": ["everything"]}), 422)
    assert problem["errors"][0]["field"] == "email_kinds[0]"
    assert_problem(client.put("/v1/me/notifications", json={}), 422)
    assert client.get("/v1/me/notifications").json()["email_kinds"] == ["message",
                                                                       "new_referral"]
    admin = world.login(server, "koordination")
    assert_problem(admin.get("/v1/me/notifications"), 403)


def test_a_new_referral_is_told_by_email_over_starttls_with_counts_and_a_link(world,
                                                                              certificate):
    receiver = SmtpReceiver(*certificate).start()
    try:
        server = world.pnetd(*smtp_options(receiver, ca=certificate[0]))
        beratung = world.login(server, "schuldnerberatung")
        address = world.wants(beratung, ["new_referral"])
        jobcenter = world.login(server, "jobcenter")
        new_referral(jobcenter)
        got = receiver.wait(address, 1)
        assert len(got) == 1
        mail = got[0]
        assert mail.tls, "the e-mail did not travel over STARTTLS"
        assert mail.envelope_from == "pnet@pnet.example"
        assert mail.subject.startswith("pnet: 1 neue Vermittlung für ")
        assert SCHULDNER_NAME in mail.subject
        assert "https://pnet.example/app/" in mail.text
        assert "1 new referral for" in mail.text
        # Nothing else went out, and the queue says it was sent once.
        time.sleep(1)
        assert len(receiver.to(address)) == 1
        rows = world.db.execute("SELECT sent_at IS NOT NULL, attempts FROM email_outgoing"
                                " WHERE recipient = %s", (address,)).fetchall()
        assert rows == [(True, 1)]
    finally:
        receiver.stop()


def test_no_email_holds_social_data(world, certificate):
    """Every kind of notice, with notes, reasons and messages full of social data: the
    e-mails hold none of it (checked against the case's data)."""
    receiver = SmtpReceiver(*certificate).start()
    try:
        server = world.pnetd(*smtp_options(receiver, ca=certificate[0]))
        beratung = world.login(server, "schuldnerberatung")
        jobcenter = world.login(server, "jobcenter")
        to_beratung = world.wants(beratung, ["new_referral", "message", "referral_update"])
        to_jobcenter = world.wants(jobcenter, ["referral_update", "message", "new_referral"])
        note = "Notiz: Herr Mustermann, Spielsucht, 12.000 EUR Schulden " + uuid.uuid4().hex[:6]
        reason = "Schulden Mustermann " + uuid.uuid4().hex[:6]
        case, ref = new_referral(jobcenter, note=note, reason=reason)
        texts = ["Hat Herr Mustermann schon ein P-Konto? " + uuid.uuid4().hex[:6],
                 "Ja, seit März, Konto 4711 " + uuid.uuid4().hex[:6]]
        assert jobcenter.post(f"/v1/referrals/{ref['id']}/messages",
                              json={"text": texts[0]}).status_code == 201
        accepted = move(beratung, ref, "accepted", note="Termin mit Herrn Mustermann")
        assert accepted.status_code == 200, accepted.text
        assert beratung.post(f"/v1/referrals/{ref['id']}/messages",
                             json={"text": texts[1]}).status_code == 201
        # Each account gets its notices (batch 0: one e-mail after another).
        got_b = receiver.wait(to_beratung, 1)
        got_j = receiver.wait(to_jobcenter, 1)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            pending = world.db.execute("SELECT count(*) FROM email_notice WHERE outgoing_id IS"
                                       " NULL").fetchone()[0]
            unsent = world.db.execute("SELECT count(*) FROM email_outgoing WHERE sent_at IS"
                                      " NULL").fetchone()[0]
            if pending == 0 and unsent == 0:
                break
            time.sleep(0.2)
        got_b, got_j = receiver.to(to_beratung), receiver.to(to_jobcenter)
        assert got_b and got_j
        everything = " ".join(m.subject + "\n" + m.text + "\n" + m.raw.decode("ascii")
                              for m in got_b + got_j)
        kinds = world.db.execute("SELECT array_agg(DISTINCT kind ORDER BY kind) FROM"
                                 " email_notice").fetchone()[0]
        assert kinds == ["message", "new_referral", "referral_update"]
        assert "Nachricht" in everything and "Vermittlung" in everything
        for secret in [case["reference"], note, reason, *texts, "Mustermann", ref["id"],
                       case["id"], "Termin"]:
            assert secret not in everything, f"an e-mail holds {secret!r}"
        # Not even the names of people (the accounts' display names; some demo accounts are
        # named after their node, and the node is what an e-mail may name).
        for (name,) in world.db.execute("SELECT display_name FROM account WHERE display_name"
                                        " NOT IN (SELECT name FROM node)").fetchall():
            assert name not in everything, f"an e-mail names {name!r}"
    finally:
        receiver.stop()


def test_a_due_follow_up_reaches_the_responsible_person_or_while_absent_the_stand_in(world, certificate):
    """case.follow_up_due e-mails whom case_recipients() names and who chose the kind: the
    responsible person, and while that person is absent the stand-in instead; a deputy who did
    not choose it, and a colleague not on the case, get nothing. No reference, reason or name."""
    receiver = SmtpReceiver(*certificate).start()
    try:
        server = world.pnetd(*smtp_options(receiver, ca=certificate[0]),
                             "--follow-up-interval-s=1")
        anna = Person(server, world.db, "Anna Fallmanagerin")
        ben = Person(server, world.db, "Ben Vertretung")
        carl = Person(server, world.db, "Carl Stellvertreter")
        dora = Person(server, world.db, "Dora Kollegin")
        to_anna = world.wants(anna.api, ["follow_up_due"])
        to_ben = world.wants(ben.api, ["follow_up_due"])
        to_carl = world.wants(carl.api, ["message"])
        to_dora = world.wants(dora.api, ["follow_up_due"])
        (node_name,) = world.db.execute("SELECT name FROM node WHERE id = %s",
                                        (JOBCENTER,)).fetchone()
        (today,) = world.db.execute("SELECT current_date::text").fetchone()
        secrets = []

        def due_today(case):
            reason = "Mustermann Spielsucht nachfragen " + uuid.uuid4().hex[:6]
            secrets.extend([case["reference"], case["id"], reason])
            r = anna.api.post(f"/v1/cases/{case['id']}/follow-ups",
                              json={"due_on": today, "reason": reason})
            assert r.status_code == 201, r.text
            secrets.append(r.json()["id"])

        first = anna.open_case("AZ-" + uuid.uuid4().hex[:8])
        r = anna.api.put(f"/v1/cases/{first['id']}/deputies", json={"account_ids": [carl.id]})
        assert r.status_code == 200, r.text
        due_today(first)
        got = receiver.wait(to_anna, 1)
        assert len(got) == 1
        assert got[0].subject == f"pnet: 1 fällige Wiedervorlage bei {node_name}"
        assert f"1 follow-up due at {node_name}" in got[0].text
        assert receiver.to(to_ben) == []  # not absent yet: the stand-in hears nothing
        # Anna is away from today; Ben stands in: her case's follow-up reaches him, and not
        # her (she stays responsible, and finds it in the app when she is back).
        r = anna.api.post("/v1/me/absences", json={"starts_on": today, "ends_on": today,
                                                   "stand_in_account_id": ben.id})
        assert r.status_code == 201, r.text
        due_today(anna.open_case("AZ-" + uuid.uuid4().hex[:8]))
        got_ben = receiver.wait(to_ben, 1)
        assert len(got_ben) == 1
        assert got_ben[0].subject == f"pnet: 1 fällige Wiedervorlage bei {node_name}"
        time.sleep(1.5)
        assert len(receiver.to(to_anna)) == 1, "an e-mail reached Anna while she is away"
        assert receiver.to(to_carl) == [] and receiver.to(to_dora) == []
        assert len(receiver.to(to_ben)) == 1
        kinds = world.db.execute("SELECT kind, count(*) FROM email_notice GROUP BY kind"
                                 " ORDER BY kind").fetchall()
        assert kinds == [("follow_up_due", 2)]
        everything = " ".join(m.subject + "\n" + m.text + "\n" + m.raw.decode("ascii")
                              for m in got + got_ben)
        for secret in [*secrets, "Mustermann", anna.name, ben.name, carl.name, dora.name]:
            assert secret not in everything, f"an e-mail holds {secret!r}"
    finally:
        receiver.stop()


def test_case_conferences_reach_the_invited_and_the_case_team_by_email(world, certificate):
    """Kind conference: planning, changing and cancelling a case conference e-mail every
    account of the invited node that chose the kind, and at the case's own node whom
    case_recipients() names (the responsible person, and while she is absent her stand-in),
    never who made the change; holding it and a decision send nothing; a node not invited,
    and an account that did not choose the kind, get nothing. No agenda, place or reference."""
    receiver = SmtpReceiver(*certificate).start()
    try:
        server = world.pnetd(*smtp_options(receiver, ca=certificate[0]))
        anna = Person(server, world.db, "Anna Fallmanagerin")
        ben = Person(server, world.db, "Ben Vertretung")
        dora = Person(server, world.db, "Dora Kollegin")
        to_anna = world.wants(anna.api, ["conference"])
        to_ben = world.wants(ben.api, ["conference"])
        to_dora = world.wants(dora.api, ["conference"])
        beratung = world.login(server, "schuldnerberatung")
        to_beratung = world.wants(beratung, ["conference"])
        sucht = world.login(server, "suchtberatung")
        to_sucht = world.wants(sucht, ["conference"])
        to_jugendamt = world.wants(world.login(server, "jugendamt"), ["message"])
        (node_name,) = world.db.execute("SELECT name FROM node WHERE id = %s",
                                        (JOBCENTER,)).fetchone()
        (today,) = world.db.execute("SELECT current_date::text").fetchone()
        r = anna.api.post("/v1/me/absences", json={"starts_on": today, "ends_on": today,
                                                   "stand_in_account_id": ben.id})
        assert r.status_code == 201, r.text
        case = anna.open_case("AZ-" + uuid.uuid4().hex[:8])
        agenda = "Mustermann Spielsucht " + uuid.uuid4().hex[:6]
        place = "Raum " + uuid.uuid4().hex[:6]
        starts = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 86400))
        # Dora, a colleague not on the case, plans it: the invited node hears, and so do
        # Anna (responsible) and Ben (standing in for her today); Dora does not.
        r = dora.api.post(f"/v1/cases/{case['id']}/conferences", json={
            "starts_at": starts, "place": place, "agenda": agenda,
            "participant_node_ids": [SCHULDNER, JUGENDAMT]})
        assert r.status_code == 201, r.text
        conf = r.json()
        subject = f"pnet: 1 Einladung, Änderung oder Absage einer Fallkonferenz von {node_name}"
        for address in (to_beratung, to_anna, to_ben):
            got = receiver.wait(address, 1)
            assert [m.subject for m in got] == [subject], address
        assert f"1 case conference invitation, change or cancellation from {node_name}" in \
            receiver.to(to_beratung)[0].text
        # A change: everyone invited, and the case's team, hear again.
        r = dora.api.patch(f"/v1/conferences/{conf['id']}", json={"place": place + " b"},
                           headers={"If-Match": f'"{conf["version"]}"'})
        assert r.status_code == 200, r.text
        conf = r.json()
        for address in (to_beratung, to_anna, to_ben):
            assert len(receiver.wait(address, 2)) == 2, address
        # A decision tells nobody by e-mail.
        r = dora.api.post(f"/v1/conferences/{conf['id']}/decisions", json={"text": agenda})
        assert r.status_code == 201, r.text
        # Anna, back at her desk, cancels it: the invited node and Ben hear, Anna does not.
        r = anna.api.patch(f"/v1/conferences/{conf['id']}", json={"status": "cancelled"})
        assert r.status_code == 200, r.text
        for address in (to_beratung, to_ben):
            assert len(receiver.wait(address, 3)) == 3, address
        time.sleep(1.5)
        assert len(receiver.to(to_anna)) == 2
        assert receiver.to(to_dora) == [] and receiver.to(to_sucht) == []
        assert receiver.to(to_jugendamt) == []  # invited, but did not choose the kind
        kinds = world.db.execute("SELECT kind, count(*) FROM email_notice GROUP BY kind"
                                 " ORDER BY kind").fetchall()
        assert kinds == [("conference", 8)]
        mails = [m for a in (to_beratung, to_anna, to_ben) for m in receiver.to(a)]
        everything = " ".join(m.subject + "\n" + m.text + "\n" + m.raw.decode("ascii")
                              for m in mails)
        for secret in [agenda, place, case["reference"], case["id"], conf["id"], anna.name,
                       ben.name, dora.name, "Mustermann"]:
            assert secret not in everything, f"an e-mail holds {secret!r}"
    finally:
        receiver.stop()


def test_an_smtp_outage_delays_emails_and_each_arrives_exactly_once(world, certificate):
    receiver = SmtpReceiver(*certificate).start()
    server = world.pnetd(*smtp_options(receiver, ca=certificate[0]))
    beratung = world.login(server, "schuldnerberatung")
    address = world.wants(beratung, ["new_referral"])
    jobcenter = world.login(server, "jobcenter")
    receiver.stop()
    try:
        for _ in range(4):
            new_referral(jobcenter)
        # Attempts fail meanwhile, and say why.
        deadline = time.monotonic() + 15
        error = None
        while time.monotonic() < deadline and not error:
            error = world.db.execute("SELECT last_error FROM email_outgoing WHERE recipient = %s"
                                     " AND last_error IS NOT NULL", (address,)).fetchone()
            time.sleep(0.2)
        assert error, "no failed attempt was recorded while the SMTP server was down"
        assert "SMTP" in error[0]
        for _ in range(2):
            new_referral(jobcenter)
        assert receiver.to(address) == []
    finally:
        receiver.start()
    try:
        deadline = time.monotonic() + 30
        counted = 0
        while time.monotonic() < deadline and counted < 6:
            counted = sum(int(m.subject.split(": ", 1)[1].split(" ")[0])
                          for m in receiver.to(address))
            time.sleep(0.2)
        time.sleep(1.5)  # anything sent twice would arrive meanwhile
        got = receiver.to(address)
        counts = [int(m.subject.split(": ", 1)[1].split(" ")[0]) for m in got]
        assert sum(counts) == 6, counts
        assert len({m.message_id for m in got}) == len(got), "an e-mail arrived twice"
        assert world.db.execute("SELECT count(*) FROM email_outgoing WHERE recipient = %s"
                                " AND sent_at IS NULL", (address,)).fetchone()[0] == 0
        assert world.db.execute("SELECT max(attempts) FROM email_outgoing WHERE recipient = %s",
                                (address,)).fetchone()[0] > 1
    finally:
        receiver.stop()


def test_two_pnetd_share_the_queue_and_send_each_email_once(world, certificate):
    receiver = SmtpReceiver(*certificate).start()
    try:
        one = world.pnetd(*smtp_options(receiver, ca=certificate[0]))
        world.pnetd(*smtp_options(receiver, ca=certificate[0]))
        beratung = world.login(one, "schuldnerberatung")
        address = world.wants(beratung, ["new_referral"])
        jobcenter = world.login(one, "jobcenter")
        for _ in range(8):
            new_referral(jobcenter)
        deadline = time.monotonic() + 30
        total = 0
        while time.monotonic() < deadline and total < 8:
            total = sum(int(m.subject.split(": ", 1)[1].split(" ")[0])
                        for m in receiver.to(address))
            time.sleep(0.2)
        time.sleep(1.5)
        got = receiver.to(address)
        assert sum(int(m.subject.split(": ", 1)[1].split(" ")[0]) for m in got) == 8
        assert len({m.message_id for m in got}) == len(got)
    finally:
        receiver.stop()


def test_batching_sends_at_most_one_email_per_account_in_the_window(world, certificate):
    receiver = SmtpReceiver(*certificate).start()
    try:
        server = world.pnetd(*smtp_options(receiver, ca=certificate[0], batch_minutes=60))
        beratung = world.login(server, "schuldnerberatung")
        address = world.wants(beratung, ["new_referral"])
        jobcenter = world.login(server, "jobcenter")
        new_referral(jobcenter)
        assert len(receiver.wait(address, 1)) == 1
        new_referral(jobcenter)
        new_referral(jobcenter)
        time.sleep(2)
        assert len(receiver.to(address)) == 1, "a second e-mail within the batch window"
        # An hour later (the last e-mail's time moved back), the two wait no longer.
        world.db.execute("UPDATE email_outgoing SET created_at = now() - interval '61 minutes'"
                         " WHERE recipient = %s", (address,))
        got = receiver.wait(address, 2)
        assert len(got) == 2
        assert got[1].subject.startswith("pnet: 2 neue Vermittlungen für ")
    finally:
        receiver.stop()


def test_accounts_without_the_kind_or_an_address_get_nothing(world, certificate):
    receiver = SmtpReceiver(*certificate).start()
    try:
        server = world.pnetd(*smtp_options(receiver, ca=certificate[0]))
        beratung = world.login(server, "schuldnerberatung")
        address = world.wants(beratung, ["message"])
        jobcenter = world.login(server, "jobcenter")
        new_referral(jobcenter)
        time.sleep(2)
        assert receiver.to(address) == []
        assert world.db.execute("SELECT count(*) FROM email_notice").fetchone()[0] == 0
    finally:
        receiver.stop()


def test_starttls_required_refuses_a_server_without_it_and_auth_plain_works(world, tmp_path,
                                                                            certificate):
    plain = SmtpReceiver().start()
    try:
        server = world.pnetd(*smtp_options(plain))
        beratung = world.login(server, "schuldnerberatung")
        address = world.wants(beratung, ["new_referral"])
        new_referral(world.login(server, "jobcenter"))
        deadline = time.monotonic() + 15
        error = None
        while time.monotonic() < deadline and not error:
            error = world.db.execute("SELECT last_error FROM email_outgoing"
                                     " WHERE last_error IS NOT NULL").fetchone()
            time.sleep(0.2)
        assert error and "STARTTLS" in error[0], error
        assert plain.to(address) == []
        assert server.stop() == 0
    finally:
        plain.stop()

    secret = tmp_path / "smtp-password"
    secret.write_text("s3cret-Passwort\n")
    guarded = SmtpReceiver(*certificate, user="pnet", password="s3cret-Passwort",
                           port=plain.port).start()
    try:
        world.pnetd(*smtp_options(guarded, ca=certificate[0],
                                  extra=["--smtp-user=pnet", f"--smtp-password-file={secret}"]))
        got = guarded.wait(address, 1)
        assert len(got) == 1 and got[0].tls
        assert guarded.auth_attempts == ["PLAIN"]
    finally:
        guarded.stop()
