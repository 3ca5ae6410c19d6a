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
