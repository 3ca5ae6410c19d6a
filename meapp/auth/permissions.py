"""The one place that decides what a user may do with a project.

Implementers reach the projects their organisation leads or implements; donors read, approve and
return the projects their organisation funds; the secretariat does everything.
"""
from __future__ import annotations

import re
from enum import Enum

from flask import abort
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from meapp.auth.models import Role
from meapp.extensions import db
from meapp.projects.models import ParticipationRole, Project, ProjectOrganisation


class Action(str, Enum):
    READ = "read"
    EDIT = "edit"  # enter values, narratives, evidence
    APPROVE = "approve"  # approve or return a submission
    MANAGE = "manage"  # logframe, periods, reopening: the secretariat


def _participates(user, project: Project, role: ParticipationRole) -> bool:
    if user.organisation_id is None:
        return False
    if role is ParticipationRole.IMPLEMENTER and project.lead_organisation_id == user.organisation_id:
        return True
    return any(p.organisation_id == user.organisation_id and p.role == role for p in project.participations)


def allowed_actions(user, project: Project) -> frozenset[Action]:
    """Everything `user` may do with `project`."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    if user.role == Role.SECRETARIAT:
        return frozenset(Action)
    if user.role == Role.IMPLEMENTER and _participates(user, project, ParticipationRole.IMPLEMENTER):
        return frozenset({Action.READ, Action.EDIT})
    if user.role == Role.DONOR and _participates(user, project, ParticipationRole.FUNDER):
        return frozenset({Action.READ, Action.APPROVE})
    return frozenset()


def can(user, action: Action, project: Project) -> bool:
    return action in allowed_actions(user, project)


def readable_projects_filter(user):
    """A WHERE clause selecting the projects `user` may read."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Project.id.is_(None)
    if user.role == Role.SECRETARIAT:
        return Project.id.is_not(None)
    if user.organisation_id is None:
        return Project.id.is_(None)
    role = ParticipationRole.IMPLEMENTER if user.role == Role.IMPLEMENTER else ParticipationRole.FUNDER
    participating = select(ProjectOrganisation.project_id).where(
        ProjectOrganisation.organisation_id == user.organisation_id, ProjectOrganisation.role == role
    )
    clauses = [Project.id.in_(participating)]
    if role is ParticipationRole.IMPLEMENTER:
        clauses.append(Project.lead_organisation_id == user.organisation_id)
    return or_(*clauses)


PROJECT_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")


def get_project_or_404(user, code: str, action: Action = Action.READ) -> Project:
    """The project for a URL: 404 when unknown or unreadable (no leak of its existence), 403 when read-only."""
    if not PROJECT_CODE.match(code or ""):
        abort(404)
    project = db.session.scalar(
        select(Project).where(Project.code == code.upper()).options(
            selectinload(Project.lead_organisation),
            selectinload(Project.participations).selectinload(ProjectOrganisation.organisation),
            selectinload(Project.countries),
            selectinload(Project.sectors),
            selectinload(Project.gcm_objectives),
            selectinload(Project.sdg_targets),
        )
    )
    if project is None:
        abort(404)
    actions = allowed_actions(user, project)
    if Action.READ not in actions:
        abort(404)
    if action not in actions:
        abort(403)
    return project


def require_secretariat(user) -> None:
    if not (getattr(user, "is_authenticated", False) and user.role == Role.SECRETARIAT):
        abort(403)
