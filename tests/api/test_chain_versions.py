"""Chain versions: build a branching chain through the API, publish it, freeze it, start the
next draft from it; validation that lists every problem; who sees which version; audit rows."""

import copy

import pytest

from chainkit import (DEMO_CHAINS, GROUPS, JOBCENTER, KOORDINATION_NODE, NETWORK, OUTSIDE_NODE,
                      SCHULDNER, audit_rows, branching_graph, etag, new_chain, step, version_id,
                      who)  # noqa: F401 (who is a fixture)


def graph_of(version):
    return {"steps": version["steps"], "edges": version["edges"]}


def stored(conn, chain_id, number):
    """The stored graph and row version of a version, straight from the tables."""
    vid = version_id(conn, chain_id, number)
    steps = conn.execute("SELECT key, category, required FROM chain_step WHERE version_id = %s"
                         " ORDER BY position", (vid,)).fetchall()
    edges = conn.execute("SELECT coalesce(from_key, 'start'), to_key FROM chain_edge"
                         " WHERE version_id = %s ORDER BY 1, 2", (vid,)).fetchall()
    providers = conn.execute("SELECT step_key, node_id::text FROM chain_step_provider"
                             " WHERE version_id = %s ORDER BY 1, 2", (vid,)).fetchall()
    row = conn.execute("SELECT status, version FROM chain_version WHERE id = %s",
                       (vid,)).fetchone()
    return steps, edges, providers, row


@pytest.fixture
def draft(who):
    """A new chain with an empty draft 1: (client, chain id, versions url)."""
    k = who("koordination")
    chain = new_chain(k)
    url = f"/v1/chains/{chain['id']}/versions"
    r = k.post(url, json={"note": "Workshop 1"})
    assert r.status_code == 201, r.text
    return k, chain["id"], url


def test_build_validate_and_publish_a_branching_chain(who, demo_db, draft):
    k, chain_id, url = draft
    r = k.get(f"{url}/1")
    assert r.status_code == 200
    v = r.json()
    assert (v["number"], v["status"], v["note"], v["steps"], v["edges"]) == (
        1, "draft", "Workshop 1", [], [])
    assert v["created_by"] == "60000000-0000-4000-8000-000000000002"

    graph = branching_graph(note="Nach dem Workshop")
    r = k.put(f"{url}/1", json=graph, headers={"If-Match": etag(r)})
    assert r.status_code == 200, r.text
    v = r.json()
    assert v["warnings"] == [] and v["version"] == 2 and etag(r) == '"2"'
    assert v["note"] == "Nach dem Workshop"
    assert [s["key"] for s in v["steps"]] == [s["key"] for s in graph["steps"]]
    assert v["steps"][0]["guidance"] == "Standortbestimmung\nund Einwilligung."
    assert v["steps"][0]["target_days_to_accept"] == 2
    assert v["steps"][1]["target_days_to_start"] is None
    assert v["steps"][2]["required"] is False and v["steps"][2]["providers"] == graph[
        "steps"][2]["providers"]
    assert sorted((e["from"], e["to"], e["label"]) for e in v["edges"]) == sorted(
        (e["from"], e["to"], e.get("label")) for e in graph["edges"])
    assert v["edges"][0] == {"from": "start", "to": "erstberatung", "label": None}
    assert k.get(f"{url}/1").json() == {key: val for key, val in v.items() if key != "warnings"}

    r = k.post(f"{url}/1/publish", headers={"If-Match": '"2"'})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "published" and r.json()["published_at"]
    assert r.json()["warnings"] == []
    chain = k.get(f"/v1/chains/{chain_id}").json()
    assert (chain["current_version"], chain["draft_version"]) == (1, None)

    vid = version_id(demo_db, chain_id, 1)
    assert len(audit_rows(demo_db, vid, "chain_version.create")) == 1
    assert len(audit_rows(demo_db, vid, "chain_version.update")) == 1
    published = audit_rows(demo_db, vid, "chain_version.publish")
    assert len(published) == 1 and published[0][1]["number"] == 1
    assert published[0][1]["retired"] is None


def test_a_published_version_never_changes(who, demo_db, draft):
    k, chain_id, url = draft
    assert k.put(f"{url}/1", json=branching_graph()).status_code == 200
    assert k.post(f"{url}/1/publish").status_code == 200
    before = stored(demo_db, chain_id, 1)
    audits = demo_db.execute("SELECT count(*) FROM audit_log").fetchone()[0]

    changed = branching_graph()
    changed["steps"][0]["name"] = "Anders"
    r = k.put(f"{url}/1", json=changed)
    assert r.status_code == 409, r.text
    assert "published" in r.json()["detail"]
    assert k.post(f"{url}/1/publish").status_code == 409
    assert k.delete(f"{url}/1").status_code == 409
    assert stored(demo_db, chain_id, 1) == before
    assert demo_db.execute("SELECT count(*) FROM audit_log").fetchone()[0] == audits


