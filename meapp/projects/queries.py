"""Reads for projects: lists with filters, and the project page (a fixed number of queries)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select, union
from sqlalchemy.orm import selectinload

from meapp.auth.models import User
from meapp.auth.permissions import organisation_ids, readable_participation
from meapp.extensions import db
from meapp.projects.models import (
    Organisation,
    ParticipationRole,
    Project,
    ProjectCountry,
    ProjectOrganisation,
    ProjectStatus,
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


# What an organisation holds, for the secretariat's organisation screens and their service
# (meapp.projects.organisations): counts per row of the list, and the detail a merge or a
# deactivation is about.


def organisation_project_counts(wanted) -> dict[int, int]:
    """How many projects each organisation (ids in `wanted`) leads or takes part in, whatever its role (one query)."""
    ids = list(wanted)
    if not ids:
        return {}
    links = union(
        select(ProjectOrganisation.organisation_id.label("organisation_id"),
               ProjectOrganisation.project_id.label("project_id")).where(ProjectOrganisation.organisation_id.in_(ids)),
        select(Project.lead_organisation_id, Project.id).where(Project.lead_organisation_id.in_(ids)),
    ).subquery()
    rows = db.session.execute(select(links.c.organisation_id, func.count(links.c.project_id.distinct()))
                              .group_by(links.c.organisation_id))
    return {organisation_id: count for organisation_id, count in rows}


@dataclass(frozen=True)
class OrganisationUsage:
    """What points at an organisation: accounts, project roles, projects it leads, organisations under it."""

    active_users: list[str]  # emails
    inactive_users: int
    participations: list[tuple[str, str]]  # (project code, role)
    led_projects: list[str]  # codes
    children: list[str]  # names
    active_projects: list[str]  # codes of the active projects it leads or takes part in

    def counts(self) -> dict[str, int]:
        """The numbers an audit event keeps."""
        return {"active_users": len(self.active_users), "inactive_users": self.inactive_users,
                "participations": len(self.participations), "led_projects": len(self.led_projects),
                "children": len(self.children)}


def organisation_usage(organisation_id: int) -> OrganisationUsage:
    """Everything that points at one organisation, in a fixed number of queries."""
    users = db.session.execute(select(User.email, User.is_active_account)
                               .where(User.organisation_id == organisation_id).order_by(User.email)).all()
    participations = db.session.execute(
        select(Project.code, ProjectOrganisation.role, Project.status)
        .join(Project, Project.id == ProjectOrganisation.project_id)
        .where(ProjectOrganisation.organisation_id == organisation_id)
        .order_by(Project.code, ProjectOrganisation.role)).all()
    led = db.session.execute(select(Project.code, Project.status)
                             .where(Project.lead_organisation_id == organisation_id).order_by(Project.code)).all()
    children = db.session.scalars(select(Organisation.name).where(Organisation.parent_id == organisation_id)
                                  .order_by(Organisation.name)).all()
    active = {code for code, _role, status in participations if status == ProjectStatus.ACTIVE}
    active |= {code for code, status in led if status == ProjectStatus.ACTIVE}
    return OrganisationUsage(
        active_users=[email for email, is_active in users if is_active],
        inactive_users=sum(1 for _email, is_active in users if not is_active),
        participations=[(code, getattr(role, "value", role)) for code, role, _status in participations],
        led_projects=[code for code, _status in led],
        children=list(children),
        active_projects=sorted(active),
    )
