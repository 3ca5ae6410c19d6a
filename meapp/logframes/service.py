"""The one write path for logframes: `apply_logframe`, the lifecycle, and the rules screen's two actions.

Every door (screens, the Excel workbook, the projects file) builds a `LogframeSpec` and calls
`apply_logframe`: everything is checked first (`plan_logframe`, which writes nothing), then the
difference is written in one flush — levels, indicators (a new revision when the definition of an
indicator with values changes; the date and reason of a target revision once the logframe was
approved), targets, rules — each change audited with its reason. A change by an implementer awaits the
secretariat's approval (the logframe goes back to draft); the secretariat approves and the funders
are informed.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, fields, replace
from decimal import Decimal

from flask_babel import force_locale, gettext
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from meapp.audit.service import record
from meapp.auth.permissions import Action, can, is_secretariat
from meapp.core.messages import N_
from meapp.core.problems import ProblemsError
from meapp.core.text import REASON_LIMIT, text_problem
from meapp.errors import InvalidText, LogframeConflict, LogframeStateError, PermissionDenied, WorkflowError
from meapp.extensions import db
from meapp.logframes import queries
from meapp.logframes.models import (
    Aggregation,
    Direction,
    Indicator,
    IndicatorRevision,
    LevelKind,
    Logframe,
    LogframeStatus,
    MissingValueStrategy,
    Operator,
    PeriodTarget,
    ResultLevel,
    Severity,
    Unit,
    ValidationRule,
)
from meapp.logframes.plan import Change, LogframePlan, PlanContext, plan
from meapp.logframes.spec import (
    DEFINITION_FIELDS,
    IndicatorSpec,
    LevelSpec,
    LogframeSpec,
    RuleSpec,
    plain,
)
from meapp.modelbase import utcnow
from meapp.projects.models import Project

__all__ = ["Change", "LogframePlan", "RuleError", "RuleInput", "add_rule", "apply_logframe", "approve_logframe",
           "deactivate_rule", "definition_snapshot", "plan_logframe", "return_logframe", "submit_logframe"]


# --- plan and apply ----------------------------------------------------------------------------------------


def _context(project: Project, logframe: Logframe | None) -> PlanContext:
    """What the checks need from the database, in a fixed number of queries."""
    # A logframe stored before it had a state (a seeded project) counts as approved, as the migration says.
    was_approved = logframe.was_approved if logframe is not None else queries.has_levels(project)
    return PlanContext(stored=queries.spec_of(project),
                       with_values=frozenset(queries.indicators_with_values(project)),
                       was_approved=was_approved,
                       categories=queries.category_keys(project),
                       periods=tuple(p.code for p in project.periods()))


def plan_logframe(project: Project, spec: LogframeSpec, *, reason: str = "") -> LogframePlan:
    """Every problem of `spec` and every change applying it would make; writes nothing."""
    return plan(spec, _context(project, queries.logframe_of(project)), reason)


def _may_draft(actor, project: Project) -> None:
    """Implementers of the project draft logframe changes; the secretariat changes and approves them."""
    if not (can(actor, Action.EDIT, project) or is_secretariat(actor)):
        raise PermissionDenied()


def _check_version(logframe: Logframe | None, expected_version: int | None) -> None:
    """Refuse a change made on a page older than the logframe (0: a page opened before it was stored)."""
    if expected_version is None:
        return
    current = logframe.version if logframe is not None else 0
    if current != expected_version:
        raise LogframeConflict(current)


def _flush() -> None:
    """Flush, turning a concurrent change of the logframe (its version, or its creation) into a conflict."""
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise LogframeConflict(None) from exc
    except IntegrityError as exc:
        if "logframes" in str(exc.orig):  # someone stored this project's first logframe meanwhile
            raise LogframeConflict(None) from exc
        raise


def _ensure_logframe(project: Project, logframe: Logframe | None) -> Logframe:
    if logframe is not None:
        return logframe
    # A new project's logframe starts as a draft; one stored before logframes had a state was approved.
    status = LogframeStatus.APPROVED if queries.has_levels(project) else LogframeStatus.DRAFT
    logframe = Logframe(project_id=project.id, status=status)
    db.session.add(logframe)
    return logframe


def apply_logframe(project: Project, actor, spec: LogframeSpec, *, reason: str = "", dry_run: bool = False,
                   expected_version: int | None = None) -> LogframePlan:
    """Check `spec` whole, then write its difference with the stored logframe in one flush, audited.

    Errors raise ProblemsError (nothing written); dry_run returns the plan without writing; an unchanged
    logframe writes nothing at all. expected_version: the logframe's version the page showed (0 before
    the logframe was ever stored); None skips the check.
    """
    _may_draft(actor, project)
    logframe = queries.logframe_of(project)
    _check_version(logframe, expected_version)
    context = _context(project, logframe)
    result = plan(spec, context, reason)
    if result.errors:
        raise ProblemsError(result.problems)
    if dry_run or not result.changed:
        return result
    created = logframe is None
    logframe = _ensure_logframe(project, logframe)
    before = logframe.status
    if not is_secretariat(actor):
        logframe.status = LogframeStatus.DRAFT  # an implementer's change awaits the secretariat's approval
    if not created:
        logframe.updated_at = utcnow()  # the version moves with every change (the first flush below writes it)
    reason = (reason or "").strip()
    _Writer(project, actor, context.stored, result, reason).write()
    _flush()
    if logframe.status is not before and not created:
        record(actor, "logframe.reopen_draft", logframe, before={"status": before.value},
               after={"status": logframe.status.value}, reason=reason, project_id=project.id, key=_key(project))
    return result


def _key(project: Project, *parts: str) -> str:
    return "/".join((project.code, *parts)) if parts else f"{project.code}/logframe"


def _json(value):
    if isinstance(value, Decimal):
        return format(plain(value), "f")
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_json(v) for v in value]
    return value


def _as_dict(item, names=None) -> dict:
    names = names or [f.name for f in fields(item) if f.name != "where"]
    return {name: _json(getattr(item, name, None)) for name in names}


def definition_snapshot(item: IndicatorSpec) -> dict:
    """An indicator's definition (spec.DEFINITION_FIELDS) as JSON: decimals as strings, keys as a list."""
    return _as_dict(item, DEFINITION_FIELDS)


