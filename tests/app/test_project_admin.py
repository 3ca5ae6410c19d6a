"""Creating and editing projects: the checks of meapp.projects.service, the form, conflicts, the audit trail."""
import datetime as dt
import html
from dataclasses import replace

import pytest
from sqlalchemy import func, select, update

from meapp.audit.models import AuditEvent
from meapp.core.problems import ProblemsError
from meapp.errors import ConflictError, PermissionDenied
from meapp.projects import service
from meapp.projects.models import Organisation, ParticipationRole, Project
from meapp.projects.service import ProjectInput, check_project
from meapp.submissions.models import Submission, SubmissionStatus

SECRETARIAT = "secretariat@example.org"
PALIM_EDIT = "/projects/PALIM/edit"


def org_id(tx, name: str) -> int:
    found = tx.scalar(select(Organisation.id).where(Organisation.name == name))
    assert found is not None, name
    return found


def palim(tx) -> Project:
    return tx.scalar(select(Project).where(Project.code == "PALIM"))


def events(tx, action: str, project_id: int | None = None) -> list[AuditEvent]:
    stmt = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    if project_id is not None:
        stmt = stmt.where(AuditEvent.project_id == project_id)
    return list(tx.scalars(stmt))


def new_input(tx, **changes) -> ProjectInput:
    """A valid new project with organisations of the demo."""
    enabel, giz = org_id(tx, "Enabel"), org_id(tx, "GIZ")
    base = ProjectInput(
        code="NEW-PILOT", title_en="A new pilot", title_fr="Un nouveau pilote", summary_en="Skills for jobs.",
        lead=enabel, implementers=(enabel, giz), funders=(org_id(tx, "European Union (European Commission, DG HOME)"),),
        origin_countries=("MA", "TN"), destination_countries=("BE",), start_date=dt.date(2024, 1, 1),
        end_date=dt.date(2026, 12, 31), reporting_frequency="quarterly", currency="EUR", sectors=("ict",),
        gcm_objectives=(5, 18), sdg_targets=("10.7",), status="active")
    return replace(base, **changes)


def form_data(data: ProjectInput, version: int | None = None) -> dict:
    """What the project form posts for `data` (multiple selects as lists)."""
    form = {
        "code": data.code, "title_en": data.title_en, "title_fr": data.title_fr, "summary_en": data.summary_en,
        "summary_fr": data.summary_fr, "lead": "" if data.lead is None else str(data.lead),
        "implementers": [str(i) for i in data.implementers], "funders": [str(i) for i in data.funders],
        "origin_countries": list(data.origin_countries), "destination_countries": list(data.destination_countries),
        "start_date": data.start_date.isoformat() if data.start_date else "",
        "end_date": data.end_date.isoformat() if data.end_date else "",
        "reporting_frequency": data.reporting_frequency, "currency": data.currency, "status": data.status,
        "sectors": list(data.sectors), "gcm_objectives": [str(n) for n in data.gcm_objectives],
        "sdg_targets": list(data.sdg_targets),
    }
    if version is not None:
        form["version"] = str(version)
    return form


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


# The checks, one by one: each change to a valid project raises exactly the problem named.

def _deactivate(tx, name):
    tx.get(Organisation, org_id(tx, name)).is_active = False
    tx.flush()


