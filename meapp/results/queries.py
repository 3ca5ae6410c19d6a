"""A project's results: its logframe tree with targets, values per period and progress to date.

Read in a constant number of queries; the figures to date are those of the documents (approved values,
one cumulative rule: core.progress), with values not yet approved shown apart.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from meapp.core.periods import Period
from meapp.core.progress import percent_met, to_date
from meapp.extensions import db
from meapp.logframes.models import DisaggregationType, Indicator, PeriodTarget, ResultLevel, ValidationRule
from meapp.projects.models import Project
from meapp.submissions.models import SHARED, Submission, SubmissionStatus, Value
from meapp.submissions.queries import first_handed_in, retired_for


@dataclass
class IndicatorRow:
    indicator: Indicator
    targets: dict[str, Decimal] = field(default_factory=dict)  # period → total target
    values: dict[str, dict[str, Value]] = field(default_factory=dict)  # period → combination → value
    approved: frozenset[str] = frozenset()  # periods whose report is approved

    def total(self, period: str) -> Value | None:
        return self.values.get(period, {}).get("")

    def _added_up(self, periods: list[str]) -> Decimal | None:
        values = [t.value for t in (self.total(p) for p in periods) if t is not None and t.value is not None]
        return to_date(self.indicator.aggregation.value, values)

    def to_date(self, periods: list[str]) -> Decimal | None:
        """The actual to date as every document states it: approved values only, added up the way the
        indicator says (sum, latest, maximum, average), oldest first."""
        return self._added_up([p for p in periods if p in self.approved])

    def pending_to_date(self, periods: list[str]) -> Decimal | None:
        """The same, counting values not yet approved too; None when it says nothing more."""
        pending = self._added_up(periods)
        return None if pending == self.to_date(periods) else pending

    def percent_of_target(self, periods: list[str]) -> Decimal | None:
        ind = self.indicator
        return percent_met(self.to_date(periods), ind.target_value, ind.baseline_value, ind.direction.value,
                           ind.aggregation.value)

    def breakdown(self) -> list[tuple]:
        """(type, category, {period: value}) for each category that has a value in some period."""
        rows = []
        for dtype in self.indicator.disaggregation_types:
            for category in dtype.categories:
                key = f"{dtype.key}={category.key}"
                by_period = {p: combos[key] for p, combos in self.values.items() if key in combos}
                if by_period:
                    rows.append((dtype, category, by_period))
        return rows


@dataclass
class LevelNode:
    level: ResultLevel
    depth: int
    rows: list[IndicatorRow]


@dataclass
class ProjectPage:
    project: Project
    levels: list[LevelNode]  # the tree, depth-first
    periods: list[str]  # reporting periods of the project, in order
    submissions: dict[str, Submission]
    rules: list[ValidationRule]
    next_period: str | None = None  # the first project period with nothing reported yet

    @property
    def indicator_count(self) -> int:
        return sum(len(node.rows) for node in self.levels)


def project_page(project: Project, include_drafts: bool = True) -> ProjectPage:
    """Logframe tree, indicators, targets per period and values so far, in a constant number of queries.

    Readers who do not report (donors) see submitted and approved values only, never work in progress.
    """
    levels = db.session.scalars(
        select(ResultLevel).where(ResultLevel.project_id == project.id).order_by(ResultLevel.position, ResultLevel.id)
    ).all()
    indicators = db.session.scalars(
        select(Indicator)
        .where(Indicator.project_id == project.id)
        .options(selectinload(Indicator.disaggregation_types).selectinload(DisaggregationType.categories))
        .order_by(Indicator.position, Indicator.id)
    ).all()
    targets = db.session.execute(
        select(PeriodTarget.indicator_id, PeriodTarget.period, PeriodTarget.value)
        .join(Indicator)
        .where(Indicator.project_id == project.id, PeriodTarget.combination == "")
    ).all()
    submissions = db.session.scalars(
        select(Submission).where(Submission.project_id == project.id).order_by(Submission.period)
    ).all()
    visible = select(Value).join(Submission).where(Submission.project_id == project.id)
    if not include_drafts:
        visible = visible.where(Submission.status.in_(SHARED))
    values = db.session.scalars(visible).all()
    rules = db.session.scalars(
        select(ValidationRule).where(ValidationRule.project_id == project.id).order_by(ValidationRule.position)
    ).all()

    approved = frozenset(s.period for s in submissions if s.status is SubmissionStatus.APPROVED)
    rows = {ind.id: IndicatorRow(ind, approved=approved) for ind in indicators}
    for indicator_id, period, value in targets:
        rows[indicator_id].targets[period] = value
    period_of = {s.id: s.period for s in submissions}
    # A retired indicator's values count only in the reports handed in before its retirement (the one rule).
    retired_at = {i.id: i.retired_at for i in indicators if i.retired_at}
    handed_in = first_handed_in(submissions, min(retired_at.values(), default=None))
    for value in values:
        if value.indicator_id in retired_at and retired_for(retired_at[value.indicator_id],
                                                            handed_in[value.submission_id]):
            continue
        rows[value.indicator_id].values.setdefault(period_of[value.submission_id], {})[value.combination] = value

    by_level: dict[int, list[IndicatorRow]] = defaultdict(list)
    for row in rows.values():
        by_level[row.indicator.result_level_id].append(row)
    children: dict[int | None, list[ResultLevel]] = defaultdict(list)
    for level in levels:
        children[level.parent_id].append(level)
    ordered: list[LevelNode] = []

    def walk(parent_id, depth):
        for level in children.get(parent_id, []):
            ordered.append(LevelNode(level, depth, by_level.get(level.id, [])))
            walk(level.id, depth + 1)

    walk(None, 0)

    periods = [p.code for p in project.periods()]
    known = set(periods) | {s.period for s in submissions} | {p for r in rows.values() for p in r.targets}
    periods = sorted(known, key=lambda code: Period.parse(code))
    reported = {s.period for s in submissions}
    next_period = next((p for p in periods if p not in reported), None)
    return ProjectPage(project, ordered, periods, {s.period: s for s in submissions}, list(rules), next_period)
