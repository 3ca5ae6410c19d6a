"""The quarterly report of PALIM for Q4 2020, as its implementer and its donor use it in a browser.

Seeded demo: PALIM 2020Q4 is a draft (1 warning, no error), its reporting period is open;
impl.enabel@example.org implements PALIM and donor.eu-dg-home@example.org funds it.
"""
from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest

playwright_api = pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package")
expect = playwright_api.expect

IMPLEMENTER = "impl.enabel@example.org"
DONOR = "donor.eu-dg-home@example.org"
GRID = "/projects/PALIM/periods/2020Q4"
SCREENSHOT = Path(tempfile.gettempdir()) / "browser_grid_error.png"
RETURN_REASON = "Please attach the employment contracts for the two women counted this quarter."


# --- what a person does -----------------------------------------------------------------------------

def sign_in(page, email: str, password: str) -> None:
    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("#submit").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def status_badge(page):
    return page.locator("h1 .badge[class*='status-']")


def category_input(page, indicator: str, disaggregation: str, category: str):
    """The input of one category, found as a person finds it: row, then fieldset legend, then label."""
    group = page.locator(f"#row-{indicator}").get_by_role("group", name=disaggregation, exact=True)
    return group.get_by_label(category, exact=True)


def findings_of(page, indicator: str):
    """The findings listed right under the row of an indicator."""
    return page.locator(f"#row-{indicator} + tr.finding-row")


def submit_section(page):
    return page.locator("section.workflow").filter(
        has=page.get_by_role("heading", name="Submit to the donor", exact=True))


def save_draft(page) -> None:
    page.get_by_role("button", name="Save draft", exact=True).click()
    expect(page.locator(".flash").filter(has_text="Draft saved.")).to_be_visible()


def justify_warnings_and_submit(page) -> None:
    """Write a justification under every warning still without one, then submit."""
    section = submit_section(page)
    expect(section).to_be_visible()
    for box in section.locator("textarea[name^='j|']").all():
        if not box.input_value().strip():
            box.fill("Checked with the field team: the figure is right for this quarter.")
    button = section.get_by_role("button", name="Submit", exact=True)
    expect(button).to_be_enabled()
    button.click()
    expect(page.get_by_role("status").filter(has_text="Submitted. The donor has been asked to review it.")
           ).to_be_visible()
    expect(status_badge(page)).to_have_text("Submitted")


# --- the tests --------------------------------------------------------------------------------------

def test_implementer_fixes_a_disaggregation_error_then_submits(new_page, fresh_data):
    page = new_page()
    sign_in(page, IMPLEMENTER, fresh_data.password)
    page.goto(GRID)
    expect(page.get_by_role("heading", level=1)).to_contain_text("PALIM · Q4 2020")
    expect(status_badge(page)).to_have_text("Draft")

    female = category_input(page, "EMPLOYED", "Sex", "Female")
    male = category_input(page, "EMPLOYED", "Sex", "Male")
    total = page.get_by_label("Total EMPLOYED", exact=True)
    expect(total).to_have_value("6")
    expect(female).to_have_value("2")
    expect(male).to_have_value("4")

    # 5 women + 4 men is not the 6 graduates employed.
    female.fill("5")
    page.get_by_role("button", name="Save draft", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text(re.compile(r"Draft saved\. Changes: 1 · errors: 1 · warnings: \d+\."))
    error = findings_of(page, "EMPLOYED").locator("li.sev-error")
    expect(error).to_have_count(1)
    expect(error).to_contain_text("Error")
    expect(error).to_contain_text("The parts by Sex add up to 9, but the total is 6.")
    expect(category_input(page, "EMPLOYED", "Sex", "Female")).to_have_value("5")
    # The finding belongs to the row's total, which is marked invalid.
    expect(total).to_have_attribute("aria-invalid", "true")
    expect(page.locator("p.summary")).to_contain_text("1 error")
    section = submit_section(page)
    expect(section.get_by_text("Fix the errors above before submitting.")).to_be_visible()
    expect(section.get_by_role("button", name="Submit", exact=True)).to_be_disabled()
    expect(status_badge(page)).to_have_text("Draft")
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    # Back to 2 women: the parts add up again.
    category_input(page, "EMPLOYED", "Sex", "Female").fill("2")
    save_draft(page)
    expect(page.get_by_role("status")).to_have_text(re.compile(r"Draft saved\. Changes: 1 · errors: 0 · warnings: \d+\."))
    expect(findings_of(page, "EMPLOYED").locator("li.sev-error")).to_have_count(0)
    expect(total).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("p.summary")).to_contain_text("0 errors")
    expect(submit_section(page).get_by_text("Fix the errors above before submitting.")).to_have_count(0)

    justify_warnings_and_submit(page)
    # Submitted: the values are read-only and there is nothing left to save or submit.
    expect(page.get_by_role("button", name="Save draft")).to_have_count(0)
    expect(submit_section(page)).to_have_count(0)
    expect(category_input(page, "EMPLOYED", "Sex", "Female")).to_have_attribute("readonly", "")


