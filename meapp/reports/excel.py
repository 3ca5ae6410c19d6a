"""Render built reports to .xlsx bytes with XlsxWriter: number formats, not text; user text never a formula."""
from __future__ import annotations

import io

import xlsxwriter

from meapp.core.numbers import decimal_pattern
from meapp.reports.iptt import Iptt
from meapp.reports.metrics import STATUS_COLOURS
from meapp.reports.text import clean

OPTIONS = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
INK, HEAD = "#1D2733", "#E7EEF6"


def _number_format(decimals: int, percent: bool = False) -> str:
    base = decimal_pattern(decimals)
    return base + '" %"' if percent else base


class Formats:
    """XlsxWriter formats created once per workbook and reused."""

    def __init__(self, book):
        self.book = book
        self.title = book.add_format({"bold": True, "font_size": 14, "font_color": "#1F5F99"})
        self.note = book.add_format({"italic": True, "font_color": "#5E6B7B"})
        self.head = book.add_format({"bold": True, "bg_color": HEAD, "border": 1, "border_color": "#B9C2CE",
                                     "text_wrap": True, "valign": "top"})
        self.head_centre = book.add_format({"bold": True, "bg_color": HEAD, "border": 1, "border_color": "#B9C2CE",
                                            "align": "center"})
        self.text = book.add_format({"text_wrap": True, "valign": "top"})
        self.plain = book.add_format({"valign": "top"})
        self.fraction = book.add_format({"num_format": "0.0%", "valign": "top"})
        self._numbers: dict[tuple[int, bool], object] = {}
        self.status = {key: book.add_format({"bg_color": f"#{colour}", "valign": "top"})
                       for key, colour in STATUS_COLOURS.items()}

    def number(self, decimals: int, percent: bool = False):
        key = (decimals, percent)
        if key not in self._numbers:
            self._numbers[key] = self.book.add_format({"num_format": _number_format(decimals, percent),
                                                       "valign": "top"})
        return self._numbers[key]


def _print_setup(sheet, header_rows: tuple[int, int] | None = None) -> None:
    """A4 landscape, as wide as one page, header rows repeated: prints and converts to PDF legibly."""
    sheet.set_paper(9)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    if header_rows:
        sheet.repeat_rows(*header_rows)


def _put(sheet, row: int, col: int, value, fmt=None) -> None:
    """Numbers as numbers, everything else as literal text (never a formula, never a link), cleaned of the
    control characters old data may hold."""
    if value is None:
        sheet.write_blank(row, col, None, fmt)
    elif isinstance(value, (int, float)) or hasattr(value, "as_tuple"):
        sheet.write_number(row, col, float(value), fmt)
    else:
        sheet.write_string(row, col, clean(value), fmt)


def render_iptt(model: Iptt) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, OPTIONS)
    f = Formats(book)
    sheet = book.add_worksheet(model.sheet_names["iptt"][:31])
    _put(sheet, 0, 0, model.title, f.title)
    _put(sheet, 1, 0, model.project_line)
    for k, note in enumerate(model.notes):
        _put(sheet, 2 + k, 0, note, f.note)
    top = 3 + len(model.notes)
    fixed, periods = len(model.fixed_headers), len(model.period_labels)
    for c, header in enumerate(model.fixed_headers):
        sheet.merge_range(top, c, top + 1, c, clean(header), f.head)
    for k, label in enumerate(model.period_labels):
        col = fixed + 3 * k
        sheet.merge_range(top, col, top, col + 2, clean(label), f.head_centre)
        for j, sub in enumerate(model.sub_headers):
            _put(sheet, top + 1, col + j, sub, f.head)
    end = fixed + 3 * periods
    for j, header in enumerate(model.end_headers):
        sheet.merge_range(top, end + j, top + 1, end + j, clean(header), f.head)
    first = top + 2
    for r, row in enumerate(model.rows):
        y = first + r
        number = f.number(row.decimals, row.is_percent)
        for c, value in enumerate((row.level, row.code, row.name, row.unit)):
            _put(sheet, y, c, value, f.text if c == 2 else f.plain)
        _put(sheet, y, 4, row.baseline, number)
        _put(sheet, y, 5, row.lop_target, number)
        for k, cell in enumerate(row.cells):
            col = fixed + 3 * k
            _put(sheet, y, col, cell.target, number)
            _put(sheet, y, col + 1, cell.actual, number)
            _put(sheet, y, col + 2, cell.met, f.fraction)
        _put(sheet, y, end, row.to_date, number)
        _put(sheet, y, end + 1, row.of_lop, f.fraction)
        _put(sheet, y, end + 2, row.status_label, f.status[row.status])
    last_row = first + max(len(model.rows), 1) - 1
    sheet.freeze_panes(first, 3)
    sheet.autofilter(top + 1, 0, last_row, end + 2)
    sheet.set_column(0, 1, 12)
    sheet.set_column(2, 2, 48)
    sheet.set_column(3, 5, 11)
    sheet.set_column(fixed, end - 1, 9)
    sheet.set_column(end, end + 2, 13)
    sheet.set_row(top + 1, 30)
    _print_setup(sheet, (top, top + 1))

    data = book.add_worksheet(model.sheet_names["data"][:31])
    for c, header in enumerate(model.long_headers):
        _put(data, 0, c, header, f.head)
    for r, row in enumerate(model.long_rows, start=1):
        for c, value in enumerate(row):
            _put(data, r, c, value, f.number(4) if c == 7 else None)
    data.freeze_panes(1, 0)
    data.autofilter(0, 0, max(len(model.long_rows), 1), len(model.long_headers) - 1)
    data.set_column(0, 2, 12)
    data.set_column(3, 3, 48)
    data.set_column(4, 8, 14)
    _print_setup(data, (0, 0))

    if model.chart_series:
        _chart(book, f, model)
    book.close()
    return out.getvalue()


