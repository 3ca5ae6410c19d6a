"""Report downloads: only for people who may read the project (or, for a portfolio, the funder)."""
from __future__ import annotations

import io

from flask import Blueprint, abort, current_app, render_template, request, send_file
from flask_babel import gettext as _
from flask_login import current_user, login_required

from meapp.auth.models import Role
from meapp.auth.permissions import Action
from meapp.compendium.queries import readable_edition
from meapp.projects.guards import get_project_or_404
from meapp.reports import service
from meapp.reports.template import TemplateError
from meapp.request_guard import int_arg

bp = Blueprint("reports", __name__)


@bp.errorhandler(TemplateError)
def broken_template(error: TemplateError):
    """A report template changed into one that cannot carry the documents: say so, log it, never a 500."""
    current_app.logger.error("report template: %s", error)
    return render_template("errors/503.html", message=_("Word documents cannot be built at the moment: the report "
                                                         "template is incomplete. The secretariat has been told."),
                           error=error), 503


def _send(report: service.ReportFile):
    return send_file(io.BytesIO(report.data), mimetype=report.content_type, as_attachment=True,
                     download_name=report.filename, max_age=0)


def _project_report(code: str, make):
    project = get_project_or_404(current_user, code, Action.READ)
    try:
        return _send(make(project, request.args.get("lang", "en"), request.args.get("until")))
    except service.ReportError:
        abort(400)


@bp.route("/projects/<code>/reports/progress")
@login_required
def progress(code: str):
    return _project_report(code, service.progress_report)


@bp.route("/projects/<code>/reports/iptt")
@login_required
def iptt(code: str):
    return _project_report(code, service.iptt_report)


@bp.route("/portfolio")
@login_required
def portfolio():
    """A donor gets its own organisation's portfolio; the secretariat names any funder."""
    if current_user.role == Role.DONOR:
        funder = current_user.organisation
    elif current_user.role == Role.SECRETARIAT:
        org = request.args.get("org", "")
        # An id is a bounded whole number (400 otherwise); anything else is a name or an acronym.
        try:
            funder = service.find_funder(int_arg("org") if org.isdigit() else org)
        except service.ReportError:
            abort(400)
    else:
        abort(403)
    if funder is None:
        abort(404)
    try:
        return _send(service.portfolio_report(funder, request.args.get("lang", "en"),
                                              request.args.get("format", "docx")))
    except service.ReportError:
        abort(400)


@bp.route("/compendium/<key>/download", methods=["GET"])
@login_required
def annex(key: str):
    """An annex compendium edition as Word or Excel, in French or English (readers of the edition)."""
    edition = readable_edition(current_user, key)
    if edition is None:
        abort(404)
    try:
        return _send(service.annex_report(edition, request.args.get("lang", "en"), request.args.get("format", "docx")))
    except service.ReportError:
        abort(400)
