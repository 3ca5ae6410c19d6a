"""A retired indicator (issue 11): no longer asked for from the reports handed in after its retirement —
not an input, not required, not validated, refused by imports, not expected by the documents — while the
reports handed in before keep it, with their values, everywhere they are shown. Reinstating brings it back.

The rule is submissions.queries.retired_for; PALIM's EMPLOYED (with values in every demo quarter) is retired
as the secretariat: 2019Q1–2020Q2 are approved and 2020Q3 submitted (all handed in long before), 2020Q4 is
the open draft, 2021Q1 not reported yet.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import re
from dataclasses import replace
from decimal import Decimal

import openpyxl
import pytest
from babel.dates import format_date
from docx import Document
from sqlalchemy import select

from meapp.errors import BlockedError
from meapp.logframes import queries as logframe_queries
from meapp.logframes import service as logframe_service
from meapp.projects.models import Project
from meapp.reports import loader
from meapp.reports.i18n import Lang
from meapp.reports.iptt import build_iptt
from meapp.reports.model import build_progress_report
from meapp.submissions import completeness, queries, service
from meapp.submissions.models import ReportingPeriod, Submission, SubmissionStatus, Value
from meapp.submissions.rules import ValueEntry
from meapp.validation import (
    FindingCode,
    IndicatorSpec,
    PeriodContext,
    RawValue,
    RuleSpec,
    ValidationInput,
    validate,
)

SECRETARIAT = "secretariat@example.org"
IMPLEMENTER = "impl.belgium@example.org"
DONOR = "donor.eu-dg-home@example.org"
REASON = "The partners no longer track employment after training"
TODAY = dt.date(2026, 12, 1)


def palim(tx) -> Project:
    return tx.scalar(select(Project).where(Project.code == "PALIM"))


def set_retired(tx, user, retired: bool = True) -> None:
    """Retire (or reinstate) EMPLOYED through the one logframe write path, as the secretariat, and commit."""
    project = palim(tx)
    spec = logframe_queries.spec_of(project)
    logframe_service.apply_logframe(project, user(SECRETARIAT),
                                    spec.with_indicator(replace(spec.indicator("EMPLOYED"), retired=retired)),
                                    reason=REASON)
    tx.commit()


def employed(tx):
    return logframe_queries.indicator_of(palim(tx), "EMPLOYED")


def submission(tx, period: str) -> Submission:
    return queries.find_submission(palim(tx), period)


def grid_html(client, period: str) -> str:
    response = client.get(f"/projects/PALIM/periods/{period}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def inputs_of(html: str, code: str) -> list[str]:
    return re.findall(rf'name="v\|{code}\|[^"]*"', html)


# --- the rule, alone --------------------------------------------------------------------------------------


def test_the_rule_spares_only_the_reports_handed_in_before_the_retirement():
    retired = dt.datetime(2026, 12, 1, 9, 0)
    assert not queries.retired_for(None, None)  # not retired: asked for everywhere
    assert not queries.retired_for(None, dt.datetime(2027, 1, 1))
    assert not queries.retired_for(retired, dt.datetime(2020, 10, 25))  # handed in before: kept
    assert not queries.retired_for(retired, retired)
    assert queries.retired_for(retired, retired + dt.timedelta(seconds=1))  # handed in after: not asked
    assert queries.retired_for(retired, None)  # a draft or a period not reported yet: not asked


def test_the_engine_refuses_a_value_for_a_retired_indicator_and_judges_no_rule_over_it():
    def run(values, strategy="never_skip"):
        return validate(ValidationInput(
            project="P", context=PeriodContext("2024Q1"),
            indicators=(IndicatorSpec("TRAINED"),),
            values=tuple(RawValue(code, value) for code, value in values),
            rules=(RuleSpec("R2", "EMPLOYED", "<=", "TRAINED", missing_value_strategy=strategy),
                   RuleSpec("R3", "TRAINED", ">=", "1")),
            retired={"EMPLOYED": dt.date(2026, 12, 1)}))

    result = run([("TRAINED", "10")])
    assert result.findings == ()  # EMPLOYED neither required nor a missing operand of R2
    result = run([("TRAINED", "0"), ("EMPLOYED", "7")])
    assert [(f.code, f.indicator, f.params) for f in result.findings] == [
        (FindingCode.RULE_VIOLATED, "", result.findings[0].params),
        (FindingCode.RETIRED_INDICATOR, "EMPLOYED", {"name": "EMPLOYED", "date": "2026-12-01"})]
    assert result.findings[0].params["rule"] == "R3"  # R2 names a retired indicator: not judged
    assert result.errors[-1].severity == "error"


# --- the grid, the required check and submitting ----------------------------------------------------------


def test_the_open_draft_no_longer_offers_it_and_earlier_periods_still_show_it(client, login, tx, user):
    login(IMPLEMENTER)
    draft = grid_html(client, "2020Q4")
    assert len(inputs_of(draft, "EMPLOYED")) == 4  # total, F, M, BE
    assert "exceeds the target" in draft  # a finding stored about EMPLOYED
    set_retired(tx, user)
    day = format_date(employed(tx).retired_at.date(), "medium", locale="en")

    draft = grid_html(client, "2020Q4")
    assert inputs_of(draft, "EMPLOYED") == []
    assert inputs_of(draft, "TRAINED")  # the others are still asked for
    kept = draft[draft.index('id="retired-title"'):]
    assert "Retired indicators" in kept and "<code>EMPLOYED</code>" in kept and day in kept
    stored = next(v for v in submission(tx, "2020Q4").values
                  if v.indicator_id == employed(tx).id and v.combination == "")
    assert f"<td>{format(stored.value.normalize(), 'f')}</td>" in kept  # kept as it was, not counted
    assert "exceeds the target" not in draft  # the stored finding about EMPLOYED no longer applies

    assert len(inputs_of(grid_html(client, "2021Q1"), "EMPLOYED")) == 0  # not reported yet: not asked either

    approved = grid_html(client, "2020Q2")  # handed in long before: shown read-only, with its value
    assert len(inputs_of(approved, "EMPLOYED")) == 4
    value = next(v for v in submission(tx, "2020Q2").values if v.indicator_id == employed(tx).id and not v.combination)
    assert f'name="v|EMPLOYED|" value="{format(value.value.normalize(), "f")}"' in approved
    assert f"retired on {day}" in approved and 'id="retired-title"' not in approved


def test_submitting_is_no_longer_blocked_by_it_missing(tx, user):
    project, impl = palim(tx), user(IMPLEMENTER)
    cells = [ValueEntry("EMPLOYED", None, c) for c in ("", "sex=F", "sex=M", "destination_country=BE")]
    service.save(project, "2020Q4", impl, cells)
    tx.commit()
    with pytest.raises(BlockedError) as caught:
        service.submit(project, "2020Q4", impl)
    assert ("required_missing", "EMPLOYED") in {(f.code.value, f.indicator) for f in caught.value.findings}
    tx.commit()

    set_retired(tx, user)
    warnings = service.revalidate(project, submission(tx, "2020Q4")).warnings
    done = service.submit(project, "2020Q4", impl, justifications={f.key: "Checked with the partners"
                                                                   for f in warnings})
    assert done.status is SubmissionStatus.SUBMITTED
    assert not [f for f in done.findings if "EMPLOYED" in (f.indicator_code, str(f.params))]


# --- imports and exports ----------------------------------------------------------------------------------


def load(runner, tmp_path, values, email=IMPLEMENTER, period="2020Q4"):
    path = tmp_path / "load.json"
    path.write_text(json.dumps({"project": "PALIM", "period": period, "values": values}), encoding="utf-8")
    return runner.invoke(args=["submissions", "load", str(path), "--as", email])


@pytest.mark.parametrize("lang, finding, refusal", [
    ("en", "Indicator EMPLOYED was retired on {day} and is not reported for this period: its value is refused.",
     "Indicators retired for this period take no value: EMPLOYED. Nothing was saved."),
    ("fr", "L’indicateur EMPLOYED a été retiré le {day} et n’est pas déclaré pour cette période\u00a0: sa valeur "
           "est refusée.",
     "Les indicateurs retirés pour cette période ne prennent aucune valeur\u00a0: EMPLOYED. Rien n’a été enregistré."),
])
def test_loading_a_value_for_it_is_refused_naming_it(runner, tx, tmp_path, user, lang, finding, refusal):
    user(IMPLEMENTER).locale = lang
    set_retired(tx, user)
    before = {(v.indicator_id, v.combination): v.value for v in submission(tx, "2020Q4").values}
    day = format_date(employed(tx).retired_at.date(), "medium", locale=lang)

    result = load(runner, tmp_path, [{"indicator": "TRAINED", "value": "40"}, {"indicator": "EMPLOYED", "value": "7"},
                                     {"indicator": "EMPLOYED", "categories": {"sex": "F"}, "value": "3"}])
    assert result.exit_code == 1, result.output
    refused = [f for f in json.loads(result.stdout) if f["code"] == "retired_indicator"]
    assert refused == [{"code": "retired_indicator", "severity": "error", "indicator": "EMPLOYED",
                        "categories": categories, "message": finding.format(day=day)}
                       for categories in ({}, {"sex": "F"})]
    assert refusal in result.stderr
    tx.expire_all()
    assert {(v.indicator_id, v.combination): v.value for v in submission(tx, "2020Q4").values} == before


def test_a_kept_value_can_be_cleared_and_exports_leave_it_out(runner, tx, tmp_path, user):
    set_retired(tx, user)
    exported = json.loads(runner.invoke(args=["submissions", "export", "PALIM", "2020Q4"]).stdout)
    assert "EMPLOYED" not in {row["indicator"] for row in exported["values"]}
    assert "TRAINED" in {row["indicator"] for row in exported["values"]}
    # What export prints loads back unchanged: it never names an indicator the period does not report.
    result = load(runner, tmp_path, exported["values"])
    assert result.exit_code == 0, result.output
    assert "EMPLOYED" in {row["indicator"] for row in json.loads(
        runner.invoke(args=["submissions", "export", "PALIM", "2020Q2"]).stdout)["values"]}

    result = load(runner, tmp_path, [{"indicator": "EMPLOYED", "value": None}])  # no figure: accepted
    assert result.exit_code == 0, result.output
    tx.expire_all()
    assert (employed(tx).id, "") not in {(v.indicator_id, v.combination) for v in submission(tx, "2020Q4").values}


def test_the_web_form_refuses_a_value_for_it_too(client, login, tx, user):
    set_retired(tx, user)
    login(IMPLEMENTER)
    version = submission(tx, "2020Q4").version
    response = client.post("/projects/PALIM/periods/2020Q4/save",
                           data={"version": version, "v|EMPLOYED|": "9", "narrative_en": "", "narrative_fr": ""})
    assert response.status_code == 422
    assert "Indicators retired for this period take no value: EMPLOYED." in response.get_data(as_text=True)
    tx.expire_all()
    assert submission(tx, "2020Q4").version == version


# --- what is shown of the periods before ------------------------------------------------------------------


def _article(html: str, code: str) -> str:
    start = html.index(f'id="ind-{code}"')
    return html[start:html.index("</article>", start)]


def test_earlier_values_stay_on_the_project_page_and_in_the_history(client, login, tx, user):
    project, impl = palim(tx), user(IMPLEMENTER)
    service.save(project, "2020Q4", impl, [ValueEntry("EMPLOYED", "11", "", "counted twice")])
    tx.commit()
    login(DONOR)
    page_before = _article(client.get("/projects/PALIM").get_data(as_text=True), "EMPLOYED")
    set_retired(tx, user)
    assert _article(client.get("/projects/PALIM").get_data(as_text=True), "EMPLOYED") == page_before

    login(IMPLEMENTER)
    history = client.get("/projects/PALIM/periods/2020Q4/history?indicator=EMPLOYED")
    assert history.status_code == 200
    text = history.get_data(as_text=True)
    assert "value changed" in text and "11" in text and "counted twice" in text and "retired on" in text
    assert client.get("/projects/PALIM/periods/2020Q2/history?indicator=EMPLOYED").status_code == 200


def docx_text(blob: bytes) -> str:
    document = Document(io.BytesIO(blob))
    return "\n".join([p.text for p in document.paragraphs] +
                     [cell.text for table in document.tables for row in table.rows for cell in row.cells])


@pytest.mark.parametrize("lang, note", [("en", "(retired on {day})"), ("fr", "(retiré le {day})")])
def test_the_documents_keep_its_past_values_marked_retired(client, login, tx, user, lang, note):
    project = palim(tx)
    before = loader.load_project(project, "2020Q2")  # what the documents show by default: the latest approved
    set_retired(tx, user)
    data = loader.load_project(project, "2020Q2")
    day = Lang(lang).date(employed(tx).retired_at.date())
    indicator = next(i for i in data.indicators if i.code == "EMPLOYED")
    assert indicator.retired == employed(tx).retired_at.date()
    assert data.values == before.values and data.targets == before.targets  # up to 2020Q2: all handed in before

    row = next(r for s in build_progress_report(data, lang, TODAY).sections for r in s.rows if r.code == "EMPLOYED")
    old = next(r for s in build_progress_report(before, lang, TODAY).sections for r in s.rows if r.code == "EMPLOYED")
    assert row.name == f"{old.name} {note.format(day=day)}"
    assert replace(row, name=old.name) == old  # every figure as before

    login(DONOR)
    text = docx_text(client.get(f"/projects/PALIM/reports/progress?lang={lang}").data)
    assert f"EMPLOYED — {row.name}" in text and row.to_date in text

    t = Lang(lang)
    rows = list(openpyxl.load_workbook(io.BytesIO(client.get(f"/projects/PALIM/reports/iptt?lang={lang}").data))
                .worksheets[0].iter_rows(values_only=True))
    headers = next(r for r in rows if r[0] == t._("Level"))
    found = next(r for r in rows if r[1] == "EMPLOYED")
    assert found[2] == row.name
    approved = tx.scalars(select(Value.value).join(Submission).where(
        Submission.project_id == project.id, Submission.status == SubmissionStatus.APPROVED,
        Value.indicator_id == employed(tx).id, Value.combination == "")).all()
    assert len(approved) == 6  # 2019Q1–2020Q2, every one counted
    expected = next(r for r in build_iptt(before, lang, TODAY).rows if r.code == "EMPLOYED").to_date
    assert Decimal(str(found[headers.index(t._("Actual to date"))])) == expected


def test_the_documents_no_longer_expect_it_after_its_retirement(tx, user):
    project, impl, donor = palim(tx), user(IMPLEMENTER), user(DONOR)
    set_retired(tx, user)
    warnings = service.revalidate(project, submission(tx, "2020Q4")).warnings
    service.submit(project, "2020Q4", impl, justifications={f.key: "Checked" for f in warnings})
    service.approve(project, "2020Q4", donor)
    service.approve(project, "2020Q3", donor)
    tx.commit()

    data = loader.load_project(project, "2021Q1")
    employed_id, trained = employed(tx).id, logframe_queries.indicator_of(project, "TRAINED").id
    # 2020Q3 was handed in before the retirement: its target and value count; 2020Q4 (handed in after, with
    # a value kept from before) and 2021Q1 neither expect nor count it. The other indicators are untouched.
    assert {p for (i, p) in data.targets if i == employed_id} >= {"2020Q3"}
    assert not {p for (i, p) in data.targets if i == employed_id} & {"2020Q4", "2021Q1"}
    assert {p for (i, p, c) in data.values if i == employed_id} >= {"2020Q3"}
    assert "2020Q4" not in {p for (i, p, c) in data.values if i == employed_id}
    assert {p for (i, p, c) in data.values if i == trained} >= {"2020Q3", "2020Q4"}

    iptt = build_iptt(data, "en", TODAY)
    row = next(r for r in iptt.rows if r.code == "EMPLOYED")
    last_two = row.cells[-2:]  # 2020Q4 and 2021Q1: nothing expected, nothing missing
    assert all(c.target is None and c.actual is None for c in last_two)
    report = build_progress_report(data, "en", TODAY)
    result = next(r for s in report.sections for r in s.rows if r.code == "EMPLOYED")
    assert result.period_target == "—" and result.period_actual == "—"


def test_a_report_handed_in_before_keeps_it_when_returned_and_handed_in_again(tx, user):
    project, impl, donor = palim(tx), user(IMPLEMENTER), user(DONOR)
    set_retired(tx, user)
    report = submission(tx, "2020Q3")
    first = report.submitted_at
    assert queries.retired_in(report, queries.indicators_of(project)) == {}
    service.return_submission(project, "2020Q3", donor, "Please attach the attendance sheets")
    assert queries.retired_in(report, queries.indicators_of(project)) == {}  # back in the implementer's hands
    values = {(v.indicator_id, v.combination): v.value for v in report.values}
    share_ma = logframe_queries.indicator_of(project, "SHARE_TRACK_MA").id
    service.save(project, "2020Q3", impl, [ValueEntry("SHARE_TRACK_BE", str(100 - values[(share_ma, "")]))])
    warnings = service.revalidate(project, report).warnings
    service.submit(project, "2020Q3", impl, justifications={f.key: "Checked" for f in warnings})
    # Handed in again after the retirement; the trail keeps the first hand-in, so EMPLOYED stays part of it.
    assert report.submitted_at > employed(tx).retired_at
    assert queries.first_handed_in([report], employed(tx).retired_at)[report.id] == first
    assert queries.retired_in(report, queries.indicators_of(project)) == {}


def test_completeness_is_unaffected(tx, user):
    periods = list(tx.scalars(select(ReportingPeriod).where(ReportingPeriod.code.in_(
        ["2020Q2", "2020Q3", "2020Q4", "2021Q1"]))))

    def palim_row():
        table = completeness.build(user(SECRETARIAT), periods, TODAY)
        return next([c.state for c in cells] for project, cells, _ in table.rows if project.code == "PALIM")

    before = palim_row()
    set_retired(tx, user)
    assert palim_row() == before


def test_reinstating_brings_it_back(client, login, runner, tx, tmp_path, user):
    set_retired(tx, user)
    set_retired(tx, user, retired=False)
    assert employed(tx).retired_at is None
    login(IMPLEMENTER)
    html = grid_html(client, "2020Q4")
    assert len(inputs_of(html, "EMPLOYED")) == 4 and 'id="retired-title"' not in html
    result = load(runner, tmp_path, [{"indicator": "TRAINED", "value": "40"}])
    assert "retired_indicator" not in result.stdout
    indicator = next(i for i in loader.load_project(palim(tx)).indicators if i.code == "EMPLOYED")
    assert indicator.retired is None


def test_the_project_page_follows_the_rule_too(tx, user):
    """The implementer's project page shows drafts: a draft's value of a retired indicator is not counted there."""
    from meapp.results.queries import project_page

    project = palim(tx)
    before = next(r for node in project_page(project).levels for r in node.rows if r.indicator.code == "EMPLOYED")
    assert "2020Q4" in before.values and "2020Q2" in before.values  # the open draft and an approved quarter
    set_retired(tx, user)
    after = next(r for node in project_page(project).levels for r in node.rows if r.indicator.code == "EMPLOYED")
    assert "2020Q4" not in after.values
    assert after.values["2020Q2"] == before.values["2020Q2"]
