"""Training API: classes, nominations and enrolments, sessions, attendance, results,
certificates (with the public verification check) and feedback. Thin over services/selectors."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from cadretrain.catalogue.models import Institution, Lecturer
from cadretrain.catalogue.selectors import programme_get
from cadretrain.core.scoping import get_visible_or_404
from cadretrain.domain.errors import NotFound
from cadretrain.org.models import OrgUnit
from cadretrain.people.selectors import person_get
from cadretrain.training import selectors, services
from cadretrain.training.models import AssessmentComponent, ClassSession, Enrolment, TrainingClass

router = Router(tags=["training"])


def _actor(request: HttpRequest) -> Any:
    return request.actor  # type: ignore[attr-defined]


def class_out(tc: TrainingClass) -> dict[str, Any]:
    return {
        "code": tc.code, "name": tc.name, "programme": tc.programme.code,
        "organizer_unit": tc.organizer_unit.code,
        "institution": tc.institution.name if tc.institution_id else None,
        "country": tc.country, "abroad": tc.is_abroad,
        "start_date": tc.start_date.isoformat(), "end_date": tc.end_date.isoformat(),
        "capacity": tc.capacity, "enrolled": tc.enrolled, "unit_quota": tc.unit_quota,
        "cost_vnd": tc.cost_vnd, "mode": tc.mode, "status": tc.status,
    }


def enrolment_out(e: Enrolment) -> dict[str, Any]:
    return {
        "id": e.pk, "class": e.training_class.code, "person": e.person.code, "full_name": e.person.full_name,
        "status": e.status, "waitlisted": e.waitlisted_at is not None,
        "score": float(e.score) if e.score is not None else None,
        "completed_on": e.completed_on.isoformat() if e.completed_on else None,
        "certificate_no": e.certificate_no,
    }


class ClassIn(Schema):
    code: str
    programme: str
    organizer_unit: str
    start_date: str
    end_date: str
    name: str = ""
    institution: str | None = None
    country: str = "VN"
    capacity: int | None = None
    unit_quota: int | None = None
    cost_vnd: int | None = None
    mode: str = "TAP_TRUNG"


class ClassPatch(Schema):
    name: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    capacity: int | None = None
    unit_quota: int | None = None
    cost_vnd: int | None = None
    mode: str | None = None
    country: str | None = None


class PersonRef(Schema):
    person: str


class TransitionIn(Schema):
    status: str


class SessionIn(Schema):
    date: str
    start_time: str
    end_time: str
    room: str = ""
    online_link: str = ""
    lecturer_id: int | None = None
    topic: str = ""


class AttendanceIn(Schema):
    present: list[int]


class ComponentIn(Schema):
    name: str
    weight: float = 1


class ScoresIn(Schema):
    scores: dict[int, str | float | None]


class ResultsIn(Schema):
    completed_on: str | None = None


class CertificateIn(Schema):
    issued_on: str | None = None


class GroundIn(Schema):
    ground: str
    note: str = ""


class FeedbackIn(Schema):
    relevance: int
    content: int
    organisation: int
    comment: str = ""
    lecturers: dict[int, int] = {}


def _unit(actor: Any, code: str) -> OrgUnit:
    return get_visible_or_404(OrgUnit.objects, actor, code=code)


def _institution(name: str | None) -> Institution | None:
    if not name:
        return None
    inst = Institution.objects.filter(name=name).first()
    if inst is None:
        raise NotFound("institution_not_found")
    return inst


@router.get("/classes", summary="List visible classes")
def list_classes(request: HttpRequest, q: str = "", status: str = "", year: int | None = None,
                 programme: str = "", kind: str = "", mode: str = "", abroad: bool | None = None,
                 unit: str = "", limit: int = 50, offset: int = 0) -> dict[str, Any]:
    qs = selectors.class_list(actor=_actor(request), q=q or None, status=status or None, year=year,
                              programme=programme or None, kind=kind or None, mode=mode or None,
                              abroad=abroad, organizer_unit=unit or None)
    limit = max(1, min(limit, 500))
    return {"items": [class_out(c) for c in qs[offset : offset + limit]], "count": qs.count()}


@router.get("/classes/{code}", summary="One class (with capacity and seats taken)")
def get_class(request: HttpRequest, code: str) -> dict[str, Any]:
    return class_out(selectors.class_get(actor=_actor(request), code=code))


@router.post("/classes", response={201: dict}, summary="Plan a class")
def create_class(request: HttpRequest, body: ClassIn) -> Status:
    actor = _actor(request)
    data = body.dict()
    tc = services.class_create(
        actor=actor, code=data.pop("code"), programme=programme_get(code=data.pop("programme")),
        organizer_unit=_unit(actor, data.pop("organizer_unit")),
        institution=_institution(data.pop("institution")), **data,
    )
    return Status(201, class_out(selectors.class_get(actor=actor, code=tc.code)))


@router.patch("/classes/{code}", summary="Change a class")
def update_class(request: HttpRequest, code: str, body: ClassPatch) -> dict[str, Any]:
    actor = _actor(request)
    tc = selectors.class_get(actor=actor, code=code)
    services.class_update(actor=actor, training_class=tc, **body.dict(exclude_unset=True))
    return class_out(selectors.class_get(actor=actor, code=code))


@router.post("/classes/{code}/transition", summary="Move a class along its life cycle")
def transition_class(request: HttpRequest, code: str, body: TransitionIn) -> dict[str, Any]:
    actor = _actor(request)
    tc = services.class_transition(actor=actor, training_class=selectors.class_get(actor=actor, code=code),
                                   target=body.status)
    return class_out(tc)


@router.get("/classes/{code}/enrolments", summary="Learners of a class")
def list_enrolments(request: HttpRequest, code: str, limit: int = 200, offset: int = 0) -> dict[str, Any]:
    actor = _actor(request)
    tc = selectors.class_get(actor=actor, code=code)
    qs = selectors.class_enrolments(actor=actor, training_class=tc)
    page = qs[offset : offset + max(1, min(limit, 1000))]
    return {"items": [enrolment_out(e) for e in page], "count": qs.count()}


@router.post("/classes/{code}/enrolments", response={201: dict}, summary="Enrol a person (takes a seat)")
def create_enrolment(request: HttpRequest, code: str, body: PersonRef) -> Status:
    actor = _actor(request)
    tc = selectors.class_get(actor=actor, code=code, related=("organizer_unit",))
    person = person_get(actor=actor, code=body.person)
    enrolment = services.enrolment_create(actor=actor, training_class=tc, person=person)
    return Status(201, enrolment_out(enrolment))


@router.post("/classes/{code}/nominations", response={201: dict}, summary="Nominate a person")
def create_nomination(request: HttpRequest, code: str, body: PersonRef) -> Status:
    actor = _actor(request)
    tc = selectors.class_get(actor=actor, code=code)
    person = person_get(actor=actor, code=body.person)
    return Status(201, enrolment_out(services.nomination_create(actor=actor, training_class=tc, person=person)))


@router.post("/enrolments/{enrolment_id}/approve", summary="Approve a nomination (seat or waitlist)")
def approve(request: HttpRequest, enrolment_id: int) -> dict[str, Any]:
    actor = _actor(request)
    e = selectors.enrolment_get(actor=actor, pk=enrolment_id)
    return enrolment_out(services.nomination_approve(actor=actor, enrolment=e))


@router.post("/enrolments/{enrolment_id}/withdraw", summary="Withdraw a nomination or enrolment")
def withdraw(request: HttpRequest, enrolment_id: int) -> dict[str, Any]:
    actor = _actor(request)
    e = selectors.enrolment_get(actor=actor, pk=enrolment_id)
    return enrolment_out(services.enrolment_withdraw(actor=actor, enrolment=e))


@router.post("/classes/{code}/sessions", response={201: dict}, summary="Schedule a session")
def create_session(request: HttpRequest, code: str, body: SessionIn) -> Status:
    actor = _actor(request)
    tc = selectors.class_get(actor=actor, code=code)
    data = body.dict()
    lecturer_id = data.pop("lecturer_id")
    lecturer = Lecturer.objects.filter(pk=lecturer_id).first() if lecturer_id else None
    if lecturer_id and lecturer is None:
        raise NotFound("lecturer_not_found")
    s = services.session_create(actor=actor, training_class=tc, lecturer=lecturer, **data)
    return Status(201, {"id": s.pk, "date": s.date.isoformat(), "start_time": s.start_time.isoformat(),
                        "end_time": s.end_time.isoformat(), "room": s.room, "lecturer_id": s.lecturer_id})


@router.post("/sessions/{session_id}/attendance", summary="Record a session's attendance")
def record_attendance(request: HttpRequest, session_id: int, body: AttendanceIn) -> dict[str, Any]:
    actor = _actor(request)
    session = get_visible_or_404(ClassSession.objects.visible_to(actor).select_related("training_class"), actor,
                                 pk=session_id)
    return {"present": services.attendance_record(actor=actor, session=session, present=body.present)}


@router.post("/classes/{code}/components", response={201: dict}, summary="Add an assessment component")
def create_component(request: HttpRequest, code: str, body: ComponentIn) -> Status:
    actor = _actor(request)
    tc = selectors.class_get(actor=actor, code=code)
    c = services.component_create(actor=actor, training_class=tc, name=body.name, weight=body.weight)
    return Status(201, {"id": c.pk, "name": c.name, "weight": float(c.weight)})


@router.post("/components/{component_id}/scores", summary="Record scores (0–10) of a component")
def record_scores(request: HttpRequest, component_id: int, body: ScoresIn) -> dict[str, Any]:
    actor = _actor(request)
    comp = get_visible_or_404(AssessmentComponent.objects.visible_to(actor).select_related("training_class"), actor,
                              pk=component_id)
    return {"recorded": services.scores_record(actor=actor, component=comp, scores=body.scores)}


@router.post("/classes/{code}/results", summary="Decide COMPLETED/FAILED by the programme's rule")
def finalise_results(request: HttpRequest, code: str, body: ResultsIn) -> dict[str, Any]:
    actor = _actor(request)
    tc = selectors.class_get(actor=actor, code=code)
    return services.results_finalise(actor=actor, training_class=tc, completed_on=body.completed_on)


def certificate_out(c: Any) -> dict[str, Any]:
    return {"id": c.pk, "serial": c.serial, "number": c.number, "year": c.year, "status": c.status,
            "issued_on": c.issued_on.isoformat(), "verification_code": c.verification_code,
            "holder_name": c.holder_name, "programme": c.programme_name,
            "replaces": c.replaces.serial if c.replaces_id else None}


@router.post("/enrolments/{enrolment_id}/certificate", response={201: dict}, summary="Issue a certificate")
def issue_certificate(request: HttpRequest, enrolment_id: int, body: CertificateIn) -> Status:
    actor = _actor(request)
    e = selectors.enrolment_get(actor=actor, pk=enrolment_id)
    return Status(201, certificate_out(services.certificate_issue(actor=actor, enrolment=e, issued_on=body.issued_on)))


@router.post("/certificates/{certificate_id}/revoke", summary="Revoke a certificate (TT 01/2018 grounds)")
def revoke_certificate(request: HttpRequest, certificate_id: int, body: GroundIn) -> dict[str, Any]:
    actor = _actor(request)
    cert = selectors.certificate_get(actor=actor, pk=certificate_id)
    return certificate_out(services.certificate_revoke(actor=actor, certificate=cert, ground=body.ground,
                                                       note=body.note))


@router.post("/certificates/{certificate_id}/reissue", response={201: dict}, summary="Reissue a certificate")
def reissue_certificate(request: HttpRequest, certificate_id: int, body: GroundIn) -> Status:
    actor = _actor(request)
    cert = selectors.certificate_get(actor=actor, pk=certificate_id)
    new = services.certificate_reissue(actor=actor, certificate=cert, ground=body.ground, note=body.note)
    return Status(201, certificate_out(new))


@router.get("/certificates/verify/{verification_code}", auth=None,
            summary="Public: verify a certificate by its code (no sign-in)")
def verify_certificate(request: HttpRequest, verification_code: str) -> dict[str, Any]:
    result = selectors.certificate_verify(verification_code=verification_code)
    return {"holder_name": result.holder_name, "programme": result.programme, "institution": result.institution,
            "certificate_no": result.serial, "issue_date": result.issued_on.isoformat(), "status": result.status}


@router.post("/enrolments/{enrolment_id}/feedback", response={201: dict}, summary="Answer the class survey")
def give_feedback(request: HttpRequest, enrolment_id: int, body: FeedbackIn) -> Status:
    actor = _actor(request)
    e = selectors.enrolment_get(actor=actor, pk=enrolment_id)
    r = services.feedback_submit(actor=actor, enrolment=e, relevance=body.relevance, content=body.content,
                                 organisation=body.organisation, comment=body.comment,
                                 lecturer_scores=body.lecturers)
    return Status(201, {"id": r.pk, "relevance": r.relevance, "content": r.content, "organisation": r.organisation})
