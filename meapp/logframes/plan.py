"""Checking a logframe and comparing it with the stored one: pure, the heart of `service.plan_logframe`.

`plan(spec, context, reason)` checks everything a door sent (codes, the tree, units and ranges, targets,
rules, text) and says what applying it would change, without writing anything: creations, updates,
revisions (a changed definition of an indicator that has values), target revisions (once the logframe
has been approved), retirements and deletions. Every problem names where it was found, from the item's
`where` mapping. The service gathers the context from the database; tests and the Excel round trip call
this module alone.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal

from babel.numbers import is_currency

from meapp.core.messages import N_
from meapp.core.numbers import significant_decimals
from meapp.core.periods import Period, PeriodError
from meapp.core.problems import Problem
from meapp.core.text import CELL_LIMIT, REASON_LIMIT, TextProblem, text_problem
from meapp.logframes.spec import (
    AGGREGATIONS,
    DEFINITION_FIELDS,
    DIRECTIONS,
    LEVEL_KINDS,
    MISSING_VALUE_STRATEGIES,
    OPERATORS,
    SEVERITIES,
    TARGET_FIELDS,
    UNITS,
    IndicatorSpec,
    LevelSpec,
    LogframeSpec,
    RuleSpec,
    plain,
)
from meapp.validation.checks import check_combination
from meapp.validation.expressions import MAX_LENGTH, RuleSyntaxError, names, parse_expression
from meapp.validation.inputs import DisaggregationSpec
from meapp.validation.inputs import IndicatorSpec as CheckedIndicator

# Level and rule codes ("IMP", "1.2", "R3"); indicator codes are names in rule expressions ("EMP_1").
LEVEL_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
RULE_CODE = LEVEL_CODE
INDICATOR_CODE = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
LEVEL_CODE_LIMIT, INDICATOR_CODE_LIMIT, RULE_CODE_LIMIT = 20, 40, 40
NAME_LIMIT = 400  # an indicator's name (its column)
MESSAGE_LIMIT = 500  # a rule's message (the rules screen's limit)
VALUE_LIMIT = Decimal(10) ** 12  # as the validation engine: beyond it no figure of a pilot project is plausible
MAX_DECIMALS = 4  # what the columns of values and targets keep (Numeric(18, 4))

ACTIONS = ("create", "update", "revise", "retarget", "retire", "reinstate", "delete", "deactivate")
KINDS = ("level", "indicator", "target", "rule")
# Indicator attributes that are neither its definition nor its targets: changing them is a plain update.
OTHER_FIELDS = ("level", "is_required", "is_key", "means_of_verification_en", "means_of_verification_fr")
LEVEL_FIELDS = ("kind", "parent", "statement_en", "statement_fr")
RULE_FIELDS = ("left", "operator", "right", "severity", "missing_value_strategy", "message_en", "message_fr")


@dataclass(frozen=True)
class Change:
    """One thing applying a logframe changes: `action` on the `kind` item `code`, and the fields it touches."""

    action: str  # one of ACTIONS
    kind: str  # one of KINDS
    code: str  # the item's code (for targets: the indicator's)
    fields: tuple[str, ...] = ()  # the fields changed (for targets: the "period combination" keys)
    where: str = ""


@dataclass
class LogframePlan:
    changes: list[Change]
    problems: list[Problem]
    # The logframe as it would be stored (codes and text trimmed, periods canonical): what apply writes.
    spec: LogframeSpec | None = field(default=None, repr=False, compare=False)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def changed(self) -> bool:
        return bool(self.changes)


@dataclass(frozen=True)
class PlanContext:
    """What the checks and the comparison need to know besides the logframe sent."""

    stored: LogframeSpec = LogframeSpec()
    with_values: frozenset[str] = frozenset()  # codes of the indicators that have reported values
    was_approved: bool = False  # approved now or before: target changes are then revisions
    categories: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # the shared library, in its order
    periods: tuple[str, ...] = ()  # the project's reporting periods


def where_of(item, kind: str, code: str, name: str = "") -> str:
    """Where a problem with `name` of `item` was found: the door's place for the field, else for the item."""
    places = getattr(item, "where", None) or {}
    return places.get(name) or places.get("") or f"{kind} {code}".strip()


