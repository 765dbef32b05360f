"""Hà Nội's organisation tree for the demo, built from the package data: the city, Party bodies,
departments with their public service units, the 30 districts and 526 communes that existed until
2025-06-30 (each commune pointing at the new unit it was merged into), and the 126 communes and
wards from 2025-07-01 with their offices, schools and health stations."""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass, field
from importlib import resources

from cadretrain.demo.catalogue import DEPARTMENTS, PARTY_BODIES, WARD_OFFICES
from cadretrain.domain.text import clean_text, fold

REFORM_DAY = dt.date(2025, 7, 1)
LAST_OLD_DAY = dt.date(2025, 6, 30)


def read_csv(name: str) -> list[dict[str, str]]:
    """Rows of a CSV file shipped in cadretrain/data."""
    text = resources.files("cadretrain.data").joinpath(name).read_text(encoding="utf-8-sig")
    return list(csv.DictReader(text.splitlines()))


@dataclass
class Unit:
    id: int
    code: str
    name: str
    kind: str
    parent: Unit | None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    successor_id: int | None = None
    path: str = ""
    depth: int = 0
    # Demo bookkeeping (not stored): for old communes the district, for new units the old units
    # listed in their formation text.
    district_id: int | None = None
    predecessors: list[int] = field(default_factory=list)

    def row(self) -> tuple:
        return (
            self.id, self.code, self.name, fold(self.name), self.kind,
            self.parent.id if self.parent else None, self.path, self.depth,
            self.valid_from.isoformat() if self.valid_from else None,
            self.valid_to.isoformat() if self.valid_to else None,
            self.successor_id,
        )


UNIT_COLUMNS = ("id", "code", "name", "search_key", "kind", "parent_id", "path", "depth",
                "valid_from", "valid_to", "successor_id")


@dataclass
class Tree:
    units: list[Unit]
    by_code: dict[str, Unit]
    departments: list[Unit]            # HN.S* departments
    department_children: dict[int, list[Unit]]
    party: list[Unit]                  # Party bodies and the like (incl. their service units)
    districts: list[Unit]
    old_communes: list[Unit]
    new_units: list[Unit]              # the 126 communes/wards from 2025-07-01
    ward_children: dict[int, list[Unit]]  # new unit id -> offices, school, health station
    unmatched_old: list[str]           # old communes with no successor found
    unmatched_mentions: list[str]      # names in the merger text matching no old commune


_TYPE = re.compile(r"^(Phường|Xã|Thị trấn)\s+(.*)$", re.IGNORECASE)
_QUALIFIER = re.compile(r"\((quận|huyện|thị xã)\s+([^)]*)\)", re.IGNORECASE)


def split_top_level(text: str) -> list[str]:
    """Split the free-text list on commas outside parentheses."""
    items, depth, current = [], 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        if ch == "," and depth == 0:
            items.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    if "".join(current).strip():
        items.append("".join(current).strip())
    return items


@dataclass(frozen=True)
class Mention:
    unit_type: str      # folded: "phuong" | "xa" | "thi tran"
    name: str           # folded name without qualifiers
    exact: str          # the name as written (lower case, NFC), to tell "Văn Tự" from "Vân Từ"
    district: str       # folded district name from "(huyện X)", or ""
    remainder: bool     # "(phần còn lại …)": only what was left of the old unit


def name_key(name: str) -> str:
    """Folded name with hyphens dropped ("Văn Miếu - Quốc Tử Giám" = "Văn Miếu Quốc Tử Giám")."""
    return " ".join(fold(name).replace("-", " ").split())


def bare_name(full_name: str) -> str:
    """ "Thị trấn Đông Anh" -> "Đông Anh"."""
    match = _TYPE.match(full_name)
    return match.group(2) if match else full_name


def exact_key(name: str) -> str:
    return " ".join(clean_text(name).lower().replace("-", " ").split())


def parse_mention(item: str) -> Mention | None:
    item = clean_text(item)
    remainder = "phần còn lại" in item.lower()
    qualifier = _QUALIFIER.search(item)
    district = fold(qualifier.group(2)) if qualifier else ""
    base = item.split("(", 1)[0].strip()
    match = _TYPE.match(base)
    if not match:
        return None
    return Mention(fold(match.group(1)), name_key(match.group(2)), exact_key(match.group(2)),
                   district, remainder)


