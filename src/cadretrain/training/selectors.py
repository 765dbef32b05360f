"""Reads of classes, enrolments, results, certificates and feedback, always scoped by
`visible_to(actor)` (the public certificate check is the one deliberate exception)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet

from cadretrain.core.scoping import get_visible_or_404
from cadretrain.core.search import name_or_code_q
from cadretrain.domain import training as rules
from cadretrain.domain.access import Actor
from cadretrain.domain.errors import NotFound
from cadretrain.training.models import (
    SEAT_STATUSES,
    AssessmentComponent,
    AssessmentScore,
    Attendance,
    Certificate,
    CertificateStatus,
    ClassSession,
    Enrolment,
    FeedbackResponse,
    LecturerRating,
    TrainingClass,
)


def class_list(
    *, actor: Actor, q: str | None = None, status: str | None = None, year: int | None = None,
    programme: str | None = None, kind: str | None = None, mode: str | None = None,
    abroad: bool | None = None, organizer_unit: str | None = None,
) -> QuerySet[TrainingClass]:
    """Visible classes with filters; newest first."""
    qs = TrainingClass.objects.visible_to(actor).select_related("programme", "organizer_unit", "institution")
    if q:
        qs = qs.filter(name_or_code_q(TrainingClass, q))
    if status:
        qs = qs.filter(status=status)
    if year:
        qs = qs.filter(start_date__year=year)
    if programme:
        qs = qs.filter(programme__code=programme)
    if kind:
        qs = qs.filter(programme__kind=kind)
    if mode:
        qs = qs.filter(mode=mode)
    if abroad is True:
        qs = qs.exclude(country="VN")
    elif abroad is False:
        qs = qs.filter(country="VN")
    if organizer_unit:
        qs = qs.filter(organizer_unit__code=organizer_unit)
    return qs.order_by("-start_date", "code")


CLASS_RELATED = ("programme", "organizer_unit", "institution", "partner")


def class_get(*, actor: Actor, code: str, related: tuple[str, ...] = CLASS_RELATED) -> TrainingClass:
    """One visible class by code (NotFound when missing or out of scope). `related` narrows the
    joined rows for hot paths that need only some of them (the enrolment POST: its organiser)."""
    return get_visible_or_404(TrainingClass.objects.select_related(*related), actor, code=code)


def organised_classes(actor: Actor) -> QuerySet[TrainingClass]:
    """Classes the actor organises (or hosts): their learners are the organiser's business even
    when they come from other units."""
    from cadretrain.domain.access import Role

    qs = TrainingClass.objects.all()
    if actor.is_city_wide:
        return qs
    if actor.role in (Role.UNIT_OFFICER, Role.VIEWER) and actor.unit_path:
        return qs.filter(organizer_unit__path__startswith=actor.unit_path)
    if actor.role is Role.INSTITUTION_STAFF and actor.institution_id:
        return qs.filter(institution_id=actor.institution_id)
    return qs.none()


def enrolment_get(*, actor: Actor, pk: int) -> Enrolment:
    """One enrolment the actor may see, or one of a class the actor may see (organisers see
    every learner of their class)."""
    qs = Enrolment.objects.select_related("training_class", "person", "person__unit",
                                          "training_class__organizer_unit")
    row = qs.filter(Q(pk__in=Enrolment.objects.visible_to(actor).values("pk"))
                    | Q(training_class__in=organised_classes(actor).values("pk")), pk=pk).first()
    if row is None:
        raise NotFound("enrolment_not_found")
    return row


def class_enrolments(*, actor: Actor, training_class: TrainingClass) -> QuerySet[Enrolment]:
    """Learners of a visible class. Organisers see all; a unit that only sends people sees its
    own people (Enrolment scope)."""
    qs = Enrolment.objects.filter(training_class=training_class)
    if not organised_classes(actor).filter(pk=training_class.pk).exists():
        qs = qs.filter(pk__in=Enrolment.objects.visible_to(actor).values("pk"))
    return qs.select_related("person", "person__unit", "training_class").order_by("status", "person__search_key")


@dataclass
class Grid:
    sessions: list[ClassSession]
    components: list[AssessmentComponent]
    rows: list[dict[str, Any]]


def class_grid(*, actor: Actor, training_class: TrainingClass) -> Grid:
    """Attendance and scores of the class's seat holders: a fixed number of queries."""
    enrolments = list(class_enrolments(actor=actor, training_class=training_class).filter(status__in=SEAT_STATUSES))
    ids = [e.pk for e in enrolments]
    sessions = list(ClassSession.objects.filter(training_class=training_class).select_related("lecturer"))
    components = list(AssessmentComponent.objects.filter(training_class=training_class))
    present = set(Attendance.objects.filter(enrolment_id__in=ids, present=True).values_list("enrolment_id", "session_id"))
    scores = {(s.enrolment_id, s.component_id): s.score
              for s in AssessmentScore.objects.filter(enrolment_id__in=ids)}
    rows = [
        {
            "enrolment": e,
            "attendance": [(s.pk, (e.pk, s.pk) in present) for s in sessions],
            "attended": sum(1 for s in sessions if (e.pk, s.pk) in present),
            "scores": [(c.pk, scores.get((e.pk, c.pk))) for c in components],
        }
        for e in enrolments
    ]
    return Grid(sessions, components, rows)


