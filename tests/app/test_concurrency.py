"""Optimistic locking under load: 8 concurrent clients × 50 increments of one value, 0 lost updates.

Each client reads the value and the submission's version, writes value + 1 with that version, and
retries when told about a conflict (or, on SQLite, that the database is busy). If any save silently
overwrote a newer one, the final value would be below 400.
"""
import os
import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from meapp import create_app
from meapp.audit.models import AuditEvent
from meapp.errors import BusyError, ConflictError
from meapp.extensions import db
from meapp.projects.models import Project
from meapp.submissions import queries, service
from meapp.submissions.models import Value
from tests.factories import make_test_project
from tests.scratch_db import fresh_database

# The load on PostgreSQL; SQLite serialises writers, so a lighter load keeps the suite fast there.
CLIENTS, EDITS = (8, 50) if os.environ.get("MEAPP_TEST_DATABASE_URL") else (4, 10)


@pytest.fixture
def scratch_app(tmp_path):
    base = os.environ.get("MEAPP_TEST_DATABASE_URL")
    drop = None
    if base:
        uri, drop = fresh_database(base, "concurrency")
    else:
        uri = f"sqlite:///{tmp_path / 'concurrency.sqlite'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": CLIENTS + 2}}
                     if base else {"SQLALCHEMY_DATABASE_URI": uri}, env="testing")
    with app.app_context():
        db.create_all()
        from meapp.seed.reference import load_reference

        load_reference()
        made = make_test_project(db.session)
        email = made["implementer"].email
        db.session.commit()
        db.session.remove()
    yield app, email
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if drop is not None:
        drop()


def test_no_lost_updates(scratch_app):
    app, email = scratch_app
    from meapp.auth.service import find_user

    with app.app_context():
        user = find_user(email)
        project = db.session.scalar(select(Project).where(Project.code == "TESTPRJ"))
        service.save(project, "2024Q1", user, [service.ValueEntry("EMP", "0")])
        db.session.commit()
        db.session.remove()

    conflicts = []
    failures = []
    start = threading.Barrier(CLIENTS)

    def client():
        with app.app_context():
            start.wait()
            done = 0
            while done < EDITS:
                try:
                    user = find_user(email)
                    project = db.session.scalar(select(Project).where(Project.code == "TESTPRJ"))
                    submission = queries.find_submission(project, "2024Q1")
                    current = next(v.value for v in submission.values if v.combination == "" and
                                   v.indicator.code == "EMP")
                    service.save(project, "2024Q1", user, [service.ValueEntry("EMP", str(current + 1))],
                                 expected_version=submission.version)
                    db.session.commit()
                    done += 1
                except (ConflictError, BusyError, OperationalError) as exc:
                    db.session.rollback()
                    conflicts.append(type(exc).__name__)
                except Exception as exc:  # reported below, with the thread's context
                    db.session.rollback()
                    failures.append(repr(exc))
                    return
                finally:
                    db.session.remove()

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures[:3]
    with app.app_context():
        value = db.session.scalar(select(Value.value).join(Value.indicator).where(
            Value.combination == "", Value.indicator.has(code="EMP"), Value.submission.has(period="2024Q1")))
        updates = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "value.update", AuditEvent.entity_key == "TESTPRJ/2024Q1/EMP/"))
    assert value == Decimal(CLIENTS * EDITS), f"lost updates: {CLIENTS * EDITS - value} (conflicts {len(conflicts)})"
    assert updates == CLIENTS * EDITS
    # The clients really raced: stale versions were refused, not just queued one after the other.
    # (PostgreSQL reports the stale version; SQLite, which serialises writers, says it is busy.)
    assert conflicts and ("ConflictError" in conflicts or not os.environ.get("MEAPP_TEST_DATABASE_URL")), conflicts[:5]
    print(f"\n{CLIENTS}×{EDITS} edits: {len(conflicts)} conflicts retried "
          f"({conflicts.count('ConflictError')} stale versions), 0 lost updates")


def test_a_save_from_a_stale_page_is_refused_between_check_and_write(scratch_app, monkeypatch):
    """Force the interleaving: B checks its version, A saves and commits, then B writes. B must lose."""
    app, email = scratch_app
    from meapp.auth.service import find_user

    with app.app_context():
        project = db.session.scalar(select(Project).where(Project.code == "TESTPRJ"))
        service.save(project, "2024Q1", find_user(email), [service.ValueEntry("EMP", "1")])
        db.session.commit()
        version = queries.find_submission(project, "2024Q1").version
        db.session.remove()

    def save_as_a():
        """Another person's save, in its own session and connection, committed."""
        with app.app_context():
            project = db.session.scalar(select(Project).where(Project.code == "TESTPRJ"))
            service.save(project, "2024Q1", find_user(email), [service.ValueEntry("EMP", "2")],
                         expected_version=version)
            db.session.commit()
            db.session.remove()

    original = queries.validation_input
    interleaved = []

    def validation_input_then_a_saves(*args, **kwargs):
        if not interleaved:  # B has passed its version check; A saves now, before B writes
            interleaved.append(1)
            thread = threading.Thread(target=save_as_a)
            thread.start()
            thread.join()
        return original(*args, **kwargs)

    monkeypatch.setattr(queries, "validation_input", validation_input_then_a_saves)
    with app.app_context():
        project = db.session.scalar(select(Project).where(Project.code == "TESTPRJ"))
        # PostgreSQL: the UPDATE … WHERE version matches nothing (a conflict); SQLite: the stale snapshot may
        # not write at all ("database is locked", a 503 to retry on the web). Either way B writes nothing.
        refused = (ConflictError,) if os.environ.get("MEAPP_TEST_DATABASE_URL") else (ConflictError, BusyError,
                                                                                      OperationalError)
        with pytest.raises(refused):
            service.save(project, "2024Q1", find_user(email), [service.ValueEntry("EMP", "3")],
                         expected_version=version)
            db.session.commit()
        db.session.rollback()
        db.session.remove()
    assert interleaved
    with app.app_context():
        value = db.session.scalar(select(Value.value).join(Value.indicator).where(
            Value.combination == "", Value.indicator.has(code="EMP"), Value.submission.has(period="2024Q1")))
        db.session.remove()
    assert value == 2  # A's save stands; B's stale page overwrote nothing
