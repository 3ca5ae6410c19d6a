"""Stored text made fit for a document: what XML 1.0 cannot carry, or would show as a box, is left out."""
from __future__ import annotations

import re

# Old data holds characters pasted from other programs: Word's manual line break (vertical tab) and page
# break (form feed), terminal escapes, NUL, DEL and C1 controls, the non-characters U+FFFE/U+FFFF, lone
# surrogates. XML 1.0 refuses most of them outright (Word then refuses the file), so every renderer
# passes user text through clean() first. Tab and line feed are kept; the renderers lay them out.
_LINE_BREAKS = re.compile(r"\r\n?|[\x0b\x0c\x85\u2028\u2029]")
_UNWANTED = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# Anything either rule would change; most text has none, and then one search is all it costs.
_ANY = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")


def clean(text) -> str:
    """The text with line breaks as "\\n" and no control character other than tab and line feed."""
    if text is None:
        return ""
    text = str(text)
    if _ANY.search(text) is None:
        return text
    return _UNWANTED.sub("", _LINE_BREAKS.sub("\n", text))


_FR_BEFORE = re.compile(r"[ \u00a0]([;:!?»])")
_FR_AFTER = re.compile(r"«[ \u00a0]")


def typeset(text: str, lang: str) -> str:
    """French as a publisher sets it: a narrow no-break space before ; : ! ? and inside « », curly apostrophes.

    Only spaces already there are changed (a URL's "https:" or a time's "12:30" has none), so codes and
    addresses are left as they are.
    """
    if lang != "fr" or not text:
        return text
    text = _FR_BEFORE.sub("\u202f\\1", text.replace("'", "\u2019"))
    return _FR_AFTER.sub("«\u202f", text)
