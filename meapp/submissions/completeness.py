"""Completeness and timeliness of reporting across projects × periods (the secretariat's table)."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select

from meapp.core.periods import Period
from meapp.extensions import db
from meapp.projects.queries import list_projects
from meapp.submissions.models import ReportingPeriod, Submission, SubmissionStatus

STATES = ("approved", "on_time", "late", "returned", "missing", "not_due")


@dataclass(frozen=True)
class Cell:
    state: str  # one of STATES, or "" when the period is outside the project
    submission: Submission | None = None


@dataclass
class Tally:
    counts: Counter = field(default_factory=Counter)
    on_time: int = 0  # handed in by the due date, whatever happened after (approved included)

    @property
    def expected(self) -> int:
        return sum(n for state, n in self.counts.items() if state != "not_due")

    @property
    def received(self) -> int:
        return self.counts["approved"] + self.counts["on_time"] + self.counts["late"]

    def rate(self, part: int):
        return None if not self.expected else part / self.expected


@dataclass
class Table:
    periods: list[ReportingPeriod]
    rows: list[tuple[object, list[Cell], Tally]]
    by_period: list[Tally]
    total: Tally


def cell_state(submission: Submission | None, due: dt.date, today: dt.date) -> tuple[str, bool]:
    """(state, handed in on time) of one project × period."""
    submitted_on_time = bool(submission and submission.submitted_at and submission.submitted_at.date() <= due)
    if submission is None or submission.status is SubmissionStatus.DRAFT:
        return ("missing" if today > due else "not_due"), False
    if submission.status is SubmissionStatus.RETURNED:
        return "returned", False
    if submission.status is SubmissionStatus.APPROVED:
        return "approved", submitted_on_time
    return ("on_time" if submitted_on_time else "late"), submitted_on_time


def build(user, periods: list[ReportingPeriod], today: dt.date | None = None) -> Table:
    """Projects × the given reporting periods, with counts and rates per project and per period."""
    today = today or dt.date.today()
    projects = list_projects(user)
    codes = [p.code for p in periods]
    submissions = db.session.scalars(
        select(Submission).where(Submission.period.in_(codes), Submission.project_id.in_([p.id for p in projects]))
    ).all() if projects and codes else []
    found = {(s.project_id, s.period): s for s in submissions}
    by_period = [Tally() for _ in periods]
    total = Tally()
    rows = []
    for project in projects:
        cells, tally = [], Tally()
        for index, rp in enumerate(periods):
            if not project.reports_in(Period.parse(rp.code)):
                cells.append(Cell(""))
                continue
            submission = found.get((project.id, rp.code))
            state, on_time = cell_state(submission, rp.due_date, today)
            cells.append(Cell(state, submission))
            for t in (tally, by_period[index], total):
                t.counts[state] += 1
                t.on_time += int(on_time)
        rows.append((project, cells, tally))
    return Table(periods, rows, by_period, total)


def reporting_periods(first: str | None = None, last: str | None = None, limit: int = 8) -> list[ReportingPeriod]:
    """Reporting periods between first and last (codes), or the latest `limit` ones, oldest first."""
    periods = sorted(db.session.scalars(select(ReportingPeriod)), key=lambda p: Period.parse(p.code))
    if first or last:
        lo = Period.parse(first) if first else None
        hi = Period.parse(last) if last else None
        return [p for p in periods if (lo is None or Period.parse(p.code) >= lo)
                and (hi is None or Period.parse(p.code) <= hi)]
    return periods[-limit:]
