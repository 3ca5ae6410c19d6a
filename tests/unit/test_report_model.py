"""The report builders and renderers without any database: plain inputs in, documents read back."""
import datetime as dt
import io
import zipfile
from decimal import Decimal as D

import openpyxl
import pytest
from docx import Document

from meapp.reports import excel, iptt, model, portfolio, word
from meapp.reports.inputs import (
    CategoryIn,
    DisaggregationIn,
    IndicatorIn,
    JustifiedIn,
    LevelIn,
    NarrativeIn,
    ProjectIn,
    ReportingIn,
)

SEX = DisaggregationIn("sex", "Sex", "Sexe", (CategoryIn("F", "Female", "Femmes"), CategoryIn("M", "Male", "Hommes")))
PERIODS = ("2023Q1", "2023Q2", "2023Q3", "2023Q4")
TODAY = dt.date(2024, 6, 1)


def data(name_en="Migrants trained", is_demo=True, name_fr="Migrants formés") -> ProjectIn:
    trained = IndicatorIn(1, 11, "TRAINED", name_en, name_fr, "number", "sum", "increase", D(0), D(9000),
                          0, True, (SEX,))
    share = IndicatorIn(2, 11, "WOMEN_PCT", "Share of women", "Part des femmes", "percent", "latest", "increase",
                        D(0), D(22), 1, True)
    values = {}
    for k, period in enumerate(PERIODS):
        values[(1, period, "")] = D(1500 + 100 * k)
        values[(1, period, "sex=F")] = D(500)
        values[(1, period, "sex=M")] = D(1000 + 100 * k)
        values[(2, period, "")] = D("20.5")
    return ProjectIn(
        id=1, code="SAMI-NP", title_en="Safer Migration", title_fr="Migration plus sûre", summary_en="Summary",
        summary_fr="Résumé", origin=("NP",), destination=(), lead="Helvetas Nepal", implementers=(), funders=("SDC",),
        start=dt.date(2023, 1, 1), end=dt.date(2024, 12, 31), is_demo=is_demo, periods=PERIODS,
        levels=(LevelIn(10, None, "impact", "IMP", "Safer migration", "Migration plus sûre"),
                LevelIn(11, 10, "output", "1.1", "Training", "Formation")),
        indicators=(trained, share),
        targets={(1, p): D(2000) for p in PERIODS} | {(2, p): D(22) for p in PERIODS},
        values=values, statuses={p: "approved" for p in PERIODS},
        reporting=tuple(ReportingIn(p, dt.date(2024, 1, 30), "approved", True) for p in PERIODS),
        narratives=(NarrativeIn("2023Q4", "Four cohorts trained.", "Quatre cohortes formées."),),
        justified=(JustifiedIn("2023Q3", "TRAINED", "outlier", "warning",
                               {"value": "1700", "median": "1550", "score": "4.0"}, "A large cohort."),),
    )


def test_model_in_french_formats_and_translates():
    report = model.build_progress_report(data(), "fr", TODAY)
    assert report.title == "Rapport d’avancement du projet"
    assert report.headings["results"] == "Résultats par niveau du cadre logique"
    row = report.sections[1].rows[0]
    assert row.to_date == "6\u202f600"  # 1500+1600+1700+1800, narrow no-break space
    assert row.end_target == "9\u202f000"
    assert row.percent_of_end == "73,3\u202f%"
    assert row.status == "at_risk" and row.status_label == "À risque"  # 6 600 of 8 000 due to date: 82.5 %
    assert report.period_range == "T1\u00a02023 à T4\u00a02023"
    assert report.demo_note.startswith("Données de démonstration")
    assert report.quality[0][2].startswith("1\u202f700 s’écarte fortement")


def test_status_thresholds():
    from meapp.reports.metrics import status_of

    assert [status_of(D(x)) for x in (95, 90, 89.9, 70, 69.9)] == ["on_track", "on_track", "at_risk", "at_risk",
                                                                  "off_track"]
    assert status_of(None) == "no_data"


def test_model_in_english():
    report = model.build_progress_report(data(), "en", TODAY)
    row = report.sections[1].rows[0]
    assert row.to_date == "6,600" and report.period_range == "Q1\u00a02023 to Q4\u00a02023"
    assert report.breakdowns[0].rows[0] == ("Female", "2,000", "30.3%")
    assert "By Q4 2023: 6,600 against a target of 8,000 to date." in _plain(report.chart.series[0].alt_text)


