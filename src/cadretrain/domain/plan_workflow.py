"""Annual training plans: the status table, who may act, and the budget rule.

A unit drafts its plan, submits it, and an officer of an ancestor unit (or the city admin)
approves it or returns it with comments; a returned plan is edited and submitted again. An
approved plan is locked. A parent's plan consolidates its children's plans, so it may only be
submitted once every child plan of the year is approved; approving the city's plan is the last
level. Plain data, no Django: tests and documentation read the same table.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Final

from cadretrain.domain.access import Role
from cadretrain.domain.errors import DomainError, NotAllowed


class PlanStatus(StrEnum):
    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    RETURNED = "RETURNED"
    APPROVED = "APPROVED"


class PlanAction(StrEnum):
    SUBMIT = "submit"
    APPROVE = "approve"
    RETURN = "return"


TRANSITIONS: Final[dict[tuple[PlanStatus, PlanAction], PlanStatus]] = {
    (PlanStatus.DRAFT, PlanAction.SUBMIT): PlanStatus.SUBMITTED,
    (PlanStatus.RETURNED, PlanAction.SUBMIT): PlanStatus.SUBMITTED,
    (PlanStatus.SUBMITTED, PlanAction.APPROVE): PlanStatus.APPROVED,
    (PlanStatus.SUBMITTED, PlanAction.RETURN): PlanStatus.RETURNED,
}

# Statuses in which the unit may still change its items.
EDITABLE: Final[frozenset[PlanStatus]] = frozenset({PlanStatus.DRAFT, PlanStatus.RETURNED})

# Budget lines of a plan item, by funding source.
FUNDING_SOURCES: Final[tuple[str, ...]] = ("budget_state", "budget_unit", "budget_learner", "budget_sponsor")


def next_status(current: str, action: str) -> PlanStatus:
    """The status after `action`, or `plan_invalid_transition` when the table has no such move."""
    try:
        return TRANSITIONS[(PlanStatus(current), PlanAction(action))]
    except (KeyError, ValueError):
        raise DomainError("plan_invalid_transition", status=current, action=action) from None


def who_may(action: str) -> frozenset[Role]:
    """Roles that may perform `action` at all (the unit-chain rule comes on top)."""
    if PlanAction(action) is PlanAction.SUBMIT:
        return frozenset({Role.CITY_ADMIN, Role.UNIT_OFFICER})
    return frozenset({Role.CITY_ADMIN, Role.UNIT_OFFICER})


def check_may_act(*, action: str, role: Role, actor_unit_path: str | None, plan_unit_path: str) -> None:
    """Raise `NotAllowed` unless the actor may perform `action` on the plan of that unit.

    Submitting is for the unit itself (or an ancestor acting for it). Approving and returning
    are for the parent level: an officer of a strict ancestor unit, or the city admin; nobody
    approves their own unit's plan (the city admin's own unit, if any, included)."""
    if role not in who_may(action):
        raise NotAllowed("plan_not_allowed")
    if PlanAction(action) is PlanAction.SUBMIT:
        if role is Role.CITY_ADMIN or (actor_unit_path and plan_unit_path.startswith(actor_unit_path)):
            return
        raise NotAllowed("plan_not_allowed")
    if actor_unit_path is not None and actor_unit_path == plan_unit_path:
        raise NotAllowed("plan_own_unit")
    if role is Role.CITY_ADMIN:
        return
    if actor_unit_path and plan_unit_path.startswith(actor_unit_path):
        return
    raise NotAllowed("plan_not_in_chain")


def check_budget(total: int, lines: Iterable[int]) -> None:
    """Budget lines must be non-negative and add up to the item's total."""
    values = list(lines)
    if any(v < 0 for v in values) or total < 0:
        raise DomainError("plan_budget_negative")
    if sum(values) != total:
        raise DomainError("plan_budget_mismatch", total=total, lines=sum(values))


def check_children_ready(child_statuses: Iterable[str]) -> None:
    """A consolidated plan goes up only when every child plan of the year is approved."""
    pending = [s for s in child_statuses if s != PlanStatus.APPROVED]
    if pending:
        raise DomainError("plan_children_not_approved", count=len(pending))


def quarter_of_month(month: int) -> int:
    return (month - 1) // 3 + 1


# Who pays by default, by programme kind: the state budget for the training the Party and the
# State require of the post (political theory, state management, knowledge updates, defence and
# security, Party work); the learner for degrees they take for themselves; the unit's own funds
# for the rest (professional skills, languages, IT, digital, soft skills). The unit may change
# the split; this is only the proposal's starting point.
STATE_FUNDED_KINDS: Final[frozenset[str]] = frozenset({
    "POLITICAL_THEORY", "STATE_MANAGEMENT", "KNOWLEDGE_UPDATE", "DEFENCE_SECURITY", "PARTY_BUILDING"})
LEARNER_FUNDED_KINDS: Final[frozenset[str]] = frozenset({"UNDERGRADUATE", "POSTGRADUATE"})


def default_funding_source(kind: str) -> str:
    """The budget line a programme of this kind is charged to unless the unit says otherwise."""
    if kind in STATE_FUNDED_KINDS:
        return "budget_state"
    if kind in LEARNER_FUNDED_KINDS:
        return "budget_learner"
    return "budget_unit"


def estimate_budget(*, kind: str, cost_per_learner: int | None, people: int) -> dict[str, int]:
    """Budget lines of an item: cost per learner × people, all on the kind's default source
    (every line 0 when the cost is unknown)."""
    lines = dict.fromkeys(FUNDING_SOURCES, 0)
    if cost_per_learner and people > 0:
        lines[default_funding_source(kind)] = int(cost_per_learner) * int(people)
    lines_total = sum(lines.values())
    return {**lines, "budget_total": lines_total}
