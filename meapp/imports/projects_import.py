"""`flask projects import`: organisations, sectors, projects, participants and logframes from a projects file.

One door onto the services that own each write: organisations (`projects.organisations`), projects
(`projects.service`), logframes (`logframes.service.apply_logframe`). Sectors, reference rows without a
screen of their own, are written here with their audit. The whole file is checked and written inside one
savepoint: any problem anywhere rolls everything back and every problem found is answered at once, each
with its path in the file. A dry run does the same work and always rolls back. Importing the same file
twice changes nothing the second time.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from meapp.audit.service import record
from meapp.auth.models import Organisation
from meapp.auth.permissions import is_secretariat
from meapp.core.messages import N_
from meapp.core.problems import Problem, ProblemsError
from meapp.errors import PermissionDenied, WorkflowError
from meapp.extensions import db
from meapp.imports.projects_yaml import OrganisationEntry, ProjectEntry, ProjectsFile
from meapp.logframes import service as logframes
from meapp.projects import organisations
from meapp.projects import service as projects
from meapp.projects.models import Project, Sector

# ProjectInput field → the key of the projects file that holds it
PROJECT_KEYS = {"origin_countries": "countries_origin", "destination_countries": "countries_destination",
                "is_demo": "demo"}


@dataclass
class ImportReport:
    created: dict[str, list[str]] = field(default_factory=lambda: {"organisations": [], "sectors": [],
                                                                    "projects": []})
    updated: dict[str, list[str]] = field(default_factory=lambda: {"organisations": [], "sectors": [],
                                                                    "projects": []})
    logframes: dict[str, list] = field(default_factory=dict)  # project code → changes applied (or planned)
    warnings: list[Problem] = field(default_factory=list)
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return any(self.created.values()) or any(self.updated.values()) or any(self.logframes.values())


def import_projects(actor, parsed: ProjectsFile, *, dry_run: bool = False, reason: str = "") -> ImportReport:
    """Apply the file (flush only; the caller commits), or raise ProblemsError and write nothing."""
    if not is_secretariat(actor):
        raise PermissionDenied()
    report = ImportReport(dry_run=dry_run)
    problems: list[Problem] = []
    savepoint = db.session.begin_nested()
    try:
        by_name = _import_organisations(actor, parsed.organisations, report, problems)
        _import_sectors(actor, parsed, report, problems)
        for entry in parsed.projects:
            _import_project(actor, entry, by_name, report, problems, reason)
    except BaseException:
        savepoint.rollback()
        raise
    errors = [p for p in problems if p.severity == "error"]
    report.warnings = [p for p in problems if p.severity != "error"]
    if errors or dry_run:
        savepoint.rollback()
        if errors:
            raise ProblemsError(problems)
        return report
    savepoint.commit()
    return report


def _organisation_lookup() -> dict[str, Organisation]:
    """Every organisation by its name and its acronym, case-insensitive (names win over acronyms)."""
    found: dict[str, Organisation] = {}
    rows = list(db.session.scalars(select(Organisation)))
    for org in rows:
        if org.acronym:
            found.setdefault(org.acronym.casefold(), org)
    for org in rows:
        found[org.name.casefold()] = org
    return found


def _problems_from(error: Exception, where: str, keys: dict[str, str] | None = None) -> list[Problem]:
    """A service's refusal as problems placed in the file."""
    listed = getattr(error, "problems", None)  # a refusal that names its fields
    if listed:
        placed = []
        for problem in listed:
            key = (keys or {}).get(problem.where, problem.where)
            placed.append(Problem(f"{where}.{key}" if key else where, problem.message_id, problem.params,
                                  problem.severity))
        return placed
    if isinstance(error, WorkflowError):
        return [Problem(where, error.message_id, error.params)]
    raise error


def _organisation_input(entry: OrganisationEntry, parent_id: int | None):
    return organisations.OrganisationInput(name=entry.name, name_fr=entry.name_fr, acronym=entry.acronym,
                                           kind=entry.kind, country_code=entry.country, parent_id=parent_id)


def _same_organisation(org: Organisation, data) -> bool:
    return ((org.name, org.name_fr or "", org.acronym or None, getattr(org.kind, "value", org.kind),
             org.country_code or None, org.parent_id)
            == (data.name, data.name_fr or "", data.acronym or None, data.kind, data.country_code or None,
                data.parent_id))


