"""Reads behind the reports: the training summary of a period, the city dashboard (from the
summary cube) and the drill-down lists, always within what the actor may see.

Scoping (decided here, used everywhere in reports): for an actor scoped to a unit subtree,
*classes* are the classes they may see — organised by a unit of the subtree or attended by one of
its people (TrainingClass.visible_to) — while *enrolments, learners and completions* are only
those of the subtree's people (Enrolment.visible_to). So a city-wide class that three of the
ward's people attended counts as one class with three learners in the ward's report, never with
the other wards' learners. The same rule applies to a unit filter chosen by a city admin."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from cadretrain.core import versions
from cadretrain.core.choices import ManagementTier
from cadretrain.core.scoping import get_visible_or_404, scope_key
from cadretrain.domain.access import Actor, Role
from cadretrain.domain.errors import DomainError
from cadretrain.org.models import OrgUnit
from cadretrain.people.models import Person
from cadretrain.reports import learner_days
from cadretrain.reports.models import LearnerDay, UnitClass
from cadretrain.reports.summaries import SERIES_SQL, year_sql
from cadretrain.training.models import Enrolment, TrainingClass

COUNTED = ~Q(status="WITHDRAWN")
LLCT_HIGH = ("CAO_CAP", "CU_NHAN", "CAO_CAP_LLCT_HANH_CHINH")

# Dashboard series, in the order the city publishes them (codes are stable; labels in views).
SERIES = (
    "LLCT_CAO_CAP", "LLCT_TRUNG_CAP", "POLITICAL_THEORY", "STATE_MANAGEMENT", "PROFESSIONAL",
    "UNDERGRADUATE", "POSTGRADUATE", "FOREIGN_LANGUAGE", "IT", "DIGITAL", "KNOWLEDGE_UPDATE",
    "DEFENCE_SECURITY", "PARTY_BUILDING", "SOFT_SKILLS", "ABROAD",
)

# Terms of the City Party Committee (nhiệm kỳ Đại hội Đảng bộ thành phố): the Standing
# Committee's cadres are expected to be updated within the term.
TERMS = ((dt.date(2015, 10, 1), dt.date(2020, 9, 30)), (dt.date(2020, 10, 1), dt.date(2025, 9, 30)),
         (dt.date(2025, 10, 1), dt.date(2030, 9, 30)))


def series_of(kind: str, level: str | None, country: str = "VN") -> str:
    """The dashboard series of a programme kind and level (abroad is a separate series)."""
    if kind == "POLITICAL_THEORY" and level in LLCT_HIGH:
        return "LLCT_CAO_CAP"
    if kind == "POLITICAL_THEORY" and level == "TRUNG_CAP":
        return "LLCT_TRUNG_CAP"
    return kind


def series_q(series: str, prefix: str = "") -> Q:
    """ORM filter on classes (or, with a prefix, on a relation to classes) for one series."""
    p = prefix
    if series == "ABROAD":
        return ~Q(**{f"{p}country": "VN"})
    if series == "LLCT_CAO_CAP":
        return Q(**{f"{p}programme__kind": "POLITICAL_THEORY", f"{p}programme__grants_level__in": LLCT_HIGH})
    if series == "LLCT_TRUNG_CAP":
        return Q(**{f"{p}programme__kind": "POLITICAL_THEORY", f"{p}programme__grants_level": "TRUNG_CAP"})
    if series == "POLITICAL_THEORY":
        return Q(**{f"{p}programme__kind": "POLITICAL_THEORY"}) & ~Q(
            **{f"{p}programme__grants_level__in": (*LLCT_HIGH, "TRUNG_CAP")})
    return Q(**{f"{p}programme__kind": series})


def check_period(date_from: dt.date | None, date_to: dt.date | None) -> tuple[dt.date, dt.date]:
    if date_from is None or date_to is None:
        raise DomainError("report_period_required")
    if date_from > date_to:
        raise DomainError("report_period_reversed", date_from=date_from.isoformat(), date_to=date_to.isoformat())
    return date_from, date_to


# --- training summary (spec/interfaces.md `report summary`) ----------------------------------


def training_summary(*, actor: Actor, date_from: dt.date | None, date_to: dt.date | None) -> dict[str, Any]:
    """The `report summary` document: classes started in the period and their (visible)
    enrolments by kind and level, abroad, management tiers, and compliance with standards."""
    doc = summary_figures(actor=actor, date_from=date_from, date_to=date_to)
    compliance = workforce_compliance(actor=actor, as_of=dt.date.fromisoformat(doc["to"]))
    doc["compliance"] = {"people": compliance.people, "meeting_standards": compliance.meeting_standards}
    return doc


def training_summary_cached(*, actor: Actor, date_from: dt.date | None, date_to: dt.date | None) -> dict[str, Any]:
    """`training_summary` as the page and the API read it: computed once per (viewer's scope,
    period) and reused until people, units, classes, enrolments, credentials, programmes or
    standards change (core.versions). Computing it evaluates the whole visible workforce against
    the standards (~0.25 s at S, 2–3 s at L). Shared between requests: callers must not modify it."""
    key = ("report_summary", scope_key(actor), date_from, date_to)
    return versions.cached(key, lambda: training_summary(actor=actor, date_from=date_from, date_to=date_to))


def summary_figures(*, actor: Actor, date_from: dt.date | None, date_to: dt.date | None) -> dict[str, Any]:
    """The training figures of the summary (everything but compliance). For a city-wide actor
    or a unit's officer or viewer, a calendar year is read from the summary cube (exact distinct
    learners per row are kept there as "K:" series) and any other period from the learners'
    summary days (reports.learner_days); for other actors from the raw rows of the period."""
    date_from, date_to = check_period(date_from, date_to)
    year_aligned = (date_from.year == date_to.year and (date_from.month, date_from.day) == (1, 1)
                    and (date_to.month, date_to.day) == (12, 31))
    kept = actor.is_city_wide or bool(actor.unit_path and actor.role in (Role.UNIT_OFFICER, Role.VIEWER))
    if kept and year_aligned:
        rows, abroad = _summary_rows_from_cube(actor, date_from.year)
    elif kept:
        rows, abroad = _summary_rows_from_days(actor, date_from, date_to)
    else:
        rows, abroad = _summary_rows_from_raw(actor, date_from, date_to)
    return {
        "from": date_from.isoformat(), "to": date_to.isoformat(),
        "rows": [rows[k] for k in sorted(rows)],
        "abroad": abroad,
        "tiers": _tier_figures(actor, date_from, date_to, from_days=kept),
    }


def _row(rows: dict[tuple[str, str], dict[str, Any]], kind: str, level: str | None) -> dict[str, Any]:
    return rows.setdefault((kind, level or ""), {
        "kind": kind, "level": level or None, "classes": 0, "enrolments": 0, "learners": 0, "completed": 0})


def _summary_rows_from_raw(actor: Actor, date_from: dt.date, date_to: dt.date) -> tuple[dict, dict[str, int]]:
    classes = report_classes(actor).filter(start_date__gte=date_from, start_date__lte=date_to)
    enrolments = Enrolment.objects.visible_to(actor).filter(
        COUNTED, training_class__start_date__gte=date_from, training_class__start_date__lte=date_to,
    )
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for r in classes.order_by().values("programme__kind", "programme__grants_level").annotate(n=Count("pk")):
        _row(rows, r["programme__kind"], r["programme__grants_level"])["classes"] = r["n"]
    for r in (
        enrolments.order_by().values("training_class__programme__kind", "training_class__programme__grants_level")
        .annotate(enrolments=Count("pk"), learners=Count("person_id", distinct=True),
                  completed=Count("pk", filter=Q(status="COMPLETED")))
    ):
        target = _row(rows, r["training_class__programme__kind"], r["training_class__programme__grants_level"])
        target.update(enrolments=r["enrolments"], learners=r["learners"], completed=r["completed"])
    abroad = {
        "classes": classes.exclude(country="VN").count(),
        "learners": enrolments.exclude(training_class__country="VN").values("person_id").distinct().count(),
    }
    return rows, abroad


def _summary_rows_from_cube(actor: Actor, year: int) -> tuple[dict, dict[str, int]]:
    scope = report_scope(actor=actor)
    where_s, p_s = _scope_sql(scope, "sc")
    where_l, p_l = _scope_sql(scope, "lc")
    parts = [
        f"""SELECT 'A' AS part, p.kind AS kind, p.grants_level AS lvl, CASE WHEN sc.abroad THEN 1 ELSE 0 END AS abroad,
               SUM(sc.classes) AS classes, SUM(sc.enrolments) AS enrolments, SUM(sc.completed) AS completed
        FROM reports_summarycell sc JOIN catalogue_programme p ON p.id = sc.programme_id
        WHERE {where_s} AND sc.year = %s GROUP BY p.kind, p.grants_level, sc.abroad""",
        f"""SELECT 'B', lc.series, '', 0, SUM(lc.learners), 0, 0 FROM reports_learnercell lc
        WHERE {where_l} AND lc.year = %s AND (lc.series LIKE 'K:%%' OR lc.series = 'ABROAD') GROUP BY lc.series""",
    ]
    params: list[object] = [*p_s, year, *p_l, year]
    if scope.path is not None:
        inner, extra = _scoped_classes_inner(actor, scope, year, year)
        flag = "CASE WHEN x.r_country <> 'VN' THEN 1 ELSE 0 END"
        parts.append(f"""SELECT 'D', x.r_kind, x.r_level, {flag}, COUNT(*), 0, 0 FROM ({inner}) x
            GROUP BY x.r_kind, x.r_level, {flag}""")
        params += extra
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    abroad = {"classes": 0, "learners": 0}
    learners: dict[str, int] = {}
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        result = cursor.fetchall()
    for part, kind, lvl, is_abroad, classes, enrolments, completed in result:
        if part == "A":
            row = _row(rows, kind, lvl)
            row["enrolments"] += int(enrolments or 0)
            row["completed"] += int(completed or 0)
        if part == "A" and scope.path is None or part == "D":
            if not (enrolments or completed or classes) and part == "A":
                continue
            _row(rows, kind, lvl)["classes"] += int(classes or 0)
            if is_abroad:
                abroad["classes"] += int(classes or 0)
        elif part == "B":
            learners[kind] = int(classes or 0)
    abroad["learners"] = learners.pop("ABROAD", 0)
    for key, n in learners.items():
        _k, kind, lvl = key.split(":", 2)
        _row(rows, kind, lvl)["learners"] = n
    # Cube rows exist for withdrawn-only groups: keep only rows the raw definition would have.
    rows = {k: r for k, r in rows.items() if r["classes"] or r["enrolments"]}
    return rows, abroad


def _summary_rows_from_days(actor: Actor, date_from: dt.date, date_to: dt.date) -> tuple[dict, dict[str, int]]:
    scope = report_scope(actor=actor)
    figures = learner_days.series_figures(date_from=date_from, date_to=date_to, unit_path=scope.path)
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for series, (enrolments, completed, learners) in figures.items():
        if series.startswith("K:"):
            _k, kind, level = series.split(":", 2)
            _row(rows, kind, level).update(enrolments=enrolments, completed=completed, learners=learners)
    abroad = {"classes": 0, "learners": figures.get(learner_days.ABROAD, (0, 0, 0))[2]}
    classes = scoped_classes(actor=actor, scope=scope, years=(date_from.year, date_to.year)).filter(
        start_date__gte=date_from, start_date__lte=date_to)
    for r in (classes.order_by().values("programme__kind", "programme__grants_level")
              .annotate(n=Count("pk"), abroad=Count("pk", filter=~Q(country="VN")))):
        _row(rows, r["programme__kind"], r["programme__grants_level"])["classes"] = r["n"]
        abroad["classes"] += r["abroad"]
    return rows, abroad


def _tier_figures(actor: Actor, date_from: dt.date, date_to: dt.date, *,
                  from_days: bool = False) -> dict[str, dict[str, int]]:
    """People per management tier employed at `to`, and those of them trained abroad / with a
    completed knowledge update in the period: `from_days`, from the learners' summary days of
    the actor's scope; otherwise from the period's enrolments (start-date index)."""
    tiers = {t.value: {"people": 0, "trained_abroad": 0, "knowledge_updated": 0} for t in ManagementTier}
    # "Not without a tier": the few people in one are found through their partial index.
    people = Person.objects.visible_to(actor).employed_on(date_to).exclude(management_tier="")
    for tier, n in people.order_by().values_list("management_tier").annotate(n=Count("pk")):
        tiers[tier]["people"] = n
    if from_days:
        learners = learner_days.tier_learners(date_from=date_from, date_to=date_to,
                                              unit_path=report_scope(actor=actor).path, tiers=list(tiers))
        for (tier, series), n in learners.items():
            tiers[tier]["trained_abroad" if series == learner_days.ABROAD else "knowledge_updated"] = n
        return tiers
    # Conditions on the joined person (not `person__in=<subquery>`), so that the planner drives
    # the join from the period's classes through the start-date index.
    period = Enrolment.objects.visible_to(actor).filter(
        Q(person__joined_on__isnull=True) | Q(person__joined_on__lte=date_to),
        Q(person__left_on__isnull=True) | Q(person__left_on__gt=date_to),
        training_class__start_date__gte=date_from, training_class__start_date__lte=date_to,
        person__management_tier__in=[t.value for t in ManagementTier],
    )
    abroad = period.filter(COUNTED).exclude(training_class__country="VN")
    updated = period.filter(status="COMPLETED", training_class__programme__kind="KNOWLEDGE_UPDATE")
    for key, qs in (("trained_abroad", abroad), ("knowledge_updated", updated)):
        for tier, n in (qs.order_by().values_list("person__management_tier")
                        .annotate(n=Count("person_id", distinct=True))):
            tiers[tier][key] = n
    return tiers


def workforce_compliance(*, actor: Actor, as_of: dt.date, unit_code: str | None = None):  # type: ignore[no-untyped-def]
    """How many of the visible workforce meet the standards on `as_of`, per unit (the counts of
    `evaluate_workforce`, read from the compliance kept per day: cadretrain.standards.compliance)."""
    from cadretrain.standards.compliance import compliance_rollup

    return compliance_rollup(actor=actor, as_of=as_of, unit_code=unit_code)


# --- scope of a report --------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Whose figures a report shows: the whole city (path None) or a unit subtree."""

    path: str | None
    unit_code: str | None = None
    unit_name: str | None = None

    @property
    def key(self) -> str:
        return self.path or "*"


