"""Reads for projects: lists with filters, and the project page (a fixed number of queries)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from meapp.auth.permissions import organisation_ids, readable_participation
from meapp.extensions import db
from meapp.projects.models import (
    Organisation,
    ParticipationRole,
    Project,
    ProjectCountry,
    ProjectOrganisation,
    Sector,
)


def readable_projects_filter(user):
    """A WHERE clause selecting the projects `user` may read (auth.permissions decides which)."""
    scope, role = readable_participation(user)
    if scope == "all":
        return Project.id.is_not(None)
    if scope == "none":
        return Project.id.is_(None)
    ids = list(organisation_ids(user))
    participating = select(ProjectOrganisation.project_id).where(
        ProjectOrganisation.organisation_id.in_(ids), ProjectOrganisation.role == ParticipationRole(role)
    )
    clauses = [Project.id.in_(participating)]
    if role == ParticipationRole.IMPLEMENTER.value:
        clauses.append(Project.lead_organisation_id.in_(ids))
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
