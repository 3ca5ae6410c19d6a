"""The logframe screens: building a logframe on screen, revisions, retiring, approval, conflicts, permissions."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from meapp.auth.models import User
from meapp.logframes.models import Indicator, IndicatorRevision, Logframe, LogframeStatus, ResultLevel
from meapp.logframes.queries import spec_of
from meapp.projects.models import Organisation, ParticipationRole, Project, ProjectOrganisation
from tests.app.matrix_base import USERS

IMPLEMENTER, SECRETARIAT = USERS["implementer"], USERS["secretariat"]
DONOR, OTHER_DONOR = USERS["funding_donor"], USERS["other_donor"]
LF = "/projects/NEWLF/logframe"
PALIM = "/projects/PALIM/logframe"


@pytest.fixture
def newlf(tx, user):
    """An empty project (2024, quarterly) led by the implementer's organisation: its logframe is built on screen."""
    organisation = tx.get(Organisation, user(IMPLEMENTER).organisation_id)
    project = Project(code="NEWLF", title_en="New project", title_fr="Nouveau projet", start_date=dt.date(2024, 1, 1),
                      end_date=dt.date(2024, 12, 31), lead_organisation=organisation)
    project.participations = [ProjectOrganisation(organisation=organisation, role=ParticipationRole.IMPLEMENTER)]
    tx.add(project)
    tx.commit()
    return project.id  # requests close the session: the id outlives the object


def project(tx, code: str) -> Project:
    return tx.scalar(select(Project).where(Project.code == code))


def version(tx, code: str) -> int:
    """The logframe version a page of the project shows (0 before its logframe is first stored)."""
    found = tx.scalar(select(Logframe.version).join(Project, Project.id == Logframe.project_id)
                      .where(Project.code == code))
    return found or 0


def page_version(html: str) -> str:
    return re.search(r'name="version" value="(\d+)"', html).group(1)


def fresh_spec(tx, code: str):
    tx.expire_all()
    return spec_of(project(tx, code))


def error_beside(html: str, field: str) -> str:
    """The error messages shown under a form field."""
    return " ".join(re.findall(rf'<p class="error" id="{re.escape(field)}-error">(.*?)</p>', html))


INDICATOR = {"code": "JOBS", "level": "1", "name_en": "People in jobs", "name_fr": "Personnes en emploi",
             "definition_en": "People employed after the training.", "definition_fr": "Personnes employées.",
             "unit": "number", "aggregation": "sum", "direction": "increase", "baseline_value": "0",
             "target_value": "1,200", "decimals": "0", "is_required": "y", "is_key": "y",
             "means_of_verification_en": "Contracts", "means_of_verification_fr": "Contrats",
             "disaggregations": ["sex"]}


def build(client, tx, target="1,200"):
    """Two levels and an indicator split by sex, through the screens, as the implementer."""
    response = client.post(f"{LF}/levels/new", data={"version": "0", "code": "IMP", "kind": "impact", "parent": "",
                                                      "statement_en": "Fewer skills gaps",
                                                      "statement_fr": "Moins de pénuries"})
    assert response.status_code == 302, response.get_data(as_text=True)
    response = client.post(f"{LF}/levels/new", data={"version": version(tx, "NEWLF"), "code": "1", "kind": "outcome",
                                                      "parent": "IMP", "statement_en": "Graduates find jobs",
                                                      "statement_fr": ""})
    assert response.status_code == 302, response.get_data(as_text=True)
    response = client.post(f"{LF}/indicators/new", data={**INDICATOR, "target_value": target,
                                                          "version": version(tx, "NEWLF")})
    assert response.status_code == 302, response.get_data(as_text=True)


