"""Rows of the route × user matrix for creating and editing projects: (endpoint, method) → (url, form data, expected status per user)."""
from tests.app.matrix_base import VERSION, expect, same  # noqa: F401

ROWS: dict = {
}