def _chart(book, f: Formats, model: Iptt) -> None:
    """A native line chart per key indicator (targets and actuals to date), on its own sheet.

    Each chart's title and series names point at cells above its data: XlsxWriter reads a title given as
    text that looks like a reference ("Data!A1 …") as a formula, so the indicator's name is never passed as one.
    """
    sheet = book.add_worksheet(model.sheet_names["chart"][:31])
    name = sheet.get_name()  # XlsxWriter quotes it in references
    _put(sheet, 0, 0, "", f.head)
    _put(sheet, 1, 0, "", f.head)
    rows = len(model.period_labels)
    for k, label in enumerate(model.period_labels, start=2):
        _put(sheet, k, 0, label)
    for s, (title, targets, actuals) in enumerate(model.chart_series):
        col = 1 + 2 * s
        sheet.merge_range(0, col, 0, col + 1, clean(title)[:120], f.head)
        _put(sheet, 1, col, model.target_word, f.head)
        _put(sheet, 1, col + 1, model.actual_word, f.head)
        for k in range(rows):
            _put(sheet, k + 2, col, targets[k])
            _put(sheet, k + 2, col + 1, actuals[k])
        chart = book.add_chart({"type": "line"})
        for offset, dash in ((0, "dash"), (1, None)):
            series = {"name": [name, 1, col + offset], "categories": [name, 2, 0, rows + 1, 0],
                      "values": [name, 2, col + offset, rows + 1, col + offset]}
            if dash:
                series["line"] = {"dash_type": dash, "color": "#9AA5B1"}
            else:
                series["line"] = {"color": "#1F5F99"}
                series["marker"] = {"type": "circle", "size": 4}
            chart.add_series(series)
        chart.set_title({"name": [name, 0, col], "name_font": {"size": 10}})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": 620, "height": 300})
        sheet.insert_chart(2 + s * 16, 2 + 2 * len(model.chart_series), chart)
    sheet.set_column(0, 0, 12)


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
    _print_setup(sheet, (top, top))

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
    _print_setup(keys, (0, 0))
    book.close()
    return out.getvalue()


def render_annex(model) -> bytes:
    """One row per practice, filters and a frozen header; every text written as text."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, OPTIONS)
    f = Formats(book)
    sheet = book.add_worksheet(model.sheet_name[:31])
    _put(sheet, 0, 0, model.title, f.title)
    _put(sheet, 1, 0, " — ".join(x for x in (model.subtitle, model.generated) if x), f.note)
    for c, header in enumerate(model.xlsx_headers):
        _put(sheet, 3, c, header, f.head)
    for r, row in enumerate(model.rows, start=4):
        for c, value in enumerate(row):
            _put(sheet, r, c, value, f.text)
    sheet.freeze_panes(4, 3)
    sheet.autofilter(3, 0, 3 + max(len(model.rows), 1), len(model.xlsx_headers) - 1)
    for c, width in enumerate((30, 28, 24, 36, 18, 70, 40, 40, 14, 50)):
        sheet.set_column(c, c, width)
    _print_setup(sheet, (3, 3))
    book.close()
    return out.getvalue()
