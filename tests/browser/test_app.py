"""The web app's frame: login and logout, the English switch, the forbidden page, the
directory, and no Content-Security-Policy violation anywhere."""
from selenium.webdriver.common.by import By


def test_wrong_password_says_so_and_stays_on_login(browser):
    browser.allow(401)
    browser.go("/login")
    browser.d.execute_script("sessionStorage.clear(); localStorage.removeItem('pnet.lang');")
    browser.go("/login")
    browser.wait("#login-form input[name=login]").send_keys("schuldnerberatung")
    browser.find("#login-form input[name=password]").send_keys("falsch")
    browser.find("#login-form button[type=submit]").click()
    browser.wait_for(lambda: browser.find("#login-error").text, what="login error")
    assert browser.find("#login-error").text == "Kennung oder Passwort stimmen nicht."
    assert browser.d.current_url.endswith("/login")
    # Labelled fields: every input has a label naming it.
    for name in ("login", "password"):
        el = browser.find(f"#login-form input[name={name}]")
        assert browser.finds(f"label[for='{el.get_attribute('id')}']")
    browser.shot("login")


def test_login_lands_on_the_inbox_and_logout_returns_to_login(browser):
    browser.login("schuldnerberatung")
    assert browser.d.current_url.endswith("/inbox")
    assert browser.text("h1") == "Posteingang"
    assert browser.find(".who-name").text == "Caritas Schuldnerberatung Neustadt"
    assert browser.find(".mainnav a[aria-current=page]").text == "Posteingang"
    assert browser.find("#live-indicator")
    browser.find("#logout").click()
    browser.wait("#login-form")
    assert browser.d.current_url.endswith("/login")
    assert browser.d.execute_script("return sessionStorage.getItem('pnet.token')") is None
    # A page of the app without a session leads back to the login.
    browser.go("/cases")
    browser.wait("#login-form")


def test_english_switch(browser):
    browser.login("koordination")
    browser.wait(".mainnav")
    assert [a.text for a in browser.finds(".mainnav a")] == [
        "Netzwerk", "Ketten", "Auswertung", "Überfällig", "Kontingente", "Angebote"]
    browser.find("button[lang=en]").click()
    browser.wait_for(lambda: browser.find(".mainnav a").text == "Network", what="English nav")
    assert browser.d.execute_script("return document.documentElement.lang") == "en"
    assert browser.text("h1") == "Service chains"
    browser.find("button[lang=de]").click()
    browser.wait_for(lambda: browser.find(".mainnav a").text == "Netzwerk", what="German nav")


def test_forbidden_page_is_a_clear_message(browser):
    browser.login("jobcenter")
    browser.go("/chains")
    box = browser.wait("#forbidden")
    assert box.find_element(By.TAG_NAME, "h1").text == "Kein Zugriff"
    assert "nicht freigegeben" in box.text
    browser.shot("forbidden")
    box.find_element(By.CSS_SELECTOR, "a").click()
    browser.wait_for(lambda: browser.d.current_url.endswith("/inbox"), what="back to the inbox")


def test_unknown_page_says_not_found(browser):
    browser.login("jobcenter")
    browser.go("/gibt-es-nicht")
    assert browser.wait("#notfound h1").text == "Seite nicht gefunden"


def test_directory_filters_by_category_and_capacity(browser, demo):
    browser.login("jobcenter")
    browser.go("/directory")
    browser.wait("#dir-results .result-count")
    total = len(browser.finds("#dir-results tbody tr"))
    expected = demo("jobcenter").get("/v1/services?limit=500").json()["items"]
    assert total == len(expected) > 0
    browser.find("#dir-form select[name=category] option[value=debt_counselling]").click()
    browser.find("#dir-form button[type=submit]").click()
    want = demo("jobcenter").get("/v1/services?category=debt_counselling&limit=500").json()["items"]
    browser.wait_for(lambda: len(browser.finds("#dir-results tbody tr")) == len(want),
                     what="filtered results")
    shown = {tr.get_attribute("data-id") for tr in browser.finds("#dir-results tbody tr")}
    assert shown == {s["id"] for s in want}
    browser.find("#dir-capacity").click()
    browser.find("#dir-form button[type=submit]").click()
    want = demo("jobcenter").get(
        "/v1/services?category=debt_counselling&has_capacity=true&limit=500").json()["items"]
    browser.wait_for(lambda: {tr.get_attribute("data-id") for tr in browser.finds("#dir-results tbody tr")}
                     == {s["id"] for s in want}, what="capacity filter")
    n = len(want)
    assert browser.find("#dir-results .result-count").text == (
        "1 Angebot" if n == 1 else f"{n} Angebote")
    # One result is one "Angebot", not "1 Angebote".
    browser.find("#dir-capacity").click()
    q = browser.find("#dir-form input[name=q]")
    q.send_keys("Offene Kurzberatung")
    browser.find("#dir-form button[type=submit]").click()
    browser.wait_for(lambda: browser.find("#dir-results .result-count").text == "1 Angebot",
                     what="the singular")
    browser.shot("directory")


def test_coordinator_screens_render_without_csp_violations(browser, demo):
    browser.login("koordination")
    # Live events are a node's: a coordinator has no stream and no "offline" indicator.
    assert not browser.d.find_elements("css selector", "#live-indicator")
    browser.d.get_log("browser")  # drop what came before
    network = "40000000-0000-4000-8000-000000000001"
    members = demo("koordination").get(f"/v1/networks/{network}/members?limit=500").json()["items"]
    browser.go("/network")
    browser.wait("[data-node]")
    assert len(browser.finds("section [data-node]")) == len(members)
    browser.shot("network")
    browser.go("/map")
    browser.wait("#network-graph canvas", visible=False)
    browser.shot("network-map")
    browser.go("/overdue")
    browser.wait("h1")
    browser.go("/chains/70000000-0000-4000-8000-000000000001")
    browser.wait("#editor-graph canvas", visible=False)
    steps = [li.get_attribute("data-step") for li in browser.finds("#steps > li")]
    version = demo("koordination").get(
        "/v1/chains/70000000-0000-4000-8000-000000000001/versions/1").json()
    assert steps == [s["key"] for s in version["steps"]]
    browser.shot("chain")
    assert browser.csp_violations() == []


def test_a_deep_link_lands_where_it_points_after_the_login(browser, demo):
    """A link to a referral opened without a session asks for the login, then shows the
    referral, not the inbox."""
    referral = demo("schuldnerberatung").get("/v1/referrals?box=inbox&limit=1").json()["items"][0]
    browser.fresh_device()
    browser.go(f"/referrals/{referral['id']}")
    browser.wait("#login-form input[name=login]")
    assert "next=" in browser.d.current_url
    browser.find("#login-form input[name=login]").send_keys("schuldnerberatung")
    browser.find("#login-form input[name=password]").send_keys("neustadt-demo")
    browser.find("#login-form button[type=submit]").click()
    browser.wait("#referral-status", timeout=60)
    assert browser.d.current_url.endswith(f"/referrals/{referral['id']}")
    # Only paths of the app: another site is never where the login leads.
    browser.fresh_device()
    browser.go("/login?next=//example.org/x")
    browser.find("#login-form input[name=login]").send_keys("schuldnerberatung")
    browser.find("#login-form input[name=password]").send_keys("neustadt-demo")
    browser.find("#login-form button[type=submit]").click()
    browser.wait("#inbox-list", timeout=60)
    assert browser.d.current_url.startswith(browser.base + "/inbox")
