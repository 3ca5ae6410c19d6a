"""Rules, reporting periods and the completeness table: the secretariat's screens."""
import datetime as dt

import pytest
from sqlalchemy import select

from meapp.logframes.models import ValidationRule
from meapp.submissions import completeness
from meapp.submissions.models import PeriodStatus, ReportingPeriod

RULE = {"left": "EMP", "operator": "<=", "right": "COUNT", "severity": "error",
        "missing_value_strategy": "skip_if_any", "message_en": "Employed ≤ trained", "message_fr": "Employés ≤ formés"}



@pytest.fixture
def secretariat(prj, login):
    """The secretariat signed in, with the factory project there to manage."""
    return login("secretariat@example.org")

@pytest.mark.parametrize("left, right, field_message", [
    ("EMP +", "COUNT", "At position 6 of “EMP +”: the expression ends too early."),
    ("EMP", "COUNT ; 1", "At position 7 of “COUNT ; 1”: unexpected character “;”."),
    ("EMP", "__import__('os')", "unexpected character “&#39;”"),
    ("EMP * NOPE", "COUNT", "Unknown indicator in “EMP * NOPE”: NOPE."),
    ("EMP / (2 - 2)", "COUNT", "At position 7 of “EMP / (2 - 2)”: division by zero."),
    ("EMP", "COUNT / 0", "At position 9 of “COUNT / 0”: division by zero."),
    ("(" * 60 + "EMP" + ")" * 60, "COUNT", "At position 51 of “" + "(" * 60 + "EMP" + ")" * 60
     + "”: the expression is nested too deeply (more than 50 levels)."),
    ("-" * 499 + "EMP", "COUNT", "Field cannot be longer than 500 characters."),
    ("(" * 499 + "EMP" + ")" * 499, "COUNT", "Field cannot be longer than 500 characters."),
])
def test_invalid_rules_are_refused_with_the_position(secretariat, tx, left, right, field_message):
    response = secretariat.post("/projects/TESTPRJ/rules", data={**RULE, "left": left, "right": right})
    assert response.status_code == 400
    assert field_message in response.get_data(as_text=True)
    assert tx.scalar(select(ValidationRule).where(ValidationRule.left_expression == left,
                                                  ValidationRule.right_expression == right)) is None


def test_rule_errors_in_french(secretariat):
    response = secretariat.post("/projects/TESTPRJ/rules", data={**RULE, "left": "EMP +"},
                        headers={"Accept-Language": "fr"})
    assert "À la position 6 de «\u00a0EMP +\u00a0»\u00a0: l’expression s’arrête trop tôt." in \
        response.get_data(as_text=True)


def test_nesting_and_division_errors_in_french(secretariat):
    response = secretariat.post("/projects/TESTPRJ/rules", data={**RULE, "left": "EMP ÷ 0"}, headers={"Accept-Language": "fr"})
    assert response.status_code == 400
    assert "À la position 7 de «\u00a0EMP ÷ 0\u00a0»\u00a0: division par zéro." in response.get_data(as_text=True)
    response = secretariat.post("/projects/TESTPRJ/rules", data={**RULE, "right": "-" * 51 + "COUNT"},
                        headers={"Accept-Language": "fr"})
    assert response.status_code == 400
    assert "l’expression est imbriquée trop profondément (plus de 50 niveaux)" in response.get_data(as_text=True)


def test_valid_rule_is_saved_and_applied(secretariat, tx, client):
    response = secretariat.post("/projects/TESTPRJ/rules", data={**RULE, "left": "EMP + 2", "operator": "<",
                                                         "right": "COUNT × 1"})
    assert response.status_code == 302
    rule = tx.scalar(select(ValidationRule).where(ValidationRule.left_expression == "EMP + 2"))
    assert rule.code == "R2" and rule.is_active
    response = secretariat.post(f"/projects/TESTPRJ/rules/{rule.id}/deactivate")
    assert response.status_code == 302
    assert not tx.scalar(select(ValidationRule).where(ValidationRule.id == rule.id)).is_active


def test_open_and_close_periods(secretariat, tx):
    response = secretariat.post("/periods", data={"code": "2031-q2", "status": "open", "due_date": "2031-07-31"})
    assert response.status_code == 302
    period = tx.scalar(select(ReportingPeriod).where(ReportingPeriod.code == "2031Q2"))
    assert period.status is PeriodStatus.OPEN and period.due_date == dt.date(2031, 7, 31)
    secretariat.post("/periods", data={"code": "2031Q2", "status": "closed"})
    period = tx.scalar(select(ReportingPeriod).where(ReportingPeriod.code == "2031Q2"))
    assert period.status is PeriodStatus.CLOSED and period.closed_at is not None
    response = secretariat.post("/periods", data={"code": "20X1", "status": "open"})
    assert response.status_code == 400
    assert "Write a period like 2023Q1." in response.get_data(as_text=True)


def test_completeness_states_and_rates(tx, user):
    table = completeness.build(user("secretariat@example.org"),
                               completeness.reporting_periods("2020Q1", "2020Q4"), today=dt.date(2026, 1, 1))
    rows = {project.code: (cells, tally) for project, cells, tally in table.rows}
    cells, tally = rows["PALIM"]
    states = [c.state for c in cells]
    assert states[:2] == ["approved", "approved"]  # 2020Q1, 2020Q2
    assert states[2] in ("on_time", "late")  # 2020Q3 submitted
    assert states[3] == "missing"  # 2020Q4 still a draft, past due
    assert tally.expected == 4 and tally.received == 3
    assert tally.rate(tally.received) == 0.75
    assert sum(t.counts["missing"] for t in table.by_period) == table.total.counts["missing"]
    sami_cells, sami = rows["SAMI-NP"]  # SAMI-NP reported 2011–2013 in the demo: nothing handed in for 2020
    assert all(c.state in ("", "missing") for c in sami_cells)


def test_completeness_page_renders_in_both_languages(secretariat):
    html = secretariat.get("/completeness?from=2020Q1&to=2020Q4").get_data(as_text=True)
    assert "Completeness" in html and "Q4 2020" in html and "missing" in html
    html = secretariat.get("/completeness?from=2020Q1&to=2020Q4", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Complétude" in html and "T4 2020" in html and "manquante" in html
    assert secretariat.get("/completeness?from=garbage").status_code == 200


def test_project_page_shows_progress_towards_the_end_target(client, login):
    login("secretariat@example.org")
    html = client.get("/projects/SAMI-NP").get_data(as_text=True)
    assert "Actual to date" in html and "Of the end target" in html and "<meter" in html
