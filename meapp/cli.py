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


@users.command("create", help="Create an account; the password is prompted, or read from stdin.")
@click.argument("email")
@click.option("--role", type=click.Choice(["secretariat", "implementer", "donor"]), required=True)
@click.option("--org", "organisation", default=None, help="Organisation name or acronym (required for implementer and donor).")
@click.option("--name", default="", help="Display name.")
@click.option("--locale", type=click.Choice(["en", "fr"]), default=None)
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
def users_create(email, role, organisation, name, locale, password_stdin):
    from meapp.auth.models import Role
    from meapp.auth.service import NewUser, UserError, create_user

    if password_stdin or not sys.stdin.isatty():
        password = (sys.stdin.readline() or "").rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(NewUser(email=email, role=Role(role), organisation=organisation, name=name, locale=locale),
                           password)
    except UserError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created {user.role.value} {user.email}" + (f" ({user.organisation.name})" if user.organisation else ""))


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