def test_missing_french_text_is_marked_not_dropped():
    base = data()
    only_en = IndicatorIn(3, 11, "X", "Only English", "", "number", "sum", "increase", None, None, 0, False)
    report = model.build_progress_report(ProjectIn(**{**base.__dict__, "indicators": base.indicators + (only_en,)}),
                                         "fr", TODAY)
    assert report.sections[1].rows[2].name == "[EN] Only English"


def _plain(text: str) -> str:
    """Text with its no-break spaces (French typography, period labels) as plain spaces, for assertions."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def _docx_text(blob: bytes) -> str:
    document = Document(io.BytesIO(blob))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def test_docx_reads_back_with_charts_and_alt_text():
    fr = model.build_progress_report(data(), "fr", TODAY)
    blob = word.render_progress([fr])
    text = _docx_text(blob)
    assert "Résultats par niveau du cadre logique" in text and "6\u202f600" in text
    assert "Quatre cohortes formées." in text and "A large cohort." in text
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        body = archive.read("word/document.xml").decode()
        names = archive.namelist()
    assert {"word/charts/chart1.xml", "word/charts/chart2.xml", "word/embeddings/Microsoft_Excel_Worksheet2.xlsx"} \
        <= set(names) and not any(n.startswith("word/media/") for n in names)  # native charts, no picture
    assert 'descr="Graphique « Migrants formés », de T1 2023 à T4 2023 : cible et réalisé par période' in _plain(body)
    headings = [p.text for p in Document(io.BytesIO(blob)).paragraphs if p.style.style_id == "Heading1"]
    assert headings[:3] == ["Résumé", "Chiffres clés", "Résultats par niveau du cadre logique"]


def test_chart_model_per_period_and_to_date():
    fr = model.build_progress_report(data(), "fr", TODAY).chart
    trained, share = fr.series
    assert [_plain(p) for p in trained.periods] == ["T1 2023", "T2 2023", "T3 2023", "T4 2023"]
    assert trained.actuals == (1500, 1600, 1700, 1800) and trained.targets == (2000,) * 4
    assert trained.actuals_to_date == (1500, 3100, 4800, 6600)
    assert trained.targets_to_date == (2000, 4000, 6000, 8000)
    # A flow's total dwarfs a period's: its to-date lines get the right-hand axis; a rate's latest value is
    # the period's own, so no to-date lines.
    assert (trained.to_date_axis, share.to_date_axis) == ("right", "")
    assert (trained.axis_title, trained.to_date_axis_title) == ("Par période (nombre)", "Cumul (nombre)")
    assert share.axis_title == "Par période (%)" and share.to_date_axis_title == ""
    assert trained.number_format == "[$-40C]#\u00a0##0"  # French grouping whatever the reader's system
    assert share.number_format == '[$-40C]#\u00a0##0.0"\u00a0%"' and share.is_percent and share.decimals == 1
    assert share.axis_number_format == '[$-40C]#\u00a0##0"\u00a0%"'  # whole percent on the axis
    assert fr.target_label == "Cible par période" and fr.actual_to_date_label == "Réalisé à ce jour"
    en = model.build_progress_report(data(), "en", TODAY).chart
    assert en.series[0].number_format == "[$-809]#,##0" and en.series[1].number_format == '[$-809]#,##0.0"%"'
    assert en.series[0].axis_title == "Per period (number)" and en.target_to_date_label == "Target to date"
    assert "Latest value by Q4 2023: 20.5" in _plain(en.series[1].alt_text)


def test_chart_model_of_one_period_and_of_millions():
    base = data()
    one = ProjectIn(**{**base.__dict__, "periods": PERIODS[:1]})
    trained = model.build_progress_report(one, "fr", TODAY).chart.series[0]
    assert trained.targets == (2000,) and trained.targets_to_date == (2000,) and trained.actuals == (1500,)
    big = ProjectIn(**{**base.__dict__, "targets": {k: v * 1000 for k, v in base.targets.items()}})
    assert model.build_progress_report(big, "fr", TODAY).chart.series[0].number_format == \
        "[$-40C]#\u00a0###\u00a0##0"  # 8 000 000 to date: two groups


def test_bilingual_docx_has_both_languages_side_by_side():
    blob = word.render_progress([model.build_progress_report(data(), "fr", TODAY),
                                 model.build_progress_report(data(), "en", TODAY)])
    document = Document(io.BytesIO(blob))
    assert "Résumé / Summary" in [p.text for p in document.paragraphs]
    pairs = [tuple(c.text for c in row.cells) for t in document.tables for row in t.rows if len(row.cells) == 2]
    assert ("Quatre cohortes formées.", "Four cohorts trained.") in pairs


def test_user_text_is_escaped_and_control_characters_dropped():
    nasty = 'Trained & <certified> "now" « ok » 🎓\x0b'
    blob = word.render_progress([model.build_progress_report(data(name_en=nasty), "en", TODAY)])
    assert 'Trained & <certified> "now" « ok » 🎓' in _docx_text(blob)


def test_iptt_numbers_formats_and_no_formulas():
    built = iptt.build_iptt(data(name_fr='=HYPERLINK("http://evil","x")'), "fr", TODAY)
    book = openpyxl.load_workbook(io.BytesIO(excel.render_iptt(built)))
    assert book.sheetnames == ["Tableau de suivi", "Données", "Graphique"]
    sheet = book["Tableau de suivi"]
    rows = list(sheet.iter_rows(values_only=True))
    header = next(r for r in rows if r[0] == "Niveau")
    assert header[6].replace("\xa0", " ") == "T1 2023"  # a period label never breaks across lines
    trained = next(r for r in rows if r[1] == "TRAINED")
    assert trained[2] == '=HYPERLINK("http://evil","x")'
    cell = next(c for c in sheet[rows.index(trained) + 1] if c.value == '=HYPERLINK("http://evil","x")')
    assert cell.data_type == "s"  # text, not a formula
    assert trained[6:9] == (2000, 1500, 0.75)
    assert sheet.freeze_panes is not None and sheet.auto_filter.ref
    number_cell = sheet.cell(row=rows.index(trained) + 1, column=8)
    assert number_cell.number_format == "#,##0"
    long = list(book["Données"].iter_rows(values_only=True))
    assert long[0][:3] == ("Projet", "Niveau", "Code")
    assert ("SAMI-NP", "Extrant 1.1", "TRAINED") == long[1][:3] and len(long) == 1 + 4 * 3 + 4
    assert book["Graphique"]._charts


def test_portfolio_docx_and_xlsx():
    built = portfolio.build_portfolio("SDC", [data()], "en", TODAY)
    text = _docx_text(word.render_portfolio(built))
    assert "Donor portfolio" in text and "SAMI-NP" in text and "Open issues" in text
    book = openpyxl.load_workbook(io.BytesIO(excel.render_portfolio(built)))
    summary = list(book["Projects"].iter_rows(values_only=True))
    row = next(r for r in summary if r[0] == "SAMI-NP")
    assert row[4] == 1.0  # completeness: 4 of 4 due periods handed in
    keys = list(book["Key indicators"].iter_rows(values_only=True))
    assert keys[1][:4] == ("SAMI-NP", "TRAINED — Migrants trained", 9000, 6600)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_empty_project_still_renders(lang):
    empty = ProjectIn(id=2, code="EMPTY", title_en="Empty", title_fr="Vide", summary_en="", summary_fr="", origin=(),
                      destination=(), lead="", implementers=(), funders=(), start=None, end=None, is_demo=False,
                      periods=())
    import io

    import openpyxl
    from docx import Document

    report = model.build_progress_report(empty, lang, TODAY)
    text = "\n".join(p.text for p in Document(io.BytesIO(word.render_progress([report]))).paragraphs)
    assert ("Vide" if lang == "fr" else "Empty") in text  # the cover names the project
    assert report.sections == [] or all(not s.rows for s in report.sections)
    book = openpyxl.load_workbook(io.BytesIO(excel.render_iptt(iptt.build_iptt(empty, lang, TODAY))))
    sheet = book.worksheets[0]
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert any("EMPTY" in c or "Vide" in c or "Empty" in c for c in cells)


@pytest.mark.parametrize("aggregation, baseline, direction, actual, target, expected", [
    ("sum", D(50), "increase", D(40), D(80), D(50)),  # flows count from zero
    ("latest", D(50), "increase", D(65), D(80), D(50)),  # stocks from their baseline
    ("latest", D(200), "decrease", D(150), D(100), D(50)),
    ("latest", D(200), "decrease", D(250), D(100), D(-50)),  # worse than the baseline: not on track
    ("latest", D(0), "increase", D(1), D(0), D(100)),  # a milestone already met
    ("latest", D(1), "increase", D(1), D(1), D(100)),  # yes/no: target equal to the baseline, reached
    ("latest", D(1), "increase", D(0), D(1), D(0)),
])
def test_percent_met_follows_baseline_and_direction(aggregation, baseline, direction, actual, target, expected):
    from meapp.reports.metrics import percent_met

    indicator = IndicatorIn(9, 11, "X", "x", "x", "number", aggregation, direction, baseline, target, 0, False)
    assert percent_met(indicator, actual, target) == expected
