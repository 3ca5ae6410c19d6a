"""Command-line groups: `flask seed`, `flask users`, `flask translate`."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from meapp.auth.queries import all_users
from meapp.extensions import db

ROOT = Path(__file__).resolve().parent.parent


def register_cli(app: Flask) -> None:
    app.cli.add_command(seed)
    app.cli.add_command(users)
    app.cli.add_command(translate)
    from meapp.submissions.cli import submissions

    app.cli.add_command(submissions)
    from meapp.reports.cli import reports

    app.cli.add_command(reports)
    from meapp.compendium.cli import compendium

    app.cli.add_command(compendium)
    from meapp.imports.projects_cli import projects

    app.cli.add_command(projects)
    from meapp.imports.cli import logframes

    app.cli.add_command(logframes)


@click.group(cls=AppGroup, help="Load reference and demonstration data.")
def seed():
    pass


@seed.command("reference", help="GCM objectives, SDG targets, disaggregations (idempotent).")
def seed_reference():
    from meapp.seed.reference import load_reference

    added = load_reference()
    db.session.commit()
    click.echo(f"Reference data: {added} rows added." if added else "Reference data already loaded: nothing changed.")


@seed.command("demo", help="The GFMD 2020 pilot projects, demo users and synthetic values (idempotent).")
def seed_demo():
    from meapp.seed.demo import seed_demo as run

    if current_app.extensions.get("meapp_config") == "production" or not current_app.config.get("ALLOW_DEMO_USERS"):
        raise click.ClickException("Demo users are refused under the production configuration.")
    report = run(current_app.config["DEMO_PASSWORD"])
    db.session.commit()
    if not report.changed:
        click.echo("Demo data already loaded: nothing changed.")
        return
    click.echo(
        f"Demo data loaded: {len(report.projects)} projects, {report.values} synthetic values, "
        f"{report.organisations} organisations, {len(report.users)} users, {report.periods} reporting periods, "
        f"{report.editions} annex rows (edition gfmd-2020)."
    )
    if report.users:
        click.echo("Users created (password: MEAPP_DEMO_PASSWORD, default 'meapp-demo'):")
        for email, role, org in report.users:
            click.echo(f"  {role:<12} {email:<55} {org}")


@click.group(cls=AppGroup, help="Manage user accounts.")
def users():
    pass


@users.command("list", help="Every account with its role and organisation.")
def users_list():

    rows = all_users()
    count = 0
    for user in rows:
        org = user.organisation.name if user.organisation else "-"
        flags = ("" if user.is_active else " (inactive)") + (" [demo]" if user.is_demo else "")
        click.echo(f"{user.role.value:<12} {user.email:<55} {org}{flags}")
        count += 1
    click.echo(f"{count} users")


class Refused(click.ClickException):
    """A refusal of the account commands: the message, and exit code 2."""

    exit_code = 2


def _refusal(error) -> str:
    """A service refusal in English (the command line's language), every problem of it named."""
    from meapp.core.problems import Problem

    problems = getattr(error, "problems", None) or [Problem("", error.message_id, error.params)]
    return "; ".join(p.text(lambda msgid, **params: msgid % params if params else msgid) for p in problems)


def _account(email: str):
    from meapp.auth.service import find_user

    user = find_user(email)
    if user is None:
        raise Refused(f"no account with the email {email.strip().lower()}")
    return user


def _send_or_print_link(user, token: str, invitation: bool) -> None:
    """Mail the set-password link when a mail server is configured, else print it to pass on."""
    from meapp.auth.service import link_hours, send_password_link
    from meapp.mail import mail_configured

    link = f"{str(current_app.config['BASE_URL']).rstrip('/')}/set-password/{token}"
    if mail_configured():
        if send_password_link(user, link, invitation):
            click.echo(f"Sent a set-password link to {user.email} (it works once, for {link_hours()} hours).")
            return
        click.echo(f"The mail to {user.email} could not be sent (see the log): pass the link on yourself.", err=True)
    click.echo(f"Set-password link for {user.email} (it works once, for {link_hours()} hours):")
    click.echo(link)


@users.command("create", help="Create an account; the password is prompted, or read from stdin, or with "
                              "--invite the person chooses it through a set-password link.")
@click.argument("email")
@click.option("--role", type=click.Choice(["secretariat", "implementer", "donor"]), required=True)
@click.option("--org", "organisation", default=None, help="Organisation name or acronym (required for implementer and donor).")
@click.option("--name", default="", help="Display name.")
@click.option("--locale", type=click.Choice(["en", "fr"]), default=None)
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.option("--invite", is_flag=True, help="No password: print (or mail) a set-password link instead.")
def users_create(email, role, organisation, name, locale, password_stdin, invite):
    from meapp.auth.models import Role
    from meapp.auth.service import NewUser, UserError, create_user, invite_user
    from meapp.errors import WorkflowError

    spec = NewUser(email=email, role=Role(role), organisation=organisation, name=name, locale=locale)
    if invite:
        try:
            user, token = invite_user(None, spec)
        except WorkflowError as exc:
            db.session.rollback()
            raise Refused(_refusal(exc)) from exc
        db.session.commit()
        click.echo(f"Created {user.role.value} {user.email}" + (f" ({user.organisation.name})" if user.organisation
                                                               else "") + " without a password.")
        _send_or_print_link(user, token, invitation=True)
        return
    if password_stdin or not sys.stdin.isatty():
        password = (sys.stdin.readline() or "").rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(spec, password)
    except UserError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created {user.role.value} {user.email}" + (f" ({user.organisation.name})" if user.organisation else ""))


@users.command("invite", help="A set-password link for an existing account (an invitation, or a forgotten "
                              "password): mailed when a mail server is configured, else printed.")
@click.argument("email")
def users_invite(email):
    from meapp.auth.service import issue_password_link
    from meapp.errors import WorkflowError

    user = _account(email)
    try:
        token = issue_password_link(None, user)
    except WorkflowError as exc:
        db.session.rollback()
        raise Refused(_refusal(exc)) from exc
    db.session.commit()
    _send_or_print_link(user, token, invitation=user.last_login_at is None)


@users.command("deactivate", help="Close an account: it cannot sign in and is signed out everywhere.")
@click.argument("email")
@click.option("--reason", default="", help="Why (kept in the audit trail).")
def users_deactivate(email, reason):
    from meapp.auth.service import deactivate_user
    from meapp.errors import WorkflowError

    user = _account(email)
    try:
        changed = deactivate_user(None, user, reason)
    except WorkflowError as exc:
        db.session.rollback()
        raise Refused(_refusal(exc)) from exc
    db.session.commit()
    click.echo(f"Deactivated {user.email}." if changed else f"{user.email} was already inactive: nothing changed.")


@users.command("activate", help="Open a deactivated account again (its password is unchanged).")
@click.argument("email")
@click.option("--reason", default="", help="Why (kept in the audit trail).")
def users_activate(email, reason):
    from meapp.auth.service import reactivate_user
    from meapp.errors import WorkflowError

    user = _account(email)
    try:
        changed = reactivate_user(None, user, reason)
    except WorkflowError as exc:
        db.session.rollback()
        raise Refused(_refusal(exc)) from exc
    db.session.commit()
    click.echo(f"Activated {user.email}." if changed else f"{user.email} was already active: nothing changed.")


@click.group(cls=AppGroup, help="Translation catalogs (Babel).")
def translate():
    pass


def _pybabel(*args: str) -> None:
    result = subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], cwd=ROOT)
    if result.returncode:
        raise click.ClickException(f"pybabel {args[0]} failed")


@translate.command("update", help="Extract messages and merge them into the catalogs.")
def translate_update():
    _pybabel("extract", "-F", "babel.cfg", "-k", "_l", "-k", "N_", "-k", "n_:1,2", "--no-location", "--sort-output",
             "-o", "translations/messages.pot", "meapp")
    _pybabel("update", "-i", "translations/messages.pot", "-d", "translations", "--no-fuzzy-matching",
             "--ignore-obsolete")


@translate.command("compile", help="Compile the catalogs to .mo files.")
def translate_compile():
    _pybabel("compile", "-d", "translations")
