"""Permission refusals as HTTP answers, for views (the decisions are in meapp.auth.permissions)."""
from __future__ import annotations

from flask import abort

from meapp.auth.permissions import is_secretariat


def require_secretariat(user) -> None:
    """403 unless `user` is the secretariat."""
    if not is_secretariat(user):
        abort(403)
