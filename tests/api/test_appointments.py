"""Appointments: the receiver sets and changes the appointment after acceptance (each change a
timeline entry, an event and an audit row); the sender cannot, nor anyone before acceptance;
a third node gets 404; GET /v1/referrals/{id}/appointment.ics is a strict RFC 5545 file
holding the time and the agency's name and address, and nothing of the client."""

import datetime
import json
import re
import uuid

from checks import assert_problem
from referral_support import SCHULDNER, Loop, audit, counts, move


def unfold(raw):
    """The content lines of an iCalendar file, checked strictly: CRLF only, physical lines of
    at most 75 octets, continuation lines starting with one space."""
    assert raw.endswith(b"\r\n"), "the file does not end with CRLF"
    assert b"\n" not in raw.replace(b"\r\n", b""), "a bare LF"
    assert b"\r" not in raw.replace(b"\r\n", b""), "a bare CR"
    physical = raw[:-2].split(b"\r\n")
    lines = []
    for p in physical:
        assert len(p) <= 75, f"a line of {len(p)} octets: {p!r}"
        if p.startswith(b" "):
            assert lines, "the file starts with a continuation line"
            lines[-1] += p[1:]
        else:
            lines.append(p)
    text = [line.decode("utf-8") for line in lines]  # folding split no character
    for line in text:
        assert re.match(r"^[A-Z-]+[:;]", line), f"not a content line: {line!r}"
    return text


def unescape(value):
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def properties(lines):
    """The VEVENT's properties (name -> value), after checking the structure."""
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines and any(x.startswith("PRODID:") for x in lines)
    assert lines.count("BEGIN:VEVENT") == 1 and lines.count("END:VEVENT") == 1
    event = lines[lines.index("BEGIN:VEVENT") + 1:lines.index("END:VEVENT")]
    props = {}
    for line in event:
        name, value = line.split(":", 1)
        assert name not in props, f"{name} twice"
        props[name] = value
    for required in ("UID", "DTSTAMP", "DTSTART"):
        assert required in props, f"{required} missing"
    for stamp in ("DTSTAMP", "DTSTART"):
        assert re.fullmatch(r"\d{8}T\d{6}Z", props[stamp]), props[stamp]
    return props


def utc(at):
    return datetime.datetime.strptime(at, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)


def setup_accepted(demo, demo_db):
    loop = Loop(demo)
    ref = loop.walk("accepted")
    return loop, ref


def put(client, ref, at, version=None):
    headers = {"If-Match": f'"{version}"'} if version else None
    return client.put(f"/v1/referrals/{ref['id']}/appointment", json={"at": at},
                      headers=headers)


def test_the_receiver_sets_and_changes_the_appointment(demo, demo_db):
    loop, ref = setup_accepted(demo, demo_db)
    r = put(loop.receiver, ref, "2031-03-04T09:30:00+01:00", ref["version"])
    assert r.status_code == 200, r.text
    first = r.json()
    assert datetime.datetime.fromisoformat(first["appointment_at"]) == datetime.datetime(
        2031, 3, 4, 8, 30, tzinfo=datetime.timezone.utc)
    assert first["version"] == ref["version"] + 1
    r = put(loop.receiver, ref, "2031-03-05T14:00:00+01:00")
    assert r.status_code == 200, r.text
    # A stale If-Match changes nothing.
    assert_problem(put(loop.receiver, ref, "2031-03-06T14:00:00+01:00", ref["version"]), 412)

    timeline = loop.sender.get(f"/v1/referrals/{ref['id']}/events").json()["items"]
    changes = [e for e in timeline if e["kind"] == "appointment"]
    assert len(changes) == 2 and changes[1]["actor_node_id"] == SCHULDNER
    # in Germany's time, as they were set
    assert [e["appointment_at"] for e in changes] == ["2031-03-04T09:30:00+01:00",
                                                      "2031-03-05T14:00:00+01:00"]
    events = demo_db.execute("SELECT payload FROM outbox WHERE type = 'referral.appointment'"
                             " AND payload->>'referral_id' = %s ORDER BY seq",
                             (ref["id"],)).fetchall()
    assert len(events) == 2
    assert set(events[0][0]) == {"referral_id", "case_id", "appointment_at", "from_node_id",
                                 "to_node_id", "version"}
    assert audit(demo_db, ref["id"], "referral.appointment") == ["referral.appointment"] * 2

    # In progress it may still change; cleared with null.
    current = loop.receiver.get(f"/v1/referrals/{ref['id']}").json()
    assert move(loop.receiver, current, "in_progress").status_code == 200
    r = put(loop.receiver, ref, None)
    assert r.status_code == 200, r.text
    assert r.json()["appointment_at"] is None
    assert_problem(loop.sender.get(f"/v1/referrals/{ref['id']}/appointment.ics"), 404)


