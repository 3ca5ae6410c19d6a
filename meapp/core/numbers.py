"""Reading numbers typed by people in English or French conventions, as Decimal."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")


class NumberError(ValueError):
    """Text that is not a number."""


def parse_decimal(text, lang: str = "en") -> Decimal:
    """Parse '1 234,5' (fr) or '1,234.5' (en); a lone comma is read as a decimal mark."""
    if isinstance(text, Decimal):
        return text
    if isinstance(text, int):
        return Decimal(text)
    if isinstance(text, float):
        return Decimal(repr(text))
    raw = _SPACES.sub("", str(text or "")).replace("\u2212", "-")
    if not raw:
        raise NumberError("empty")
    if "," in raw and "." in raw:
        # The mark that comes last is the decimal mark.
        if raw.rfind(",") > raw.rfind("."):
            raw = raw.replace(".", "").replace(",", ".")
        else:
            raw = raw.replace(",", "")
    elif "," in raw:
        if lang == "en" and re.fullmatch(r"-?\d{1,3}(,\d{3})+", raw):
            raw = raw.replace(",", "")
        else:
            raw = raw.replace(",", ".")
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:
        raise NumberError(str(text)) from exc
    if not value.is_finite():
        raise NumberError(str(text))
    return value


def decimal_pattern(decimals: int | None) -> str:
    """The CLDR pattern for a figure: grouped, with `decimals` fixed places, or up to 4 when None."""
    if decimals is None:
        return "#,##0.####"
    return "#,##0" + ("." + "0" * decimals if decimals else "")


def decimal_places(value: Decimal) -> int:
    """How many digits stand after the decimal mark (trailing zeros count: 1.50 has 2)."""
    exponent = value.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0
