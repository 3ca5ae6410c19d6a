"""The checks: each a small function over plain data, returning findings."""
from __future__ import annotations

from decimal import Decimal
from statistics import median

from meapp.core.numbers import NumberError, parse_decimal, significant_decimals
from meapp.core.periods import Period, PeriodError
from meapp.core.text import CELL_LIMIT, text_problem
from meapp.validation.expressions import RuleSyntaxError, Undefined, compare, evaluate, names, parse_expression
from meapp.validation.findings import Finding, FindingCode, finding
from meapp.validation.inputs import IndicatorSpec, PeriodContext, RuleSpec, parse_combination

YES = {"1", "yes", "y", "oui", "o", "true", "vrai"}
NO = {"0", "no", "n", "non", "false", "faux"}
TEXT_LIMIT = CELL_LIMIT
# DHIS2's outlier rule: modified z-score (Iglewicz and Hoaglin) beyond 3.5, with enough history.
OUTLIER_SCORE = Decimal("3.5")
OUTLIER_MIN_HISTORY = 4
# Beyond this no indicator of a pilot project is plausible, and SQLite's numbers lose digits.
VALUE_LIMIT = Decimal(10) ** 12


def parse_value(spec: IndicatorSpec, raw, lang: str, combination: str = "") -> tuple[Decimal | str | None, list[Finding]]:
    """Read a raw value for its unit: (parsed value or None, findings)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, []
    if spec.unit == "text":
        text = str(raw).strip()
        if text_problem(text, TEXT_LIMIT):
            return None, [finding(FindingCode.INVALID_TEXT, spec.code, combination, limit=TEXT_LIMIT)]
        return text, []
    if spec.unit == "yes_no" and isinstance(raw, str):
        word = raw.strip().lower()
        if word in YES:
            return Decimal(1), []
        if word in NO:
            return Decimal(0), []
        return None, [finding(FindingCode.NOT_A_NUMBER, spec.code, combination, value=str(raw)[:60])]
    try:
        value = parse_decimal(raw, lang)
    except NumberError:
        return None, [finding(FindingCode.NOT_A_NUMBER, spec.code, combination, value=str(raw)[:60])]
    if spec.unit == "yes_no" and value not in (0, 1):
        return None, [finding(FindingCode.NOT_A_NUMBER, spec.code, combination, value=str(raw)[:60])]
    return value, []


def check_range(spec: IndicatorSpec, value: Decimal, combination: str = "") -> list[Finding]:
    """Decimals, sign of counts, percent bounds, allowed range."""
    found = []
    if significant_decimals(value) > spec.decimals:
        found.append(finding(FindingCode.TOO_MANY_DECIMALS, spec.code, combination, value=value,
                             decimals=spec.decimals))
    if spec.unit == "percent" and not Decimal(0) <= value <= Decimal(100):
        return found + [finding(FindingCode.PERCENT_OUT_OF_BOUNDS, spec.code, combination, value=value)]
    if spec.unit == "number" and value < 0 and (spec.min_value is None or spec.min_value >= 0):
        return found + [finding(FindingCode.NEGATIVE_COUNT, spec.code, combination, value=value)]
    if spec.min_value is not None and value < spec.min_value:
        found.append(finding(FindingCode.BELOW_MINIMUM, spec.code, combination, value=value, minimum=spec.min_value))
    if spec.max_value is not None and value > spec.max_value:
        found.append(finding(FindingCode.ABOVE_MAXIMUM, spec.code, combination, value=value, maximum=spec.max_value))
    elif abs(value) >= VALUE_LIMIT:
        found.append(finding(FindingCode.ABOVE_MAXIMUM, spec.code, combination, value=value, maximum=VALUE_LIMIT - 1))
    return found


def check_combination(spec: IndicatorSpec, combination: str) -> list[Finding]:
    """A combination must name one of the indicator's disaggregations and one of its categories."""
    if not combination:
        return []
    try:
        parts = parse_combination(combination)
    except ValueError:
        parts = {}
    allowed = {d.key: set(d.categories) for d in spec.disaggregations}
    if len(parts) == 1:
        (dtype, category), = parts.items()
        if dtype in allowed and category in allowed[dtype]:
            return []
    return [finding(FindingCode.UNKNOWN_CATEGORY, spec.code, combination, category=combination)]


def check_required(spec: IndicatorSpec, total) -> list[Finding]:
    if spec.is_required and total is None:
        return [finding(FindingCode.REQUIRED_MISSING, spec.code)]
    return []


