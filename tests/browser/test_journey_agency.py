"""Journey 2, the partner agency (Caritas Schuldnerberatung): a referral arrives live while
its inbox is open; it confirms receipt, puts it on the waiting list with a date, accepts it
with an appointment, reports the start and completes it with an outcome; it declines another
with a reason; and it updates the free places, waiting time and consultation hours of its
own service. The case manager's side, in a second tab, sends the referrals through the page
and sees status, decline reason and outcome come back in its outbox and case list."""
import datetime
import uuid

from selenium.webdriver.common.by import By

from journey_support import (JOBCENTER, SCHULDNER, Mouse, Tabs, login_as, new_case,
                             refer_outside_chain, today, wait_text)

SERVICE = "30000000-0000-4000-8000-000000000016"  # Schuldner- und Insolvenzberatung, full


def unread(browser):
    el = browser.find("#notices-count")
    return int(el.text) if el.is_displayed() else 0


def test_agency_journey(browser, demo):
    a = Mouse(browser)
    caritas, jc = demo("schuldnerberatung"), demo("jobcenter")
    tabs = Tabs(browser)
    try:
        # The agency at its inbox; the case manager in another tab.
        a.login("schuldnerberatung", "neustadt-demo")
        browser.wait("#inbox-list")
        browser.wait_for(lambda: browser.find("#live-indicator").get_attribute("data-live") == "on",
                         what="live connection")
        browser.d.execute_script("window.__pnetNoReload = true;")
        tabs.open("jobcenter")
        login_as(browser, a, "jobcenter")
        first = new_case(browser, a, f"AE-{uuid.uuid4().hex[:6]}")
        refer_outside_chain(browser, a, SCHULDNER, note="Bitte Termin in der Kernzeit.")
        (referral,) = jc.get(f"/v1/referrals?box=outbox&case_id={first}").json()["items"]

        # It arrives live: a row in the inbox without a reload, and a notification.
        tabs.to("first")
        row = f"#inbox-list tr[data-id='{referral['id']}']"
        browser.wait(row, timeout=30)
        assert browser.d.execute_script("return window.__pnetNoReload === true")
        browser.wait_for(lambda: unread(browser) == 1, what="a notification")
        wait_text(browser, "#announcer", "Neue Vermittlung von Jobcenter Neustadt")
        assert browser.find(row + " .badge").text == "Neu"
        browser.shot("journey2-inbox")
        a.press(row + " a.row-link")
        browser.wait("#moves")
        assert "Bitte Termin in der Kernzeit." in browser.find(".facts").text

        def status_shown(text):
            wait_text(browser, "#referral-status", text)

        def state():
            return caritas.get(f"/v1/referrals/{referral['id']}").json()

        a.press("#moves [data-move=received]")
        status_shown("Eingang bestätigt")
        a.press("#moves [data-move=waitlisted]")
        expected = today(14)
        a.date("#move-waitlisted input[name=expected_on]", expected)
        a.press("#move-waitlisted button[type=submit]")
        status_shown("Warteliste")
        assert (state()["status"], state()["expected_on"]) == ("waitlisted", expected.isoformat())
        a.press("#moves [data-move=accepted]")
        appointment = today(15)
        browser.d.execute_script(
            "arguments[0].value = arguments[1];", browser.wait("#move-accepted input[name=appointment_at]"),
            f"{appointment.isoformat()}T10:15")
        a.press("#move-accepted button[type=submit]")
        status_shown("Angenommen")
        at = datetime.datetime.fromisoformat(state()["appointment_at"]).astimezone()
        assert (at.date(), at.hour, at.minute) == (appointment, 10, 15)
        browser.shot("journey2-referral")
        a.press("#moves [data-move=in_progress]")
        status_shown("Begonnen")
        a.press("#moves [data-move=completed]")
        a.choose("#move-completed select[name=outcome]", "partially_reached")
        a.type("#move-completed textarea[name=note]", "Haushaltsplan steht; Gläubiger angeschrieben.")
        a.press("#move-completed button[type=submit]")
        status_shown("Abgeschlossen")
        assert (state()["status"], state()["outcome"]) == ("completed", "partially_reached")
        assert [li.get_attribute("data-kind") for li in browser.finds("#timeline li")] == [
            "created", "transition", "transition", "transition", "transition", "transition"]

        # Another referral, declined with a reason.
        tabs.to("jobcenter")
        second = new_case(browser, a, f"AE-{uuid.uuid4().hex[:6]}", consent_for=SCHULDNER)
        refer_outside_chain(browser, a, SCHULDNER)
        (other,) = jc.get(f"/v1/referrals?box=outbox&case_id={second}").json()["items"]
        tabs.to("first")
        browser.go("/inbox")
        a.press(f"#inbox-list tr[data-id='{other['id']}'] a.row-link")
        a.press("#moves [data-move=declined]")
        a.choose("#move-declined select[name=reason]", "no_capacity")
        a.type("#move-declined textarea[name=note]", "Frühestens im nächsten Quartal.")
        a.press("#move-declined button[type=submit]")
        wait_text(browser, "#referral-status", "Abgelehnt")
        got = caritas.get(f"/v1/referrals/{other['id']}").json()
        assert (got["status"], got["status_reason"]) == ("declined", "no_capacity")

        # Its own service: free places, waiting time and consultation hours.
        a.press(".mainnav a[href='/services']")
        form = f"#service-{SERVICE}"
        browser.wait(form)
        a.type(f"{form} input[name=capacity_free]", "2", clear=True)
        a.type(f"{form} input[name=wait_days]", "21", clear=True)
        a.press(f"{form} .schedule > .btn")
        row = f"{form} .schedule-row:last-child"
        a.choose(f"{row} select[name$='.weekday']", "4")
        browser.d.execute_script("arguments[0].value = '14:00'", browser.find(f"{row} input[name$='.from']"))
        browser.d.execute_script("arguments[0].value = '16:00'", browser.find(f"{row} input[name$='.to']"))
        a.choose(f"{row} select[name$='.kind']", "mobile")
        a.type(f"{row} input[name$='.place']", "Quartierszentrum Nordstadt")
        a.press(f"{form} button[type=submit]")
        wait_text(browser, "#announcer", "gespeichert")
        s = caritas.get(f"/v1/services/{SERVICE}").json()
        assert (s["capacity_free"], s["wait_days"]) == (2, 21)
        assert {"weekday": 4, "from": "14:00", "to": "16:00", "kind": "mobile",
                "place": "Quartierszentrum Nordstadt"} in s["schedule"]
        browser.wait(f"#service-card-{SERVICE} .badge-ok")
        assert "2 freie Plätze" in browser.find(f"#service-card-{SERVICE}").text
        browser.shot("journey2-services", f"#service-card-{SERVICE}")
        # More places than there are: refused at the field, in German.
        browser.allow(422)
        a.type(f"{form} input[name=capacity_free]", "81", clear=True)
        a.press(f"{form} button[type=submit]")
        wait_text(browser, f"{form} .field-error", "nicht größer")
        assert caritas.get(f"/v1/services/{SERVICE}").json()["capacity_free"] == 2

        # The case manager sees it all come back: outcome, decline reason, a way on.
        tabs.to("jobcenter")
        browser.go("/outbox")
        a.press(".segmented [data-filter=all]")
        done = f"#outbox-list tr[data-id='{referral['id']}']"
        declined = f"#outbox-list tr[data-id='{other['id']}']"
        browser.wait(done)
        wait_text(browser, done, "Ziel teilweise erreicht")
        assert "Abgeschlossen" in browser.find(done).text
        assert "Keine freie Kapazität" in browser.find(declined).text
        assert browser.find(declined).find_elements(By.CSS_SELECTOR, "a[data-redirect]")
        browser.shot("journey2-outbox")
        browser.go("/cases")
        wait_text(browser, f"#case-list tr[data-id='{second}']", "Keine freie Kapazität")
        assert "Ziel teilweise erreicht" in browser.find(f"#case-list tr[data-id='{first}']").text
    finally:
        tabs.close()
