"""The logframe workbook on the web: download it (anyone who reads the project), upload it back (the project's
implementers and the secretariat): a dry run first, always, then the changes it showed, applied on confirmation.

The workbook checked by the dry run is kept on the server (UPLOAD_DIR/logframe-imports/, named by the project's
id, the user's id and a random token) and the confirmation sends back the token only. So the changes applied are
computed from exactly the bytes that were checked and shown, another user or project cannot reach them (both ids
are in the name; the token is 192 random bits, checked against a pattern before it touches a path), and no page
carries megabytes of base64 that a browser could send back altered. A kept workbook is deleted once applied, and
any older than a day whenever a workbook is uploaded. The confirmation checks everything again: the logframe may
have changed in between (a conflict), or a reason be missing.
"""
from __future__ import annotations

import io
import re
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from meapp.auth.permissions import Action
from meapp.core.problems import Problem, ProblemsError
from meapp.core.text import REASON_LIMIT
from meapp.errors import PermissionDenied, WorkflowError
from meapp.extensions import db
from meapp.forms import MeForm
from meapp.i18n import current_language, error_message
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
from meapp.projects.guards import get_project_or_404

bp = Blueprint("imports", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
KEEP_SECONDS = 24 * 3600


class UploadForm(MeForm):
    file = FileField(_l("Logframe workbook (.xlsx)"), validators=[FileRequired(_l("Choose the workbook to upload."))])
    reason = TextAreaField(_l("Reason for the changes"), validators=[Optional(), Length(max=REASON_LIMIT)])
    check_only = BooleanField(_l("Only check the workbook: change nothing"))


class ConfirmForm(MeForm):
    token = HiddenField(validators=[DataRequired(), Regexp(TOKEN)])
    reason = TextAreaField(_l("Reason for the changes"), validators=[Optional(), Length(max=REASON_LIMIT)])


@dataclass
class Outcome:
    """What one run of the workbook through the service gave: the plan, or the problems that stopped it."""

    plan: object | None = None
    problems: list[Problem] = field(default_factory=list)
    status: int = 200
    message: str = ""  # a refusal that is not about a cell (a conflict)


def _version(project) -> int:
    logframe = queries.logframe_of(project)
    return logframe.version if logframe is not None else 0


@bp.route("/projects/<code>/logframe.xlsx", methods=["GET"])
@login_required
def logframe_export(code: str):
    project = get_project_or_404(current_user, code, Action.READ)
    lang = request.args.get("lang") or current_language()
    if lang not in ("en", "fr"):
        abort(400)
    data = workbook_for(project, queries.spec_of(project), queries.disaggregation_types(), _version(project), lang)
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True, max_age=0,
                     download_name=f"{project.code}-logframe-{lang}.xlsx")


@bp.route("/projects/<code>/logframe/import", methods=["GET", "POST"])
@login_required
def logframe_import(code: str):
    project = get_project_or_404(current_user, code, Action.EDIT)
    if request.method == "GET":
        return _page(project, UploadForm())
    if "token" in request.form:
        return _confirm(project)
    form = UploadForm()
    if not form.validate():
        return _page(project, form, status=400)
    limit = _limit()
    data = form.file.data.read(limit + 1)  # one byte more than allowed is enough to refuse it
    reason = (form.reason.data or "").strip()
    outcome = _run(project, data, reason, dry_run=True)
    confirm = None
    if outcome.plan is not None and outcome.plan.changed and not form.check_only.data:
        confirm = ConfirmForm(formdata=None, token=_keep(project, data), reason=reason)
    _place_reason(outcome, form)
    return _page(project, form, outcome, confirm, check_only=bool(form.check_only.data), status=outcome.status)


