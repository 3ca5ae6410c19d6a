"""Synthetic, deterministic targets, submissions and values for the demo projects."""
from __future__ import annotations

import datetime as dt
import random
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from meapp.audit.service import record
from meapp.auth.models import Role, User
from meapp.core.periods import Period, default_due_date
from meapp.extensions import db
from meapp.logframes.models import Aggregation, Indicator, PeriodTarget, Unit
from meapp.projects.models import ParticipationRole, Project
from meapp.submissions.models import PeriodStatus, ReportingPeriod, Submission, SubmissionStatus, Value
from meapp.submissions.queries import category_keys

REPORTED_QUARTERS = 8
RETURN_REASON = ("Please attach the attendance sheets for this quarter. / "
                 "Merci de joindre les feuilles de présence du trimestre.")


def quantize(value: Decimal, decimals: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def due_date(code: str) -> dt.date:
    return default_due_date(Period.parse(code))


def _clamp(value: Decimal, indicator: Indicator) -> Decimal:
    if indicator.min_value is not None:
        value = max(value, indicator.min_value)
    if indicator.max_value is not None:
        value = min(value, indicator.max_value)
    return value


def actual_value(indicator: Indicator, target: Decimal | None, k: int, previous: Decimal | None,
                 rng: random.Random) -> Decimal:
    """A plausible reported figure near the period's target."""
    if indicator.unit is Unit.YES_NO:
        return Decimal(1) if k >= 4 else Decimal(0)
    centre = target if target is not None else Decimal(10)
    if indicator.unit is Unit.PERCENT:
        value = centre + Decimal(str(rng.uniform(-12, 8)))
    elif indicator.aggregation is Aggregation.SUM:
        value = centre * Decimal(str(rng.uniform(0.55, 1.35)))
    else:
        value = centre * Decimal(str(rng.uniform(0.8, 1.1)))
    value = _clamp(quantize(value, indicator.decimals), indicator)
    if indicator.is_cumulative and previous is not None:
        value = max(value, previous)
    return value


def split(total: Decimal, weights: list[float], decimals: int) -> list[Decimal]:
    """Split total into parts proportional to weights that add up to it exactly (largest remainder)."""
    quantum = Decimal(1).scaleb(-decimals)
    units = int(total / quantum)
    raw = [units * w / sum(weights) for w in weights]
    parts = [int(r) for r in raw]
    for index in sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)[: units - sum(parts)]:
        parts[index] += 1
    return [Decimal(p) * quantum for p in parts]


def _weights(dtype_key: str, count: int, rng: random.Random) -> list[float]:
    if dtype_key == "sex":
        women = rng.uniform(0.3, 0.55)
        return [women, 1 - women]
    return [rng.uniform(0.5, 2.0) for _ in range(count)]


def _status(k: int, project_index: int) -> SubmissionStatus:
    if k < REPORTED_QUARTERS - 2:
        return SubmissionStatus.APPROVED
    if k == REPORTED_QUARTERS - 2:
        return SubmissionStatus.RETURNED if project_index % 4 == 1 else SubmissionStatus.SUBMITTED
    return SubmissionStatus.DRAFT


def _people(project: Project) -> tuple[User | None, User | None]:
    implementer = db.session.scalar(
        select(User).where(User.role == Role.IMPLEMENTER, User.organisation_id == project.lead_organisation_id)
    )
    funders = [p.organisation_id for p in project.participations if p.role == ParticipationRole.FUNDER]
    donor = db.session.scalar(
        select(User).where(User.role == Role.DONOR, User.organisation_id.in_(funders)).order_by(User.id)
    ) if funders else None
    return implementer, donor


