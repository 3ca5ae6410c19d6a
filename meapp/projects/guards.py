"""The project a URL names, for views: 404 when unknown or unreadable (its existence is not leaked),
403 when the user may read it but not do what was asked."""
from __future__ import annotations

import re

from flask import abort

from meapp.auth.permissions import Action, allowed_actions
from meapp.projects.models import Project
from meapp.projects.queries import find_project

PROJECT_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")


def get_project_or_404(user, code: str, action: Action = Action.READ) -> Project:
    if not PROJECT_CODE.match(code or ""):
        abort(404)
    project = find_project(code)
    if project is None:
        abort(404)
    actions = allowed_actions(user, project)
    if Action.READ not in actions:
        abort(404)
    if action not in actions:
        abort(403)
    return project
