"""A value typed once gives the same findings when it is read back from storage and validated again.

Values are stored in a NUMERIC(18, 4) column, so 0 comes back as 0.0000 and 1.5 as 1.5000; a value
the column cannot hold exactly is kept as the text that was typed. Whatever was typed, re-validating
what is stored must say exactly what validating the typed value said (otherwise a stored zero could
block a submission for ever).
"""
import datetime as dt
from decimal import Decimal

from hypothesis import example, given, settings
from hypothesis import strategies as st

from meapp.core.numbers import parse_decimal
from meapp.submissions.service import _fits
from meapp.validation import IndicatorSpec, PeriodContext, RawValue, ValidationInput, validate
from meapp.validation.checks import VALUE_LIMIT

CONTEXT = PeriodContext("2023Q1", dt.date(2022, 1, 1), dt.date(2024, 12, 31))
LARGEST = VALUE_LIMIT - Decimal("0.0001")


def stored(raw, result):
    """What the service keeps for a typed cell (its parsed number, or the text as typed), as read back."""
    value = result.parsed.get(("IND", ""))
    return value.quantize(Decimal("0.0001")) if isinstance(value, Decimal) and _fits(value) else raw


def comparable(result) -> list:
    out = []
    for f in result.findings:
        params = {}
        for key, value in f.params.items():
            try:
                params[key] = parse_decimal(value) if isinstance(value, (Decimal, int)) else value
                params[key] = params[key].normalize() if isinstance(params[key], Decimal) else params[key]
            except ValueError:
                params[key] = value
        out.append((f.code.value, f.severity, f.indicator, f.combination, sorted(params.items(), key=str)))
    return out


def run(spec: IndicatorSpec, raw, lang: str):
    return validate(ValidationInput("P", CONTEXT, (spec,), (RawValue(spec.code, raw),), (), {}, lang))


def typed(value: Decimal, lang: str, decimals_shown: int) -> str:
    text = f"{value:.{decimals_shown}f}" if decimals_shown else f"{value:f}"
    return text.replace(".", ",") if lang == "fr" else text


specs = st.builds(
    IndicatorSpec,
    code=st.just("IND"),
    unit=st.sampled_from(["number", "percent", "currency", "yes_no"]),
    decimals=st.integers(0, 4),
    min_value=st.one_of(st.none(), st.decimals(-1000, 1000, places=2)),
    max_value=st.one_of(st.none(), st.decimals(0, 10**6, places=2)),
    is_required=st.booleans(),
)
values = st.one_of(
    st.decimals(min_value=-LARGEST, max_value=LARGEST, places=4, allow_nan=False, allow_infinity=False),
    st.decimals(min_value=-1000, max_value=1000, places=6, allow_nan=False, allow_infinity=False),
    st.sampled_from([Decimal(0), Decimal("-0"), Decimal("0.0000"), Decimal(1), LARGEST, -LARGEST,
                     VALUE_LIMIT, Decimal("100"), Decimal("100.0001")]),
)


@settings(max_examples=600, deadline=None)
@given(spec=specs, value=values, lang=st.sampled_from(["en", "fr"]), shown=st.integers(0, 6))
@example(spec=IndicatorSpec("IND", decimals=0), value=Decimal(0), lang="en", shown=0)
@example(spec=IndicatorSpec("IND", unit="yes_no"), value=Decimal(0), lang="en", shown=0)
@example(spec=IndicatorSpec("IND", decimals=0), value=Decimal("-0"), lang="fr", shown=2)
@example(spec=IndicatorSpec("IND", decimals=4), value=LARGEST, lang="en", shown=4)
def test_typed_and_stored_values_give_the_same_findings(spec, value, lang, shown):
    raw = typed(value, lang, shown)
    first = run(spec, raw, lang)
    assert comparable(run(spec, stored(raw, first), lang)) == comparable(first)


@given(word=st.sampled_from(["yes", "no", "oui", "non", "1", "0", "Oui", "NO"]))
def test_yes_no_answers_revalidate(word):
    spec = IndicatorSpec("IND", unit="yes_no")
    first = run(spec, word, "fr")
    assert not first.errors
    assert comparable(run(spec, stored(word, first), "en")) == comparable(first)


def test_a_stored_zero_has_no_decimals():
    for unit in ("number", "yes_no", "currency"):
        result = run(IndicatorSpec("IND", unit=unit), Decimal("0.0000"), "en")
        assert [f.code.value for f in result.findings] == [], unit
