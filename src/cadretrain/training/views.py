"""Web pages for classes (list, detail with sessions, learners, attendance and results),
certificates, feedback, the learner's self-service and the public certificate check. Thin:
every rule lives in services/selectors."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cadretrain.catalogue.models import Institution, Lecturer
from cadretrain.catalogue.selectors import programme_get, programme_list
from cadretrain.core.choices import ClassMode, ClassStatus, ProgrammeKind
from cadretrain.core.scoping import scope_key
from cadretrain.core.web import actor_of, actor_required, flash_domain_error, paginate
from cadretrain.domain import training as rules
from cadretrain.domain.access import Action, Role
from cadretrain.domain.errors import DomainError, NotFound
from cadretrain.org.models import OrgUnit
from cadretrain.people.selectors import person_get
from cadretrain.training import selectors, services
from cadretrain.training.models import ClassSession, ReissueGround, RevocationGround
from cadretrain.training.pdf import certificate_pdf


def _class_url(code: str) -> str:
    return reverse("training:class-detail", args=[code])


@actor_required()
def class_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    g = request.GET
    year = g.get("year", "").strip()
    abroad = {"1": True, "0": False}.get(g.get("abroad", ""))
    qs = selectors.class_list(
        actor=actor, q=g.get("q") or None, status=g.get("status") or None,
        year=int(year) if year.isdigit() else None, kind=g.get("kind") or None, mode=g.get("mode") or None,
        abroad=abroad,
    )
    return render(request, "training/class_list.html", {
        "page": paginate(request, qs, count_key=("classes", scope_key(actor), tuple(sorted(g.items())))),
        "filters": g, "statuses": ClassStatus.choices,
        "kinds": ProgrammeKind.choices, "modes": ClassMode.choices,
        "can_create": actor.can(Action.MANAGE_CLASSES),
        "can_review": actor.is_city_wide or actor.role in (Role.UNIT_OFFICER, Role.VIEWER),
    })


def _class_form_context(request: HttpRequest, values: dict[str, Any]) -> dict[str, Any]:
    actor = actor_of(request)
    return {
        "values": values, "programmes": programme_list(), "modes": ClassMode.choices,
        "units": OrgUnit.objects.visible_to(actor).current().order_by("path")[:500],
        "institutions": Institution.objects.order_by("name"),
    }


@actor_required(Action.MANAGE_CLASSES)
def class_create(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    values: dict[str, Any] = dict(request.POST.items()) if request.method == "POST" else {
        "country": "VN", "mode": ClassMode.TAP_TRUNG}
    if request.method == "POST":
        try:
            unit = OrgUnit.objects.visible_to(actor).filter(code=values.get("organizer_unit", "")).first()
            if unit is None:
                raise NotFound("orgunit_not_found")
            inst_id = values.get("institution") or ""
            institution = Institution.objects.filter(pk=int(inst_id)).first() if inst_id.isdigit() else None
            tc = services.class_create(
                actor=actor, code=values.get("code", ""), programme=programme_get(code=values.get("programme", "")),
                organizer_unit=unit, institution=institution, start_date=values.get("start_date"),
                end_date=values.get("end_date"), name=values.get("name", ""), capacity=values.get("capacity"),
                unit_quota=values.get("unit_quota"), cost_vnd=values.get("cost_vnd"),
                country=values.get("country") or "VN", mode=values.get("mode"),
            )
        except DomainError as exc:
            flash_domain_error(request, exc)
        else:
            messages.success(request, _("Đã tạo lớp {code}.").format(code=tc.code))
            return redirect(_class_url(tc.code))
    return render(request, "training/class_form.html", _class_form_context(request, values))


@actor_required()
def class_detail(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    tc = selectors.class_get(actor=actor, code=code)
    grid = selectors.class_grid(actor=actor, training_class=tc)
    enrolments = list(selectors.class_enrolments(actor=actor, training_class=tc))
    certificates = selectors.class_certificates(training_class=tc)
    can_manage = services.can_act_on_class(actor, tc)
    can_record = services.can_act_on_class(actor, tc, Action.RECORD_RESULTS)
    can_certify = services.can_act_on_class(actor, tc, Action.ISSUE_CERTIFICATES)
    for e in enrolments:
        e.certs = certificates.get(e.pk, [])  # type: ignore[attr-defined]
        e.valid_cert = next((c for c in e.certs if c.status == "VALID"), None)  # type: ignore[attr-defined]
    return render(request, "training/class_detail.html", {
        "tc": tc, "grid": grid, "enrolments": enrolments,
        "can_manage": can_manage, "can_record": can_record, "can_certify": can_certify,
        "can_nominate": actor.can(Action.NOMINATE) and tc.status == ClassStatus.OPEN,
        "transitions": [(s, ClassStatus(s).label) for s in rules.allowed_transitions(tc.status)],
        "lecturers": Lecturer.objects.order_by("search_key")[:300] if can_manage else [],
        "feedback": selectors.feedback_for_class(actor=actor, training_class=tc),
        "revocation_grounds": RevocationGround.choices, "reissue_grounds": ReissueGround.choices,
        "modes": ClassMode.choices,
    })


def _post_and_back(request: HttpRequest, code: str, action: Any, success: str) -> HttpResponse:
    try:
        action()
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise Http404 from None
        flash_domain_error(request, exc)
    else:
        messages.success(request, success)
    return redirect(_class_url(code))


@require_POST
@actor_required()
def class_edit(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    tc = selectors.class_get(actor=actor, code=code)
    fields = {k: request.POST.get(k) for k in ("name", "start_date", "end_date", "capacity", "unit_quota",
                                               "cost_vnd", "mode", "country") if k in request.POST}
    return _post_and_back(request, code, lambda: services.class_update(actor=actor, training_class=tc, **fields),
                          _("Đã cập nhật lớp."))


@require_POST
@actor_required()
def class_transition(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    tc = selectors.class_get(actor=actor, code=code)
    target = request.POST.get("status", "")
    return _post_and_back(request, code,
                          lambda: services.class_transition(actor=actor, training_class=tc, target=target,
                                                            reason=request.POST.get("reason", "")),
                          _("Đã chuyển trạng thái lớp."))


@require_POST
@actor_required()
def session_create(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    tc = selectors.class_get(actor=actor, code=code)
    p = request.POST
    lecturer_id = p.get("lecturer", "")
    lecturer = Lecturer.objects.filter(pk=int(lecturer_id)).first() if lecturer_id.isdigit() else None
    return _post_and_back(request, code, lambda: services.session_create(
        actor=actor, training_class=tc, date=p.get("date"), start_time=p.get("start_time"),
        end_time=p.get("end_time"), room=p.get("room", ""), online_link=p.get("online_link", ""),
        lecturer=lecturer, topic=p.get("topic", "")), _("Đã thêm buổi học."))


def _person_from_post(request: HttpRequest) -> Any:
    return person_get(actor=actor_of(request), code=request.POST.get("person", "").strip())


@require_POST
@actor_required()
def enrol(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    tc = selectors.class_get(actor=actor, code=code)
    return _post_and_back(request, code, lambda: services.enrolment_create(
        actor=actor, training_class=tc, person=_person_from_post(request)), _("Đã ghi danh học viên."))


@require_POST
@actor_required()
def nominate(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    tc = selectors.class_get(actor=actor, code=code)
    return _post_and_back(request, code, lambda: services.nomination_create(
        actor=actor, training_class=tc, person=_person_from_post(request)), _("Đã cử cán bộ đi học."))


@require_POST
@actor_required()
def enrolment_action(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    actor = actor_of(request)
    e = selectors.enrolment_get(actor=actor, pk=pk)
    actions = {
        "approve": (lambda: services.nomination_approve(actor=actor, enrolment=e), _("Đã duyệt.")),
        "withdraw": (lambda: services.enrolment_withdraw(actor=actor, enrolment=e), _("Đã rút học viên.")),
        "certificate": (lambda: services.certificate_issue(actor=actor, enrolment=e),
                        _("Đã cấp giấy chứng nhận.")),
    }
    if verb not in actions:
        raise Http404
    action, success = actions[verb]
    return _post_and_back(request, e.training_class.code, action, success)


@require_POST
@actor_required()
def attendance_save(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    tc = selectors.class_get(actor=actor, code=code)
    present = []
    for key in request.POST:
        if key.startswith("att-"):
            parts = key.split("-")
            if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
                present.append((int(parts[1]), int(parts[2])))
    return _post_and_back(request, code, lambda: services.attendance_grid_record(
        actor=actor, training_class=tc, present=present), _("Đã lưu điểm danh."))


@require_POST
@actor_required()
def component_create(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    tc = selectors.class_get(actor=actor, code=code)
    return _post_and_back(request, code, lambda: services.component_create(
        actor=actor, training_class=tc, name=request.POST.get("name", ""), weight=request.POST.get("weight") or 1),
        _("Đã thêm bài kiểm tra."))


@require_POST
@actor_required()
def scores_save(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    tc = selectors.class_get(actor=actor, code=code)
    values = {}
    for key, value in request.POST.items():
        if key.startswith("score-"):
            parts = key.split("-")
            if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
                values[(int(parts[1]), int(parts[2]))] = value
    return _post_and_back(request, code, lambda: services.scores_grid_record(
        actor=actor, training_class=tc, values=values), _("Đã lưu điểm."))


@require_POST
@actor_required()
def results_finalise(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    tc = selectors.class_get(actor=actor, code=code)
    return _post_and_back(request, code, lambda: services.results_finalise(
        actor=actor, training_class=tc, completed_on=request.POST.get("completed_on") or None),
        _("Đã xét kết quả."))


@require_POST
@actor_required()
def certificate_action(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    actor = actor_of(request)
    cert = selectors.certificate_get(actor=actor, pk=pk)
    ground, note = request.POST.get("ground", ""), request.POST.get("note", "")
    if verb == "revoke":
        action, success = (lambda: services.certificate_revoke(actor=actor, certificate=cert, ground=ground,
                                                               note=note)), _("Đã thu hồi giấy chứng nhận.")
    elif verb == "reissue":
        action, success = (lambda: services.certificate_reissue(actor=actor, certificate=cert, ground=ground,
                                                                note=note)), _("Đã cấp lại giấy chứng nhận.")
    else:
        raise Http404
    return _post_and_back(request, cert.enrolment.training_class.code, action, success)


@actor_required()
def certificate_download(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    cert = selectors.certificate_get(actor=actor, pk=pk)
    verify_url = request.build_absolute_uri(reverse("certificate-verify", args=[cert.verification_code]))
    response = HttpResponse(certificate_pdf(cert, verify_url), content_type="application/pdf")
    safe = cert.serial.replace("/", "-")
    response["Content-Disposition"] = f'inline; filename="giay-chung-nhan-{safe}.pdf"'
    return response


def verify(request: HttpRequest, code: str) -> HttpResponse:
    """Public (no sign-in): what the certificate says and whether it is still valid."""
    try:
        result = selectors.certificate_verify(verification_code=code)
    except NotFound:
        return render(request, "training/verify.html", {"result": None, "code": code}, status=404)
    return render(request, "training/verify.html", {"result": result, "code": code})


# --- learner self-service ---------------------------------------------------------------------
def _gaps_url(person_code: str) -> str | None:
    for args in ([person_code], []):
        try:
            return reverse("standards:person-gaps", args=args)
        except NoReverseMatch:
            continue
    return None


@actor_required()
def my_learning(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if actor.person_id is None:
        raise Http404
    from cadretrain.people.models import Person

    person = Person.objects.visible_to(actor).filter(pk=actor.person_id).first()
    if person is None:
        raise Http404
    _, enrolments = selectors.person_enrolments(actor=actor, person_code=person.code)
    return render(request, "training/my_learning.html", {
        "person": person, "enrolments": enrolments, "certificates": selectors.my_certificates(actor=actor),
        "pending": selectors.feedback_pending(actor=actor), "gaps_url": _gaps_url(person.code),
    })


@actor_required(Action.GIVE_FEEDBACK)
def feedback_form(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    e = selectors.enrolment_get(actor=actor, pk=pk)
    lecturers = Lecturer.objects.filter(
        pk__in=ClassSession.objects.visible_to(actor).filter(training_class_id=e.training_class_id)
        .values("lecturer_id")).order_by("search_key")
    if request.method == "POST":
        p = request.POST
        try:
            services.feedback_submit(
                actor=actor, enrolment=e, relevance=p.get("relevance"), content=p.get("content"),
                organisation=p.get("organisation"), comment=p.get("comment", ""),
                lecturer_scores={lec.pk: p.get(f"lecturer-{lec.pk}") for lec in lecturers},
            )
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise Http404 from None
            flash_domain_error(request, exc)
        else:
            messages.success(request, _("Cảm ơn bạn đã gửi đánh giá."))
            return redirect("training:my-learning")
    return render(request, "training/feedback_form.html", {"e": e, "lecturers": lecturers,
                                                           "scale": range(1, 6), "values": request.POST})


@actor_required()
def feedback_overview(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if actor.role is Role.LEARNER:
        raise Http404
    return render(request, "training/feedback_overview.html",
                  {"overview": selectors.feedback_overview(actor=actor)})


@actor_required()
def person_classes(request: HttpRequest, code: str) -> HttpResponse:
    """HTML fragment for the person page: the person's visible enrolments."""
    actor = actor_of(request)
    person, enrolments = selectors.person_enrolments(actor=actor, person_code=code)
    return render(request, "training/_person_classes.html", {"person": person, "enrolments": enrolments,
                                                              "today": timezone.localdate()})
