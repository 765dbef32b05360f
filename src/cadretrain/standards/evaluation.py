"""Gap evaluation against the database: workforce-wide (set-based, a constant handful of queries
whatever the number of people) and for one person. Both gather the facts the pure evaluator
needs (`cadretrain.domain.standards`) and call it, so the two can never disagree on semantics.

Public contract (used by reports and plans):
    evaluate_workforce(*, actor, as_of, unit_code=None) -> WorkforceResult
    evaluate_workforce_cached(...)  the same, reused until the data changes (pages)
    person_gaps(*, actor, person_code, as_of) -> list[GapItem]
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, Q, QuerySet

from cadretrain.core.scoping import get_visible_or_404
from cadretrain.domain import standards as rules_domain
from cadretrain.domain.access import Actor
from cadretrain.domain.errors import NotFound
from cadretrain.domain.standards import AP, KU, Facts, GroupResult, Held, Profile, Rule

COMPLETED = "COMPLETED"
KNOWLEDGE_UPDATE = "KNOWLEDGE_UPDATE"


@dataclass(frozen=True, slots=True)
class GapItem:
    """One unmet requirement group of one standard for one person (the `gaps --json` item)."""

    person_code: str
    standard_code: str
    group: str
    dimension: str
    required: str
    current: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "person": self.person_code, "standard": self.standard_code, "group": self.group,
            "dimension": self.dimension, "required": self.required, "current": self.current,
        }


@dataclass(frozen=True, slots=True)
class UnitRollup:
    """Counts for one unit: its own people (`people`, `meeting`, `gaps_by_dimension` = people with
    at least one unmet group reported in that dimension) and the same over its whole subtree."""

    code: str
    name: str
    path: str
    depth: int
    parent_code: str | None
    people: int = 0
    meeting: int = 0
    gaps_by_dimension: dict[str, int] = field(default_factory=dict)
    subtree_people: int = 0
    subtree_meeting: int = 0
    subtree_gaps_by_dimension: dict[str, int] = field(default_factory=dict)

    @property
    def subtree_percent_meeting(self) -> float:
        return 100.0 * self.subtree_meeting / self.subtree_people if self.subtree_people else 100.0


@dataclass(frozen=True, slots=True)
class WorkforceResult:
    """Everyone employed on `as_of` within the actor's scope (and the unit subtree, if given)."""

    as_of: dt.date
    people: int
    meeting_standards: int
    gaps: list[GapItem]
    by_unit: dict[str, UnitRollup]
    root_code: str | None = None  # the unit asked for, when one was

    @property
    def percent_meeting(self) -> float:
        return 100.0 * self.meeting_standards / self.people if self.people else 100.0

    def as_json(self) -> dict[str, Any]:
        """The `cadretrain gaps --json` document (spec/interfaces.md)."""
        return {
            "as_of": self.as_of.isoformat(), "people": self.people,
            "meeting_standards": self.meeting_standards, "gaps": [g.as_json() for g in self.gaps],
        }


# --------------------------------------------------------------------------------------------
# Loading


def rules_in_force(as_of: dt.date) -> list[Rule]:
    """Every standard version in force on `as_of` as pure rules (one query)."""
    from cadretrain.standards.models import Requirement

    rows = (
        Requirement.objects.filter(
            Q(standard__valid_to__isnull=True) | Q(standard__valid_to__gte=as_of),
            standard__valid_from__lte=as_of,
        )
        .order_by("standard__code", "standard__valid_from", "ordinal", "pk")
        .values_list(
            "standard_id", "standard__code", "standard__name", "standard__valid_from",
            "standard__valid_to", "standard__position__code", "standard__category",
            "standard__management_tier", "standard__legal_basis",
            "group", "dimension", "min_level", "language",
        )
    )
    heads: dict[int, tuple] = {}
    reqs: dict[int, list[rules_domain.Requirement]] = defaultdict(list)
    for sid, code, name, vf, vt, pos, cat, tier, basis, group, dim, level, lang in rows:
        heads.setdefault(sid, (code, name, vf, vt, pos or "", cat, tier, basis))
        reqs[sid].append(rules_domain.Requirement(group, dim, level, lang or ""))
    return [
        Rule(code=code, name=name, valid_from=vf, valid_to=vt, position_code=pos, category=cat,
             management_tier=tier, legal_basis=basis, requirements=tuple(reqs[sid]))
        for sid, (code, name, vf, vt, pos, cat, tier, basis) in heads.items()
    ]


