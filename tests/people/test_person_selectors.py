"""People reads: diacritic-free search, filters, and scope."""

import datetime as dt

import pytest

from cadretrain.domain.errors import NotFound
from cadretrain.people import selectors
from cadretrain.people.services import credential_add, person_transfer, person_update
from tests.world import SYSTEM


def codes(qs):
    return sorted(p.code for p in qs)


@pytest.mark.parametrize("q", ["nguyen van", "NGUYEN VAN", "Nguyễn Văn", "nguyễn văn an", "van an"])
def test_search_folds_case_and_diacritics(world, q):
    assert codes(selectors.person_list(actor=world.actor("admin"), q=q)) == ["P-A1"]


def test_search_by_code(world):
    assert codes(selectors.person_list(actor=world.actor("admin"), q="P-B2")) == ["P-B2"]


def test_officer_search_never_finds_the_other_ward(world):
    actor = world.actor("officer_a")
    assert codes(selectors.person_list(actor=actor, q="nguyen")) == ["P-A1"]
    assert codes(selectors.person_list(actor=actor, q="dung")) == []
    assert codes(selectors.person_list(actor=actor, q="P-B1")) == []


def test_unit_filter_covers_the_subtree_and_ignores_invisible_units(world):
    officer = world.actor("officer_a")
    assert codes(selectors.person_list(actor=officer, unit_code="00004")) == ["P-A1", "P-A2", "P-A3"]
    assert codes(selectors.person_list(actor=officer, unit_code="00004.VP")) == ["P-A2"]
    assert codes(selectors.person_list(actor=officer, unit_code="00008")) == []


def test_category_and_tier_filters(world):
    admin = world.actor("admin")
    assert codes(selectors.person_list(actor=admin, category="CAN_BO")) == ["P-A3"]
    assert codes(selectors.person_list(actor=admin, management_tier="BTV_THANH_UY")) == ["P-A3"]


def test_people_who_left_are_listed_only_on_request(world):
    person_update(actor=SYSTEM, person=world.people["a2"], left_on=dt.date(2024, 12, 31))
    officer = world.actor("officer_a")
    assert codes(selectors.person_list(actor=officer)) == ["P-A1", "P-A3"]
    assert codes(selectors.person_list(actor=officer, include_left=True)) == ["P-A1", "P-A2", "P-A3"]


def test_person_get_is_not_found_outside_scope(world):
    with pytest.raises(NotFound):
        selectors.person_get(actor=world.actor("officer_a"), code="P-B1")
    with pytest.raises(NotFound):
        selectors.person_get(actor=world.actor("learner"), code="P-A2")
    assert selectors.person_get(actor=world.actor("learner"), code="P-A1").code == "P-A1"


def test_history_and_credentials_of_a_person(world):
    person = world.people["a1"]
    credential_add(actor=SYSTEM, person=person, dimension="IT", level="CO_BAN", issued_on="2015-03-01")
    person_transfer(actor=SYSTEM, person=person, unit=world.ward_b, position=None, on=dt.date(2026, 1, 1))
    admin = world.actor("admin")
    assert [a.unit.code for a in selectors.person_assignments(actor=admin, person=person)] == ["00008", "00004"]
    assert [c.level for c in selectors.person_credentials(actor=admin, person=person)] == ["CO_BAN"]
