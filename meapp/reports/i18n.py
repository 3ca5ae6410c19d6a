"""Translation and formatting for documents, outside any request: explicit language, same catalogs as the UI."""
from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date
from babel.support import Translations

from meapp.core.bilingual import marked, pick
from meapp.core.catalogs import compiled
from meapp.core.numbers import decimal_pattern, format_number
from meapp.core.periods import period_label
from meapp.reports.text import typeset

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
        self._date_locale = _locale("en_GB" if code == "en" else code)

    def _(self, msgid: str, **params) -> str:
        text = self._t.gettext(msgid)
        return typeset(text % params if params else text, self.code)

    def n_(self, singular: str, plural: str, n: int, **params) -> str:
        return typeset(self._t.ngettext(singular, plural, n) % {"num": n, **params}, self.code)

    def number(self, value, decimals: int | None = None) -> str:
        if value is None:
            return ""
        return format_number(value, decimal_pattern(decimals), self.locale)

    def percent(self, value, decimals: int = 1) -> str:
        """A percentage already multiplied by 100: '87.5%' in English, '87,5 %' in French (narrow no-break space)."""
        if value is None:
            return "—"
        return self.number(value, decimals) + ("\u202f%" if self.code == "fr" else "%")

    def date(self, day: dt.date | None, fmt: str = "long") -> str:
        """'1 December 2026' (day first, as in Europe) / '1er décembre 2026'."""
        if not day:
            return ""
        text = format_date(day, fmt, locale=self._date_locale)
        if self.code == "fr" and day.day == 1:
            text = re.sub(r"^1(?=\s)", "1er", text)
        return text.replace(" ", "\u00a0", 1) if fmt != "short" else text

    def period(self, code: str | None) -> str:
        """'Q1 2021' / 'T1 2021', never broken across lines."""
        return period_label(code, self._).replace(" ", "\u00a0")

    def country(self, code: str) -> str:
        return self.locale.territories.get(code, code)

    def pick(self, en: str | None, fr: str | None) -> str:
        """Bilingual content in this language, or the other one marked with its language (core.bilingual)."""
        chosen = pick(en, fr, self.code)
        return marked(chosen) if chosen.is_fallback else typeset(chosen.text, self.code)
