"""Reads for logframes: the logframe as plain data, its state, indicators, rules and the shared disaggregations."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from meapp.auth.models import Role, User
from meapp.extensions import db
from meapp.logframes.models import (
    DisaggregationCategory,
    DisaggregationType,
    Indicator,
    IndicatorRevision,
    Logframe,
    PeriodTarget,
    ResultLevel,
    ValidationRule,
    project_category_keys,
)
from meapp.logframes.spec import IndicatorSpec, LevelSpec, LogframeSpec, RuleSpec, TargetSpec, plain


def rules_of(project) -> list[ValidationRule]:
    return list(db.session.scalars(select(ValidationRule).where(ValidationRule.project_id == project.id)
                                   .order_by(ValidationRule.position, ValidationRule.id)))


def rule_of(project, rule_id: int) -> ValidationRule | None:
    """A rule of this project (None for another project's rule: its id says nothing)."""
    rule = db.session.get(ValidationRule, rule_id)
    return rule if rule is not None and rule.project_id == project.id else None


def indicator_codes(project) -> list[str]:
    return list(db.session.scalars(select(Indicator.code).where(Indicator.project_id == project.id)
                                   .order_by(Indicator.position)))


def rule_with_code(project, code: str) -> ValidationRule | None:
    return db.session.scalar(select(ValidationRule).where(ValidationRule.project_id == project.id,
                                                          ValidationRule.code == code))


def indicator_of(project, code: str) -> Indicator | None:
    return db.session.scalar(select(Indicator).where(Indicator.project_id == project.id, Indicator.code == code))


def disaggregations() -> tuple[list[DisaggregationType], list[DisaggregationCategory]]:
    """Every shared disaggregation type and category (two queries)."""
    return (list(db.session.scalars(select(DisaggregationType))),
            list(db.session.scalars(select(DisaggregationCategory))))


def category_keys(project) -> dict[str, tuple[str, ...]]:
    """Every shared disaggregation → the category keys the project's indicators split into, in order.

    One query of keys only: the country lists hold some 250 categories each, too many to load as objects
    on every logframe write.
    """
    rows = db.session.execute(
        select(DisaggregationType.key, DisaggregationCategory.key)
        .outerjoin(DisaggregationCategory, DisaggregationCategory.type_id == DisaggregationType.id)
        .order_by(DisaggregationType.position, DisaggregationType.id, DisaggregationCategory.position,
                  DisaggregationCategory.id))
    shared: dict[str, list[str]] = {}
    for type_key, category_key in rows:
        shared.setdefault(type_key, [])
        if category_key is not None:
            shared[type_key].append(category_key)
    return {key: project_category_keys(key, tuple(keys), project) for key, keys in shared.items()}


def disaggregation_types_by_key() -> dict[str, DisaggregationType]:
    """The shared disaggregations (without their categories), by key."""
    return {t.key: t for t in db.session.scalars(select(DisaggregationType))}


def disaggregation_types() -> list[DisaggregationType]:
    """The shared library, in its order, with the categories loaded (two queries)."""
    return list(db.session.scalars(select(DisaggregationType).order_by(DisaggregationType.position,
                                                                       DisaggregationType.id)
                                   .options(selectinload(DisaggregationType.categories))))


def logframe_of(project) -> Logframe | None:
    """The project's logframe row (its state and version); None before anything was ever stored through it."""
    return db.session.scalar(select(Logframe).where(Logframe.project_id == project.id))


def funder_contacts(project) -> list[User]:
    """The active donor accounts of the project's funders, and of the organisations they belong to (a
    funder's programme or directorate counts for its parent, whose donors read the project too)."""
    ids: set[int] = set()
    for organisation in project.funders:
        while organisation is not None and organisation.id not in ids:
            ids.add(organisation.id)
            organisation = organisation.parent
    if not ids:
        return []
    return list(db.session.scalars(select(User).where(User.role == Role.DONOR, User.is_active_account.is_(True),
                                                      User.organisation_id.in_(ids)).order_by(User.email)))


def has_levels(project) -> bool:
    return db.session.scalar(select(ResultLevel.id).where(ResultLevel.project_id == project.id).limit(1)) is not None


def indicators_with_values(project) -> set[str]:
    """Codes of the indicators with at least one stored value (a number, or text that is not empty)."""
    # The submissions area sits above this one: its table is read through the metadata, never imported.
    values = db.metadata.tables["values"].c
    return set(db.session.scalars(
        select(Indicator.code).distinct().join_from(Indicator, db.metadata.tables["values"],
                                                    values.indicator_id == Indicator.id)
        .where(Indicator.project_id == project.id,
               or_(values.value.is_not(None), values.text_value.is_not(None) & (values.text_value != "")))))


def revisions_of(indicator: Indicator) -> list[IndicatorRevision]:
    """The earlier definitions of an indicator, oldest first (revision N is kept when N+1 replaces it)."""
    return list(db.session.scalars(select(IndicatorRevision).where(IndicatorRevision.indicator_id == indicator.id)
                                   .order_by(IndicatorRevision.number)))


def spec_of(project) -> LogframeSpec:
    """The stored logframe as plain data, in its canonical order (five queries, whatever its size).

    Levels depth-first by position; indicators by their level's order, then position; targets by
    indicator, period and combination; rules by position. Numbers without trailing zeros.
    """
    levels = db.session.scalars(select(ResultLevel).where(ResultLevel.project_id == project.id)).all()
    indicators = db.session.scalars(select(Indicator).where(Indicator.project_id == project.id)
                                    .options(selectinload(Indicator.disaggregation_types))).all()
    targets = db.session.execute(
        select(PeriodTarget.indicator_id, PeriodTarget.period, PeriodTarget.combination, PeriodTarget.value)
        .join(Indicator).where(Indicator.project_id == project.id)).all()
    rules = rules_of(project)

    children = defaultdict(list)
    for level in levels:
        children[level.parent_id].append(level)
    ordered: list[ResultLevel] = []

    def walk(parent_id) -> None:
        for level in sorted(children.get(parent_id, ()), key=lambda item: (item.position, item.id)):
            ordered.append(level)
            walk(level.id)

    walk(None)
    level_order = {level.id: index for index, level in enumerate(ordered)}
    level_code = {level.id: level.code for level in ordered}
    indicators = sorted(indicators, key=lambda i: (level_order.get(i.result_level_id, len(ordered)), i.position, i.id))
    indicator_order = {i.id: index for index, i in enumerate(indicators)}
    indicator_code = {i.id: i.code for i in indicators}
    targets = sorted(targets, key=lambda t: (indicator_order[t.indicator_id], t.period, t.combination))

    return LogframeSpec(
        levels=tuple(LevelSpec(code=level.code, kind=level.kind.value, statement_en=level.statement_en or "",
                               statement_fr=level.statement_fr or "", parent=level_code.get(level.parent_id))
                     for level in ordered),
        indicators=tuple(IndicatorSpec(
            code=i.code, level=level_code.get(i.result_level_id, ""), name_en=i.name_en or "",
            name_fr=i.name_fr or "", definition_en=i.definition_en or "", definition_fr=i.definition_fr or "",
            unit=i.unit.value, currency=i.currency or None, aggregation=i.aggregation.value,
            direction=i.direction.value, is_cumulative=i.is_cumulative, baseline_value=plain(i.baseline_value),
            baseline_date=i.baseline_date, target_value=plain(i.target_value), min_value=plain(i.min_value),
            max_value=plain(i.max_value), decimals=i.decimals, is_required=i.is_required, is_key=i.is_key,
            means_of_verification_en=i.means_of_verification_en or "",
            means_of_verification_fr=i.means_of_verification_fr or "",
            disaggregations=tuple(t.key for t in i.disaggregation_types), retired=i.retired_at is not None)
            for i in indicators),
        targets=tuple(TargetSpec(indicator=indicator_code[t.indicator_id], period=t.period, value=plain(t.value),
                                 combination=t.combination or "")
                      for t in targets),
        rules=tuple(RuleSpec(code=r.code, left=r.left_expression, operator=r.operator.value,
                             right=r.right_expression, severity=r.severity.value,
                             missing_value_strategy=r.missing_value_strategy.value, message_en=r.message_en or "",
                             message_fr=r.message_fr or "", is_active=r.is_active)
                    for r in rules),
    )