def generate(project: Project, project_index: int) -> int:
    """8 quarters of submissions near the project's period targets; returns the value count."""
    rng = random.Random(f"meapp-demo:{project.code}")
    periods = [p.code for p in project.periods()]
    indicators = db.session.scalars(
        select(Indicator).where(Indicator.project_id == project.id).order_by(Indicator.position)
    ).all()
    # The period targets come with the logframe (demo_projects.yaml); the figures are drawn near them.
    stored = {(t.indicator_id, t.period): t.value for t in db.session.scalars(
        select(PeriodTarget).where(PeriodTarget.indicator_id.in_([i.id for i in indicators]),
                                   PeriodTarget.combination == ""))}
    targets = {(indicator.id, k): stored.get((indicator.id, code))
               for indicator in indicators for k, code in enumerate(periods)}
    implementer, donor = _people(project)
    count = 0
    previous: dict[int, Decimal] = {}
    for k, code in enumerate(periods[:REPORTED_QUARTERS]):
        status = _status(k, project_index)
        due = due_date(code)
        submission = Submission(
            project_id=project.id, period=code, status=status, created_by_id=getattr(implementer, "id", None),
            narrative_en=f"Demonstration narrative for {code}: activities went ahead as planned; "
                         "figures are synthetic.",
            narrative_fr=f"Récit de démonstration pour {code} : les activités se sont poursuivies comme prévu ; "
                         "les chiffres sont fictifs.",
        )
        if status is not SubmissionStatus.DRAFT:
            submission.submitted_at = dt.datetime.combine(due - dt.timedelta(days=5), dt.time(10, 0))
            submission.submitted_by_id = getattr(implementer, "id", None)
        if status in (SubmissionStatus.APPROVED, SubmissionStatus.RETURNED):
            submission.decided_at = dt.datetime.combine(due + dt.timedelta(days=10), dt.time(15, 0))
            submission.decided_by_id = getattr(donor, "id", None)
            submission.is_locked = status is SubmissionStatus.APPROVED
        if status is SubmissionStatus.RETURNED:
            submission.return_reason = RETURN_REASON
        for indicator in indicators:
            if indicator.unit is Unit.TEXT:
                submission.values.append(Value(
                    indicator_id=indicator.id, combination="",
                    text_value=f"Demonstration entry for {code} / Saisie de démonstration pour {code}"))
                count += 1
                continue
            value = actual_value(indicator, targets[(indicator.id, k)], k, previous.get(indicator.id), rng)
            previous[indicator.id] = value
            submission.values.append(Value(indicator_id=indicator.id, combination="", value=value))
            count += 1
            for dtype in indicator.disaggregation_types:
                keys = category_keys(project, dtype)
                for key, part in zip(keys, split(value, _weights(dtype.key, len(keys), rng), indicator.decimals), strict=False):
                    submission.values.append(Value(indicator_id=indicator.id, combination=f"{dtype.key}={key}",
                                                   value=part))
                    count += 1
        db.session.add(submission)
        db.session.flush()
        if status is not SubmissionStatus.APPROVED:
            from meapp.submissions.service import revalidate

            revalidate(project, submission)
            db.session.flush()
        record(None, "submission.create", submission, project_id=project.id, submission_id=submission.id,
               after={"period": code, "status": status.value, "values": len(submission.values)},
               reason="demo data")
    return count


def open_reporting_periods() -> int:
    """A reporting period for every reported quarter and the quarter after; open while work remains."""
    submissions = db.session.execute(select(Submission.project_id, Submission.period, Submission.status)).all()
    pending = {code for _, code, status in submissions if status is not SubmissionStatus.APPROVED}
    codes = {code for _, code, _ in submissions}
    projects = db.session.scalars(select(Project).where(Project.is_demo.is_(True))).all()
    for project in projects:
        periods = project.periods()
        if len(periods) > REPORTED_QUARTERS:
            codes.add(periods[REPORTED_QUARTERS].code)
            pending.add(periods[REPORTED_QUARTERS].code)
    have = set(db.session.scalars(select(ReportingPeriod.code)))
    added = 0
    for code in sorted(codes - have, key=Period.parse):
        is_open = code in pending
        db.session.add(ReportingPeriod(
            code=code, due_date=due_date(code), status=PeriodStatus.OPEN if is_open else PeriodStatus.CLOSED,
            opened_at=dt.datetime.combine(Period.parse(code).end_date, dt.time(0, 0)),
            closed_at=None if is_open else dt.datetime.combine(due_date(code), dt.time(0, 0)),
        ))
        added += 1
    return added
