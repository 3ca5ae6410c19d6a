from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SearchField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from meapp.forms import MeForm, version_field


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class LoginForm(MeForm):
    email = EmailField(_l("Email"), filters=[_strip], validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me signed in on this computer"))
    submit = SubmitField(_l("Sign in"))


class ProfileForm(MeForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    locale = SelectField(
        _l("Language"), choices=[SelectChoice("en", "English"), SelectChoice("fr", "Français")], validators=[DataRequired()]
    )
    current_password = PasswordField(_l("Current password"), validators=[Optional(), Length(max=200)])
    new_password = PasswordField(_l("New password"), validators=[Optional(), Length(min=10, max=200)])
    confirm_password = PasswordField(
        _l("Repeat the new password"),
        validators=[EqualTo("new_password", message=_l("The two passwords differ."))],
    )
    submit = SubmitField(_l("Save"))


class LanguageForm(MeForm):
    submit = SubmitField()


# Accounts (secretariat) and the set-password page. The forms parse; meapp.auth.service checks
# everything, and its problems are shown beside these fields (same names as its problems' places).


class UserFilterForm(MeForm):
    """Filters of the account list (GET, no state change: no CSRF token)."""

    class Meta(MeForm.Meta):
        csrf = False

    q = SearchField(_l("Search"), validators=[Optional(), Length(max=100)])
    role = SelectField(_l("Role"), validators=[Optional()], validate_choice=True)
    organisation = SelectField(_l("Organisation"), validators=[Optional()], validate_choice=True)
    active = SelectField(_l("Status"), validators=[Optional()], validate_choice=True)


class UserEditForm(MeForm):
    # The service checks the choices (meapp.auth.service), with every other field's problems at once.
    name = StringField(_l("Name"), validators=[Optional()])
    role = SelectField(_l("Role"), validate_choice=False)
    organisation = SelectField(_l("Organisation"), validators=[Optional()], validate_choice=False,
                               description=_l("Required for implementers and donors: they see that organisation’s "
                                              "projects."))
    locale = SelectField(_l("Language"), validators=[Optional()], validate_choice=False)
    version = version_field()


class UserCreateForm(MeForm):
    email = EmailField(_l("Email"), validators=[Optional()])
    name = StringField(_l("Name"), validators=[Optional()])
    role = SelectField(_l("Role"), validate_choice=False)
    organisation = SelectField(_l("Organisation"), validators=[Optional()], validate_choice=False,
                               description=_l("Required for implementers and donors: they see that organisation’s "
                                              "projects."))
    locale = SelectField(_l("Language"), validators=[Optional()], validate_choice=False,
                         description=_l("The language of the invitation and of the pages, until the person "
                                        "chooses another."))


class AccountStatusForm(MeForm):
    reason = TextAreaField(_l("Reason"), validators=[Optional()], render_kw={"rows": 2})


class SetPasswordForm(MeForm):
    password = PasswordField(_l("New password"), validators=[Optional()])
    confirm = PasswordField(_l("Repeat the new password"), validators=[Optional()])
    submit = SubmitField(_l("Set my password"))
