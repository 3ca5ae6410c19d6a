"""Numbers as people type them (English or French conventions) and as meapp shows them.

What a number may look like is decided here, once, for every door (web grid, CLI, Excel, API):
an optional sign, ASCII digits with optional grouping (spaces, no-break spaces, apostrophes, or
the language's group mark), an optional decimal mark and decimals. No exponent (`1e5`), no
`NaN`/`Infinity`, no hexadecimal, at most MAX_DIGITS digits in all.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation, localcontext

from babel.numbers import format_decimal

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")
_PLAIN = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
# Far beyond any indicator (values are capped at 10^12 by validation) yet short enough to parse cheaply.
MAX_DIGITS = 30
MAX_LENGTH = 60


class NumberError(ValueError):
    """Text that is not a number."""


def parse_decimal(text, lang: str = "en") -> Decimal:
    """Parse '1 234,5' (fr) or '1,234.5' (en); a lone comma is read as a decimal mark."""
    if isinstance(text, bool):
        raise NumberError(str(text))
    if isinstance(text, Decimal):
        return _checked(text, str(text))
    if isinstance(text, int):
        if abs(text) >= 10 ** MAX_DIGITS:
            raise NumberError("too many digits")
        return Decimal(text)
    if isinstance(text, float):
        return _checked(Decimal(repr(text)), repr(text))
    text = str(text or "")
    if len(text) > MAX_LENGTH:
        raise NumberError("too long")
    raw = _SPACES.sub("", text).replace("\u2212", "-")
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
    if not _PLAIN.fullmatch(raw):
        raise NumberError(text)
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:
        raise NumberError(text) from exc
    return _checked(value, text)


def _checked(value: Decimal, text: str) -> Decimal:
    """A finite Decimal of at most MAX_DIGITS digits, without exponent notation's reach."""
    if not value.is_finite():
        raise NumberError(text)
    digits, exponent = len(value.as_tuple().digits), value.as_tuple().exponent
    if digits > MAX_DIGITS or not -MAX_DIGITS <= exponent <= MAX_DIGITS or digits + exponent > MAX_DIGITS:
        raise NumberError(text)
    if value == 0:
        return Decimal(0).quantize(value) if exponent < 0 else Decimal(0)  # no negative zero
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


def significant_decimals(value: Decimal) -> int:
    """Decimals that carry a value (trailing zeros do not: 1.50 and 1.5000 have 1, 0.0000 has 0).

    A value read back from a NUMERIC(18, 4) column has four decimals whatever was typed, so the
    decimals rule must look at what the number is, not at how it was written.
    """
    if not value.is_finite() or value == 0:
        return 0
    return decimal_places(value.normalize())


def format_number(value, pattern: str, locale) -> str:
    """`value` formatted with a CLDR pattern for `locale`, for every value ever stored.

    Babel computes in the default decimal context (28 digits): a 25-digit figure with 4 decimals
    overflows it. Give the context the precision the value needs, and fall back to the plain digits
    for anything Babel still cannot format (never an exception on a page or in a document).
    """
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return str(value)
    if not number.is_finite():
        return str(value)
    sign, digits, exponent = number.as_tuple()
    if len(digits) + abs(exponent) > 200:
        return str(value)
    try:
        with localcontext() as context:
            context.prec = len(digits) + abs(exponent) + 10
            return format_decimal(number, format=pattern, locale=locale)
    except (ArithmeticError, ValueError):
        return format(number, "f")
