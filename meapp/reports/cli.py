"""`flask reports project|iptt|portfolio`: the same documents as the download buttons."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from meapp.compendium.cli import compendium
from meapp.compendium.queries import edition_by_key
from meapp.projects.models import Project
from meapp.projects.queries import find_project
from meapp.reports import service
from meapp.reports.template import TemplateError

reports = AppGroup("reports", help="Progress reports, IPTTs and donor portfolios (.docx, .xlsx).")


def _project(code: str) -> Project:
    project = find_project(code)
    if project is None:
        click.echo(f"unknown project: {code}", err=True)
        sys.exit(2)
    return project


def _write(report: service.ReportFile, output: str | None) -> None:
    path = output or report.filename
    try:
        with open(path, "wb") as fh:
            fh.write(report.data)
    except OSError as exc:
        click.echo(f"cannot write {path}: {exc.strerror or exc}", err=True)
        sys.exit(2)
    click.echo(f"wrote {path} ({len(report.data):,} bytes)")


def _run(make):
    try:
        return make()
    except (service.ReportError, TemplateError) as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)


@reports.command("project")
@click.argument("code")
@click.option("--until", default=None, help="Last period to include (default: the latest approved).")
@click.option("--lang", default="en", help="fr, en or bilingual.")
@click.option("-o", "--output", default=None, help="File to write (default: the standard file name).")
def project_report(code, until, lang, output):
    """The project progress report (.docx)."""
    project = _project(code)
    _write(_run(lambda: service.progress_report(project, lang, until)), output)


@reports.command("iptt")
@click.argument("code")
@click.option("--until", default=None)
@click.option("--lang", default="en", help="fr or en.")
@click.option("-o", "--output", default=None)
def iptt_report(code, until, lang, output):
    """The indicator performance tracking table (.xlsx)."""
    project = _project(code)
    _write(_run(lambda: service.iptt_report(project, lang, until)), output)


@reports.command("portfolio")
@click.option("--funder", required=True, help="The funder's name or acronym.")
@click.option("--lang", default="en", help="fr or en.")
@click.option("--format", "fmt", default="docx", help="docx or xlsx.")
@click.option("-o", "--output", default=None)
def portfolio_report(funder, lang, fmt, output):
    """Every project a funder supports (.docx or .xlsx)."""
    try:
        org = service.find_funder(funder)
    except service.ReportError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    if org is None:
        click.echo(f"unknown funder: {funder}", err=True)
        sys.exit(2)
    _write(_run(lambda: service.portfolio_report(org, lang, fmt)), output)


@compendium.command("build")
@click.argument("key")
@click.option("--lang", default="en", help="fr or en.")
@click.option("--format", "fmt", default="docx", help="docx or xlsx.")
@click.option("-o", "--output", default=None)
def build(key, lang, fmt, output):
    """Compile edition KEY to Word or Excel (documents are built by reports, on the compendium's command group)."""
    edition = edition_by_key(key)
    if edition is None:
        click.echo(f"unknown edition: {key}", err=True)
        sys.exit(2)
    try:
        report = service.annex_report(edition, lang, fmt)
    except (service.ReportError, TemplateError) as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    _write(report, output)
