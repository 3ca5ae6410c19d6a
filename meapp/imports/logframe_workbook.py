"""A project's logframe as an Excel workbook, out and back (pure: no Flask, no database).

`write_logframe` lays a `LogframeSpec` out in sheets an M&E officer edits in Excel or LibreOffice; `read_logframe`
reads such a workbook back into a `LogframeSpec` whose every item maps each field to its cell ("Indicators!C5"),
so that the logframe service's own problems name the cell too. Writing then reading gives the same spec.

The sheets, in the language asked (headings and list labels of both languages are read back):
- Instructions; Levels (code, kind, parent, statements); Indicators (one row each, every attribute);
  Targets; Rules; and a hidden sheet "meapp" (format, project, language, logframe version at export, the
  shared disaggregations, and the lists the drop-downs offer).
- Disaggregations: one yes/no column per shared disaggregation type on the Indicators sheet, not a
  comma-separated list of keys: the officer picks from a drop-down under a heading that names the type in
  their language, cannot misspell a key, and sees at a glance which indicators are split by sex.
- Targets: a grid, one row per indicator (and category combination), one column per period, as logframes
  and IPTTs show them: a year of targets reads across one row and a new period is one cell to fill, where a
  long list (indicator, period, value) would repeat the indicator on every line. A combination is the
  canonical key ("sex=F"; "age_group=15-24|sex=F"); empty for the total.
Text is always written as text (a statement starting with "=" stays text); a formula found when reading is a
problem, never evaluated. Numbers are numbers, shown with the indicator's decimals; one that a spreadsheet
cannot hold exactly (more than 15 significant digits) is written as text and read back exactly.
"""
from __future__ import annotations

import datetime as dt
import io
import math
import re
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from xml.etree.ElementTree import ParseError

import xlsxwriter

from meapp.core.messages import N_
from meapp.core.periods import Frequency, Period, PeriodError
from meapp.core.problems import Problem
from meapp.imports.upload import (
    DEFAULT_MAX_BYTES,
    NOT_A_WORKBOOK,
    Cell,
    SheetReader,
    normalised,
    open_workbook,
    refusal,
    sheet_ref,
)
from meapp.logframes.spec import IndicatorSpec, LevelSpec, LogframeSpec, RuleSpec, TargetSpec, plain
from meapp.reports.excel import OPTIONS
from meapp.reports.excel_layout import Layout, longest_word
from meapp.reports.i18n import Lang

FORMAT = "meapp-logframe"
FORMAT_VERSION = 1
META_SHEET = "meapp"  # hidden; the same name in every language
MAX_ROWS = 5000  # of any sheet: a logframe, not a data dump
LANGUAGES = ("en", "fr")

# --- what the sheets hold ------------------------------------------------------------------------------------
SHEETS = {"instructions": N_("Instructions"), "levels": N_("Levels"), "indicators": N_("Indicators"),
          "targets": N_("Targets"), "rules": N_("Rules")}
KINDS = (("impact", N_("Impact")), ("outcome", N_("Outcome")), ("output", N_("Output")),
         ("activity", N_("Activity")))
UNITS = (("number", N_("Number")), ("percent", N_("Percent")), ("currency", N_("Currency")),
         ("yes_no", N_("Yes/no")), ("text", N_("Text")))
AGGREGATIONS = (("sum", N_("Sum of periods")), ("latest", N_("Latest value")), ("max", N_("Maximum")),
                ("average", N_("Average")))
DIRECTIONS = (("increase", N_("Increase")), ("decrease", N_("Decrease")))
SEVERITIES = (("error", N_("Error")), ("warning", N_("Warning")), ("info", N_("Information")))
MISSING = (("skip_if_any", N_("Skip the rule if any value is missing")),
           ("skip_if_all", N_("Skip the rule only if all values are missing")),
           ("never_skip", N_("Never skip: missing values count as 0")))
# Words first: a cell starting with "=" or "<" typed by hand is a formula or an odd string in Excel.
OPERATORS = (("==", N_("equal to (=)")), ("!=", N_("different from (≠)")), ("<", N_("less than (<)")),
             ("<=", N_("at most (≤)")), (">", N_("more than (>)")), (">=", N_("at least (≥)")))
YES_NO = ((True, N_("Yes")), (False, N_("No")))
# Also read: what people type or other tools write.
_EXTRA_LABELS = {
    "operator": {"=": "==", "==": "==", "!=": "!=", "<>": "!=", "≠": "!=", "<": "<", "<=": "<=", "≤": "<=",
                 ">": ">", ">=": ">=", "≥": ">="},
    "flag": {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False, "oui": True,
             "non": False, "vrai": True, "faux": False, "y": True, "n": False, "o": True, "x": True},
}


@dataclass(frozen=True)
class Column:
    field: str  # the spec's field
    header: str  # msgid
    kind: str  # code | text | long_text | choice | flag | number | whole | date
    choices: tuple = ()
    required: bool = False
    default: object = None
    bounds: tuple[float, float] = (8, 24)


