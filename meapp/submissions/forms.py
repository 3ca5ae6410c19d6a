from flask_babel import lazy_gettext as _l
from meapp.forms import MeForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

# Every write names the version its page showed (0 before the first save): without it a stale page
# could overwrite someone else's save unnoticed.
VERSION_MISSING = _l("This form does not say which version of the report it was opened on: reload the page.")


def version_field():
    return IntegerField(validators=[InputRequired(message=VERSION_MISSING), NumberRange(min=0, max=2 ** 31 - 1)])


class GridForm(MeForm):
    """The value grid: cells are parsed from the request by the view; this form carries CSRF and narratives."""

    version = version_field()
    narrative_en = TextAreaField(_l("Narrative (English)"), validators=[Optional(), Length(max=20000)])
    narrative_fr = TextAreaField(_l("Narrative (French)"), validators=[Optional(), Length(max=20000)])


class ActionForm(MeForm):
    version = version_field()


class CsrfOnlyForm(MeForm):
    """A button that changes nothing the version guards (withdrawing evidence): CSRF only."""


class ReasonForm(MeForm):
    version = version_field()
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


class EvidenceForm(MeForm):
    file = FileField(_l("File"), validators=[FileRequired()])
    description = StringField(_l("Description"), validators=[Optional(), Length(max=500)])


class PeriodForm(MeForm):
    code = StringField(_l("Period"), validators=[DataRequired(), Regexp(r"^\s*\d{4}\s*-?\s*[QqHhSs]?[1-4]?\s*$",
                                                                         message=_l("Write a period like 2023Q1."))])
    due_date = DateField(_l("Due date"), validators=[Optional()])
    status = SelectField(_l("Status"), choices=[
        SelectChoice("open", _l("Open")), SelectChoice("closed", _l("Closed")), SelectChoice("planned", _l("Planned"))
    ])
