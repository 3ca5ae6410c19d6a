"""The quarterly report of a project: value grid, workflow actions, evidence and value history."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from meapp.auth.permissions import Action, allowed_actions
from meapp.core.periods import Period
from meapp.core.text import CELL_LIMIT, CODE_LIMIT, COMBINATION_LIMIT, COMMENT_LIMIT, strip_control, text_problem
from meapp.errors import BlockedError, ConflictError, WorkflowError
from meapp.extensions import db
from meapp.i18n import current_language, error_message
from meapp.logframes.queries import indicator_of
from meapp.projects.guards import get_project_or_404
from meapp.submissions import evidence as evidence_service
from meapp.submissions import grid as grid_module
from meapp.submissions import queries, service
from meapp.submissions.forms import ActionForm, CsrfOnlyForm, EvidenceForm, GridForm, ReasonForm
from meapp.submissions.models import Evidence
from meapp.submissions.presenters import dtype_names

bp = Blueprint("submissions", __name__, url_prefix="/projects/<code>/periods/<period>")


def _context(code: str, period: str, action: Action = Action.READ):
    project = get_project_or_404(current_user, code, action)
    normal = grid_module.parse_period_or_none(period)
    if normal is None or len(normal) > 7 or Period.parse(normal).frequency != project.reporting_frequency:
        abort(404)
    if not project.reports_in(Period.parse(normal)):
        # Outside the project's dates: nothing to report. A report stored before the dates moved stays readable.
        if action is not Action.READ or queries.find_submission(project, normal) is None:
            abort(404)
    return project, normal


def _cells_from_form(form) -> tuple[list[service.ValueEntry], dict, bool]:
    """Cells are named v|INDICATOR|COMBINATION (value) and c|INDICATOR|COMBINATION (comment).

    Returns the entries, what was typed (to show it again), and whether every cell was acceptable.
    """
    entries, typed, clean = [], {}, True
    for name, value in form.items():
        if not name.startswith("v|"):
            continue
        parts = name.split("|", 2)
        if len(parts) != 3 or text_problem(parts[1], CODE_LIMIT) or text_problem(parts[2], COMBINATION_LIMIT):
            clean = False
            continue
        _, indicator, combination = parts
        comment = form.get(f"c|{indicator}|{combination}")
        if text_problem(value, CELL_LIMIT) or text_problem(comment, COMMENT_LIMIT):
            typed[(indicator, combination)] = strip_control(value)[:CELL_LIMIT]
            clean = False
            continue
        original = form.get(f"o|{indicator}|{combination}")
        typed[(indicator, combination)] = value
        if original is not None and original == value and comment is None:
            continue  # untouched cell: do not rewrite it
        entries.append(service.ValueEntry(indicator, value, combination, comment))
    return entries, typed, clean


def _hides_drafts(project) -> bool:
    return Action.EDIT not in allowed_actions(current_user, project)


def _render(project, period, form=None, typed=None, status=200, conflict=None):
    grid = grid_module.build(project, period, typed, hide_drafts=_hides_drafts(project), lang=current_language())
    form = form or GridForm()
    if request.method == "GET" or conflict is not None:
        form.version.data = grid.version
    if grid.submission is not None and request.method == "GET" and not grid.values_hidden:
        form.narrative_en.data = grid.submission.narrative_en
        form.narrative_fr.data = grid.submission.narrative_fr
    evidence = [e for e in grid.submission.evidence if e.deleted_at is None] \
        if grid.submission and not grid.values_hidden else []
    return render_template(
        "submissions/grid.html", project=project, period=period, grid=grid, form=form,
        actions=allowed_actions(current_user, project), Action=Action, action_form=ActionForm(),
        reason_form=ReasonForm(), evidence_form=EvidenceForm(), evidence=evidence, conflict=conflict,
        dtype_names=dtype_names(),
    ), status


@bp.route("", methods=["GET"])
@login_required
def show(code: str, period: str):
    project, period = _context(code, period)
    return _render(project, period)


@bp.route("/save", methods=["POST"])
@login_required
def save(code: str, period: str):
    project, period = _context(code, period, Action.EDIT)
    form = GridForm()
    entries, typed, clean = _cells_from_form(request.form)
    if not clean:
        flash(_("Some cells hold invisible control characters or are too long: correct them and save again."),
              "error")
        return _render(project, period, form, typed, 400)
    if not form.validate():
        for message in form.version.errors:
            flash(message, "error")
        return _render(project, period, form, typed, 400)
    try:
        outcome = service.save(project, period, current_user, entries, narrative_en=form.narrative_en.data,
                               narrative_fr=form.narrative_fr.data, expected_version=form.version.data,
                               lang=current_language())
        db.session.commit()
    except ConflictError as error:
        db.session.rollback()
        flash(error_message(error), "error")
        return _render(project, period, form, typed, 409, conflict=_conflict_rows(project, period, typed))
    except WorkflowError as error:
        db.session.rollback()
        flash(error_message(error), "error")
        return _render(project, period, form, typed, error.status)
    result = outcome.result
    flash(_("Draft saved. Changes: %(changed)s · errors: %(errors)s · warnings: %(warnings)s.",
            changed=outcome.changed, errors=len(result.errors), warnings=len(result.warnings)),
          "error" if result.errors else "success")
    return redirect(url_for(".show", code=project.code, period=period))


def _conflict_rows(project, period, typed) -> list[dict]:
    """Cells whose stored value differs from what this user had when opening the page."""
    grid = grid_module.build(project, period, lang=current_language())
    current = {(c.indicator, c.combination): c.value for block in grid.blocks for row in block.rows
               for c in [row.total] + [c for _, cells in row.groups for c in cells]}
    rows = []
    for (indicator, combination), mine in typed.items():
        original = request.form.get(f"o|{indicator}|{combination}")
        theirs = current.get((indicator, combination), "")
        if original is not None and theirs != original:
            rows.append({"indicator": indicator, "combination": combination, "original": original,
                         "theirs": theirs, "mine": mine})
    return rows


@bp.route("/submit", methods=["POST"])
@login_required
def submit(code: str, period: str):
    project, period = _context(code, period, Action.EDIT)
    form = ActionForm()
    if not form.validate():
        abort(400)
    justifications = {name[2:]: value for name, value in request.form.items() if name.startswith("j|")}
    try:
        service.submit(project, period, current_user, form.version.data, justifications, current_language())
        db.session.commit()
    except BlockedError as error:
        # Keep the justifications typed so far and the fresh findings, even though submission failed.
        db.session.commit()
        flash(error_message(error), "error")
        return redirect(url_for(".show", code=project.code, period=period))
    except WorkflowError as error:
        db.session.rollback()
        flash(error_message(error), "error")
        return _render(project, period, status=error.status)
    flash(_("Submitted. The donor has been asked to review it."), "success")
    return redirect(url_for(".show", code=project.code, period=period))


def _decision(code, period, action_name):
    project, period = _context(code, period, Action.MANAGE if action_name == "reopen" else Action.APPROVE)
    form = ActionForm() if action_name == "approve" else ReasonForm()
    if not form.validate():
        flash(_("Say why."), "error")
        return _render(project, period, status=400)
    try:
        if action_name == "approve":
            service.approve(project, period, current_user, form.version.data)
            message = _("Approved: the period is locked for this project.")
        elif action_name == "return":
            service.return_submission(project, period, current_user, form.reason.data, form.version.data)
            message = _("Returned to the implementer with your reason.")
        else:
            service.reopen(project, period, current_user, form.reason.data, form.version.data)
            message = _("Reopened: the implementer can edit the values again.")
        db.session.commit()
    except WorkflowError as error:
        db.session.rollback()
        flash(error_message(error), "error")
        return _render(project, period, status=error.status)
    flash(message, "success")
    return redirect(url_for(".show", code=project.code, period=period))


@bp.route("/approve", methods=["POST"])
@login_required
def approve(code: str, period: str):
    return _decision(code, period, "approve")


@bp.route("/return", methods=["POST"])
@login_required
def return_(code: str, period: str):
    return _decision(code, period, "return")


@bp.route("/reopen", methods=["POST"])
@login_required
def reopen(code: str, period: str):
    return _decision(code, period, "reopen")


@bp.route("/evidence", methods=["POST"])
@login_required
def upload_evidence(code: str, period: str):
    project, period = _context(code, period, Action.EDIT)
    form = EvidenceForm()
    if not form.validate():
        flash(_("Choose a file to upload."), "error")
        return _render(project, period, status=400)
    data = form.file.data.read(current_app.config["EVIDENCE_MAX_BYTES"] + 1)
    try:
        evidence_service.add(project, period, current_user, form.file.data.filename or "", data,
                             form.description.data or "", current_app.config["UPLOAD_DIR"],
                             current_app.config["EVIDENCE_MAX_BYTES"])
        db.session.commit()
    except WorkflowError as error:
        db.session.rollback()
        flash(error_message(error), "error")
        return _render(project, period, status=error.status)
    flash(_("File added."), "success")
    return redirect(url_for(".show", code=project.code, period=period) + "#evidence")


def _evidence(project, period, evidence_id) -> Evidence:
    submission = queries.find_submission(project, period)
    evidence = queries.evidence_of(submission, evidence_id) if submission is not None else None
    if evidence is None:
        abort(404)
    if _hides_drafts(project) and submission.is_editable:
        abort(404)
    return evidence


@bp.route("/evidence/<int:evidence_id>", methods=["GET"])
@login_required
def download_evidence(code: str, period: str, evidence_id: int):
    project, period = _context(code, period)
    evidence = _evidence(project, period, evidence_id)
    path = evidence_service.path_of(evidence, current_app.config["UPLOAD_DIR"])
    if not path.exists():
        abort(404)
    return send_file(path, mimetype=evidence.content_type, as_attachment=True, download_name=evidence.filename)


@bp.route("/evidence/<int:evidence_id>/delete", methods=["POST"])
@login_required
def delete_evidence(code: str, period: str, evidence_id: int):
    project, period = _context(code, period, Action.EDIT)
    if not CsrfOnlyForm().validate():
        abort(400)
    try:
        evidence_service.remove(project, _evidence(project, period, evidence_id), current_user)
        db.session.commit()
    except WorkflowError as error:
        db.session.rollback()
        flash(error_message(error), "error")
        return _render(project, period, status=error.status)
    flash(_("File withdrawn."), "success")
    return redirect(url_for(".show", code=project.code, period=period) + "#evidence")


@bp.route("/history", methods=["GET"])
@login_required
def history(code: str, period: str):
    project, period = _context(code, period)
    indicator = request.args.get("indicator", "")
    combination = request.args.get("combination", "")
    found = indicator_of(project, indicator)
    if found is None:
        abort(404)
    submission = queries.find_submission(project, period)
    if _hides_drafts(project) and (submission is None or submission.is_editable):
        events = []
    else:
        events = queries.value_history(project, period, indicator, combination)
    return render_template("submissions/history.html", project=project, period=period, indicator=found,
                           combination=combination, events=events)
