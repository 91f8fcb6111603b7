"""Accept by link, as people do it: a case manager of the Jobcenter opens a case in the app,
refers it to the Kita-Platz-Vermittlung (a node without accounts); the e-mail reaches the
node's contact through a real SMTP server; its holder opens the link in a browser of their
own (a fresh profile, no login), sees the referral and accepts it with an appointment; the
case manager sees it accepted, by link, and can revoke the link, which then says so."""

import re
import time
import uuid

import pytest

import conftest as _conftest
from conftest import WEB_DIR, Browser, _chromium
from harness import Pnetd
from journey_support import KITA, Mouse, new_case, refer_outside_chain, wait_text
from smtp_support import SmtpReceiver, make_certificate, smtp_options

KITA_EMAIL = "kitavermittlung@awo-neustadt.example.org"


@pytest.fixture
def mail_pnetd(pnetd_exe, demo_database, tmp_path):
    """A pnetd of this test's own on the demo, sending e-mail through a receiver it starts."""
    cert = make_certificate(tmp_path)
    receiver = SmtpReceiver(*cert).start()
    server = Pnetd(pnetd_exe, demo_database,
                   args=[f"--web-dir={WEB_DIR}", *smtp_options(receiver, ca=cert[0])],
                   log_path=_conftest._api._log_path("link-journey")).start()
    yield server, receiver
    _conftest._api._stop_clean(server)
    receiver.stop()


@pytest.fixture
def two_browsers(mail_pnetd):
    server, _ = mail_pnetd
    made = []

    def make():
        b = Browser(_chromium(), server.base_url)
        made.append(b)
        return b

    yield make
    problems = []
    for b in made:
        problems += b.console_problems()
        b.d.quit()
    assert not problems, "console errors or CSP violations:\n" + "\n".join(problems)


def link_in_mail(receiver, referral_id, count=1, timeout=30):
    """The path of the newest of count e-mailed links of the referral (as the node's contact
    receives them)."""
    deadline = time.monotonic() + timeout
    mails = []
    while len(mails) < count and time.monotonic() < deadline:
        mails = [m for m in receiver.to(KITA_EMAIL) if referral_id in m.text]
        time.sleep(0.2)
    assert len(mails) >= count, "the link's e-mail did not arrive"
    return re.search(r"https://pnet\.example/app(/link/[0-9a-f-]{36}#pnet_[A-Za-z0-9_-]+)",
                     mails[count - 1].text).group(1)


def test_a_node_without_accounts_accepts_by_link_and_the_case_manager_sees_it(mail_pnetd,
                                                                              two_browsers,
                                                                              demo_db):
    server, receiver = mail_pnetd
    manager = two_browsers()
    a = Mouse(manager)
    a.login("jobcenter", "neustadt-demo")
    reference = f"LINK-{uuid.uuid4().hex[:6]}"
    new_case(manager, a, reference, consent_for=KITA)
    refer_outside_chain(manager, a, KITA, note="Alleinerziehend, braucht ab Mai einen Kita-Platz.")
    a.press("#case-referrals tbody tr a[href^='/referrals/']")
    manager.wait("#link-card")
    referral_id = manager.d.current_url.rsplit("/", 1)[1]
    assert referral_id and KITA_EMAIL in manager.text("#link-card")
    assert manager.find("#link-card").get_attribute("data-state") == "live"

    # The e-mail, as the node's contact receives it.
    link = link_in_mail(receiver, referral_id)

    # Another person, another browser, no login.
    holder = two_browsers()
    h = Mouse(holder)
    holder.go(link)
    holder.wait("#link-facts")
    assert "Alleinerziehend" in holder.text("#link-facts")
    assert reference in holder.text("#link-facts")
    assert holder.finds("#logout") == []
    h.press("#moves button[data-move=accepted]")
    appointment = holder.wait("#move-appointment")
    holder.d.execute_script(
        "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input'));",
        appointment, time.strftime("%Y-%m-%dT10:30", time.localtime(time.time() + 3 * 86400)))
    h.type("#move-note", "Termin zum Kennenlernen.")
    h.press("#move-accepted button[type=submit]")
    wait_text(holder, "#link-status", "Angenommen")
    assert holder.find("#moves button[data-move=in_progress]")

    # The case manager sees it accepted, by the node, through the link.
    manager.go(f"/referrals/{referral_id}")
    wait_text(manager, "#referral-status", "Angenommen")
    manager.wait("#timeline .tl-channel[data-channel=link]")
    assert "per Link" in manager.text("#timeline")
    assert "Kita" in manager.text("#timeline")

    # Revoked by the case manager: the holder's link says so.
    a.press("#link-revoke")
    manager.wait_for(lambda: manager.find("#link-card").get_attribute("data-state") == "revoked",
                     what="the link revoked")
    holder.allow(410)
    holder.go("/favicon.svg")
    holder.go(link)
    holder.wait("#link-refused[data-problem=link-revoked]")
    assert "gilt nicht mehr" in holder.text("#link-refused")

    # Sent again from the referral's page: the new link works, the old one says it is void.
    a.press("#link-send")
    manager.wait_for(lambda: manager.find("#link-card").get_attribute("data-state") == "live",
                     what="a new live link")
    newer = link_in_mail(receiver, referral_id, count=2)
    assert newer != link
    holder.go("/favicon.svg")
    holder.go(newer)
    holder.wait("#link-facts")
    wait_text(holder, "#link-status", "Angenommen")

    # Expired: the page says what to do, in English too.
    demo_db.execute("UPDATE referral_link SET expires_at = now() WHERE referral_id = %s"
                    " AND revoked_at IS NULL", (referral_id,))
    holder.d.execute_script("localStorage.setItem('pnet.lang', 'en')")
    holder.go("/favicon.svg")
    holder.go(newer)
    holder.wait("#link-refused[data-problem=link-expired]")
    assert "Ask the referring agency" in holder.text("#link-refused")