LEVEL_COLUMNS = (
    Column("code", N_("Code"), "code", required=True, bounds=(8, 14)),
    Column("kind", N_("Kind of result"), "choice", KINDS, required=True, bounds=(10, 16)),
    Column("parent", N_("Parent level"), "code", bounds=(8, 14)),
    Column("statement_en", N_("Statement (English)"), "long_text", bounds=(24, 50)),
    Column("statement_fr", N_("Statement (French)"), "long_text", bounds=(24, 50)),
)
INDICATOR_COLUMNS = (
    Column("code", N_("Code"), "code", required=True, bounds=(8, 16)),
    Column("level", N_("Level"), "code", required=True, bounds=(8, 12)),
    Column("name_en", N_("Name (English)"), "long_text", bounds=(20, 40)),
    Column("name_fr", N_("Name (French)"), "long_text", bounds=(20, 40)),
    Column("definition_en", N_("Definition (English)"), "long_text", bounds=(20, 40)),
    Column("definition_fr", N_("Definition (French)"), "long_text", bounds=(20, 40)),
    Column("unit", N_("Unit"), "choice", UNITS, default="number", bounds=(10, 14)),
    Column("currency", N_("Currency (ISO code)"), "code", bounds=(9, 12)),
    Column("aggregation", N_("Adds up as"), "choice", AGGREGATIONS, default="sum", bounds=(12, 20)),
    Column("direction", N_("Direction"), "choice", DIRECTIONS, default="increase", bounds=(10, 14)),
    Column("is_cumulative", N_("Cumulative"), "flag", YES_NO, default=False, bounds=(8, 12)),
    Column("baseline_value", N_("Baseline"), "number", bounds=(9, 16)),
    Column("baseline_date", N_("Baseline date"), "date", bounds=(11, 14)),
    Column("target_value", N_("End target"), "number", bounds=(9, 16)),
    Column("min_value", N_("Minimum"), "number", bounds=(9, 16)),
    Column("max_value", N_("Maximum"), "number", bounds=(9, 16)),
    Column("decimals", N_("Decimals"), "whole", default=0, bounds=(8, 10)),
    Column("is_required", N_("Required"), "flag", YES_NO, default=True, bounds=(8, 12)),
    Column("is_key", N_("Key indicator"), "flag", YES_NO, default=False, bounds=(8, 12)),
    Column("means_of_verification_en", N_("Means of verification (English)"), "long_text", bounds=(20, 36)),
    Column("means_of_verification_fr", N_("Means of verification (French)"), "long_text", bounds=(20, 36)),
    Column("retired", N_("Retired"), "flag", YES_NO, default=False, bounds=(8, 12)),
)
DISAGGREGATION_HEADER = N_("Disaggregation: %(name)s")
TARGET_COLUMNS = (
    Column("indicator", N_("Indicator code"), "code", required=True, bounds=(8, 16)),
    Column("name", N_("Indicator (for reference, not read)"), "text", bounds=(20, 40)),
    Column("combination", N_("Categories (empty for the total)"), "code", bounds=(12, 30)),
)
RULE_COLUMNS = (
    Column("code", N_("Code"), "code", required=True, bounds=(8, 10)),
    Column("left", N_("Left expression"), "text", required=True, bounds=(14, 40)),
    Column("operator", N_("Comparison"), "choice", OPERATORS, required=True, bounds=(12, 20)),
    Column("right", N_("Right expression"), "text", required=True, bounds=(14, 40)),
    Column("severity", N_("Severity"), "choice", SEVERITIES, default="error", bounds=(10, 16)),
    Column("missing_value_strategy", N_("When values are missing"), "choice", MISSING, default="skip_if_any",
           bounds=(20, 36)),
    Column("message_en", N_("Message (English)"), "long_text", bounds=(20, 40)),
    Column("message_fr", N_("Message (French)"), "long_text", bounds=(20, 40)),
    Column("is_active", N_("Rule in force"), "flag", YES_NO, default=True, bounds=(8, 12)),
)
COLUMNS = {"levels": LEVEL_COLUMNS, "indicators": INDICATOR_COLUMNS, "targets": TARGET_COLUMNS,
           "rules": RULE_COLUMNS}
_REFERENCE_ONLY = {("targets", "name")}  # shown to help, never read
_NUMBER_LIMIT = Decimal(10) ** 14  # the database's Numeric(18, 4)

# --- problems --------------------------------------------------------------------------------------------------
NOT_A_LOGFRAME = N_("This workbook is not a logframe exported by meapp (its hidden sheet “meapp” says “%(format)s”).")
NEWER_FORMAT = N_("This workbook was made by a newer version of meapp (format %(version)s): export the logframe "
                  "again and make your changes in the new file.")
MISSING_SHEET = N_("The sheet “%(sheet)s” is missing: keep every sheet of the exported workbook.")
MISSING_COLUMN = N_("The column “%(column)s” is missing: keep every column of the exported workbook.")
UNKNOWN_COLUMN = N_("The column “%(column)s” is not one meapp reads: it is ignored.")
DUPLICATE_COLUMN = N_("The column “%(column)s” appears twice.")
DUPLICATE = N_("Already given at %(first)s.")
BAD_NUMBER = N_("“%(value)s” is beyond what a logframe holds.")


@dataclass(frozen=True)
class DisaggregationChoice:
    """A shared disaggregation type the indicators may be split by (the shared library, in its order)."""

    key: str
    name_en: str
    name_fr: str = ""
    categories: tuple[str, ...] = ()

    def name(self, lang: str) -> str:
        return (self.name_fr if lang == "fr" else self.name_en) or self.name_en or self.name_fr or self.key


@dataclass
class Metadata:
    format: str = ""
    format_version: int | None = None
    project: str = ""
    lang: str = ""
    logframe_version: int | None = None
    disaggregations: list[DisaggregationChoice] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"format": self.format, "format_version": self.format_version, "project": self.project,
                "lang": self.lang, "logframe_version": self.logframe_version,
                "disaggregations": list(self.disaggregations)}


# --- labels, in both languages ----------------------------------------------------------------------------------
@lru_cache(maxsize=8)
def _lang(code: str) -> Lang:
    return Lang(code if code in LANGUAGES else "en")


def _label(lang: str, msgid: str, **params) -> str:
    return _lang(lang)._(msgid, **params)


@lru_cache(maxsize=64)
def _choice_labels(choices: tuple, extra: str | None = None) -> dict[str, object]:
    """normalised label (either language) or key → key."""
    labels: dict[str, object] = {}
    for key, msgid in choices:
        if not isinstance(key, bool):
            labels[normalised(key)] = key
        for lang in LANGUAGES:
            labels[normalised(_label(lang, msgid))] = key
    labels.update({normalised(k): v for k, v in _EXTRA_LABELS.get(extra or "", {}).items()})
    return labels


def _headers(sheet: str) -> dict[str, str]:
    """normalised heading (either language) or field name → field."""
    found = {}
    for column in COLUMNS[sheet]:
        found[normalised(column.field)] = column.field
        for lang in LANGUAGES:
            found[normalised(_label(lang, column.header))] = column.field
    return found


