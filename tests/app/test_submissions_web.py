"""Every finding code end to end through the web form, and the workflow in both languages."""
import re

import pytest
from sqlalchemy import func, select

from meapp.audit.models import AuditEvent
from meapp.submissions.models import Submission, SubmissionStatus

URL = "/projects/TESTPRJ/periods"



@pytest.fixture
def as_implementer(client, prj):
    with client.session_transaction() as session:
        session["_user_id"] = prj["implementer"]
    return client


def page_version(client, period="2024Q1") -> str:
    """The version the grid page shows, as a person's browser would send it back."""
    page = client.get(f"{URL}/{period}").get_data(as_text=True)
    found = re.search(r'name="version" value="(\d+)"', page)
    return found.group(1) if found else "0"


def save(client, cells, period="2024Q1", lang="en", **extra):
    data = {f"v|{k}": v for k, v in cells.items()}
    data.update(extra)
    data.setdefault("version", page_version(client, period))
    response = client.post(f"{URL}/{period}/save", data=data, headers={"Accept-Language": lang})
    page = client.get(f"{URL}/{period}", headers={"Accept-Language": lang}).get_data(as_text=True)
    return response, page


def current(tx, period="2024Q1"):
    return tx.scalar(select(Submission).where(Submission.period == period, Submission.project.has(code="TESTPRJ")))


def stored_codes(tx, period="2024Q1"):
    submission = tx.scalar(select(Submission).join(Submission.project).where(Submission.period == period)
                           .where(Submission.project.has(code="TESTPRJ")))
    return sorted({f.code for f in submission.findings}) if submission else []


BASE = {"COUNT|": "30"}
CASES = [
    ("not_a_number", {"EMP|": "twelve"}, "“twelve” is not a number."),
    ("too_many_decimals", {"EMP|": "12.5"}, "12.5 has more than 0 decimals."),
    ("below_minimum", {"RANGED|": "2"}, "2 is below the minimum of 5."),
    ("above_maximum", {"RANGED|": "231"}, "231 is above the maximum of 230."),
    ("percent_out_of_bounds", {"PCT|": "120"}, "A percentage must lie between 0 and 100, not 120."),
    ("negative_count", {"EMP|": "-4"}, "A count cannot be negative (-4)."),
    ("disaggregation_sum_mismatch", {"COUNT|sex=F": "10", "COUNT|sex=M": "19"},
     "The parts by Sex add up to 29, but the total is 30."),
    ("cumulative_decrease", {"STOCK|": "7"}, "This running total went down from 8 in Q4 2023 to 7."),
    ("target_exceeded", {"COUNT|": "41"}, "41 exceeds the target of 40 for this period."),
    ("outlier", {"EMP|": "29"}, "29 is far from this project&#39;s usual values"),
    ("rule_violated", {"EMP|": "31", "COUNT|": "30"}, "(Employed cannot exceed trained.)"),
]


@pytest.mark.parametrize("code, cells, message", CASES, ids=[c[0] for c in CASES])
def test_finding_through_the_web_form(as_implementer, tx, code, cells, message):
    response, page = save(as_implementer, {**BASE, **cells})
    assert response.status_code == 302
    assert code in stored_codes(tx)
    assert message in page


def audit_count(tx) -> int:
    return tx.scalar(select(func.count()).select_from(AuditEvent))


