"""Statutory form 10-BTCTW: "Thống kê kết quả đào tạo, bồi dưỡng cán bộ năm …" (domain brief §13).

Rows — a class is mapped to one row from its programme (kind, level), its mode and country:

* I.1 professional training: UNDERGRADUATE in Viet Nam without a foreign partner → "trong nước",
  abroad (country ≠ VN) → "ngoài nước", in Viet Nam with a partner institution → "liên kết";
  POSTGRADUATE granting THAC_SI → "Thạc sĩ", TIEN_SI → "Tiến sĩ".
* I.2 political theory: TRUNG_CAP full-time (TAP_TRUNG) → "hệ tập trung", otherwise (in-service,
  online) → "không tập trung"; CAO_CAP and CAO_CAP_LLCT_HANH_CHINH → "Cao cấp"; CU_NHAN → "Cử nhân".
* II fostering: PARTY_BUILDING → "xây dựng Đảng"; a PROFESSIONAL/SOFT_SKILLS programme whose name
  mentions "đoàn thể" → "đoàn thể"; STATE_MANAGEMENT in Viet Nam / abroad → "QLNN trong / ngoài
  nước"; a programme whose name mentions "quản lý kinh tế" → "Quản lý kinh tế" (the catalogue has
  no kind for these two; names are matched diacritic-free); FOREIGN_LANGUAGE → "Ngoại ngữ"; IT
  and DIGITAL → "Tin học"; KNOWLEDGE_UPDATE → "Cập nhật kiến thức mới"; DEFENCE_SECURITY →
  "Quốc phòng – an ninh", đối tượng 1–4 read from the programme name ("đối tượng 3"), otherwise
  from the learner: Politburo/Secretariat-managed → 1, Standing-Committee-managed → 2, other
  leaders → 3, everyone else → 4. Other programmes (soft skills, general professional) have no
  row on the form and are left out (`unmapped` in the JSON says how many learners that was).

Columns — learners are counted once per row and column (distinct people with a non-withdrawn
enrolment in a class of the row that started in the year). The column is the level of the
learner's unit *on the class start date* (their primary assignment then, else their current
unit): a unit that is, or lies under, a ward or commune → commune level ("cấp xã"); under a
district (before 2025-07-01) → district level ("cấp huyện"); anything else (the city, its
departments, Party bodies, public service units) → provincial level ("cấp tỉnh"). "Of which
leaders" are learners whose position then was a LEADERSHIP position, or who are managed by the
Politburo/Secretariat or the Standing Committee. Classes are counted by the level of the
organising unit: provincial → "do Tỉnh ủy mở", district or commune → "do Huyện ủy mở".

Two-tier local government (from 2025-07-01, districts abolished): for years after 2025 the
district columns are replaced by commune-level ones (learners: provincial, of which leaders,
commune, of which leaders; classes: opened at provincial level, at commune level). Years up to
2025 keep the original three-tier layout. Totals are the sums of their columns, as on the form.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cadretrain.core import versions
from cadretrain.core.scoping import scope_key
from cadretrain.domain.access import Actor, Role
from cadretrain.domain.errors import DomainError
from cadretrain.domain.text import fold
from cadretrain.org.models import OrgUnit
from cadretrain.people.models import Assignment
from cadretrain.reports.selectors import report_classes
from cadretrain.training.models import Enrolment

TWO_TIER_FROM_YEAR = 2026  # first whole year without districts (the reform took effect 2025-07-01)
PROVINCIAL, DISTRICT, COMMUNE = "provincial", "district", "commune"
_OBJECT = re.compile(r"doi tuong\s*([1-4])")


@dataclass(frozen=True)
class ClassInfo:
    kind: str
    level: str
    mode: str
    country: str
    partner: bool
    name_key: str


@dataclass(frozen=True)
class RowDef:
    code: str
    label: str
    depth: int
    match: Callable[[ClassInfo], bool] | None = None  # None: a heading summing its children
    defence_object: int | None = None


def _leaf(code: str, label: str, depth: int, match: Callable[[ClassInfo], bool]) -> RowDef:
    return RowDef(code, label, depth, match)


def _is(kind: str, *levels: str) -> Callable[[ClassInfo], bool]:
    return lambda c: c.kind == kind and (not levels or c.level in levels)


def row_defs() -> list[RowDef]:
    """The rows of the form in order, with their labels in the active language."""
    vn = lambda c: c.country == "VN"  # noqa: E731
    return [
        RowDef("I", _("I. ĐÀO TẠO"), 0),
        RowDef("I.1", _("1. Đào tạo chuyên môn"), 1),
        RowDef("I.1.1", _("Đại học"), 2),
        _leaf("I.1.1.a", _("- Trong nước"), 3, lambda c: c.kind == "UNDERGRADUATE" and vn(c) and not c.partner),
        _leaf("I.1.1.b", _("- Ngoài nước"), 3, lambda c: c.kind == "UNDERGRADUATE" and not vn(c)),
        _leaf("I.1.1.c", _("- Liên kết"), 3, lambda c: c.kind == "UNDERGRADUATE" and vn(c) and c.partner),
        _leaf("I.1.2", _("Thạc sĩ (tương đương)"), 2,
              lambda c: c.kind == "POSTGRADUATE" and c.level != "TIEN_SI"),
        _leaf("I.1.3", _("Tiến sĩ (tương đương)"), 2, _is("POSTGRADUATE", "TIEN_SI")),
        RowDef("I.2", _("2. Đào tạo lý luận chính trị"), 1),
        RowDef("I.2.1", _("Trung cấp lý luận chính trị"), 2),
        _leaf("I.2.1.a", _("- Hệ tập trung"), 3,
              lambda c: _is("POLITICAL_THEORY", "TRUNG_CAP")(c) and c.mode == "TAP_TRUNG"),
        _leaf("I.2.1.b", _("- Hệ không tập trung"), 3,
              lambda c: _is("POLITICAL_THEORY", "TRUNG_CAP")(c) and c.mode != "TAP_TRUNG"),
        _leaf("I.2.2", _("Cao cấp lý luận chính trị"), 2,
              _is("POLITICAL_THEORY", "CAO_CAP", "CAO_CAP_LLCT_HANH_CHINH")),
        _leaf("I.2.3", _("Cử nhân lý luận chính trị"), 2, _is("POLITICAL_THEORY", "CU_NHAN")),
        RowDef("II", _("II. BỒI DƯỠNG"), 0),
        _leaf("II.1", _("1. Nghiệp vụ công tác xây dựng Đảng"), 1, _is("PARTY_BUILDING")),
        _leaf("II.2", _("2. Nghiệp vụ công tác đoàn thể chính trị - xã hội"), 1,
              lambda c: c.kind in ("PROFESSIONAL", "SOFT_SKILLS") and "doan the" in c.name_key),
        RowDef("II.3", _("3. Quản lý nhà nước"), 1),
        _leaf("II.3.a", _("- Trong nước"), 2, lambda c: c.kind == "STATE_MANAGEMENT" and vn(c)),
        _leaf("II.3.b", _("- Ngoài nước"), 2, lambda c: c.kind == "STATE_MANAGEMENT" and not vn(c)),
        _leaf("II.4", _("4. Quản lý kinh tế"), 1,
              lambda c: c.kind not in ("STATE_MANAGEMENT", "POLITICAL_THEORY", "UNDERGRADUATE", "POSTGRADUATE")
              and "quan ly kinh te" in c.name_key),
        _leaf("II.5", _("5. Ngoại ngữ"), 1, _is("FOREIGN_LANGUAGE")),
        _leaf("II.6", _("6. Tin học"), 1, lambda c: c.kind in ("IT", "DIGITAL")),
        _leaf("II.7", _("7. Cập nhật kiến thức mới"), 1, _is("KNOWLEDGE_UPDATE")),
        RowDef("II.8", _("8. Quốc phòng - an ninh"), 1),
        *[RowDef(f"II.8.{n}", _("- Đối tượng {n}").format(n=n), 2, _is("DEFENCE_SECURITY"), defence_object=n)
          for n in (1, 2, 3, 4)],
    ]


@dataclass(frozen=True)
class Column:
    key: str
    number: int
    label: str


def columns(two_tier: bool) -> list[Column]:
    """Columns after the STT (1) and content (2) columns, numbered as on the paper form."""
    if two_tier:
        keys = [("total", _("Tổng số")), (PROVINCIAL, _("Cấp tỉnh")), ("provincial_leaders", _("Trong đó lãnh đạo")),
                (COMMUNE, _("Cấp xã")), ("commune_leaders", _("Trong đó lãnh đạo")),
                ("classes_total", _("Tổng số lớp")), ("classes_provincial", _("Do Thành ủy, Tỉnh ủy mở")),
                ("classes_commune", _("Do Đảng ủy xã, phường mở"))]
    else:
        keys = [("total", _("Tổng số")), (PROVINCIAL, _("Cấp tỉnh")), ("provincial_leaders", _("Trong đó lãnh đạo")),
                (DISTRICT, _("Cấp huyện")), ("district_leaders", _("Trong đó lãnh đạo")), (COMMUNE, _("Cấp xã")),
                ("classes_total", _("Tổng số lớp")), ("classes_provincial", _("Do Tỉnh ủy mở")),
                ("classes_district", _("Do Huyện ủy mở"))]
    return [Column(key, number, label) for number, (key, label) in enumerate(keys, start=3)]


@dataclass
class Form10:
    """The filled form for a year and a scope."""

    year: int
    two_tier: bool
    columns: list[Column]
    rows: list[tuple[RowDef, dict[str, int]]]
    unmapped_learners: int = 0
    scope_label: str = ""
    notes: list[str] = field(default_factory=list)

    def formula(self, key: str) -> str:
        num = {c.key: c.number for c in self.columns}
        if key == "total":
            parts = [PROVINCIAL, DISTRICT, COMMUNE] if not self.two_tier else [PROVINCIAL, COMMUNE]
            return "(" + "+".join(str(num[p]) for p in parts) + ")"
        if key == "classes_total":
            parts = ["classes_provincial", "classes_district" if not self.two_tier else "classes_commune"]
            return "(" + "+".join(str(num[p]) for p in parts) + ")"
        return ""

    def as_json(self) -> dict[str, Any]:
        return {
            "form": "10-BTCTW", "year": self.year, "layout": "two_tier" if self.two_tier else "three_tier",
            "columns": [{"number": c.number, "key": c.key, "label": c.label} for c in self.columns],
            "rows": [{"code": r.code, "label": r.label, "values": values} for r, values in self.rows],
            "unmapped_learners": self.unmapped_learners,
        }


def unit_levels() -> dict[int, str]:
    """Every unit's level (provincial / district / commune) from its kind and its ancestors'."""
    units = {pk: (kind, path) for pk, kind, path in OrgUnit.objects.values_list("pk", "kind", "path")}
    out = {}
    for pk, (_kind, path) in units.items():
        kinds = {units[int(i)][0] for i in path.strip("/").split("/") if i and int(i) in units}
        out[pk] = COMMUNE if kinds & {"WARD", "COMMUNE"} else DISTRICT if "DISTRICT" in kinds else PROVINCIAL
    return out


def form10_cached(*, actor: Actor, year: int) -> Form10:
    """`build_form10` as the page reads it: reused until the data changes (core.versions), per
    viewer's scope, year and language (the row labels are translated when the form is built).
    Shared between requests: do not modify."""
    key = ("form10", scope_key(actor), year, get_language())
    return versions.cached(key, lambda: build_form10(actor=actor, year=year))


def class_candidates(leaves: list[RowDef], info: ClassInfo) -> list[RowDef]:
    """The rows a class may fall in, in form order, up to the first that does not depend on the
    learner (a defence row does, through its object): the per-enrolment step then tests one or
    two rows instead of every row's predicate."""
    candidates = []
    for row in leaves:
        if row.match(info):  # type: ignore[misc]
            candidates.append(row)
            if row.defence_object is None:
                break
    return candidates


