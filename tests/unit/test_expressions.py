from decimal import Decimal as D

import pytest

from meapp.validation.expressions import RuleSyntaxError, Undefined, evaluate, names, parse_expression


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
        evaluate(parse_expression("A / 0"), {"A": D(1)})
