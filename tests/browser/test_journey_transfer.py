"""Journey 3, a case transfer (Fallübergabe): the jobcenter's team for single parents hands a
whole case to the team for addiction; ownership moves when the receiving team completes the
transfer, and the old owner then sees what the access rules allow: the pseudonym, the target
group and its own referrals, nothing else of the case."""
import uuid

from journey_support import JOBCENTER_SUCHT, Mouse, Tabs, login_as, new_case, wait_text


def test_transfer_journey(browser, demo):
    a = Mouse(browser)
    old, new = demo("jobcenter"), demo("jobcenter-sucht")
    tabs = Tabs(browser)
    try:
        a.login("jobcenter", "neustadt-demo")
        reference = f"AE-{uuid.uuid4().hex[:6]}"
        case_id = new_case(browser, a, reference)
        tabs.open("sucht")
        login_as(browser, a, "jobcenter-sucht")
        tabs.to("first")

        # Hand it over: the form says what follows.
        a.press("#case-transfer")
        browser.wait("#case-tool .transfer-form")
        assert "nur noch das Pseudonym" in browser.find("#case-tool .transfer-form").text
        a.choose("#case-tool select[name=to_node_id]", JOBCENTER_SUCHT)
        a.type("#case-tool input[name=reason]", "Suchtproblematik steht im Vordergrund")
        browser.shot("journey3-transfer", "h1")
        a.press("#case-tool button[type=submit]")
        browser.wait("#case-referrals tbody tr")
        assert "Fallübergabe" in browser.find("#case-referrals tbody tr").text
        (transfer,) = old.get(f"/v1/referrals?box=outbox&case_id={case_id}").json()["items"]
        assert transfer["kind"] == "transfer"
        browser.shot("journey3-transfer-sent")

        # The other team takes it over.
        tabs.to("sucht")
        browser.wait_for(lambda: browser.find("#notices-count").text == "1", timeout=30,
                         what="the notification")
        a.press("#notices-link")
        item = f"#notices li[data-referral='{transfer['id']}']"
        browser.wait(item)
        assert "Neue Fallübergabe" in browser.find(item).text
        a.press(f"{item} a[href='/referrals/{transfer['id']}']")
        browser.wait("#moves")
        a.press("#moves [data-move=accepted]")
        a.press("#move-accepted button[type=submit]")
        wait_text(browser, "#referral-status", "Angenommen")
        a.press("#moves [data-move=in_progress]")
        wait_text(browser, "#referral-status", "Begonnen")
        a.press("#moves [data-move=completed]")
        assert "geht der ganze Fall an Ihre Stelle über" in browser.find("#move-completed").text
        a.choose("#move-completed select[name=outcome]", "goal_reached")
        a.press("#move-completed button[type=submit]")
        wait_text(browser, "#referral-status", "Abgeschlossen")
        assert new.get(f"/v1/cases/{case_id}").json()["access"] == "owner"
        a.press(".mainnav a[href='/cases']")
        browser.wait(f"#case-list tr[data-id='{case_id}']")
        a.press(f"#case-list tr[data-id='{case_id}'] a.row-link")
        browser.wait("#consents tbody tr[data-state=valid]")
        assert browser.find("#case-transfer") and not browser.finds("#case-foreign")
        browser.shot("journey3-new-owner")

        # The old owner: the case is gone from its list; the page shows what it may see.
        tabs.to("first")
        browser.go("/cases")
        browser.wait("#case-list")
        assert not browser.finds(f"#case-list tr[data-id='{case_id}']")
        browser.go(f"/cases/{case_id}")
        browser.wait("#case-foreign")
        assert browser.find("h1").text == f"Fall {reference}"
        assert not browser.finds("#consents") and not browser.finds("#case-transfer")
        browser.wait(f"#case-referrals tr[data-id='{transfer['id']}']")
        seen = old.get(f"/v1/cases/{case_id}").json()
        assert seen["access"] == "referral" and set(seen) == {"id", "reference", "target_group_id",
                                                              "access"}
        browser.shot("journey3-old-owner")
    finally:
        tabs.close()
