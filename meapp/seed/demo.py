"""`flask seed demo`: the GFMD 2020 pilot projects with logframes, demo users and synthetic values.

Everything is keyed by natural keys (organisation name, email, project code), so a second run
finds what the first created and adds nothing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from babel import Locale
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from meapp.audit.service import record
from meapp.auth.models import Role, User
from meapp.extensions import db
from meapp.logframes.models import (
    Aggregation,
    Direction,
    DisaggregationType,
    Indicator,
    LevelKind,
    MissingValueStrategy,
    Operator,
    ResultLevel,
    Severity,
    Unit,
    ValidationRule,
)
from meapp.projects.models import (
    CountryRole,
    GcmObjective,
    Organisation,
    OrganisationKind,
    ParticipationRole,
    Project,
    ProjectCountry,
    ProjectOrganisation,
    SdgTarget,
    Sector,
)
from meapp.seed import demo_values
from meapp.seed.facts import demo_logframes, facts
from meapp.seed.reference import load_reference

DEMO_DOMAIN = "example.org"
SECRETARIAT_ORG = "GFMD Secretariat (demo)"
# Short names for the demo e-mail addresses of long-named funders; kept as acronyms.
SHORT_NAMES = {
    "European Union (European Commission, DG HOME)": "EU-DG-HOME",
    "Mobility Partnership Facility (MPF), implemented by ICMPD": "MPF-ICMPD",
    "European Union (co-financing)": "EU-cofinancing",
    "European Union (EU)": "EU",
}
# The facts name one organisation in two ways.
ALIASES = {"International Organization for Migration (IOM)": "IOM"}
# The facts name the European Union's funding in three ways; they are one funder, DG HOME's portfolio.
PARENTS = {"European Union (EU)": "European Union (European Commission, DG HOME)",
           "European Union (co-financing)": "European Union (European Commission, DG HOME)"}
# French names of organisations whose English name French documents should not show.
FRENCH_NAMES = {
    "European Union (European Commission, DG HOME)": "Union européenne (Commission européenne, DG HOME)",
    "European Union (co-financing)": "Union européenne (cofinancement)",
    "European Union (EU)": "Union européenne (UE)",
    "Mobility Partnership Facility (MPF), implemented by ICMPD":
        "Mécanisme de partenariat pour la mobilité (MPF), mis en œuvre par l’ICMPD",
    "Government of Belgium": "Gouvernement de Belgique",
    "IOM Development Fund": "Fonds de l’OIM pour le développement",
    "IOM": "OIM",
    "ILO": "OIT",
}
CITIES = {"Milan", "Turin", "Tunis", "Sfax", "Beni Mellal", "Tanger", "Freetown", "City of Vienna",
          "Freetown City Council", "London Borough of Southwark"}
INTERNATIONAL = {"IOM", "ILO", "GIZ", "European Union (EU)", "Global Skills Partnership",
                 "Mayors Dialogue on Growth and Solidarity"}
_COUNTRY_NAMES = {name for name in Locale("en").territories.values()}


@dataclass
class SeedReport:
    organisations: int = 0
    users: list[tuple[str, str, str]] = field(default_factory=list)  # created: email, role, organisation
    projects: list[str] = field(default_factory=list)
    reference_rows: int = 0
    values: int = 0
    periods: int = 0
    editions: int = 0  # rows created or updated in the GFMD 2020 annex edition

    @property
    def changed(self) -> bool:
        return bool(self.organisations or self.users or self.projects or self.reference_rows or self.periods
                    or self.editions)


def slug(name: str, limit: int = 40) -> str:
    text = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return text[:limit].rstrip("-") or "org"


def organisation_kind(name: str, is_funder: bool) -> OrganisationKind:
    if name in CITIES:
        return OrganisationKind.CITY
    if name in _COUNTRY_NAMES or name.startswith("Government of"):
        return OrganisationKind.GOVERNMENT
    if is_funder:
        return OrganisationKind.DONOR
    if name in INTERNATIONAL:
        return OrganisationKind.INTERNATIONAL
    return OrganisationKind.OTHER


class _Seeder:
    def __init__(self, password: str, report: SeedReport):
        self.report = report
        self.password_hash = generate_password_hash(password)
        self.orgs = {o.name: o for o in db.session.scalars(select(Organisation))}
        self.users = set(db.session.scalars(select(User.email)))
        self.sectors = {s.key: s for s in db.session.scalars(select(Sector))}
        self.gcm = {g.number: g for g in db.session.scalars(select(GcmObjective))}
        self.sdg = {t.code: t for t in db.session.scalars(select(SdgTarget))}
        self.dtypes = {t.key: t for t in db.session.scalars(select(DisaggregationType))}

    def organisation(self, name: str, is_funder: bool = False) -> Organisation:
        name = ALIASES.get(name, name)
        org = self.orgs.get(name)
        if org is None:
            org = Organisation(name=name, acronym=SHORT_NAMES.get(name), kind=organisation_kind(name, is_funder),
                               name_fr=FRENCH_NAMES.get(name, ""))
            db.session.add(org)
            self.orgs[name] = org
            self.report.organisations += 1
        if not org.name_fr and FRENCH_NAMES.get(name):
            org.name_fr = FRENCH_NAMES[name]
        if name in PARENTS and org.parent is None:
            org.parent = self.organisation(PARENTS[name], is_funder=True)
        return org

    def user(self, email: str, name: str, role: Role, org: Organisation) -> None:
        if email in self.users:
            return
        user = User(email=email, name=name, role=role, organisation=org, password_hash=self.password_hash,
                    is_demo=True)
        db.session.add(user)
        self.users.add(email)
        db.session.flush()
        record(None, "user.create", user, after={"email": email, "role": role.value, "organisation": org.name},
               reason="demo data")
        self.report.users.append((email, role.value, org.name))

    def sector(self, name: str) -> Sector:
        key = slug(name, 80)
        sector = self.sectors.get(key)
        if sector is None:
            sector = Sector(key=key, name_en=name, name_fr=SECTOR_FR.get(name, name))
            db.session.add(sector)
            self.sectors[key] = sector
        return sector

    def project(self, spec: dict, logframe: dict) -> Project:
        lead_name = spec.get("lead") or (spec.get("implementers") or [None])[0]
        lead = self.organisation(lead_name) if lead_name else None
        project = Project(
            code=spec["code"], title_en=spec["title_en"], title_fr=spec["title_fr"],
            summary_en=logframe.get("summary_en", ""), summary_fr=logframe.get("summary_fr", ""),
            lead_organisation=lead, start_date=logframe["start_date"], end_date=logframe["end_date"],
            is_demo=True,
        )
        position = 0
        implementers = [lead_name] if lead_name else []
        implementers += [n for n in spec.get("implementers") or [] if ALIASES.get(n, n) != ALIASES.get(lead_name, lead_name)]
        for name in implementers:
            project.participations.append(ProjectOrganisation(
                organisation=self.organisation(name), role=ParticipationRole.IMPLEMENTER, position=position))
            position += 1
        for name in spec.get("funders") or []:
            project.participations.append(ProjectOrganisation(
                organisation=self.organisation(name, is_funder=True), role=ParticipationRole.FUNDER,
                position=position))
            position += 1
        for role, key in ((CountryRole.ORIGIN, "countries_origin"), (CountryRole.DESTINATION, "countries_destination")):
            for index, code in enumerate(spec.get(key) or []):
                project.countries.append(ProjectCountry(country_code=code, role=role, position=index))
        project.sectors = list({s.key: s for s in (self.sector(n) for n in spec.get("sectors") or [])}.values())
        project.gcm_objectives = [self.gcm[n] for n in logframe.get("gcm_objectives") or [] if n in self.gcm]
        project.sdg_targets = [self.sdg[c] for c in logframe.get("sdg_targets") or [] if c in self.sdg]
        db.session.add(project)
        db.session.flush()
        record(None, "project.create", project, after={"code": project.code}, reason="demo data",
               project_id=project.id)
        self._logframe(project, logframe)
        return project

    def _logframe(self, project: Project, logframe: dict) -> None:
        counter = {"level": 0, "indicator": 0}

        def add_level(item: dict, parent: ResultLevel | None) -> None:
            level = ResultLevel(project_id=project.id, parent=parent, kind=LevelKind(item["level"]),
                                code=str(item["code"]), statement_en=item["statement_en"],
                                statement_fr=item["statement_fr"], position=counter["level"])
            counter["level"] += 1
            db.session.add(level)
            for ind in item.get("indicators") or []:
                counter["indicator"] += 1
                db.session.add(self._indicator(project, level, ind, counter["indicator"]))
            for child in item.get("children") or []:
                add_level(child, level)

        for item in logframe["levels"]:
            add_level(item, None)
        for index, rule in enumerate(logframe.get("rules") or [], start=1):
            db.session.add(ValidationRule(
                project_id=project.id, code=f"R{index}", left_expression=rule["left"],
                operator=Operator(rule["operator"]), right_expression=rule["right"],
                severity=Severity(rule.get("severity", "error")),
                missing_value_strategy=MissingValueStrategy(rule.get("missing", "skip_if_any")),
                message_en=rule["message_en"], message_fr=rule["message_fr"], position=index))
        db.session.flush()

    def _indicator(self, project: Project, level: ResultLevel, spec: dict, position: int) -> Indicator:
        unit = Unit(spec.get("unit", "number"))
        aggregation = Aggregation(spec.get("aggregation", "sum"))

        def dec(key):
            value = spec.get(key)
            return None if value is None else Decimal(str(value))

        indicator = Indicator(
            project_id=project.id, result_level=level, code=spec["code"],
            name_en=spec["name_en"], name_fr=spec["name_fr"],
            definition_en=spec.get("definition_en", ""), definition_fr=spec.get("definition_fr", ""),
            unit=unit, currency=project.currency if unit is Unit.CURRENCY else None,
            aggregation=aggregation, direction=Direction(spec.get("direction", "increase")),
            baseline_value=dec("baseline"), baseline_date=project.start_date, target_value=dec("target"),
            min_value=dec("min"), max_value=dec("max"), decimals=int(spec.get("decimals", 0)),
            is_required=bool(spec.get("required", True)), is_key=bool(spec.get("key", False)),
            is_cumulative=aggregation in (Aggregation.LATEST, Aggregation.MAX) and unit is Unit.NUMBER
            and spec.get("direction", "increase") == "increase",
            means_of_verification_en=spec.get("mov_en", ""), means_of_verification_fr=spec.get("mov_fr", ""),
            position=position,
        )
        for key in spec.get("disaggregations") or []:
            if key == "origin_country" and not project.origin_countries:
                continue
            if key == "destination_country" and not project.destination_countries:
                continue
            if key in self.dtypes:
                indicator.disaggregation_types.append(self.dtypes[key])
        return indicator


SECTOR_FR = {
    "ICT": "TIC",
    "various (company internships)": "divers (stages en entreprise)",
    "higher education (master's studies)": "enseignement supérieur (master)",
    "company traineeships (Lombardy, Piedmont)": "stages en entreprise (Lombardie, Piémont)",
    "entrepreneurship": "entrepreneuriat",
    "transnational training and traineeships": "formations et stages transnationaux",
    "entrepreneurship / start-ups": "entrepreneuriat / start-up",
    "highly skilled private-sector jobs": "emplois hautement qualifiés dans le secteur privé",
    "vocational training (selected occupations)": "formation professionnelle (métiers sélectionnés)",
    "vocational training": "formation professionnelle",
    "vocational skills": "compétences professionnelles",
    "life skills": "compétences de vie",
    "health": "santé",
    "MSME business development": "développement des MPME",
    "waste management": "gestion des déchets",
    "German language training": "apprentissage de l'allemand",
    "vocational education": "enseignement professionnel",
    "fashion and textiles": "mode et textile",
}


def _seed_compendium() -> int:
    """The GFMD 2020 annex as edition `gfmd-2020`, published, its practices linked to the pilot projects."""
    from meapp.compendium import importer, service
    from meapp.compendium.models import EditionStatus
    from meapp.seed.facts import FACTS_FILE

    result = service.import_edition(importer.parse(FACTS_FILE.read_text(encoding="utf-8")), "gfmd-2020")
    changed = result.created + result.updated
    if result.edition.status is not EditionStatus.PUBLISHED:
        result.edition.status = EditionStatus.PUBLISHED
        changed += 1
    return changed


def implementer_email(org: Organisation) -> str:
    return f"impl.{slug(org.acronym or org.name)}@{DEMO_DOMAIN}"


def donor_email(org: Organisation) -> str:
    return f"donor.{slug(org.acronym or org.name)}@{DEMO_DOMAIN}"


def seed_demo(password: str) -> SeedReport:
    """Load the demo; flushes, the caller commits. A second run adds nothing."""
    report = SeedReport()
    report.reference_rows = load_reference()
    seeder = _Seeder(password, report)
    secretariat = seeder.organisation(SECRETARIAT_ORG)
    secretariat.kind = OrganisationKind.SECRETARIAT
    seeder.user(f"secretariat@{DEMO_DOMAIN}", "Secretariat (demo)", Role.SECRETARIAT, secretariat)
    for spec in facts()["pilot_projects"]:
        lead = spec.get("lead")
        for name in ([lead] if lead else []) + list(spec.get("implementers") or []):
            org = seeder.organisation(name)
            seeder.user(implementer_email(org), f"{org.name} (demo)", Role.IMPLEMENTER, org)
        for name in spec.get("funders") or []:
            org = seeder.organisation(name, is_funder=True)
            seeder.user(donor_email(org), f"{org.name} (demo)", Role.DONOR, org)
    existing = set(db.session.scalars(select(Project.code)))
    logframes = demo_logframes()
    for index, spec in enumerate(facts()["pilot_projects"]):
        if spec["code"] in existing:
            continue
        project = seeder.project(spec, logframes[spec["code"]])
        report.values += demo_values.generate(project, index)
        report.projects.append(project.code)
    report.periods = demo_values.open_reporting_periods()
    report.editions = _seed_compendium()
    db.session.flush()
    return report
