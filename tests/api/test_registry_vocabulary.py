"""The registry's lists have one home, lib/directory.c: the kinds of organizations and nodes, the
states of services and the kinds of their hours. The server checks input against them, GET
/v1/vocabulary answers them, and the web app (clients/web/src/api.js `vocab`) reads them from
there instead of keeping a copy. These tests compare each use with the library and fail on
any difference."""

import glob
import os
import re

from conftest import SOURCE_DIR

LIB = os.path.join(SOURCE_DIR, "lib", "directory.c")
WEB_SRC = os.path.join(SOURCE_DIR, "clients", "web", "src")
LISTS = {  # the answer's key: the library's array
    "organization_kinds": "directory_organization_kinds",
    "node_kinds": "directory_node_kinds",
    "service_statuses": "directory_service_statuses",
    "schedule_kinds": "directory_schedule_kinds",
}
# The prefix of each list's translations in clients/web/src/i18n.js.
LABELS = {"organization_kinds": "org_kind_", "node_kinds": "kind_",
          "service_statuses": "svc_status_", "schedule_kinds": "sched_kind_"}


def library():
    """{answer key: [the strings lib/directory.c lists, in order]}."""
    src = open(LIB, encoding="utf-8").read()
    out = {}
    for key, name in LISTS.items():
        body = re.search(r"const char \*const " + name + r"\[\] = \{(.*?)\};", src, re.S)
        assert body, name
        out[key] = re.findall(r'"([a-z_]+)"', body.group(1))
    assert "welfare_association" in out["organization_kinds"]
    assert "counselling_service" in out["node_kinds"]
    return out


def literals(text):
    return set(re.findall(r"'((?:[^']|'')*)'", text))


def test_the_vocabulary_answers_the_librarys_lists(admin):
    r = admin.get("/v1/vocabulary")
    assert r.status_code == 200, r.text
    v = r.json()
    for key, items in library().items():
        assert v[key] == items, key
    # The referral vocabulary is still all there beside them.
    assert {"statuses", "moves", "outcomes", "channels", "step_states"} <= set(v)


def test_the_checks_name_the_librarys_lists(db):
    lib = library()
    checks = dict(db.execute(
        "SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c"
        " JOIN pg_namespace n ON n.oid = c.connamespace"
        " WHERE c.contype = 'c' AND n.nspname = current_schema()").fetchall())
    assert literals(checks["organization_kind_check"]) == set(lib["organization_kinds"])
    assert literals(checks["node_kind_check"]) == set(lib["node_kinds"])
    assert literals(checks["service_status_check"]) == set(lib["service_statuses"])


def test_the_server_refuses_what_the_library_does_not_list(admin):
    r = admin.post("/v1/organizations", json={"name": "Kein Träger", "kind": "guild"})
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["kind"]


def copies(text, words):
    """The array literals in text made of two or more of the words and nothing else."""
    lists = [re.findall(r'"([a-z_]+)"', items) for items in re.findall(r"\[([^\[\]]*)\]", text)]
    return [items for items in lists if len(items) >= 2 and set(items) <= words]


def test_the_web_app_keeps_no_copy_of_the_lists():
    lib = library()
    words = {w for items in lib.values() for w in items}
    found = {}
    for path in glob.glob(os.path.join(WEB_SRC, "**", "*.js"), recursive=True):
        if path.endswith("i18n.js"):
            continue  # the translations name every word once, as keys
        lists = copies(open(path, encoding="utf-8").read(), words)
        if lists:
            found[os.path.relpath(path, SOURCE_DIR)] = lists
    assert found == {}
    # The scan finds a copy where there is one (a wrong pattern would pass vacuously).
    assert copies('const KINDS = ["opening", "mobile"];', words)
    for view, keys in (("organizations.js", ("organization_kinds", "node_kinds")),
                       ("services.js", ("service_statuses", "schedule_kinds"))):
        src = open(os.path.join(WEB_SRC, "views", view), encoding="utf-8").read()
        for key in keys:
            assert f"api.vocab.{key}" in src, (view, key)


def test_every_item_has_its_words_in_german_and_english():
    i18n = open(os.path.join(WEB_SRC, "i18n.js"), encoding="utf-8").read()
    missing = [LABELS[key] + item for key, items in library().items() for item in items
               if len(re.findall(r"^\t\"?" + LABELS[key] + item + r"\"?:", i18n, re.M)) != 2]
    assert missing == []
