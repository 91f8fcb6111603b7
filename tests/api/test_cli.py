"""pnet, the command-line client (clients/cli), driven against a real pnetd.

Each test gets its own XDG_CONFIG_HOME; the binary is the sanitizer build next to PNETD
(<build>/clients/cli/pnet), so a leak or undefined behaviour fails the exit-code checks.
"""

import datetime
import hashlib
import json
import os
import re
import socket
import stat
import subprocess
import uuid

import pytest
from harness import german_date

DEMO_PASSWORD = "neustadt-demo"
NETWORK = "40000000-0000-4000-8000-000000000001"
TARGET_GROUP = "50000000-0000-4000-8000-000000000001"
JOBCENTER = "20000000-0000-4000-8000-000000000002"
SCHULDNER = "20000000-0000-4000-8000-000000000007"
CHAIN = "70000000-0000-4000-8000-000000000001"
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@pytest.fixture(scope="session")
def pnet_exe():
    pnetd = os.environ.get("PNETD")
    assert pnetd, "PNETD is not set: run through ./dev test"
    exe = os.path.join(os.path.dirname(os.path.dirname(pnetd)), "clients", "cli", "pnet")
    assert os.access(exe, os.X_OK), f"{exe} is not built"
    return exe


class Cli:
    """One user of pnet: its own config directory and, by default, the demo server."""

    def __init__(self, exe, home, server):
        self.exe, self.home, self.server = exe, str(home), server
        os.makedirs(self.home, exist_ok=True)

    def run(self, *args, input=None, server=True, timeout=60):
        env = {k: v for k, v in os.environ.items() if not k.startswith("PNET_")}
        env["XDG_CONFIG_HOME"] = self.home
        argv = [self.exe] + (["--server", self.server] if server and self.server else [])
        r = subprocess.run(argv + [str(a) for a in args], input=input, env=env,
                           capture_output=True, text=True, timeout=timeout,
                           stdin=None if input is not None else subprocess.DEVNULL)
        # Sanitizer reports would otherwise hide behind an expected non-zero status.
        assert "Sanitizer" not in r.stderr and "runtime error" not in r.stderr, r.stderr
        return r

    def ok(self, *args, **kw):
        r = self.run(*args, **kw)
        assert r.returncode == 0, f"pnet {' '.join(map(str, args))}: {r.returncode}\n{r.stderr}"
        return r

    def json(self, *args):
        return json.loads(self.ok("--json", *args).stdout)

    def login(self, login, password=DEMO_PASSWORD):
        return self.ok("login", login, "--password-stdin", input=password + "\n")

    @property
    def session_file(self):
        return os.path.join(self.home, "pnet", "session.json")


@pytest.fixture
def user(pnet_exe, demo_pnetd, tmp_path):
    """user(login=None, server=...) -> a Cli of its own, logged in when login is given."""
    made = {}

    def make(login=None, server=None):
        cli = Cli(pnet_exe, tmp_path / f"home-{len(made)}", server or demo_pnetd.base_url)
        if login:
            cli.login(login)
        made[len(made)] = cli
        return cli

    return make


def problem_line(r, title):
    assert r.stderr.startswith(f"pnet: {title}"), r.stderr


# --- session ----------------------------------------------------------------------------

def test_login_whoami_logout(user, demo_db):
    cli = user()
    r = cli.login("jobcenter")
    assert r.stdout.startswith("Logged in to ") and "as jobcenter (caseworker)" in r.stdout
    assert r.stderr == ""
    mode = os.stat(cli.session_file).st_mode
    assert stat.S_IMODE(mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(cli.session_file)).st_mode) == 0o700
    saved = json.load(open(cli.session_file))
    assert saved["server"] == cli.server and saved["login"] == "jobcenter"
    token_hash = hashlib.sha256(saved["token"].encode()).hexdigest()
    row = demo_db.execute("SELECT kind, revoked_at FROM api_token WHERE token_hash = %s",
                          (token_hash,)).fetchone()
    assert row == ("session", None)

    r = cli.ok("whoami", server=False)  # the saved server is used
    assert re.search(r"^login:\s+jobcenter$", r.stdout, re.M)
    assert re.search(r"^role:\s+caseworker$", r.stdout, re.M)
    assert re.search(r"^node:\s+\S", r.stdout, re.M)
    me = cli.json("whoami")
    assert me["account"]["login"] == "jobcenter" and me["token"]["kind"] == "session"
    assert me["account"]["node_id"] == JOBCENTER

    r = cli.ok("logout", server=False)
    assert r.stdout.startswith("Logged out")
    assert "token" not in json.load(open(cli.session_file))
    assert demo_db.execute("SELECT revoked_at IS NOT NULL FROM api_token WHERE token_hash = %s",
                           (token_hash,)).fetchone() == (True,)
    r = cli.run("whoami", server=False)
    assert r.returncode == 1 and "not logged in" in r.stderr and r.stdout == ""


