"""The IPTT and annex workbooks are ready to print and to analyse: read back with openpyxl.

Figures keep their indicator's decimals; percentages are fractions with a percentage format; yes/no
reads as words; a share of a target of zero is "n/a"; the status's basis (target to date) stands next to
the actual to date; columns fit codes, wrapped text gets its rows' height; every sheet prints A4 landscape
with its header rows (and, when wide, its first columns) on each page, a header and a footer.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from decimal import Decimal as D

import openpyxl
import pytest

from meapp.reports import excel, excel_layout, iptt, metrics, service
from meapp.reports.inputs import CategoryIn, DisaggregationIn, IndicatorIn, LevelIn, ProjectIn
from tests.app.test_ooxml_schema import (  # noqa: F401 (ooxml: the fixture, schemas loaded once per session)
    EXCEL_PARTS,
    TODAY,
    _edition,
    _project,
    assert_valid,
    make,
    make_hostile,
    ooxml,
)

PERIODS = ("2023Q1", "2023Q2", "2023Q3", "2023Q4")
SEX = DisaggregationIn("sex", "Sex", "Sexe", (CategoryIn("F", "Female", "Femmes"), CategoryIn("M", "Male", "Hommes")))
LONG_CODE = "TRAINED_AND_CERTIFIED_MIGRANTS_TOTAL"


def project(periods=PERIODS, is_demo=True, title="Safer Migration") -> ProjectIn:
    """Four kinds of indicator: a count, a figure with 2 decimals, a percentage (1 decimal) and a yes/no."""
    trained = IndicatorIn(1, 11, LONG_CODE, "Migrants trained and certified by the accredited vocational centres "
                          "of the three partner municipalities", "Migrants formés", "number", "sum", "increase",
                          D(0), D(9000), 0, True, (SEX,), is_cumulative=False,
                          verification_en="Attendance lists; certificates", verification_fr="Listes de présence")
    cost = IndicatorIn(2, 11, "COST", "Cost per person", "Coût par personne", "currency", "average", "decrease",
                       D("120.50"), D("100.25"), 2, False)
    share = IndicatorIn(3, 11, "WOMEN_PCT", "Share of women", "Part des femmes", "percent", "latest", "increase",
                        D(0), D(22), 1, True)
    tool = IndicatorIn(4, 11, "TOOL", "Tool available", "Outil disponible", "yes_no", "latest", "increase",
                       D(0), D(1), 0, False, is_cumulative=True)
    values, targets = {}, {}
    for k, period in enumerate(periods):
        values[(1, period, "")] = D(1500 + 100 * k)
        values[(1, period, "sex=F")] = D(500)
        values[(1, period, "sex=M")] = D(1000 + 100 * k)
        values[(2, period, "")] = D("110.125")
        values[(3, period, "")] = D("20.5")
        values[(4, period, "")] = D(1 if k >= 2 else 0)
        targets |= {(1, period): D(2000), (2, period): D("105.00"), (3, period): D(22),
                    (4, period): D(1 if k >= 3 else 0)}
    return ProjectIn(
        id=1, code="SAMI-NP", title_en=title, title_fr="Migration plus sûre", summary_en="", summary_fr="",
        origin=("NP",), destination=(), lead="", implementers=(), funders=(), start=dt.date(2023, 1, 1),
        end=dt.date(2025, 12, 31), is_demo=is_demo, periods=periods,
        levels=(LevelIn(11, None, "output", "1.1", "Training", "Formation"),),
        indicators=(trained, cost, share, tool), targets=targets, values=values,
        statuses={p: "approved" for p in periods})


def workbook(data: ProjectIn, lang: str = "en"):
    built = iptt.build_iptt(data, lang, dt.date(2024, 6, 1))
    blob = excel.render_iptt(built)
    return built, openpyxl.load_workbook(io.BytesIO(blob)), blob


def table(sheet):
    """The IPTT sheet's header row (the one starting with the level) and its rows by code."""
    rows = list(sheet.iter_rows())
    top = next(k for k, r in enumerate(rows) if r[0].value in ("Level", "Niveau"))
    subs = [c.value for c in rows[top + 1]]
    headers = [subs[c] or rows[top][c].value for c in range(len(subs))]
    return top, headers, {r[1].value: r for r in rows[top + 2:] if r[1].value}


def sheet_xml(blob: bytes, number: int) -> str:
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        return archive.read(f"xl/worksheets/sheet{number}.xml").decode()


