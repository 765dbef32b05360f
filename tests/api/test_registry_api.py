"""/api/v1/units and /api/v1/people: shapes of spec/interfaces.md, scope, 401 and 404."""

import datetime as dt

import pytest

from cadretrain.org.services import unit_create
from cadretrain.people.services import person_update
from tests.world import SYSTEM

PERSON_KEYS = {"code", "full_name", "birth_date", "gender", "category", "unit", "unit_name", "position",
               "management_tier", "rank_code", "party_member", "ethnicity", "national_id", "left_on"}
UNIT_KEYS = {"code", "name", "kind", "parent", "valid_from", "valid_to", "successor", "people"}


def codes(body):
    return sorted(item["code"] for item in body["items"])


@pytest.mark.parametrize("url", ["/api/v1/units", "/api/v1/units/00004", "/api/v1/people",
                                 "/api/v1/people/P-A1", "/api/v1/people?q=nguyen"])
def test_no_token_is_401_with_a_stable_code(api_for, url):
    response = api_for(None).get(url)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized" and response.json()["message"]


def test_a_bad_token_is_401(world):
    from django.test import Client

    response = Client(headers={"Authorization": "Bearer ct_nope"}).get("/api/v1/people")
    assert response.status_code == 401


def test_people_list_shape_and_scope(api_for, world):
    body = api_for("officer_a").get("/api/v1/people").json()
    assert set(body) == {"items", "count"}
    assert body["count"] == 3 and codes(body) == ["P-A1", "P-A2", "P-A3"]
    item = next(i for i in body["items"] if i["code"] == "P-A1")
    assert set(item) == PERSON_KEYS
    assert item | {"national_id": ""} == {
        "code": "P-A1", "full_name": "Nguyễn Văn An", "birth_date": "1985-05-17", "gender": "M",
        "category": "CONG_CHUC", "unit": "00004", "unit_name": "Phường Ba Đình", "position": "CV",
        "management_tier": "", "rank_code": "", "party_member": False, "ethnicity": "",
        "national_id": "", "left_on": None}


def test_people_search_folds_diacritics_and_never_crosses_wards(api_for, world):
    assert codes(api_for("officer_a").get("/api/v1/people", {"q": "nguyen van"}).json()) == ["P-A1"]
    assert codes(api_for("officer_a").get("/api/v1/people", {"q": "nguyen"}).json()) == ["P-A1"]
    body = api_for("officer_a").get("/api/v1/people", {"q": "Nguyễn Thị Dung"}).json()
    assert body == {"items": [], "count": 0}
    assert codes(api_for("admin").get("/api/v1/people", {"q": "NGUYEN"}).json()) == ["P-A1", "P-B1"]


def test_people_unit_filter_is_the_subtree_and_invisible_units_give_nothing(api_for, world):
    officer = api_for("officer_a")
    assert codes(officer.get("/api/v1/people", {"unit": "00004.VP"}).json()) == ["P-A2"]
    assert officer.get("/api/v1/people", {"unit": "00008"}).json() == {"items": [], "count": 0}


def test_people_limit_and_offset(api_for, world):
    admin = api_for("admin")
    page = admin.get("/api/v1/people", {"limit": 2, "offset": 1}).json()
    everyone = admin.get("/api/v1/people").json()
    assert page["count"] == everyone["count"] == 6
    assert [i["code"] for i in page["items"]] == [i["code"] for i in everyone["items"]][1:3]


def test_learner_sees_only_themselves(api_for, world):
    learner = api_for("learner")
    assert codes(learner.get("/api/v1/people").json()) == ["P-A1"]
    assert learner.get("/api/v1/people/P-A2").status_code == 404


def test_out_of_scope_person_is_404_identical_to_missing(api_for, world):
    officer = api_for("officer_a")
    hidden, missing = officer.get("/api/v1/people/P-B1"), officer.get("/api/v1/people/NOPE")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json() == {"code": "person_not_found", "message": "Không tìm thấy cán bộ."}


def test_national_id_is_masked_without_view_sensitive(api_for, world):
    person_update(actor=SYSTEM, person=world.people["a1"], national_id="001085012345")
    assert api_for("officer_a").get("/api/v1/people/P-A1").json()["national_id"] == "001085012345"
    assert api_for("viewer_a").get("/api/v1/people/P-A1").json()["national_id"] == "••••••••2345"
    listed = api_for("viewer_a").get("/api/v1/people", {"q": "P-A1"}).json()["items"][0]
    assert listed["national_id"] == "••••••••2345"


def test_people_who_left_only_on_request(api_for, world):
    person_update(actor=SYSTEM, person=world.people["a1"], left_on=dt.date(2024, 1, 1))
    officer = api_for("officer_a")
    assert "P-A1" not in codes(officer.get("/api/v1/people").json())
    body = officer.get("/api/v1/people", {"include_left": "true"}).json()
    assert next(i for i in body["items"] if i["code"] == "P-A1")["left_on"] == "2024-01-01"


def test_units_list_shape_scope_and_head_counts(api_for, world):
    body = api_for("officer_a").get("/api/v1/units").json()
    assert set(body) == {"items", "count"} and body["count"] == 2
    ward = next(i for i in body["items"] if i["code"] == "00004")
    assert set(ward) == UNIT_KEYS
    # The city is outside the officer's scope, so the parent reads as null.
    assert ward == {"code": "00004", "name": "Phường Ba Đình", "kind": "WARD", "parent": None,
                    "valid_from": "2025-07-01", "valid_to": None, "successor": None, "people": 3}
    office = next(i for i in body["items"] if i["code"] == "00004.VP")
    assert office["parent"] == "00004" and office["people"] == 1


def test_admin_units_include_dissolved_ones_with_successor(api_for, world):
    unit_create(actor=SYSTEM, code="D001", name="Quận Ba Đình", kind="DISTRICT", parent=world.city,
                valid_to=dt.date(2025, 6, 30), successor=world.ward_a)
    admin = api_for("admin")
    units = {i["code"]: i for i in admin.get("/api/v1/units").json()["items"]}
    assert units["HN"]["people"] == 6
    assert units["D001"]["successor"] == "00004" and units["D001"]["valid_to"] == "2025-06-30"
    assert "D001" not in codes(admin.get("/api/v1/units", {"current": "true"}).json())


def test_unit_detail_scope(api_for, world):
    assert api_for("officer_a").get("/api/v1/units/00004").json()["people"] == 3
    hidden = api_for("officer_a").get("/api/v1/units/00008")
    missing = api_for("officer_a").get("/api/v1/units/NOPE")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    assert hidden.json()["code"] == "orgunit_not_found"
    assert api_for("admin").get("/api/v1/units/HN").json()["people"] == 6


def test_the_web_session_also_authenticates_the_api(client_for, world):
    assert codes(client_for("officer_b").get("/api/v1/people").json()) == ["P-B1", "P-B2"]


def test_api_is_read_only_here(api_for, world):
    assert api_for("viewer_a").post("/api/v1/people", {}, content_type="application/json").status_code == 405


def test_learner_and_institution_staff_unit_scope(api_for, world):
    assert codes(api_for("learner").get("/api/v1/units").json()) == ["00004"]
    assert api_for("school").get("/api/v1/units").json() == {"items": [], "count": 0}
    assert api_for("school").get("/api/v1/people").json() == {"items": [], "count": 0}
