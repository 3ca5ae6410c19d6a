"""Render built reports to .xlsx bytes with XlsxWriter: number formats, not text; user text never a formula.

Every sheet is laid out to be read on screen and printed: column widths measured from what they hold
(bounded), wrapped text with row heights to match, frozen headers, A4 landscape, header rows (and, for a
table wider than a page, its first columns) repeated on each page, a header and footer naming the document.
"""
from __future__ import annotations

import io
import math

import xlsxwriter

from meapp.core.numbers import decimal_pattern
from meapp.reports.excel_layout import (
    LINE_PT,
    ROW_PX,
    Layout,
    column_px,
    header_footer,
    longest_word,
    paginate,
    print_setup,
    text_lines,
)
from meapp.reports.iptt import FIGURE, SHARE, STATUS, WRAP, Iptt
from meapp.reports.metrics import STATUS_COLOURS
from meapp.reports.text import clean

# Arial 10, not Calibri: LibreOffice (and so every PDF made on a server) has Arial's metrics (Liberation Sans)
# but often not Calibri's, and widths and row heights measured here must hold wherever the file is opened.
FONT = {"font_name": "Arial", "font_size": 10}
OPTIONS = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
           "default_format_properties": FONT, "default_row_height": 17, "default_column_width": 64}
INK, HEAD, GRID = "#1D2733", "#E7EEF6", "#C9D1DB"

def _number_format(decimals: int, percent: bool = False) -> str:
    base = decimal_pattern(decimals)
    return base + '" %"' if percent else base


def percent_format(decimals: int, lang: str = "en") -> str:
    """A percentage of a fraction (0.875 → 87.5 %): Excel's % multiplies by 100; French puts a narrow no-break
    space before the sign, as the documents do."""
    digits = "0" + ("." + "0" * decimals if decimals else "")
    return digits + ('"\u202f"%' if lang == "fr" else "%")


def yes_no_format(yes: str, no: str) -> str:
    """1 and 0 shown as the words (positive; negative; zero sections): a pivot table still counts them."""
    def quoted(word: str) -> str:
        return '"' + word.replace('"', "") + '"'
    return f"{quoted(yes)};{quoted(yes)};{quoted(no)}"


class Formats:
    """XlsxWriter formats created once per workbook and reused."""

    def __init__(self, book, lang: str = "en"):
        self.book = book
        self.lang = lang
        self.title = book.add_format({"bold": True, "font_size": 14, "font_color": "#1F5F99"})
        self.note = book.add_format({"italic": True, "font_color": "#5E6B7B"})
        self.note_wrap = book.add_format({"italic": True, "font_color": "#5E6B7B", "text_wrap": True, "valign": "top"})
        self.head = book.add_format({"bold": True, "bg_color": HEAD, "border": 1, "border_color": "#B9C2CE",
                                     "text_wrap": True, "valign": "top"})
        self.head_centre = book.add_format({"bold": True, "bg_color": HEAD, "border": 1, "border_color": "#B9C2CE",
                                            "align": "center"})
        self.text = book.add_format({"text_wrap": True, "valign": "top"})
        self.plain = book.add_format({"valign": "top"})
        self.fraction = book.add_format({"num_format": "0.0%", "valign": "top"})
        self._numbers: dict[tuple[int, bool], object] = {}
        self._cells: dict[tuple, object] = {}
        self.status = {key: book.add_format({"bg_color": f"#{colour}", "valign": "top"})
                       for key, colour in STATUS_COLOURS.items()}

    def number(self, decimals: int, percent: bool = False):
        key = (decimals, percent)
        if key not in self._numbers:
            self._numbers[key] = self.book.add_format({"num_format": _number_format(decimals, percent),
                                                       "valign": "top"})
        return self._numbers[key]

    def cell(self, **props):
        """A table cell: top-aligned, with a light grid that prints (gridlines do not)."""
        key = tuple(sorted(props.items()))
        if key not in self._cells:
            self._cells[key] = self.book.add_format({"valign": "top", "border": 1, "border_color": GRID, **props})
        return self._cells[key]

    def figure(self, decimals: int, unit: str = "number", words: tuple[str, str] = ("yes", "no")):
        """An indicator's figure: its decimals, a percentage of a fraction, or 1/0 shown as yes/no."""
        if unit == "percent":
            return self.cell(num_format=percent_format(decimals, self.lang))
        if unit == "yes_no":
            return self.cell(num_format=yes_no_format(*words))
        return self.cell(num_format=decimal_pattern(decimals))

    def share(self):
        return self.cell(num_format=percent_format(1, self.lang))

    def word(self):
        """A word in a column of figures (yes, no, n/a): aligned with the figures."""
        return self.cell(align="right")

    def state(self, status: str):
        return self.cell(bg_color=f"#{STATUS_COLOURS.get(status, STATUS_COLOURS['no_data'])}")


