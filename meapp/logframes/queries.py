"""Reads for logframes: indicators, rules and the shared disaggregations."""
from __future__ import annotations

from sqlalchemy import select

from meapp.extensions import db
from meapp.logframes.models import DisaggregationCategory, DisaggregationType, Indicator, ValidationRule


def rules_of(project) -> list[ValidationRule]:
    return list(db.session.scalars(select(ValidationRule).where(ValidationRule.project_id == project.id)
                                   .order_by(ValidationRule.position)))


def rule_of(project, rule_id: int) -> ValidationRule | None:
    """A rule of this project (None for another project's rule: its id says nothing)."""
    rule = db.session.get(ValidationRule, rule_id)
    return rule if rule is not None and rule.project_id == project.id else None


def indicator_codes(project) -> list[str]:
    return list(db.session.scalars(select(Indicator.code).where(Indicator.project_id == project.id)
                                   .order_by(Indicator.position)))


def indicator_of(project, code: str) -> Indicator | None:
    return db.session.scalar(select(Indicator).where(Indicator.project_id == project.id, Indicator.code == code))


def disaggregations() -> tuple[list[DisaggregationType], list[DisaggregationCategory]]:
    """Every shared disaggregation type and category (two queries)."""
    return (list(db.session.scalars(select(DisaggregationType))),
            list(db.session.scalars(select(DisaggregationCategory))))