def test_who_may_not_set_it_and_when_not(demo, demo_db):
    loop = Loop(demo)
    sent = loop.refer()
    before = counts(demo_db)
    problem = assert_problem(put(loop.receiver, sent, "2031-01-01T10:00:00Z"), 409)
    assert problem["type"] == "/problems/appointment-not-possible"
    accepted = move(loop.receiver, sent, "accepted").json()
    third = demo("suchtberatung")  # logged in before counting: a login is audited
    before = counts(demo_db)
    assert_problem(put(loop.sender, accepted, "2031-01-01T10:00:00Z"), 403)
    assert_problem(put(third, accepted, "2031-01-01T10:00:00Z"), 404)
    assert_problem(put(loop.receiver, {"id": str(uuid.uuid4())}, "2031-01-01T10:00:00Z"), 404)
    problem = assert_problem(put(loop.receiver, accepted, "morgen um zehn"), 422)
    assert problem["errors"][0]["field"] == "at"
    assert_problem(loop.receiver.put(f"/v1/referrals/{accepted['id']}/appointment", json={}), 422)
    assert counts(demo_db) == before


def test_the_ics_is_strict_rfc5545_and_holds_no_client_data(demo, demo_db):
    loop = Loop(demo)
    ref = loop.walk("accepted", note="Klient Herr Mustermann, Spielsucht", reason="Schulden 4711")
    assert put(loop.receiver, ref, "2031-03-04T09:30:00+01:00").status_code == 200
    node = demo("schuldnerberatung").get(f"/v1/nodes/{SCHULDNER}").json()
    for client in (loop.sender, loop.receiver):
        r = client.get(f"/v1/referrals/{ref['id']}/appointment.ics")
        assert r.status_code == 200, r.text
        assert r.headers["Content-Type"].startswith("text/calendar")
        assert "attachment" in r.headers["Content-Disposition"]
        props = properties(unfold(r.content))
        assert utc(props["DTSTART"]) == datetime.datetime(2031, 3, 4, 8, 30,
                                                          tzinfo=datetime.timezone.utc)
        assert abs(utc(props["DTSTAMP"]) - datetime.datetime.now(datetime.timezone.utc)) \
            < datetime.timedelta(minutes=5)
        assert props["UID"] == f"{ref['id']}-appointment@pnet"
        assert props["SEQUENCE"] == "1"
        assert node["name"] in unescape(props["SUMMARY"])
        assert node["name"] in unescape(props["LOCATION"])
        text = r.content.decode("utf-8")
        for secret in (loop.case["reference"], "Mustermann", "Spielsucht", "Schulden 4711",
                       loop.case["id"]):
            assert secret not in text
    assert audit(demo_db, ref["id"], "referral.appointment_read") == [
        "referral.appointment_read"] * 2
    assert_problem(demo("suchtberatung").get(f"/v1/referrals/{ref['id']}/appointment.ics"), 404)


def test_long_agency_names_are_folded_and_escaped(demo, demo_db):
    """A name with commas, semicolons and umlauts longer than a line: folded at 75 octets
    without splitting a character, escaped as TEXT."""
    loop, ref = setup_accepted(demo, demo_db)
    assert put(loop.receiver, ref, "2031-05-06T07:00:00Z").status_code == 200
    long_name = "Überschuldungshilfe; Beratung, Begleitung und Prävention – Außenstelle Süd " * 2
    old = demo_db.execute("SELECT name FROM node WHERE id = %s", (SCHULDNER,)).fetchone()[0]
    demo_db.execute("UPDATE node SET name = %s WHERE id = %s", (long_name.strip()[:200], SCHULDNER))
    try:
        r = loop.sender.get(f"/v1/referrals/{ref['id']}/appointment.ics")
        assert r.status_code == 200, r.text
        assert any(len(line) == 75 or line.startswith(b" ") for line in r.content.split(b"\r\n"))
        props = properties(unfold(r.content))
        assert unescape(props["SUMMARY"]) == "Termin: " + long_name.strip()[:200]
        assert "\\;" in props["SUMMARY"] and "\\," in props["SUMMARY"]
    finally:
        demo_db.execute("UPDATE node SET name = %s WHERE id = %s", (old, SCHULDNER))
