"""Reads for training abroad: partners and agreements, delegations, participants, reimbursements
and the report of service commitments and amounts owed. Everything about people starts from
`visible_to(actor)`; counts and sums only cover the rows the actor may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import ExtractYear

from cadretrain.abroad.models import (
    Agreement,
    Mission,
    Participant,
    Reimbursement,
    ReimbursementStatus,
)
from cadretrain.catalogue.models import Institution
from cadretrain.core.scoping import get_visible_or_404
from cadretrain.domain import reimbursement as rules
from cadretrain.domain.access import Actor, Role
from cadretrain.domain.errors import NotFound
from cadretrain.domain.text import fold
from cadretrain.org.models import OrgUnit


def _rollup(path: str, base: str) -> str:
    """The path of the unit one level below `base` on the way to `path` (the city's direct
    children when `base` is empty; `base` itself for people placed directly in it)."""
    parts = [p for p in path.split("/") if p]
    depth = len([p for p in base.split("/") if p]) + (1 if base else 2)
    return "/" + "/".join(parts[:depth]) + "/"


def _participant_filter(actor: Actor, prefix: str = "participants__") -> Q | None:
    """The participants of a mission the actor may count (None: all)."""
    if actor.is_city_wide:
        return None
    if actor.role in (Role.UNIT_OFFICER, Role.VIEWER) and actor.unit_path:
        return Q(**{f"{prefix}person__unit__path__startswith": actor.unit_path})
    return Q(pk__in=[])


# --- partners and agreements -------------------------------------------------------------------
def partner_list(*, q: str | None = None, country: str | None = None) -> QuerySet[Institution]:
    """Institutions abroad, with their agreements counted (catalogue data, not personal)."""
    qs = Institution.objects.exclude(country="VN")
    if q:
        qs = qs.filter(search_key__contains=fold(q))
    if country:
        qs = qs.filter(country=country.upper())
    return qs.annotate(n_agreements=Count("agreements", distinct=True)).order_by("country", "name")


def partner_get(*, pk: int) -> Institution:
    partner = Institution.objects.exclude(country="VN").filter(pk=pk).first()
    if partner is None:
        raise NotFound("partner_not_found")
    return partner


def agreement_list(*, actor: Actor, partner: Institution | None = None, in_force_on: dt.date | None = None,
                   country: str | None = None) -> QuerySet[Agreement]:
    qs = Agreement.objects.visible_to(actor).select_related("partner")
    if partner is not None:
        qs = qs.filter(partner=partner)
    if country:
        qs = qs.filter(partner__country=country.upper())
    if in_force_on is not None:
        qs = qs.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=in_force_on), valid_from__lte=in_force_on)
    return qs.order_by("partner__name", "-valid_from", "pk")


def agreement_get(*, actor: Actor, pk: int) -> Agreement:
    return get_visible_or_404(Agreement.objects.select_related("partner"), actor, pk=pk)


# --- missions ----------------------------------------------------------------------------------
def mission_list(*, actor: Actor, q: str | None = None, year: int | None = None, country: str | None = None,
                 status: str | None = None, kind: str | None = None, unit_code: str | None = None,
                 partner_id: int | None = None) -> QuerySet[Mission]:
    """Delegations the actor may see, with the number of their participants the actor may see."""
    qs = Mission.objects.visible_to(actor).select_related("organizer_unit", "partner", "training_class")
    if q:
        qs = qs.filter(search_key__contains=fold(q))
    if year:
        qs = qs.filter(departure_date__year=year)
    if country:
        qs = qs.filter(country=country.upper())
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if unit_code:
        qs = qs.filter(organizer_unit__code=unit_code)
    if partner_id:
        qs = qs.filter(partner_id=partner_id)
    return qs.annotate(n_participants=Count("participants", filter=_participant_filter(actor))).order_by(
        "-departure_date", "code")


def mission_get(*, actor: Actor, code: str) -> Mission:
    return get_visible_or_404(
        Mission.objects.select_related("organizer_unit", "partner", "agreement", "training_class"), actor, code=code)


def mission_participants(*, actor: Actor, mission: Mission) -> QuerySet[Participant]:
    return (Participant.objects.visible_to(actor).filter(mission=mission)
            .select_related("person", "person__unit", "reimbursement").order_by("-is_head", "person__full_name"))


# --- participants and reimbursements -----------------------------------------------------------
COMMITMENT_FILTERS = ("running", "ending", "ended", "none")


def person_participations(*, actor: Actor, person_id: int) -> QuerySet[Participant]:
    """One person's delegations abroad, newest first (the person page)."""
    return (Participant.objects.visible_to(actor).filter(person_id=person_id)
            .select_related("mission").order_by("-mission__departure_date"))


def participant_list(*, actor: Actor, as_of: dt.date, commitment: str | None = None, horizon_months: int = 6,
                     unit_code: str | None = None, mission_code: str | None = None) -> QuerySet[Participant]:
    """Participants the actor may see; `commitment` = running (not yet ended, still serving),
    ending (running and ending within the horizon), ended, none (no commitment)."""
    qs = Participant.objects.visible_to(actor).select_related("person", "person__unit", "mission", "reimbursement")
    if unit_code:
        qs = qs.filter(Q(person__unit__code=unit_code))
    if mission_code:
        qs = qs.filter(mission__code=mission_code)
    serving = Q(left_on__isnull=True) | Q(left_on__gt=as_of)
    if commitment == "running":
        qs = qs.filter(serving, commitment_ends_on__gt=as_of)
    elif commitment == "ending":
        qs = qs.filter(serving, commitment_ends_on__gt=as_of,
                       commitment_ends_on__lte=rules.add_months(as_of, horizon_months))
    elif commitment == "ended":
        qs = qs.filter(commitment_ends_on__lte=as_of)
    elif commitment == "none":
        qs = qs.filter(commitment_ends_on__isnull=True)
    return qs.order_by("commitment_ends_on", "person__full_name", "pk")


