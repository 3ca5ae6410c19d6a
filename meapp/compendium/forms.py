from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from meapp.forms import MeForm


class EditionForm(MeForm):
    key = StringField(_l("Key"), validators=[DataRequired(), Length(max=80),
                                            Regexp(r"^[a-z0-9][a-z0-9-]*$", message=_l("Lower-case letters, digits "
                                                                                      "and hyphens only."))])
    title_en = StringField(_l("Title (English)"), validators=[Optional(), Length(max=400)])
    title_fr = StringField(_l("Title (French)"), validators=[Optional(), Length(max=400)])
    event = StringField(_l("Event"), validators=[Optional(), Length(max=400)])
    year = IntegerField(_l("Year"), validators=[Optional(), NumberRange(min=1900, max=2100, message=_l(
        "Write a year between %(min)s and %(max)s."))])


class PracticeForm(MeForm):
    version = IntegerField(validators=[Optional(), NumberRange(min=0, max=2**31 - 1)])
    key = StringField(_l("Identifier"), validators=[Optional(), Length(max=120),
                                                   Regexp(r"^[a-z0-9][a-z0-9-]*$",
                                                          message=_l("Lower-case letters, digits and hyphens only."))])
    place = SelectField(_l("Heading"), validators=[DataRequired()])
    actor = StringField(_l("Actor (English)"), validators=[DataRequired(), Length(max=300)])
    actor_fr = StringField(_l("Actor (French)"), validators=[Optional(), Length(max=300)])
    name_en = TextAreaField(_l("Name (English)"), validators=[Optional(), Length(max=1000)])
    name_fr = TextAreaField(_l("Name (French)"), validators=[Optional(), Length(max=1000)])
    summary_en = TextAreaField(_l("Summary (English)"), validators=[Optional(), Length(max=10000)])
    summary_fr = TextAreaField(_l("Summary (French)"), validators=[Optional(), Length(max=10000)])
    countries = StringField(_l("Countries (ISO codes, comma-separated)"), validators=[Optional(), Length(max=300),
                            Regexp(r"^\s*([A-Za-z]{2}\s*(,\s*[A-Za-z]{2}\s*)*)?$",
                                   message=_l("Two-letter ISO codes separated by commas, e.g. BE, MA."))])
    urls = TextAreaField(_l("Sources (one address per line)"), validators=[Optional(), Length(max=20000)])
    projects = StringField(_l("Linked projects (codes, comma-separated)"), validators=[Optional(), Length(max=300)])
