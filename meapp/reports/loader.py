"""The only database code of reports: loads plain inputs in a fixed number of queries."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from meapp.compendium.models import CompendiumCategory, Edition, Practice
from meapp.core.periods import Period, default_due_date
from meapp.extensions import db
from meapp.logframes.models import DisaggregationType, Indicator, PeriodTarget, ResultLevel
from meapp.projects.models import ParticipationRole, Project, ProjectOrganisation
from meapp.reports.inputs import (
    AnnexIn,
    CategoryIn,
    DisaggregationIn,
    IndicatorIn,
    JustifiedIn,
    LevelIn,
    NarrativeIn,
    ProjectIn,
    ReportingIn,
    SectionIn,
    SubsectionIn,
)
from meapp.submissions.models import Finding, ReportingPeriod, Submission, SubmissionStatus, Value
from meapp.submissions.queries import first_handed_in, retired_for


def _categories(dtype: DisaggregationType, project: Project) -> tuple[CategoryIn, ...]:
    """The categories the grid offers (one rule: DisaggregationType.category_keys_for), with their names."""
    rows = {c.key: c for c in dtype.categories}
    return tuple(CategoryIn(key, rows[key].name_en, rows[key].name_fr) if key in rows else CategoryIn(key, key, key)
                 for key in dtype.category_keys_for(project))


def load_projects(projects: list[Project], until: str | dict | None = None) -> list[ProjectIn]:
    """Inputs for several projects at once: the number of queries does not grow with them.

    until: the last period for all projects, or a mapping project id → last period.
    """
    ids = [p.id for p in projects]
    if not ids:
        return []
    projects = db.session.scalars(
        select(Project).where(Project.id.in_(ids)).order_by(Project.code).options(
            selectinload(Project.lead_organisation), selectinload(Project.countries),
            selectinload(Project.participations).selectinload(ProjectOrganisation.organisation),
        )
    ).all()
    levels = db.session.scalars(select(ResultLevel).where(ResultLevel.project_id.in_(ids))
                                .order_by(ResultLevel.position, ResultLevel.id)).all()
    indicators = db.session.scalars(
        select(Indicator).where(Indicator.project_id.in_(ids)).order_by(Indicator.position, Indicator.id)
        .options(selectinload(Indicator.disaggregation_types).selectinload(DisaggregationType.categories))
    ).all()
    targets = db.session.execute(
        select(PeriodTarget.indicator_id, PeriodTarget.period, PeriodTarget.value)
        .join(Indicator).where(Indicator.project_id.in_(ids), PeriodTarget.combination == "")
    ).all()
    submissions = db.session.scalars(select(Submission).where(Submission.project_id.in_(ids))).all()
    approved_ids = [s.id for s in submissions if s.status is SubmissionStatus.APPROVED]
    values = db.session.execute(
        select(Value.submission_id, Value.indicator_id, Value.combination, Value.value)
        .where(Value.submission_id.in_(approved_ids), Value.value.is_not(None))
    ).all() if approved_ids else []
    justified = db.session.scalars(
        select(Finding).where(Finding.submission_id.in_(approved_ids), Finding.justification != "")
    ).all() if approved_ids else []
    due = dict(db.session.execute(select(ReportingPeriod.code, ReportingPeriod.due_date)).all())
    # A retired indicator is expected and counted only in the periods whose report was handed in before its
    # retirement (one rule: submissions.queries.retired_for); reading when each was first handed in takes a
    # query only when a report was handed in again after a retirement.
    retired_at = {i.id: i.retired_at for i in indicators if i.retired_at is not None}
    handed_in = first_handed_in(submissions, min(retired_at.values(), default=None))

    by_project = defaultdict(lambda: defaultdict(list))
    for level in levels:
        by_project[level.project_id]["levels"].append(level)
    for indicator in indicators:
        by_project[indicator.project_id]["indicators"].append(indicator)
    indicator_project = {i.id: i.project_id for i in indicators}
    handed_in_by = {(s.project_id, s.period): handed_in[s.id] for s in submissions}

    def expected(indicator_id: int, period: str) -> bool:
        """False where the indicator is retired for the period: neither its target nor a value counts there."""
        return indicator_id not in retired_at or not retired_for(
            retired_at[indicator_id], handed_in_by.get((indicator_project[indicator_id], period)))

    for indicator_id, period, value in targets:
        if expected(indicator_id, period):
            by_project[indicator_project[indicator_id]]["targets"].append((indicator_id, period, value))
    submission_of = {s.id: s for s in submissions}
    for submission in submissions:
        by_project[submission.project_id]["submissions"].append(submission)
    for submission_id, indicator_id, combination, value in values:
        s = submission_of[submission_id]
        if expected(indicator_id, s.period):
            by_project[s.project_id]["values"].append((indicator_id, s.period, combination, value))
    for finding in justified:
        s = submission_of[finding.submission_id]
        by_project[s.project_id]["justified"].append((s.period, finding))

    out = []
    for project in projects:
        parts = by_project[project.id]
        last = until.get(project.id) if isinstance(until, dict) else until
        periods = tuple(p.code for p in project.periods(last))
        allowed = set(periods)
        subs = [s for s in parts["submissions"] if s.period in allowed]
        out.append(ProjectIn(
            id=project.id, code=project.code, title_en=project.title_en, title_fr=project.title_fr,
            summary_en=project.summary_en, summary_fr=project.summary_fr,
            origin=tuple(project.origin_countries), destination=tuple(project.destination_countries),
            lead=project.lead_organisation.name if project.lead_organisation else "",
            implementers=tuple(o.name for o in project.implementers),
            funders=tuple(o.name for o in project.funders),
            start=project.start_date, end=project.end_date, is_demo=project.is_demo, periods=periods,
            levels=tuple(LevelIn(lv.id, lv.parent_id, lv.kind.value, lv.code, lv.statement_en, lv.statement_fr)
                         for lv in parts["levels"]),
            indicators=tuple(IndicatorIn(
                i.id, i.result_level_id, i.code, i.name_en, i.name_fr, i.unit.value, i.aggregation.value,
                i.direction.value, i.baseline_value, i.target_value, i.decimals, i.is_key,
                tuple(DisaggregationIn(t.key, t.name_en, t.name_fr, _categories(t, project))
                      for t in i.disaggregation_types),
                is_cumulative=i.is_cumulative, verification_en=i.means_of_verification_en or "",
                verification_fr=i.means_of_verification_fr or "",
                target_revised=i.target_revised_at.date() if i.target_revised_at else None,
                retired=i.retired_at.date() if i.retired_at else None)
                for i in parts["indicators"]),
            targets={(i, p): v for i, p, v in parts["targets"] if p in allowed},
            values={(i, p, c): v for i, p, c, v in parts["values"] if p in allowed},
            statuses={s.period: s.status.value for s in subs},
            narratives=tuple(NarrativeIn(s.period, s.narrative_en, s.narrative_fr)
                             for s in sorted(subs, key=lambda s: Period.parse(s.period))
                             if s.status is SubmissionStatus.APPROVED and (s.narrative_en or s.narrative_fr)),
            justified=tuple(JustifiedIn(period, f.indicator_code, f.code, f.severity.value, dict(f.params or {}),
                                        f.justification)
                            for period, f in sorted(parts["justified"], key=lambda x: (Period.parse(x[0]),
                                                                                      x[1].indicator_code))
                            if period in allowed),
            return_reasons=tuple((s.period, s.return_reason) for s in subs
                                 if s.status is SubmissionStatus.RETURNED and s.return_reason),
            reporting=_reporting(project, parts["submissions"], due),
            names_fr={o.name: o.name_fr for o in [project.lead_organisation, *(p.organisation for p in
                                                                                 project.participations)]
                      if o is not None and o.name_fr},
        ))
    return out


def _reporting(project: Project, submissions: list[Submission], due: dict) -> tuple[ReportingIn, ...]:
    """Every period of the project's life: its due date and what was handed in, and when."""
    by_period = {s.period: s for s in submissions}
    out = []
    for period in project.periods():
        # A period the secretariat never opened as a round is still owed, by the default due date.
        s, due_date = by_period.get(period.code), due.get(period.code) or default_due_date(period)
        out.append(ReportingIn(period.code, due_date, s.status.value if s else None,
                               bool(s and s.submitted_at and due_date and s.submitted_at.date() <= due_date)))
    return tuple(out)


