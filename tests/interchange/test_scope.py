"""An officer imports only into their own subtree; out-of-scope rows are errors and nothing is
written. Roles without the import permission are refused outright."""

from __future__ import annotations

import pytest

from cadretrain.domain.errors import NotAllowed
from cadretrain.people.models import Person
from tests.interchange.conftest import counts, good_rows

pytestmark = pytest.mark.django_db


def test_an_officer_imports_people_and_classes_into_their_own_ward(world, import_file):
    rows = good_rows()
    del rows["positions"], rows["programmes"]
    rows["people"][0]["position_code"] = "CV"
    rows["classes"][0]["programme_code"] = "LLCT-X"
    admin_rows = {"programmes": [{"code": "LLCT-X", "name": "Bồi dưỡng", "kind": "PROFESSIONAL"}]}
    assert import_file(admin_rows).ok
    report = import_file(rows, actor=world.actor("officer_a"))
    assert report.ok, report.errors
    assert Person.objects.get(code="P-N1").unit.code == "00004.TC"


def test_an_officer_cannot_import_into_another_ward(world, import_file):
    before = counts()
    rows = {
        "units": [{"code": "00008.X", "name": "Tổ", "parent_code": "00008", "kind": "OTHER"}],
        "people": [{"code": "P-N9", "full_name": "Ngô Văn Chín", "birth_date": "1990-01-01", "gender": "M",
                    "category": "CONG_CHUC", "unit_code": "00008"}],
    }
    report = import_file(rows, actor=world.actor("officer_a"))
    assert not report.ok and counts() == before
    codes = {(e["sheet"], e["column"], e["code"]) for e in report.errors}
    assert ("units", "code", "out_of_scope") in codes
    assert ("people", "unit_code", "out_of_scope") in codes


def test_a_person_of_another_ward_looks_missing_to_an_officer(world, import_file):
    before = counts()
    rows = {"people": [{"code": "P-B1", "full_name": "Nguyễn Thị Dung", "birth_date": "1985-05-17",
                        "gender": "F", "category": "CONG_CHUC", "unit_code": "00004"}],
            "credentials": [{"person_code": "P-B2", "dimension": "IT", "level": "CO_BAN",
                             "issued_on": "2020-01-01"}]}
    report = import_file(rows, actor=world.actor("officer_a"))
    assert not report.ok and counts() == before
    codes = {(e["sheet"], e["column"], e["code"]) for e in report.errors}
    assert ("people", "code", "out_of_scope") in codes
    assert ("credentials", "person_code", "unknown_person") in codes


def test_an_officer_may_not_change_the_city_catalogue(world, import_file):
    before = counts()
    report = import_file({"programmes": [{"code": "NEW", "name": "Mới", "kind": "IT"}],
                          "positions": [{"code": "NEWPOS", "name": "Mới", "kind": "SUPPORT"}]},
                         actor=world.actor("officer_a"))
    assert not report.ok and counts() == before
    assert {e["code"] for e in report.errors} == {"not_allowed_sheet"}


@pytest.mark.parametrize("persona", ["viewer_a", "learner", "school"])
def test_roles_without_the_import_permission_are_refused(world, import_file, persona):
    with pytest.raises(NotAllowed):
        import_file(good_rows(), actor=world.actor(persona))