def person_enrolments(*, actor: Actor, person_code: str) -> tuple[Any, QuerySet[Enrolment]]:
    """A visible person and their visible enrolments (for the person page and self-service)."""
    from cadretrain.people.selectors import person_get

    person = person_get(actor=actor, code=person_code)
    qs = (Enrolment.objects.visible_to(actor).filter(person=person)
          .select_related("training_class", "training_class__programme", "training_class__institution")
          .order_by("-training_class__start_date"))
    return person, qs


def my_certificates(*, actor: Actor) -> QuerySet[Certificate]:
    return (Certificate.objects.visible_to(actor).filter(enrolment__person_id=actor.person_id)
            .select_related("enrolment__training_class", "institution").order_by("-issued_on"))


def certificate_get(*, actor: Actor, pk: int) -> Certificate:
    """A certificate the actor may see (learner: their own; organisers: their classes')."""
    row = (Certificate.objects.filter(Q(pk__in=Certificate.objects.visible_to(actor).values("pk"))
                                      | Q(enrolment__training_class__in=organised_classes(actor).values("pk")),
                                      pk=pk)
           .select_related("enrolment__training_class__programme", "enrolment__training_class__organizer_unit",
                           "enrolment__person", "institution", "replaces").first())
    if row is None:
        raise NotFound("certificate_not_found")
    return row


def class_certificates(*, training_class: TrainingClass) -> dict[int, list[Certificate]]:
    """Certificates of a class by enrolment (history included), for the class page."""
    out: dict[int, list[Certificate]] = {}
    for cert in Certificate.objects.filter(enrolment__training_class=training_class).order_by("created_at"):
        out.setdefault(cert.enrolment_id, []).append(cert)
    return out


@dataclass(frozen=True)
class Verification:
    holder_name: str
    programme: str
    institution: str
    serial: str
    issued_on: Any
    status: str  # VALID or REVOKED
    detail: str  # VALID, REVOKED or REPLACED


def certificate_verify(*, verification_code: str) -> Verification:
    """Public check of a certificate by its unguessable code: only what is printed on it."""
    cert = (Certificate.objects.filter(verification_code=verification_code)
            .select_related("institution").first()) if verification_code else None
    if cert is None:
        raise NotFound("certificate_not_found")
    status = "VALID" if cert.status == CertificateStatus.VALID else "REVOKED"
    return Verification(cert.holder_name, cert.programme_name, cert.institution.name, cert.serial,
                        cert.issued_on, status, cert.status)


# --- feedback aggregates --------------------------------------------------------------------
def _avg(qs: QuerySet, *fields: str) -> dict[str, Any]:
    return qs.aggregate(n=Count("pk"), **{f: Avg(f) for f in fields})


def feedback_for_class(*, actor: Actor, training_class: TrainingClass) -> dict[str, Any]:
    """Average ratings of one (visible) class and of each of its lecturers."""
    responses = FeedbackResponse.objects.filter(enrolment__training_class=training_class)
    summary = _avg(responses, "relevance", "content", "organisation")
    lecturers = list(
        LecturerRating.objects.filter(response__enrolment__training_class=training_class)
        .values("lecturer_id", "lecturer__full_name").annotate(n=Count("pk"), avg=Avg("score"))
        .order_by("lecturer__full_name")
    )
    return {"summary": summary, "lecturers": lecturers}


def feedback_overview(*, actor: Actor, min_responses: int = 3) -> dict[str, Any]:
    """Programmes and lecturers across the actor's visible classes, lowest-rated first, with the
    ones under the low-rating threshold flagged for the city."""
    visible = TrainingClass.objects.visible_to(actor).values("pk")
    responses = FeedbackResponse.objects.filter(enrolment__training_class__in=visible)
    programmes = list(
        responses.values("enrolment__training_class__programme__code", "enrolment__training_class__programme__name")
        .annotate(n=Count("pk"), relevance=Avg("relevance"), content=Avg("content"),
                  organisation=Avg("organisation"))
        .filter(n__gte=min_responses)
    )
    for p in programmes:
        p["overall"] = (p["relevance"] + p["content"] + p["organisation"]) / 3
        p["low"] = Decimal(str(p["overall"])) < rules.LOW_RATING_THRESHOLD
    programmes.sort(key=lambda p: p["overall"])
    lecturers = list(
        LecturerRating.objects.filter(response__enrolment__training_class__in=visible)
        .values("lecturer_id", "lecturer__full_name", "lecturer__institution__name")
        .annotate(n=Count("pk"), avg=Avg("score"), classes=Count("response__enrolment__training_class", distinct=True))
        .filter(n__gte=min_responses).order_by("avg", "lecturer__full_name")
    )
    for row in lecturers:
        row["low"] = Decimal(str(row["avg"])) < rules.LOW_RATING_THRESHOLD
    return {"programmes": programmes, "lecturers": lecturers, "threshold": rules.LOW_RATING_THRESHOLD,
            "min_responses": min_responses}


def feedback_pending(*, actor: Actor) -> QuerySet[Enrolment]:
    """The learner's finished classes still waiting for their feedback."""
    from django.utils import timezone

    return (Enrolment.objects.visible_to(actor).filter(person_id=actor.person_id, status__in=SEAT_STATUSES,
                                                        feedback__isnull=True)
            .filter(Q(training_class__status="FINISHED") | Q(training_class__end_date__lte=timezone.localdate()))
            .exclude(training_class__status="CANCELLED")
            .select_related("training_class"))
