"""Errors of the submission workflow. Each carries a msgid and parameters, translated when shown."""
from __future__ import annotations

from meapp.validation.findings import N_


class WorkflowError(Exception):
    """The action is not possible in the submission's current state."""

    status = 400

    def __init__(self, message_id: str, **params):
        super().__init__(message_id % params if params else message_id)
        self.message_id = message_id
        self.params = params


class PermissionDenied(WorkflowError):
    status = 403

    def __init__(self):
        super().__init__(N_("Your account may not do this."))


class ConflictError(WorkflowError):
    """Someone saved the submission after this page was opened."""

    status = 409

    def __init__(self, current_version: int | None, changes: list[dict] | None = None):
        super().__init__(N_("Someone else saved this submission after you opened it (now version %(version)s). "
                            "Nothing of yours was lost: check the differences and save again."),
                         version=current_version)
        self.current_version = current_version
        self.changes = changes or []


class BlockedError(WorkflowError):
    """Submission refused: errors remain, or warnings lack a justification."""

    status = 422

    def __init__(self, findings, message_id: str, **params):
        super().__init__(message_id, **params)
        self.findings = findings


class BusyError(WorkflowError):
    status = 503

    def __init__(self):
        super().__init__(N_("The database is busy. Please try again in a moment."))
