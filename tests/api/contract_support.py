"""Shared by the contract and funding tests: a funding source and a contract of the
coordinator's own, so that tests do not share places (a referral that names the source takes
its place only from that source's contract)."""

import datetime
import uuid

from harness import german_date
from referral_support import NETWORK

SCHULDNER_SERVICE = "30000000-0000-4000-8000-000000000017"  # Caritas, debt_counselling
KITA_SERVICE = "30000000-0000-4000-8000-000000000020"       # AWO, childcare
JUGENDAMT_SERVICE = "30000000-0000-4000-8000-000000000011"  # Jugendamt, childcare


def quarter_start(day=None):
    d = day or german_date()
    return datetime.date(d.year, 3 * ((d.month - 1) // 3) + 1, 1).isoformat()


def source(coordinator, name="Testquelle"):
    r = coordinator.post(f"/v1/networks/{NETWORK}/funding-sources",
                         json={"code": "src-" + uuid.uuid4().hex[:10], "name": name})
    assert r.status_code == 201, r.text
    return r.json()


def contract(coordinator, service=SCHULDNER_SERVICE, funder=None, **fields):
    body = {"network_id": NETWORK, "period": "quarter", "period_start": quarter_start(),
            "places": 2, "limit": "hard"}
    if funder:
        body["funding_source_id"] = funder
    body.update(fields)
    r = coordinator.post(f"/v1/services/{service}/contracts", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def contract_now(client, contract_id, service=SCHULDNER_SERVICE):
    items = client.get(f"/v1/services/{service}/contracts").json()["items"]
    return next(c for c in items if c["id"] == contract_id)
