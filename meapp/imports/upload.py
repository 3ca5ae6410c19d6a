"""An uploaded Excel workbook, judged before it is parsed, then read cell by cell without trusting it (pure).

Every Excel door of `meapp.imports` (the logframe workbook, the quarterly values) goes through here:
1. `refusal`: the size, then the zip directory and the package parts (`core.safezip.inspect_workbook`:
   macros, encryption, external links, DTDs, path traversal, too many parts, zip bombs), before anything
   is inflated beyond a part's first bytes;
2. `open_workbook`: openpyxl in read-only mode (it parses through defusedxml when that is installed, and it
   is: requirements.txt), formulas kept as formulas so that they are found, never evaluated;
3. `SheetReader`: rows bounded whatever the sheet declares, each cell converted by what it must hold, and
   each problem placed at its cell ("Indicators!C5").
"""
from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import openpyxl
from openpyxl.utils import get_column_letter

from meapp.core import safezip
from meapp.core.messages import N_
from meapp.core.numbers import NumberError, parse_decimal
from meapp.core.problems import Problem
from meapp.core.text import CONTROL

MB = 1024 * 1024
DEFAULT_MAX_BYTES = 2 * MB

NOT_A_WORKBOOK = N_("This file is not an Excel workbook (.xlsx) that can be read: open it in Excel or LibreOffice, "
                    "save it as an Excel workbook (.xlsx) and send it again.")
MACRO = N_("Documents containing macros or embedded objects are not accepted: save a copy without them and send "
           "it again.")
ENCRYPTED = N_("This file is encrypted or protected by a password: send a copy without a password.")
COMPRESSION = N_("This file uses a compression method that is not accepted: open it in its application, "
                 "save it again and send it again.")
TOO_BIG = N_("This file holds too many parts or unpacks to far more data than its size: it is not accepted.")
EXTERNAL = N_("Workbooks linked to other files or to data sources are not accepted: remove the links (in Excel: "
              "Data › Edit Links › Break Link) and send it again.")
EMPTY = N_("The file is empty.")
TOO_LARGE = N_("The file is larger than %(limit)s MB.")
REFUSALS = {"encrypted": ENCRYPTED, "compression": COMPRESSION, "too_many_entries": TOO_BIG, "too_large": TOO_BIG,
            "ratio": TOO_BIG, "macro": MACRO, "external_link": EXTERNAL}  # any other reason: NOT_A_WORKBOOK

FORMULA = N_("Formulas are not read: type the value itself.")
ERROR_VALUE = N_("This cell holds an error (%(value)s): type the value itself.")
TOO_MANY_ROWS = N_("This sheet has more than %(limit)s rows: it is not read beyond that.")
CONTROL_CHARACTERS = N_("This text holds invisible control characters; remove them.")
REQUIRED = N_("This is required.")
NOT_TEXT = N_("Expected text.")
NOT_A_NUMBER = N_("“%(value)s” is not a number.")
NOT_WHOLE = N_("Expected a whole number.")
NOT_A_DATE = N_("“%(value)s” is not a date (YYYY-MM-DD).")
NOT_IN_LIST = N_("“%(value)s” is not one of the choices: %(allowed)s.")

_SPACES = re.compile(r"\s+")
# Excel (and XlsxWriter) write a control character of a cell's text as "_x000D_"; openpyxl leaves it so.
_ESCAPED_CONTROL = re.compile(r"_x00([01][0-9A-Fa-f])_")
_PLAIN_SHEET_NAME = re.compile(r"^\w+$")