def test_new_draft_from_current_then_publish_retires_the_old(who, demo_db, draft):
    k, chain_id, url = draft
    assert k.put(f"{url}/1", json=branching_graph()).status_code == 200
    assert k.post(f"{url}/1/publish").status_code == 200
    v1 = k.get(f"{url}/1").json()

    r = k.post(url, json={})
    assert r.status_code == 201, r.text
    assert r.headers["Location"] == f"{url}/2"
    v2 = r.json()
    assert (v2["number"], v2["status"]) == (2, "draft")
    assert graph_of(v2) == graph_of(v1)
    assert k.get(f"/v1/chains/{chain_id}").json()["draft_version"] == 2
    rows = audit_rows(demo_db, version_id(demo_db, chain_id, 2), "chain_version.create")
    assert rows[0][1]["copied_from"] == 1

    r = k.post(url, json={})
    assert r.status_code == 409 and r.json()["type"].endswith("draft-exists")

    graph = branching_graph()
    graph["steps"].append(step("nachbetreuung", "job_placement", [JOBCENTER], required=False))
    graph["edges"].append({"from": "vermittlung", "to": "nachbetreuung"})
    assert k.put(f"{url}/2", json=graph).status_code == 200
    r = k.post(f"{url}/2/publish")
    assert r.status_code == 200, r.text

    old = k.get(f"{url}/1").json()
    assert old["status"] == "retired" and old["retired_at"]
    assert graph_of(old) == graph_of(v1)
    chain = k.get(f"/v1/chains/{chain_id}").json()
    assert (chain["current_version"], chain["draft_version"]) == (2, None)
    assert k.put(f"{url}/1", json=branching_graph()).status_code == 409
    retired = audit_rows(demo_db, version_id(demo_db, chain_id, 1), "chain_version.retire")
    assert len(retired) == 1 and retired[0][1]["replaced_by"] == 2
    published = audit_rows(demo_db, version_id(demo_db, chain_id, 2), "chain_version.publish")
    assert published[0][1]["retired"] == 1

    r = k.post(url, json={"from": "empty"})
    assert r.status_code == 201 and r.json()["steps"] == [] and r.json()["number"] == 3
    listed = k.get(url).json()
    assert [(v["number"], v["status"]) for v in listed["items"]] == [
        (1, "retired"), (2, "published"), (3, "draft")]
    assert "steps" not in listed["items"][0]


def test_stale_if_match_is_412_and_changes_nothing(who, demo_db, draft):
    k, chain_id, url = draft
    assert k.put(f"{url}/1", json=branching_graph(), headers={"If-Match": '"1"'}).status_code \
        == 200
    before = stored(demo_db, chain_id, 1)
    r = k.put(f"{url}/1", json={"steps": [step("a", "childcare")],
                                "edges": [{"from": "start", "to": "a"}]},
              headers={"If-Match": '"1"'})
    assert r.status_code == 412, r.text
    assert "version 2" in r.json()["detail"]
    r = k.post(f"{url}/1/publish", headers={"If-Match": '"1"'})
    assert r.status_code == 412, r.text
    assert stored(demo_db, chain_id, 1) == before
    assert k.put(f"{url}/1", json=branching_graph(), headers={"If-Match": "1"}).status_code \
        == 400
    vid = version_id(demo_db, chain_id, 1)
    assert len(audit_rows(demo_db, vid, "chain_version.update")) == 1
    assert audit_rows(demo_db, vid, "chain_version.publish") == []


