"""Writes for logframes: validation rules (parsed and checked before they are stored)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from meapp.audit.service import record
from meapp.auth.permissions import Action, can
from meapp.core.messages import N_
from meapp.errors import PermissionDenied
from meapp.extensions import db
from meapp.logframes.models import Indicator, MissingValueStrategy, Operator, Severity, ValidationRule
from meapp.projects.models import Project
from meapp.validation.expressions import RuleSyntaxError, names, parse_expression


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


def check_rule(project: Project, spec: RuleInput) -> None:
    """Refuse a rule whose expressions do not parse or name indicators the project lacks."""
    codes = set(db.session.scalars(select(Indicator.code).where(Indicator.project_id == project.id)))
    for field in ("left", "right"):
        text = getattr(spec, field)
        try:
            tree = parse_expression(text)
        except RuleSyntaxError as exc:
            raise RuleError(field, N_("At position %(position)s of “%(expression)s”: %(reason)s."),
                            reason_id=exc.reason, reason_params=exc.params, position=exc.position + 1,
                            expression=text) from exc
        unknown = sorted(names(tree) - codes)
        if unknown:
            raise RuleError(field, N_("Unknown indicator in “%(expression)s”: %(codes)s."), expression=text,
                            codes=", ".join(unknown))
    if spec.operator not in {o.value for o in Operator}:
        raise RuleError("operator", N_("Unknown comparison “%(operator)s”."), operator=spec.operator)
    if not (spec.message_en.strip() or spec.message_fr.strip()):
        raise RuleError("message_en", N_("Write the message shown when the rule is broken."))


def add_rule(project: Project, actor, spec: RuleInput) -> ValidationRule:
    """Store a checked rule for the project's logframe (secretariat)."""
    if not can(actor, Action.MANAGE, project):
        raise PermissionDenied()
    check_rule(project, spec)
    position = (db.session.scalar(select(func.max(ValidationRule.position))
                                  .where(ValidationRule.project_id == project.id)) or 0) + 1
    existing = set(db.session.scalars(select(ValidationRule.code).where(ValidationRule.project_id == project.id)))
    number = position
    while f"R{number}" in existing:
        number += 1
    rule = ValidationRule(project_id=project.id, code=f"R{number}", left_expression=spec.left.strip(),
                          operator=Operator(spec.operator), right_expression=spec.right.strip(),
                          severity=Severity(spec.severity),
                          missing_value_strategy=MissingValueStrategy(spec.missing_value_strategy),
                          message_en=spec.message_en.strip(), message_fr=spec.message_fr.strip(), position=position)
    db.session.add(rule)
    db.session.flush()
    record(actor, "rule.create", rule, after={"code": rule.code, "rule": f"{rule.left_expression} "
                                              f"{rule.operator.value} {rule.right_expression}"},
           key=f"{project.code}/rules/{rule.code}")
    return rule


def deactivate_rule(project: Project, actor, rule: ValidationRule) -> None:
    """Rules are switched off, never deleted: old findings keep their meaning."""
    if not can(actor, Action.MANAGE, project) or rule.project_id != project.id:
        raise PermissionDenied()
    rule.is_active = False
    db.session.flush()
    record(actor, "rule.deactivate", rule, before={"is_active": True}, after={"is_active": False},
           key=f"{project.code}/rules/{rule.code}")
