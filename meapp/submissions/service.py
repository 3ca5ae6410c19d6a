"""The one write path for submissions: values, narratives, findings, workflow and evidence.

Every function takes the acting user, checks what that user may do, validates, writes the change,
its findings and its audit events, and flushes. The caller (view, CLI, API) commits once.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from meapp.audit.service import record
from meapp.auth.permissions import Action, can
from meapp.core.messages import N_
from meapp.core.periods import Period, default_due_date
from meapp.core.text import (
    REASON_LIMIT,
)
from meapp.errors import (
    BlockedError,
    BusyError,
    ConflictError,
    PeriodShut,
    PermissionDenied,
    UnknownCells,
    WorkflowError,
)
from meapp.extensions import db
from meapp.logframes.models import Severity, Unit
from meapp.modelbase import utcnow
from meapp.projects.models import Project
from meapp.submissions import queries
from meapp.submissions.grid import finding_key as stored_finding_key
from meapp.submissions.models import EDITABLE, PeriodStatus, ReportingPeriod, Submission, SubmissionStatus, Value
from meapp.submissions.models import Finding as FindingRow
from meapp.submissions.rules import (
    ValueEntry,
    check_entries,
    check_period,
    check_text,
    check_writable,
    period_open_for,
    project_period,
)
from meapp.validation import FindingCode, RawValue, ValidationResult, validate


@dataclass
class SaveOutcome:
    submission: Submission | None
    result: ValidationResult
    changed: int = 0
    dry_run: bool = False
    created: bool = False
    changes: list[dict] = field(default_factory=list)


def _jsonable(params: dict) -> dict:
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in params.items()}


def _require(actor, action: Action, project: Project) -> None:
    if not can(actor, action, project):
        raise PermissionDenied()


def _check_version(submission: Submission, expected_version: int | None) -> None:
    """Refuse a save from a page opened before someone else's save; arm the flush-time guard too."""
    if expected_version is None or submission.id is None:
        return
    if expected_version == 0:  # the page was opened before the first save: someone saved since
        raise ConflictError(submission.version)
    if submission.version != expected_version:
        raise ConflictError(submission.version)
    # The UPDATE will say WHERE version = expected: a concurrent save in between makes it match nothing.
    set_committed_value(submission, "version", expected_version)


def _flush(submission: Submission | None, creating: bool = False) -> None:
    """Flush, turning only a stale version into a ConflictError (and a busy SQLite into BusyError).

    The caller owns the transaction: nothing here rolls it back. A unique-constraint error is a
    conflict only while creating a submission (someone created the same project × period since the
    page was opened, i.e. its version 0 went stale); any other integrity error is a bug and surfaces.
    """
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise ConflictError(None) from exc
    except IntegrityError as exc:
        if creating:
            raise ConflictError(None) from exc
        raise
    except OperationalError as exc:
        if "locked" in str(exc).lower() or "busy" in str(exc).lower():
            raise BusyError() from exc
        raise


def _store_findings(submission: Submission, result: ValidationResult, indicator_ids: dict[str, int],
                    actor) -> None:
    """Replace the submission's findings, keeping the justification of a warning that is still there."""
    kept = {stored_finding_key(f): f
            for f in submission.findings if f.justification}
    submission.findings.clear()
    for item in result.findings:
        row = FindingRow(code=item.code.value, severity=Severity(item.severity), indicator_code=item.indicator[:40],
                         indicator_id=indicator_ids.get(item.indicator), combination=item.combination[:200],
                         period=item.period, params=_jsonable(item.params))
        old = kept.get(item.key)
        if old is not None and item.severity == "warning":
            row.justification, row.justified_by_id, row.justified_at = (
                old.justification, old.justified_by_id, old.justified_at)
        submission.findings.append(row)


def _fits(value: Decimal) -> bool:
    """A number the value column holds exactly (18 digits, 4 decimals); others are kept as typed text."""
    try:
        return abs(value) < Decimal(10) ** 14 and value == value.quantize(Decimal("0.0001"))
    except ArithmeticError:
        return False


def _is_locked(submission: Submission | None, period: str) -> bool:
    """Approved submissions and closed reporting periods take no new figures (drafts are kept, not submitted)."""
    if submission is not None and submission.is_locked:
        return True
    reporting = queries.reporting_period(period)
    return reporting is not None and reporting.status is PeriodStatus.CLOSED