def rule_problems(rule: RuleSpec, codes: set[str], check_names: bool = True) -> list[tuple[str, str, dict]]:
    """(field, msgid, params) for each side of a rule that does not parse or names an unknown indicator.

    A syntax error carries its reason as `reason_id` and `reason_params`, translated where it is shown.
    """
    found = []
    for side in ("left", "right"):
        text = getattr(rule, side) or ""
        try:
            tree = parse_expression(text)
        except RuleSyntaxError as exc:
            found.append((side, N_("At position %(position)s of “%(expression)s”: %(reason)s."),
                          {"reason_id": exc.reason, "reason_params": dict(exc.params), "position": exc.position + 1,
                           "expression": text}))
            continue
        unknown = sorted(names(tree) - codes)
        if unknown and check_names:
            found.append((side, N_("Unknown indicator in “%(expression)s”: %(codes)s."),
                          {"expression": text, "codes": ", ".join(unknown)}))
    if rule.operator not in OPERATORS:
        found.append(("operator", N_("Unknown comparison “%(operator)s”."), {"operator": rule.operator}))
    if not ((rule.message_en or "").strip() or (rule.message_fr or "").strip()):
        found.append(("message_en", N_("Write the message shown when the rule is broken."), {}))
    return found


def plan(spec: LogframeSpec, context: PlanContext, reason: str = "") -> LogframePlan:
    """Every problem of `spec` and every change applying it to `context.stored` would make."""
    spec = normalised(spec, context)
    checker = _Checker(spec, context)
    checker.run()
    changes = _compare(spec, context)
    revised = sorted({c.code for c in changes if c.action == "revise"})
    retargeted = sorted({c.code for c in changes if c.action == "retarget"})
    reason = reason or ""
    if (revised or retargeted) and not reason.strip():
        if revised:
            checker.error("reason", N_("Say why the definition of %(codes)s changes: values were reported "
                                       "against the current one."), codes=", ".join(revised))
        if retargeted:
            checker.error("reason", N_("Say why the targets of %(codes)s change: the logframe was approved "
                                       "with the current ones."), codes=", ".join(retargeted))
    checker.text("reason", reason, REASON_LIMIT)
    return LogframePlan(changes=changes, problems=checker.problems, spec=spec)


# --- normalising -----------------------------------------------------------------------------------------


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ("" if value is None else value)


def _number(value):
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    return value


def _period(code):
    try:
        return Period.parse(code.strip()).code
    except (PeriodError, AttributeError, ValueError):
        return code


def normalised(spec: LogframeSpec, context: PlanContext) -> LogframeSpec:
    """The same logframe as it would be stored: text trimmed, whole numbers as Decimals, periods and
    currency codes canonical, disaggregations in the shared order. Comparing it with the stored one
    then sees only real changes."""
    order = {key: index for index, key in enumerate(context.categories)}
    levels = tuple(replace(item, code=_text(item.code), kind=_text(item.kind),
                           statement_en=_text(item.statement_en), statement_fr=_text(item.statement_fr),
                           parent=_text(item.parent) or None) for item in spec.levels)
    indicators = []
    for item in spec.indicators:
        keys = tuple(_text(k) for k in (item.disaggregations or ()))
        currency = _text(item.currency)
        indicators.append(replace(
            item, code=_text(item.code), level=_text(item.level), name_en=_text(item.name_en),
            name_fr=_text(item.name_fr), definition_en=_text(item.definition_en),
            definition_fr=_text(item.definition_fr), unit=_text(item.unit),
            currency=currency.upper() if isinstance(currency, str) and currency else None,
            aggregation=_text(item.aggregation), direction=_text(item.direction),
            baseline_value=_number(item.baseline_value), target_value=_number(item.target_value),
            min_value=_number(item.min_value), max_value=_number(item.max_value),
            means_of_verification_en=_text(item.means_of_verification_en),
            means_of_verification_fr=_text(item.means_of_verification_fr),
            disaggregations=tuple(sorted(keys, key=lambda k: order.get(k, len(order))))))
    targets = tuple(replace(item, indicator=_text(item.indicator), period=_period(item.period),
                            combination=_text(item.combination), value=_number(item.value))
                    for item in spec.targets)
    rules = tuple(replace(item, code=_text(item.code), left=_text(item.left), operator=_text(item.operator),
                          right=_text(item.right), severity=_text(item.severity),
                          missing_value_strategy=_text(item.missing_value_strategy),
                          message_en=_text(item.message_en), message_fr=_text(item.message_fr))
                  for item in spec.rules)
    return LogframeSpec(levels=levels, indicators=tuple(indicators), targets=targets, rules=rules)


