"""Reporting periods, submissions, values, findings, evidence and the audit trail."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import Enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meapp.extensions import db
from meapp.logframes.models import Severity
from meapp.modelbase import Amount, TimestampMixin, enum_column, utcnow


class PeriodStatus(str, Enum):
    PLANNED = "planned"
    OPEN = "open"
    CLOSED = "closed"


class SubmissionStatus(str, Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"


# A report still in the implementer's hands: editable by them, invisible to donors.
EDITABLE = (SubmissionStatus.DRAFT, SubmissionStatus.RETURNED)
# A report handed over to the donor.
SHARED = (SubmissionStatus.SUBMITTED, SubmissionStatus.APPROVED)


class ReportingPeriod(TimestampMixin, db.Model):
    """A reporting round opened by the secretariat for every project, with its due date."""

    __tablename__ = "reporting_periods"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(7), unique=True)
    status: Mapped[PeriodStatus] = mapped_column(enum_column(PeriodStatus), default=PeriodStatus.PLANNED)
    due_date: Mapped[dt.date]
    opened_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]


class Submission(TimestampMixin, db.Model):
    """One project's report for one period: draft → submitted → approved, or returned."""

    __tablename__ = "submissions"
    __table_args__ = (sa.UniqueConstraint("project_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(sa.String(7), index=True)
    status: Mapped[SubmissionStatus] = mapped_column(
        enum_column(SubmissionStatus), default=SubmissionStatus.DRAFT
    )
    narrative_en: Mapped[str] = mapped_column(sa.Text, default="")
    narrative_fr: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    submitted_at: Mapped[dt.datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    return_reason: Mapped[str] = mapped_column(sa.Text, default="")
    reopen_reason: Mapped[str] = mapped_column(sa.Text, default="")
    is_locked: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(default=1)

    project = relationship("Project")

    @property
    def is_editable(self) -> bool:
        """Still in the implementer's hands (draft or returned): editable by them, hidden from donors."""
        return self.status in EDITABLE
    values: Mapped[list["Value"]] = relationship(back_populates="submission", cascade="all, delete-orphan")
    findings: Mapped[list["Finding"]] = relationship(back_populates="submission", cascade="all, delete-orphan")
    evidence: Mapped[list["Evidence"]] = relationship(back_populates="submission", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}


class Value(TimestampMixin, db.Model):
    """One reported figure: indicator × period (via the submission) × category combination."""

    __tablename__ = "values"
    __table_args__ = (sa.UniqueConstraint("submission_id", "indicator_id", "combination"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    indicator_id: Mapped[int] = mapped_column(sa.ForeignKey("indicators.id", ondelete="CASCADE"), index=True)
    combination: Mapped[str] = mapped_column(sa.String(200), default="")
    value: Mapped[Decimal | None] = mapped_column(Amount)
    text_value: Mapped[str | None] = mapped_column(sa.Text)
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # The revision of the indicator's definition the value was reported against (Indicator.revision).
    indicator_revision: Mapped[int] = mapped_column(default=1, server_default=sa.text("1"))

    submission: Mapped[Submission] = relationship(back_populates="values")
    indicator = relationship("Indicator")


class Finding(db.Model):
    """A validation result stored with the submission; translated only when shown."""

    __tablename__ = "findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(sa.String(40))
    severity: Mapped[Severity] = mapped_column(enum_column(Severity))
    indicator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("indicators.id", ondelete="CASCADE"))
    indicator_code: Mapped[str] = mapped_column(sa.String(40), default="")
    combination: Mapped[str] = mapped_column(sa.String(200), default="")
    period: Mapped[str] = mapped_column(sa.String(7), default="")
    params: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    justification: Mapped[str] = mapped_column(sa.Text, default="")
    justified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    justified_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    submission: Mapped[Submission] = relationship(back_populates="findings")


class Evidence(db.Model):
    """A file backing a submission, stored outside the static folder under a random name."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    storage_key: Mapped[str] = mapped_column(sa.String(100), unique=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[dt.datetime | None]

    submission: Mapped[Submission] = relationship(back_populates="evidence")
