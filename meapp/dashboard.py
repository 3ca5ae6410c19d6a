"""The home dashboard of each role: my projects, next deadlines, what awaits me."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from meapp.auth.models import Role
from meapp.core.periods import Period
from meapp.projects.queries import list_projects
from meapp.submissions import queries
from meapp.submissions.models import Submission, SubmissionStatus


@dataclass(frozen=True)
class Deadline:
    project: object
    period: str
    due_date: dt.date
    status: str  # a SubmissionStatus value, or "missing"
    is_late: bool


@dataclass(frozen=True)
class Board:
    projects: list
    deadlines: list[Deadline]
    awaiting_approval: list[Submission]
    role: Role
    more_missing: int = 0  # open periods with nothing reported beyond the first one of each project


def build(user, today: dt.date | None = None) -> Board:
    """Everything the home page shows for `user`: per project, what is pending in the open periods."""
    today = today or dt.date.today()
    projects = list_projects(user)
    by_id = {p.id: p for p in projects}
    open_periods = queries.open_reporting_periods()
    submissions = queries.submissions_of(list(by_id))
    status_of = {(s.project_id, s.period): s for s in submissions}
    deadlines, more_missing = [], 0
    for project in projects:
        first_missing = True
        for rp in open_periods:
            if not project.reports_in(Period.parse(rp.code)):
                continue
            submission = status_of.get((project.id, rp.code))
            status = submission.status.value if submission else "missing"
            if status == SubmissionStatus.APPROVED.value:
                continue
            if status == "missing":
                # The next period to report is a deadline; the older gaps are counted, not listed.
                if not first_missing:
                    more_missing += 1
                    continue
                first_missing = False
            pending = status in ("missing", SubmissionStatus.DRAFT.value, SubmissionStatus.RETURNED.value)
            deadlines.append(Deadline(project, rp.code, rp.due_date, status, pending and today > rp.due_date))
    deadlines.sort(key=lambda d: (d.due_date, d.project.code))
    awaiting = [s for s in submissions if s.status == SubmissionStatus.SUBMITTED]
    awaiting.sort(key=lambda s: (s.submitted_at or dt.datetime.min, s.period))
    return Board(projects, deadlines, awaiting, user.role, more_missing)