def test_donor_returns_then_approves_after_resubmission(new_page, fresh_data):
    implementer = new_page()
    sign_in(implementer, IMPLEMENTER, fresh_data.password)
    implementer.goto(GRID)
    expect(status_badge(implementer)).to_have_text("Draft")
    justify_warnings_and_submit(implementer)

    donor = new_page()
    sign_in(donor, DONOR, fresh_data.password)
    donor.goto(GRID)
    expect(status_badge(donor)).to_have_text("Submitted")
    expect(donor.get_by_role("button", name="Save draft")).to_have_count(0)
    donor.locator("#return-reason").fill(RETURN_REASON)
    donor.get_by_role("button", name="Return to the implementer", exact=True).click()
    expect(donor.get_by_role("status")).to_contain_text("Returned to the implementer with your reason.")
    expect(status_badge(donor)).to_have_text("Returned")
    expect(donor.get_by_role("button", name="Approve", exact=True)).to_have_count(0)

    implementer.goto(GRID)
    expect(status_badge(implementer)).to_have_text("Returned")
    note = implementer.get_by_role("note").filter(has_text="Returned by the donor:")
    expect(note).to_contain_text(RETURN_REASON)
    save_draft(implementer)
    expect(status_badge(implementer)).to_have_text("Draft")
    justify_warnings_and_submit(implementer)

    donor.goto(GRID)
    expect(status_badge(donor)).to_have_text("Submitted")
    donor.get_by_role("button", name="Approve", exact=True).click()
    expect(donor.get_by_role("status")).to_contain_text("Approved: the period is locked for this project.")
    expect(status_badge(donor)).to_have_text("Approved")
    expect(donor.get_by_role("button", name="Approve", exact=True)).to_have_count(0)
    expect(donor.get_by_role("button", name="Return to the implementer")).to_have_count(0)

    implementer.goto(GRID)
    expect(status_badge(implementer)).to_have_text("Approved")
    expect(implementer.get_by_role("button", name="Save draft")).to_have_count(0)


def test_data_entry_page_in_french(new_page, fresh_data):
    page = new_page()
    sign_in(page, IMPLEMENTER, fresh_data.password)
    page.goto(GRID)
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.locator("header").get_by_role("button", name="Français", exact=True).click()
    expect(page).to_have_url(re.compile(re.escape(GRID) + "$"))  # back on the same page
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("header").get_by_role("button", name="English", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Se déconnecter", exact=True)).to_be_visible()

    expect(page.get_by_role("heading", level=1)).to_contain_text("PALIM · T4 2020")
    expect(page).to_have_title(re.compile(r"^PALIM · T4 2020"))
    expect(status_badge(page)).to_have_text("Brouillon")
    expect(page.get_by_role("columnheader", name="Indicateur").first).to_be_visible()
    expect(page.get_by_role("columnheader", name="Cible").first).to_be_visible()
    expect(page.get_by_role("columnheader", name="Par catégorie").first).to_be_visible()
    expect(page.get_by_role("button", name="Enregistrer le brouillon", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Soumettre au bailleur", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Soumettre", exact=True)).to_be_visible()
    expect(page.get_by_text("Chaque avertissement doit être justifié par écrit avant la soumission.")).to_be_visible()
    # The previous period is named the French way too.
    expect(page.locator("#row-EMPLOYED")).to_contain_text("(T3 2020)")
    expect(page.locator("#row-EMPLOYED")).not_to_contain_text("Q3 2020")

    # The choice is remembered for the user: it survives a new visit.
    page.goto(GRID)
    expect(page.get_by_role("button", name="Enregistrer le brouillon", exact=True)).to_be_visible()
