"""Errors every service raises (submissions, logframes, compendium, projects, accounts).

Each carries a msgid and parameters, translated when shown (meapp.i18n.error_message), and the HTTP
status a view answers with. Only a stale version becomes a ConflictError.
"""
from __future__ import annotations

from meapp.core.messages import N_


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

    def __init__(self, findings, message_id: str, result=None, **params):
        super().__init__(message_id, **params)
        self.findings = findings
        self.result = result  # the whole validation result, when a batch import was refused


class BusyError(WorkflowError):
    status = 503

    def __init__(self):
        super().__init__(N_("The database is busy. Please try again in a moment."))


class UnknownPeriod(WorkflowError):
    """The period is not one this project reports for (not a period, another frequency, outside its dates)."""

    status = 404


class PeriodShut(WorkflowError):
    """The period takes no new figures: closed, already approved or submitted, or not begun."""

    status = 409


class UnknownCells(WorkflowError):
    """The values name indicators or categories the project does not have: nothing is written."""

    status = 400

    def __init__(self, cells: list[tuple[str, str]], result=None):
        super().__init__(N_("These values name indicators or categories this project does not have: %(cells)s. "
                            "Nothing was saved."),
                         cells=", ".join(f"{i} {c}".strip() for i, c in cells[:20]) + ("…" if len(cells) > 20 else ""))
        self.cells = cells
        self.result = result


class InvalidText(WorkflowError):
    """Text that no door accepts: invisible control characters, or longer than its field allows.

    `field` names where it is (a field label msgid, or an indicator and its categories), so that the
    message says what is wrong and where.
    """

    status = 400

    def __init__(self, problem: str, field: str, limit: int):
        if problem == "control":
            super().__init__(N_("%(field)s holds invisible control characters: remove them."), field=field)
        else:
            super().__init__(N_("%(field)s may hold at most %(limit)s characters."), field=field, limit=limit)
        self.problem, self.field, self.limit = problem, field, limit
