"""A case conference in the browser: the case manager opens a case through the page (with a
consent for the debt counselling agency only), plans a case conference with the debt
counselling agency and the youth welfare office, moves it to another room, records a
decision and makes a referral from it ("Vermittlung aus Beschluss"); the case's history shows
each of these. The youth welfare office, signed in meanwhile in another tab, is notified of
the invitation and the move as they happen; invited but not covered by a consent, it opens the conference
and sees that there is a decision, not its text."""
import datetime
import uuid

from journey_support import JUGENDAMT, SCHULDNER, Mouse, Tabs, login_as, new_case, wait_text

AGENDA = "Schulden klären, Kinderbetreuung besprechen"
DECISION = "Schuldnerberatung vor der Qualifizierung beginnen"


def local(dt):
    return dt.strftime("%Y-%m-%dT%H:%M")


def set_value(browser, css, value):
    """A datetime-local field set as the browser's own picker does."""
    el = browser.wait(css)
    browser.d.execute_script(
        "arguments[0].value = arguments[1];"
        "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));", el, value)


def test_plan_a_conference_decide_and_refer_from_the_decision(browser, demo):
    a = Mouse(browser)
    jc = demo("jobcenter")
    tabs = Tabs(browser)
    try:
        journey(browser, a, jc, tabs)
    finally:
        tabs.close()


def journey(browser, a, jc, tabs):
    a.login("jobcenter", "neustadt-demo")
    reference = f"AE-{uuid.uuid4().hex[:6]}"
    case_id = new_case(browser, a, reference, consent_for=SCHULDNER)
    # The youth welfare office works in another tab, its live stream open.
    tabs.open("jugendamt")
    login_as(browser, a, "jugendamt")
    browser.wait_for(lambda: browser.find("#live-indicator").get_attribute("data-live") == "on",
                     timeout=30, what="the live stream")
    tabs.to("first")

    # Plan it: tomorrow at ten, in a room, with two agencies.
    a.press("#conf-plan")
    browser.wait("#conf-new-form")
    start = (datetime.datetime.now() + datetime.timedelta(days=1)).replace(hour=10, minute=0)
    set_value(browser, "#conf-new-starts", local(start))
    set_value(browser, "#conf-new-ends", local(start + datetime.timedelta(hours=1)))
    a.type("#conf-new-form input[name=place]", "Jobcenter, Raum 2.14")
    a.press(f"#conf-new-p-{SCHULDNER}")
    a.press(f"#conf-new-p-{JUGENDAMT}")
    a.type("#conf-new-form textarea[name=agenda]", AGENDA)
    a.press("#conf-new-form button[type=submit]")
    card = "#case-conferences article.conference"
    wait_text(browser, card, AGENDA)
    wait_text(browser, "#announcer", "Fallkonferenz geplant")
    (conf,) = jc.get(f"/v1/conferences?case_id={case_id}").json()["items"]
    assert {p["node_id"] for p in conf["participants"]} == {SCHULDNER, JUGENDAMT}
    assert conf["place"] == "Jobcenter, Raum 2.14" and conf["status"] == "planned"
    assert "Stadt Neustadt, Jugendamt" in browser.find(f"{card} .conf-participants").text

    # Move it to another room: only what changed is sent (and told to the participants).
    a.press(f"{card} .conf-edit")
    edit = f"#conf-edit-{conf['id'][:8]}-form"
    browser.wait(edit)
    a.type(f"{edit} input[name=place]", "Jobcenter, Raum 3.01", clear=True)
    a.press(f"{edit} button[type=submit]")
    wait_text(browser, f"{card} .conf-where", "Raum 3.01")
    changed = [e["fields"] for e in jc.get(f"/v1/cases/{case_id}/timeline").json()["items"]
               if e["kind"] == "conference.changed"]
    assert changed == [["place"]]

    # Record a decision.
    a.press(f"{card} .conf-decide")
    browser.wait(f"{card} .decision-form")
    a.type(f"{card} .decision-form textarea[name=text]", DECISION)
    a.press(f"{card} .decision-form button[type=submit]")
    wait_text(browser, f"{card} .decision-text", DECISION)
    (decision,) = jc.get(f"/v1/conferences/{conf['id']}").json()["decisions"]
    assert decision["text"] == DECISION

    # Refer from it: the consent covers the debt counselling agency, not the youth office.
    a.press(f"{card} [data-decision='{decision['id']}']")
    form = f"{card} .refer-form"
    browser.wait(form)
    option = browser.find(f"{form} select[name=to_node_id] option[value='{JUGENDAMT}']")
    assert option.get_attribute("disabled") is not None
    a.choose(f"{form} select[name=to_node_id]", SCHULDNER)
    a.type(f"{form} input[name=reason]", "Beschluss der Fallkonferenz", clear=True)
    a.press(f"{form} button[type=submit]")
    wait_text(browser, f"{card} .decision-referrals", "Caritas Schuldnerberatung")
    (referral,) = jc.get(f"/v1/referrals?box=outbox&case_id={case_id}").json()["items"]
    assert (referral["to_node_id"], referral["reason"]) == (SCHULDNER,
                                                            "Beschluss der Fallkonferenz")
    linked = jc.get(f"/v1/conferences/{conf['id']}").json()["decisions"][0]["referrals"]
    assert [r["id"] for r in linked] == [referral["id"]]
    browser.wait(f"#case-referrals tr[data-id='{referral['id']}']")
    browser.shot("conference-case", "#case-conferences")

    # The case's history: planned, decision, the referral sent, the referral from the decision.
    kinds = [li.get_attribute("data-kind") for li in browser.finds("#case-timeline-list li")]
    assert kinds == ["conference.planned", "conference.changed", "conference.decision",
                     "referral.created", "conference.referral"]
    assert "Fallkonferenz für" in browser.find("#case-timeline-list").text

    # The youth welfare office was notified of the invitation; no consent covers it: it sees
    # the decision, not its text.
    tabs.to("jugendamt")
    browser.wait_for(lambda: browser.find("#notices-count").text == "2", timeout=30,
                     what="the notifications of the invitation and the change")
    a.press("#notices-link")
    item = f"#notices li[data-conference='{conf['id']}']"
    browser.wait(item)
    texts = [li.text for li in browser.finds(item)]
    assert len(texts) == 2, texts
    assert "hat die Fallkonferenz geändert" in texts[0] and "lädt zur Fallkonferenz" in texts[1]
    a.press(f"{item} a[href='/conferences/{conf['id']}']")
    browser.wait("#conf-withheld")
    page = browser.find("main").text
    assert DECISION not in page and AGENDA not in page and reference not in page
    browser.wait(".decision-withheld")
    assert not browser.finds(".conf-decide") and not browser.finds(".conf-cancel")
    browser.shot("conference-participant")