class _Writer:
    """Writes one checked plan: the normalised spec it carries, change by change, then the audit."""

    def __init__(self, project: Project, actor, stored: LogframeSpec, result: LogframePlan, reason: str):
        self.project, self.actor, self.stored, self.reason = project, actor, stored, reason
        self.spec: LogframeSpec = result.spec
        self.changes = result.changes
        self.actions = defaultdict(set)  # (kind, action) → codes
        for change in self.changes:
            self.actions[(change.kind, change.action)].add(change.code)
        self.now = utcnow()
        self.levels = {lv.code: lv for lv in db.session.scalars(
            db.select(ResultLevel).where(ResultLevel.project_id == project.id))}
        self.indicators = {i.code: i for i in db.session.scalars(
            db.select(Indicator).where(Indicator.project_id == project.id)
            .options(selectinload(Indicator.disaggregation_types), selectinload(Indicator.period_targets)))}
        self.rules = {r.code: r for r in queries.rules_of(project)}
        self.types = queries.disaggregation_types_by_key()

    def has(self, kind: str, action: str, code: str) -> bool:
        return code in self.actions[(kind, action)]

    def write(self) -> None:
        self.write_levels()
        self.write_indicators()
        self.write_targets()
        self.write_rules()
        _flush()
        self.delete()
        _flush()
        self.audit()

    def write_levels(self) -> None:
        children = defaultdict(list)
        for item in self.spec.levels:
            children[item.parent].append(item)
        ordered: list[LevelSpec] = []

        def walk(parent) -> None:
            for item in children.get(parent, ()):
                ordered.append(item)
                walk(item.code)

        walk(None)
        for position, item in enumerate(ordered):
            level = self.levels.get(item.code)
            if level is None:
                level = self.levels[item.code] = ResultLevel(project_id=self.project.id, code=item.code)
                db.session.add(level)
            level.kind, level.position = LevelKind(item.kind), position
            level.statement_en, level.statement_fr = item.statement_en, item.statement_fr
            level.parent = self.levels[item.parent] if item.parent else None
        self.level_order = {item.code: index for index, item in enumerate(ordered)}

    def write_indicators(self) -> None:
        ordered = sorted(enumerate(self.spec.indicators), key=lambda pair: (self.level_order[pair[1].level], pair[0]))
        stored = {item.code: item for item in self.stored.indicators}
        for position, (_index, item) in enumerate(ordered, start=1):
            indicator = self.indicators.get(item.code)
            if indicator is None:
                indicator = self.indicators[item.code] = Indicator(project_id=self.project.id, code=item.code)
                db.session.add(indicator)
                if item.retired:
                    indicator.retired_at, indicator.retire_reason = self.now, self.reason
            if self.has("indicator", "revise", item.code):
                # Revision N's definition is kept as N+1 replaces it: the values reported against it keep it.
                indicator.revisions.append(IndicatorRevision(
                    number=indicator.revision, definition=definition_snapshot(stored[item.code]), reason=self.reason,
                    created_at=self.now, created_by_id=getattr(self.actor, "id", None)))
                indicator.revision += 1
            if self.has("indicator", "retarget", item.code) or self.has("target", "retarget", item.code):
                indicator.target_revised_at, indicator.target_revision_reason = self.now, self.reason
            if self.has("indicator", "retire", item.code):
                indicator.retired_at, indicator.retire_reason = self.now, self.reason
            elif self.has("indicator", "reinstate", item.code):
                indicator.retired_at, indicator.retire_reason = None, ""
            indicator.result_level = self.levels[item.level]
            indicator.position = position
            for name in ("name_en", "name_fr", "definition_en", "definition_fr", "currency", "is_cumulative",
                         "baseline_value", "baseline_date", "target_value", "min_value", "max_value", "decimals",
                         "is_required", "is_key", "means_of_verification_en", "means_of_verification_fr"):
                value = getattr(item, name)
                if getattr(indicator, name) != value or (value is None) != (getattr(indicator, name) is None):
                    setattr(indicator, name, value)
            indicator.unit, indicator.aggregation = Unit(item.unit), Aggregation(item.aggregation)
            indicator.direction = Direction(item.direction)
            keys = tuple(t.key for t in indicator.disaggregation_types)
            if keys != tuple(item.disaggregations):
                indicator.disaggregation_types = [self.types[key] for key in item.disaggregations]

    def write_targets(self) -> None:
        wanted = defaultdict(dict)
        for target in self.spec.targets:
            wanted[target.indicator][(target.period, target.combination)] = target.value
        for kind_action in (("target", "update"), ("target", "retarget")):
            for code in self.actions[kind_action]:
                indicator = self.indicators[code]
                cells = dict(wanted.get(code, {}))
                for row in list(indicator.period_targets):
                    value = cells.pop((row.period, row.combination), None)
                    if value is None:
                        indicator.period_targets.remove(row)
                    elif row.value != value:
                        row.value = value
                for (period, combination), value in cells.items():
                    indicator.period_targets.append(PeriodTarget(period=period, combination=combination, value=value))

    def write_rules(self) -> None:
        for position, item in enumerate(self.spec.rules, start=1):
            rule = self.rules.get(item.code)
            if rule is None:
                rule = self.rules[item.code] = ValidationRule(project_id=self.project.id, code=item.code)
                db.session.add(rule)
            rule.left_expression, rule.operator, rule.right_expression = (item.left, Operator(item.operator),
                                                                          item.right)
            rule.severity = Severity(item.severity)
            rule.missing_value_strategy = MissingValueStrategy(item.missing_value_strategy)
            rule.message_en, rule.message_fr = item.message_en, item.message_fr
            rule.is_active, rule.position = bool(item.is_active), position
        sent = {item.code for item in self.spec.rules}
        kept = [rule for rule in sorted(self.rules.values(), key=lambda r: (r.position, r.id or 0))
                if rule.code not in sent]
        for offset, rule in enumerate(kept, start=len(self.spec.rules) + 1):
            rule.position = offset  # switched off, never deleted: listed after the rules sent
            if self.has("rule", "deactivate", rule.code):
                rule.is_active = False

    def delete(self) -> None:
        for code in self.actions[("indicator", "delete")]:
            db.session.delete(self.indicators[code])
        for item in reversed(self.stored.levels):  # children before their parents
            if self.has("level", "delete", item.code):
                db.session.delete(self.levels[item.code])

    def audit(self) -> None:
        """One audit event per change: what it was, what it is, and why."""
        stored = {("level", i.code): i for i in self.stored.levels}
        stored |= {("indicator", i.code): i for i in self.stored.indicators}
        stored |= {("rule", i.code): i for i in self.stored.rules}
        sent = {("level", i.code): i for i in self.spec.levels}
        sent |= {("indicator", i.code): i for i in self.spec.indicators}
        sent |= {("rule", i.code): i for i in self.spec.rules}
        entities = {"level": self.levels, "indicator": self.indicators, "target": self.indicators,
                    "rule": self.rules}
        keys = {"level": "levels", "indicator": "indicators", "target": "indicators", "rule": "rules"}
        for change in self.changes:
            old, new = stored.get((change.kind, change.code)), sent.get((change.kind, change.code))
            before, after = self._states(change, old, new)
            key = _key(self.project, keys[change.kind], change.code) + ("/targets" if change.kind == "target" else "")
            record(self.actor, f"{change.kind}.{change.action}", entities[change.kind][change.code], before=before,
                   after=after, reason=self.reason, project_id=self.project.id, key=key)

    def _states(self, change: Change, old, new) -> tuple[dict | None, dict | None]:
        if change.kind == "target":
            def cells(targets) -> dict:
                found = {f"{t.period} {t.combination}".strip(): _json(t.value) for t in targets
                         if t.indicator == change.code}
                return {cell: found.get(cell) for cell in change.fields}
            return cells(self.stored.targets), cells(self.spec.targets)
        if change.action == "create":
            return None, _as_dict(new)
        if change.action == "delete":
            return _as_dict(old), None
        if change.action in ("retire", "reinstate"):
            return {"retired": bool(old.retired)}, {"retired": bool(new.retired)}
        if change.action == "deactivate":
            return {"is_active": True}, {"is_active": False}
        names = [name for name in change.fields if name != "position"]
        before, after = _as_dict(old, names), _as_dict(new, names)
        if "position" in change.fields:
            before["position"], after["position"] = self._rank(change.kind, change.code, self.stored), \
                self._rank(change.kind, change.code, self.spec)
        return before, after

    @staticmethod
    def _rank(kind: str, code: str, spec: LogframeSpec) -> int | None:
        items = {"level": spec.levels, "indicator": spec.indicators, "rule": spec.rules}[kind]
        return next((index + 1 for index, item in enumerate(items) if item.code == code), None)


