"""Standards evaluation as a pure function: a person's facts + the standards + a date → which
requirement groups are met (and by what) and which are not (and what is missing).

A standard applies to a person when each of its filters (position, category, management tier)
is empty or equal to the person's, and its validity [valid_from, valid_to] covers `as_of`.
A standard is an AND of groups; a group is an OR of alternative requirement rows.

Requirement dimensions:
- a credential dimension (EDUCATION, POLITICAL_THEORY, …): met by a held level acquired on or before
  `as_of` that satisfies the row (`levels.satisfies`: higher beats lower, equal ranks are
  interchangeable, CAO_CAP_LLCT_HANH_CHINH also counts as STATE_MANAGEMENT CHUYEN_VIEN_CAO_CAP, a
  language-specific row needs that language). A level is held from a credential's issue date or from
  the completion date of a COMPLETED class whose programme grants it (both sources count).
- KNOWLEDGE_UPDATE_MONTHS N: a COMPLETED knowledge-update class completed within the N months
  before `as_of` (as_of minus N calendar months ≤ completed_on ≤ as_of).
- ANNUAL_PERIODS N: at least N periods of COMPLETED classes completed in the calendar year of `as_of`.

`current` (what the person has, shown next to an unmet requirement) is the best held level of the
row's dimension (in the row's language when it names one), the ISO date of the last knowledge update
for KNOWLEDGE_UPDATE_MONTHS, the period count of the year for ANNUAL_PERIODS; None when nothing.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cadretrain.domain.levels import (
    LEVEL_RANKS,
    DerivedDimension,
    Dimension,
    effective_levels,
    is_known_level,
    satisfies,
)

KU = DerivedDimension.KNOWLEDGE_UPDATE_MONTHS.value
AP = DerivedDimension.ANNUAL_PERIODS.value
DERIVED = frozenset({KU, AP})


@dataclass(frozen=True, slots=True)
class Requirement:
    """One alternative of a group: a dimension and its minimum (a level, or N for derived ones)."""

    group: str
    dimension: str
    min_level: str
    language: str = ""


@dataclass(frozen=True, slots=True)
class Rule:
    """One version of a standard, with its applicability filters and its requirement rows (in
    order: a group's first row is the one reported for an unmet group)."""

    code: str
    valid_from: dt.date
    requirements: tuple[Requirement, ...]
    valid_to: dt.date | None = None
    position_code: str = ""
    category: str = ""
    management_tier: str = ""
    name: str = ""
    legal_basis: str = ""

    def in_force(self, as_of: dt.date) -> bool:
        return self.valid_from <= as_of and (self.valid_to is None or as_of <= self.valid_to)

    def groups(self) -> list[tuple[str, list[Requirement]]]:
        """Groups in the order of their first row."""
        out: dict[str, list[Requirement]] = {}
        for req in self.requirements:
            out.setdefault(req.group, []).append(req)
        return list(out.items())


@dataclass(frozen=True, slots=True)
class Held:
    """A level the person holds from `acquired_on`; `source` says where it comes from
    (a credential or the completion of a class), for the explanation."""

    dimension: str
    level: str
    acquired_on: dt.date
    language: str = ""
    source: str = ""


@dataclass(frozen=True, slots=True)
class Facts:
    """What evaluation needs to know about one person."""

    code: str
    position_code: str = ""
    category: str = ""
    management_tier: str = ""
    held: tuple[Held, ...] = ()
    # Completion dates of COMPLETED knowledge-update classes (any order).
    knowledge_updates: tuple[dt.date, ...] = ()
    # Periods of COMPLETED classes by calendar year of completion.
    periods_by_year: Mapping[int, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class GroupResult:
    """The outcome of one group of one standard for one person."""

    standard_code: str
    group: str
    met: bool
    # The reported row: the alternative that was met, or the group's first row when unmet.
    requirement: Requirement
    alternatives: tuple[Requirement, ...]
    evidence: Held | None = None  # what satisfied a credential row
    evidence_note: str = ""  # for derived rows: the date / the period count that satisfied it
    current: str | None = None  # for unmet groups: what the person has in the reported dimension


def applies(rule: Rule, facts: Facts, as_of: dt.date) -> bool:
    """Whether a standard version binds this person on `as_of`."""
    return (
        rule.in_force(as_of)
        and (not rule.position_code or rule.position_code == facts.position_code)
        and (not rule.category or rule.category == facts.category)
        and (not rule.management_tier or rule.management_tier == facts.management_tier)
    )


def months_before(day: dt.date, months: int) -> dt.date:
    """`day` minus `months` calendar months, clamped to the month's last day (31 May − 3 → 28/29 Feb)."""
    index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _held_on(facts: Facts, as_of: dt.date) -> list[Held]:
    return [h for h in facts.held if h.acquired_on <= as_of]


def _best_held(held: Iterable[Held], req: Requirement) -> Held | None:
    """The earliest-acquired credential that satisfies a credential row (stable explanation)."""
    best: Held | None = None
    for h in held:
        if not satisfies(h.dimension, h.level, req.dimension, req.min_level,
                         held_language=h.language, required_language=req.language or None):
            continue
        if best is None or (h.acquired_on, h.level, h.source) < (best.acquired_on, best.level, best.source):
            best = h
    return best


def current_level(facts: Facts, dimension: str, as_of: dt.date, language: str = "") -> str | None:
    """The person's best value in a dimension on `as_of` (see module docstring)."""
    if dimension == KU:
        last = last_knowledge_update(facts, as_of)
        return last.isoformat() if last else None
    if dimension == AP:
        return str(facts.periods_by_year.get(as_of.year, 0))
    return best_level(_held_on(facts, as_of), dimension, language)


def best_level(held: Iterable[Held], dimension: str, language: str = "") -> str | None:
    """Highest-ranked level counting in `dimension` (directly or by equivalence); ties are broken
    by the level's order in `levels.LEVEL_RANKS` so that the answer is deterministic."""
    ranks = LEVEL_RANKS[Dimension(dimension)]
    order = {lvl: i for i, lvl in enumerate(ranks)}
    best: tuple[int, int, str] | None = None
    for h in held:
        if dimension == Dimension.FOREIGN_LANGUAGE and language and h.language.lower() != language.lower():
            continue
        for dim, _rank in effective_levels(h.dimension, h.level):
            if dim != dimension:
                continue
            # The level it counts as in this dimension: itself, or the equivalent level.
            level = h.level if h.dimension == dimension else _equivalent_level(h, dimension)
            key = (ranks[level], -order[level], level)
            if best is None or key[:2] > best[:2]:
                best = key
    return best[2] if best else None


def _equivalent_level(h: Held, dimension: str) -> str:
    from cadretrain.domain.levels import CROSS_EQUIVALENCES

    for dim, lvl in CROSS_EQUIVALENCES.get((Dimension(h.dimension), h.level), ()):
        if dim == dimension:
            return lvl
    raise KeyError((h.dimension, h.level, dimension))


def last_knowledge_update(facts: Facts, as_of: dt.date) -> dt.date | None:
    dates = [d for d in facts.knowledge_updates if d <= as_of]
    return max(dates) if dates else None


def _check_row(req: Requirement, facts: Facts, held: list[Held], as_of: dt.date) -> tuple[bool, Held | None, str]:
    if req.dimension == KU:
        last = last_knowledge_update(facts, as_of)
        ok = last is not None and last >= months_before(as_of, int(req.min_level))
        return ok, None, last.isoformat() if ok and last else ""
    if req.dimension == AP:
        periods = facts.periods_by_year.get(as_of.year, 0)
        ok = periods >= int(req.min_level)
        return ok, None, str(periods) if ok else ""
    hit = _best_held(held, req)
    return hit is not None, hit, ""


def evaluate_rule(rule: Rule, facts: Facts, as_of: dt.date) -> list[GroupResult]:
    """Every group of one standard for one person (the caller decides whether it applies)."""
    held = _held_on(facts, as_of)
    results = []
    for group, rows in rule.groups():
        for req in rows:
            ok, evidence, note = _check_row(req, facts, held, as_of)
            if ok:
                results.append(GroupResult(rule.code, group, True, req, tuple(rows), evidence, note))
                break
        else:
            first = rows[0]
            results.append(
                GroupResult(rule.code, group, False, first, tuple(rows),
                            current=current_level(facts, first.dimension, as_of, first.language))
            )
    return results


def evaluate(facts: Facts, rules: Sequence[Rule], as_of: dt.date) -> list[GroupResult]:
    """Every group of every standard that applies to the person on `as_of`."""
    out: list[GroupResult] = []
    for rule in rules:
        if applies(rule, facts, as_of):
            out.extend(evaluate_rule(rule, facts, as_of))
    return out


def unmet(results: Iterable[GroupResult]) -> list[GroupResult]:
    return [r for r in results if not r.met]


def granting_programmes(
    req_rows: Iterable[Requirement], programmes: Iterable[tuple[str, str, str, str, str]]
) -> list[str]:
    """Codes of programmes (code, kind, grants_dimension, grants_level, grants_language) whose
    completion would meet one of the rows; knowledge-update rows are met by KNOWLEDGE_UPDATE
    programmes; annual periods by any programme (none listed: every course counts)."""
    rows = list(req_rows)
    out = []
    for code, kind, dim, level, language in programmes:
        for req in rows:
            if req.dimension == KU:
                ok = kind == "KNOWLEDGE_UPDATE"
            elif req.dimension == AP:
                ok = False
            else:
                ok = bool(dim and level) and is_known_level(dim, level) and satisfies(
                    dim, level, req.dimension, req.min_level,
                    held_language=language, required_language=req.language or None,
                )
            if ok:
                out.append(code)
                break
    return out


# ---------------------------------------------------------------------------------------------
# Compiled evaluation for the whole workforce: the same semantics as `evaluate` (a property test
# checks they agree), reduced to dictionary lookups on a per-person profile of best levels.


def _level_table() -> dict[tuple[str, str], tuple[tuple[str, str, int, int], ...]]:
    """(held dimension, held level) → every (dimension, level, rank, tie order) it counts as."""
    from cadretrain.domain.levels import CROSS_EQUIVALENCES

    order = {dim.value: {lvl: i for i, lvl in enumerate(ranks)} for dim, ranks in LEVEL_RANKS.items()}
    out = {}
    for dim, ranks in LEVEL_RANKS.items():
        for lvl, rank in ranks.items():
            counts = [(dim.value, lvl, rank, order[dim.value][lvl])]
            for odim, olvl in CROSS_EQUIVALENCES.get((dim, lvl), ()):
                counts.append((odim.value, olvl, LEVEL_RANKS[odim][olvl], order[odim.value][olvl]))
            out[(dim.value, lvl)] = tuple(counts)
    return out


_COUNTS_AS = _level_table()
_RANK = {(d.value, lvl): r for d, ranks in LEVEL_RANKS.items() for lvl, r in ranks.items()}
_FL = Dimension.FOREIGN_LANGUAGE.value


@dataclass(slots=True)
class Profile:
    """A person's best values on one date: `best[(dimension, language)]` = (rank, -tie order,
    level) over the levels held on or before that date (language "" = any language), the last
    knowledge update and the periods completed in the date's calendar year."""

    best: dict[tuple[str, str], tuple[int, int, str]] = field(default_factory=dict)
    last_ku: dt.date | None = None
    periods: int = 0

    def add(self, dimension: str, level: str, language: str = "") -> None:
        """Count one level held on or before the date (unknown levels are ignored)."""
        updates = _UPDATES.get((dimension, level, language))
        if updates is None:
            updates = _updates_for(dimension, level, language)
        best = self.best
        for key, cand in updates:
            cur = best.get(key)
            # (rank, -tie) identifies the level within a dimension, so comparing whole tuples
            # is the same as comparing (rank, -tie).
            if cur is None or cand > cur:
                best[key] = cand


# What holding (dimension, level, language) offers: ((dimension, language key), candidate) pairs.
# The workforce pass calls Profile.add a few hundred thousand times, so each combination is
# worked out once and memoised.
type _Update = tuple[tuple[str, str], tuple[int, int, str]]
_UPDATES: dict[tuple[str, str, str], tuple[_Update, ...]] = {}


def _updates_for(dimension: str, level: str, language: str) -> tuple[_Update, ...]:
    out: list[_Update] = []
    for dim, lvl, rank, tie in _COUNTS_AS.get((dimension, level), ()):
        cand = (rank, -tie, lvl)
        out.append(((dim, ""), cand))
        if dim == _FL and dim == dimension and language:
            out.append(((dim, language.lower()), cand))
    result = tuple(out)
    _UPDATES[(dimension, level, language)] = result
    return result


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A rule with its rows reduced to (kind, lookup key, threshold) for one `as_of`."""

    rule: Rule
    groups: tuple[tuple[str, Requirement, tuple[tuple[str, Any, Any], ...]], ...]


def compile_rule(rule: Rule, as_of: dt.date) -> CompiledRule:
    groups = []
    for group, rows in rule.groups():
        checks: list[tuple[str, Any, Any]] = []
        for req in rows:
            if req.dimension == KU:
                checks.append(("KU", None, months_before(as_of, int(req.min_level))))
            elif req.dimension == AP:
                checks.append(("AP", None, int(req.min_level)))
            else:
                lang = req.language.lower() if req.dimension == _FL and req.language else ""
                checks.append(("LV", (req.dimension, lang), _RANK[(req.dimension, req.min_level)]))
        groups.append((group, rows[0], tuple(checks)))
    return CompiledRule(rule, tuple(groups))


def unmet_compiled(profile: Profile, rules: Sequence[CompiledRule]) -> list[tuple[str, str, str, str, str | None]]:
    """(standard, group, dimension, required, current) for each unmet group; rules must already
    apply to the person (same meaning as `unmet(evaluate(...))`)."""
    out = []
    for compiled in rules:
        for group, first, checks in compiled.groups:
            for kind, key, threshold in checks:
                if kind == "LV":
                    best = profile.best.get(key)
                    if best is not None and best[0] >= threshold:
                        break
                elif kind == "KU":
                    if profile.last_ku is not None and profile.last_ku >= threshold:
                        break
                elif profile.periods >= threshold:
                    break
            else:
                if first.dimension == KU:
                    current = profile.last_ku.isoformat() if profile.last_ku else None
                elif first.dimension == AP:
                    current = str(profile.periods)
                else:
                    lang = first.language.lower() if first.dimension == _FL and first.language else ""
                    best = profile.best.get((first.dimension, lang))
                    current = best[2] if best else None
                out.append((compiled.rule.code, group, first.dimension, first.min_level, current))
    return out
