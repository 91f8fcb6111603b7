"""GET /v1/audit: who may read the log, the filters alone and combined, a pagination walk,
and that the rows written by the other modules carry request id and client address."""

import uuid

from checks import assert_problem, error_fields, new_login
from harness import Api
from referral_support import SCHULDNER, consent, open_case, refer

ADMIN_ID = "60000000-0000-4000-8000-000000000001"
U25_NODE = "20000000-0000-4000-8000-000000000001"
JOBCENTER_ACCOUNT = "60000000-0000-4000-8000-000000000003"
PASSWORD = "twelve-chars-ok"


def audit_count(db):
    return db.execute("SELECT count(*) FROM audit_log").fetchone()[0]


def new_account(admin, role="auditor", **extra):
    body = {"login": new_login("audit"), "display_name": "Audit test", "role": role,
            "password": PASSWORD, "must_change_password": False, **extra}
    r = admin.post("/v1/accounts", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def rename(client, account_id, name):
    r = client.patch(f"/v1/accounts/{account_id}", json={"display_name": name})
    assert r.status_code == 200, r.text


def walk(client, params, limit):
    """Every item of a filtered listing, page by page; also returns the page sizes."""
    items, sizes, after = [], [], None
    while True:
        q = dict(params, limit=limit)
        if after:
            q["after"] = after
        r = client.get("/v1/audit", params=q)
        assert r.status_code == 200, r.text
        page = r.json()
        items += page["items"]
        sizes.append(len(page["items"]))
        after = page["next"]
        if not after:
            return items, sizes


def test_who_may_read(demo, demo_db):
    for login in ("admin", "auditor"):
        r = demo(login).get("/v1/audit", params={"limit": 1})
        assert r.status_code == 200, r.text
        assert set(r.json()) == {"items", "next"} and len(r.json()["items"]) == 1
    others = [demo(login) for login in ("koordination", "jobcenter", "schuldnerberatung",
                                        "jugendamt", "jobcenter-u25")]   # logged in first
    before = audit_count(demo_db)
    for other in others:
        assert_problem(other.get("/v1/audit"), 403, "forbidden")
    assert_problem(demo(None).get("/v1/audit"), 401, "unauthorized")
    # A caseworker's account gets no token with audit:read (its role does not read the log);
    # a token with a scope it may hold does not reach the log either.
    r = demo("admin").post(f"/v1/accounts/{JOBCENTER_ACCOUNT}/tokens",
                           json={"label": "audit test", "scopes": ["audit:read"]})
    assert error_fields(assert_problem(r, 422, "validation")) == ["scopes[0]"]
    token = demo("admin").post(f"/v1/accounts/{JOBCENTER_ACCOUNT}/tokens",
                               json={"label": "audit test", "scopes": ["cases:read"]})
    assert token.status_code == 201, token.text
    client = demo(None).as_token(token.json()["token"])
    assert_problem(client.get("/v1/audit"), 403, "forbidden")
    assert audit_count(demo_db) == before + 1      # the token's creation, nothing else
    # Reading the log writes nothing.
    before = audit_count(demo_db)
    demo("auditor").get("/v1/audit")
    assert audit_count(demo_db) == before


def test_entries_carry_request_and_client(demo, demo_db):
    admin = demo("admin")
    r = admin.post("/v1/accounts", headers={"X-Request-Id": "audit-create-1"},
                   json={"login": new_login("audit"), "display_name": "Audit test",
                         "role": "auditor", "password": PASSWORD})
    assert r.status_code == 201, r.text
    acc = r.json()
    items = demo("auditor").get("/v1/audit", params={"object_id": acc["id"]}).json()["items"]
    assert len(items) == 1
    entry = items[0]
    assert set(entry) == {"id", "at", "account_id", "account_login", "account_name", "node_id",
                          "node_name", "action", "object_type", "object_id", "case_id",
                          "case_reference", "request_id", "client_addr", "detail"}
    assert entry["account_name"] == demo_db.execute(
        "SELECT display_name FROM account WHERE id = %s", (ADMIN_ID,)).fetchone()[0]
    assert (entry["node_name"], entry["case_id"], entry["case_reference"]) == (None, None, None)
    assert {k: entry[k] for k in ("account_id", "account_login", "node_id", "action",
                                  "object_type", "object_id", "request_id", "client_addr",
                                  "detail")} == {
        "account_id": ADMIN_ID, "account_login": "admin", "node_id": None,
        "action": "account.create", "object_type": "account", "object_id": acc["id"],
        "request_id": "audit-create-1", "client_addr": "127.0.0.1",
        "detail": {"login": acc["login"], "role": "auditor"}}

    # Reads of a referral's and a case's detail are audited with the reader's node.
    u25 = demo("jobcenter-u25")
    referral = "82000000-0000-4000-8000-000000000008"
    case = "80000000-0000-4000-8000-000000000003"
    assert u25.get(f"/v1/referrals/{referral}", headers={"X-Request-Id": "audit-read-1"}
                   ).status_code == 200
    assert u25.get(f"/v1/cases/{case}", headers={"X-Request-Id": "audit-read-2"}
                   ).status_code == 200
    for object_id, action, request_id in ((referral, "referral.read", "audit-read-1"),
                                          (case, "case.read", "audit-read-2")):
        newest = admin.get("/v1/audit", params={"object_id": object_id, "limit": 1}
                           ).json()["items"][0]
        assert (newest["action"], newest["request_id"], newest["client_addr"],
                newest["node_id"], newest["account_login"]) == (
            action, request_id, "127.0.0.1", U25_NODE, "jobcenter-u25")

    # Every row any module has written in this session so far says where it came from.
    missing = demo_db.execute(
        "SELECT action, count(*) FROM audit_log"
        " WHERE request_id IS NULL OR client_addr IS NULL GROUP BY action").fetchall()
    assert missing == []


def test_filters(demo, demo_db, demo_pnetd):
    admin = demo("admin")
    target = new_account(admin)
    for i in range(3):
        rename(admin, target["id"], f"Audit test {i}")
    other_admin = new_account(admin, role="admin")
    client = Api(demo_pnetd.base_url)
    client.login(other_admin["login"], PASSWORD)
    created = new_account(client)
    rename(client, target["id"], "Audit test by another admin")
    auditor = demo("auditor")

    def listing(**params):
        r = auditor.get("/v1/audit", params=dict(params, limit=500))
        assert r.status_code == 200, r.text
        return r.json()["items"]

    on_target = listing(object_id=target["id"])
    assert [(e["action"], e["account_id"]) for e in on_target] == (
        [("account.update", other_admin["id"])] + [("account.update", ADMIN_ID)] * 3
        + [("account.create", ADMIN_ID)])
    assert all(e["object_id"] == target["id"] for e in on_target)
    # Newest first, by (at, id).
    keys = [(e["at"], e["id"]) for e in on_target]
    assert keys == sorted(keys, reverse=True) and len(set(keys)) == len(keys)

    by_other = listing(account_id=other_admin["id"])
    assert [(e["action"], e["object_id"]) for e in by_other] == [
        ("account.update", target["id"]), ("account.create", created["id"]),
        ("auth.login", by_other[2]["object_id"])]
    assert by_other[2]["object_type"] == "api_token"

    both = listing(object_id=target["id"], account_id=other_admin["id"])
    assert [e["id"] for e in both] == [on_target[0]["id"]]

    # since is inclusive, until exclusive; both together make a window.
    middle = on_target[2]   # the second rename by admin
    assert [e["id"] for e in listing(object_id=target["id"], since=middle["at"])] == \
        [e["id"] for e in on_target[:3]]
    assert [e["id"] for e in listing(object_id=target["id"], until=middle["at"])] == \
        [e["id"] for e in on_target[3:]]
    assert [e["id"] for e in listing(object_id=target["id"], since=on_target[3]["at"],
                                     until=on_target[1]["at"])] == \
        [on_target[2]["id"], on_target[3]["id"]]
    # since alone: every row at or after that instant.
    recent = listing(since=middle["at"])
    assert on_target[0]["id"] in [e["id"] for e in recent]
    assert middle["id"] in [e["id"] for e in recent]
    assert on_target[3]["id"] not in [e["id"] for e in recent]
    assert listing(account_id=str(uuid.uuid4())) == []
    assert listing(object_id=target["id"], since="2999-01-01T00:00:00+02:00") == []
    assert len(listing(object_id=target["id"], until="2999-01-01T00:00:00Z")) == 5
    client.close()


def test_bad_queries(demo, demo_db):
    auditor = demo("auditor")
    before = audit_count(demo_db)
    cases = [
        ({"object_id": "nope"}, ["object_id"]),
        ({"account_id": "123"}, ["account_id"]),
        ({"since": "2026-13-01T00:00:00Z"}, ["since"]),
        ({"until": "yesterday"}, ["until"]),
        ({"since": "2026-03-01"}, ["since"]),
        ({"since": "x", "until": "y", "object_id": "z"}, ["object_id", "since", "until"]),
        ({"limit": "0"}, ["limit"]),
        ({"after": "not-a-cursor"}, ["after"]),
        ({"node_id": U25_NODE}, None),
        ({"action": "Case.Read"}, ["action"]),
        ({"action": "case.read,,referral.read"}, ["action"]),
        ({"action": ",".join(["case.read"] * 21)}, ["action"]),
        ({"case_reference": "x" * 65}, ["case_reference"]),
    ]
    for params, fields in cases:
        body = assert_problem(auditor.get("/v1/audit", params=params), 400)
        if fields:
            assert sorted(error_fields(body)) == fields, (params, body)
    assert audit_count(demo_db) == before


def test_pagination_walk(demo, demo_db):
    admin = demo("admin")
    target = new_account(admin)
    for i in range(4):
        rename(admin, target["id"], f"Walk {i}")
    auditor = demo("auditor")
    everything = auditor.get("/v1/audit", params={"object_id": target["id"]}).json()
    assert len(everything["items"]) == 5 and everything["next"] is None
    items, sizes = walk(auditor, {"object_id": target["id"]}, 2)
    assert sizes == [2, 2, 1]
    assert items == everything["items"]

    # The whole log up to a fixed instant, 4 rows a page: every row once, newest first.
    until = everything["items"][0]["at"]
    items, sizes = walk(auditor, {"until": until}, 4)
    expected = [row[0] for row in demo_db.execute(
        "SELECT id FROM audit_log WHERE at < %s::timestamptz ORDER BY at DESC, id DESC",
        (until,)).fetchall()]
    assert [e["id"] for e in items] == expected
    assert len(expected) > 8 and all(s == 4 for s in sizes[:-1])


def test_who_read_a_case(demo, demo_db):
    """The auditor's question: who read this case (by its pseudonym), and when. The answer
    holds the case's own reads and those of its referrals, named by reader and node."""
    jobcenter, schuldner, auditor = demo("jobcenter"), demo("schuldnerberatung"), demo("auditor")
    case = open_case(jobcenter)
    consent(jobcenter, case["id"], SCHULDNER)
    referral = refer(jobcenter, case["id"], SCHULDNER)
    for _ in range(2):
        assert jobcenter.get(f"/v1/cases/{case['id']}").status_code == 200
    assert schuldner.get(f"/v1/referrals/{referral['id']}").status_code == 200
    # A case of another node with the same pseudonym is found too (named by its own id).
    other = open_case(demo("jugendamt"), reference=case["reference"])

    everything = auditor.get("/v1/audit", params={"case_reference": case["reference"]}).json()
    actions = [(e["action"], e["account_login"]) for e in everything["items"]]
    assert actions == [("case.create", "jugendamt"), ("referral.read", "schuldnerberatung"),
                       ("case.read", "jobcenter"), ("case.read", "jobcenter"),
                       ("referral.create", "jobcenter"), ("consent.create", "jobcenter"),
                       ("case.create", "jobcenter")]
    assert {e["case_id"] for e in everything["items"][1:]} == {case["id"]}
    by_action = {e["action"]: e for e in everything["items"]}
    read = by_action["referral.read"]
    assert (read["case_id"], read["case_reference"], read["object_id"], read["node_name"],
            read["account_name"]) == (case["id"], case["reference"], referral["id"],
                                      "Caritas Schuldnerberatung Neustadt",
                                      read["account_name"])
    assert read["account_name"]
    assert everything["items"][0]["case_id"] == other["id"]

    reads = auditor.get("/v1/audit", params={
        "case_reference": case["reference"],
        "action": "case.read,case.progress_read,referral.read"}).json()["items"]
    assert [(e["action"], e["account_login"]) for e in reads] == [
        ("referral.read", "schuldnerberatung"), ("case.read", "jobcenter"),
        ("case.read", "jobcenter")]
    # ... narrowed to one account and to a time window.
    jobcenter_id = jobcenter.get("/v1/me").json()["account"]["id"]
    mine = auditor.get("/v1/audit", params={"case_reference": case["reference"],
                                             "action": "case.read",
                                             "account_id": jobcenter_id}).json()["items"]
    assert [e["account_login"] for e in mine] == ["jobcenter", "jobcenter"]
    since = mine[0]["at"]
    assert [e["id"] for e in auditor.get("/v1/audit", params={
        "case_reference": case["reference"], "since": since}).json()["items"]][-1] == mine[0]["id"]
    assert auditor.get("/v1/audit", params={"case_reference": "no-such-ref-" + case["reference"]}
                       ).json() == {"items": [], "next": None}
