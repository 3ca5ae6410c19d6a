"""The secretariat's account screens: list, invite, edit, deactivate and reactivate, set-password links."""
from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from meapp.auth import queries, service
from meapp.auth.forms import AccountStatusForm, UserCreateForm, UserEditForm, UserFilterForm
from meapp.auth.guards import require_secretariat
from meapp.auth.models import Role, User
from meapp.errors import ConflictError, WorkflowError
from meapp.extensions import db
from meapp.i18n import LANGUAGE_NAMES, enum_label, error_message, organisation_name
from meapp.mail import mail_configured
from meapp.request_guard import MAX_ID, int_arg

bp = Blueprint("users", __name__, url_prefix="/admin/users")

PER_PAGE = 50


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _role_choices() -> list[SelectChoice]:
    return [SelectChoice(role.value, enum_label(role)) for role in Role]


def _organisation_choices(include: list[int] | None = None) -> list[SelectChoice]:
    return [SelectChoice("", "—")] + [SelectChoice(str(o.id), organisation_name(o) + (f" ({o.acronym})" if o.acronym else ""))
                                      for o in queries.organisation_choices(include or [])]


def _locale_choices() -> list[SelectChoice]:
    return [SelectChoice("", _("As the browser asks"))] + [SelectChoice(code, name)
                                                          for code, name in LANGUAGE_NAMES.items()]


def _organisation_value(raw: str | None) -> int | None:
    """The id a choice names; -1 (no organisation has it) for anything else than blank or an id."""
    raw = (raw or "").strip()
    if not raw:
        return None
    return int(raw) if re.fullmatch(r"[0-9]{1,10}", raw) and int(raw) <= MAX_ID else -1


def _show_problems(form, error: WorkflowError) -> None:
    """Each problem beside its field; one without a field of this form goes to the page's messages."""
    problems = getattr(error, "problems", None) or []
    for problem in problems:
        field = getattr(form, problem.where, None) if problem.where else None
        message = _(problem.message_id, **dict(problem.params))
        if field is not None:
            field.errors = list(field.errors) + [message]
        else:
            flash(message, "error")
    if not problems:
        flash(error_message(error), "error")


@bp.route("/", methods=["GET"])
@login_required
def index():
    require_secretariat(current_user)
    form = UserFilterForm(request.args)
    everything = SelectChoice("", _("All"))
    form.role.choices = [everything] + _role_choices()
    form.organisation.choices = [everything] + [  # inactive ones too: their former accounts are listed
        SelectChoice(str(o.id), organisation_name(o) + (f" ({o.acronym})" if o.acronym else "")) for o in queries.list_organisations()]
    form.active.choices = [everything, SelectChoice("1", _("Active")), SelectChoice("0", _("Inactive"))]
    page_number = int_arg("page", 1) or 1
    filters = queries.UserFilters()
    status = 200
    arguments = {k: v for k, v in request.args.items() if k != "page"}
    if arguments and not form.validate():
        status = 400
    elif arguments:
        # Optional() lets a blank choice through: only a real choice filters.
        filters = queries.UserFilters(q=(form.q.data or "").strip() or None,
                                      role=(form.role.data or "").strip() or None,
                                      organisation_id=_organisation_value(form.organisation.data),
                                      active={"1": True, "0": False}.get((form.active.data or "").strip()))
    page = queries.list_users(filters, page_number, PER_PAGE)
    return render_template("admin/users.html", form=form, page=page, arguments=arguments), status


def _deliver(user: User, token: str, invitation: bool):
    """Mail the set-password link when a mail server is configured; otherwise show it, once, to pass on."""
    link = url_for("auth.set_password", token=token, _external=True)
    if mail_configured():
        if service.send_password_link(user, link, invitation):
            flash(_("The link to set a password was sent to %(email)s.", email=user.email), "success")
            return redirect(url_for(".index"))
        flash(_("The mail to %(email)s could not be sent: pass the link below on yourself.", email=user.email),
              "error")
    return render_template("admin/password_link.html", user=user, link=link, invitation=invitation,
                           hours=service.link_hours())


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    require_secretariat(current_user)
    form = UserCreateForm()
    form.role.choices = _role_choices()
    form.organisation.choices = _organisation_choices()
    form.locale.choices = _locale_choices()
    if request.method == "GET":
        form.role.data = Role.IMPLEMENTER.value
    elif form.validate():
        spec = service.NewUser(email=form.email.data or "", role=form.role.data, name=form.name.data or "",
                               organisation=_organisation_value(form.organisation.data),
                               locale=form.locale.data or None)
        try:
            user, token = service.invite_user(current_user, spec)
            db.session.commit()
        except WorkflowError as error:
            db.session.rollback()
            _show_problems(form, error)
        else:
            return _deliver(user, token, invitation=True)
    status = 400 if request.method == "POST" else 200
    return render_template("admin/user_form.html", form=form, account=None), status


