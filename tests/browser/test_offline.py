"""The web app as an installable app that works offline (docs/architecture.md, "The app
offline"): Chromium finds it installable; a partner agency reads its inbox and a referral
without a network, accepts it offline and sees the move sent when it is back online; a move
whose referral changed meanwhile is put to the user, who applies it again or discards it;
logout (and an ended session) leaves nothing of the account in Cache Storage or IndexedDB;
a case opened online reads offline, what cannot wait for the network says so; one account
never reads another's copy.

The referrals are sent by the jobcenter through the API, as its own system would; the agency
works them in the browser."""
import datetime
import json
import uuid

from journey_support import ALLEINERZIEHENDE, Mouse, fits, today, wait_text
from offline_support import Offline, as_test, cache_state, controlled
from referral_support import Loop

AGENCY = "schuldnerberatung"


def row(referral):
    return f"#inbox-list tr[data-id='{referral['id']}']"


def state(client, referral):
    return client.get(f"/v1/referrals/{referral['id']}").json()


def open_from_inbox(browser, a, referral):
    """Opens the referral through the inbox, as a person does."""
    if browser.d.execute_script("return location.pathname") != "/inbox":
        a.press(".mainnav a[href='/inbox']")
    browser.wait(row(referral))
    a.press(row(referral) + " a.row-link")
    wait_text(browser, "h1", referral["case"]["reference"])


def case_references(client):
    """The references of every case the client's node holds."""
    refs, after = [], None
    while True:
        page = client.get("/v1/cases?limit=500" + (f"&after={after}" if after else "")).json()
        refs += [c["reference"] for c in page["items"]]
        after = page.get("next")
        if not after:
            return refs


def account_id(demo, login):
    return demo(login).get("/v1/me").json()["account"]["id"]


def test_the_app_is_installable(browser):
    browser.fresh_device()
    browser.go("/login")
    controlled(browser)
    manifest = browser.d.execute_cdp_cmd("Page.getAppManifest", {})
    assert manifest["url"] == browser.base + "/manifest.webmanifest"
    assert manifest["errors"] == [], manifest["errors"]
    data = json.loads(manifest["data"])
    assert (data["name"], data["short_name"]) == ("pnet – Netzwerk für soziale Dienste", "pnet")
    assert (data["lang"], data["display"], data["start_url"]) == ("de", "standalone", "/")
    assert data["theme_color"] == "#1f5f7a"
    icons = {(i["sizes"], i["type"], i["purpose"]) for i in data["icons"]}
    assert {("192x192", "image/png", "any"), ("512x512", "image/png", "any"),
            ("any", "image/svg+xml", "any"), ("512x512", "image/png", "maskable")} <= icons
    # Chromium's own verdict: nothing keeps it from installing the app.
    errors = browser.d.execute_cdp_cmd("Page.getInstallabilityErrors", {})
    assert errors["installabilityErrors"] == [], errors
    # Every icon is there, a PNG of its stated size.
    for icon in data["icons"]:
        if icon["type"] != "image/png":
            continue
        size = browser.d.execute_async_script("""
const done = arguments[1];
fetch(arguments[0]).then((r) => r.blob()).then(createImageBitmap)
    .then((b) => done(`${b.width}x${b.height}`), (e) => done(String(e)));""", icon["src"])
        assert size == icon["sizes"], icon