def test_unknown_indicators_and_categories_refuse_the_whole_save(as_implementer, tx):
    before = audit_count(tx)
    response = as_implementer.post(f"{URL}/2024Q1/save", data={"v|COUNT|": "30", "v|NOPE|": "3",
                                                                 "v|COUNT|sex=X": "2", "version": "0"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "NOPE" in html and "COUNT sex=X" in html and "Nothing was saved." in html
    assert current(tx) is None and audit_count(tx) == before  # no draft, no finding rows, no audit


def test_many_unknown_cells_store_nothing(as_implementer, tx):
    fields = {f"v|X{n}|": "1" for n in range(2000)}
    response = as_implementer.post(f"{URL}/2024Q1/save", data={**fields, "version": "0"})
    assert response.status_code == 400
    assert current(tx) is None


def test_a_save_without_its_version_is_refused(as_implementer, tx):
    save(as_implementer, BASE)
    before = audit_count(tx)
    response = as_implementer.post(f"{URL}/2024Q1/save", data={"v|EMP|": "3"})
    assert response.status_code == 400
    assert "reload the page" in response.get_data(as_text=True)
    assert audit_count(tx) == before


def test_required_missing_and_french_messages(as_implementer, tx):
    response, page = save(as_implementer, {"EMP|": "1,5"}, lang="fr")
    assert "required_missing" in stored_codes(tx)
    assert "Cet indicateur est obligatoire et n’a pas de valeur." in page
    assert "1,5 compte plus de 0 décimale(s)." in page  # read as 1.5 in French, shown back in French


@pytest.mark.parametrize("period", ["2030Q1", "2099Q1", "1900Q1", "2022Q4"])
def test_periods_outside_the_project_take_nothing(as_implementer, tx, period):
    before = audit_count(tx)
    assert as_implementer.get(f"{URL}/{period}").status_code == 404
    response = as_implementer.post(f"{URL}/{period}/save", data={"v|COUNT|": "1", "version": "0"})
    assert response.status_code == 404
    assert current(tx, period) is None and audit_count(tx) == before


def test_a_closed_period_says_so_and_takes_nothing(as_implementer, tx, prj):
    from meapp.submissions.models import ReportingPeriod

    save(as_implementer, BASE)
    tx.scalar(select(ReportingPeriod).where(ReportingPeriod.code == "2024Q1")).status = "closed"
    tx.commit()
    before, version = audit_count(tx), current(tx).version
    for lang, message in (("en", "The reporting period Q1 2024 is closed: only the secretariat can reopen it."),
                          ("fr", "La période de rapport T1 2024 est close")):
        response = as_implementer.post(f"{URL}/2024Q1/save", data={"v|EMP|": "3", "version": str(version)},
                                       headers={"Accept-Language": lang})
        assert response.status_code == 409
        assert message in response.get_data(as_text=True)
    assert audit_count(tx) == before and current(tx).version == version


def test_a_closed_period_refuses_a_first_draft_too(as_implementer, tx, prj):
    from meapp.submissions.models import ReportingPeriod

    tx.scalar(select(ReportingPeriod).where(ReportingPeriod.code == "2024Q1")).status = "closed"
    tx.commit()
    response = as_implementer.post(f"{URL}/2024Q1/save", data={"v|EMP|": "3", "version": "0"})
    assert response.status_code == 409
    assert current(tx) is None


def test_an_approved_period_says_approved(client, prj, tx):
    with client.session_transaction() as session:
        session["_user_id"] = prj["implementer"]
    before = audit_count(tx)
    response = client.post(f"{URL}/2023Q4/save", data={"v|EMP|": "3", "version": str(current(tx, "2023Q4").version)})
    assert response.status_code == 409
    assert "already approved" in response.get_data(as_text=True)
    assert audit_count(tx) == before


def test_text_kept_as_typed_and_control_characters_refused(as_implementer, tx):
    save(as_implementer, {**BASE, "EMP|": "12 people"})
    page = as_implementer.get(f"{URL}/2024Q1").get_data(as_text=True)
    assert 'value="12 people"' in page  # nothing typed is lost, even unreadable
    assert "not_a_number" in stored_codes(tx)
    response = as_implementer.post(f"{URL}/2024Q1/save", data={"v|EMP|": "13", "v|NOTE|": "bad\x1btext",
                                                                "version": page_version(as_implementer)})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "invisible control characters" in html and 'value="13"' in html and "badtext" in html
    page = as_implementer.get(f"{URL}/2024Q1").get_data(as_text=True)
    assert 'value="12 people"' in page  # the refused save wrote nothing


def test_full_workflow_fill_fix_submit_return_approve(client, prj, tx):
    with client.session_transaction() as session:
        session["_user_id"] = prj["implementer"]
    # Fill with an error and a warning.
    save(client, {"COUNT|": "30", "COUNT|sex=F": "10", "COUNT|sex=M": "19", "EMP|": "29"})
    page = client.get(f"{URL}/2024Q1").get_data(as_text=True)
    assert 'disabled aria-disabled="true"' in page
    version = int(re.search(r'name="version" value="(\d+)"', page).group(1))
    # Fix the error, keep the outlier warning.
    response, page = save(client, {"COUNT|sex=M": "20"}, version=str(version))
    assert "disaggregation_sum_mismatch" not in stored_codes(tx) and "outlier" in stored_codes(tx)
    # Submitting without a justification is refused.
    version = int(re.search(r'name="version" value="(\d+)"', page).group(1))
    client.post(f"{URL}/2024Q1/submit", data={"version": version})
    page = client.get(f"{URL}/2024Q1").get_data(as_text=True)
    assert "Warnings still without a written justification: 1." in page
    key = re.search(r'name="j\|([^"]+)"', page).group(1)
    version = int(re.search(r'name="version" value="(\d+)"', page).group(1))
    response = client.post(f"{URL}/2024Q1/submit", data={"version": version,
                                                          f"j|{key}": "A cohort of 29 found jobs at once."})
    assert response.status_code == 302
    submission = current(tx)
    assert submission.status is SubmissionStatus.SUBMITTED
    # The donor returns it with a reason, in French.
    with client.session_transaction() as session:
        session["_user_id"] = prj["donor"]
    page = client.get(f"{URL}/2024Q1", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Renvoyer au partenaire de mise en œuvre" in page
    response = client.post(f"{URL}/2024Q1/return", data={"reason": "Joindre les feuilles de présence",
                                                          "version": submission.version})
    assert response.status_code == 302
    submission = current(tx)
    assert submission.status is SubmissionStatus.RETURNED
    # The implementer sees the reason, edits (back to draft) and submits again.
    with client.session_transaction() as session:
        session["_user_id"] = prj["implementer"]
    page = client.get(f"{URL}/2024Q1").get_data(as_text=True)
    assert "Joindre les feuilles de présence" in page
    save(client, {"PCT|": "45.5"})
    submission = current(tx)
    assert submission.status is SubmissionStatus.DRAFT
    client.post(f"{URL}/2024Q1/submit", data={"version": page_version(client)})
    submission = current(tx)
    assert submission.status is SubmissionStatus.SUBMITTED  # the justification survived re-validation
    # The donor approves: locked.
    with client.session_transaction() as session:
        session["_user_id"] = prj["donor"]
    assert client.post(f"{URL}/2024Q1/approve", data={"version": submission.version}).status_code == 302
    submission = current(tx)
    assert submission.status is SubmissionStatus.APPROVED and submission.is_locked
    # Nobody edits it any more.
    with client.session_transaction() as session:
        session["_user_id"] = prj["implementer"]
    response = client.post(f"{URL}/2024Q1/save", data={"v|PCT|": "50", "version": submission.version})
    assert response.status_code == 409
    assert "already approved" in response.get_data(as_text=True)
    actions = [e.action for e in tx.scalars(select(AuditEvent).where(AuditEvent.submission_id == submission.id)
                                            .order_by(AuditEvent.id))]
    for expected in ("value.create", "value.update", "finding.justify", "submission.submit", "submission.return",
                     "submission.reopen_draft", "submission.approve"):
        assert expected in actions


def test_conflict_keeps_what_was_typed_and_shows_the_difference(as_implementer, tx):
    save(as_implementer, BASE)
    page = as_implementer.get(f"{URL}/2024Q1").get_data(as_text=True)
    version = int(re.search(r'name="version" value="(\d+)"', page).group(1))
    # Someone else saves first.
    as_implementer.post(f"{URL}/2024Q1/save", data={"v|EMP|": "11", "o|EMP|": "", "version": version})
    # This page still has the old version.
    response = as_implementer.post(f"{URL}/2024Q1/save", data={"v|EMP|": "12", "o|EMP|": "", "version": version})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone else saved this submission" in html
    assert 'value="12"' in html  # mine, kept
    assert "<strong>12</strong>" in html and "<td>11</td>" in html


def test_value_history_lists_every_change(as_implementer, tx):
    save(as_implementer, {**BASE, "EMP|": "10"})
    save(as_implementer, {"EMP|": "12"}, **{"c|EMP|": "corrected after audit"})
    html = as_implementer.get(f"{URL}/2024Q1/history?indicator=EMP").get_data(as_text=True)
    assert "value entered" in html and "value changed" in html
    assert "corrected after audit" in html
    assert html.index("value entered") < html.index("value changed")


def test_donor_sees_no_draft_values(client, prj, tx):
    with client.session_transaction() as session:
        session["_user_id"] = prj["implementer"]
    save(client, {"COUNT|": "30", "EMP|": "17"})
    with client.session_transaction() as session:
        session["_user_id"] = prj["donor"]
    page = client.get(f"{URL}/2024Q1").get_data(as_text=True)
    assert 'value="17"' not in page
    assert "has not submitted this period yet" in page
    assert client.post(f"{URL}/2024Q1/save", data={"v|EMP|": "1"}).status_code == 403


def test_reopen_needs_the_secretariat_and_a_reason(client, prj, tx, user):
    with client.session_transaction() as session:
        session["_user_id"] = prj["donor"]
    assert client.post(f"{URL}/2023Q4/reopen", data={"reason": "x"}).status_code == 403
    with client.session_transaction() as session:
        session["_user_id"] = user("secretariat@example.org").session_token
    assert client.post(f"{URL}/2023Q4/reopen", data={"reason": ""}).status_code == 400
    version = current(tx, "2023Q4").version
    assert client.post(f"{URL}/2023Q4/reopen", data={"reason": "Typo in COUNT"}).status_code == 400  # no version
    assert client.post(f"{URL}/2023Q4/reopen", data={"reason": "Typo in COUNT", "version": version}).status_code == 302
    submission = tx.scalar(select(Submission).where(Submission.period == "2023Q4",
                                                    Submission.project.has(code="TESTPRJ")))
    assert submission.status is SubmissionStatus.DRAFT and not submission.is_locked
    assert submission.reopen_reason == "Typo in COUNT"


def _form_fields(page: str) -> dict:
    form = page[page.index('id="grid-form"'):page.index("</form>", page.index('id="grid-form"'))]
    fields = dict(re.findall(r'<input[^>]*?name="([^"]+)" value="([^"]*)"', form))
    fields.update(re.findall(r'<input[^>]*?id="[^"]*" name="([^"]+)" value="([^"]*)"', form))
    return fields


def test_saving_an_untouched_page_changes_nothing(as_implementer, tx):
    save(as_implementer, {**BASE, "PCT|": "45.5", "COUNT|sex=F": "10", "COUNT|sex=M": "20"})
    before = tx.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "value.update"))
    for lang in ("en", "fr"):
        page = as_implementer.get(f"{URL}/2024Q1", headers={"Accept-Language": lang}).get_data(as_text=True)
        fields = _form_fields(page)
        assert fields["v|PCT|"] == ("45,5" if lang == "fr" else "45.5")
        response = as_implementer.post(f"{URL}/2024Q1/save", data=fields, headers={"Accept-Language": lang})
        assert response.status_code == 302
    after = tx.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "value.update"))
    assert after == before


