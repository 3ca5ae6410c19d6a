"""How indicator values add up over periods and how far they are towards their target (pure)."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def to_date(aggregation: str, values: list[Decimal]) -> Decimal | None:
    """The value to date of periods' values (oldest first): sum, latest, maximum or average."""
    if not values:
        return None
    if aggregation == "sum":
        return sum(values, Decimal(0))
    if aggregation == "latest":
        return values[-1]
    if aggregation == "max":
        return max(values)
    return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def percent_met(actual: Decimal | None, target: Decimal | None, baseline: Decimal | None, direction: str,
                aggregation: str) -> Decimal | None:
    """How far an actual is towards a target, in percent, for an indicator that adds up as `aggregation`.

    Flows (sum) count from zero; stocks and rates move from their baseline. A target equal to the
    baseline (a milestone already due, such as yes/no) is met (100) or not (0).
    """
    if actual is None or target is None:
        return None
    percent = percent_of_target(actual, target, None if aggregation == "sum" else baseline, direction)
    if percent is None:
        reached = actual >= target if direction == "increase" else actual <= target
        return Decimal(100) if reached else Decimal(0)
    return percent


def percent_of_target(actual: Decimal | None, target: Decimal | None, baseline: Decimal | None = None,
                      direction: str = "increase") -> Decimal | None:
    """Progress from the baseline towards the target, in percent (100 = target reached).

    For an increase with a zero baseline this is actual / target; for a decrease it is how much of the
    planned reduction has happened.
    """
    if actual is None or target is None:
        return None
    start = baseline or Decimal(0)
    if direction == "decrease":
        planned = start - target
        done = start - actual
    else:
        planned = target - start
        done = actual - start
    if planned == 0:
        return None
    return (done / planned * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
