"""Project list, and creating and editing a project (the project page itself is results.project)."""
from __future__ import annotations

from babel.numbers import get_currency_name
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from meapp.auth.guards import require_secretariat
from meapp.auth.permissions import Action
from meapp.core.countries import alphabetical
from meapp.core.periods import Frequency
from meapp.core.problems import Problem, ProblemsError
from meapp.errors import ConflictError, WorkflowError
from meapp.extensions import db
from meapp.i18n import country_name, enum_label, error_message, format_period, organisation_name, text
from meapp.projects import queries, service
from meapp.projects.forms import ProjectEditForm, ProjectFilterForm, ProjectForm
from meapp.projects.guards import get_project_or_404
from meapp.projects.models import Project, ProjectStatus
from meapp.projects.service import ProjectInput

bp = Blueprint("projects", __name__, url_prefix="/projects")


@bp.route("/")
@login_required
def index():
    choices = queries.filter_choices(current_user)
    form = ProjectFilterForm(request.args)
    everything = [SelectChoice("", _("All"))]
    countries = sorted(choices["countries"], key=country_name)
    form.country.choices = everything + [SelectChoice(code, country_name(code)) for code in countries]
    form.funder.choices = everything + [SelectChoice(str(o.id), organisation_name(o)) for o in choices["funders"]]
    form.sector.choices = everything + [SelectChoice(s.key, str(text(s, "name"))) for s in choices["sectors"]]
    status = 200
    filters = queries.ProjectFilters()
    if request.args and not form.validate():
        status = 400
    elif request.args:
        # Optional() lets a blank choice through: only a real choice (the id of a funder) filters.
        filters = queries.ProjectFilters(
            country=(form.country.data or "").strip() or None,
            funder_id=int(form.funder.data) if (form.funder.data or "").strip() else None,
            sector=(form.sector.data or "").strip() or None,
            q=form.q.data or None,
        )
    projects = queries.list_projects(current_user, filters)
    return render_template("projects/index.html", form=form, projects=projects), status


# Creating and editing a project (secretariat).


def _organisation_label(organisation) -> str:
    name = organisation_name(organisation)
    if not getattr(organisation, "is_active", True):
        return _("%(name)s (deactivated)", name=name)
    return name


def _fill_choices(form: ProjectForm, project: Project | None) -> None:
    """Every list of the form, labelled in the reader's language and sorted by label."""
    offered = service.project_choices(project)
    organisations = sorted((SelectChoice(str(o.id), _organisation_label(o)) for o in offered.organisations),
                           key=lambda c: alphabetical(c.label))
    form.lead.choices = [SelectChoice("", "—")] + organisations
    form.implementers.choices = organisations
    form.funders.choices = organisations
    countries = sorted((SelectChoice(code, country_name(code)) for code in service.known_countries()),
                       key=lambda c: alphabetical(c.label))
    form.origin_countries.choices = countries
    form.destination_countries.choices = countries
    locale = get_locale()
    form.currency.choices = [SelectChoice(code, f"{code} · {get_currency_name(code, locale=locale)}")
                             for code in offered.currencies]
    form.reporting_frequency.choices = [SelectChoice(f.value, enum_label(f)) for f in Frequency]
    form.status.choices = [SelectChoice(s.value, enum_label(s)) for s in ProjectStatus]
    form.sectors.choices = sorted((SelectChoice(s.key, str(text(s, "name"))) for s in offered.sectors),
                                  key=lambda c: alphabetical(c.label))
    form.gcm_objectives.choices = [
        SelectChoice(str(g.number), f"{_('Objective %(number)d', number=g.number)} · {text(g, 'title')}")
        for g in offered.gcm_objectives]
    form.sdg_targets.choices = [SelectChoice(t.code, f"{t.code} · {text(t, 'title')}")
                                for t in sorted(offered.sdg_targets, key=_sdg_order)]


def _sdg_order(target) -> tuple:
    """SDG targets in their own order: 4.4 before 10.7, 8.8 before 8.10, 10.c after 10.7."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in target.code.split("."))


def _fill_from(form: ProjectForm, data: ProjectInput) -> None:
    form.code.data = data.code
    for name in ("title_en", "title_fr", "summary_en", "summary_fr", "start_date", "end_date",
                 "reporting_frequency", "currency", "status"):
        getattr(form, name).data = getattr(data, name)
    form.lead.data = "" if data.lead is None else str(data.lead)
    for name in ("implementers", "funders", "origin_countries", "destination_countries", "sectors",
                 "gcm_objectives", "sdg_targets"):
        getattr(form, name).data = [str(v) for v in getattr(data, name)]


def _kept_in_order(chosen: list[str], current) -> tuple[str, ...]:
    """What was chosen, those already there in their order first, then the new ones in the list's order.

    A multiple select sends its choices in the order of the list: this keeps the order of a project's
    implementers, funders and countries (the lead first, the others as they were) without any script.
    """
    current = [str(v) for v in current]
    return tuple([v for v in current if v in chosen] + [v for v in chosen if v not in current])


def _input_from(form: ProjectForm, project: Project | None) -> ProjectInput:
    stored = ProjectInput.of(project) if project is not None else ProjectInput(code="")
    lead = int(form.lead.data) if form.lead.data else None
    return ProjectInput(
        code=project.code if project is not None else (form.code.data or ""),
        title_en=form.title_en.data or "", title_fr=form.title_fr.data or "",
        summary_en=form.summary_en.data or "", summary_fr=form.summary_fr.data or "",
        lead=lead,
        implementers=tuple(int(v) for v in _kept_in_order(form.implementers.data or [], stored.implementers)),
        funders=tuple(int(v) for v in _kept_in_order(form.funders.data or [], stored.funders)),
        origin_countries=_kept_in_order(form.origin_countries.data or [], stored.origin_countries),
        destination_countries=_kept_in_order(form.destination_countries.data or [],
                                             stored.destination_countries),
        start_date=form.start_date.data, end_date=form.end_date.data,
        reporting_frequency=form.reporting_frequency.data, currency=form.currency.data,
        sectors=tuple(form.sectors.data or []),
        gcm_objectives=tuple(int(v) for v in form.gcm_objectives.data or []),
        sdg_targets=tuple(form.sdg_targets.data or []),
        status=form.status.data,
        is_demo=project.is_demo if project is not None else False,
    )


def problem_text(problem: Problem) -> str:
    """A problem in the reader's language, its periods named as the reader writes them ("T3 2019")."""
    params = dict(problem.params)
    if "periods" in params:
        listed = str(params["periods"])
        more = "…" if listed.endswith("…") else ""
        params["periods"] = ", ".join(format_period(code.strip()) for code in listed.rstrip("…").split(",")) + more
    return _(problem.message_id, **params)


