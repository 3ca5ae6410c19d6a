"""Sign in, sign out, profile and language."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from meapp.auth import service, throttle
from meapp.auth.demo import demo_users_allowed
from meapp.auth.forms import LanguageForm, LoginForm, ProfileForm, SetPasswordForm
from meapp.extensions import db
from meapp.i18n import error_message

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only local paths: never redirect to another site after sign-in, never a header break."""
    if (target and target.startswith("/") and not target.startswith("//") and "\\" not in target
            and not any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target) and not urlsplit(target).netloc):
        return target
    return url_for("main.home")


def _renew_session() -> None:
    """Start a new session at sign-in: nothing issued before it (a planted CSRF token) survives but the language."""
    lang = session.get("lang")
    session.clear()
    # Flask-WTF caches the request's token in g; without it the next form gets a token from the new session.
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    if lang:
        session["lang"] = lang


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if request.method == "POST":
        throttle.count_attempt_from_address()
    if form.validate_on_submit():
        throttle.check_account(form.email.data)
        user = service.authenticate(form.email.data, form.password.data, allow_demo=demo_users_allowed())
        if user is None:
            throttle.note_failure(form.email.data)
            # One message whether the email exists or not.
            flash(_("Wrong email or password."), "error")
            return render_template("auth/login.html", form=form), 401
        throttle.note_success(form.email.data)
        _renew_session()
        login_user(user, remember=form.remember.data)
        service.note_login(user)
        db.session.commit()
        response = redirect(_safe_next(request.args.get("next")))
        throttle.remember_device(response, form.email.data)
        return response
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    service.rotate_session(current_user._get_current_object())
    db.session.commit()
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    user = current_user._get_current_object()
    form = ProfileForm(obj=user)
    if request.method == "GET":
        form.locale.data = user.locale or str(request.accept_languages.best_match(("en", "fr")) or "en")
    if form.validate_on_submit():
        if form.new_password.data and not user.check_password(form.current_password.data or ""):
            form.current_password.errors.append(_("This is not your current password."))
            return render_template("auth/profile.html", form=form), 400
        service.update_profile(user, form.name.data, form.locale.data, form.new_password.data or None)
        db.session.commit()
        if form.new_password.data:
            login_user(user)  # the session token rotated with the password
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("auth.profile"))
    return render_template("auth/profile.html", form=form), (400 if form.errors else 200)


@bp.route("/language/<lang>", methods=["POST"])
def set_language(lang: str):
    if lang not in ("en", "fr"):
        abort(404)
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)
    session["lang"] = lang
    if current_user.is_authenticated:
        service.set_locale(current_user._get_current_object(), lang)
        db.session.commit()
    return redirect(_safe_next(request.form.get("next")))


@bp.after_request
def _no_store_for_links(response):
    """A set-password page names an account and carries its link: no cache keeps it, even signed out."""
    if request.endpoint == "auth.set_password":
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str):
    """The page a set-password link opens (an invitation, or a new password): it signs the person in."""
    try:
        account = service.user_for_password_token(token)
    except service.InvalidPasswordLink as error:
        return render_template("auth/password_link_invalid.html", message=error_message(error)), 400
    if account.locale and session.get("lang") is None:
        # The language the secretariat chose for the person: the invitation's page already speaks it, unless
        # the person switched language on it.
        with force_locale(account.locale):
            return _set_password_page(token, account)
    return _set_password_page(token, account)


def _set_password_page(token: str, account):
    form = SetPasswordForm()
    page = {"form": form, "account": account, "min_length": service.MIN_PASSWORD_LENGTH}
    if not form.validate_on_submit():
        return render_template("auth/set_password.html", **page), (400 if form.errors else 200)
    problems = service.password_problems(form.password.data, form.confirm.data)
    if not problems:
        try:
            account = service.set_password_with_token(token, form.password.data)
            service.note_login(account)
            db.session.commit()
        except service.InvalidPasswordLink as error:  # used or revoked since the page was opened
            db.session.rollback()
            return render_template("auth/password_link_invalid.html", message=error_message(error)), 400
        except service.InvalidAccount as error:
            db.session.rollback()
            problems = error.problems
        else:
            _renew_session()
            login_user(account)
            flash(_("Your password is set: you are signed in."), "success")
            return redirect(url_for("main.home"))
    for problem in problems:
        field = form.confirm if problem.where == "confirm" else form.password
        field.errors = list(field.errors) + [_(problem.message_id, **dict(problem.params))]
    return render_template("auth/set_password.html", **page), 400
