"""Figures for the landing page, always within the actor's scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cadretrain.domain.access import Actor
from cadretrain.org.models import OrgUnit
from cadretrain.people.models import Person
from cadretrain.training.models import TrainingClass


@dataclass(frozen=True)
class Overview:
    people: int
    units: int
    classes_this_year: int


def overview(*, actor: Actor, today: dt.date | None = None) -> Overview:
    """Head-count of visible staff employed today, visible active units, classes started this year."""
    from django.utils import timezone

    day = today or timezone.localdate()
    return Overview(
        people=Person.objects.visible_to(actor).employed_on(day).count(),
        units=OrgUnit.objects.visible_to(actor).current(day).count(),
        classes_this_year=TrainingClass.objects.visible_to(actor).filter(start_date__year=day.year).count(),
    )