def load_project(project: Project, until: str | None = None) -> ProjectIn:
    return load_projects([project], until)[0]


def funded_projects(funder) -> list[Project]:
    """Every project the funder supports, itself or through an organisation under it (a programme, a DG)."""
    return list(db.session.scalars(
        select(Project).where(Project.id.in_(select(ProjectOrganisation.project_id).where(
            ProjectOrganisation.organisation_id.in_(funder.family_ids()),
            ProjectOrganisation.role == ParticipationRole.FUNDER))).order_by(Project.code)))


def load_edition(edition_id: int) -> AnnexIn:
    """An edition with its headings, practices in order, and the linked projects' approved results."""
    edition = db.session.scalar(select(Edition).where(Edition.id == edition_id).options(
        selectinload(Edition.categories).selectinload(CompendiumCategory.subsections)))
    practices = db.session.scalars(
        select(Practice).where(Practice.edition_id == edition_id).options(
            selectinload(Practice.countries), selectinload(Practice.sources), selectinload(Practice.projects))
    ).all()
    order = {}
    for c_index, category in enumerate(edition.categories):
        order[(category.id, None)] = (c_index, -1)
        for s_index, sub in enumerate(category.subsections):
            order[(category.id, sub.id)] = (c_index, s_index)
    practices = sorted(practices, key=lambda p: (order.get((p.category_id, p.subsection_id), (99, 99)), p.position))
    linked = {project.id: project for p in practices for project in p.projects}
    projects = {data.code: data for data in load_projects(list(linked.values()))}
    # The annex's own inputs (French names) extend reports.inputs; organisations as (English, French) pairs.
    from meapp.compendium.models import organisation_pair
    from meapp.reports.annex import AnnexPracticeIn, EditionIn

    return EditionIn(
        key=edition.key, title_en=edition.title_en, title_fr=edition.title_fr, event=edition.event, year=edition.year,
        sections=tuple(SectionIn(c.id, c.number, c.title_en, c.title_fr,
                                 tuple(SubsectionIn(s.id, s.letter, s.title_en, s.title_fr) for s in c.subsections))
                       for c in edition.categories),
        practices=tuple(AnnexPracticeIn(p.key, p.category_id, p.subsection_id, p.actor, p.name_en, p.name_fr,
                                        p.summary_en, p.summary_fr, tuple(c.country_code for c in p.countries),
                                        tuple(organisation_pair(o) for o in p.organisations or ()),
                                        tuple(p.figures or ()), tuple(s.url for s in p.sources),
                                        tuple(pr.code for pr in p.projects), actor_fr=p.actor_fr)
                        for p in practices),
        projects=projects, event_fr=edition.event_fr,
    )


def default_until(projects: list[Project]) -> dict[int, str | None]:
    """Per project: its latest approved period, else its last period (one query for all of them)."""
    approved: dict[int, list[str]] = {}
    for project_id, period in db.session.execute(select(Submission.project_id, Submission.period).where(
            Submission.project_id.in_([p.id for p in projects]), Submission.status == SubmissionStatus.APPROVED)):
        approved.setdefault(project_id, []).append(period)
    out = {}
    for project in projects:
        if approved.get(project.id):
            out[project.id] = max(approved[project.id], key=Period.parse)
        else:
            periods = project.periods()
            out[project.id] = periods[-1].code if periods else None
    return out
