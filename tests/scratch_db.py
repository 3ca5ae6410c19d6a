"""A fresh PostgreSQL database beside the one named by MEAPP_TEST_DATABASE_URL, for tests that need their own."""
from __future__ import annotations

import os
from collections.abc import Callable

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def fresh_database(url: str, suffix: str) -> tuple[str, Callable[[], None]]:
    """Create (or re-create) `<database>_<suffix>`; returns its URL and a function that drops it."""
    base = make_url(url)
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    name = f"{base.database}_{suffix}" + (f"_{worker}" if worker and worker != suffix else "")  # one per worker
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop
