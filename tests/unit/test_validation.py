"""Table-driven tests of every finding code of the validation engine (no app, no database)."""
import datetime as dt
from decimal import Decimal as D

import pytest

from meapp.validation import (
    DisaggregationSpec,
    IndicatorSpec,
    PeriodContext,
    RawValue,
    RuleSpec,
    ValidationInput,
    validate,
)
from meapp.validation.checks import modified_z_score

SEX = DisaggregationSpec("sex", ("F", "M"))
SKILL = DisaggregationSpec("skill_level", ("low", "medium", "high"))
COUNT = IndicatorSpec("TRAINED", disaggregations=(SEX, SKILL), period_target=D(40))
EMPLOYED = IndicatorSpec("EMPLOYED", is_required=False)
PERCENT = IndicatorSpec("WOMEN_PCT", unit="percent", decimals=1, is_required=False)
RANGED = IndicatorSpec("DAYS", min_value=D(5), max_value=D(230), is_required=False)
FLAG = IndicatorSpec("AGREEMENT", unit="yes_no", is_required=False)
NOTE = IndicatorSpec("NOTE", unit="text", is_required=False)
STOCK = IndicatorSpec("PARTNERS", aggregation="latest", is_cumulative=True, is_required=False)
PLACED = IndicatorSpec("PLACED", is_required=False)
SPECS = (COUNT, EMPLOYED, PERCENT, RANGED, FLAG, NOTE, STOCK, PLACED)
CONTEXT = PeriodContext("2023Q1", dt.date(2022, 1, 1), dt.date(2024, 12, 31))
HISTORY = {
    "EMPLOYED": (("2022Q1", D(10)), ("2022Q2", D(12)), ("2022Q3", D(11)), ("2022Q4", D(13))),
    "PARTNERS": (("2022Q4", D(8)),),
}
BASE = (RawValue("TRAINED", "30"),)


def run(values=(), rules=(), context=CONTEXT, lang="en"):
    return validate(ValidationInput("PALIM", context, SPECS, tuple(BASE) + tuple(values), tuple(rules),
                                    HISTORY, lang))


def codes(result):
    return sorted({f.code.value for f in result.findings})


CASES = [
    # (id, values, expected codes)
    ("clean", [], []),
    ("not_a_number", [RawValue("EMPLOYED", "twelve")], ["not_a_number"]),
    ("formula_is_not_a_number", [RawValue("EMPLOYED", "=1+1")], ["not_a_number"]),
    ("too_many_decimals", [RawValue("EMPLOYED", "12.5")], ["too_many_decimals"]),
    ("trailing_zero_decimals_ok", [RawValue("WOMEN_PCT", "22.50")], []),
    ("below_minimum", [RawValue("DAYS", "2")], ["below_minimum"]),
    ("above_maximum", [RawValue("DAYS", "231")], ["above_maximum"]),
    ("in_range", [RawValue("DAYS", "230")], []),
    ("percent_out_of_bounds_high", [RawValue("WOMEN_PCT", "100.1")], ["percent_out_of_bounds"]),
    ("percent_out_of_bounds_low", [RawValue("WOMEN_PCT", "-1")], ["percent_out_of_bounds"]),
    ("percent_bounds_ok", [RawValue("WOMEN_PCT", "100")], []),
    ("negative_count", [RawValue("EMPLOYED", "-3")], ["negative_count"]),
    ("unknown_indicator", [RawValue("NOPE", "3")], ["unknown_indicator"]),
    ("unknown_category", [RawValue("TRAINED", "3", "sex=X")], ["unknown_category"]),
    ("unknown_disaggregation", [RawValue("TRAINED", "3", "age_group=15-24")], ["unknown_category"]),
    ("crossed_combination_refused", [RawValue("TRAINED", "3", "sex=F|skill_level=low")], ["unknown_category"]),
    ("disaggregation_on_plain_indicator", [RawValue("EMPLOYED", "3", "sex=F")], ["unknown_category"]),
    ("disaggregation_sum_mismatch", [RawValue("TRAINED", "10", "sex=F"), RawValue("TRAINED", "19", "sex=M")],
     ["disaggregation_sum_mismatch"]),
    ("disaggregation_sum_ok", [RawValue("TRAINED", "10", "sex=F"), RawValue("TRAINED", "20", "sex=M")], []),
    ("partial_parts_below_total_ok", [RawValue("TRAINED", "10", "skill_level=low")], []),
    ("partial_parts_above_total", [RawValue("TRAINED", "31", "skill_level=low")], ["disaggregation_sum_mismatch"]),
    ("cumulative_decrease", [RawValue("PARTNERS", "7")], ["cumulative_decrease"]),
    ("cumulative_same_ok", [RawValue("PARTNERS", "8")], []),
    ("target_exceeded", [RawValue("TRAINED", "41")], ["target_exceeded"]),
    ("outlier", [RawValue("EMPLOYED", "90")], ["outlier"]),
    ("not_outlier", [RawValue("EMPLOYED", "14")], []),
    ("yes_no_words", [RawValue("AGREEMENT", "oui")], []),
    ("yes_no_refuses_2", [RawValue("AGREEMENT", "2")], ["not_a_number"]),
    ("yes_no_refuses_maybe", [RawValue("AGREEMENT", "maybe")], ["not_a_number"]),
    ("text_ok", [RawValue("NOTE", "Cohort 2 started in Brussels & Mons")], []),
    ("text_control_characters", [RawValue("NOTE", "bad\x00text")], ["invalid_text"]),
]