def check_disaggregation_sums(spec: IndicatorSpec, total: Decimal | None,
                              parts: dict[str, Decimal]) -> list[Finding]:
    """Parts of each disaggregation add up to the total (all parts given), or at least never exceed it.

    Only for counts and amounts that add up (sums and running totals): shares and averages do not.
    """
    if total is None or not isinstance(total, Decimal):
        return []
    if spec.unit not in ("number", "currency") or spec.aggregation not in ("sum", "latest"):
        return []
    found = []
    for dis in spec.disaggregations:
        given = {c: parts[f"{dis.key}={c}"] for c in dis.categories if f"{dis.key}={c}" in parts}
        if not given:
            continue
        added = sum(given.values(), Decimal(0))
        complete = len(given) == len(dis.categories)
        if (complete and added != total) or added > total:
            found.append(finding(FindingCode.DISAGGREGATION_SUM_MISMATCH, spec.code, disaggregation=dis.key,
                                 parts=added, total=total, complete=complete))
    return found


def check_cumulative(spec: IndicatorSpec, total: Decimal, history: tuple) -> list[Finding]:
    """A running total never goes down from one period to the next."""
    if not spec.is_cumulative or not history:
        return []
    previous_period, previous = history[-1]
    if total < previous:
        return [finding(FindingCode.CUMULATIVE_DECREASE, spec.code, value=total, previous=previous,
                        previous_period=previous_period)]
    return []


def check_target(spec: IndicatorSpec, total: Decimal) -> list[Finding]:
    target = spec.period_target
    if target is None or spec.unit in ("yes_no", "text"):
        return []
    beyond = total > target if spec.direction == "increase" else total < target
    if beyond:
        return [finding(FindingCode.TARGET_EXCEEDED, spec.code, value=total, target=target)]
    return []


def modified_z_score(value: Decimal, history: list[Decimal]) -> Decimal | None:
    """0.6745 × (x − median) / MAD, or None when the history is too short or flat."""
    if len(history) < OUTLIER_MIN_HISTORY:
        return None
    centre = median(history)
    mad = median([abs(x - centre) for x in history])
    if mad == 0:
        return None
    return Decimal("0.6745") * (value - centre) / mad


def check_outlier(spec: IndicatorSpec, total: Decimal, history: tuple) -> list[Finding]:
    if spec.unit in ("yes_no", "text") or spec.is_cumulative:
        return []
    series = [v for _, v in history]
    score = modified_z_score(total, series)
    if score is not None and abs(score) > OUTLIER_SCORE:
        return [finding(FindingCode.OUTLIER, spec.code, value=total, median=median(series),
                        score=score.quantize(Decimal("0.1")))]
    return []


def check_rule(rule: RuleSpec, totals: dict[str, Decimal], retired: frozenset[str] = frozenset()) -> list[Finding]:
    """Evaluate a cross-indicator rule with DHIS2's missing-value strategies.

    A rule over an indicator retired for the period is not judged: that indicator is no longer reported,
    and counting it as missing (or as 0) would make the rule fail for good.
    """
    try:
        left, right = parse_expression(rule.left), parse_expression(rule.right)
    except RuleSyntaxError:
        return []  # refused when saved; an old invalid rule is not the reporter's fault
    referenced = names(left) | names(right)
    if referenced & retired:
        return []
    missing = {code for code in referenced if code not in totals}
    strategy = rule.missing_value_strategy
    if missing and (strategy == "skip_if_any" or (strategy == "skip_if_all" and missing == referenced)):
        return []
    operands = {**{code: Decimal(0) for code in missing}, **totals}
    try:
        left_value, right_value = evaluate(left, operands), evaluate(right, operands)
    except (Undefined, ArithmeticError):  # division by zero, or figures too large to compute with
        return []
    if compare(left_value, rule.operator, right_value):
        return []
    return [finding(FindingCode.RULE_VIOLATED, severity=rule.severity, rule=rule.code, left=left_value,
                    right=right_value, operator=rule.operator, left_expression=rule.left,
                    right_expression=rule.right, message_en=rule.message_en, message_fr=rule.message_fr)]


def concerned(code: str, indicator: str, params: dict | None) -> set[str]:
    """The indicators a finding (fresh or stored) is about: its own, or those its rule's expressions name."""
    if code != FindingCode.RULE_VIOLATED.value:
        return {indicator} if indicator else set()
    found = set()
    for side in ("left_expression", "right_expression"):
        try:
            found |= names(parse_expression(str((params or {}).get(side, ""))))
        except RuleSyntaxError:
            continue
    return found


def check_period(context: PeriodContext) -> list[Finding]:
    found = []
    if context.is_locked:
        found.append(finding(FindingCode.PERIOD_LOCKED, period=context.period))
    try:
        period = Period.parse(context.period)
        inside = period.overlaps(context.project_start, context.project_end)
    except PeriodError:
        return found + [finding(FindingCode.PERIOD_OUTSIDE_PROJECT, period=context.period)]
    if not inside:
        found.append(finding(FindingCode.PERIOD_OUTSIDE_PROJECT, period=context.period))
    return found