def _format_raw(value) -> str | None:
    """A value as the audit trail shows it: 6.0000 from the database and 6 typed are the same."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text
    return str(value)


def save(project: Project, period: str, actor, entries: list[ValueEntry], *, narrative_en: str | None = None,
         narrative_fr: str | None = None, expected_version: int | None = None, lang: str = "en",
         dry_run: bool = False) -> SaveOutcome:
    """Validate and write values and narratives of one project × period as a draft.

    expected_version: the version the editor's page showed (0 for a page opened before anything was
    saved); None skips the check (scripted loads, which say exactly what they change).
    """
    _require(actor, Action.EDIT, project)
    check_entries(entries, narrative_en, narrative_fr)
    period = project_period(project, period)
    submission = queries.find_submission(project, period)
    check_writable(project, period, submission)
    if submission is not None:
        _check_version(submission, expected_version)

    indicators = queries.indicators_of(project)
    by_code = {i.code: i for i in indicators}
    reported, retired = _reported(submission, indicators)
    # What is stored for an indicator retired for this period stays as it is, unjudged; a value sent for one
    # reaches the engine, which refuses it (below).
    merged = queries.stored_raw_values(submission, reported)
    for entry in entries:
        merged[(entry.indicator, entry.combination)] = RawValue(entry.indicator, entry.value, entry.combination,
                                                                entry.comment or "")
    values = [v for v in merged.values() if not (v.value is None or (isinstance(v.value, str) and not v.value.strip()))]
    result = validate(queries.validation_input(project, period, reported, values,
                                               is_locked=_is_locked(submission, period), lang=lang, retired=retired))
    # Values for indicators or categories the project does not have refuse the whole save, on every door.
    # (Only the cells this request names: a stored cell the logframe no longer offers stays a finding.)
    sent = {(e.indicator, e.combination) for e in entries}
    unknown = sorted({(f.indicator, f.combination) for f in result.findings
                      if f.code.value in ("unknown_indicator", "unknown_category")
                      and (f.indicator, f.combination) in sent})
    if unknown:
        raise UnknownCells(unknown, result)
    refused = [f for f in result.findings if f.code is FindingCode.RETIRED_INDICATOR]
    if refused:
        raise BlockedError(refused, N_("Indicators retired for this period take no value: %(indicators)s. "
                                       "Nothing was saved."),
                           result=result, indicators=", ".join(sorted({f.indicator for f in refused})))
    if dry_run:
        return SaveOutcome(submission, result, dry_run=True)

    created = submission is None
    if created:
        submission = Submission(project_id=project.id, period=period, created_by_id=actor.id)
        db.session.add(submission)
        _flush(submission, creating=True)
        record(actor, "submission.create", submission, after={"period": period, "status": "draft"},
               key=f"{project.code}/{period}")
    elif submission.status is SubmissionStatus.RETURNED:
        submission.status = SubmissionStatus.DRAFT
        record(actor, "submission.reopen_draft", submission, before={"status": "returned"},
               after={"status": "draft"}, key=f"{project.code}/{period}")

    stored = {(v.indicator_id, v.combination): v for v in submission.values}
    changes, pending_audit = [], []
    for entry in entries:
        indicator = by_code[entry.indicator]
        row = stored.get((indicator.id, entry.combination))
        parsed = result.parsed.get((entry.indicator, entry.combination))
        raw = None if entry.value is None or (isinstance(entry.value, str) and not entry.value.strip()) \
            else entry.value
        if indicator.unit is Unit.TEXT:
            new_value, new_text = None, parsed if isinstance(parsed, str) else _format_raw(raw)
        elif isinstance(parsed, Decimal) and _fits(parsed):
            new_value, new_text = parsed, None
        else:
            new_value, new_text = None, _format_raw(raw)  # kept as typed until fixed
        before = None if row is None else {"value": _format_raw(row.value if row.value is not None else row.text_value),
                                           "comment": row.comment}
        comment = (row.comment if row is not None else "") if entry.comment is None else entry.comment.strip()
        after = None if raw is None else {"value": _format_raw(new_value if new_value is not None else new_text),
                                          "comment": comment}
        if raw is None and row is None:
            continue
        if raw is None:
            submission.values.remove(row)
            action = "value.delete"
        elif row is None:
            row = Value(indicator_id=indicator.id, combination=entry.combination, value=new_value,
                        text_value=new_text, comment=comment, updated_by_id=actor.id,
                        indicator_revision=indicator.revision)
            submission.values.append(row)
            action = "value.create"
        else:
            if before == after:
                continue
            row.value, row.text_value, row.comment, row.updated_by_id = new_value, new_text, comment, actor.id
            row.indicator_revision = indicator.revision  # values keep the definition they were reported against
            action = "value.update"
        key = queries.value_key(project.code, period, entry.indicator, entry.combination)
        pending_audit.append((action, row, before, after, key))
        changes.append({"indicator": entry.indicator, "combination": entry.combination,
                        "before": before, "after": after})

    for lang_code, text in (("en", narrative_en), ("fr", narrative_fr)):
        if text is None:
            continue
        old = getattr(submission, f"narrative_{lang_code}")
        if old != text.strip():
            setattr(submission, f"narrative_{lang_code}", text.strip())
            record(actor, "submission.narrative", submission, before={lang_code: old}, after={lang_code: text.strip()},
                   key=f"{project.code}/{period}")
            changes.append({"narrative": lang_code})

    _store_findings(submission, result, {i.code: i.id for i in indicators}, actor)
    submission.updated_at = utcnow()  # always bump the version, so two saves never both win
    _flush(submission)
    for action, row, before, after, key in pending_audit:  # after the flush: new values have their ids
        record(actor, action, row, before=before, after=after, project_id=project.id,
               submission_id=submission.id, key=key)
    record(actor, "submission.save", submission, after={"version": submission.version, "changes": len(changes)},
           key=f"{project.code}/{period}")
    return SaveOutcome(submission, result, changed=len(changes), created=created, changes=changes)


def import_values(project: Project, period: str, actor, entries: list[ValueEntry], *,
                  narrative_en: str | None = None, narrative_fr: str | None = None, lang: str = "en",
                  commit: bool = True) -> SaveOutcome:
    """The import rule of every door that brings a batch of values (CLI file, Excel upload, API).

    Everything is checked before anything is written: text rules, the period, the account's rights,
    indicators and categories (an unknown one refuses the whole batch: UnknownCells), then validation;
    any error finding refuses the batch (BlockedError carrying the findings). Only then, with commit,
    are the values saved as a draft in one flush; without it (dry run) nothing is written. Values not
    in the batch keep what is stored, and submitting stays a person's decision.
    """
    outcome = save(project, period, actor, entries, narrative_en=narrative_en, narrative_fr=narrative_fr,
                   lang=lang, dry_run=True)
    if outcome.result.errors:
        raise BlockedError(outcome.result.errors, N_("Errors to fix: %(count)s. Nothing was saved."),
                           count=len(outcome.result.errors), result=outcome.result)
    if not commit:
        return outcome
    return save(project, period, actor, entries, narrative_en=narrative_en, narrative_fr=narrative_fr, lang=lang)


def _load(project: Project, period: str) -> Submission:
    submission = queries.find_submission(project, check_period(period))
    if submission is None:
        raise WorkflowError(N_("Nothing has been reported for %(period)s yet."), period=period)
    return submission


def _transition(submission: Submission, actor, action: str, before: SubmissionStatus, after: SubmissionStatus,
                project: Project, reason: str = "", was: dict | None = None) -> None:
    submission.status = after
    record(actor, f"submission.{action}", submission, before={"status": before.value, **(was or {})},
           after={"status": after.value}, reason=reason, key=f"{project.code}/{submission.period}")


def _reported(submission: Submission | None, indicators: list) -> tuple[list, dict]:
    """The indicators this report asks for, and code → day of retirement of those retired for its period."""
    retired = queries.retired_in(submission, indicators)
    return ([i for i in indicators if i.id not in retired],
            {i.code: retired[i.id] for i in indicators if i.id in retired})


def revalidate(project: Project, submission: Submission, lang: str = "en") -> ValidationResult:
    """Validate the stored values again (targets, rules or history may have changed) and store the findings."""
    indicators = queries.indicators_of(project)
    reported, retired = _reported(submission, indicators)
    values = list(queries.stored_raw_values(submission, reported).values())
    result = validate(queries.validation_input(project, submission.period, reported, values,
                                               is_locked=_is_locked(submission, submission.period), lang=lang,
                                               retired=retired))
    _store_findings(submission, result, {i.code: i.id for i in indicators}, None)
    return result


def justify(project: Project, period: str, actor, finding_keys: dict[str, str],
            expected_version: int | None = None) -> Submission:
    """Write the justifications of warnings (key → text)."""
    _require(actor, Action.EDIT, project)
    submission = _load(project, period)
    check_writable(project, submission.period, submission)
    _check_version(submission, expected_version)
    rows = {stored_finding_key(f): f
            for f in submission.findings}
    for key, text in finding_keys.items():
        row = rows.get(key)
        text = (text or "").strip()
        if row is None or row.severity.value != "warning" or text == row.justification:
            continue
        check_text(text, REASON_LIMIT, "justification")
        record(actor, "finding.justify", row, before={"justification": row.justification},
               after={"justification": text}, project_id=project.id, submission_id=submission.id,
               key=f"{project.code}/{period}/{row.indicator_code}/{row.combination}")
        row.justification, row.justified_by_id, row.justified_at = text, actor.id, utcnow()
    submission.updated_at = utcnow()
    _flush(submission)
    return submission


def submit(project: Project, period: str, actor, expected_version: int | None = None,
           justifications: dict[str, str] | None = None, lang: str = "en") -> Submission:
    """Draft → submitted, when no error remains and every warning is justified."""
    _require(actor, Action.EDIT, project)
    submission = _load(project, period)
    if submission.status not in EDITABLE:
        raise PeriodShut(N_("This submission is %(status)s: it cannot be submitted."),
                         status=submission.status.value)
    check_writable(project, submission.period, submission)
    period_open_for(actor, submission.period)
    _check_version(submission, expected_version)
    result = revalidate(project, submission, lang)
    if justifications:
        justify(project, period, actor, justifications)
    if result.errors:
        raise BlockedError(result.errors, N_("Errors to fix before submitting: %(count)s."),
                           count=len(result.errors))
    unjustified = [f for f in submission.findings if f.severity.value == "warning" and not f.justification]
    if unjustified:
        raise BlockedError(unjustified, N_("Warnings still without a written justification: %(count)s."),
                           count=len(unjustified))
    before = submission.status
    # submitted_at keeps the last hand-in (timeliness); the trail keeps the one before, so that when a report
    # was first handed in stays known (queries.first_handed_in: what an indicator's retirement spares).
    was = {"submitted_at": submission.submitted_at.isoformat()} if submission.submitted_at else None
    submission.submitted_at, submission.submitted_by_id = utcnow(), actor.id
    _transition(submission, actor, "submit", before, SubmissionStatus.SUBMITTED, project, was=was)
    _flush(submission)
    return submission


def approve(project: Project, period: str, actor, expected_version: int | None = None) -> Submission:
    """Submitted → approved; the period is locked for this project."""
    _require(actor, Action.APPROVE, project)
    submission = _load(project, period)
    if submission.status is not SubmissionStatus.SUBMITTED:
        raise WorkflowError(N_("Only a submitted report can be approved or returned."))
    _check_version(submission, expected_version)
    submission.decided_at, submission.decided_by_id, submission.is_locked = utcnow(), actor.id, True
    _transition(submission, actor, "approve", SubmissionStatus.SUBMITTED, SubmissionStatus.APPROVED, project)
    _flush(submission)
    return submission


def return_submission(project: Project, period: str, actor, reason: str,
                      expected_version: int | None = None) -> Submission:
    """Submitted → returned, with the reason the implementer will read."""
    _require(actor, Action.APPROVE, project)
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError(N_("Say why the submission is returned."))
    check_text(reason, REASON_LIMIT, "reason")
    submission = _load(project, period)
    if submission.status is not SubmissionStatus.SUBMITTED:
        raise WorkflowError(N_("Only a submitted report can be approved or returned."))
    _check_version(submission, expected_version)
    submission.decided_at, submission.decided_by_id, submission.return_reason = utcnow(), actor.id, reason
    _transition(submission, actor, "return", SubmissionStatus.SUBMITTED, SubmissionStatus.RETURNED, project, reason)
    _flush(submission)
    return submission


def reopen(project: Project, period: str, actor, reason: str, expected_version: int | None = None) -> Submission:
    """Approved → draft again, by the secretariat only, with a reason."""
    _require(actor, Action.MANAGE, project)
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError(N_("Say why the submission is reopened."))
    check_text(reason, REASON_LIMIT, "reason")
    submission = _load(project, period)
    if submission.status is not SubmissionStatus.APPROVED:
        raise WorkflowError(N_("Only an approved submission can be reopened."))
    _check_version(submission, expected_version)
    submission.is_locked, submission.reopen_reason = False, reason
    _transition(submission, actor, "reopen", SubmissionStatus.APPROVED, SubmissionStatus.DRAFT, project, reason)
    _flush(submission)
    return submission


def set_reporting_period(actor, code: str, status: PeriodStatus, due_date: dt.date | None = None) -> ReportingPeriod:
    """Open, close or plan a reporting round (secretariat only)."""
    if not getattr(actor, "is_secretariat", False):
        raise PermissionDenied()
    code = check_period(code)
    if len(code) > 7:
        raise WorkflowError(N_("“%(period)s” is not a period (expected e.g. 2023Q1)."), period=code)
    period = queries.reporting_period(code)
    before = None if period is None else {"status": period.status.value, "due_date": str(period.due_date)}
    if period is None:
        if due_date is None:
            due_date = default_due_date(Period.parse(code))
        period = ReportingPeriod(code=code, due_date=due_date, status=status)
        db.session.add(period)
    period.status = status
    if due_date is not None:
        period.due_date = due_date
    if status is PeriodStatus.OPEN:
        period.opened_at, period.closed_at = utcnow(), None
    elif status is PeriodStatus.CLOSED:
        period.closed_at = utcnow()
    db.session.flush()
    record(actor, "period.update", period, before=before,
           after={"status": status.value, "due_date": str(period.due_date)}, key=code)
    return period
