"""Translation and formatting for documents, outside any request: explicit language, same catalogs as the UI."""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date
from babel.support import Translations

from meapp.core.bilingual import marked, pick
from meapp.core.catalogs import compiled
from meapp.core.messages import N_  # noqa: F401 (re-exported for the modules of this package)
from meapp.core.numbers import decimal_pattern, format_number
from meapp.core.periods import period_label

TRANSLATIONS_DIR = Path(__file__).resolve().parents[2] / "translations"




@lru_cache(maxsize=4)
def _catalog(lang: str) -> Translations:
    return Translations.load(str(compiled(TRANSLATIONS_DIR)), [lang])  # where the screens read them too


@lru_cache(maxsize=4)
def _locale(lang: str) -> Locale:
    return Locale.parse(lang)


class Lang:
    """One language's gettext and formatters, for the pure report builder."""

    def __init__(self, code: str):
        self.code = code
        self._t = _catalog(code)
        self.locale = _locale(code)

    def _(self, msgid: str, **params) -> str:
        text = self._t.gettext(msgid)
        return text % params if params else text

    def n_(self, singular: str, plural: str, n: int, **params) -> str:
        return self._t.ngettext(singular, plural, n) % {"num": n, **params}

    def number(self, value, decimals: int | None = None) -> str:
        if value is None:
            return ""
        return format_number(value, decimal_pattern(decimals), self.locale)

    def percent(self, value) -> str:
        """A percentage already multiplied by 100 (e.g. 87.5 → '87.5 %' / '87,5 %')."""
        if value is None:
            return "—"
        return self.number(value, 1) + "\u00a0%"

    def date(self, day: dt.date | None, fmt: str = "long") -> str:
        return format_date(day, fmt, locale=self.locale) if day else ""

    def period(self, code: str | None) -> str:
        return period_label(code, self._)

    def country(self, code: str) -> str:
        return self.locale.territories.get(code, code)

    def pick(self, en: str | None, fr: str | None) -> str:
        """Bilingual content in this language, or the other one marked with its language (core.bilingual)."""
        return marked(pick(en, fr, self.code))
