"""`flask logframes export|import`: a project's logframe as an Excel workbook, and back through the logframe service.

Import reads the whole workbook first (every problem named by sheet and cell), then hands the logframe to
`logframes.service.apply_logframe`, the one write path, as the acting user (`--as`, as `flask submissions load`
asks): a dry run shows what would change and writes nothing. Exit 0: imported (or the dry run is clean); exit 2:
nothing written, every problem listed. Messages are printed in `--lang`.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale, gettext, ngettext

from meapp.auth.service import find_user
from meapp.core.problems import Problem, ProblemsError
from meapp.errors import PermissionDenied, WorkflowError
from meapp.extensions import db
from meapp.i18n import error_message
from meapp.imports.logframe_workbook import (
    change_groups,
    choices_of,
    problem_message,
    problem_place,
    project_problem,
    read_logframe,
    workbook_for,
)
from meapp.imports.upload import DEFAULT_MAX_BYTES
from meapp.logframes import queries, service
from meapp.projects.queries import find_project

logframes = AppGroup("logframes", help="Logframes as Excel workbooks: export one, import one (with a dry run).")
LANG = click.option("--lang", type=click.Choice(["en", "fr"]), default="en", show_default=True,
                    help="The language of the workbook (export) or of the messages (import).")


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(2)


def _version(project) -> int:
    logframe = queries.logframe_of(project)
    return logframe.version if logframe is not None else 0


def _problem_line(problem: Problem) -> str:
    place = problem_place(problem, gettext)
    label = gettext("warning") if problem.severity == "warning" else gettext("error")
    message = problem_message(problem, gettext)
    return f"{label}: {place}: {message}" if place else f"{label}: {message}"


@logframes.command("export")
@click.argument("code")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True),
              help="The .xlsx file to write.")
@LANG
def export(code, output, lang):
    """Write the logframe of project CODE to an Excel workbook, in French or English."""
    with force_locale(lang):
        project = find_project(code)
        if project is None:
            _fail(gettext("Unknown project: %(code)s.", code=code))
        spec = queries.spec_of(project)
        data = workbook_for(project, spec, queries.disaggregation_types(), _version(project), lang)
        Path(output).write_bytes(data)
        click.echo(ngettext("%(project)s: logframe written to %(file)s (%(num)d indicator, version %(version)s).",
                            "%(project)s: logframe written to %(file)s (%(num)d indicators, version %(version)s).",
                            len(spec.indicators), project=project.code, file=output, version=_version(project)))


@logframes.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--project", "code", default=None,
              help="The project the workbook is for; it must be the one the workbook names, if it names one.")
@click.option("--dry-run", is_flag=True, help="Check everything and show what would change; write nothing.")
@click.option("--reason", default="", help="Why the logframe changes: required for revisions of indicators with "
                                           "values and of targets once the logframe was approved.")
@click.option("--as", "email", required=True, help="The account the changes are made as.")
@LANG
def import_(file, code, dry_run, reason, email, lang):
    """Check the logframe workbook FILE and apply it. Exit 0 applied (or clean dry run), 2 nothing written."""
    with force_locale(lang):
        user = find_user(email)
        if user is None or not user.is_active:
            _fail(gettext("Unknown or inactive account: %(email)s.", email=email))
        limit = int(current_app.config.get("LOGFRAME_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))
        with open(file, "rb") as handle:
            data = handle.read(limit + 1)  # one byte more than allowed is enough to refuse it
        library = choices_of(queries.disaggregation_types())  # for a workbook whose hidden sheet is gone
        spec, problems, metadata = read_logframe(data, lang=lang, max_bytes=limit, disaggregation_choices=library)
        wrong = project_problem(metadata, code) if metadata else None  # {}: the file was refused unread
        if wrong is not None:
            problems = [wrong, *problems]
        if spec is None or wrong is not None:
            _refuse(file, problems)
        project = find_project(code or metadata["project"])
        if project is None:
            _fail(gettext("Unknown project: %(code)s.", code=code or metadata["project"]))
        try:
            plan = service.apply_logframe(project, user, spec, reason=reason, dry_run=dry_run,
                                          expected_version=metadata.get("logframe_version"))
            if not dry_run:
                db.session.commit()
        except ProblemsError as error:
            db.session.rollback()
            _refuse(file, problems + error.problems)
        except PermissionDenied:
            db.session.rollback()
            _fail(gettext("%(email)s may not change the logframe of %(project)s.", email=email,
                          project=project.code))
        except WorkflowError as error:
            db.session.rollback()
            _fail(error_message(error))
        for problem in problems + plan.problems:
            click.echo(_problem_line(problem), err=True)
        _print_plan(plan)
        if not plan.changed:
            click.echo(gettext("%(project)s: nothing to change: the logframe already says what the workbook says.",
                               project=project.code))
        elif dry_run:
            click.echo(gettext("Dry run: nothing written."))
        else:
            click.echo(ngettext("%(project)s: logframe saved, %(num)d change (version %(version)s).",
                                "%(project)s: logframe saved, %(num)d changes (version %(version)s).",
                                len(plan.changes), project=project.code, version=_version(project)))


def _refuse(file: str, problems: list[Problem]) -> None:
    for problem in problems:
        click.echo(_problem_line(problem), err=True)
    errors = sum(1 for p in problems if p.severity == "error")
    _fail(ngettext("%(file)s: %(num)d problem, nothing written.", "%(file)s: %(num)d problems, nothing written.",
                   errors, file=file))


def _print_plan(plan) -> None:
    for _action, label, lines in change_groups(plan.changes, gettext):
        click.echo(f"{label}:")
        for line in lines:
            details = f" ({line.fields})" if line.fields else ""
            place = f" [{line.where}]" if line.where else ""
            click.echo(f"  {line.item}{details}{place}")
