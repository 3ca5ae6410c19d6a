"""Bilingual content: paired *_en / *_fr attributes with an explicit fallback."""
from __future__ import annotations

from dataclasses import dataclass

LANGUAGES = ("en", "fr")


@dataclass(frozen=True)
class LocalizedText:
    text: str
    lang: str  # the language the text is actually in
    is_fallback: bool  # True when the requested language was empty

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return bool(self.text)


def other_language(lang: str) -> str:
    return "fr" if lang == "en" else "en"


def pick(en: str | None, fr: str | None, lang: str) -> LocalizedText:
    """The text in `lang`, else in the other language (flagged as a fallback), else empty: the one rule."""
    lang = lang if lang in LANGUAGES else "en"
    texts = {"en": (en or "").strip(), "fr": (fr or "").strip()}
    if texts[lang]:
        return LocalizedText(texts[lang], lang, False)
    other = other_language(lang)
    if texts[other]:
        return LocalizedText(texts[other], other, True)
    return LocalizedText("", lang, False)


def localized(obj, field: str, lang: str) -> LocalizedText:
    """The field of `obj` in `lang` (paired `field_en` / `field_fr` attributes), by the rule of `pick`."""
    return pick(getattr(obj, f"{field}_en", None), getattr(obj, f"{field}_fr", None), lang)


def marked(text: LocalizedText) -> str:
    """A fallback marked with its language ("[EN] …"), as documents print it."""
    return f"[{text.lang.upper()}] {text.text}" if text.is_fallback else text.text
