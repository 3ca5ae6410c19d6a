"""The logframe plan (meapp.logframes.plan): every check with the place it names, and the comparison that
turns a logframe sent into creations, updates, revisions and deletions. Pure: no app, no database."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meapp.core.problems import Problem, ProblemsError
from meapp.logframes.plan import Change, PlanContext, normalised, plan
from meapp.logframes.spec import IndicatorSpec, LevelSpec, LogframeSpec, RuleSpec, TargetSpec, plain

CATEGORIES = {"sex": ("F", "M"), "age_group": ("15-24", "25-34", "35-54", "55+"), "skill_level": ("low", "medium",
                                                                                                   "high")}
PERIODS = ("2024Q1", "2024Q2", "2024Q3", "2024Q4")


def here(kind: str, code: str) -> dict:
    """A door's places for every field of an item: "indicator:EMP.unit"; the item itself "indicator:EMP"."""
    names = ("code", "kind", "parent", "statement_en", "statement_fr", "level", "name_en", "name_fr", "definition_en",
             "definition_fr", "unit", "currency", "aggregation", "direction", "baseline_value", "target_value",
             "min_value", "max_value", "decimals", "disaggregations", "means_of_verification_en", "indicator", "period",
             "value", "combination", "left", "right", "operator", "severity", "missing_value_strategy", "message_en",
             "message_fr")
    return {"": f"{kind}:{code}", **{name: f"{kind}:{code}.{name}" for name in names}}


def level(code, kind, parent=None, **kw):
    return LevelSpec(code=code, kind=kind, parent=parent, statement_en=f"{code} en", statement_fr=f"{code} fr",
                     where=here("level", code), **kw)


def indicator(code, level_code="1.1", **kw):
    kw.setdefault("name_en", code.title())
    kw.setdefault("name_fr", f"{code.title()} (fr)")
    return IndicatorSpec(code=code, level=level_code, where=here("indicator", code), **kw)


def target(code, period, value, combination=""):
    return TargetSpec(indicator=code, period=period, value=value, combination=combination,
                      where=here("target", f"{code}/{period}/{combination}"))


def rule(code, left="EMP", operator="<=", right="TRAINED", **kw):
    kw.setdefault("message_en", "Employed ≤ trained")
    kw.setdefault("message_fr", "Employés ≤ formés")
    return RuleSpec(code=code, left=left, operator=operator, right=right, where=here("rule", code), **kw)


BASE = LogframeSpec(
    levels=(level("IMP", "impact"), level("1", "outcome", "IMP"), level("1.1", "output", "1")),
    indicators=(indicator("TRAINED", disaggregations=("sex",), target_value=D(100)),
                indicator("EMP"),
                indicator("PCT", unit="percent", decimals=1, min_value=D(0), max_value=D(100)),
                indicator("BUDGET", unit="currency", currency="EUR", decimals=2),
                indicator("AGREED", unit="yes_no"),
                indicator("NOTE", unit="text")),
    targets=(target("TRAINED", "2024Q1", D(40)), target("TRAINED", "2024Q1", D(20), "sex=F")),
    rules=(rule("R1"),),
)
EMPTY = PlanContext(categories=CATEGORIES, periods=PERIODS)


def stored(spec: LogframeSpec = BASE, **kw) -> PlanContext:
    """A context where `spec` is what is stored (as spec_of gives it back: normalised, no places)."""
    return PlanContext(stored=normalised(spec, EMPTY), categories=CATEGORIES, periods=PERIODS, **kw)


def errors(spec: LogframeSpec, context: PlanContext = EMPTY, reason: str = "") -> set[tuple[str, str]]:
    return {(p.where, p.message_id) for p in plan(spec, context, reason).errors}


def replaced(spec: LogframeSpec, kind_: str, code_: str, **changes) -> LogframeSpec:
    """`spec` with the item `code_` of `kind_` ("levels", "indicators", "rules") changed."""
    items = tuple(replace(item, **changes) if item.code == code_ else item for item in getattr(spec, kind_))
    return replace(spec, **{kind_: items})


