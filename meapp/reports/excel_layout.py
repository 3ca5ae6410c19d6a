"""Laying out a worksheet to be read and printed: text measured in Arial 10, column widths and row heights
that fit, pages broken between column blocks, headers and footers (pure; XlsxWriter sheets passed in)."""
from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from functools import lru_cache

from meapp.reports.text import clean

# Geometry of the default font (Arial 10): a column of width w is int(7 w + 0.5) + 5 pixels, a line 12.75 points.
LINE_PT = 12.75
ROW_PX = 17  # the default row, in pixels
MAX_ROW_PT = 409.0  # Excel's tallest row
# An A4 landscape page with 0.4" side margins prints about 1 046 pixels at 100 % in Excel; LibreOffice draws
# Arial columns some 5 % wider: keep a margin for both.
PAGE_PX = 940
MIN_SCALE = 65  # below this a printed table is too small to read: it goes over more pages instead


# --- measuring text -----------------------------------------------------------------------------------------
# Arial's advance widths, relative to a digit's (Excel's width unit).
_NARROW = set("ijlI.,;:'|! \u00a0\u202f\u2019")
_SEMI = set("frtJ-/\"*()[]{}")
_WIDE = set("mwMW@%\u2014")


def _char_width(ch: str) -> float:
    """Width of a character in Arial 10, in Excel's width unit (the digit '0')."""
    if ch in _NARROW:
        return 0.45
    if ch in _SEMI:
        return 0.6
    if ch in _WIDE:
        return 1.6
    if ch.isdigit():
        return 1.0
    if ch.isupper():
        return 1.25
    if unicodedata.east_asian_width(ch) in ("W", "F") or ord(ch) > 0xFFFF:
        return 2.0
    return 0.95


_WIDTHS: dict[str, float] = {}  # each character's width, computed once


def _line_width(line: str) -> float:
    widths = _WIDTHS
    total = 0.0
    for ch in line:
        width = widths.get(ch)
        if width is None:
            width = widths[ch] = _char_width(ch)
        total += width
    return total


@lru_cache(maxsize=65536)
def text_width(text: str, bold: bool = False) -> float:
    """The width the longest line of `text` needs, in Excel's width unit (memoised: tables repeat their values)."""
    widest = max((_line_width(line) for line in str(text).split("\n")), default=0.0)
    return widest * (1.08 if bold else 1.0)


_BREAKS = re.compile(r"[ \t\n]+")  # where a line may break: not at a no-break space


def longest_word(text) -> str:
    """The word of `text` a column must hold unbroken (a header's column is at least that wide)."""
    return max(_BREAKS.split(clean(text)), key=lambda w: text_width(w, True), default="")


@lru_cache(maxsize=16384)
def text_lines(text: str, width: float, bold: bool = False) -> int:
    """How many lines `text` takes wrapped in a column `width` wide (a too-long word breaks anywhere)."""
    # A column w wide is 7 w + 5 pixels, less about 4 of cell margins; Arial 10's digit is 7.4 pixels wide.
    room = max((7 * width + 1) / 7.4, 1.0)
    space = _char_width(" ")
    total = 0
    for paragraph in str(text).split("\n"):
        lines, used = 1, 0.0
        for word in paragraph.split(" "):
            w = text_width(word, bold)
            if used and used + space + w <= room:
                used += space + w
            elif not used and w <= room:
                used = w
            elif w <= room:
                lines, used = lines + 1, w
            else:
                if used:
                    lines += 1
                extra = math.ceil(w / room) - 1
                lines += extra
                used = w - extra * room
        total += lines
    return total


def column_px(width: float) -> int:
    return int(width * 7 + 0.5) + 5


