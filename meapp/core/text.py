"""The text rules every door applies (web forms, CLI, Excel, API): which characters, how long.

Control characters break Word and Excel files (python-docx raises, openpyxl refuses) and NUL cannot be
stored in PostgreSQL; a lone surrogate cannot be written as UTF-8 at all. Tab, line feed and carriage
return are ordinary text. The limits are those of the fields people fill in.
"""
from __future__ import annotations

import re
from enum import Enum

# C0 controls except tab/LF/CR, DEL, and UTF-16 surrogates that arrive unpaired (JSON "\ud800").
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")

CELL_LIMIT = 4000  # a typed value, or a text indicator's answer
COMMENT_LIMIT = 2000  # a comment on one value
REASON_LIMIT = 2000  # a justification, or a reason for returning or reopening
NARRATIVE_LIMIT = 20000  # a period's narrative in one language
DESCRIPTION_LIMIT = 500  # what an evidence file is
CODE_LIMIT = 40  # an indicator's code
COMBINATION_LIMIT = 200  # a category combination key


class TextProblem(str, Enum):
    CONTROL = "control"
    TOO_LONG = "too_long"


def text_problem(text: str | None, limit: int) -> TextProblem | None:
    """What is wrong with `text` for a field of `limit` characters, or None."""
    if text is None:
        return None
    if CONTROL.search(text):
        return TextProblem.CONTROL
    if len(text) > limit:
        return TextProblem.TOO_LONG
    return None


def strip_control(text: str | None) -> str | None:
    """`text` without the characters CONTROL refuses (to show back what was typed, never to store)."""
    return None if text is None else CONTROL.sub("", text)