# --- checking --------------------------------------------------------------------------------------------


class _Checker:
    def __init__(self, spec: LogframeSpec, context: PlanContext):
        self.spec, self.context = spec, context
        self.problems: list[Problem] = []
        self.level_codes: set[str] = set()
        self.indicator_codes: set[str] = set()

    def add(self, where: str, message_id: str, severity: str = "error", **params) -> None:
        self.problems.append(Problem(where, message_id, params, severity))

    def error(self, where: str, message_id: str, **params) -> None:
        self.add(where, message_id, **params)

    def text(self, where: str, value, limit: int) -> None:
        if value is not None and not isinstance(value, str):
            self.error(where, N_("Write text here."))
            return
        problem = text_problem(value, limit)
        if problem is TextProblem.CONTROL:
            self.error(where, N_("This text holds invisible control characters; remove them."))
        elif problem is TextProblem.TOO_LONG:
            self.error(where, N_("This text is too long: at most %(limit)s characters."), limit=limit)

    def choice(self, where: str, value, allowed: tuple[str, ...]) -> bool:
        if value in allowed:
            return True
        self.error(where, N_("“%(value)s” is not one of the choices: %(allowed)s."), value=value,
                   allowed=", ".join(allowed))
        return False

    def code(self, item, kind: str, pattern: re.Pattern, limit: int, seen: set[str]) -> bool:
        """The item's code is present, well formed and unique; True when others may refer to it."""
        where = where_of(item, kind, item.code, "code")
        if not isinstance(item.code, str) or not item.code:
            self.error(where, N_("Write a code."))
            return False
        if len(item.code) > limit or not pattern.fullmatch(item.code):
            if kind == "indicator":
                self.error(where, N_("“%(code)s” is not an indicator code: begin with a letter and use letters, "
                                     "digits, “_” or “.” (at most %(limit)s characters), so that rules can name "
                                     "it."), code=item.code, limit=limit)
            else:
                self.error(where, N_("“%(code)s” is not a code: use letters, digits, “.”, “_” or “-” (at most "
                                     "%(limit)s characters)."), code=item.code, limit=limit)
            return False
        if item.code in seen:
            self.error(where, N_("The code “%(code)s” is used twice."), code=item.code)
            return False
        seen.add(item.code)
        return True

    def bilingual(self, item, kind: str, base: str, limit: int, both_missing: str, no_fr: str, no_en: str) -> None:
        """Text in both languages: neither is an error, one missing a warning (a translation to add)."""
        en, fr = getattr(item, f"{base}_en"), getattr(item, f"{base}_fr")
        self.text(where_of(item, kind, item.code, f"{base}_en"), en, limit)
        self.text(where_of(item, kind, item.code, f"{base}_fr"), fr, limit)
        if not en and not fr:
            self.error(where_of(item, kind, item.code, f"{base}_en"), both_missing)
        elif not fr:
            self.add(where_of(item, kind, item.code, f"{base}_fr"), no_fr, "warning")
        elif not en:
            self.add(where_of(item, kind, item.code, f"{base}_en"), no_en, "warning")

    def run(self) -> None:
        self.levels()
        self.indicators()
        self.targets()
        self.rules()
        self.removed()

    def levels(self) -> None:
        seen: set[str] = set()
        valid = [item for item in self.spec.levels if self.code(item, "level", LEVEL_CODE, LEVEL_CODE_LIMIT, seen)]
        self.level_codes = {item.code for item in valid}
        by_code = {item.code: item for item in valid}
        for item in self.spec.levels:
            kind_ok = self.choice(where_of(item, "level", item.code, "kind"), item.kind, LEVEL_KINDS)
            self.bilingual(item, "level", "statement", CELL_LIMIT, N_("Write the statement in English or in French."),
                           N_("No French statement."), N_("No English statement."))
            if item.parent is None:
                continue
            parent = by_code.get(item.parent)
            where = where_of(item, "level", item.code, "parent")
            if parent is None:
                self.error(where, N_("No level “%(code)s” in this logframe."), code=item.parent)
            elif self._in_cycle(item, by_code):
                self.error(where, N_("Level %(code)s would sit under itself."), code=item.code)
            elif kind_ok and parent.kind in LEVEL_KINDS and \
                    LEVEL_KINDS.index(item.kind) <= LEVEL_KINDS.index(parent.kind):
                self.error(where, N_("Level %(code)s must sit deeper than %(parent)s, its parent (impact, then "
                                     "outcome, output, activity)."), code=item.code, parent=parent.code)

    @staticmethod
    def _in_cycle(item: LevelSpec, by_code: dict[str, LevelSpec]) -> bool:
        seen, current = {item.code}, by_code.get(item.parent)
        while current is not None:
            if current.code in seen:
                return True
            seen.add(current.code)
            current = by_code.get(current.parent) if current.parent else None
        return False

    def indicators(self) -> None:
        seen: set[str] = set()
        self.indicator_codes = {item.code for item in self.spec.indicators
                                if self.code(item, "indicator", INDICATOR_CODE, INDICATOR_CODE_LIMIT, seen)}
        for item in self.spec.indicators:
            self.indicator(item)

    def indicator(self, item: IndicatorSpec) -> None:
        def at(name: str) -> str:
            return where_of(item, "indicator", item.code, name)

        if item.level not in self.level_codes:
            self.error(at("level"), N_("No level “%(code)s” in this logframe."), code=item.level)
        self.bilingual(item, "indicator", "name", NAME_LIMIT, N_("Write the name in English or in French."),
                       N_("No French name."), N_("No English name."))
        for name in ("definition_en", "definition_fr", "means_of_verification_en", "means_of_verification_fr"):
            self.text(at(name), getattr(item, name), CELL_LIMIT)
        unit_ok = self.choice(at("unit"), item.unit, UNITS)
        self.choice(at("aggregation"), item.aggregation, AGGREGATIONS)
        self.choice(at("direction"), item.direction, DIRECTIONS)
        decimals_ok = isinstance(item.decimals, int) and not isinstance(item.decimals, bool) \
            and 0 <= item.decimals <= 4
        if not decimals_ok:
            self.error(at("decimals"), N_("Decimals: a whole number from 0 to 4."))
        if item.unit == "currency":
            if not item.currency:
                self.error(at("currency"), N_("Give the currency of the amounts (an ISO 4217 code such as EUR)."))
            elif not is_currency(item.currency):
                self.error(at("currency"), N_("“%(value)s” is not a currency code (ISO 4217, such as EUR)."),
                           value=item.currency)
        elif item.currency:
            self.error(at("currency"), N_("Only an amount of money has a currency: leave this empty."))
        seen: set[str] = set()
        for key in item.disaggregations:
            if key not in self.context.categories:
                self.error(at("disaggregations"), N_("No disaggregation “%(key)s” in the shared list."), key=key)
            elif key in seen:
                self.error(at("disaggregations"), N_("The disaggregation “%(key)s” is given twice."), key=key)
            seen.add(key)
        numbers = {name: getattr(item, name) for name in ("baseline_value", "target_value", "min_value", "max_value")}
        for name, value in numbers.items():
            if value is not None and not (isinstance(value, Decimal) and value.is_finite()):
                self.error(at(name), N_("Write a number."))
                numbers[name] = None
            elif value is not None and abs(value) >= VALUE_LIMIT:  # whatever else is wrong: the column holds less
                self.error(at(name), N_("“%(value)s” is beyond what a logframe holds."), value=_shown(value))
                numbers[name] = None
            elif value is not None and significant_decimals(value) > MAX_DECIMALS:
                self.error(at(name), N_("%(value)s has more than %(decimals)s decimals."), value=_shown(value),
                           decimals=MAX_DECIMALS)
                numbers[name] = None
        if item.unit == "text":
            for name, value in numbers.items():
                if value is not None:
                    self.error(at(name), N_("A text indicator takes no numbers: leave this empty."))
            return
        low, high = numbers["min_value"], numbers["max_value"]
        if low is not None and high is not None and low > high:
            self.error(at("max_value"), N_("The maximum is below the minimum."))
            low = high = None
        for name in ("baseline_value", "target_value"):
            if numbers[name] is not None:
                self.amount(at(name), numbers[name], item, low, high, unit_ok, decimals_ok)

    def amount(self, where: str, value: Decimal, item: IndicatorSpec, low, high, unit_ok: bool,
               decimals_ok: bool) -> None:
        """A baseline or target: as many decimals as the indicator has, within its range and its unit's."""
        shown = _shown(value)
        if decimals_ok and significant_decimals(value) > item.decimals:
            self.error(where, N_("%(value)s has more than %(decimals)s decimals."), value=shown,
                       decimals=item.decimals)
        if unit_ok and item.unit == "percent" and not 0 <= value <= 100:
            self.error(where, N_("A percentage lies between 0 and 100: %(value)s does not."), value=shown)
        elif unit_ok and item.unit == "yes_no" and value not in (0, 1):
            self.error(where, N_("A yes/no indicator takes 1 (yes) or 0 (no), not %(value)s."), value=shown)
        elif low is not None and value < low:
            self.error(where, N_("%(value)s is below the minimum, %(minimum)s."), value=shown,
                       minimum=_shown(low))
        elif high is not None and value > high:
            self.error(where, N_("%(value)s is above the maximum, %(maximum)s."), value=shown,
                       maximum=_shown(high))
        elif abs(value) >= VALUE_LIMIT:
            self.error(where, N_("%(value)s is above the maximum, %(maximum)s."), value=shown,
                       maximum=_shown(VALUE_LIMIT - 1))

    def targets(self) -> None:
        indicators = {item.code: item for item in self.spec.indicators if item.code in self.indicator_codes}
        periods = set(self.context.periods)
        seen: set[tuple[str, str, str]] = set()
        for item in self.spec.targets:
            code = f"{item.indicator} {item.period} {item.combination}".strip()

            def at(name: str, item=item, code=code) -> str:
                return where_of(item, "target", code, name)

            indicator = indicators.get(item.indicator)
            if indicator is None:
                self.error(at("indicator"), N_("No indicator “%(code)s” in this logframe."), code=item.indicator)
            if not isinstance(item.period, str) or not item.period:
                self.error(at("period"), N_("Write a period like 2023Q1."))
            elif item.period not in periods:
                try:
                    Period.parse(item.period)
                except (PeriodError, ValueError):
                    self.error(at("period"), N_("“%(period)s” is not a period (expected e.g. 2023Q1)."),
                               period=item.period)
                else:
                    self.error(at("period"), N_("%(period)s is outside the project's dates: it reports from "
                                                "%(first)s to %(last)s."), period=item.period,
                               first=self.context.periods[0] if periods else "",
                               last=self.context.periods[-1] if periods else "")
            key = (item.indicator, item.period, item.combination)
            if key in seen:
                self.error(at(""), N_("This target is given twice (same indicator, period and category)."))
            seen.add(key)
            if not (isinstance(item.value, Decimal) and item.value.is_finite()):
                self.error(at("value"), N_("Write a number."))
                continue
            if indicator is None:
                continue
            if item.combination and not self._combination_known(indicator, item.combination):
                self.error(at("combination"), N_("“%(combination)s” is not a category of this indicator's "
                                                 "disaggregations."), combination=item.combination)
            if indicator.unit == "text":
                self.error(at("value"), N_("A text indicator takes no numbers: leave this empty."))
                continue
            low, high = (value if isinstance(value, Decimal) and value.is_finite() else None
                         for value in (indicator.min_value, indicator.max_value))
            if low is not None and high is not None and low > high:
                low = high = None  # said once, on the indicator
            decimals_ok = isinstance(indicator.decimals, int) and not isinstance(indicator.decimals, bool) \
                and 0 <= indicator.decimals <= 4
            self.amount(at("value"), item.value, indicator, low, high, indicator.unit in UNITS, decimals_ok)

    def _combination_known(self, indicator: IndicatorSpec, combination: str) -> bool:
        """The one rule for categories (validation.checks.check_combination) on the project's categories."""
        checked = CheckedIndicator(code=indicator.code, disaggregations=tuple(
            DisaggregationSpec(key, tuple(self.context.categories[key]))
            for key in indicator.disaggregations if key in self.context.categories))
        return not check_combination(checked, combination)

    def rules(self) -> None:
        seen: set[str] = set()
        codes = {item.code for item in self.spec.indicators}
        for item in self.spec.rules:
            self.code(item, "rule", RULE_CODE, RULE_CODE_LIMIT, seen)
            for name in ("left", "right"):
                self.text(where_of(item, "rule", item.code, name), getattr(item, name), MAX_LENGTH)
            for name in ("message_en", "message_fr"):
                self.text(where_of(item, "rule", item.code, name), getattr(item, name), MESSAGE_LIMIT)
            # A rule switched off is kept as it was: it may name an indicator deleted since.
            for name, message_id, params in rule_problems(item, codes, check_names=bool(item.is_active)):
                self.add(where_of(item, "rule", item.code, name), message_id, **params)
            self.choice(where_of(item, "rule", item.code, "severity"), item.severity, SEVERITIES)
            self.choice(where_of(item, "rule", item.code, "missing_value_strategy"), item.missing_value_strategy,
                        MISSING_VALUE_STRATEGIES)
            if item.message_en and not item.message_fr:
                self.add(where_of(item, "rule", item.code, "message_fr"), N_("No French message."), "warning")
            elif item.message_fr and not item.message_en:
                self.add(where_of(item, "rule", item.code, "message_en"), N_("No English message."), "warning")

    def removed(self) -> None:
        """An indicator with reported values is retired, never deleted: its values keep their meaning."""
        sent = {item.code for item in self.spec.indicators}
        for item in self.context.stored.indicators:
            if item.code not in sent and item.code in self.context.with_values:
                self.error(f"indicator {item.code}", N_("%(code)s has reported values: retire it, it cannot be "
                                                       "deleted."), code=item.code)