def applicability_q(rules: Sequence[Rule]) -> Q | None:
    """A Person filter matching anyone some rule may bind (None: nobody)."""
    q: Q | None = None
    for rule in rules:
        part = Q()
        if rule.position_code:
            part &= Q(position__code=rule.position_code)
        if rule.category:
            part &= Q(category=rule.category)
        if rule.management_tier:
            part &= Q(management_tier=rule.management_tier)
        q = part if q is None else q | part
    return q


def _needs(rules: Iterable[Rule]) -> tuple[bool, bool, bool]:
    """Which kinds of facts the rules ask for: (credentials, knowledge updates, annual periods)."""
    dims = {r.dimension for rule in rules for r in rule.requirements}
    return bool(dims - {KU, AP}), KU in dims, AP in dims


def load_profiles(person_ids_qs: QuerySet, as_of: dt.date, rules: Sequence[Rule], *,
                  few: bool = False) -> dict[int, Profile]:
    """Best levels, last knowledge update and periods of the year for the people selected by
    `person_ids_qs` (a values("pk") subquery): at most four queries, none per person
    (credentials, the relevant classes, their completions, the periods of the year). `few`:
    a handful of people (a refresh after a change), whose classes are looked up through their
    completions rather than listing every relevant class of the catalogue (30,000 at L)."""
    from cadretrain.people.models import Credential
    from cadretrain.training.models import Enrolment, PersonYearPeriods, TrainingClass

    need_cred, need_ku, need_ap = _needs(rules)
    profiles: dict[int, Profile] = defaultdict(Profile)
    if need_cred:
        # Distinct (person, level) pairs held on the day, from credentials and from completions
        # of classes whose programme grants a level (counted whether or not materialised).
        creds = (
            Credential.objects.filter(person_id__in=person_ids_qs, issued_on__lte=as_of)
            .values_list("person_id", "dimension", "level", "language").distinct().order_by()
        )
        for pid, dim, level, lang in creds:
            profiles[pid].add(dim, level, lang or "")
    if need_cred or need_ku:
        # One pass over the completions that matter (classes of programmes that grant a level or
        # update knowledge): the class → programme facts come from a small separate query, so the
        # enrolment rows are filtered by class id and never joined row by row.
        relevant = Q(programme__grants_level__gt="") if need_cred else Q(pk__in=[])
        if need_ku:
            relevant |= Q(programme__kind=KNOWLEDGE_UPDATE)
        classes_qs = TrainingClass.objects.filter(relevant)
        if few:
            classes_qs = classes_qs.filter(pk__in=Enrolment.objects.filter(
                person_id__in=person_ids_qs, status=COMPLETED).values("training_class_id"))
        classes = {
            pk: (dim if need_cred else "", level if need_cred else "", lang or "", kind == KNOWLEDGE_UPDATE)
            for pk, dim, level, lang, kind in classes_qs.values_list(
                "pk", "programme__grants_dimension", "programme__grants_level",
                "programme__grants_language", "programme__kind",
            )
        }
        done = (
            Enrolment.objects.filter(
                person_id__in=person_ids_qs, status=COMPLETED, completed_on__lte=as_of,
                training_class_id__in=classes_qs.values("pk"),
            )
            .values_list("person_id", "training_class_id").annotate(last=Max("completed_on")).order_by()
        )
        for pid, cid, last in done:
            dim, level, lang, is_ku = classes[cid]
            profile = profiles[pid]
            if level:
                profile.add(dim, level, lang)
            if is_ku and need_ku and (profile.last_ku is None or last > profile.last_ku):
                profile.last_ku = last
    if need_ap:
        for pid, n in PersonYearPeriods.objects.filter(
            person_id__in=person_ids_qs, year=as_of.year
        ).values_list("person_id", "periods"):
            profiles[pid].periods = n
    return profiles


# --------------------------------------------------------------------------------------------
# Workforce


def _gap_item(person_code: str, r: GroupResult) -> GapItem:
    return GapItem(person_code, r.standard_code, r.group, r.requirement.dimension,
                   r.requirement.min_level, r.current)


