"""The coordinator's journey in German, from a fresh login, everything through the UI: choose
the network (a coordinator of two), keep its members (add one with its agreement, change one,
deactivate one) and target groups, draft a chain with two mistakes (an unreachable step and a
provider that is not a member) and see both at once, worded in German and marked on the
diagram; the unsaved-edits warning and undoing a removed step; fix and publish; statistics for
a chosen period; a CSV that German Excel opens as columns. The fixture only makes the account
and the second network (with two members), as an admin would have before."""
import csv
import datetime
import io
import uuid

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
from harness import german_date

NEUSTADT = "40000000-0000-4000-8000-000000000001"
SOZIALAMT = "20000000-0000-4000-8000-000000000004"        # offers housing support
SCHULDNER = "20000000-0000-4000-8000-000000000007"        # debt counselling
WOHNUNGSHILFE = "20000000-0000-4000-8000-000000000014"    # housing support
PASSWORD = "koordination-altkreis-1"


@pytest.fixture(scope="module")
def two_networks(demo):
    """A network of its own with two members, and a coordinator of it and of Neustadt."""
    admin = demo("admin")
    tag = uuid.uuid4().hex[:6]
    r = admin.post("/v1/networks", json={"name": f"Netzwerk Altkreis {tag}", "locality": "Altkreis",
                                         "default_days_to_accept": 5})
    assert r.status_code == 201, r.text
    network = r.json()
    for node in (SCHULDNER, SOZIALAMT):
        r = admin.post(f"/v1/networks/{network['id']}/members", json={"node_id": node})
        assert r.status_code == 201, r.text
    login = f"koord-{tag}"
    r = admin.post("/v1/accounts", json={"login": login, "display_name": "Koordination Altkreis",
                                         "role": "coordinator",
                                         "network_ids": [NEUSTADT, network["id"]],
                                         "password": PASSWORD, "must_change_password": False})
    assert r.status_code == 201, r.text
    return {"network": network, "login": login, "tag": tag}


def choose_network(browser, network_id):
    Select(browser.wait("#network-choice")).select_by_value(network_id)
    browser.wait_for(lambda: browser.find("#network-choice").get_attribute("value") == network_id,
                     what="network chosen")


def member_row(browser, node):
    return browser.wait(f"#members tr[data-node='{node}']")


