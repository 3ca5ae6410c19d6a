from flask_babel import lazy_gettext as _l
from wtforms import SearchField, SelectField
from wtforms.validators import Length, Optional

from meapp.forms import MeForm


class ProjectFilterForm(MeForm):
    """Filters of the project list (GET, no state change: no CSRF token)."""

    class Meta(MeForm.Meta):
        csrf = False

    q = SearchField(_l("Search"), validators=[Optional(), Length(max=100)])
    country = SelectField(_l("Country"), validators=[Optional()], validate_choice=True)
    funder = SelectField(_l("Funder"), validators=[Optional()], validate_choice=True)
    sector = SelectField(_l("Sector"), validators=[Optional()], validate_choice=True)