def _import_organisations(actor, entries, report: ImportReport, problems: list[Problem]) -> dict[str, Organisation]:
    """Create or update the file's organisations; parents are set once every organisation exists."""
    by_name = _organisation_lookup()
    settled: list[tuple[OrganisationEntry, Organisation]] = []
    for entry in entries:
        org = by_name.get(entry.name.casefold())
        data = _organisation_input(entry, org.parent_id if org is not None else None)
        try:
            if org is None:
                org = organisations.create_organisation(actor, data)
                report.created["organisations"].append(org.name)
            elif not _same_organisation(org, data):
                org = organisations.update_organisation(actor, org, data, org.version)
                report.updated["organisations"].append(org.name)
        except (ProblemsError, WorkflowError) as error:
            problems.extend(_problems_from(error, entry.where, {"country_code": "country", "parent_id": "parent"}))
            continue
        by_name[org.name.casefold()] = org
        settled.append((entry, org))
    for entry, org in settled:
        parent = by_name.get(entry.parent.casefold()) if entry.parent else None
        if entry.parent and parent is None:
            problems.append(Problem(f"{entry.where}.parent", N_("Unknown organisation “%(name)s”."),
                                    {"name": entry.parent}))
            continue
        parent_id = parent.id if parent is not None else None
        if org.parent_id == parent_id:
            continue
        try:
            organisations.update_organisation(actor, org, _organisation_input(entry, parent_id), org.version)
        except (ProblemsError, WorkflowError) as error:
            problems.extend(_problems_from(error, entry.where, {"parent_id": "parent"}))
            continue
        if org.name not in report.created["organisations"] + report.updated["organisations"]:
            report.updated["organisations"].append(org.name)
    return by_name


def _import_sectors(actor, parsed: ProjectsFile, report: ImportReport, problems: list[Problem]) -> None:
    have = {s.key: s for s in db.session.scalars(select(Sector))}
    for entry in parsed.sectors:
        sector = have.get(entry.key)
        after = {"key": entry.key, "name_en": entry.name_en, "name_fr": entry.name_fr}
        if sector is None:
            sector = Sector(key=entry.key, name_en=entry.name_en, name_fr=entry.name_fr)
            db.session.add(sector)
            db.session.flush()
            record(actor, "sector.create", sector, after=after, key=f"sectors/{entry.key}")
            report.created["sectors"].append(entry.key)
            have[entry.key] = sector
        elif (sector.name_en, sector.name_fr) != (entry.name_en, entry.name_fr):
            before = {"key": sector.key, "name_en": sector.name_en, "name_fr": sector.name_fr}
            sector.name_en, sector.name_fr = entry.name_en, entry.name_fr
            db.session.flush()
            record(actor, "sector.update", sector, before=before, after=after, key=f"sectors/{entry.key}")
            report.updated["sectors"].append(entry.key)


def _organisation_ids(names, where: str, by_name, problems: list[Problem]) -> tuple[int, ...]:
    ids = []
    for index, name in enumerate(names):
        org = by_name.get(name.casefold())
        if org is None:
            problems.append(Problem(f"{where}[{index}]", N_("Unknown organisation “%(name)s”."), {"name": name}))
            continue
        ids.append(org.id)
    return tuple(ids)


def _project_input(entry: ProjectEntry, by_name, problems: list[Problem]):
    lead = None
    if entry.lead:
        lead_org = by_name.get(entry.lead.casefold())
        if lead_org is None:
            problems.append(Problem(f"{entry.where}.lead", N_("Unknown organisation “%(name)s”."),
                                    {"name": entry.lead}))
        else:
            lead = lead_org.id
    implementers = _organisation_ids(entry.implementers, f"{entry.where}.implementers", by_name, problems)
    funders = _organisation_ids(entry.funders, f"{entry.where}.funders", by_name, problems)
    if lead is not None:
        implementers = (lead,) + tuple(i for i in implementers if i != lead)
    return projects.ProjectInput(
        code=entry.code, title_en=entry.title_en, title_fr=entry.title_fr, summary_en=entry.summary_en,
        summary_fr=entry.summary_fr, lead=lead, implementers=implementers, funders=funders,
        origin_countries=entry.countries_origin, destination_countries=entry.countries_destination,
        start_date=entry.start_date, end_date=entry.end_date, reporting_frequency=entry.reporting_frequency,
        currency=entry.currency, sectors=entry.sectors, gcm_objectives=entry.gcm_objectives,
        sdg_targets=entry.sdg_targets, status=entry.status, is_demo=entry.demo)


