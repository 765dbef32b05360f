"""People pages: the scoped list with search, a person's profile, and the writes officers make
through people/services.py (the same services as the API and the importer)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from cadretrain.core.audit import history_for
from cadretrain.core.choices import Category, ManagementTier
from cadretrain.core.errors import error_message
from cadretrain.core.scoping import scope_key
from cadretrain.core.web import IdsFirst, actor_of, actor_required, paginate
from cadretrain.domain.access import Action, Actor
from cadretrain.domain.errors import DomainError, NotAllowed
from cadretrain.org.models import OrgUnit
from cadretrain.org.selectors import unit_choices, unit_get, visible_unit_ids
from cadretrain.people import selectors, services
from cadretrain.people.forms import (
    FIELD_OF_ERROR,
    CredentialForm,
    PersonCreateForm,
    PersonForm,
    TransferForm,
)
from cadretrain.people.models import Person

PER_PAGE = 50
HISTORY_LIMIT = 100
SENSITIVE_FIELDS = {"national_id"}


@actor_required()
def person_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    params = {
        "q": request.GET.get("q", "").strip(),
        "unit": request.GET.get("unit", "").strip(),
        "category": request.GET.get("category", "").strip(),
        "tier": request.GET.get("tier", "").strip(),
        "left": request.GET.get("left") == "1",
    }
    people = selectors.person_list(
        actor=actor, unit_code=params["unit"] or None, q=params["q"] or None,
        category=params["category"] or None, management_tier=params["tier"] or None,
        include_left=params["left"],
    )
    page = paginate(request, IdsFirst(people), per_page=PER_PAGE,
                    count_key=("people", scope_key(actor), tuple(params.items()), timezone.localdate()))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "people/person_list.html", {
        "page": page,
        "params": params,
        "query": query.urlencode(),
        "units": unit_choices(actor=actor),
        "categories": Category.choices,
        "tiers": ManagementTier.choices,
        "can_create": actor.can(Action.MANAGE_PEOPLE),
    })


def _can_manage(actor: Actor, person: Person) -> bool:
    return actor.can(Action.MANAGE_PEOPLE) and actor.covers_unit_path(person.unit.path)


@actor_required()
def person_detail(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    person = selectors.person_get(actor=actor, code=code)
    assignments = list(selectors.person_assignments(actor=actor, person=person))
    linkable = visible_unit_ids(actor=actor, ids={a.unit_id for a in assignments} | {person.unit_id})
    return render(request, "people/person_detail.html", {
        "person": person,
        "show_national_id": actor.can(Action.VIEW_SENSITIVE),
        "assignments": assignments,
        "linkable_units": linkable,
        "credentials": list(selectors.person_credentials(actor=actor, person=person)),
        "abroad": _abroad_participations(actor, person),
        "history": _history(actor, person, sensitive=actor.can(Action.VIEW_SENSITIVE)),
        "can_manage": _can_manage(actor, person),
    })


def _action_labels() -> dict[str, str]:
    return {
        "create": _("Tạo mới"),
        "update": _("Cập nhật"),
        "transfer": _("Điều chuyển"),
        "credential_add": _("Thêm văn bằng, chứng chỉ"),
        "credential_withdraw": _("Thu hồi trình độ do hủy chứng chỉ"),
        "credential_rebase": _("Chuyển căn cứ trình độ sang chứng chỉ khác"),
        "credential_restore": _("Khôi phục trình độ khi cấp lại chứng chỉ"),
    }


def _abroad_participations(actor: Actor, person: Person) -> list[Any]:
    """The person's delegations abroad with their service commitment (one query)."""
    from cadretrain.abroad.selectors import person_participations

    return list(person_participations(actor=actor, person_id=person.pk))


def _mask(value: Any) -> Any:
    return f"{'•' * 8}{str(value)[-4:]}" if value else value


def _history(actor: Actor, person: Person, *, sensitive: bool) -> list[Any]:
    """The record's audit events with readable change lines (unit ids named in one query);
    national IDs stay masked in the history too for roles that may not see them."""
    events = list(history_for(person)[:HISTORY_LIMIT])
    unit_ids = {
        pk for e in events if e.action == "transfer"
        for pk in (e.changes.get("unit") or []) if isinstance(pk, int)
    }
    names = dict(OrgUnit.objects.visible_to(actor).filter(pk__in=unit_ids).values_list("pk", "name")) if unit_ids else {}
    labels = _action_labels()
    for e in events:
        e.label = labels.get(e.action, e.action)
        lines = []
        for key, value in (e.changes or {}).items():
            if key == "new":
                continue
            if key == "unit" and isinstance(value, list) and len(value) == 2:
                lines.append((key, names.get(value[0], "…"), names.get(value[1], "…")))
            elif key == "credential" and isinstance(value, dict):
                lines.append((key, "", "{dimension} {level} {issued_on}".format(**{
                    k: value.get(k, "") for k in ("dimension", "level", "issued_on")})))
            elif key in SENSITIVE_FIELDS and not sensitive:
                old, new = value if isinstance(value, list) and len(value) == 2 else ("", value)
                lines.append((key, _mask(old), _mask(new)))
            elif isinstance(value, list) and len(value) == 2:
                lines.append((key, value[0], value[1]))
            else:
                lines.append((key, "", value))
        e.lines = lines
    return events


