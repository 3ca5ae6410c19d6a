"""What the engine reads: frozen dataclasses built by the service from the database or from a file."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal


def combination_key(categories: Mapping[str, str] | None) -> str:
    """Canonical key of a category combination: 'age_group=15-24|sex=F'; '' for the total."""
    if not categories:
        return ""
    return "|".join(f"{k}={categories[k]}" for k in sorted(categories))


def parse_combination(key: str) -> dict[str, str]:
    """The categories of a canonical key (the inverse of combination_key)."""
    if not key:
        return {}
    return dict(part.split("=", 1) for part in key.split("|"))


@dataclass(frozen=True)
class DisaggregationSpec:
    key: str  # "sex"
    categories: tuple[str, ...]  # ("F", "M")


@dataclass(frozen=True)
class IndicatorSpec:
    code: str
    unit: str = "number"  # number | percent | currency | yes_no | text
    aggregation: str = "sum"
    direction: str = "increase"
    decimals: int = 0
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    is_required: bool = True
    is_cumulative: bool = False
    end_target: Decimal | None = None
    period_target: Decimal | None = None
    disaggregations: tuple[DisaggregationSpec, ...] = ()


@dataclass(frozen=True)
class RuleSpec:
    code: str
    left: str
    operator: str  # == != < <= > >=
    right: str
    severity: str = "error"
    missing_value_strategy: str = "skip_if_any"
    message_en: str = ""
    message_fr: str = ""


@dataclass(frozen=True)
class RawValue:
    """One value as typed or loaded: text or Decimal, for the total or a category combination."""

    indicator: str
    value: str | Decimal | None
    combination: str = ""  # canonical key
    comment: str = ""


@dataclass(frozen=True)
class PeriodContext:
    period: str
    project_start: dt.date | None = None
    project_end: dt.date | None = None
    is_locked: bool = False


@dataclass(frozen=True)
class ValidationInput:
    project: str
    context: PeriodContext
    indicators: tuple[IndicatorSpec, ...]
    values: tuple[RawValue, ...]
    rules: tuple[RuleSpec, ...] = ()
    # Totals of earlier periods, oldest first, per indicator code.
    history: Mapping[str, tuple[tuple[str, Decimal], ...]] = field(default_factory=dict)
    lang: str = "en"  # how typed numbers are read (1 234,5 in French)
    # Indicators retired for this period (code → day of their retirement), left out of `indicators`: not
    # asked for, rules over them not judged, and a value sent for one refused (submissions.queries.retired_for).
    retired: Mapping[str, dt.date] = field(default_factory=dict)
