"""Small helpers shared by the foundation tests (problem+json checks, table snapshots)."""

import uuid


def assert_problem(r, status, slug=None):
    """r is a problem+json answer with this status (and type slug); returns the body."""
    assert r.status_code == status, f"{r.status_code} {r.text}"
    assert r.headers["Content-Type"] == "application/problem+json", r.headers
    body = r.json()
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    assert body["request_id"] == r.headers["X-Request-Id"]
    assert body["instance"]
    if slug:
        assert body["type"] == f"/problems/{slug}", body
    return body


def error_fields(body):
    return [e["field"] for e in body.get("errors", [])]


def snapshot(db, table):
    """Every row of table, as a sorted list of tuples (to compare before and after)."""
    return sorted(db.execute(f"SELECT t::text FROM {table} t").fetchall())


def new_login(prefix="u"):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"
