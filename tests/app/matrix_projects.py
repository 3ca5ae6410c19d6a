"""Rows of the route × user matrix for creating and editing projects: (endpoint, method) → (url, form data, expected status per user)."""
from sqlalchemy import select

from tests.app.matrix_base import VERSION, expect, same  # noqa: F401


def _organisation(name: str):
    def get(tx) -> str:
        from meapp.projects.models import Organisation

        return str(tx.scalar(select(Organisation.id).where(Organisation.name == name)))

    return get


def _palim_version(tx) -> str:
    from meapp.projects.models import Project

    return str(tx.scalar(select(Project.version).where(Project.code == "PALIM")))


# A complete new project (the secretariat's POST creates it: 302 to its page).
NEW_PROJECT = {
    "code": "MATRIX-NEW", "title_en": "Matrix pilot", "title_fr": "Pilote de la matrice",
    "lead": _organisation("Enabel"), "implementers": _organisation("Enabel"),
    "funders": _organisation("BMZ"), "origin_countries": "MA", "destination_countries": "BE",
    "start_date": "2024-01-01", "end_date": "2025-12-31", "reporting_frequency": "quarterly", "currency": "EUR",
    "status": "active", "sectors": "ict", "gcm_objectives": "5", "sdg_targets": "10.7",
}
# An edit the service refuses (no lead, ends before it starts): 400 for the secretariat, nothing written.
BAD_EDIT = {"version": _palim_version, "title_en": "PALIM", "start_date": "2023-01-01", "end_date": "2022-01-01",
            "reporting_frequency": "quarterly", "currency": "EUR", "status": "active"}

ROWS: dict = {
    ("projects.new", "GET"): ("/projects/new", None, expect(302, 403, 403, 403, 403, 200)),
    ("projects.new", "POST"): ("/projects/new", NEW_PROJECT, expect(302, 403, 403, 403, 403, 302)),
    ("projects.edit", "GET"): ("/projects/PALIM/edit", None, expect(302, 403, 404, 403, 404, 200)),
    ("projects.edit", "POST"): ("/projects/PALIM/edit", BAD_EDIT, expect(302, 403, 404, 403, 404, 400)),
}
