"""Pure standards evaluation (no database): applicability, groups of alternatives, equivalences,
knowledge-update windows, annual periods, and properties checked with hypothesis."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from cadretrain.domain.levels import CROSS_EQUIVALENCES, LEVEL_RANKS
from cadretrain.domain.standards import (
    Facts,
    Held,
    Requirement,
    Rule,
    applies,
    best_level,
    evaluate,
    granting_programmes,
    months_before,
    unmet,
)

D = dt.date
AS_OF = D(2026, 6, 15)
START = D(2020, 1, 1)
LONG_AGO = D(2015, 1, 1)


def rule(*reqs: tuple, code: str = "S", start: dt.date = START, end: dt.date | None = None,
         **who: str) -> Rule:
    return Rule(code=code, valid_from=start, valid_to=end,
                requirements=tuple(Requirement(*r) for r in reqs), **who)


def held(dim: str, level: str, day: dt.date = LONG_AGO, lang: str = "") -> Held:
    return Held(dim, level, day, lang, "credential")


def gaps(facts: Facts, rules: list[Rule], as_of: dt.date = AS_OF) -> set[tuple[str, str]]:
    return {(r.standard_code, r.group) for r in unmet(evaluate(facts, rules, as_of))}


# ----- applicability -------------------------------------------------------------------------

def test_standard_applies_only_when_every_non_empty_filter_matches():
    r = rule(("1", "EDUCATION", "DAI_HOC"), position_code="GIAM_DOC_SO", category="CONG_CHUC")
    assert applies(r, Facts("p", position_code="GIAM_DOC_SO", category="CONG_CHUC"), AS_OF)
    assert not applies(r, Facts("p", position_code="GIAM_DOC_SO", category="CAN_BO"), AS_OF)
    assert not applies(r, Facts("p", position_code="TRUONG_PHONG", category="CONG_CHUC"), AS_OF)
    assert applies(rule(("1", "EDUCATION", "DAI_HOC")), Facts("p"), AS_OF)  # no filter = anyone


def test_validity_bounds_are_inclusive():
    r = rule(("1", "ANNUAL_PERIODS", "40"), start=D(2017, 10, 21), end=D(2021, 12, 9))
    person = Facts("p")
    assert applies(r, person, D(2017, 10, 21)) and applies(r, person, D(2021, 12, 9))
    assert not applies(r, person, D(2017, 10, 20)) and not applies(r, person, D(2021, 12, 10))


# ----- groups and alternatives -----------------------------------------------------------------

def test_groups_are_anded_and_rows_of_a_group_are_alternatives():
    r = rule(("1", "EDUCATION", "DAI_HOC"), ("2", "FOREIGN_LANGUAGE", "BAC_3", "en"),
             ("2", "EDUCATION", "THAC_SI"))
    assert gaps(Facts("p", held=(held("EDUCATION", "DAI_HOC"),)), [r]) == {("S", "2")}
    assert gaps(Facts("p", held=(held("EDUCATION", "THAC_SI"),)), [r]) == set()
    assert gaps(Facts("p", held=(held("EDUCATION", "DAI_HOC"), held("FOREIGN_LANGUAGE", "BAC_4", lang="en"))),
                [r]) == set()


def test_unmet_group_reports_its_first_row_and_the_current_level_in_that_dimension():
    r = rule(("1", "POLITICAL_THEORY", "CAO_CAP"), ("1", "EDUCATION", "TIEN_SI"))
    [res] = evaluate(Facts("p", held=(held("POLITICAL_THEORY", "TRUNG_CAP"), held("EDUCATION", "THAC_SI"))),
                     [r], AS_OF)
    assert not res.met
    assert (res.requirement.dimension, res.requirement.min_level, res.current) == (
        "POLITICAL_THEORY", "CAO_CAP", "TRUNG_CAP")


def test_met_group_names_the_credential_that_satisfied_it():
    r = rule(("1", "EDUCATION", "DAI_HOC"))
    first = held("EDUCATION", "DAI_HOC", D(2010, 6, 1))
    [res] = evaluate(Facts("p", held=(held("EDUCATION", "THAC_SI", D(2018, 1, 1)), first)), [r], AS_OF)
    assert res.met and res.evidence == first


def test_credential_counts_only_from_its_date():
    r = rule(("1", "EDUCATION", "DAI_HOC"))
    facts = Facts("p", held=(held("EDUCATION", "DAI_HOC", D(2026, 7, 1)),))
    assert gaps(facts, [r], D(2026, 6, 30)) == {("S", "1")}
    assert gaps(facts, [r], D(2026, 7, 1)) == set()


# ----- equivalences ----------------------------------------------------------------------------

def test_bachelor_of_politics_and_llct_hanh_chinh_satisfy_cao_cap():
    r = rule(("1", "POLITICAL_THEORY", "CAO_CAP"))
    for level in ("CU_NHAN", "CAO_CAP_LLCT_HANH_CHINH", "CAO_CAP"):
        assert gaps(Facts("p", held=(held("POLITICAL_THEORY", level),)), [r]) == set()
    assert gaps(Facts("p", held=(held("POLITICAL_THEORY", "TRUNG_CAP"),)), [r]) == {("S", "1")}


def test_llct_hanh_chinh_also_satisfies_senior_state_management_but_cao_cap_does_not():
    r = rule(("1", "STATE_MANAGEMENT", "CHUYEN_VIEN_CAO_CAP"))
    assert gaps(Facts("p", held=(held("POLITICAL_THEORY", "CAO_CAP_LLCT_HANH_CHINH"),)), [r]) == set()
    for level in ("CAO_CAP", "CU_NHAN"):
        assert gaps(Facts("p", held=(held("POLITICAL_THEORY", level),)), [r]) == {("S", "1")}
    # …and a state-management rank never counts as political theory.
    pt = rule(("1", "POLITICAL_THEORY", "SO_CAP"))
    assert gaps(Facts("p", held=(held("STATE_MANAGEMENT", "CHUYEN_VIEN_CAO_CAP"),)), [pt]) == {("S", "1")}


def test_current_state_management_level_shows_the_equivalent_level():
    facts = Facts("p", held=(held("POLITICAL_THEORY", "CAO_CAP_LLCT_HANH_CHINH"), held("STATE_MANAGEMENT", "CHUYEN_VIEN")))
    assert best_level(facts.held, "STATE_MANAGEMENT") == "CHUYEN_VIEN_CAO_CAP"
    assert best_level(facts.held, "POLITICAL_THEORY") == "CAO_CAP_LLCT_HANH_CHINH"


def test_language_specific_requirement_needs_that_language_and_any_language_otherwise():
    en = rule(("1", "FOREIGN_LANGUAGE", "BAC_3", "en"))
    anyl = rule(("1", "FOREIGN_LANGUAGE", "BAC_3"), code="T")
    french = Facts("p", held=(held("FOREIGN_LANGUAGE", "BAC_5", lang="fr"),))
    assert gaps(french, [en, anyl]) == {("S", "1")}
    [res] = unmet(evaluate(french, [en], AS_OF))
    assert res.current is None  # no English at all


# ----- derived dimensions ------------------------------------------------------------------------

def test_months_before_clamps_to_month_end():
    assert months_before(D(2026, 5, 31), 3) == D(2026, 2, 28)
    assert months_before(D(2026, 6, 15), 60) == D(2021, 6, 15)
    assert months_before(D(2026, 1, 10), 1) == D(2025, 12, 10)


def test_knowledge_update_window_is_the_n_months_before_as_of_inclusive():
    r = rule(("1", "KNOWLEDGE_UPDATE_MONTHS", "60"))
    assert gaps(Facts("p", knowledge_updates=(D(2021, 6, 15),)), [r]) == set()
    assert gaps(Facts("p", knowledge_updates=(D(2021, 6, 14),)), [r]) == {("S", "1")}
    # A completion after as_of does not count yet; the current value is the last update before.
    [res] = evaluate(Facts("p", knowledge_updates=(D(2020, 1, 2), D(2026, 7, 1))), [r], AS_OF)
    assert not res.met and res.current == "2020-01-02"


def test_annual_periods_count_the_calendar_year_of_as_of():
    r = rule(("1", "ANNUAL_PERIODS", "40"))
    facts = Facts("p", periods_by_year={2025: 80, 2026: 39})
    [res] = evaluate(facts, [r], AS_OF)
    assert not res.met and res.current == "39"
    assert gaps(facts, [r], D(2025, 3, 1)) == set()
    assert gaps(Facts("p"), [r]) == {("S", "1")}


def test_granting_programmes_are_those_whose_level_would_meet_a_row():
    catalogue = [
        ("LLCT-TC", "POLITICAL_THEORY", "POLITICAL_THEORY", "TRUNG_CAP", ""),
        ("LLCT-CC", "POLITICAL_THEORY", "POLITICAL_THEORY", "CAO_CAP", ""),
        ("LLCT-HC", "POLITICAL_THEORY", "POLITICAL_THEORY", "CAO_CAP_LLCT_HANH_CHINH", ""),
        ("QLNN-CVCC", "STATE_MANAGEMENT", "STATE_MANAGEMENT", "CHUYEN_VIEN_CAO_CAP", ""),
        ("CNKT", "KNOWLEDGE_UPDATE", "", "", ""),
    ]
    assert granting_programmes([Requirement("1", "POLITICAL_THEORY", "CAO_CAP")], catalogue) == ["LLCT-CC", "LLCT-HC"]
    assert granting_programmes([Requirement("1", "STATE_MANAGEMENT", "CHUYEN_VIEN_CAO_CAP")], catalogue) == [
        "LLCT-HC", "QLNN-CVCC"]
    assert granting_programmes([Requirement("1", "KNOWLEDGE_UPDATE_MONTHS", "60")], catalogue) == ["CNKT"]


# ----- properties --------------------------------------------------------------------------------

LEVELS = [(dim.value, lvl) for dim, ranks in LEVEL_RANKS.items() for lvl in ranks]
dates = st.dates(min_value=D(2010, 1, 1), max_value=D(2030, 12, 31))
languages = st.sampled_from(["", "en", "fr"])


@st.composite
def helds(draw):  # type: ignore[no-untyped-def]
    dim, level = draw(st.sampled_from(LEVELS))
    lang = draw(languages) if dim == "FOREIGN_LANGUAGE" else ""
    return Held(dim, level, draw(dates), lang, "credential")


@st.composite
def requirements(draw, group: str):  # type: ignore[no-untyped-def]
    kind = draw(st.sampled_from(["level", "level", "level", "KU", "AP"]))
    if kind == "KU":
        return Requirement(group, "KNOWLEDGE_UPDATE_MONTHS", str(draw(st.integers(1, 120))))
    if kind == "AP":
        return Requirement(group, "ANNUAL_PERIODS", str(draw(st.integers(1, 120))))
    dim, level = draw(st.sampled_from(LEVELS))
    return Requirement(group, dim, level, draw(languages) if dim == "FOREIGN_LANGUAGE" else "")


@st.composite
def rules(draw):  # type: ignore[no-untyped-def]
    reqs = []
    for g in range(draw(st.integers(1, 3))):
        reqs += draw(st.lists(requirements(str(g + 1)), min_size=1, max_size=3))
    start = draw(dates)
    end = draw(st.one_of(st.none(), dates.filter(lambda d: d >= start)))
    return Rule(code=f"S{draw(st.integers(0, 5))}", valid_from=start, valid_to=end, requirements=tuple(reqs))


@st.composite
def facts(draw):  # type: ignore[no-untyped-def]
    return Facts(
        "p", held=tuple(draw(st.lists(helds(), max_size=5))),
        knowledge_updates=tuple(draw(st.lists(dates, max_size=3))),
        periods_by_year=draw(st.dictionaries(st.integers(2010, 2030), st.integers(0, 200), max_size=4)),
    )


@settings(max_examples=60, deadline=None)
@given(facts(), st.lists(rules(), min_size=1, max_size=2), helds(), dates)
def test_adding_a_credential_never_adds_a_gap(person, rs, extra, as_of):
    more = Facts(person.code, held=(*person.held, extra), knowledge_updates=person.knowledge_updates,
                 periods_by_year=person.periods_by_year)
    assert gaps(more, rs, as_of) <= gaps(person, rs, as_of)


@settings(max_examples=50, deadline=None)
@given(facts(), rules(), dates)
def test_a_standard_outside_its_validity_never_applies(person, r, as_of):
    if as_of < r.valid_from or (r.valid_to is not None and as_of > r.valid_to):
        assert evaluate(person, [r], as_of) == []
    else:
        assert {res.group for res in evaluate(person, [r], as_of)} == {g for g, _ in r.groups()}


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(LEVELS), st.sampled_from(LEVELS))
def test_a_level_meets_a_requirement_exactly_when_rank_or_declared_equivalence_allows(h, req):
    r = rule(("1", req[0], req[1]))
    met = not gaps(Facts("p", held=(held(h[0], h[1]),)), [r])
    same_dim = h[0] == req[0] and LEVEL_RANKS[h[0]][h[1]] >= LEVEL_RANKS[req[0]][req[1]]  # type: ignore[index]
    cross = any(
        dim == req[0] and LEVEL_RANKS[dim][lvl] >= LEVEL_RANKS[req[0]][req[1]]  # type: ignore[index]
        for dim, lvl in CROSS_EQUIVALENCES.get((h[0], h[1]), ())  # type: ignore[call-overload]
    )
    assert met is (same_dim or cross)
    # The only cross-dimension equivalence is LLCT-HC → state management.
    if h[0] != req[0] and met:
        assert h == ("POLITICAL_THEORY", "CAO_CAP_LLCT_HANH_CHINH") and req[0] == "STATE_MANAGEMENT"


@settings(max_examples=80, deadline=None)
@given(facts(), st.lists(rules(), min_size=1, max_size=3), dates)
def test_compiled_workforce_evaluation_agrees_with_the_pure_evaluator(person, rs, as_of):
    from cadretrain.domain.standards import (
        Profile,
        compile_rule,
        last_knowledge_update,
        unmet_compiled,
    )

    profile = Profile(last_ku=last_knowledge_update(person, as_of),
                      periods=person.periods_by_year.get(as_of.year, 0))
    for h in person.held:
        if h.acquired_on <= as_of:
            profile.add(h.dimension, h.level, h.language)
    applicable = [compile_rule(r, as_of) for r in rs if applies(r, person, as_of)]
    expected = [(r.standard_code, r.group, r.requirement.dimension, r.requirement.min_level, r.current)
                for r in unmet(evaluate(person, rs, as_of))]
    assert unmet_compiled(profile, applicable) == expected
