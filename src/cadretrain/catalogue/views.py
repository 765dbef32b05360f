"""Catalogue pages: programmes (list, detail, admin edit), institutions and lecturers."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cadretrain.catalogue import selectors, services
from cadretrain.catalogue.models import ContentArea, Institution
from cadretrain.core.choices import LEVEL_CHOICES, Dimension, ProgrammeKind
from cadretrain.core.web import actor_of, actor_required, flash_domain_error, paginate
from cadretrain.domain.access import Action
from cadretrain.domain.errors import DomainError
from cadretrain.training.models import TrainingClass

PROGRAMME_FIELDS = ("name", "kind", "content_area", "grants_dimension", "grants_level", "grants_language",
                    "periods", "topics", "target_groups", "description", "min_component_score")


@actor_required()
def programme_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    g = request.GET
    qs = selectors.programme_list(q=g.get("q") or None, kind=g.get("kind") or None,
                                  content_area=g.get("content_area") or None)
    return render(request, "catalogue/programme_list.html", {
        "page": paginate(request, qs), "filters": g, "kinds": ProgrammeKind.choices,
        "areas": ContentArea.choices, "can_edit": actor.can(Action.MANAGE_CATALOGUE),
    })


@actor_required()
def programme_detail(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    programme = selectors.programme_get(code=code)
    classes = (TrainingClass.objects.visible_to(actor).filter(programme=programme)
               .select_related("organizer_unit").order_by("-start_date")[:50])
    return render(request, "catalogue/programme_detail.html", {
        "p": programme, "classes": classes, "can_edit": actor.can(Action.MANAGE_CATALOGUE),
        "topics": [t.strip() for t in programme.topics.split(";") if t.strip()],
    })


def _programme_form(request: HttpRequest, values: dict[str, Any], editing: bool) -> HttpResponse:
    return render(request, "catalogue/programme_form.html", {
        "values": values, "editing": editing, "kinds": ProgrammeKind.choices, "areas": ContentArea.choices,
        "dimensions": Dimension.choices, "levels": LEVEL_CHOICES,
    })


@actor_required(Action.MANAGE_CATALOGUE)
def programme_create(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    values: dict[str, Any] = {"requires_full_attendance": True, "min_component_score": "5", "periods": 0}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in ("code", *PROGRAMME_FIELDS)}
        values["requires_full_attendance"] = "requires_full_attendance" in request.POST
        try:
            code = values.pop("code")
            programme = services.programme_create(actor=actor, code=code, **values)
        except DomainError as exc:
            values["code"] = request.POST.get("code", "")
            flash_domain_error(request, exc)
        else:
            messages.success(request, _("Đã thêm chương trình {code}.").format(code=programme.code))
            return redirect(reverse("catalogue:programme-detail", args=[programme.code]))
    return _programme_form(request, values, editing=False)


@actor_required(Action.MANAGE_CATALOGUE)
def programme_edit(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    programme = selectors.programme_get(code=code)
    values: dict[str, Any] = {k: getattr(programme, k) for k in ("code", *PROGRAMME_FIELDS)}
    values["requires_full_attendance"] = programme.requires_full_attendance
    if request.method == "POST":
        data = {k: request.POST.get(k, "") for k in PROGRAMME_FIELDS}
        data["requires_full_attendance"] = "requires_full_attendance" in request.POST
        try:
            services.programme_update(actor=actor, programme=programme, **data)
        except DomainError as exc:
            values.update(data)
            flash_domain_error(request, exc)
        else:
            messages.success(request, _("Đã cập nhật chương trình."))
            return redirect(reverse("catalogue:programme-detail", args=[programme.code]))
    return _programme_form(request, values, editing=True)


@actor_required()
def institution_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if request.method == "POST" and actor.can(Action.MANAGE_CATALOGUE):
        try:
            services.institution_create(actor=actor, name=request.POST.get("name", ""),
                                        country=request.POST.get("country", "VN"),
                                        is_partner="is_partner" in request.POST,
                                        short_code=request.POST.get("short_code", ""))
        except DomainError as exc:
            flash_domain_error(request, exc)
        else:
            messages.success(request, _("Đã thêm cơ sở đào tạo."))
            return redirect("catalogue:institution-list")
    qs = selectors.institution_list(q=request.GET.get("q") or None)
    return render(request, "catalogue/institution_list.html", {
        "page": paginate(request, qs), "filters": request.GET, "can_edit": actor.can(Action.MANAGE_CATALOGUE)})


@actor_required()
def lecturer_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if request.method == "POST" and actor.can(Action.MANAGE_CATALOGUE):
        inst = request.POST.get("institution", "")
        try:
            services.lecturer_create(
                actor=actor, full_name=request.POST.get("full_name", ""),
                institution=Institution.objects.filter(pk=int(inst)).first() if inst.isdigit() else None,
                is_guest="is_guest" in request.POST, fields=request.POST.get("fields", ""))
        except DomainError as exc:
            flash_domain_error(request, exc)
        else:
            messages.success(request, _("Đã thêm giảng viên."))
            return redirect("catalogue:lecturer-list")
    year_raw = request.GET.get("year", "")
    year = int(year_raw) if year_raw.isdigit() else timezone.localdate().year
    page = paginate(request, selectors.lecturer_list(q=request.GET.get("q") or None))
    hours = selectors.lecturer_hours(year=year, lecturer_ids=[lec.pk for lec in page])
    for lec in page:
        lec.hours = round(hours.get(lec.pk, 0.0), 1)  # type: ignore[attr-defined]
    return render(request, "catalogue/lecturer_list.html", {
        "page": page, "filters": request.GET, "year": year, "can_edit": actor.can(Action.MANAGE_CATALOGUE),
        "institutions": Institution.objects.order_by("name")})
