"""Annex compendia: editions, numbered categories, lettered subsections and practices."""
from __future__ import annotations

import datetime as dt
from enum import Enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, synonym

from meapp.extensions import db
from meapp.modelbase import TimestampMixin, enum_column


class EditionStatus(str, Enum):
    DRAFT = "draft"
    PUBLISHED = "published"


class Edition(TimestampMixin, db.Model):
    __tablename__ = "editions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    title_en: Mapped[str] = mapped_column(sa.String(400), default="")
    title_fr: Mapped[str] = mapped_column(sa.String(400), default="")
    event: Mapped[str] = mapped_column(sa.String(400), default="")  # in English, as the source names it
    event_fr: Mapped[str] = mapped_column(sa.String(400), default="")
    year: Mapped[int | None]
    status: Mapped[EditionStatus] = mapped_column(enum_column(EditionStatus), default=EditionStatus.DRAFT)
    published_at: Mapped[dt.datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    categories: Mapped[list["CompendiumCategory"]] = relationship(
        back_populates="edition", order_by="CompendiumCategory.position", cascade="all, delete-orphan"
    )
    practices: Mapped[list["Practice"]] = relationship(
        back_populates="edition", order_by="Practice.position", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}


class CompendiumCategory(db.Model):
    __tablename__ = "compendium_categories"
    __table_args__ = (sa.UniqueConstraint("edition_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("editions.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(80))
    number: Mapped[int | None]  # None for an unnumbered heading
    title_en: Mapped[str] = mapped_column(sa.Text, default="")
    title_fr: Mapped[str] = mapped_column(sa.Text, default="")
    position: Mapped[int] = mapped_column(default=0)

    edition: Mapped[Edition] = relationship(back_populates="categories")
    subsections: Mapped[list["CompendiumSubsection"]] = relationship(
        back_populates="category", order_by="CompendiumSubsection.position", cascade="all, delete-orphan"
    )


class CompendiumSubsection(db.Model):
    __tablename__ = "compendium_subsections"
    __table_args__ = (sa.UniqueConstraint("category_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("compendium_categories.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(80))
    letter: Mapped[str] = mapped_column(sa.String(3))
    title_en: Mapped[str] = mapped_column(sa.Text, default="")
    title_fr: Mapped[str] = mapped_column(sa.Text, default="")
    position: Mapped[int] = mapped_column(default=0)

    category: Mapped[CompendiumCategory] = relationship(back_populates="subsections")


practice_projects = sa.Table(
    "practice_projects",
    db.metadata,
    sa.Column("practice_id", sa.ForeignKey("practices.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("project_id", sa.ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
)

practice_gcm_objectives = sa.Table(
    "practice_gcm_objectives",
    db.metadata,
    sa.Column("practice_id", sa.ForeignKey("practices.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("gcm_objective_id", sa.ForeignKey("gcm_objectives.id", ondelete="CASCADE"), primary_key=True),
)


class Practice(TimestampMixin, db.Model):
    __tablename__ = "practices"
    __table_args__ = (sa.UniqueConstraint("edition_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("editions.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(sa.String(120))
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("compendium_categories.id"))
    subsection_id: Mapped[int | None] = mapped_column(sa.ForeignKey("compendium_subsections.id"))
    actor: Mapped[str] = mapped_column(sa.String(300), default="")  # in English, as the source prints it
    actor_fr: Mapped[str] = mapped_column(sa.String(300), default="")
    actor_en = synonym("actor")  # so that localized(practice, "actor", lang) reads the pair
    name_en: Mapped[str] = mapped_column(sa.Text, default="")
    name_fr: Mapped[str] = mapped_column(sa.Text, default="")
    summary_en: Mapped[str] = mapped_column(sa.Text, default="")
    summary_fr: Mapped[str] = mapped_column(sa.Text, default="")
    # [{"name_en", "name_fr"}]; rows imported before 0004 hold plain English names (see organisation_pair)
    organisations: Mapped[list] = mapped_column(sa.JSON, default=list)
    # [{"label_en", "label_fr", "value", "unit", "unit_fr", "kind", "year"}] (importer._figure)
    figures: Mapped[list] = mapped_column(sa.JSON, default=list)
    position: Mapped[int] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(default=1)

    edition: Mapped[Edition] = relationship(back_populates="practices")
    category: Mapped[CompendiumCategory] = relationship()
    subsection: Mapped[CompendiumSubsection | None] = relationship()
    # Tracked projects whose latest approved results the annex quotes (one practice may cover two phases).
    projects = relationship("Project", secondary=practice_projects, order_by="Project.code")
    countries: Mapped[list["PracticeCountry"]] = relationship(
        back_populates="practice", order_by="PracticeCountry.position", cascade="all, delete-orphan"
    )
    sources: Mapped[list["PracticeSource"]] = relationship(
        back_populates="practice", order_by="PracticeSource.position", cascade="all, delete-orphan"
    )
    gcm_objectives = relationship("GcmObjective", secondary=practice_gcm_objectives)

    __mapper_args__ = {"version_id_col": version}


def organisation_pair(item) -> tuple[str, str]:
    """An item of Practice.organisations as (English name, French name); rows imported before the French
    names (migration 0004) hold plain strings, which are English."""
    if isinstance(item, dict):
        return str(item.get("name_en") or ""), str(item.get("name_fr") or "")
    return str(item or ""), ""


class PracticeCountry(db.Model):
    """A country a practice concerns (ISO 3166), in the order the source gives; searchable."""

    __tablename__ = "practice_countries"

    practice_id: Mapped[int] = mapped_column(sa.ForeignKey("practices.id", ondelete="CASCADE"), primary_key=True)
    country_code: Mapped[str] = mapped_column(sa.String(2), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(default=0)

    practice: Mapped[Practice] = relationship(back_populates="countries")


class PracticeSource(db.Model):
    """A source URL of a practice, in order; it becomes a footnote in the compiled annex."""

    __tablename__ = "practice_sources"
    __table_args__ = (sa.UniqueConstraint("practice_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(sa.ForeignKey("practices.id", ondelete="CASCADE"))
    position: Mapped[int]
    url: Mapped[str] = mapped_column(sa.Text)
    label: Mapped[str] = mapped_column(sa.Text, default="")

    practice: Mapped[Practice] = relationship(back_populates="sources")
