"""Messages on a referral, two people at two desks: the debt counselling agency asks the
jobcenter's case manager a question under the referral, the case manager answers; each sees
the other's message arrive live (no reload) with an unread mark, and the header counts unread
messages until the thread is read. Once the consent the referral went on is revoked, the case
manager is offered no message box but the way to record the consent again."""
import uuid

from harness import german_date
from journey_support import fits
from selenium.webdriver.support.ui import Select

ALLEINERZIEHENDE = "50000000-0000-4000-8000-000000000001"
SCHULDNERBERATUNG = "20000000-0000-4000-8000-000000000007"


def header_count(b):
    """The header's unread count, 0 while it is hidden."""
    el = b.find("#unread-messages")
    return 0 if el.get_attribute("hidden") is not None else int(el.text.split()[-1])


def live_on(b):
    b.wait_for(lambda: b.find("#live-indicator").get_attribute("data-live") == "on",
               what="live connection")


def test_agency_asks_case_manager_answers_each_sees_it_live(browser, second_browser, demo):
    agency, case_manager = browser, second_browser
    # The case manager's side, as the jobcenter's own system would do it: a case, the
    # client's consent, the referral to the debt counselling agency.
    jobcenter = demo("jobcenter")
    reference = f"MSG-{uuid.uuid4().hex[:6]}"
    case = jobcenter.post("/v1/cases", json={"reference": reference,
                                             "target_group_id": ALLEINERZIEHENDE})
    assert case.status_code == 201, case.text
    r = jobcenter.post(f"/v1/cases/{case.json()['id']}/consents", json={
        "scope": "network", "purpose": "Vermittlung", "purpose_code": "municipal_services",
        "evidence": "Akte",
        "given_on": german_date().isoformat()})
    assert r.status_code == 201, r.text
    r = jobcenter.post("/v1/referrals", json={"case_id": case.json()["id"],
                                              "to_node_id": SCHULDNERBERATUNG})
    assert r.status_code == 201, r.text
    referral_id = r.json()["id"]

    # The agency opens the referral from its inbox.
    agency.login("schuldnerberatung")
    agency.click(f"#inbox-list tr[data-id='{referral_id}']")
    agency.wait("#thread")
    live_on(agency)
    agency.d.execute_script("window.__pnetNoReload = true;")

    # The case manager works in the outbox meanwhile.
    case_manager.login("jobcenter")
    case_manager.go("/outbox")
    case_manager.wait("#outbox-list")
    live_on(case_manager)
    case_manager.d.execute_script("window.__pnetNoReload = true;")
    # What the jobcenter had unread before (other tests' threads); hidden while none.
    before = jobcenter.get("/v1/messages/unread").json()["total"]
    case_manager.wait_for(lambda: header_count(case_manager) == before,
                          what="the count of earlier messages")

    question = "Hat die Klientin schon ein P-Konto?"
    agency.find("#message-text").send_keys(question)
    agency.click("#message-send")
    agency.wait_for(lambda: question in agency.find("#messages").text, what="own message")
    own = agency.find("#messages li.message")
    assert own.get_attribute("data-unread") == "false"

    # It arrives live: the header counts it, the outbox marks the referral.
    case_manager.wait_for(lambda: header_count(case_manager) == before + 1,
                          what="the unread count in the header")
    assert case_manager.find("#unread-messages").get_attribute("hidden") is None
    case_manager.wait(f"#outbox-list tr[data-id='{referral_id}'] .unread-mark", timeout=20)
    case_manager.shot("messages-outbox-unread")
    case_manager.click(f"#outbox-list tr[data-id='{referral_id}']")
    case_manager.wait("#thread")
    arrived = case_manager.wait("#messages li.message[data-unread='true']")
    assert question in arrived.text and "neu" in arrived.text
    # Read now: the count is back where it was (hidden when that was nothing).
    case_manager.wait_for(lambda: header_count(case_manager) == before,
                          what="the count back once read")

    answer = "Ja, seit März. Bitte Kontoauszüge mitbringen."
    case_manager.find("#message-text").send_keys(answer)
    case_manager.click("#message-send")
    case_manager.wait_for(lambda: answer in case_manager.find("#messages").text,
                          what="own answer")

    # The agency, still on the page, sees the answer arrive with its mark, without a reload.
    got = agency.wait("#messages li.message[data-unread='true']", timeout=20)
    assert answer in got.text
    assert agency.d.execute_script("return window.__pnetNoReload === true")
    assert case_manager.d.execute_script("return window.__pnetNoReload === true")
    items = agency.finds("#messages li.message")
    assert [i.get_attribute("data-unread") for i in items] == ["false", "true"]
    assert "Nachricht" in agency.find("#timeline").text
    agency.shot("messages-thread", "#thread")


def test_no_message_box_once_the_consent_is_gone_until_it_is_recorded_again(phone, demo):
    """The case manager on a phone, in German: the client revokes the consent the referral went
    on; the thread then offers no message box (the agency could not read it) but says why and
    leads to the case, where a new consent is recorded; then the box is back and a message
    goes."""
    b = phone
    jobcenter = demo("jobcenter")
    reference = f"EINW-{uuid.uuid4().hex[:6]}"
    case = jobcenter.post("/v1/cases", json={"reference": reference,
                                             "target_group_id": ALLEINERZIEHENDE}).json()
    consent = jobcenter.post(f"/v1/cases/{case['id']}/consents", json={
        "scope": "network", "purpose": "Vermittlung", "purpose_code": "municipal_services",
        "evidence": "Akte", "given_on": german_date().isoformat()}).json()
    r = jobcenter.post("/v1/referrals", json={"case_id": case["id"],
                                              "to_node_id": SCHULDNERBERATUNG})
    assert r.status_code == 201, r.text
    referral_id = r.json()["id"]

    b.login("jobcenter")
    b.go("/outbox")
    b.click(f"#outbox-list tr[data-id='{referral_id}']")
    b.wait("#message-form")
    assert not b.find("#message-no-basis").is_displayed()

    # The client revokes the consent: the case manager records it on the case.
    b.click(f"a[href='/cases/{case['id']}']")
    b.click(f"#consents button[data-revoke='{consent['id']}']")
    b.confirm()
    b.wait(f"#consents tr[data-id='{consent['id']}'][data-state='revoked']")

    b.go(f"/referrals/{referral_id}")
    notice = b.wait("#message-no-basis")
    assert not b.find("#message-form").is_displayed()
    assert "Keine neue Nachricht möglich" in notice.text and "Einwilligung" in notice.text
    assert b.text("#messages") == "Noch keine Nachrichten."  # not "ask here"
    fits(b)
    b.shot("message-no-basis", "#thread")

    # The notice leads to the case; a new consent there brings the box back.
    b.click("#message-no-basis a")
    form = b.wait("#consent-form")
    assert form.is_displayed()  # open at once: the case has no valid consent
    Select(b.find("#consent-purpose-code")).select_by_value("municipal_services")
    b.find("#consent-evidence").send_keys("Erneute Einwilligung, Akte 12")
    b.click("#consent-form button[type=submit]")
    b.wait("#consents tr[data-state='valid']")

    b.go(f"/referrals/{referral_id}")
    b.wait("#message-form")
    assert not b.find("#message-no-basis").is_displayed()
    text = "Die Klientin hat ihre Einwilligung erneuert."
    b.find("#message-text").send_keys(text)
    b.click("#message-send")
    b.wait_for(lambda: text in b.find("#messages").text, what="the message sent")
