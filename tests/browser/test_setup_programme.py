"""Setting up a programme from nothing, as its people click through it in a browser (issue 11, "Done when").

A new installation: `flask db upgrade` (the schema and the reference lists) and one `flask users create` for the
secretariat; no demo data, no mail server. The secretariat, working in one language, creates the lead
implementing organisation and a funder, invites an implementer, creates the project, builds its logframe on
screen, approves it and opens the first quarter. The implementer then chooses a password through the link the
secretariat passed on, and reports the first quarter. The same journey runs in English and in French.
"""
from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest

playwright_api = pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package")
expect = playwright_api.expect

SCREENSHOT = str(Path(tempfile.gettempdir()) / "meapp_journey_{lang}.png")
CODE = "SKILLS-MA"
IMPLEMENTER = "karima.benali@enabel.example.org"
IMPLEMENTER_PASSWORD = "Agadir-2025-quarterly"
LEAD = {"en": "Belgian Development Agency", "fr": "Agence belge de développement"}
FUNDER = {"en": "European Union (DG HOME)", "fr": "Union européenne (DG HOME)"}
BROWSER_LOCALES = {"en": "en-GB", "fr": "fr-FR"}
LANGUAGE_BUTTONS = {"en": "English", "fr": "Français"}  # the header's button that switches to the language