def test_login_json_hides_token(user):
    cli = user()
    r = cli.ok("--json", "login", "schuldnerberatung", "--password-stdin",
               input=DEMO_PASSWORD + "\n")
    answer = json.loads(r.stdout)
    assert "token" not in answer and answer["account"]["login"] == "schuldnerberatung"


def test_login_wrong_password_is_refused(user):
    cli = user()
    r = cli.run("login", "jugendamt", "--password-stdin", input="wrong-password\n")
    assert r.returncode == 1
    assert r.stderr.startswith("pnet: ") and r.stdout == ""
    assert not os.path.exists(cli.session_file)


def test_token_stays_with_its_server(user):
    cli = user("jobcenter")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        other = f"http://127.0.0.1:{s.getsockname()[1]}"
    r = cli.run("--server", other, "whoami", server=False)
    assert r.returncode == 1 and f"not logged in to {other}" in r.stderr


def test_logout_when_logged_out(user):
    r = user().run("logout")
    assert r.returncode == 0 and "not logged in" in r.stderr


# --- the lifecycle of a referral ----------------------------------------------------------

def open_case_with_consent(sender, to=SCHULDNER):
    ref = "CLI-" + uuid.uuid4().hex[:10]
    case_id = sender.ok("case", "open", "--reference", ref, "--target-group",
                        TARGET_GROUP).stdout.strip()
    assert UUID_RE.match(case_id)
    consent = sender.ok("consent", "add", case_id, "--to", to, "--purpose", "Schuldnerberatung",
                        "--purpose-code", "debt_counselling", "--given-on", "2025-01-02",
                        "--evidence", "Formular unterschrieben")
    assert UUID_RE.match(consent.stdout.strip())
    return case_id, ref, consent.stdout.strip()


def test_consent_names_its_purpose_and_basis(user):
    sender = user("jobcenter")
    case_id, _, consent_id = open_case_with_consent(sender)
    [k] = sender.json("consent", "list", case_id)["items"]
    assert (k["id"], k["purpose_code"], k["legal_basis"]) == (
        consent_id, "debt_counselling", "sgbx_67b")
    [row] = [x for x in sender.ok("consent", "list", case_id).stdout.splitlines()
             if x.startswith(consent_id)]
    assert row.split()[-2:] == ["debt_counselling", "sgbx_67b"]
    # without a purpose code nothing is sent; a basis from the list is kept
    r = sender.run("consent", "add", case_id, "--to", SCHULDNER, "--purpose", "x",
                   "--given-on", "2025-01-02", "--evidence", "y")
    assert r.returncode == 2 and "--purpose-code" in r.stderr
    r = sender.run("consent", "add", case_id, "--network", "--purpose", "x", "--purpose-code",
                   "keine", "--given-on", "2025-01-02", "--evidence", "y")
    assert r.returncode == 1 and "purpose_code" in r.stderr
    k2 = sender.ok("consent", "add", case_id, "--network", "--purpose", "Netz", "--purpose-code",
                   "municipal_services", "--basis", "sgbx_67b", "--given-on", "2025-01-02",
                   "--evidence", "y").stdout.strip()
    assert k2 in [x["id"] for x in sender.json("consent", "list", case_id)["items"]]


def test_consent_list_of_a_case_without_consent(user):
    sender = user("jobcenter")
    case_id = sender.ok("case", "open", "--reference", "CLI-" + uuid.uuid4().hex[:10],
                        "--target-group", TARGET_GROUP).stdout.strip()
    r = sender.ok("consent", "list", case_id)
    assert r.stdout == "No consent recorded for this case yet: nobody can be referred.\n"
    assert sender.json("consent", "list", case_id) == {"items": [], "next": None}


