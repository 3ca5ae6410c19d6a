"""Reads for annex compendia: editions a user may see, the filtered preview, translation gaps."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from meapp.auth.permissions import is_secretariat
from meapp.compendium.models import CompendiumCategory, Edition, EditionStatus, Practice, organisation_pair
from meapp.extensions import db
from meapp.projects.models import Project


@dataclass(frozen=True)
class Filters:
    category: str | None = None
    country: str | None = None
    gcm: int | None = None
    q: str | None = None


@dataclass
class Preview:
    entries: list  # ("category", category) | ("subsection", subsection) | ("practice", practice)
    shown: int
    total: int
    countries: list[str] = field(default_factory=list)
    gcm_objectives: list = field(default_factory=list)


def editions(user) -> list[tuple[Edition, int]]:
    stmt = select(Edition, func.count(Practice.id)).outerjoin(Practice).group_by(Edition.id).order_by(
        Edition.year.desc(), Edition.key)
    if not getattr(user, "is_secretariat", False):
        stmt = stmt.where(Edition.status == EditionStatus.PUBLISHED)
    return list(db.session.execute(stmt).all())


def _practices(edition: Edition) -> list[Practice]:
    return list(db.session.scalars(
        select(Practice).where(Practice.edition_id == edition.id).options(
            selectinload(Practice.countries), selectinload(Practice.sources),
            selectinload(Practice.projects).selectinload(Project.gcm_objectives),
            selectinload(Practice.gcm_objectives))
    ))


def _matches(practice: Practice, filters: Filters) -> bool:
    if filters.category and practice.category.key != filters.category:
        return False
    if filters.country and filters.country not in {c.country_code for c in practice.countries}:
        return False
    if filters.gcm is not None:
        numbers = {g.number for g in practice.gcm_objectives} | {
            g.number for project in practice.projects for g in project.gcm_objectives}
        if filters.gcm not in numbers:
            return False
    if filters.q:
        needle = filters.q.lower()
        organisations = [name for item in practice.organisations or () for name in organisation_pair(item)]
        haystack = " ".join((practice.actor, practice.actor_fr, practice.name_en, practice.name_fr,
                             practice.summary_en, practice.summary_fr, " ".join(organisations))).lower()
        if needle not in haystack:
            return False
    return True


def preview(edition: Edition, filters: Filters) -> Preview:
    """The annex in order, headings first, with only the practices that pass the filters."""
    practices = _practices(edition)
    by_place: dict[tuple, list[Practice]] = {}
    for practice in sorted(practices, key=lambda p: p.position):
        by_place.setdefault((practice.category_id, practice.subsection_id), []).append(practice)
    entries, shown = [], 0
    for category in edition.categories:
        if filters.category and category.key != filters.category:
            continue
        entries.append(("category", category))
        for sub in [None, *by_letter(category.subsections)]:
            if sub is not None:
                entries.append(("subsection", sub))
            for practice in by_place.get((category.id, sub.id if sub else None), []):
                if _matches(practice, filters):
                    entries.append(("practice", practice))
                    shown += 1
    countries = sorted({c.country_code for p in practices for c in p.countries})
    objectives = sorted({g.number: g for p in practices for project in p.projects
                         for g in project.gcm_objectives}.values(), key=lambda g: g.number)
    return Preview(entries, shown, len(practices), countries, objectives)


def by_letter(subsections) -> list:
    """Lettered subsections in the order of their letters (a, b, … z, aa), whatever the order of the file."""
    return sorted(subsections, key=lambda s: (len(s.letter), s.letter.lower(), s.position))


def translation_gaps(edition: Edition) -> list[tuple[Practice, list[str]]]:
    """Practices whose actor lacks a French name, or whose name or summary lacks French or English text."""
    rows = []
    for practice in sorted(_practices(edition), key=lambda p: (p.category.position, p.position)):
        missing = [f for f in ("actor_fr", "name_en", "name_fr", "summary_en", "summary_fr")
                   if not (getattr(practice, f) or "").strip()]
        if missing:
            rows.append((practice, missing))
    return rows


def readable_edition(user, key: str):
    """The edition `key` if `user` may read it: published ones for everyone signed in, drafts for the
    secretariat only (None otherwise, so that a view answers 404)."""
    edition = db.session.scalar(select(Edition).where(Edition.key == key).options(
        selectinload(Edition.categories).selectinload(CompendiumCategory.subsections)))
    if edition is None or (edition.status is not EditionStatus.PUBLISHED and not is_secretariat(user)):
        return None
    return edition


def edition_by_key(key: str) -> Edition | None:
    return db.session.scalar(select(Edition).where(Edition.key == key))


def practice_of(edition: Edition, key: str) -> Practice | None:
    return db.session.scalar(select(Practice).where(Practice.edition_id == edition.id, Practice.key == key))


def editions_with_counts() -> list[tuple[Edition, int]]:
    """Every edition with its number of practices, by key."""
    return list(db.session.execute(
        select(Edition, func.count(Practice.id)).outerjoin(Practice).group_by(Edition.id).order_by(Edition.key)).all())
