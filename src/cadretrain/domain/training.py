"""Pure training rules: the class life cycle, the TT 01/2018 result rule, overlap of full-time
classes, revocation grounds and feedback scales. No Django here, so the rules are tested alone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from cadretrain.domain.errors import Conflict, DomainError

# --- class life cycle -------------------------------------------------------------------------
PLANNED, OPEN, RUNNING, FINISHED, CANCELLED = "PLANNED", "OPEN", "RUNNING", "FINISHED", "CANCELLED"

# planned → open for nominations → running → finished; anything not finished may be cancelled.
# OPEN → PLANNED lets an organiser close nominations again before the class starts.
CLASS_TRANSITIONS: dict[str, frozenset[str]] = {
    PLANNED: frozenset({OPEN, CANCELLED}),
    OPEN: frozenset({PLANNED, RUNNING, CANCELLED}),
    RUNNING: frozenset({FINISHED, CANCELLED}),
    FINISHED: frozenset(),
    CANCELLED: frozenset(),
}

# Statuses in which seats may be taken (nominations are approved, people enrolled).
ENROLLING_STATUSES = frozenset({OPEN, RUNNING})


def check_class_transition(current: str, target: str) -> None:
    """Refuse a status change the life cycle does not allow."""
    if target not in CLASS_TRANSITIONS:
        raise DomainError("unknown_class_status", value=target)
    if target not in CLASS_TRANSITIONS.get(current, frozenset()):
        raise Conflict("class_transition_not_allowed", current=current, target=target)


def allowed_transitions(current: str) -> list[str]:
    order = [PLANNED, OPEN, RUNNING, FINISHED, CANCELLED]
    return [s for s in order if s in CLASS_TRANSITIONS.get(current, frozenset())]


# --- results (TT 01/2018/TT-BNV) ----------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ResultRule:
    """How a programme decides pass/fail. TT 01/2018: full attendance and every component ≥ 5/10
    (a per-component threshold, not an average)."""

    require_full_attendance: bool = True
    min_component_score: Decimal = Decimal("5")


@dataclass(frozen=True, slots=True)
class Result:
    status: str  # "COMPLETED" or "FAILED"
    score: Decimal | None  # weighted average of the components, for the record
    reasons: tuple[str, ...]  # why it failed (stable codes), empty when completed


def weighted_score(parts: Sequence[tuple[Decimal, Decimal]]) -> Decimal | None:
    """Weighted average of (weight, score) pairs, two decimals; None without weights."""
    total_weight = sum((w for w, _ in parts), Decimal(0))
    if not parts or total_weight <= 0:
        return None
    value = sum((w * s for w, s in parts), Decimal(0)) / total_weight
    return value.quantize(Decimal("0.01"))


def decide_result(
    rule: ResultRule,
    *,
    sessions_total: int,
    sessions_attended: int,
    components: Sequence[tuple[Decimal, Decimal | None]],
) -> Result:
    """COMPLETED when the rule holds, FAILED otherwise. `components` are (weight, score) per
    assessment component; a missing score is refused, not counted as a fail."""
    if any(score is None for _, score in components):
        raise DomainError("scores_incomplete")
    reasons: list[str] = []
    if rule.require_full_attendance and sessions_attended < sessions_total:
        reasons.append("attendance_incomplete")
    scored = [(w, s) for w, s in components if s is not None]
    if any(s < rule.min_component_score for _, s in scored):
        reasons.append("component_below_threshold")
    status = "FAILED" if reasons else "COMPLETED"
    return Result(status=status, score=weighted_score(scored), reasons=tuple(reasons))


# --- overlapping full-time classes ----------------------------------------------------------------
def periods_overlap(a_start: dt.date, a_end: dt.date, b_start: dt.date, b_end: dt.date) -> bool:
    """Inclusive date ranges share at least one day."""
    return a_start <= b_end and b_start <= a_end


def first_overlap(
    start: dt.date, end: dt.date, others: Iterable[tuple[str, dt.date, dt.date]]
) -> str | None:
    """Code of the first (code, start, end) that overlaps [start, end], if any."""
    for code, o_start, o_end in others:
        if periods_overlap(start, end, o_start, o_end):
            return code
    return None


# --- certificates --------------------------------------------------------------------------------
# TT 01/2018 Art. on revocation: the five grounds.
REVOCATION_GROUNDS = ("FRAUD", "UNQUALIFIED", "ULTRA_VIRES", "ALTERED", "LENT")
# Reissue: the institution's own error, or the holder lost/damaged it.
REISSUE_GROUNDS = ("INSTITUTION_ERROR", "LOST_OR_DAMAGED")


def check_revocation_ground(ground: str) -> str:
    if ground not in REVOCATION_GROUNDS:
        raise DomainError("unknown_revocation_ground", value=ground)
    return ground


def check_reissue_ground(ground: str) -> str:
    if ground not in REISSUE_GROUNDS:
        raise DomainError("unknown_reissue_ground", value=ground)
    return ground


def certificate_serial(prefix: str, year: int, number: int) -> str:
    """The printed number: '<institution prefix>/<year>/<5-digit sequence>'."""
    return f"{prefix}/{year}/{number:05d}"


# --- feedback -------------------------------------------------------------------------------
def check_rating(value: object, field: str) -> int:
    """A 1–5 rating."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise DomainError("rating_out_of_range", field=field, value=str(value)) from None
    if not 1 <= number <= 5:
        raise DomainError("rating_out_of_range", field=field, value=str(value))
    return number


LOW_RATING_THRESHOLD = Decimal("3.0")