def test_the_base_logframe_is_sound_and_all_new():
    result = plan(BASE, EMPTY)
    assert result.errors == [] and result.warnings == []
    assert [c.action for c in result.changes] == ["create"] * 9 + ["update", "create"]
    assert Change("update", "target", "TRAINED", ("2024Q1", "2024Q1 sex=F"), "indicator:TRAINED") in result.changes


LEVEL_CASES = [
    ("empty code", lambda s: replaced(s, "levels", "1.1", code=""), "level:1.1.code", "Write a code."),
    ("code with a space", lambda s: replaced(s, "levels", "IMP", code="I P"), "level:IMP.code",
     "“%(code)s” is not a code: use letters, digits, “.”, “_” or “-” (at most %(limit)s characters)."),
    ("code twice", lambda s: replace(s, levels=s.levels + (level("1", "outcome", "IMP"),)), "level:1.code",
     "The code “%(code)s” is used twice."),
    ("unknown kind", lambda s: replaced(s, "levels", "1", kind="goal"), "level:1.kind",
     "“%(value)s” is not one of the choices: %(allowed)s."),
    ("child not deeper", lambda s: replaced(s, "levels", "1.1", kind="outcome"), "level:1.1.parent",
     "Level %(code)s must sit deeper than %(parent)s, its parent (impact, then outcome, output, activity)."),
    ("unknown parent", lambda s: replaced(s, "levels", "1.1", parent="9"), "level:1.1.parent",
     "No level “%(code)s” in this logframe."),
    ("a cycle", lambda s: replaced(replaced(s, "levels", "IMP", parent="1"), "levels", "1", parent="IMP"),
     "level:1.parent", "Level %(code)s would sit under itself."),
    ("no statement", lambda s: replaced(s, "levels", "1", statement_en="", statement_fr=""), "level:1.statement_en",
     "Write the statement in English or in French."),
    ("control character", lambda s: replaced(s, "levels", "1", statement_en="Jobs\x07"), "level:1.statement_en",
     "This text holds invisible control characters; remove them."),
]

