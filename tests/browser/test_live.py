"""Live updates: a referral sent while the agency's inbox is open appears in it without a
reload (through GET /v1/events), and the change is announced to screen readers."""
import uuid
from harness import german_date

ALLEINERZIEHENDE = "50000000-0000-4000-8000-000000000001"
SCHULDNERBERATUNG = "20000000-0000-4000-8000-000000000007"


def test_inbox_updates_live(browser, demo, web_pnetd):
    jobcenter = demo("jobcenter")

    browser.login("schuldnerberatung")
    browser.wait("#inbox-list")
    browser.wait_for(lambda: browser.find("#live-indicator").get_attribute("data-live") == "on",
                     what="live connection")
    browser.d.execute_script("window.__pnetNoReload = true;")

    case = jobcenter.post("/v1/cases", json={"reference": f"LIVE-{uuid.uuid4().hex[:6]}",
                                             "target_group_id": ALLEINERZIEHENDE})
    assert case.status_code == 201, case.text
    case_id = case.json()["id"]
    r = jobcenter.post(f"/v1/cases/{case_id}/consents", json={
        "scope": "network", "purpose": "Vermittlung", "purpose_code": "municipal_services",
        "evidence": "Akte",
        "given_on": german_date().isoformat()})
    assert r.status_code == 201, r.text
    r = jobcenter.post("/v1/referrals", json={"case_id": case_id, "to_node_id": SCHULDNERBERATUNG})
    assert r.status_code == 201, r.text
    referral_id = r.json()["id"]

    browser.wait(f"#inbox-list tr[data-id='{referral_id}']", timeout=20)
    assert browser.d.execute_script("return window.__pnetNoReload === true")
    browser.wait_for(lambda: "Neue Vermittlung" in browser.find("#announcer").text,
                     what="the announcement")
    browser.wait_for(lambda: browser.find("#notices-count").text == "1", what="the count")
    browser.shot("inbox-live")