NEW_CASES = [
    ("no code", lambda tx: {"code": "  "}, "code", "Give the project a code."),
    ("code with a space", lambda tx: {"code": "PAL IM"}, "code",
     "A code holds letters, digits and dashes only (at most %(limit)s), e.g. PALIM or MENTOR-2."),
    ("code starting with a dash", lambda tx: {"code": "-PALIM"}, "code",
     "A code holds letters, digits and dashes only (at most %(limit)s), e.g. PALIM or MENTOR-2."),
    ("code with an underscore", lambda tx: {"code": "NEW_PILOT"}, "code",
     "A code holds letters, digits and dashes only (at most %(limit)s), e.g. PALIM or MENTOR-2."),
    ("code too long", lambda tx: {"code": "A" * 41}, "code",
     "A code holds letters, digits and dashes only (at most %(limit)s), e.g. PALIM or MENTOR-2."),
    ("reserved code", lambda tx: {"code": "new"}, "code", "%(code)s cannot be a project code."),
    ("code taken, any case", lambda tx: {"code": "palim"}, "code", "A project with the code %(code)s already exists."),
    ("no title", lambda tx: {"title_en": " ", "title_fr": ""}, "title_en",
     "Give the project a title, in English or in French."),
    ("control character", lambda tx: {"title_en": "Bell\x07"}, "title_en",
     "This text holds invisible control characters; remove them."),
    ("title too long", lambda tx: {"title_fr": "é" * 401}, "title_fr", "This text may hold at most %(limit)s characters."),
    ("summary too long", lambda tx: {"summary_en": "x" * 10001}, "summary_en",
     "This text may hold at most %(limit)s characters."),
    ("lone surrogate", lambda tx: {"summary_fr": "\ud800"}, "summary_fr",
     "This text holds invisible control characters; remove them."),
    ("no lead", lambda tx: {"lead": None}, "lead", "Choose the lead organisation."),
    ("unknown lead", lambda tx: {"lead": 999999}, "lead", "Unknown organisation: %(ids)s."),
    ("unknown implementer", lambda tx: {"implementers": (org_id(tx, "Enabel"), 999999)}, "implementers",
     "Unknown organisation: %(ids)s."),
    ("unknown funder", lambda tx: {"funders": (999998,)}, "funders", "Unknown organisation: %(ids)s."),
    ("implementer twice", lambda tx: {"implementers": (org_id(tx, "Enabel"), org_id(tx, "GIZ"), org_id(tx, "GIZ"))},
     "implementers", "Listed more than once: %(names)s."),
    ("funder twice", lambda tx: {"funders": (org_id(tx, "BMZ"), org_id(tx, "BMZ"))}, "funders",
     "Listed more than once: %(names)s."),
    ("deactivated implementer", lambda tx: _deactivate(tx, "GIZ") or {}, "implementers",
     "Deactivated organisations cannot join a project: %(names)s."),
    ("deactivated lead", lambda tx: _deactivate(tx, "Enabel") or {}, "lead",
     "Deactivated organisations cannot join a project: %(names)s."),
    ("unknown origin country", lambda tx: {"origin_countries": ("MA", "ZZ")}, "origin_countries",
     "Not ISO 3166 country codes: %(codes)s."),
    ("a grouping is not a country", lambda tx: {"destination_countries": ("EU",)}, "destination_countries",
     "Not ISO 3166 country codes: %(codes)s."),
    ("country twice", lambda tx: {"destination_countries": ("BE", "be")}, "destination_countries",
     "Listed more than once: %(names)s."),
    ("no start", lambda tx: {"start_date": None}, "start_date", "Give the date the project starts."),
    ("no end", lambda tx: {"end_date": None}, "end_date", "Give the date the project ends."),
    ("not a date", lambda tx: {"end_date": "2026-12-31"}, "end_date", "Not a date: %(value)s."),
    ("a moment is not a date", lambda tx: {"start_date": dt.datetime(2024, 1, 1, 8, 0)}, "start_date",
     "Not a date: %(value)s."),
    ("year out of range", lambda tx: {"start_date": dt.date(1850, 1, 1)}, "start_date",
     "Write a date between the years %(min)s and %(max)s."),
    ("ends before it starts", lambda tx: {"end_date": dt.date(2023, 12, 31)}, "end_date",
     "The project cannot end before it starts."),
    ("unknown frequency", lambda tx: {"reporting_frequency": "monthly"}, "reporting_frequency",
     "Unknown reporting frequency: %(value)s."),
    ("unknown status", lambda tx: {"status": "paused"}, "status", "Unknown project status: %(value)s."),
    ("unknown currency", lambda tx: {"currency": "XYZ"}, "currency",
     "Not a currency code in use: %(code)s (ISO 4217, e.g. EUR)."),
    ("withdrawn currency", lambda tx: {"currency": "DEM"}, "currency",
     "Not a currency code in use: %(code)s (ISO 4217, e.g. EUR)."),
    ("unknown sector", lambda tx: {"sectors": ("ict", "astrology")}, "sectors", "Unknown sectors: %(codes)s."),
    ("sector twice", lambda tx: {"sectors": ("ict", "ict")}, "sectors", "Listed more than once: %(names)s."),
    ("unknown GCM objective", lambda tx: {"gcm_objectives": (5, 99)}, "gcm_objectives",
     "Unknown GCM objectives: %(codes)s."),
    ("GCM objective by name", lambda tx: {"gcm_objectives": ("5",)}, "gcm_objectives",
     "Unknown GCM objectives: %(codes)s."),
    ("unknown SDG target", lambda tx: {"sdg_targets": ("10.7", "99.9")}, "sdg_targets",
     "Unknown SDG targets: %(codes)s."),
]


