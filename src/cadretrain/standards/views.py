"""Standards pages: the gap overview (unit roll-up and heatmap), one person's gap panel (an HTML
fragment for the person page), the standards library with versions and the edit form, and
eligibility for a post. Thin: every read and write goes through evaluation/selectors/services."""

from __future__ import annotations

import datetime as dt
import json

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from cadretrain.core.choices import LEVEL_LABELS, RequirementDimension
from cadretrain.core.errors import message_for
from cadretrain.core.web import actor_of, actor_required, flash_domain_error
from cadretrain.domain import validation as v
from cadretrain.domain.access import Action
from cadretrain.domain.errors import DomainError, NotAllowed
from cadretrain.standards import selectors
from cadretrain.standards.evaluation import (
    eligible_for_position,
    evaluate_workforce_cached,
    person_report,
)
from cadretrain.standards.forms import StandardVersionForm
from cadretrain.standards.services import (
    StandardRowsInvalid,
    parse_requirement_lines,
    standard_version_create,
)

DIMENSION_LABELS = dict(RequirementDimension.choices)
HEATMAP_MAX_ROWS = 80


def _as_of(request: HttpRequest) -> dt.date:
    try:
        return v.parse_date(request.GET.get("as_of")) or timezone.localdate()
    except v.FieldError as exc:
        flash_domain_error(request, exc)
        return timezone.localdate()