# What each person reads and clicks, in the language of the test (the French as the catalog has it).
UI = {
    "en": {
        "sign_out": "Sign out", "save": "Save",
        # organisations
        "organisations": "Organisations", "add_organisation": "Add an organisation",
        "org_name_en": "Name (English)", "org_name_fr": "Name (French)", "short_name": "Short name", "kind": "Kind",
        "agency": "Agency", "donor": "Donor", "country": "Country", "belgium": "Belgium (BE)",
        "org_created": "Organisation {name} created.",
        # people
        "users": "Users", "invite_person": "Invite a person", "email": "Email", "name": "Name", "role": "Role",
        "implementer": "Implementer", "organisation": "Organisation", "language": "Language", "invite": "Invite",
        "link_heading": "Set-password link for {email}",
        "account_created": "The account is created. It has no password yet.", "link": "Link",
        # the project
        "projects": "Projects", "new_project": "New project", "code": "Code",
        "title_en": "Title (English)", "title_fr": "Title (French)", "lead": "Lead organisation", "funders": "Funders",
        "origin": "Countries of origin", "destination": "Countries of destination",
        "morocco": "Morocco", "belgium_country": "Belgium", "start": "Start date", "end": "End date",
        "frequency": "Reporting frequency", "quarterly": "Quarterly", "project_created": "Project {code} created.",
        # the logframe
        "open_logframe": "Open the logframe: its levels, indicators, targets, revisions and approval",
        "logframe": "Logframe", "draft_logframe": "Draft logframe", "approved_logframe": "Approved logframe",
        "add_level": "Add a result level", "add_under": "Add a level under it", "under": "Under",
        "kind_of_result": "Kind of result", "outcome": "Outcome",
        "statement_en": "Statement (English)", "statement_fr": "Statement (French)", "save_level": "Save the level",
        "saved_1": "Logframe saved: 1 change.",
        "add_indicator": "Add an indicator", "result_level": "Result level",
        "name_en": "Name (English)", "name_fr": "Name (French)", "unit": "Unit", "number": "Number",
        "end_target": "End-of-project target", "sex": "Sex", "by_sex": "by Sex", "save_indicator": "Save the indicator",
        "targets": "Targets", "targets_heading": "Targets per period", "q1": "Q1 2025", "q2": "Q2 2025",
        "total": "Total", "sex_female": "Sex: Female", "sex_male": "Sex: Male", "save_targets": "Save the targets",
        "approve": "Approve the logframe", "approved_flash": "Logframe approved.",
        # reporting periods
        "periods": "Reporting periods", "period": "Period", "due_date": "Due date", "status": "Status",
        "open": "Open", "period_saved": "Reporting period {period} saved.", "due": "Apr 30, 2025",
        # the implementer
        "choose_password": "Choose your password", "new_password": "New password",
        "repeat_password": "Repeat the new password", "set_password": "Set my password",
        "password_set": "Your password is set: you are signed in.",
        "report": "Report {period}", "missing": "Missing", "female": "Female", "male": "Male",
        "save_draft": "Save draft", "draft_saved": "Draft saved.", "draft": "Draft",
        "submit_heading": "Submit to the donor", "submit": "Submit",
        "submitted_flash": "Submitted. The donor has been asked to review it.", "submitted": "Submitted",
    },
    "fr": {
        "sign_out": "Se déconnecter", "save": "Enregistrer",
        # organisations
        "organisations": "Organisations", "add_organisation": "Ajouter une organisation",
        "org_name_en": "Nom (anglais)", "org_name_fr": "Nom (français)", "short_name": "Sigle", "kind": "Type",
        "agency": "Agence", "donor": "Bailleur", "country": "Pays", "belgium": "Belgique (BE)",
        "org_created": "Organisation {name} créée.",
        # people
        "users": "Utilisateurs", "invite_person": "Inviter une personne", "email": "Adresse e-mail", "name": "Nom",
        "role": "Rôle", "implementer": "Partenaire de mise en œuvre", "organisation": "Organisation",
        "language": "Langue", "invite": "Inviter",
        "link_heading": "Lien pour choisir un mot de passe pour {email}",
        "account_created": "Le compte est créé. Il n’a pas encore de mot de passe.", "link": "Lien",
        # the project
        "projects": "Projets", "new_project": "Nouveau projet", "code": "Code",
        "title_en": "Titre (anglais)", "title_fr": "Titre (français)", "lead": "Organisation cheffe de file",
        "funders": "Bailleurs", "origin": "Pays d’origine", "destination": "Pays de destination",
        "morocco": "Maroc", "belgium_country": "Belgique", "start": "Date de début", "end": "Date de fin",
        "frequency": "Fréquence des rapports", "quarterly": "Trimestrielle", "project_created": "Projet {code} créé.",
        # the logframe
        "open_logframe": "Ouvrir le cadre logique\u00a0: niveaux, indicateurs, cibles, révisions et approbation",
        "logframe": "Cadre logique", "draft_logframe": "Cadre logique en brouillon",
        "approved_logframe": "Cadre logique approuvé",
        "add_level": "Ajouter un niveau de résultat", "add_under": "Ajouter un niveau en dessous", "under": "Sous",
        "kind_of_result": "Type de résultat", "outcome": "Effet",
        "statement_en": "Énoncé (anglais)", "statement_fr": "Énoncé (français)", "save_level": "Enregistrer le niveau",
        "saved_1": "Cadre logique enregistré\u00a0: 1 modification.",
        "add_indicator": "Ajouter un indicateur", "result_level": "Niveau de résultat",
        "name_en": "Nom (anglais)", "name_fr": "Nom (français)", "unit": "Unité", "number": "Nombre",
        "end_target": "Cible de fin de projet", "sex": "Sexe", "by_sex": "par Sexe",
        "save_indicator": "Enregistrer l’indicateur",
        "targets": "Cibles", "targets_heading": "Cibles par période", "q1": "T1 2025", "q2": "T2 2025",
        "total": "Total", "sex_female": "Sexe\u00a0: Femmes", "sex_male": "Sexe\u00a0: Hommes",
        "save_targets": "Enregistrer les cibles",
        "approve": "Approuver le cadre logique", "approved_flash": "Cadre logique approuvé.",
        # reporting periods
        "periods": "Périodes de rapport", "period": "Période", "due_date": "Date limite", "status": "Statut",
        "open": "Ouverte", "period_saved": "Période de rapport {period} enregistrée.", "due": "30 avr. 2025",
        # the implementer
        "choose_password": "Choisissez votre mot de passe", "new_password": "Nouveau mot de passe",
        "repeat_password": "Répétez le nouveau mot de passe", "set_password": "Enregistrer mon mot de passe",
        "password_set": "Votre mot de passe est enregistré et votre session est ouverte.",
        "report": "Saisir {period}", "missing": "Manquante", "female": "Femmes", "male": "Hommes",
        "save_draft": "Enregistrer le brouillon", "draft_saved": "Brouillon enregistré.", "draft": "Brouillon",
        "submit_heading": "Soumettre au bailleur", "submit": "Soumettre",
        "submitted_flash": "Soumise. Le bailleur est invité à l’examiner.", "submitted": "Soumise",
    },
}
assert UI["en"].keys() == UI["fr"].keys()