def test_the_base_of_the_cases_is_valid(tx):
    assert check_project(None, new_input(tx)) == []


@pytest.mark.parametrize("changes, where, message_id", [c[1:] for c in NEW_CASES], ids=[c[0] for c in NEW_CASES])
def test_each_check_of_a_new_project(tx, changes, where, message_id):
    problems = check_project(None, new_input(tx, **changes(tx)))
    assert [(p.where, p.message_id) for p in problems] == [(where, message_id)]


def test_every_problem_at_once_and_every_where_is_a_field(tx):
    problems = check_project(None, new_input(tx, code="", title_en="", title_fr="", lead=None, currency="XYZ",
                                             end_date=dt.date(2020, 1, 1), sectors=("astrology",)))
    assert {p.where for p in problems} == {"code", "title_en", "lead", "currency", "end_date", "sectors"}
    assert {p.where for p in problems} <= set(service.FIELDS)


def test_problems_name_what_is_wrong(tx):
    problems = check_project(None, new_input(tx, origin_countries=("MA", "ZZ", "QQ"), gcm_objectives=(5, 99),
                                             funders=(999998,)))
    assert {p.where: dict(p.params) for p in problems} == {
        "origin_countries": {"codes": "ZZ, QQ"}, "gcm_objectives": {"codes": "99"}, "funders": {"ids": "999998"}}


def test_input_is_normalised(tx, user):
    enabel, giz = org_id(tx, "Enabel"), org_id(tx, "GIZ")
    project = service.create_project(user(SECRETARIAT), new_input(
        tx, code=" new-pilot ", title_en="  A new pilot ", implementers=(giz,), origin_countries=("ma",),
        currency="eur"))
    assert (project.code, project.title_en, project.currency) == ("NEW-PILOT", "A new pilot", "EUR")
    assert project.implementers == [tx.get(Organisation, enabel), tx.get(Organisation, giz)]  # the lead first
    assert project.origin_countries == ["MA"]


UPDATE_CASES = [
    ("code changed", lambda tx: {"code": "PALIM-2"}, "code",
     "The code of a project never changes: it names its pages, files and history."),
    ("new lead deactivated", lambda tx: _deactivate(tx, "GIZ") or {"lead": org_id(tx, "GIZ")}, "lead",
     "Deactivated organisations cannot join a project: %(names)s."),
    ("start after reported periods", lambda tx: {"start_date": dt.date(2019, 7, 1)}, "start_date",
     "Values are reported for %(periods)s, which would fall outside the project's dates."),
    ("end before reported periods", lambda tx: {"end_date": dt.date(2020, 5, 31)}, "end_date",
     "Values are reported for %(periods)s, which would fall outside the project's dates."),
    ("frequency changed", lambda tx: {"reporting_frequency": "semiannual"}, "reporting_frequency",
     "Values are reported for %(periods)s, which would no longer match the reporting frequency."),
]


@pytest.mark.parametrize("changes, where, message_id", [c[1:] for c in UPDATE_CASES],
                         ids=[c[0] for c in UPDATE_CASES])
def test_each_check_of_an_edit(tx, changes, where, message_id):
    project = palim(tx)
    problems = check_project(project, replace(ProjectInput.of(project), **changes(tx)))
    assert [(p.where, p.message_id) for p in problems] == [(where, message_id)]


def test_palim_as_stored_passes_its_checks(tx):
    project = palim(tx)
    assert check_project(project, ProjectInput.of(project)) == []