def test_referral_lifecycle(user, demo_db):
    sender, receiver = user("jobcenter"), user("schuldnerberatung")
    case_id, ref, _ = open_case_with_consent(sender)
    assert sender.json("case", "show", case_id)["reference"] == ref
    listed = sender.json("case", "list", "--all")
    assert case_id in [c["id"] for c in listed["items"]] and listed["next"] is None

    rid = sender.ok("referral", "create", "--case", case_id, "--to", SCHULDNER,
                    "--reason", "Schulden", "--note", "Bitte um\nTermin", "--urgent").stdout.strip()
    assert UUID_RE.match(rid)
    out = sender.ok("outbox", "--case", case_id)
    assert rid in out.stdout and ref in out.stdout and "urgent" in out.stdout
    assert not any(line.endswith(" ") for line in out.stdout.splitlines())
    sender.ok("handover", rid, "--channel", "phone", "--warm", "--note", "Telefonat mit Klientin")

    inbox = receiver.json("inbox", "--status", "sent", "--all")
    assert rid in [x["id"] for x in inbox["items"]]
    assert rid in receiver.ok("inbox").stdout

    steps = [("receive", [], "received"),
             ("accept", ["--appointment-at", "2030-03-01T09:30:00+01:00"], "accepted"),
             ("start", [], "in_progress"),
             ("complete", ["--outcome", "goal_reached", "--note", "Plan steht"], "completed")]
    for n, (verb, extra, status) in enumerate(steps, start=2):
        r = receiver.ok("referral", verb, rid, *extra)
        assert r.stdout.strip() == f"{rid} {status} (version {n})"
    shown = receiver.json("referral", "show", rid, "--events")
    assert shown["status"] == "completed" and shown["outcome"] == "goal_reached"
    assert [e["to_status"] for e in shown["events"] if e["kind"] == "transition"] == \
        ["received", "accepted", "in_progress", "completed"]
    assert any(e["kind"] == "handover" and e["warm"] for e in shown["events"])
    human = sender.ok("referral", "show", rid, "--events").stdout
    assert re.search(r"^status:\s+completed$", human, re.M) and "phone (warm)" in human
    assert "\nnote:           Bitte um\n                Termin\n" in human  # under the value

    row = demo_db.execute("SELECT status, outcome, version FROM referral WHERE id = %s",
                          (rid,)).fetchone()
    assert row == ("completed", "goal_reached", 5)
    audited = demo_db.execute(
        "SELECT count(*) FROM audit_log WHERE object_id = %s AND action LIKE 'referral.%%'"
        " AND action NOT LIKE '%%read'", (rid,)).fetchone()[0]
    assert audited >= 6  # created, handover and four transitions

    # A terminal referral refuses further moves: 409, the allowed moves listed, nothing written.
    r = receiver.run("referral", "start", rid)
    assert r.returncode == 1 and r.stderr.startswith("pnet: Transition not allowed")
    assert "allowed now: nothing" in r.stderr
    assert demo_db.execute("SELECT version FROM referral WHERE id = %s", (rid,)).fetchone() == (5,)

    sender.ok("case", "close", case_id, "--reason", "goal_reached")
    assert sender.json("case", "show", case_id)["status"] == "closed"


def test_referral_other_moves(user, demo_db):
    sender, receiver = user("jobcenter"), user("schuldnerberatung")
    case_id, _, consent_id = open_case_with_consent(sender)

    def create():
        return sender.ok("referral", "create", "--case", case_id, "--to", SCHULDNER).stdout.strip()

    # waitlist (needs a date), then the sender withdraws
    a = create()
    r = receiver.run("referral", "waitlist", a)
    assert r.returncode == 1 and r.stderr.startswith("pnet: ") and "expected_on" in r.stderr
    receiver.ok("referral", "waitlist", a, "--expected-on", "2031-01-15")
    r = receiver.run("referral", "withdraw", a, "--reason", "other")
    assert r.returncode == 1  # only the sender withdraws
    sender.ok("referral", "withdraw", a, "--reason", "no_longer_needed")
    assert demo_db.execute("SELECT status, status_reason FROM referral WHERE id = %s",
                           (a,)).fetchone() == ("withdrawn", "no_longer_needed")

    # decline with a reason
    b = create()
    sender_try = sender.run("referral", "decline", b, "--reason", "no_capacity")
    assert sender_try.returncode == 1
    receiver.ok("referral", "decline", b, "--reason", "no_capacity")

    # accepted, then the client does not come
    c = create()
    receiver.ok("referral", "accept", c)
    receiver.ok("referral", "dropout", c, "--reason", "no_show")
    assert demo_db.execute("SELECT status FROM referral WHERE id = ANY(%s) ORDER BY status",
                           ([b, c],)).fetchall() == [("declined",), ("dropped_out",)]

    # consent revoked: no new referral to that node
    assert consent_id in sender.ok("consent", "list", case_id).stdout
    sender.ok("consent", "revoke", consent_id)
    r = sender.run("referral", "create", "--case", case_id, "--to", SCHULDNER)
    assert r.returncode == 1 and "to_node_id" in r.stderr