def plan_in_page(browser, a, start, place, participant):
    a.press("#conf-plan")
    browser.wait("#conf-new-form")
    set_value(browser, "#conf-new-starts", local(start))
    a.type("#conf-new-form input[name=place]", place)
    a.press(f"#conf-new-p-{participant}")
    a.press("#conf-new-form button[type=submit]")
    wait_text(browser, "#case-conferences", place)


def test_closing_a_case_says_its_planned_conferences_are_cancelled_and_cancels_them(browser,
                                                                                    demo):
    """The case manager closes a case with a case conference planned: the close form names it
    first, and once closed it is cancelled, for the invited agency too, and in the history."""
    a = Mouse(browser)
    jc = demo("jobcenter")
    a.login("jobcenter", "neustadt-demo")
    case_id = new_case(browser, a, f"AS-{uuid.uuid4().hex[:6]}", consent_for=SCHULDNER)
    start = (datetime.datetime.now() + datetime.timedelta(days=3)).replace(hour=9, minute=30)
    plan_in_page(browser, a, start, "Jobcenter, Raum 1.07", SCHULDNER)
    (conf,) = jc.get(f"/v1/conferences?case_id={case_id}").json()["items"]

    a.press("#case-close")
    browser.wait("#case-close-form")
    wait_text(browser, "#close-conferences", "wird diese geplante Fallkonferenz abgesagt")
    assert browser.finds(f"#close-conferences li[data-conference='{conf['id']}']")
    a.choose("#close-reason", "moved_away")
    a.press("#case-close-form button[type=submit]")
    browser.wait("#case-closed")
    wait_text(browser, "#case-conferences", "abgesagt")
    assert jc.get(f"/v1/conferences/{conf['id']}").json()["status"] == "cancelled"
    assert demo("schuldnerberatung").get(
        f"/v1/conferences/{conf['id']}").json()["status"] == "cancelled"
    kinds = [li.get_attribute("data-kind") for li in browser.finds("#case-timeline-list li")]
    assert kinds[-1] == "conference.cancelled", kinds
    browser.shot("conference-cancelled-by-close", "#case-conferences")