def test_every_demo_project_passes_its_own_checks(tx):
    """What the demo holds is valid input, and its stored form is the normalised one (a file imported twice
    compares equal and changes nothing)."""
    projects = list(tx.scalars(select(Project).where(Project.is_demo.is_(True))))
    assert len(projects) >= 20
    for project in projects:
        stored = service.input_of(project)
        assert service.normalised(stored) == stored, project.code
        assert check_project(project, stored) == [], project.code
        assert service.normalised(replace(stored, sectors=tuple(reversed(stored.sectors)),
                                          sdg_targets=tuple(reversed(stored.sdg_targets)))) == stored


def test_what_a_project_holds_already_stays_allowed(tx):
    """A deactivated partner and a withdrawn currency stay on the project; they cannot be newly chosen."""
    project = palim(tx)
    project.currency = "DEM"
    _deactivate(tx, "Enabel")
    assert check_project(project, ProjectInput.of(project)) == []
    problems = check_project(project, replace(ProjectInput.of(project), funders=(
        *ProjectInput.of(project).funders, org_id(tx, "Enabel"))))
    assert [p.where for p in problems] == ["funders"]


def test_dates_refused_name_the_periods_with_values(tx):
    project = palim(tx)
    problems = check_project(project, replace(ProjectInput.of(project), start_date=dt.date(2019, 7, 1),
                                              end_date=dt.date(2020, 5, 31)))
    assert {p.where: p.params["periods"] for p in problems} == {"start_date": "2019Q1, 2019Q2",
                                                                "end_date": "2020Q3, 2020Q4"}
    problems = check_project(project, replace(ProjectInput.of(project), reporting_frequency="annual"))
    assert problems[0].params["periods"] == "2019Q1, 2019Q2, 2019Q3, 2019Q4, 2020Q1, 2020Q2, 2020Q3, 2020Q4"


def test_an_empty_draft_falls_away_but_a_narrative_holds(tx):
    """A draft without any value, narrative or evidence holds nothing: it does not keep the dates. It stays
    stored (and comes back if the dates widen again); any content, or any decision, keeps the period."""
    project = palim(tx)
    draft = Submission(project_id=project.id, period="2022Q4", status=SubmissionStatus.DRAFT)
    tx.add(draft)
    tx.flush()
    shrunk = replace(ProjectInput.of(project), end_date=dt.date(2022, 6, 30))
    assert check_project(project, shrunk) == []
    draft.narrative_fr = "Un récit"
    tx.flush()
    assert [(p.where, p.params["periods"]) for p in check_project(project, shrunk)] == [("end_date", "2022Q4")]
    draft.narrative_fr, draft.status = "", SubmissionStatus.RETURNED
    tx.flush()
    assert [p.where for p in check_project(project, shrunk)] == ["end_date"]


def test_only_the_secretariat_writes(tx, user):
    for email in ("impl.belgium@example.org", "donor.eu-dg-home@example.org"):
        with pytest.raises(PermissionDenied):
            service.create_project(user(email), new_input(tx))
        with pytest.raises(PermissionDenied):
            service.update_project(user(email), palim(tx), ProjectInput.of(palim(tx)), None)
    with pytest.raises(PermissionDenied):
        service.create_project(None, new_input(tx))


def test_service_refuses_with_every_problem_and_writes_nothing(tx, user):
    before = tx.scalar(select(func.count(AuditEvent.id)))
    with pytest.raises(ProblemsError) as raised:
        service.create_project(user(SECRETARIAT), new_input(tx, code="", lead=None))
    assert {p.where for p in raised.value.problems} == {"code", "lead"}
    project = palim(tx)
    version = project.version
    with pytest.raises(ProblemsError):
        service.update_project(user(SECRETARIAT), project, replace(ProjectInput.of(project),
                                                                   start_date=dt.date(2020, 1, 1)), version)
    tx.rollback()
    assert palim(tx).start_date == dt.date(2019, 1, 1) and palim(tx).version == version
    assert tx.scalar(select(func.count(AuditEvent.id))) == before


def test_a_save_between_check_and_write_is_a_conflict(tx, user):
    """The version compared on the page is also the one the UPDATE requires."""
    project = palim(tx)
    version = project.version
    tx.execute(update(Project).where(Project.id == project.id).values(version=version + 1)
               .execution_options(synchronize_session=False))
    with pytest.raises(ConflictError):
        service.update_project(user(SECRETARIAT), project, replace(ProjectInput.of(project), title_en="Theirs"),
                               version)


