"""Reporting periods: '2023Q1' (quarter), '2023H1' (half-year), '2023' (year), and their arithmetic."""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from enum import Enum

_PATTERN = re.compile(r"^\s*(\d{4})\s*(?:([QqHhSs])\s*([1-4]))?\s*$")


class Frequency(str, Enum):
    QUARTERLY = "quarterly"
    SEMIANNUAL = "semiannual"
    ANNUAL = "annual"

    @property
    def per_year(self) -> int:
        return {"quarterly": 4, "semiannual": 2, "annual": 1}[self.value]


class PeriodError(ValueError):
    """A period code that cannot be read."""


@dataclass(frozen=True, order=True)
class Period:
    """One reporting period; ordered by time within a frequency."""

    year: int
    index: int = 1  # 1-based: quarter 1..4, half 1..2, always 1 for a year
    frequency: Frequency = Frequency.QUARTERLY

    def __post_init__(self) -> None:
        if not 1900 <= self.year <= 2999:
            raise PeriodError(f"year out of range: {self.year}")
        if not 1 <= self.index <= self.frequency.per_year:
            raise PeriodError(f"period {self.index} does not exist in a {self.frequency.value} calendar")

    @classmethod
    def parse(cls, text: str) -> "Period":
        """Read '2023Q1', '2023-Q1', '2023H2', '2023S2' or '2023'."""
        match = _PATTERN.match(str(text).replace("-", ""))
        if not match:
            raise PeriodError(f"not a period: {text!r} (expected e.g. 2023Q1)")
        year, letter, number = match.groups()
        if letter is None:
            return cls(int(year), 1, Frequency.ANNUAL)
        if letter.upper() == "Q":
            return cls(int(year), int(number), Frequency.QUARTERLY)
        return cls(int(year), int(number), Frequency.SEMIANNUAL)

    @classmethod
    def containing(cls, day: dt.date, frequency: Frequency = Frequency.QUARTERLY) -> "Period":
        """The period of this frequency that contains the given day."""
        months = 12 // frequency.per_year
        return cls(day.year, (day.month - 1) // months + 1, frequency)

    @property
    def code(self) -> str:
        if self.frequency is Frequency.QUARTERLY:
            return f"{self.year}Q{self.index}"
        if self.frequency is Frequency.SEMIANNUAL:
            return f"{self.year}H{self.index}"
        return f"{self.year}"

    def __str__(self) -> str:
        return self.code

    @property
    def _ordinal(self) -> int:
        return self.year * self.frequency.per_year + self.index - 1

    def __add__(self, n: int) -> "Period":
        if not isinstance(n, int):
            return NotImplemented
        per = self.frequency.per_year
        ordinal = self._ordinal + n
        return Period(ordinal // per, ordinal % per + 1, self.frequency)

    def __sub__(self, other):
        if isinstance(other, int):
            return self + (-other)
        if isinstance(other, Period):
            if other.frequency is not self.frequency:
                raise PeriodError("cannot subtract periods of different frequencies")
            return self._ordinal - other._ordinal
        return NotImplemented

    def next(self) -> "Period":
        return self + 1

    def previous(self) -> "Period":
        return self - 1

    @property
    def start_date(self) -> dt.date:
        months = 12 // self.frequency.per_year
        return dt.date(self.year, (self.index - 1) * months + 1, 1)

    @property
    def end_date(self) -> dt.date:
        months = 12 // self.frequency.per_year
        last_month = self.index * months
        return dt.date(self.year, last_month, calendar.monthrange(self.year, last_month)[1])

    def overlaps(self, start: dt.date | None, end: dt.date | None) -> bool:
        """True when some day of the period lies within [start, end] (open ends allowed)."""
        return (start is None or self.end_date >= start) and (end is None or self.start_date <= end)


# Reports are due a month after the period ends, unless the secretariat sets another date.
DUE_AFTER_DAYS = 30


def default_due_date(period: Period) -> dt.date:
    return period.end_date + dt.timedelta(days=DUE_AFTER_DAYS)


def period_range(first: Period, last: Period) -> list[Period]:
    """Every period from first to last inclusive (empty when last is before first)."""
    return [first + i for i in range(max(0, (last - first) + 1))]


def periods_between(start: dt.date, end: dt.date, frequency: Frequency = Frequency.QUARTERLY) -> list[Period]:
    """The periods of a project running from start to end."""
    return period_range(Period.containing(start, frequency), Period.containing(end, frequency))


def period_label(code: str | None, gettext) -> str:
    """'2023Q1' → 'Q1 2023' / 'T1 2023' through the given gettext(msgid, **params); unknown text as is."""
    if not code:
        return ""
    try:
        period = Period.parse(code)
    except PeriodError:
        return str(code)
    if period.frequency is Frequency.QUARTERLY:
        return gettext("Q%(number)d %(year)d", number=period.index, year=period.year)
    if period.frequency is Frequency.SEMIANNUAL:
        return gettext("H%(number)d %(year)d", number=period.index, year=period.year)
    return str(period.year)
