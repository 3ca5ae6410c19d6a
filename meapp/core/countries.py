"""The countries meapp knows: ISO 3166 alpha-2 codes CLDR names, and nothing that is not a country.

One list for the organisation and project forms, their checks, and the shared country disaggregations.
"""
from __future__ import annotations

import functools
import unicodedata

from babel import Locale

# CLDR's two-letter territories that are not countries: the EU, the euro zone, the UN, outlying Oceania,
# unknown, the pseudo-locales, and islands or bases CLDR lists apart (Ascension, Clipperton, Sark, Diego
# Garcia, Ceuta and Melilla, the Canaries, Tristan da Cunha). Kosovo (XK) is kept: the programmes report on it.
NOT_COUNTRIES = frozenset({"AC", "CP", "CQ", "DG", "EA", "IC", "TA", "EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})


@functools.cache
def country_codes() -> frozenset[str]:
    return frozenset(code for code in Locale("en").territories
                     if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES)


def alphabetical(label: str) -> str:
    """A sort key in the order a reader expects: "Égypte" among the E, "Îles Cook" among the I."""
    return "".join(c for c in unicodedata.normalize("NFKD", label) if not unicodedata.combining(c)).casefold()
