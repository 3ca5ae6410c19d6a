"""One list of countries for every form, check and disaggregation; ordered as a reader expects."""
from meapp.core.countries import alphabetical, country_codes


def test_countries_only():
    codes = country_codes()
    assert {"MA", "BE", "TN", "XK", "NG", "LT"} <= codes
    assert not {"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB", "CQ", "DG", "IC", "EA", "AC", "CP", "TA"} & codes


def test_accented_names_sort_among_their_letter():
    names = ["Espagne", "Égypte", "Danemark", "Îles Cook", "Islande", "Brunei", "Brésil"]
    assert sorted(names, key=alphabetical) == ["Brésil", "Brunei", "Danemark", "Égypte", "Espagne", "Îles Cook",
                                               "Islande"]