def test_offline_reading_and_an_accept_sent_when_back_online(browser, demo, web_pnetd, demo_db):
    a = Mouse(browser)
    caritas = demo(AGENCY)
    referral = Loop(demo).refer(note="Bitte vor dem Termin anrufen.")
    reference = referral["case"]["reference"]

    a.login(AGENCY, "neustadt-demo")
    browser.wait(row(referral))
    open_from_inbox(browser, a, referral)
    browser.wait("#moves")
    controlled(browser)
    assert not browser.find("#offline-indicator").is_displayed()

    with Offline(browser, web_pnetd):
        # The header says so at once.
        browser.wait("#offline-indicator")
        assert browser.find("#offline-indicator").text == "Offline"
        # A reload: the app's shell from the service worker, the referral from the copy.
        browser.d.refresh()
        browser.wait("#moves")
        assert "Bitte vor dem Termin anrufen." in browser.find(".facts").text
        assert "gespeicherter Stand vom" in browser.text("#offline-copy")
        assert browser.find("#offline-indicator").is_displayed()
        # Along the app's links, and typed into the address bar.
        a.press(".crumbs a[href='/inbox']")
        browser.wait(row(referral))
        browser.go("/inbox")
        browser.wait(row(referral))
        assert "gespeicherter Stand vom" in browser.text("#offline-copy")
        open_from_inbox(browser, a, referral)

        # Accepted offline, with an appointment: it waits, and says so.
        a.press("#moves [data-move=accepted]")
        appointment = today(9)
        browser.d.execute_script(
            "arguments[0].value = arguments[1];",
            browser.wait("#move-accepted input[name=appointment_at]"), f"{appointment.isoformat()}T09:30")
        a.press("#move-accepted button[type=submit]")
        wait_text(browser, "#queued-move", "Wird gesendet, sobald Sie online sind.")
        assert f"Annehmen · Fall {reference}" in browser.find("#queued-move").text
        assert not browser.finds("#moves")
        wait_text(browser, "#announcer", "wird gesendet, sobald Sie online sind")
        assert browser.find("#queue-toggle").text == "1 wartet"
        assert browser.find("#queue-toggle").get_attribute("aria-label") == "1 Änderung wartet auf Versand"
        a.press("#queue-toggle")
        item = "#queue-panel li[data-state=waiting]"
        wait_text(browser, item, f"Annehmen · Fall {reference}")
        assert "Wird gesendet, sobald Sie online sind." in browser.find(item).text
        browser.shot("offline-queued")
        # The event stream's sign rests meanwhile; on a phone the header still fits.
        assert not browser.find("#live-indicator").is_displayed()
        browser.phone()
        try:
            fits(browser)
            assert browser.find("#offline-indicator").is_displayed()
            assert browser.find("#queue-toggle").is_displayed()
            browser.shot("offline-queued-phone")
        finally:
            browser.desktop()
        # Nothing went out; the inbox marks the referral.
        assert as_test(caritas, "GET", f"/v1/referrals/{referral['id']}").json()["status"] == "sent"
        a.press(".mainnav a[href='/inbox']")
        wait_text(browser, row(referral), "wartet auf Versand")

    # Online again: the move is sent with the version seen, and the page follows.
    browser.wait_for(lambda: state(caritas, referral)["status"] == "accepted", timeout=30,
                     what="the queued accept stored")
    got = state(caritas, referral)
    at = datetime.datetime.fromisoformat(got["appointment_at"]).astimezone()
    assert (at.date(), at.hour, at.minute) == (appointment, 9, 30)
    assert got["version"] == referral["version"] + 1
    # It went with the Idempotency-Key it was given when made: had its answer been lost, the
    # queue's resend would be answered as made instead of as a conflict with itself.
    (kept,) = demo_db.execute(
        "SELECT count(*) FROM idempotency_key WHERE account_id = %s AND status = 200"
        " AND response::jsonb->>'id' = %s",
        (account_id(demo, AGENCY), referral["id"])).fetchone()
    assert kept == 1
    wait_text(browser, "#announcer", f"Gesendet: Annehmen · Fall {reference}.")
    browser.wait_for(lambda: not browser.find("#queue-toggle").is_displayed(), what="an empty queue")
    browser.wait_for(lambda: "wartet auf Versand" not in browser.find(row(referral)).text
                     and "Angenommen" in browser.find(row(referral)).text, what="the inbox updated")
    assert not browser.finds("#offline-copy")
    assert not browser.find("#offline-indicator").is_displayed()
    # Nothing waits, so no queue is kept on the device.
    assert f"pnet-queue-{account_id(demo, AGENCY)}" not in cache_state(browser)["databases"]
    open_from_inbox(browser, a, referral)
    wait_text(browser, "#referral-status", "Angenommen")
    assert not browser.finds("#queued-move")