def participant_get(*, actor: Actor, pk: int) -> Participant:
    return get_visible_or_404(
        Participant.objects.select_related("person", "person__unit", "mission", "mission__organizer_unit"),
        actor, pk=pk)


def reimbursement_list(*, actor: Actor, status: str | None = None,
                       unit_code: str | None = None) -> QuerySet[Reimbursement]:
    qs = Reimbursement.objects.visible_to(actor).select_related(
        "participant", "participant__person", "participant__person__unit", "participant__mission")
    if status:
        qs = qs.filter(status=status)
    if unit_code:
        qs = qs.filter(participant__person__unit__code=unit_code)
    return qs.order_by("-decided_on", "pk")


def reimbursement_get(*, actor: Actor, pk: int) -> Reimbursement:
    return get_visible_or_404(Reimbursement.objects.select_related("participant__person__unit",
                                                                   "participant__mission"), actor, pk=pk)


# --- report ------------------------------------------------------------------------------------
@dataclass
class CommitmentReport:
    as_of: dt.date
    horizon_months: int
    running: int = 0
    ending: int = 0
    ended_this_year: int = 0
    owed_count: int = 0
    owed_amount: int = 0
    paid_amount: int = 0
    waived_amount: int = 0
    by_unit: list[dict[str, Any]] = field(default_factory=list)
    by_year: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(), "horizon_months": self.horizon_months,
            "commitments": {"running": self.running, "ending": self.ending, "ended_this_year": self.ended_this_year},
            "reimbursements": {"owed_count": self.owed_count, "owed_amount": self.owed_amount,
                               "paid_amount": self.paid_amount, "waived_amount": self.waived_amount},
            "by_unit": self.by_unit, "by_year": self.by_year,
        }


def commitment_report(*, actor: Actor, as_of: dt.date, horizon_months: int = 6) -> CommitmentReport:
    """Service commitments running and ending within the horizon, and reimbursements owed, paid
    and waived, over the people the actor may see — a handful of aggregate queries."""
    report = CommitmentReport(as_of=as_of, horizon_months=horizon_months)
    people = Participant.objects.visible_to(actor)
    serving = Q(left_on__isnull=True) | Q(left_on__gt=as_of)
    horizon = rules.add_months(as_of, horizon_months)
    running = Q(serving, commitment_ends_on__gt=as_of)
    ending = Q(running, commitment_ends_on__lte=horizon)
    ended = Q(commitment_ends_on__lte=as_of, commitment_ends_on__year=as_of.year)
    totals = people.aggregate(running=Count("pk", filter=running), ending=Count("pk", filter=ending),
                              ended=Count("pk", filter=ended))
    report.running, report.ending, report.ended_this_year = totals["running"], totals["ending"], totals["ended"]
    money = Reimbursement.objects.visible_to(actor).aggregate(
        owed_count=Count("pk", filter=Q(status=ReimbursementStatus.OWED)),
        owed=Sum("amount_vnd", filter=Q(status=ReimbursementStatus.OWED)),
        paid=Sum("amount_vnd", filter=Q(status=ReimbursementStatus.PAID)),
        waived=Sum("amount_vnd", filter=Q(status=ReimbursementStatus.WAIVED)))
    report.owed_count = money["owed_count"]
    report.owed_amount, report.paid_amount, report.waived_amount = (
        money["owed"] or 0, money["paid"] or 0, money["waived"] or 0)
    # One row per unit just under the actor's scope (the city's departments and communes; a ward's
    # own offices), each counting its whole subtree.
    base = actor.unit_path if not actor.is_city_wide and actor.unit_path else ""
    units: dict[str, dict[str, Any]] = {}

    def entry(path: str) -> dict[str, Any]:
        key = _rollup(path, base)
        return units.setdefault(key, {"path": key, "running": 0, "ending": 0, "owed_count": 0, "owed_amount": 0})

    for row in (people.filter(running).values("person__unit__path")
                .annotate(running=Count("pk"), ending=Count("pk", filter=ending))):
        e = entry(row["person__unit__path"])
        e["running"] += row["running"]
        e["ending"] += row["ending"]
    for row in (Reimbursement.objects.visible_to(actor).filter(status=ReimbursementStatus.OWED)
                .values("participant__person__unit__path").annotate(n=Count("pk"), amount=Sum("amount_vnd"))):
        e = entry(row["participant__person__unit__path"])
        e["owed_count"] += row["n"]
        e["owed_amount"] += row["amount"] or 0
    known = {path: (code, name) for path, code, name in
             OrgUnit.objects.visible_to(actor).filter(path__in=list(units)).values_list("path", "code", "name")}
    report.by_unit = sorted(
        ({"unit": known.get(k, ("", ""))[0], "unit_name": known.get(k, ("", ""))[1],
          **{f: v for f, v in e.items() if f != "path"}} for k, e in units.items()),
        key=lambda r: r["unit"])
    report.by_year = [
        {"year": r["year"], "running": r["n"]}
        for r in (people.filter(running).annotate(year=ExtractYear("commitment_ends_on"))
                  .values("year").annotate(n=Count("pk")).order_by("year"))
    ]
    return report
