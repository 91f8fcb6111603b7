"""Journey 1, the case manager: from a fresh login and an empty case to a closed one. Open a
case (a pseudonym that looks like a birth date is refused in the user's words), record consent
with an expiry date, assign a chain, record the first step as done by the own team, refer to
the suggested debt counselling agency, log a warm handover, see the acceptance and the outcome
arrive live with a visible notification, come back after a decline elsewhere and redirect to
another provider, and close the case.

Walked in German with the mouse on a desktop, and in English with the keyboard only on a
390 x 844 phone, where no page may be wider than the window. What the other side does (the
agencies' moves) goes through the API; journey 2 walks that side in the browser."""
import pytest
import uuid

from journey_support import (ALLEINERZIEHENDE, CHAIN_AE, JOBCENTER, JUGENDAMT, KITA, SCHULDNER,
                             Keyboard, Mouse, fits, settle, today, wait_text)

PASSWORD = "neustadt-demo"

TEXT = {
    "de": {
        "birth_date": "Das sieht wie ein Geburtsdatum aus",
        "no_consent": "noch keine Einwilligung",
        "valid_until": "gültig bis",
        "sent": "Gesendet",
        "handover": "Übergabe (Persönlich, warm)",
        "accepted": "hat angenommen",
        "completed": "hat abgeschlossen",
        "goal": "Ziel erreicht",
        "declined": "hat abgelehnt",
        "no_capacity": "Keine freie Kapazität",
        "open_referrals": "noch offene Vermittlungen",
        "withdrawn": "Zurückgezogen",
        "closed": "Geschlossen am",
        "english_leak": ["use a pseudonym", "looks like", "Must ", "referral"],
    },
    "en": {
        "birth_date": "looks like a date of birth",
        "no_consent": "No consent has been recorded",
        "valid_until": "valid until",
        "sent": "Sent",
        "handover": "Handover (In person, warm)",
        "accepted": "accepted",
        "completed": "completed",
        "goal": "Goal reached",
        "declined": "declined",
        "no_capacity": "No capacity",
        "open_referrals": "still has open referrals",
        "withdrawn": "Withdrawn",
        "closed": "Closed on",
        "english_leak": [],
    },
}


def move(client, referral_id, to, **fields):
    """The other side's move, through the API."""
    r = client.get(f"/v1/referrals/{referral_id}")
    assert r.status_code == 200, r.text
    body = {"to": to}
    body.update(fields)
    resp = client.post(f"/v1/referrals/{referral_id}/transitions", json=body,
                       headers={"If-Match": f'"{r.json()["version"]}"'})
    assert resp.status_code == 200, resp.text


def referrals_of(client, case_id):
    return client.get(f"/v1/referrals?box=outbox&case_id={case_id}").json()["items"]


def unread(browser):
    el = browser.find("#notices-count")
    return 0 if not el.is_displayed() else int(el.text)


