"""GET /v1/taxonomy: the seeded service categories, in their sort order."""

import pytest

from registry_support import SCHULDNERBERATUNG_ACCOUNT, error_fields, integration_token


def test_lists_every_category_in_sort_order(demo, demo_db):
    r = demo("jugendamt").get("/v1/taxonomy")
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"items"}
    expected = demo_db.execute("SELECT code, label_de, label_en FROM taxonomy"
                               " ORDER BY sort_order, code").fetchall()
    assert len(expected) == 25
    assert [(i["code"], i["label_de"], i["label_en"]) for i in body["items"]] == expected
    assert body["items"][0] == {"code": "first_consultation",
                                "label_de": "Erstberatung und Fallmanagement",
                                "label_en": "First consultation and case management"}
    assert {"code": "debt_counselling", "label_de": "Schuldnerberatung",
            "label_en": "Debt counselling"} in body["items"]


@pytest.mark.parametrize("login", ["admin", "koordination", "schuldnerberatung", "auditor"])
def test_every_role_reads_it(demo, login):
    r = demo(login).get("/v1/taxonomy")
    assert r.status_code == 200
    assert len(r.json()["items"]) == 25


def test_without_a_token_is_401(demo):
    assert demo(None).get("/v1/taxonomy").status_code == 401


def test_it_takes_no_query_parameters(demo):
    r = demo("admin").get("/v1/taxonomy", params={"limit": "10"})
    assert r.status_code == 400
    assert error_fields(r) == ["limit"]


def test_integration_tokens_need_directory_read(demo):
    reader = integration_token(demo, SCHULDNERBERATUNG_ACCOUNT, ["directory:read"])
    other = integration_token(demo, SCHULDNERBERATUNG_ACCOUNT, ["referrals:read"])
    assert reader.get("/v1/taxonomy").status_code == 200
    r = other.get("/v1/taxonomy")
    assert r.status_code == 403
    assert "directory:read" in r.json()["detail"]
    reader.close()
    other.close()


def test_it_is_read_only(demo):
    r = demo("admin").post("/v1/taxonomy", json={"code": "x"})
    assert r.status_code == 405