# --- writing cells -----------------------------------------------------------------------------------------
def _number_text(value, decimals: int, unit: str, lang: str) -> str:
    """Roughly how a figure shows, to measure its column."""
    number = float(value)
    if unit == "percent":
        return f"{number * 100:,.{decimals}f} %"
    return f"{number:,.{decimals}f}"


def _put(sheet, row: int, col: int, value, fmt=None) -> None:
    """Numbers as numbers, everything else as literal text (never a formula, never a link), cleaned of the
    control characters old data may hold."""
    if value is None:
        sheet.write_blank(row, col, None, fmt)
    elif isinstance(value, (int, float)) or hasattr(value, "as_tuple"):
        sheet.write_number(row, col, float(value), fmt)
    else:
        sheet.write_string(row, col, clean(value), fmt)


# --- the IPTT -------------------------------------------------------------------------------------------------
def render_iptt(model: Iptt) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, OPTIONS)
    f = Formats(book, model.lang)
    words = (model.yes_word, model.no_word)
    sheet = book.add_worksheet(model.sheet_names["iptt"][:31])
    layout = Layout(sheet)
    fixed, periods = len(model.fixed_headers), len(model.period_labels)
    end = fixed + 3 * periods
    last_col = end + len(model.end_headers) - 1
    top = 3 + len(model.notes)
    tall, low = [], []  # headers merged over both header rows, and those of the second row: (column, text)
    for c, header in enumerate(model.fixed_headers):
        sheet.merge_range(top, c, top + 1, c, clean(header), f.head)
        layout.measure(c, longest_word(header), bold=True)
        tall.append((c, clean(header)))
    for k, label in enumerate(model.period_labels):
        col = fixed + 3 * k
        sheet.merge_range(top, col, top, col + 2, clean(label), f.head_centre)
        for j, sub in enumerate(model.sub_headers):
            _put(sheet, top + 1, col + j, sub, f.head)
            layout.measure(col + j, longest_word(sub), bold=True)
            low.append((col + j, clean(sub)))
    for j, header in enumerate(model.end_headers):
        sheet.merge_range(top, end + j, top + 1, end + j, clean(header), f.head)
        layout.measure(end + j, longest_word(header), bold=True)
        tall.append((end + j, clean(header)))
    first = top + 2
    for r, row in enumerate(model.rows):
        y = first + r
        unit = "percent" if row.is_percent else "yes_no" if row.is_yes_no else "number"
        figure = f.figure(row.decimals, unit, words)
        for c, value in enumerate((row.level, row.code, row.name, row.unit)):
            _put(sheet, y, c, value, f.cell(text_wrap=True))
            layout.wrap(y, c, value)
        for c, (value, kind) in enumerate(zip(row.shown, model.value_kinds, strict=True), start=4):
            if kind == STATUS:
                _put(sheet, y, c, value, f.state(row.status))
            elif isinstance(value, str):
                _put(sheet, y, c, value, f.word())
            else:
                _put(sheet, y, c, value, figure if kind == FIGURE else f.share())
            if value is not None:
                layout.measure(c, value if isinstance(value, str) else
                               _number_text(value, 1 if kind == SHARE else row.decimals,
                                            "percent" if kind == SHARE else unit, model.lang))
    last_row = first + max(len(model.rows), 1) - 1
    sheet.freeze_panes(first, 3)
    sheet.autofilter(top + 1, 0, last_row, last_col)
    bounds = {0: (8, 16), 1: (8, 36), 2: (24, 42), 3: (8, 14)}
    layout.fit(bounds, default=(8, 16))
    blocks = [(0, fixed - 1)] + [(fixed + 3 * k, fixed + 3 * k + 2) for k in range(periods)] + [(end, last_col)]
    breaks = paginate(sheet, layout, last_col, blocks, repeat=(0, 2))
    # The title, the project and the notes, wrapped, span the table; over the repeated columns when the table
    # takes several pages across, so that each page shows them whole.
    span = 2 if breaks else last_col
    _put(sheet, 0, 0, model.title, f.title)
    sheet.set_row(0, 21)
    for k, text in enumerate([model.project_line] + model.notes, start=1):
        fmt = f.text if k == 1 else f.note_wrap
        if span > 0:
            sheet.merge_range(k, 0, k, span, clean(text), fmt)
        else:
            _put(sheet, k, 0, text, fmt)
        layout.wrap(k, 0, text, last=span, natural=False)
    layout.heights()
    # The period row holds one line; the row under it what the tallest merged header needs beyond that.
    lines = max([text_lines(text, layout.widths.get(c, 8.43), True) for c, text in tall] + [2])
    subs = max([text_lines(text, layout.widths.get(c, 8.43), True) for c, text in low] + [1])
    sheet.set_row(top, LINE_PT + 2)
    sheet.set_row(top + 1, max(lines - 1, subs) * LINE_PT + 2)
    _print_page(sheet, header_rows=(top, top + 1))
    header_footer(sheet, model.project_line, model.demo_label, model.title, model.page_label, suffix=" — &A")

    _long_sheet(book, f, model)
    if model.chart_series:
        _chart(book, f, model)
    book.close()
    return out.getvalue()


