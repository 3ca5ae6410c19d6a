"""Rendering a finding's message in one language, given that language's gettext and formatters (pure)."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from meapp.validation.findings import MESSAGES, FindingCode

_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
PERIOD_PARAMS = {"period", "previous_period"}
DATE_PARAMS = {"date"}


def _day(value, date: Callable | None) -> str:
    """An ISO day ("2026-12-01") as the reader's language writes it; as it is without a formatter."""
    try:
        return date(dt.date.fromisoformat(str(value))) if date is not None else str(value)
    except ValueError:
        return str(value)


def render(code: str, params: dict | None, lang: str, gettext: Callable, number: Callable, period: Callable,
           dtype_names: dict[str, str] | None = None, date: Callable | None = None) -> str:
    """The message of a finding: numbers, periods and days (ISO, with `date`) formatted, a rule's own message
    in `lang`."""
    params = dict(params or {})
    if code == FindingCode.RULE_VIOLATED.value:
        params["message"] = params.get(f"message_{lang}") or params.get("message_en") or params.get("message_fr") or ""
    shown = {}
    for name, value in params.items():
        if name in PERIOD_PARAMS:
            shown[name] = period(str(value))
        elif name in DATE_PARAMS:
            shown[name] = _day(value, date)
        elif name == "disaggregation":
            shown[name] = (dtype_names or {}).get(value, value)
        elif (isinstance(value, (int, float)) and not isinstance(value, bool)) or (
                isinstance(value, str) and _NUMBER.match(value)):
            shown[name] = number(value)
        else:
            shown[name] = value
    try:
        return gettext(MESSAGES[FindingCode(code)], **shown)
    except (KeyError, ValueError):
        return code