def report_scope(*, actor: Actor, unit_code: str | None = None) -> Scope:
    """The actor's own scope, narrowed to a visible unit's subtree when one is asked for
    (NotFound when the unit is missing or out of scope)."""
    if unit_code:
        unit = get_visible_or_404(OrgUnit.objects.all(), actor, code=unit_code)
        return Scope(unit.path, unit.code, unit.name)
    if actor.is_city_wide:
        return Scope(None)
    if actor.unit_path:
        return Scope(actor.unit_path)
    return Scope("/none/")  # learners and institution staff have no unit dashboard


def scoped_classes(*, actor: Actor, scope: Scope, years: tuple[int, int] | None = None) -> QuerySet[TrainingClass]:
    """Classes of the scope: organised by a unit of the subtree or attended by its people.

    "Attended" is read from UnitClass (the classes of each unit's people, per class year, kept
    equal to the enrolments): from the enrolments themselves it meant every enrolment of the
    subtree's people in every year, 0.5–2 s for a large district at L on PostgreSQL. `years`
    (first, last) narrows those rows to the classes' years; the caller still filters the
    classes' dates.

    An officer's or viewer's own subtree (or a unit inside it) is not passed through
    `TrainingClass.visible_to` as well: what it adds there — classes open for nominations from
    any unit — is not the subtree's, and organised-or-attended within the actor's subtree is
    already a part of what the actor may see."""
    if scope.path is None:
        return TrainingClass.objects.visible_to(actor)
    attended = UnitClass.objects.filter(unit__path__startswith=scope.path)
    if years is not None:
        attended = attended.filter(year__gte=years[0], year__lte=years[1])
    own = Q(organizer_unit__path__startswith=scope.path) | Q(pk__in=attended.values("training_class_id"))
    inside_own_subtree = (actor.role in (Role.UNIT_OFFICER, Role.VIEWER) and bool(actor.unit_path)
                          and scope.path.startswith(actor.unit_path or ""))
    if actor.is_city_wide or inside_own_subtree:
        return TrainingClass.objects.filter(own)
    return TrainingClass.objects.visible_to(actor).filter(own)


