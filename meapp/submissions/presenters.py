"""Showing findings and errors in the reader's language (translation happens here, at display time)."""
from __future__ import annotations

from flask_babel import format_date, gettext

from meapp.core.messages import N_
from meapp.i18n import current_language, format_period, format_value
from meapp.validation import messages


def finding_message(code: str, params: dict | None, dtype_names: dict[str, str] | None = None) -> str:
    """The finding's message in the current language, numbers, periods and days formatted for it."""
    return messages.render(code, params, current_language(), gettext, format_value, format_period, dtype_names,
                           date=format_date)


def _labels() -> tuple[dict[str, str], dict[str, str]]:
    """Disaggregation and category names in the current language, cached for the request."""
    from flask import g

    from meapp.i18n import country_name, text
    from meapp.logframes.queries import disaggregations

    cache = getattr(g, "_meapp_labels", None)
    if cache is None or cache[0] != current_language():
        all_types, all_categories = disaggregations()
        types = {t.id: t for t in all_types}
        type_names = {t.key: str(text(t, "name")) for t in types.values()}
        categories = {}
        for c in all_categories:
            dtype = types[c.type_id]
            name = country_name(c.key) if dtype.key.endswith("_country") else str(text(c, "name"))
            categories[f"{dtype.key}={c.key}"] = name
        cache = (current_language(), type_names, categories)
        g._meapp_labels = cache
    return cache[1], cache[2]


def dtype_names() -> dict[str, str]:
    return _labels()[0]


def combination_label(combination: str, _names=None) -> str:
    """'sex=F' → 'Sex: Female' in the current language."""
    if not combination:
        return ""
    type_names, categories = _labels()
    parts = []
    for part in combination.split("|"):
        key = part.split("=", 1)[0]
        parts.append(f"{type_names.get(key, key)}\u00a0: {categories.get(part, part.split('=', 1)[-1])}"
                     if current_language() == "fr" else
                     f"{type_names.get(key, key)}: {categories.get(part, part.split('=', 1)[-1])}")
    return ", ".join(parts)


ACTION_LABELS = {
    "value.create": N_("value entered"),
    "value.update": N_("value changed"),
    "value.delete": N_("value cleared"),
}


def _label(table: dict[str, str], key: str) -> str:
    """A translated label from a table of msgids, or the key itself when it has none."""
    return gettext(table[key]) if key in table else key


def action_label(action: str) -> str:
    return _label(ACTION_LABELS, action)


STATE_LABELS = {
    "approved": N_("approved"),
    "on_time": N_("on time"),
    "late": N_("late"),
    "returned": N_("returned"),
    "missing": N_("missing"),
    "not_due": N_("not yet due"),
}


def state_label(state: str) -> str:
    return _label(STATE_LABELS, state)
