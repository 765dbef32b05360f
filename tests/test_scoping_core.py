"""The scoping rules themselves, per role, on the persona world."""

from cadretrain.org.models import OrgUnit
from cadretrain.people.models import Person


def codes(qs):
    return sorted(qs.values_list("code", flat=True))


def test_officer_sees_only_own_subtree(world):
    actor = world.actor("officer_a")
    assert codes(Person.objects.visible_to(actor)) == ["P-A1", "P-A2", "P-A3"]
    assert codes(OrgUnit.objects.visible_to(actor)) == ["00004", "00004.VP"]


def test_sibling_officer_sees_none_of_the_other_ward(world):
    actor = world.actor("officer_b")
    assert codes(Person.objects.visible_to(actor)) == ["P-B1", "P-B2"]


def test_city_admin_sees_everyone(world):
    assert Person.objects.visible_to(world.actor("admin")).count() == 6


def test_learner_sees_only_themselves(world):
    assert codes(Person.objects.visible_to(world.actor("learner"))) == ["P-A1"]


def test_institution_staff_see_no_one_without_classes(world):
    assert Person.objects.visible_to(world.actor("school")).count() == 0
