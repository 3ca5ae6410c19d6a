"""Reads for projects: lists with filters, and the project page (a fixed number of queries)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from meapp.auth.permissions import readable_participation
from meapp.core.periods import Period
from meapp.core.progress import percent_met, to_date
from meapp.extensions import db
from meapp.logframes.models import DisaggregationType, Indicator, PeriodTarget, ResultLevel, ValidationRule
from meapp.projects.models import (
    Organisation,
    ParticipationRole,
    Project,
    ProjectCountry,
    ProjectOrganisation,
    Sector,
)
from meapp.submissions.models import Submission, SubmissionStatus, Value

# States in which an implementer has handed the values over to the donor.
SHARED_STATES = (SubmissionStatus.SUBMITTED, SubmissionStatus.APPROVED)


def readable_projects_filter(user):
    """A WHERE clause selecting the projects `user` may read (auth.permissions decides which)."""
    scope, role = readable_participation(user)
    if scope == "all":
        return Project.id.is_not(None)
    if scope == "none":
        return Project.id.is_(None)
    participating = select(ProjectOrganisation.project_id).where(
        ProjectOrganisation.organisation_id == user.organisation_id, ProjectOrganisation.role == ParticipationRole(role)
    )
    clauses = [Project.id.in_(participating)]
    if role == ParticipationRole.IMPLEMENTER.value:
        clauses.append(Project.lead_organisation_id == user.organisation_id)
    return or_(*clauses)


def find_project(code: str) -> Project | None:
    """A project by its code (any case), with what every page of it shows loaded."""
    return db.session.scalar(
        select(Project).where(Project.code == code.upper()).options(
            selectinload(Project.lead_organisation),
            selectinload(Project.participations).selectinload(ProjectOrganisation.organisation),
            selectinload(Project.countries),
            selectinload(Project.sectors),
            selectinload(Project.gcm_objectives),
            selectinload(Project.sdg_targets),
        )
    )


@dataclass(frozen=True)
class ProjectFilters:
    country: str | None = None
    funder_id: int | None = None
    sector: str | None = None
    q: str | None = None


def list_projects(user, filters: ProjectFilters = ProjectFilters()) -> list[Project]:
    """The projects `user` may read, filtered, with what the list shows loaded in bulk."""
    stmt = (
        select(Project)
        .where(readable_projects_filter(user))
        .options(
            selectinload(Project.lead_organisation),
            selectinload(Project.participations).selectinload(ProjectOrganisation.organisation),
            selectinload(Project.countries),
            selectinload(Project.sectors),
        )
        .order_by(Project.code)
    )
    if filters.country:
        stmt = stmt.where(
            Project.id.in_(select(ProjectCountry.project_id).where(ProjectCountry.country_code == filters.country))
        )
    if filters.funder_id:
        stmt = stmt.where(
            Project.id.in_(
                select(ProjectOrganisation.project_id).where(
                    ProjectOrganisation.organisation_id == filters.funder_id,
                    ProjectOrganisation.role == ParticipationRole.FUNDER,
                )
            )
        )
    if filters.sector:
        stmt = stmt.where(Project.sectors.any(Sector.key == filters.sector))
    if filters.q:
        like = f"%{filters.q.strip()}%"
        stmt = stmt.where(Project.code.ilike(like) | Project.title_en.ilike(like) | Project.title_fr.ilike(like))
    return list(db.session.scalars(stmt))


def filter_choices(user) -> dict[str, list]:
    """Countries, funders and sectors that occur among the projects `user` may read."""
    readable = select(Project.id).where(readable_projects_filter(user))
    countries = db.session.scalars(
        select(ProjectCountry.country_code).where(ProjectCountry.project_id.in_(readable)).distinct()
    ).all()
    funders = db.session.scalars(
        select(Organisation)
        .join(ProjectOrganisation, ProjectOrganisation.organisation_id == Organisation.id)
        .where(ProjectOrganisation.role == ParticipationRole.FUNDER, ProjectOrganisation.project_id.in_(readable))
        .distinct()
        .order_by(Organisation.name)
    ).all()
    sectors = db.session.scalars(
        select(Sector).where(Sector.id.in_(
            select(Sector.id).join(Project.sectors).where(Project.id.in_(readable))
        )).order_by(Sector.key)
    ).all()
    return {"countries": sorted(countries), "funders": funders, "sectors": sectors}


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
        visible = visible.where(Submission.status.in_(SHARED_STATES))
    values = db.session.scalars(visible).all()
    rules = db.session.scalars(
        select(ValidationRule).where(ValidationRule.project_id == project.id).order_by(ValidationRule.position)
    ).all()

    approved = frozenset(s.period for s in submissions if s.status is SubmissionStatus.APPROVED)
    rows = {ind.id: IndicatorRow(ind, approved=approved) for ind in indicators}
    for indicator_id, period, value in targets:
        rows[indicator_id].targets[period] = value
    period_of = {s.id: s.period for s in submissions}
    for value in values:
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
