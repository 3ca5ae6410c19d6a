from decimal import Decimal as D

import pytest

from meapp.core.progress import percent_of_target, to_date


@pytest.mark.parametrize("aggregation, values, expected", [
    ("sum", [D(1), D(2), D(3)], D(6)), ("latest", [D(5), D(3)], D(3)), ("max", [D(5), D(3)], D(5)),
    ("average", [D(1), D(2)], D("1.5")), ("sum", [], None),
])
def test_to_date(aggregation, values, expected):
    assert to_date(aggregation, values) == expected


@pytest.mark.parametrize("actual, target, baseline, direction, expected", [
    (D(50), D(100), None, "increase", D("50.0")),
    (D(150), D(100), D(0), "increase", D("150.0")),
    (D(60), D(100), D(20), "increase", D("50.0")),
    (D(30), D(10), D(50), "decrease", D("50.0")),
    (D(5), D(5), D(5), "increase", None),
    (None, D(5), None, "increase", None),
])
def test_percent_of_target(actual, target, baseline, direction, expected):
    assert percent_of_target(actual, target, baseline, direction) == expected