def test_build_a_logframe_on_screen(client, login, tx, newlf):
    login(IMPLEMENTER)
    html = client.get(LF).get_data(as_text=True)
    assert "This project has no logframe yet." in html and "Add a result level" in html
    assert 'name="parent"' in client.get(f"{LF}/levels/new").get_data(as_text=True)
    build(client, tx)

    spec = fresh_spec(tx, "NEWLF")
    assert [(lv.code, lv.kind, lv.parent) for lv in spec.levels] == [("IMP", "impact", None), ("1", "outcome", "IMP")]
    jobs = spec.indicator("JOBS")
    assert (jobs.level, jobs.target_value, jobs.disaggregations, jobs.is_key) == ("1", Decimal(1200), ("sex",), True)

    html = client.get(LF).get_data(as_text=True)
    assert "No French statement." in html  # said once, after saving the outcome without it
    assert "Graduates find jobs" in html and "no French text" in html  # and flagged on the tree
    assert "People in jobs" in html and "Personnes en emploi" in html and "Key indicator" in html

    # The targets grid: one row per quarter, the total and each sex; an empty cell is no target.
    html = client.get(f"{LF}/indicators/JOBS/targets").get_data(as_text=True)
    assert html.count('name="t|2024Q') == 4 * 3 and 'name="t|2024Q1|sex=F"' in html
    response = client.post(f"{LF}/indicators/JOBS/targets", data={
        "version": page_version(html), "t|2024Q1|": "1,000", "t|2024Q1|sex=F": "500", "t|2024Q2|": ""})
    assert response.status_code == 302, response.get_data(as_text=True)
    targets = {(t.period, t.combination): t.value for t in fresh_spec(tx, "NEWLF").targets}
    assert targets == {("2024Q1", ""): Decimal(1000), ("2024Q1", "sex=F"): Decimal(500)}
    html = client.get(f"{LF}/indicators/JOBS/targets").get_data(as_text=True)
    assert 'value="1,000"' in html and 'value="500"' in html


def test_the_screens_in_french_read_numbers_the_french_way(client, login, tx, user, newlf):
    user(IMPLEMENTER).locale = "fr"
    tx.commit()
    login(IMPLEMENTER)
    build(client, tx, target="1 200")
    assert fresh_spec(tx, "NEWLF").indicator("JOBS").target_value == Decimal(1200)
    html = client.get(f"{LF}/indicators/JOBS/edit").get_data(as_text=True)
    assert '<html lang="fr">' in html
    assert re.search(r'name="target_value"[^>]*value="1\u202f200"', html)  # shown the French way
    response = client.post(f"{LF}/indicators/JOBS/targets", data={
        "version": version(tx, "NEWLF"), "t|2024Q1|": "1 234", "t|2024Q2|": "2\u202f000,0"})
    assert response.status_code == 302, response.get_data(as_text=True)
    targets = {t.period: t.value for t in fresh_spec(tx, "NEWLF").targets}
    assert targets == {"2024Q1": Decimal(1234), "2024Q2": Decimal(2000)}