def report_classes(actor: Actor) -> QuerySet[TrainingClass]:
    """The classes an actor's reports count: for a unit's officer or viewer those organised or
    attended by their subtree (not the open classes of other units they may see to nominate),
    city-wide every class, an institution its own."""
    if actor.is_city_wide or (actor.role in (Role.UNIT_OFFICER, Role.VIEWER) and actor.unit_path):
        return scoped_classes(actor=actor, scope=report_scope(actor=actor))
    return TrainingClass.objects.visible_to(actor)


def scoped_enrolments(*, actor: Actor, scope: Scope) -> QuerySet[Enrolment]:
    """Enrolments of the scope's people."""
    qs = Enrolment.objects.visible_to(actor)
    if scope.path:
        qs = qs.filter(person__unit__path__startswith=scope.path)
    return qs


# --- dashboard (reads the cube) ---------------------------------------------------------------


@dataclass
class SeriesYear:
    classes: int = 0
    learners: int = 0
    enrolments: int = 0
    completed: int = 0
    failed: int = 0
    periods: int = 0


@dataclass
class UnitFigures:
    path: str
    code: str
    name: str
    enrolments: int = 0
    completed: int = 0
    learners_sum: int = 0  # summed per programme: an attendance-like figure, not distinct


@dataclass
class Dashboard:
    scope: Scope
    year_from: int
    year_to: int
    series: str | None
    years: list[int]
    # (year, series or "ALL") -> figures
    cells: dict[tuple[int, str], SeriesYear] = field(default_factory=dict)
    units: list[UnitFigures] = field(default_factory=list)
    people: dict[str, Any] = field(default_factory=dict)

    def total(self, series: str = "ALL") -> SeriesYear:
        out = SeriesYear()
        for year in self.years:
            cell = self.cells.get((year, series))
            if cell:
                out.classes += cell.classes
                out.enrolments += cell.enrolments
                out.completed += cell.completed
                out.failed += cell.failed
                out.periods += cell.periods
        # Distinct learners cannot be summed over years: shown for the last year only.
        last = self.cells.get((self.year_to, series))
        out.learners = last.learners if last else 0
        return out