def unmet_by_person(
    people_qs: QuerySet, as_of: dt.date, rules: Sequence[Rule], *, few: bool = False
) -> Iterator[tuple[int, str, int | None, list[tuple[str, str, str, str, str | None]]]]:
    """(id, code, unit id, unmet groups) of each person of `people_qs` (people some rule may
    bind, already narrowed to those employed on `as_of`), each unmet group as
    (standard, group, dimension, required, current). A constant handful of queries: the people
    and `load_profiles`' facts. Shared by the workforce evaluation and the compliance kept per
    day (cadretrain.standards.compliance), so the two cannot disagree."""
    people = list(
        people_qs.order_by().values_list("pk", "code", "unit_id", "position__code", "category", "management_tier")
    )
    if not people:
        return
    profiles = load_profiles(people_qs.values("pk"), as_of, rules, few=few)
    # Applicable rules depend only on (position, category, tier): memoise per combination.
    applicable_cache: dict[tuple[str, str, str], list[rules_domain.CompiledRule]] = {}
    compiled = {id(r): rules_domain.compile_rule(r, as_of) for r in rules}
    empty = Profile()
    for pid, code, unit_id, pos, cat, tier in people:
        key = (pos or "", cat, tier)
        mine = applicable_cache.get(key)
        if mine is None:
            probe = Facts(code="", position_code=key[0], category=cat, management_tier=tier)
            mine = [compiled[id(r)] for r in rules if rules_domain.applies(r, probe, as_of)]
            applicable_cache[key] = mine
        yield pid, code, unit_id, (rules_domain.unmet_compiled(profiles.get(pid, empty), mine) if mine else [])


def scoped_units(actor: Actor, unit_code: str | None) -> tuple[list[tuple], str | None]:
    """The units the actor may see as (pk, code, name, path, depth, parent id) rows, narrowed to
    `unit_code`'s subtree when given (whose path is returned too). NotFound for an invisible unit."""
    from cadretrain.org.models import OrgUnit

    units = list(OrgUnit.objects.visible_to(actor).values_list("pk", "code", "name", "path", "depth", "parent_id"))
    if not unit_code:
        return units, None
    root = next((u for u in units if u[1] == unit_code), None)
    if root is None:
        raise NotFound("orgunit_not_found")
    return [u for u in units if u[3].startswith(root[3])], root[3]


def evaluate_workforce(*, actor: Actor, as_of: dt.date, unit_code: str | None = None) -> WorkforceResult:
    """Gaps of everyone employed on `as_of` whom the actor may see (within `unit_code`'s subtree
    when given), with per-unit and subtree roll-ups. Raises NotFound for an invisible unit.
    Queries: standards, units, people, and up to four fact queries — constant in people."""
    from cadretrain.people.models import Person

    rules = rules_in_force(as_of)
    units, root_path = scoped_units(actor, unit_code)
    people_qs = Person.objects.visible_to(actor).employed_on(as_of)
    if root_path:
        people_qs = people_qs.filter(unit__path__startswith=root_path)

    unit_people: dict[int, int] = defaultdict(int)
    unit_meeting: dict[int, int] = defaultdict(int)
    unit_dims: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    aq = applicability_q(rules)
    # People no rule can bind meet the standards: counted per unit in SQL, never fetched.
    bound_qs = people_qs.filter(aq) if aq is not None else people_qs.none()
    free_qs = people_qs.exclude(aq) if aq is not None else people_qs
    total = meeting = 0
    for unit_id, n in free_qs.order_by().values_list("unit_id").annotate(n=Count("pk")):
        unit_people[unit_id] += n
        unit_meeting[unit_id] += n
        total += n
        meeting += n
    gaps: list[GapItem] = []
    if aq is not None:
        for _pid, code, unit_id, missing in unmet_by_person(bound_qs, as_of, rules):
            total += 1
            unit_people[unit_id] += 1
            if not missing:
                meeting += 1
                unit_meeting[unit_id] += 1
                continue
            for standard, group, dim, required, current in missing:
                gaps.append(GapItem(code, standard, group, dim, required, current))
            for dim in {m[2] for m in missing}:
                unit_dims[unit_id][dim] += 1
    gaps.sort(key=lambda g: (g.person_code, g.standard_code, g.group))
    by_unit = _roll_up(units, unit_people, unit_meeting, unit_dims)
    return WorkforceResult(as_of=as_of, people=total, meeting_standards=meeting, gaps=gaps,
                           by_unit=by_unit, root_code=unit_code)


def evaluate_workforce_cached(*, actor: Actor, as_of: dt.date, unit_code: str | None = None) -> WorkforceResult:
    """`evaluate_workforce`, reused across requests until the data changes (core.versions: any
    committed change to people, credentials, classes, enrolments or standards raises the counter).
    At L the whole-city pass takes seconds; the gap overview page reads it on every visit.
    The result is shared: callers must not modify it."""
    from cadretrain.core import versions
    from cadretrain.core.scoping import scope_key

    return versions.cached(
        ("workforce_gaps", scope_key(actor), as_of, unit_code),
        lambda: evaluate_workforce(actor=actor, as_of=as_of, unit_code=unit_code),
    )


