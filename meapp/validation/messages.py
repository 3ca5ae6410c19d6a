"""Rendering a finding's message in one language, given that language's gettext and formatters (pure)."""
from __future__ import annotations

import re
from collections.abc import Callable

from meapp.validation.findings import MESSAGES, FindingCode

_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
PERIOD_PARAMS = {"period", "previous_period"}


def render(code: str, params: dict | None, lang: str, gettext: Callable, number: Callable, period: Callable,
           dtype_names: dict[str, str] | None = None) -> str:
    """The message of a finding: numbers and periods formatted, a rule's own message in `lang`."""
    params = dict(params or {})
    if code == FindingCode.RULE_VIOLATED.value:
        params["message"] = params.get(f"message_{lang}") or params.get("message_en") or params.get("message_fr") or ""
    shown = {}
    for name, value in params.items():
        if name in PERIOD_PARAMS:
            shown[name] = period(str(value))
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
