"""Numbers, dates and periods are formatted by Babel for the language."""
import datetime as dt
from decimal import Decimal

import pytest
from flask import Flask
from flask_babel import force_locale

from meapp import i18n
from meapp.extensions import babel


@pytest.fixture(scope="module")
def ctx():
    app = Flask(__name__)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(i18n.__file__).rsplit("/meapp/", 1)[0] + "/translations"
    babel.init_app(app, locale_selector=lambda: "en")
    with app.test_request_context():
        yield


@pytest.mark.parametrize("lang, value, decimals, expected", [
    ("fr", Decimal("1234.5"), 1, "1\u202f234,5"),
    ("en", Decimal("1234.5"), 1, "1,234.5"),
    ("fr", Decimal("9000"), 0, "9\u202f000"),
    ("en", Decimal("9000.0000"), None, "9,000"),
    ("fr", Decimal("22.5"), None, "22,5"),
    ("en", Decimal("0.25"), 2, "0.25"),
    ("en", None, 0, ""),
])
def test_format_value(ctx, lang, value, decimals, expected):
    with force_locale(lang):
        assert i18n.format_value(value, decimals) == expected


@pytest.mark.parametrize("lang, code, expected", [
    ("fr", "2023Q1", "T1 2023"), ("en", "2023Q1", "Q1 2023"), ("fr", "2023H2", "S2 2023"),
    ("en", "2023", "2023"), ("en", "garbage", "garbage"),
])
def test_format_period(ctx, lang, code, expected):
    with force_locale(lang):
        assert i18n.format_period(code) == expected


def test_country_names_follow_the_language(ctx):
    with force_locale("fr"):
        assert i18n.country_name("MA") == "Maroc"
    with force_locale("en"):
        assert i18n.country_name("MA") == "Morocco"
        assert i18n.country_name("XK") == "Kosovo"


def test_dates_follow_the_language(ctx):
    from flask_babel import format_date

    with force_locale("fr"):
        assert format_date(dt.date(2023, 1, 31), "long") == "31 janvier 2023"


def test_formatting_is_total_over_every_value_ever_stored():
    """A 25-digit figure once raised InvalidOperation in Babel and broke the grid page for everyone."""
    from decimal import Decimal

    from meapp.core.numbers import format_number
    from meapp.reports.i18n import Lang

    for value in (Decimal("9" * 25), Decimal("9" * 25 + ".9999"), Decimal("1E+9999999"), Decimal("-0.0000"),
                  "9" * 10_000, "not a number", Decimal("NaN")):
        for lang in ("en", "fr"):
            assert format_number(value, "#,##0.####", lang)
            assert Lang(lang).number(value, 4)
    assert format_number(Decimal("9" * 25), "#,##0", "en") == "9,999,999,999,999,999,999,999,999"