def test_an_unchanged_save_writes_nothing(tx, user):
    project = palim(tx)
    version = project.version
    shuffled = replace(ProjectInput.of(project), sectors=tuple(reversed(ProjectInput.of(project).sectors)),
                       sdg_targets=("4.4", "10.7"), gcm_objectives=(18, 5))
    service.update_project(user(SECRETARIAT), project, shuffled, version)
    tx.flush()
    assert palim(tx).version == version
    assert events(tx, "project.update") == []


# The screens.


def test_new_project_from_the_form(client, login, tx):
    login(SECRETARIAT)
    page = client.get("/projects/new")
    assert page.status_code == 200
    text = page_text(page)
    assert "Title (English)" in text and "Countries of origin" in text and "Morocco" in text
    assert "<option selected value=\"EUR\">EUR · Euro</option>" in page.get_data(as_text=True)  # a new project reports in euros
    data = new_input(tx)
    response = client.post("/projects/new", data=form_data(data))
    assert response.status_code == 302 and response.headers["Location"] == "/projects/NEW-PILOT"
    project = tx.scalar(select(Project).where(Project.code == "NEW-PILOT"))
    assert [(p.organisation.name, p.role, p.position) for p in project.participations] == [
        ("Enabel", ParticipationRole.IMPLEMENTER, 0), ("GIZ", ParticipationRole.IMPLEMENTER, 1),
        ("European Union (European Commission, DG HOME)", ParticipationRole.FUNDER, 2)]
    assert project.lead_organisation.name == "Enabel" and project.version == 1 and not project.is_demo
    assert (project.origin_countries, project.destination_countries) == (["MA", "TN"], ["BE"])
    assert ([s.key for s in project.sectors], [g.number for g in project.gcm_objectives],
            [t.code for t in project.sdg_targets]) == (["ict"], [5, 18], ["10.7"])
    assert [p.code for p in project.periods()][:2] == ["2024Q1", "2024Q2"]
    [event] = events(tx, "project.create", project.id)
    assert event.after["lead"] == "Enabel" and event.after["funders"] == [
        "European Union (European Commission, DG HOME)"]
    assert event.after["implementers"] == ["Enabel", "GIZ"] and event.entity_key == "NEW-PILOT"
    assert event.user.email == SECRETARIAT
    shown = page_text(client.get("/projects/NEW-PILOT"))
    assert "Project NEW-PILOT created." in shown and "A new pilot" in shown


def test_an_invalid_new_project_is_refused_beside_its_fields(client, login, tx):
    login(SECRETARIAT)
    before = tx.scalar(select(func.count(Project.id))), tx.scalar(select(func.count(AuditEvent.id)))
    data = form_data(new_input(tx, code="PALIM", title_en="", title_fr="", end_date=dt.date(2023, 1, 1)))
    response = client.post("/projects/new", data=data)
    assert response.status_code == 400
    text = page_text(response)
    assert "Nothing was saved: correct what is marked below." in text
    for message in ("A project with the code PALIM already exists.",
                    "Give the project a title, in English or in French.",
                    "The project cannot end before it starts."):
        assert message in text
    assert 'id="code-error"' in response.get_data(as_text=True)
    assert (tx.scalar(select(func.count(Project.id))), tx.scalar(select(func.count(AuditEvent.id)))) == before
    assert 'value="Skills for jobs."' not in text  # a text area keeps what was typed as its content
    assert "Skills for jobs." in text


def test_missing_translation_is_marked(client, login, tx):
    login(SECRETARIAT)
    response = client.post("/projects/new", data=form_data(new_input(tx, title_fr="", code="")))
    text = page_text(response)
    assert "Missing in French" in text and "Missing in English" not in text


