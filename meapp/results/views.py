"""The project page: logframe, targets, values and progress, for everyone who may read the project."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from meapp.auth.permissions import Action, allowed_actions
from meapp.projects.guards import get_project_or_404
from meapp.results import queries

bp = Blueprint("results", __name__, url_prefix="/projects")


@bp.route("/<code>")
@login_required
def project(code: str):
    project = get_project_or_404(current_user, code, Action.READ)
    actions = allowed_actions(current_user, project)
    page = queries.project_page(project, include_drafts=Action.EDIT in actions)
    return render_template("results/project.html", page=page, project=project, actions=actions, Action=Action)