def _show_problems(form: ProjectForm, problems: list[Problem]) -> list[str]:
    """Each problem beside its field; those of no field are returned, to be shown above the form."""
    general = []
    for problem in problems:
        target = getattr(form, problem.where, None) if problem.where else None
        if target is None or problem.where == "version":
            general.append(problem_text(problem))
        else:
            target.errors = [*target.errors, problem_text(problem)]
    return general


def _shown(form: ProjectForm, name: str, value) -> str:
    """A field's value as the form shows it (names, not ids), for the list of differences on a conflict."""
    if name in ("start_date", "end_date"):
        return format_date(value, "medium") if value else "—"
    labels = {c.value if isinstance(c, SelectChoice) else c[0]: c.label if isinstance(c, SelectChoice) else c[1]
              for c in getattr(getattr(form, name, None), "choices", None) or []}
    if isinstance(value, tuple):
        return "; ".join(labels.get(str(v), str(v)) for v in value) or "—"
    if labels:
        return labels.get("" if value is None else str(value), str(value))
    return str(value) if value not in (None, "") else "—"


def _differences(form: ProjectForm, project: Project, mine: ProjectInput) -> list[dict]:
    """The fields where the project as saved now differs from what this person typed."""
    theirs = ProjectInput.of(project)
    mine = service.normalised(mine)
    rows = []
    for name in service.FIELDS:
        if name in ("code", "is_demo"):
            continue
        if getattr(theirs, name) != getattr(mine, name):
            label = getattr(form, name).label.text
            rows.append({"field": label, "theirs": _shown(form, name, getattr(theirs, name)),
                         "mine": _shown(form, name, getattr(mine, name))})
    return rows


def _render_form(form: ProjectForm, project: Project | None, status: int = 200, general=(), conflict=None):
    return render_template("projects/form.html", form=form, project=project, general=list(general),
                           conflict=conflict), status


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    require_secretariat(current_user)
    form = ProjectForm()
    _fill_choices(form, None)
    if request.method == "GET":
        _fill_from(form, ProjectInput(code=""))
        return _render_form(form, None)
    general = []
    if form.validate():
        try:
            project = service.create_project(current_user, _input_from(form, None))
            db.session.commit()
            flash(_("Project %(code)s created.", code=project.code), "success")
            return redirect(url_for("results.project", code=project.code))
        except ProblemsError as error:
            db.session.rollback()
            general = _show_problems(form, error.problems)
        except WorkflowError as error:
            db.session.rollback()
            general = [error_message(error)]
    flash(_("Nothing was saved: correct what is marked below."), "error")
    return _render_form(form, None, 400, general)


@bp.route("/<code>/edit", methods=["GET", "POST"])
@login_required
def edit(code: str):
    project = get_project_or_404(current_user, code, Action.MANAGE)
    if request.method == "GET":
        form = ProjectEditForm(data={"version": project.version})
        _fill_choices(form, project)
        _fill_from(form, ProjectInput.of(project))
        return _render_form(form, project)
    form = ProjectEditForm()
    _fill_choices(form, project)
    general = []
    if form.validate():
        data = _input_from(form, project)
        try:
            service.update_project(current_user, project, data, form.version.data)
            db.session.commit()
            flash(_("Project %(code)s saved.", code=project.code), "success")
            return redirect(url_for("results.project", code=project.code))
        except ConflictError as error:
            db.session.rollback()
            if error.params.get("version") is None:  # caught at the write itself: the version now stored
                error.params["version"] = project.version
            flash(error_message(error), "error")
            form.version.data = project.version  # saving again now keeps this person's version, knowingly
            return _render_form(form, project, 409, conflict=_differences(form, project, data))
        except ProblemsError as error:
            db.session.rollback()
            general = _show_problems(form, error.problems)
        except WorkflowError as error:
            db.session.rollback()
            general = [error_message(error)]
    elif form.version.errors:  # an edit names the version it was opened on, or it could overwrite unseen
        general = [str(message) for message in form.version.errors]
    flash(_("Nothing was saved: correct what is marked below."), "error")
    return _render_form(form, project, 400, general)
