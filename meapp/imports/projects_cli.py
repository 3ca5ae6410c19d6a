"""`flask projects import|export`: a programme's organisations, projects and logframes as one YAML file."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import force_locale
from flask_babel import gettext as _

from meapp.auth.service import find_user
from meapp.core.problems import ProblemsError
from meapp.errors import WorkflowError
from meapp.extensions import db
from meapp.i18n import error_message
from meapp.imports.projects_import import export_projects, import_projects
from meapp.imports.projects_yaml import dump_projects_file, parse_projects_file

projects = AppGroup("projects", help="Import and export projects, their organisations and logframes (YAML).")
MAX_FILE_BYTES = 5 * 1024 * 1024


def _fail(message: str):
    click.echo(message, err=True)
    sys.exit(2)


def _secretariat(email: str):
    user = find_user(email)
    if user is None or not user.is_active:
        _fail(_("Unknown or inactive account: %(email)s.", email=email))
    return user


def _print_problems(problems) -> None:
    for problem in problems:
        if problem.severity == "error":
            click.echo(_("Error: %(problem)s", problem=problem.text(_)), err=True)
        else:
            click.echo(_("Warning: %(problem)s", problem=problem.text(_)), err=True)


@projects.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--as", "email", required=True, help="The secretariat account the changes are made as.")
@click.option("--dry-run", is_flag=True, help="Check everything and say what would change; write nothing.")
@click.option("--reason", default="", help="Why, for the audit trail (needed to revise indicators that have values).")
@click.option("--lang", type=click.Choice(["en", "fr"]), default="en", show_default=True,
              help="The language of the messages.")
def import_command(file: Path, email: str, dry_run: bool, reason: str, lang: str):
    """Create or update the organisations, sectors, projects and logframes of FILE (exit 2, nothing written, on
    any problem)."""
    with force_locale(lang):
        try:
            if file.stat().st_size > MAX_FILE_BYTES:
                _fail(_("%(file)s is larger than %(limit)s MB.", file=str(file), limit=MAX_FILE_BYTES // 2**20))
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            _fail(_("%(file)s cannot be read: %(reason)s", file=str(file), reason=str(exc)))
        user = _secretariat(email)
        parsed, problems = parse_projects_file(text)
        if parsed is None:
            _print_problems(problems)
            _fail(_("Nothing was written: %(file)s has problems.", file=str(file)))
        try:
            report = import_projects(user, parsed, dry_run=dry_run, reason=reason)
        except ProblemsError as error:
            db.session.rollback()
            _print_problems(error.problems)
            _fail(_("Nothing was written: %(file)s has problems.", file=str(file)))
        except WorkflowError as error:
            db.session.rollback()
            _fail(error_message(error))
        _print_problems(report.warnings)
        if not dry_run:
            db.session.commit()
        for kind, label in (("organisations", _("Organisations")), ("sectors", _("Sectors")),
                            ("projects", _("Projects"))):
            if report.created[kind]:
                click.echo(_("%(what)s created: %(names)s", what=label, names=", ".join(report.created[kind])))
            if report.updated[kind]:
                click.echo(_("%(what)s updated: %(names)s", what=label, names=", ".join(report.updated[kind])))
        for code, changes in report.logframes.items():
            click.echo(_("Logframe of %(code)s: %(count)s changes", code=code, count=len(changes)))
            for change in changes:
                fields = f" ({', '.join(change.fields)})" if change.fields else ""
                click.echo(f"  {change.action} {change.kind} {change.code}{fields}")
        if not report.changed:
            click.echo(_("Nothing to change: the database already matches %(file)s.", file=str(file)))
        elif dry_run:
            click.echo(_("Dry run: nothing was written."))


@projects.command("export")
@click.argument("codes", nargs=-1)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The YAML file to write.")
@click.option("--as", "email", required=True, help="A secretariat account.")
@click.option("--lang", type=click.Choice(["en", "fr"]), default="en", show_default=True,
              help="The language of the messages.")
def export_command(codes: tuple[str, ...], output: Path, email: str, lang: str):
    """Write the projects CODES (every project without CODES) to a file `flask projects import` reads back."""
    with force_locale(lang):
        user = _secretariat(email)
        try:
            parsed = export_projects(user, list(codes) or None)
        except ProblemsError as error:
            _print_problems(error.problems)
            _fail(_("Nothing was written."))
        except WorkflowError as error:
            _fail(error_message(error))
        try:
            output.write_text(dump_projects_file(parsed), encoding="utf-8")
        except OSError as exc:
            _fail(_("%(file)s cannot be written: %(reason)s", file=str(output), reason=str(exc)))
        click.echo(_("%(count)s projects written to %(file)s.", count=len(parsed.projects), file=str(output)))