INDICATOR_CASES = [
    ("code not a name", lambda s: replaced(s, "indicators", "EMP", code="1EMP"), "indicator:EMP.code",
     "“%(code)s” is not an indicator code: begin with a letter and use letters, digits, “_” or “.” (at most "
     "%(limit)s characters), so that rules can name it."),
    ("code twice", lambda s: replaced(s, "indicators", "PCT", code="EMP"), "indicator:PCT.code",
     "The code “%(code)s” is used twice."),
    ("unknown level", lambda s: replaced(s, "indicators", "EMP", level="7"), "indicator:EMP.level",
     "No level “%(code)s” in this logframe."),
    ("unknown unit", lambda s: replaced(s, "indicators", "EMP", unit="kg"), "indicator:EMP.unit",
     "“%(value)s” is not one of the choices: %(allowed)s."),
    ("unknown aggregation", lambda s: replaced(s, "indicators", "EMP", aggregation="median"),
     "indicator:EMP.aggregation", "“%(value)s” is not one of the choices: %(allowed)s."),
    ("unknown direction", lambda s: replaced(s, "indicators", "EMP", direction="up"), "indicator:EMP.direction",
     "“%(value)s” is not one of the choices: %(allowed)s."),
    ("five decimals", lambda s: replaced(s, "indicators", "EMP", decimals=5), "indicator:EMP.decimals",
     "Decimals: a whole number from 0 to 4."),
    # The columns hold 18 digits, 4 of them decimals: more is refused, not left to the database (PostgreSQL
    # refuses it with an error, SQLite rounds it).
    ("maximum beyond the column", lambda s: replaced(s, "indicators", "EMP", max_value=D(10) ** 24),
     "indicator:EMP.max_value", "“%(value)s” is beyond what a logframe holds."),
    ("minimum beyond the column", lambda s: replaced(s, "indicators", "EMP", min_value=-D(10) ** 14),
     "indicator:EMP.min_value", "“%(value)s” is beyond what a logframe holds."),
    ("baseline beyond the column", lambda s: replaced(s, "indicators", "EMP", baseline_value=D(10) ** 15),
     "indicator:EMP.baseline_value", "“%(value)s” is beyond what a logframe holds."),
    ("minimum with six decimals", lambda s: replaced(s, "indicators", "EMP", min_value=D("0.000001")),
     "indicator:EMP.min_value", "%(value)s has more than %(decimals)s decimals."),
    ("min above max", lambda s: replaced(s, "indicators", "EMP", min_value=D(10), max_value=D(5)),
     "indicator:EMP.max_value", "The maximum is below the minimum."),
    ("baseline below min", lambda s: replaced(s, "indicators", "EMP", min_value=D(10), baseline_value=D(5)),
     "indicator:EMP.baseline_value", "%(value)s is below the minimum, %(minimum)s."),
    ("target above max", lambda s: replaced(s, "indicators", "EMP", max_value=D(10), target_value=D(50)),
     "indicator:EMP.target_value", "%(value)s is above the maximum, %(maximum)s."),
    ("target with decimals", lambda s: replaced(s, "indicators", "EMP", target_value=D("10.5")),
     "indicator:EMP.target_value", "%(value)s has more than %(decimals)s decimals."),
    ("percent above 100", lambda s: replaced(s, "indicators", "PCT", target_value=D(120), max_value=None),
     "indicator:PCT.target_value", "A percentage lies between 0 and 100: %(value)s does not."),
    ("yes/no target 2", lambda s: replaced(s, "indicators", "AGREED", target_value=D(2)),
     "indicator:AGREED.target_value", "A yes/no indicator takes 1 (yes) or 0 (no), not %(value)s."),
    ("currency missing", lambda s: replaced(s, "indicators", "BUDGET", currency=None), "indicator:BUDGET.currency",
     "Give the currency of the amounts (an ISO 4217 code such as EUR)."),
    ("currency unknown", lambda s: replaced(s, "indicators", "BUDGET", currency="XYZ"), "indicator:BUDGET.currency",
     "“%(value)s” is not a currency code (ISO 4217, such as EUR)."),
    ("currency of a count", lambda s: replaced(s, "indicators", "EMP", currency="EUR"), "indicator:EMP.currency",
     "Only an amount of money has a currency: leave this empty."),
    ("unknown disaggregation", lambda s: replaced(s, "indicators", "EMP", disaggregations=("religion",)),
     "indicator:EMP.disaggregations", "No disaggregation “%(key)s” in the shared list."),
    ("disaggregation twice", lambda s: replaced(s, "indicators", "EMP", disaggregations=("sex", "sex")),
     "indicator:EMP.disaggregations", "The disaggregation “%(key)s” is given twice."),
    ("name too long", lambda s: replaced(s, "indicators", "EMP", name_en="x" * 401), "indicator:EMP.name_en",
     "This text is too long: at most %(limit)s characters."),
    ("no name", lambda s: replaced(s, "indicators", "EMP", name_en="", name_fr=""), "indicator:EMP.name_en",
     "Write the name in English or in French."),
    ("text with a target", lambda s: replaced(s, "indicators", "NOTE", target_value=D(1)), "indicator:NOTE.target_value",
     "A text indicator takes no numbers: leave this empty."),
    ("not a number", lambda s: replaced(s, "indicators", "EMP", target_value="lots"), "indicator:EMP.target_value",
     "Write a number."),
]