def test_referral_messages(user, demo_db):
    sender, receiver = user("jobcenter"), user("schuldnerberatung")
    case_id, ref, _ = open_case_with_consent(sender)
    rid = sender.ok("referral", "create", "--case", case_id, "--to", SCHULDNER).stdout.strip()
    question = "Gibt es schon einen Termin?\nBitte kurz melden."
    mid = sender.ok("referral", "message", rid, "--text", question).stdout.strip()
    assert UUID_RE.match(mid)

    # The receiver reads the thread: the message shows as new once, then it is read.
    shown = receiver.json("referral", "messages", rid)
    assert [(m["id"], m["text"], m["unread"]) for m in shown["items"]] == [(mid, question, True)]
    assert shown["next"] is None
    assert receiver.json("referral", "messages", rid)["items"][0]["unread"] is False
    receiver.ok("referral", "message", rid, "--text", "Ja: am Montag um 10 Uhr.")
    human = sender.ok("referral", "messages", rid).stdout
    lines = human.splitlines()
    assert lines[0].split() == ["AT", "FROM", "BY", "NEW", "TEXT"]
    assert "Ja: am Montag um 10 Uhr." in human and "Caritas Schuldnerberatung" in human
    assert "Gibt es schon einen Termin?" in human
    new = [line for line in lines[1:] if "Montag" in line]
    assert len(new) == 1 and " new " in new[0]
    assert demo_db.execute("SELECT count(*) FROM referral_message WHERE referral_id = %s",
                           (rid,)).fetchone()[0] == 2

    # A third node gets the same refusal as for an unknown referral; nothing is written.
    r = user("jugendamt").run("referral", "message", rid, "--text", "Hallo")
    assert r.returncode == 1 and r.stderr.startswith("pnet: ")
    r = sender.run("referral", "message", rid)
    assert r.returncode == 2 and "--text" in r.stderr
    assert demo_db.execute("SELECT count(*) FROM referral_message WHERE referral_id = %s",
                           (rid,)).fetchone()[0] == 2


def test_unknown_referral_is_refused(user):
    r = user("jobcenter").run("referral", "show", str(uuid.uuid4()))
    assert r.returncode == 1 and r.stdout == ""
    problem_line(r, "Not found")


# --- directory, chains, statistics --------------------------------------------------------

def test_json_matches_the_api(user, demo):
    cli = user("jobcenter")
    api = demo("jobcenter")
    nodes = cli.json("nodes", "list", "--limit", "500")
    assert nodes["items"] == api.get("/v1/nodes?limit=500").json()["items"]
    services = cli.json("services", "search", "--all")
    assert services["items"] and services["next"] is None
    assert services["items"][0] == api.get("/v1/services").json()["items"][0]
    found = cli.json("services", "search", "schuld")
    assert found["items"] and all(isinstance(s["id"], str) for s in found["items"])
    for args in (["inbox"], ["outbox", "--all"], ["case", "list"], ["whoami"]):
        cli.json(*args)  # parseable


def display_width(s):
    return sum(2 if 0x1100 <= ord(ch) <= 0x115F or 0x2E80 <= ord(ch) <= 0xA4CF
               or 0xAC00 <= ord(ch) <= 0xD7A3 else 1 for ch in s)


def test_tables_are_aligned(user):
    out = user("jobcenter").ok("nodes", "list", "--limit", "500").stdout.splitlines()
    assert out[0].split() == ["ID", "NAME", "KIND", "DISTRICT", "ACTIVE"]
    assert len(out) > 5 and any(re.search("[äöüÄÖÜß]", line) for line in out)
    starts = None
    for line in out:
        cols = re.split(r"(?<=\S)  +", line)
        assert len(cols) == 5, line
        # The display column where each cell starts must be the same on every line.
        pos, acc = [], 0
        rest = line
        for cell in cols:
            i = rest.index(cell)
            acc += display_width(rest[:i])
            pos.append(acc)
            acc += display_width(cell)
            rest = rest[i + len(cell):]
        starts = starts or pos
        assert pos == starts, line
    assert not any(line.endswith(" ") for line in out)


def test_chain_export_and_reimport(user, demo_db, tmp_path):
    coord = user("koordination")
    exported = coord.ok("chain", "export", CHAIN).stdout
    doc = json.loads(exported)
    assert doc["format"] == "pnet-chain/1" and doc["target_group_id"] == TARGET_GROUP
    assert doc["steps"] and doc["edges"]
    path = tmp_path / "chain.json"
    path.write_text(exported)

    name = "Kopie " + uuid.uuid4().hex[:8]
    r = coord.ok("chain", "import", NETWORK, path, "--name", name, "--publish")
    new_id = r.stdout.strip()
    assert UUID_RE.match(new_id) and "published" in r.stderr
    again = json.loads(coord.ok("chain", "export", new_id).stdout)
    assert again["name"] == name and again["source"]["status"] == "published"
    assert again["steps"] == doc["steps"] and again["edges"] == doc["edges"]
    assert again["target_group_id"] == doc["target_group_id"]
    assert demo_db.execute("SELECT count(*) FROM chain_version WHERE chain_id = %s AND"
                           " status = 'published'", (new_id,)).fetchone() == (1,)
    listed = coord.json("chain", "list", NETWORK)
    assert new_id in [c["id"] for c in listed["items"]]

    # the same name again: refused, and no second chain was made
    r = coord.run("chain", "import", NETWORK, path, "--name", name)
    assert r.returncode == 1
    assert demo_db.execute("SELECT count(*) FROM chain WHERE name = %s",
                           (name,)).fetchone() == (1,)

    # a caseworker's case can be enrolled in the published copy
    jc = user("jobcenter")
    case_id, _, _ = open_case_with_consent(jc)
    jc.ok("case", "enrol", case_id, "--chain", new_id)
    assert jc.json("case", "show", case_id)["chain_id"] == new_id