def test_every_problem_is_listed_with_its_step(who, demo_db, draft):
    k, chain_id, url = draft
    graph = {
        "steps": [
            step("a", "first_consultation", [JOBCENTER]),
            step("b", "childcare"),
            step("c", "debt_counselling"),
            step("b", "qualification"),           # duplicate key
            step("insel", "job_placement"),       # unreachable
            step("Schlecht", "job_placement"),     # invalid key
            step("d", "keine_kategorie"),         # unknown category (database)
        ],
        "edges": [
            {"from": "start", "to": "a"},
            {"from": "a", "to": "b"},
            {"from": "b", "to": "c"},
            {"from": "c", "to": "b"},               # cycle b -> c -> b
            {"from": "a", "to": "d"},
            {"from": "a", "to": "nirgends"},        # unknown step
        ],
    }
    before = stored(demo_db, chain_id, 1)
    r = k.put(f"{url}/1", json=graph)
    assert r.status_code == 422, r.text
    problems = r.json()["errors"]
    found = {(p["code"], p.get("step")) for p in problems}
    assert ("duplicate_key", "b") in found
    assert ("cycle", "b") in found
    assert ("unreachable", "insel") in found
    assert ("invalid_key", "Schlecht") in found
    assert ("unknown_to", None) in found
    fields = {(p["code"], p.get("step")): p["field"] for p in problems}
    assert fields[("duplicate_key", "b")] == "steps[3].key"
    assert fields[("unreachable", "insel")] == "steps[4]"
    assert fields[("unreachable", "Schlecht")] == "steps[5]"
    assert fields[("invalid_key", "Schlecht")] == "steps[5].key"
    assert fields[("unknown_to", None)] == "edges[5]"
    assert fields[("cycle", "b")] == "steps[1]"
    assert all(p["message"] for p in problems)
    assert stored(demo_db, chain_id, 1) == before

    # Once the structure is sound, the database's findings: all of them, too.
    graph = {"steps": [step("a", "first_consultation", [JOBCENTER, OUTSIDE_NODE]),
                       step("b", "keine_kategorie", [OUTSIDE_NODE])],
             "edges": [{"from": "start", "to": "a"}, {"from": "a", "to": "b"}]}
    r = k.put(f"{url}/1", json=graph)
    assert r.status_code == 422, r.text
    assert [(p["code"], p["step"], p["field"]) for p in r.json()["errors"]] == [
        ("provider_not_member", "a", "steps[0].providers[1]"),
        ("unknown_category", "b", "steps[1].category"),
        ("provider_not_member", "b", "steps[1].providers[0]"),
    ]
    assert stored(demo_db, chain_id, 1) == before
    assert audit_rows(demo_db, version_id(demo_db, chain_id, 1), "chain_version.update") == []


def test_graph_and_provider_problems_come_together(who, demo_db, draft):
    """An unreachable step and a provider that is not a member: both in one answer, each with
    its step, on saving and on publishing (docs/user-guide/chains.md)."""
    k, chain_id, url = draft
    graph = {"steps": [step("erstberatung", "first_consultation", [JOBCENTER]),
                       step("schulden", "debt_counselling", [SCHULDNER, OUTSIDE_NODE]),
                       step("insel", "keine_kategorie", ["not-a-node", OUTSIDE_NODE])],
             "edges": [{"from": "start", "to": "erstberatung"}]}
    before = stored(demo_db, chain_id, 1)
    r = k.put(f"{url}/1", json=graph)
    assert r.status_code == 422, r.text
    problems = r.json()["errors"]
    assert [(p["code"], p.get("step"), p["field"]) for p in problems] == [
        ("invalid_field", "insel", "steps[2].providers[0]"),
        ("unreachable", "schulden", "steps[1]"),
        ("unreachable", "insel", "steps[2]"),
        ("provider_not_member", "schulden", "steps[1].providers[1]"),
        ("unknown_category", "insel", "steps[2].category"),
        ("provider_not_member", "insel", "steps[2].providers[1]"),
    ]
    not_member = [p for p in problems if p["code"] == "provider_not_member"]
    assert {p["node_id"] for p in not_member} == {OUTSIDE_NODE}
    assert r.json()["detail"] == "The chain has 6 problems; each is listed in errors."
    assert stored(demo_db, chain_id, 1) == before

    # Publishing checks the stored graph the same way: an unreachable step stored through
    # the database (as an older server could have) and a provider that left are both named.
    graph = {"steps": [step("erstberatung", "first_consultation", [JOBCENTER]),
                       step("qualifizierung", "qualification", ["20000000-0000-4000-8000-000000000011"])],
             "edges": [{"from": "start", "to": "erstberatung"},
                       {"from": "erstberatung", "to": "qualifizierung"}]}
    r = k.put(f"{url}/1", json=graph)
    assert r.status_code == 200, r.text
    vid = version_id(demo_db, chain_id, 1)
    demo_db.execute("DELETE FROM chain_edge WHERE version_id = %s AND to_key = 'qualifizierung'",
                    (vid,))
    demo_db.execute("UPDATE network_member SET active = false WHERE network_id = %s"
                    " AND node_id = %s", (NETWORK, "20000000-0000-4000-8000-000000000011"))
    try:
        r = k.post(f"{url}/1/publish")
        assert r.status_code == 422, r.text
        assert [(p["code"], p["step"]) for p in r.json()["errors"]] == [
            ("unreachable", "qualifizierung"), ("provider_not_member", "qualifizierung")]
    finally:
        demo_db.execute("UPDATE network_member SET active = true WHERE network_id = %s"
                        " AND node_id = %s", (NETWORK, "20000000-0000-4000-8000-000000000011"))
    assert stored(demo_db, chain_id, 1)[3][0] == "draft"