def _scope_sql(scope: Scope, alias: str) -> tuple[str, list[object]]:
    if scope.path is None:
        return f"{alias}.unit_id IS NULL", []
    return f"{alias}.unit_id IN (SELECT id FROM org_orgunit WHERE path LIKE %s)", [scope.path + "%"]


def dashboard(*, actor: Actor, scope: Scope, year_from: int, year_to: int, series: str | None = None,
              today: dt.date | None = None) -> Dashboard:
    """City dashboard figures for a scope and range of years from the summary cube, in one
    query for the cube (plus one for the people figures, cached)."""
    if year_from > year_to:
        raise DomainError("report_period_reversed", date_from=str(year_from), date_to=str(year_to))
    if series and series not in SERIES:
        raise DomainError("report_unknown_series", series=series)
    board = Dashboard(scope, year_from, year_to, series, list(range(year_from, year_to + 1)))
    parts: list[str] = []
    params: list[object] = []
    where_s, p_s = _scope_sql(scope, "sc")
    # A: enrolment figures per year, programme and abroad (≤ years × programmes × 2 rows).
    parts.append(
        f"""SELECT 'A' AS part, sc.year AS year, p.kind AS kind, p.grants_level AS lvl,
               CASE WHEN sc.abroad THEN 1 ELSE 0 END AS abroad, SUM(sc.classes) AS classes,
               SUM(sc.learners) AS learners, SUM(sc.enrolments) AS enrolments, SUM(sc.completed) AS completed,
               SUM(sc.failed) AS failed, SUM(sc.periods) AS periods, '' AS path
        FROM reports_summarycell sc JOIN catalogue_programme p ON p.id = sc.programme_id
        WHERE {where_s} AND sc.year BETWEEN %s AND %s
        GROUP BY sc.year, p.kind, p.grants_level, sc.abroad"""
    )
    params += [*p_s, year_from, year_to]
    # B: distinct learners per year and series (summable over units).
    where_l, p_l = _scope_sql(scope, "lc")
    parts.append(
        f"""SELECT 'B', lc.year, lc.series, '', 0, 0, SUM(lc.learners), 0, 0, 0, 0, ''
        FROM reports_learnercell lc WHERE {where_l} AND lc.year BETWEEN %s AND %s AND lc.series NOT LIKE 'K:%%'
        GROUP BY lc.year, lc.series"""
    )
    params += [*p_l, year_from, year_to]
    # C: figures per unit of the scope (for the by-unit table), summed in the selected series;
    # E: the names of the root and its children, which the unit rows are rolled up into.
    unit_where = "u.path LIKE %s" if scope.path else "1 = 1"
    where_c, p_c = (_scope_sql(scope, "sc") if scope.path else ("sc.unit_id IS NOT NULL", []))
    series_filter, series_params = "", []
    if series == "ABROAD":
        series_filter = " AND sc.abroad"
    elif series:
        series_filter = f" AND sc.programme_id IN (SELECT p.id FROM catalogue_programme p WHERE {SERIES_SQL} = %s)"
        series_params = [series]
    parts.append(
        f"""SELECT 'C', 0, '', '', 0, 0, agg.learners, agg.enrolments, agg.completed, 0, 0, u.path
        FROM (SELECT sc.unit_id AS unit_id, SUM(sc.learners) AS learners, SUM(sc.enrolments) AS enrolments,
                     SUM(sc.completed) AS completed
              FROM reports_summarycell sc
              WHERE {where_c} AND sc.year BETWEEN %s AND %s{series_filter}
              GROUP BY sc.unit_id) agg
        JOIN org_orgunit u ON u.id = agg.unit_id"""
    )
    params += [*p_c, year_from, year_to, *series_params]
    child_depth = scope.path.count("/") - 1 if scope.path else 1  # depth of the root's children
    parts.append(
        f"""SELECT 'E', u.depth, u.code, u.name, 0, 0, 0, 0, 0, 0, 0, u.path FROM org_orgunit u
        WHERE {unit_where} AND u.depth <= %s"""
    )
    params += [*([scope.path + "%"] if scope.path else []), child_depth]
    # D: classes of a unit scope come from the classes themselves (a class mixes units).
    if scope.path is not None:
        classes_sql, classes_params = _scoped_classes_sql(actor, scope, year_from, year_to)
        parts.append(classes_sql)
        params += classes_params
    sql = " UNION ALL ".join(parts)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        result = cursor.fetchall()

    cells = board.cells
    units: dict[str, UnitFigures] = {}
    heads: dict[str, tuple[str, str]] = {}
    for part, year, kind, lvl, abroad, classes, learners, enrolments, completed, failed, periods, path in result:
        if part == "A":
            targets = [series_of(kind, lvl), "ALL"] + (["ABROAD"] if abroad else [])
            for s in targets:
                cell = cells.setdefault((int(year), s), SeriesYear())
                if scope.path is None:
                    cell.classes += int(classes or 0)
                cell.enrolments += int(enrolments or 0)
                cell.completed += int(completed or 0)
                cell.failed += int(failed or 0)
                cell.periods += int(periods or 0)
        elif part == "B":
            cells.setdefault((int(year), kind), SeriesYear()).learners = int(learners or 0)
        elif part == "C":
            units[path] = UnitFigures(path, "", "", int(enrolments or 0), int(completed or 0), int(learners or 0))
        elif part == "E":
            heads[path] = (kind, lvl)
        elif part == "D":
            targets = [series_of(kind, lvl), "ALL"] + (["ABROAD"] if abroad else [])
            for s in targets:
                cells.setdefault((int(year), s), SeriesYear()).classes += int(classes or 0)
    board.units = _roll_up_children(scope, units, heads)
    board.people = people_figures(actor=actor, scope=scope, year_to=year_to, today=today)
    return board


