"""The main path, each role in the browser: the coordinator builds and publishes a chain
(and sees the server's validation problems on the diagram first), the case manager opens
a case, records consent, enrols it and refers the client along the chain, the agency
confirms, accepts with an appointment, starts and completes, and the coordinator sees the
funnel change."""
import uuid

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

NETWORK = "40000000-0000-4000-8000-000000000001"
ALLEINERZIEHENDE = "50000000-0000-4000-8000-000000000001"
SCHULDNERBERATUNG = "20000000-0000-4000-8000-000000000007"
JOBCENTER_AE = "20000000-0000-4000-8000-000000000002"


def funnel(api, chain_id):
    r = api.get(f"/v1/chains/{chain_id}/stats/funnel")
    assert r.status_code == 200, r.text
    return {s["key"]: s for s in r.json()["steps"]}


def test_main_path(browser, demo, demo_db):
    coordinator, jobcenter, agency = demo("koordination"), demo("jobcenter"), demo("schuldnerberatung")
    tag = uuid.uuid4().hex[:6]
    browser.allow(422)  # the draft with a step no arrow leads to, checked by the server

    # 1. The coordinator creates a chain, sees a problem on the diagram, fixes it, publishes.
    browser.login("koordination")
    browser.go("/chains")
    browser.wait("#chain-form input[name=name]").send_keys(f"Schulden zuerst {tag}")
    Select(browser.find("#chain-form select[name=target_group_id]")).select_by_value(ALLEINERZIEHENDE)
    browser.find("#chain-form button[type=submit]").click()
    browser.wait("#add-step")
    chain_id = browser.d.current_url.rsplit("/", 1)[1]
    def add_step(key, name):
        browser.find("#add-step input[name=key]").send_keys(key)
        browser.find("#add-step input[name=name]").send_keys(name)
        Select(browser.find("#add-step select[name=category]")).select_by_value("debt_counselling")
        browser.find("#add-step button[type=submit]").click()
        return browser.wait(f"#steps li[data-step={key}]")

    step = add_step("schulden", "Schuldnerberatung")
    step.find_element(By.CSS_SELECTOR, f"input[name=providers][value='{SCHULDNERBERATUNG}']").click()
    Select(browser.find("#add-edge select[name=from]")).select_by_value("start")
    Select(browser.find("#add-edge select[name=to]")).select_by_value("schulden")
    browser.find("#add-edge button[type=submit]").click()
    browser.wait("#edges li[data-from=start][data-to=schulden]")
    # A step no arrow leads to: the server names it, and the diagram and the list mark it.
    add_step("nachsorge", "Nachsorge")
    browser.find("#save-draft").click()
    browser.wait("#problems")
    assert [li.get_attribute("data-step") for li in browser.finds("#problems li")] == ["nachsorge"]
    assert "has-problem" in browser.find("#steps li[data-step=nachsorge]").get_attribute("class")
    assert "has-problem" not in browser.find("#steps li[data-step=schulden]").get_attribute("class")
    assert browser.d.execute_script(
        "return document.querySelector('#editor-graph') !== null")
    browser.shot("chain-editor-problems")
    browser.find("#steps li[data-step=nachsorge] button.remove-step").click()
    WebDriverWait(browser.d, 15).until(EC.alert_is_present()).accept()   # removing asks first
    browser.wait_for(lambda: not browser.finds("#steps li[data-step=nachsorge]"), what="step removed")
    browser.find("#publish").click()
    WebDriverWait(browser.d, 15).until(EC.alert_is_present()).accept()
    browser.wait_for(lambda: not browser.finds("#publish") and browser.finds("#new-draft"),
                     what="published")
    assert not browser.finds("#problems")
    chain = coordinator.get(f"/v1/chains/{chain_id}").json()
    assert chain["current_version"] == 1 and chain["draft_version"] is None
    version = coordinator.get(f"/v1/chains/{chain_id}/versions/1").json()
    assert version["status"] == "published"
    assert [(s["key"], s["category"], s["providers"]) for s in version["steps"]] == [
        ("schulden", "debt_counselling", [SCHULDNERBERATUNG])]
    assert [(e["from"], e["to"]) for e in version["edges"]] == [("start", "schulden")]
    browser.shot("chain-editor")

    # 2. The case manager opens a case, records consent, enrols it, refers.
    browser.login("jobcenter")
    browser.go("/cases")
    reference = f"AE-{tag}"
    browser.wait("#case-form input[name=reference]").send_keys(reference)
    Select(browser.find("#case-form select[name=target_group_id]")).select_by_value(ALLEINERZIEHENDE)
    browser.find("#case-form button[type=submit]").click()
    browser.wait("#consents")
    case_id = browser.d.current_url.rsplit("/", 1)[1]
    assert browser.text("h1") == f"Fall {reference}"
    # Without a consent the form to record one is open at once.
    Select(browser.find("#consent-form select[name=purpose_code]")).select_by_value(
        "municipal_services")
    browser.find("#consent-form input[name=evidence]").send_keys("Akte, Blatt 1")
    browser.find("#consent-form button[type=submit]").click()
    browser.wait("#consents tbody tr")
    browser.wait("#enrol-form select[name=chain_id]")
    # The page is drawn afresh after each change: retry on an element just replaced.
    def enrol():
        Select(browser.find("#enrol-form select[name=chain_id]")).select_by_value(chain_id)
        browser.find("#enrol-form button[type=submit]").click()
        return True
    browser.wait_for(enrol, what="enrolled")
    browser.wait("#case-chain-graph canvas", visible=False)
    assert browser.find("#step-list li[data-step=schulden]").get_attribute("data-state") == "open"
    browser.find(f"#next-steps [data-step=schulden] button[data-refer='{SCHULDNERBERATUNG}']").click()
    form = browser.wait("#next-steps .refer-form")
    form.find_element(By.CSS_SELECTOR, "textarea[name=note]").send_keys("Mietschulden, Termin bitte vormittags.")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    browser.wait_for(lambda: browser.find("#step-list li[data-step=schulden]").get_attribute("data-state") == "referred",
                     what="step referred")
    referrals = jobcenter.get(f"/v1/referrals?box=outbox&case_id={case_id}").json()["items"]
    assert len(referrals) == 1
    referral = referrals[0]
    assert (referral["to_node_id"], referral["chain_step_key"], referral["status"]) == (
        SCHULDNERBERATUNG, "schulden", "sent")
    assert referral["note"] == "Mietschulden, Termin bitte vormittags."
    browser.shot("case")
    browser.go("/outbox")
    browser.wait(f"#outbox-list tr[data-id='{referral['id']}']")

    # 3. The agency confirms, accepts with an appointment, starts and completes.
    browser.login("schuldnerberatung")
    row = browser.wait(f"#inbox-list tr[data-id='{referral['id']}']")
    assert row.get_attribute("data-status") == "sent"
    browser.shot("inbox")
    row.find_element(By.CSS_SELECTOR, "a.row-link").click()
    browser.wait("#moves")
    assert sorted(b.get_attribute("data-move") for b in browser.finds("#moves button")) == [
        "accepted", "declined", "received", "waitlisted"]
    def status_shown(label):
        browser.wait_for(lambda: label in browser.find("#referral-status").text, what=label)

    browser.click("#moves [data-move=received]")
    status_shown("Eingang bestätigt")
    assert agency.get(f"/v1/referrals/{referral['id']}").json()["status"] == "received"
    browser.click("#moves [data-move=accepted]")
    browser.set_value(browser.wait("#move-accepted input[name=appointment_at]"), "2030-03-04T09:30")
    browser.click("#move-accepted button[type=submit]")
    status_shown("Angenommen")
    r = agency.get(f"/v1/referrals/{referral['id']}").json()
    assert r["status"] == "accepted" and r["appointment_at"].startswith("2030-03-04")
    browser.shot("referral")
    browser.click("#moves [data-move=in_progress]")
    status_shown("Begonnen")
    browser.click("#moves [data-move=completed]")
    Select(browser.wait("#move-completed select[name=outcome]")).select_by_value("goal_reached")
    browser.click("#move-completed button[type=submit]")
    status_shown("Abgeschlossen")
    assert not browser.finds("#moves")
    r = agency.get(f"/v1/referrals/{referral['id']}").json()
    assert (r["status"], r["outcome"]) == ("completed", "goal_reached")
    timeline = browser.finds("#timeline li")
    assert len(timeline) == 5  # created, received, accepted, in_progress, completed
    # Every transition is audited.
    n = demo_db.execute("SELECT count(*) FROM audit_log WHERE action = 'referral.transition'"
                        " AND object_id = %s", (referral["id"],)).fetchone()[0]
    assert n == 4

    # 4. The coordinator sees the funnel change.
    steps = funnel(coordinator, chain_id)
    assert steps["schulden"]["referred"] == 1 and steps["schulden"]["completed"] == 1
    browser.login("koordination")
    browser.go(f"/funnel?chain={chain_id}")
    row = browser.wait("#funnel-body tr[data-step=schulden]")
    assert (row.get_attribute("data-referred"), row.get_attribute("data-completed")) == ("1", "1")
    browser.wait("#funnel-chart")
    browser.shot("funnel")