def test_chain_import_refuses_bad_files(user, tmp_path):
    coord = user("koordination")
    bad = tmp_path / "bad.json"
    bad.write_text('{"steps": []}')
    r = coord.run("chain", "import", NETWORK, bad)
    assert r.returncode == 2 and "not a pnet chain export" in r.stderr
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    r = coord.run("chain", "import", NETWORK, broken)
    assert r.returncode == 2 and "broken.json" in r.stderr


def test_stats_funnel(user, demo):
    cli = user("koordination")
    funnel = cli.json("stats", "funnel", CHAIN, "--since", "2024-01-01")
    # The CLI shows exactly what the API answers for the same period.
    assert funnel == demo("koordination").get(f"/v1/chains/{CHAIN}/stats/funnel",
                                              params={"since": "2024-01-01"}).json()
    assert funnel["chain_id"] == CHAIN and funnel["steps"]
    for step in funnel["steps"]:
        assert {"key", "name", "referred", "accepted", "started", "completed", "declined",
                "dropped_out", "median_days_to_accept", "median_days_to_start",
                "overdue_now"} <= set(step)
    human = cli.ok("stats", "funnel", CHAIN).stdout.splitlines()
    assert human[1].split()[:3] == ["STEP", "REFERRED", "ACCEPTED"]
    # one row per step, after the title and the header line
    names = [s["name"] for s in funnel["steps"]]
    assert all(any(line.startswith(n[:20]) or n[:20] in line for line in human[2:])
               for n in names)


def test_stats_report(user, demo):
    cli = user("koordination")
    period = {"since": "2024-01-01", "until": "2030-01-01"}
    report = cli.json("stats", "report", NETWORK, "--since", period["since"], "--until",
                      period["until"], "--target-group", TARGET_GROUP)
    # The CLI shows exactly what the API answers for the same period and filter.
    assert report == demo("koordination").get(f"/v1/networks/{NETWORK}/report",
                                              params=period | {"target_group": TARGET_GROUP}).json()
    assert report["current"]["totals"]["referred"] > 0
    hidden = cli.json("stats", "report", NETWORK, "--since", period["since"], "--until",
                      period["until"], "--suppressed")
    assert hidden["suppressed"] is True
    human = cli.ok("stats", "report", NETWORK, "--since", period["since"], "--until",
                   period["until"], "--suppressed").stdout.splitlines()
    assert human[0].startswith("Produktionsnetzwerk Neustadt, 2024-01-01 to 2030-01-01")
    assert human[1].split() == ["FIGURE", "PERIOD", "BEFORE"]
    referred = hidden["current"]["totals"]["referred"]
    assert human[2].split() == ["referred", "x" if referred is None else str(referred), "0"]
    providers = [p["name"] for p in hidden["current"]["outcomes_by_provider"]]
    assert any(line.startswith("PROVIDER") for line in human)
    assert all(any(n[:30] in line for line in human) for n in providers)
    r = cli.run("stats", "report", NETWORK, "--since", "2024-01-01")
    assert r.returncode == 2 and "--until" in r.stderr


def test_hsds_export(user, demo, tmp_path):
    out = tmp_path / "hsds"
    r = user("koordination").ok("hsds", "export", out)
    assert r.stdout.startswith(f"Wrote {out}/hsds.json")
    whole = json.load(open(out / "hsds.json"))
    assert whole == demo("koordination").get("/v1/hsds/export").json()
    for name in ("organizations", "locations", "services", "service_at_locations"):
        assert json.load(open(out / f"{name}.json")) == whole[name]
    # caseworkers may not export: refused
    r = user("jobcenter").run("hsds", "export", tmp_path / "nope")
    assert r.returncode == 1 and r.stderr.startswith("pnet: ")


# --- exit codes and bad arguments ---------------------------------------------------------

def test_help(pnet_exe, tmp_path):
    cli = Cli(pnet_exe, tmp_path, None)
    r = cli.ok("help")
    assert "pnet referral accept ID" in r.stdout and "Exit codes" in r.stdout
    r = cli.ok("referral", "decline", "--help")
    assert r.stdout.startswith("usage: pnet referral decline ID --reason REASON")
    # open, list, hand-over, show, close, enrol, export, erase
    assert cli.ok("help", "case").stdout.count("usage: pnet case") == 8
    assert cli.ok("help", "contract").stdout.count("usage: pnet contract") == 2
    # add, list, remove; add, list, move, done
    assert cli.ok("help", "absence").stdout.count("usage: pnet absence") == 3
    assert cli.ok("help", "follow-up").stdout.count("usage: pnet follow-up") == 4
    assert cli.ok("--version").stdout.startswith("pnet ")


