"""Findings and their messages. Messages are msgids, translated only when shown."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from meapp.core.messages import N_  # noqa: F401 (re-exported for the modules of this package)


class FindingCode(str, Enum):
    NOT_A_NUMBER = "not_a_number"
    TOO_MANY_DECIMALS = "too_many_decimals"
    BELOW_MINIMUM = "below_minimum"
    ABOVE_MAXIMUM = "above_maximum"
    PERCENT_OUT_OF_BOUNDS = "percent_out_of_bounds"
    NEGATIVE_COUNT = "negative_count"
    REQUIRED_MISSING = "required_missing"
    UNKNOWN_INDICATOR = "unknown_indicator"
    RETIRED_INDICATOR = "retired_indicator"
    UNKNOWN_CATEGORY = "unknown_category"
    DISAGGREGATION_SUM_MISMATCH = "disaggregation_sum_mismatch"
    CUMULATIVE_DECREASE = "cumulative_decrease"
    TARGET_EXCEEDED = "target_exceeded"
    OUTLIER = "outlier"
    RULE_VIOLATED = "rule_violated"
    PERIOD_LOCKED = "period_locked"
    PERIOD_OUTSIDE_PROJECT = "period_outside_project"
    INVALID_TEXT = "invalid_text"


SEVERITY = {
    FindingCode.NOT_A_NUMBER: "error",
    FindingCode.TOO_MANY_DECIMALS: "error",
    FindingCode.BELOW_MINIMUM: "error",
    FindingCode.ABOVE_MAXIMUM: "error",
    FindingCode.PERCENT_OUT_OF_BOUNDS: "error",
    FindingCode.NEGATIVE_COUNT: "error",
    FindingCode.REQUIRED_MISSING: "error",
    FindingCode.UNKNOWN_INDICATOR: "error",
    FindingCode.RETIRED_INDICATOR: "error",
    FindingCode.UNKNOWN_CATEGORY: "error",
    FindingCode.DISAGGREGATION_SUM_MISMATCH: "error",
    FindingCode.CUMULATIVE_DECREASE: "error",
    FindingCode.TARGET_EXCEEDED: "info",
    FindingCode.OUTLIER: "warning",
    FindingCode.RULE_VIOLATED: "error",  # the rule's own severity replaces it
    FindingCode.PERIOD_LOCKED: "error",
    FindingCode.PERIOD_OUTSIDE_PROJECT: "error",
    FindingCode.INVALID_TEXT: "error",
}

# Named placeholders only; numbers arrive already formatted for the reader's language.
MESSAGES = {
    FindingCode.NOT_A_NUMBER: N_("“%(value)s” is not a number."),
    FindingCode.TOO_MANY_DECIMALS: N_("%(value)s has more than %(decimals)s decimals."),
    FindingCode.BELOW_MINIMUM: N_("%(value)s is below the minimum of %(minimum)s."),
    FindingCode.ABOVE_MAXIMUM: N_("%(value)s is above the maximum of %(maximum)s."),
    FindingCode.PERCENT_OUT_OF_BOUNDS: N_("A percentage must lie between 0 and 100, not %(value)s."),
    FindingCode.NEGATIVE_COUNT: N_("A count cannot be negative (%(value)s)."),
    FindingCode.REQUIRED_MISSING: N_("This indicator is required and has no value."),
    FindingCode.UNKNOWN_INDICATOR: N_("The logframe has no indicator “%(name)s”."),
    FindingCode.RETIRED_INDICATOR: N_("Indicator %(name)s was retired on %(date)s and is not reported for this "
                                      "period: its value is refused."),
    FindingCode.UNKNOWN_CATEGORY: N_("“%(category)s” is not a category this indicator is disaggregated by."),
    FindingCode.DISAGGREGATION_SUM_MISMATCH: N_(
        "The parts by %(disaggregation)s add up to %(parts)s, but the total is %(total)s."),
    FindingCode.CUMULATIVE_DECREASE: N_(
        "This running total went down from %(previous)s in %(previous_period)s to %(value)s."),
    FindingCode.TARGET_EXCEEDED: N_("%(value)s exceeds the target of %(target)s for this period."),
    FindingCode.OUTLIER: N_(
        "%(value)s is far from this project's usual values (median %(median)s, score %(score)s)."),
    FindingCode.RULE_VIOLATED: N_("Rule %(rule)s is not met: %(left)s %(operator)s %(right)s is false (%(message)s)."),
    FindingCode.PERIOD_LOCKED: N_("The period %(period)s is locked: its submission was approved."),
    FindingCode.PERIOD_OUTSIDE_PROJECT: N_("The period %(period)s lies outside the project's dates."),
    FindingCode.INVALID_TEXT: N_("The text holds control characters or is longer than %(limit)s characters."),
}


@dataclass(frozen=True)
class Finding:
    code: FindingCode
    severity: str
    indicator: str = ""
    combination: str = ""
    period: str = ""
    params: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def message_id(self) -> str:
        return MESSAGES[self.code]

    @property
    def key(self) -> str:
        """Stable identity across re-validations: justifications follow it."""
        return finding_key(self.code.value, self.indicator, self.combination, self.params)


def finding(code: FindingCode, indicator: str = "", combination: str = "", period: str = "",
            severity: str | None = None, **params) -> Finding:
    if period:
        params.setdefault("period", period)
    return Finding(code, severity or SEVERITY[code], indicator, combination, period, params)


def finding_key(code: str, indicator: str, combination: str, params: dict | None) -> str:
    """The one key of a finding, fresh or stored: code, indicator, categories and, for rules, the rule."""
    return f"{code}:{indicator}:{combination}:{(params or {}).get('rule', '')}"
