"""Web pages of the reports app: the city dashboard, the period summary, form 10-BTCTW and the
drill-down lists behind every figure; each can be exported (XLSX, CSV; dashboard and form PDF).
Thin: everything is read through reports.selectors within the viewer's scope."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cadretrain.core.choices import EnrolmentStatus, ProgrammeKind
from cadretrain.core.errors import error_message
from cadretrain.core.web import actor_of, actor_required, paginate
from cadretrain.domain import validation as v
from cadretrain.domain.access import Action, Actor, Role
from cadretrain.domain.errors import DomainError
from cadretrain.reports import charts, exports, selectors
from cadretrain.reports.form10 import form10_cached

DASHBOARD_ROLES = (Role.CITY_ADMIN, Role.UNIT_OFFICER, Role.VIEWER)
EXPORTS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "csv": "text/csv; charset=utf-8", "pdf": "application/pdf"}


def _download(content: bytes, fmt: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=EXPORTS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


def _export_format(request: HttpRequest, allowed: tuple[str, ...]) -> str | None:
    fmt = request.GET.get("format") or None
    if fmt is not None and fmt not in allowed:
        raise DomainError("report_unknown_format", value=fmt)
    return fmt


def _int(value: str | None, default: int) -> int:
    if value in (None, ""):
        return default
    try:
        year = int(value)  # type: ignore[arg-type]
    except ValueError:
        raise DomainError("report_bad_year", value=value) from None
    if not 1945 <= year <= 2100:
        raise DomainError("report_bad_year", value=value)
    return year


def _safe_reverse(name: str, query: dict[str, Any] | None = None) -> str | None:
    try:
        url = reverse(name)
    except NoReverseMatch:
        return None
    return url + ("?" + urlencode({k: v for k, v in query.items() if v}) if query else "")


def _require_dashboard_role(actor: Actor) -> None:
    if actor.role not in DASHBOARD_ROLES:
        raise PermissionDenied


def dashboard_filters(request: HttpRequest) -> dict[str, Any]:
    """Period (years), unit subtree and kind from the query string; defaults: the last 5 years."""
    this_year = timezone.localdate().year
    year_to = _int(request.GET.get("year_to"), this_year)
    year_from = _int(request.GET.get("year_from"), year_to - 4)
    series = request.GET.get("series") or None
    if series and series not in selectors.SERIES:
        raise DomainError("report_unknown_series", series=series)
    return {"year_from": year_from, "year_to": year_to, "unit": (request.GET.get("unit") or "").strip() or None,
            "series": series}


def dashboard_context(request: HttpRequest, actor: Actor) -> dict[str, Any]:
    """Everything the dashboard needs (≤ 3 queries: the unit, the cube, the cached people figures)."""
    f = dashboard_filters(request)
    scope = selectors.report_scope(actor=actor, unit_code=f["unit"])
    board = selectors.dashboard_cached(actor=actor, scope=scope, year_from=f["year_from"], year_to=f["year_to"],
                                series=f["series"])
    base = {"year_from": f["year_from"], "year_to": f["year_to"], "unit": f["unit"]}
    people = board.people
    btv = people["btv"]

    def pct(a: int, b: int) -> float | None:
        return round(100.0 * a / b, 1) if b else None

    series_rows = []
    for s in ("ALL", *selectors.SERIES):
        cells = [board.cells.get((y, s)) for y in board.years]
        if s != "ALL" and not any(c and (c.classes or c.enrolments) for c in cells):
            continue
        total = board.total(s)
        q = {**base, "series": "" if s == "ALL" else s}
        series_rows.append({
            "code": s, "label": charts.SERIES_LABELS[s], "total": total,
            "years": [{"year": y, "cell": c,
                       "classes_url": _safe_reverse("reports:drill-classes", {**q, "year_from": y, "year_to": y}),
                       "learners_url": _safe_reverse("reports:drill-learners", {**q, "year_from": y, "year_to": y})}
                      for y, c in zip(board.years, cells, strict=True)],
            "classes_url": _safe_reverse("reports:drill-classes", q),
            "learners_url": _safe_reverse("reports:drill-learners", q),
            "completed_url": _safe_reverse("reports:drill-learners", {**q, "status": "COMPLETED"}),
        })
    sel = board.total(f["series"] or "ALL")
    q_sel = {**base, "series": f["series"]}
    units = [{**u, "pct": pct(u["meeting"], u["people"]),
              "url": _safe_reverse("reports:dashboard", {**q_sel, "unit": u["code"]}) if not u.get("own") else None}
             for u in people["units"]]
    return {
        "filters": f, "scope": scope, "board": board, "series_rows": series_rows,
        "series_label": charts.SERIES_LABELS[f["series"] or "ALL"],
        "series_choices": [(s, charts.SERIES_LABELS[s]) for s in selectors.SERIES],
        "years": board.years, "kpi": {
            "classes": sel.classes, "enrolments": sel.enrolments, "completed": sel.completed,
            "learners_last_year": sel.learners,
            "classes_url": _safe_reverse("reports:drill-classes", q_sel),
            "enrolments_url": _safe_reverse("reports:drill-learners", q_sel),
            "learners_url": _safe_reverse("reports:drill-learners", {**q_sel, "year_from": f["year_to"]}),
            "people": people["people"], "meeting": people["meeting_standards"],
            "meeting_pct": pct(people["meeting_standards"], people["people"]),
            "gaps_url": _safe_reverse("standards:gap-overview", {"unit": f["unit"]}),
            "btv_people": btv["people"], "btv_updated": btv["updated"], "btv_abroad": btv["abroad"],
            "btv_updated_pct": pct(btv["updated"], btv["people"]), "btv_abroad_pct": pct(btv["abroad"], btv["people"]),
            "btv_url": _safe_reverse("reports:drill-tier", {"unit": f["unit"], "year_to": f["year_to"]}),
            "term": people["term"], "as_of": people["as_of"],
        },
        "units": units,
        "unit_training": [
            {"unit": u, "url": _safe_reverse("reports:dashboard", {**q_sel, "unit": u.code})
             if u.path != scope.path else None}
            for u in board.units
        ],
        "figures": {
            "trend": charts.as_attr(charts.trend(board)),
            "by_series": charts.as_attr(charts.by_series(board)),
            # The charts show the 20 units that need attention most; the tables list them all.
            "compliance": charts.as_attr(charts.compliance_by_unit(
                sorted(units, key=lambda u: (u["pct"] if u["pct"] is not None else 100.0, u["code"]))[:20]))
            if units else None,
            "heatmap": charts.as_attr(charts.gap_heatmap(
                sorted(units, key=lambda u: (-sum(u["gaps"].values()), u["code"]))[:20])) if units else None,
        },
        "query": urlencode({k: v for k, v in {**base, "series": f["series"]}.items() if v}),
    }


def dashboard_table(ctx: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    headers = [_("Loại hình")]
    for y in ctx["years"]:
        headers += [_("Lớp {year}").format(year=y), _("Học viên {year}").format(year=y)]
    headers += [_("Tổng số lớp"), _("Tổng lượt học viên"), _("Hoàn thành")]
    rows = []
    for r in ctx["series_rows"]:
        row: list[Any] = [str(r["label"])]
        for y in r["years"]:
            row += [y["cell"].classes if y["cell"] else 0, y["cell"].learners if y["cell"] else 0]
        row += [r["total"].classes, r["total"].enrolments, r["total"].completed]
        rows.append(row)
    return headers, rows


@actor_required(Action.VIEW)
def dashboard_view(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    _require_dashboard_role(actor)
    try:
        fmt = _export_format(request, ("xlsx", "csv", "pdf"))
        ctx = dashboard_context(request, actor)
    except DomainError as exc:
        if exc.status == 404:
            raise
        return render(request, "reports/dashboard.html", {"error": error_message(exc)}, status=400)
    if fmt:
        if not actor.can(Action.EXPORT):
            raise PermissionDenied
        name = f"bao-cao-dao-tao-{ctx['filters']['year_from']}-{ctx['filters']['year_to']}"
        if fmt == "pdf":
            return _download(exports.html_to_pdf(render_to_string("reports/dashboard_print.html", ctx, request)),
                             fmt, name)
        headers, rows = dashboard_table(ctx)
        title = _("Kết quả đào tạo, bồi dưỡng {a}–{b}").format(a=ctx["filters"]["year_from"], b=ctx["filters"]["year_to"])
        return _download(exports.table_xlsx(title, headers, rows) if fmt == "xlsx" else exports.table_csv(headers, rows),
                         fmt, name)
    return render(request, "reports/dashboard.html", ctx)


@actor_required(Action.VIEW)
def summary_view(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    _require_dashboard_role(actor)
    today = timezone.localdate()
    raw_from = request.GET.get("from") or dt.date(today.year, 1, 1).isoformat()
    raw_to = request.GET.get("to") or today.isoformat()
    ctx: dict[str, Any] = {"date_from": raw_from, "date_to": raw_to}
    try:
        fmt = _export_format(request, ("xlsx", "csv"))
        doc = selectors.training_summary_cached(actor=actor, date_from=v.parse_date(raw_from),
                                                date_to=v.parse_date(raw_to))
    except DomainError as exc:
        ctx["error"] = error_message(exc)
        return render(request, "reports/summary.html", ctx, status=400)
    headers, rows = exports.summary_table(doc)
    if fmt:
        if not actor.can(Action.EXPORT):
            raise PermissionDenied
        title = _("Tổng hợp đào tạo, bồi dưỡng {a} – {b}").format(a=doc["from"], b=doc["to"])
        name = f"tong-hop-{doc['from']}-{doc['to']}"
        return _download(exports.table_xlsx(title, headers, rows) if fmt == "xlsx" else exports.table_csv(headers, rows),
                         fmt, name)
    ctx.update(doc=doc, headers=headers, rows=rows, query=urlencode({"from": raw_from, "to": raw_to}))
    return render(request, "reports/summary.html", ctx)


@actor_required(Action.VIEW)
def form10_view(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    _require_dashboard_role(actor)
    try:
        fmt = _export_format(request, ("xlsx", "csv", "pdf"))
        year = _int(request.GET.get("year"), timezone.localdate().year - 1)
        form = form10_cached(actor=actor, year=year)
    except DomainError as exc:
        return render(request, "reports/form10.html", {"error": error_message(exc)}, status=400)
    if fmt:
        if not actor.can(Action.EXPORT):
            raise PermissionDenied
        content = {"xlsx": exports.form10_xlsx, "csv": exports.form10_csv, "pdf": exports.form10_pdf}[fmt](form)
        return _download(content, fmt, f"bieu-10-BTCTW-{year}")
    return render(request, "reports/form10.html", {**exports.form10_context(form), "year": year})


def _bad_input_is_400(view: Any) -> Any:
    """A DomainError from the filters (bad year, unknown kind or format) is a 400 page, not a 500."""
    from functools import wraps

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except DomainError as exc:
            if exc.status == 404:
                raise
            return render(request, "reports/error.html", {"error": error_message(exc)}, status=400)

    return wrapped


def _drill_common(request: HttpRequest) -> tuple[Actor, dict[str, Any], selectors.Scope]:
    actor = actor_of(request)
    _require_dashboard_role(actor)
    f = dashboard_filters(request)
    scope = selectors.report_scope(actor=actor, unit_code=f["unit"])
    return actor, f, scope


@actor_required(Action.VIEW)
@_bad_input_is_400
def drill_classes_view(request: HttpRequest) -> HttpResponse:
    actor, f, scope = _drill_common(request)
    fmt = _export_format(request, ("xlsx", "csv"))
    qs = selectors.drill_classes(actor=actor, scope=scope, year_from=f["year_from"], year_to=f["year_to"],
                                 series=f["series"])
    headers = [_("Mã lớp"), _("Tên lớp"), _("Chương trình"), _("Loại"), _("Đơn vị tổ chức"), _("Quốc gia"),
               _("Ngày bắt đầu"), _("Ngày kết thúc"), _("Đã ghi danh")]
    kinds = dict(ProgrammeKind.choices)

    def rows(items: Any) -> Any:
        for c in items:
            yield [c.code, c.name, c.programme.name, str(kinds.get(c.programme.kind, c.programme.kind)),
                   c.organizer_unit.name, c.country, c.start_date, c.end_date, c.enrolled]

    if fmt:
        if not actor.can(Action.EXPORT):
            raise PermissionDenied
        items = qs.iterator(chunk_size=2000)
        content = exports.table_xlsx(_("Danh sách lớp"), headers, rows(items)) if fmt == "xlsx" else \
            exports.table_csv(headers, rows(items))
        return _download(content, fmt, "danh-sach-lop")
    page = paginate(request, qs)
    return render(request, "reports/drill_classes.html", {
        "page": page, "filters": f, "scope": scope, "series_label": charts.SERIES_LABELS[f["series"] or "ALL"],
        "query": urlencode({k: v for k, v in f.items() if v}),
        "class_url": _safe_reverse("training:class-list"),
    })


@actor_required(Action.VIEW)
@_bad_input_is_400
def drill_learners_view(request: HttpRequest) -> HttpResponse:
    actor, f, scope = _drill_common(request)
    fmt = _export_format(request, ("xlsx", "csv"))
    status = request.GET.get("status") or None
    if status and status not in EnrolmentStatus.values:
        raise DomainError("report_unknown_series", series=status)
    qs = selectors.drill_enrolments(actor=actor, scope=scope, year_from=f["year_from"], year_to=f["year_to"],
                                    series=f["series"], status=status)
    headers = [_("Mã cán bộ"), _("Họ và tên"), _("Đơn vị"), _("Mã lớp"), _("Chương trình"), _("Ngày bắt đầu"),
               _("Trạng thái"), _("Điểm")]
    statuses = dict(EnrolmentStatus.choices)

    def rows(items: Any) -> Any:
        for e in items:
            yield [e.person.code, e.person.full_name, e.person.unit.name, e.training_class.code,
                   e.training_class.programme.name, e.training_class.start_date, str(statuses[e.status]),
                   e.score]

    if fmt:
        if not actor.can(Action.EXPORT):
            raise PermissionDenied
        items = qs.iterator(chunk_size=2000)
        content = exports.table_xlsx(_("Danh sách học viên"), headers, rows(items)) if fmt == "xlsx" else \
            exports.table_csv(headers, rows(items))
        return _download(content, fmt, "danh-sach-hoc-vien")
    page = paginate(request, selectors.DrillEnrolmentPages(
        actor=actor, scope=scope, year_from=f["year_from"], year_to=f["year_to"], series=f["series"], status=status))
    return render(request, "reports/drill_learners.html", {
        "page": page, "filters": f, "scope": scope, "status": status,
        "status_label": statuses.get(status) if status else None,
        "series_label": charts.SERIES_LABELS[f["series"] or "ALL"],
        "query": urlencode({k: v for k, v in {**f, "status": status}.items() if v}),
    })


@actor_required(Action.VIEW)
@_bad_input_is_400
def drill_tier_view(request: HttpRequest) -> HttpResponse:
    """Standing-Committee-managed cadres of the scope with their update / abroad flags in the term."""
    actor, f, scope = _drill_common(request)
    fmt = _export_format(request, ("xlsx", "csv"))
    day = timezone.localdate()
    term = selectors.term_of(min(day, dt.date(f["year_to"], 12, 31)))
    qs = selectors.btv_people(actor=actor, scope=scope, day=day, term=term).select_related("unit").order_by(
        "search_key", "code")
    flag = request.GET.get("flag")
    if flag == "updated":
        qs = qs.filter(updated=True)
    elif flag == "abroad":
        qs = qs.filter(abroad=True)
    elif flag == "not_updated":
        qs = qs.filter(updated=False)
    headers = [_("Mã cán bộ"), _("Họ và tên"), _("Đơn vị"), _("Đã cập nhật kiến thức trong nhiệm kỳ"),
               _("Đã đào tạo, bồi dưỡng ở nước ngoài trong nhiệm kỳ")]

    def rows(items: Any) -> Any:
        for p in items:
            yield [p.code, p.full_name, p.unit.name, _("Có") if p.updated else _("Chưa"), _("Có") if p.abroad else _("Chưa")]

    if fmt:
        if not actor.can(Action.EXPORT):
            raise PermissionDenied
        content = exports.table_xlsx(_("Cán bộ diện Ban Thường vụ Thành ủy quản lý"), headers, rows(qs)) \
            if fmt == "xlsx" else exports.table_csv(headers, rows(qs))
        return _download(content, fmt, "can-bo-dien-btv")
    page = paginate(request, qs)
    return render(request, "reports/drill_tier.html", {
        "page": page, "filters": f, "scope": scope, "term": term, "flag": flag,
        "query": urlencode({k: v for k, v in {"unit": f["unit"], "year_to": f["year_to"], "flag": flag}.items() if v}),
    })
