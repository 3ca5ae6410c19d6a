"""People and organisations: users, roles, organisations and API tokens."""
from __future__ import annotations

import datetime as dt
import secrets
from enum import Enum

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from meapp.extensions import db
from meapp.modelbase import TimestampMixin, enum_column


class OrganisationKind(str, Enum):
    GOVERNMENT = "government"
    AGENCY = "agency"
    CITY = "city"
    NGO = "ngo"
    INTERNATIONAL = "international"
    PRIVATE = "private"
    DONOR = "donor"
    SECRETARIAT = "secretariat"
    OTHER = "other"


class Organisation(TimestampMixin, db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    acronym: Mapped[str | None] = mapped_column(sa.String(40))
    kind: Mapped[OrganisationKind] = mapped_column(enum_column(OrganisationKind), default=OrganisationKind.OTHER)
    country_code: Mapped[str | None] = mapped_column(sa.String(2))
    # The name in French where it differs ("Union européenne (DG HOME)"); documents fall back to `name`.
    name_fr: Mapped[str] = mapped_column(sa.String(200), default="")
    # A programme or a directorate counts under its parent: a funder's portfolio covers its children.
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id", ondelete="SET NULL"))
    # An inactive organisation keeps its history but takes no new account, project or child.
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # A duplicate merged into another: everything it held moved there (meapp.projects.organisations).
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(default=1, server_default=sa.text("1"))

    users = relationship("User", back_populates="organisation")
    parent: Mapped["Organisation | None"] = relationship(remote_side=[id], back_populates="children",
                                                         foreign_keys=[parent_id])
    children: Mapped[list["Organisation"]] = relationship(back_populates="parent", foreign_keys=[parent_id])
    merged_into: Mapped["Organisation | None"] = relationship(remote_side=[id], foreign_keys=[merged_into_id])

    __mapper_args__ = {"version_id_col": version}

    def family_ids(self) -> set[int]:
        """This organisation and every organisation under it (its programmes, directorates...)."""
        found, todo = set(), [self]
        while todo:
            organisation = todo.pop()
            if organisation.id not in found:
                found.add(organisation.id)
                todo.extend(organisation.children)
        return found

    def __repr__(self) -> str:
        return f"<Organisation {self.name}>"


class Role(str, Enum):
    SECRETARIAT = "secretariat"
    IMPLEMENTER = "implementer"
    DONOR = "donor"


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"))
    locale: Mapped[str | None] = mapped_column(sa.String(5))
    is_active_account: Mapped[bool] = mapped_column("is_active", default=True)
    is_demo: Mapped[bool] = mapped_column(default=False)
    # Rotated on logout and password change, so a copied session cookie stops working.
    session_token: Mapped[str] = mapped_column(sa.String(64), default=new_session_token, unique=True)
    last_login_at: Mapped[dt.datetime | None]
    # Bumped by the changes a person makes to an account (meapp.auth.service), not by signing in, so
    # that the secretariat's edit page is stale only when the account itself changed.
    version: Mapped[int] = mapped_column(default=1, server_default=sa.text("1"))

    organisation = relationship("Organisation", back_populates="users")

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)
        self.session_token = new_session_token()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        return self.session_token

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.is_active_account

    @property
    def is_secretariat(self) -> bool:
        return self.role == Role.SECRETARIAT

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role.value}>"


class ApiToken(TimestampMixin, db.Model):
    """A bearer token for scripted access; only its hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(12))
    last_used_at: Mapped[dt.datetime | None]
    expires_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()