class Layout:
    """Remembers what each column and row holds, then sets widths and row heights to fit it."""

    def __init__(self, sheet):
        self.sheet = sheet
        self.natural: dict[int, float] = defaultdict(float)  # widest unwrapped content per column
        self.wrapped: dict[int, list[tuple[int, int, str, bool]]] = defaultdict(list)  # row → (col, last, text, bold)
        self.widths: dict[int, float] = {}

    def measure(self, col: int, text, bold: bool = False) -> None:
        if text:
            self.natural[col] = max(self.natural[col], text_width(clean(text), bold))

    def wrap(self, row: int, col: int, text, bold: bool = False, last: int | None = None, natural=True) -> None:
        """Text wrapped in its cell (or merged cells col..last): its row grows to show it all."""
        if not text:
            return
        text = clean(text)
        self.wrapped[row].append((col, col if last is None else last, text, bold))
        if natural and last is None:
            self.natural[col] = max(self.natural[col], text_width(text, bold))

    def fit(self, bounds: dict[int, tuple[float, float]], default: tuple[float, float] = (8, 40)) -> None:
        """Each column as wide as its content, within its bounds (min, max)."""
        for col in sorted(set(self.natural) | set(bounds)):
            low, high = bounds.get(col, default)
            width = round(min(max(self.natural.get(col, 0) + 1.5, low), high), 1)
            self.widths[col] = width
            self.sheet.set_column(col, col, width)

    def heights(self, fixed: dict[int, float] | None = None) -> None:
        """Each row with wrapped text as tall as its tallest cell needs."""
        fixed = fixed or {}
        for row, cells in self.wrapped.items():
            lines = max(text_lines(text, sum(self.widths.get(c, 8.43) for c in range(col, last + 1)), bold)
                        for col, last, text, bold in cells)
            height = max(lines * LINE_PT + 2, fixed.get(row, 0))
            if lines > 1 or row in fixed:
                self.sheet.set_row(row, min(height, MAX_ROW_PT))

    def px(self, first: int, last: int) -> int:
        return sum(column_px(self.widths.get(c, 8.43)) for c in range(first, last + 1))


# --- printing -----------------------------------------------------------------------------------------------
def print_setup(sheet, header_rows: tuple[int, int] | None = None) -> None:
    """A4 landscape, as wide as one page, header rows repeated: prints and converts to PDF legibly."""
    sheet.set_paper(9)
    sheet.set_landscape()
    sheet.set_margins(left=0.4, right=0.4, top=0.75, bottom=0.6)
    sheet.fit_to_pages(1, 0)
    if header_rows:
        sheet.repeat_rows(*header_rows)


def paginate(sheet, layout: Layout, last_col: int, blocks: list[tuple[int, int]] | None = None,
             repeat: tuple[int, int] | None = None) -> list[int]:
    """One page wide when the table is legible so; else at a legible scale over several pages, breaking only
    between blocks of columns (a period's target, actual and met stay together), the `repeat` columns
    printed again on each page. Returns the first column of each page after the first."""
    blocks = blocks or [(c, c) for c in range(last_col + 1)]
    if layout.px(0, last_col) * MIN_SCALE / 100 <= PAGE_PX:
        sheet.fit_to_pages(1, 0)
        return []
    repeated = layout.px(*repeat) if repeat else 0

    def breaks(scale: int) -> list[int]:
        room, out, used = PAGE_PX * 100 / scale, [], 0
        for first, last in blocks:
            width = layout.px(first, last)
            if used and used + width > room:
                out.append(first)
                used = repeated + width
            else:
                used += width
        return out

    pages = len(breaks(MIN_SCALE))
    scale = next(s for s in range(100, MIN_SCALE - 1, -5) if len(breaks(s)) <= pages)
    sheet.set_print_scale(scale)
    sheet.set_v_pagebreaks(breaks(scale))
    sheet.print_across()  # a band of rows across all its pages before the next band: a row reads on
    if repeat:
        sheet.repeat_columns(*repeat)
    return breaks(scale)


def _hf(text: str, limit: int) -> str:
    """User text for a page header or footer: one line, at most `limit` characters once '&' is escaped."""
    text = _BREAKS.sub(" ", clean(text)).strip()
    while True:
        escaped = text.replace("&", "&&")
        if "&G" in escaped or "&[" in escaped:  # XlsxWriter would read a picture placeholder
            escaped = text.replace("&", "\uff06")
        if len(escaped.encode("utf-16-le")) // 2 <= limit:
            return escaped
        text = text[:max(len(text) - max(len(escaped) - limit, 1) - 1, 0)].rstrip() + "…"


def header_footer(sheet, left: str, right: str, footer: str, page_label: str, bold_right: bool = True,
                  suffix: str = "") -> None:
    """The document in every page's header (left; on the right e.g. "Demonstration data", in bold), a footer
    (left, then `suffix`: Excel codes such as &A, the sheet's name) and the page number ("Page &P of &N",
    translated) on the right of the footer."""
    right = _hf(right, 80) if right else ""
    header = "&L" + _hf(left, 240 - len(right)) + (("&R&\"-,Bold\"" if bold_right else "&R") + right if right else "")
    sheet.set_header(header)
    label = page_label if len(page_label) < 60 else "&P / &N"
    sheet.set_footer("&L" + _hf(footer, 240 - len(label) - len(suffix)) + suffix + "&R" + label)