def test_figures_keep_their_indicators_decimals_and_percentages_are_fractions():
    built, book, _ = workbook(project())
    _top, headers, rows = table(book.worksheets[0])
    first_target = headers.index("Target")  # the first period's target
    assert rows[LONG_CODE][first_target].number_format == "#,##0"
    assert rows["COST"][first_target].number_format == "#,##0.00"
    assert rows["COST"][first_target].value == 105
    share = rows["WOMEN_PCT"]
    assert share[first_target].value == pytest.approx(0.22) and share[first_target].number_format == "0.0%"
    assert share[first_target + 1].value == pytest.approx(0.205)  # the actual, 20.5 %
    met = rows[LONG_CODE][first_target + 2]
    assert met.value == pytest.approx(0.75) and met.number_format == "0.0%"
    assert "#,##0.0000" not in {c.number_format for r in book.worksheets[1].iter_rows() for c in r}
    # French: the same fractions, a narrow no-break space before the sign, as in the documents.
    _, book_fr, _ = workbook(project(), "fr")
    _, _, rows_fr = table(book_fr.worksheets[0])
    assert rows_fr["WOMEN_PCT"][first_target].number_format == '0.0"\u202f"%'
    assert any("fractions" in note for note in built.notes)


def test_yes_no_reads_as_words_and_a_share_of_zero_is_not_applicable():
    _, book, _ = workbook(project())
    _top, headers, rows = table(book.worksheets[0])
    tool = rows["TOOL"]
    shown = [c.value for c in tool[4:]]
    assert shown[:2] == ["no", "yes"]  # baseline, end target
    assert shown[2:5] == ["no", "no", "n/a"]  # Q1: target no, actual no: 0 of 0
    assert shown[11:14] == ["yes", "yes", "yes"]  # Q4: target yes, reached
    assert all(isinstance(v, str) for v in shown if v is not None)  # never 1, 0 or 100 %
    assert tool[headers.index("Share of target to date")].value == "yes"
    assert tool[headers.index("Status")].value == "On track"
    # The long sheet holds 1 and 0 for pivot tables, shown as the words.
    data = book.worksheets[1]
    head = [c.value for c in data[1]]
    cells = [r[head.index("Value")] for r in data.iter_rows(min_row=2) if r[2].value == "TOOL"]
    assert [c.value for c in cells] == [0, 0, 1, 1]
    assert {c.number_format for c in cells} == {'"yes";"yes";"no"'}
    shares = [r[head.index("Share of target to date")].value for r in data.iter_rows(min_row=2) if r[2].value == "TOOL"]
    assert shares == ["n/a", "n/a", "n/a", "yes"]


def test_zero_of_zero_is_not_applicable_but_a_milestone_still_counts():
    flow = IndicatorIn(9, 11, "X", "x", "x", "number", "sum", "increase", D(5), D(10), 0, False)
    stock = IndicatorIn(9, 11, "X", "x", "x", "number", "latest", "increase", D(5), D(10), 0, False)
    assert metrics.nothing_to_meet(flow, D(0)) and not metrics.nothing_to_meet(flow, D(3))
    assert not metrics.nothing_to_meet(stock, D(0))  # from a baseline of 5 down to 0 is a target
    assert metrics.percent_met(flow, D(0), D(0)) == 100  # the shared rule (statuses) is unchanged


def test_the_target_to_date_stands_next_to_the_actual_to_date():
    data = project()
    _, book, _ = workbook(data)
    _top, headers, rows = table(book.worksheets[0])
    at = headers.index("Target to date")
    assert headers[at:at + 5] == ["Target to date", "Actual to date", "Share of target to date", "Status",
                                  "Share of end target"]
    for indicator in data.indicators[:3]:
        expected = metrics.target_to_date(data, indicator)
        scale = D(100) if indicator.unit == "percent" else D(1)
        assert rows[indicator.code][at].value == pytest.approx(float(expected / scale))
    trained = rows[LONG_CODE]
    assert trained[at].value == 8000 and trained[at + 1].value == 6600
    assert trained[at + 2].value == pytest.approx(0.825) and trained[at + 2].number_format == "0.0%"
    # The long sheet: per period, the target to date the status compares the actual to date with.
    sheet = book.worksheets[1]
    head = [c.value for c in sheet[1]]
    totals = [r for r in sheet.iter_rows(min_row=2, values_only=True) if r[2] == LONG_CODE and not r[6]]
    assert [r[head.index("Target to date")] for r in totals] == [
        float(metrics.target_to_date(data, data.indicators[0], k)) for k in range(len(PERIODS))]
    assert [r[head.index("Actual to date")] for r in totals] == [1500, 3100, 4800, 6600]