@actor_required()
def gap_overview(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    as_of = _as_of(request)
    unit_code = (request.GET.get("unit") or "").strip() or None
    result = evaluate_workforce_cached(actor=actor, as_of=as_of, unit_code=unit_code)
    units = result.by_unit
    if unit_code:
        roots = [units[unit_code]]
    else:
        roots = sorted((u for u in units.values() if u.parent_code not in units), key=lambda u: u.path)
    root_codes = {r.code for r in roots}
    children = sorted((u for u in units.values() if u.parent_code in root_codes),
                      key=lambda u: (-u.subtree_people, u.code))
    rows = [*roots, *children]
    dims = [d for d in RequirementDimension.values
            if any(u.subtree_gaps_by_dimension.get(d) for u in rows)]
    heat_rows = [u for u in (children or roots) if u.subtree_people][:HEATMAP_MAX_ROWS]
    figure = None
    if dims and heat_rows:
        figure = {
            "data": [{
                "type": "heatmap", "colorscale": "Reds", "zmin": 0, "zmax": 100,
                "x": [str(DIMENSION_LABELS.get(d, d)) for d in dims],
                "y": [u.name for u in heat_rows],
                "z": [[round(100 * u.subtree_gaps_by_dimension.get(d, 0) / u.subtree_people, 1) for d in dims]
                      for u in heat_rows],
                "hovertemplate": "%{y}<br>%{x}: %{z}%<extra></extra>",
            }],
            "layout": {
                "title": {"text": _("% số người chưa đạt theo loại yêu cầu")},
                "height": max(300, 28 * len(heat_rows) + 140), "margin": {"l": 260, "t": 50},
                "yaxis": {"autorange": "reversed"},
            },
        }
    by_dim = {}
    for g in result.gaps:
        by_dim[g.dimension] = by_dim.get(g.dimension, 0) + 1
    return render(request, "standards/gap_overview.html", {
        "result": result, "as_of": as_of, "unit_code": unit_code or "", "roots": roots,
        "children": children, "dims": [(d, DIMENSION_LABELS.get(d, d)) for d in dims],
        "figure_json": json.dumps(figure, ensure_ascii=False) if figure else "",
        "gaps_by_dimension": sorted(((DIMENSION_LABELS.get(d, d), n) for d, n in by_dim.items()),
                                    key=lambda kv: -kv[1]),
    })


@actor_required()
def person_gaps(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    as_of = _as_of(request)
    report = person_report(actor=actor, person_code=code, as_of=as_of)
    standards = []
    for rule in report.rules:
        groups = [r for r in report.results if r.standard_code == rule.code]
        standards.append({
            "rule": rule, "met": all(g.met for g in groups),
            "groups": [{"result": g, "programmes": report.programmes.get((rule.code, g.group), [])}
                       for g in groups],
        })
    # The person page swaps the fragment in with htmx; a plain visit gets a whole page.
    template = "standards/_person_gaps.html" if getattr(request, "htmx", False) else "standards/person_gaps_page.html"
    return render(request, template, {
        "report": report, "standards": standards, "as_of": as_of,
        "level_labels": LEVEL_LABELS, "dimension_labels": DIMENSION_LABELS,
    })


@actor_required()
def standard_list(request: HttpRequest) -> HttpResponse:
    as_of = _as_of(request)
    return render(request, "standards/standard_list.html", {
        "summaries": selectors.standard_summaries(as_of=as_of), "as_of": as_of,
        "can_manage": actor_of(request).can(Action.MANAGE_STANDARDS),
    })


def _save_version(request: HttpRequest, form: StandardVersionForm) -> bool:
    """Create a version from a valid form; on refusal put the reasons on the form."""
    data = form.cleaned_data
    try:
        standard_version_create(
            actor=actor_of(request), code=data["code"], name=data["name"],
            position_code=data["position_code"], category=data["category"],
            management_tier=data["management_tier"], valid_from=data["valid_from"],
            valid_to=data["valid_to"], legal_basis=data["legal_basis"],
            requirements=parse_requirement_lines(data["requirements"]),
        )
    except StandardRowsInvalid as exc:
        for _row, column, code, params in exc.errors:
            field = column if column in form.fields else ("requirements" if column in (
                "group", "dimension", "min_level", "language") else None)
            form.add_error(field, message_for(code, params))
        return False
    except NotAllowed:
        raise
    except DomainError as exc:
        form.add_error(None, message_for(exc.code, exc.params))
        return False
    messages.success(request, _("Đã lưu phiên bản tiêu chuẩn {code}.").format(code=data["code"]))
    return True


@actor_required(Action.MANAGE_STANDARDS)
def standard_create(request: HttpRequest) -> HttpResponse:
    form = StandardVersionForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _save_version(request, form):
        return redirect("standards:standard-detail", code=form.cleaned_data["code"])
    return render(request, "standards/standard_form.html", {"form": form})


@actor_required()
def standard_detail(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_of(request)
    versions = selectors.standard_versions(code=code)
    can_manage = actor.can(Action.MANAGE_STANDARDS)
    latest = versions[-1]
    initial = {
        "code": code, "name": latest.name, "position_code": latest.position.code if latest.position else "",
        "category": latest.category, "management_tier": latest.management_tier,
        "legal_basis": latest.legal_basis,
        "requirements": "\n".join(
            "; ".join(x for x in (r.group, r.dimension, r.min_level, r.language) if x)
            for r in latest.requirements.all()
        ),
    }
    form = None
    if request.method == "POST":
        if not can_manage:
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        form = StandardVersionForm(request.POST)
        if form.is_valid():
            if form.cleaned_data["code"] != code:
                form.add_error("code", message_for("standard_not_found"))
            elif _save_version(request, form):
                return redirect("standards:standard-detail", code=code)
    elif can_manage:
        form = StandardVersionForm(initial=initial)
    today = timezone.localdate()
    return render(request, "standards/standard_detail.html", {
        "code": code, "versions": versions, "latest": latest, "form": form, "today": today,
        "level_labels": LEVEL_LABELS, "dimension_labels": DIMENSION_LABELS,
    })


@actor_required()
def eligibility(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    as_of = _as_of(request)
    position_code = (request.GET.get("position") or "").strip()
    unit_code = (request.GET.get("unit") or "").strip() or None
    result = page = None
    if position_code:
        result = eligible_for_position(actor=actor, position_code=position_code, as_of=as_of, unit_code=unit_code)
        page = Paginator(result.eligible, 50).get_page(request.GET.get("page"))
    return render(request, "standards/eligibility.html", {
        "positions": selectors.positions_with_standards(), "position_code": position_code,
        "unit_code": unit_code or "", "as_of": as_of, "result": result, "page": page,
    })
