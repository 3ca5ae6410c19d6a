"""How wide a Word table's columns must be: from their content, so that no word breaks inside (pure)."""
from __future__ import annotations

import re

# Page geometry of the sections the writer adds (A4; margins from the template's section).
A4_SHORT, A4_LONG = 11906, 16838
EM_TWIPS, CELL_MARGINS = 180, 240  # 9-point table text; cell margins left and right, with a little air
_BREAKS = re.compile(r"[ \t\n\u2009]+")  # where a line may break (not at no-break spaces: "T1 2021" is one word)


def _char_em(ch: str) -> float:
    """Arial-like advance widths, in ems: enough to keep a word whole without reserving too much."""
    if ch.isupper() or ch in "MW@%&_—":
        return 0.72
    if ch.isdigit():
        return 0.56
    if ch in "iljtfrI.,;:!'’|()[]-\u00a0\u202f ":
        return 0.3
    return 0.56


def _word_twips(text, bold: bool = False) -> int:
    texts = text if isinstance(text, tuple) else (text,)
    widest = max((sum(_char_em(c) for c in word) for t in texts for word in _BREAKS.split(str(t or ""))),
                 default=0)
    return int(widest * EM_TWIPS * (1.08 if bold else 1.0))


def _length(text) -> int:
    texts = text if isinstance(text, tuple) else (text,)
    return max((len(str(t or "")) for t in texts), default=0)


def column_widths(headers, rows, available: int) -> tuple[list[int], bool]:
    """Column widths in twips from the content: each column at least as wide as its longest word (headers
    and codes never break inside a word), the rest shared by how much text each column holds. Returns the
    widths and whether even the minimum widths exceed `available` (the table wants a wider page)."""
    columns = len(headers) if headers else len(rows[0])
    minimum, weight = [], []
    for c in range(columns):
        cells = [r[c] for r in rows if c < len(r)]
        head = headers[c] if headers else ""
        minimum.append(max(_word_twips(head, bold=True), max((_word_twips(v) for v in cells), default=0),
                           3 * EM_TWIPS // 2) + CELL_MARGINS)
        weight.append(max([_length(v) for v in cells] + [_length(head) // 2, 1]) ** 0.8)
    too_wide = sum(minimum) > available
    if too_wide:
        scale = available / sum(minimum)
        return [int(m * scale) for m in minimum], True
    extra = available - sum(minimum)
    total = sum(weight)
    return [int(m + extra * w / total) for m, w in zip(minimum, weight, strict=True)], False
