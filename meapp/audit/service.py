"""Writing audit events: called by every service in the same transaction as the change."""
from __future__ import annotations

from meapp.audit.models import AuditEvent
from meapp.extensions import db


def record(actor, action: str, entity, *, before=None, after=None, reason: str = "",
           project_id: int | None = None, submission_id: int | None = None, key: str = "") -> AuditEvent:
    """Append one audit event describing a change to `entity`."""
    table = getattr(type(entity), "__tablename__", "")
    if submission_id is None:
        submission_id = entity.id if table == "submissions" else getattr(entity, "submission_id", None)
    event = AuditEvent(
        user_id=getattr(actor, "id", None),
        action=action,
        entity_type=type(entity).__tablename__ if hasattr(type(entity), "__tablename__") else str(entity),
        entity_id=getattr(entity, "id", None),
        entity_key=key,
        project_id=project_id if project_id is not None else getattr(entity, "project_id", None),
        submission_id=submission_id,
        before=before,
        after=after,
        reason=reason or "",
    )
    db.session.add(event)
    return event