def test_first_save_of_a_page_opened_before_anyone_saved_is_a_conflict(as_implementer, tx):
    as_implementer.post(f"{URL}/2024Q1/save", data={"v|EMP|": "123", "version": "0"})
    response = as_implementer.post(f"{URL}/2024Q1/save", data={"narrative_en": "late page", "version": "0",
                                                                "v|EMP|": "", "c|EMP|": "", "o|EMP|": ""})
    assert response.status_code == 409
    submission = current(tx)
    assert next(v for v in submission.values if v.indicator.code == "EMP").value == 123


def test_saving_again_after_a_conflict_keeps_my_values(as_implementer, tx):
    save(as_implementer, {**BASE, "COUNT|sex=F": "2"})
    page = as_implementer.get(f"{URL}/2024Q1").get_data(as_text=True)
    version = int(re.search(r'name="version" value="(\d+)"', page).group(1))
    as_implementer.post(f"{URL}/2024Q1/save", data={"v|COUNT|sex=F": "4", "o|COUNT|sex=F": "2", "version": version})
    conflict = as_implementer.post(f"{URL}/2024Q1/save", data={"v|COUNT|sex=F": "7", "o|COUNT|sex=F": "2",
                                                                "version": version})
    assert conflict.status_code == 409
    fields = _form_fields(conflict.get_data(as_text=True))
    assert fields["v|COUNT|sex=F"] == "7" and fields["o|COUNT|sex=F"] == "4"  # mine shown, theirs as original
    assert as_implementer.post(f"{URL}/2024Q1/save", data=fields).status_code == 302
    assert next(v for v in current(tx).values if v.combination == "sex=F").value == 7