# --- lifecycle -------------------------------------------------------------------------------------------


def _logframe_for(project: Project, expected_version: int | None) -> Logframe:
    logframe = queries.logframe_of(project)
    _check_version(logframe, expected_version)
    return _ensure_logframe(project, logframe)


def _move(logframe: Logframe, project: Project, actor, action: str, to: LogframeStatus, reason: str = "") -> None:
    before = logframe.status.value
    logframe.status = to
    logframe.updated_at = utcnow()
    _flush()
    record(actor, f"logframe.{action}", logframe, before={"status": before}, after={"status": to.value},
           reason=reason, project_id=project.id, key=_key(project))


def submit_logframe(project: Project, actor, expected_version: int | None) -> Logframe:
    """Draft → submitted: the implementers hand their changes to the secretariat for approval."""
    _may_draft(actor, project)
    logframe = _logframe_for(project, expected_version)
    if logframe.status is LogframeStatus.APPROVED:  # one message per state: French agrees "approuvé" with "cadre"
        raise LogframeStateError(N_("Only a draft logframe can be submitted: this one is already approved."))
    if logframe.status is LogframeStatus.SUBMITTED:
        raise LogframeStateError(N_("Only a draft logframe can be submitted: this one already awaits approval."))
    if not queries.indicator_codes(project):
        raise WorkflowError(N_("This logframe has no indicator yet: there is nothing to submit."))
    logframe.submitted_at, logframe.submitted_by_id = utcnow(), actor.id
    _move(logframe, project, actor, "submit", LogframeStatus.SUBMITTED)
    return logframe


