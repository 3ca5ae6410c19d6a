"""Organisations, managed by the secretariat: create, edit, merge duplicates, deactivate, reactivate.

It sits with projects because a merge moves project participations and lead roles. Every write is
checked (secretariat only), validated field by field, audited and flushed; the caller commits.
`actor` is a signed-in user, or None for the command line and the demo seed (no person signed in).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from meapp.audit.service import record
from meapp.auth.models import Organisation, OrganisationKind, User
from meapp.auth.permissions import is_secretariat
from meapp.core.countries import country_codes
from meapp.core.messages import N_
from meapp.core.problems import Problem
from meapp.core.text import REASON_LIMIT, TextProblem, text_problem
from meapp.errors import InvalidInput, PermissionDenied, StaleVersion, WorkflowError
from meapp.extensions import db
from meapp.modelbase import utcnow
from meapp.projects.models import Project, ProjectOrganisation
from meapp.projects.queries import OrganisationUsage, organisation_usage

NAME_LIMIT = 200  # organisations.name and name_fr
ACRONYM_LIMIT = 40  # organisations.acronym


@dataclass(frozen=True)
class OrganisationInput:
    name: str
    name_fr: str = ""
    acronym: str | None = None
    kind: str = "other"
    country_code: str | None = None
    parent_id: int | None = None


@dataclass(frozen=True)
class MergeResult:
    """What a merge moved from the duplicate to the organisation kept."""

    users: int
    participations: int
    participations_dropped: int  # the kept organisation already had that role in that project
    led_projects: int
    children: int


class InvalidOrganisation(InvalidInput):
    """The organisation was not saved: `problems` names each field that is wrong (its `where`)."""


class OrganisationConflict(StaleVersion):
    """Someone saved the organisation after this page was opened."""

    def __init__(self, current_version: int | None):
        super().__init__(N_("Someone else saved this organisation after you opened it (now version %(version)s). "
                            "Nothing was saved: check what it holds now and make your change again."),
                         current_version)


class OrganisationInUse(WorkflowError):
    """An organisation cannot be deactivated while accounts or active projects depend on it."""

    status = 409

    def __init__(self, name: str, usage: OrganisationUsage):
        users, projects = _listed(usage.active_users), _listed(usage.active_projects)
        if usage.active_users and usage.active_projects:
            super().__init__(N_("%(name)s cannot be deactivated: it still has active accounts (%(users)s) and takes "
                                "part in active projects (%(projects)s). Deactivate or move those accounts and "
                                "change those projects first."), name=name, users=users, projects=projects)
        elif usage.active_users:
            super().__init__(N_("%(name)s cannot be deactivated: it still has active accounts (%(users)s). "
                                "Deactivate them or move them to another organisation first."),
                             name=name, users=users)
        else:
            super().__init__(N_("%(name)s cannot be deactivated: it takes part in active projects (%(projects)s). "
                                "Change those projects, or close them, first."), name=name, projects=projects)
        self.usage = usage


def _listed(items: list[str], limit: int = 10) -> str:
    return ", ".join(items[:limit]) + (", …" if len(items) > limit else "")


def _require_secretariat(actor) -> None:
    if actor is not None and not is_secretariat(actor):
        raise PermissionDenied()


def _text(where: str, value: str | None, limit: int, problems: list[Problem]) -> None:
    problem = text_problem(value, limit)
    if problem is TextProblem.CONTROL:
        problems.append(Problem(where, N_("This text holds invisible control characters; remove them.")))
    elif problem is TextProblem.TOO_LONG:
        problems.append(Problem(where, N_("This text may hold at most %(limit)s characters."), {"limit": limit}))


def _clean(data: OrganisationInput) -> OrganisationInput:
    """The input as it would be stored: trimmed, blank optional values as None, codes in capitals."""
    return OrganisationInput(
        name=(data.name or "").strip(),
        name_fr=(data.name_fr or "").strip(),
        acronym=(data.acronym or "").strip() or None,
        kind=(getattr(data.kind, "value", data.kind) or "").strip(),
        country_code=(data.country_code or "").strip().upper() or None,
        parent_id=data.parent_id,
    )


def _ancestor_ids(start_id: int | None, parents: dict[int, int | None]) -> list[int]:
    """`start_id` and the organisations above it, nearest first (stops at a loop already stored)."""
    chain, seen = [], set()
    current = start_id
    while current is not None and current not in seen:
        seen.add(current)
        chain.append(current)
        current = parents.get(current)
    return chain


def organisation_problems(data: OrganisationInput, current: Organisation | None = None) -> list[Problem]:
    """Everything wrong with `data` for a new organisation (`current` None) or for `current`; [] when fine.

    Names and short names are unique whatever their case, and a name may not be another organisation's
    short name nor the reverse, since accounts and commands find an organisation by either.
    """
    data = _clean(data)
    problems: list[Problem] = []
    if not data.name:
        problems.append(Problem("name", N_("Give the organisation’s name.")))
    _text("name", data.name, NAME_LIMIT, problems)
    _text("name_fr", data.name_fr, NAME_LIMIT, problems)
    _text("acronym", data.acronym, ACRONYM_LIMIT, problems)
    if data.kind not in {k.value for k in OrganisationKind}:
        problems.append(Problem("kind", N_("Choose one of the kinds listed.")))
    if data.country_code is not None and data.country_code not in country_codes():
        problems.append(Problem("country_code", N_("%(code)s is not a country’s ISO 3166 code (two letters, such as "
                                                   "BE or MA)."), {"code": data.country_code[:10]}))
    own_id = current.id if current is not None else None
    others = [row for row in db.session.execute(select(Organisation.id, Organisation.name, Organisation.acronym,
                                                       Organisation.parent_id, Organisation.is_active))
              if row.id != own_id]
    if data.name:
        wanted = data.name.casefold()
        same_name = next((o for o in others if o.name.casefold() == wanted), None)
        same_acronym = next((o for o in others if (o.acronym or "").casefold() == wanted), None)
        if same_name is not None:
            problems.append(Problem("name", N_("Another organisation is already called %(name)s."),
                                    {"name": same_name.name}))
        elif same_acronym is not None:
            problems.append(Problem("name", N_("%(name)s is the short name of another organisation (%(other)s)."),
                                    {"name": data.name, "other": same_acronym.name}))
    if data.acronym:
        wanted = data.acronym.casefold()
        same_acronym = next((o for o in others if (o.acronym or "").casefold() == wanted), None)
        same_name = next((o for o in others if o.name.casefold() == wanted), None)
        if same_acronym is not None:
            problems.append(Problem("acronym", N_("Another organisation already has the short name %(acronym)s "
                                                  "(%(other)s)."), {"acronym": data.acronym, "other": same_acronym.name}))
        elif same_name is not None:
            problems.append(Problem("acronym", N_("%(acronym)s is the name of another organisation."),
                                    {"acronym": data.acronym}))
    if data.parent_id is not None:
        parent = next((o for o in others if o.id == data.parent_id), None)
        parents = {o.id: o.parent_id for o in others}
        if own_id is not None and data.parent_id == own_id:
            problems.append(Problem("parent_id", N_("An organisation cannot be its own parent.")))
        elif parent is None:
            problems.append(Problem("parent_id", N_("This parent organisation does not exist.")))
        elif own_id is not None and own_id in _ancestor_ids(data.parent_id, parents):
            problems.append(Problem("parent_id", N_("%(parent)s is under %(name)s: an organisation cannot sit under "
                                                    "one of its own programmes."),
                                    {"parent": parent.name, "name": current.name}))
        elif not parent.is_active and (current is None or current.parent_id != data.parent_id):
            problems.append(Problem("parent_id", N_("%(parent)s is inactive: choose an active organisation."),
                                    {"parent": parent.name}))
    return problems


def _snapshot(organisation: Organisation) -> dict:
    return {"name": organisation.name, "name_fr": organisation.name_fr, "acronym": organisation.acronym,
            "kind": getattr(organisation.kind, "value", organisation.kind), "country_code": organisation.country_code,
            "parent_id": organisation.parent_id, "is_active": organisation.is_active,
            "merged_into_id": organisation.merged_into_id}


def _assign(organisation: Organisation, data: OrganisationInput) -> None:
    organisation.name = data.name
    organisation.name_fr = data.name_fr
    organisation.acronym = data.acronym
    organisation.kind = OrganisationKind(data.kind)
    organisation.country_code = data.country_code
    if organisation.parent_id != data.parent_id:
        # Through the relationship, so that both sides' collections (parent.children) follow.
        organisation.parent = db.session.get(Organisation, data.parent_id) if data.parent_id is not None else None


def _flush(organisation: Organisation) -> None:
    try:
        db.session.flush()
    except StaleDataError as exc:  # saved by someone else between our read and our write
        raise OrganisationConflict(None) from exc


def create_organisation(actor, data: OrganisationInput) -> Organisation:
    """Add an organisation (secretariat); InvalidOrganisation names every field that is wrong."""
    _require_secretariat(actor)
    problems = organisation_problems(data)
    if problems:
        raise InvalidOrganisation(problems)
    data = _clean(data)
    organisation = Organisation(name=data.name)
    _assign(organisation, data)
    db.session.add(organisation)
    db.session.flush()
    record(actor, "organisation.create", organisation, after=_snapshot(organisation),
           key=f"organisation/{organisation.id}")
    return organisation


def update_organisation(actor, organisation: Organisation, data: OrganisationInput,
                        expected_version: int | None) -> Organisation:
    """Change an organisation's names, kind, country or parent (secretariat).

    `expected_version` is the version the editor's page showed: a different one means someone saved in
    between, and nothing is written (OrganisationConflict). None skips the check (the command line).
    """
    _require_secretariat(actor)
    if expected_version is not None and organisation.version != expected_version:
        raise OrganisationConflict(organisation.version)
    problems = organisation_problems(data, organisation)
    if problems:
        raise InvalidOrganisation(problems)
    data = _clean(data)
    before = _snapshot(organisation)
    _assign(organisation, data)
    after = _snapshot(organisation)
    if after == before:
        return organisation
    _flush(organisation)
    record(actor, "organisation.update", organisation, before={k: v for k, v in before.items() if after[k] != v},
           after={k: v for k, v in after.items() if before[k] != v}, key=f"organisation/{organisation.id}")
    return organisation


def _reason(reason: str | None, required: bool = True) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise InvalidOrganisation([Problem("reason", N_("Say why: the reason is kept in the audit trail."))])
    problems: list[Problem] = []
    _text("reason", reason, REASON_LIMIT, problems)
    if problems:
        raise InvalidOrganisation(problems)
    return reason


def merge_organisations(actor, duplicate: Organisation, keep: Organisation, reason: str) -> MergeResult:
    """Fold a duplicate into the organisation kept (secretariat).

    Its accounts, project roles (a role the kept one already has in a project is dropped), the projects
    it leads and the organisations under it move to `keep`; the duplicate becomes inactive and says
    where it went. Refused into itself, into an inactive organisation, twice, or when `keep` sits under
    the duplicate (its own parent would become itself).
    """
    _require_secretariat(actor)
    reason = _reason(reason)
    if duplicate.id == keep.id:
        raise WorkflowError(N_("An organisation cannot be merged into itself."))
    if duplicate.merged_into_id is not None:
        raise WorkflowError(N_("%(name)s was already merged into another organisation."), name=duplicate.name)
    if not keep.is_active:
        raise WorkflowError(N_("%(name)s is inactive: merge into an active organisation."), name=keep.name)
    parents = {row.id: row.parent_id for row in db.session.execute(select(Organisation.id, Organisation.parent_id))}
    if duplicate.id in _ancestor_ids(keep.parent_id, parents):
        raise WorkflowError(N_("%(keep)s sits under %(duplicate)s: merging would make it its own parent. Move it "
                               "out from under %(duplicate)s first."), keep=keep.name, duplicate=duplicate.name)
    before = {"duplicate": organisation_usage(duplicate.id).counts(), "keep": organisation_usage(keep.id).counts()}

    users = list(db.session.scalars(select(User).where(User.organisation_id == duplicate.id)))
    for user in users:
        user.organisation = keep
        user.version += 1  # an account page opened before the merge is stale now
    kept_roles = {(row.project_id, row.role) for row in db.session.execute(
        select(ProjectOrganisation.project_id, ProjectOrganisation.role)
        .where(ProjectOrganisation.organisation_id == keep.id))}
    moved = dropped = 0
    touched: set[int] = set()
    for participation in db.session.scalars(select(ProjectOrganisation)
                                            .where(ProjectOrganisation.organisation_id == duplicate.id)):
        touched.add(participation.project_id)
        key = (participation.project_id, participation.role)
        if key in kept_roles:
            db.session.delete(participation)
            dropped += 1
        else:
            participation.organisation = keep
            kept_roles.add(key)
            moved += 1
    led = list(db.session.scalars(select(Project).where(Project.lead_organisation_id == duplicate.id)))
    for project in led:
        project.lead_organisation = keep
    touched_projects = list(db.session.scalars(select(Project).where(Project.id.in_(touched))))
    for project in touched_projects:
        project.updated_at = utcnow()  # bumps its version: a project page opened before the merge is stale
    children = list(db.session.scalars(select(Organisation).where(Organisation.parent_id == duplicate.id)))
    for child in children:
        child.parent = keep
    duplicate.is_active = False
    duplicate.merged_into = keep
    _flush(duplicate)
    for project in touched_projects:
        db.session.expire(project, ["participations"])  # rows moved or dropped behind the collection's back

    result = MergeResult(users=len(users), participations=moved, participations_dropped=dropped,
                         led_projects=len(led), children=len(children))
    after = {"duplicate": organisation_usage(duplicate.id).counts(), "keep": organisation_usage(keep.id).counts(),
             "moved": asdict(result), "merged_into_id": keep.id, "is_active": False}
    record(actor, "organisation.merge", duplicate, before=before, after=after, reason=reason,
           key=f"organisation/{duplicate.id}")
    record(actor, "organisation.merge_in", keep, before=before, after={**after, "merged_from_id": duplicate.id},
           reason=reason, key=f"organisation/{keep.id}")
    return result


def deactivate_organisation(actor, organisation: Organisation, reason: str) -> bool:
    """Make an organisation inactive (secretariat); False when it already was.

    Refused, naming them, while it has active accounts or takes part in (or leads) an active project.
    """
    _require_secretariat(actor)
    reason = _reason(reason)
    if not organisation.is_active:
        return False
    usage = organisation_usage(organisation.id)
    if usage.active_users or usage.active_projects:
        raise OrganisationInUse(organisation.name, usage)
    organisation.is_active = False
    _flush(organisation)
    record(actor, "organisation.deactivate", organisation, before={"is_active": True}, after={"is_active": False},
           reason=reason, key=f"organisation/{organisation.id}")
    return True


def reactivate_organisation(actor, organisation: Organisation, reason: str = "") -> bool:
    """Make an inactive organisation active again (secretariat); False when it already was.

    A merged duplicate comes back empty (what it held stays with the organisation kept) and no longer
    points at it.
    """
    _require_secretariat(actor)
    reason = _reason(reason, required=False)
    if organisation.is_active:
        return False
    before = {"is_active": False, "merged_into_id": organisation.merged_into_id}
    organisation.is_active = True
    organisation.merged_into = None
    _flush(organisation)
    record(actor, "organisation.reactivate", organisation, before=before,
           after={"is_active": True, "merged_into_id": None}, reason=reason, key=f"organisation/{organisation.id}")
    return True