TARGET_CASES = [
    ("unknown indicator", lambda s: replace(s, targets=(target("NOPE", "2024Q1", D(1)),)), "target:NOPE/2024Q1/.indicator",
     "No indicator “%(code)s” in this logframe."),
    ("not a period", lambda s: replace(s, targets=(target("EMP", "2024Q5", D(1)),)), "target:EMP/2024Q5/.period",
     "“%(period)s” is not a period (expected e.g. 2023Q1)."),
    ("outside the project", lambda s: replace(s, targets=(target("EMP", "2030Q1", D(1)),)), "target:EMP/2030Q1/.period",
     "%(period)s is outside the project's dates: it reports from %(first)s to %(last)s."),
    ("another frequency", lambda s: replace(s, targets=(target("EMP", "2024H1", D(1)),)), "target:EMP/2024H1/.period",
     "%(period)s is outside the project's dates: it reports from %(first)s to %(last)s."),
    ("unknown category", lambda s: replace(s, targets=(target("TRAINED", "2024Q1", D(1), "sex=X"),)),
     "target:TRAINED/2024Q1/sex=X.combination", "“%(combination)s” is not a category of this indicator's "
     "disaggregations."),
    ("category of another disaggregation", lambda s: replace(s, targets=(target("TRAINED", "2024Q1", D(1),
                                                                                "skill_level=low"),)),
     "target:TRAINED/2024Q1/skill_level=low.combination",
     "“%(combination)s” is not a category of this indicator's disaggregations."),
    ("twice", lambda s: replace(s, targets=(target("EMP", "2024Q1", D(1)), target("EMP", "2024Q1", D(2)))),
     "target:EMP/2024Q1/", "This target is given twice (same indicator, period and category)."),
    ("too many decimals", lambda s: replace(s, targets=(target("PCT", "2024Q1", D("12.25")),)),
     "target:PCT/2024Q1/.value", "%(value)s has more than %(decimals)s decimals."),
    ("yes/no target 3", lambda s: replace(s, targets=(target("AGREED", "2024Q1", D(3)),)),
     "target:AGREED/2024Q1/.value", "A yes/no indicator takes 1 (yes) or 0 (no), not %(value)s."),
    ("text target", lambda s: replace(s, targets=(target("NOTE", "2024Q1", D(3)),)),
     "target:NOTE/2024Q1/.value", "A text indicator takes no numbers: leave this empty."),
    ("no value", lambda s: replace(s, targets=(target("EMP", "2024Q1", None),)), "target:EMP/2024Q1/.value",
     "Write a number."),
]

RULE_CASES = [
    ("does not parse", lambda s: replaced(s, "rules", "R1", left="EMP +"), "rule:R1.left",
     "At position %(position)s of “%(expression)s”: %(reason)s."),
    ("unknown indicator", lambda s: replaced(s, "rules", "R1", right="TRAINED + NOPE"), "rule:R1.right",
     "Unknown indicator in “%(expression)s”: %(codes)s."),
    ("unknown comparison", lambda s: replaced(s, "rules", "R1", operator="=<"), "rule:R1.operator",
     "Unknown comparison “%(operator)s”."),
    ("unknown severity", lambda s: replaced(s, "rules", "R1", severity="fatal"), "rule:R1.severity",
     "“%(value)s” is not one of the choices: %(allowed)s."),
    ("unknown strategy", lambda s: replaced(s, "rules", "R1", missing_value_strategy="guess"),
     "rule:R1.missing_value_strategy", "“%(value)s” is not one of the choices: %(allowed)s."),
    ("no message", lambda s: replaced(s, "rules", "R1", message_en="", message_fr=""), "rule:R1.message_en",
     "Write the message shown when the rule is broken."),
    ("code twice", lambda s: replace(s, rules=s.rules + (rule("R1", right="PCT"),)), "rule:R1.code",
     "The code “%(code)s” is used twice."),
    ("no code", lambda s: replace(s, rules=(rule(""),)), "rule:.code", "Write a code."),
]


@pytest.mark.parametrize("name, change, where, message_id", LEVEL_CASES + INDICATOR_CASES + TARGET_CASES + RULE_CASES,
                         ids=[case[0] for case in LEVEL_CASES + INDICATOR_CASES + TARGET_CASES + RULE_CASES])
def test_each_check_names_its_place(name, change, where, message_id):
    assert (where, message_id) in errors(change(BASE))


def test_a_problem_without_a_place_for_its_field_names_the_item_then_its_kind_and_code():
    bare = replaced(BASE, "indicators", "EMP", unit="kg", where={"": "Indicators!A7"})
    assert ("Indicators!A7", "“%(value)s” is not one of the choices: %(allowed)s.") in errors(bare)
    nowhere = replaced(BASE, "indicators", "EMP", unit="kg", where={})
    assert ("indicator EMP", "“%(value)s” is not one of the choices: %(allowed)s.") in errors(nowhere)