def build_tree() -> Tree:
    """The full unit tree with ids, paths and successors (pure Python, nothing written)."""
    units: list[Unit] = []

    def add(code: str, name: str, kind: str, parent: Unit | None, **kw) -> Unit:  # type: ignore[no-untyped-def]
        unit = Unit(id=len(units) + 1, code=code, name=clean_text(name), kind=kind, parent=parent, **kw)
        unit.path = (parent.path if parent else "/") + f"{unit.id}/"
        unit.depth = parent.depth + 1 if parent else 0
        units.append(unit)
        return unit

    root = add("HN", "Thành phố Hà Nội", "CITY", None)
    party: list[Unit] = []
    for suffix, name, kind in PARTY_BODIES:
        parent = root
        if "." in suffix:
            parent = next(u for u in party if u.code == "HN." + suffix.rsplit(".", 1)[0])
        party.append(add(f"HN.{suffix}", name, kind, parent))

    departments: list[Unit] = []
    department_children: dict[int, list[Unit]] = {}
    for suffix, name, children in DEPARTMENTS:
        dept = add(f"HN.{suffix}", name, "DEPARTMENT", root)
        departments.append(dept)
        department_children[dept.id] = [
            add(f"HN.{suffix}.{child}", child_name, kind, dept) for child, child_name, kind in children
        ]

    districts: list[Unit] = []
    district_by_code: dict[str, Unit] = {}
    for row in read_csv("hanoi_districts_pre2025.csv"):
        unit = add(f"HN.{row['district_code']}", row["full_name"], "DISTRICT", root,
                   valid_to=LAST_OLD_DAY)
        districts.append(unit)
        district_by_code[row["district_code"]] = unit

    old_communes: list[Unit] = []
    # folded (type, name) -> old communes with that name (several districts may share one)
    old_index: dict[tuple[str, str], list[Unit]] = {}
    district_key: dict[int, str] = {}
    for d in districts:
        # "Quận Ba Đình" -> "ba dinh"; "Thị xã Sơn Tây" -> "son tay"
        district_key[d.id] = fold(re.sub(r"^(Quận|Huyện|Thị xã)\s+", "", d.name))
    for row in read_csv("hanoi_wards_pre2025.csv"):
        district = district_by_code[row["district_code"]]
        kind = "WARD" if row["unit_type"] == "Phường" else "COMMUNE"
        unit = add(f"HN.{row['district_code']}.{row['ward_code']}", row["full_name"], kind, district,
                   valid_to=LAST_OLD_DAY, district_id=district.id)
        old_communes.append(unit)
        old_index.setdefault((fold(row["unit_type"]), name_key(row["name"])), []).append(unit)

    new_units: list[Unit] = []
    ward_children: dict[int, list[Unit]] = {}
    for row in read_csv("hanoi_commune_level_units_2025.csv"):
        kind = "WARD" if row["unit_type"] == "Phường" else "COMMUNE"
        unit = add(row["ward_code"], row["full_name"], kind, root, valid_from=REFORM_DAY)
        new_units.append(unit)
        children = [add(f"{unit.code}.{suffix}", name, "OTHER", unit, valid_from=REFORM_DAY)
                    for suffix, name in WARD_OFFICES]
        children.append(add(f"{unit.code}.THCS", f"Trường THCS {row['name']}", "SCHOOL", unit,
                            valid_from=REFORM_DAY))
        children.append(add(f"{unit.code}.TYT", f"Trạm Y tế {row['full_name']}", "PUBLIC_SERVICE_UNIT",
                            unit, valid_from=REFORM_DAY))
        ward_children[unit.id] = children

    new_by_code = {u.code: u for u in new_units}
    unmatched_mentions: list[str] = []
    # old commune id -> [(is_remainder, order, new unit id)]
    candidates: dict[int, list[tuple[bool, int, int]]] = {}
    for order, row in enumerate(read_csv("hanoi_2025_units_before_merger.csv")):
        new = new_by_code[row["ward_code"]]
        resolved: list[tuple[Mention, list[Unit]]] = []
        for item in split_top_level(row["formed_from_pre2025_units"]):
            mention = parse_mention(item)
            found = old_index.get((mention.unit_type, mention.name), []) if mention else []
            if mention and len(found) > 1:
                # Folding merges distinct names ("Văn Tự", "Vân Từ"): an exact spelling wins.
                found = [u for u in found if exact_key(bare_name(u.name)) == mention.exact] or found
            if mention and mention.district:
                found = [u for u in found if district_key[u.district_id or 0] == mention.district] or found
            if mention is None or not found:
                unmatched_mentions.append(item)
                continue
            resolved.append((mention, found))
        # Same name in several districts: prefer the district of the first unambiguous unit of
        # this list (the units merged together are neighbours).
        anchor = next((found[0].district_id for _, found in resolved if len(found) == 1), None)
        for mention, found in resolved:
            near = [u for u in found if u.district_id == anchor]
            old = (near or found)[0]
            if old.id not in new.predecessors:
                new.predecessors.append(old.id)
            candidates.setdefault(old.id, []).append((mention.remainder, order, new.id))

    unmatched_old: list[str] = []
    for old in old_communes:
        options = candidates.get(old.id)
        if not options:
            unmatched_old.append(old.code)
            continue
        # The new unit that took the old one whole (not "the part that remained") is its successor.
        old.successor_id = min(options)[2]

    return Tree(
        units=units, by_code={u.code: u for u in units}, departments=departments,
        department_children=department_children, party=party, districts=districts,
        old_communes=old_communes, new_units=new_units, ward_children=ward_children,
        unmatched_old=unmatched_old, unmatched_mentions=unmatched_mentions,
    )