def _sheet_names(key: str) -> set[str]:
    return {normalised(_label(lang, SHEETS[key])) for lang in LANGUAGES} | {normalised(key)}


def _period_sort_key(period: Period):
    return period.start_date, period.frequency.per_year


_PERIOD_LABEL = re.compile(r"^([QTHS])\s*([1-4])\s+(\d{4})$", re.IGNORECASE)


def _parse_period(text: str) -> Period | None:
    """"2021Q1", "Q1 2021" or "T1 2021" (a quarter), "2021H1", "H1 2021" or "S1 2021" (a half-year), "2021"."""
    try:
        return Period.parse(text)
    except PeriodError:
        pass
    match = _PERIOD_LABEL.match(text.strip())
    if not match:
        return None
    letter, number, year = match.groups()
    frequency = Frequency.QUARTERLY if letter.upper() in "QT" else Frequency.SEMIANNUAL
    try:
        return Period(int(year), int(number), frequency)
    except PeriodError:
        return None


# --- writing ------------------------------------------------------------------------------------------------------
def write_logframe(spec: LogframeSpec, *, project_code: str, project_title: str = "", lang: str = "en",
                   periods: Iterable = (), disaggregation_choices: Sequence[DisaggregationChoice] = (),
                   logframe_version: int | None = None) -> bytes:
    """The logframe as .xlsx bytes in `lang` (fr or en): the sheets above, ready to edit and import back."""
    lang = lang if lang in LANGUAGES else "en"
    t = _lang(lang)
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, OPTIONS)
    writer = _Writer(book, t, lang)
    choices = list(disaggregation_choices)
    known = {c.key for c in choices}
    for indicator in spec.indicators:  # an indicator split by a type the library no longer lists keeps it
        for key in indicator.disaggregations:
            if key not in known:
                choices.append(DisaggregationChoice(key, key, key))
                known.add(key)
    titles = {key: t._(msgid)[:31] for key, msgid in SHEETS.items()}
    sheets = {key: book.add_worksheet(titles[key]) for key in SHEETS}
    meta = book.add_worksheet(META_SHEET)
    lists = writer.lists(meta, choices)
    writer.instructions(sheets["instructions"], titles, project_code, project_title, choices)
    writer.levels(sheets["levels"], spec, lists, titles)
    writer.indicators(sheets["indicators"], spec, lists, titles, choices)
    found = {_as_period(p) for p in periods} | {_as_period(target.period) for target in spec.targets}
    period_list = sorted((p for p in found if p is not None), key=_period_sort_key)
    writer.targets(sheets["targets"], spec, period_list, titles)
    writer.rules(sheets["rules"], spec, lists)
    writer.metadata(meta, project_code, project_title, logframe_version, choices)
    meta.hide()
    sheets["instructions"].activate()
    book.close()
    return out.getvalue()


def _as_period(value) -> Period | None:
    if isinstance(value, Period):
        return value
    try:
        return Period.parse(str(value))
    except PeriodError:
        return None


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _spreadsheet_number(value: Decimal) -> float | None:
    """The float a spreadsheet stores for `value`, when it gives `value` back exactly (15 significant digits)."""
    if len(value.normalize().as_tuple().digits) > 15:
        return None
    number = float(value)
    if not math.isfinite(number) or Decimal(repr(float(f"{number:.16G}"))) != value:
        return None
    return number


