"""Unit tree reads: head-counts rolled up per subtree from one aggregate query, historical units
with their successor, and the scope of each actor."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from cadretrain.org import selectors
from cadretrain.org.services import unit_create
from cadretrain.people.services import person_create, person_update
from tests.world import SYSTEM


def historical_district(world):
    """A district dissolved on 2025-06-30 (its ward merged into ward A), like the 2025 reform."""
    district = unit_create(actor=SYSTEM, code="D001", name="Quận Ba Đình", kind="DISTRICT",
                           parent=world.city, valid_to=dt.date(2025, 6, 30), successor=world.ward_a)
    old_ward = unit_create(actor=SYSTEM, code="W00001", name="Phường Phúc Xá", kind="WARD",
                           parent=district, valid_to=dt.date(2025, 6, 30), successor=world.ward_a)
    return district, old_ward


def by_code(nodes):
    return {n.unit.code: n for n in nodes}


def test_admin_tree_rolls_head_counts_up_to_the_city(world):
    nodes = by_code(selectors.unit_tree(actor=world.actor("admin")))
    assert nodes["HN"].people == 6
    assert nodes["00004"].people == 3  # two in the ward itself, one in its office
    assert nodes["00004.VP"].people == 1
    assert nodes["00008"].people == 2


def test_officer_tree_holds_only_the_own_subtree_and_its_people(world):
    nodes = selectors.unit_tree(actor=world.actor("officer_a"))
    assert [n.unit.code for n in nodes] == ["00004", "00004.VP"]
    assert by_code(nodes)["00004"].people == 3
    assert sum(n.people for n in nodes if n.level == 0) == 3


def test_people_who_left_are_not_counted(world):
    person_update(actor=SYSTEM, person=world.people["a1"], left_on=dt.date(2020, 1, 1))
    nodes = by_code(selectors.unit_tree(actor=world.actor("admin")))
    assert nodes["00004"].people == 2
    assert nodes["HN"].people == 5


def test_tree_nests_children_and_closes_every_list(world):
    nodes = selectors.unit_tree(actor=world.actor("admin"))
    levels = {n.unit.code: n.level for n in nodes}
    assert levels == {"HN": 0, "00004": 1, "00004.VP": 2, "00008": 1, "HN.SNV": 1}
    # Every list opened by a unit with children is closed exactly once.
    opened = sum(1 for n in nodes if n.children)
    assert sum(len(n.closes) for n in nodes) == opened


def test_historical_units_are_hidden_unless_asked_and_show_their_successor(world):
    historical_district(world)
    admin = world.actor("admin")
    assert "D001" not in by_code(selectors.unit_tree(actor=admin))
    nodes = by_code(selectors.unit_tree(actor=admin, historical=True))
    assert nodes["D001"].is_historical
    assert nodes["W00001"].level == 2
    assert nodes["W00001"].successor_visible
    assert nodes["W00001"].unit.successor.code == "00004"


def test_unit_tree_takes_two_queries_whatever_the_number_of_units(world):
    admin = world.actor("admin")
    with CaptureQueriesContext(connection) as small:
        selectors.unit_tree(actor=admin)
    for i in range(30):
        unit = unit_create(actor=SYSTEM, code=f"X{i}", name=f"Xã {i}", kind="COMMUNE", parent=world.city)
        person_create(actor=SYSTEM, code=f"PX{i}", unit=unit, full_name=f"Người {i}",
                      birth_date=dt.date(1990, 1, 1), gender="F", category="VIEN_CHUC")
    with CaptureQueriesContext(connection) as large:
        nodes = selectors.unit_tree(actor=admin)
    assert len(small) == len(large) == 2
    assert by_code(nodes)["HN"].people == 36


def test_headcount_by_category_counts_the_subtree(world):
    rows = selectors.headcount_by_category(actor=world.actor("officer_a"), unit=world.ward_a)
    assert {r["category"]: r["n"] for r in rows} == {"CAN_BO": 1, "CONG_CHUC": 2}


def test_unit_choices_are_the_visible_current_units_in_tree_order(world):
    historical_district(world)
    assert [c for c, _ in selectors.unit_choices(actor=world.actor("officer_a"))] == ["00004", "00004.VP"]
    choices = dict(selectors.unit_choices(actor=world.actor("admin")))
    assert "D001" not in choices
    assert choices["00004.VP"].startswith("— — ")


def test_path_ids():
    assert selectors.path_ids("/1/7/42/") == [1, 7, 42]
