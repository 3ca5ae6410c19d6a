"""Reads for accounts and organisations."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from meapp.auth.models import Organisation, OrganisationKind, Role, User
from meapp.extensions import db


class AmbiguousOrganisation(LookupError):
    """A name or acronym shared by several organisations: the caller must ask for the full name."""

    def __init__(self, text: str, matches: list[Organisation]):
        super().__init__(f"{text!r} names several organisations ({'; '.join(o.name for o in matches)}): "
                         "give the full name")
        self.matches = matches


def find_organisation(text: str | int | None) -> Organisation | None:
    """The one organisation an id, a full name or an acronym names (any case); None when none does.

    A full name wins over an acronym; several organisations sharing the name or acronym raise
    AmbiguousOrganisation rather than picking one of them silently.
    """
    if isinstance(text, int):
        return db.session.get(Organisation, text)
    wanted = (text or "").strip().lower()
    if not wanted:
        return None
    for column in (Organisation.name, Organisation.acronym):
        matches = db.session.scalars(select(Organisation).where(func.lower(column) == wanted)
                                     .order_by(Organisation.id)).all()
        if len(matches) > 1:
            raise AmbiguousOrganisation(str(text), list(matches))
        if matches:
            return matches[0]
    return None


def all_users() -> list[User]:
    """Every account with its organisation, by role and email."""
    return list(db.session.scalars(select(User).options(selectinload(User.organisation))
                                   .order_by(User.role, User.email)))


# Organisations and accounts as the secretariat's screens list them.


@dataclass(frozen=True)
class OrganisationFilters:
    q: str | None = None  # in the English or French name or the short name
    kind: str | None = None
    active: bool | None = None


def _contains(column, text: str):
    """Case-insensitive "contains", with LIKE's wildcards in `text` taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")


def list_organisations(filters: OrganisationFilters = OrganisationFilters()) -> list[Organisation]:
    """Organisations by name, filtered, with their parent and the one they were merged into loaded."""
    stmt = (select(Organisation)
            .options(selectinload(Organisation.parent), selectinload(Organisation.merged_into))
            .order_by(func.lower(Organisation.name), Organisation.id))
    if filters.q:
        text = filters.q.strip()
        stmt = stmt.where(or_(_contains(Organisation.name, text), _contains(Organisation.name_fr, text),
                              _contains(Organisation.acronym, text)))
    if filters.kind:
        stmt = stmt.where(Organisation.kind == OrganisationKind(filters.kind))
    if filters.active is not None:
        stmt = stmt.where(Organisation.is_active.is_(filters.active))
    return list(db.session.scalars(stmt))


def organisation_user_counts(organisation_ids: Iterable[int]) -> dict[int, int]:
    """How many active accounts each organisation has (one query)."""
    ids = list(organisation_ids)
    if not ids:
        return {}
    rows = db.session.execute(select(User.organisation_id, func.count(User.id))
                              .where(User.organisation_id.in_(ids), User.is_active_account.is_(True))
                              .group_by(User.organisation_id))
    return {organisation_id: count for organisation_id, count in rows}


def organisation_choices(include: Iterable[int] = ()) -> list[Organisation]:
    """The active organisations by name, and those in `include` even when inactive (a current value)."""
    wanted = list(include)
    condition = Organisation.is_active.is_(True)
    if wanted:
        condition = or_(condition, Organisation.id.in_(wanted))
    return list(db.session.scalars(select(Organisation).where(condition)
                                   .order_by(func.lower(Organisation.name), Organisation.id)))


@dataclass(frozen=True)
class UserFilters:
    q: str | None = None  # in the email or the name
    role: str | None = None
    organisation_id: int | None = None
    active: bool | None = None


@dataclass(frozen=True)
class Page:
    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def list_users(filters: UserFilters = UserFilters(), page: int = 1, per_page: int = 50) -> Page:
    """One page of accounts (by email) matching the filters, with their organisations loaded, and the total."""
    condition = []
    if filters.q:
        text = filters.q.strip()
        condition.append(or_(_contains(User.email, text), _contains(User.name, text)))
    if filters.role:
        condition.append(User.role == Role(filters.role))
    if filters.organisation_id is not None:
        condition.append(User.organisation_id == filters.organisation_id)
    if filters.active is not None:
        condition.append(User.is_active_account.is_(filters.active))
    total = db.session.scalar(select(func.count(User.id)).where(*condition)) or 0
    page = max(1, min(page, max(1, -(-total // per_page))))
    items = db.session.scalars(select(User).where(*condition).options(selectinload(User.organisation))
                               .order_by(User.email).limit(per_page).offset((page - 1) * per_page)).all()
    return Page(list(items), total, page, per_page)


def active_secretariat_count() -> int:
    """How many active secretariat accounts there are (one must remain)."""
    return db.session.scalar(select(func.count(User.id)).where(User.role == Role.SECRETARIAT,
                                                               User.is_active_account.is_(True))) or 0
