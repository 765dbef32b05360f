"""Reads of people, always through `visible_to(actor)`."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from cadretrain.core.scoping import get_visible_or_404
from cadretrain.domain.access import Actor
from cadretrain.domain.text import fold
from cadretrain.people.models import Assignment, Credential, Person


def person_list(
    *, actor: Actor, unit_code: str | None = None, q: str | None = None,
    category: str | None = None, include_left: bool = False, management_tier: str | None = None,
) -> QuerySet[Person]:
    """Visible people, optionally within a unit subtree, matching a diacritic-free search."""
    qs = Person.objects.visible_to(actor).select_related("unit", "position")
    if unit_code:
        from cadretrain.org.models import OrgUnit

        unit = OrgUnit.objects.visible_to(actor).filter(code=unit_code).first()
        if unit is None:
            return qs.none()
        qs = qs.filter(unit__path__startswith=unit.path)
    if q:
        key = fold(q)
        qs = qs.filter(search_key__contains=key) | qs.filter(code=q.strip())
    if category:
        qs = qs.filter(category=category)
    if management_tier:
        qs = qs.filter(management_tier=management_tier)
    if not include_left:
        # Still employed today: a leaving date in the future does not hide the person yet.
        qs = qs.filter(Q(left_on__isnull=True) | Q(left_on__gt=timezone.localdate()))
    return qs.order_by("search_key", "code")


def person_get(*, actor: Actor, code: str) -> Person:
    """One visible person by code (NotFound when missing or out of scope)."""
    return get_visible_or_404(Person.objects.select_related("unit", "position"), actor, code=code)


def person_assignments(*, actor: Actor, person: Person) -> QuerySet[Assignment]:
    """A visible person's assignment history, newest first (units may lie outside the scope)."""
    return (
        Assignment.objects.visible_to(actor).filter(person=person)
        .select_related("unit", "position").order_by("-valid_from", "-pk")
    )


def person_credentials(*, actor: Actor, person: Person) -> QuerySet[Credential]:
    """A visible person's qualifications by dimension and issue date."""
    return Credential.objects.visible_to(actor).filter(person=person).order_by("dimension", "-issued_on")