def journey(browser, a, demo, lang, phone):
    T = TEXT[lang]
    jc, caritas, jugendamt = demo("jobcenter"), demo("schuldnerberatung"), demo("jugendamt")
    browser.allow(409, 422)  # the refused pseudonym, the close refused while a referral is open
    check = (lambda: fits(browser)) if phone else (lambda: None)

    a.login("jobcenter", PASSWORD, lang)
    assert browser.d.current_url.endswith("/inbox")
    check()

    # A new case: the target groups are the network's own, none chosen for the user.
    a.press(".mainnav a[href='/cases']")
    browser.wait("#case-form")
    check()
    networks = [m["network_id"] for m in jc.get(f"/v1/nodes/{JOBCENTER}").json()["memberships"]
                if m["active"]]
    groups = {g["id"] for n in networks
              for g in jc.get(f"/v1/networks/{n}/target-groups?limit=500").json()["items"]}
    offered = browser.d.execute_script(
        "return [...document.querySelectorAll('#case-form select[name=target_group_id] option')]"
        ".map((o) => o.value).filter(Boolean)")
    assert set(offered) == groups and len(offered) == len(groups)
    assert browser.find("#case-form select[name=target_group_id]").get_attribute("value") == ""

    # A birth date is no pseudonym: said in the user's language, at the field.
    a.type("#case-form input[name=reference]", "01.02.1990")
    a.choose("#case-form select[name=target_group_id]", ALLEINERZIEHENDE)
    a.press("#case-form button[type=submit]")
    wait_text(browser, "#case-form .field-error", T["birth_date"])
    assert browser.find("#case-form input[name=reference]").get_attribute("aria-invalid") == "true"
    for leak in T["english_leak"]:
        assert leak not in browser.find("main").text
    browser.shot(f"journey1-{lang}-problem")
    reference = f"AE-{uuid.uuid4().hex[:6]}"
    a.type("#case-form input[name=reference]", reference, clear=True)
    a.press("#case-form button[type=submit]")
    browser.wait("#consents")
    case_id = browser.d.current_url.rsplit("/", 1)[1]
    check()

    # No consent yet: said plainly, nothing to revoke.
    wait_text(browser, "#consent-none", T["no_consent"])
    assert not browser.finds("#consents tbody tr") and not browser.finds("[data-revoke]")
    browser.shot(f"journey1-{lang}-no-consent")
    # Consent for the network, with an expiry date and its evidence.
    expiry = today(180)
    a.open("#consent-new summary")
    a.date("#consent-form input[name=expires_on]", expiry)
    a.type("#consent-form input[name=evidence]", "Akte 4711, Blatt 3")
    # Without its purpose from the list the form does not send it.
    a.press("#consent-form button[type=submit]")
    assert browser.d.execute_script(
        "return document.querySelector('#consent-form select[name=purpose_code]').validity"
        ".valueMissing")
    assert jc.get(f"/v1/cases/{case_id}/consents").json()["items"] == []
    a.choose("#consent-form select[name=purpose_code]", "integration_work")
    a.press("#consent-form button[type=submit]")
    browser.wait("#consents tbody tr[data-state=valid]")
    assert T["valid_until"] in browser.find("#consents tbody tr").text
    consents = jc.get(f"/v1/cases/{case_id}/consents").json()["items"]
    assert [(k["scope"], k["expires_on"], k["evidence"], k["purpose_code"])
            for k in consents] == [
        ("network", expiry.isoformat(), "Akte 4711, Blatt 3", "integration_work")]
    browser.shot(f"journey1-{lang}-consent", "#consents")

    # The chain, and its first step done by the own team: no referral to itself.
    a.choose("#enrol-form select[name=chain_id]", CHAIN_AE)
    a.press("#enrol-form button[type=submit]")
    browser.wait("#step-list li[data-step=erstberatung]")
    check()
    assert not browser.finds(f"#next-steps [data-node='{JOBCENTER}']")
    a.press("#next-steps button[data-own=done][data-step=erstberatung]")
    browser.wait("#own-erstberatung-done")
    a.type("#own-erstberatung-done textarea[name=note]", "Erstgespräch, Ziele vereinbart")
    a.press("#own-erstberatung-done button[type=submit]")
    browser.wait_for(lambda: browser.find("#step-list li[data-step=erstberatung]")
                     .get_attribute("data-state") == "done", what="first step done")
    browser.wait("#next-steps [data-step=schuldnerberatung]")
    assert browser.finds("#next-steps [data-step=kinderbetreuung]")
    check()
    browser.shot(f"journey1-{lang}-own-step", "#progress")

    # Refer to the suggested debt counselling agency.
    a.press(f"#next-steps [data-step=schuldnerberatung] button[data-refer='{SCHULDNER}']")
    form = "#next-steps [data-step=schuldnerberatung] .refer-form"
    browser.wait(form)
    a.type(f"{form} textarea[name=note]", "Mietschulden; Termine bitte vormittags.")
    a.press(f"{form} button[type=submit]")
    browser.wait("#case-referrals tbody tr")
    check()
    (debt,) = referrals_of(jc, case_id)
    assert (debt["to_node_id"], debt["chain_step_key"], debt["status"]) == (
        SCHULDNER, "schuldnerberatung", "sent")
    assert debt["service_id"] and debt["note"] == "Mietschulden; Termine bitte vormittags."
    browser.shot(f"journey1-{lang}-case", "#next-steps")

    # The outbox reads the sender's side: sent, not "new"; the step by its name.
    a.press(".mainnav a[href='/outbox']")
    row = f"#outbox-list tr[data-id='{debt['id']}']"
    browser.wait(row)
    check()
    assert browser.find(row + " .badge").text == T["sent"]
    assert "Schuldnerberatung" in browser.find(row).text
    a.press(row + " a.row-link")
    browser.wait("#referral-status")

    # A warm handover, with its time.
    a.open("#handover summary")
    a.press("#handover-form button[type=submit]")
    wait_text(browser, "#timeline", T["handover"])
    assert browser.finds("#timeline li[data-kind=handover]")
    check()

    # The acceptance arrives live: the page changes and a notification shows, with a count.
    assert unread(browser) == 0
    move(caritas, debt["id"], "accepted", appointment_at=f"{today(7).isoformat()}T09:30:00+01:00")
    browser.wait_for(lambda: unread(browser) == 1, what="a notification")
    wait_text(browser, "#announcer", T["accepted"])
    wait_text(browser, "#referral-status", "Angenommen" if lang == "de" else "Accepted")
    # Later the outcome.
    move(caritas, debt["id"], "in_progress")
    move(caritas, debt["id"], "completed", outcome="goal_reached")
    browser.wait_for(lambda: unread(browser) == 3, what="three notifications")
    a.press("#notices-link")
    browser.wait(f"#notices li[data-referral='{debt['id']}'][data-status=completed]")
    wait_text(browser, "#notices", T["goal"])
    assert T["completed"] in browser.find(f"#notices li[data-status=completed]").text
    check()
    browser.shot(f"journey1-{lang}-notifications")
    browser.wait_for(lambda: unread(browser) == 0, what="notifications seen")

    # The next step is referred; the case manager signs out; the youth office declines
    # meanwhile: on coming back, the notification says so, with the reason, and offers to
    # redirect right there.
    a.press(f"#notices li[data-status=completed] a[href='/referrals/{debt['id']}']")
    browser.wait("#referral-status")
    a.press(".crumbs a[href^='/cases/']")
    browser.wait(f"#next-steps [data-step=kinderbetreuung] button[data-refer='{JUGENDAMT}']")
    a.press(f"#next-steps [data-step=kinderbetreuung] button[data-refer='{JUGENDAMT}']")
    form = "#next-steps [data-step=kinderbetreuung] .refer-form"
    browser.wait(form)
    a.press(f"{form} button[type=submit]")
    browser.wait_for(lambda: len(referrals_of(jc, case_id)) == 2, what="second referral")
    childcare = [r for r in referrals_of(jc, case_id) if r["to_node_id"] == JUGENDAMT][0]
    browser.wait(f"#case-referrals tr[data-id='{childcare['id']}']")
    a.press("#logout")
    browser.wait("#login-form")
    move(jugendamt, childcare["id"], "declined", reason="no_capacity")
    a.type("#login-form input[name=login]", "jobcenter")
    a.type("#login-form input[name=password]", PASSWORD)
    a.press("#login-form button[type=submit]")
    browser.wait("#logout", timeout=60)
    browser.wait_for(lambda: unread(browser) == 1, what="the decline, told on coming back")
    a.press("#notices-link")
    item = f"#notices li[data-referral='{childcare['id']}'][data-status=declined]"
    browser.wait(item)
    assert T["declined"] in browser.find(item).text and T["no_capacity"] in browser.find(item).text
    check()
    a.press(f"{item} a[data-redirect]")
    browser.wait("#redirect-slot .refer-form select[name=to_node_id]")
    check()
    a.choose("#redirect-slot select[name=to_node_id]", KITA)
    browser.shot(f"journey1-{lang}-redirect", "#actions")
    a.press("#redirect-slot button[type=submit]")
    browser.wait_for(lambda: len(referrals_of(jc, case_id)) == 3, what="the redirect")
    redirect = [r for r in referrals_of(jc, case_id) if r["to_node_id"] == KITA][0]
    assert (redirect["redirected_from"], redirect["chain_step_key"]) == (
        childcare["id"], "kinderbetreuung")
    browser.wait_for(lambda: browser.d.current_url.endswith(redirect["id"]), what="new referral")

    # Closing while a referral is open is refused, in the user's words; withdraw it, close.
    browser.wait("#referral-status")
    a.press(".crumbs a[href^='/cases/']")
    browser.wait("#case-close")

    def close_case():
        a.press("#case-close")
        browser.wait("#case-close-form")
        a.choose("#case-close-form select[name=close_reason]", "goal_reached")
        a.press("#case-close-form button[type=submit]")

    close_case()
    wait_text(browser, "#case-close-form .form-error", T["open_referrals"])
    check()
    a.press(f"#case-referrals a[href='/referrals/{redirect['id']}']")
    browser.wait("#moves [data-move=withdrawn]")
    a.press("#moves [data-move=withdrawn]")
    browser.wait("#move-withdrawn")
    a.choose("#move-withdrawn select[name=reason]", "no_longer_needed")
    a.press("#move-withdrawn button[type=submit]")
    wait_text(browser, "#referral-status", T["withdrawn"])
    a.press(".crumbs a[href^='/cases/']")
    browser.wait("#case-close")
    close_case()
    wait_text(browser, "#case-closed", T["closed"])
    check()
    c = jc.get(f"/v1/cases/{case_id}").json()
    assert (c["status"], c["close_reason"]) == ("closed", "goal_reached")
    browser.shot(f"journey1-{lang}-closed")
    return case_id


def test_case_manager_journey_in_german(browser, demo):
    journey(browser, Mouse(browser), demo, "de", phone=False)


def test_case_manager_journey_in_english_with_the_keyboard_on_a_phone(phone, demo):
    journey(phone, Keyboard(phone), demo, "en", phone=True)