def _apply_domain_error(form: forms.Form, exc: DomainError) -> int:
    """Show a service's refusal on the form; the status tells tests and scripts what happened."""
    field = FIELD_OF_ERROR.get(exc.code)
    form.add_error(field if field in form.fields else None, error_message(exc))
    return 403 if isinstance(exc, NotAllowed) else 200


def _form_page(request: HttpRequest, form: forms.Form, title: str, person: Person | None = None,
               status: int = 200, submit: str | None = None) -> HttpResponse:
    return render(request, "people/person_form.html", {
        "form": form, "title": title, "person": person, "submit": submit or _("Lưu"),
    }, status=status)


@actor_required(Action.MANAGE_PEOPLE)
def person_create(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    initial: dict[str, Any] = {"unit": request.GET.get("unit", "")}
    form = PersonCreateForm(request.POST or None, actor=actor, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            unit = unit_get(actor=actor, code=form.cleaned_data["unit"])
            person = services.person_create(
                actor=actor, code=form.cleaned_data["code"], unit=unit,
                position=form.cleaned_data["position"], **form.person_fields(),
            )
        except DomainError as exc:
            status = _apply_domain_error(form, exc)
        else:
            messages.success(request, _("Đã thêm cán bộ {name}.").format(name=person.full_name))
            return redirect("people:person-detail", code=person.code)
    return _form_page(request, form, _("Thêm cán bộ"), status=status)


def _managed_person(request: HttpRequest, code: str) -> tuple[Actor, Person]:
    """The visible person an officer is about to change (404 when invisible, 403 when read-only)."""
    actor = actor_of(request)
    person = selectors.person_get(actor=actor, code=code)
    if not _can_manage(actor, person):
        raise PermissionDenied
    return actor, person


@actor_required(Action.MANAGE_PEOPLE)
def person_edit(request: HttpRequest, code: str) -> HttpResponse:
    actor, person = _managed_person(request, code)
    initial = {name: getattr(person, name) for name in PersonForm.base_fields}
    form = PersonForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.person_update(actor=actor, person=person, **form.person_fields())
        except DomainError as exc:
            status = _apply_domain_error(form, exc)
        else:
            messages.success(request, _("Đã lưu thay đổi."))
            return redirect("people:person-detail", code=person.code)
    return _form_page(request, form, _("Sửa thông tin: {name}").format(name=person.full_name),
                      person=person, status=status)


@actor_required(Action.MANAGE_PEOPLE)
def credential_add(request: HttpRequest, code: str) -> HttpResponse:
    actor, person = _managed_person(request, code)
    form = CredentialForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.credential_add(actor=actor, person=person, **form.cleaned_data)
        except DomainError as exc:
            status = _apply_domain_error(form, exc)
        else:
            messages.success(request, _("Đã thêm văn bằng, chứng chỉ."))
            return redirect("people:person-detail", code=person.code)
    return _form_page(request, form, _("Thêm văn bằng, chứng chỉ: {name}").format(name=person.full_name),
                      person=person, status=status)


@actor_required(Action.MANAGE_PEOPLE)
def person_transfer(request: HttpRequest, code: str) -> HttpResponse:
    actor, person = _managed_person(request, code)
    form = TransferForm(request.POST or None, actor=actor,
                        initial={"unit": person.unit.code, "position": person.position_id})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            unit = unit_get(actor=actor, code=form.cleaned_data["unit"])
            services.person_transfer(actor=actor, person=person, unit=unit,
                                     position=form.cleaned_data["position"], on=form.cleaned_data["on"])
        except DomainError as exc:
            status = _apply_domain_error(form, exc)
        else:
            messages.success(request, _("Đã điều chuyển {name} sang {unit}.").format(
                name=person.full_name, unit=unit.name))
            return redirect("people:person-detail", code=person.code)
    return _form_page(request, form, _("Điều chuyển: {name}").format(name=person.full_name),
                      person=person, status=status, submit=_("Điều chuyển"))
