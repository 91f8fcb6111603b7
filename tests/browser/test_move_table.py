"""The web app keeps no copy of the handover table: which moves a side may make comes with each
referral (allowed_moves, with the reasons and outcomes each takes), what a status means, the
outcomes and the channels from GET /v1/vocabulary (clients/web/src/api.js), both made from
lib/referral.c (docs/developing.md, "Adding a referral status"). A list of statuses, reasons,
outcomes or channels written into the app would be such a copy (and one of them had already
drifted: its withdraw reasons lacked consent_revoked). That the server's allowed_moves are
the library's moves is tests/api/test_vocabulary.py's to show."""
import glob
import os
import re

SOURCE_DIR = os.environ.get("PNET_SOURCE_DIR") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LIB = os.path.join(SOURCE_DIR, "lib", "referral.c")
WEB_SRC = os.path.join(SOURCE_DIR, "clients", "web", "src")


def lib_words():
    """Every status, reason, outcome and channel lib/referral.c names."""
    src = open(LIB).read()
    words = set(re.findall(r'\[REFERRAL_\w+\] = "([a-z_]+)"', src))
    for body in re.findall(r"const char \*const \w+\[\] = \{(.*?)\};", src, re.S):
        words |= set(re.findall(r'"([a-z_]+)"', body))
    assert {"withdrawn", "consent_revoked", "goal_reached", "in_person"} <= words
    return words


def copies(text, words):
    """The lists in the text (array literals, comma-separated strings) of two of the words or
    more and nothing else (a list of other words, such as a case's close reasons, is another
    vocabulary)."""
    lists = [re.findall(r'"([a-z_]+)"', items) for items in re.findall(r"\[([^\[\]]*)\]", text)]
    lists += [items.split(",") for items in re.findall(r'"([a-z_]+(?:,[a-z_]+)+)"', text)]
    return [items for items in lists if len(items) >= 2 and set(items) <= words]


def test_the_web_app_lists_no_statuses_reasons_outcomes_or_channels():
    words = lib_words()
    found = {}
    for path in glob.glob(os.path.join(WEB_SRC, "**", "*.js"), recursive=True):
        if path.endswith("i18n.js"):
            continue  # the translations name every word once, as keys
        lists = copies(open(path, encoding="utf-8").read(), words)
        if lists:
            found[os.path.relpath(path, SOURCE_DIR)] = lists
    assert found == {}
    # The scan finds a copy where there is one (a wrong pattern would pass vacuously).
    assert copies('const TERMINAL = ["declined", "withdrawn"];', words)
    assert copies('const OPEN = "sent,received,waitlisted";', words)


def test_the_referral_page_takes_its_moves_from_the_referral():
    src = open(os.path.join(WEB_SRC, "views", "referrals.js"), encoding="utf-8").read()
    assert "r.allowed_moves" in src
    assert "move.reason.codes" in src and "move.outcome.codes" in src
    assert "api.vocab.channels" in src
