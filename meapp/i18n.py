"""Locale selection and the formatting helpers templates use (numbers, dates, periods, content)."""
from __future__ import annotations

import os

from flask import Flask, request, session
from flask_babel import format_date, format_datetime, format_percent, get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from meapp.core import catalogs
from meapp.core.bilingual import localized, pick
from meapp.core.numbers import decimal_pattern, format_number
from meapp.core.periods import period_label
from meapp.extensions import babel

LANGUAGE_NAMES = {"en": "English", "fr": "Français"}


def select_locale() -> str:
    """The user's preference, then the session's choice, then Accept-Language, then English."""
    languages = ("en", "fr")
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or "en"


def current_language() -> str:
    return str(get_locale() or "en")[:2]


def format_period(code: str | None) -> str:
    """'2023Q1' → 'Q1 2023' in English, 'T1 2023' in French."""
    return period_label(code, gettext)


def format_value(value, decimals: int | None = None) -> str:
    """A Decimal shown with the locale's separators; fixed decimals when given."""
    if value is None or value == "":
        return ""
    return format_number(value, decimal_pattern(decimals), get_locale())


def text(obj, field: str):
    """Bilingual content in the current language (falls back to the other, flagged)."""
    return localized(obj, field, current_language())


def organisation_name(organisation) -> str:
    """An organisation's name as the reader reads it: its French name in French when it has one."""
    if organisation is None:
        return ""
    return pick(organisation.name, organisation.name_fr, current_language()).text


ENUM_LABELS = {
    # Roles
    "secretariat": _l("Secretariat"),
    "implementer": _l("Implementer"),
    "donor": _l("Donor"),
    # Result levels
    "impact": _l("Impact"),
    "outcome": _l("Outcome"),
    "output": _l("Output"),
    "activity": _l("Activity"),
    # Units
    "number": _l("Number"),
    "percent": _l("Percent"),
    "currency": _l("Currency"),
    "yes_no": _l("Yes/no"),
    "text": _l("Text"),
    # Aggregation
    "sum": _l("Sum of periods"),
    "latest": _l("Latest value"),
    "max": _l("Maximum"),
    "average": _l("Average"),
    # Direction
    "increase": _l("Increase"),
    "decrease": _l("Decrease"),
    # Submission states
    "draft": _l("Draft"),
    "submitted": _l("Submitted"),
    "approved": _l("Approved"),
    "returned": _l("Returned"),
    # Period states
    "planned": _l("Planned"),
    "open": _l("Open"),
    "closed": _l("Closed"),
    # Project states
    "active": _l("Active"),
    # Severities
    "error": _l("Error"),
    "warning": _l("Warning"),
    "info": _l("Information"),
    # Frequencies
    "quarterly": _l("Quarterly"),
    "semiannual": _l("Half-yearly"),
    "annual": _l("Yearly"),
    # Participation
    "funder": _l("Funder"),
    "origin": _l("Origin"),
    "destination": _l("Destination"),
}


def enum_label(value) -> str:
    key = getattr(value, "value", value)
    label = ENUM_LABELS.get(key)
    return str(label) if label is not None else str(key)


def country_name(code: str | None) -> str:
    """The country's name in the current language, from Babel's CLDR data (XK: Kosovo)."""
    if not code:
        return ""
    locale = get_locale()
    names = locale.territories if locale else {}
    return names.get(code.upper(), code.upper())


def init_app(app: Flask) -> None:
    _use_compiled_catalogs(app)
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.filters.update(
        period=format_period,
        value=format_value,
        date=lambda d, fmt="medium": format_date(d, fmt) if d else "",
        datetime=lambda d, fmt="medium": format_datetime(d, fmt) if d else "",
        percent=lambda v, fmt="#,##0 %": format_percent(v, fmt) if v is not None else "",
        label=enum_label,
        country=country_name,
        org=organisation_name,
    )
    app.jinja_env.globals.update(
        text=text,
        current_language=current_language,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
    )


# Compiled catalogs: the .mo files are build outputs, compiled at start-up when missing or stale
# (meapp.core.catalogs), in the same directory the documents read.


def _use_compiled_catalogs(app: Flask) -> None:
    """Compile the catalogs Flask-Babel will read (before it reads its configuration) and point it at them."""
    directories = [os.path.join(app.root_path, d) for d in app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";")]
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(str(catalogs.compiled(d)) for d in directories)


# Field names an error or a translation gap may point at: translated where shown, so a message says where.
FIELD_LABELS = {
    "name_en": _l("name in English"),
    "name_fr": _l("name in French"),
    "summary_en": _l("summary in English"),
    "summary_fr": _l("summary in French"),
    "narrative_en": _l("The English narrative"),
    "narrative_fr": _l("The French narrative"),
    "justification": _l("A justification"),
    "reason": _l("The reason"),
    "description": _l("The description"),
}


def field_label(name: str) -> str:
    label = FIELD_LABELS.get(name)
    return str(label) if label is not None else name


def error_message(error) -> str:
    """A service error (meapp.errors) in the current language, its periods, statuses and fields named."""
    params = {k: (format_period(v) if k in ("period", "first", "last") else v) for k, v in error.params.items()}
    if "field" in params:
        params["field"] = field_label(params["field"])
    if "status" in params:
        params["status"] = enum_label(params["status"]).lower()
    return gettext(error.message_id, **params)
