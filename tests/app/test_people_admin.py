"""Organisations and accounts managed by the secretariat: service rules, screens (en, fr), audit."""
import datetime as dt

import pytest
from sqlalchemy import func, select

from meapp.audit.models import AuditEvent
from meapp.auth import service as accounts
from meapp.auth.models import Organisation, OrganisationKind, Role, User
from meapp.errors import ConflictError, PermissionDenied, WorkflowError
from meapp.projects import organisations as orgs
from meapp.projects.models import ParticipationRole, Project, ProjectOrganisation, ProjectStatus

SECRETARIAT = "secretariat@example.org"


@pytest.fixture
def ctx(app, tx):
    """An application context for calling services directly (the tests' rolled-back session)."""
    with app.test_request_context():
        yield


def org(tx, name: str) -> Organisation:
    found = tx.scalar(select(Organisation).where(Organisation.name == name))
    assert found is not None, name
    return found


def problems_of(excinfo) -> dict[str, str]:
    return {p.where: p.message_id for p in excinfo.value.problems}


def events(tx, action: str, entity_id: int) -> list[AuditEvent]:
    return list(tx.scalars(select(AuditEvent).where(AuditEvent.action == action, AuditEvent.entity_id == entity_id)))


# --- organisations: the service -------------------------------------------------------------------


def test_create_organisation_is_validated_stored_and_audited(ctx, tx, user):
    actor = user(SECRETARIAT)
    created = orgs.create_organisation(actor, orgs.OrganisationInput(
        name="  Agence nationale pour l'emploi  ", name_fr="Agence nationale pour l’emploi", acronym="anapec",
        kind="agency", country_code="ma", parent_id=None))
    assert (created.name, created.acronym, created.kind, created.country_code, created.is_active, created.version) \
        == ("Agence nationale pour l'emploi", "anapec", OrganisationKind.AGENCY, "MA", True, 1)
    [event] = events(tx, "organisation.create", created.id)
    assert event.user_id == actor.id and event.after["country_code"] == "MA"


@pytest.mark.parametrize("data, where, message", [
    (dict(name="  "), "name", "Give the organisation’s name."),
    (dict(name="enabel"), "name", "Another organisation is already called %(name)s."),
    (dict(name="eu-dg-home"), "name", "%(name)s is the short name of another organisation (%(other)s)."),
    (dict(name="New body", acronym="EU-DG-HOME"), "acronym",
     "Another organisation already has the short name %(acronym)s (%(other)s)."),
    (dict(name="New body", acronym="iom"), "acronym", "%(acronym)s is the name of another organisation."),
    (dict(name="New body", kind="charity"), "kind", "Choose one of the kinds listed."),
    (dict(name="New body", country_code="EU"), "country_code",
     "%(code)s is not a country’s ISO 3166 code (two letters, such as BE or MA)."),
    (dict(name="New body", country_code="Belgium"), "country_code",
     "%(code)s is not a country’s ISO 3166 code (two letters, such as BE or MA)."),
    (dict(name="New\x00body"), "name", "This text holds invisible control characters; remove them."),
    (dict(name="x" * 201), "name", "This text may hold at most %(limit)s characters."),
    (dict(name="New body", acronym="A" * 41), "acronym", "This text may hold at most %(limit)s characters."),
    (dict(name="New body", parent_id=999999), "parent_id", "This parent organisation does not exist."),
])
def test_invalid_organisations_are_refused_field_by_field(ctx, tx, user, data, where, message):
    before = tx.scalar(select(func.count(Organisation.id)))
    with pytest.raises(orgs.InvalidOrganisation) as excinfo:
        orgs.create_organisation(user(SECRETARIAT), orgs.OrganisationInput(**data))
    assert problems_of(excinfo)[where] == message
    assert excinfo.value.status == 400
    assert tx.scalar(select(func.count(Organisation.id))) == before


def test_every_problem_is_reported_at_once(ctx, user):
    with pytest.raises(orgs.InvalidOrganisation) as excinfo:
        orgs.create_organisation(user(SECRETARIAT), orgs.OrganisationInput(name="Enabel", acronym="IOM",
                                                                            kind="?", country_code="ZZ"))
    assert set(problems_of(excinfo)) == {"name", "acronym", "kind", "country_code"}


