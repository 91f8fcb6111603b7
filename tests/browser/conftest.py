"""Fixtures for the browser tests: the web app in headless Chromium (Debian's chromium and
chromedriver, driven by python3-selenium) against a real pnetd serving the Neustadt demo.

The pnetd and database fixtures are tests/api/conftest.py's, loaded here under another
module name. Screenshots go to build/test/screenshots/.
    web_pnetd   (session) a pnetd on the demo database serving clients/web/dist
    browser     (session) a Browser: a Chromium with helpers (login, wait, shot)
    demo        (session) demo(login) -> an API client logged in as that demo account
    phone       the browser at 390 x 844 (a phone) for one test
Every test fails on an error in the browser's console or a Content-Security-Policy
violation; answers with a status the test provokes on purpose (a 422 for a wrong entry) are
allowed by browser.allow(status), and requests that fail because the test took the browser
offline by browser.allow_offline() (offline_support.Offline does so).
"""
import re
import importlib.util
import os
import sys
import tempfile
import time

import pytest

API_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "api")
sys.path.insert(0, API_DIR)
_spec = importlib.util.spec_from_file_location("pnet_api_conftest", os.path.join(API_DIR, "conftest.py"))
_api = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_api)

# The API suite's fixtures, reused as they are.
pnetd_exe = _api.pnetd_exe
pg_superuser = _api.pg_superuser
database_factory = _api.database_factory
database = _api.database
demo_database = _api.demo_database
demo_db = _api.demo_db

from harness import GERMANY, Api, Pnetd  # noqa: E402  (tests/api on sys.path)

# The browser and these tests are a person in Germany: Chromium (it inherits this environment)
# and Python's local time keep Germany's time, as pnet's days are (server/db.h).
os.environ["TZ"] = GERMANY
time.tzset()

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import TimeoutException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

SOURCE_DIR = _api.SOURCE_DIR
WEB_DIR = os.path.join(SOURCE_DIR, "clients", "web", "dist")
SHOT_DIR = os.path.join(SOURCE_DIR, "build", "test", "screenshots")
DEMO_PASSWORD = _api.DEMO_PASSWORD
CHROME_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-dev-shm-usage", "--window-size=1400,1000", "--lang=de-DE"]


@pytest.fixture(scope="session")
def web_pnetd(pnetd_exe, demo_database):
    if not os.path.isfile(os.path.join(WEB_DIR, "index.html")):
        pytest.fail(f"{WEB_DIR}/index.html is missing: build the web app (./dev build)",
                    pytrace=False)
    # Webhooks may go to a receiver the test starts on 127.0.0.1 (the admin journey).
    server = Pnetd(pnetd_exe, demo_database,
                   args=[f"--web-dir={WEB_DIR}", "--webhook-allow-http", "--webhook-allow-private",
                         "--webhook-poll-ms=200"],
                   log_path=_api._log_path("browser")).start()
    yield server
    _api._stop_clean(server)


@pytest.fixture(scope="session")
def demo(web_pnetd):
    clients = {}

    def client(login):
        if login not in clients:
            c = Api(web_pnetd.base_url)
            if login:
                c.login(login, DEMO_PASSWORD)
            clients[login] = c
        return clients[login]

    yield client
    for c in clients.values():
        c.close()


