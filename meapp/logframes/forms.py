"""Forms of the logframe screens: validation rules, result levels, indicators, targets and the approval steps.

Field names are those of `meapp.logframes.spec` (LevelSpec, IndicatorSpec), so a problem the service finds
on a field comes back under the name of the form field that holds it.
"""
from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from meapp.core.numbers import MAX_LENGTH, NumberError, parse_decimal
from meapp.core.text import CELL_LIMIT, REASON_LIMIT
from meapp.forms import MeForm, version_field
from meapp.i18n import ENUM_LABELS, current_language, format_value
from meapp.logframes.plan import INDICATOR_CODE_LIMIT, LEVEL_CODE_LIMIT, NAME_LIMIT
from meapp.logframes.spec import AGGREGATIONS, DIRECTIONS, LEVEL_KINDS, UNITS


class RuleForm(MeForm):
    left = StringField(_l("Left expression"), validators=[DataRequired(), Length(max=500)])
    operator = SelectField(_l("Comparison"), choices=[SelectChoice(o, o) for o in ("<=", "<", "==", "!=", ">=", ">")])
    right = StringField(_l("Right expression"), validators=[DataRequired(), Length(max=500)])
    severity = SelectField(_l("Severity"), choices=[SelectChoice("error", _l("Error")),
                                                    SelectChoice("warning", _l("Warning"))])
    missing_value_strategy = SelectField(_l("When values are missing"), choices=[
        SelectChoice("skip_if_any", _l("Skip the rule if any value is missing")),
        SelectChoice("skip_if_all", _l("Skip the rule only if all values are missing")),
        SelectChoice("never_skip", _l("Never skip: missing values count as 0")),
    ])
    message_en = TextAreaField(_l("Message (English)"), validators=[Optional(), Length(max=500)])
    message_fr = TextAreaField(_l("Message (French)"), validators=[Optional(), Length(max=500)])


# The label of every attribute of a level or an indicator: the forms' labels, and the names a revision's
# definition is shown with.
LABELS = {
    "code": _l("Code"),
    "kind": _l("Kind of result"),
    "parent": _l("Under"),
    "statement_en": _l("Statement (English)"),
    "statement_fr": _l("Statement (French)"),
    "level": _l("Result level"),
    "name_en": _l("Name (English)"),
    "name_fr": _l("Name (French)"),
    "definition_en": _l("Definition (English)"),
    "definition_fr": _l("Definition (French)"),
    "unit": _l("Unit"),
    "currency": _l("Currency (ISO 4217 code)"),
    "aggregation": _l("Adds up as"),
    "direction": _l("Direction"),
    "is_cumulative": _l("Cumulative: reported as a running total that may not go down"),
    "baseline_value": _l("Baseline"),
    "baseline_date": _l("Baseline date"),
    "target_value": _l("End-of-project target"),
    "min_value": _l("Smallest allowed value"),
    "max_value": _l("Largest allowed value"),
    "decimals": _l("Decimals"),
    "is_required": _l("Required in every report"),
    "is_key": _l("Key indicator"),
    "means_of_verification_en": _l("Means of verification (English)"),
    "means_of_verification_fr": _l("Means of verification (French)"),
    "disaggregations": _l("Disaggregations"),
    "reason": _l("Reason for the change"),
}
LEVEL_FIELDS = ("code", "kind", "parent", "statement_en", "statement_fr")
INDICATOR_FIELDS = ("code", "level", "name_en", "name_fr", "definition_en", "definition_fr", "unit", "currency",
                    "aggregation", "direction", "is_cumulative", "baseline_value", "baseline_date", "target_value",
                    "min_value", "max_value", "decimals", "is_required", "is_key", "means_of_verification_en",
                    "means_of_verification_fr", "disaggregations")


def _choices(keys) -> list[SelectChoice]:
    return [SelectChoice(key, ENUM_LABELS.get(key, key)) for key in keys]


def number_text(value: Decimal | None) -> str:
    """A stored number as the reader types it ('1 234,5' in French), for a form field."""
    return "" if value is None else format_value(value)


