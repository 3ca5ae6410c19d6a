"""Message ids: marked for extraction where they are written, translated where they are shown."""
from __future__ import annotations


def N_(message: str) -> str:
    """Marks a msgid for extraction (babel.cfg's N_ keyword) without translating it here."""
    return message
