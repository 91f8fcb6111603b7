"""The admin's journeys in German, from a fresh login, through the UI: create an organization,
a node and an account for a new agency worker, an integration token for it, register a
webhook for the node and see its test event delivered; the new worker logs in, must change the
start password, and reaches the inbox. And the account chores: change a role, reset a
password, disable and enable an account."""
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.ui import Select

from harness import Api

NEUSTADT = "40000000-0000-4000-8000-000000000001"


class Receiver:
    """An HTTP endpoint on 127.0.0.1 that records every POST and answers 200."""

    def __init__(self):
        self.bodies = []
        outer = self

        class H(BaseHTTPRequestHandler):
            def do_POST(self):
                outer.bodies.append(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/pnet"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def fill(browser, css, text):
    el = browser.wait(css)
    el.clear()
    el.send_keys(text)
    return el


def test_admin_sets_up_a_new_agency_and_its_worker_reaches_the_inbox(browser, demo, receiver):
    tag = uuid.uuid4().hex[:6]
    admin = demo("admin")
    browser.login("admin")
    assert browser.d.current_url.endswith("/admin")

    # 1. An organization and its node.
    browser.click("#admin-orgs")
    org_name = f"Sozialwerk Nordheide {tag}"
    fill(browser, "#org-add input[name=name]", org_name)
    Select(browser.find("#org-add select[name=kind]")).select_by_value("welfare_association")
    fill(browser, "#org-add input[name=city]", "Nordheide")
    browser.find("#org-add button[type=submit]").click()
    browser.wait_for(lambda: browser.text("h1") == org_name, what="organization page")
    org_id = browser.d.current_url.rsplit("/", 1)[1]
    node_name = f"Beratungsstelle Nordheide {tag}"
    fill(browser, "#node-add input[name=name]", node_name)
    Select(browser.find("#node-add select[name=kind]")).select_by_value("counselling_service")
    fill(browser, "#node-add input[name=district]", "Nordheide-Mitte")
    fill(browser, "#node-add input[name=languages]", "de, tr")
    browser.find("#node-add button[type=submit]").click()
    row = browser.wait("#org-nodes tbody tr[data-id]")
    node_id = row.get_attribute("data-id")
    node = admin.get(f"/v1/nodes/{node_id}").json()
    assert (node["name"], node["organization_id"], node["kind"], node["district"],
            node["languages"], node["active"]) == (
        node_name, org_id, "counselling_service", "Nordheide-Mitte", ["de", "tr"], True)
    # ... and changed: the node's district, the organization's phone.
    browser.click(f"#org-nodes button[data-edit='{node_id}']")
    fill(browser, "#node-edit input[name=district]", "Nordheide-Süd")
    browser.find("#node-edit button[type=submit]").click()
    browser.wait_for(lambda: not browser.finds("#node-edit"), what="node saved")
    assert admin.get(f"/v1/nodes/{node_id}").json()["district"] == "Nordheide-Süd"
    fill(browser, "#org-edit input[name=phone]", "0049 555 12345")
    browser.find("#org-edit button[type=submit]").click()
    browser.wait_for(lambda: admin.get(f"/v1/organizations/{org_id}").json()["contact"]["phone"]
                     == "0049 555 12345", what="organization saved")
    browser.shot("web-admin-organization")

    # 2. An account for the new agency's worker, with a start password.
    browser.click("nav.mainnav a[href='/admin']")
    browser.click("#admin-accounts")
    login = f"fk-{tag}"
    fill(browser, "#account-form input[name=login]", login)
    fill(browser, "#account-form input[name=display_name]", "Frau Neumann")
    Select(browser.find("#account-form select[name=role]")).select_by_value("caseworker")
    Select(browser.find("#account-form select[name=node_id]")).select_by_value(node_id)
    browser.click("#new-account-propose")
    start = browser.find("#new-account-password").get_attribute("value")
    assert len(start) == 16
    assert browser.find("#new-account-must-change").is_selected()
    browser.find("#account-form button[type=submit]").click()
    browser.wait("#account-created")
    account_id = browser.d.current_url.split("/")[-1].split("?")[0]
    account = admin.get(f"/v1/accounts/{account_id}").json()
    assert (account["login"], account["role"], account["node_id"],
            account["must_change_password"]) == (login, "caseworker", node_id, True)

    # 3. An integration token for the agency's case-management software.
    fill(browser, "#token-form input[name=label]", "Fachverfahren Nordheide")
    browser.find("#scope-cases-read").click()
    browser.find("#scope-referrals-read").click()
    browser.find("#token-form button[type=submit]").click()
    token = browser.wait("#token-value").text
    assert token.startswith("pnet_")
    assert browser.wait("#tokens tr[data-kind=integration]")
    tokens = admin.get(f"/v1/accounts/{account_id}/tokens").json()["items"]
    assert [(t["label"], t["scopes"]) for t in tokens] == [
        ("Fachverfahren Nordheide", ["cases:read", "referrals:read"])]
    software = Api(admin.base_url, token)
    assert software.get("/v1/cases").status_code == 200
    assert software.get("/v1/audit").status_code == 403
    software.close()
    browser.d.execute_script("document.getElementById('tokens').scrollIntoView()")
    browser.shot("web-admin-account")

    # 4. A webhook for the new node; its test event is delivered and shown.
    browser.click("nav.mainnav a[href='/admin']")
    browser.click("#admin-webhooks")
    Select(browser.wait("#webhook-form select[name=node_id]")).select_by_value(node_id)
    fill(browser, "#webhook-form input[name=url]", receiver.url)
    fill(browser, "#webhook-form input[name=description]", "Fachverfahren Nordheide")
    browser.find("#webhook-form button[type=submit]").click()
    secret = browser.wait("#secret-value").text
    assert secret.startswith("whsec_")
    hooks = admin.get("/v1/webhooks", params={"node_id": node_id}).json()["items"]
    assert [(h["url"], h["node_id"]) for h in hooks] == [(receiver.url, node_id)]
    browser.click(f"#webhook-list button[data-ping='{hooks[0]['id']}']")
    browser.wait("#deliveries tr[data-type='webhook.ping']")

    def delivered():
        if not browser.finds("#deliveries tr[data-state=delivered]"):
            browser.click("#deliveries-refresh")
            return False
        return True
    browser.wait_for(delivered, timeout=30, what="the test event delivered")
    assert "HTTP 200" in browser.find("#deliveries tr[data-state=delivered]").text
    assert [json.loads(b)["type"] for b in receiver.bodies] == ["webhook.ping"]
    browser.d.execute_script("document.getElementById('webhook-list').scrollIntoView()")
    browser.shot("web-admin-webhook")
    assert browser.console_problems() == []

    # 5. The new worker: the start password first, then a password of their own, then the inbox.
    browser.login(login, start)
    browser.wait("#password-form")
    assert browser.d.current_url.endswith("/password")
    assert not browser.finds("nav.mainnav")
    assert "vergeben" in browser.text("#password-intro")
    browser.go("/inbox")
    browser.wait("#password-form")
    assert browser.d.current_url.endswith("/password")
    browser.find("#password-form input[name=current_password]").send_keys(start)
    browser.find("#password-form input[name=new_password]").send_keys("Eigenes-Passwort-Nordheide")
    browser.find("#password-form input[name=new_password_again]").send_keys("Eigenes-Passwort-Nordheide")
    browser.shot("web-password-change")
    browser.find("#password-form button[type=submit]").click()
    browser.wait_for(lambda: browser.d.current_url.endswith("/inbox"), what="the inbox")
    browser.wait_for(lambda: browser.text("h1") == "Posteingang", what="the inbox's heading")
    assert browser.finds("nav.mainnav a[href='/inbox']")
    assert admin.get(f"/v1/accounts/{account_id}").json()["must_change_password"] is False
    assert browser.console_problems() == []


def test_admin_changes_a_role_resets_a_password_and_disables_an_account(browser, demo):
    admin = demo("admin")
    r = admin.post("/v1/accounts", json={"login": f"wechsel-{uuid.uuid4().hex[:6]}",
                                         "display_name": "Herr Wechsel", "role": "auditor",
                                         "password": "erstes-passwort-1",
                                         "must_change_password": False})
    assert r.status_code == 201, r.text
    account = r.json()
    browser.login("admin")
    browser.go("/admin/accounts?role=auditor")
    browser.click(f"#account-list tr[data-login='{account['login']}'] a")

    # A role: coordinator of Neustadt.
    Select(browser.wait("#account-edit select[name=role]")).select_by_value("coordinator")
    browser.find(f"#net-{account['id']}-{NEUSTADT}").click()
    form = browser.find("#account-edit")
    browser.find("#account-edit button[type=submit]").click()
    browser.wait_for(lambda: admin.get(f"/v1/accounts/{account['id']}").json()["role"]
                     == "coordinator", what="role changed")
    # The page draws itself afresh once the saved account is read back; typing before that
    # would reach the old form (a stale element on a loaded machine).
    browser.wait_for(lambda: staleness_of(form)(browser.d), what="the page redrawn")
    assert admin.get(f"/v1/accounts/{account['id']}").json()["network_ids"] == [NEUSTADT]

    # A reset: a new start password, to be changed at the next login.
    fill(browser, "#reset-password", "zweites-passwort-2")
    browser.find("#password-reset button[type=submit]").click()
    assert account["login"] in browser.confirm()
    browser.wait_for(lambda: admin.get(f"/v1/accounts/{account['id']}").json()[
        "must_change_password"] is True, what="password reset")
    person = Api(admin.base_url)
    r = person.post("/v1/auth/login", json={"login": account["login"],
                                            "password": "zweites-passwort-2"}, auth=False)
    assert r.status_code == 201 and r.json()["account"]["must_change_password"] is True

    # Disabled: no login; enabled again.
    browser.click("#account-toggle")
    browser.confirm()
    browser.wait_for(lambda: admin.get(f"/v1/accounts/{account['id']}").json()["disabled"],
                     what="disabled")
    r = person.post("/v1/auth/login", json={"login": account["login"],
                                            "password": "zweites-passwort-2"}, auth=False)
    assert r.status_code == 401
    browser.wait("#account-toggle")
    browser.wait_for(lambda: "entsperren" in browser.find("#account-toggle").text,
                     what="the button to enable")
    browser.click("#account-toggle")
    browser.wait_for(lambda: not admin.get(f"/v1/accounts/{account['id']}").json()["disabled"],
                     what="enabled")
    person.close()
    assert browser.console_problems() == []


def test_admin_creates_a_network_and_opens_it(browser, demo):
    name = f"Netzwerk Heideland {uuid.uuid4().hex[:6]}"
    browser.login("admin")
    browser.click("#admin-networks")
    fill(browser, "#network-add input[name=name]", name)
    fill(browser, "#network-add input[name=locality]", "Heideland")
    browser.find("#network-add button[type=submit]").click()
    browser.wait_for(lambda: browser.d.current_url.endswith("/network")
                     and browser.text("h1") == name, what="the new network's page")
    made = [n for n in demo("admin").get("/v1/networks?limit=500").json()["items"]
            if n["name"] == name]
    assert len(made) == 1 and made[0]["locality"] == "Heideland"
    assert browser.find("#network-choice").get_attribute("value") == made[0]["id"]
    assert browser.finds("#member-add select[name=node_id]")
    assert browser.console_problems() == []
