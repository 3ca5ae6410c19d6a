"""The base form of every meapp form: text fields refuse control characters (they break documents)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, ValidationError
from wtforms.validators import InputRequired, NumberRange

from meapp.core.text import CONTROL


def no_control_characters(_form, field) -> None:
    if isinstance(field.data, str) and CONTROL.search(field.data):
        raise ValidationError(_l("This text holds invisible control characters; remove them."))


class MeForm(FlaskForm):
    class Meta:
        def bind_field(self, form, unbound_field, options):
            if unbound_field.field_class.__name__ in ("StringField", "TextAreaField", "SearchField", "EmailField",
                                                      "PasswordField"):
                validators = list(unbound_field.kwargs.get("validators") or [])
                unbound_field.kwargs["validators"] = [no_control_characters, *validators]
            return unbound_field.bind(form=form, **options)



# Every edit names the version its page showed (0 before the first save of a report): without it a
# stale page could overwrite someone else's save unnoticed, so a form without it is refused.
VERSION_MISSING = _l("This form does not say which version it was opened on: reload the page.")


def version_field() -> IntegerField:
    return IntegerField(validators=[InputRequired(message=VERSION_MISSING), NumberRange(min=0, max=2**31 - 1)])