def dashboard_cached(*, actor: Actor, scope: Scope, year_from: int, year_to: int,
                     series: str | None = None) -> Dashboard:
    """`dashboard` as the pages and the API read it: reused in this process until the data
    changes (core.versions: any committed change to people, classes or enrolments raises the
    counter). At L the cube query sums every unit's rows of the period (35 ms for the city over
    five years on SQLite, 85 ms over all years); a leader's dashboard is read far more often
    than the figures change, and a change shows on the next request. The result is shared
    between requests: callers must not modify it."""
    day = timezone.localdate()
    key = ("dashboard", scope_key(actor), scope.key, year_from, year_to, series, day)
    return versions.cached(key, lambda: dashboard(actor=actor, scope=scope, year_from=year_from,
                                                  year_to=year_to, series=series, today=day))


def _scoped_classes_inner(actor: Actor, scope: Scope, year_from: int, year_to: int) -> tuple[str, list[object]]:
    """SQL of the scope's classes in the years (r_start, r_country, r_kind, r_level), compiled
    from the same queryset as the drill-down list so that the two always agree."""
    qs = scoped_classes(actor=actor, scope=scope, years=(year_from, year_to)).filter(
        start_date__gte=dt.date(year_from, 1, 1), start_date__lte=dt.date(year_to, 12, 31)
    ).order_by().values(r_start=F("start_date"), r_country=F("country"), r_kind=F("programme__kind"),
                        r_level=F("programme__grants_level"))
    inner, params = qs.query.sql_with_params()
    return inner, list(params)


