"""`flask seed demo`: the GFMD 2020 pilot projects with logframes, demo users and synthetic values.

The organisations, sectors, projects and logframes come from `data/demo_projects.yaml` through the same
import as `flask projects import`, run as the demo secretariat. Everything is keyed by natural keys
(organisation name, email, project code), so a second run finds what the first created and adds nothing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from meapp.audit.service import record
from meapp.auth.models import Organisation, OrganisationKind, Role, User
from meapp.extensions import db
from meapp.imports.projects_import import import_projects
from meapp.imports.projects_yaml import parse_projects_file
from meapp.logframes.service import approve_logframe
from meapp.projects.models import Project
from meapp.seed import demo_values
from meapp.seed.facts import DATA_DIR, facts
from meapp.seed.reference import load_reference

DEMO_DOMAIN = "example.org"
SECRETARIAT_ORG = "GFMD Secretariat (demo)"
PROJECTS_FILE = DATA_DIR / "demo_projects.yaml"
# The facts name one organisation in two ways; demo_projects.yaml uses the second.
ALIASES = {"International Organization for Migration (IOM)": "IOM"}


@dataclass
class SeedReport:
    organisations: int = 0
    users: list[tuple[str, str, str]] = field(default_factory=list)  # created: email, role, organisation
    projects: list[str] = field(default_factory=list)
    reference_rows: int = 0
    values: int = 0
    periods: int = 0
    editions: int = 0  # rows created or updated in the GFMD 2020 annex edition
    projects_updated: list[str] = field(default_factory=list)  # existing projects the demo file changed

    @property
    def changed(self) -> bool:
        return bool(self.organisations or self.users or self.projects or self.reference_rows or self.periods
                    or self.editions or self.projects_updated)


def slug(name: str, limit: int = 40) -> str:
    text = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return text[:limit].rstrip("-") or "org"


class _Accounts:
    """The demo accounts: one per implementing and funding organisation, and the secretariat."""

    def __init__(self, password: str, report: SeedReport):
        self.report = report
        self.password_hash = generate_password_hash(password)
        self.users = set(db.session.scalars(select(User.email)))

    def add(self, email: str, name: str, role: Role, org: Organisation) -> User | None:
        if email in self.users:
            return None
        user = User(email=email, name=name, role=role, organisation=org, password_hash=self.password_hash,
                    is_demo=True)
        db.session.add(user)
        self.users.add(email)
        db.session.flush()
        record(None, "user.create", user, after={"email": email, "role": role.value, "organisation": org.name},
               reason="demo data")
        self.report.users.append((email, role.value, org.name))
        return user


def _secretariat(accounts: _Accounts, report: SeedReport) -> User:
    """The demo secretariat account (and its organisation): the import below runs as it."""
    org = db.session.scalar(select(Organisation).where(Organisation.name == SECRETARIAT_ORG))
    if org is None:
        org = Organisation(name=SECRETARIAT_ORG, kind=OrganisationKind.SECRETARIAT)
        db.session.add(org)
        db.session.flush()
        record(None, "organisation.create", org, after={"name": org.name, "kind": org.kind.value},
               reason="demo data")
        report.organisations += 1
    email = f"secretariat@{DEMO_DOMAIN}"
    accounts.add(email, "Secretariat (demo)", Role.SECRETARIAT, org)
    return db.session.scalar(select(User).where(User.email == email))


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
    accounts = _Accounts(password, report)
    secretariat = _secretariat(accounts, report)
    parsed, problems = parse_projects_file(PROJECTS_FILE.read_text(encoding="utf-8"))
    if parsed is None:  # the shipped file is checked by the tests; this guards an edited copy
        raise ValueError("; ".join(f"{p.where}: {p.message_id}" for p in problems))
    existing = set(db.session.scalars(select(Project.code)))
    imported = import_projects(secretariat, parsed, reason="demo data")
    report.organisations += len(imported.created["organisations"]) + len(imported.updated["organisations"])
    report.projects_updated = imported.updated["projects"] + [code for code in imported.logframes if code in existing]
    organisations = {o.name: o for o in db.session.scalars(select(Organisation))}
    for spec in facts()["pilot_projects"]:
        lead = spec.get("lead")
        for name in ([lead] if lead else []) + list(spec.get("implementers") or []):
            org = organisations[ALIASES.get(name, name)]
            accounts.add(implementer_email(org), f"{org.name} (demo)", Role.IMPLEMENTER, org)
        for name in spec.get("funders") or []:
            org = organisations[ALIASES.get(name, name)]
            accounts.add(donor_email(org), f"{org.name} (demo)", Role.DONOR, org)
    projects = {p.code: p for p in db.session.scalars(select(Project))}
    for index, entry in enumerate(parsed.projects):
        if entry.code in existing:
            continue
        project = projects[entry.code]
        approve_logframe(project, secretariat, None, note="demo data")
        report.values += demo_values.generate(project, index)
        report.projects.append(project.code)
    report.periods = demo_values.open_reporting_periods()
    report.editions = _seed_compendium()
    db.session.flush()
    return report
