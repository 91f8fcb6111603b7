"""Around a referral, as the two people at its two ends do it: the debt counselling agency
keeps its contact details and e-mail preferences on its own account page, accepts a referral,
sets the client's appointment and changes it, and takes it into its calendar as an .ics file;
the jobcenter's case manager sees whom to call and the appointment (without the form); and a
message written offline waits in the queue and is sent once, when the agency is back online.

The referrals are sent by the jobcenter through the API, as its own system would; the agency
works them in the browser."""
import datetime

from journey_support import Mouse, wait_text
from offline_support import Offline, controlled
from referral_support import Loop

AGENCY = "schuldnerberatung"
PHONE = "030 555 0142"
EMAIL = "beratung-test@example.org"


def open_referral(browser, a, referral):
    a.press(".mainnav a[href='/inbox']")
    row = f"#inbox-list tr[data-id='{referral['id']}']"
    browser.wait(row)
    a.press(row + " a.row-link")
    wait_text(browser, "h1", referral["case"]["reference"])


def test_contact_appointment_and_calendar_file(browser, second_browser, demo):
    a = Mouse(browser)
    agency = demo(AGENCY)
    me = agency.get("/v1/me").json()["account"]
    referral = Loop(demo).refer()
    try:
        # The agency's caseworker keeps her contact and chooses e-mails for new messages.
        a.login(AGENCY, "neustadt-demo")
        a.press("#account-link")
        browser.wait("#contact-form")
        browser.wait_for(lambda: browser.find("#contact-name").get_attribute("value"),
                         what="the contact read")
        a.type("#contact-phone", PHONE, clear=True)
        a.type("#contact-email", EMAIL, clear=True)
        a.press("#contact-save")
        browser.wait_for(lambda: agency.get(f"/v1/accounts/{me['id']}/contact").json()["phone"]
                         == PHONE, what="the phone saved")
        browser.wait("#email-kind-message")
        assert browser.find("#email-kind-message").is_selected() is False
        a.press("#email-kind-message")
        a.press("#email-prefs-save")
        wait_text(browser, "#email-prefs-note", EMAIL)
        assert agency.get("/v1/me/notifications").json()["email_kinds"] == ["message"]
        browser.shot("account-page")

        # The referral: whom to call at the jobcenter; the agency's own side comes once it acts.
        open_referral(browser, a, referral)
        wait_text(browser, "#contact-sender", "Jobcenter")
        assert "sobald sie die Vermittlung bearbeitet hat" in browser.text("#contact-receiver")
        assert not browser.finds("#appointment")

        # Accepted without a date: now the agency sets the appointment, then changes it.
        a.press("#moves [data-move=accepted]")
        a.press("#move-accepted button[type=submit]")
        wait_text(browser, "#referral-status", "Angenommen")
        wait_text(browser, "#appointment-at", "Noch kein Termin")
        browser.set_value(browser.wait("#appointment-input"), "2030-03-04T09:30")
        a.press("#appointment-save")
        wait_text(browser, "#appointment-at", "04.03.2030")
        wait_text(browser, "#contact-receiver", PHONE)
        browser.set_value(browser.wait("#appointment-input"), "2030-03-05T11:00")
        a.press("#appointment-save")
        wait_text(browser, "#appointment-at", "05.03.2030")
        browser.wait_for(lambda: len(browser.finds("#timeline li[data-kind=appointment]")) == 2,
                         what="both changes in the history")
        state = agency.get(f"/v1/referrals/{referral['id']}").json()
        at = datetime.datetime.fromisoformat(state["appointment_at"])
        assert (at.astimezone().date(), at.astimezone().hour) == (datetime.date(2030, 3, 5), 11)
        browser.shot("appointment", "#appointment")

        # Into the calendar: the file holds the time and the agency, nothing of the client.
        folder = browser.downloads()
        a.press("#appointment-ics")
        name, data = browser.downloaded(folder)
        assert name == "termin.ics"
        assert data.startswith(b"BEGIN:VCALENDAR\r\n") and data.endswith(b"END:VCALENDAR\r\n")
        text = data.decode()
        utc = at.astimezone(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        assert f"DTSTART:{utc}\r\n" in text
        assert referral["case"]["reference"] not in text and "Schuldner" in text

        # The case manager sees the agency's contact and the appointment, with no form.
        cm = second_browser
        cm.login("jobcenter")
        cm.go(f"/referrals/{referral['id']}")
        wait_text(cm, "#appointment-at", "05.03.2030")
        wait_text(cm, "#contact-receiver", PHONE)
        assert EMAIL in cm.text("#contact-receiver")
        assert not cm.finds("#appointment-form") and cm.finds("#appointment-ics")
    finally:
        agency.patch(f"/v1/accounts/{me['id']}/contact", json={"phone": None, "email": None})
        agency.put("/v1/me/notifications", json={"email_kinds": []})


def test_a_message_written_offline_is_sent_once_when_back_online(browser, demo, web_pnetd):
    a = Mouse(browser)
    agency = demo(AGENCY)
    referral = Loop(demo).refer()
    a.login(AGENCY, "neustadt-demo")
    open_referral(browser, a, referral)
    browser.wait("#thread")
    controlled(browser)

    question = "Bringt die Klientin die Kontoauszüge mit?"
    with Offline(browser, web_pnetd):
        browser.wait("#offline-indicator")
        a.type("#message-text", question)
        a.press("#message-send")
        wait_text(browser, "#messages-queued", "Wird gesendet, sobald Sie online sind.")
        assert question in browser.text("#messages-queued")
        assert browser.find("#message-text").get_attribute("value") == ""

    # Back online: sent by the queue, once, and shown in the thread.
    browser.wait_for(lambda: question in browser.text("#messages"), timeout=30,
                     what="the message in the thread")
    browser.wait_for(lambda: not browser.finds("#messages-queued li"), what="the queue empty")
    items = agency.get(f"/v1/referrals/{referral['id']}/messages").json()["items"]
    assert [m["text"] for m in items] == [question]