def _print_page(sheet, header_rows: tuple[int, int] | None) -> None:
    sheet.set_paper(9)
    sheet.set_landscape()
    sheet.set_margins(left=0.4, right=0.4, top=0.75, bottom=0.6)
    if header_rows:
        sheet.repeat_rows(*header_rows)


def _long_sheet(book, f: Formats, model: Iptt) -> None:
    """One row per value (total or category) and period, for filters and pivot tables."""
    data = book.add_worksheet(model.sheet_names["data"][:31])
    layout = Layout(data)
    words = (model.yes_word, model.no_word)
    statuses = {label: key for key, label in model.status_legend}
    formats = model.figure_formats or {}
    kinds = model.long_kinds or tuple("text" for _ in model.long_headers)
    for c, header in enumerate(model.long_headers):
        _put(data, 0, c, header, f.head)
        layout.measure(c, longest_word(header), bold=True)
        layout.wrap(0, c, header, bold=True, natural=False)
    widest: dict[tuple, float] = {}
    for r, row in enumerate(model.long_rows, start=1):
        decimals, unit = formats.get(row[2], (4, "number"))
        for c, value in enumerate(row):
            kind = kinds[c] if c < len(kinds) else "text"
            if kind == STATUS:
                fmt = f.state(statuses.get(value, "no_data"))
            elif kind in (FIGURE, SHARE) and isinstance(value, str):
                fmt = f.word()
            elif kind == FIGURE:
                fmt = f.figure(decimals, unit, words)
            elif kind == SHARE:
                fmt = f.share()
            else:
                fmt = f.cell(text_wrap=True) if kind == WRAP else f.cell()
            _put(data, r, c, value, fmt)
            if value is None or value == "":
                continue
            if kind == WRAP:
                layout.wrap(r, c, value)
            elif isinstance(value, str):
                layout.measure(c, value)
            elif kind == FIGURE and unit == "yes_no":
                layout.measure(c, max(words, key=len))
            else:  # numbers: only the widest of each column and format is measured, at the end
                key = (c, 1 if kind == SHARE else decimals, "percent" if kind == SHARE else unit)
                widest[key] = max(widest.get(key, 0), abs(value))
    for (c, decimals, unit), value in widest.items():
        layout.measure(c, _number_text(-value, decimals, unit, model.lang))
    last_col = len(model.long_headers) - 1
    data.freeze_panes(1, 3)
    data.autofilter(0, 0, max(len(model.long_rows), 1), last_col)
    # Wrapped columns are bounded; the others as wide as their longest entry (a code, a status) needs.
    layout.fit({c: (12, 30) if kind == WRAP else (6, 40) for c, kind in enumerate(kinds)} | {17: (16, 34)})
    layout.heights()
    _print_page(data, header_rows=(0, 0))
    paginate(data, layout, last_col, repeat=(2, 6))  # code, indicator, period and category on every page
    header_footer(data, model.project_line, model.demo_label, model.title, model.page_label, suffix=" — &A")


CHART_W, CHART_H, CHART_GAP = 500, 290, 14  # pixels; a 2 × 2 grid fits an A4 landscape page
CHART_COL = 14  # width of the chart sheet's columns


