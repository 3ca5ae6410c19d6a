"""Project list and project page."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from meapp.i18n import country_name, text
from meapp.projects import queries
from meapp.projects.forms import ProjectFilterForm

bp = Blueprint("projects", __name__, url_prefix="/projects")


@bp.route("/")
@login_required
def index():
    choices = queries.filter_choices(current_user)
    form = ProjectFilterForm(request.args)
    everything = [SelectChoice("", _("All"))]
    countries = sorted(choices["countries"], key=country_name)
    form.country.choices = everything + [SelectChoice(code, country_name(code)) for code in countries]
    form.funder.choices = everything + [SelectChoice(str(o.id), o.name) for o in choices["funders"]]
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
