"""pnet conference list|show|create|decide|refer|cancel against the demo server: plan a case
conference, record a decision, refer from it, and see it as an invited node that no consent
covers (the decision is there, its text is not)."""
import uuid

from test_cli import SCHULDNER, UUID_RE, open_case_with_consent, pnet_exe, user  # noqa: F401

JUGENDAMT = "20000000-0000-4000-8000-000000000005"
DECISION = "Schuldnerberatung zuerst"


def test_conference_create_decide_refer_and_list(user, demo_db):
    jc = user("jobcenter")
    case_id, ref, _ = open_case_with_consent(jc)
    conf = jc.ok("conference", "create", case_id, "--at", "2030-03-12T10:00:00+01:00",
                 "--with", f"{SCHULDNER},{JUGENDAMT}", "--place", "Jobcenter, Raum 2.14",
                 "--agenda", "Schulden").stdout.strip()
    assert UUID_RE.match(conf)
    decision = jc.ok("conference", "decide", conf, "--text", DECISION).stdout.strip()
    assert UUID_RE.match(decision)
    referral = jc.ok("conference", "refer", conf, "--decision", decision, "--to", SCHULDNER,
                     "--reason", "Beschluss").stdout.strip()
    assert UUID_RE.match(referral)
    linked = demo_db.execute("SELECT decision_id::text FROM conference_decision_referral"
                             " WHERE referral_id = %s", (referral,)).fetchone()
    assert linked == (decision,)

    shown = jc.ok("conference", "show", conf).stdout
    assert DECISION in shown and "Caritas Schuldnerberatung" in shown and referral in shown
    listed = jc.json("conference", "list", "--case", case_id)
    assert [f["id"] for f in listed["items"]] == [conf]
    assert ref in jc.ok("conference", "list", "--case", case_id).stdout

    # Invited, but no consent covers the Jugendamt: the decision exists, its text is withheld.
    other = user("jugendamt")
    seen = other.ok("conference", "show", conf).stdout
    assert DECISION not in seen and "text withheld" in seen and "agenda is withheld" in seen

    # A referral the rules refuse is refused here too (no consent for the Jugendamt).
    r = jc.run("conference", "refer", conf, "--decision", decision, "--to", JUGENDAMT)
    assert r.returncode == 1 and "consent" in r.stderr.lower()

    assert jc.ok("conference", "cancel", conf).stdout.strip() == f"{conf} cancelled"
    assert jc.json("conference", "show", conf)["status"] == "cancelled"


def test_conference_usage_errors_send_nothing(user):
    jc = user("jobcenter")
    case_id = str(uuid.uuid4())
    for args in (["conference", "create", case_id, "--at", "2030-01-01T10:00:00Z",
                  "--place", "x"],
                 ["conference", "create", case_id, "--at", "2030-01-01T10:00:00Z",
                  "--with", SCHULDNER],
                 ["conference", "create", case_id, "--at", "2030-01-01T10:00:00Z",
                  "--with", "not-a-node", "--place", "x"],
                 ["conference", "decide", case_id],
                 ["conference", "refer", case_id, "--to", SCHULDNER]):
        r = jc.run(*args)
        assert r.returncode == 2, (args, r.stderr)