def test_problems_of_a_chain_the_caller_may_not_edit_are_not_told(who, draft):
    """The database check runs for the chain's coordinators only: others learn nothing."""
    _, _, url = draft
    graph = {"steps": [step("a", "childcare", [OUTSIDE_NODE])], "edges": []}
    r = who("other-coordinator").put(f"{url}/1", json=graph)
    assert r.status_code == 404, r.text


@pytest.mark.parametrize("graph, code", [
    ({"steps": [], "edges": []}, "no_steps"),
    ({"steps": [step("a", "childcare")], "edges": [{"from": "a", "to": "a"}]}, "self_loop"),
    ({"steps": [step("a", "childcare")], "edges": []}, "no_start"),
    ({"steps": [step("start", "childcare")], "edges": []}, "reserved_key"),
    ({"steps": [step("a", "childcare")], "edges": [{"from": "start", "to": "a"},
                                                   {"from": "start", "to": "a"}]},
     "duplicate_edge"),
    ({"steps": [step("a", "childcare", target_days_to_accept=91)],
      "edges": [{"from": "start", "to": "a"}]}, "invalid_field"),
    ({"steps": [step("a", "childcare", providers=["x"])],
      "edges": [{"from": "start", "to": "a"}]}, "invalid_field"),
    ({"steps": [{"key": "a", "category": "childcare", "farbe": "rot"}],
      "edges": [{"from": "start", "to": "a"}]}, "invalid_field"),
    ({"steps": [step("a", "childcare")]}, "invalid_field"),
])
def test_structural_problems(draft, graph, code):
    k, _, url = draft
    r = k.put(f"{url}/1", json=graph)
    assert r.status_code == 422, r.text
    assert code in [p["code"] for p in r.json()["errors"]], r.text