def refusal(data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> Problem | None:
    """Why the upload is refused before parsing (a problem for the file as a whole), or None."""
    if not data:
        return Problem("", EMPTY)
    if len(data) > max_bytes:
        return Problem("", TOO_LARGE, {"limit": max(1, round(max_bytes / MB))})
    try:
        safezip.inspect_workbook(data)
    except safezip.UnsafeZip as error:
        return Problem("", REFUSALS.get(error.reason, NOT_A_WORKBOOK))
    return None


def open_workbook(data: bytes):
    """The workbook in openpyxl's read-only mode (close it after use), or None when openpyxl cannot read it."""
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception:  # noqa: BLE001 — whatever a damaged file makes openpyxl raise, the answer is the same
        return None


def normalised(text: str) -> str:
    """A heading or a list label as compared: case, spacing and no-break spaces ignored."""
    return _SPACES.sub(" ", str(text)).strip().casefold()


def sheet_ref(title: str) -> str:
    """A sheet's name as a formula writes it: quoted unless it is one word."""
    return title if _PLAIN_SHEET_NAME.match(title) else "'" + title.replace("'", "''") + "'"


def cell_ref(title: str, row: int, column: int) -> str:
    """"Indicators!C5" (row and column 1-based)."""
    return f"{sheet_ref(title)}!{get_column_letter(column)}{row}"


@dataclass(frozen=True)
class Cell:
    where: str  # "Indicators!C5"
    value: object  # None, str, int, float, bool, datetime
    data_type: str = "n"  # openpyxl's: n(umber), s(tring), b(oolean), d(ate), f(ormula), e(rror)

    @property
    def is_empty(self) -> bool:
        return self.value is None or (isinstance(self.value, str) and self.value.strip() == "")


def _number_text(value) -> str:
    """A number as a person reads it: 3 not 3.0, 0.1 not 0.1000000000000000055."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    number = Decimal(repr(value))
    return format(number.normalize(), "f") if number == number.to_integral_value() else repr(value)


@dataclass
class SheetReader:
    """Reads one sheet's cells into plain values, collecting a problem for each cell it cannot read."""

    sheet: object  # an openpyxl read-only worksheet
    lang: str = "en"
    max_rows: int = 5000
    max_columns: int = 200
    problems: list[Problem] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.sheet.title

    def where(self, row: int, column: int) -> str:
        return cell_ref(self.title, row, column)

    def problem(self, where: str, message_id: str, **params) -> None:
        self.problems.append(Problem(where, message_id, params))

    def header(self) -> list[Cell]:
        """The first row's cells, up to the last that holds something."""
        cells = next(self._rows(1, 1, self.max_columns), (0, []))[1]
        while cells and cells[-1].is_empty:
            cells.pop()
        return cells

    def rows(self, width: int, first: int = 2) -> Iterator[tuple[int, list[Cell]]]:
        """(row number, its first `width` cells) for every row from `first` up to the limit, empty ones too. A
        row beyond the limit that holds something is a problem."""
        for number, cells in self._rows(first, self.max_rows + 1, min(max(width, 1), self.max_columns)):
            if number > self.max_rows:
                if any(not c.is_empty for c in cells):
                    self.problem(cells[0].where, TOO_MANY_ROWS, limit=self.max_rows)
                return
            yield number, cells

    def _rows(self, first: int, last: int, width: int) -> Iterator[tuple[int, list[Cell]]]:
        """Rows `first` to `last`, `width` cells each, read as they come (never the sheet's declared size); a
        formula or an error value is a problem where it is."""
        for number, row in enumerate(self.sheet.iter_rows(min_row=first, max_row=last, min_col=1, max_col=width),
                                     start=first):
            cells = [Cell(self.where(number, k), getattr(c, "value", None), getattr(c, "data_type", "n"))
                     for k, c in enumerate(row, start=1)]
            for cell in cells:
                if cell.data_type == "f":
                    self.problem(cell.where, FORMULA)
                elif cell.data_type == "e":
                    self.problem(cell.where, ERROR_VALUE, value=str(cell.value)[:20])
            yield number, cells

    @staticmethod
    def readable(cell: Cell) -> bool:
        """False for a formula or an error value (already a problem): its content is not read."""
        return cell.data_type not in ("f", "e")

    # --- conversions: each returns the value, or None after recording a problem (or for an empty cell) ---
    def text(self, cell: Cell, required: bool = False) -> str:
        """Text, as written (trimmed); a number typed where text is expected is read as it shows."""
        if not self.readable(cell):
            return ""
        value = cell.value
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problem(cell.where, REQUIRED)
            return ""
        if isinstance(value, bool):
            self.problem(cell.where, NOT_TEXT)
            return ""
        if isinstance(value, (int, float)):
            return _number_text(value)
        if isinstance(value, dt.datetime):
            return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
        text = _ESCAPED_CONTROL.sub(lambda m: chr(int(m.group(1), 16)), str(value)).strip()
        if CONTROL.search(text):
            self.problem(cell.where, CONTROL_CHARACTERS)
            return ""
        return text

    def number(self, cell: Cell) -> Decimal | None:
        """A number: a number cell, or text that reads as one in the workbook's language ("1 234,5")."""
        if not self.readable(cell) or cell.is_empty:
            return None
        number = self._number(cell.value)
        if number is None:
            self.problem(cell.where, NOT_A_NUMBER, value=_shown(cell.value))
        return number

    def whole(self, cell: Cell) -> int | None:
        """A whole number (3, 3.0 or "3")."""
        if not self.readable(cell) or cell.is_empty:
            return None
        number = self._number(cell.value)
        if number is None or number != number.to_integral_value() or abs(number) > 10 ** 9:
            self.problem(cell.where, NOT_WHOLE)
            return None
        return int(number)

    def _number(self, value) -> Decimal | None:
        if isinstance(value, (bool, dt.datetime)):
            return None
        try:
            return parse_decimal(value.strip() if isinstance(value, str) else value, self.lang)
        except (NumberError, InvalidOperation):
            return None

    def date(self, cell: Cell) -> dt.date | None:
        """A date cell, or text as 2021-03-31 or 31/03/2021."""
        if not self.readable(cell) or cell.is_empty:
            return None
        value = cell.value
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            text = value.strip()
            for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y"):
                try:
                    return dt.datetime.strptime(text, pattern).date()
                except ValueError:
                    continue
        self.problem(cell.where, NOT_A_DATE, value=_shown(value))
        return None

    def choice(self, cell: Cell, labels: dict[str, str], shown: list[str], default: str | None = None,
               required: bool = False) -> str | None:
        """The key whose label (in either language) or key the cell holds; `shown` lists the labels offered."""
        if not self.readable(cell):
            return default
        if cell.is_empty:
            if required:
                self.problem(cell.where, REQUIRED)
            return default
        value = cell.value
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, (int, float)):
            text = _number_text(value)
        else:
            text = str(value)
        key = labels.get(normalised(text))
        if key is None:
            self.problem(cell.where, NOT_IN_LIST, value=_shown(value), allowed=", ".join(shown))
            return default
        return key


def _shown(value) -> str:
    """A cell's content quoted back in a message: short, on one line."""
    text = _number_text(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)
    text = CONTROL.sub("", _SPACES.sub(" ", text)).strip()
    return text if len(text) <= 40 else text[:39] + "…"
