"""Reads for submissions: the engine's input, the grid, history and completeness."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from meapp.audit.models import AuditEvent
from meapp.core.periods import Period
from meapp.extensions import db
from meapp.logframes.models import DisaggregationType, Indicator, PeriodTarget, ValidationRule
from meapp.projects.models import Project
from meapp.submissions.models import (
    SHARED,
    Evidence,
    PeriodStatus,
    ReportingPeriod,
    Submission,
    SubmissionStatus,
    Value,
)
from meapp.validation import (
    DisaggregationSpec,
    IndicatorSpec,
    PeriodContext,
    RawValue,
    RuleSpec,
    ValidationInput,
)


def find_submission(project: Project, period: str) -> Submission | None:
    return db.session.scalar(
        select(Submission).where(Submission.project_id == project.id, Submission.period == period)
    )


def indicators_of(project: Project) -> list[Indicator]:
    """The project's indicators in logframe order, with disaggregations and categories loaded."""
    return list(db.session.scalars(
        select(Indicator)
        .where(Indicator.project_id == project.id)
        .options(
            selectinload(Indicator.disaggregation_types).selectinload(DisaggregationType.categories),
            selectinload(Indicator.result_level),
        )
        .order_by(Indicator.position, Indicator.id)
    ))


# --- retirement: the one rule ----------------------------------------------------------------------------


def retired_for(retired_at: dt.datetime | None, handed_in_at: dt.datetime | None) -> bool:
    """Whether an indicator is retired for one period's report — the one rule of every door and document.

    An indicator retired at `retired_at` stays part of every report first handed in (submitted) before
    that moment, whatever became of the report since (approved, returned, reopened for a correction): what
    was reported with it is judged with it. Every other report — a draft, a period not reported yet, a
    report first handed in later — no longer asks for it: it is no input of the grid, not required, not
    validated (nor the rules over it), a value sent for it is refused, and documents neither count it nor
    expect it there. Its values stay stored; reinstating it (retired_at None) brings it back everywhere.
    """
    return retired_at is not None and (handed_in_at is None or handed_in_at > retired_at)


def first_handed_in(submissions: Iterable[Submission], retired_since: dt.datetime | None
                    ) -> dict[int, dt.datetime | None]:
    """Submission id → when its report was first handed in (None: never).

    `submitted_at` says when it was last handed in; a report returned or reopened and handed in again has
    its earlier times in the audit trail (each submission.submit event: when, and the hand-in before it),
    read (one query) only for reports last handed in after `retired_since`, the earliest retirement that
    matters (None: no retirement, no query).
    """
    submissions = list(submissions)
    first = {s.id: _handed_in(s) for s in submissions}
    doubtful = [s.id for s in submissions
                if retired_since is not None and s.submitted_at is not None and s.submitted_at > retired_since]
    if doubtful:
        for submission_id, at, before in db.session.execute(
                select(AuditEvent.submission_id, AuditEvent.at, AuditEvent.before)
                .where(AuditEvent.action == "submission.submit", AuditEvent.submission_id.in_(doubtful))):
            earlier = [at] if at is not None else []
            try:
                earlier.append(dt.datetime.fromisoformat((before or {}).get("submitted_at") or ""))
            except (TypeError, ValueError):
                pass
            first[submission_id] = min([first[submission_id], *earlier])
    return first


def _handed_in(submission: Submission) -> dt.datetime | None:
    """When the report was last handed in; one handed over without a recorded time (loaded from another
    system) counts as handed in before anything this database knows of."""
    if submission.submitted_at is not None:
        return submission.submitted_at
    return None if submission.status is SubmissionStatus.DRAFT else dt.datetime.min


def retired_in(submission: Submission | None, indicators: list[Indicator]) -> dict[int, dt.date]:
    """Indicator id → day of retirement, for the indicators retired for this report's period (retired_for).

    `submission` is the period's report (None or unsaved: nothing handed in yet). No query unless one of
    the indicators is retired and the report was last handed in after that.
    """
    retired = [i for i in indicators if i.retired_at is not None]
    if not retired:
        return {}
    handed_in = None
    if submission is not None and submission.id is not None:
        handed_in = first_handed_in([submission], min(i.retired_at for i in retired))[submission.id]
    return {i.id: i.retired_at.date() for i in retired if retired_for(i.retired_at, handed_in)}


def category_keys(project: Project, dtype: DisaggregationType) -> tuple[str, ...]:
    """The categories an indicator of this project can be split into (DisaggregationType.category_keys_for)."""
    return dtype.category_keys_for(project)


def period_targets(project: Project, period: str) -> dict[int, Decimal]:
    rows = db.session.execute(
        select(PeriodTarget.indicator_id, PeriodTarget.value)
        .join(Indicator)
        .where(Indicator.project_id == project.id, PeriodTarget.period == period, PeriodTarget.combination == "")
    ).all()
    return dict(rows)


