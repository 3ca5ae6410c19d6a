"""A logframe as plain data: the one shape every door hands to `logframes.service.apply_logframe`.

The screens (one item edited), the Excel workbook and the projects file (a whole logframe) all build a
`LogframeSpec`; the service compares it with what is stored and applies the difference as creations,
updates, revisions (a changed definition of an indicator that has values) and retirements, in one
transaction, or answers every problem at once. `logframes.queries.spec_of(project)` gives the stored
logframe in the same shape, so export → import → export is the identity.

Pure: no Flask, no database. `where` maps a field name ("" for the item) to where the item came from
("Indicators!C5", "projects[0].logframe.levels[2].code"), so that a problem names the cell or path.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal

LEVEL_KINDS = ("impact", "outcome", "output", "activity")  # the tree's order: a child is deeper than its parent
UNITS = ("number", "percent", "currency", "yes_no", "text")
AGGREGATIONS = ("sum", "latest", "max", "average")
DIRECTIONS = ("increase", "decrease")
SEVERITIES = ("error", "warning", "info")
OPERATORS = ("==", "!=", "<", "<=", ">", ">=")
MISSING_VALUE_STRATEGIES = ("skip_if_any", "skip_if_all", "never_skip")

# A change to one of these, once the indicator has values, is a new revision of its definition (with a reason);
# values keep the revision they were reported against.
DEFINITION_FIELDS = ("name_en", "name_fr", "definition_en", "definition_fr", "unit", "currency", "aggregation",
                     "direction", "is_cumulative", "decimals", "min_value", "max_value", "disaggregations")
# A change to one of these is a target revision: audited with its reason, shown as "target revised on …".
TARGET_FIELDS = ("baseline_value", "baseline_date", "target_value")


def _where() -> Mapping[str, str]:
    return {}


def plain(value: Decimal | None) -> Decimal | None:
    """A number without trailing zeros or exponent: 50.0000 (as a NUMERIC column gives it back) → 50, 0.50 → 0.5."""
    if value is None:
        return None
    if value == 0:
        return Decimal(0)  # no negative zero, no 0E-4
    value = value.normalize()
    return value.quantize(Decimal(1)) if value.as_tuple().exponent > 0 else value


@dataclass(frozen=True)
class LevelSpec:
    code: str
    kind: str  # one of LEVEL_KINDS
    statement_en: str = ""
    statement_fr: str = ""
    parent: str | None = None  # the parent level's code; None for a root
    where: Mapping[str, str] = field(default_factory=_where, compare=False, repr=False)


@dataclass(frozen=True)
class IndicatorSpec:
    code: str
    level: str  # the code of its result level
    name_en: str = ""
    name_fr: str = ""
    definition_en: str = ""
    definition_fr: str = ""
    unit: str = "number"
    currency: str | None = None  # ISO 4217, for unit "currency"
    aggregation: str = "sum"
    direction: str = "increase"
    is_cumulative: bool = False
    baseline_value: Decimal | None = None
    baseline_date: dt.date | None = None
    target_value: Decimal | None = None
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    decimals: int = 0
    is_required: bool = True
    is_key: bool = False
    means_of_verification_en: str = ""
    means_of_verification_fr: str = ""
    disaggregations: tuple[str, ...] = ()  # keys of the shared disaggregation types, in their shared order
    retired: bool = False  # no longer reported; kept with its values
    where: Mapping[str, str] = field(default_factory=_where, compare=False, repr=False)

    def definition(self) -> dict:
        return {name: getattr(self, name) for name in DEFINITION_FIELDS}


@dataclass(frozen=True)
class TargetSpec:
    indicator: str  # indicator code
    period: str  # "2021Q1", of the project's reporting frequency
    value: Decimal
    combination: str = ""  # canonical category combination ("sex=F"); "" for the total
    where: Mapping[str, str] = field(default_factory=_where, compare=False, repr=False)


@dataclass(frozen=True)
class RuleSpec:
    code: str  # "R1"
    left: str
    operator: str
    right: str
    severity: str = "error"
    missing_value_strategy: str = "skip_if_any"
    message_en: str = ""
    message_fr: str = ""
    is_active: bool = True
    where: Mapping[str, str] = field(default_factory=_where, compare=False, repr=False)


@dataclass(frozen=True)
class LogframeSpec:
    """A whole logframe, in display order (levels depth-first, indicators by level then position)."""

    levels: tuple[LevelSpec, ...] = ()
    indicators: tuple[IndicatorSpec, ...] = ()
    targets: tuple[TargetSpec, ...] = ()
    rules: tuple[RuleSpec, ...] = ()

    def indicator(self, code: str) -> IndicatorSpec | None:
        return next((i for i in self.indicators if i.code == code), None)

    def level(self, code: str) -> LevelSpec | None:
        return next((item for item in self.levels if item.code == code), None)

    def with_indicator(self, spec: IndicatorSpec, original_code: str | None = None) -> "LogframeSpec":
        """This logframe with one indicator added or replaced (found by `original_code`, else by its code)."""
        key = original_code or spec.code
        if any(i.code == key for i in self.indicators):
            indicators = tuple(spec if i.code == key else i for i in self.indicators)
            targets = tuple(replace(t, indicator=spec.code) if t.indicator == key else t for t in self.targets)
            return replace(self, indicators=indicators, targets=targets)
        return replace(self, indicators=self.indicators + (spec,))

    def with_level(self, spec: LevelSpec, original_code: str | None = None) -> "LogframeSpec":
        """This logframe with one level added or replaced; its children and indicators follow a new code."""
        key = original_code or spec.code
        if not any(item.code == key for item in self.levels):
            return replace(self, levels=self.levels + (spec,))
        levels = tuple(spec if item.code == key else
                       (replace(item, parent=spec.code) if item.parent == key else item) for item in self.levels)
        indicators = tuple(replace(i, level=spec.code) if i.level == key else i for i in self.indicators)
        return replace(self, levels=levels, indicators=indicators)

    def with_targets(self, indicator: str, targets: tuple[TargetSpec, ...]) -> "LogframeSpec":
        """This logframe with the per-period targets of one indicator replaced."""
        kept = tuple(t for t in self.targets if t.indicator != indicator)
        return replace(self, targets=kept + tuple(targets))

    def with_rule(self, spec: RuleSpec) -> "LogframeSpec":
        if any(r.code == spec.code for r in self.rules):
            return replace(self, rules=tuple(spec if r.code == spec.code else r for r in self.rules))
        return replace(self, rules=self.rules + (spec,))

    def without_indicator(self, code: str) -> "LogframeSpec":
        return replace(self, indicators=tuple(i for i in self.indicators if i.code != code),
                       targets=tuple(t for t in self.targets if t.indicator != code))

    def without_level(self, code: str) -> "LogframeSpec":
        return replace(self, levels=tuple(item for item in self.levels if item.code != code))
