"""tests/summary.py on synthetic reports."""

import json
import os
import subprocess
import sys

import pytest

SUMMARY = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "summary.py")


def summary(*args):
    r = subprocess.run([sys.executable, SUMMARY, *map(str, args)], stdout=subprocess.PIPE,
                       text=True)
    return r.stdout.splitlines()[-1], r.returncode


def write_testlog(tmp_path, *entries):
    path = tmp_path / "testlog.json"
    path.write_text("".join(json.dumps(e) + "\n" for e in entries))
    return path


def junit(tmp_path, name, cases):
    path = tmp_path / name
    path.write_text('<?xml version="1.0"?><testsuites><testsuite name="pytest">'
                    + "".join(f'<testcase classname="t" name="c{i}">{c}</testcase>'
                              for i, c in enumerate(cases))
                    + "</testsuite></testsuites>")
    return path


CMOCKA_TAP = ("1..4\nok 1 - a\nok 2 - b\nnot ok 3 # SKIP c\nnot ok 4 - d\n"
              "# 0x1 != 0x2\n# not ok - tests\n")


def test_tap_cases_are_counted_one_by_one(tmp_path):
    log = write_testlog(tmp_path, {"name": "unit-a", "result": "FAIL", "stdout": CMOCKA_TAP},
                  {"name": "unit-b", "result": "OK", "stdout": "1..2\nok 1 - x\nok 2 - y\n"})
    assert summary("--testlog", log) == ("4 passed, 1 failed", 1)


def test_a_crash_without_tap_counts_one_failure(tmp_path):
    log = write_testlog(tmp_path, {"name": "unit-a", "result": "ERROR", "stdout": ""},
                  {"name": "unit-b", "result": "FAIL", "stdout": "1..3\nok 1 - x\n"},
                  {"name": "unit-c", "result": "OK", "stdout": "ok 1 - x\n"})
    assert summary("--testlog", log) == ("2 passed, 2 failed", 1)


def test_junit_failures_errors_and_skips(tmp_path):
    report = junit(tmp_path, "j.xml", ["", "", "<failure/>", "<error/>", "<skipped/>"])
    assert summary("--junit", report) == ("2 passed, 2 failed", 1)


def test_all_passing_suites_exit_zero(tmp_path):
    log = write_testlog(tmp_path, {"name": "unit-b", "result": "OK", "stdout": "ok 1\nok 2\n"})
    report = junit(tmp_path, "j.xml", ["", "<skipped/>"])
    assert summary("--testlog", log, "--junit", report) == ("3 passed, 0 failed", 0)


@pytest.mark.parametrize("content", [None, "<testsuites", "not json"])
def test_a_missing_or_broken_report_counts_one_failure(tmp_path, content):
    report = tmp_path / "j.xml"
    if content is not None:
        report.write_text(content)
    ok = junit(tmp_path, "ok.xml", [""])
    assert summary("--junit", ok, "--junit", report) == ("1 passed, 1 failed", 1)
    assert summary("--junit", ok, "--testlog", report) == ("1 passed, 1 failed", 1)


def test_an_empty_suite_adds_nothing_but_nothing_at_all_fails(tmp_path):
    empty = tmp_path / "testlog.json"
    empty.write_text("")
    ok = junit(tmp_path, "ok.xml", [""])
    assert summary("--testlog", empty, "--junit", ok) == ("1 passed, 0 failed", 0)
    assert summary("--testlog", empty, "--junit", junit(tmp_path, "none.xml", [])) == \
        ("0 passed, 0 failed", 1)


def test_parts_count_as_one_test_each_and_failed_ones_are_named_last(tmp_path):
    r = subprocess.run([sys.executable, SUMMARY, "--part", "build (C)=ok",
                        "--part", "build (web app)=failed:npm ci failed: browser suite not run",
                        "--junit", junit(tmp_path, "j.xml", ["", ""])],
                       stdout=subprocess.PIPE, text=True)
    lines = r.stdout.splitlines()
    assert lines[-1] == "3 passed, 1 failed"
    assert r.returncode == 1
    failed_block = lines[lines.index("failed:"):-1]
    assert failed_block == ["failed:", "  - build (web app): 1 failed "
                            "(npm ci failed: browser suite not run)"]


def test_a_part_named_with_equals_signs_keeps_its_name(tmp_path):
    line, rc = summary("--part", "check a=b=ok")
    assert (line, rc) == ("1 passed, 0 failed", 0)
