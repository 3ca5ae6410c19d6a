from flask_babel import lazy_gettext as _l
from wtforms import DateField, SearchField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from meapp.forms import MeForm, version_field


class ProjectFilterForm(MeForm):
    """Filters of the project list (GET, no state change: no CSRF token)."""

    class Meta(MeForm.Meta):
        csrf = False

    q = SearchField(_l("Search"), validators=[Optional(), Length(max=100)])
    country = SelectField(_l("Country"), validators=[Optional()], validate_choice=True)
    funder = SelectField(_l("Funder"), validators=[Optional()], validate_choice=True)
    sector = SelectField(_l("Sector"), validators=[Optional()], validate_choice=True)


# Creating and editing a project (secretariat). The form parses; meapp.projects.service checks everything
# (its problems are shown beside these fields, which bear the names of ProjectInput's fields).


class ProjectForm(MeForm):
    # No Optional() on the lists: it would let a blank value (" ") past the choice check.
    code = StringField(_l("Code"), validators=[Optional(), Length(max=40)],
                       description=_l("Letters, digits and dashes, e.g. PALIM or MENTOR-2. It never changes."))
    title_en = StringField(_l("Title (English)"), validators=[Optional()])
    title_fr = StringField(_l("Title (French)"), validators=[Optional()])
    summary_en = TextAreaField(_l("Summary (English)"), validators=[Optional()], render_kw={"rows": 6})
    summary_fr = TextAreaField(_l("Summary (French)"), validators=[Optional()], render_kw={"rows": 6})
    lead = SelectField(_l("Lead organisation"), validate_choice=True)
    implementers = SelectMultipleField(_l("Implementers"), validate_choice=True, render_kw={"size": 8})
    funders = SelectMultipleField(_l("Funders"), validate_choice=True, render_kw={"size": 8})
    origin_countries = SelectMultipleField(_l("Countries of origin"), validate_choice=True, render_kw={"size": 8})
    destination_countries = SelectMultipleField(_l("Countries of destination"), validate_choice=True,
                                                render_kw={"size": 8})
    start_date = DateField(_l("Start date"), validators=[Optional()])
    end_date = DateField(_l("End date"), validators=[Optional()])
    reporting_frequency = SelectField(_l("Reporting frequency"), validate_choice=True)
    currency = SelectField(_l("Budget currency"), validate_choice=True)
    status = SelectField(_l("Status"), validate_choice=True)
    sectors = SelectMultipleField(_l("Sectors"), validate_choice=True, render_kw={"size": 6})
    gcm_objectives = SelectMultipleField(_l("GCM objectives"), validate_choice=True, render_kw={"size": 8})
    sdg_targets = SelectMultipleField(_l("SDG targets"), validate_choice=True, render_kw={"size": 8})


class ProjectEditForm(ProjectForm):
    version = version_field()


# Organisations (secretariat). The forms parse; meapp.projects.organisations checks everything, and its
# problems are shown beside these fields, which bear the names of OrganisationInput's fields.

ORGANISATION_KIND_LABELS = {
    "government": _l("Government"),
    "agency": _l("Agency"),
    "city": _l("City or local authority"),
    "ngo": _l("Non-governmental organisation"),
    "international": _l("International organisation"),
    "private": _l("Private sector"),
    "donor": _l("Donor"),
    "secretariat": _l("Secretariat"),
    "other": _l("Other"),
}


class OrganisationFilterForm(MeForm):
    """Filters of the organisation list (GET, no state change: no CSRF token)."""

    class Meta(MeForm.Meta):
        csrf = False

    q = SearchField(_l("Search"), validators=[Optional(), Length(max=100)])
    kind = SelectField(_l("Kind"), validators=[Optional()], validate_choice=True)
    active = SelectField(_l("Status"), validators=[Optional()], validate_choice=True)


class OrganisationForm(MeForm):
    name = StringField(_l("Name (English)"), validators=[Optional()],
                       description=_l("The full name, unique, e.g. International Organization for Migration."))
    name_fr = StringField(_l("Name (French)"), validators=[Optional()],
                          description=_l("French documents show it; left empty, they show the English name."))
    acronym = StringField(_l("Short name"), validators=[Optional()], description=_l("Unique when given, e.g. IOM."))
    # The service checks the choices (meapp.projects.organisations), with every other field's problems at once.
    kind = SelectField(_l("Kind"), validate_choice=False)
    country_code = SelectField(_l("Country"), validators=[Optional()], validate_choice=False)
    parent_id = SelectField(_l("Part of"), validators=[Optional()], validate_choice=False,
                            description=_l("A programme or directorate counts under the organisation it is part of, "
                                           "e.g. in a funder’s portfolio."))


class OrganisationEditForm(OrganisationForm):
    version = version_field()


class OrganisationMergeForm(MeForm):
    keep = SelectField(_l("Organisation to keep"), validate_choice=True)
    reason = TextAreaField(_l("Reason"), validators=[Optional()], render_kw={"rows": 3})


class OrganisationStatusForm(MeForm):
    reason = TextAreaField(_l("Reason"), validators=[Optional()], render_kw={"rows": 3})