def test_help_lists_the_vocabulary_of_the_library(pnet_exe, tmp_path, demo):
    """The lists a help text ends with (statuses, reasons, outcomes, channels) come from
    lib/referral.c, as GET /v1/vocabulary does: a status or reason added there reaches the
    help without editing the CLI."""
    v = demo("jobcenter").get("/v1/vocabulary").json()
    cli = Cli(pnet_exe, tmp_path, None)

    def listed(args, label):
        lines = [ln for ln in cli.ok(*args, "--help").stdout.splitlines()
                 if ln.startswith(label + ":")]
        assert len(lines) == 1, (args, label)
        return lines[0].split(":", 1)[1].strip().split(", ")

    statuses = [s["status"] for s in v["statuses"]]
    assert listed(["inbox"], "Statuses") == statuses
    assert listed(["outbox"], "Statuses") == statuses
    for m in v["moves"]:
        if "reason" in m and m["command"]:
            assert listed(["referral", m["command"]], "Reasons") == m["reason"]["codes"]
    assert listed(["referral", "complete"], "Outcomes") == v["outcomes"]
    assert listed(["handover"], "Channels") == v["channels"]


def test_cannot_connect(pnet_exe, tmp_path):
    cli = Cli(pnet_exe, tmp_path, None)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nobody listens there
    r = cli.run("--server", f"http://127.0.0.1:{port}", "login", "x", "--password-stdin",
                input="pw\n")
    assert r.returncode == 3 and "Connection refused" in r.stderr
    r = cli.run("--server", "http://no-such-host.invalid", "login", "x", "--password-stdin",
                input="pw\n")
    assert r.returncode == 3 and "cannot resolve" in r.stderr
    with socket.socket() as s:  # listens, never answers
        s.bind(("127.0.0.1", 0))
        s.listen(4)
        r = cli.run("--server", f"http://127.0.0.1:{s.getsockname()[1]}", "--timeout", "1",
                    "login", "x", "--password-stdin", input="pw\n")
    assert r.returncode == 3 and "timed out" in r.stderr


@pytest.mark.parametrize("args", [
    [],
    ["frobnicate"],
    ["referral"],
    ["referral", "fly", str(uuid.uuid4())],
    ["referral", "accept"],
    ["referral", "accept", "not-a-uuid"],
    ["referral", "accept", str(uuid.uuid4()), "extra"],
    ["referral", "accept", str(uuid.uuid4()), "--outcome"],
    ["referral", "create", "--case", str(uuid.uuid4())],
    ["handover", str(uuid.uuid4())],
    ["referral", "message", str(uuid.uuid4())],
    ["referral", "messages", "not-a-uuid"],
    ["inbox", "--bogus"],
    ["inbox", "--all=yes"],
    ["case", "close", str(uuid.uuid4())],
    ["consent", "add", str(uuid.uuid4()), "--to", str(uuid.uuid4()), "--network",
     "--purpose", "x", "--purpose-code", "housing", "--given-on", "2025-01-01",
     "--evidence", "y"],
    ["consent", "add", str(uuid.uuid4()), "--to", str(uuid.uuid4()),
     "--purpose", "x", "--given-on", "2025-01-01", "--evidence", "y"],
    ["chain", "export", CHAIN, "--version", "0"],
    ["chain", "import", NETWORK],
    ["nodes", "list", "--active", "maybe"],
    ["--timeout", "0", "whoami"],
    ["--server", "ftp://example.org", "whoami"],
])
def test_bad_arguments(user, args):
    cli = user("jobcenter")
    r = cli.run(*args)
    assert r.returncode == 2, (args, r.stdout, r.stderr)
    assert r.stdout == "" and r.stderr


def test_tls_with_cacert(pnet_exe, pnetd_factory, admin, tmp_path):
    from conftest import ADMIN_LOGIN, ADMIN_PASSWORD
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", str(key), "-out", str(cert)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    server = pnetd_factory(f"--tls-cert={cert}", f"--tls-key={key}", wait=False)
    server.wait_for_log(lambda x: x.get("msg") == "listening", timeout=30)
    url = f"https://127.0.0.1:{server.port}"
    cli = Cli(pnet_exe, tmp_path / "home", url)
    r = cli.run("login", ADMIN_LOGIN, "--password-stdin", input=ADMIN_PASSWORD + "\n")
    assert r.returncode == 3 and "certificate verify failed" in r.stderr
    cli.ok("--cacert", cert, "login", ADMIN_LOGIN, "--password-stdin",
           input=ADMIN_PASSWORD + "\n")
    assert cli.json("--cacert", cert, "whoami")["account"]["login"] == ADMIN_LOGIN
    # The certificate names 127.0.0.1, not localhost.
    other = Cli(pnet_exe, tmp_path / "home2", f"https://localhost:{server.port}")
    r = other.run("--cacert", cert, "login", ADMIN_LOGIN, "--password-stdin",
                  input=ADMIN_PASSWORD + "\n")
    assert r.returncode == 3 and "certificate verify failed" in r.stderr


