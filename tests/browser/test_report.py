"""The network report in the browser (docs/user-guide/statistics.md, "The network report"):
a coordinator opens the report for a period, writes a text for a section, and prints it to PDF
(Chrome's Page.printToPDF, read back with pdftotext and pdfinfo from poppler-utils): A4 pages,
the report's figures and texts, none of the app around it; in German and in English.

The fixture only makes what an admin would have made before: a network with two members, a
target group and the coordinator's account. The referrals the report counts are sent and
answered through the API as the nodes would: six cases of the jobcenter from the Nordstadt,
each referred to the Caritas Schuldnerberatung, which declines all six for lack of capacity.
"""
import base64
import datetime
import os
import re
import subprocess
import tempfile
import uuid

import pytest
from harness import german_date

NETWORK_NAME = "Berichtsnetz"
JOBCENTER = "20000000-0000-4000-8000-000000000002"
SCHULDNER = "20000000-0000-4000-8000-000000000007"
PASSWORD = "bericht-koordination-1"


@pytest.fixture(scope="module")
def report_network(demo):
    admin = demo("admin")
    tag = uuid.uuid4().hex[:6]
    r = admin.post("/v1/networks", json={"name": f"{NETWORK_NAME} {tag}", "locality": "Neustadt"})
    assert r.status_code == 201, r.text
    network = r.json()
    for node in (JOBCENTER, SCHULDNER):
        r = admin.post(f"/v1/networks/{network['id']}/members", json={"node_id": node})
        assert r.status_code == 201, r.text
    r = admin.post(f"/v1/networks/{network['id']}/target-groups",
                   json={"code": f"bericht-{tag}", "name": "Langzeitarbeitslose"})
    assert r.status_code == 201, r.text
    group = r.json()["id"]
    login = f"bericht-{tag}"
    r = admin.post("/v1/accounts", json={"login": login, "display_name": "Koordination Bericht",
                                         "role": "coordinator", "network_ids": [network["id"]],
                                         "password": PASSWORD, "must_change_password": False})
    assert r.status_code == 201, r.text
    return {"network": network, "group": group, "login": login}


def send_and_decline(demo, group, n):
    """n referrals from the jobcenter, each on a case of its own, declined by the receiver."""
    jobcenter, schuldner = demo("jobcenter"), demo("schuldnerberatung")
    for _ in range(n):
        r = jobcenter.post("/v1/cases", json={"reference": "B-" + uuid.uuid4().hex[:12],
                                              "target_group_id": group, "district": "Nordstadt"})
        assert r.status_code == 201, r.text
        case = r.json()["id"]
        r = jobcenter.post(f"/v1/cases/{case}/consents", json={
            "scope": "network", "purpose": "Vermittlung", "purpose_code": "municipal_services",
            "evidence": "Akte 1",
            "given_on": german_date().isoformat()})
        assert r.status_code == 201, r.text
        r = jobcenter.post("/v1/referrals", json={"case_id": case, "to_node_id": SCHULDNER})
        assert r.status_code == 201, r.text
        ref = r.json()
        r = schuldner.post(f"/v1/referrals/{ref['id']}/transitions",
                           json={"to": "declined", "reason": "no_capacity"},
                           headers={"If-Match": f'"{ref["version"]}"'})
        assert r.status_code == 200, r.text