def learner_row(candidates: list[RowDef], obj_match: re.Match[str] | None, tier: str | None,
                leader: bool) -> RowDef | None:
    """The row one learner's enrolment in a class counts in (None: the class has no row)."""
    for row in candidates:
        if row.defence_object is not None:
            obj = int(obj_match.group(1)) if obj_match else (
                1 if tier == "BCT_BBT" else 2 if tier == "BTV_THANH_UY" else 3 if leader else 4)
            if obj != row.defence_object:
                continue
        return row
    return None


def is_leader(position_kind: str | None, tier: str | None) -> bool:
    return position_kind == "LEADERSHIP" or tier in ("BCT_BBT", "BTV_THANH_UY")


def learner_column(level: str, two_tier: bool) -> str:
    """The learner column of a unit level in a year's layout (districts count as communes in
    two-tier years)."""
    return COMMUNE if two_tier and level == DISTRICT else level


def build_form10(*, actor: Actor, year: int) -> Form10:
    """Form 10-BTCTW for a calendar year, over the classes and people the actor may see.

    City-wide and for a unit's officer or viewer, the learner columns are read from
    `Form10Person` (each learner's cells of the year, kept equal to the raw rows by
    reports.form10_cells): a few hundred groups instead of the year's ~200,000–400,000 enrolments at L.
    Other scopes (institution staff, a learner) are small and computed from the raw rows."""
    _check_year(year)
    if actor.is_city_wide or (actor.role in (Role.UNIT_OFFICER, Role.VIEWER) and actor.unit_path):
        from cadretrain.reports.form10_cells import learner_groups

        groups = learner_groups(year=year, unit_path=None if actor.is_city_wide else actor.unit_path)
        return _assemble(actor, year, _people_from_groups(groups))
    return build_form10_raw(actor=actor, year=year)


