from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

from meapp.forms import MeForm, version_field


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