def test_kosovo_is_a_country_here(ctx, user):
    made = orgs.create_organisation(user(SECRETARIAT), orgs.OrganisationInput(name="Kosovo employment agency",
                                                                               country_code="XK", kind="agency"))
    assert made.country_code == "XK"


def test_parents_never_form_a_cycle(ctx, tx, user):
    actor = user(SECRETARIAT)
    home = org(tx, "European Union (European Commission, DG HOME)")
    child = org(tx, "European Union (EU)")
    assert child.parent_id == home.id
    grandchild = orgs.create_organisation(actor, orgs.OrganisationInput(name="EU programme X", kind="donor",
                                                                         parent_id=child.id))
    for parent, message in ((home.id, "An organisation cannot be its own parent."),
                            (child.id, "%(parent)s is under %(name)s: an organisation cannot sit under one of its "
                                       "own programmes."),
                            (grandchild.id, "%(parent)s is under %(name)s: an organisation cannot sit under one of "
                                            "its own programmes.")):
        with pytest.raises(orgs.InvalidOrganisation) as excinfo:
            orgs.update_organisation(actor, home, orgs.OrganisationInput(name=home.name, kind="donor",
                                                                         parent_id=parent), home.version)
        assert problems_of(excinfo) == {"parent_id": message}
    assert home.parent_id is None


def test_an_inactive_parent_is_refused_for_new_links_only(ctx, tx, user):
    actor = user(SECRETARIAT)
    old = orgs.create_organisation(actor, orgs.OrganisationInput(name="Old programme", kind="donor"))
    child = orgs.create_organisation(actor, orgs.OrganisationInput(name="Old sub-programme", kind="donor",
                                                                    parent_id=old.id))
    orgs.deactivate_organisation(actor, old, "Programme ended")
    # Renaming the child keeps its (now inactive) parent...
    orgs.update_organisation(actor, child, orgs.OrganisationInput(name="Old sub-programme 2", kind="donor",
                                                                  parent_id=old.id), child.version)
    # ...but nothing new is put under an inactive organisation.
    with pytest.raises(orgs.InvalidOrganisation) as excinfo:
        orgs.create_organisation(actor, orgs.OrganisationInput(name="New sub-programme", parent_id=old.id))
    assert problems_of(excinfo) == {"parent_id": "%(parent)s is inactive: choose an active organisation."}


def test_update_audits_only_what_changed_and_refuses_a_stale_version(ctx, tx, user):
    actor = user(SECRETARIAT)
    enabel = org(tx, "Enabel")
    version = enabel.version
    orgs.update_organisation(actor, enabel, orgs.OrganisationInput(
        name="Enabel", name_fr="Enabel (agence belge de développement)", acronym=enabel.acronym,
        kind=enabel.kind.value, country_code="BE", parent_id=enabel.parent_id), version)
    tx.flush()
    assert enabel.version == version + 1
    [event] = events(tx, "organisation.update", enabel.id)
    assert event.before == {"name_fr": "", "country_code": None}
    assert event.after == {"name_fr": "Enabel (agence belge de développement)", "country_code": "BE"}
    with pytest.raises(ConflictError) as excinfo:
        orgs.update_organisation(actor, enabel, orgs.OrganisationInput(name="Enabel renamed"), version)
    assert excinfo.value.status == 409 and excinfo.value.current_version == version + 1
    assert enabel.name == "Enabel"
    # Saving the same values again writes nothing and audits nothing.
    orgs.update_organisation(actor, enabel, orgs.OrganisationInput(
        name="Enabel", name_fr="Enabel (agence belge de développement)", acronym=enabel.acronym,
        kind=enabel.kind.value, country_code="BE", parent_id=enabel.parent_id), version + 1)
    assert len(events(tx, "organisation.update", enabel.id)) == 1