def _roll_up(
    units: list[tuple], people: dict[int, int], meeting: dict[int, int], dims: dict[int, dict[str, int]]
) -> dict[str, UnitRollup]:
    by_id = {u[0]: u for u in units}
    sub_people: dict[int, int] = defaultdict(int)
    sub_meeting: dict[int, int] = defaultdict(int)
    sub_dims: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for unit_id, n in people.items():
        unit = by_id.get(unit_id)
        if unit is None:
            continue
        # The materialised path lists the unit and all its ancestors.
        for ancestor in (int(x) for x in unit[3].strip("/").split("/") if x):
            if ancestor not in by_id:
                continue
            sub_people[ancestor] += n
            sub_meeting[ancestor] += meeting.get(unit_id, 0)
            for dim, k in dims.get(unit_id, {}).items():
                sub_dims[ancestor][dim] += k
    out: dict[str, UnitRollup] = {}
    for pk, code, name, path, depth, parent_id in units:
        parent = by_id.get(parent_id)
        out[code] = UnitRollup(
            code=code, name=name, path=path, depth=depth, parent_code=parent[1] if parent else None,
            people=people.get(pk, 0), meeting=meeting.get(pk, 0),
            gaps_by_dimension=dict(dims.get(pk, {})), subtree_people=sub_people.get(pk, 0),
            subtree_meeting=sub_meeting.get(pk, 0), subtree_gaps_by_dimension=dict(sub_dims.get(pk, {})),
        )
    return out


# --------------------------------------------------------------------------------------------
# One person


def unmet_groups(person_code: str, results: Sequence[GroupResult]) -> list[GapItem]:
    """A person's gap items: the groups not met, by standard and group."""
    return sorted((_gap_item(person_code, r) for r in results if not r.met),
                  key=lambda g: (g.standard_code, g.group))


@dataclass(frozen=True, slots=True)
class PersonReport:
    """Everything the person's gap panel shows: each applicable standard's groups, met or not."""

    person: Any
    as_of: dt.date
    rules: list[Rule]
    results: list[GroupResult]
    # (standard_code, group) → programmes (code, name) whose completion would meet the group.
    programmes: dict[tuple[str, str], list[tuple[str, str]]]

    @property
    def gaps(self) -> list[GapItem]:
        return unmet_groups(self.person.code, self.results)

    def rule(self, code: str) -> Rule:
        return next(r for r in self.rules if r.code == code)


CREDENTIAL_FACT_FIELDS = ("dimension", "level", "language", "issued_on")
COMPLETED_FACT_FIELDS = (
    "completed_on", "training_class__programme__kind", "training_class__programme__grants_dimension",
    "training_class__programme__grants_level", "training_class__programme__grants_language",
    "training_class__programme__periods", "training_class__code",
)


def credential_fact_rows(as_of: dt.date, **person: Any) -> QuerySet:
    """A person's credentials issued by `as_of` (`person`: a lookup such as person_id=…), as the
    rows `facts_from_rows` reads."""
    from cadretrain.people.models import Credential

    return Credential.objects.filter(issued_on__lte=as_of, **person).values_list(*CREDENTIAL_FACT_FIELDS)


def completed_fact_rows(**person: Any) -> QuerySet:
    """A person's completed enrolments with their programme's grants, as `facts_from_rows` reads them."""
    from cadretrain.training.models import Enrolment

    return Enrolment.objects.filter(status=COMPLETED, completed_on__isnull=False, **person).values_list(
        *COMPLETED_FACT_FIELDS)


def facts_from_rows(*, code: str, position_code: str, category: str, management_tier: str, as_of: dt.date,
                    credentials: Iterable[Sequence[Any]], completed: Iterable[Sequence[Any]]) -> Facts:
    """A person's facts on `as_of` from their credential rows and completed-enrolment rows."""
    held = [Held(dim, level, issued, lang or "", "credential") for dim, level, lang, issued in credentials]
    ku: list[dt.date] = []
    periods: dict[int, int] = {}
    for done, kind, gdim, glevel, glang, n, klass in completed:
        # Periods count the whole calendar year of as_of (as the person-year table does).
        if done.year == as_of.year:
            periods[done.year] = periods.get(done.year, 0) + (n or 0)
        if done > as_of:
            continue
        if kind == KNOWLEDGE_UPDATE:
            ku.append(done)
        if gdim and glevel:
            held.append(Held(gdim, glevel, done, glang or "", f"class:{klass}"))
    return Facts(
        code=code, position_code=position_code, category=category, management_tier=management_tier,
        held=tuple(held), knowledge_updates=tuple(ku), periods_by_year=periods,
    )


