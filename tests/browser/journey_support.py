"""How a person works the app in the journeys: with the mouse, or with the keyboard only.

Both actors offer the same few moves on an element named by a CSS selector (press, type,
choose, set a date, open a disclosure), so that a journey is written once and walked either
way. The keyboard actor never clicks: it moves the focus with Tab (or Shift+Tab, whichever
way is shorter) until the element has it, then types, or presses Enter or Space, as a person
at the keyboard does."""
import time

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select
from harness import german_date

ALLEINERZIEHENDE = "50000000-0000-4000-8000-000000000001"
CHAIN_AE = "70000000-0000-4000-8000-000000000001"
NETWORK = "40000000-0000-4000-8000-000000000001"


def node(n):
    return f"20000000-0000-4000-8000-{n:012d}"


JOBCENTER = node(2)
JOBCENTER_SUCHT = node(3)
JUGENDAMT = node(5)
SCHULDNER = node(7)
KITA = node(9)

# Where the focus is, and whether target comes after it in the page (then Tab, else Shift+Tab).
_WHERE = """
const target = document.querySelector(arguments[0]);
if (!target) return 'missing';
const active = document.activeElement;
if (active === target) return 'here';
if (!active || active === document.body) return 'after';
return active.compareDocumentPosition(target) & Node.DOCUMENT_POSITION_FOLLOWING ? 'after' : 'before';
"""


class Mouse:
    """Works the page with clicks, as most people do."""

    name = "mouse"

    def __init__(self, browser):
        self.b = browser

    def press(self, css):
        self.b.click(css)

    def type(self, css, text, clear=False):
        el = self.b.wait(css)
        if clear:
            el.clear()
        el.send_keys(text)

    def choose(self, css, value):
        def attempt():
            Select(self.b.find(css)).select_by_value(value)
            return True
        self.b.wait(css)
        self.b.wait_for(attempt, what=f"choose {value} in {css}")

    def date(self, css, day):
        self.b.set_value(self.b.wait(css), day.isoformat())

    def open(self, summary_css):
        details = self.b.wait(summary_css).find_element(By.XPATH, "..")
        if details.get_attribute("open") is None:
            self.b.click(summary_css)

    def login(self, login, password, lang="de"):
        self.b.fresh_device(lang)
        self.b.go("/login")
        self.type("#login-form input[name=login]", login)
        self.type("#login-form input[name=password]", password)
        self.press("#login-form button[type=submit]")
        self.b.wait("#logout", timeout=60)


class Keyboard:
    """Works the page with the keyboard only: Tab and Shift+Tab to move, keys to type,
    Enter or Space to press."""

    name = "keyboard"

    def __init__(self, browser):
        self.b = browser
        self.order = None  # the order of a date input's fields in this browser

    def keys(self, *keys):
        ActionChains(self.b.d).send_keys(*keys).perform()

    def chord(self, modifier, key):
        """A key with a modifier held (Shift+Tab, Ctrl+A)."""
        ActionChains(self.b.d).key_down(modifier).send_keys(key).key_up(modifier).perform()

    def focus(self, css, limit=400):
        """Tab to the element (its first match), however far it is."""
        self.b.wait(css, visible=False)
        for _ in range(limit):
            where = self.b.d.execute_script(_WHERE, css)
            if where == "here":
                return self.b.d.switch_to.active_element
            if where == "missing":
                self.b.wait(css, visible=False)
                continue
            if where == "after":
                self.keys(Keys.TAB)
            else:
                self.chord(Keys.SHIFT, Keys.TAB)
        raise AssertionError(f"the keyboard did not reach {css}")

    def press(self, css):
        el = self.focus(css)
        tag = el.tag_name.lower()
        kind = (el.get_attribute("type") or "").lower()
        # Enter on links and buttons; Space on check boxes (Enter would send their form).
        self.keys(Keys.SPACE if tag == "input" and kind in ("checkbox", "radio") else Keys.ENTER)

    def type(self, css, text, clear=False):
        self.focus(css)
        if clear:
            self.chord(Keys.CONTROL, "a")
            self.keys(Keys.DELETE)
        self.keys(text)

    def choose(self, css, value):
        """Picks the option by typing its text, as one does on a closed list box, then walks
        with the arrow keys if typing found another one."""
        el = self.focus(css)
        text = self.b.d.execute_script(
            "const o = [...arguments[0].options].find((x) => x.value === arguments[1]);"
            " return o ? o.textContent : null;", el, value)
        assert text is not None, f"{css} offers no {value}"
        self.keys(text)
        for key in [Keys.HOME] + [Keys.ARROW_DOWN] * 60:
            if self.b.d.execute_script("return document.activeElement.value") == value:
                return
            self.keys(key)
        raise AssertionError(f"could not choose {value} in {css} with the keyboard")

    def date(self, css, day):
        """Types the date's digits in the order this browser shows a date's fields."""
        if self.order is None:
            self.focus(css)
            self.keys("01", "02", "2031")
            value = self.b.d.execute_script("return document.activeElement.value")
            self.order = {"2031-02-01": "dmy", "2031-01-02": "mdy"}.get(value, "ymd")
            self._leave(css)
        parts = {"d": f"{day.day:02d}", "m": f"{day.month:02d}", "y": f"{day.year:04d}"}
        self.focus(css)
        self.keys(*[parts[c] for c in self.order])
        got = self.b.d.execute_script("return document.activeElement.value")
        assert got == day.isoformat(), f"typed {day} into {css}, it holds {got!r}"

    def _leave(self, css):
        """Shift+Tab out of a date input (its fields take Tab themselves)."""
        for _ in range(6):
            if not self.b.d.execute_script(
                    "return document.activeElement === document.querySelector(arguments[0])", css):
                return
            self.chord(Keys.SHIFT, Keys.TAB)

    def open(self, summary_css):
        details = self.b.wait(summary_css).find_element(By.XPATH, "..")
        if details.get_attribute("open") is None:
            self.press(summary_css)

    def login(self, login, password, lang="de"):
        self.b.fresh_device("de")
        self.b.go("/login")
        self.b.wait("#login-form input[name=login]")
        if lang == "en":
            self.press("button[lang=en]")
            self.b.wait_for(lambda: self.b.find("h1").text == "Sign in", what="English login")
        self.type("#login-form input[name=login]", login)
        self.type("#login-form input[name=password]", password)
        self.keys(Keys.ENTER)
        self.b.wait("#logout", timeout=60)