def _confirm(project):
    form = ConfirmForm()
    if not form.validate():
        abort(400)
    data = _kept(project, form.token.data)
    if data is None:
        flash(_("This upload is no longer available: upload the workbook again."), "error")
        return _page(project, UploadForm(formdata=None), status=400)
    outcome = _run(project, data, (form.reason.data or "").strip(), dry_run=False)
    if outcome.plan is None:
        # Only a reason missing: the same workbook, with a reason, may still be applied from here.
        fixable = outcome.status == 400 and all(p.where == "reason" for p in outcome.problems if p.severity == "error")
        _place_reason(outcome, form)
        return _page(project, UploadForm(formdata=None), outcome, form if fixable else None, status=outcome.status)
    _forget(project, form.token.data)
    changes = len(outcome.plan.changes)
    if changes:
        flash(ngettext("Logframe saved: %(num)d change.", "Logframe saved: %(num)d changes.", changes), "success")
    else:
        flash(_("Nothing to change: the logframe already says what the workbook says."), "success")
    for problem in outcome.problems:
        if problem.severity != "error":
            flash(_line(problem), "warning")
    return redirect(url_for("results.project", code=project.code))


def _run(project, data: bytes, reason: str, dry_run: bool) -> Outcome:
    """The workbook read, checked as this project's, and handed to the logframe service (committed unless a dry
    run); every problem of the file, then of the logframe, when it stops there."""
    library = choices_of(queries.disaggregation_types())  # for a workbook whose hidden sheet is gone
    spec, problems, metadata = read_logframe(data, lang=current_language(), max_bytes=_limit(),
                                             disaggregation_choices=library)
    wrong = project_problem(metadata, project.code) if metadata else None  # {}: refused before reading
    if wrong is not None:
        return Outcome(problems=[wrong], status=400)
    if spec is None:
        return Outcome(problems=problems, status=400)
    try:
        plan = service.apply_logframe(project, current_user, spec, reason=reason, dry_run=dry_run,
                                      expected_version=metadata.get("logframe_version"))
    except ProblemsError as error:
        db.session.rollback()
        return Outcome(problems=problems + error.problems, status=400)
    except PermissionDenied:
        db.session.rollback()
        abort(403)
    except WorkflowError as error:
        db.session.rollback()
        return Outcome(problems=problems, status=error.status, message=error_message(error))
    if dry_run:
        db.session.rollback()  # nothing was written; nothing of the check stays in the session either
    else:
        db.session.commit()
    return Outcome(plan=plan, problems=problems + plan.problems)


def _place_reason(outcome: Outcome, form) -> None:
    """The service's "say why" problem goes beside the reason field of the form shown."""
    for problem in outcome.problems:
        if problem.where == "reason" and problem.severity == "error":
            form.reason.errors = list(form.reason.errors) + [problem_message(problem, _)]


def _line(problem: Problem) -> str:
    place = problem_place(problem, _)
    message = problem_message(problem, _)
    return _("%(place)s: %(message)s", place=place, message=message) if place else message


def _page(project, form, outcome: Outcome | None = None, confirm=None, check_only: bool = False, status: int = 200):
    problems = [(p.severity, problem_place(p, _), problem_message(p, _)) for p in (outcome.problems if outcome else [])
                if p.where != "reason"]
    groups = change_groups(outcome.plan.changes, _) if outcome is not None and outcome.plan is not None else []
    return render_template("imports/logframe_import.html", project=project, form=form, outcome=outcome,
                           problems=problems, groups=groups, confirm=confirm, check_only=check_only,
                           limit=max(1, round(_limit() / (1024 * 1024)))), status


# --- the workbook kept between the dry run and its confirmation --------------------------------------------------
def _limit() -> int:
    return int(current_app.config.get("LOGFRAME_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def _folder() -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / "logframe-imports"


def _path(project, token: str) -> Path:
    return _folder() / f"{project.id}-{current_user.id}-{token}.xlsx"


def _keep(project, data: bytes) -> str:
    folder = _folder()
    folder.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - KEEP_SECONDS
    for old in folder.glob("*.xlsx"):
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError:
            pass  # removed by another worker meanwhile
    token = secrets.token_urlsafe(24)
    with open(_path(project, token), "xb") as handle:
        handle.write(data)
    return token


def _kept(project, token: str) -> bytes | None:
    if not TOKEN.fullmatch(token or ""):
        return None
    path = _path(project, token)
    try:
        if path.stat().st_mtime < time.time() - KEEP_SECONDS:
            return None
        return path.read_bytes()
    except OSError:
        return None


def _forget(project, token: str) -> None:
    _path(project, token).unlink(missing_ok=True)