def _chart(book, f: Formats, model: Iptt) -> None:
    """A native line chart per key indicator (targets and actuals to date), two by two on one printed page,
    over the table they read from.

    Each chart's title and series names point at cells of the table: XlsxWriter reads a title given as
    text that looks like a reference ("Data!A1 …") as a formula, so the indicator's name is never passed as one.
    """
    sheet = book.add_worksheet(model.sheet_names["chart"][:31])
    name = sheet.get_name()  # XlsxWriter quotes it in references
    count = len(model.chart_series)
    across = 1 if count == 1 else 2
    grid_w = across * (CHART_W + CHART_GAP)
    grid_h = math.ceil(count / across) * (CHART_H + CHART_GAP)
    col_px = column_px(CHART_COL)
    series_cols = 1 + 2 * count
    sheet.set_column(0, max(series_cols, math.ceil(grid_w / col_px)), CHART_COL)
    _put(sheet, 0, 0, model.chart_title, f.title)
    sheet.set_row(0, 21)
    first_chart_row = 2
    last_print_row = first_chart_row + math.ceil(grid_h / ROW_PX)
    top = last_print_row + 2  # the table, below what prints
    rows = len(model.period_labels)
    layout = Layout(sheet)
    layout.widths = {c: CHART_COL for c in range(series_cols)}
    _put(sheet, top, 0, "", f.head)
    _put(sheet, top + 1, 0, "", f.head)
    for k, label in enumerate(model.period_labels, start=top + 2):
        _put(sheet, k, 0, label, f.cell())
    for s, series in enumerate(model.chart_series):
        col = 1 + 2 * s
        sheet.merge_range(top, col, top, col + 1, clean(series.name)[:250], f.head)
        layout.wrap(top, col, clean(series.name)[:250], bold=True, last=col + 1, natural=False)
        _put(sheet, top + 1, col, model.target_word, f.head)
        _put(sheet, top + 1, col + 1, model.actual_word, f.head)
        layout.wrap(top + 1, col, model.target_word, bold=True, natural=False)
        layout.wrap(top + 1, col + 1, model.actual_word, bold=True, natural=False)
        unit = "percent" if series.is_percent else "number"
        figure = f.figure(series.decimals, unit)
        for k in range(rows):
            _put(sheet, top + 2 + k, col, series.targets[k], figure)
            _put(sheet, top + 2 + k, col + 1, series.actuals[k], figure)
        chart = book.add_chart({"type": "line"})
        for offset, dash in ((0, "dash"), (1, None)):
            line = {"name": [name, top + 1, col + offset], "categories": [name, top + 2, 0, top + 1 + rows, 0],
                    "values": [name, top + 2, col + offset, top + 1 + rows, col + offset]}
            if dash:
                line["line"] = {"dash_type": dash, "color": "#9AA5B1"}
            else:
                line["line"] = {"color": "#1F5F99"}
                line["marker"] = {"type": "circle", "size": 4}
            chart.add_series(line)
        chart.set_title({"name": [name, top, col], "name_font": {"size": 10}})
        chart.set_legend({"position": "bottom"})
        chart.set_y_axis({"num_format": percent_format(0, model.lang) if series.is_percent
                          else decimal_pattern(series.decimals),
                          "major_gridlines": {"visible": True, "line": {"color": "#E5E9EF"}}})
        chart.set_size({"width": CHART_W, "height": CHART_H})
        sheet.insert_chart(first_chart_row, 0, chart, {
            "x_offset": (s % across) * (CHART_W + CHART_GAP), "y_offset": (s // across) * (CHART_H + CHART_GAP)})
    layout.heights()
    _print_page(sheet, header_rows=None)
    sheet.print_area(0, 0, last_print_row, math.ceil(grid_w / col_px) - 1)
    sheet.fit_to_pages(1, 1)  # the charts on one page: none is cut by a page break
    header_footer(sheet, model.project_line, model.demo_label, model.title, model.page_label, suffix=" — &A")


# --- the donor portfolio --------------------------------------------------------------------------------------
def render_portfolio(model) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, OPTIONS)
    f = Formats(book)
    sheet = book.add_worksheet(model.sheet_names["summary"][:31])
    _put(sheet, 0, 0, f"{model.title} — {model.funder}", f.title)
    for k, note in enumerate(model.notes + [model.generated]):
        _put(sheet, 1 + k, 0, note, f.note)
    top = 2 + len(model.notes) + 1
    for c, header in enumerate(model.summary_headers):
        _put(sheet, top, c, header, f.head)
    for r, s in enumerate(model.summary, start=top + 1):
        for c, value in enumerate((s.code, s.title, s.countries, s.last_approved)):
            _put(sheet, r, c, value, f.text if c == 1 else f.plain)
        _put(sheet, r, 4, s.completeness, f.fraction)
        _put(sheet, r, 5, s.timeliness, f.fraction)
        for c, value in enumerate((s.on_track, s.at_risk, s.off_track), start=6):
            _put(sheet, r, c, value, f.number(0))
    sheet.freeze_panes(top + 1, 1)
    sheet.autofilter(top, 0, top + max(len(model.summary), 1), len(model.summary_headers) - 1)
    sheet.set_column(0, 0, 16)
    sheet.set_column(1, 1, 50)
    sheet.set_column(2, 2, 28)
    sheet.set_column(3, 8, 13)
    print_setup(sheet, (top, top))

    keys = book.add_worksheet(model.sheet_names["key"][:31])
    headers = (model.summary_headers[0],) + model.key_headers
    for c, header in enumerate(headers):
        _put(keys, 0, c, header, f.head)
    r = 1
    for summary, page in zip(model.summary, model.pages, strict=False):
        for row in page.key_rows:
            number = f.number(row.decimals, row.is_percent)
            _put(keys, r, 0, summary.code, f.plain)
            _put(keys, r, 1, f"{row.code} — {row.name}", f.text)
            _put(keys, r, 2, row.raw_end, number)
            _put(keys, r, 3, row.raw_to_date, number)
            _put(keys, r, 4, row.raw_of_end, f.fraction)
            _put(keys, r, 5, row.status_label, f.status[row.status])
            r += 1
    keys.freeze_panes(1, 1)
    keys.autofilter(0, 0, max(r - 1, 1), len(headers) - 1)
    keys.set_column(0, 0, 16)
    keys.set_column(1, 1, 60)
    keys.set_column(2, 5, 15)
    print_setup(keys, (0, 0))
    book.close()
    return out.getvalue()


# --- the annex ------------------------------------------------------------------------------------------------
# Widest each annex column may grow (category, subsection, actor, name, countries, summary, figures, sources,
# linked projects, results): under 200 characters in all, so that one page wide prints at about 70 %.
ANNEX_MAX = (13, 13, 14, 20, 12, 42, 22, 20, 11, 28)


def render_annex(model) -> bytes:
    """One row per practice, wrapped, filters and a frozen header; every text written as text."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, OPTIONS)
    f = Formats(book, getattr(model, "lang", "en"))
    sheet = book.add_worksheet(model.sheet_name[:31])
    layout = Layout(sheet)
    last_col = len(model.xlsx_headers) - 1
    for c, header in enumerate(model.xlsx_headers):
        _put(sheet, 3, c, header, f.head)
        layout.measure(c, longest_word(header), bold=True)
        layout.wrap(3, c, header, bold=True, natural=False)
    body = f.cell(text_wrap=True)
    for r, row in enumerate(model.rows, start=4):
        for c, value in enumerate(row):
            _put(sheet, r, c, value, body)
            layout.wrap(r, c, value)
    sheet.freeze_panes(4, 3)
    sheet.autofilter(3, 0, 3 + max(len(model.rows), 1), last_col)
    layout.fit({c: (8, high) for c, high in enumerate(ANNEX_MAX)}, default=(8, 24))
    _put(sheet, 0, 0, model.title, f.title)
    sheet.set_row(0, 21)
    subtitle = " — ".join(x for x in (model.subtitle, model.generated) if x)
    note = book.add_format({"italic": True, "font_color": "#5E6B7B", "text_wrap": True, "valign": "top"})
    if last_col > 0:
        sheet.merge_range(1, 0, 1, last_col, clean(subtitle), note)
    else:
        _put(sheet, 1, 0, subtitle, note)
    layout.wrap(1, 0, subtitle, last=last_col, natural=False)
    layout.heights()
    _print_page(sheet, header_rows=(3, 3))
    sheet.fit_to_pages(1, 0)
    # The annex's model names no page in words: the page number reads the same in every language.
    header_footer(sheet, model.title, model.subtitle, model.generated, "&P / &N", bold_right=False)
    book.close()
    return out.getvalue()
