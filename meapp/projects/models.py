"""Projects, their countries and sectors, and the organisations that take part in them."""
from __future__ import annotations

import datetime as dt
from enum import Enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meapp.auth.models import Organisation, OrganisationKind  # noqa: F401 (people and organisations: auth)
from meapp.core.periods import Frequency, Period, periods_between
from meapp.extensions import db
from meapp.modelbase import TimestampMixin, enum_column


class ParticipationRole(str, Enum):
    IMPLEMENTER = "implementer"
    FUNDER = "funder"


class CountryRole(str, Enum):
    ORIGIN = "origin"
    DESTINATION = "destination"


class ProjectStatus(str, Enum):
    ACTIVE = "active"
    CLOSED = "closed"


project_sectors = sa.Table(
    "project_sectors",
    db.metadata,
    sa.Column("project_id", sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("sector_id", sa.ForeignKey("sectors.id", ondelete="CASCADE"), primary_key=True),
)

project_gcm_objectives = sa.Table(
    "project_gcm_objectives",
    db.metadata,
    sa.Column("project_id", sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("gcm_objective_id", sa.ForeignKey("gcm_objectives.id", ondelete="CASCADE"), primary_key=True),
)

project_sdg_targets = sa.Table(
    "project_sdg_targets",
    db.metadata,
    sa.Column("project_id", sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("sdg_target_id", sa.ForeignKey("sdg_targets.id", ondelete="CASCADE"), primary_key=True),
)


class Sector(db.Model):
    __tablename__ = "sectors"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name_en: Mapped[str] = mapped_column(sa.String(200))
    name_fr: Mapped[str] = mapped_column(sa.String(200))


class GcmObjective(db.Model):
    """An objective of the Global Compact for Safe, Orderly and Regular Migration."""

    __tablename__ = "gcm_objectives"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    title_en: Mapped[str] = mapped_column(sa.String(300))
    title_fr: Mapped[str] = mapped_column(sa.String(300))


class SdgTarget(db.Model):
    __tablename__ = "sdg_targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(10), unique=True)
    title_en: Mapped[str] = mapped_column(sa.String(300))
    title_fr: Mapped[str] = mapped_column(sa.String(300))


class Project(TimestampMixin, db.Model):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    title_en: Mapped[str] = mapped_column(sa.String(400), default="")
    title_fr: Mapped[str] = mapped_column(sa.String(400), default="")
    summary_en: Mapped[str] = mapped_column(sa.Text, default="")
    summary_fr: Mapped[str] = mapped_column(sa.Text, default="")
    lead_organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"))
    start_date: Mapped[dt.date | None]
    end_date: Mapped[dt.date | None]
    reporting_frequency: Mapped[Frequency] = mapped_column(enum_column(Frequency), default=Frequency.QUARTERLY)
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    status: Mapped[ProjectStatus] = mapped_column(enum_column(ProjectStatus), default=ProjectStatus.ACTIVE)
    # Synthetic values are labelled as demonstration data everywhere they are shown.
    is_demo: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(default=1)

    lead_organisation: Mapped[Organisation | None] = relationship()
    participations: Mapped[list["ProjectOrganisation"]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="ProjectOrganisation.position"
    )
    countries: Mapped[list["ProjectCountry"]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="ProjectCountry.position"
    )
    sectors: Mapped[list[Sector]] = relationship(secondary=project_sectors, order_by=Sector.key)
    gcm_objectives: Mapped[list[GcmObjective]] = relationship(
        secondary=project_gcm_objectives, order_by=GcmObjective.number
    )
    sdg_targets: Mapped[list[SdgTarget]] = relationship(secondary=project_sdg_targets, order_by=SdgTarget.code)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (sa.CheckConstraint("end_date IS NULL OR start_date IS NULL OR end_date >= start_date",
                                         name="dates_ordered"),)

    def organisations(self, role: ParticipationRole) -> list[Organisation]:
        return [p.organisation for p in self.participations if p.role == role]

    @property
    def implementers(self) -> list[Organisation]:
        return self.organisations(ParticipationRole.IMPLEMENTER)

    @property
    def funders(self) -> list[Organisation]:
        return self.organisations(ParticipationRole.FUNDER)

    def country_codes(self, role: CountryRole) -> list[str]:
        return [c.country_code for c in self.countries if c.role == role]

    @property
    def origin_countries(self) -> list[str]:
        return self.country_codes(CountryRole.ORIGIN)

    @property
    def destination_countries(self) -> list[str]:
        return self.country_codes(CountryRole.DESTINATION)

    def periods(self, until: str | None = None) -> list[Period]:
        """The project's reporting periods from its start to its end (or to `until`), in order."""
        if not (self.start_date and self.end_date):
            return []
        periods = periods_between(self.start_date, self.end_date, self.reporting_frequency)
        if until:
            limit = Period.parse(until)
            periods = [p for p in periods if p <= limit]
        return periods

    def reports_in(self, period: Period) -> bool:
        """True when the project owes a report for this period (its frequency, within its dates)."""
        return period.frequency == self.reporting_frequency and period.overlaps(self.start_date, self.end_date)

    def __repr__(self) -> str:
        return f"<Project {self.code}>"


class ProjectOrganisation(db.Model):
    """An organisation implementing or funding a project."""

    __tablename__ = "project_organisations"
    # The permission filter looks projects up by organisation and role on every list.
    __table_args__ = (sa.Index("ix_project_organisations_organisation_role", "organisation_id", "role"),)

    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), primary_key=True)
    role: Mapped[ParticipationRole] = mapped_column(enum_column(ParticipationRole), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)

    project: Mapped[Project] = relationship(back_populates="participations")
    organisation: Mapped[Organisation] = relationship()


class ProjectCountry(db.Model):
    __tablename__ = "project_countries"

    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    country_code: Mapped[str] = mapped_column(sa.String(2), primary_key=True)
    role: Mapped[CountryRole] = mapped_column(enum_column(CountryRole), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)

    project: Mapped[Project] = relationship(back_populates="countries")
