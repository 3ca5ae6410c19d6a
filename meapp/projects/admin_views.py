"""The secretariat's organisation screens: list, create, edit, merge duplicates, deactivate, reactivate."""
from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, pgettext
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from meapp.auth import queries as auth_queries
from meapp.auth.guards import require_secretariat
from meapp.auth.models import Organisation, OrganisationKind
from meapp.core.countries import alphabetical, country_codes
from meapp.errors import ConflictError, WorkflowError
from meapp.extensions import db
from meapp.i18n import error_message, organisation_name
from meapp.projects import organisations as service
from meapp.projects import queries
from meapp.projects.forms import (
    ORGANISATION_KIND_LABELS,
    OrganisationEditForm,
    OrganisationFilterForm,
    OrganisationForm,
    OrganisationMergeForm,
    OrganisationStatusForm,
)
from meapp.request_guard import MAX_ID

bp = Blueprint("organisations", __name__, url_prefix="/admin/organisations")


def _organisation(organisation_id: int) -> Organisation:
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        abort(404)
    return organisation


def kind_label(value) -> str:
    key = getattr(value, "value", value)
    label = ORGANISATION_KIND_LABELS.get(key)
    return str(label) if label is not None else str(key)


def _kind_choices() -> list[SelectChoice]:
    return [SelectChoice(kind.value, kind_label(kind)) for kind in OrganisationKind]


def _country_choices() -> list[SelectChoice]:
    names = get_locale().territories
    codes = sorted(country_codes(), key=lambda code: alphabetical(names.get(code, code)))
    return [SelectChoice("", "—")] + [SelectChoice(code, f"{names.get(code, code)} ({code})") for code in codes]


def _parent_choices(organisation: Organisation | None) -> list[SelectChoice]:
    """Active organisations (and the current parent, even inactive), the organisation itself left out."""
    current = [organisation.parent_id] if organisation is not None and organisation.parent_id else []
    return [SelectChoice("", "—")] + [SelectChoice(str(o.id), organisation_name(o) + (f" ({o.acronym})" if o.acronym else ""))
                                      for o in auth_queries.organisation_choices(current)
                                      if organisation is None or o.id != organisation.id]


def _prepare(form: OrganisationForm, organisation: Organisation | None) -> OrganisationForm:
    form.kind.choices = _kind_choices()
    form.country_code.choices = _country_choices()
    form.parent_id.choices = _parent_choices(organisation)
    return form


def _input(form: OrganisationForm) -> service.OrganisationInput:
    return service.OrganisationInput(name=form.name.data or "", name_fr=form.name_fr.data or "",
                                     acronym=form.acronym.data or None, kind=form.kind.data or "",
                                     country_code=form.country_code.data or None,
                                     parent_id=_id_choice(form.parent_id.data))


def _id_choice(raw: str | None) -> int | None:
    """The id a choice names; None when blank; -1 (nothing has it) for anything else, which the service
    then names beside the field."""
    raw = (raw or "").strip()
    if not raw:
        return None
    return int(raw) if re.fullmatch(r"[0-9]{1,10}", raw) and int(raw) <= MAX_ID else -1


def _show_problems(form, error: WorkflowError) -> None:
    """Each problem beside its field; one without a field of this form goes to the page's messages."""
    for problem in getattr(error, "problems", None) or []:
        field = getattr(form, problem.where, None) if problem.where else None
        message = _(problem.message_id, **dict(problem.params))
        if field is not None:
            field.errors = list(field.errors) + [message]
        else:
            flash(message, "error")
    if not getattr(error, "problems", None):
        flash(error_message(error), "error")