def _edit_page(account: User, form: UserEditForm, status: int, conflict: bool = False,
               status_form: AccountStatusForm | None = None):
    return render_template("admin/user_form.html", form=form, account=account, conflict=conflict,
                           status_form=status_form or AccountStatusForm(formdata=None)), status


def _edit_form(account: User, formdata: bool) -> UserEditForm:
    form = UserEditForm() if formdata else UserEditForm(formdata=None, obj=account)
    form.role.choices = _role_choices()
    form.organisation.choices = _organisation_choices([account.organisation_id] if account.organisation_id else [])
    form.locale.choices = _locale_choices()
    if not formdata:
        form.role.data = account.role.value
        form.organisation.data = str(account.organisation_id) if account.organisation_id else ""
        form.locale.data = account.locale or ""
    return form


@bp.route("/<int:user_id>/edit", methods=["GET", "POST"])
@login_required
def edit(user_id: int):
    require_secretariat(current_user)
    account = _user(user_id)
    if request.method == "GET":
        return _edit_page(account, _edit_form(account, formdata=False), 200)
    form = _edit_form(account, formdata=True)
    if not form.validate():
        return _edit_page(account, form, 400)
    changes = service.UserChanges(name=form.name.data or "", role=form.role.data,
                                  organisation=_organisation_value(form.organisation.data),
                                  locale=form.locale.data or None)
    try:
        service.update_user(current_user, account, changes, form.version.data)
        db.session.commit()
    except ConflictError as error:
        db.session.rollback()
        account = _user(user_id)
        flash(error_message(error), "error")
        form.version.data = account.version  # saving again keeps what this person typed, knowingly
        return _edit_page(account, form, error.status, conflict=True)
    except WorkflowError as error:
        db.session.rollback()
        account = _user(user_id)
        _show_problems(form, error)
        return _edit_page(account, form, error.status)
    flash(_("Account %(email)s saved.", email=account.email), "success")
    return redirect(url_for(".index"))


def _status_change(user_id: int, change, done: str, unchanged: str):
    require_secretariat(current_user)
    account = _user(user_id)
    status_form = AccountStatusForm()
    if not status_form.validate():
        abort(400)
    try:
        changed = change(current_user, account, status_form.reason.data or "")
        db.session.commit()
    except WorkflowError as error:
        db.session.rollback()
        account = _user(user_id)
        _show_problems(status_form, error)  # a refusal that is not about the reason is the page's message
        return _edit_page(account, _edit_form(account, formdata=False), error.status, status_form=status_form)
    flash((done if changed else unchanged) % {"email": account.email}, "success" if changed else "info")
    return redirect(url_for(".index"))


@bp.route("/<int:user_id>/deactivate", methods=["POST"])
@login_required
def deactivate(user_id: int):
    return _status_change(user_id, service.deactivate_user, _("Account %(email)s deactivated: it is signed out."),
                          _("Account %(email)s was already inactive."))


@bp.route("/<int:user_id>/reactivate", methods=["POST"])
@login_required
def reactivate(user_id: int):
    return _status_change(user_id, service.reactivate_user, _("Account %(email)s is active again."),
                          _("Account %(email)s was already active."))


@bp.route("/<int:user_id>/password-link", methods=["POST"])
@login_required
def password_link(user_id: int):
    """A new set-password link for the account: mailed, or shown to pass on."""
    require_secretariat(current_user)
    account = _user(user_id)
    if not AccountStatusForm().validate():
        abort(400)
    try:
        token = service.issue_password_link(current_user, account)
        db.session.commit()
    except WorkflowError as error:
        db.session.rollback()
        flash(error_message(error), "error")
        return redirect(url_for(".edit", user_id=user_id))
    return _deliver(account, token, invitation=False)
