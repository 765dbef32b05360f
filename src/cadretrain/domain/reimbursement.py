"""Service commitment after training and reimbursement of training costs (đền bù chi phí đào tạo).

Sources (reference/domain-brief.md §3):
* commitment after degree training: at least 2 × the training time under NĐ 101/2017 (to 30 Jun
  2025); at least 3 × for công chức under NĐ 171/2025 (from 1 Jul 2025);
* 100% of the costs when the person voluntarily quits or is dismissed during training, or gets
  no diploma;
* pro rata after graduating but before serving the committed time: S = F / T1 × (T1 − T2), with
  F the actual cost paid for the person (tuition and course costs, salary and allowances
  excluded), T1 the committed service time and T2 the time already served, both in months.

Counting choices (the sources do not say): a started month of training counts as a whole month
(the commitment is a minimum, so rounding the training time up never under-commits); only whole
months count as served; S is rounded to the nearest đồng (half up). No Django here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from cadretrain.domain.errors import DomainError

NDD_171_FROM = dt.date(2025, 7, 1)  # NĐ 171/2025/NĐ-CP in force for công chức
NDD_259_FROM = dt.date(2026, 7, 1)  # viên chức rules move to NĐ 259/2026 (text not verified)

# Outcomes of the training itself.
PENDING, COMPLETED, NO_DIPLOMA, QUIT_DURING, DISMISSED_DURING = (
    "PENDING", "COMPLETED", "NO_DIPLOMA", "QUIT_DURING", "DISMISSED_DURING")
OUTCOMES = (PENDING, COMPLETED, NO_DIPLOMA, QUIT_DURING, DISMISSED_DURING)
# Outcomes for which the whole cost is owed, whatever the commitment.
FULL_COST_OUTCOMES = frozenset({NO_DIPLOMA, QUIT_DURING, DISMISSED_DURING})

FULL, PRO_RATA = "FULL", "PRO_RATA"


# --- months -----------------------------------------------------------------------------------
def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, clipped to the end of a shorter month (31 Jan + 1 = 28/29 Feb)."""
    total = day.year * 12 + (day.month - 1) + months
    year, month = divmod(total, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def full_months_between(start: dt.date, end: dt.date) -> int:
    """Whole months from `start` to `end` (0 when `end` is before `start + 1 month`)."""
    if end <= start:
        return 0
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if add_months(start, months) > end:
        months -= 1
    return max(months, 0)


def training_months(start: dt.date, end: dt.date) -> int:
    """The length of a course in months, a started month counting as a whole one (≥ 1)."""
    if end < start:
        raise DomainError("dates_out_of_order")
    whole = full_months_between(start, end)
    return whole + (1 if add_months(start, whole) < end or whole == 0 else 0)


# --- commitment -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CommitmentRule:
    multiplier: int
    basis: str  # the legal instrument, shown and stored with the commitment


def commitment_rule(*, sent_on: dt.date, category: str) -> CommitmentRule | None:
    """The minimum-commitment rule for degree training that starts on `sent_on`, or None when the
    references give none (the commitment is then entered by the office)."""
    if sent_on < NDD_171_FROM:
        return CommitmentRule(2, "NĐ 101/2017/NĐ-CP")
    if category == "CONG_CHUC":
        return CommitmentRule(3, "NĐ 171/2025/NĐ-CP")
    if category == "VIEN_CHUC" and sent_on < NDD_259_FROM:
        # NĐ 171 replaced only the civil-servant parts of NĐ 101; viên chức kept NĐ 101 until
        # NĐ 259/2026 (whose text the references could not check).
        return CommitmentRule(2, "NĐ 101/2017/NĐ-CP")
    return None


@dataclass(frozen=True, slots=True)
class Commitment:
    months: int
    basis: str  # a decree, or "" when entered without a rule


def service_commitment(*, degree: bool, sent_on: dt.date, category: str, months_of_training: int,
                       entered: int | None) -> Commitment | None:
    """The service commitment of one participant. Degree training with a rule: at least the
    rule's multiple of the training time (a larger entered value is kept, a smaller one refused).
    Otherwise the entered value (None or 0: no commitment)."""
    if entered is not None and entered < 0:
        raise DomainError("invalid_commitment_months", value=entered)
    rule = commitment_rule(sent_on=sent_on, category=category) if degree else None
    if rule is not None:
        minimum = rule.multiplier * months_of_training
        if entered is not None and entered < minimum:
            raise DomainError("commitment_below_minimum", months=entered, minimum=minimum, basis=rule.basis)
        return Commitment(max(entered or 0, minimum), rule.basis)
    if not entered:
        return None
    return Commitment(entered, "")


# --- reimbursement ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Due:
    case: str  # FULL or PRO_RATA
    amount: int  # đồng
    served_months: int


def pro_rata(cost: int, committed: int, served: int) -> int:
    """S = F / T1 × (T1 − T2), to the nearest đồng."""
    if committed <= 0:
        raise DomainError("no_commitment")
    if not 0 <= served < committed:
        raise DomainError("commitment_fulfilled")
    exact = Fraction(cost) * (committed - served) / committed
    return int((Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(Decimal(1), ROUND_HALF_UP))


def reimbursement_due(*, outcome: str, cost: int | None, returned_on: dt.date | None,
                      left_on: dt.date, committed_months: int | None) -> Due:
    """What a person who left on `left_on` owes. Refuses (DomainError) when nothing can be owed:
    the training is still under way with no decisive outcome, the commitment was served, or
    there is no commitment."""
    if cost is None:
        raise DomainError("participant_cost_required")
    if cost < 0:
        raise DomainError("invalid_amount", value=cost)
    if outcome not in OUTCOMES:
        raise DomainError("unknown_outcome", value=outcome)
    if outcome in FULL_COST_OUTCOMES:
        return Due(FULL, cost, 0)
    if outcome != COMPLETED or returned_on is None:
        raise DomainError("participant_not_returned")
    if left_on < returned_on:
        raise DomainError("left_before_return")
    if not committed_months:
        raise DomainError("no_commitment")
    served = full_months_between(returned_on, left_on)
    if served >= committed_months:
        raise DomainError("commitment_fulfilled")
    return Due(PRO_RATA, pro_rata(cost, committed_months, served), served)