def approve_logframe(project: Project, actor, expected_version: int | None, note: str = "") -> Logframe:
    """Draft or submitted → approved, by the secretariat; the funders are told (audit, and mail when set up)."""
    if not is_secretariat(actor):
        raise PermissionDenied()
    note = (note or "").strip()
    _check_reason(note)
    logframe = _logframe_for(project, expected_version)
    if logframe.status is LogframeStatus.APPROVED:
        raise LogframeStateError(N_("This logframe is already approved."))
    if not queries.indicator_codes(project):
        raise WorkflowError(N_("This logframe has no indicator yet: there is nothing to approve."))
    logframe.approved_at, logframe.approved_by_id, logframe.return_reason = utcnow(), actor.id, ""
    _move(logframe, project, actor, "approve", LogframeStatus.APPROVED, note)
    _inform_funders(project, logframe, actor, note)
    return logframe


def return_logframe(project: Project, actor, reason: str, expected_version: int | None) -> Logframe:
    """Submitted → draft, by the secretariat, with the reason the implementers will read."""
    if not is_secretariat(actor):
        raise PermissionDenied()
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError(N_("Say why the logframe is returned."))
    _check_reason(reason)
    logframe = _logframe_for(project, expected_version)
    if logframe.status is LogframeStatus.APPROVED:
        raise LogframeStateError(N_("Only a submitted logframe can be returned: this one is already approved."))
    if logframe.status is LogframeStatus.DRAFT:
        raise LogframeStateError(N_("Only a submitted logframe can be returned: this one is a draft."))
    logframe.return_reason = reason
    _move(logframe, project, actor, "return", LogframeStatus.DRAFT, reason)
    return logframe


