"""The rules every write into a submission obeys, whatever the door: which periods take figures and
which text is accepted. The service applies them before it reads or writes anything else."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from meapp.core.messages import N_
from meapp.core.periods import Period, PeriodError
from meapp.core.text import (
    CELL_LIMIT,
    CODE_LIMIT,
    COMBINATION_LIMIT,
    COMMENT_LIMIT,
    NARRATIVE_LIMIT,
    strip_control,
    text_problem,
)
from meapp.errors import InvalidText, PeriodShut, UnknownPeriod, WorkflowError
from meapp.projects.models import Project
from meapp.submissions import queries
from meapp.submissions.models import EDITABLE, PeriodStatus, Submission, SubmissionStatus


@dataclass(frozen=True)
class ValueEntry:
    """One cell to write: a value for an indicator's total or one category; None or '' clears it."""

    indicator: str
    value: str | Decimal | None
    combination: str = ""
    comment: str | None = None  # None keeps the stored comment


def check_text(text: str | None, limit: int, field: str) -> None:
    """Refuse text with control characters or beyond its field's length (core.text), saying where."""
    problem = text_problem(text, limit)
    if problem is not None:
        raise InvalidText(problem.value, field, limit)


def check_entries(entries: list[ValueEntry], narrative_en: str | None = None, narrative_fr: str | None = None) -> None:
    """The text rules for a batch of cells and narratives, before anything is read or written."""
    for entry in entries:
        where = strip_control(f"{entry.indicator[:CODE_LIMIT]} {entry.combination[:COMBINATION_LIMIT]}".strip())
        check_text(entry.indicator, CODE_LIMIT, where)
        check_text(entry.combination, COMBINATION_LIMIT, where)
        if isinstance(entry.value, str):
            check_text(entry.value, CELL_LIMIT, where)
        check_text(entry.comment, COMMENT_LIMIT, where)
    check_text(narrative_en, NARRATIVE_LIMIT, "narrative_en")
    check_text(narrative_fr, NARRATIVE_LIMIT, "narrative_fr")


def check_period(period: str) -> str:
    try:
        return Period.parse(period).code
    except PeriodError as exc:
        raise UnknownPeriod(N_("“%(period)s” is not a period (expected e.g. 2023Q1)."), period=period) from exc


def period_open_for(actor, code: str) -> None:
    """Implementers report only in open periods; the secretariat may correct any period."""
    if actor.is_secretariat:
        return
    period = queries.reporting_period(code)
    if period is None or period.status is not PeriodStatus.OPEN:
        raise WorkflowError(N_("The reporting period %(period)s is not open."), period=code)


def project_period(project: Project, period: str) -> str:
    """The period's code, refused when it is not one the project reports for (frequency and dates)."""
    code = check_period(period)
    parsed = Period.parse(code)
    if parsed.frequency != project.reporting_frequency or len(code) > 7:
        raise UnknownPeriod(N_("“%(period)s” is not a period (expected e.g. 2023Q1)."), period=period)
    if not project.reports_in(parsed):
        raise UnknownPeriod(N_("%(period)s is outside the project's dates: it reports from %(first)s to %(last)s."),
                            period=code, first=project.periods()[0].code if project.periods() else "",
                            last=project.periods()[-1].code if project.periods() else "")
    return code


def check_writable(project: Project, period: str, submission: Submission | None,
                   today: dt.date | None = None) -> str:
    """The one rule every write into a project's period obeys (values, narratives, justifications, evidence).

    A period takes new figures only when it is one of the project's periods, has begun (or the
    secretariat opened it early), its reporting round is not closed, and its report is still in the
    implementer's hands. Only the secretariat reopens a closed period or an approved report. Returns
    the period's code; raises UnknownPeriod (404) or PeriodShut (409) with the true reason.
    """
    code = project_period(project, period)
    if submission is not None and (submission.is_locked or submission.status is SubmissionStatus.APPROVED):
        raise PeriodShut(N_("The report for %(period)s is already approved: only the secretariat can reopen it."),
                         period=code)
    if submission is not None and submission.status not in EDITABLE:
        raise PeriodShut(N_("This submission is %(status)s: it cannot be changed."), status=submission.status.value)
    reporting = queries.reporting_period(code)
    if reporting is not None and reporting.status is PeriodStatus.CLOSED:
        raise PeriodShut(N_("The reporting period %(period)s is closed: only the secretariat can reopen it."),
                         period=code)
    today = today or dt.date.today()
    if Period.parse(code).start_date > today and (reporting is None or reporting.status is not PeriodStatus.OPEN):
        raise PeriodShut(N_("%(period)s has not begun yet: its values can be entered once it starts."), period=code)
    return code