@pytest.mark.parametrize("value", ["9e999999", "0.00006"])
def test_numbers_the_column_cannot_hold_are_kept_as_typed(as_implementer, tx, value):
    save(as_implementer, {**BASE, "EMP|": value})
    row = next(v for v in current(tx).values if v.indicator.code == "EMP")
    assert row.value is None and row.text_value == value
    assert as_implementer.get("/projects/TESTPRJ").status_code == 200


@pytest.mark.parametrize("url", [f"{URL}/2024H1", f"{URL}/2024", f"{URL}/20x4"])
def test_periods_of_another_frequency_are_404(as_implementer, url):
    assert as_implementer.get(url).status_code == 404
    assert as_implementer.post(url + "/save", data={"v|COUNT|": "1"}).status_code == 404


def test_far_future_period_is_404_not_a_500(as_implementer, tx):
    assert as_implementer.get(f"{URL}/2999Q4").status_code == 404
    assert as_implementer.post(f"{URL}/2999Q4/save", data={"v|COUNT|": "1", "version": "0"}).status_code == 404
    assert current(tx, "2999Q4") is None


def test_value_audit_events_carry_the_value_id(as_implementer, tx):
    save(as_implementer, BASE)
    event = tx.scalar(select(AuditEvent).where(AuditEvent.action == "value.create",
                                               AuditEvent.entity_key == "TESTPRJ/2024Q1/COUNT/"))
    assert event.entity_id is not None