def t(lang: str, key: str, **params) -> str:
    return UI[lang][key].format(**params)


def other(lang: str) -> str:
    return "en" if lang == "fr" else "fr"


# --- what a person does -----------------------------------------------------------------------------

def heading(page):
    return page.get_by_role("heading", level=1)


def flash(page, text: str):
    return page.locator(".flash").filter(has_text=text)


def status_badge(page):
    return page.locator("h1 .badge[class*='status-']")


def nav(page, lang: str, key: str) -> None:
    page.get_by_role("navigation").get_by_role("link", name=t(lang, key), exact=True).click()


def field(page, lang: str, key: str):
    return page.get_by_label(t(lang, key), exact=True)


def click(page, lang: str, key: str, role: str = "button") -> None:
    page.get_by_role(role, name=t(lang, key), exact=True).click()


def category_input(page, indicator: str, disaggregation: str, category: str):
    """The input of one category, found as a person finds it: row, then fieldset legend, then label."""
    group = page.locator(f"#row-{indicator}").get_by_role("group", name=disaggregation, exact=True)
    return group.get_by_label(category, exact=True)


def sign_in_and_choose_language(page, email: str, password: str, lang: str) -> None:
    """Sign in from a browser that asks for the other language, then switch the interface to `lang`."""
    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("#submit").click()
    expect(page.get_by_role("button", name=t(other(lang), "sign_out"), exact=True)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", other(lang))
    page.locator("header").get_by_role("button", name=LANGUAGE_BUTTONS[lang], exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.get_by_role("button", name=t(lang, "sign_out"), exact=True)).to_be_visible()


def add_organisation(page, lang: str, names: dict, acronym: str, kind: str) -> None:
    nav(page, lang, "organisations")
    expect(heading(page)).to_have_text(t(lang, "organisations"))
    click(page, lang, "add_organisation", role="link")
    expect(heading(page)).to_have_text(t(lang, "add_organisation"))
    field(page, lang, "org_name_en").fill(names["en"])
    field(page, lang, "org_name_fr").fill(names["fr"])
    field(page, lang, "short_name").fill(acronym)
    field(page, lang, "kind").select_option(label=t(lang, kind))
    field(page, lang, "country").select_option(label=t(lang, "belgium"))
    click(page, lang, "save")
    expect(heading(page)).to_have_text(t(lang, "organisations"))
    expect(flash(page, t(lang, "org_created", name=names[lang]))).to_be_visible()
    expect(page.get_by_role("link", name=names["en"], exact=True)).to_be_visible()


def invite_implementer(page, lang: str, base_url: str) -> str:
    """Invite the implementer in their language; no mail server: the page shows the link. → the link"""
    nav(page, lang, "users")
    expect(heading(page)).to_have_text(t(lang, "users"))
    click(page, lang, "invite_person", role="link")
    expect(heading(page)).to_have_text(t(lang, "invite_person"))
    field(page, lang, "email").fill(IMPLEMENTER)
    field(page, lang, "name").fill("Karima Benali")
    field(page, lang, "role").select_option(label=t(lang, "implementer"))
    field(page, lang, "organisation").select_option(label=f"{LEAD[lang]} (Enabel)")
    field(page, lang, "language").select_option(value=lang)
    click(page, lang, "invite")
    expect(heading(page)).to_have_text(t(lang, "link_heading", email=IMPLEMENTER))
    expect(page.get_by_text(t(lang, "account_created"))).to_be_visible()
    link = field(page, lang, "link")
    expect(link).to_have_value(re.compile(re.escape(base_url) + r"/set-password/\S+$"))
    return link.input_value()


def create_project(page, lang: str) -> None:
    nav(page, lang, "projects")
    click(page, lang, "new_project", role="link")
    expect(heading(page)).to_have_text(t(lang, "new_project"))
    field(page, lang, "code").fill(CODE)
    field(page, lang, "title_en").fill("Skills for employment in Morocco and Belgium")
    field(page, lang, "title_fr").fill("Compétences pour l’emploi au Maroc et en Belgique")
    field(page, lang, "lead").select_option(label=LEAD[lang])
    field(page, lang, "funders").select_option(label=FUNDER[lang])
    field(page, lang, "origin").select_option(label=t(lang, "morocco"))
    field(page, lang, "destination").select_option(label=t(lang, "belgium_country"))
    field(page, lang, "start").fill("2025-01-01")
    field(page, lang, "end").fill("2026-12-31")
    field(page, lang, "frequency").select_option(label=t(lang, "quarterly"))
    click(page, lang, "save")
    expect(flash(page, t(lang, "project_created", code=CODE))).to_be_visible()
    expect(heading(page)).to_contain_text(CODE)
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text(t(lang, "morocco"))
    expect(facts).to_contain_text(LEAD[lang])  # the organisations named in the reader's language
    expect(facts).to_contain_text(FUNDER[lang])


def add_level(page, lang: str, code: str, kind: str, statement_en: str, statement_fr: str) -> None:
    """The level form, opened from the logframe (a top level) or from a level ("under it")."""
    expect(heading(page)).to_contain_text(t(lang, "add_level"))
    field(page, lang, "code").fill(code)
    expect(field(page, lang, "kind_of_result")).to_have_value(kind)  # the form proposes the next kind down
    field(page, lang, "statement_en").fill(statement_en)
    field(page, lang, "statement_fr").fill(statement_fr)
    click(page, lang, "save_level")
    expect(flash(page, t(lang, "saved_1"))).to_be_visible()
    expect(heading(page)).to_contain_text(t(lang, "logframe"))


def build_logframe(page, lang: str) -> None:
    """An impact, an outcome under it, an indicator split by sex with its end target, targets for two quarters;
    then the secretariat approves the logframe."""
    click(page, lang, "open_logframe", role="link")
    expect(heading(page)).to_contain_text(t(lang, "logframe"))
    lf_status = page.locator(".lf-status .badge")
    expect(lf_status).to_have_text(t(lang, "draft_logframe"))
    click(page, lang, "add_level", role="link")
    add_level(page, lang, "1", "impact", "Safe and regular labour mobility benefits Morocco and Belgium.",
              "Une mobilité de travail sûre et régulière profite au Maroc et à la Belgique.")

    page.locator("#level-1").get_by_role("link", name=t(lang, "add_under"), exact=True).click()
    expect(field(page, lang, "under")).to_have_value("1")
    add_level(page, lang, "1.1", "outcome", "Trained Moroccan graduates find work in Belgium.",
              "Les diplômés marocains formés trouvent un emploi en Belgique.")
    outcome = page.locator("#level-1\\.1")
    expect(outcome).to_contain_text(t(lang, "outcome"))

    outcome.get_by_role("link", name=t(lang, "add_indicator"), exact=True).click()
    expect(heading(page)).to_contain_text(t(lang, "add_indicator"))
    expect(field(page, lang, "result_level")).to_have_value("1.1")
    field(page, lang, "code").fill("EMPLOYED")
    field(page, lang, "name_en").fill("Graduates employed in Belgium")
    field(page, lang, "name_fr").fill("Diplômés employés en Belgique")
    field(page, lang, "unit").select_option(label=t(lang, "number"))
    field(page, lang, "end_target").fill("40")
    field(page, lang, "sex").check()
    click(page, lang, "save_indicator")
    expect(flash(page, t(lang, "saved_1"))).to_be_visible()
    indicator = page.locator("#ind-EMPLOYED")
    expect(indicator).to_contain_text("Graduates employed in Belgium")
    expect(indicator).to_contain_text("Diplômés employés en Belgique")
    expect(indicator).to_contain_text(t(lang, "by_sex"))

    indicator.get_by_role("link", name=t(lang, "targets"), exact=True).click()
    expect(heading(page)).to_contain_text(t(lang, "targets_heading"))
    for quarter, total, female, male in (("q1", "4", "2", "2"), ("q2", "6", "3", "3")):
        for column, value in (("total", total), ("sex_female", female), ("sex_male", male)):
            page.get_by_label(f"{t(lang, quarter)} · {t(lang, column)}", exact=True).fill(value)
    click(page, lang, "save_targets")
    expect(flash(page, t(lang, "saved_1"))).to_be_visible()

    expect(lf_status).to_have_text(t(lang, "draft_logframe"))
    click(page, lang, "approve")
    expect(flash(page, t(lang, "approved_flash"))).to_be_visible()
    expect(lf_status).to_have_text(t(lang, "approved_logframe"))


def open_first_quarter(page, lang: str) -> None:
    nav(page, lang, "periods")
    expect(heading(page)).to_have_text(t(lang, "periods"))
    field(page, lang, "period").fill("2025Q1")
    field(page, lang, "due_date").fill("2025-04-30")
    field(page, lang, "status").select_option(label=t(lang, "open"))
    click(page, lang, "save")
    expect(flash(page, t(lang, "period_saved", period=t(lang, "q1")))).to_be_visible()
    row = page.locator("table.grid tbody tr").filter(has_text=t(lang, "q1"))
    expect(row).to_contain_text(t(lang, "open"))
    expect(row).to_contain_text(t(lang, "due"))


def report_first_quarter(page, lang: str, invitation: str) -> None:
    """The implementer's first visit: the set-password link, then the first quarter's grid."""
    page.goto(invitation)
    # The language the secretariat chose for the person, whatever their browser asks for.
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(heading(page)).to_have_text(t(lang, "choose_password"))
    field(page, lang, "new_password").fill(IMPLEMENTER_PASSWORD)
    field(page, lang, "repeat_password").fill(IMPLEMENTER_PASSWORD)
    click(page, lang, "set_password")
    expect(flash(page, t(lang, "password_set"))).to_be_visible()
    expect(page.get_by_role("button", name=t(lang, "sign_out"), exact=True)).to_be_visible()
    expect(page.locator("header .who")).to_contain_text(LEAD[lang])

    nav(page, lang, "projects")
    page.get_by_role("link", name=CODE, exact=True).click()
    expect(heading(page)).to_contain_text(CODE)
    page.get_by_role("link", name=t(lang, "report", period=t(lang, "q1")), exact=True).click()
    expect(heading(page)).to_contain_text(f"{CODE} · {t(lang, 'q1')}")
    expect(status_badge(page)).to_have_text(t(lang, "missing"))

    page.get_by_label(f"{t(lang, 'total')} EMPLOYED", exact=True).fill("3")
    category_input(page, "EMPLOYED", t(lang, "sex"), t(lang, "female")).fill("2")
    category_input(page, "EMPLOYED", t(lang, "sex"), t(lang, "male")).fill("1")
    click(page, lang, "save_draft")
    expect(flash(page, t(lang, "draft_saved"))).to_be_visible()
    expect(status_badge(page)).to_have_text(t(lang, "draft"))

    section = page.locator("section.workflow").filter(
        has=page.get_by_role("heading", name=t(lang, "submit_heading"), exact=True))
    button = section.get_by_role("button", name=t(lang, "submit"), exact=True)
    expect(button).to_be_enabled()
    button.click()
    expect(flash(page, t(lang, "submitted_flash"))).to_be_visible()
    expect(status_badge(page)).to_have_text(t(lang, "submitted"))
    expect(page.get_by_role("button", name=t(lang, "save_draft"))).to_have_count(0)
    expect(category_input(page, "EMPLOYED", t(lang, "sex"), t(lang, "female"))).to_have_attribute("readonly", "")


# --- the journey ------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_secretariat_sets_up_a_programme_and_its_implementer_reports_the_first_quarter(
        installation_page, installation, lang):
    secretariat = installation_page(BROWSER_LOCALES[other(lang)])
    sign_in_and_choose_language(secretariat, installation.secretariat, installation.password, lang)

    add_organisation(secretariat, lang, LEAD, "Enabel", "agency")
    add_organisation(secretariat, lang, FUNDER, "EU-DG-HOME", "donor")
    expect(secretariat.locator("table.grid tbody tr")).to_have_count(2)
    invitation = invite_implementer(secretariat, lang, installation.url)
    create_project(secretariat, lang)
    build_logframe(secretariat, lang)
    open_first_quarter(secretariat, lang)

    implementer = installation_page(BROWSER_LOCALES[other(lang)])
    report_first_quarter(implementer, lang, invitation)
    implementer.screenshot(path=SCREENSHOT.format(lang=lang), full_page=True)
