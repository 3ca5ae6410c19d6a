"""validate(): run every check over one project × period and return the findings and parsed values."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from meapp.validation import checks
from meapp.validation.findings import Finding, FindingCode, finding
from meapp.validation.inputs import ValidationInput


@dataclass(frozen=True)
class ValidationResult:
    findings: tuple[Finding, ...]
    # (indicator code, combination) → Decimal, text, or None (empty or unreadable)
    parsed: dict

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]


def validate(data: ValidationInput) -> ValidationResult:
    """All findings for the values of one project and period, in logframe order."""
    specs = {spec.code: spec for spec in data.indicators}
    order = {spec.code: i for i, spec in enumerate(data.indicators)}
    found: list[Finding] = list(checks.check_period(data.context))
    parsed: dict = {}
    by_indicator: dict[str, dict[str, object]] = {}
    flawed: set[str] = set()  # totals already refused: judging them against history adds only noise

    for raw in data.values:
        spec = specs.get(raw.indicator)
        if spec is None and raw.indicator in data.retired:
            # Retired for this period: no longer reported, so a figure for it is refused, never kept unchecked.
            found.append(finding(FindingCode.RETIRED_INDICATOR, raw.indicator, raw.combination, name=raw.indicator,
                                 date=data.retired[raw.indicator].isoformat()))
            continue
        if spec is None:
            found.append(finding(FindingCode.UNKNOWN_INDICATOR, raw.indicator, raw.combination,
                                 name=raw.indicator))
            continue
        problems = checks.check_combination(spec, raw.combination)
        if problems:
            found.extend(problems)
            continue
        value, problems = checks.parse_value(spec, raw.value, data.lang, raw.combination)
        found.extend(problems)
        if isinstance(value, Decimal):
            problems = checks.check_range(spec, value, raw.combination)
            found.extend(problems)
            if problems and not raw.combination:
                flawed.add(spec.code)
        parsed[(raw.indicator, raw.combination)] = value
        by_indicator.setdefault(raw.indicator, {})[raw.combination] = value

    totals: dict[str, Decimal] = {}
    for spec in data.indicators:
        values = by_indicator.get(spec.code, {})
        total = values.get("")
        found.extend(checks.check_required(spec, total))
        if not isinstance(total, Decimal):
            continue
        totals[spec.code] = total
        parts = {k: v for k, v in values.items() if k and isinstance(v, Decimal)}
        history = tuple(data.history.get(spec.code, ()))
        found.extend(checks.check_disaggregation_sums(spec, total, parts))
        if spec.code in flawed:
            continue
        found.extend(checks.check_cumulative(spec, total, history))
        found.extend(checks.check_outlier(spec, total, history))
        found.extend(checks.check_target(spec, total))

    for rule in data.rules:
        found.extend(checks.check_rule(rule, totals, frozenset(data.retired)))

    period = data.context.period
    found = [f if f.period else Finding(f.code, f.severity, f.indicator, f.combination, period, f.params)
             for f in found]
    found.sort(key=lambda f: (order.get(f.indicator, -1 if not f.indicator else len(order)), f.combination,
                              f.code.value))
    return ValidationResult(tuple(found), parsed)