def person_facts(person: Any, as_of: dt.date, rules: Sequence[Rule]) -> Facts:
    """One person's facts from the raw rows (two queries: credentials, completed enrolments)."""
    return facts_from_rows(
        code=person.code, position_code=person.position.code if person.position_id else "",
        category=person.category, management_tier=person.management_tier, as_of=as_of,
        credentials=credential_fact_rows(as_of, person_id=person.pk),
        completed=completed_fact_rows(person_id=person.pk),
    )


def person_report(*, actor: Actor, person_code: str, as_of: dt.date, with_programmes: bool = True) -> PersonReport:
    """A visible person's standards on `as_of`, each group met (with the evidence) or not (with
    the current level and the programmes that would grant it). At most five queries."""
    from cadretrain.catalogue.models import Programme
    from cadretrain.people.models import Person

    person = get_visible_or_404(Person.objects.select_related("position", "unit"), actor, code=person_code)
    probe = Facts(code=person.code, position_code=person.position.code if person.position_id else "",
                  category=person.category, management_tier=person.management_tier)
    rules = [r for r in rules_in_force(as_of) if rules_domain.applies(r, probe, as_of)]
    if not rules:
        return PersonReport(person, as_of, [], [], {})
    facts = person_facts(person, as_of, rules)
    results = rules_domain.evaluate(facts, rules, as_of)
    programmes: dict[tuple[str, str], list[tuple[str, str]]] = {}
    missing = [r for r in results if not r.met]
    if with_programmes and missing:
        catalogue = list(
            Programme.objects.filter(Q(grants_level__gt="") | Q(kind=KNOWLEDGE_UPDATE)).order_by("code")
            .values_list("code", "name", "kind", "grants_dimension", "grants_level", "grants_language")
        )
        names = {c[0]: c[1] for c in catalogue}
        specs = [(c[0], c[2], c[3], c[4], c[5]) for c in catalogue]
        for r in missing:
            codes = rules_domain.granting_programmes(r.alternatives, specs)
            programmes[(r.standard_code, r.group)] = [(c, names[c]) for c in codes]
    return PersonReport(person, as_of, rules, results, programmes)


def person_gaps(*, actor: Actor, person_code: str, as_of: dt.date) -> list[GapItem]:
    """The unmet groups of one visible person on `as_of` (NotFound when missing or out of scope);
    the same items `gaps --json` lists for that person. At most four queries."""
    return person_report(actor=actor, person_code=person_code, as_of=as_of, with_programmes=False).gaps


# --------------------------------------------------------------------------------------------
# Eligibility


@dataclass(frozen=True, slots=True)
class Eligibility:
    """Who, among the visible people employed on `as_of`, meets the standards of a post."""

    position_code: str
    as_of: dt.date
    rules: list[Rule]
    eligible: list[Any]  # people rows (dicts) meeting every applicable group
    candidates: int


def eligible_for_position(
    *, actor: Actor, position_code: str, as_of: dt.date, unit_code: str | None = None
) -> Eligibility:
    """People who would meet the standards of `position_code` on `as_of` if appointed to it
    (their category and tier still count for standards that also filter on those)."""
    from cadretrain.org.models import OrgUnit
    from cadretrain.people.models import Person

    rules = [r for r in rules_in_force(as_of) if r.position_code == position_code]
    people_qs = Person.objects.visible_to(actor).employed_on(as_of)
    if unit_code:
        unit = OrgUnit.objects.visible_to(actor).filter(code=unit_code).values_list("path", flat=True).first()
        if unit is None:
            raise NotFound("orgunit_not_found")
        people_qs = people_qs.filter(unit__path__startswith=unit)
    people = list(
        people_qs.order_by("search_key", "code").values(
            "pk", "code", "full_name", "category", "management_tier", "unit__code", "unit__name",
            "position__code", "position__name",
        )
    )
    profiles = load_profiles(people_qs.values("pk"), as_of, rules) if rules and people else {}
    compiled = [rules_domain.compile_rule(r, as_of) for r in rules]
    empty = Profile()
    eligible = []
    for row in people:
        probe = Facts(code=row["code"], position_code=position_code, category=row["category"],
                      management_tier=row["management_tier"])
        mine = [c for c in compiled if rules_domain.applies(c.rule, probe, as_of)]
        if not rules_domain.unmet_compiled(profiles.get(row["pk"], empty), mine):
            eligible.append(row)
    return Eligibility(position_code, as_of, rules, eligible, len(people))