def test_a_missing_translation_is_a_warning():
    spec = replaced(replaced(BASE, "indicators", "EMP", name_fr=""), "levels", "1", statement_en="")
    result = plan(spec, EMPTY)
    assert result.errors == []
    assert {(p.where, p.message_id, p.severity) for p in result.warnings} == {
        ("indicator:EMP.name_fr", "No French name.", "warning"),
        ("level:1.statement_en", "No English statement.", "warning")}


def test_a_rule_error_translates_its_reason_inside_the_message():
    problem = next(p for p in plan(replaced(BASE, "rules", "R1", left="EMP +"), EMPTY).errors)
    french = {"At position %(position)s of “%(expression)s”: %(reason)s.": "Position %(position)s : %(reason)s.",
              "the expression ends too early": "trop tôt"}
    assert problem.text(lambda m, **k: french.get(m, m) % k) == "rule:R1.left: Position 6 : trop tôt."
    assert "At position 6 of “EMP +”: the expression ends too early." in str(ProblemsError([problem]))


def test_the_stored_logframe_sent_back_changes_nothing():
    result = plan(BASE, stored())
    assert result.changes == [] and not result.changed and result.errors == []


def test_numbers_and_text_as_typed_are_the_same_logframe():
    typed = replaced(replaced(BASE, "indicators", "TRAINED", target_value=D("100.0000"), name_en=" Trained  "),
                     "indicators", "BUDGET", currency="eur")
    typed = replace(typed, targets=(target("TRAINED", "2024-q1", D("40.00")), BASE.targets[1]))
    assert plan(typed, stored()).changes == []
    assert plain(D("50.0000")) == D(50) and str(plain(D("50.0000"))) == "50" and str(plain(D("0.5000"))) == "0.5"
    assert str(plain(D("1E+3"))) == "1000" and str(plain(D("-0.0000"))) == "0"


def test_a_definition_change_of_an_indicator_with_values_is_a_revision_with_a_reason():
    spec = replaced(BASE, "indicators", "TRAINED", name_en="People trained", disaggregations=("sex", "age_group"))
    context = stored(with_values=frozenset({"TRAINED"}))
    result = plan(spec, context)
    assert result.changes == [Change("revise", "indicator", "TRAINED", ("name_en", "disaggregations"),
                                     "indicator:TRAINED")]
    assert [(p.where, p.params) for p in result.errors] == [("reason", {"codes": "TRAINED"})]
    assert plan(spec, context, reason="Age groups asked by the donor").errors == []
    # Without values the same change is a plain update, no reason asked.
    assert plan(spec, stored()).changes == [Change("update", "indicator", "TRAINED", ("name_en", "disaggregations"),
                                                   "indicator:TRAINED")]


def test_disaggregations_compare_in_the_shared_order():
    spec = replaced(BASE, "indicators", "TRAINED", disaggregations=("skill_level", "sex"))
    context = stored(replaced(BASE, "indicators", "TRAINED", disaggregations=("sex", "skill_level")))
    assert plan(spec, context).changes == []


def test_target_changes_after_approval_are_target_revisions_with_a_reason():
    spec = replace(replaced(BASE, "indicators", "TRAINED", target_value=D(120)),
                   targets=(target("TRAINED", "2024Q1", D(45)), target("TRAINED", "2024Q2", D(50))))
    approved = stored(was_approved=True)
    result = plan(spec, approved)
    assert result.changes == [
        Change("retarget", "indicator", "TRAINED", ("target_value",), "indicator:TRAINED"),
        Change("retarget", "target", "TRAINED", ("2024Q1", "2024Q2", "2024Q1 sex=F"), "indicator:TRAINED")]
    assert [p.where for p in result.errors] == ["reason"]
    assert plan(spec, approved, reason="Budget cut").errors == []
    # Before any approval, targets are still being drafted: plain updates.
    assert {c.action for c in plan(spec, stored()).changes} == {"update"}