def _scoped_classes_sql(actor: Actor, scope: Scope, year_from: int, year_to: int) -> tuple[str, list[object]]:
    """Part D of the dashboard query: the scope's classes per year, kind, level and abroad."""
    inner, params = _scoped_classes_inner(actor, scope, year_from, year_to)
    year = year_sql("x.r_start")
    abroad = "CASE WHEN x.r_country <> 'VN' THEN 1 ELSE 0 END"
    sql = f"""SELECT 'D', {year}, x.r_kind, x.r_level, {abroad}, COUNT(*), 0, 0, 0, 0, 0, ''
        FROM ({inner}) x GROUP BY {year}, x.r_kind, x.r_level, {abroad}"""
    return sql, params


def _roll_up_children(scope: Scope, units: dict[str, UnitFigures],
                      heads: dict[str, tuple[str, str]]) -> list[UnitFigures]:
    """Unit rows summed into the scope root's children (people of the root unit itself stay on
    the root's row). City-wide, the root is the top unit (the city)."""
    target = (scope.path.count("/") - 1 if scope.path else 1) + 1  # ids in a child's path
    out: dict[str, UnitFigures] = {}
    for path, fig in units.items():
        cut = 0
        for _ in range(target):  # the prefix up to the target-th id, without splitting
            nxt = path.find("/", cut + 1)
            if nxt < 0:
                break
            cut = nxt
        key = path[: cut + 1]
        agg = out.get(key)
        if agg is None:
            code, name = heads.get(key, ("", ""))
            agg = out[key] = UnitFigures(key, code, name)
        agg.enrolments += fig.enrolments
        agg.completed += fig.completed
        agg.learners_sum += fig.learners_sum
    return sorted((u for u in out.values() if u.enrolments), key=lambda u: (-u.enrolments, u.code))


# --- people figures (compliance, Standing Committee's cadres), cached --------------------------


def term_of(day: dt.date) -> tuple[dt.date, dt.date]:
    for start, end in TERMS:
        if start <= day <= end:
            return start, end
    return TERMS[-1]


