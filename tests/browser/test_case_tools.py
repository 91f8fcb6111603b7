"""The rest of what a case manager does with a case in the browser: change its pseudonym and
district (a pseudonym that is not one refused at the field), and revoke a consent, which
withdraws the open referrals it alone covered."""
import uuid

from journey_support import SCHULDNER, Mouse, new_case, refer_outside_chain, wait_text


def test_change_a_case_and_revoke_its_consent(browser, demo):
    a = Mouse(browser)
    jc = demo("jobcenter")
    browser.allow(422)
    a.login("jobcenter", "neustadt-demo")
    case_id = new_case(browser, a, f"AE-{uuid.uuid4().hex[:6]}", consent_for=SCHULDNER)
    refer_outside_chain(browser, a, SCHULDNER)
    (referral,) = jc.get(f"/v1/referrals?box=outbox&case_id={case_id}").json()["items"]

    a.press("#case-edit")
    browser.wait("#case-edit-form")
    a.type("#case-edit-form input[name=reference]", "Erika Mustermann", clear=True)
    a.press("#case-edit-form button[type=submit]")
    wait_text(browser, "#case-edit-form .field-error", "keine Namen")
    reference = f"AE-{uuid.uuid4().hex[:6]}"
    a.type("#case-edit-form input[name=reference]", reference, clear=True)
    a.type("#case-edit-form input[name=district]", "Nordstadt", clear=True)
    a.press("#case-edit-form button[type=submit]")
    wait_text(browser, "h1", reference)
    assert "Nordstadt" in browser.find("#case-facts").text
    c = jc.get(f"/v1/cases/{case_id}").json()
    assert (c["reference"], c["district"]) == (reference, "Nordstadt")

    # Revoking asks first, then withdraws the referral no other consent covers.
    a.press("#consents [data-revoke]")
    browser.d.switch_to.alert.accept()
    browser.wait("#consents tbody tr[data-state=revoked]")
    wait_text(browser, "#announcer", "1 offene Vermittlung zurückgezogen")
    assert browser.finds("#consent-none-valid")
    got = jc.get(f"/v1/referrals/{referral['id']}").json()
    assert (got["status"], got["status_reason"]) == ("withdrawn", "consent_revoked")
    wait_text(browser, f"#case-referrals tr[data-id='{referral['id']}']", "Zurückgezogen")
