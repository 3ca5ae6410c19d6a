from decimal import Decimal as D

import pytest

from meapp.validation.expressions import (
    MAX_DEPTH,
    MAX_LENGTH,
    RuleSyntaxError,
    Undefined,
    evaluate,
    names,
    parse_expression,
)


@pytest.mark.parametrize("text, values, expected", [
    ("1 + 2 * 3", {}, D(7)),
    ("(1 + 2) * 3", {}, D(9)),
    ("A - B - C", {"A": D(10), "B": D(3), "C": D(2)}, D(5)),
    ("A / B * 2", {"A": D(10), "B": D(4)}, D(5)),
    ("-A + +3", {"A": D(1)}, D(2)),
    ("EMP_BE × 2 ÷ 4", {"EMP_BE": D(8)}, D(4)),
    ("OUT_1.2", {"OUT_1.2": D(3)}, D(3)),
    ("0.5 * A", {"A": D(3)}, D("1.5")),
])
def test_evaluate(text, values, expected):
    assert evaluate(parse_expression(text), values) == expected


@pytest.mark.parametrize("text, position", [
    ("", 0), ("A +", 3), ("A + * B", 4), ("(A + B", 6), ("A B", 2), ("A ^ 2", 2),
    ("__import__('os')", 11), ("A; B", 1), ("1 2", 2), (")", 0), ("x" * 501, 500),
])
def test_syntax_errors_say_where(text, position):
    with pytest.raises(RuleSyntaxError) as error:
        parse_expression(text)
    assert error.value.position == position
    assert f"position {position + 1}" in str(error.value)


def test_names_and_undefined():
    tree = parse_expression("A + (B * C) - 2")
    assert names(tree) == {"A", "B", "C"}
    with pytest.raises(Undefined):
        evaluate(tree, {"A": D(1)})
    with pytest.raises(Undefined):
        evaluate(parse_expression("A / B"), {"A": D(1), "B": D(0)})


@pytest.mark.parametrize("text, position", [
    ("(" * (MAX_DEPTH + 1) + "1" + ")" * (MAX_DEPTH + 1), MAX_DEPTH),
    ("A + " + "(" * 200, 4 + MAX_DEPTH),
    ("-" * (MAX_DEPTH + 1) + "A", MAX_DEPTH),
    ("+-" * MAX_DEPTH + "A", MAX_DEPTH),
    ("(-" * MAX_DEPTH + "A" + ")" * MAX_DEPTH, MAX_DEPTH),
])
def test_nesting_is_limited_with_a_position(text, position):
    with pytest.raises(RuleSyntaxError) as error:
        parse_expression(text)
    assert error.value.reason.startswith("the expression is nested too deeply")
    assert error.value.params == {"limit": MAX_DEPTH}
    assert (error.value.position, f"position {position + 1}" in str(error.value)) == (position, True)


@pytest.mark.parametrize("text", [
    "(" * MAX_DEPTH + "A" + ")" * MAX_DEPTH,
    "-" * MAX_DEPTH + "A",
    " + ".join(["A"] * 125),  # long, flat chains are not nesting
])
def test_nesting_up_to_the_limit_is_accepted(text):
    assert names(parse_expression(text)) == {"A"}


@pytest.mark.parametrize("text", [
    "(" * 500 + "1" + ")" * 500, "x" * 100_000, "9" * 10_000, "A" * (MAX_LENGTH + 1),
])
def test_length_is_limited(text):
    with pytest.raises(RuleSyntaxError) as error:
        parse_expression(text)
    assert error.value.reason == "the expression is longer than %(limit)s characters"
    assert error.value.position == MAX_LENGTH


@pytest.mark.parametrize("text, position", [
    ("A / 0", 4), ("A / 0.0", 4), ("A / -0", 4), ("A / (2-2)", 4), ("A / (2 * 0)", 4), ("A/2/0", 4),
    ("(1 / 0) * A", 5), ("A + B / (3 - 1.5 * 2)", 8), ("A ÷ 0", 4), ("A / +(-(0))", 4),
])
def test_division_by_a_constant_zero_is_refused(text, position):
    with pytest.raises(RuleSyntaxError) as error:
        parse_expression(text)
    assert (error.value.reason, error.value.position) == ("division by zero", position)


@pytest.mark.parametrize("text", ["A / B", "A / (B - B)", "A / (0 * B)", "0 / A", "A / 0.5", "A / (1 - 0)"])
def test_division_by_what_is_not_a_constant_zero_is_accepted(text):
    parse_expression(text)


@pytest.mark.parametrize("text", ["١٢٣", "²", "A / ٠", "１", "1e9999999", "0x10", "A\x00"])
def test_only_ascii_numbers_and_codes(text):
    with pytest.raises(RuleSyntaxError):
        parse_expression(text)