def test_invalid_input_is_refused_beside_its_field_and_nothing_is_written(client, login, tx, newlf):
    login(IMPLEMENTER)
    build(client, tx)
    before = fresh_spec(tx, "NEWLF")
    # A number the grammar cannot read: refused by the form, beside its field.
    response = client.post(f"{LF}/indicators/new", data={**INDICATOR, "code": "OTHER", "baseline_value": "lots",
                                                         "version": version(tx, "NEWLF")})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "is not a number" in error_beside(html, "baseline_value")
    # What the service refuses comes back beside the field it is about: a percentage above 100, no name.
    response = client.post(f"{LF}/indicators/new", data={**INDICATOR, "code": "1-SHARE", "unit": "percent",
                                                         "target_value": "150", "name_en": "", "name_fr": "",
                                                         "version": version(tx, "NEWLF")})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "between 0 and 100" in error_beside(html, "target_value")
    assert "Write the name in English or in French." in error_beside(html, "name_en")
    assert "is not an indicator code" in error_beside(html, "code")
    assert 'value="1-SHARE"' in html  # what was typed stays
    # A level under a deeper level.
    response = client.post(f"{LF}/levels/new", data={"version": version(tx, "NEWLF"), "code": "X", "kind": "impact",
                                                      "parent": "1", "statement_en": "x"})
    assert response.status_code == 400
    assert "must sit deeper" in error_beside(response.get_data(as_text=True), "parent")
    # A target cell that is not a number, named in the grid.
    response = client.post(f"{LF}/indicators/JOBS/targets", data={"version": version(tx, "NEWLF"),
                                                                  "t|2024Q3|sex=M": "12abc"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "is not a number" in error_beside(html, "t-2024Q3-sex-M") and "Q3 2024" in html
    assert fresh_spec(tx, "NEWLF") == before


def test_a_definition_change_on_an_indicator_with_values_is_a_revision_with_a_reason(client, login, tx):
    login(IMPLEMENTER)
    html = client.get(f"{PALIM}/indicators/EMPLOYED/edit").get_data(as_text=True)
    assert "creates revision 2" in html
    data = dict(re.findall(r'<input[^>]*name="([a-z_]+)"[^>]*value="([^"]*)"', html))
    data.update({k: v for k, v in re.findall(r'<textarea[^>]*name="([a-z_]+)"[^>]*>([^<]*)</textarea>', html)})
    data.update({"unit": "number", "aggregation": "sum", "direction": "increase", "level": "1",
                 "disaggregations": ["sex", "destination_country"], "is_required": "y", "is_key": "y"})
    data.pop("csrf_token", None)
    data["name_en"] = "Graduates employed within six months"
    response = client.post(f"{PALIM}/indicators/EMPLOYED/edit", data=data)
    assert response.status_code == 400
    assert "Say why the definition of EMPLOYED changes" in error_beside(response.get_data(as_text=True), "reason")
    assert tx.scalar(select(func.count()).select_from(IndicatorRevision)) == 0

    response = client.post(f"{PALIM}/indicators/EMPLOYED/edit", data={**data, "reason": "Shorter name"})
    assert response.status_code == 302, response.get_data(as_text=True)
    tx.expire_all()
    employed = tx.scalar(select(Indicator).join(Project).where(Project.code == "PALIM", Indicator.code == "EMPLOYED"))
    assert employed.revision == 2 and employed.name_en == "Graduates employed within six months"
    html = client.get(f"{PALIM}/indicators/EMPLOYED").get_data(as_text=True)
    assert "Revision 1" in html and "Reason: Shorter name" in html and "Name (English)" in html
    assert "Graduates employed in Morocco or Belgium within six months of training" in html  # revision 1's name


def test_retire_reinstate_and_delete(client, login, tx, newlf):
    login(IMPLEMENTER)
    response = client.post(f"{PALIM}/indicators/EMPLOYED/retire", data={"version": version(tx, "PALIM"),
                                                                        "reason": ""})
    assert response.status_code == 400 and "Write the reason." in response.get_data(as_text=True)
    response = client.post(f"{PALIM}/indicators/EMPLOYED/retire", data={"version": version(tx, "PALIM"),
                                                                        "reason": "Replaced by a survey"})
    assert response.status_code == 302
    assert fresh_spec(tx, "PALIM").indicator("EMPLOYED").retired
    html = client.get(PALIM).get_data(as_text=True)
    assert "retired" in html and "Reinstate" in html
    response = client.post(f"{PALIM}/indicators/EMPLOYED/reinstate", data={"version": version(tx, "PALIM")})
    assert response.status_code == 302 and not fresh_spec(tx, "PALIM").indicator("EMPLOYED").retired

    # An indicator with values is never deleted: its page says why (the tree offers no Delete), the service refuses.
    html = client.get(f"{PALIM}/indicators/EMPLOYED").get_data(as_text=True)  # the indicator page says why
    assert "It has reported values: retire it instead" in html
    response = client.post(f"{PALIM}/indicators/EMPLOYED/delete", data={"version": version(tx, "PALIM")})
    assert response.status_code == 400
    assert "EMPLOYED has reported values: retire it, it cannot be deleted." in response.get_data(as_text=True)
    assert fresh_spec(tx, "PALIM").indicator("EMPLOYED") is not None

    build(client, tx)  # JOBS has no value: deleted
    response = client.post(f"{LF}/indicators/JOBS/delete", data={"version": version(tx, "NEWLF")})
    assert response.status_code == 302 and fresh_spec(tx, "NEWLF").indicator("JOBS") is None


def test_submit_then_approve_by_the_secretariat(client, login, tx, newlf):
    login(IMPLEMENTER)
    build(client, tx)
    html = client.get(LF).get_data(as_text=True)
    assert "Submit for approval" in html and "Approve the logframe" not in html
    response = client.post(f"{LF}/submit", data={"version": version(tx, "NEWLF")})
    assert response.status_code == 302
    assert client.post(f"{LF}/approve", data={"version": version(tx, "NEWLF")}).status_code == 403

    login(SECRETARIAT)
    html = client.get(LF).get_data(as_text=True)
    assert "Waiting for the secretariat" in html and "Return to the implementers" in html
    response = client.post(f"{LF}/return", data={"version": version(tx, "NEWLF"), "reason": ""})
    assert response.status_code == 400
    response = client.post(f"{LF}/return", data={"version": version(tx, "NEWLF"), "reason": "Add a baseline date"})
    assert response.status_code == 302
    assert "Add a baseline date" in client.get(LF).get_data(as_text=True)

    login(IMPLEMENTER)
    assert client.post(f"{LF}/submit", data={"version": version(tx, "NEWLF")}).status_code == 302
    login(SECRETARIAT)
    response = client.post(f"{LF}/approve", data={"version": version(tx, "NEWLF"), "note": "Fine"})
    assert response.status_code == 302
    tx.expire_all()
    logframe = tx.scalar(select(Logframe).where(Logframe.project_id == newlf))
    assert logframe.status is LogframeStatus.APPROVED
    html = client.get(LF).get_data(as_text=True)
    secretariat = tx.scalar(select(User).where(User.email == SECRETARIAT))
    assert "status-approved" in html and "Approved logframe" in html and secretariat.name in html


def test_a_stale_page_is_a_conflict_and_keeps_what_was_typed(client, login, tx, newlf):
    login(IMPLEMENTER)
    build(client, tx)
    stale = version(tx, "NEWLF")
    response = client.post(f"{LF}/levels/1/edit", data={"version": stale, "code": "1", "kind": "outcome",
                                                        "parent": "IMP", "statement_en": "Graduates find jobs",
                                                        "statement_fr": "Les diplômés trouvent un emploi"})
    assert response.status_code == 302
    response = client.post(f"{LF}/levels/1/edit", data={"version": stale, "code": "1", "kind": "outcome",
                                                        "parent": "IMP", "statement_en": "My own words",
                                                        "statement_fr": "Mes mots"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone else changed this logframe" in html and "My own words" in html and "Mes mots" in html
    assert page_version(html) == str(version(tx, "NEWLF"))  # saving again applies it, knowingly
    assert fresh_spec(tx, "NEWLF").level("1").statement_en == "Graduates find jobs"


def test_donors_read_without_edit_buttons_and_are_refused_on_post(client, login, tx):
    login(DONOR)
    html = client.get(PALIM).get_data(as_text=True)
    assert "EMPLOYED" in html and "Add a result level" not in html and "Retire" not in html
    assert "/edit" not in html and "Submit for approval" not in html
    assert client.get(f"{PALIM}/indicators/EMPLOYED").status_code == 200
    assert client.get(f"{PALIM}/indicators/EMPLOYED/edit").status_code == 403
    for url in ("levels/new", "indicators/EMPLOYED/retire", "submit", "approve"):
        assert client.post(f"{PALIM}/{url}", data={"version": version(tx, "PALIM"), "reason": "x"}).status_code == 403
    login(OTHER_DONOR)
    assert client.get(PALIM).status_code == 404
    assert client.post(f"{PALIM}/levels/new", data={"version": "0"}).status_code == 404


def test_the_project_page_links_to_the_logframe(client, login):
    login(DONOR)
    assert f'href="{PALIM}"' in client.get("/projects/PALIM").get_data(as_text=True)


def test_a_level_without_children_or_indicators_is_deleted(client, login, tx, newlf):
    login(IMPLEMENTER)
    build(client, tx)
    assert client.post(f"{LF}/levels/new", data={"version": version(tx, "NEWLF"), "code": "1.1", "kind": "output",
                                                  "parent": "1", "statement_en": "Training",
                                                  "statement_fr": "Formation"}).status_code == 302
    html = client.get(LF).get_data(as_text=True)
    assert f'action="{LF}/levels/1.1/delete"' in html and f'action="{LF}/levels/1/delete"' not in html
    assert client.post(f"{LF}/levels/1.1/delete", data={"version": version(tx, "NEWLF")}).status_code == 302
    assert fresh_spec(tx, "NEWLF").level("1.1") is None
    assert tx.scalar(select(func.count()).select_from(ResultLevel).where(ResultLevel.project_id == newlf)) == 2


def test_a_step_the_state_refuses_is_not_shown_as_someone_else_s_change(client, login, tx):
    """Submitting an approved logframe, or returning one that is not submitted, is refused (409) for its state: the
    page says why, and neither claims that someone changed the logframe meanwhile nor moves the version on."""
    stale_note = "Someone changed this logframe after you opened this page"
    current = version(tx, "PALIM")
    login(IMPLEMENTER)
    response = client.post(f"{PALIM}/submit", data={"version": current})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Only a draft logframe can be submitted" in html and stale_note not in html
    login(SECRETARIAT)
    response = client.post(f"{PALIM}/return", data={"version": current, "reason": "Name the sources"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Only a submitted logframe can be returned" in html and stale_note not in html
    response = client.post(f"{PALIM}/submit", data={"version": current + 1})  # a stale page: that is a conflict
    assert response.status_code == 409 and stale_note in response.get_data(as_text=True)
