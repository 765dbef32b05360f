"""Officers create, edit, credential and transfer people through the same services as the API;
a refused write (read-only role, other ward, bad input) changes nothing."""

import datetime as dt

import pytest

from cadretrain.core.models import AuditEvent
from cadretrain.people.models import Assignment, Credential, Person

NEW_PERSON = {
    "code": "P-A9", "full_name": "  Đỗ   Thị Hoa ", "unit": "00004.VP", "position": "",
    "birth_date": "1992-03-04", "gender": "F", "category": "VIEN_CHUC", "management_tier": "",
    "rank_code": "", "ethnicity": "Kinh", "national_id": "", "email": "", "phone": "",
    "joined_on": "2020-01-01", "left_on": "",
}


def edit_data(person, **changes):
    data = {
        "full_name": person.full_name, "birth_date": person.birth_date.isoformat(),
        "gender": person.gender, "category": person.category, "management_tier": person.management_tier,
        "rank_code": person.rank_code, "ethnicity": person.ethnicity, "national_id": person.national_id,
        "email": person.email, "phone": person.phone,
        "joined_on": person.joined_on.isoformat() if person.joined_on else "", "left_on": "",
    }
    data.update(changes)
    return data


def state():
    """Everything a write could touch, to prove a refused write changed nothing."""
    return (
        sorted(Person.objects.values_list("code", "full_name", "unit_id", "national_id", "left_on")),
        Assignment.objects.count(), Credential.objects.count(), AuditEvent.objects.count(),
    )


def test_officer_creates_a_person_in_the_own_subtree(client_for, world):
    response = client_for("officer_a").post("/people/new/", NEW_PERSON)
    assert response.status_code == 302 and response["Location"] == "/people/P-A9/"
    person = Person.objects.get(code="P-A9")
    assert person.full_name == "Đỗ Thị Hoa" and person.unit == world.office_a
    assert AuditEvent.objects.filter(model="people.person", object_pk=str(person.pk), action="create").exists()


def test_the_create_form_offers_only_visible_units(client_for, world):
    html = client_for("officer_a").get("/people/new/").content.decode()
    assert 'value="00004.VP"' in html and 'value="00008"' not in html and 'value="HN"' not in html


@pytest.mark.parametrize(("persona", "unit", "status"), [
    ("officer_b", "00004", 200),  # the unit is not a choice for this officer: form error
    ("officer_a", "00008", 200),
    ("viewer_a", "00004", 403),
    ("learner", "00004", 403),
    ("school", "00004", 403),
])
def test_create_outside_scope_or_without_the_right_changes_nothing(client_for, world, persona, unit, status):
    before = state()
    response = client_for(persona).post("/people/new/", {**NEW_PERSON, "unit": unit})
    assert response.status_code == status
    assert state() == before


def test_a_domain_error_is_shown_on_the_form_and_nothing_changes(client_for, world):
    before = state()
    officer = client_for("officer_a")
    html = officer.post("/people/new/", {**NEW_PERSON, "national_id": "12345"}).content.decode()
    assert "Số CCCD phải gồm đúng 12 chữ số: 12345." in html
    html = officer.post("/people/new/", {**NEW_PERSON, "code": "P-B1"}).content.decode()
    assert "Mã cán bộ P-B1 đã tồn tại." in html
    assert state() == before


def test_officer_edits_a_person_and_the_audit_keeps_the_old_value(client_for, world):
    person = world.people["a1"]
    response = client_for("officer_a").post("/people/P-A1/edit/", edit_data(person, full_name="Nguyễn Văn Ân"))
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.full_name == "Nguyễn Văn Ân" and person.search_key == "nguyen van an"
    event = AuditEvent.objects.get(model="people.person", object_pk=str(person.pk), action="update")
    assert event.changes["full_name"] == ["Nguyễn Văn An", "Nguyễn Văn Ân"]


@pytest.mark.parametrize(("persona", "status"), [("officer_b", 404), ("viewer_a", 403), ("learner", 403)])
def test_edit_refused_changes_nothing(client_for, world, persona, status):
    before = state()
    data = edit_data(world.people["a1"], full_name="Bị Sửa Trái Phép")
    assert client_for(persona).post("/people/P-A1/edit/", data).status_code == status
    assert state() == before


def test_edit_with_leaving_date_before_joining_is_refused(client_for, world):
    before = state()
    html = client_for("officer_a").post(
        "/people/P-A1/edit/", edit_data(world.people["a1"], left_on="2000-01-01")).content.decode()
    assert "Ngày kết thúc phải sau hoặc bằng ngày bắt đầu." in html
    assert state() == before


def test_officer_adds_a_credential(client_for, world):
    response = client_for("officer_a").post("/people/P-A2/credentials/new/", {
        "dimension": "FOREIGN_LANGUAGE", "level": "BAC_3", "language": "en", "issued_on": "2019-05-05",
        "issuer": "Đại học Hà Nội", "certificate_no": "B1-0001", "field": ""})
    assert response.status_code == 302
    credential = Credential.objects.get(person=world.people["a2"])
    assert (credential.level, credential.language) == ("BAC_3", "en")


def test_a_level_of_another_dimension_is_refused(client_for, world):
    before = state()
    html = client_for("officer_a").post("/people/P-A2/credentials/new/", {
        "dimension": "IT", "level": "BAC_3", "issued_on": "2019-05-05"}).content.decode()
    assert "Trình độ BAC_3 không thuộc loại IT." in html
    assert state() == before


@pytest.mark.parametrize(("persona", "status"), [("officer_b", 404), ("viewer_a", 403)])
def test_credential_refused_changes_nothing(client_for, world, persona, status):
    before = state()
    response = client_for(persona).post("/people/P-A2/credentials/new/", {
        "dimension": "IT", "level": "CO_BAN", "issued_on": "2019-05-05"})
    assert response.status_code == status
    assert state() == before


def test_officer_transfers_within_the_subtree_keeping_history(client_for, world):
    response = client_for("officer_a").post("/people/P-A1/transfer/",
                                            {"unit": "00004.VP", "position": "", "on": "2026-02-01"})
    assert response.status_code == 302
    person = Person.objects.get(code="P-A1")
    assert person.unit == world.office_a
    history = list(Assignment.objects.filter(person=person).order_by("valid_from").values_list(
        "unit__code", "valid_from", "valid_to"))
    assert history == [("00004", dt.date(2010, 1, 1), dt.date(2026, 1, 31)),
                       ("00004.VP", dt.date(2026, 2, 1), None)]


@pytest.mark.parametrize(("persona", "unit", "status"), [
    ("officer_a", "00008", 200),  # another ward is not a choice
    ("officer_b", "00008", 404),  # cannot even see the person
    ("viewer_a", "00004.VP", 403),
])
def test_transfer_refused_changes_nothing(client_for, world, persona, unit, status):
    before = state()
    response = client_for(persona).post("/people/P-A1/transfer/", {"unit": unit, "on": "2026-02-01"})
    assert response.status_code == status
    assert state() == before


def test_admin_transfers_across_wards_and_the_old_officer_loses_sight(client_for, world):
    assert client_for("admin").post("/people/P-A1/transfer/",
                                    {"unit": "00008", "on": "2026-02-01"}).status_code == 302
    assert client_for("officer_a").get("/people/P-A1/").status_code == 404
    html = client_for("officer_b").get("/people/P-A1/").content.decode()
    assert "Phường Ba Đình" in html and "Phường Ngọc Hà" in html  # history crosses units