@pytest.mark.parametrize("email", ["impl.belgium@example.org", "donor.eu-dg-home@example.org"])
def test_only_the_secretariat_manages_organisations(ctx, tx, user, email):
    actor = user(email)
    enabel = org(tx, "Enabel")
    calls = [
        lambda: orgs.create_organisation(actor, orgs.OrganisationInput(name="Sneaky")),
        lambda: orgs.update_organisation(actor, enabel, orgs.OrganisationInput(name="Sneaky"), None),
        lambda: orgs.merge_organisations(actor, enabel, org(tx, "IOM"), "why"),
        lambda: orgs.deactivate_organisation(actor, enabel, "why"),
        lambda: orgs.reactivate_organisation(actor, enabel, "why"),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()


def _duplicate_world(tx, actor):
    """A duplicate of DG HOME holding an account, a colliding and a new project role, a lead and a child."""
    home = org(tx, "European Union (European Commission, DG HOME)")
    duplicate = orgs.create_organisation(actor, orgs.OrganisationInput(name="DG HOME (entered twice)",
                                                                        kind="donor"))
    palim = tx.scalar(select(Project).where(Project.code == "PALIM"))
    kosovo = tx.scalar(select(Project).where(Project.code == "KOSOVO-SPM"))
    assert home in palim.funders and home not in kosovo.funders
    palim.participations.append(ProjectOrganisation(organisation=duplicate, role=ParticipationRole.FUNDER,
                                                    position=90))
    kosovo.participations.append(ProjectOrganisation(organisation=duplicate, role=ParticipationRole.FUNDER,
                                                     position=90))
    led = Project(code="DUPLED", title_en="Led by the duplicate", start_date=dt.date(2024, 1, 1),
                  end_date=dt.date(2025, 12, 31), lead_organisation=duplicate)
    tx.add(led)
    staff = User(email="staff@dg-home-twice.example.org", name="Staff", role=Role.DONOR, organisation=duplicate,
                 password_hash="x")
    tx.add(staff)
    child = orgs.create_organisation(actor, orgs.OrganisationInput(name="Twice's programme", kind="donor",
                                                                    parent_id=duplicate.id))
    tx.flush()
    return home, duplicate, palim, kosovo, led, staff, child


def test_merge_moves_everything_dedupes_roles_and_audits(ctx, tx, user):
    actor = user(SECRETARIAT)
    home, duplicate, palim, kosovo, led, staff, child = _duplicate_world(tx, actor)
    palim_version, staff_version = palim.version, staff.version
    result = orgs.merge_organisations(actor, duplicate, home, "The same DG entered twice")
    tx.flush()
    assert result == orgs.MergeResult(users=1, participations=1, participations_dropped=1, led_projects=1,
                                      children=1)
    assert staff.organisation_id == home.id and staff.version == staff_version + 1
    assert led.lead_organisation_id == home.id
    assert child.parent_id == home.id
    assert tx.scalar(select(func.count()).select_from(ProjectOrganisation)
                     .where(ProjectOrganisation.organisation_id == duplicate.id)) == 0
    funders = {(p.project_id, p.organisation_id) for p in tx.scalars(
        select(ProjectOrganisation).where(ProjectOrganisation.role == ParticipationRole.FUNDER))}
    assert (palim.id, home.id) in funders and (kosovo.id, home.id) in funders
    assert palim.version > palim_version  # a project page opened before the merge is stale
    assert not duplicate.is_active and duplicate.merged_into_id == home.id
    # The donor of the kept organisation now reads the project the duplicate funded.
    from meapp.auth.permissions import Action, can

    assert can(user("donor.eu-dg-home@example.org"), Action.READ, kosovo)
    [event] = events(tx, "organisation.merge", duplicate.id)
    assert event.reason == "The same DG entered twice"
    assert event.before["duplicate"] == {"active_users": 1, "inactive_users": 0, "participations": 2,
                                         "led_projects": 1, "children": 1}
    assert event.after["duplicate"] == {"active_users": 0, "inactive_users": 0, "participations": 0,
                                        "led_projects": 0, "children": 0}
    assert event.after["keep"]["children"] == event.before["keep"]["children"] + 1
    assert event.after["moved"]["participations_dropped"] == 1
    assert events(tx, "organisation.merge_in", home.id)[0].after["merged_from_id"] == duplicate.id


def test_merge_refusals(ctx, tx, user):
    actor = user(SECRETARIAT)
    home, duplicate, *_rest, child = _duplicate_world(tx, actor)
    with pytest.raises(WorkflowError, match="merged into itself"):
        orgs.merge_organisations(actor, home, home, "why")
    with pytest.raises(orgs.InvalidOrganisation) as excinfo:
        orgs.merge_organisations(actor, duplicate, home, "  ")
    assert problems_of(excinfo) == {"reason": "Say why: the reason is kept in the audit trail."}
    # The organisation kept may not sit under the duplicate: it would become its own parent.
    with pytest.raises(WorkflowError, match="sits under"):
        orgs.merge_organisations(actor, duplicate, child, "why")
    idle = orgs.create_organisation(actor, orgs.OrganisationInput(name="Idle body"))
    orgs.deactivate_organisation(actor, idle, "Closed")
    with pytest.raises(WorkflowError, match="is inactive"):
        orgs.merge_organisations(actor, duplicate, idle, "why")
    orgs.merge_organisations(actor, duplicate, home, "why")
    with pytest.raises(WorkflowError, match="already merged"):
        orgs.merge_organisations(actor, duplicate, org(tx, "IOM"), "why")
    assert child.parent_id == home.id  # the refusals changed nothing


def test_deactivation_is_refused_while_something_holds_the_organisation(ctx, tx, user):
    actor = user(SECRETARIAT)
    enabel = org(tx, "Enabel")
    with pytest.raises(orgs.OrganisationInUse) as excinfo:
        orgs.deactivate_organisation(actor, enabel, "Closing")
    assert excinfo.value.status == 409
    assert "impl.enabel@example.org" in str(excinfo.value) and "PALIM" in str(excinfo.value)
    # Without accounts, an active project still holds it.
    for account in tx.scalars(select(User).where(User.organisation_id == enabel.id)):
        accounts.deactivate_user(actor, account, "left")
    with pytest.raises(orgs.OrganisationInUse) as excinfo:
        orgs.deactivate_organisation(actor, enabel, "Closing")
    assert excinfo.value.params == {"name": "Enabel", "projects": "PALIM"}
    # Once its projects are closed it can go; it keeps its history.
    for project in tx.scalars(select(Project).where(Project.code == "PALIM")):
        project.status = ProjectStatus.CLOSED
    assert orgs.deactivate_organisation(actor, enabel, "Closing") is True
    assert orgs.deactivate_organisation(actor, enabel, "Closing") is False  # already
    [event] = events(tx, "organisation.deactivate", enabel.id)
    assert event.reason == "Closing" and event.after == {"is_active": False}
    with pytest.raises(accounts.InvalidAccount) as account_error:  # nobody joins an inactive organisation
        accounts.invite_user(actor, accounts.NewUser(email="late@example.org", role=Role.IMPLEMENTER,
                                                     organisation=enabel.id))
    assert problems_of(account_error) == {"organisation": "%(name)s is inactive: choose an active organisation."}
    assert orgs.reactivate_organisation(actor, enabel, "Reopened") is True
    assert enabel.is_active and events(tx, "organisation.reactivate", enabel.id)[0].reason == "Reopened"


# --- accounts: the service -------------------------------------------------------------------------


def test_invite_makes_an_account_that_cannot_sign_in_yet(ctx, tx, user):
    actor = user(SECRETARIAT)
    account, token = accounts.invite_user(actor, accounts.NewUser(
        email=" New.Person@Example.org ", role=Role.DONOR, organisation="BMZ", name="", locale="fr"))
    assert (account.email, account.name, account.organisation.name, account.locale) == \
        ("new.person@example.org", "new.person", "BMZ", "fr")
    assert token and accounts.user_for_password_token(token) is account
    assert accounts.authenticate("new.person@example.org", "") is None
    assert events(tx, "user.invite", account.id)[0].user_id == actor.id


@pytest.mark.parametrize("spec, where, message", [
    (dict(email="not an email"), "email", "%(email)s is not an email address."),
    (dict(email=""), "email", "Give the person’s email address."),
    (dict(email="Secretariat@example.org"), "email", "An account with the email %(email)s already exists."),
    (dict(role="boss"), "role", "Choose one of the roles listed."),
    (dict(role=Role.DONOR, organisation=None), "organisation",
     "An implementer or a donor belongs to an organisation: choose one."),
    (dict(organisation=999999), "organisation", "This organisation does not exist."),
    (dict(locale="de"), "locale", "Choose one of the languages listed."),
    (dict(name="Tab\tis fine but not\x07bell"), "name", "This text holds invisible control characters; remove them."),
])
def test_invitations_are_validated(ctx, tx, user, spec, where, message):
    fields = dict(email="someone@example.org", role=Role.IMPLEMENTER, organisation="Enabel", name="Someone")
    fields.update(spec)
    before = tx.scalar(select(func.count(User.id)))
    with pytest.raises(accounts.InvalidAccount) as excinfo:
        accounts.invite_user(user(SECRETARIAT), accounts.NewUser(**fields))
    assert problems_of(excinfo)[where] == message
    assert tx.scalar(select(func.count(User.id))) == before


def test_the_last_secretariat_account_stays(ctx, tx, user):
    me = user(SECRETARIAT)
    assert tx.scalar(select(func.count(User.id)).where(User.role == Role.SECRETARIAT, User.is_active_account)) == 1
    with pytest.raises(accounts.InvalidAccount) as excinfo:
        accounts.update_user(me, me, accounts.UserChanges(name="Me", role=Role.IMPLEMENTER,
                                                          organisation="Enabel"), me.version)
    assert problems_of(excinfo) == {"role": "This is the last active secretariat account: it keeps its role until "
                                            "another secretariat account is active."}
    with pytest.raises(WorkflowError, match="your own account"):
        accounts.deactivate_user(me, me)
    with pytest.raises(WorkflowError, match="last active secretariat"):
        accounts.deactivate_user(None, me)  # the command line
    colleague, _token = accounts.invite_user(me, accounts.NewUser(email="second@example.org",
                                                                  role=Role.SECRETARIAT, organisation=None))
    assert accounts.deactivate_user(colleague, me, "moved on") is True
    assert not me.is_active_account


def test_update_user_checks_organisation_version_and_permission(ctx, tx, user):
    actor = user(SECRETARIAT)
    account = user("impl.iom@example.org")
    version = account.version
    with pytest.raises(accounts.InvalidAccount) as excinfo:
        accounts.update_user(actor, account, accounts.UserChanges(name="IOM", role=Role.DONOR, organisation=None),
                             version)
    assert problems_of(excinfo) == {"organisation": "An implementer or a donor belongs to an organisation: choose "
                                                    "one."}
    accounts.update_user(actor, account, accounts.UserChanges(name="IOM staff", role=Role.DONOR, organisation="BMZ",
                                                              locale="fr"), version)
    assert (account.role, account.organisation.name, account.locale, account.version) == \
        (Role.DONOR, "BMZ", "fr", version + 1)
    event = events(tx, "user.update", account.id)[-1]
    assert event.before["role"] == "implementer" and event.after["organisation"] == "BMZ"
    with pytest.raises(ConflictError):
        accounts.update_user(actor, account, accounts.UserChanges(name="x", role=Role.DONOR, organisation="BMZ"),
                             version)
    with pytest.raises(PermissionDenied):
        accounts.update_user(user("impl.belgium@example.org"), account,
                             accounts.UserChanges(name="x", role=Role.SECRETARIAT, organisation=None), None)
    assert account.role is Role.DONOR


def test_deactivation_signs_the_account_out_everywhere(client, login, tx, user, app):
    login("impl.belgium@example.org")
    assert client.get("/").status_code == 200
    account = user("impl.belgium@example.org")
    with app.test_request_context():
        assert accounts.deactivate_user(user(SECRETARIAT), account, "left the project") is True
        tx.commit()
        assert client.get("/").status_code == 302  # the session's token was rotated
        with pytest.raises(WorkflowError, match="no active organisation"):
            belgium = account.organisation
            belgium.is_active = False
            accounts.reactivate_user(None, account)
        belgium.is_active = True
        assert accounts.reactivate_user(None, account, "back") is True
    assert events(tx, "user.deactivate", account.id)[0].reason == "left the project"


# --- the screens ---------------------------------------------------------------------------------


@pytest.fixture
def secretariat(client, login):
    return login(SECRETARIAT)


def test_organisation_list_filters_and_counts_without_a_query_per_row(secretariat, tx, count_queries):
    with count_queries() as few:
        html = secretariat.get("/admin/organisations/?q=european&kind=donor&active=1").get_data(as_text=True)
    assert "European Union (European Commission, DG HOME)" in html and "Enabel" not in html
    with count_queries() as every:
        response = secretariat.get("/admin/organisations/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count('<tr id="org-') > 40
    assert len(every) <= len(few)  # the counts are aggregate queries, whatever the number of rows
    html = response.get_data(as_text=True)
    iom = org(tx, "IOM")
    accounts_of_iom = tx.scalar(select(func.count(User.id)).where(User.organisation_id == iom.id,
                                                                  User.is_active_account))
    projects_of_iom = len({p.project_id for p in tx.scalars(select(ProjectOrganisation)
                                                             .where(ProjectOrganisation.organisation_id == iom.id))}
                          | set(tx.scalars(select(Project.id).where(Project.lead_organisation_id == iom.id))))
    assert projects_of_iom > 1
    row = html[html.index(f'id="org-{iom.id}"'):]
    row = row[:row.index("</tr>")]
    assert f'<a href="/admin/users/?organisation={iom.id}">{accounts_of_iom}</a>' in row
    assert f'<td class="num">{projects_of_iom}</td>' in row
    assert secretariat.get("/admin/organisations/?kind=charity").status_code == 400


def test_organisation_list_speaks_french(secretariat):
    html = secretariat.get("/admin/organisations/?active=1", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="fr">' in html
    assert "Comptes actifs" in html and "Ajouter une organisation" in html


def test_create_organisation_on_screen(secretariat, tx):
    response = secretariat.post("/admin/organisations/new", data={"name": "Mercy Corps", "acronym": "MC",
                                                                  "kind": "ngo", "country_code": "US",
                                                                  "parent_id": ""})
    assert response.status_code == 302
    made = org(tx, "Mercy Corps")
    assert (made.acronym, made.kind, made.country_code, made.parent_id) == ("MC", OrganisationKind.NGO, "US", None)


@pytest.mark.parametrize("lang, name_error, country_error", [
    ("en", "Another organisation is already called Enabel.",
     "XX is not a country’s ISO 3166 code (two letters, such as BE or MA)."),
    ("fr", "Une autre organisation s’appelle déjà Enabel.",
     "XX n’est pas le code ISO 3166 d’un pays (deux lettres, comme BE ou MA)."),
])
def test_bad_organisation_input_is_shown_beside_each_field(secretariat, tx, lang, name_error, country_error):
    before = tx.scalar(select(func.count(Organisation.id)))
    response = secretariat.post("/admin/organisations/new", data={"name": "ENABEL", "kind": "ngo",
                                                                  "country_code": "XX"},
                                headers={"Accept-Language": lang})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'<p class="error" id="name-error">{name_error}</p>' in html.replace("&#39;", "'").replace("&#34;", '"')
    assert f'<p class="error" id="country_code-error">{country_error}</p>' in html
    assert 'value="ENABEL"' in html  # what was typed stays
    assert tx.scalar(select(func.count(Organisation.id))) == before


@pytest.mark.parametrize("lang, conflict", [
    ("en", "Someone else saved this organisation after you opened it"),
    ("fr", "Quelqu’un d’autre a enregistré cette organisation après que vous l’avez ouverte"),
])
def test_edit_organisation_and_the_conflict_page(secretariat, tx, lang, conflict):
    enabel = org(tx, "Enabel")
    page = secretariat.get(f"/admin/organisations/{enabel.id}/edit", headers={"Accept-Language": lang})
    assert page.status_code == 200
    assert f'name="version" value="{enabel.version}"' in page.get_data(as_text=True)
    opened = enabel.version
    saved = secretariat.post(f"/admin/organisations/{enabel.id}/edit",
                             data={"name": "Enabel", "name_fr": "Enabel (Belgique)", "kind": "agency",
                                   "version": opened}, headers={"Accept-Language": lang})
    assert saved.status_code == 302
    tx.expire_all()
    assert org(tx, "Enabel").name_fr == "Enabel (Belgique)"
    stale = secretariat.post(f"/admin/organisations/{enabel.id}/edit",
                             data={"name": "Enabel", "name_fr": "Overwritten?", "kind": "agency",
                                   "version": opened}, headers={"Accept-Language": lang})
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert conflict in html
    assert "Enabel (Belgique)" in html  # what is stored now
    assert 'value="Overwritten?"' in html  # what this person typed, kept
    tx.expire_all()
    current = org(tx, "Enabel")
    assert current.name_fr == "Enabel (Belgique)"
    assert f'name="version" value="{current.version}"' in html  # saving again is a deliberate overwrite
    missing = secretariat.post(f"/admin/organisations/{enabel.id}/edit", data={"name": "Enabel", "kind": "agency"})
    assert missing.status_code == 400


@pytest.mark.parametrize("lang, will_move, merged", [
    ("en", "Moving to IOM", "ILO merged into IOM."),
    ("fr", "Transfert vers OIM", "OIT a été fusionnée dans OIM."),  # their French names
])
def test_merge_on_screen_asks_for_confirmation_first(secretariat, tx, lang, will_move, merged):
    ilo, iom = org(tx, "ILO"), org(tx, "IOM")
    headers = {"Accept-Language": lang}
    assert secretariat.get(f"/admin/organisations/{ilo.id}/merge", headers=headers).status_code == 200
    confirm = secretariat.post(f"/admin/organisations/{ilo.id}/merge",
                               data={"keep": iom.id, "reason": "Same body"}, headers=headers)
    assert confirm.status_code == 200
    html = confirm.get_data(as_text=True)
    assert will_move in html and 'name="confirm" value="1"' in html
    assert tx.scalar(select(Organisation.is_active).where(Organisation.id == ilo.id))  # nothing happened yet
    missing_reason = secretariat.post(f"/admin/organisations/{ilo.id}/merge",
                                      data={"keep": iom.id, "reason": "", "confirm": "1"}, headers=headers)
    assert missing_reason.status_code == 400
    done = secretariat.post(f"/admin/organisations/{ilo.id}/merge",
                            data={"keep": iom.id, "reason": "Same body", "confirm": "1"}, headers=headers,
                            follow_redirects=True)
    assert done.status_code == 200 and merged in done.get_data(as_text=True)
    tx.expire_all()
    assert org(tx, "ILO").merged_into_id == iom.id
    page = secretariat.get(f"/admin/organisations/{ilo.id}/edit", headers=headers)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'href="/admin/organisations/{iom.id}/edit"' in html  # where everything went
    assert f'/admin/organisations/{ilo.id}/reactivate' in html and f"/admin/organisations/{ilo.id}/merge" not in html
    into_itself = secretariat.post(f"/admin/organisations/{iom.id}/merge",
                                   data={"keep": iom.id, "reason": "x", "confirm": "1"})
    assert into_itself.status_code == 400


@pytest.mark.parametrize("lang, refusal", [
    ("en", "Enabel cannot be deactivated: it still has active accounts"),
    ("fr", "Enabel ne peut pas être désactivée\u00a0: elle a encore des comptes actifs"),
])
def test_deactivate_on_screen_says_what_holds_it(secretariat, tx, lang, refusal):
    enabel = org(tx, "Enabel")
    response = secretariat.post(f"/admin/organisations/{enabel.id}/deactivate", data={"reason": "Closing"},
                                headers={"Accept-Language": lang})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert refusal in html and "impl.enabel@example.org" in html
    tx.expire_all()
    assert org(tx, "Enabel").is_active
    spare = Organisation(name="Spare body")
    tx.add(spare)
    tx.commit()
    assert secretariat.post(f"/admin/organisations/{spare.id}/deactivate", data={"reason": ""},
                            headers={"Accept-Language": lang}).status_code == 400
    assert secretariat.post(f"/admin/organisations/{spare.id}/deactivate",
                            data={"reason": "Closed down"}).status_code == 302
    tx.expire_all()
    assert not org(tx, "Spare body").is_active
    assert secretariat.post(f"/admin/organisations/{spare.id}/reactivate", data={"reason": ""}).status_code == 302
    tx.expire_all()
    assert org(tx, "Spare body").is_active


def test_unknown_organisation_is_404_for_the_secretariat_and_403_for_others(client, login):
    login("impl.belgium@example.org")
    assert client.get("/admin/organisations/999999/edit").status_code == 403
    login(SECRETARIAT)
    assert client.get("/admin/organisations/999999/edit").status_code == 404


def test_user_list_filters_and_pages(secretariat, tx):
    html = secretariat.get("/admin/users/?role=donor&active=1").get_data(as_text=True)
    assert "donor.bmz@example.org" in html and "impl.iom@example.org" not in html
    bmz = org(tx, "BMZ")
    html = secretariat.get(f"/admin/users/?organisation={bmz.id}").get_data(as_text=True)
    assert html.count('<tr id="user-') == 1
    total = tx.scalar(select(func.count(User.id)))
    tx.add_all([User(email=f"bulk{n:03}@example.org", name="Bulk", role=Role.SECRETARIAT, password_hash="x")
                for n in range(60)])
    tx.commit()
    first = secretariat.get("/admin/users/?q=bulk").get_data(as_text=True)
    assert first.count('<tr id="user-') == 50 and 'rel="next"' in first and "?page=2&amp;q=bulk" in first
    second = secretariat.get("/admin/users/?q=bulk&page=2").get_data(as_text=True)
    assert second.count('<tr id="user-') == 10 and 'rel="prev"' in second
    assert total + 60 == tx.scalar(select(func.count(User.id)))
    assert secretariat.get("/admin/users/?page=x").status_code == 400
    assert secretariat.get("/admin/users/?role=boss").status_code == 400


@pytest.mark.parametrize("lang, message", [
    ("en", "An implementer or a donor belongs to an organisation: choose one."),
    ("fr", "Un partenaire de mise en œuvre ou un bailleur appartient à une organisation\u00a0: choisissez-la."),
])
def test_bad_account_input_is_shown_beside_the_field(secretariat, tx, lang, message):
    before = tx.scalar(select(func.count(User.id)))
    response = secretariat.post("/admin/users/new", data={"email": "x@example.org", "role": "donor",
                                                          "organisation": "", "name": "X"},
                                headers={"Accept-Language": lang})
    assert response.status_code == 400
    assert f'<p class="error" id="organisation-error">{message}</p>' in response.get_data(as_text=True)
    assert tx.scalar(select(func.count(User.id))) == before


def test_edit_account_on_screen_with_conflict(secretariat, tx, user):
    account = user("impl.iom@example.org")
    opened = account.version
    page = secretariat.get(f"/admin/users/{account.id}/edit").get_data(as_text=True)
    assert f'name="version" value="{opened}"' in page
    data = {"name": "IOM focal point", "role": "implementer", "organisation": account.organisation_id,
            "locale": "fr", "version": opened}
    assert secretariat.post(f"/admin/users/{account.id}/edit", data=data).status_code == 302
    stale = secretariat.post(f"/admin/users/{account.id}/edit", data={**data, "name": "Someone else"},
                             headers={"Accept-Language": "fr"})
    assert stale.status_code == 409
    assert "Quelqu’un d’autre a modifié ce compte après que vous l’avez ouvert" in stale.get_data(as_text=True)
    tx.expire_all()
    assert user("impl.iom@example.org").name == "IOM focal point"


def test_deactivate_and_reactivate_accounts_on_screen(secretariat, tx, user):
    me = user(SECRETARIAT)
    refused = secretariat.post(f"/admin/users/{me.id}/deactivate", data={"reason": "x"})
    assert refused.status_code == 400 and "You cannot deactivate your own account." in refused.get_data(as_text=True)
    account = user("impl.iom@example.org")
    assert secretariat.post(f"/admin/users/{account.id}/deactivate", data={"reason": "Left"}).status_code == 302
    tx.expire_all()
    assert not user("impl.iom@example.org").is_active_account
    page = secretariat.get(f"/admin/users/{account.id}/edit").get_data(as_text=True)
    assert f"/admin/users/{account.id}/reactivate" in page and "/password-link" not in page
    assert secretariat.post(f"/admin/users/{account.id}/reactivate", data={"reason": ""}).status_code == 302
    tx.expire_all()
    assert user("impl.iom@example.org").is_active_account


def test_navigation_shows_the_admin_links_to_the_secretariat_only(client, login):
    login("impl.belgium@example.org")
    html = client.get("/").get_data(as_text=True)
    assert "/admin/users/" not in html and "/admin/organisations/" not in html
    login(SECRETARIAT)
    html = client.get("/").get_data(as_text=True)
    assert 'href="/admin/users/"' in html and 'href="/admin/organisations/"' in html


def test_profile_still_changes_language_and_password(client, login, user):
    login("impl.iom@example.org")
    response = client.post("/profile", data={"name": "IOM", "locale": "fr", "current_password": "meapp-demo-test",
                                             "new_password": "another-password-1",
                                             "confirm_password": "another-password-1"})
    assert response.status_code == 302
    account = user("impl.iom@example.org")
    assert account.locale == "fr" and account.check_password("another-password-1")
    assert client.get("/").status_code == 200  # still signed in after the token rotated
