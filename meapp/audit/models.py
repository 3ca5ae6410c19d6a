"""The audit trail: append-only events, written in the same transaction as the change they describe."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meapp.extensions import db
from meapp.modelbase import utcnow


class AuditEvent(db.Model):
    """Append-only: who, when, what, before, after, why."""

    __tablename__ = "audit_events"
    __table_args__ = (sa.Index("ix_audit_events_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(sa.String(60))
    entity_type: Mapped[str] = mapped_column(sa.String(60))
    entity_id: Mapped[int | None]
    # A natural key that survives re-creation, e.g. "PALIM/2023Q1/TRAINED/sex=F" for a value.
    entity_key: Mapped[str] = mapped_column(sa.String(300), default="", index=True)
    # Plain ids, no foreign keys: the trace outlives what it describes.
    project_id: Mapped[int | None] = mapped_column(index=True)
    submission_id: Mapped[int | None] = mapped_column(index=True)
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)
    reason: Mapped[str] = mapped_column(sa.Text, default="")

    user = relationship("User")


class AuditImmutableError(RuntimeError):
    """Audit events are never updated or deleted."""


@event.listens_for(AuditEvent, "before_update")
def _refuse_audit_update(_mapper, _connection, target):
    raise AuditImmutableError(f"audit event {target.id} cannot be changed")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_audit_delete(_mapper, _connection, target):
    raise AuditImmutableError(f"audit event {target.id} cannot be deleted")