def fits(browser):
    """Nothing on the page is wider than the window."""
    doc, window = browser.widths()
    assert doc <= window, f"{browser.d.current_url}: the page is {doc} px wide in a {window} px window"


def today(days=0):
    return german_date(days)


def wait_text(browser, css, part, timeout=20):
    browser.wait_for(lambda: part in browser.find(css).text, timeout=timeout,
                     what=f"{part!r} in {css}")


def settle():
    """A moment for a page drawn afresh after a change (focus and live updates)."""
    time.sleep(0.3)


class Tabs:
    """Two people at one Chromium: each tab keeps its own login (the token lives in
    sessionStorage, which is per tab). Closes the extra tabs when done."""

    def __init__(self, browser):
        self.b = browser
        self.handles = {"first": browser.d.current_window_handle}

    def open(self, name):
        self.b.d.switch_to.new_window("tab")
        self.handles[name] = self.b.d.current_window_handle
        return self

    def to(self, name):
        self.b.d.switch_to.window(self.handles[name])
        return self

    def close(self):
        first = self.handles["first"]
        for name, handle in list(self.handles.items()):
            if handle != first:
                self.b.d.switch_to.window(handle)
                self.b.d.close()
        self.b.d.switch_to.window(first)


def login_as(browser, a, login, password="neustadt-demo"):
    """A login without forgetting the device (another tab's person uses it too)."""
    browser.go("/login")
    a.type("#login-form input[name=login]", login)
    a.type("#login-form input[name=password]", password)
    a.press("#login-form button[type=submit]")
    browser.wait("#logout", timeout=60)


def new_case(browser, a, reference, group=ALLEINERZIEHENDE, consent_for=None):
    """Opens a case through the page and records a consent (the whole network, or one
    node); returns the case id."""
    browser.go("/cases")
    a.type("#case-form input[name=reference]", reference)
    a.choose("#case-form select[name=target_group_id]", group)
    a.press("#case-form button[type=submit]")
    browser.wait("#consent-form")
    if consent_for:
        a.choose("#consent-form select[name=scope]", "node")
        a.choose("#consent-form select[name=recipient_node_id]", consent_for)
    a.choose("#consent-form select[name=purpose_code]", "municipal_services")
    a.type("#consent-form input[name=evidence]", "Akte, Blatt 1")
    a.press("#consent-form button[type=submit]")
    browser.wait("#consents tbody tr[data-state=valid]")
    return browser.d.current_url.rsplit("/", 1)[1]


def refer_outside_chain(browser, a, to, note=None):
    """Refers the open case to a member, outside the chain."""
    a.press("#refer-free")
    browser.wait("#refer-outside .refer-form")
    a.choose("#refer-outside select[name=to_node_id]", to)
    if note:
        a.type("#refer-outside textarea[name=note]", note)
    a.press("#refer-outside button[type=submit]")
    browser.wait("#case-referrals tbody tr")