class _Writer:
    """One workbook's formats and the sheets written with them."""

    def __init__(self, book, t: Lang, lang: str):
        self.book, self.t, self.lang = book, t, lang
        border = {"border": 1, "border_color": "#C9D1DB", "valign": "top"}
        self.head = book.add_format({"bold": True, "bg_color": "#E7EEF6", "border": 1, "border_color": "#B9C2CE",
                                     "text_wrap": True, "valign": "top"})
        self.text = book.add_format({"num_format": "@", **border})
        self.wrap = book.add_format({"num_format": "@", "text_wrap": True, **border})
        self.reference = book.add_format({"num_format": "@", "italic": True, "font_color": "#5E6B7B",
                                          "text_wrap": True, **border})
        self.date = book.add_format({"num_format": "yyyy-mm-dd", **border})
        self.whole = book.add_format({"num_format": "0", **border})
        self.title = book.add_format({"bold": True, "font_size": 14, "font_color": "#1F5F99"})
        self.para = book.add_format({"text_wrap": True, "valign": "top"})
        self.bold = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        self._numbers: dict[int, object] = {}
        self._border = border

    def number_format(self, decimals: int):
        decimals = min(max(decimals, 0), 10)
        if decimals not in self._numbers:
            pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
            self._numbers[decimals] = self.book.add_format({"num_format": pattern, **self._border})
        return self._numbers[decimals]

    # --- cells --------------------------------------------------------------------------------------------------
    def put(self, sheet, layout: Layout, row: int, col: int, column: Column, value, decimals: int = 0) -> None:
        kind = column.kind
        if kind == "choice":
            label = dict(column.choices).get(value)
            value = self.t._(label) if label is not None else (value or "")
            kind = "code"
        elif kind == "flag":
            value = self.t._(dict(YES_NO)[bool(value)])
            kind = "code"
        if kind in ("code", "text", "long_text"):
            fmt = self.wrap if kind == "long_text" else self.text
            if value:
                sheet.write_string(row, col, str(value), fmt)  # never a formula, whatever it starts with
                if kind == "long_text":
                    layout.wrap(row, col, str(value))
                else:
                    layout.measure(col, str(value))
            else:
                sheet.write_blank(row, col, None, fmt)
        elif kind == "number":
            self.put_number(sheet, layout, row, col, value, decimals)
        elif kind == "whole":
            sheet.write_number(row, col, int(value), self.whole)
        elif kind == "date":
            if value is None:
                sheet.write_blank(row, col, None, self.date)
            else:
                sheet.write_datetime(row, col, dt.datetime.combine(value, dt.time()), self.date)
                layout.measure(col, "2000-00-00")

    def put_number(self, sheet, layout: Layout, row: int, col: int, value: Decimal | None, decimals: int) -> None:
        if value is None:
            sheet.write_blank(row, col, None, self.number_format(decimals))
            return
        places = max(decimals, _places(value))
        number = _spreadsheet_number(value)
        if number is None:  # beyond a spreadsheet's 15 digits: text, read back exactly
            shown = format(value.normalize(), "f")
            sheet.write_string(row, col, shown, self.text)
        else:
            shown = f"{number:,.{min(places, 10)}f}"
            sheet.write_number(row, col, number, self.number_format(places))
        layout.measure(col, shown)

    # --- sheets ---------------------------------------------------------------------------------------------------
    def header(self, sheet, layout: Layout, headers: list[str], freeze_columns: int = 1) -> None:
        for col, text in enumerate(headers):
            sheet.write_string(0, col, text, self.head)
            layout.measure(col, longest_word(text), bold=True)
            layout.wrap(0, col, text, bold=True, natural=False)
        sheet.freeze_panes(1, freeze_columns)

    def finish(self, sheet, layout: Layout, columns: Sequence[Column], rows: int, extra: int = 0) -> None:
        bounds = {k: c.bounds for k, c in enumerate(columns)}
        for k in range(len(columns), len(columns) + extra):
            bounds[k] = (9, 16)
        layout.fit(bounds)
        for col, column in enumerate(columns):  # cells typed later in an empty row take the column's format
            fmt = {"code": self.text, "text": self.text, "long_text": self.wrap, "choice": self.text,
                   "flag": self.text, "date": self.date, "whole": self.whole}.get(column.kind)
            if fmt is not None:
                sheet.set_column(col, col, layout.widths.get(col, 10), fmt)
        layout.heights()
        last = len(columns) + extra - 1
        sheet.autofilter(0, 0, max(rows, 1), last)

    def validate(self, sheet, column_index: int, source: str, stop: bool = True) -> None:
        """A drop-down list on the column's data rows, from a range of the hidden sheet or another sheet."""
        sheet.data_validation(1, column_index, MAX_ROWS, column_index, {
            "validate": "list", "source": source, "error_type": "stop" if stop else "warning",
            "error_title": self.t._("Not in the list")[:32],
            "error_message": self.t._("Choose a value from the drop-down list.")[:255],
        })

    def list_validations(self, sheet, columns: Sequence[Column], lists: dict[str, str]) -> None:
        for col, column in enumerate(columns):
            if column.kind == "flag":
                self.validate(sheet, col, lists["flag"])
            elif column.kind == "choice":
                self.validate(sheet, col, lists[column.field])
            elif column.kind == "whole":
                sheet.data_validation(1, col, MAX_ROWS, col, {
                    "validate": "integer", "criteria": "between", "minimum": 0, "maximum": 4,
                    "error_title": self.t._("Not in the list")[:32],
                    "error_message": self.t._("Write a whole number from 0 to 4.")[:255]})

    def lists(self, meta, choices: list[DisaggregationChoice]) -> dict[str, str]:
        """The drop-downs' labels, one column each on the hidden sheet; returns field → range formula."""
        out = {}
        named = {"kind": KINDS, "unit": UNITS, "aggregation": AGGREGATIONS, "direction": DIRECTIONS,
                 "severity": SEVERITIES, "missing_value_strategy": MISSING, "operator": OPERATORS, "flag": YES_NO}
        for k, (name, options) in enumerate(named.items()):
            col = 8 + k
            meta.write_string(0, col, name)
            for row, (_key, msgid) in enumerate(options, start=1):
                meta.write_string(row, col, self.t._(msgid))
            letter = _column_letter(col)
            out[name] = f"={sheet_ref(META_SHEET)}!${letter}$2:${letter}${len(options) + 1}"
        return out

    def metadata(self, meta, project_code: str, project_title: str, version: int | None,
                 choices: list[DisaggregationChoice]) -> None:
        rows = [("format", FORMAT), ("format_version", FORMAT_VERSION), ("project", project_code),
                ("language", self.lang), ("logframe_version", version), ("project_title", project_title)]
        for row, (key, value) in enumerate(rows):
            meta.write_string(row, 0, key)
            if isinstance(value, int):
                meta.write_number(row, 1, value)
            elif value:
                meta.write_string(row, 1, str(value))
        for row, choice in enumerate(choices, start=len(rows)):
            meta.write_string(row, 0, "disaggregation")
            for col, value in enumerate((choice.key, choice.name_en, choice.name_fr, "|".join(choice.categories)),
                                        start=1):
                if value:
                    meta.write_string(row, col, value)

    def instructions(self, sheet, titles: dict[str, str], code: str, title: str,
                     choices: list[DisaggregationChoice]) -> None:
        t = self.t
        yes, retired = t._(dict(YES_NO)[True]), t._(_RETIRED_HEADER)
        sheet.set_column(0, 0, 100, self.para)
        sheet.set_column(1, 2, 30, self.para)
        sheet.write_string(0, 0, t._("Logframe of %(project)s", project=code), self.title)
        row = 1
        if title:
            sheet.write_string(row, 0, title, self.para)
            row += 1
        paragraphs = [
            t._("Edit the sheets %(levels)s, %(indicators)s, %(targets)s and %(rules)s, then import the workbook "
                "from the project's page or with “flask logframes import”. The import first checks everything "
                "and lists each problem with its sheet and cell; nothing is saved until every problem is fixed.",
                levels=titles["levels"], indicators=titles["indicators"], targets=titles["targets"],
                rules=titles["rules"]),
            t._("Keep the first row of each sheet as it is: columns are found by their headings. Add a row to add "
                "an item; delete its row to delete it. An indicator that has values cannot be deleted: set "
                "“%(retired)s” to “%(yes)s” instead.", retired=retired, yes=yes),
            t._("Once values have been reported, a change to an indicator's definition, unit, decimals, range or "
                "disaggregations is recorded as a new revision of the indicator, and a change to its baseline or "
                "targets as a target revision: both need a reason, asked for when you import."),
            t._("Use the drop-down lists. A level's parent is the code of a level above it (impact, outcome, "
                "output, activity); an indicator's level is the code of its level."),
            t._("Numbers are plain numbers: a percentage from 0 to 100 (75 for 75 percent), a yes/no target 1 "
                "or 0. Dates as dates (YYYY-MM-DD). Formulas are not read: type the values themselves."),
            t._("Targets: one row per indicator, and one more for each category with targets of its own; one "
                "column per period. Leave the categories empty for the total; for a category write the key of "
                "the disaggregation, “=”, then the key of the category (sex=F), as listed below. Leave a cell "
                "empty for no target."),
            t._("Disaggregations: write “%(yes)s” in the column of each disaggregation the indicator is split by.",
                yes=yes),
            t._("The hidden sheet “%(sheet)s” tells meapp which project and logframe version the workbook comes "
                "from: leave it as it is.", sheet=META_SHEET),
        ]
        row += 1
        for text in paragraphs:
            sheet.write_string(row, 0, text, self.para)
            sheet.set_row(row, 15 * max(1, math.ceil(len(text) / 110)) + 4)
            row += 1
        if choices:
            row += 1
            sheet.write_string(row, 0, t._("Disaggregations and their categories"), self.bold)
            row += 1
            for choice in choices:
                sheet.write_string(row, 0, choice.name(self.lang), self.para)
                sheet.write_string(row, 1, choice.key, self.para)
                sheet.write_string(row, 2, ", ".join(choice.categories), self.para)
                row += 1

    def levels(self, sheet, spec: LogframeSpec, lists: dict[str, str], titles: dict[str, str]) -> None:
        layout = Layout(sheet)
        self.header(sheet, layout, [self.t._(c.header) for c in LEVEL_COLUMNS])
        for row, level in enumerate(spec.levels, start=1):
            for col, column in enumerate(LEVEL_COLUMNS):
                self.put(sheet, layout, row, col, column, getattr(level, column.field))
        self.list_validations(sheet, LEVEL_COLUMNS, lists)
        self.validate(sheet, 2, _codes_range(titles["levels"]), stop=False)
        self.finish(sheet, layout, LEVEL_COLUMNS, len(spec.levels))

    def indicators(self, sheet, spec: LogframeSpec, lists: dict[str, str], titles: dict[str, str],
                   choices: list[DisaggregationChoice]) -> None:
        layout = Layout(sheet)
        headers = [self.t._(c.header) for c in INDICATOR_COLUMNS]
        headers += [self.t._(DISAGGREGATION_HEADER, name=c.name(self.lang)) for c in choices]
        self.header(sheet, layout, headers)
        first = len(INDICATOR_COLUMNS)
        flag = Column("disaggregation", "", "flag", YES_NO)
        for row, indicator in enumerate(spec.indicators, start=1):
            for col, column in enumerate(INDICATOR_COLUMNS):
                self.put(sheet, layout, row, col, column, getattr(indicator, column.field), indicator.decimals)
            for k, choice in enumerate(choices):
                self.put(sheet, layout, row, first + k, flag, choice.key in indicator.disaggregations)
        self.list_validations(sheet, INDICATOR_COLUMNS, lists)
        for k in range(len(choices)):
            self.validate(sheet, first + k, lists["flag"])
        self.validate(sheet, 1, _codes_range(titles["levels"]), stop=False)
        self.finish(sheet, layout, INDICATOR_COLUMNS, len(spec.indicators), extra=len(choices))
        for k in range(len(choices)):
            sheet.set_column(first + k, first + k, layout.widths.get(first + k, 10), self.text)

    def targets(self, sheet, spec: LogframeSpec, periods: list[Period], titles: dict[str, str]) -> None:
        layout = Layout(sheet)
        headers = [self.t._(c.header) for c in TARGET_COLUMNS] + [self.t.period(p.code).replace("\u00a0", " ")
                                                                  for p in periods]
        self.header(sheet, layout, headers, freeze_columns=3)
        column_of = {p.code: len(TARGET_COLUMNS) + k for k, p in enumerate(periods)}
        by_row: dict[tuple[str, str], dict[str, Decimal]] = {}
        for target in spec.targets:
            period = _as_period(target.period)
            if period is not None:  # a stored period is always canonical; anything else has no column
                by_row.setdefault((target.indicator, target.combination), {})[period.code] = target.value
        indicators = {i.code: i for i in spec.indicators}
        rows: list[tuple[str, str]] = []
        for indicator in spec.indicators:
            rows.append((indicator.code, ""))
            rows += sorted(key for key in by_row if key[0] == indicator.code and key[1])
        rows += [key for key in by_row if key[0] not in indicators]  # targets of an unknown indicator stay visible
        for row, (code, combination) in enumerate(rows, start=1):
            indicator = indicators.get(code)
            self.put(sheet, layout, row, 0, TARGET_COLUMNS[0], code)
            name = indicator and (indicator.name_fr if self.lang == "fr" else indicator.name_en)
            name = name or (indicator and (indicator.name_en or indicator.name_fr)) or ""
            if name:
                sheet.write_string(row, 1, name, self.reference)
                layout.wrap(row, 1, name)
            else:
                sheet.write_blank(row, 1, None, self.reference)
            self.put(sheet, layout, row, 2, TARGET_COLUMNS[2], combination)
            values = by_row.get((code, combination), {})
            decimals = indicator.decimals if indicator else 0
            for period, col in column_of.items():
                self.put_number(sheet, layout, row, col, values.get(period), decimals)
        self.validate(sheet, 0, _codes_range(titles["indicators"]), stop=False)
        self.finish(sheet, layout, TARGET_COLUMNS, len(rows), extra=len(periods))

    def rules(self, sheet, spec: LogframeSpec, lists: dict[str, str]) -> None:
        layout = Layout(sheet)
        self.header(sheet, layout, [self.t._(c.header) for c in RULE_COLUMNS])
        for row, rule in enumerate(spec.rules, start=1):
            for col, column in enumerate(RULE_COLUMNS):
                self.put(sheet, layout, row, col, column, getattr(rule, column.field))
        self.list_validations(sheet, RULE_COLUMNS, lists)
        self.finish(sheet, layout, RULE_COLUMNS, len(spec.rules))


