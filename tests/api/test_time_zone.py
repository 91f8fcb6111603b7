"""pnet's days are Germany's (docs/architecture.md, "Every session's TimeZone"): whatever zone
the PostgreSQL server gives a session by default, pnetd's sessions run in Europe/Berlin, so
that "today" is the day the people in Germany mean.

The test gives pnetd's connections a default zone whose date differs from Germany's right now
(through the conninfo's options, as a server's timezone setting or an operator's conninfo
would): UTC-12 while it is before 13:00 in Germany, UTC+14 from 11:00 on. Without pnetd's own
time zone a consent given today would be "in the future" there (UTC-12) and a follow-up for
today "in the past" (UTC+14).
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import psycopg
import pytest

from conftest import DEMO_PASSWORD
from harness import GERMANY, Api, german_date
from referral_support import GROUPS, consent, open_case

BEHIND, AHEAD = "Etc/GMT+12", "Pacific/Kiritimati"


def other_day_zone(conninfo):
    """The zone of BEHIND and AHEAD whose date is not Germany's now, as PostgreSQL sees it."""
    for zone in (BEHIND, AHEAD):
        with psycopg.connect(conninfo) as conn:
            day = conn.execute("SELECT (now() AT TIME ZONE %s)::date", (zone,)).fetchone()[0]
        if day != german_date():
            return zone
    pytest.fail("both zones have Germany's date")


@pytest.fixture
def far_pnetd(pnetd_factory, demo_database):
    """A pnetd on the demo database whose sessions default to a zone on another day."""
    zone = other_day_zone(demo_database)
    return zone, pnetd_factory(database=f"{demo_database} options='-c TimeZone={zone}'")


def test_today_is_germanys_whatever_the_servers_zone(far_pnetd):
    zone, server = far_pnetd
    jc = Api(server.base_url)
    jc.login("jobcenter", DEMO_PASSWORD)
    today = german_date().isoformat()

    case = open_case(jc, GROUPS[0])
    given = consent(jc, case["id"], scope="network", given_on=today)  # 201, not "in the future"
    assert given["given_on"] == today and given["active"] is True, (zone, given)
    r = jc.post(f"/v1/cases/{case['id']}/follow-ups",
                json={"due_on": today, "reason": "Unterlagen nachfragen"})
    assert r.status_code == 201, (zone, r.text)
    assert r.json()["due"] == "today", zone

    # The times in answers carry Germany's offset; the instant is the same.
    opened = jc.get(f"/v1/cases/{case['id']}").json()["opened_at"]
    at = datetime.fromisoformat(opened)
    assert at == datetime.fromisoformat(case["opened_at"])
    assert at.utcoffset() == at.astimezone(ZoneInfo(GERMANY)).utcoffset(), (zone, opened)
    jc.close()