@pytest.mark.parametrize("values, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_checks(values, expected):
    assert codes(run(values)) == expected


def test_required_missing():
    result = validate(ValidationInput("PALIM", CONTEXT, SPECS, (), (), HISTORY))
    assert codes(result) == ["required_missing"]
    finding = result.findings[0]
    assert (finding.indicator, finding.severity, finding.period) == ("TRAINED", "error", "2023Q1")


def test_empty_text_counts_as_missing():
    result = validate(ValidationInput("PALIM", CONTEXT, SPECS, (RawValue("TRAINED", "  "),), (), HISTORY))
    assert codes(result) == ["required_missing"]


@pytest.mark.parametrize("context, expected", [
    (PeriodContext("2023Q1", dt.date(2022, 1, 1), dt.date(2024, 12, 31), is_locked=True), ["period_locked"]),
    (PeriodContext("2025Q1", dt.date(2022, 1, 1), dt.date(2024, 12, 31)), ["period_outside_project"]),
    (PeriodContext("2021Q4", dt.date(2022, 1, 1), None), ["period_outside_project"]),
    (PeriodContext("2021Q4", None, None), []),
])
def test_period_checks(context, expected):
    assert codes(run(context=context)) == expected


def test_french_numbers_are_read_in_french():
    result = run([RawValue("WOMEN_PCT", "22,5")], lang="fr")
    assert codes(result) == []
    assert result.parsed[("WOMEN_PCT", "")] == D("22.5")


def test_parsed_values_keep_decimals_and_text():
    result = run([RawValue("EMPLOYED", "1,234"), RawValue("NOTE", " x "), RawValue("AGREEMENT", "yes")])
    assert result.parsed[("EMPLOYED", "")] == D(1234)
    assert result.parsed[("NOTE", "")] == "x"
    assert result.parsed[("AGREEMENT", "")] == D(1)


RULES = [
    ("holds", RuleSpec("R1", "PLACED", "<=", "TRAINED"), [RawValue("PLACED", "12")], []),
    ("violated", RuleSpec("R1", "PLACED", "<=", "TRAINED"), [RawValue("PLACED", "31")], ["rule_violated"]),
    ("arithmetic", RuleSpec("R2", "PLACED + 2 * DAYS", "==", "(TRAINED - 6) × 1"),
     [RawValue("PLACED", "12"), RawValue("DAYS", "6")], []),
    ("skip_if_any", RuleSpec("R3", "PLACED", ">", "TRAINED", missing_value_strategy="skip_if_any"), [], []),
    ("skip_if_all_not_all_missing",
     RuleSpec("R4", "PLACED + DAYS", ">=", "TRAINED", missing_value_strategy="skip_if_all"), [],
     ["rule_violated"]),
    ("skip_if_all_all_missing", RuleSpec("R5", "PLACED", ">", "DAYS", missing_value_strategy="skip_if_all"),
     [], []),
    ("never_skip", RuleSpec("R6", "PLACED", ">", "0", missing_value_strategy="never_skip"), [],
     ["rule_violated"]),
    ("division_by_zero_skips", RuleSpec("R7", "TRAINED / PLACED", ">", "1"), [RawValue("PLACED", "0")], []),
    ("invalid_stored_rule_ignored", RuleSpec("R8", "PLACED <", "<", "1"), [RawValue("PLACED", "3")], []),
]


@pytest.mark.parametrize("rule, values, expected", [r[1:] for r in RULES], ids=[r[0] for r in RULES])
def test_rules(rule, values, expected):
    assert codes(run(values, rules=[rule])) == expected


def test_rule_severity_and_message_come_from_the_rule():
    rule = RuleSpec("R1", "PLACED", "<=", "TRAINED", severity="warning", message_en="Placed ≤ trained",
                    message_fr="Placés ≤ formés")
    finding = run([RawValue("PLACED", "31")], rules=[rule]).findings[0]
    assert finding.severity == "warning"
    assert finding.params["message_fr"] == "Placés ≤ formés"
    assert (finding.params["left"], finding.params["right"]) == (D(31), D(30))


def test_findings_follow_logframe_order_and_have_stable_keys():
    result = run([RawValue("PARTNERS", "1"), RawValue("EMPLOYED", "x")])
    assert [f.indicator for f in result.findings] == ["EMPLOYED", "PARTNERS"]
    assert result.findings[0].key == "not_a_number:EMPLOYED::"


@pytest.mark.parametrize("value, history, expected", [
    (D(10), [D(10), D(12), D(11), D(13)], D("-0.6745") * D("1.5") / D(1)),
    (D(10), [D(10), D(10), D(10), D(10)], None),
    (D(10), [D(1), D(2), D(3)], None),
])
def test_modified_z_score(value, history, expected):
    score = modified_z_score(value, history)
    assert score == expected if expected is None else abs(score - expected) < D("0.0001")
