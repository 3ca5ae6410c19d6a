"""Validation rules of a project's logframe (secretariat)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from meapp.auth.permissions import Action
from meapp.extensions import db
from meapp.forms import MeForm
from meapp.logframes import queries, service
from meapp.logframes.forms import RuleForm
from meapp.projects.guards import get_project_or_404

bp = Blueprint("logframes", __name__, url_prefix="/projects/<code>/rules")


def _page(project, form, status=200):
    rules = queries.rules_of(project)
    codes = queries.indicator_codes(project)
    return render_template("logframes/rules.html", project=project, rules=rules, form=form, codes=codes,
                           action_form=MeForm()), status


@bp.route("", methods=["GET"])
@login_required
def index(code: str):
    project = get_project_or_404(current_user, code, Action.MANAGE)
    return _page(project, RuleForm())


@bp.route("", methods=["POST"])
@login_required
def create(code: str):
    project = get_project_or_404(current_user, code, Action.MANAGE)
    form = RuleForm()
    if not form.validate():
        return _page(project, form, 400)
    spec = service.RuleInput(form.left.data, form.operator.data, form.right.data, form.severity.data,
                             form.missing_value_strategy.data, form.message_en.data or "", form.message_fr.data or "")
    try:
        rule = service.add_rule(project, current_user, spec)
    except service.RuleError as error:
        db.session.rollback()
        field = getattr(form, error.field)
        params = dict(error.params)
        if "reason_id" in params:
            params["reason"] = _(params.pop("reason_id"), **params.pop("reason_params"))
        field.errors = list(field.errors) + [_(error.message_id, **params)]
        return _page(project, form, 400)
    db.session.commit()
    flash(_("Rule %(code)s saved.", code=rule.code), "success")
    return redirect(url_for(".index", code=project.code))


@bp.route("/<int:rule_id>/deactivate", methods=["POST"])
@login_required
def deactivate(code: str, rule_id: int):
    project = get_project_or_404(current_user, code, Action.MANAGE)
    if not MeForm().validate():
        abort(400)
    rule = queries.rule_of(project, rule_id)
    if rule is None:
        abort(404)
    service.deactivate_rule(project, current_user, rule)
    db.session.commit()
    flash(_("Rule %(code)s switched off.", code=rule.code), "success")
    return redirect(url_for(".index", code=project.code))