def people_figures(*, actor: Actor, scope: Scope, year_to: int, today: dt.date | None = None) -> dict[str, Any]:
    """Compliance with standards (today) and Standing-Committee cadres updated / trained abroad
    in the term, for the scope. Cached in the database per (scope, day, term): the evaluation is
    a workforce-wide computation; the cache is emptied by every enrolment, credential or person
    change and kept at most CACHE_SECONDS (standards may change without a signal)."""
    from cadretrain.reports.models import DashboardCache

    day = today or timezone.localdate()
    term = term_of(min(day, dt.date(year_to, 12, 31)))
    key = f"people:{actor.role}:{actor.unit_path or actor.institution_id or actor.person_id}:{scope.key}:{day}:{term[0]}"
    fresh_after = timezone.now() - dt.timedelta(seconds=CACHE_SECONDS)
    hit = DashboardCache.objects.filter(key=key, computed_at__gte=fresh_after).values_list("value", flat=True).first()
    if hit is not None:
        return hit
    value = _compute_people_figures(actor=actor, scope=scope, day=day, term=term)
    DashboardCache.objects.update_or_create(key=key, defaults={"value": value, "computed_at": timezone.now()})
    return value


CACHE_SECONDS = 600


def btv_people(*, actor: Actor, scope: Scope, day: dt.date, term: tuple[dt.date, dt.date]) -> QuerySet[Person]:
    """Standing-Committee-managed cadres of the scope employed on `day`, flagged with whether
    they completed a knowledge update or joined a class abroad that started in the term.

    The flags are read from the learners' summary days (KU_DONE, ABROAD rows: the same
    definitions), a few rows per cadre through its key, rather than from each cadre's few hundred
    enrolments and their classes (~150 ms at L on either database, paid after every change)."""
    def in_term(series: str) -> QuerySet[LearnerDay]:
        return LearnerDay.objects.filter(person=OuterRef("pk"), day__gte=term[0], day__lte=term[1], series=series)

    # "Not without a tier" as well: the words that reach the partial index of the people in a
    # tier (2%) on SQLite, instead of a scan of everyone.
    qs = (Person.objects.visible_to(actor).employed_on(day).exclude(management_tier="")
          .filter(management_tier="BTV_THANH_UY"))
    if scope.path:
        qs = qs.filter(unit__path__startswith=scope.path)
    return qs.annotate(updated=Exists(in_term(learner_days.KNOWLEDGE_UPDATED)),
                       abroad=Exists(in_term(learner_days.ABROAD)))


def _compute_people_figures(*, actor: Actor, scope: Scope, day: dt.date, term: tuple[dt.date, dt.date]) -> dict[str, Any]:
    # Counted here rather than with aggregate(Count(filter=…)): PostgreSQL then evaluated each
    # EXISTS once per FILTER clause and row (480 ms city-wide at L against 126 ms for the rows,
    # which are the Standing Committee's few hundred cadres).
    flags = list(btv_people(actor=actor, scope=scope, day=day, term=term).order_by()
                 .values_list("updated", "abroad"))
    agg = {"people": len(flags), "updated_n": sum(1 for u, _ in flags if u), "abroad_n": sum(1 for _, a in flags if a)}
    result = workforce_compliance(actor=actor, as_of=day, unit_code=scope.unit_code)
    root = scope.unit_code
    rollups = list(result.by_unit.values())
    codes = {u.code for u in rollups}
    tops = [u for u in rollups if u.code == root] if root else [
        u for u in rollups if u.parent_code is None or u.parent_code not in codes]
    top_codes = {t.code for t in tops}
    # Each top unit's own people first, then its children with their whole subtrees.
    units = [
        {"code": u.code, "name": u.name, "people": u.people, "meeting": u.meeting,
         "gaps": dict(u.gaps_by_dimension), "own": True}
        for u in sorted(tops, key=lambda u: u.code) if u.people
    ] + [
        {"code": u.code, "name": u.name, "people": u.subtree_people, "meeting": u.subtree_meeting,
         "gaps": dict(u.subtree_gaps_by_dimension), "own": False}
        for u in sorted(rollups, key=lambda u: u.code) if u.parent_code in top_codes and u.subtree_people
    ]
    return {
        "as_of": day.isoformat(), "term": [term[0].isoformat(), term[1].isoformat()],
        "people": result.people, "meeting_standards": result.meeting_standards,
        "btv": {"people": agg["people"], "updated": agg["updated_n"], "abroad": agg["abroad_n"]},
        "units": units,
    }


# --- drill-down lists ----------------------------------------------------------------------------


