"""Writes for users: creation, sign-in bookkeeping, profile and password changes."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from meapp.audit.service import record
from meapp.auth.models import Role, User, new_session_token
from meapp.auth.queries import AmbiguousOrganisation, find_organisation
from meapp.extensions import db
from meapp.modelbase import utcnow

MIN_PASSWORD_LENGTH = 10
# Verifying against this keeps the time of a failed sign-in the same whether the email exists.
_DUMMY_HASH = None


class UserError(ValueError):
    """A user cannot be created or changed as asked."""


@dataclass(frozen=True)
class NewUser:
    email: str
    role: Role
    organisation: str | None
    name: str = ""
    locale: str | None = None


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def authenticate(email: str, password: str, allow_demo: bool = True) -> User | None:
    """The active user with this email and password, else None (same work either way).

    Demo accounts share a published password: with `allow_demo` False they are treated as unknown.
    """
    global _DUMMY_HASH
    user = find_user(email)
    if user is None or not user.is_active or (user.is_demo and not allow_demo):
        from werkzeug.security import check_password_hash, generate_password_hash

        if _DUMMY_HASH is None:
            _DUMMY_HASH = generate_password_hash("not-a-password")
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    return user if user.check_password(password or "") else None


def note_login(user: User) -> None:
    user.last_login_at = utcnow()
    db.session.flush()


def rotate_session(user: User) -> None:
    """Invalidate every session cookie issued to this user (logout everywhere)."""
    user.session_token = new_session_token()
    db.session.flush()


def create_user(spec: NewUser, password: str, actor: User | None = None, is_demo: bool = False) -> User:
    """Create a user in an existing organisation; donors and implementers need one."""
    email = normalise_email(spec.email)
    if not email or "@" not in email:
        raise UserError(f"not an email address: {spec.email!r}")
    if find_user(email) is not None:
        raise UserError(f"a user with the email {email} already exists")
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise UserError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    organisation = None
    if spec.organisation:
        try:
            organisation = find_organisation(spec.organisation)
        except AmbiguousOrganisation as exc:
            raise UserError(str(exc)) from exc
        if organisation is None:
            raise UserError(f"unknown organisation: {spec.organisation!r}")
    if spec.role in (Role.IMPLEMENTER, Role.DONOR) and organisation is None:
        raise UserError(f"a {spec.role.value} must belong to an organisation (--org)")
    user = User(
        email=email,
        name=spec.name or email.split("@")[0],
        role=spec.role,
        organisation=organisation,
        locale=spec.locale,
        is_demo=is_demo,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record(actor, "user.create", user, after={"email": email, "role": spec.role.value,
                                              "organisation": organisation.name if organisation else None})
    return user


def update_profile(user: User, name: str, locale: str, new_password: str | None = None) -> None:
    before = {"name": user.name, "locale": user.locale}
    user.name = name.strip()
    user.locale = locale
    if new_password:
        user.set_password(new_password)
    db.session.flush()
    after = {"name": user.name, "locale": user.locale}
    if new_password:
        after["password"] = "changed"
    record(user, "user.update", user, before=before, after=after)


def set_locale(user: User, locale: str) -> None:
    if user.locale != locale:
        record(user, "user.update", user, before={"locale": user.locale}, after={"locale": locale})
        user.locale = locale
        db.session.flush()