def test_case_export_and_erase(user, demo_db):
    sender = user("jobcenter")
    case_id, ref, _ = open_case_with_consent(sender)
    exported = json.loads(sender.ok("case", "export", case_id).stdout)
    assert exported["case"]["reference"] == ref and len(exported["consents"]) == 1
    assert "case.create" in [a["action"] for a in exported["audit"]]
    r = sender.run("case", "erase", case_id)
    assert r.returncode == 2 and "--yes" in r.stderr
    r = sender.ok("case", "erase", case_id, "--yes")
    assert r.stdout == f"{case_id} erased (0 referrals kept as anonymous statistics)\n"
    assert demo_db.execute("SELECT count(*) FROM client_case WHERE id = %s",
                           (case_id,)).fetchone() == (0,)


def test_contract_list_and_use(user, demo):
    ko = demo("koordination")
    code = "cli-" + uuid.uuid4().hex[:8]
    src = ko.post("/v1/networks/40000000-0000-4000-8000-000000000001/funding-sources",
                  json={"code": code, "name": "CLI Testquelle"}).json()
    today = german_date()
    start = datetime.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1).isoformat()
    service = "30000000-0000-4000-8000-000000000017"
    k = ko.post(f"/v1/services/{service}/contracts", json={
        "network_id": "40000000-0000-4000-8000-000000000001", "funding_source_id": src["id"],
        "period": "quarter", "period_start": start, "places": 7})
    assert k.status_code == 201, k.text
    r = user("jobcenter").ok("contract", "list", service)
    line = next(x for x in r.stdout.splitlines() if x.startswith(k.json()["id"]))
    assert line.split()[1:] == ["quarter", start, "hard", "7", "0", "7"]
    use = user("koordination").json("contract", "use", "40000000-0000-4000-8000-000000000001")
    assert k.json()["id"] in [i["id"] for i in use["items"]]
    r = user("koordination").ok("contract", "use", "40000000-0000-4000-8000-000000000001")
    assert "CLI Testquelle" in r.stdout


# --- responsibility and follow-ups ----------------------------------------------------------

def test_hand_over_and_follow_ups(user):
    # The demo's colleague in the same team (schema/demo/02_accounts.sql).
    colleague_id, name = ("60000000-0000-4000-8000-000000000010",
                          "Jobcenter Neustadt, Team Alleinerziehende (Kollegin)")
    sender = user("jobcenter")
    case_id = sender.ok("case", "open", "--reference", "CLI-" + uuid.uuid4().hex[:10],
                        "--target-group", TARGET_GROUP).stdout.strip()
    assert colleague_id in sender.ok("colleagues").stdout  # the long name is cut to fit
    due = german_date(2).isoformat()
    fid = sender.ok("follow-up", "add", case_id, "--on", due, "--reason",
                    "Bescheid nachfragen").stdout.strip()
    assert UUID_RE.match(fid)
    mine = sender.ok("follow-up", "list", "--all").stdout
    assert fid in mine and "Bescheid nachfragen" in mine
    assert fid not in sender.ok("follow-up", "list", "--due", "due", "--all").stdout

    out = sender.ok("case", "hand-over", case_id, "--to", colleague_id).stdout
    assert out == f"{case_id}: {name} is responsible\n"
    assert case_id not in [c["id"] for c in sender.json("case", "list", "--all")["items"]]
    assert case_id in [c["id"] for c in sender.json("case", "list", "--node", "--all")["items"]]

    colleague = user("jobcenter-kollegin")
    assert case_id in [c["id"] for c in colleague.json("case", "list", "--all")["items"]]
    assert fid in [f["id"] for f in colleague.json("follow-up", "list", "--all")["items"]]
    assert colleague.ok("follow-up", "done", fid).stdout == f"{fid} done\n"
    [f] = colleague.json("follow-up", "list", "--case", case_id)["items"]
    assert (f["state"], f["done_by"]["display_name"]) == ("done", name)

    # Bad usage sends nothing; the server's refusal is exit code 1.
    assert sender.run("follow-up", "add", case_id, "--on", due).returncode == 2
    assert sender.run("case", "hand-over", case_id, "--to", "someone").returncode == 2
    assert sender.run("follow-up", "list", "--case", case_id, "--node").returncode == 2
    r = sender.run("follow-up", "add", case_id, "--on", "2000-01-01", "--reason", "x")
    assert r.returncode == 1