def test_the_long_sheet_says_how_each_indicator_reads():
    _, book, _ = workbook(project())
    sheet = book.worksheets[1]
    head = [c.value for c in sheet[1]]
    assert head[:9] == ["Project", "Level", "Code", "Indicator", "Period", "Period code", "Category", "Value", "Status"]
    assert head[9:] == ["Target", "Target to date", "Actual to date", "Share of target to date", "Unit", "Direction",
                        "Adds up as", "Reported as a running total", "Means of verification"]
    rows = {(r[2], r[5], r[6]): dict(zip(head, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)}
    total = rows[(LONG_CODE, "2023Q2", "")]
    assert (total["Target"], total["Direction"], total["Adds up as"], total["Reported as a running total"],
            total["Means of verification"]) == (2000, "Increase", "Sum of periods", "no",
                                                "Attendance lists; certificates")
    women = rows[(LONG_CODE, "2023Q2", "Sex: Female")]
    assert women["Target"] is None and women["Actual to date"] == 1000  # a category: its own to date, no target
    assert rows[("COST", "2023Q1", "")]["Direction"] == "Decrease"
    assert rows[("TOOL", "2023Q1", "")]["Reported as a running total"] == "yes"
    assert rows[("WOMEN_PCT", "2023Q1", "")]["Value"] == pytest.approx(0.205)
    fr = workbook(project(), "fr")[1].worksheets[1]
    assert [c.value for c in fr[1]][13:] == ["Unité", "Sens souhaité", "Agrégation", "Déclaré en total cumulé",
                                             "Sources de vérification"]


def test_columns_fit_codes_and_wrapped_rows_are_tall_enough():
    _, book, _ = workbook(project())
    sheet = book.worksheets[0]
    top, _headers, rows = table(sheet)
    assert sheet.column_dimensions["B"].width >= len(LONG_CODE)
    assert 24 <= sheet.column_dimensions["C"].width <= 43  # the indicator's name wraps within bounds
    long_name = rows[LONG_CODE][0].row
    assert sheet.row_dimensions[long_name].height >= 2 * excel.LINE_PT  # its name takes two lines
    assert rows[LONG_CODE][2].alignment.wrap_text
    data = book.worksheets[1]
    assert data.column_dimensions["C"].width >= len(LONG_CODE)
    assert sheet.freeze_panes == f"D{top + 3}" and data.freeze_panes == "D2"


def _header_footer(blob: bytes, number: int) -> tuple[str, str]:
    xml = sheet_xml(blob, number)
    header = re.search(r"<oddHeader>(.*?)</oddHeader>", xml, re.S).group(1)
    footer = re.search(r"<oddFooter>(.*?)</oddFooter>", xml, re.S).group(1)
    return header.replace("&amp;", "&"), footer.replace("&amp;", "&")


@pytest.mark.parametrize("lang, page, demo", [("en", "Page &P of &N", "Demonstration data"),
                                              ("fr", "Page &P sur &N", "Données de démonstration")])
def test_every_sheet_prints_landscape_with_titles_header_and_footer(lang, page, demo):
    _, book, blob = workbook(project(), lang)
    sheet = book.worksheets[0]
    top, _headers, _rows = table(sheet)
    assert sheet.print_title_rows == f"${top + 1}:${top + 2}"  # the two header rows (1-based)
    assert book.worksheets[1].print_title_rows == "$1:$1"
    for number, ws in enumerate(book.worksheets, start=1):
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
        header, footer = _header_footer(blob, number)
        assert header.startswith("&LSAMI-NP — ") and header.endswith(demo)
        assert footer.endswith("&R" + page) and "&A" in footer
    # One period fits one page wide at a legible scale (more go over pages: test below).
    narrow = workbook(project(periods=("2023Q1",)), lang)[1].worksheets[0]
    assert narrow.sheet_properties.pageSetUpPr.fitToPage and (narrow.page_setup.fitToWidth or 1) == 1  # 1: default
    assert narrow.page_setup.fitToHeight == 0 and not narrow.col_breaks.brk
    _, _, plain = workbook(project(is_demo=False), lang)
    assert demo not in _header_footer(plain, 1)[0]


def test_a_wide_iptt_prints_over_pages_breaking_between_periods():
    periods = tuple(f"{year}Q{q}" for year in (2023, 2024, 2025) for q in range(1, 5))
    built, book, _ = workbook(project(periods))
    sheet = book.worksheets[0]
    assert sheet.page_setup.scale >= excel_layout.MIN_SCALE and not sheet.sheet_properties.pageSetUpPr.fitToPage
    breaks = [b.id for b in sheet.col_breaks.brk]
    fixed = len(built.fixed_headers)
    assert breaks and all((b - fixed) % 3 == 0 for b in breaks)  # a period's target, actual, met stay together
    assert sheet.print_title_cols == "$A:$C"  # level, code and indicator on every page
    assert sheet.page_setup.pageOrder == "overThenDown"  # a band of rows across its pages, then the next


def test_charts_print_on_one_page_and_are_not_split():
    _, book, blob = workbook(project())
    chart_sheet = book.worksheets[2]
    assert chart_sheet.print_area and (chart_sheet.page_setup.fitToWidth or 1) == 1
    assert (chart_sheet.page_setup.fitToHeight or 1) == 1 and chart_sheet.sheet_properties.pageSetUpPr.fitToPage
    last_row = int(re.search(r"\$(\d+)$", chart_sheet.print_area).group(1))
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        drawing = archive.read("xl/drawings/drawing1.xml").decode()
    bottoms = [int(r) for r in re.findall(r"<xdr:to><xdr:col>\d+</xdr:col><xdr:colOff>\d+</xdr:colOff>"
                                          r"<xdr:row>(\d+)</xdr:row>", drawing)]
    assert len(bottoms) == 2 and max(bottoms) < last_row  # both charts inside the printed area


def test_header_and_footer_keep_user_text_literal():
    _, _, blob = workbook(project(title="R&D &P &12 " + "x" * 400))
    header, _footer = _header_footer(blob, 1)
    assert header.startswith("&LSAMI-NP — R&&D &&P &&12 xxx")  # '&' escaped: no page number, no font size
    assert header.endswith("…&R&\"-,Bold\"Demonstration data") and len(header) <= 255  # shortened to fit
    # "&G" (a picture placeholder to XlsxWriter, even escaped) is written with a full-width ampersand.
    _, _, blob = workbook(project(title="R&D &G &[Picture]"))
    header, _footer = _header_footer(blob, 1)
    assert "SAMI-NP — R\uff06D \uff06G \uff06[Picture]" in header and "&G" not in header


# --- from the database ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_link_it_iptt(tx, lang):
    report = service.iptt_report(_project(tx, "LINK-IT"), lang, today=TODAY)
    book = openpyxl.load_workbook(io.BytesIO(report.data))
    _top, headers, rows = table(book.worksheets[0])
    words = ("oui", "non", "s.o.") if lang == "fr" else ("yes", "no", "n/a")
    status = len(headers) - 2
    tool = [c.value for k, c in enumerate(rows["TOOL_AVAILABLE"]) if k >= 4 and k != status]
    assert tool and {v for v in tool if v is not None} <= set(words)  # a yes/no reads as words only
    assert words[2] in tool  # LINK-IT's tool was not due in its first quarters: 0 of 0
    shared = rows["PROFILES_SHARED"][len(headers) - 4]  # the actual to date
    assert 0 < shared.value <= 1.5 and "%" in shared.number_format
    header, footer = _header_footer(report.data, 1)
    assert "LINK-IT" in header and ("Page &P sur &N" if lang == "fr" else "Page &P of &N") in footer


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_annex_workbook_prints_legibly(tx, lang):
    report = service.annex_report(_edition(tx), lang, "xlsx", today=TODAY)
    book = openpyxl.load_workbook(io.BytesIO(report.data))
    sheet = book.worksheets[0]
    assert sheet.print_title_rows == "$4:$4"
    assert sheet.page_setup.orientation == "landscape" and (sheet.page_setup.fitToWidth or 1) == 1
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToHeight == 0
    widths = [sheet.column_dimensions[openpyxl.utils.get_column_letter(c)].width for c in range(1, 11)]
    assert all(w <= high + 1 for w, high in zip(widths, excel.ANNEX_MAX, strict=True))
    # Printed one page wide at a legible scale: no more than a page's width divided by the lowest scale.
    assert sum(excel_layout.column_px(w) for w in widths) * excel_layout.MIN_SCALE / 100 <= excel_layout.PAGE_PX * 1.1
    rows = list(sheet.iter_rows(min_row=5))
    assert rows and all(c.alignment.wrap_text for c in rows[0])
    tall = [r[0].row for r in rows if len(r[5].value or "") > 300]
    assert tall and all(sheet.row_dimensions[r].height >= 5 * excel.LINE_PT for r in tall)
    header, footer = _header_footer(report.data, 1)
    assert header.startswith("&L") and footer.endswith("&R&P / &N")


def test_hostile_text_keeps_workbooks_valid_with_headers(ooxml, tx):  # noqa: F811
    make_hostile(tx)
    for kind, subject, variant in [("iptt", "PALIM", "fr"), ("iptt", "PALIM", "en"),
                                   ("annex", "gfmd-2020", "fr-xlsx"), ("annex", "gfmd-2020", "en-xlsx")]:
        report = make(tx, kind, subject, variant)
        assert_valid(ooxml, report, EXCEL_PARTS)
        header, footer = _header_footer(report.data, 1)
        assert header.startswith("&L") and len(header) <= 255 and len(footer) <= 255, report.filename
        assert "&G" not in header.replace("&&", ""), report.filename