def drill_classes(*, actor: Actor, scope: Scope, year_from: int, year_to: int,
                  series: str | None = None) -> QuerySet[TrainingClass]:
    """The classes behind a dashboard figure."""
    qs = scoped_classes(actor=actor, scope=scope, years=(year_from, year_to)).filter(
        start_date__gte=dt.date(year_from, 1, 1), start_date__lte=dt.date(year_to, 12, 31))
    if series:
        qs = qs.filter(series_q(series))
    return qs.select_related("programme", "organizer_unit").order_by("-start_date", "code")


def _status_q(status: str | None) -> Q:
    """The enrolments of a drill-down: one status, or every status but WITHDRAWN."""
    return Q(status=status) if status else COUNTED


def drill_enrolments(*, actor: Actor, scope: Scope, year_from: int, year_to: int, series: str | None = None,
                     status: str | None = None) -> QuerySet[Enrolment]:
    """The enrolments (learners) behind a dashboard figure; WITHDRAWN excluded unless asked."""
    qs = scoped_enrolments(actor=actor, scope=scope).filter(
        training_class__start_date__gte=dt.date(year_from, 1, 1),
        training_class__start_date__lte=dt.date(year_to, 12, 31))
    qs = qs.filter(_status_q(status))
    if series:
        qs = qs.filter(series_q(series, "training_class__"))
    return qs.select_related("person", "person__unit", "training_class", "training_class__programme").order_by(
        "-training_class__start_date", "training_class__code", "person__search_key")


def count_by_year(rows: list[tuple[int, int]]) -> dict[int, int]:
    out: dict[int, int] = defaultdict(int)
    for year, n in rows:
        out[year] += n
    return out


# Cube column counting each enrolment status (None: every status but WITHDRAWN, as the drill-down).
_STATUS_COLUMN = {None: "enrolments", "NOMINATED": "nominated", "ENROLLED": "enrolled", "COMPLETED": "completed",
                  "FAILED": "failed", "WITHDRAWN": "withdrawn"}


class DrillEnrolmentPages:
    """The learners behind a dashboard figure, for a paginator: `drill_enrolments` counted from
    the summary cube and sliced class by class.

    At L a district's learners over five years are ~50,000 enrolments of ~11,000 classes. Read as
    one ordered statement, PostgreSQL drove the join from the district's people (every enrolment
    of theirs, in any year) for the count and for every page: 2–4 s a page. Here the count is a
    sum of cube rows (equal to the raw rows by test) and a page walks the scope's classes in the
    list's order, reading the learners of a few classes at a time until the page is full."""

    FIRST_CHUNK = 50  # classes read for a page at first; the chunk grows fourfold each time

    def __init__(self, *, actor: Actor, scope: Scope, year_from: int, year_to: int, series: str | None = None,
                 status: str | None = None) -> None:
        self.actor, self.scope, self.years = actor, scope, (year_from, year_to)
        self.series, self.status = series, status
        self.rows = drill_enrolments(actor=actor, scope=scope, year_from=year_from, year_to=year_to,
                                     series=series, status=status)

    def count(self) -> int:
        column = _STATUS_COLUMN[self.status]
        where, params = _scope_sql(self.scope, "sc")
        sql = f"SELECT COALESCE(SUM(sc.{column}), 0) FROM reports_summarycell sc WHERE {where} AND sc.year BETWEEN %s AND %s"
        params = [*params, *self.years]
        if self.series == "ABROAD":
            sql += " AND sc.abroad"
        elif self.series:
            sql += f" AND sc.programme_id IN (SELECT p.id FROM catalogue_programme p WHERE {SERIES_SQL} = %s)"
            params.append(self.series)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return int(cursor.fetchone()[0])

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[Enrolment]:
        start, stop = window.start or 0, window.stop
        classes = list(drill_classes(actor=self.actor, scope=self.scope, year_from=self.years[0],
                                     year_to=self.years[1], series=self.series).values_list("pk", flat=True))
        # The learners' units are checked here rather than joined: with the subtree's path in the
        # statement PostgreSQL went back to driving it from the people (0.4 s for 50 classes).
        # The page's rows are then read through `drill_enrolments`, which is scoped as ever.
        units = (None if self.scope.path is None
                 else set(OrgUnit.objects.filter(path__startswith=self.scope.path).values_list("pk", flat=True)))
        in_classes = Enrolment.objects.filter(_status_q(self.status)).order_by(
            "-training_class__start_date", "training_class__code", "person__search_key")
        ids: list[int] = []
        chunk, at = self.FIRST_CHUNK, 0
        while at < len(classes) and (stop is None or len(ids) < stop):
            rows = in_classes.filter(training_class_id__in=classes[at:at + chunk]).values_list("pk", "person__unit_id")
            ids += [pk for pk, unit in rows if units is None or unit in units]
            at, chunk = at + chunk, chunk * 4
        page = ids[start:stop]
        found = {e.pk: e for e in self.rows.filter(pk__in=page)}
        return [found[pk] for pk in page if pk in found]