def test_parts_that_do_not_add_up_are_marked(as_implementer):
    save(as_implementer, {"COUNT|": "30", "COUNT|sex=F": "10", "COUNT|sex=M": "19"})
    page = as_implementer.get(f"{URL}/2024Q1").get_data(as_text=True)
    assert re.search(r'name="v\|COUNT\|sex=F" value="10"[^>]*aria-invalid="true"', page)
    assert page.count("The parts by Sex add up to 29") == 1  # still listed once


@pytest.mark.parametrize("value, message", [
    ("9999999999999999999999999", "is above the maximum of"),
    ("9" * 10_000, "is not a number"),
    ("1e9999999", "“1e9999999” is not a number."),
    ("-1e-9999999", "is not a number"),
    ("1e5", "“1e5” is not a number."),
    ("NaN", "“NaN” is not a number."),
    ("Infinity", "is not a number"),
    ("0x10", "is not a number"),
])
def test_numbers_no_one_can_use_are_findings_and_every_page_still_opens(as_implementer, tx, user, value, message):
    response = as_implementer.post(f"{URL}/2024Q1/save", data={"v|COUNT|": "30", "v|EMP|": value,
                                                                "version": page_version(as_implementer)})
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        for lang in ("en", "fr"):
            page = as_implementer.get(f"{URL}/2024Q1", headers={"Accept-Language": lang})
            assert page.status_code == 200
        assert message in as_implementer.get(f"{URL}/2024Q1").get_data(as_text=True)
        assert as_implementer.get("/projects/TESTPRJ").status_code == 200
        with as_implementer.session_transaction() as session:
            session["_user_id"] = user("secretariat@example.org").session_token
        assert as_implementer.get(f"{URL}/2024Q1").status_code == 200
        assert as_implementer.get(f"{URL}/2024Q1/history?indicator=EMP").status_code == 200


