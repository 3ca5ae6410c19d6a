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


def localized(obj, field: str, lang: str) -> LocalizedText:
    """The field in `lang`, else in the other language (flagged as a fallback), else empty."""
    lang = lang if lang in LANGUAGES else "en"
    text = (getattr(obj, f"{field}_{lang}", None) or "").strip()
    if text:
        return LocalizedText(text, lang, False)
    other = other_language(lang)
    text = (getattr(obj, f"{field}_{other}", None) or "").strip()
    if text:
        return LocalizedText(text, other, True)
    return LocalizedText("", lang, False)