def test_edit_form_shows_the_project(client, login, tx):
    login(SECRETARIAT)
    project = palim(tx)
    page = client.get(PALIM_EDIT)
    assert page.status_code == 200
    raw = page.get_data(as_text=True)
    assert f'name="version" value="{project.version}"' in raw
    assert f'<option selected value="{project.lead_organisation_id}">Belgium</option>' in raw
    assert '<option selected value="MA">Morocco</option>' in raw
    assert '<option selected value="10.7">' in raw
    french = client.get(PALIM_EDIT, headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<option selected value="MA">Maroc</option>' in french


def test_edit_buttons_for_the_secretariat_only(client, login):
    login(SECRETARIAT)
    assert 'href="/projects/PALIM/edit"' in client.get("/projects/PALIM").get_data(as_text=True)
    assert 'href="/projects/new"' in client.get("/projects/").get_data(as_text=True)
    login("impl.belgium@example.org")
    assert 'href="/projects/PALIM/edit"' not in client.get("/projects/PALIM").get_data(as_text=True)
    assert 'href="/projects/new"' not in client.get("/projects/").get_data(as_text=True)


def test_dates_that_would_orphan_values_are_refused(client, login, tx):
    login(SECRETARIAT)
    project = palim(tx)
    version, project_id = project.version, project.id
    data = replace(ProjectInput.of(project), start_date=dt.date(2019, 7, 1), title_en="Changed too")
    response = client.post(PALIM_EDIT, data=form_data(data, version))
    assert response.status_code == 400
    assert ("Values are reported for Q1 2019, Q2 2019, which would fall outside the project's dates."
            in page_text(response))
    tx.expire_all()
    project = palim(tx)
    assert (project.start_date, project.version) == (dt.date(2019, 1, 1), version)
    assert project.title_en != "Changed too"
    assert events(tx, "project.update", project_id) == []


def test_frequency_change_with_values_is_refused(client, login, tx):
    login(SECRETARIAT)
    project = palim(tx)
    data = replace(ProjectInput.of(project), reporting_frequency="semiannual")
    response = client.post(PALIM_EDIT, data=form_data(data, project.version))
    assert response.status_code == 400
    assert ("Values are reported for Q1 2019, Q2 2019, Q3 2019, Q4 2019, Q1 2020, Q2 2020, Q3 2020, Q4 2020, "
            "which would no longer match the reporting frequency.") in page_text(response)
    tx.expire_all()
    assert palim(tx).reporting_frequency.value == "quarterly"


def test_shrinking_dates_without_values_is_allowed_and_audited(client, login, tx):
    login(SECRETARIAT)
    project = palim(tx)
    version, project_id = project.version, project.id
    data = replace(ProjectInput.of(project), end_date=dt.date(2021, 6, 30))
    response = client.post(PALIM_EDIT, data=form_data(data, version))
    assert response.status_code == 302 and response.headers["Location"] == "/projects/PALIM"
    tx.expire_all()
    project = palim(tx)
    assert project.end_date == dt.date(2021, 6, 30) and project.version == version + 1
    assert project.periods()[-1].code == "2021Q2"
    [event] = events(tx, "project.update", project_id)
    assert (event.before, event.after) == ({"end_date": "2022-12-31"}, {"end_date": "2021-06-30"})
    assert event.user.email == SECRETARIAT and event.entity_key == "PALIM"
    assert "Project PALIM saved." in page_text(client.get("/projects/PALIM"))


def test_participants_are_replaced_in_order(client, login, tx):
    login(SECRETARIAT)
    project = palim(tx)
    stored = ProjectInput.of(project)
    enabel, giz, bmz = org_id(tx, "Enabel"), org_id(tx, "GIZ"), org_id(tx, "BMZ")
    moroccan = org_id(tx, "Moroccan employment and training institutions")
    # The select sends its choices in the list's order; Enabel becomes the lead, GIZ joins, BMZ co-funds.
    chosen = sorted([i for i in stored.implementers if i != moroccan] + [giz])
    data = replace(stored, lead=enabel, implementers=tuple(chosen), funders=(bmz, *stored.funders),
                   destination_countries=("DE", "BE"))
    response = client.post(PALIM_EDIT, data=form_data(data, project.version))
    assert response.status_code == 302
    tx.expire_all()
    project = palim(tx)
    assert [o.name for o in project.implementers] == [
        "Enabel", "Belgium", "Belgian national and regional authorities for economy and migration", "GIZ"]
    assert [o.name for o in project.funders] == [
        "European Union (European Commission, DG HOME)", "Mobility Partnership Facility (MPF), implemented by ICMPD",
        "BMZ"]
    assert [p.position for p in project.participations] == list(range(7))
    assert project.destination_countries == ["BE", "DE"]  # those already there first, in their order
    [event] = events(tx, "project.update", project.id)
    assert event.before["lead"] == "Belgium" and event.after["lead"] == "Enabel"
    assert "Moroccan employment and training institutions" in event.before["implementers"]
    assert "GIZ" in event.after["implementers"] and event.after["funders"][-1] == "BMZ"
    assert set(event.after) == {"lead", "implementers", "funders", "destination_countries"}
    # The donor of BMZ now reads PALIM: funding is what grants reading.
    login("donor.bmz@example.org")
    assert client.get("/projects/PALIM").status_code == 200


def test_a_stale_version_is_a_conflict_that_keeps_what_was_typed(client, login, tx, user):
    login(SECRETARIAT)
    project = palim(tx)
    opened = project.version
    service.update_project(user(SECRETARIAT), project, replace(ProjectInput.of(project), title_en="Theirs"), opened)
    tx.commit()
    mine = replace(ProjectInput.of(palim(tx)), title_en="Mine", summary_fr="Mon résumé")
    response = client.post(PALIM_EDIT, data=form_data(mine, opened))
    assert response.status_code == 409
    text = page_text(response)
    assert f"Someone else saved this project after you opened it (now version {opened + 1})." in text
    assert 'value="Mine"' in text and "Mon résumé" in text
    assert "What changed since you opened the page" in text and "Theirs" in text
    assert f'name="version" value="{opened + 1}"' in text  # saving again is a knowing choice
    tx.expire_all()
    assert palim(tx).title_en == "Theirs"
    again = client.post(PALIM_EDIT, data=form_data(mine, opened + 1))
    assert again.status_code == 302
    tx.expire_all()
    assert palim(tx).title_en == "Mine"


def test_an_edit_without_version_is_refused(client, login, tx):
    login(SECRETARIAT)
    response = client.post(PALIM_EDIT, data=form_data(replace(ProjectInput.of(palim(tx)), title_en="X")))
    assert response.status_code == 400
    assert "This form does not say which version it was opened on: reload the page." in page_text(response)
    assert palim(tx).title_en != "X"


def test_unknown_choices_are_refused_by_the_form(client, login, tx):
    login(SECRETARIAT)
    data = form_data(new_input(tx))
    data["origin_countries"] = ["MA", "EU"]
    response = client.post("/projects/new", data=data)
    assert response.status_code == 400
    assert "'EU' is not a valid choice for this field." in page_text(response)


def test_messages_in_french(client, login, tx):
    login(SECRETARIAT)
    data = form_data(new_input(tx, code="palim", title_en="", title_fr="", lead=None, end_date=dt.date(2023, 1, 1)))
    text = page_text(client.post("/projects/new", data=data, headers={"Accept-Language": "fr"}))
    for message in ("Un projet porte déjà le code PALIM.",
                    "Donnez au projet un titre, en anglais ou en français.",
                    "Choisissez l’organisation cheffe de file.",
                    "Le projet ne peut pas finir avant de commencer.",
                    "Rien n’a été enregistré\u00a0: corrigez ce qui est signalé ci-dessous."):
        assert message in text, message
    project = palim(tx)
    data = form_data(replace(ProjectInput.of(project), start_date=dt.date(2019, 7, 1)), project.version)
    text = page_text(client.post(PALIM_EDIT, data=data, headers={"Accept-Language": "fr"}))
    assert "Des valeurs sont déclarées pour T1 2019, T2 2019, qui sortiraient des dates du projet." in text


@pytest.mark.parametrize("lang, expected", [
    ("en", "Values are reported for Q4 2019, Q1 2020…, which would no longer match the reporting frequency."),
    ("fr", "Des valeurs sont déclarées pour T4 2019, T1 2020…, qui ne correspondraient plus à la fréquence des "
           "rapports."),
])
def test_periods_are_named_as_the_reader_writes_them(app, lang, expected):
    from meapp.core.problems import Problem
    from meapp.projects.views import problem_text

    problem = Problem("reporting_frequency", "Values are reported for %(periods)s, which would no longer match the "
                      "reporting frequency.", {"periods": "2019Q4, 2020Q1…"})
    with app.test_request_context(headers={"Accept-Language": lang}):
        assert problem_text(problem) == expected
