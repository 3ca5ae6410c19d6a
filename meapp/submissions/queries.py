"""Reads for submissions: the engine's input, the grid, history and completeness."""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from meapp.audit.models import AuditEvent
from meapp.core.periods import Period
from meapp.extensions import db
from meapp.logframes.models import DisaggregationType, Indicator, PeriodTarget, ValidationRule
from meapp.projects.models import Project
from meapp.submissions.models import SHARED, Evidence, PeriodStatus, ReportingPeriod, Submission, Value
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
                     is_locked: bool, lang: str) -> ValidationInput:
    """Everything the engine needs for one project and period."""
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