def test_an_indicator_with_values_is_retired_never_deleted():
    context = stored(with_values=frozenset({"EMP"}))
    gone = replace(BASE.without_indicator("EMP"), rules=())
    assert ("indicator EMP", "%(code)s has reported values: retire it, it cannot be deleted.") in errors(gone, context)
    assert plan(replace(BASE.without_indicator("NOTE")), context).changes == [Change("delete", "indicator", "NOTE")]
    retired = replaced(BASE, "indicators", "EMP", retired=True)
    assert plan(retired, context).changes == [Change("retire", "indicator", "EMP", (), "indicator:EMP")]
    assert plan(BASE, stored(retired)).changes == [Change("reinstate", "indicator", "EMP", (), "indicator:EMP")]


def test_a_level_is_deleted_only_when_nothing_remains_under_it():
    spec = BASE.with_level(level("2", "outcome", "IMP"))
    assert plan(BASE, stored(spec)).changes == [Change("delete", "level", "2")]
    assert ("indicator:EMP.level", "No level “%(code)s” in this logframe.") in \
        errors(BASE.without_level("1.1"), stored())


def test_a_rule_left_out_is_switched_off_never_deleted():
    context = stored()
    assert plan(replace(BASE, rules=()), context).changes == [Change("deactivate", "rule", "R1")]
    off = replaced(BASE, "rules", "R1", is_active=False)
    assert plan(off, context).changes == [Change("deactivate", "rule", "R1", (), "rule:R1")]
    assert plan(replace(BASE, rules=()), stored(off)).changes == []  # already off: nothing to do
    assert plan(BASE, stored(off)).changes == [Change("update", "rule", "R1", ("is_active",), "rule:R1")]
    # A rule switched off may name an indicator deleted since; it is kept as it was.
    assert errors(replaced(off, "rules", "R1", left="GONE")) == set()


def test_moving_an_item_among_its_siblings_is_an_update_of_its_position():
    swapped = replace(BASE, indicators=(BASE.indicators[1], BASE.indicators[0]) + BASE.indicators[2:])
    assert plan(swapped, stored()).changes == [
        Change("update", "indicator", "EMP", ("position",), "indicator:EMP"),
        Change("update", "indicator", "TRAINED", ("position",), "indicator:TRAINED")]


def test_a_reason_is_text_like_any_other():
    spec = replaced(BASE, "indicators", "TRAINED", name_en="People trained")
    result = plan(spec, stored(with_values=frozenset({"TRAINED"})), reason="x" * 2001)
    assert [p.message_id for p in result.errors] == ["This text is too long: at most %(limit)s characters."]


# --- export → import → export: the stored form of a logframe is a fixed point ----------------------------

codes = st.from_regex(r"[A-Z][A-Z0-9_]{0,8}", fullmatch=True)
amounts = st.decimals(min_value=0, max_value=10 ** 6, places=2, allow_nan=False, allow_infinity=False)
texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), max_size=20)


@st.composite
def logframes(draw):
    names = draw(st.lists(codes, min_size=1, max_size=6, unique=True))
    indicators = tuple(IndicatorSpec(code=code, level="1.1", name_en=code + draw(texts), name_fr=draw(texts),
                                     decimals=2, target_value=draw(st.none() | amounts),
                                     disaggregations=tuple(draw(st.lists(st.sampled_from(sorted(CATEGORIES)),
                                                                         unique=True, max_size=2))))
                       for code in names)
    targets = tuple(TargetSpec(indicator=code, period=period, value=draw(amounts))
                    for code in names for period in draw(st.lists(st.sampled_from(PERIODS), unique=True, max_size=2)))
    return LogframeSpec(levels=BASE.levels, indicators=indicators, targets=targets)


@settings(max_examples=60, deadline=None)
@given(logframes())
def test_any_sound_logframe_once_stored_plans_no_change(spec):
    result = plan(spec, EMPTY)
    assert result.errors == [], [Problem.text(p, lambda m, **k: m) for p in result.errors]
    assert plan(result.spec, stored(result.spec)).changes == []
    assert all(c.action == "create" or (c.kind, c.action) == ("target", "update") for c in result.changes)


def test_dates_and_flags_are_part_of_the_comparison():
    spec = replaced(BASE, "indicators", "EMP", baseline_date=dt.date(2024, 1, 1), is_key=True)
    assert plan(spec, stored()).changes == [Change("update", "indicator", "EMP", ("is_key", "baseline_date"),
                                                   "indicator:EMP")]
