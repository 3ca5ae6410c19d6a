"""The one place that decides what a user may do with a project. It decides; it never answers HTTP.

Implementers reach the projects their organisation leads or implements; donors read, approve and
return the projects their organisation funds; the secretariat does everything. A project is read
through its attributes only (`lead_organisation_id`, `participations` with `organisation_id` and
`role`), so that this module depends on no area above accounts. Views turn a refusal into 403 or
404 (`meapp.auth.guards`, `meapp.projects.guards`); services raise PermissionDenied.
"""
from __future__ import annotations

from enum import Enum

from meapp.auth.models import Role

IMPLEMENTER, FUNDER = "implementer", "funder"  # the participation roles a permission looks at


class Action(str, Enum):
    READ = "read"
    EDIT = "edit"  # enter values, narratives, evidence
    APPROVE = "approve"  # approve or return a submission
    MANAGE = "manage"  # logframe, periods, reopening: the secretariat


def _role(value) -> str:
    return getattr(value, "value", value)


def organisation_ids(user) -> frozenset[int]:
    """The user's organisation and, for a funder, those under it (its programmes and directorates fund for it)."""
    if user.organisation_id is None:
        return frozenset()
    if user.role != Role.DONOR:  # only a funder acts through its programmes; an implementer is itself
        return frozenset({user.organisation_id})
    cached = getattr(user, "_meapp_organisation_ids", None)
    if cached is None or cached[0] != user.organisation_id:
        organisation = getattr(user, "organisation", None)
        cached = (user.organisation_id,
                  frozenset(organisation.family_ids() if organisation is not None else {user.organisation_id}))
        try:
            user._meapp_organisation_ids = cached
        except AttributeError:
            pass
    return cached[1]


def _participates(user, project, role: str) -> bool:
    ids = organisation_ids(user)
    if not ids:
        return False
    if role == IMPLEMENTER and project.lead_organisation_id in ids:
        return True
    return any(p.organisation_id in ids and _role(p.role) == role for p in project.participations)


def is_signed_in(user) -> bool:
    return user is not None and bool(getattr(user, "is_authenticated", False)) and bool(user.is_active)


def is_secretariat(user) -> bool:
    return is_signed_in(user) and user.role == Role.SECRETARIAT


def allowed_actions(user, project) -> frozenset[Action]:
    """Everything `user` may do with `project`."""
    if not is_signed_in(user):
        return frozenset()
    if user.role == Role.SECRETARIAT:
        return frozenset(Action)
    if user.role == Role.IMPLEMENTER and _participates(user, project, IMPLEMENTER):
        return frozenset({Action.READ, Action.EDIT})
    if user.role == Role.DONOR and _participates(user, project, FUNDER):
        return frozenset({Action.READ, Action.APPROVE})
    return frozenset()


def can(user, action: Action, project) -> bool:
    return action in allowed_actions(user, project)


def readable_participation(user) -> tuple[str, str | None]:
    """Which projects `user` reads: ("all", None), ("none", None) or ("participating", role)."""
    if not is_signed_in(user):
        return "none", None
    if user.role == Role.SECRETARIAT:
        return "all", None
    if user.organisation_id is None:
        return "none", None
    return "participating", IMPLEMENTER if user.role == Role.IMPLEMENTER else FUNDER
