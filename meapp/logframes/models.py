"""Logframes: result levels, indicators, disaggregations, period targets and validation rules."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import Enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meapp.extensions import db
from meapp.modelbase import Amount, TimestampMixin, enum_column, utcnow


class LevelKind(str, Enum):
    IMPACT = "impact"
    OUTCOME = "outcome"
    OUTPUT = "output"
    ACTIVITY = "activity"


class Unit(str, Enum):
    NUMBER = "number"
    PERCENT = "percent"
    CURRENCY = "currency"
    YES_NO = "yes_no"
    TEXT = "text"


class Aggregation(str, Enum):
    """How an indicator adds up over periods."""

    SUM = "sum"
    LATEST = "latest"
    MAX = "max"
    AVERAGE = "average"


class Direction(str, Enum):
    INCREASE = "increase"
    DECREASE = "decrease"


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class MissingValueStrategy(str, Enum):
    """DHIS2's choices for a rule whose operands are missing."""

    SKIP_IF_ANY = "skip_if_any"
    SKIP_IF_ALL = "skip_if_all"
    NEVER_SKIP = "never_skip"


class LogframeStatus(str, Enum):
    """Where a logframe stands: changes drafted by the implementers await the secretariat's approval."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"


class Operator(str, Enum):
    EQ = "=="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="


class Logframe(TimestampMixin, db.Model):
    """A project's logframe as a whole: its approval state, and the version every logframe write checks."""

    __tablename__ = "logframes"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), unique=True)
    status: Mapped[LogframeStatus] = mapped_column(enum_column(LogframeStatus), default=LogframeStatus.DRAFT)
    version: Mapped[int] = mapped_column(default=1)
    submitted_at: Mapped[dt.datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    approved_at: Mapped[dt.datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    return_reason: Mapped[str] = mapped_column(sa.Text, default="")

    __mapper_args__ = {"version_id_col": version}

    @property
    def was_approved(self) -> bool:
        """Approved now or once before: from then on a change of targets is a revision with a reason."""
        return self.status is LogframeStatus.APPROVED or self.approved_at is not None


class ResultLevel(TimestampMixin, db.Model):
    """One node of a logframe tree: impact → outcome → output → activity."""

    __tablename__ = "result_levels"
    __table_args__ = (sa.UniqueConstraint("project_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("result_levels.id", ondelete="CASCADE"))
    kind: Mapped[LevelKind] = mapped_column(enum_column(LevelKind))
    code: Mapped[str] = mapped_column(sa.String(20))
    statement_en: Mapped[str] = mapped_column(sa.Text, default="")
    statement_fr: Mapped[str] = mapped_column(sa.Text, default="")
    position: Mapped[int] = mapped_column(default=0)

    parent: Mapped["ResultLevel | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["ResultLevel"]] = relationship(
        # No delete-orphan: a level moved to the top of the tree has no parent and is not deleted; the service
        # deletes levels explicitly, children first.
        back_populates="parent", order_by="ResultLevel.position", cascade="all"
    )
    indicators: Mapped[list["Indicator"]] = relationship(
        back_populates="result_level", order_by="Indicator.position"
    )


indicator_disaggregations = sa.Table(
    "indicator_disaggregations",
    db.metadata,
    sa.Column("indicator_id", sa.ForeignKey("indicators.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("disaggregation_type_id", sa.ForeignKey("disaggregation_types.id"), primary_key=True),
)


class DisaggregationType(db.Model):
    """A way to split a total (sex, age group, skill level...), shared by every project."""

    __tablename__ = "disaggregation_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name_en: Mapped[str] = mapped_column(sa.String(200))
    name_fr: Mapped[str] = mapped_column(sa.String(200))
    position: Mapped[int] = mapped_column(default=0)

    categories: Mapped[list["DisaggregationCategory"]] = relationship(
        back_populates="type", order_by="DisaggregationCategory.position", cascade="all, delete-orphan"
    )

    def category_keys_for(self, project) -> tuple[str, ...]:
        """The categories a project's indicators can be split into — the one rule for grid, checks and documents."""
        return project_category_keys(self.key, tuple(c.key for c in self.categories), project)


def project_category_keys(type_key: str, shared: tuple[str, ...], project) -> tuple[str, ...]:
    """Of a disaggregation's shared categories, those a project's indicators are split into.

    Countries of origin and destination are the project's own when it names them (in its order),
    every country of the shared list otherwise; other disaggregations offer all their categories.
    """
    countries = {"origin_country": project.origin_countries,
                 "destination_country": project.destination_countries}.get(type_key)
    return tuple(countries) if countries else shared


class DisaggregationCategory(db.Model):
    __tablename__ = "disaggregation_categories"
    __table_args__ = (sa.UniqueConstraint("type_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    type_id: Mapped[int] = mapped_column(sa.ForeignKey("disaggregation_types.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(40))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    name_fr: Mapped[str] = mapped_column(sa.String(200))
    description_en: Mapped[str] = mapped_column(sa.String(300), default="")
    description_fr: Mapped[str] = mapped_column(sa.String(300), default="")
    position: Mapped[int] = mapped_column(default=0)

    type: Mapped[DisaggregationType] = relationship(back_populates="categories")


class Indicator(TimestampMixin, db.Model):
    __tablename__ = "indicators"
    __table_args__ = (
        sa.UniqueConstraint("project_id", "code"),
        sa.CheckConstraint("decimals >= 0 AND decimals <= 4", name="decimals_range"),
        sa.CheckConstraint("min_value IS NULL OR max_value IS NULL OR min_value <= max_value", name="range_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    result_level_id: Mapped[int] = mapped_column(sa.ForeignKey("result_levels.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(sa.String(40))
    name_en: Mapped[str] = mapped_column(sa.String(400), default="")
    name_fr: Mapped[str] = mapped_column(sa.String(400), default="")
    definition_en: Mapped[str] = mapped_column(sa.Text, default="")
    definition_fr: Mapped[str] = mapped_column(sa.Text, default="")
    unit: Mapped[Unit] = mapped_column(enum_column(Unit), default=Unit.NUMBER)
    currency: Mapped[str | None] = mapped_column(sa.String(3))
    aggregation: Mapped[Aggregation] = mapped_column(enum_column(Aggregation), default=Aggregation.SUM)
    direction: Mapped[Direction] = mapped_column(enum_column(Direction), default=Direction.INCREASE)
    baseline_value: Mapped[Decimal | None] = mapped_column(Amount)
    baseline_date: Mapped[dt.date | None]
    target_value: Mapped[Decimal | None] = mapped_column(Amount)
    min_value: Mapped[Decimal | None] = mapped_column(Amount)
    max_value: Mapped[Decimal | None] = mapped_column(Amount)
    decimals: Mapped[int] = mapped_column(default=0)
    is_required: Mapped[bool] = mapped_column(default=True)
    # Reported as a running total since the start: it may not go down from one period to the next.
    is_cumulative: Mapped[bool] = mapped_column(default=False)
    # Main indicators of a project: key figures and charts.
    is_key: Mapped[bool] = mapped_column(default=False)
    means_of_verification_en: Mapped[str] = mapped_column(sa.Text, default="")
    means_of_verification_fr: Mapped[str] = mapped_column(sa.Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(default=1)
    # The revision of its definition (spec.DEFINITION_FIELDS); each value records the one it was reported against.
    revision: Mapped[int] = mapped_column(default=1, server_default=sa.text("1"))
    # Retired: no longer reported, kept with its values (an indicator with values is never deleted).
    retired_at: Mapped[dt.datetime | None]
    retire_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # The last change of its baseline, end target or period targets after the logframe was approved.
    target_revised_at: Mapped[dt.datetime | None]
    target_revision_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    result_level: Mapped[ResultLevel] = relationship(back_populates="indicators")
    disaggregation_types: Mapped[list[DisaggregationType]] = relationship(
        secondary=indicator_disaggregations, order_by=DisaggregationType.position
    )
    period_targets: Mapped[list["PeriodTarget"]] = relationship(
        back_populates="indicator", cascade="all, delete-orphan", order_by="PeriodTarget.period"
    )

    revisions: Mapped[list["IndicatorRevision"]] = relationship(
        back_populates="indicator", cascade="all, delete-orphan", order_by="IndicatorRevision.number"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None


class IndicatorRevision(db.Model):
    """Revision `number` of an indicator's definition, kept when the next revision replaced it.

    `definition` holds spec.DEFINITION_FIELDS as JSON (decimals as strings), so that the definition
    values were reported against can always be shown beside them.
    """

    __tablename__ = "indicator_revisions"
    __table_args__ = (sa.UniqueConstraint("indicator_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(sa.ForeignKey("indicators.id", ondelete="CASCADE"))
    number: Mapped[int]
    definition: Mapped[dict] = mapped_column(sa.JSON)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    indicator: Mapped[Indicator] = relationship(back_populates="revisions")


class PeriodTarget(db.Model):
    """The target of one indicator for one period (and optionally one category combination)."""

    __tablename__ = "period_targets"
    __table_args__ = (sa.UniqueConstraint("indicator_id", "period", "combination"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(sa.ForeignKey("indicators.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(sa.String(7))
    # Canonical combination key ("sex=F"), empty for the total.
    combination: Mapped[str] = mapped_column(sa.String(200), default="")
    value: Mapped[Decimal] = mapped_column(Amount)

    indicator: Mapped[Indicator] = relationship(back_populates="period_targets")


class ValidationRule(TimestampMixin, db.Model):
    """A cross-indicator rule such as 'EMP_1 <= TRAIN_1', evaluated by a safe parser, never eval."""

    __tablename__ = "validation_rules"
    __table_args__ = (sa.UniqueConstraint("project_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(sa.String(40))
    left_expression: Mapped[str] = mapped_column(sa.String(500))
    operator: Mapped[Operator] = mapped_column(enum_column(Operator))
    right_expression: Mapped[str] = mapped_column(sa.String(500))
    severity: Mapped[Severity] = mapped_column(enum_column(Severity), default=Severity.ERROR)
    missing_value_strategy: Mapped[MissingValueStrategy] = mapped_column(
        enum_column(MissingValueStrategy), default=MissingValueStrategy.SKIP_IF_ANY
    )
    message_en: Mapped[str] = mapped_column(sa.Text, default="")
    message_fr: Mapped[str] = mapped_column(sa.Text, default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