def build_form10_raw(*, actor: Actor, year: int) -> Form10:
    """The form computed from the year's raw enrolments and assignments (the definition; the
    tests compare `build_form10` with it; 1–4 s at L)."""
    _check_year(year)
    two_tier = year >= TWO_TIER_FROM_YEAR
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    levels = unit_levels()
    leaves = [d for d in row_defs() if d.match is not None]
    classes = {}
    for pk, info, _org_unit, day in _year_classes(actor, year):
        classes[pk] = (day, _OBJECT.search(info.name_key), class_candidates(leaves, info))

    enrol_qs = Enrolment.objects.visible_to(actor).filter(
        ~Q(status="WITHDRAWN"), training_class__start_date__gte=start, training_class__start_date__lte=end
    )
    enrolments = list(enrol_qs.order_by().values_list(
        "person_id", "training_class_id", "person__unit_id", "person__position__kind", "person__management_tier"))
    history: dict[int, list[tuple[dt.date, dt.date | None, int, str | None]]] = defaultdict(list)
    for pid, vf, vt, unit_id, pos_kind in (
        Assignment.objects.visible_to(actor).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=start), valid_from__lte=end, is_primary=True,
            person__in=enrol_qs.values("person_id"),
        ).order_by("person_id", "valid_from", "pk")
        .values_list("person_id", "valid_from", "valid_to", "unit_id", "position__kind")
    ):
        history[pid].append((vf, vt, unit_id, pos_kind))

    people: dict[tuple[str, str], set[int]] = defaultdict(set)  # (leaf, column) -> people
    mapped_people: set[int] = set()
    all_people: set[int] = set()
    for pid, cid, unit_now, pos_now, tier in enrolments:
        if cid not in classes:
            continue
        day, obj_match, candidates = classes[cid]
        all_people.add(pid)
        unit, pos = unit_now, pos_now
        for vf, vt, a_unit, a_pos in history.get(pid, ()):
            if vf <= day and (vt is None or vt >= day):
                unit, pos = a_unit, a_pos
                break
        level = learner_column(levels.get(unit, PROVINCIAL), two_tier)
        leader = is_leader(pos, tier)
        row = learner_row(candidates, obj_match, tier, leader)
        if row is None:
            continue
        mapped_people.add(pid)
        people[(row.code, level)].add(pid)
        if leader:
            people[(row.code, f"{level}_leaders")].add(pid)

    def counts(defs: list[RowDef], cols: set[str]) -> dict[tuple[str, str], int]:
        out = {}
        for d in defs:
            codes = _leaf_codes(d, leaves)
            for col in cols:
                members: set[int] = set()
                for code in codes:
                    members |= people.get((code, col), set())
                out[(d.code, col)] = len(members)
        return out

    return _assemble(actor, year, (counts, len(all_people - mapped_people)), levels=levels)