@bp.route("/", methods=["GET"])
@login_required
def index():
    require_secretariat(current_user)
    form = OrganisationFilterForm(request.args)
    form.kind.choices = [SelectChoice("", _("All"))] + _kind_choices()
    form.active.choices = [SelectChoice("", _("All")), SelectChoice("1", pgettext("organisation", "Active")),
                           SelectChoice("0", pgettext("organisation", "Inactive"))]
    filters = auth_queries.OrganisationFilters()
    status = 200
    if request.args and not form.validate():
        status = 400
    elif request.args:
        # Optional() lets a blank choice through: only a real choice filters.
        filters = auth_queries.OrganisationFilters(q=(form.q.data or "").strip() or None,
                                                   kind=(form.kind.data or "").strip() or None,
                                                   active={"1": True, "0": False}.get((form.active.data or "").strip()))
    organisations = auth_queries.list_organisations(filters)
    ids = [o.id for o in organisations]
    return render_template("admin/organisations.html", form=form, organisations=organisations,
                           users=auth_queries.organisation_user_counts(ids),
                           projects=queries.organisation_project_counts(ids), kind_label=kind_label), status


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    require_secretariat(current_user)
    form = _prepare(OrganisationForm(), None)
    if request.method == "GET":
        form.kind.data = OrganisationKind.OTHER.value
    elif form.validate():
        try:
            organisation = service.create_organisation(current_user, _input(form))
            db.session.commit()
            flash(_("Organisation %(name)s created.", name=organisation_name(organisation)), "success")
            return redirect(url_for(".index"))
        except WorkflowError as error:
            db.session.rollback()
            _show_problems(form, error)
    status = 400 if request.method == "POST" else 200
    return render_template("admin/organisation_form.html", form=form, organisation=None), status


def _edit_page(organisation: Organisation, form: OrganisationEditForm, status: int, conflict: bool = False,
               status_form: OrganisationStatusForm | None = None):
    return render_template("admin/organisation_form.html", form=form, organisation=organisation, conflict=conflict,
                           status_form=status_form or OrganisationStatusForm(formdata=None),
                           usage=queries.organisation_usage(organisation.id), kind_label=kind_label), status


def _stored(organisation: Organisation) -> OrganisationEditForm:
    """The edit form showing what is stored."""
    form = _prepare(OrganisationEditForm(formdata=None, obj=organisation), organisation)
    form.kind.data = organisation.kind.value
    form.country_code.data = organisation.country_code or ""
    form.parent_id.data = str(organisation.parent_id) if organisation.parent_id else ""
    form.acronym.data = organisation.acronym or ""
    return form


@bp.route("/<int:organisation_id>/edit", methods=["GET", "POST"])
@login_required
def edit(organisation_id: int):
    require_secretariat(current_user)
    organisation = _organisation(organisation_id)
    if request.method == "GET":
        return _edit_page(organisation, _stored(organisation), 200)
    form = _prepare(OrganisationEditForm(), organisation)
    if form.validate():
        try:
            service.update_organisation(current_user, organisation, _input(form), form.version.data)
            db.session.commit()
            flash(_("Organisation %(name)s saved.", name=organisation_name(organisation)), "success")
            return redirect(url_for(".index"))
        except ConflictError as error:
            db.session.rollback()
            organisation = _organisation(organisation_id)
            flash(error_message(error), "error")
            # Saving again keeps what this person typed, now knowingly over the other person's save.
            form.version.data = organisation.version
            form.version.raw_data = [str(organisation.version)]
            return _edit_page(organisation, form, error.status, conflict=True)
        except WorkflowError as error:
            db.session.rollback()
            organisation = _organisation(organisation_id)
            _show_problems(form, error)
            return _edit_page(organisation, form, error.status)
    return _edit_page(organisation, form, 400)


