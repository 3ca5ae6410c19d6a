"""Producing report files for a project or a funder: load → build → render, with their file names."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from flask import current_app, has_app_context

from meapp.auth.models import Organisation
from meapp.auth.queries import AmbiguousOrganisation, find_organisation
from meapp.core.periods import Period, PeriodError
from meapp.projects.models import Project
from meapp.reports import excel, iptt, loader, model, portfolio, word

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LANGS = ("fr", "en", "bilingual")


class ReportError(ValueError):
    """A report that cannot be made as asked (unknown language, period...)."""


@dataclass(frozen=True)
class ReportFile:
    filename: str
    content_type: str
    data: bytes


def _until(project: Project, until: str | None) -> str | None:
    if not until:
        return loader.default_until([project])[project.id]
    try:
        period = Period.parse(until)
    except PeriodError as exc:
        raise ReportError(f"not a period: {until!r} (expected e.g. 2023Q4)") from exc
    if period.frequency != project.reporting_frequency:
        raise ReportError(f"{until!r} is not a {project.reporting_frequency.value} period of {project.code}")
    if not project.reports_in(period):  # the same rule as every write (submissions.service.check_writable)
        raise ReportError(f"{period.code} is outside the dates of {project.code} ({project.start_date} to "
                          f"{project.end_date})")
    return period.code


def _template():
    """The Word template of the configuration (MEAPP_REPORT_TEMPLATE), else the shipped one."""
    return current_app.config.get("REPORT_TEMPLATE") if has_app_context() else None


def _lang(lang: str, allowed=LANGS) -> str:
    if lang not in allowed:
        raise ReportError(f"unknown language: {lang!r} (choose {', '.join(allowed)})")
    return lang


def progress_report(project: Project, lang: str, until: str | None = None,
                    today: dt.date | None = None) -> ReportFile:
    lang, until = _lang(lang), _until(project, until)
    today = today or dt.date.today()
    data = loader.load_project(project, until)
    languages = ["fr", "en"] if lang == "bilingual" else [lang]
    models = [model.build_progress_report(data, code, today) for code in languages]
    return ReportFile(f"{project.code}_progress_{until or 'all'}_{lang}.docx", DOCX, word.render_progress(models, template=_template()))


def iptt_report(project: Project, lang: str, until: str | None = None, today: dt.date | None = None) -> ReportFile:
    lang, until = _lang(lang, ("fr", "en")), _until(project, until)
    data = loader.load_project(project, until)
    built = iptt.build_iptt(data, lang, today or dt.date.today())
    return ReportFile(f"{project.code}_iptt_{until or 'all'}_{lang}.xlsx", XLSX, excel.render_iptt(built))


def find_funder(name_or_id) -> Organisation | None:
    """The funder an id, name or acronym names (auth.queries.find_organisation); ambiguity is a ReportError."""
    if isinstance(name_or_id, str) and name_or_id.strip().isdigit():
        name_or_id = int(name_or_id)
    try:
        return find_organisation(name_or_id)
    except AmbiguousOrganisation as exc:
        raise ReportError(str(exc)) from exc


def portfolio_report(funder: Organisation, lang: str, fmt: str, today: dt.date | None = None) -> ReportFile:
    lang = _lang(lang, ("fr", "en"))
    if fmt not in ("docx", "xlsx"):
        raise ReportError(f"unknown format: {fmt!r} (choose docx or xlsx)")
    projects = loader.funded_projects(funder)
    # Each project as of its latest approved period, as in its own progress report.
    inputs = loader.load_projects(projects, loader.default_until(projects))
    name = funder.name_fr if lang == "fr" and funder.name_fr else funder.name
    built = portfolio.build_portfolio(name, inputs, lang, today or dt.date.today())
    slug = re.sub(r"[^A-Za-z0-9]+", "-", funder.acronym or funder.name).strip("-")[:40] or "funder"
    if fmt == "docx":
        return ReportFile(f"portfolio_{slug}_{lang}.docx", DOCX, word.render_portfolio(built, template=_template()))
    return ReportFile(f"portfolio_{slug}_{lang}.xlsx", XLSX, excel.render_portfolio(built))


def annex_report(edition, lang: str, fmt: str, today: dt.date | None = None) -> ReportFile:
    """The compiled annex of an edition, in one language, as .docx or .xlsx."""
    from meapp.reports import annex

    lang = _lang(lang, ("fr", "en"))
    if fmt not in ("docx", "xlsx"):
        raise ReportError(f"unknown format: {fmt!r} (choose docx or xlsx)")
    built = annex.build_annex(loader.load_edition(edition.id), lang, today or dt.date.today())
    name = f"annex_{edition.key}_{lang}.{fmt}"
    if fmt == "docx":
        return ReportFile(name, DOCX, word.render_annex(built, template=_template()))
    return ReportFile(name, XLSX, excel.render_annex(built))