def print_pdf(browser):
    """The page printed by Chrome as the browser's print dialog would (the page's own @page
    size), as (text, number of pages, page size in points)."""
    out = browser.d.execute_cdp_cmd("Page.printToPDF", {"preferCSSPageSize": True,
                                                        "printBackground": True})
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "report.pdf")
        with open(path, "wb") as f:
            f.write(base64.b64decode(out["data"]))
        info = subprocess.run(["pdfinfo", path], capture_output=True, text=True, check=True).stdout
        text = subprocess.run(["pdftotext", "-layout", path, "-"], capture_output=True, text=True,
                              check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    w, h = map(float, re.search(r"^Page size:\s+([\d.]+) x ([\d.]+) pts", info, re.M).groups())
    return text, pages, (w, h)


def squeeze(text):
    return re.sub(r"\s+", " ", text)


def test_the_report_prints_to_a4(browser, demo, report_network):
    network = report_network["network"]
    send_and_decline(demo, report_network["group"], 6)
    # The day it is in Germany, as the coordinator would type it (the report's dates are
    # Berlin's, docs/openapi/81-reports.yaml), taken after sending: at Berlin's midnight the
    # referrals went out that day or the one before, both inside the week.
    today = german_date()
    since = (today - datetime.timedelta(days=6)).isoformat()

    browser.login(report_network["login"], PASSWORD)
    browser.click("nav.mainnav a[href='/map']")
    browser.click("nav.tabs a[href^='/report']")
    browser.set_value(browser.wait("#period-from"), since)
    browser.set_value(browser.find("#period-to"), today.isoformat())
    browser.click("#period-apply")
    browser.wait_for(lambda: f"from={since}" in browser.d.current_url
                     and browser.finds("main[data-report-ready] #report"), what="the report")
    assert browser.text("#report-title") == f"Bericht: {network['name']}"
    row = browser.find("#report-overview tr[data-figure='col_referred']")
    assert row.text.split()[-2:] == ["6", "0"]  # this period, the one before
    declined = browser.find("#report-overview tr[data-figure='st_declined']")
    assert declined.text.split()[-2:] == ["6", "0"]
    assert browser.find("#report-reasons tr[data-reason='no_capacity']").text.split()[-1] == "6"
    assert browser.find("#report-districts tr[data-district='Nordstadt']").text.split()[-1] == "6"
    assert browser.finds("#report-overview canvas#chart-overview")

    # A text for the overview, kept in this browser for this network and period.
    note = "Die Schuldnerberatung war im ganzen Zeitraum ausgelastet."
    browser.find("#report-text-overview").send_keys(note)
    browser.d.refresh()
    browser.wait("main[data-report-ready] #report")
    assert browser.find("#report-text-overview").get_attribute("value") == note

    text, pages, size = print_pdf(browser)
    flat = squeeze(text)
    assert abs(size[0] - 595.3) < 1.5 and abs(size[1] - 841.9) < 1.5, size  # A4
    assert 1 < pages <= 6, pages
    first, last = today - datetime.timedelta(days=6), today
    assert f"Bericht: {network['name']}" in flat
    assert f"Berichtszeitraum: {first:%d.%m.%Y} – {last:%d.%m.%Y}" in flat
    assert "Überblick" in flat and "Gründe für Ablehnungen und Abbrüche" in flat
    assert "Sozialräume" in flat and "Reaktionszeiten im Vergleich mit den Zielen" in flat
    assert note in flat
    assert re.search(r"Vermittelt\s+6\s+0", flat), flat[:2000]
    assert re.search(r"Keine freie Kapazität\s+6", flat)
    # nothing of the app around the report, nor the text boxes' labels
    for screen_only in ("Abmelden", "Drucken oder als PDF sichern", "Auswahl anwenden",
                        "Text zu diesem Abschnitt", "Netzwerkkarte"):
        assert screen_only not in flat, screen_only
    assert not browser.finds("#period-reset")  # a report is always for a period
    browser.shot("web-report", "#report")

    # In English: the same report, worded in English.
    browser.click(".topbar button[lang='en']")
    browser.wait_for(lambda: browser.text("#report-title").startswith("Report:"),
                     what="the report in English")
    browser.wait("main[data-report-ready] #report")
    text, pages, size = print_pdf(browser)
    flat = squeeze(text)
    assert abs(size[0] - 595.3) < 1.5 and 1 < pages <= 6
    assert f"Report: {network['name']}" in flat and "Overview" in flat
    assert "Period: " in flat and "Compared with: " in flat and "Districts" in flat
    assert re.search(r"No capacity\s+6", flat)
    assert re.search(r"Referred\s+6\s+0", flat)
    assert note in flat  # the coordinator's text is the coordinator's, in any language