def history(project: Project, before: str, shared_only: bool = False) -> dict[int, list[tuple[str, Decimal]]]:
    """Totals of earlier periods per indicator id, oldest first (shared_only: submitted or approved ones)."""
    stmt = (select(Value.indicator_id, Submission.period, Value.value).join(Submission)
            .where(Submission.project_id == project.id, Value.combination == "", Value.value.is_not(None)))
    if shared_only:
        stmt = stmt.where(Submission.status.in_(SHARED))
    rows = db.session.execute(stmt).all()
    limit = Period.parse(before)
    series: dict[int, list] = defaultdict(list)
    parsed = {}
    for code in {period for _, period, _ in rows}:
        try:
            parsed[code] = Period.parse(code)
        except ValueError:
            continue
    for indicator_id, period, value in rows:
        p = parsed.get(period)
        if p is not None and p.frequency is limit.frequency and p < limit:
            series[indicator_id].append((period, value))
    for points in series.values():
        points.sort(key=lambda point: parsed[point[0]])
    return series


def indicator_specs(project: Project, indicators: list[Indicator], period: str) -> tuple[IndicatorSpec, ...]:
    targets = period_targets(project, period)
    return tuple(
        IndicatorSpec(
            code=ind.code, unit=ind.unit.value, aggregation=ind.aggregation.value, direction=ind.direction.value,
            decimals=ind.decimals, min_value=ind.min_value, max_value=ind.max_value, is_required=ind.is_required,
            is_cumulative=ind.is_cumulative, end_target=ind.target_value, period_target=targets.get(ind.id),
            disaggregations=tuple(DisaggregationSpec(t.key, category_keys(project, t))
                                  for t in ind.disaggregation_types),
        )
        for ind in indicators
    )


def rule_specs(project: Project) -> tuple[RuleSpec, ...]:
    rules = db.session.scalars(
        select(ValidationRule)
        .where(ValidationRule.project_id == project.id, ValidationRule.is_active.is_(True))
        .order_by(ValidationRule.position)
    )
    return tuple(
        RuleSpec(r.code, r.left_expression, r.operator.value, r.right_expression, r.severity.value,
                 r.missing_value_strategy.value, r.message_en, r.message_fr)
        for r in rules
    )


def stored_raw_values(submission: Submission | None, indicators: list[Indicator]) -> dict[tuple[str, str], RawValue]:
    """What is stored, as the engine reads it (unreadable text kept as typed)."""
    if submission is None or submission.id is None:
        return {}
    code_of = {i.id: i.code for i in indicators}
    out = {}
    for value in submission.values:
        code = code_of.get(value.indicator_id)
        if code is None:
            continue
        raw = value.value if value.value is not None else value.text_value
        out[(code, value.combination)] = RawValue(code, raw, value.combination, value.comment)
    return out


def validation_input(project: Project, period: str, indicators: list[Indicator], values: list[RawValue],
                     is_locked: bool, lang: str, retired: dict[str, dt.date] | None = None) -> ValidationInput:
    """Everything the engine needs for one project and period.

    indicators: those the period reports (retired_in left out); retired: code → day of retirement of the others.
    """
    code_of = {i.id: i.code for i in indicators}
    past = {code_of[i]: tuple(points) for i, points in history(project, period).items() if i in code_of}
    return ValidationInput(
        project=project.code,
        context=PeriodContext(period, project.start_date, project.end_date, is_locked),
        indicators=indicator_specs(project, indicators, period),
        values=tuple(values),
        rules=rule_specs(project),
        history=past,
        lang=lang,
        retired=dict(retired or {}),
    )


def reporting_period(code: str) -> ReportingPeriod | None:
    return db.session.scalar(select(ReportingPeriod).where(ReportingPeriod.code == code))


def value_history(project: Project, period: str, indicator: str, combination: str) -> list[AuditEvent]:
    """Every change of one value, oldest first."""
    key = value_key(project.code, period, indicator, combination)
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity_key == key).options(selectinload(AuditEvent.user))
        .order_by(AuditEvent.at, AuditEvent.id)
    ))


def value_key(project_code: str, period: str, indicator: str, combination: str) -> str:
    return f"{project_code}/{period}/{indicator}/{combination}"


def evidence_of(submission: Submission, evidence_id: int) -> Evidence | None:
    """A file of this submission that has not been withdrawn (None for another submission's file)."""
    evidence = db.session.get(Evidence, evidence_id)
    if evidence is None or evidence.submission_id != submission.id or evidence.deleted_at is not None:
        return None
    return evidence


def open_reporting_periods() -> list[ReportingPeriod]:
    """The reporting rounds open now, by due date."""
    return list(db.session.scalars(select(ReportingPeriod).where(ReportingPeriod.status == PeriodStatus.OPEN)
                                   .order_by(ReportingPeriod.due_date)))


def submissions_of(project_ids: list[int]) -> list[Submission]:
    if not project_ids:
        return []
    return list(db.session.scalars(select(Submission).where(Submission.project_id.in_(project_ids))))