def test_coordinator_journey(browser, demo, two_networks):
    network, tag = two_networks["network"], two_networks["tag"]
    coordinator = demo(None)
    coordinator.login(two_networks["login"], PASSWORD)
    browser.login(two_networks["login"], PASSWORD)
    browser.allow(422)   # the draft saved with its two problems is refused, as it should be

    # 1. Two networks: the chooser picks one, and the choice stays while navigating.
    browser.wait("#network-bar")
    options = [o.get_attribute("value") for o in browser.finds("#network-choice option")]
    assert sorted(options) == sorted([NEUSTADT, network["id"]])
    choose_network(browser, network["id"])
    browser.click("nav.mainnav a[href='/network']")
    browser.wait_for(lambda: browser.text("h1") == network["name"], what="the chosen network")
    assert browser.find("#network-choice").get_attribute("value") == network["id"]

    # 2. Members: add one with its agreement, change one, deactivate one.
    Select(browser.wait("#member-add select[name=node_id]")).select_by_value(WOHNUNGSHILFE)
    browser.set_value(browser.find("#member-add input[name=agreement_signed_on]"), "2025-03-14")
    browser.find("#member-add input[name=days_to_accept]").send_keys("7")
    browser.find("#member-add button[type=submit]").click()
    row = member_row(browser, WOHNUNGSHILFE)
    assert "14.03.2025" in row.text and "7" in row.text
    r = coordinator.get(f"/v1/networks/{network['id']}/members/{WOHNUNGSHILFE}").json()
    assert (r["agreement_signed_on"], r["days_to_accept"], r["active"]) == ("2025-03-14", 7, True)

    browser.click(f"#members button[data-edit='{SCHULDNER}']")
    days = browser.wait("#member-edit input[name=days_to_accept]")
    days.clear()
    days.send_keys("10")
    browser.set_value(browser.find("#member-edit input[name=agreement_signed_on]"), "2025-02-01")
    browser.find("#member-edit button[type=submit]").click()
    browser.wait_for(lambda: not browser.finds("#member-edit"), what="member saved")
    r = coordinator.get(f"/v1/networks/{network['id']}/members/{SCHULDNER}").json()
    assert (r["days_to_accept"], r["agreement_signed_on"]) == (10, "2025-02-01")

    browser.click(f"#members button[data-deactivate='{SOZIALAMT}']")
    assert "aus dem Netzwerk nehmen" in browser.confirm()
    browser.wait_for(lambda: not browser.finds(f"#members tr[data-node='{SOZIALAMT}']"),
                     what="former member hidden")
    browser.click("#show-former")
    assert member_row(browser, SOZIALAMT).get_attribute("data-active") == "false"
    assert coordinator.get(f"/v1/networks/{network['id']}/members/{SOZIALAMT}").json()[
        "active"] is False

    # ... a target group, and the network's settings.
    browser.find("#group-add input[name=code]").send_keys("schulden")
    browser.find("#group-add input[name=name]").send_keys("Überschuldete Haushalte")
    browser.find("#group-add textarea[name=criteria]").send_keys("Mietschulden oder Energieschulden")
    browser.find("#group-add button[type=submit]").click()
    browser.wait("#target-groups tr[data-code=schulden]")
    days = browser.find("#network-form input[name=default_days_to_accept]")
    days.clear()
    days.send_keys("6")
    browser.find("#network-form button[type=submit]").click()
    browser.wait_for(lambda: coordinator.get(f"/v1/networks/{network['id']}").json()[
        "default_days_to_accept"] == 6, what="settings saved")
    member_row(browser, WOHNUNGSHILFE)
    browser.d.execute_script("window.scrollTo(0, 0)")
    browser.shot("web-network-members")

    # 3. A chain with two mistakes: an unreachable step, a provider that is not a member.
    browser.click("nav.mainnav a[href='/chains']")
    browser.wait("#chain-form input[name=name]").send_keys(f"Schuldenfrei wohnen {tag}")
    assert browser.find("#network-choice").get_attribute("value") == network["id"]
    Select(browser.find("#chain-form select[name=target_group_id]")).select_by_visible_text(
        "Überschuldete Haushalte")
    browser.find("#chain-form button[type=submit]").click()
    browser.wait("#add-step")
    chain_id = browser.d.current_url.rsplit("/", 1)[1]

    def add_step(key, name, category):
        browser.find("#add-step input[name=key]").send_keys(key)
        browser.find("#add-step input[name=name]").send_keys(name)
        Select(browser.find("#add-step select[name=category]")).select_by_value(category)
        browser.find("#add-step button[type=submit]").click()
        return browser.wait(f"#steps li[data-step={key}]")

    def edge(frm, to):
        Select(browser.find("#add-edge select[name=from]")).select_by_value(frm)
        Select(browser.find("#add-edge select[name=to]")).select_by_value(to)
        browser.find("#add-edge button[type=submit]").click()
        browser.wait(f"#edges li[data-from={frm}][data-to={to}]")

    def provider(step, node):
        return browser.find(f"#steps li[data-step={step}] input[name=providers][value='{node}']")

    add_step("schulden", "Schuldnerberatung", "debt_counselling")
    provider("schulden", SCHULDNER).click()      # a checkbox, no Ctrl-click list
    edge("start", "schulden")
    add_step("wohnen", "Wohnung sichern", "housing_support")
    # The former member offers housing support: among the units outside the network.
    browser.find("#steps li[data-step=wohnen] details.others summary").click()
    provider("wohnen", SOZIALAMT).click()
    browser.click("#save-draft")
    browser.wait("#problems")
    problems = {li.get_attribute("data-code"): li for li in browser.finds("#problems li")}
    assert set(problems) == {"unreachable", "provider_not_member"}
    assert all(li.get_attribute("data-step") == "wohnen" for li in problems.values())
    assert "vom Start aus nicht erreichbar" in problems["unreachable"].text
    assert "Wohnung sichern" in problems["unreachable"].text
    assert problems["provider_not_member"].text == (
        "„Stadt Neustadt, Sozialamt“ bietet den Schritt „Wohnung sichern“ an, ist aber kein "
        "aktives Mitglied des Netzwerks.")
    assert "has-problem" in browser.find("#steps li[data-step=wohnen]").get_attribute("class")
    assert "has-problem" not in browser.find("#steps li[data-step=schulden]").get_attribute("class")
    graph = browser.wait("#editor-graph[data-problems]", visible=False)
    assert graph.get_attribute("data-problems") == "wohnen"
    assert float(graph.get_attribute("data-label-px")) >= 12
    browser.d.execute_script("window.scrollTo(0, 0)")
    browser.shot("web-chain-two-problems")

    # 4. Unsaved edits: leaving asks first (in the app, and when the tab would close).
    browser.find("nav.mainnav a[href='/network']").click()
    assert "ungespeicherte Änderungen" in browser.confirm(accept=False)
    assert browser.d.current_url.endswith(f"/chains/{chain_id}")
    assert browser.d.execute_script(
        "const e = new Event('beforeunload', {cancelable: true});"
        "window.dispatchEvent(e); return e.defaultPrevented;")

    # 5. Removing a step asks first, and can be undone.
    browser.find("#steps li[data-step=wohnen] button.remove-step").click()
    assert "Wohnung sichern" in browser.confirm(accept=True)
    browser.wait_for(lambda: not browser.finds("#steps li[data-step=wohnen]"), what="removed")
    browser.click("#undo-remove")
    browser.wait("#steps li[data-step=wohnen]")
    assert provider("wohnen", SOZIALAMT).is_selected()

    # 6. Fix both, save, publish.
    edge("schulden", "wohnen")
    provider("wohnen", SOZIALAMT).click()
    provider("wohnen", WOHNUNGSHILFE).click()
    browser.click("#save-draft")
    browser.wait_for(lambda: not browser.finds("#problems") and not browser.finds(
        ".page-head .badge-bad"), what="saved without problems")
    browser.click("#publish")
    browser.confirm(accept=True)
    browser.wait_for(lambda: browser.finds("#new-draft"), what="published")
    version = coordinator.get(f"/v1/chains/{chain_id}/versions/1").json()
    assert version["status"] == "published"
    assert [(s["key"], s["providers"]) for s in version["steps"]] == [
        ("schulden", [SCHULDNER]), ("wohnen", [WOHNUNGSHILFE])]
    assert browser.wait("#editor-graph", visible=False).get_attribute("data-problems") == ""
    assert not browser.d.execute_script(
        "const e = new Event('beforeunload', {cancelable: true});"
        "window.dispatchEvent(e); return e.defaultPrevented;")

    # 7. Back to Neustadt: statistics for a chosen period.
    choose_network(browser, NEUSTADT)
    browser.wait_for(lambda: browser.d.current_url.endswith("/chains"), what="chains of Neustadt")
    browser.click("nav.mainnav a[href='/map']")
    today = german_date()
    since = (today - datetime.timedelta(days=30)).isoformat()
    browser.set_value(browser.wait("#period-from"), since)
    browser.set_value(browser.find("#period-to"), today.isoformat())
    browser.click("#period-apply")
    browser.wait_for(lambda: f"from={since}" in browser.d.current_url, what="period in the address")
    until = (today + datetime.timedelta(days=1)).isoformat()
    flows = coordinator.get(f"/v1/networks/{NEUSTADT}/stats/flows",
                            params={"since": since, "until": until}).json()["nodes"]
    everything = coordinator.get(f"/v1/networks/{NEUSTADT}/stats/flows").json()["nodes"]
    assert flows and sum(f["referred"] for f in flows) < sum(f["referred"] for f in everything)
    browser.wait_for(lambda: len(browser.finds("table.numeric tbody tr")) == len(flows),
                     what="the period's flows")
    assert "bis einschließlich" in browser.text("#period-shown")
    browser.shot("web-statistics-period")

    # ... the same period on the agreements report.
    browser.click("nav.tabs a[href^='/agreements']")
    browser.wait("#agreements")
    assert f"from={since}" in browser.d.current_url
    report = coordinator.get(f"/v1/networks/{NEUSTADT}/stats/agreements",
                             params={"since": since, "until": until}).json()["members"]
    shown = {tr.get_attribute("data-node"): (tr.get_attribute("data-referrals"),
                                             tr.get_attribute("data-in-time"))
             for tr in browser.finds("#agreements tbody tr")}
    assert shown == {m["node_id"]: (str(m["referrals"]), str(m["answered_in_time"]))
                     for m in report}
    browser.shot("web-agreements")

    # 8. The CSV opens in German Excel as columns: BOM, semicolons, German headers.
    folder = browser.downloads()
    browser.click("nav.tabs a[href^='/map']")
    browser.click("#flows-csv")
    name, data = browser.downloaded(folder)
    assert name.endswith(".csv") and data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:4] == ["Ebene", "Von (Id)", "Von", "Von (Art)"]
    assert len({len(r) for r in rows}) == 1 and len(rows) > 1
    assert {r[0] for r in rows[1:]} <= {"Stelle", "Art"}

    assert browser.console_problems() == []
