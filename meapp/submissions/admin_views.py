"""The secretariat's screens: reporting periods and the completeness / timeliness table."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from meapp.auth.guards import require_secretariat
from meapp.core.periods import Period, PeriodError
from meapp.errors import WorkflowError
from meapp.extensions import db
from meapp.i18n import error_message, format_period
from meapp.submissions import completeness, service
from meapp.submissions.forms import PeriodForm
from meapp.submissions.models import PeriodStatus

bp = Blueprint("periods", __name__)


@bp.route("/periods", methods=["GET", "POST"])
@login_required
def index():
    require_secretariat(current_user)
    form = PeriodForm()
    status = 200
    if request.method == "POST":
        if form.validate():
            try:
                period = service.set_reporting_period(current_user, form.code.data, PeriodStatus(form.status.data),
                                                      form.due_date.data)
                db.session.commit()
                flash(_("Reporting period %(code)s saved.", code=format_period(period.code)), "success")
                return redirect(url_for(".index"))
            except WorkflowError as error:
                db.session.rollback()
                form.code.errors = list(form.code.errors) + [error_message(error)]
        status = 400
    periods = list(reversed(completeness.reporting_periods(limit=10_000)))
    return render_template("submissions/periods.html", form=form, periods=periods), status


@bp.route("/completeness", methods=["GET"])
@login_required
def table():
    require_secretariat(current_user)
    first, last = request.args.get("from") or None, request.args.get("to") or None
    try:
        for code in (first, last):
            if code:
                Period.parse(code)
    except PeriodError:
        flash(_("Write a period like 2023Q1."), "error")
        first = last = None
    periods = completeness.reporting_periods(first, last)
    return render_template("submissions/completeness.html", table=completeness.build(current_user, periods),
                           first=first or "", last=last or "")
