"""Writes for annex compendia: import (idempotent), practice edits, reordering and publication."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from meapp.audit.service import record
from meapp.compendium.importer import EditionSpec, PracticeSpec
from meapp.compendium.models import (
    CompendiumCategory,
    CompendiumSubsection,
    Edition,
    EditionStatus,
    Practice,
    PracticeCountry,
    PracticeSource,
)
from meapp.core.messages import N_
from meapp.errors import ConflictError, PermissionDenied, WorkflowError
from meapp.extensions import db
from meapp.modelbase import utcnow
from meapp.projects.models import Project


@dataclass
class ImportReport:
    edition: Edition
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def _assign(obj, values: dict) -> bool:
    """Set the attributes that differ; True when anything changed."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _practice_state(practice: Practice) -> dict:
    return {"countries": [c.country_code for c in practice.countries], "sources": [s.url for s in practice.sources],
            "projects": [p.code for p in practice.projects]}


def import_edition(spec: EditionSpec, key: str, actor=None) -> ImportReport:
    """Create or update the edition `key` from a checked spec; a second run changes nothing."""
    edition = db.session.scalar(select(Edition).where(Edition.key == key).options(
        selectinload(Edition.categories).selectinload(CompendiumCategory.subsections),
        selectinload(Edition.practices).selectinload(Practice.countries),
        selectinload(Edition.practices).selectinload(Practice.sources),
        selectinload(Edition.practices).selectinload(Practice.projects)))
    report = ImportReport(edition)
    if edition is None:
        edition = Edition(key=key)
        db.session.add(edition)
        report.edition = edition
        report.created += 1
    if _assign(edition, {"title_en": spec.title_en, "title_fr": spec.title_fr, "event": spec.event,
                         "event_fr": spec.event_fr, "year": spec.year}) and edition.id:
        report.updated += 1
    categories = {c.key: c for c in edition.categories}
    for position, cat in enumerate(spec.categories):
        row = _upsert(edition.categories, categories, cat.key, CompendiumCategory, report,
                      number=cat.number, title_en=cat.title_en, title_fr=cat.title_fr, position=position)
        subs = {s.key: s for s in row.subsections}
        for sub_position, sub in enumerate(cat.subsections):
            _upsert(row.subsections, subs, sub.key, CompendiumSubsection, report,
                    letter=sub.letter, title_en=sub.title_en, title_fr=sub.title_fr, position=sub_position)
    db.session.flush()
    projects = {p.code: p for p in db.session.scalars(select(Project))}
    practices = {p.key: p for p in edition.practices}
    with db.session.no_autoflush:
        for position, spec_practice in enumerate(spec.practices):
            _import_practice(spec, spec_practice, position, edition, categories, practices, projects, report)
    db.session.flush()
    if report.changed:
        record(actor, "edition.import", edition, after={"created": report.created, "updated": report.updated},
               key=f"compendium/{key}")
    return report


def _upsert(collection: list, by_key: dict, key: str, model, report: ImportReport, **values):
    """The row of `key` in `collection`, created when missing; counts what was created or changed."""
    row = by_key.get(key)
    if row is None:
        row = model(key=key)
        collection.append(row)
        by_key[key] = row
        report.created += 1
    if _assign(row, values) and row.id:
        report.updated += 1
    return row


def _import_practice(spec, spec_practice, position, edition, categories, practices, projects, report) -> None:
    category = categories[spec_practice.category]
    subsection = next((s for s in category.subsections if s.key == spec_practice.subsection), None)
    row = practices.get(spec_practice.key)
    created = row is None
    if created:
        row = Practice(key=spec_practice.key, edition=edition, category=category, subsection=subsection)
        db.session.add(row)
    before = None if created else _practice_state(row)
    fields_changed = _assign(row, {
        "category": category, "subsection": subsection, "actor": spec_practice.actor,
        "actor_fr": spec_practice.actor_fr, "name_en": spec_practice.name_en, "name_fr": spec_practice.name_fr,
        "summary_en": spec_practice.summary_en, "summary_fr": spec_practice.summary_fr,
        "organisations": [dict(o) for o in spec_practice.organisations],
        "figures": [dict(f) for f in spec_practice.figures],
        "position": position,
    })
    linked = [projects[c] for c in spec.links.get(spec_practice.key, []) if c in projects]
    _set_children(row, spec_practice, linked)
    if created:
        report.created += 1
    elif fields_changed or _practice_state(row) != before:
        report.updated += 1
    else:
        report.unchanged += 1


def _set_children(row: Practice, spec: PracticeSpec, linked: list[Project]) -> None:
    if [c.country_code for c in row.countries] != list(spec.countries):
        row.countries = [PracticeCountry(country_code=c, position=i) for i, c in enumerate(spec.countries)]
    if [s.url for s in row.sources] != list(spec.urls):
        row.sources.clear()
        db.session.flush()
        row.sources.extend(PracticeSource(url=u, position=i) for i, u in enumerate(spec.urls))
    if {p.id for p in row.projects} != {p.id for p in linked}:
        row.projects = linked


