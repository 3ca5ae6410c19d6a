import datetime as dt

import pytest

from meapp.core.periods import Frequency, Period, PeriodError, period_range, periods_between


@pytest.mark.parametrize("text, code, frequency", [
    ("2023Q1", "2023Q1", Frequency.QUARTERLY),
    ("2023q4", "2023Q4", Frequency.QUARTERLY),
    ("2023-Q2", "2023Q2", Frequency.QUARTERLY),
    (" 2023 Q3 ", "2023Q3", Frequency.QUARTERLY),
    ("2023H2", "2023H2", Frequency.SEMIANNUAL),
    ("2023S1", "2023H1", Frequency.SEMIANNUAL),
    ("2023", "2023", Frequency.ANNUAL),
])
def test_parse(text, code, frequency):
    period = Period.parse(text)
    assert period.code == code
    assert period.frequency is frequency


@pytest.mark.parametrize("text", ["", "2023Q0", "2023Q5", "2023H3", "23Q1", "Q1 2023", "2023Q1Q2", "abcd", "0999Q1"])
def test_parse_refuses(text):
    with pytest.raises(PeriodError):
        Period.parse(text)


@pytest.mark.parametrize("start, n, expected", [
    ("2023Q1", 1, "2023Q2"),
    ("2023Q4", 1, "2024Q1"),
    ("2023Q1", -1, "2022Q4"),
    ("2023Q2", 8, "2025Q2"),
    ("2023Q3", -11, "2020Q4"),
    ("2023H2", 1, "2024H1"),
    ("2023H1", -3, "2021H2"),
    ("2023", 2, "2025"),
    ("2020Q1", 0, "2020Q1"),
])
def test_add(start, n, expected):
    assert (Period.parse(start) + n).code == expected


@pytest.mark.parametrize("a, b, distance", [
    ("2024Q1", "2023Q1", 4), ("2023Q1", "2024Q1", -4), ("2023Q3", "2023Q3", 0), ("2024H1", "2022H2", 3),
])
def test_subtract(a, b, distance):
    assert Period.parse(a) - Period.parse(b) == distance


def test_subtract_mixed_frequencies_refused():
    with pytest.raises(PeriodError):
        Period.parse("2023Q1") - Period.parse("2023H1")


@pytest.mark.parametrize("code, start, end", [
    ("2023Q1", dt.date(2023, 1, 1), dt.date(2023, 3, 31)),
    ("2024Q1", dt.date(2024, 1, 1), dt.date(2024, 3, 31)),
    ("2023Q4", dt.date(2023, 10, 1), dt.date(2023, 12, 31)),
    ("2024H1", dt.date(2024, 1, 1), dt.date(2024, 6, 30)),
    ("2024", dt.date(2024, 1, 1), dt.date(2024, 12, 31)),
])
def test_dates(code, start, end):
    period = Period.parse(code)
    assert (period.start_date, period.end_date) == (start, end)


@pytest.mark.parametrize("day, code", [
    (dt.date(2023, 1, 1), "2023Q1"), (dt.date(2023, 3, 31), "2023Q1"), (dt.date(2023, 4, 1), "2023Q2"),
    (dt.date(2023, 12, 31), "2023Q4"),
])
def test_containing(day, code):
    assert Period.containing(day).code == code


def test_ordering_and_ranges():
    periods = [Period.parse(c) for c in ["2024Q1", "2023Q4", "2023Q2"]]
    assert [p.code for p in sorted(periods)] == ["2023Q2", "2023Q4", "2024Q1"]
    assert [p.code for p in period_range(Period.parse("2023Q3"), Period.parse("2024Q2"))] == [
        "2023Q3", "2023Q4", "2024Q1", "2024Q2"]
    assert period_range(Period.parse("2024Q1"), Period.parse("2023Q1")) == []
    assert [p.code for p in periods_between(dt.date(2019, 7, 15), dt.date(2020, 2, 1))] == [
        "2019Q3", "2019Q4", "2020Q1"]


@pytest.mark.parametrize("code, start, end, overlaps", [
    ("2023Q1", dt.date(2023, 3, 31), None, True),
    ("2023Q1", dt.date(2023, 4, 1), None, False),
    ("2023Q1", None, dt.date(2023, 1, 1), True),
    ("2023Q1", None, dt.date(2022, 12, 31), False),
    ("2023Q1", None, None, True),
])
def test_overlaps(code, start, end, overlaps):
    assert Period.parse(code).overlaps(start, end) is overlaps