PeopleCounts = tuple[Callable[[list[RowDef], set[str]], dict[tuple[str, str], int]], int]


def _people_from_groups(groups: list[tuple[str, int]]) -> PeopleCounts:
    """Learner counts from (cells, number of learners) groups: a learner's cells are the
    "leaf:column" tokens of the (leaf row, column) pairs they count in, so a heading's column
    counts every learner with a token of one of its leaves in that column, once."""
    unmapped = sum(n for cells, n in groups if not cells)

    def counts(defs: list[RowDef], cols: set[str]) -> dict[tuple[str, str], int]:
        leaves = [d for d in defs if d.match is not None]
        headings: dict[str, list[str]] = defaultdict(list)  # leaf code -> the codes of its rows
        for d in defs:
            for code in _leaf_codes(d, leaves):
                headings[code].append(d.code)
        out: dict[tuple[str, str], int] = defaultdict(int)
        for cells, n in groups:
            hits: set[tuple[str, str]] = set()
            for token in cells.split():
                leaf, col = token.split(":")
                if col.endswith("L"):
                    col = col[:-1]
                    leader_col = f"{_COLUMN_OF[col]}_leaders"
                    for code in headings.get(leaf, ()):
                        hits.add((code, leader_col))
                for code in headings.get(leaf, ()):
                    hits.add((code, _COLUMN_OF[col]))
            for hit in hits:
                out[hit] += n
        return {(d.code, col): out.get((d.code, col), 0) for d in defs for col in cols}

    return counts, unmapped