def test_a_referral_changed_meanwhile_is_put_to_the_user(browser, demo, web_pnetd):
    browser.allow(412)  # the queued moves' refusals, each shown to the user
    a = Mouse(browser)
    jobcenter, caritas = demo("jobcenter"), demo(AGENCY)
    withdrawn = Loop(demo).refer()
    received = Loop(demo).refer()

    a.login(AGENCY, "neustadt-demo")
    for referral in (withdrawn, received):
        open_from_inbox(browser, a, referral)
        browser.wait("#moves")
    controlled(browser)

    with Offline(browser, web_pnetd):
        open_from_inbox(browser, a, withdrawn)
        a.press("#moves [data-move=accepted]")
        a.press("#move-accepted button[type=submit]")
        browser.wait("#queued-move")
        open_from_inbox(browser, a, received)
        a.press("#moves [data-move=declined]")
        a.choose("#move-declined select[name=reason]", "no_capacity")
        a.type("#move-declined textarea[name=note]", "Erst wieder im Herbst.")
        a.press("#move-declined button[type=submit]")
        wait_text(browser, "#queued-move", "Wird gesendet, sobald Sie online sind.")
        wait_text(browser, "#queue-toggle", "2 warten")
        # Meanwhile the jobcenter withdraws the first, and a colleague confirms receipt of
        # the second from another device.
        r = as_test(jobcenter, "POST", f"/v1/referrals/{withdrawn['id']}/transitions",
                    json={"to": "withdrawn", "reason": "no_longer_needed"},
                    headers={"If-Match": f'"{withdrawn["version"]}"'})
        assert r.status_code == 200, r.text
        r = as_test(caritas, "POST", f"/v1/referrals/{received['id']}/transitions",
                    json={"to": "received"}, headers={"If-Match": f'"{received["version"]}"'})
        assert r.status_code == 200, r.text

    # Back online: both are refused (412) and put to the user, nothing is dropped or applied.
    wait_text(browser, "#queue-toggle", "2 zu entscheiden", timeout=30)
    panel = "#queue-panel"
    browser.wait(panel)
    first = f"{panel} li[data-key='{withdrawn['id']}'][data-state=conflict]"
    second = f"{panel} li[data-key='{received['id']}'][data-state=conflict]"
    wait_text(browser, first, "Nicht gesendet: Die Vermittlung hat sich inzwischen geändert.")
    text = browser.find(first).text
    assert "Stand, als Sie die Änderung machten: Neu" in text
    assert "Stand jetzt: Zurückgezogen (Nicht mehr nötig)" in text
    sender = jobcenter.get(f"/v1/nodes/{withdrawn['from_node_id']}").json()["name"]
    assert f"{sender}: Neu → Zurückgezogen" in text
    text = browser.find(second).text
    assert "Stand jetzt: Eingang bestätigt" in text
    assert "Caritas Schuldnerberatung Neustadt: Neu → Eingang bestätigt" in text
    assert f"Ablehnen · Fall {received['case']['reference']}" in text
    assert state(caritas, withdrawn)["status"] == "withdrawn"
    assert state(caritas, received)["status"] == "received"
    browser.shot("offline-conflict", panel)

    # The second: the decline again, on the new version.
    a.press(f"{second} [data-queue-again]")
    browser.wait_for(lambda: state(caritas, received)["status"] == "declined", what="the decline stored")
    got = state(caritas, received)
    assert (got["status_reason"], got["version"]) == ("no_capacity", received["version"] + 2)
    events = caritas.get(f"/v1/referrals/{received['id']}/events").json()["items"]
    assert events[-1]["note"] == "Erst wieder im Herbst."
    wait_text(browser, "#queue-toggle", "1 zu entscheiden")
    # The first: a withdrawn referral takes no acceptance, so only discarding is offered.
    text = browser.find(first).text
    assert "So ist Ihre Änderung nicht mehr möglich." in text
    assert "Auf neuen Stand anwenden" not in text
    assert not browser.finds(f"{first} [data-queue-again]")
    a.press(f"{first} [data-queue-discard]")
    wait_text(browser, "#announcer", f"Verworfen: Annehmen · Fall {withdrawn['case']['reference']}.")
    browser.wait_for(lambda: not browser.find("#queue-toggle").is_displayed(), what="an empty queue")
    assert state(caritas, withdrawn)["status"] == "withdrawn"
    assert state(caritas, withdrawn)["version"] == withdrawn["version"] + 1
    browser.go(f"/referrals/{received['id']}")
    wait_text(browser, "#referral-status", "Abgelehnt")


