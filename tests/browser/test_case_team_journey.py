"""A case manager opens a case, sets a follow-up date (Wiedervorlage) and hands the case to a
colleague of the same jobcenter team; the colleague signs in and finds it under "my cases"
with its follow-up date, while it is no longer among the first one's cases. The fixture makes
only the colleague's account; the case is made through the page."""
import uuid

import pytest

from harness import Api
from journey_support import ALLEINERZIEHENDE, JOBCENTER, Mouse, today, wait_text

PASSWORD = "kollegin-passwort-2031"


@pytest.fixture(scope="module")
def colleague(demo, web_pnetd):
    """A second caseworker of the jobcenter team, with a password of her own."""
    login = f"kollegin-{uuid.uuid4().hex[:8]}"
    r = demo("admin").post("/v1/accounts", json={
        "login": login, "display_name": "Berta Kollegin", "role": "caseworker",
        "node_id": JOBCENTER, "password": "start-passwort-2031"})
    assert r.status_code == 201, r.text
    api = Api(web_pnetd.base_url)
    api.login(login, "start-passwort-2031")
    r = api.post("/v1/me/password", json={"current_password": "start-passwort-2031",
                                          "new_password": PASSWORD})
    assert r.status_code in (200, 204), r.text
    api.close()
    return {"login": login, "name": "Berta Kollegin"}


def test_a_case_handed_to_a_colleague_is_under_her_cases_with_its_follow_up(browser, colleague):
    a = Mouse(browser)
    a.login("jobcenter", "neustadt-demo")
    reference = "WV-" + uuid.uuid4().hex[:8]
    browser.go("/cases")
    a.type("#case-form input[name=reference]", reference)
    a.choose("#case-form select[name=target_group_id]", ALLEINERZIEHENDE)
    a.press("#case-form button[type=submit]")
    browser.wait("#case-team")
    # The opener is responsible.
    wait_text(browser, "#team-responsible", "Jobcenter")

    due = today(3)
    a.date("#fu-due", due)
    a.type("#fu-reason", "Bescheid des Jobcenters nachfragen")
    a.press("#follow-up-form button[type=submit]")
    browser.wait("#case-follow-ups tbody tr[data-state=open]")
    wait_text(browser, "#case-follow-ups", "Bescheid des Jobcenters nachfragen")

    a.press("#team-hand-over")
    options = browser.d.execute_script(
        "return [...document.querySelectorAll('#hand-over-to option')]"
        ".filter((o) => o.textContent === arguments[0]).map((o) => o.value)", colleague["name"])
    assert len(options) == 1, options
    a.choose("#hand-over-to", options[0])
    a.press("#hand-over-form button[type=submit]")
    wait_text(browser, "#team-responsible", colleague["name"])
    # The case's history names the change, with the caseworker who made it.
    wait_text(browser, "#case-timeline-list li[data-kind=responsible]", colleague["name"])

    # No longer among the first case manager's cases; among the node's it is, with its owner.
    browser.go("/cases")
    browser.wait("#case-scope")
    browser.wait_for(lambda: reference not in browser.find("#case-list").text,
                     what="the handed case gone from my cases")
    a.press("#case-scope button[data-scope=node]")
    wait_text(browser, "#case-list", reference)
    row = [r for r in browser.finds("#case-list tbody tr") if reference in r.text][0]
    assert colleague["name"] in row.text

    # The colleague signs in: the case is hers, with its follow-up date.
    a.login(colleague["login"], PASSWORD)
    browser.go("/cases")
    wait_text(browser, "#case-list", reference)
    row = [r for r in browser.finds("#case-list tbody tr") if reference in r.text][0]
    shown = browser.d.execute_script(
        "return new Date(arguments[0]).toLocaleDateString('de-DE', {dateStyle: 'medium'})",
        due.isoformat())
    assert shown in row.text, (shown, row.text)
    assert colleague["name"] in row.text
    # And under her follow-ups, all of them (due or not).
    browser.go("/follow-ups")
    a.press("button[data-filter=all]")
    wait_text(browser, "#follow-up-list", reference)
    assert "Bescheid des Jobcenters nachfragen" in browser.find("#follow-up-list").text

    # She moves the follow-up two days later from the case page; the list shows the new day.
    row = [r for r in browser.finds("#follow-up-list tbody tr") if reference in r.text][0]
    row.find_element("css selector", "a").click()
    browser.wait("#case-follow-ups tbody tr[data-state=open]")
    a.press("#case-follow-ups button[data-move]")
    later = today(5)
    a.date("#fu-move-due", later)
    a.press("#follow-up-move-form button[type=submit]")
    moved = browser.d.execute_script(
        "return new Date(arguments[0]).toLocaleDateString('de-DE', {dateStyle: 'medium'})",
        later.isoformat())
    wait_text(browser, "#case-follow-ups", moved)
    browser.go("/follow-ups")
    a.press("button[data-filter=all]")
    wait_text(browser, "#follow-up-list", reference)
    row = [r for r in browser.finds("#follow-up-list tbody tr") if reference in r.text][0]
    assert moved in row.text, (moved, row.text)
