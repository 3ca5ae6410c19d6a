"""Shared fixtures: one database per run, seeded once; each test in a transaction rolled back at the end.

The database is SQLite in a temporary file, or PostgreSQL when MEAPP_TEST_DATABASE_URL is set.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import scoped_session, sessionmaker

from meapp import create_app
from meapp.extensions import db

DEMO_PASSWORD = "meapp-demo-test"


def _compile_catalogs() -> None:
    """Tests that translate without an app (reports) need the .mo too: the app's own start-up step."""
    from pathlib import Path

    from meapp.core.catalogs import compiled

    compiled(Path(__file__).resolve().parents[1] / "translations")


_compile_catalogs()


def test_database_url(tmp_path_factory) -> str:
    """SQLite in a temporary file, or PostgreSQL; under pytest-xdist each worker gets a database of its own."""
    url = os.environ.get("MEAPP_TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'meapp-test.sqlite'}"
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    from tests.scratch_db import fresh_database

    own, _drop = fresh_database(url, worker)  # dropped and made anew by the next run
    return own


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    return test_database_url(tmp_path_factory)


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": database_url,
        "DEMO_PASSWORD": DEMO_PASSWORD,
        "UPLOAD_DIR": str(tmp_path_factory.mktemp("uploads")),
    }, env="testing")
    with app.app_context():
        db.drop_all()
        db.create_all()
        from meapp.seed.demo import seed_demo

        seed_demo(DEMO_PASSWORD)
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def tx(app):
    """Run the test inside a transaction that is rolled back; code under test may commit (savepoints).

    No application context stays pushed during the test, so each request gets its own (as in production).
    """
    with app.app_context():
        engine = db.engine
    connection = engine.connect()
    outer = connection.begin()
    original = db.session
    session = scoped_session(sessionmaker(bind=connection, join_transaction_mode="create_savepoint"))
    db.session = session
    try:
        yield session
    finally:
        session.remove()
        db.session = original
        outer.rollback()
        connection.close()


@pytest.fixture(autouse=True)
def _fresh_sign_in_limits(request):
    """Sign-in throttling counts per process: each test that uses the shared app starts with no attempts."""
    if "app" in request.fixturenames:
        from meapp.auth import throttle

        throttle.limiter(request.getfixturevalue("app")).reset()


@pytest.fixture
def client(app, tx):
    return app.test_client()


@pytest.fixture
def runner(app, tx):
    return app.test_cli_runner()


@pytest.fixture
def user(tx):
    """Look up a demo user by email."""
    from meapp.auth.models import User

    def get(email: str) -> User:
        found = tx.scalar(select(User).where(User.email == email))
        assert found is not None, email
        return found

    return get


@pytest.fixture
def login(client, user):
    """Sign a demo user in without the cost of a password hash (the login form has its own tests)."""

    def sign_in(email: str):
        token = user(email).session_token
        with client.session_transaction() as session:
            session["_user_id"] = token
            session["_fresh"] = True
        return client

    return sign_in


@pytest.fixture
def count_queries(tx):
    """Count the SQL statements run inside the block."""

    @contextmanager
    def counting():
        statements: list[str] = []
        connection = tx.connection()

        def before(_conn, _cursor, statement, *_args):
            statements.append(statement)

        event.listen(connection, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            event.remove(connection, "before_cursor_execute", before)

    return counting


@dataclass(frozen=True)
class TestProject:
    """TESTPRJ (tests/factories.py), committed into the test's outer transaction, as tests use it."""

    __test__ = False  # not a test class
    code: str
    project_id: int
    implementer: str  # the implementer's email
    implementer_token: str  # session tokens, to sign a client in without a password hash
    donor_token: str

    def __getitem__(self, role: str) -> str:
        """prj["implementer"] / prj["donor"]: the session token of that role."""
        return {"implementer": self.implementer_token, "donor": self.donor_token}[role]


@pytest.fixture
def prj(tx):
    """The factory project with every kind of indicator, its implementer and its donor."""
    from tests.factories import make_test_project

    made = make_test_project(tx)
    project = TestProject(made["project"].code, made["project"].id, made["implementer"].email,
                          made["implementer"].session_token, made["donor"].session_token)
    tx.commit()  # into the outer transaction: requests close the session between calls
    return project