def _require_secretariat(actor) -> None:
    if not getattr(actor, "is_secretariat", False):
        raise PermissionDenied()


@dataclass(frozen=True)
class PracticeEdit:
    actor: str
    name_en: str
    name_fr: str
    summary_en: str
    summary_fr: str
    countries: tuple[str, ...]
    urls: tuple[str, ...]
    project_codes: tuple[str, ...]
    actor_fr: str = ""


def _check_urls(urls) -> None:
    from meapp.compendium.importer import URL

    bad = [u for u in urls if not URL.match(u)]
    if bad:
        raise WorkflowError(N_("Not a web address: %(url)s"), url=bad[0][:80])


def create_edition(actor, key: str, title_en: str, title_fr: str, event: str, year: int | None) -> Edition:
    """A new, empty draft edition."""
    _require_secretariat(actor)
    if db.session.scalar(select(Edition).where(Edition.key == key)) is not None:
        raise WorkflowError(N_("An edition with the key %(key)s already exists."), key=key)
    edition = Edition(key=key, title_en=title_en, title_fr=title_fr, event=event, year=year)
    edition.categories.append(CompendiumCategory(key="practices", number=1, title_en="Practices",
                                                 title_fr="Pratiques", position=0))
    db.session.add(edition)
    db.session.flush()
    record(actor, "edition.create", edition, after={"key": key}, key=f"compendium/{key}")
    return edition


def create_practice(edition: Edition, actor, key: str, category: CompendiumCategory,
                    subsection: CompendiumSubsection | None, edit: PracticeEdit) -> Practice:
    """Add a practice at the end of its heading."""
    _require_secretariat(actor)
    if any(p.key == key for p in edition.practices):
        raise WorkflowError(N_("A practice with the identifier %(key)s already exists."), key=key)
    position = max([p.position for p in edition.practices] or [-1]) + 1
    practice = Practice(key=key, edition=edition, category=category, subsection=subsection, position=position)
    db.session.add(practice)
    db.session.flush()
    update_practice(practice, actor, edit, None)
    return practice


def update_practice(practice: Practice, actor, edit: PracticeEdit, expected_version: int | None,
                    category: CompendiumCategory | None = None,
                    subsection: CompendiumSubsection | None = None) -> None:
    """Edit a practice's heading, texts, countries, sources and linked projects (secretariat)."""
    _require_secretariat(actor)
    _check_urls(edit.urls)
    if category is not None:
        practice.category, practice.subsection = category, subsection
    if expected_version is not None:
        if practice.version != expected_version:
            raise ConflictError(practice.version)
        set_committed_value(practice, "version", expected_version)
    projects = list(db.session.scalars(select(Project).where(Project.code.in_(edit.project_codes))))
    unknown = set(edit.project_codes) - {p.code for p in projects}
    if unknown:
        raise WorkflowError(N_("Unknown project: %(codes)s."), codes=", ".join(sorted(unknown)))
    texts = ("actor", "actor_fr", "name_en", "name_fr", "summary_en", "summary_fr")
    before = {**{f: getattr(practice, f) for f in texts}, **_practice_state(practice)}
    _assign(practice, {f: getattr(edit, f) for f in texts})
    spec = PracticeSpec(practice.key, "", None, edit.actor, edit.name_en, edit.name_fr, edit.summary_en,
                        edit.summary_fr, edit.countries, (), (), edit.urls, actor_fr=edit.actor_fr)
    _set_children(practice, spec, projects)
    practice.updated_at = utcnow()
    db.session.flush()
    after = {**{f: getattr(practice, f) for f in texts}, **_practice_state(practice)}
    record(actor, "practice.update", practice, before={k: v for k, v in before.items() if after[k] != v},
           after={k: v for k, v in after.items() if before[k] != v},
           key=f"compendium/{practice.edition.key}/{practice.key}")


def move_practice(practice: Practice, actor, offset: int) -> None:
    """Swap a practice with its neighbour under the same heading (offset -1: up, +1: down)."""
    _require_secretariat(actor)
    siblings = sorted((p for p in practice.edition.practices if p.category_id == practice.category_id
                       and p.subsection_id == practice.subsection_id), key=lambda p: p.position)
    index = siblings.index(practice)
    target = index + offset
    if not 0 <= target < len(siblings):
        return
    other = siblings[target]
    practice.position, other.position = other.position, practice.position
    db.session.flush()
    record(actor, "practice.move", practice, after={"position": practice.position},
           key=f"compendium/{practice.edition.key}/{practice.key}")


def set_status(edition: Edition, actor, status: EditionStatus) -> None:
    _require_secretariat(actor)
    if edition.status is status:
        return
    before = edition.status.value
    edition.status = status
    edition.published_at = utcnow() if status is EditionStatus.PUBLISHED else None
    db.session.flush()
    record(actor, "edition.status", edition, before={"status": before}, after={"status": status.value},
           key=f"compendium/{edition.key}")