def _check_reason(text: str) -> None:
    problem = text_problem(text, REASON_LIMIT)
    if problem is not None:
        raise InvalidText(problem.value, "reason", REASON_LIMIT)


def _inform_funders(project: Project, logframe: Logframe, actor, note: str) -> None:
    """Tell the funders' active donor accounts, each in their language; mail is optional (not set up: fine)."""
    from meapp.mail import send_mail  # mail needs only the app's configuration, read when sending

    people = queries.funder_contacts(project)
    sent = []
    for person in people:
        with force_locale(person.locale or "en"):
            subject = gettext("Logframe of %(project)s approved", project=project.code)
            lines = [gettext("Hello %(name)s,", name=person.name or person.email),
                     gettext("The secretariat approved the logframe of %(project)s (%(title)s). Its indicators "
                             "and targets are those the project reports against from now on.",
                             project=project.code,
                             title=(project.title_fr or project.title_en) if (person.locale or "en") == "fr"
                             else (project.title_en or project.title_fr))]
            if note:
                lines.append(gettext("Note from the secretariat: %(note)s", note=note))
            if send_mail([person.email], subject, "\n\n".join(lines) + "\n"):
                sent.append(person.email)
    record(actor, "logframe.funders_informed", logframe, after={
        "funders": [o.name for o in project.funders], "people": [p.email for p in people], "mailed": sent},
        reason=note, project_id=project.id, key=_key(project))


# --- the rules screen --------------------------------------------------------------------------------------


class RuleError(ValueError):
    """A rule that cannot be stored: which side, where, and why (translated when shown)."""

    def __init__(self, field: str, message_id: str, **params):
        super().__init__(message_id % {**params, "reason": params.get("reason_id", "")})
        self.field, self.message_id, self.params = field, message_id, params


@dataclass(frozen=True)
class RuleInput:
    left: str
    operator: str
    right: str
    severity: str = "error"
    missing_value_strategy: str = "skip_if_any"
    message_en: str = ""
    message_fr: str = ""


RULE_FIELDS = {"left": "left", "operator": "operator", "right": "right", "severity": "severity",
               "missing_value_strategy": "missing_value_strategy", "message_en": "message_en",
               "message_fr": "message_fr", "code": "left"}


def add_rule(project: Project, actor, spec: RuleInput) -> ValidationRule:
    """Add a checked rule to the project's logframe, through apply_logframe (the next free code R<n>)."""
    _may_draft(actor, project)
    stored = queries.spec_of(project)
    existing = {rule.code for rule in stored.rules}
    number = len(stored.rules) + 1
    while f"R{number}" in existing:
        number += 1
    rule = RuleSpec(code=f"R{number}", left=spec.left.strip(), operator=spec.operator, right=spec.right.strip(),
                    severity=spec.severity, missing_value_strategy=spec.missing_value_strategy,
                    message_en=spec.message_en.strip(), message_fr=spec.message_fr.strip(), where=RULE_FIELDS)
    try:
        apply_logframe(project, actor, stored.with_rule(rule))
    except ProblemsError as error:
        first = next((p for p in error.errors if p.where in RULE_FIELDS), error.errors[0])
        raise RuleError(first.where if first.where in RULE_FIELDS else "left", first.message_id,
                        **dict(first.params)) from error
    return queries.rule_with_code(project, rule.code)


def deactivate_rule(project: Project, actor, rule: ValidationRule) -> None:
    """Rules are switched off, never deleted: old findings keep their meaning."""
    if rule.project_id != project.id:
        raise PermissionDenied()
    _may_draft(actor, project)
    stored = queries.spec_of(project)
    current = next(r for r in stored.rules if r.code == rule.code)
    if current.is_active:
        apply_logframe(project, actor, stored.with_rule(replace(current, is_active=False)))