def _import_project(actor, entry: ProjectEntry, by_name, report: ImportReport, problems: list[Problem],
                    reason: str) -> None:
    found: list[Problem] = []
    data = _project_input(entry, by_name, found)
    if found:
        problems.extend(found)
        return
    project = db.session.scalar(select(Project).where(func.lower(Project.code) == entry.code.lower()))
    try:
        if project is None:
            project = projects.create_project(actor, data)
            report.created["projects"].append(project.code)
        elif projects.input_of(project) != projects.normalised(data):
            projects.update_project(actor, project, data, project.version)
            report.updated["projects"].append(project.code)
    except (ProblemsError, WorkflowError) as error:
        problems.extend(_problems_from(error, entry.where, PROJECT_KEYS))
        return
    if entry.logframe is None:
        return
    try:
        plan = logframes.apply_logframe(project, actor, entry.logframe, reason=reason)
    except (ProblemsError, WorkflowError) as error:
        problems.extend(_problems_from(error, f"{entry.where}.logframe") if not isinstance(error, ProblemsError)
                        else error.problems)
        return
    problems.extend(p for p in plan.problems if p.severity != "error")
    if plan.changes:
        report.logframes[project.code] = list(plan.changes)


def export_projects(actor, codes: list[str] | None = None) -> ProjectsFile:
    """The projects (all, or those named) as a projects file, with their organisations and sectors."""
    from meapp.imports.projects_yaml import SectorEntry
    from meapp.logframes.queries import spec_of

    if not is_secretariat(actor):
        raise PermissionDenied()
    query = select(Project).order_by(Project.code)
    if codes:
        query = query.where(func.lower(Project.code).in_([c.lower() for c in codes]))
    chosen = list(db.session.scalars(query))
    missing = sorted({c.lower() for c in codes or []} - {p.code.lower() for p in chosen})
    if missing:
        raise ProblemsError([Problem(code, N_("Unknown project “%(code)s”."), {"code": code}) for code in missing])
    used: dict[int, Organisation] = {}

    def note(org: Organisation | None) -> None:
        while org is not None and org.id not in used:
            used[org.id] = org
            org = org.parent

    entries = []
    sectors: dict[str, Sector] = {}
    for project in chosen:
        note(project.lead_organisation)
        for participation in project.participations:
            note(participation.organisation)
        for sector in project.sectors:
            sectors[sector.key] = sector
        lead = project.lead_organisation.name if project.lead_organisation else None
        entries.append(ProjectEntry(
            code=project.code, where="", title_en=project.title_en, title_fr=project.title_fr,
            summary_en=project.summary_en, summary_fr=project.summary_fr, lead=lead,
            implementers=tuple(o.name for o in project.implementers if o.name != lead),
            funders=tuple(o.name for o in project.funders),
            countries_origin=tuple(project.origin_countries), countries_destination=tuple(project.destination_countries),
            start_date=project.start_date, end_date=project.end_date,
            reporting_frequency=project.reporting_frequency.value, currency=project.currency,
            sectors=tuple(s.key for s in project.sectors), gcm_objectives=tuple(g.number for g in project.gcm_objectives),
            sdg_targets=tuple(t.code for t in project.sdg_targets), status=project.status.value, demo=project.is_demo,
            logframe=spec_of(project)))
    # Parents before the organisations under them, then by name: the file reads top-down.
    ordered, placed = [], set()

    def place(org: Organisation) -> None:
        if org.id in placed:
            return
        if org.parent_id in used:
            place(used[org.parent_id])
        placed.add(org.id)
        ordered.append(org)

    for org in sorted(used.values(), key=lambda o: o.name.casefold()):
        place(org)
    return ProjectsFile(
        organisations=tuple(OrganisationEntry(
            name=o.name, where="", name_fr=o.name_fr or "", acronym=o.acronym, kind=o.kind.value,
            country=o.country_code, parent=o.parent.name if o.parent else None) for o in ordered),
        sectors=tuple(SectorEntry(key=s.key, name_en=s.name_en, name_fr=s.name_fr, where="")
                      for s in sorted(sectors.values(), key=lambda s: s.key)),
        projects=tuple(entries))
