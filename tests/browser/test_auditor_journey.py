"""The auditor's journey in German, from a fresh login: a case manager opens a case and reads
it (through the UI); the auditor finds who read that case and when, narrows the log to one
account and a period, and exports what is shown as a CSV that German Excel opens."""
import csv
import io
import uuid

from selenium.webdriver.support.ui import Select

ALLEINERZIEHENDE = "50000000-0000-4000-8000-000000000001"
# What the screen counts as reads of a case: its details, and the lists that showed it
# (docs/architecture.md, "Reads of social data"; KINDS.reads in clients/web/src/views/audit.js).
READS = ("case.read,case.progress_read,referral.read,referral.events_read,case.list,"
         "consent.list,referral.list")


def test_auditor_finds_who_read_a_case(browser, demo):
    reference = f"AUD-{uuid.uuid4().hex[:6]}"
    auditor = demo("auditor")

    # The case manager opens the case and looks at it twice.
    browser.login("jobcenter")
    browser.go("/cases")
    browser.wait("#case-form input[name=reference]").send_keys(reference)
    Select(browser.find("#case-form select[name=target_group_id]")).select_by_value(ALLEINERZIEHENDE)
    browser.find("#case-form button[type=submit]").click()
    browser.wait("#consents")
    case_path = browser.d.current_url.replace(browser.base, "")
    browser.go(case_path)
    browser.wait("#consents")
    reads = auditor.get("/v1/audit", params={"case_reference": reference, "action": READS}
                        ).json()["items"]
    assert len(reads) >= 2 and {e["account_login"] for e in reads} == {"jobcenter"}

    # The auditor: who read the case, and when.
    browser.login("auditor")
    assert browser.d.current_url.endswith("/audit")
    browser.wait("#audit-case").send_keys(reference)
    browser.click("#audit-search")
    reader = browser.wait("#audit-readers li[data-login=jobcenter]")
    assert f"{len(reads)}-mal" in reader.text
    assert "Jobcenter Neustadt, Team Alleinerziehende" in reader.text
    rows = browser.finds("#audit-results tbody tr")
    assert {r.get_attribute("data-case") for r in rows} == {reference}
    assert "Fall gelesen" in browser.text("#audit-results tbody")
    browser.shot("web-audit")

    # Narrowed to one account, reads only, from a moment before the case was opened.
    first = min(e["at"] for e in auditor.get("/v1/audit", params={"case_reference": reference}
                                             ).json()["items"])
    since_local = browser.d.execute_script(
        "const d = new Date(new Date(arguments[0]).getTime() - 60000);"
        "const p = (n) => String(n).padStart(2, '0');"
        "return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;",
        first)
    browser.go("/audit")
    browser.wait("#audit-login").send_keys("jobcenter")
    browser.d.execute_script("arguments[0].value = arguments[1];", browser.find("#audit-from"),
                             since_local)
    Select(browser.find("#audit-kind")).select_by_value("reads")
    browser.click("#audit-search")
    browser.wait_for(lambda: "login=jobcenter" in browser.d.current_url, what="filtered")
    browser.wait("#audit-results tbody tr")
    rows = browser.finds("#audit-results tbody tr")
    assert {r.get_attribute("data-login") for r in rows} == {"jobcenter"}
    assert {r.get_attribute("data-action") for r in rows} <= set(READS.split(","))
    assert reference in {r.get_attribute("data-case") for r in rows}

    # Exported as shown, for German Excel.
    folder = browser.downloads()
    browser.click("#audit-csv")
    name, data = browser.downloaded(folder)
    assert name == "protokoll.csv" and data.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert lines[0][:5] == ["Zeitpunkt", "Kennung", "Name", "Stelle", "Vorgang"]
    body = lines[1:]
    assert body and {r[1] for r in body} == {"jobcenter"}
    assert {r[5] for r in body} <= set(READS.split(","))
    assert [r for r in body if r[8] == reference and r[4] == "Fall gelesen"]
    assert browser.console_problems() == []
