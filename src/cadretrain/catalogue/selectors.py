"""Reads of the catalogue. Catalogue data is not personal: every signed-in role may read it."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, QuerySet

from cadretrain.catalogue.models import Institution, Lecturer, Programme
from cadretrain.core.search import name_or_code_q
from cadretrain.domain.errors import NotFound
from cadretrain.domain.text import fold


def programme_list(*, q: str | None = None, kind: str | None = None,
                   content_area: str | None = None) -> QuerySet[Programme]:
    """Programmes matching a diacritic-free search, a kind and a content area."""
    qs = Programme.objects.all()
    if q:
        qs = qs.filter(name_or_code_q(Programme, q))
    if kind:
        qs = qs.filter(kind=kind)
    if content_area:
        qs = qs.filter(content_area=content_area)
    return qs.order_by("code")


def programme_get(*, code: str) -> Programme:
    """One programme by code."""
    try:
        return Programme.objects.get(code=code)
    except Programme.DoesNotExist:
        raise NotFound("programme_not_found") from None


def institution_list(*, q: str | None = None) -> QuerySet[Institution]:
    """Institutions with their number of classes and lecturers."""
    qs = Institution.objects.annotate(n_classes=Count("classes", distinct=True),
                                      n_lecturers=Count("lecturers", distinct=True))
    if q:
        qs = qs.filter(search_key__contains=fold(q))
    return qs.order_by("name")


def institution_get(*, pk: int) -> Institution:
    try:
        return Institution.objects.get(pk=pk)
    except (Institution.DoesNotExist, ValueError):
        raise NotFound("institution_not_found") from None


def lecturer_list(*, q: str | None = None, institution_id: int | None = None) -> QuerySet[Lecturer]:
    qs = Lecturer.objects.select_related("institution")
    if q:
        qs = qs.filter(search_key__contains=fold(q))
    if institution_id:
        qs = qs.filter(institution_id=institution_id)
    return qs.order_by("search_key")


def lecturer_hours(*, year: int, lecturer_ids: list[int] | None = None) -> dict[int, float]:
    """Teaching hours per lecturer in a calendar year, from the sessions they taught. Sessions
    are grouped by time slot in SQL (few distinct slots), so this is one query however many."""
    from cadretrain.training.models import ClassSession

    qs = ClassSession.objects.filter(lecturer__isnull=False, date__gte=dt.date(year, 1, 1),
                                     date__lte=dt.date(year, 12, 31))
    if lecturer_ids is not None:
        qs = qs.filter(lecturer_id__in=lecturer_ids)
    hours: dict[int, float] = defaultdict(float)
    for lid, start, end, n in qs.values("lecturer_id", "start_time", "end_time").annotate(
            n=Count("pk")).values_list("lecturer_id", "start_time", "end_time", "n"):
        minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
        hours[lid] += n * minutes / 60
    return dict(hours)
