"""`flask submissions load|export`: scripted transfers through the same service as the web form."""
from __future__ import annotations

import json
import sys

import click
from flask.cli import AppGroup
from flask_babel import force_locale

from meapp.auth.service import find_user
from meapp.errors import (
    BlockedError,
    InvalidText,
    PeriodShut,
    PermissionDenied,
    UnknownCells,
    UnknownPeriod,
    WorkflowError,
)
from meapp.extensions import db
from meapp.i18n import error_message
from meapp.projects.queries import find_project
from meapp.submissions import queries, service, transfer
from meapp.submissions.presenters import dtype_names, finding_message

submissions = AppGroup("submissions", help="Load and export quarterly values (JSON, CSV).")


def _fail(code: int, message: str):
    click.echo(message, err=True)
    sys.exit(code)


@submissions.command("load")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option("--as", "email", required=True, help="The account the values are entered as.")
@click.option("--dry-run", is_flag=True, help="Validate and print the findings; never write.")
def load(file, email, dry_run):
    """Validate FILE and save its values as a draft. Exit 0 saved, 1 blocked by errors, 2 bad file."""
    try:
        data = transfer.read(file.read())
    except (transfer.TransferError, UnicodeDecodeError) as exc:
        _fail(2, f"{file.name}: {exc}")
    user = find_user(email)
    if user is None or not user.is_active:
        _fail(2, f"unknown or inactive user: {email}")
    project = find_project(data.project)
    if project is None:
        _fail(2, f"unknown project: {data.project}")
    lang = user.locale or "en"
    with force_locale(lang):
        try:
            outcome = service.import_values(project, data.period, user, data.entries, narrative_en=data.narrative_en,
                                            narrative_fr=data.narrative_fr, lang=lang, commit=not dry_run)
            if not dry_run:
                db.session.commit()
        except PermissionDenied:
            db.session.rollback()
            _fail(2, f"{email} may not enter values for {project.code}")
        except (UnknownCells, BlockedError) as exc:
            db.session.rollback()
            click.echo(_findings_json(exc.result))
            _fail(EXIT_CODES.get(type(exc), 1), error_message(exc))
        except WorkflowError as exc:
            db.session.rollback()
            _fail(EXIT_CODES.get(type(exc), 1), error_message(exc))
        click.echo(_findings_json(outcome.result))
    if dry_run:
        click.echo("dry run: nothing written", err=True)
        return
    click.echo(f"saved {project.code} {outcome.submission.period}: {outcome.changed} changes, "
               f"version {outcome.submission.version}", err=True)


# 2: the file names something that does not exist or holds what no door accepts; 1: it is refused as it stands.
EXIT_CODES = {UnknownCells: 2, UnknownPeriod: 2, InvalidText: 2, BlockedError: 1, PeriodShut: 1}


def _findings_json(result) -> str:
    names = dtype_names()
    return json.dumps([transfer.finding_json(f, finding_message(f.code.value, {k: str(v) for k, v in f.params.items()},
                                                                names))
                       for f in result.findings], ensure_ascii=False, indent=2)


@submissions.command("export")
@click.argument("project_code")
@click.argument("period")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)
def export(project_code, period, fmt):
    """Print what is stored for PROJECT_CODE and PERIOD, in the load format (or CSV)."""
    project = find_project(project_code)
    if project is None:
        _fail(2, f"unknown project: {project_code}")
    from meapp.submissions.grid import parse_period_or_none

    code = parse_period_or_none(period)
    submission = queries.find_submission(project, code) if code else None
    if submission is None:
        _fail(2, f"nothing stored for {project.code} {period}")
    indicators = queries.indicators_of(project)
    if fmt == "json":
        click.echo(transfer.to_json(project.code, submission, indicators))
    else:
        click.echo(transfer.to_csv(submission, indicators), nl=False)