class Browser:
    """One Chromium and the app's base URL, with the few helpers the tests share."""

    def __init__(self, driver, base_url):
        self.d = driver
        self.base = base_url
        self.allowed = set()

    def allow(self, *statuses):
        """Answers with these statuses are expected in this test (not console errors)."""
        self.allowed.update(statuses)

    def allow_offline(self):
        """Requests that find no network are expected in this test (it goes offline)."""
        self.offline_allowed = True

    def console_problems(self):
        """Errors in the console and CSP violations since the last call, but for answers
        with an allowed status."""
        out = []
        entries, self._unseen = getattr(self, "_unseen", []) + self.d.get_log("browser"), []
        for e in entries:
            message = e["message"]
            csp = "Content Security Policy" in message or "Refused to" in message
            if e["level"] != "SEVERE" and not csp:
                continue
            if "/favicon.ico - " in message:
                continue  # the browser's own look for an icon on a page that is not the app's
            if getattr(self, "offline_allowed", False) and "net::ERR_INTERNET_DISCONNECTED" in message:
                continue
            m = re.search(r"the server responded with a status of (\d+)", message)
            if m and int(m.group(1)) in self.allowed and not csp:
                continue
            out.append(message)
        return out

    def recent_log(self):
        """What the console said (but warnings), for a failure's message; it is seen again
        by the check after the test."""
        entries = [e for e in self.d.get_log("browser") if e["level"] != "WARNING"]
        self._unseen = getattr(self, "_unseen", []) + entries
        return "".join(f"\n  console: {e['level']} {e['message'][:300]}" for e in entries[-8:])

    def phone(self, width=390, height=844):
        """Show pages as a phone does (Chromium's own window cannot be this narrow)."""
        self.d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": True})

    def desktop(self):
        self.d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

    def widths(self):
        """(document width, window width): the first must not be larger."""
        return tuple(self.d.execute_script(
            "return [document.documentElement.scrollWidth, window.innerWidth]"))

    def fresh_device(self, lang="de"):
        """Forget what this tab kept (login, notifications, language): a device never used.
        Done on a page of the app's origin that runs no app (its icon), so that no request
        of a page still signed in goes out without its token meanwhile."""
        self.go("/favicon.svg")
        self.d.execute_script("sessionStorage.clear(); localStorage.clear();"
                              " localStorage.setItem('pnet.lang', arguments[0]);", lang)

    def go(self, path):
        try:
            self.d.get(self.base + path)
        except TimeoutException:
            # A renderer starved of CPU (a loaded CI machine) may miss one load: once more.
            self.d.get(self.base + path)

    def wait(self, css, timeout=15, visible=True):
        cond = EC.visibility_of_element_located if visible else EC.presence_of_element_located
        try:
            return WebDriverWait(self.d, timeout).until(cond((By.CSS_SELECTOR, css)))
        except TimeoutException:
            self.shot("timeout-" + css.replace(" ", "_").replace("#", "")[:40])
            raise AssertionError(f"{css} did not appear within {timeout}s on {self.d.current_url}"
                                 f"{self.recent_log()}")

    def wait_for(self, predicate, timeout=15, what="condition"):
        end = time.time() + timeout
        while time.time() < end:
            try:
                if predicate():
                    return
            except Exception:  # an element replaced while we looked: look again
                pass
            time.sleep(0.2)
        raise AssertionError(f"{what} not met within {timeout}s on {self.d.current_url}")

    def click(self, css, timeout=15):
        """Clicks css once it is there, again if the page was redrawn under the click."""
        def attempt():
            self.find(css).click()
            return True
        self.wait(css, timeout)
        self.wait_for(attempt, timeout, what=f"click on {css}")

    def find(self, css):
        return self.d.find_element(By.CSS_SELECTOR, css)

    def finds(self, css):
        return self.d.find_elements(By.CSS_SELECTOR, css)

    def set_value(self, el, value):
        """Sets the value of an input the browser draws its own picker for (date, time,
        datetime-local) and tells the page, as a person's choice in the picker would."""
        self.d.execute_script(
            "arguments[0].value = arguments[1];"
            "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));", el, value)

    def text(self, css):
        return self.wait(css).text

    def login(self, login, password=DEMO_PASSWORD, lang="de"):
        # A device never used before: no notifications kept from earlier tests.
        self.fresh_device(lang)
        self.go("/login")
        self.wait("#login-form input[name=login]").send_keys(login)
        self.find("#login-form input[name=password]").send_keys(password)
        self.find("#login-form button[type=submit]").click()
        self.wait("#logout", timeout=30)

    def shot(self, name, css=None):
        """A screenshot of the window; with css, scrolled so that the element is at the top."""
        if css:
            self.d.execute_script("document.querySelector(arguments[0]).scrollIntoView()", css)
        os.makedirs(SHOT_DIR, exist_ok=True)
        self.d.save_screenshot(os.path.join(SHOT_DIR, f"{name}.png"))

    def csp_violations(self):
        return [e["message"] for e in self.d.get_log("browser")
                if "Content Security Policy" in e["message"] or "Refused to" in e["message"]]

    def downloads(self):
        """A fresh folder the browser saves downloads to."""
        folder = tempfile.mkdtemp(prefix="pnet-downloads-")
        self.d.execute_cdp_cmd("Browser.setDownloadBehavior",
                               {"behavior": "allow", "downloadPath": folder})
        return folder

    def downloaded(self, folder, timeout=20):
        """The bytes and name of the one file saved to folder, once it is complete."""
        end = time.time() + timeout
        while time.time() < end:
            names = [n for n in os.listdir(folder) if not n.endswith(".crdownload")]
            if names and not any(n.endswith(".crdownload") for n in os.listdir(folder)):
                with open(os.path.join(folder, names[0]), "rb") as f:
                    return names[0], f.read()
            time.sleep(0.2)
        raise AssertionError(f"no download in {folder} within {timeout}s")

    def confirm(self, accept=True, timeout=10):
        """Answer the page's confirm() dialog; returns its text."""
        alert = WebDriverWait(self.d, timeout).until(EC.alert_is_present())
        text = alert.text
        alert.accept() if accept else alert.dismiss()
        return text


@pytest.fixture(autouse=True)
def console_clean(request):
    """Fails a browser test on console errors and CSP violations (see Browser.allow)."""
    if "browser" not in request.fixturenames:
        yield
        return
    b = request.getfixturevalue("browser")
    b.d.get_log("browser")  # what earlier tests left
    b._unseen = []
    b.allowed = set()
    b.offline_allowed = False
    yield
    problems = b.console_problems()
    assert not problems, "console errors or CSP violations:\n" + "\n".join(problems)


@pytest.fixture
def phone(browser):
    browser.phone()
    yield browser
    browser.desktop()


def _chromium():
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for flag in CHROME_FLAGS:
        opts.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="pnet-chromium-")
    opts.add_argument(f"--user-data-dir={profile}")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    driver.set_page_load_timeout(90)
    driver.set_script_timeout(60)
    return driver


@pytest.fixture(scope="session")
def browser(web_pnetd):
    driver = _chromium()
    yield Browser(driver, web_pnetd.base_url)
    driver.quit()


@pytest.fixture
def second_browser(web_pnetd):
    """Another Chromium of its own (another person at another desk), for this test only."""
    driver = _chromium()
    b = Browser(driver, web_pnetd.base_url)
    yield b
    problems = b.console_problems()
    driver.quit()
    assert not problems, "console errors or CSP violations:\n" + "\n".join(problems)
