"""Migration 0005: every project that exists gets its logframe row, approved (the logframes set up before the
lifecycle was approved when they were set up); indicators and values start at revision 1."""
import os

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from meapp import create_app
from meapp.extensions import db
from tests.scratch_db import fresh_database


@pytest.fixture
def migration_app(tmp_path):
    base = os.environ.get("MEAPP_TEST_DATABASE_URL")
    url, drop = (fresh_database(base, "migrations_0005") if base
                 else (f"sqlite:///{tmp_path / 'migrations.sqlite'}", lambda: None))
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    drop()


def test_existing_logframes_count_as_approved_and_at_revision_1(migration_app):
    upgrade(revision="0004")
    with db.engine.begin() as conn:
        for id_, code in ((7, "PALIM"), (8, "MATCH")):
            conn.execute(text("INSERT INTO projects (id, code, title_en, title_fr, summary_en, summary_fr, "
                              "reporting_frequency, currency, status, is_demo, version, created_at, updated_at) "
                              f"VALUES ({id_}, '{code}', 't', 't', '', '', 'quarterly', 'EUR', 'active', false, 1, "
                              "'2024-01-01', '2024-01-01')"))
        conn.execute(text("INSERT INTO result_levels (id, project_id, kind, code, statement_en, statement_fr, position, "
                          "created_at, updated_at) VALUES (1, 7, 'impact', 'IMP', 'i', 'i', 0, '2024-01-01', "
                          "'2024-01-01')"))
        conn.execute(text("INSERT INTO indicators (id, project_id, result_level_id, code, name_en, name_fr, "
                          "definition_en, definition_fr, unit, aggregation, direction, decimals, is_required, "
                          "is_cumulative, is_key, means_of_verification_en, means_of_verification_fr, position, "
                          "version, created_at, updated_at) VALUES (1, 7, 1, 'EMP', 'e', 'e', '', '', 'number', "
                          "'sum', 'increase', 0, true, false, false, '', '', 0, 1, '2024-01-01', '2024-01-01')"))
    upgrade(revision="0005")
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT project_id, status, version, return_reason FROM logframes "
                                 "ORDER BY project_id")).all() == [(7, "approved", 1, ""), (8, "approved", 1, "")]
        assert conn.execute(text("SELECT revision, retire_reason, retired_at FROM indicators")).all() == [(1, "", None)]
    downgrade(revision="0004")
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT code FROM indicators")).scalar() == "EMP"