def test_absence_follow_up_move_and_naming_who_takes_a_transfer(user, demo_db):
    def day(n):
        return german_date(n).isoformat()
    jobcenter, colleague_id = user("jobcenter"), "60000000-0000-4000-8000-000000000010"
    # An absence (in a month, so today's routing stays as it is) with the demo colleague
    # standing in; listed, then taken back.
    out = jobcenter.ok("absence", "add", "--from", day(30), "--until", day(34),
                       "--stand-in", colleague_id).stdout
    absence_id = out.split(":")[0]
    assert UUID_RE.match(absence_id)
    assert out == (f"{absence_id}: absent {day(30)} to {day(34)}, "
                   "Jobcenter Neustadt, Team Alleinerziehende (Kollegin) stands in\n")
    listed = jobcenter.ok("absence", "list").stdout
    assert absence_id in listed and "Team Alleinerziehende" in listed
    r = jobcenter.run("absence", "add", "--from", day(32), "--until", day(40),
                      "--stand-in", colleague_id)
    assert r.returncode == 1 and "already marked absent" in r.stderr
    assert jobcenter.run("absence", "add", "--from", day(1), "--until", day(2)).returncode == 2
    assert jobcenter.ok("absence", "remove", absence_id).stdout == f"{absence_id} removed\n"
    assert absence_id not in jobcenter.ok("absence", "list").stdout
    assert jobcenter.run("absence", "remove", absence_id).returncode == 1

    # A follow-up moved to another day.
    case_id, _, _ = open_case_with_consent(jobcenter)
    fid = jobcenter.ok("follow-up", "add", case_id, "--on", day(1), "--reason",
                       "Unterlagen").stdout.strip()
    assert jobcenter.ok("follow-up", "move", fid, "--on", day(9)).stdout == \
        f"{fid} due on {day(9)}\n"
    [f] = jobcenter.json("follow-up", "list", "--case", case_id)["items"]
    assert f["due_on"] == day(9)
    assert jobcenter.run("follow-up", "move", fid).returncode == 2
    assert jobcenter.run("follow-up", "move", fid, "--on", day(-3)).returncode == 1

    # A transfer: the receiver names who takes the case on when accepting it (a caseworker
    # of its own node only); when it completes, that person is responsible.
    receiver = user("schuldnerberatung")
    own = "60000000-0000-4000-8000-000000000004"
    rid = jobcenter.ok("referral", "create", "--case", case_id, "--to", SCHULDNER,
                       "--kind", "transfer").stdout.strip()
    r = receiver.run("referral", "accept", rid, "--responsible", colleague_id)
    assert r.returncode == 1 and "Not an active caseworker of your node" in r.stderr
    assert receiver.run("referral", "accept", rid, "--responsible", "jemand").returncode == 2
    receiver.ok("referral", "accept", rid, "--responsible", own)
    assert demo_db.execute("SELECT account_id::text FROM transfer_responsible"
                           " WHERE referral_id = %s", (rid,)).fetchone() == (own,)
    receiver.ok("referral", "start", rid)
    receiver.ok("referral", "complete", rid, "--outcome", "goal_reached")
    taken = receiver.json("case", "show", case_id)
    assert taken["access"] == "owner" and taken["responsible"]["id"] == own


def test_referral_link_send_and_revoke(user, demo_db):
    """A receiver without accounts (the demo's Kita-Platz-Vermittlung) answers by link: the
    sender sends a new one and revokes it from the command line."""
    kita = "20000000-0000-4000-8000-000000000009"
    sender = user("jobcenter")
    case_id, _, _ = open_case_with_consent(sender, to=kita)
    rid = sender.ok("referral", "create", "--case", case_id, "--to", kita).stdout.strip()
    first = demo_db.execute("SELECT id FROM referral_link WHERE referral_id = %s",
                            (rid,)).fetchone()
    assert first, "a referral to a node without accounts sends a link itself"
    r = sender.ok("referral", "link", "send", rid)
    assert re.fullmatch(r"Link sent to kitavermittlung@awo-neustadt\.example\.org, valid until"
                        r" \S+\.\n", r.stdout), r.stdout
    rows = demo_db.execute("SELECT id, revoked_at IS NOT NULL FROM referral_link"
                           " WHERE referral_id = %s ORDER BY created_at", (rid,)).fetchall()
    assert [revoked for _, revoked in rows] == [True, False] and rows[0][0] == first[0]
    assert sender.json("referral", "show", rid)["link"]["state"] == "live"
    r = sender.ok("referral", "link", "revoke", rid)
    assert r.stdout == "Link to kitavermittlung@awo-neustadt.example.org revoked.\n"
    assert sender.json("referral", "show", rid)["link"]["state"] == "revoked"
    r = sender.run("referral", "link", "revoke", rid)
    assert r.returncode == 1 and r.stderr.startswith("pnet: ")
    assert sender.run("referral", "link", "resend", rid).returncode == 2
    assert sender.run("referral", "link", "send", "not-an-id").returncode == 2
    # The receiver's side has no such command to give: another node is refused.
    other = user("schuldnerberatung")
    assert other.run("referral", "link", "send", rid).returncode == 1
