"""The gaps command, the person-gaps API and the standards pages: same answers, scoped."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from cadretrain.domain.access import Actor
from cadretrain.people.models import Credential
from cadretrain.standards.models import Standard
from cadretrain.standards.seed import load_seed_standards
from tests.standards.generated import populate

SYSTEM = Actor.system()


@pytest.fixture
def seeded(world):  # type: ignore[no-untyped-def]
    load_seed_standards()
    return world


def gaps_json(*args: str) -> dict:
    out = StringIO()
    call_command("gaps", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_gaps_json_has_exactly_the_documented_shape(seeded):
    doc = gaps_json("--as-of", "2026-01-01")
    assert set(doc) == {"as_of", "people", "meeting_standards", "gaps"}
    assert (doc["as_of"], doc["people"], doc["meeting_standards"]) == ("2026-01-01", 6, 5)
    assert doc["gaps"] == [
        {"person": "P-A3", "standard": "NQ04-CAN-BO", "group": "1", "dimension": "EDUCATION",
         "required": "DAI_HOC", "current": None},
        {"person": "P-A3", "standard": "NQ04-CAN-BO", "group": "2", "dimension": "POLITICAL_THEORY",
         "required": "TRUNG_CAP", "current": None},
        {"person": "P-A3", "standard": "QD145-CAP-NHAT-KIEN-THUC", "group": "1",
         "dimension": "KNOWLEDGE_UPDATE_MONTHS", "required": "60", "current": None},
    ]


def test_gaps_current_is_the_persons_level_and_unit_filter_limits_people(seeded):
    Credential.objects.create(person=seeded.people["a3"], dimension="POLITICAL_THEORY", level="SO_CAP",
                              issued_on=dt.date(2015, 1, 1))
    doc = gaps_json("--as-of", "2026-01-01", "--unit", "00004")
    assert doc["people"] == 3
    assert {g["current"] for g in doc["gaps"] if g["dimension"] == "POLITICAL_THEORY"} == {"SO_CAP"}
    assert gaps_json("--as-of", "2026-01-01", "--unit", "00008") == {
        "as_of": "2026-01-01", "people": 2, "meeting_standards": 2, "gaps": []}


def test_gaps_text_output_and_bad_input(seeded):
    out = StringIO()
    call_command("gaps", "--as-of", "2026-01-01", stdout=out)
    assert "meeting_standards: 5" in out.getvalue()
    with pytest.raises(CommandError, match="invalid_date"):
        call_command("gaps", "--as-of", "hôm qua", stdout=StringIO())
    with pytest.raises(CommandError, match="orgunit_not_found"):
        call_command("gaps", "--unit", "NOPE", stdout=StringIO())


def test_api_matches_cli_for_each_person(seeded, api_for):
    populate(seeded, 30, seed=11)
    doc = gaps_json("--as-of", "2025-03-01")
    client = api_for("admin")
    people = {g["person"] for g in doc["gaps"]} | {"P-A1"}
    assert len(people) > 5
    for code in sorted(people):
        response = client.get(f"/api/v1/people/{code}/gaps", {"as_of": "2025-03-01"})
        assert response.status_code == 200
        assert response.json() == [g for g in doc["gaps"] if g["person"] == code]


def test_api_person_out_of_scope_is_404_and_bad_date_400(seeded, api_for):
    response = api_for("officer_b").get("/api/v1/people/P-A3/gaps")
    assert response.status_code == 404
    assert response.json()["code"] == "person_not_found"
    assert api_for("officer_a").get("/api/v1/people/P-A3/gaps").status_code == 200
    assert api_for(None).get("/api/v1/people/P-A3/gaps").status_code == 401
    bad = api_for("admin").get("/api/v1/people/P-A3/gaps", {"as_of": "2026-02-30"})
    assert (bad.status_code, bad.json()["code"]) == (400, "impossible_date")


def test_person_gaps_fragment_explains_what_is_missing_and_404s_out_of_scope(seeded, client_for):
    from cadretrain.catalogue.models import Programme

    Programme.objects.create(code="LLCT-TC", name="Trung cấp lý luận chính trị", search_key="x",
                             kind="POLITICAL_THEORY", grants_dimension="POLITICAL_THEORY", grants_level="TRUNG_CAP")
    page = client_for("officer_a").get("/standards/people/P-A3/gaps/", {"as_of": "2026-01-01"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "NQ 04-NQ/TU" in html and "Trung cấp lý luận chính trị" in html and "chưa có" in html
    assert client_for("officer_b").get("/standards/people/P-A3/gaps/").status_code == 404
    assert client_for("learner").get("/standards/people/P-A3/gaps/").status_code == 404
    learner = client_for("learner").get("/standards/people/P-A1/gaps/")
    assert learner.status_code == 200 and b"<html" in learner.content  # a whole page
    fragment = client_for("learner").get("/standards/people/P-A1/gaps/", headers={"HX-Request": "true"})
    assert fragment.content.decode().lstrip().startswith("<section")


def test_gap_overview_is_scoped_and_draws_a_heatmap(seeded, client_for):
    html = client_for("officer_a").get("/standards/", {"as_of": "2026-01-01"}).content.decode()
    assert "Phường Ba Đình" in html and "Phường Ngọc Hà" not in html and "js-plotly" in html
    admin = client_for("admin").get("/standards/", {"as_of": "2026-01-01"}).content.decode()
    assert "Phường Ngọc Hà" in admin
    assert client_for("officer_a").get("/standards/", {"unit": "00008"}).status_code == 404


def test_overview_query_count_does_not_grow_with_people(seeded, client_for, django_assert_max_num_queries):
    client = client_for("admin")
    client.get("/standards/")
    populate(seeded, 40, seed=5)
    with django_assert_max_num_queries(16):
        assert client.get("/standards/", {"as_of": "2026-01-01"}).status_code == 200


def test_library_shows_legal_basis_and_admin_creates_a_new_version(seeded, client_for):
    html = client_for("viewer_a").get("/standards/rules/").content.decode()
    assert "NĐ 29/2024/NĐ-CP" in html and "NĐ 101/2017/NĐ-CP" in html
    detail = client_for("viewer_a").get("/standards/rules/ND29-GIAM-DOC-SO/").content.decode()
    assert "<form method=\"post\">" not in detail
    assert client_for("viewer_a").post("/standards/rules/ND29-GIAM-DOC-SO/", {}).status_code == 403
    admin = client_for("admin")
    future = (dt.date.today() + dt.timedelta(days=40)).isoformat()  # noqa: DTZ011
    response = admin.post("/standards/rules/ND29-GIAM-DOC-SO/", {
        "code": "ND29-GIAM-DOC-SO", "name": "Giám đốc Sở", "position_code": "GIAM_DOC_SO",
        "valid_from": future, "legal_basis": "Dự thảo 2026",
        "requirements": "1; EDUCATION; THAC_SI\n2; POLITICAL_THEORY; CAO_CAP",
    })
    assert response.status_code == 302
    assert Standard.objects.filter(code="ND29-GIAM-DOC-SO").count() == 2
    # A bad level is shown on the form and nothing is written.
    response = admin.post("/standards/rules/new/", {
        "code": "NEW", "valid_from": future, "requirements": "1; EDUCATION; GIOI"})
    assert response.status_code == 200 and "GIOI" in response.content.decode()
    assert not Standard.objects.filter(code="NEW").exists()
    assert client_for("officer_a").get("/standards/rules/new/").status_code == 403


def test_eligibility_lists_people_meeting_the_post_within_scope(seeded, client_for):
    a1 = seeded.people["a1"]
    b1 = seeded.people["b1"]
    for person in (a1, b1):
        for dim, level in (("EDUCATION", "THAC_SI"), ("POLITICAL_THEORY", "CAO_CAP"),
                           ("STATE_MANAGEMENT", "CHUYEN_VIEN_CHINH")):
            Credential.objects.create(person=person, dimension=dim, level=level, issued_on=dt.date(2020, 1, 1))
    from cadretrain.standards.evaluation import eligible_for_position

    everyone = eligible_for_position(actor=SYSTEM, position_code="GIAM_DOC_SO", as_of=dt.date(2026, 1, 1))
    assert {p["code"] for p in everyone.eligible} == {"P-A1", "P-B1"}
    assert everyone.candidates == 6
    html = client_for("officer_a").get("/standards/eligibility/", {"position": "GIAM_DOC_SO",
                                                                   "as_of": "2026-01-01"}).content.decode()
    assert "P-A1" in html and "P-B1" not in html
    # Before the decree took effect there was no standard for the post.
    before = eligible_for_position(actor=SYSTEM, position_code="GIAM_DOC_SO", as_of=dt.date(2024, 4, 30))
    assert before.rules == [] and len(before.eligible) == 6
