#!/usr/bin/python3
"""Adds up the reports of every test suite and prints one final line "N passed, M failed".

    summary.py [--part NAME=ok|NAME=failed:WHY]... [--testlog meson-logs/testlog.json]...
               [--junit junit.xml]...

--part: a step of ./dev test that is not a suite (a build, a format or lint check), counted
as one test. Failed parts are named again in the last lines, above the total, so that a
failed build cannot hide in the scroll-back.

--testlog: meson's testlog.json (one JSON object per line). Each test binary's stdout is read
as TAP: every "ok N" counts as passed, every "not ok N" as failed, "# SKIP" (and "# TODO")
as neither. A binary that failed without reporting a failing case (a crash, a sanitizer
report, a timeout) counts as one more failure; one that passed without TAP counts as one pass.

--junit: a JUnit XML report (pytest --junitxml). A test case with <failure> or <error> is
failed, with <skipped> neither, otherwise passed.

A report that does not exist or cannot be read counts as one failed test: the suite did not
run to its end. An empty testlog.json is a suite without tests (0 passed, 0 failed).

Exit status 0 only when nothing failed and something passed.
"""

import argparse
import json
import re
import sys
import xml.etree.ElementTree as ET

TAP_RESULT = re.compile(r"^(not ok|ok)\b(.*)$")
TAP_DIRECTIVE = re.compile(r"#\s*(skip|todo)\b", re.IGNORECASE)
# meson's results that mean the binary ran as intended.
MESON_GOOD = {"OK", "SKIP", "EXPECTEDFAIL"}


class Count:
    def __init__(self, name):
        self.name = name
        self.passed = 0
        self.failed = 0
        self.skipped = 0
        self.notes = []

    def broken(self, why):
        self.failed += 1
        self.notes.append(why)


def count_tap(text):
    """Returns (passed, failed, skipped) for the top-level TAP result lines in text."""
    passed = failed = skipped = 0
    for line in text.splitlines():
        m = TAP_RESULT.match(line)
        if not m:
            continue
        if TAP_DIRECTIVE.search(m.group(2)):
            skipped += 1
        elif m.group(1) == "ok":
            passed += 1
        else:
            failed += 1
    return passed, failed, skipped


def read_testlog(path):
    c = Count(f"unit ({path})")
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = [line for line in f if line.strip()]
        entries = [json.loads(line) for line in lines]
    except (OSError, ValueError) as e:
        c.broken(f"no usable report: {e}")
        return c
    for entry in entries:
        passed, failed, skipped = count_tap(entry.get("stdout") or "")
        c.passed += passed
        c.failed += failed
        c.skipped += skipped
        result = entry.get("result", "")
        name = entry.get("name", "?")
        if result not in MESON_GOOD and failed == 0:
            c.broken(f"{name}: {result} without a failing test case (crash, sanitizer, timeout?)")
        elif result == "OK" and passed + failed + skipped == 0:
            c.passed += 1
        elif result == "SKIP" and passed + failed + skipped == 0:
            c.skipped += 1
    return c


def read_junit(path):
    c = Count(f"junit ({path})")
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        c.broken(f"no usable report: {e}")
        return c
    for case in root.iter("testcase"):
        tags = {child.tag for child in case}
        if tags & {"failure", "error"}:
            c.failed += 1
        elif "skipped" in tags:
            c.skipped += 1
        else:
            c.passed += 1
    return c


def read_part(text):
    """NAME=ok or NAME=failed[:WHY] -> a Count of one test."""
    name, _, result = text.rpartition("=")
    if not name:
        name, result = text, "failed:unreadable part"
    status, _, why = result.partition(":")
    c = Count(name)
    if status == "ok":
        c.passed = 1
    else:
        c.broken(why or "failed")
    return c


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", action="append", default=[], help="NAME=ok or NAME=failed:WHY")
    ap.add_argument("--testlog", action="append", default=[], help="meson testlog.json")
    ap.add_argument("--junit", action="append", default=[], help="JUnit XML report")
    args = ap.parse_args(argv)

    parts = [read_part(p) for p in args.part]
    counts = parts + [read_testlog(p) for p in args.testlog] + [read_junit(p) for p in args.junit]
    for c in counts:
        print(f"{c.name}: {c.passed} passed, {c.failed} failed, {c.skipped} skipped")
        for note in c.notes:
            print(f"    {note}")
    broken = [c for c in counts if c.failed]
    if broken:
        print("failed:")
        for c in broken:
            why = f" ({'; '.join(c.notes)})" if c.notes else ""
            print(f"  - {c.name}: {c.failed} failed{why}")
    passed = sum(c.passed for c in counts)
    failed = sum(c.failed for c in counts)
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
