"""Refuse, before any view runs, requests carrying characters no page of meapp expects.

A NUL byte, another C0 control character, a lone surrogate or a byte sequence that is not UTF-8
in the path, a query-string key or value, a form key or a cookie is answered with a 400. PostgreSQL
refuses NUL in text, documents refuse control characters, and a view should not have to think of
them. Form *values* are left to the fields: a text field refuses control characters with a message
the person can act on (`meapp.forms.MeForm`), and tab, newline and carriage return are ordinary
there.

Integers in URLs are bounded too: `<int:...>` takes ASCII digits up to 2**31-1 (the range of an
INTEGER column), anything else is a 404; `int_arg` does the same for the query string, with a 400.
"""
from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from flask import Flask, request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1
# C0 controls and DEL; in a form value tab, newline and carriage return are allowed (fields decide).
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# What Werkzeug puts in place of undecodable bytes, and lone surrogates (never valid in UTF-8 text).
UNDECODABLE = re.compile(r"[\ufffd\ud800-\udfff]")
_ASCII_DIGITS = re.compile(r"[0-9]{1,10}")


class RefusedInput(BadRequest):
    """A 400 whose description is a translated sentence, shown on the error page (and in JSON)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.user_message = message


class BoundedIntegerConverter(IntegerConverter):
    """`<int:...>`: ASCII digits only, and no larger than a database INTEGER (else the URL is a 404)."""

    regex = r"[0-9]+"

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ID,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def _utf8(raw: bytes) -> str | None:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:  # also refuses encoded surrogates (ED A0 80)
        return None


def _wsgi_bytes(value: str) -> bytes:
    """WSGI carries the raw bytes of the request line and headers as latin-1 text."""
    return value.encode("latin-1", "replace")


def _clean(text: str | None) -> bool:
    return text is not None and not CONTROL.search(text) and not UNDECODABLE.search(text)


def _query_is_clean(raw: bytes) -> bool:
    for part in raw.split(b"&"):
        key, _sep, value = part.partition(b"=")
        for item in (key, value):
            if not _clean(_utf8(unquote_to_bytes(item.replace(b"+", b" ")))):
                return False
    return True


def request_is_clean() -> bool:
    """Whether the path, query string, form keys and cookies of the current request are plain text."""
    environ = request.environ
    if not _clean(_utf8(_wsgi_bytes(environ.get("PATH_INFO", "")))):
        return False
    if not _query_is_clean(_wsgi_bytes(environ.get("QUERY_STRING", ""))):
        return False
    cookie_header = environ.get("HTTP_COOKIE", "")
    if cookie_header and not _clean(_utf8(_wsgi_bytes(cookie_header))):
        return False
    if not all(_clean(name) and _clean(value) for name, value in request.cookies.items(multi=True)):
        return False
    # Form keys name what the view reads: none legitimately holds a control or a replaced byte.
    return request.method not in ("POST", "PUT", "PATCH", "DELETE") or all(
        _clean(name) for name in (*request.form.keys(), *request.files.keys()))


class TooManyFields(RefusedInput):
    code = 413


def _field_count() -> int:
    return len(list(request.args.items(multi=True))) + (
        len(list(request.form.items(multi=True))) + len(list(request.files.items(multi=True)))
        if request.method in ("POST", "PUT", "PATCH", "DELETE") else 0)


def int_arg(name: str, default: int | None = None) -> int | None:
    """An integer query parameter: ASCII digits up to 2**31-1; anything else is a 400, never a 500."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not _ASCII_DIGITS.fullmatch(raw) or int(raw) > MAX_ID:
        raise RefusedInput(_("The parameter “%(name)s” must be a whole number.", name=name))
    return int(raw)


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedIntegerConverter

    # Multipart bodies are counted by Werkzeug while parsing; URL-encoded ones after it (cheap, and
    # bounded by MAX_CONTENT_LENGTH), so a form of 20,000 invented fields never reaches a view.
    app.config.setdefault("MAX_FORM_FIELDS", 5000)
    app.config["MAX_FORM_PARTS"] = app.config["MAX_FORM_FIELDS"]

    def refuse_hostile_input():
        if _field_count() > app.config["MAX_FORM_FIELDS"]:
            raise TooManyFields(_("The request holds more than %(limit)s fields: no page of meapp sends that many.",
                                  limit=app.config["MAX_FORM_FIELDS"]))
        if not request_is_clean():
            raise RefusedInput(_("The request holds characters that are not allowed here (NUL or other control "
                                 "characters, or bytes that are not UTF-8 text)."))

    # First of all before-request functions: nothing (CSRF, sessions) reads the request before it.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_hostile_input)