def test_a_malformed_step_is_one_problem(draft):
    k, _, url = draft
    r = k.put(f"{url}/1", json={"steps": [step("a", "childcare"), "b"],
                                "edges": [{"from": "start", "to": "a"}, {"from": "a"}]})
    assert r.status_code == 422, r.text
    assert sorted(p["field"] for p in r.json()["errors"]) == ["edges[1].to", "steps[1]"]
    r = k.post(url, json={"from": "gestern"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "from"


def test_warnings_do_not_block(draft):
    k, _, url = draft
    graph = {"steps": [step("a", "first_consultation", [KOORDINATION_NODE]),
                       step("b", "childcare", [], target_days_to_accept=10,
                            target_days_to_start=3)],
             "edges": [{"from": "start", "to": "a"}, {"from": "a", "to": "b"}]}
    r = k.put(f"{url}/1", json=graph)
    assert r.status_code == 200, r.text
    warnings = {(w["code"], w["step"], w["field"]) for w in r.json()["warnings"]}
    assert warnings == {("provider_without_service", "a", "steps[0].providers[0]"),
                        ("no_providers", "b", "steps[1].providers"),
                        ("start_before_accept", "b", "steps[1].target_days_to_start")}
    r = k.post(f"{url}/1/publish")
    assert r.status_code == 200, r.text
    assert len(r.json()["warnings"]) == 3


def test_publish_checks_the_stored_graph_again(who, demo_db, draft):
    k, chain_id, url = draft
    r = k.post(f"{url}/1/publish")
    assert r.status_code == 422, r.text
    assert [p["code"] for p in r.json()["errors"]] == ["no_steps"]
    assert k.put(f"{url}/1", json=branching_graph()).status_code == 200
    # A provider leaves the network after the draft was saved.
    demo_db.execute("UPDATE network_member SET active = false WHERE network_id = %s"
                    " AND node_id = %s", (NETWORK, "20000000-0000-4000-8000-000000000011"))
    try:
        r = k.post(f"{url}/1/publish")
        assert r.status_code == 422, r.text
        assert [(p["code"], p["step"]) for p in r.json()["errors"]] == [
            ("provider_not_member", "qualifizierung")]
    finally:
        demo_db.execute("UPDATE network_member SET active = true WHERE network_id = %s"
                        " AND node_id = %s", (NETWORK, "20000000-0000-4000-8000-000000000011"))
    assert stored(demo_db, chain_id, 1)[3][0] == "draft"
    assert k.post(f"{url}/1/publish").status_code == 200


@pytest.mark.parametrize("login, draft_status, published_status, write_status", [
    ("koordination", 200, 200, 200), ("admin", 200, 200, 200),
    ("schuldnerberatung", 404, 200, 403), ("jobcenter", 404, 200, 403),
    ("auditor", 404, 404, 403), ("other-coordinator", 404, 404, 404),
    ("outsider", 404, 404, 403),
])
def test_access_matrix_for_versions(who, draft, login, draft_status, published_status,
                                    write_status):
    k, chain_id, url = draft
    assert k.put(f"{url}/1", json=branching_graph()).status_code == 200
    assert k.post(f"{url}/1/publish").status_code == 200
    assert k.post(url, json={}).status_code == 201
    c = who(login)
    assert c.get(f"{url}/2").status_code == draft_status
    assert c.get(f"{url}/1").status_code == published_status
    listed = c.get(url)
    if published_status == 404:
        assert listed.status_code == 404
    else:
        numbers = [v["number"] for v in listed.json()["items"]]
        assert numbers == ([1, 2] if draft_status == 200 else [1])
    r = c.put(f"{url}/2", json=branching_graph())
    assert r.status_code == write_status, r.text
    if write_status != 200:
        assert c.post(f"{url}/2/publish").status_code == write_status
        assert c.post(url, json={}).status_code == write_status
        assert c.delete(f"{url}/2").status_code == write_status


@pytest.mark.parametrize("number", ["0", "01", "-1", "x", "99", "2147483648"])
def test_bad_or_unknown_version_numbers_are_404(draft, number):
    k, _, url = draft
    assert k.get(f"{url}/{number}").status_code == 404
    assert k.put(f"{url}/{number}", json=branching_graph()).status_code == 404
    assert k.post(f"{url}/{number}/publish").status_code == 404


def test_delete_a_draft(who, demo_db, draft):
    k, chain_id, url = draft
    vid = version_id(demo_db, chain_id, 1)
    assert k.put(f"{url}/1", json=branching_graph()).status_code == 200
    assert k.delete(f"{url}/1").status_code == 204
    assert k.get(f"{url}/1").status_code == 404
    assert version_id(demo_db, chain_id, 1) is None
    assert demo_db.execute("SELECT count(*) FROM chain_step WHERE version_id = %s",
                           (vid,)).fetchone()[0] == 0
    assert len(audit_rows(demo_db, vid, "chain_version.delete")) == 1
    assert k.delete(f"{url}/1").status_code == 404
    assert k.post(url, json={}).json()["number"] == 1


@pytest.mark.parametrize("index", [0, 1, 2])
def test_demo_chains_pass_validation(who, index):
    """Each demo chain's published graph, put into a draft of a new chain and published."""
    k = who("koordination")
    demo = k.get(f"/v1/chains/{DEMO_CHAINS[index]}/versions/1")
    assert demo.status_code == 200 and demo.json()["status"] == "published"
    chain = new_chain(k, group=GROUPS[index])
    url = f"/v1/chains/{chain['id']}/versions"
    assert k.post(url, json={"from": "empty"}).status_code == 201
    r = k.put(f"{url}/1", json=graph_of(demo.json()))
    assert r.status_code == 200, r.text
    assert r.json()["warnings"] == []
    r = k.post(f"{url}/1/publish")
    assert r.status_code == 200, r.text
    assert graph_of(r.json()) == graph_of(demo.json())


def test_copy_leaves_out_providers_that_left(who, demo_db, draft):
    k, chain_id, url = draft
    graph = copy.deepcopy(branching_graph())
    assert k.put(f"{url}/1", json=graph).status_code == 200
    assert k.post(f"{url}/1/publish").status_code == 200
    kita = "20000000-0000-4000-8000-000000000009"
    demo_db.execute("UPDATE network_member SET active = false WHERE network_id = %s"
                    " AND node_id = %s", (NETWORK, kita))
    try:
        r = k.post(url, json={})
        assert r.status_code == 201, r.text
        by_key = {s["key"]: s for s in r.json()["steps"]}
        assert by_key["kinderbetreuung"]["providers"] == []
    finally:
        demo_db.execute("UPDATE network_member SET active = true WHERE network_id = %s"
                        " AND node_id = %s", (NETWORK, kita))
