"""A coordinator sets a contract (Kontingent) of one place in the browser, and a case manager
sees it run out: the referral form says how many places are free, the receiving agency
accepts the first referral, and the next referral to the service is refused before it is sent
("Kontingent erschöpft"), while the coordinator's page shows the place taken and the referral
waiting. The coordinator also adds a funding source, which the debt counselling agency names
on its service where it edits it (so its referrals are paid from it), and at the end makes the
contract dearer and its limit soft on the Kontingente page, after which the next referral goes
out with a warning. The fixture makes only what an admin would have made before: a network with the
jobcenter and the debt counselling agency as members, a target group, and the coordinator's
account; contract, cases, consents and referrals are made through the UI."""
import uuid

import pytest

from journey_support import Mouse, login_as, wait_text

JOBCENTER = "20000000-0000-4000-8000-000000000002"
SCHULDNER = "20000000-0000-4000-8000-000000000007"
SERVICE = "30000000-0000-4000-8000-000000000017"   # Offene Kurzberatung Schulden und P-Konto
PASSWORD = "kontingent-koordination-1"


@pytest.fixture(scope="module")
def network(demo):
    admin = demo("admin")
    tag = uuid.uuid4().hex[:6]
    r = admin.post("/v1/networks", json={"name": f"Netzwerk Kontingent {tag}",
                                         "locality": "Neustadt", "default_days_to_accept": 5})
    assert r.status_code == 201, r.text
    net = r.json()
    for node in (JOBCENTER, SCHULDNER):
        r = admin.post(f"/v1/networks/{net['id']}/members", json={"node_id": node})
        assert r.status_code == 201, r.text
    r = admin.post(f"/v1/networks/{net['id']}/target-groups",
                   json={"code": "schulden", "name": f"Überschuldete {tag}"})
    assert r.status_code == 201, r.text
    group = r.json()
    login = f"koord-kontingent-{tag}"
    r = admin.post("/v1/accounts", json={"login": login, "display_name": "Koordination Kontingent",
                                         "role": "coordinator", "network_ids": [net["id"]],
                                         "password": PASSWORD, "must_change_password": False})
    assert r.status_code == 201, r.text
    return {"network": net, "group": group, "login": login}


def open_case_with_consent(browser, a, group):
    browser.go("/cases")
    a.type("#case-form input[name=reference]", f"SB-{uuid.uuid4().hex[:6]}")
    a.choose("#case-form select[name=target_group_id]", group)
    a.press("#case-form button[type=submit]")
    browser.wait("#consents")
    a.open("#consent-new summary")
    a.choose("#consent-form select[name=purpose_code]", "debt_counselling")
    a.type("#consent-form input[name=evidence]", "Akte 815, Blatt 2")
    a.press("#consent-form button[type=submit]")
    browser.wait("#consents tbody tr[data-state=valid]")
    return browser.d.current_url.rsplit("/", 1)[1]


def start_referral(browser, a):
    a.press("#refer-free")
    form = "#refer-outside .refer-form"
    browser.wait(form)
    a.choose(f"{form} select[name=to_node_id]", SCHULDNER)
    a.choose(f"{form} select[name=service_id]", SERVICE)
    return form


def test_coordinator_sets_a_contract_and_the_case_manager_sees_it_run_out(browser, demo, network):
    a = Mouse(browser)
    browser.allow(409)  # the referral refused because the contract is exhausted
    jc, caritas = demo("jobcenter"), demo("schuldnerberatung")

    # The coordinator agrees one place of the debt counselling service, hard limit.
    a.login(network["login"], PASSWORD)
    a.press(".mainnav a[href='/contracts']")
    browser.wait("#contracts-none")
    a.open("#contract-new summary")
    a.choose("#contract-form select[name=service_id]", SERVICE)
    a.type("#contract-form input[name=places]", "1")
    a.type("#contract-form input[name=price_per_place]", "95")
    a.choose("#contract-form select[name=limit]", "hard")
    a.press("#contract-form button[type=submit]")
    row = f"#contract-use tr[data-service='{SERVICE}']"
    browser.wait(row)
    assert browser.find(row).get_attribute("data-exhausted") == "false"
    browser.shot("contracts-de-set", "#contract-use")

    # A funding source of the network, in the same page.
    source_name = f"ESF Schuldnerberatung {uuid.uuid4().hex[:4]}"
    a.open("#source-new summary")
    a.type("#source-form input[name=code]", "esf-" + uuid.uuid4().hex[:6])
    a.type("#source-form input[name=name]", source_name)
    a.press("#source-form button[type=submit]")
    wait_text(browser, "#sources table", source_name)
    (source,) = [f for f in jc.get(f"/v1/networks/{network['network']['id']}/funding-sources")
                 .json()["items"] if f["name"] == source_name]

    # The debt counselling agency names it on its service, where it edits the service.
    browser.find("#logout").click()
    browser.wait("#login-form")
    login_as(browser, a, "schuldnerberatung")
    before = caritas.get(f"/v1/services/{SERVICE}").json()
    try:
        a.press(".mainnav a[href='/services']")
        card = f"#service-card-{SERVICE}"
        a.open(f"{card} details.disclosure summary")
        a.choose(f"{card} select[name=funding_source_id]", source["id"])
        a.press(f"{card} form.service-form > .actions button[type=submit]")
        browser.wait_for(lambda: caritas.get(f"/v1/services/{SERVICE}").json()[
            "funding_source_id"] == source["id"], what="the service names its funding source")
        run_out(browser, a, network, jc, caritas, row, source)
    finally:
        now = caritas.get(f"/v1/services/{SERVICE}").json()
        caritas.patch(f"/v1/services/{SERVICE}",
                      json={"funding_source_id": before.get("funding_source_id")},
                      headers={"If-Match": f'"{now["version"]}"'})


