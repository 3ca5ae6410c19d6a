from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from meapp.forms import MeForm


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