# --- comparing -------------------------------------------------------------------------------------------


def _moved(sent: list[str], stored_order: dict[str, int]) -> set[str]:
    """The items of one group (siblings) whose order among the items kept changed."""
    kept = [code for code in sent if code in stored_order]
    before = sorted(kept, key=stored_order.__getitem__)
    return {a for a, b in zip(kept, before, strict=True) if a != b}


def _groups(items, key) -> dict:
    out = defaultdict(list)
    for item in items:
        out[key(item)].append(item.code)
    return out


def _compare(spec: LogframeSpec, context: PlanContext) -> list[Change]:
    stored = context.stored
    changes: list[Change] = []

    def where(item) -> str:
        return (getattr(item, "where", None) or {}).get("", "")

    # Levels, in the spec's order; a moved level is one whose place among its siblings changed.
    old_levels = {item.code: item for item in stored.levels}
    level_order = {item.code: index for index, item in enumerate(stored.levels)}
    moved: set[str] = set()
    for parent, codes in _groups(spec.levels, lambda item: item.parent).items():
        moved |= _moved([c for c in codes if old_levels.get(c) and old_levels[c].parent == parent], level_order)
    for item in spec.levels:
        old = old_levels.get(item.code)
        if old is None:
            changes.append(Change("create", "level", item.code, where=where(item)))
            continue
        fields = tuple(name for name in LEVEL_FIELDS if getattr(item, name) != getattr(old, name))
        fields += ("position",) if item.code in moved else ()
        if fields:
            changes.append(Change("update", "level", item.code, fields, where(item)))

    # Indicators.
    old_indicators = {item.code: item for item in stored.indicators}
    indicator_order = {item.code: index for index, item in enumerate(stored.indicators)}
    moved = set()
    for level, codes in _groups(spec.indicators, lambda item: item.level).items():
        moved |= _moved([c for c in codes if old_indicators.get(c) and old_indicators[c].level == level],
                        indicator_order)
    for item in spec.indicators:
        old = old_indicators.get(item.code)
        if old is None:
            changes.append(Change("create", "indicator", item.code, where=where(item)))
            continue
        definition = [name for name in DEFINITION_FIELDS if _differs(getattr(item, name), getattr(old, name))]
        targets = [name for name in TARGET_FIELDS if _differs(getattr(item, name), getattr(old, name))]
        other = [name for name in OTHER_FIELDS if getattr(item, name) != getattr(old, name)]
        other += ["position"] if item.code in moved else []
        revise = bool(definition) and item.code in context.with_values
        retarget = bool(targets) and context.was_approved
        update = other + ([] if revise else definition) + ([] if retarget else targets)
        if update:
            changes.append(Change("update", "indicator", item.code, tuple(update), where(item)))
        if revise:
            changes.append(Change("revise", "indicator", item.code, tuple(definition), where(item)))
        if retarget:
            changes.append(Change("retarget", "indicator", item.code, tuple(targets), where(item)))
        if bool(item.retired) != bool(old.retired):
            changes.append(Change("retire" if item.retired else "reinstate", "indicator", item.code,
                                  where=where(item)))
    sent = {item.code for item in spec.indicators}
    for item in stored.indicators:
        if item.code not in sent and item.code not in context.with_values:
            changes.append(Change("delete", "indicator", item.code))

    # Per-period targets, one change per indicator: the "period combination" cells that change.
    old_targets = {(t.indicator, t.period, t.combination): t.value for t in stored.targets}
    new_targets = {(t.indicator, t.period, t.combination): t.value for t in spec.targets}
    cells = defaultdict(list)
    for key in list(new_targets) + [k for k in old_targets if k not in new_targets]:
        if key[0] not in sent:
            continue  # a deleted indicator's targets go with it
        if key not in old_targets or key not in new_targets or _differs(old_targets[key], new_targets[key]):
            cells[key[0]].append(f"{key[1]} {key[2]}".strip())
    for item in spec.indicators:
        if item.code in cells:
            retarget = item.code in old_indicators and context.was_approved
            changes.append(Change("retarget" if retarget else "update", "target", item.code,
                                  tuple(cells[item.code]), where(item)))

    # Rules: never deleted; one missing from the logframe sent is switched off.
    old_rules = {item.code: item for item in stored.rules}
    moved = _moved([item.code for item in spec.rules], {item.code: i for i, item in enumerate(stored.rules)})
    for item in spec.rules:
        old = old_rules.get(item.code)
        if old is None:
            changes.append(Change("create", "rule", item.code, where=where(item)))
            continue
        fields = tuple(name for name in RULE_FIELDS if getattr(item, name) != getattr(old, name))
        fields += ("position",) if item.code in moved else ()
        fields += ("is_active",) if item.is_active and not old.is_active else ()
        if fields:
            changes.append(Change("update", "rule", item.code, fields, where(item)))
        if old.is_active and not item.is_active:
            changes.append(Change("deactivate", "rule", item.code, where=where(item)))
    sent_rules = {item.code for item in spec.rules}
    for item in stored.rules:
        if item.code not in sent_rules and item.is_active:
            changes.append(Change("deactivate", "rule", item.code))

    # Levels last removed: those the logframe sent no longer has.
    sent_levels = {item.code for item in spec.levels}
    for item in reversed(stored.levels):
        if item.code not in sent_levels:
            changes.append(Change("delete", "level", item.code))
    return changes


def _shown(value: Decimal) -> str:
    """A number as a message shows it: 50 for 50.0000, never 5E+1."""
    return format(plain(value), "f")


def _differs(new, old) -> bool:
    """Different values, seeing 50 and 50.0000 (or a list and a tuple) as the same."""
    if isinstance(new, list):
        new = tuple(new)
    if isinstance(old, list):
        old = tuple(old)
    if type(new) is not type(old) and not (isinstance(new, (Decimal, int)) and isinstance(old, (Decimal, int))):
        return True
    return new != old
