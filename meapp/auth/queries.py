"""Reads for accounts and organisations."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from meapp.auth.models import Organisation, User
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
