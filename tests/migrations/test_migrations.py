"""Migrations: one head, upgrade from empty, no drift from the models, downgrade then upgrade again.

Runs on a scratch SQLite file, or on a scratch PostgreSQL database next to MEAPP_TEST_DATABASE_URL.
"""
import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from meapp import create_app
from meapp.extensions import db
from tests.scratch_db import fresh_database


@pytest.fixture
def scratch_url(tmp_path):
    base = os.environ.get("MEAPP_TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path / 'migrations.sqlite'}"
        return
    url, drop = fresh_database(base, "migrations")
    yield url
    drop()


@pytest.fixture
def migration_app(scratch_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": scratch_url})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _tables():
    return set(inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_single_head(migration_app):
    script = ScriptDirectory.from_config(migration_app.extensions["migrate"].migrate.get_config())
    assert len(script.get_heads()) == 1


def test_upgrade_from_empty_matches_the_models(migration_app):
    upgrade()
    assert _tables() == set(db.metadata.tables)
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations drift: {diff}"


def test_downgrade_then_upgrade_again(migration_app):
    upgrade()
    downgrade(revision="base")
    assert _tables() == set()
    upgrade()
    assert _tables() == set(db.metadata.tables)


def test_0002_carries_practice_links_and_countries_over(migration_app):
    upgrade(revision="0001")
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO organisations (id, name, kind, created_at, updated_at) "
                          "VALUES (1, 'Enabel', 'agency', '2024-01-01', '2024-01-01')"))
        conn.execute(text("INSERT INTO projects (id, code, title_en, title_fr, summary_en, summary_fr, "
                          "reporting_frequency, currency, status, is_demo, version, created_at, updated_at) VALUES "
                          "(7, 'PALIM', 't', 't', '', '', 'quarterly', 'EUR', 'active', false, 1, "
                          "'2024-01-01', '2024-01-01')"))
        conn.execute(text("INSERT INTO editions (id, key, title_en, title_fr, event, status, version, created_at, "
                          "updated_at) VALUES (1, 'gfmd', 'a', 'a', '', 'draft', 1, '2024-01-01', '2024-01-01')"))
        conn.execute(text("INSERT INTO compendium_categories (id, edition_id, key, title_en, title_fr, position) "
                          "VALUES (1, 1, 'c', 'c', 'c', 0)"))
        conn.execute(text("INSERT INTO practices (id, edition_id, key, category_id, actor, name_en, name_fr, "
                          "summary_en, summary_fr, countries, organisations, figures, project_id, position, "
                          "version, created_at, updated_at) VALUES (1, 1, 'p', 1, 'Belgium', 'n', 'n', '', '', "
                          "'[\"BE\", \"MA\"]', '[]', '[]', 7, 0, 1, '2024-01-01', '2024-01-01')"))
    upgrade()
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT practice_id, project_id FROM practice_projects")).all() == [(1, 7)]
        assert conn.execute(text("SELECT country_code FROM practice_countries ORDER BY position")).scalars().all() \
            == ["BE", "MA"]
    downgrade(revision="0001")
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT project_id FROM practices")).scalar() == 7
