"""Writes for users: creation, invitations, the secretariat's account changes, sign-in bookkeeping,
profile and password changes, set-password links.

`actor` is a signed-in user, or None for the command line (no person signed in).
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import force_locale, gettext, ngettext
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from meapp.audit.service import record
from meapp.auth.demo import demo_users_allowed
from meapp.auth.models import Organisation, Role, User, new_session_token
from meapp.auth.permissions import is_secretariat
from meapp.auth.queries import AmbiguousOrganisation, active_secretariat_count, find_organisation
from meapp.core.messages import N_
from meapp.core.problems import Problem
from meapp.core.text import REASON_LIMIT, TextProblem, text_problem
from meapp.errors import InvalidInput, PermissionDenied, StaleVersion, WorkflowError
from meapp.extensions import db
from meapp.mail import send_mail
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
    organisation: str | int | None  # a name, a short name or an id
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
        if not organisation.is_active:
            raise UserError(f"the organisation {organisation.name} is inactive")
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
    after = {"name": user.name, "locale": user.locale}
    if new_password or after != before:
        user.version += 1
    db.session.flush()
    if new_password:
        after["password"] = "changed"
    record(user, "user.update", user, before=before, after=after)


def set_locale(user: User, locale: str) -> None:
    if user.locale != locale:
        record(user, "user.update", user, before={"locale": user.locale}, after={"locale": locale})
        user.locale = locale
        user.version += 1
        db.session.flush()


# The secretariat's account management: invitations, changes, deactivation, set-password links.

LANGUAGES = ("en", "fr")
NAME_LIMIT = 200  # users.name
PASSWORD_LIMIT = 200
_LINK_SALT = "meapp.set-password"
_MAX_ID = 2**31 - 1  # an INTEGER column


class InvalidAccount(InvalidInput):
    """The account was not saved: `problems` names each field that is wrong (its `where`)."""


class AccountConflict(StaleVersion):
    """Someone changed the account after this page was opened."""

    def __init__(self, current_version: int | None):
        super().__init__(N_("Someone else changed this account after you opened it (now version %(version)s). "
                            "Nothing was saved: check what it holds now and make your change again."),
                         current_version)


class InvalidPasswordLink(WorkflowError):
    """A set-password link that cannot be used: expired, used, replaced, altered, or for an inactive account."""

    status = 400

    def __init__(self, expired: bool = False):
        if expired:
            super().__init__(N_("This link to set a password has expired."))
        else:
            super().__init__(N_("This link to set a password is not valid any more: it was already used, a newer "
                                "one replaced it, the account was deactivated, or the address was cut or altered."))
        self.expired = expired


@dataclass(frozen=True)
class UserChanges:
    """What the secretariat may change in an account (the email stays: it names the person)."""

    name: str
    role: Role | str
    organisation: str | int | None  # a name, a short name or an id; None: no organisation
    locale: str | None = None


def _require_secretariat(actor) -> None:
    if actor is not None and not is_secretariat(actor):
        raise PermissionDenied()


def _text(where: str, value: str | None, limit: int, problems: list[Problem]) -> None:
    problem = text_problem(value, limit)
    if problem is TextProblem.CONTROL:
        problems.append(Problem(where, N_("This text holds invisible control characters; remove them.")))
    elif problem is TextProblem.TOO_LONG:
        problems.append(Problem(where, N_("This text may hold at most %(limit)s characters."), {"limit": limit}))


def _role_of(value, problems: list[Problem]) -> Role | None:
    try:
        return Role(getattr(value, "value", value))
    except ValueError:
        problems.append(Problem("role", N_("Choose one of the roles listed.")))
        return None


def _organisation_of(value, role: Role | None, current: User | None, problems: list[Problem]) -> Organisation | None:
    """The organisation `value` names, checked for `role`; None (a problem noted) when it cannot be."""
    organisation = None
    if isinstance(value, int) and not 0 < value <= _MAX_ID:  # no row has it, and PostgreSQL would refuse it
        problems.append(Problem("organisation", N_("This organisation does not exist.")))
        return None
    if value not in (None, ""):
        try:
            organisation = find_organisation(value.strip() if isinstance(value, str) else value)
        except AmbiguousOrganisation:
            problems.append(Problem("organisation", N_("%(text)s names several organisations: choose it by its "
                                                       "full name."), {"text": str(value)}))
            return None
        if organisation is None:
            problems.append(Problem("organisation", N_("This organisation does not exist.")))
            return None
        # An account keeps an organisation that was deactivated while it was itself inactive; no other
        # account may join an inactive one.
        keeps = current is not None and current.organisation_id == organisation.id and not current.is_active_account
        if not organisation.is_active and not keeps:
            problems.append(Problem("organisation", N_("%(name)s is inactive: choose an active organisation."),
                                    {"name": organisation.name}))
            return None
    if organisation is None and role in (Role.IMPLEMENTER, Role.DONOR):
        problems.append(Problem("organisation", N_("An implementer or a donor belongs to an organisation: choose "
                                                   "one.")))
    return organisation


def _locale_of(value: str | None, problems: list[Problem]) -> str | None:
    if value in (None, ""):
        return None
    if value not in LANGUAGES:
        problems.append(Problem("locale", N_("Choose one of the languages listed.")))
        return None
    return value


def _unusable_password_hash() -> str:
    """The hash of a random secret nobody is told: the account cannot sign in until its password is set."""
    return generate_password_hash(secrets.token_urlsafe(32))


def _account(user: User) -> dict:
    return {"email": user.email, "name": user.name, "role": user.role.value,
            "organisation": user.organisation.name if user.organisation else None,
            "locale": user.locale, "is_active": user.is_active_account}


def invite_user(actor, spec: NewUser) -> tuple[User, str]:
    """Create an account without a usable password (secretariat) and return it with a set-password token."""
    _require_secretariat(actor)
    problems: list[Problem] = []
    raw = (spec.email or "").strip()
    email = normalise_email(raw)
    if not email:
        problems.append(Problem("email", N_("Give the person’s email address.")))
    elif text_problem(raw, 254) is not None:
        _text("email", raw, 254, problems)
    else:
        try:
            validate_email(email, check_deliverability=False)
        except EmailNotValidError:
            problems.append(Problem("email", N_("%(email)s is not an email address."), {"email": raw}))
        else:
            if find_user(email) is not None:
                problems.append(Problem("email", N_("An account with the email %(email)s already exists."),
                                        {"email": email}))
    _text("name", spec.name, NAME_LIMIT, problems)
    role = _role_of(spec.role, problems)
    organisation = _organisation_of(spec.organisation, role, None, problems)
    locale = _locale_of(spec.locale, problems)
    if problems:
        raise InvalidAccount(problems)
    user = User(email=email, name=(spec.name or "").strip() or email.split("@")[0], role=role,
                organisation=organisation, locale=locale, password_hash=_unusable_password_hash())
    db.session.add(user)
    db.session.flush()
    record(actor, "user.invite", user, after=_account(user), key=f"user/{user.email}")
    return user, password_link_token(user)


def _keeps_a_secretariat(user: User) -> bool:
    """False when `user` is the last active secretariat account (someone must be able to manage meapp)."""
    return not (user.role == Role.SECRETARIAT and user.is_active_account and active_secretariat_count() <= 1)


def update_user(actor, user: User, changes: UserChanges, expected_version: int | None = None) -> User:
    """Change an account's name, role, organisation and language (secretariat).

    A donor or an implementer needs an active organisation; the last active secretariat account keeps its
    role. `expected_version` is the version the editor's page showed (AccountConflict when it moved on).
    """
    _require_secretariat(actor)
    if expected_version is not None and user.version != expected_version:
        raise AccountConflict(user.version)
    problems: list[Problem] = []
    name = (changes.name or "").strip()
    if not name:
        problems.append(Problem("name", N_("Give the person’s name.")))
    _text("name", name, NAME_LIMIT, problems)
    role = _role_of(changes.role, problems)
    organisation = _organisation_of(changes.organisation, role, user, problems)
    locale = _locale_of(changes.locale, problems)
    if role is not None and role != Role.SECRETARIAT and not _keeps_a_secretariat(user):
        problems.append(Problem("role", N_("This is the last active secretariat account: it keeps its role until "
                                           "another secretariat account is active.")))
    if problems:
        raise InvalidAccount(problems)
    before = _account(user)
    user.name, user.role, user.organisation, user.locale = name, role, organisation, locale
    after = _account(user)
    if after == before:
        return user
    user.version += 1
    db.session.flush()
    record(actor, "user.update", user, before={k: v for k, v in before.items() if after[k] != v},
           after={k: v for k, v in after.items() if before[k] != v}, key=f"user/{user.email}")
    return user


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    problems: list[Problem] = []
    _text("reason", reason, REASON_LIMIT, problems)
    if problems:
        raise InvalidAccount(problems)
    return reason


def deactivate_user(actor, user: User, reason: str = "") -> bool:
    """Close an account (secretariat) and sign it out everywhere; False when it was already inactive.

    Nobody deactivates their own account, nor the last active secretariat account.
    """
    _require_secretariat(actor)
    reason = _reason(reason)
    if actor is not None and getattr(actor, "id", None) == user.id:
        raise WorkflowError(N_("You cannot deactivate your own account."))
    if not user.is_active_account:
        return False
    if not _keeps_a_secretariat(user):
        raise WorkflowError(N_("This is the last active secretariat account: it stays active until another "
                               "secretariat account is active."))
    user.is_active_account = False
    user.session_token = new_session_token()  # every session and every set-password link ends here
    user.version += 1
    db.session.flush()
    record(actor, "user.deactivate", user, before={"is_active": True}, after={"is_active": False}, reason=reason,
           key=f"user/{user.email}")
    return True


def reactivate_user(actor, user: User, reason: str = "") -> bool:
    """Open a closed account again (secretariat); False when it was active. Its password is unchanged."""
    _require_secretariat(actor)
    reason = _reason(reason)
    if user.is_active_account:
        return False
    organisation = user.organisation
    if user.role in (Role.IMPLEMENTER, Role.DONOR) and (organisation is None or not organisation.is_active):
        raise WorkflowError(N_("%(email)s has no active organisation: move the account to one before reactivating "
                               "it."), email=user.email)
    user.is_active_account = True
    user.version += 1
    db.session.flush()
    record(actor, "user.reactivate", user, before={"is_active": False}, after={"is_active": True}, reason=reason,
           key=f"user/{user.email}")
    return True


def _serializer(secret_key: str | None = None) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key or current_app.config["SECRET_KEY"], salt=_LINK_SALT)


def _fingerprint(user: User) -> str:
    """Changes when the password is set or the sessions are ended, so that a link works once."""
    return hashlib.sha256(f"{user.password_hash}\n{user.session_token}".encode()).hexdigest()[:32]


def password_link_token(user: User, secret_key: str | None = None) -> str:
    """A signed token for the set-password page: it names the account and works once, until it expires.

    Signed with the application's SECRET_KEY unless `secret_key` is given (outside an application).
    """
    return _serializer(secret_key).dumps({"user": user.id, "check": _fingerprint(user)})


def user_for_password_token(token: str) -> User:
    """The account a set-password token is for; InvalidPasswordLink when it cannot be used."""
    try:
        data = _serializer().loads(token or "", max_age=int(current_app.config["INVITATION_MAX_AGE"]))
    except SignatureExpired as exc:
        raise InvalidPasswordLink(expired=True) from exc
    except BadData as exc:  # altered, cut, signed with another key or salt
        raise InvalidPasswordLink() from exc
    user_id = data.get("user") if isinstance(data, dict) else None
    check = data.get("check") if isinstance(data, dict) else None
    user = db.session.get(User, user_id) if isinstance(user_id, int) and not isinstance(user_id, bool) else None
    if (user is None or not isinstance(check, str) or not hmac.compare_digest(check, _fingerprint(user))
            or not user.is_active or (user.is_demo and not demo_users_allowed())):
        raise InvalidPasswordLink()
    return user


def password_problems(password: str | None, confirmation: str | None = None) -> list[Problem]:
    """What is wrong with a new password (and its confirmation, when given)."""
    problems: list[Problem] = []
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(Problem("password", N_("The password needs at least %(min)s characters."),
                                {"min": MIN_PASSWORD_LENGTH}))
    else:
        _text("password", password, PASSWORD_LIMIT, problems)
    if confirmation is not None and confirmation != password:
        problems.append(Problem("confirm", N_("The two passwords differ.")))
    return problems


def set_password_with_token(token: str, password: str) -> User:
    """Set the password a set-password link is for; the link stops working. Returns the account."""
    user = user_for_password_token(token)
    problems = password_problems(password)
    if problems:
        raise InvalidAccount(problems)
    user.set_password(password)
    user.version += 1
    db.session.flush()
    record(user, "user.password_set", user, after={"password": "set with a link"}, key=f"user/{user.email}")
    return user


def link_hours() -> int:
    """How many hours a set-password link works (INVITATION_MAX_AGE), for people to read."""
    return max(1, int(current_app.config["INVITATION_MAX_AGE"]) // 3600)


def send_password_link(user: User, link: str, invitation: bool) -> bool:
    """Mail the set-password link to the account, in its language; False when no mail could be sent."""
    hours = link_hours()
    with force_locale(user.locale or "en"):
        validity = ngettext("The link works once, for %(num)d hour.", "The link works once, for %(num)d hours.",
                            hours)
        if invitation:
            subject = gettext("Your meapp account")
            opening = gettext("An account on meapp, the monitoring and evaluation system, was opened for you "
                              "(%(email)s). Choose your password here:", email=user.email)
        else:
            subject = gettext("Set a new meapp password")
            opening = gettext("Choose a new password for your meapp account (%(email)s) here:", email=user.email)
        body = "\n\n".join([gettext("Hello %(name)s,", name=user.name), opening, link, validity,
                            gettext("If you did not expect this message, ignore it.")]) + "\n"
    return send_mail([user.email], subject, body)


def issue_password_link(actor, user: User) -> str:
    """A new set-password token for an active account (secretariat), kept in the audit trail.

    Links issued before it keep working until one of them is used: they all check the same password.
    """
    _require_secretariat(actor)
    if not user.is_active_account:
        raise WorkflowError(N_("%(email)s is inactive: reactivate the account before sending it a link."),
                            email=user.email)
    record(actor, "user.password_link", user, after={"link": "issued"}, key=f"user/{user.email}")
    return password_link_token(user)
