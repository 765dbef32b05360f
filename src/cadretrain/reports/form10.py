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

from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cadretrain.core import versions
from cadretrain.core.scoping import scope_key
from cadretrain.domain.access import Actor
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
    Built from a year's raw enrolments, 1–1.5 s at L. Shared between requests: do not modify."""
    key = ("form10", scope_key(actor), year, get_language())
    return versions.cached(key, lambda: build_form10(actor=actor, year=year))


def build_form10(*, actor: Actor, year: int) -> Form10:
    """Form 10-BTCTW for a calendar year, over the classes and people the actor may see."""
    if not isinstance(year, int) or not 1945 <= year <= 2100:
        raise DomainError("report_bad_year", value=year)
    two_tier = year >= TWO_TIER_FROM_YEAR
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    levels = unit_levels()
    defs = row_defs()
    leaves = [d for d in defs if d.match is not None]

    classes = {}
    for pk, kind, level, mode, country, partner, name, org_unit, day in (
        report_classes(actor).filter(start_date__gte=start, start_date__lte=end).order_by()
        .values_list("pk", "programme__kind", "programme__grants_level", "mode", "country", "partner_id",
                     "programme__name", "organizer_unit_id", "start_date")
    ):
        info = ClassInfo(kind, level or "", mode, country, partner is not None, fold(name or ""))
        # The rows this class may fall in, in form order, up to the first that does not depend on
        # the learner (a defence row does, through its object): the per-enrolment loop below then
        # tests one or two rows instead of every row's predicate (200,000 enrolments a year at L).
        candidates = []
        for row in leaves:
            if row.match(info):  # type: ignore[misc]
                candidates.append(row)
                if row.defence_object is None:
                    break
        classes[pk] = (info, levels.get(org_unit, PROVINCIAL), day, _OBJECT.search(info.name_key), candidates)

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
        ).order_by().values_list("person_id", "valid_from", "valid_to", "unit_id", "position__kind")
    ):
        history[pid].append((vf, vt, unit_id, pos_kind))

    cols = columns(two_tier)
    col_keys = {c.key for c in cols}
    people: dict[tuple[str, str], set[int]] = defaultdict(set)  # (row, column) -> people
    class_sets: dict[tuple[str, str], set[int]] = defaultdict(set)
    mapped_people: set[int] = set()
    all_people: set[int] = set()
    for pid, cid, unit_now, pos_now, tier in enrolments:
        if cid not in classes:
            continue
        _info, _org_level, day, obj_match, candidates = classes[cid]
        all_people.add(pid)
        unit, pos = unit_now, pos_now
        for vf, vt, a_unit, a_pos in history.get(pid, ()):
            if vf <= day and (vt is None or vt >= day):
                unit, pos = a_unit, a_pos
                break
        level = levels.get(unit, PROVINCIAL)
        if two_tier and level == DISTRICT:
            level = COMMUNE
        leader = pos == "LEADERSHIP" or tier in ("BCT_BBT", "BTV_THANH_UY")
        for row in candidates:
            if row.defence_object is not None:
                obj = int(obj_match.group(1)) if obj_match else (
                    1 if tier == "BCT_BBT" else 2 if tier == "BTV_THANH_UY" else 3 if leader else 4)
                if obj != row.defence_object:
                    continue
            mapped_people.add(pid)
            people[(row.code, level)].add(pid)
            if leader and f"{level}_leaders" in col_keys:
                people[(row.code, f"{level}_leaders")].add(pid)
            break

    for cid, (_info, org_level, _day, obj_match, candidates) in classes.items():
        org_col = "classes_provincial" if org_level == PROVINCIAL else (
            "classes_commune" if two_tier else "classes_district")
        for row in candidates:
            if row.defence_object is not None:
                # A defence class without an object in its name is listed under object 4.
                obj = int(obj_match.group(1)) if obj_match else 4
                if obj != row.defence_object:
                    continue
            class_sets[(row.code, org_col)].add(cid)
            break

    level_cols = [PROVINCIAL, COMMUNE] if two_tier else [PROVINCIAL, DISTRICT, COMMUNE]
    class_cols = ["classes_provincial", "classes_commune" if two_tier else "classes_district"]

    def leaf_codes(d: RowDef) -> list[str]:
        return [x.code for x in leaves if x.code == d.code or x.code.startswith(d.code + ".")]

    rows = []
    for d in defs:
        codes = leaf_codes(d)
        values: dict[str, int] = {}
        for col in cols:
            if col.key in ("total", "classes_total"):
                continue
            pool = class_sets if col.key.startswith("classes_") else people
            members: set[int] = set()
            for code in codes:
                members |= pool.get((code, col.key), set())
            values[col.key] = len(members)
        values["total"] = sum(values[c] for c in level_cols)
        values["classes_total"] = sum(values[c] for c in class_cols)
        rows.append((d, {c.key: values[c.key] for c in cols}))
    return Form10(year, two_tier, cols, rows, unmapped_learners=len(all_people - mapped_people))
