"""The base form of every meapp form: text fields refuse control characters (they break documents)."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import ValidationError

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


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


def strip_control_characters(text: str | None) -> str | None:
    return None if text is None else CONTROL.sub("", text)