def run_out(browser, a, network, jc, caritas, row, source):
    # The case manager refers a first client: one place of one is free.
    browser.find("#logout").click()
    browser.wait("#login-form")
    a.login("jobcenter", "neustadt-demo")
    first = open_case_with_consent(browser, a, network["group"]["id"])
    form = start_referral(browser, a)
    wait_text(browser, f"{form} [id$=-contract]", "1 von 1 Plätzen frei")
    a.press(f"{form} button[type=submit]")
    browser.wait("#case-referrals tbody tr")
    (sent,) = jc.get(f"/v1/referrals?box=outbox&case_id={first}").json()["items"]
    assert sent["service_id"] == SERVICE and sent["legal_basis"] == "sgbx_67b"
    assert sent["funding_source_id"] == source["id"]
    (k,) = jc.get(f"/v1/cases/{first}/consents").json()["items"]
    assert (k["purpose_code"], k["legal_basis"]) == ("debt_counselling", "sgbx_67b")
    assert sent["consent_id"] == k["id"]

    # The debt counselling agency accepts it in its inbox.
    browser.find("#logout").click()
    browser.wait("#login-form")
    login_as(browser, a, "schuldnerberatung")
    browser.go(f"/referrals/{sent['id']}")
    a.press("#moves [data-move=accepted]")
    a.press("#move-accepted button[type=submit]")
    browser.wait_for(lambda: caritas.get(f"/v1/referrals/{sent['id']}").json()["status"]
                     == "accepted", what="accepted")

    # The next client: the form says the contract is exhausted, and sending is refused.
    browser.find("#logout").click()
    browser.wait("#login-form")
    login_as(browser, a, "jobcenter")
    second = open_case_with_consent(browser, a, network["group"]["id"])
    form = start_referral(browser, a)
    info = f"{form} [id$=-contract]"
    wait_text(browser, info, "Kontingent erschöpft")
    assert browser.find(info).get_attribute("data-exhausted") == "true"
    browser.shot("contracts-de-exhausted", "#refer-outside")
    a.press(f"{form} button[type=submit]")
    wait_text(browser, f"{form} .form-error", "Kontingent erschöpft")
    assert jc.get(f"/v1/referrals?box=outbox&case_id={second}").json()["items"] == []

    # The coordinator sees the place taken.
    browser.find("#logout").click()
    browser.wait("#login-form")
    login_as(browser, a, network["login"], PASSWORD)
    browser.go("/contracts")
    browser.wait(row)
    assert browser.find(row).get_attribute("data-exhausted") == "true"
    assert "Kontingent erschöpft" in browser.find(row).text

    # It makes the place dearer and the limit soft, in the same row.
    editor = f"{row} form.contract-editor"
    a.type(f"{editor} input[name=price_per_place]", "110", clear=True)
    a.choose(f"{editor} select[name=limit]", "soft")
    a.press(f"{editor} button[type=submit]")
    wait_text(browser, "#announcer", "Das Kontingent ist geändert")
    ko = [c for c in jc.get(f"/v1/services/{SERVICE}/contracts").json()["items"]
          if c["network_id"] == network["network"]["id"]]
    assert [(c["places"], float(c["price_per_place"]), c["limit"]) for c in ko] == [
        (1, 110.0, "soft")]

    # Now the case manager may send the next referral, warned.
    browser.find("#logout").click()
    browser.wait("#login-form")
    login_as(browser, a, "jobcenter")
    browser.go(f"/cases/{second}")
    form = start_referral(browser, a)
    wait_text(browser, f"{form} [id$=-contract]", "Sie können trotzdem vermitteln")
    a.press(f"{form} button[type=submit]")
    browser.wait("#case-referrals tbody tr")
    (sent2,) = jc.get(f"/v1/referrals?box=outbox&case_id={second}").json()["items"]
    assert sent2["service_id"] == SERVICE and sent2["status"] == "sent"
