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


class StaleVersion(ConflictError):
    """Someone saved a record (a project, an organisation, an account, a logframe) after this page was opened;
    `message_id` names the record and takes the version now stored."""

    def __init__(self, message_id: str, current_version: int | None):
        WorkflowError.__init__(self, message_id, **({} if current_version is None else {"version": current_version}))
        self.current_version = current_version
        self.changes = []


class InvalidInput(WorkflowError):
    """Nothing was saved: `problems` (meapp.core.problems.Problem) names each field that is wrong (its `where`)."""

    status = 400

    def __init__(self, problems: list):
        first = problems[0]
        super().__init__(first.message_id, **dict(first.params))
        self.problems = list(problems)


class LogframeConflict(StaleVersion):
    """Someone changed the logframe (or its state) after this page was opened."""

    def __init__(self, current_version: int | None):
        if current_version is None:  # found while saving: the newer version is not known yet
            super().__init__(N_("Someone else changed this logframe while you were saving it. Nothing of yours was "
                                "saved: look at it again and redo your change."), None)
        else:
            super().__init__(N_("Someone else changed this logframe after you opened it (now version %(version)s). "
                                "Nothing of yours was saved: look at it again and redo your change."),
                             current_version)


class LogframeStateError(WorkflowError):
    """The logframe is not in the state the action needs (submitting an approved one, returning a draft...)."""

    status = 409