_COLUMN_OF = {"p": PROVINCIAL, "d": DISTRICT, "c": COMMUNE}


def _check_year(year: int) -> None:
    if not isinstance(year, int) or not 1945 <= year <= 2100:
        raise DomainError("report_bad_year", value=year)


def _leaf_codes(d: RowDef, leaves: list[RowDef]) -> list[str]:
    return [x.code for x in leaves if x.code == d.code or x.code.startswith(d.code + ".")]


def _year_classes(actor: Actor, year: int) -> list[tuple[int, ClassInfo, int, dt.date]]:
    """(class, its info, organising unit, start date) of the actor's report classes of the year."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return [
        (pk, ClassInfo(kind, level or "", mode, country, partner is not None, fold(name or "")), org_unit, day)
        for pk, kind, level, mode, country, partner, name, org_unit, day in (
            report_classes(actor).filter(start_date__gte=start, start_date__lte=end).order_by()
            .values_list("pk", "programme__kind", "programme__grants_level", "mode", "country", "partner_id",
                         "programme__name", "organizer_unit_id", "start_date")
        )
    ]


def _assemble(actor: Actor, year: int, people: PeopleCounts, *, levels: dict[int, str] | None = None) -> Form10:
    """The form from the learner counts and the year's classes, counted by organiser level."""
    two_tier = year >= TWO_TIER_FROM_YEAR
    defs = row_defs()
    leaves = [d for d in defs if d.match is not None]
    levels = levels if levels is not None else unit_levels()
    cols = columns(two_tier)
    level_cols = [PROVINCIAL, COMMUNE] if two_tier else [PROVINCIAL, DISTRICT, COMMUNE]
    class_cols = ["classes_provincial", "classes_commune" if two_tier else "classes_district"]
    people_cols = {c.key for c in cols} - {"total", "classes_total"} - set(class_cols)

    # Classes counted in groups of the same programme, mode, country, partner and organiser
    # (each class counts in one row at most, so headings are the sums of their leaves).
    class_counts: dict[tuple[str, str], int] = defaultdict(int)
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    folded: dict[str, str] = {}
    for kind, grants, mode, country, partner, name, org_unit, n in (
        report_classes(actor).filter(start_date__gte=start, start_date__lte=end).order_by()
        .values("programme__kind", "programme__grants_level", "mode", "country", "partner_id", "programme__name",
                "organizer_unit_id").annotate(n=Count("pk"))
        .values_list("programme__kind", "programme__grants_level", "mode", "country", "partner_id",
                     "programme__name", "organizer_unit_id", "n")
    ):
        if name not in folded:
            folded[name] = fold(name or "")
        info = ClassInfo(kind, grants or "", mode, country, partner is not None, folded[name])
        org_level = levels.get(org_unit, PROVINCIAL)
        org_col = "classes_provincial" if org_level == PROVINCIAL else (
            "classes_commune" if two_tier else "classes_district")
        obj_match = _OBJECT.search(info.name_key)
        for row in class_candidates(leaves, info):
            if row.defence_object is not None:
                # A defence class without an object in its name is listed under object 4.
                obj = int(obj_match.group(1)) if obj_match else 4
                if obj != row.defence_object:
                    continue
            class_counts[(row.code, org_col)] += n
            break

    counts_of, unmapped = people
    learner_counts = counts_of(defs, people_cols)
    rows = []
    for d in defs:
        codes = _leaf_codes(d, leaves)
        values: dict[str, int] = {col: learner_counts[(d.code, col)] for col in people_cols}
        for col in class_cols:
            values[col] = sum(class_counts.get((code, col), 0) for code in codes)
        values["total"] = sum(values[c] for c in level_cols)
        values["classes_total"] = sum(values[c] for c in class_cols)
        rows.append((d, {c.key: values[c.key] for c in cols}))
    return Form10(year, two_tier, cols, rows, unmapped_learners=unmapped)
