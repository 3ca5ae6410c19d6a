"""Annex compendia: editions, preview with filters, translation completeness, editing, downloads."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from meapp.auth.guards import require_secretariat
from meapp.compendium import queries, service
from meapp.compendium.forms import EditionForm, PracticeForm
from meapp.compendium.models import Edition, EditionStatus, Practice, organisation_pair
from meapp.core.bilingual import marked, pick
from meapp.errors import WorkflowError
from meapp.extensions import db
from meapp.forms import VERSION_MISSING, MeForm
from meapp.i18n import current_language, error_message, text
from meapp.request_guard import int_arg

bp = Blueprint("compendium", __name__, url_prefix="/compendium")


def _edition(key: str) -> Edition:
    """Published editions for everyone signed in; drafts for the secretariat only (others get 404)."""
    edition = queries.readable_edition(current_user, key)
    if edition is None:
        abort(404)
    return edition


def _practice(edition: Edition, practice_key: str) -> Practice:
    practice = queries.practice_of(edition, practice_key)
    if practice is None:
        abort(404)
    return practice


@bp.route("/", methods=["GET"])
@login_required
def index():
    return render_template("compendium/index.html", editions=queries.editions(current_user), form=EditionForm())


@bp.route("/", methods=["POST"])
@login_required
def create():
    require_secretariat(current_user)
    form = EditionForm()
    if form.validate():
        try:
            edition = service.create_edition(current_user, form.key.data, form.title_en.data or "",
                                             form.title_fr.data or "", form.event.data or "", form.year.data)
            db.session.commit()
            return redirect(url_for(".show", key=edition.key))
        except WorkflowError as error:
            db.session.rollback()
            form.key.errors = list(form.key.errors) + [error_message(error)]
    return render_template("compendium/index.html", editions=queries.editions(current_user), form=form), 400


@bp.route("/<key>", methods=["GET"])
@login_required
def show(key: str):
    edition = _edition(key)
    filters = queries.Filters(category=request.args.get("category") or None,
                              country=(request.args.get("country") or "").upper() or None,
                              gcm=int_arg("gcm"), q=(request.args.get("q") or "").strip() or None)
    view = queries.preview(edition, filters)
    return render_template("compendium/show.html", edition=edition, view=view, filters=filters,
                           action_form=MeForm(), organisations=_organisations)


def _organisations(practice: Practice) -> str:
    """A practice's organisations in the reader's language, those without a name in it marked ("[EN] …")."""
    lang = current_language()
    return ("\u202f; " if lang == "fr" else "; ").join(
        marked(pick(en, fr, lang)) for en, fr in (organisation_pair(item) for item in practice.organisations or ()))


@bp.route("/<key>/translations", methods=["GET"])
@login_required
def translations(key: str):
    require_secretariat(current_user)
    edition = _edition(key)
    return render_template("compendium/translations.html", edition=edition,
                           rows=queries.translation_gaps(edition), labels={"actor_fr": _("actor in French")})


@bp.route("/<key>/status", methods=["POST"])
@login_required
def status(key: str):
    require_secretariat(current_user)
    edition = _edition(key)
    if not MeForm().validate():
        abort(400)
    wanted = EditionStatus.PUBLISHED if request.form.get("status") == "published" else EditionStatus.DRAFT
    service.set_status(edition, current_user, wanted)
    db.session.commit()
    flash(_("Edition published.") if wanted is EditionStatus.PUBLISHED else _("Edition back to draft."), "success")
    return redirect(url_for(".show", key=key))


def _places(edition: Edition) -> list[SelectChoice]:
    choices = []
    for category in edition.categories:
        label = f"{category.number}) " if category.number is not None else ""
        choices.append(SelectChoice(f"c:{category.id}", label + str(text(category, "title"))))
        for sub in queries.by_letter(category.subsections):
            choices.append(SelectChoice(f"s:{sub.id}", f"    {sub.letter}) {text(sub, 'title')}"))
    return choices


def _place(edition: Edition, value: str):
    kind, _sep, ident = (value or "").partition(":")
    for category in edition.categories:
        if kind == "c" and str(category.id) == ident:
            return category, None
        for sub in category.subsections:
            if kind == "s" and str(sub.id) == ident:
                return category, sub
    return None, None


def _edit_spec(form: PracticeForm) -> service.PracticeEdit:
    countries = tuple(dict.fromkeys(c.strip().upper() for c in (form.countries.data or "").split(",") if c.strip()))
    urls = tuple(u.strip() for u in (form.urls.data or "").splitlines() if u.strip())
    projects = tuple(dict.fromkeys(c.strip().upper() for c in (form.projects.data or "").split(",") if c.strip()))
    return service.PracticeEdit(form.actor.data.strip(), (form.name_en.data or "").strip(),
                                (form.name_fr.data or "").strip(), (form.summary_en.data or "").strip(),
                                (form.summary_fr.data or "").strip(), countries, urls, projects,
                                actor_fr=(form.actor_fr.data or "").strip())


@bp.route("/<key>/practices/new", methods=["GET", "POST"])
@login_required
def new_practice(key: str):
    require_secretariat(current_user)
    edition = _edition(key)
    form = PracticeForm()
    form.place.choices = _places(edition)
    if request.method == "POST" and form.validate() and form.key.data:
        category, subsection = _place(edition, form.place.data)
        try:
            practice = service.create_practice(edition, current_user, form.key.data, category, subsection,
                                               _edit_spec(form))
            db.session.commit()
            flash(_("Practice saved."), "success")
            return redirect(url_for(".show", key=key) + f"#p-{practice.key}")
        except WorkflowError as error:
            db.session.rollback()
            flash(error_message(error), "error")
    if request.method == "POST" and not form.key.data:
        form.key.errors = list(form.key.errors) + [_("This field is required.")]
    status_code = 400 if request.method == "POST" else 200
    return render_template("compendium/practice_form.html", edition=edition, form=form, practice=None), status_code


@bp.route("/<key>/practices/<practice_key>/edit", methods=["GET", "POST"])
@login_required
def edit_practice(key: str, practice_key: str):
    require_secretariat(current_user)
    edition = _edition(key)
    practice = _practice(edition, practice_key)
    form = PracticeForm(obj=practice) if request.method == "GET" else PracticeForm()
    form.place.choices = _places(edition)
    if request.method == "GET":
        form.version.data = practice.version
        form.place.data = f"s:{practice.subsection_id}" if practice.subsection_id else f"c:{practice.category_id}"
        form.countries.data = ", ".join(c.country_code for c in practice.countries)
        form.urls.data = "\n".join(s.url for s in practice.sources)
        form.projects.data = ", ".join(p.code for p in practice.projects)
    elif form.version.data is None:  # an edit names the version it was opened on, or it could overwrite
        flash(str(VERSION_MISSING), "error")
        return render_template("compendium/practice_form.html", edition=edition, form=form,
                               practice=practice), 400
    elif form.validate():
        category, subsection = _place(edition, form.place.data)
        try:
            service.update_practice(practice, current_user, _edit_spec(form), form.version.data, category,
                                    subsection)
            db.session.commit()
            flash(_("Practice saved."), "success")
            return redirect(url_for(".show", key=key) + f"#p-{practice.key}")
        except WorkflowError as error:
            db.session.rollback()
            flash(error_message(error), "error")
            return render_template("compendium/practice_form.html", edition=edition, form=form,
                                   practice=practice), error.status
    status_code = 400 if form.errors else 200
    return render_template("compendium/practice_form.html", edition=edition, form=form,
                           practice=practice), status_code


@bp.route("/<key>/practices/<practice_key>/move", methods=["POST"])
@login_required
def move(key: str, practice_key: str):
    require_secretariat(current_user)
    edition = _edition(key)
    if not MeForm().validate():
        abort(400)
    practice = _practice(edition, practice_key)
    service.move_practice(practice, current_user, -1 if request.form.get("direction") == "up" else 1)
    db.session.commit()
    return redirect(url_for(".show", key=key) + f"#p-{practice.key}")