_RETIRED_HEADER = next(c.header for c in INDICATOR_COLUMNS if c.field == "retired")


def _column_letter(col: int) -> str:
    """0 → A (XlsxWriter's 0-based columns)."""
    letters = ""
    col += 1
    while col:
        col, remainder = divmod(col - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _codes_range(title: str) -> str:
    return f"={sheet_ref(title)}!$A$2:$A${MAX_ROWS + 1}"


# --- reading ------------------------------------------------------------------------------------------------------
_READ_ERRORS = (ParseError, ValueError, KeyError, IndexError, TypeError, zipfile.BadZipFile, zlib.error, EOFError,
                OSError)


def read_logframe(data: bytes, *, lang: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
                  disaggregation_choices: Sequence[DisaggregationChoice] = ()
                  ) -> tuple[LogframeSpec | None, list[Problem], dict]:
    """The workbook's logframe, every problem found (each naming its sheet and cell), and what its hidden sheet
    says (format, project, lang, logframe_version, disaggregations). The spec is None when any problem is an
    error. `lang` is the workbook's language when it does not say; `disaggregation_choices` the shared library,
    for a workbook whose hidden sheet is gone."""
    problem = refusal(data, max_bytes)
    if problem is not None:
        return None, [problem], {}
    book = open_workbook(data)
    if book is None:
        return None, [Problem("", NOT_A_WORKBOOK)], {}
    try:
        reader = _Reader(book, lang, list(disaggregation_choices))
        spec = reader.read()
    except _READ_ERRORS:
        return None, [Problem("", NOT_A_WORKBOOK)], {}
    finally:
        book.close()
    errors = [p for p in reader.problems if p.severity == "error"]
    return (None if errors else spec), reader.problems, reader.metadata.as_dict()


class _Reader:
    def __init__(self, book, lang: str | None, choices: list[DisaggregationChoice]):
        self.book = book
        self.problems: list[Problem] = []
        self.metadata = Metadata()
        self.lang = lang if lang in LANGUAGES else "en"
        self.choices = choices

    def problem(self, where: str, message_id: str, severity: str = "error", **params) -> None:
        self.problems.append(Problem(where, message_id, params, severity))

    def read(self) -> LogframeSpec | None:
        self.read_metadata()
        if any(p.severity == "error" for p in self.problems):
            return None
        sheets = {}
        for key in COLUMNS:
            sheet = self.find_sheet(key)
            if sheet is None:
                self.problem("", MISSING_SHEET, sheet=_label(self.lang, SHEETS[key]))
            sheets[key] = sheet
        if any(sheet is None for sheet in sheets.values()):
            return None
        levels = self.read_levels(sheets["levels"])
        indicators = self.read_indicators(sheets["indicators"])
        targets = self.read_targets(sheets["targets"], indicators)
        rules = self.read_rules(sheets["rules"])
        return LogframeSpec(levels=tuple(levels), indicators=tuple(indicators), targets=tuple(targets),
                            rules=tuple(rules))

    # --- the hidden sheet -----------------------------------------------------------------------------------------
    def read_metadata(self) -> None:
        title = next((name for name in self.book.sheetnames if normalised(name) == META_SHEET), None)
        if title is None:
            return
        reader = SheetReader(self.book[title], max_rows=200, max_columns=5)
        found = Metadata()
        for _number, cells in reader.rows(5, first=1):
            key = str(cells[0].value or "").strip() if cells and reader.readable(cells[0]) else ""
            value = cells[1].value if len(cells) > 1 and reader.readable(cells[1]) else None
            if key == "disaggregation":
                texts = [str(c.value).strip() if c.value is not None and reader.readable(c) else "" for c in cells[1:5]]
                texts += [""] * (4 - len(texts))
                if texts[0]:
                    found.disaggregations.append(DisaggregationChoice(
                        texts[0], texts[1] or texts[0], texts[2], tuple(k for k in texts[3].split("|") if k)))
            elif key == "format":
                found.format = str(value or "").strip()
            elif key == "format_version":
                found.format_version = _whole(value)
            elif key == "project":
                found.project = "" if value is None else str(value).strip()
            elif key == "language":
                found.lang = str(value or "").strip().lower()
            elif key == "logframe_version":
                found.logframe_version = _whole(value)
        self.problems += reader.problems
        self.metadata = found
        if found.format != FORMAT:
            self.problem(f"{sheet_ref(title)}!B1", NOT_A_LOGFRAME, format=found.format[:40])
        elif found.format_version is None or found.format_version > FORMAT_VERSION:
            self.problem(f"{sheet_ref(title)}!B2", NEWER_FORMAT, version=found.format_version or "?")
        if found.lang in LANGUAGES:
            self.lang = found.lang
        known = {c.key for c in found.disaggregations}
        self.choices = found.disaggregations + [c for c in self.choices if c.key not in known]

    def find_sheet(self, key: str):
        names = _sheet_names(key)
        title = next((name for name in self.book.sheetnames if normalised(name) in names), None)
        return None if title is None else self.book[title]

    # --- a sheet's rows -------------------------------------------------------------------------------------------
    def sheet_rows(self, sheet, key: str, extra_headers: dict[str, object] | None = None,
                   accept=None):
        """(reader, {field or extra key: column number}, [(row number, cells)]) for a sheet whose headings are
        known; problems for headings missing, repeated or unknown."""
        reader = SheetReader(sheet, self.lang, max_rows=MAX_ROWS + 1, max_columns=200)
        reader.problems = self.problems  # the sheet's problems go straight to the list, in reading order
        headers = _headers(key)
        columns: dict[object, int] = {}
        header_row = reader.header()
        for col, cell in enumerate(header_row, start=1):
            if cell.is_empty or not reader.readable(cell):
                continue
            text = reader.text(cell)
            name = normalised(text)
            found = headers.get(name)
            if found is None and extra_headers is not None:
                found = extra_headers.get(name)
            if found is None and accept is not None:
                found = accept(text)
            if found is None:
                self.problem(cell.where, UNKNOWN_COLUMN, severity="warning", column=text[:60])
                continue
            if found in columns:
                self.problem(cell.where, DUPLICATE_COLUMN, column=text[:60])
                continue
            columns[found] = col
        for column in COLUMNS[key]:
            if column.field not in columns and (key, column.field) not in _REFERENCE_ONLY:
                self.problem(sheet_ref(sheet.title), MISSING_COLUMN, column=_label(self.lang, column.header))
        body = [(number, cells) for number, cells in reader.rows(len(header_row))
                if any(not c.is_empty for c in cells)]
        return reader, columns, body

    def values(self, reader: SheetReader, columns: dict, cells: list[Cell], spec_columns: Sequence[Column],
               row: int) -> tuple[dict, dict[str, str]]:
        """The row's fields read by their column's kind, and field → its cell."""
        out, where = {}, {}
        for column in spec_columns:
            if column.field not in columns:
                continue
            index = columns[column.field]
            cell = cells[index - 1] if index - 1 < len(cells) else Cell(reader.where(row, index), None)
            where[column.field] = cell.where
            out[column.field] = self.convert(reader, cell, column)
        return out, where

    def convert(self, reader: SheetReader, cell: Cell, column: Column):
        kind = column.kind
        if kind == "code":
            return reader.text(cell, required=column.required)
        if kind in ("text", "long_text"):
            return reader.text(cell, required=column.required)
        if kind == "choice":
            return reader.choice(cell, _choice_labels(column.choices, column.field),
                                 [_label(self.lang, msgid) for _key, msgid in column.choices], column.default,
                                 required=column.required)
        if kind == "flag":
            return reader.choice(cell, _choice_labels(YES_NO, "flag"),
                                 [_label(self.lang, msgid) for _key, msgid in YES_NO], column.default)
        if kind == "number":
            number = reader.number(cell)
            if number is not None and abs(number) >= _NUMBER_LIMIT:
                reader.problem(cell.where, BAD_NUMBER, value=format(number, "f")[:40])
                return None
            return plain(number)
        if kind == "whole":
            value = reader.whole(cell)
            return column.default if value is None else value
        if kind == "date":
            return reader.date(cell)
        raise ValueError(kind)

    def unique(self, items: list[tuple[str, str]]) -> None:
        """(key, where) pairs: a key seen before is a problem at its second place."""
        seen: dict[str, str] = {}
        for key, where in items:
            if key and key in seen:
                self.problem(where, DUPLICATE, first=seen[key])
            seen.setdefault(key, where)

    # --- the sheets -----------------------------------------------------------------------------------------------
    def read_levels(self, sheet) -> list[LevelSpec]:
        reader, columns, body = self.sheet_rows(sheet, "levels")
        levels = []
        for row, cells in body:
            values, where = self.values(reader, columns, cells, LEVEL_COLUMNS, row)
            values["parent"] = values.get("parent") or None
            levels.append(LevelSpec(**values, where={"": where.get("code", reader.where(row, 1)), **where}))
        self.unique([(item.code, item.where.get("code", "")) for item in levels])
        return levels

    def read_indicators(self, sheet) -> list[IndicatorSpec]:
        extra = {}
        for choice in self.choices:
            names = {choice.key, choice.name_en, choice.name_fr}
            for lang in LANGUAGES:
                for name in names - {""}:
                    extra[normalised(_label(lang, DISAGGREGATION_HEADER, name=name))] = ("dis", choice.key)
            extra[normalised(choice.key)] = ("dis", choice.key)
        reader, columns, body = self.sheet_rows(sheet, "indicators", extra)
        order = [c.key for c in self.choices]
        split_columns = sorted((columns[("dis", key)], key) for key in order if ("dis", key) in columns)
        flag = Column("disaggregation", "", "flag", YES_NO, default=False)
        indicators = []
        for row, cells in body:
            values, where = self.values(reader, columns, cells, INDICATOR_COLUMNS, row)
            values["currency"] = (values.get("currency") or "").upper() or None
            chosen = set()
            for index, key in split_columns:
                cell = cells[index - 1] if index - 1 < len(cells) else Cell(reader.where(row, index), None)
                if self.convert(reader, cell, flag):
                    chosen.add(key)
                where[f"disaggregations.{key}"] = cell.where
            values["disaggregations"] = tuple(key for key in order if key in chosen)
            if split_columns:
                first, last = split_columns[0][0], split_columns[-1][0]
                where["disaggregations"] = (reader.where(row, first) if first == last else
                                            f"{reader.where(row, first)}:{reader.where(row, last).split('!')[1]}")
            indicators.append(IndicatorSpec(**values, where={"": where.get("code", reader.where(row, 1)), **where}))
        self.unique([(item.code, item.where.get("code", "")) for item in indicators])
        return indicators

    def read_targets(self, sheet, indicators: list[IndicatorSpec]) -> list[TargetSpec]:
        def period_column(text: str):
            period = _parse_period(text)
            return ("period", period.code) if period is not None else None

        reader, columns, body = self.sheet_rows(sheet, "targets", accept=period_column)
        header = sheet_ref(sheet.title)
        periods = sorted((Period.parse(key[1]) for key in columns if isinstance(key, tuple)), key=_period_sort_key)
        targets: dict[tuple[str, str], list[TargetSpec]] = {}
        seen_rows: list[tuple[str, str]] = []
        for row, cells in body:
            values, where = self.values(reader, columns, cells, (TARGET_COLUMNS[0], TARGET_COLUMNS[2]), row)
            code, combination = values.get("indicator", ""), values.get("combination", "")
            found = []
            for period in periods:
                index = columns[("period", period.code)]
                cell = cells[index - 1] if index - 1 < len(cells) else Cell(reader.where(row, index), None)
                value = reader.number(cell)
                if value is None:
                    continue
                if abs(value) >= _NUMBER_LIMIT:
                    reader.problem(cell.where, BAD_NUMBER, value=format(value, "f")[:40])
                    continue
                places = {"": cell.where, "value": cell.where, "indicator": where.get("indicator", ""),
                          "combination": where.get("combination", ""),
                          "period": f"{header}!{_column_letter(index - 1)}1"}
                found.append(TargetSpec(indicator=code, period=period.code, value=plain(value),
                                        combination=combination, where=places))
            if not code:
                continue  # reader.text already said the code is required
            seen_rows.append(((code, combination), where.get("indicator", "")))
            targets.setdefault((code, combination), []).extend(found)
        self.unique([(f"{code}\x00{combination}", place) for (code, combination), place in seen_rows])
        position = {item.code: k for k, item in enumerate(indicators)}
        # The stored logframe's order (logframes.queries.spec_of): by indicator, period code, combination.
        return sorted((t for group in targets.values() for t in group),
                      key=lambda t: (position.get(t.indicator, len(position)), t.indicator, t.period, t.combination))

    def read_rules(self, sheet) -> list[RuleSpec]:
        reader, columns, body = self.sheet_rows(sheet, "rules")
        rules = []
        for row, cells in body:
            values, where = self.values(reader, columns, cells, RULE_COLUMNS, row)
            rules.append(RuleSpec(**values, where={"": where.get("code", reader.where(row, 1)), **where}))
        self.unique([(item.code, item.where.get("code", "")) for item in rules])
        return rules


def _whole(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None



# --- what the doors share: a project's workbook, the project a workbook is for, a plan and problems in words ------
def choices_of(types: Iterable, project=None) -> list[DisaggregationChoice]:
    """The shared disaggregation types (objects with key, name_en, name_fr, category_keys_for) as the workbook
    lists them; with the categories the project's indicators can be split into when a project is given."""
    return [DisaggregationChoice(t.key, t.name_en, t.name_fr or "",
                                 tuple(t.category_keys_for(project)) if project is not None else ())
            for t in types]


def workbook_for(project, spec: LogframeSpec, types: Iterable, logframe_version: int | None, lang: str) -> bytes:
    """The workbook of `project` (its code, titles and periods read from the object, nothing queried)."""
    title = (project.title_fr if lang == "fr" else project.title_en) or project.title_en or project.title_fr or ""
    return write_logframe(spec, project_code=project.code, project_title=title, lang=lang,
                          periods=[p.code for p in project.periods()], disaggregation_choices=choices_of(types, project),
                          logframe_version=logframe_version)


NO_PROJECT = N_("The workbook does not say which project it is for: name the project.")
OTHER_PROJECT = N_("This workbook is the logframe of %(file)s, not of %(project)s: export the logframe of "
                   "%(project)s and make your changes there.")


def project_problem(metadata: dict, code: str | None) -> Problem | None:
    """Why the workbook cannot be imported into project `code` (None: the project its hidden sheet names)."""
    named = (metadata.get("project") or "").strip()
    if not code and not named:
        return Problem("", NO_PROJECT)
    if code and named and code.casefold() != named.casefold():
        return Problem("", OTHER_PROJECT, {"file": named, "project": code})
    return None


ACTION_LABELS = {"create": N_("Additions"), "update": N_("Changes"), "revise": N_("New revisions of a definition"),
                 "retarget": N_("Target revisions"), "retire": N_("Retirements"), "reinstate": N_("Reinstatements"),
                 "delete": N_("Deletions"), "deactivate": N_("Rules switched off")}
ACTION_ORDER = tuple(ACTION_LABELS)
ITEM_LABELS = {"level": N_("Level %(code)s"), "indicator": N_("Indicator %(code)s"), "rule": N_("Rule %(code)s"),
               "target": N_("Target %(code)s")}
TARGETS_OF = N_("Targets of %(code)s")
FIELD_LABELS = {column.field: column.header for columns in (LEVEL_COLUMNS, INDICATOR_COLUMNS, RULE_COLUMNS)
                for column in columns} | {"disaggregations": N_("Disaggregations"), "position": N_("Order")}


@dataclass(frozen=True)
class ChangeLine:
    item: str  # "Indicator EMP", translated
    fields: str  # the fields or targets it touches, translated, comma-separated
    where: str  # the cell of its row, when it has one


def change_groups(changes, gettext) -> list[tuple[str, str, list[ChangeLine]]]:
    """A plan's changes as (action, its label, lines), actions in a fixed order, translated by `gettext`."""
    groups: dict[str, list[ChangeLine]] = {}
    for change in changes:
        if change.kind == "target":
            item = gettext(TARGETS_OF, code=change.code)
            fields = ", ".join(change.fields)
        else:
            item = gettext(ITEM_LABELS.get(change.kind, "%(code)s"), code=change.code)
            fields = ", ".join(gettext(FIELD_LABELS[name]) if name in FIELD_LABELS else name
                               for name in change.fields)
        groups.setdefault(change.action, []).append(ChangeLine(item, fields, change.where or ""))
    order = {action: index for index, action in enumerate(ACTION_ORDER)}
    return [(action, gettext(ACTION_LABELS.get(action, action)), lines)
            for action, lines in sorted(groups.items(), key=lambda pair: order.get(pair[0], len(order)))]


def problem_place(problem: Problem, gettext) -> str:
    """Where a problem is, in words: a cell ("Indicators!C5"), an item no row holds any more ("Indicator EMP"), or
    the reason asked for; "" for the file as a whole."""
    where = problem.where or ""
    kind, _space, code = where.partition(" ")
    if kind in ITEM_LABELS and code:
        return gettext(ITEM_LABELS[kind], code=code)
    if where == "reason":
        return gettext(N_("The reason"))
    return where


def problem_message(problem: Problem, gettext) -> str:
    """A problem's message without its place, translated (a rule's syntax error carries a message inside)."""
    return Problem("", problem.message_id, problem.params, problem.severity).text(gettext)