class NumberField(StringField):
    """A number typed the reader's way ('1 234,5' in French, '1,234.5' in English), read by the one grammar.

    `number` holds the Decimal after validation (None when the field is empty).
    """

    number: Decimal | None = None

    def pre_validate(self, form) -> None:
        self.number = None
        text = (self.data or "").strip()
        if not text:
            return
        try:
            self.number = parse_decimal(text, current_language())
        except NumberError:
            raise ValidationError(not_a_number(text)) from None


def not_a_number(text: str) -> str:
    return gettext("“%(text)s” is not a number: write it like %(example)s.", text=text,
                   example=format_value(Decimal("1234.5"), 1))


def _text(label, limit: int) -> TextAreaField:
    """Free text: its length is checked by the service (logframes.plan), the one rule for every door."""
    return TextAreaField(label, render_kw={"maxlength": limit})


def _number(label) -> NumberField:
    return NumberField(label, render_kw={"inputmode": "decimal", "maxlength": MAX_LENGTH})


class LevelForm(MeForm):
    version = version_field()
    # Codes are checked by the service (logframes.plan), the one rule for every door.
    code = StringField(LABELS["code"], render_kw={"maxlength": LEVEL_CODE_LIMIT, "autocomplete": "off"})
    kind = SelectField(LABELS["kind"], choices=_choices(LEVEL_KINDS))
    parent = SelectField(LABELS["parent"], choices=[])
    statement_en = _text(LABELS["statement_en"], CELL_LIMIT)
    statement_fr = _text(LABELS["statement_fr"], CELL_LIMIT)


class IndicatorForm(MeForm):
    version = version_field()
    code = StringField(LABELS["code"], render_kw={"maxlength": INDICATOR_CODE_LIMIT, "autocomplete": "off"})
    level = SelectField(LABELS["level"], choices=[])
    name_en = _text(LABELS["name_en"], NAME_LIMIT)
    name_fr = _text(LABELS["name_fr"], NAME_LIMIT)
    definition_en = _text(LABELS["definition_en"], CELL_LIMIT)
    definition_fr = _text(LABELS["definition_fr"], CELL_LIMIT)
    unit = SelectField(LABELS["unit"], choices=_choices(UNITS))
    currency = StringField(LABELS["currency"], filters=[lambda v: (v or "").strip().upper() or None],
                           render_kw={"maxlength": 3, "size": 4, "autocomplete": "off"})
    aggregation = SelectField(LABELS["aggregation"], choices=_choices(AGGREGATIONS))
    direction = SelectField(LABELS["direction"], choices=_choices(DIRECTIONS))
    is_cumulative = BooleanField(LABELS["is_cumulative"])
    baseline_value = _number(LABELS["baseline_value"])
    baseline_date = DateField(LABELS["baseline_date"], validators=[Optional()])
    target_value = _number(LABELS["target_value"])
    min_value = _number(LABELS["min_value"])
    max_value = _number(LABELS["max_value"])
    decimals = SelectField(LABELS["decimals"], coerce=int, default=0, choices=[SelectChoice(n, str(n)) for n in range(5)])
    is_required = BooleanField(LABELS["is_required"], default=True)
    is_key = BooleanField(LABELS["is_key"])
    means_of_verification_en = _text(LABELS["means_of_verification_en"], CELL_LIMIT)
    means_of_verification_fr = _text(LABELS["means_of_verification_fr"], CELL_LIMIT)
    disaggregations = SelectMultipleField(LABELS["disaggregations"], choices=[])
    reason = _text(LABELS["reason"], REASON_LIMIT)


class TargetsForm(MeForm):
    """The targets grid: cells (t|PERIOD|COMBINATION) are read by the view; this form carries the rest."""

    version = version_field()
    reason = _text(LABELS["reason"], REASON_LIMIT)


class VersionForm(MeForm):
    """A button on the logframe (submit, reinstate, delete): the version its page showed."""

    version = version_field()
    reason = _text(LABELS["reason"], REASON_LIMIT)


class ReasonForm(MeForm):
    """Retiring an indicator or returning the logframe: a reason is required."""

    version = version_field()
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(message=_l("Write the reason."))],
                           render_kw={"maxlength": REASON_LIMIT})


class ApproveForm(MeForm):
    version = version_field()
    note = _text(_l("Note to the implementers and funders (optional)"), REASON_LIMIT)