@bp.route("/<int:organisation_id>/deactivate", methods=["POST"])
@login_required
def deactivate(organisation_id: int):
    require_secretariat(current_user)
    organisation = _organisation(organisation_id)
    status_form = OrganisationStatusForm()
    if not status_form.validate():
        abort(400)
    try:
        changed = service.deactivate_organisation(current_user, organisation, status_form.reason.data or "")
        db.session.commit()
    except WorkflowError as error:
        db.session.rollback()
        organisation = _organisation(organisation_id)
        if getattr(error, "problems", None):
            _show_problems(status_form, error)
        else:  # what holds the organisation, beside the button that was refused
            status_form.reason.errors = list(status_form.reason.errors) + [error_message(error)]
        return _edit_page(organisation, _stored(organisation), error.status, status_form=status_form)
    if changed:
        flash(_("Organisation %(name)s deactivated.", name=organisation_name(organisation)), "success")
    else:
        flash(_("Organisation %(name)s was already inactive.", name=organisation_name(organisation)), "info")
    return redirect(url_for(".index"))


@bp.route("/<int:organisation_id>/reactivate", methods=["POST"])
@login_required
def reactivate(organisation_id: int):
    require_secretariat(current_user)
    organisation = _organisation(organisation_id)
    status_form = OrganisationStatusForm()
    if not status_form.validate():
        abort(400)
    try:
        changed = service.reactivate_organisation(current_user, organisation, status_form.reason.data or "")
        db.session.commit()
    except WorkflowError as error:
        db.session.rollback()
        flash(error_message(error), "error")
        return redirect(url_for(".edit", organisation_id=organisation_id))
    if changed:
        flash(_("Organisation %(name)s is active again.", name=organisation_name(organisation)), "success")
    else:
        flash(_("Organisation %(name)s was already active.", name=organisation_name(organisation)), "info")
    return redirect(url_for(".index"))


@bp.route("/<int:organisation_id>/merge", methods=["GET", "POST"])
@login_required
def merge(organisation_id: int):
    """Choose the organisation to keep and say why; then confirm, having seen what will move."""
    require_secretariat(current_user)
    duplicate = _organisation(organisation_id)
    form = OrganisationMergeForm()
    form.keep.choices = [SelectChoice("", "—")] + [
        SelectChoice(str(o.id), organisation_name(o) + (f" ({o.acronym})" if o.acronym else ""))
        for o in auth_queries.organisation_choices() if o.id != duplicate.id]
    usage = queries.organisation_usage(duplicate.id)
    if request.method == "GET":
        return render_template("admin/organisation_merge.html", form=form, duplicate=duplicate, usage=usage,
                               keep=None)
    keep = None
    if form.validate():
        keep_id = _id_choice(form.keep.data)
        keep = db.session.get(Organisation, keep_id) if keep_id is not None else None
        if keep is None:
            form.keep.errors = list(form.keep.errors) + [_("Choose the organisation to keep.")]
        elif not (form.reason.data or "").strip():
            form.reason.errors = list(form.reason.errors) + [_("Say why: the reason is kept in the audit trail.")]
        elif request.form.get("confirm") == "1":
            try:
                result = service.merge_organisations(current_user, duplicate, keep, form.reason.data)
                db.session.commit()
            except WorkflowError as error:
                db.session.rollback()
                duplicate, keep = _organisation(organisation_id), _organisation(keep.id)
                _show_problems(form, error)
                return render_template("admin/organisation_merge.html", form=form, duplicate=duplicate,
                                       usage=queries.organisation_usage(duplicate.id), keep=None), error.status
            flash(_("%(duplicate)s merged into %(keep)s. Moved: accounts %(users)s, project roles %(roles)s, "
                    "projects led %(led)s, organisations under it %(children)s.", duplicate=organisation_name(duplicate),
                    keep=organisation_name(keep), users=result.users, roles=result.participations, led=result.led_projects,
                    children=result.children), "success")
            return redirect(url_for(".index"))
        else:
            # The confirmation: what will move, and which project roles the kept organisation already has.
            kept = {(code, role) for code, role in queries.organisation_usage(keep.id).participations}
            return render_template("admin/organisation_merge.html", form=form, duplicate=duplicate, usage=usage,
                                   keep=keep, dropped=[p for p in usage.participations if p in kept])
    return render_template("admin/organisation_merge.html", form=form, duplicate=duplicate, usage=usage,
                           keep=None), 400
