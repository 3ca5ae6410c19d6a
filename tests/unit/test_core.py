from decimal import Decimal
from types import SimpleNamespace

import pytest

from meapp.core.bilingual import localized
from meapp.core.numbers import NumberError, decimal_places, parse_decimal


@pytest.mark.parametrize("text, lang, expected", [
    ("12", "en", "12"),
    ("1,234.5", "en", "1234.5"),
    ("1 234,5", "fr", "1234.5"),
    ("1\u202f234,5", "fr", "1234.5"),
    ("1.234,5", "fr", "1234.5"),
    ("12,5", "fr", "12.5"),
    ("12,5", "en", "12.5"),
    ("1,234", "en", "1234"),
    ("1,234", "fr", "1.234"),
    ("\u221212", "fr", "-12"),
    ("0.10", "en", "0.10"),
])
def test_parse_decimal(text, lang, expected):
    assert parse_decimal(text, lang) == Decimal(expected)


@pytest.mark.parametrize("text", ["", "  ", "abc", "1e", "NaN", "Infinity", "1.2.3", "=1+1"])
def test_parse_decimal_refuses(text):
    with pytest.raises(NumberError):
        parse_decimal(text)


@pytest.mark.parametrize("value, places", [("1", 0), ("1.5", 1), ("1.50", 2), ("100", 0), ("0.001", 3)])
def test_decimal_places(value, places):
    assert decimal_places(Decimal(value)) == places


def test_localized_falls_back_and_says_so():
    obj = SimpleNamespace(title_en="Skills", title_fr="")
    fr = localized(obj, "title", "fr")
    assert (fr.text, fr.lang, fr.is_fallback) == ("Skills", "en", True)
    en = localized(obj, "title", "en")
    assert (en.text, en.lang, en.is_fallback) == ("Skills", "en", False)
    empty = localized(SimpleNamespace(title_en=None, title_fr="  "), "title", "en")
    assert (empty.text, empty.is_fallback, bool(empty)) == ("", False, False)
    assert localized(SimpleNamespace(title_en="a", title_fr="b"), "title", "de").text == "a"