def test_logout_leaves_nothing_of_the_account(browser, demo, web_pnetd):
    a = Mouse(browser)
    caritas = demo(AGENCY)
    me = account_id(demo, AGENCY)
    referral = Loop(demo).refer()
    a.login(AGENCY, "neustadt-demo")
    open_from_inbox(browser, a, referral)
    browser.wait("#moves")
    controlled(browser)
    with Offline(browser, web_pnetd):
        a.press("#moves [data-move=received]")
        browser.wait("#queued-move")
        held = cache_state(browser)
        own = browser.d.execute_script("return sessionStorage.getItem('pnet.readcache')")
        assert own in held["caches"], held
        assert any(referral["id"] in url for url in held["caches"][own])
        assert f"pnet-queue-{me}" in held["databases"]
        # Logging out with a change not sent: the user is asked, and it goes with the rest.
        a.press("#logout")
        assert "noch nicht gesendet. Beim Abmelden" in browser.confirm(accept=True)
        browser.wait("#login-form")
        left = cache_state(browser)
        assert f"pnet-queue-{me}" not in left["databases"], left
        assert own not in left["caches"]
        # What other accounts left on this browser is theirs; the app's shell holds no data.
        assert me not in left["owners"].values(), left["owners"]
        for name, urls in left["caches"].items():
            if name.startswith("pnet-shell-"):
                assert not [u for u in urls if "/v1/" in u], (name, urls)
            else:
                assert name.startswith("pnet-data-") and name in left["owners"], name
        assert browser.d.execute_script(
            "return [sessionStorage.getItem('pnet.token'), sessionStorage.getItem('pnet.readcache')]") == [None, None]
        # Nothing to read offline any more: the inbox asks for a login.
        browser.go("/inbox")
        browser.wait("#login-form")
    assert state(caritas, referral)["status"] == "sent"


def test_an_ended_session_takes_its_copy_along(browser, demo, web_pnetd):
    browser.allow(401)
    a = Mouse(browser)
    referral = Loop(demo).refer()
    a.login(AGENCY, "neustadt-demo")
    open_from_inbox(browser, a, referral)
    browser.wait("#moves")
    own = browser.d.execute_script("return sessionStorage.getItem('pnet.readcache')")
    assert own in cache_state(browser)["caches"]
    # The session ends elsewhere (its token revoked); the app's next request hears 401.
    token = browser.d.execute_script("return sessionStorage.getItem('pnet.token')")
    assert demo(None).as_token(token).post("/v1/auth/logout").status_code == 204
    a.press(".crumbs a[href='/inbox']")
    browser.wait("#login-form")
    assert own not in cache_state(browser)["caches"]


def test_offline_a_case_reads_what_cannot_wait_says_so_and_accounts_stay_apart(browser, demo, web_pnetd):
    a = Mouse(browser)
    referral = Loop(demo).refer()
    # The agency reads the referral, and leaves without logging out.
    a.login(AGENCY, "neustadt-demo")
    open_from_inbox(browser, a, referral)
    browser.wait("#moves")
    # The jobcenter on the same browser.
    a.login("jobcenter", "neustadt-demo")
    jobcenter = demo("jobcenter")
    reference = f"OFF-{uuid.uuid4().hex[:6]}"
    # Online, a case opened, then back to the list: both are kept for reading offline.
    opened = f"ON-{uuid.uuid4().hex[:6]}"
    a.press(".mainnav a[href='/cases']")
    a.type("#case-form input[name=reference]", opened)
    a.choose("#case-form select[name=target_group_id]", ALLEINERZIEHENDE)
    a.press("#case-form button[type=submit]")
    wait_text(browser, "h1", opened)
    a.press(".mainnav a[href='/cases']")
    browser.wait("#case-form")
    wait_text(browser, "main", opened)
    controlled(browser)
    with Offline(browser, web_pnetd):
        # The open case is readable, from the list.
        browser.d.find_element("link text", opened).click()
        wait_text(browser, "h1", opened)
        assert "gespeicherter Stand vom" in browser.text("#offline-copy")
        a.press(".mainnav a[href='/cases']")
        browser.wait("#case-form")
        # A new case needs the server: the form says so, and nothing is sent.
        a.type("#case-form input[name=reference]", reference)
        a.choose("#case-form select[name=target_group_id]", ALLEINERZIEHENDE)
        a.press("#case-form button[type=submit]")
        wait_text(browser, "#case-form .form-error", "Sie sind offline: Das geht erst wieder mit einer Verbindung")
        # The agency's copy is not the jobcenter's: its referral is not readable here.
        browser.go(f"/referrals/{referral['id']}")
        wait_text(browser, "main", "Sie sind offline, und diese Seite ist auf diesem Gerät nicht gespeichert.")
        assert referral["case"]["reference"] not in browser.find("main").text
        assert browser.finds("#offline-missing")
    # Back online, the page that was missing is drawn: the referral is the jobcenter's own.
    wait_text(browser, "h1", referral["case"]["reference"])
    assert not browser.finds("#offline-missing")
    assert reference not in case_references(jobcenter)
