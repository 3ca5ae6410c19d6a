"""Writes for projects: create and edit a project, its participants, countries and frameworks.

One write path for every door (the project form, `flask projects import`): `check_project` finds every
problem at once, each with the field it concerns; `create_project` and `update_project` refuse with all of
them (ProblemsError), write, audit and flush. The caller commits.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
from collections import Counter
from dataclasses import dataclass, field, fields, replace

import sqlalchemy as sa
from babel.numbers import get_territory_currencies
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from meapp.audit.service import record
from meapp.auth.permissions import is_secretariat
from meapp.core import countries
from meapp.core.messages import N_
from meapp.core.periods import Frequency, Period, PeriodError
from meapp.core.problems import Problem, ProblemsError
from meapp.core.text import CODE_LIMIT, TextProblem, text_problem
from meapp.errors import PermissionDenied, StaleVersion
from meapp.extensions import db
from meapp.modelbase import utcnow
from meapp.projects.models import (
    CountryRole,
    GcmObjective,
    Organisation,
    ParticipationRole,
    Project,
    ProjectCountry,
    ProjectOrganisation,
    ProjectStatus,
    SdgTarget,
    Sector,
)

TITLE_LIMIT = 400  # the column
SUMMARY_LIMIT = 10000  # a summary is a paragraph or two, as in the annex
# Letters, digits and dashes, starting and ending with a letter or a digit: the code names the project's
# pages (/projects/PALIM), files and history, so it is stored in capitals and never changes.
CODE = re.compile(r"^[A-Z0-9](?:[A-Z0-9-]*[A-Z0-9])?$")
RESERVED_CODES = frozenset({"NEW"})  # /projects/new is the creation form
# CLDR names territories that are not ISO 3166 countries: exceptional reservations (Ascension, Canary
# Islands...), groupings (EU, UN), pseudo-locales and "unknown". Kosovo (XK) is kept, as the demo uses it.
NOT_COUNTRIES = countries.NOT_COUNTRIES
LIST_LIMIT = 20  # periods or codes named in one message


@dataclass(frozen=True)
class ProjectInput:
    """Everything a project holds, as plain values: organisations by id, countries by ISO 3166 code,
    sectors by key, GCM objectives by number, SDG targets by code. The lead is an implementer, first."""

    code: str
    title_en: str = ""
    title_fr: str = ""
    summary_en: str = ""
    summary_fr: str = ""
    lead: int | None = None
    implementers: tuple[int, ...] = ()
    funders: tuple[int, ...] = ()
    origin_countries: tuple[str, ...] = ()
    destination_countries: tuple[str, ...] = ()
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    reporting_frequency: str = Frequency.QUARTERLY.value
    currency: str = "EUR"
    sectors: tuple[str, ...] = ()
    gcm_objectives: tuple[int, ...] = ()
    sdg_targets: tuple[str, ...] = ()
    status: str = ProjectStatus.ACTIVE.value
    is_demo: bool = False

    @classmethod
    def of(cls, project: Project) -> ProjectInput:
        """The project as it is stored (to fill a form, or to compare with a file)."""
        return cls(
            code=project.code, title_en=project.title_en or "", title_fr=project.title_fr or "",
            summary_en=project.summary_en or "", summary_fr=project.summary_fr or "",
            lead=project.lead_organisation_id,
            implementers=tuple(p.organisation_id for p in project.participations
                               if p.role == ParticipationRole.IMPLEMENTER),
            funders=tuple(p.organisation_id for p in project.participations if p.role == ParticipationRole.FUNDER),
            origin_countries=tuple(project.origin_countries),
            destination_countries=tuple(project.destination_countries),
            start_date=project.start_date, end_date=project.end_date,
            reporting_frequency=_value(project.reporting_frequency), currency=project.currency,
            sectors=tuple(s.key for s in project.sectors),
            gcm_objectives=tuple(g.number for g in project.gcm_objectives),
            sdg_targets=tuple(t.code for t in project.sdg_targets),
            status=_value(project.status), is_demo=bool(project.is_demo),
        )


def _value(item):
    return getattr(item, "value", item)


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def _upper(values) -> tuple:
    return tuple(v.strip().upper() if isinstance(v, str) else v for v in values or ())


def _ordered(values) -> tuple:
    """Sectors, GCM objectives and SDG targets are sets: kept in one order (the one `ProjectInput.of` gives)."""
    return tuple(sorted(values, key=lambda v: (type(v).__name__, v if isinstance(v, int | str) else str(v))))


def normalised(data: ProjectInput) -> ProjectInput:
    """Trimmed texts, codes in capitals, the lead first among the implementers (added when missing),
    framework lists in order: `normalised(data) == input_of(project)` exactly when saving changes nothing."""
    implementers = tuple(data.implementers or ())
    if data.lead is not None:
        rest = list(implementers)
        if data.lead in rest:
            rest.remove(data.lead)  # once: a second mention stays, and is reported as listed twice
        implementers = (data.lead, *rest)
    return replace(
        data,
        code=_text(data.code).upper(),
        title_en=_text(data.title_en), title_fr=_text(data.title_fr),
        summary_en=_text(data.summary_en), summary_fr=_text(data.summary_fr),
        implementers=implementers, funders=tuple(data.funders or ()),
        origin_countries=_upper(data.origin_countries), destination_countries=_upper(data.destination_countries),
        currency=_text(data.currency).upper(),
        reporting_frequency=_value(data.reporting_frequency), status=_value(data.status),
        sectors=_ordered(_text(s) if isinstance(s, str) else s for s in data.sectors or ()),
        gcm_objectives=_ordered(data.gcm_objectives or ()),
        sdg_targets=_ordered(_text(s) if isinstance(s, str) else s for s in data.sdg_targets or ()),
    )


def input_of(project: Project) -> ProjectInput:
    """The project as it is stored, as an input (to fill a form, or to compare with a file)."""
    return ProjectInput.of(project)


# Reference lists: what the form offers is what the check accepts.


def known_countries() -> frozenset[str]:
    """ISO 3166 alpha-2 codes of the countries CLDR names (and Kosovo, XK)."""
    return countries.country_codes()


@functools.cache
def current_currencies() -> frozenset[str]:
    """ISO 4217 codes of the currencies that are legal tender somewhere today (CLDR, through Babel)."""
    found: set[str] = set()
    for territory in known_countries():
        found.update(get_territory_currencies(territory))
    return frozenset(found)


@dataclass(frozen=True)
class ProjectChoices:
    """What a project may hold: organisations (the active ones, and those already in the project),
    sectors, GCM objectives and SDG targets."""

    organisations: list[Organisation]
    sectors: list[Sector]
    gcm_objectives: list[GcmObjective]
    sdg_targets: list[SdgTarget]
    currencies: list[str] = field(default_factory=list)


def project_choices(project: Project | None) -> ProjectChoices:
    """The reference rows a project form offers (organisations of `project` kept even when deactivated)."""
    taking_part = {p.organisation_id for p in project.participations} | {project.lead_organisation_id} \
        if project is not None else set()
    organisations = [o for o in db.session.scalars(select(Organisation).order_by(Organisation.name))
                     if getattr(o, "is_active", True) or o.id in taking_part]
    currencies = set(current_currencies())
    if project is not None and project.currency:
        currencies.add(project.currency)
    return ProjectChoices(
        organisations=organisations,
        sectors=list(db.session.scalars(select(Sector).order_by(Sector.key))),
        gcm_objectives=list(db.session.scalars(select(GcmObjective).order_by(GcmObjective.number))),
        sdg_targets=list(db.session.scalars(select(SdgTarget).order_by(SdgTarget.code))),
        currencies=sorted(currencies),
    )


# The checks.


def check_project(project: Project | None, data: ProjectInput) -> list[Problem]:
    """Every problem of `data` as a new project (project None) or as the new state of `project`."""
    data = normalised(data)
    problems: list[Problem] = []
    problems += _check_code(project, data.code)
    problems += _check_texts(data)
    problems += _check_organisations(project, data)
    problems += _check_countries(data)
    dates_ok = _check_dates(data, problems)
    frequency_ok = _check_choice(data.reporting_frequency, Frequency, "reporting_frequency",
                                 N_("Unknown reporting frequency: %(value)s."), problems)
    _check_choice(data.status, ProjectStatus, "status", N_("Unknown project status: %(value)s."), problems)
    problems += _check_currency(project, data.currency)
    problems += _check_frameworks(data)
    if project is not None and project.id is not None and dates_ok and frequency_ok:
        problems += _check_reported_periods(project, data)
    return problems


def _check_code(project: Project | None, code: str) -> list[Problem]:
    if project is not None:
        if code != project.code.upper():
            return [Problem("code", N_("The code of a project never changes: it names its pages, files and "
                                       "history."))]
        return []
    if not code:
        return [Problem("code", N_("Give the project a code."))]
    if len(code) > CODE_LIMIT or not CODE.match(code):
        return [Problem("code", N_("A code holds letters, digits and dashes only (at most %(limit)s), "
                                   "e.g. PALIM or MENTOR-2."), {"limit": CODE_LIMIT})]
    if code in RESERVED_CODES:
        return [Problem("code", N_("%(code)s cannot be a project code."), {"code": code})]
    if db.session.scalar(select(Project.id).where(func.upper(Project.code) == code)) is not None:
        return [Problem("code", N_("A project with the code %(code)s already exists."), {"code": code})]
    return []


def _check_texts(data: ProjectInput) -> list[Problem]:
    problems = []
    for name, limit in (("title_en", TITLE_LIMIT), ("title_fr", TITLE_LIMIT), ("summary_en", SUMMARY_LIMIT),
                        ("summary_fr", SUMMARY_LIMIT)):
        found = text_problem(getattr(data, name), limit)
        if found is TextProblem.CONTROL:
            problems.append(Problem(name, N_("This text holds invisible control characters; remove them.")))
        elif found is TextProblem.TOO_LONG:
            problems.append(Problem(name, N_("This text may hold at most %(limit)s characters."), {"limit": limit}))
    if not (data.title_en or data.title_fr):
        problems.append(Problem("title_en", N_("Give the project a title, in English or in French.")))
    return problems


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _twice(values) -> list:
    """The values listed more than once, in the order they first appear."""
    counts = Counter(values)
    return [v for v in dict.fromkeys(values) if counts[v] > 1]


def _check_organisations(project: Project | None, data: ProjectInput) -> list[Problem]:
    problems = []
    wanted = [i for i in (data.lead, *data.implementers, *data.funders) if i is not None]
    ids = {i for i in wanted if _is_id(i)}
    found = {o.id: o for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(ids)))} if ids else {}
    # A deactivated organisation is not added to a project; one that already takes part stays.
    already: dict[str, set] = {"lead": set(), "implementers": set(), "funders": set()}
    if project is not None:
        already["lead"] = {project.lead_organisation_id}
        already["implementers"] = {p.organisation_id for p in project.participations
                                   if p.role == ParticipationRole.IMPLEMENTER}
        already["funders"] = {p.organisation_id for p in project.participations
                              if p.role == ParticipationRole.FUNDER}
    if data.lead is None:
        problems.append(Problem("lead", N_("Choose the lead organisation.")))
    roles = [("lead", () if data.lead is None else (data.lead,)), ("implementers", data.implementers[1:]
             if data.lead is not None else data.implementers), ("funders", data.funders)]
    for where, members in roles:
        unknown = [str(i) for i in members if i not in found]
        if unknown:
            problems.append(Problem(where, N_("Unknown organisation: %(ids)s."), {"ids": ", ".join(unknown)}))
        inactive = [found[i].name for i in dict.fromkeys(members) if i in found
                    and not getattr(found[i], "is_active", True) and i not in already[where]]
        if inactive:
            problems.append(Problem(where, N_("Deactivated organisations cannot join a project: %(names)s."),
                                    {"names": "; ".join(inactive)}))
    for where, members in (("implementers", data.implementers), ("funders", data.funders)):
        repeated = _twice(members)
        if repeated:
            names = [found[i].name if i in found else str(i) for i in repeated]
            problems.append(Problem(where, N_("Listed more than once: %(names)s."), {"names": "; ".join(names)}))
    return problems


def _check_countries(data: ProjectInput) -> list[Problem]:
    problems = []
    known = known_countries()
    for where in ("origin_countries", "destination_countries"):
        codes = getattr(data, where)
        unknown = [str(c) for c in dict.fromkeys(codes) if c not in known]
        if unknown:
            problems.append(Problem(where, N_("Not ISO 3166 country codes: %(codes)s."),
                                    {"codes": _listed(unknown)}))
        repeated = _twice(codes)
        if repeated:
            problems.append(Problem(where, N_("Listed more than once: %(names)s."), {"names": ", ".join(repeated)}))
    return problems


def _check_dates(data: ProjectInput, problems: list[Problem]) -> bool:
    """Appends the problems of the dates; True when both are there, in range and in order."""
    ok = True
    for where, value, missing in (("start_date", data.start_date, N_("Give the date the project starts.")),
                                  ("end_date", data.end_date, N_("Give the date the project ends."))):
        if value is None:
            problems.append(Problem(where, missing))
            ok = False
        elif not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            problems.append(Problem(where, N_("Not a date: %(value)s."), {"value": str(value)[:40]}))
            ok = False
        elif not 1900 <= value.year <= 2999:
            problems.append(Problem(where, N_("Write a date between the years %(min)s and %(max)s."),
                                    {"min": 1900, "max": 2999}))
            ok = False
    if ok and data.end_date < data.start_date:
        problems.append(Problem("end_date", N_("The project cannot end before it starts.")))
        ok = False
    return ok


def _check_choice(value, enum_cls, where: str, message: str, problems: list[Problem]) -> bool:
    if value not in {m.value for m in enum_cls}:
        problems.append(Problem(where, message, {"value": str(value)[:40]}))
        return False
    return True


def _check_currency(project: Project | None, code: str) -> list[Problem]:
    # A project keeps the currency it has even after that currency is withdrawn.
    if code in current_currencies() or (project is not None and code and code == project.currency):
        return []
    return [Problem("currency", N_("Not a currency code in use: %(code)s (ISO 4217, e.g. EUR)."),
                    {"code": str(code)[:10]})]


def _check_frameworks(data: ProjectInput) -> list[Problem]:
    problems = []
    lists = (
        ("sectors", data.sectors, Sector.key, N_("Unknown sectors: %(codes)s.")),
        ("gcm_objectives", data.gcm_objectives, GcmObjective.number, N_("Unknown GCM objectives: %(codes)s.")),
        ("sdg_targets", data.sdg_targets, SdgTarget.code, N_("Unknown SDG targets: %(codes)s.")),
    )
    for where, values, column, message in lists:
        wanted = [v for v in values if isinstance(v, int if where == "gcm_objectives" else str) and not
                  isinstance(v, bool)]
        known = set(db.session.scalars(select(column).where(column.in_(wanted)))) if wanted else set()
        unknown = [str(v) for v in dict.fromkeys(values) if v not in known]
        if unknown:
            problems.append(Problem(where, message, {"codes": _listed(unknown)}))
        repeated = _twice(values)
        if repeated:
            problems.append(Problem(where, N_("Listed more than once: %(names)s."),
                                    {"names": ", ".join(map(str, repeated))}))
    return problems


def _listed(items: list[str]) -> str:
    shown = ", ".join(items[:LIST_LIMIT])
    return shown + ("…" if len(items) > LIST_LIMIT else "")


# Submissions sit above projects (the import contract): the check reads their tables by name, read-only,
# so that every door that changes a project's dates or frequency (the form, a projects file) gets it
# without having to pass it in.
_submissions = sa.table("submissions", sa.column("id"), sa.column("project_id"), sa.column("period"),
                        sa.column("status"), sa.column("narrative_en"), sa.column("narrative_fr"))
_values = sa.table("values", sa.column("submission_id"))
_evidence = sa.table("evidence", sa.column("submission_id"))


def reported_periods(project_id: int) -> list[str]:
    """The periods of the project whose report holds something: a value, a narrative, evidence, or a
    decision (submitted, approved, returned). A draft left empty holds nothing and does not count."""
    holds = sa.or_(
        _submissions.c.status != "draft",
        func.length(func.trim(_submissions.c.narrative_en)) > 0,
        func.length(func.trim(_submissions.c.narrative_fr)) > 0,
        sa.exists().where(_values.c.submission_id == _submissions.c.id),
        sa.exists().where(_evidence.c.submission_id == _submissions.c.id),
    )
    return list(db.session.scalars(select(_submissions.c.period).where(_submissions.c.project_id == project_id,
                                                                       holds)))


def _period_order(code: str):
    try:
        period = Period.parse(code)
        return (period.start_date, code)
    except PeriodError:
        return (dt.date.max, code)


def _check_reported_periods(project: Project, data: ProjectInput) -> list[Problem]:
    """Refuse new dates or a new frequency that would leave reported periods outside the project."""
    frequency = Frequency(data.reporting_frequency)
    same_frequency = frequency == project.reporting_frequency
    if same_frequency and (data.start_date, data.end_date) == (project.start_date, project.end_date):
        return []
    reported = sorted(reported_periods(project.id), key=_period_order)
    if not reported:
        return []
    problems = []
    if not same_frequency:
        mismatched = [c for c in reported if _frequency_of(c) != frequency]
        if mismatched:
            problems.append(Problem("reporting_frequency", N_(
                "Values are reported for %(periods)s, which would no longer match the reporting frequency."),
                {"periods": _listed(mismatched)}))
    before = [c for c in reported if _frequency_of(c) == frequency and Period.parse(c).end_date < data.start_date]
    after = [c for c in reported if _frequency_of(c) == frequency and Period.parse(c).start_date > data.end_date]
    for where, outside in (("start_date", before), ("end_date", after)):
        if outside:
            problems.append(Problem(where, N_("Values are reported for %(periods)s, which would fall "
                                              "outside the project's dates."), {"periods": _listed(outside)}))
    return problems


def _frequency_of(code: str) -> Frequency | None:
    try:
        return Period.parse(code).frequency
    except PeriodError:
        return None


# The writes.


class ProjectConflict(StaleVersion):
    """Someone saved the project after this page was opened."""

    def __init__(self, current_version: int | None):
        super().__init__(N_("Someone else saved this project after you opened it (now version %(version)s). "
                            "Nothing of yours was saved: check the differences and save again."), current_version)


def _require_secretariat(actor) -> None:
    if not is_secretariat(actor):
        raise PermissionDenied()


def create_project(actor, data: ProjectInput) -> Project:
    """A new project with its participants, countries and frameworks (secretariat)."""
    _require_secretariat(actor)
    problems = check_project(None, data)
    if any(p.severity == "error" for p in problems):
        raise ProblemsError(problems)
    data = normalised(data)
    project = Project(code=data.code)
    with db.session.no_autoflush:
        _assign(project, data)
    db.session.add(project)
    try:
        db.session.flush()
    except IntegrityError as exc:  # the one unique value a person chooses: someone took the code meanwhile
        raise ProblemsError([Problem("code", N_("A project with the code %(code)s already exists."),
                                     {"code": data.code})]) from exc
    record(actor, "project.create", project, after=_state(project), project_id=project.id, key=project.code)
    return project


def update_project(actor, project: Project, data: ProjectInput, expected_version: int | None) -> Project:
    """Edit everything a project holds (secretariat); refused on a stale version or any problem.

    `expected_version`: the version the editor's page showed; None skips the check (a projects file,
    which says the whole state it wants). Nothing changes, and nothing is audited, when the data is
    the project as stored.
    """
    _require_secretariat(actor)
    if expected_version is not None:
        if project.version != expected_version:
            raise ProjectConflict(project.version)
        # The UPDATE will say WHERE version = expected: a save in between makes it match nothing.
        set_committed_value(project, "version", expected_version)
    problems = check_project(project, data)
    if any(p.severity == "error" for p in problems):
        raise ProblemsError(problems)
    before = _state(project)
    with db.session.no_autoflush:  # one flush below, where a stale version becomes a conflict
        _assign(project, normalised(data))
        after = _state(project)
    if after == before:  # a projects file imported twice, a form saved unchanged: no new version, no event
        return project
    project.updated_at = utcnow()  # the project's own row changes, so its version moves even when only
    # its participants or countries did
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise ProjectConflict(None) from exc
    record(actor, "project.update", project, before={k: v for k, v in before.items() if after[k] != v},
           after={k: v for k, v in after.items() if before[k] != v}, project_id=project.id, key=project.code)
    return project


def _assign(project: Project, data: ProjectInput) -> None:
    """Write a checked, normalised input onto the project (children reused where they stay)."""
    for name in ("title_en", "title_fr", "summary_en", "summary_fr", "start_date", "end_date", "currency",
                 "is_demo"):
        if getattr(project, name) != getattr(data, name):
            setattr(project, name, getattr(data, name))
    if project.reporting_frequency != Frequency(data.reporting_frequency):
        project.reporting_frequency = Frequency(data.reporting_frequency)
    if project.status != ProjectStatus(data.status):
        project.status = ProjectStatus(data.status)
    if project.lead_organisation_id != data.lead:
        project.lead_organisation = db.session.get(Organisation, data.lead)
    _set_participations(project, data)
    _set_countries(project, data)
    _set_references(project, data)


def _set_participations(project: Project, data: ProjectInput) -> None:
    wanted = [(i, ParticipationRole.IMPLEMENTER) for i in data.implementers] + \
             [(i, ParticipationRole.FUNDER) for i in data.funders]
    existing = {(p.organisation_id, ParticipationRole(p.role)): p for p in project.participations}
    organisations = {o.id: o for o in db.session.scalars(
        select(Organisation).where(Organisation.id.in_({i for i, _role in wanted})))} if wanted else {}
    rows = []
    for position, (organisation_id, role) in enumerate(wanted):
        row = existing.get((organisation_id, role))
        if row is None:
            row = ProjectOrganisation(organisation=organisations[organisation_id], role=role)
        if row.position != position:
            row.position = position
        rows.append(row)
    if rows != list(project.participations):
        project.participations = rows


def _set_countries(project: Project, data: ProjectInput) -> None:
    wanted = [(c, CountryRole.ORIGIN, i) for i, c in enumerate(data.origin_countries)] + \
             [(c, CountryRole.DESTINATION, i) for i, c in enumerate(data.destination_countries)]
    existing = {(c.country_code, CountryRole(c.role)): c for c in project.countries}
    rows = []
    for code, role, position in wanted:
        row = existing.get((code, role)) or ProjectCountry(country_code=code, role=role)
        if row.position != position:
            row.position = position
        rows.append(row)
    if rows != list(project.countries):
        project.countries = rows


def _set_references(project: Project, data: ProjectInput) -> None:
    lists = (("sectors", Sector, Sector.key, data.sectors, "key"),
             ("gcm_objectives", GcmObjective, GcmObjective.number, data.gcm_objectives, "number"),
             ("sdg_targets", SdgTarget, SdgTarget.code, data.sdg_targets, "code"))
    for attribute, model, column, wanted, key in lists:
        if sorted(getattr(row, key) for row in getattr(project, attribute)) == sorted(wanted):
            continue
        rows = list(db.session.scalars(select(model).where(column.in_(wanted)))) if wanted else []
        setattr(project, attribute, sorted(rows, key=lambda row, key=key: getattr(row, key)))


def _state(project: Project) -> dict:
    """The project as the audit trail keeps it: codes, names and plain values, never objects."""
    def names(role):
        return [p.organisation.name for p in sorted(project.participations, key=lambda p: p.position)
                if p.role == role]

    return {
        "code": project.code, "title_en": project.title_en, "title_fr": project.title_fr,
        "summary_en": project.summary_en, "summary_fr": project.summary_fr,
        "lead": project.lead_organisation.name if project.lead_organisation else None,
        "implementers": names(ParticipationRole.IMPLEMENTER), "funders": names(ParticipationRole.FUNDER),
        "origin_countries": [c.country_code for c in sorted(project.countries, key=lambda c: c.position)
                             if c.role == CountryRole.ORIGIN],
        "destination_countries": [c.country_code for c in sorted(project.countries, key=lambda c: c.position)
                                  if c.role == CountryRole.DESTINATION],
        "start_date": project.start_date.isoformat() if project.start_date else None,
        "end_date": project.end_date.isoformat() if project.end_date else None,
        "reporting_frequency": _value(project.reporting_frequency), "currency": project.currency,
        "sectors": sorted(s.key for s in project.sectors),
        "gcm_objectives": sorted(g.number for g in project.gcm_objectives),
        "sdg_targets": sorted(t.code for t in project.sdg_targets),
        "status": _value(project.status), "is_demo": bool(project.is_demo),
    }


FIELDS = tuple(f.name for f in fields(ProjectInput))  # the `where` of every problem is one of these