def test_a_stored_zero_can_be_submitted(as_implementer, tx):
    """A count of 0 and a yes/no answered "no" once blocked submission for ever (0.0000 read back)."""
    save(as_implementer, {"COUNT|": "33", "COUNT|sex=F": "0", "COUNT|sex=M": "33", "EMP|": "11", "FLAG|": "no",
                          "PCT|": "0"})
    response = as_implementer.post(f"{URL}/2024Q1/submit", data={"version": page_version(as_implementer)})
    assert response.status_code == 302
    assert current(tx).status is SubmissionStatus.SUBMITTED, [(f.code, f.params) for f in current(tx).findings]
    assert "too_many_decimals" not in stored_codes(tx)


def test_a_form_with_thousands_of_invented_fields_is_refused_before_any_view(as_implementer, tx, app):
    fields = {f"v|X{n}|": "1" for n in range(20_000)}
    response = as_implementer.post(f"{URL}/2024Q1/save", data={**fields, "version": "0"})
    assert response.status_code == 413
    assert "more than 5000 fields" in response.get_data(as_text=True)
    assert current(tx) is None


def test_the_largest_demo_grid_stays_well_under_the_field_limit(client, login, app):
    login("secretariat@example.org")
    largest = 0
    for code in ("LINK-IT", "PALIM", "MENTOR-2", "MATCH"):
        page = client.get(f"/projects/{code}").get_data(as_text=True)
        period = re.search(rf'/projects/{code}/periods/(\d{{4}}Q\d)', page).group(1)
        grid = client.get(f"/projects/{code}/periods/{period}").get_data(as_text=True)
        largest = max(largest, len(re.findall(r'<(?:input|textarea)[^>]* name="', grid)))
    assert 0 < largest * 4 < app.config["MAX_FORM_FIELDS"]


def test_the_service_turns_only_a_stale_version_into_a_conflict_and_never_rolls_back(monkeypatch, tx):
    """An integrity error that is not a concurrent creation is a bug: it surfaces, it is not 'someone saved'."""
    from sqlalchemy.exc import IntegrityError
    from sqlalchemy.orm.exc import StaleDataError

    from meapp.errors import ConflictError
    from meapp.extensions import db
    from meapp.submissions import service

    rollbacks = []
    monkeypatch.setattr(db.session, "rollback", lambda: rollbacks.append(1))

    def failing(error):
        def flush():
            raise error
        return flush

    monkeypatch.setattr(db.session, "flush", failing(IntegrityError("INSERT", {}, Exception("fk"))))
    with pytest.raises(IntegrityError):
        service._flush(None)
    with pytest.raises(ConflictError):
        service._flush(None, creating=True)  # two first saves of the same period
    monkeypatch.setattr(db.session, "flush", failing(StaleDataError("version")))
    with pytest.raises(ConflictError):
        service._flush(None)
    assert rollbacks == []  # the caller owns the transaction


def test_a_stored_cell_the_logframe_no_longer_offers_does_not_block_later_saves(as_implementer, tx, prj):
    """Refuse only the unknown cells a request names: an old stored one stays a finding, not a wall."""
    from meapp.logframes.models import Indicator

    save(as_implementer, {"COUNT|": "30", "COUNT|sex=F": "10", "COUNT|sex=M": "20"})
    count = tx.scalar(select(Indicator).where(Indicator.code == "COUNT", Indicator.project_id == prj.project_id))
    count.disaggregation_types.clear()  # the logframe no longer splits COUNT by sex
    tx.commit()
    response, page = save(as_implementer, {"COUNT|": "31"})
    assert response.status_code == 302
    assert next(v for v in current(tx).values if v.combination == "").value == 31
    assert "unknown_category" in stored_codes(tx)


def test_a_report_stored_before_the_dates_moved_stays_readable_not_writable(as_implementer, tx, prj):
    import datetime as dt

    from meapp.projects.models import Project

    project = tx.get(Project, prj.project_id)
    project.end_date = dt.date(2023, 9, 30)  # 2023Q4 (approved) now lies after the project's end
    tx.commit()
    assert as_implementer.get(f"{URL}/2023Q4").status_code == 200
    assert as_implementer.get(f"{URL}/2023Q4/history?indicator=EMP").status_code == 200
    response = as_implementer.post(f"{URL}/2023Q4/save", data={"v|EMP|": "1", "version": "9"})
    assert response.status_code == 404
    assert as_implementer.get(f"{URL}/2024Q2").status_code == 404  # nothing stored there: not a period of it
