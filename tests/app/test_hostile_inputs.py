"""Hostile values in every parameter of every route: a clear 4xx or a finding, never a 5xx,
and no page broken for the other users afterwards.

Routes come from `app.url_map`, so a new route is covered without touching this file. For each
route, as a user allowed to use it, each hostile value goes in turn into each path variable, each
query parameter the view reads (found in its source) plus a few generic ones, each form field (the
WTForms fields of the forms the view builds, and the raw keys it reads), and a form key of its own.
Each hostile request runs inside a savepoint rolled back afterwards, so every value meets the same
starting state; after a POST, the pages it could have changed are read again. A route that needs a
state (a submitted logframe, a retired indicator) has it set up through the services first; an
upload route gets its real file (the logframe workbook as exported), and the workbook's cells get
the hostile values too.
"""
from __future__ import annotations

import datetime as dt
import inspect
import io
import re
import sys
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote_from_bytes

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import FileField
from wtforms.fields.core import UnboundField

SECRETARIAT, IMPLEMENTER, DONOR = "secretariat@example.org", "impl.belgium@example.org", "donor.eu-dg-home@example.org"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _b(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


# (label, bytes sent on the wire): the lone surrogate goes as its (invalid) UTF-8 encoding, plus a raw invalid byte.
HOSTILE = [
    ("NUL", b"\x00"), ("a NUL b", b"a\x00b"), ("lone surrogate", _b("\ud800")), ("invalid byte", b"\xff"),
    ("9 x 10000", b"9" * 10_000), ("1e9999999", b"1e9999999"), ("-1e-9999999", b"-1e-9999999"),
    ("25 digits", b"9999999999999999999999999"), ("500 parentheses", b"(" * 500 + b"1" + b")" * 500),
    ("x x 100000", b"x" * 100_000), ("superscript 2", _b("²")), ("Arabic-Indic digits", _b("١٢٣")),
    ("NaN", b"NaN"), ("Infinity", b"Infinity"), ("-0", b"-0"), ("0x10", b"0x10"), ("space", b" "), ("empty", b""),
    ("path traversal", b"../../etc/passwd"), ("script", b"<script>alert(1)</script>"),
    ("formula", b'=HYPERLINK("http://x")'), ("percent 00", b"%00"), ("RLO", _b("\u202e")),
    ("1000 emoji", _b("\U0001f4a5" * 1000)),
]

# Real values for path variables, per variable name (and per endpoint where the state matters).
# PALIM demo: 2020Q2 approved, 2020Q3 submitted, 2020Q4 draft.
PERIOD_OF = {"submissions.approve": "2020Q3", "submissions.return_": "2020Q3", "submissions.history": "2020Q3",
             "submissions.reopen": "2020Q2"}
PATH_VALUES = {"code": "PALIM", "period": "2020Q4", "key": "gfmd-2020", "practice_key": "icmpd-palim",
               "lang": "fr", "filename": "app.css", "level_code": "1.1", "ind_code": "EMPLOYED"}
# rule_id, evidence_id, organisation_id, user_id and token: looked up (or made) in the fixture

# Who may use the route; everything else is the secretariat's (who may do everything but data entry). The
# implementers draft their logframe's changes (and the secretariat approves them).
LOGFRAME_DRAFTING = ("new_level", "edit_level", "delete_level", "new_indicator", "edit_indicator", "targets",
                     "retire_indicator", "reinstate_indicator", "delete_indicator", "submit")
ACTOR = {"auth.login": None, "submissions.save": IMPLEMENTER, "submissions.submit": IMPLEMENTER,
         "submissions.upload_evidence": IMPLEMENTER, "submissions.delete_evidence": IMPLEMENTER,
         "submissions.show": IMPLEMENTER, "submissions.history": IMPLEMENTER,
         "submissions.download_evidence": IMPLEMENTER, "submissions.approve": DONOR, "submissions.return_": DONOR,
         **{f"logframes.{name}": IMPLEMENTER for name in LOGFRAME_DRAFTING}, "imports.logframe_import": IMPLEMENTER}


# --- values that exist only in the database, looked up (or set up) when the case runs ---------------------------
# A BASE_FORM entry is a dict, or a callable f(tx, path) that gives one; a value may be such a callable too, and a
# list sends its key once per item (a multiple choice).

def _project(tx, code: str = "PALIM"):
    from meapp.projects.models import Project

    return tx.scalar(select(Project).where(Project.code == code))


def _organisation_id(name: str):
    def lookup(tx, _path) -> str:
        from meapp.auth.models import Organisation

        return str(tx.scalar(select(Organisation.id).where(Organisation.name == name)))
    return lookup


def _organisation_version(tx, path) -> str:
    from meapp.auth.models import Organisation

    return str(tx.get(Organisation, int(path["organisation_id"])).version)


def _account(attribute: str):
    """An attribute of the account the route edits: its version, its organisation."""
    def lookup(tx, path) -> str:
        from meapp.auth.models import User

        return str(getattr(tx.get(User, int(path["user_id"])), attribute))
    return lookup


def _heading(tx, _path) -> str:
    """A heading of the edition, where a practice goes."""
    from meapp.compendium.models import CompendiumCategory, Edition

    edition_id = tx.scalar(select(Edition.id).where(Edition.key == "gfmd-2020"))
    return f"c:{tx.scalar(select(CompendiumCategory.id).where(CompendiumCategory.edition_id == edition_id))}"


def _practice_version(tx, path) -> str:
    from meapp.compendium.models import Practice

    return str(tx.scalar(select(Practice.version).where(Practice.key == path["practice_key"])))


def _logframe_version(tx, _path) -> str:
    from meapp.logframes.models import Logframe

    return str(tx.scalar(select(Logframe.version).where(Logframe.project_id == _project(tx).id)))


def _spec(tx):
    from meapp.logframes import queries

    return queries.spec_of(_project(tx))


def _typed(value):
    """A stored value as its form sends it: None and False not at all, True ticked, a list once per item."""
    if value is None or value is False:
        return None
    if value is True:
        return "y"
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value]
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _fields(item, names, **changes) -> dict:
    """The form of a stored item as its edit page fills it, with some fields changed."""
    values = {name: _typed(getattr(item, name)) for name in names} | changes
    return {name: value for name, value in values.items() if value is not None}


def _project_form(new_code: str | None = None):
    """PALIM as its edit page shows it, retitled; with a code, the form of a new project like it."""
    def form(tx, _path) -> dict:
        from meapp.projects.service import FIELDS, ProjectInput

        project = _project(tx)
        shown = _fields(ProjectInput.of(project), [name for name in FIELDS if name != "is_demo"])
        if new_code:
            return shown | {"code": new_code}
        return shown | {"title_en": f"{project.title_en} (revised)", "version": str(project.version)}
    return form


def _level_form(**changes):
    """Level 1.1 as its edit page shows it, with some fields changed (another code and parent: a new level)."""
    def form(tx, path) -> dict:
        from meapp.logframes.forms import LEVEL_FIELDS

        level = _spec(tx).level(PATH_VALUES["level_code"])
        return _fields(level, LEVEL_FIELDS, version=_logframe_version(tx, path), **changes)
    return form


def _indicator_form(**changes):
    """EMPLOYED as its edit page shows it, with some fields changed (another code: a new indicator)."""
    def form(tx, path) -> dict:
        from meapp.logframes.forms import INDICATOR_FIELDS

        indicator = _spec(tx).indicator(PATH_VALUES["ind_code"])
        return _fields(indicator, INDICATOR_FIELDS, version=_logframe_version(tx, path), **changes)
    return form


def _targets_form(tx, path) -> dict:
    """The indicator's targets grid as its page shows it, the last target raised by one, with the reason."""
    targets = [t for t in _spec(tx).targets if t.indicator == path["ind_code"]]
    cells = {f"t|{t.period}|{t.combination}": _typed(t.value) for t in targets}
    last = targets[-1]
    cells[f"t|{last.period}|{last.combination}"] = _typed(last.value + 1)
    return cells | {"reason": "One more trainee planned", "version": _logframe_version(tx, path)}


# Valid values of what the route reads: each hostile value replaces one of them at a time.
BASE_QUERY = {"submissions.history": {"indicator": "EMPLOYED"}, "reports.portfolio": {"org": "BMZ"}}
BASE_FORM = {
    "auth.login": {"email": "nobody@example.org", "password": "wrong-password"},
    "auth.profile": {"name": "Secretariat", "locale": "en"},
    "submissions.save": {"v|EMPLOYED|": "6", "o|EMPLOYED|": "5", "c|EMPLOYED|": "From the sheets"},
    "submissions.return_": {"reason": "Attach the sheets"},
    "submissions.reopen": {"reason": "Typo in EMPLOYED"},
    "submissions.upload_evidence": {"description": "Attendance"},
    "logframes.create": {"left": "EMPLOYED", "operator": "<=", "right": "TRAINED", "severity": "error",
                         "missing_value_strategy": "skip_if_any", "message_en": "Employed ≤ trained"},
    "logframes.new_level": _level_form(code="1.1.9", kind="activity", parent="1.1"),
    "logframes.edit_level": _level_form(statement_en="Moroccan ICT graduates trained and coached"),
    "logframes.new_indicator": _indicator_form(code="COACHED", level="1.1"),
    "logframes.edit_indicator": _indicator_form(definition_en="In a job six months after the training",
                                                reason="Counted at six months"),
    "logframes.targets": _targets_form,
    "logframes.retire_indicator": {"reason": "Replaced by a survey", "version": _logframe_version},
    "logframes.reinstate_indicator": {"reason": "Reported again", "version": _logframe_version},
    "logframes.delete_indicator": {"version": _logframe_version},
    "logframes.delete_level": {"version": _logframe_version},
    "logframes.submit": {"version": _logframe_version},
    "logframes.approve": {"note": "Approved at the steering committee", "version": _logframe_version},
    "logframes.return_": {"reason": "Name the sources", "version": _logframe_version},
    "imports.logframe_import": {"reason": "Sources named"},
    "projects.new": _project_form(new_code="HOSTILE-1"),
    "projects.edit": _project_form(),
    "periods.index": {"code": "2031Q1", "status": "open"},
    "compendium.create": {"key": "annex-2031", "title_en": "Annex"},
    "compendium.status": {"status": "draft"},
    "compendium.new_practice": {"key": "new-practice", "actor": "IOM", "place": _heading, "name_en": "A practice"},
    "compendium.edit_practice": {"actor": "ICMPD", "place": _heading, "name_en": "PALIM",
                                 "version": _practice_version},
    "compendium.move": {"direction": "down"},
    "organisations.create": {"name": "Hostile Agency", "kind": "ngo", "country_code": "BE"},
    "organisations.edit": {"name": "Hostile spare organisation", "kind": "other", "version": _organisation_version},
    "organisations.merge": {"reason": "Entered twice", "confirm": "1", "keep": _organisation_id("IOM")},
    "organisations.deactivate": {"reason": "Closed down"},
    "organisations.reactivate": {"reason": "Back"},
    "users.create": {"email": "hostile@example.org", "name": "Hostile", "role": "secretariat", "locale": "fr"},
    "users.edit": {"name": "IOM staff", "role": "implementer", "locale": "fr", "version": _account("version"),
                   "organisation": _account("organisation_id")},
    "users.deactivate": {"reason": "Left"},
    "users.reactivate": {"reason": "Back"},
    "auth.set_password": {"password": "a-long-new-password", "confirm": "a-long-new-password"},
}
BASELINE_STATUS = {("auth.login", "POST"): (401,)}  # a wrong password; a right one would sign in
GENERIC_QUERY = ("q", "page", "next", "lang", "format", "id", "sort")


def _base_form(endpoint: str, tx, path: dict) -> list[tuple[str, str]]:
    """The valid form of the route, as (key, value) pairs."""
    entry = BASE_FORM.get(endpoint, {})
    form = entry(tx, path) if callable(entry) else entry
    pairs = []
    for name, value in form.items():
        value = value(tx, path) if callable(value) else value
        pairs += [(name, item) for item in value] if isinstance(value, list) else [(name, value)]
    return pairs


# --- the state a route starts from, set up through the services, inside the test's transaction --------------------

def _edit_logframe(tx, email: str, edit) -> None:
    """One change to PALIM's logframe through its one write path, as that user."""
    from meapp.auth.models import User
    from meapp.logframes import service

    actor = tx.scalar(select(User).where(User.email == email))
    service.apply_logframe(_project(tx), actor, edit(_spec(tx)), reason="Set up for the test")
    tx.commit()


def _drafted(tx, _path) -> dict:
    """A change drafted by the implementers: the approved logframe is a draft again, to submit."""
    _edit_logframe(tx, IMPLEMENTER, lambda spec: spec.with_indicator(
        replace(spec.indicator("TRAINED"), means_of_verification_en="Attendance sheets, signed")))
    return {}


def _submitted(tx, path) -> dict:
    """The draft submitted to the secretariat, to approve or return."""
    from meapp.auth.models import User
    from meapp.logframes import service

    _drafted(tx, path)
    implementer = tx.scalar(select(User).where(User.email == IMPLEMENTER))
    service.submit_logframe(_project(tx), implementer, None)
    tx.commit()
    return {}


def _retired(tx, path) -> dict:
    """The indicator retired, to reinstate."""
    _edit_logframe(tx, SECRETARIAT, lambda spec: spec.with_indicator(
        replace(spec.indicator(path["ind_code"]), retired=True)))
    return {}


def _spare_level(tx, _path) -> dict:
    """A level with nothing under it, to delete."""
    from meapp.logframes.spec import LevelSpec

    _edit_logframe(tx, SECRETARIAT, lambda spec: spec.with_level(
        LevelSpec("1.1.9", "activity", "Spare activity", "Activité de réserve", parent="1.1")))
    return {"level_code": "1.1.9"}


def _spare_indicator(tx, _path) -> dict:
    """An indicator with no values, to delete."""
    from meapp.logframes.spec import IndicatorSpec

    _edit_logframe(tx, SECRETARIAT, lambda spec: spec.with_indicator(
        IndicatorSpec("SPARE", "1.1", name_en="Spare indicator", name_fr="Indicateur de réserve")))
    return {"ind_code": "SPARE"}


STATE = {"logframes.submit": _drafted, "logframes.approve": _submitted, "logframes.return_": _submitted,
         "logframes.reinstate_indicator": _retired, "logframes.delete_level": _spare_level,
         "logframes.delete_indicator": _spare_indicator}


# --- the file an upload route takes ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Upload:
    name: str
    data: bytes
    content_type: str


EVIDENCE = Upload("attendance.pdf", PDF, "application/pdf")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _exported(client, login) -> bytes:
    """PALIM's logframe workbook as an implementer downloads it, in English."""
    login(IMPLEMENTER)
    response = client.get("/projects/PALIM/logframe.xlsx?lang=en")
    assert response.status_code == 200
    return response.data


def _edited(data: bytes, changes: dict[tuple[str, str, str | int], object]) -> Upload:
    """The workbook with its cells changed: (sheet, the item's code in column A, column header or index) → value."""
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data))
    for (sheet_name, code, column), value in changes.items():
        rows = list(book[sheet_name].iter_rows())
        if isinstance(column, str):
            column = next([cell.value for cell in row].index(column) for row in rows
                          if column in [cell.value for cell in row])
        row = next(row for row in rows if row[0].value == code)
        row[column].value = value
    out = io.BytesIO()
    book.save(out)
    return Upload("PALIM-logframe-en.xlsx", out.getvalue(), XLSX)


def _changed_workbook(client, login) -> Upload:
    """The exported workbook with one change, so that the dry run shows a change to confirm."""
    return _edited(_exported(client, login), {("Indicators", "TRAINED", "Means of verification (English)"):
                                              "Attendance sheets, signed"})


UPLOADS = {"imports.logframe_import": _changed_workbook}  # a callable (client, login) → Upload; else EVIDENCE

# Pages a POST can change, one of them read again by another user after each POST the view accepted. A refused POST
# (4xx) was rolled back by the view; the one refusal that keeps something, a blocked submission keeping
# its justifications, answers with a redirect and is read again too. Documents are read once, after all
# the hostile texts are saved (test_saved_hostile_texts_do_not_break_the_documents, and _the_logframe_documents).
GRID = "/projects/PALIM/periods/{period}"
LOGFRAME = [("/projects/PALIM/logframe", SECRETARIAT), ("/projects/PALIM", DONOR),
            ("/projects/PALIM/logframe/indicators/EMPLOYED", SECRETARIAT),
            ("/projects/PALIM/periods/2020Q4", IMPLEMENTER)]
AFFECTED = {
    "submissions": [(GRID, SECRETARIAT)],
    "logframes": [("/projects/PALIM/rules", SECRETARIAT), *LOGFRAME],
    "imports": LOGFRAME,
    "projects": [("/projects/", SECRETARIAT), ("/projects/PALIM", DONOR), ("/projects/PALIM/edit", SECRETARIAT)],
    "organisations": [("/admin/organisations/", SECRETARIAT), ("/projects/PALIM/edit", SECRETARIAT),
                      ("/projects/", DONOR)],
    "users": [("/admin/users/", SECRETARIAT), ("/", "impl.iom@example.org")],
    "periods": [("/completeness", SECRETARIAT), ("/", IMPLEMENTER)],
    "compendium": [("/compendium/gfmd-2020", SECRETARIAT)],
    "auth": [("/profile", None)],
}


def _routes():
    from meapp import create_app

    app = create_app("testing")  # an in-memory database: only the URL map is needed here
    return sorted({(rule.endpoint, method) for rule in app.url_map.iter_rules()
                   for method in rule.methods - {"HEAD", "OPTIONS"}})


ROUTES = _routes()


# --- what a view reads, from its source (and the helpers of its module it calls) ---------------------------

def _sources(view) -> list[tuple[object, str]]:
    """The view and, transitively, the module functions it calls, with their sources."""
    view = inspect.unwrap(view)
    module = sys.modules[view.__module__]
    todo, seen, sources = [view], set(), []
    while todo:
        function = todo.pop()
        if function in seen:
            continue
        seen.add(function)
        source = inspect.getsource(function)
        sources.append((function, source))
        for name in re.findall(r"\b(\w+)\(", source):
            candidate = getattr(module, name, None)
            if inspect.isfunction(candidate) and candidate.__module__ == module.__name__:
                todo.append(candidate)
    return sources


def _form_fields(module, name) -> dict[str, type]:
    """The fields a form class declares (name → field class), without building the form."""
    candidate = getattr(module, name, None)
    if not (inspect.isclass(candidate) and issubclass(candidate, FlaskForm)):
        return {}
    return {name: value.field_class for name, value in inspect.getmembers(candidate)
            if isinstance(value, UnboundField) and name != "csrf_token"}


@dataclass
class Reads:
    query: set[str] = field(default_factory=set)
    form: set[str] = field(default_factory=set)
    files: set[str] = field(default_factory=set)


def _reads(view) -> Reads:
    module = sys.modules[inspect.unwrap(view).__module__]
    reads = Reads()
    for function, source in _sources(view):
        reads.query |= set(re.findall(r"request\.args\.get\(\s*\"([^\"]+)\"", source))
        reads.query |= set(re.findall(r"\bint_arg\(\s*\"([^\"]+)\"", source))
        forms = set(re.findall(r"\b(\w+Form)\(request\.args\)", source))
        for name in forms:
            reads.query |= set(_form_fields(module, name))
        # Forms the view fills from the request: `form = XForm(...)`, or `XForm().validate()`; a helper
        # that is given a form (a page renderer) only builds an empty one to show.
        built = set()
        if "form" in inspect.signature(function).parameters:
            source_of_forms = ""
        else:
            source_of_forms = source
        for line in re.findall(r"^\s*form\s*=(.*)$", source_of_forms, re.MULTILINE):
            built |= set(re.findall(r"\b(\w+Form)\(", line))
        built |= set(re.findall(r"\b(\w+Form)\([^()]*\)\.validate", source_of_forms))
        for name in built - forms:
            for field_name, field_class in _form_fields(module, name).items():
                (reads.files if issubclass(field_class, FileField) else reads.form).add(field_name)
        # Raw keys: form.get("x"), form.get(f"o|{indicator}|{combination}"), name.startswith("j|").
        for key in re.findall(r"\bform\.get\(\s*f?\"([^\"]+)\"", source):
            reads.form.add(key.replace("{indicator}", "EMPLOYED").replace("{combination}", ""))
        for prefix in re.findall(r"startswith\(\"(\w\|)\"\)", source):
            reads.form.add(f"{prefix}EMPLOYED|")
    return reads


# --- requests ------------------------------------------------------------------------------------------

def _q(value: bytes | str) -> str:
    return quote_from_bytes(value if isinstance(value, bytes) else value.encode(), safe="")


def _urlencoded(pairs) -> bytes:
    return "&".join(f"{_q(k)}={_q(v)}" for k, v in pairs).encode("ascii")


def _multipart(pairs, files) -> tuple[bytes, str]:
    boundary = b"hostile-boundary-7c1f"
    parts = []
    for name, value in pairs:
        parts.append(b'Content-Disposition: form-data; name="%s"\r\n\r\n%s' % (_raw(name), _raw(value)))
    for name, (filename, upload) in files.items():
        parts.append(b'Content-Disposition: form-data; name="%s"; filename="%s"\r\nContent-Type: %s'
                     b"\r\n\r\n%s" % (_raw(name), _raw(filename), _raw(upload.content_type), upload.data))
    body = b"".join(b"--%s\r\n%s\r\n" % (boundary, part) for part in parts) + b"--%s--\r\n" % boundary
    return body, f"multipart/form-data; boundary={boundary.decode()}"


def _raw(value: bytes | str) -> bytes:
    return value if isinstance(value, bytes) else _b(value)


@dataclass
class Case:
    parameter: str
    label: str
    path: dict
    query: list
    form: list
    filename: bytes | str | None = None  # the valid file's own name
    stores: bool = True  # False: the view never reads the hostile part, so it stores what the valid request does


@dataclass(frozen=True)
class Outcome:
    status: int | str  # a status code, or the exception that escaped
    download: bool  # an attachment


class Batch:
    """Sends the hostile cases of one route and collects every 5xx, with the page that broke."""

    def __init__(self, client, login, tx, endpoint, method, rule, upload: Upload = EVIDENCE):
        self.client, self.login, self.tx = client, login, tx
        self.endpoint, self.method, self.rule, self.upload = endpoint, method, rule, upload
        self.actor = ACTOR.get(endpoint, SECRETARIAT)
        self.failures: list[str] = []
        self.connection = tx.get_bind()
        self.signed_in = "nobody yet"
        self.readers: dict[str, object] = {}

    def reader(self, email: str):
        """A client of its own for another user, signed in once (the acting user's client keeps its session)."""
        if email not in self.readers:
            from meapp.auth.models import User

            token = self.tx.scalar(select(User.session_token).where(User.email == email))
            self.readers[email] = self.client.application.test_client()
            with self.readers[email].session_transaction() as session:
                session["_user_id"], session["_fresh"] = token, True
        return self.readers[email]

    def url(self, path: dict, query: list) -> str:
        url = self.rule.rule
        for name, value in path.items():
            url = re.sub(r"<(?:[^<>:]+:)?" + name + r">", _q(value), url)
        return url + ("?" + _urlencoded(query).decode() if query else "")

    def sign_in(self, email: str | None) -> None:
        """Sign in again only when the reader changes, or after a route of `auth` (it may sign out)."""
        if email == self.signed_in and not self.endpoint.startswith("auth."):
            return
        if email:
            self.login(email)
        else:
            with self.client.session_transaction() as session:
                session.clear()
        self.signed_in = email

    def open(self, url, method="GET", **kwargs):
        self.sign_in(self.actor)
        for extension in self.client.application.extensions.values():
            if hasattr(extension, "limit") and hasattr(extension, "reset"):  # Flask-Limiter: sign-in throttling
                extension.reset()  # every hostile sign-in is the first one, so that it reaches the view
        return self.client.open(url, method=method, **kwargs)

    def send(self, case: Case, files: set[str]) -> Outcome:
        url = self.url(case.path, case.query)
        self.tx.remove()  # the session's own savepoint must not enclose ours
        savepoint = self.connection.begin_nested()
        try:
            kwargs = {}
            if self.method == "POST":
                if files:
                    kwargs["data"], kwargs["content_type"] = _multipart(case.form, {
                        name: (self.upload.name if case.filename is None else case.filename, self.upload)
                        for name in files})
                else:
                    kwargs["data"], kwargs["content_type"] = _urlencoded(case.form), \
                        "application/x-www-form-urlencoded"
            download = False
            try:
                response = self.open(url, self.method, **kwargs)
                status, download = response.status_code, response.headers.get(
                    "Content-Disposition", "").startswith("attachment")
            except Exception as exc:  # an exception that escaped the error handlers is a 500 as well
                status = f"{type(exc).__name__}: {str(exc)[:200]}"
            if not isinstance(status, int) or status >= 500:
                self.failures.append(f"{self.method} {self.rule.rule} [{case.parameter} = {case.label}] → {status}")
            if self.method == "POST" and case.stores and isinstance(status, int) and status < 400:
                self.after_post(case, status)
        finally:
            savepoint.rollback()
            self.tx.remove()
        return Outcome(status, download)

    def after_post(self, case: Case, status) -> None:
        blueprint = self.endpoint.split(".")[0]
        period = PERIOD_OF.get(self.endpoint, PATH_VALUES["period"])
        pages = AFFECTED.get(blueprint, [("/", SECRETARIAT)])
        # Each accepted POST is read back on one of the pages it changes, in turn: every page reads many hostile
        # texts, and every text is read on every page by the tests that save them all at once (above).
        self.posts_read = getattr(self, "posts_read", 0) + 1
        for page, reader in pages[self.posts_read % len(pages):][:1]:
            page, reader = page.format(period=period), reader or self.actor
            if reader == self.actor:
                self.sign_in(reader)
            client = self.client if reader == self.actor else self.reader(reader)
            try:
                after = client.get(page).status_code
            except Exception as exc:
                after = f"{type(exc).__name__}: {str(exc)[:200]}"
            if not isinstance(after, int) or after >= 500:
                self.failures.append(f"after {self.method} {self.rule.rule} [{case.parameter} = {case.label}]"
                                     f" (status {status}): GET {page} as {reader} → {after}")


def _version(code: str, period: str, tx) -> int:
    from meapp.projects.models import Project
    from meapp.submissions.models import Submission

    return tx.scalar(select(Submission.version).join(Project).where(Project.code == code,
                                                                   Submission.period == period)) or 0


@pytest.fixture
def real_path_values(app, tx, client, login):
    """Ids that exist: a rule of PALIM, an evidence file of its 2020Q4 draft (uploaded here), an organisation
    nobody uses (made here), an account and a set-password link for it."""
    from meapp.auth.models import Organisation, User
    from meapp.auth.service import password_link_token
    from meapp.logframes.models import ValidationRule
    from meapp.projects.models import Project
    from meapp.submissions.models import Evidence

    project = tx.scalar(select(Project).where(Project.code == "PALIM"))
    rule_id = tx.scalar(select(ValidationRule.id).where(ValidationRule.project_id == project.id))
    login(IMPLEMENTER)
    response = client.post("/projects/PALIM/periods/2020Q4/evidence",
                           data={"file": (io.BytesIO(EVIDENCE.data), EVIDENCE.name), "description": "Attendance"},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    evidence_id = tx.scalar(select(Evidence.id).order_by(Evidence.id.desc()))
    spare = Organisation(name="Hostile spare organisation")  # nobody uses it: it can be deactivated and merged
    tx.add(spare)
    tx.commit()
    account = tx.scalar(select(User).where(User.email == "impl.iom@example.org"))
    return {**PATH_VALUES, "rule_id": str(rule_id), "evidence_id": str(evidence_id), "organisation_id": str(spare.id),
            "user_id": str(account.id), "token": password_link_token(account, app.config["SECRET_KEY"])}


@pytest.fixture
def cheap_passwords(monkeypatch):
    """Hostile sign-in attempts would each pay a real password hash: check against nothing instead."""
    import werkzeug.security

    from meapp.auth import models

    for target in (models, werkzeug.security):
        monkeypatch.setattr(target, "check_password_hash", lambda _hash, _password: False)
        monkeypatch.setattr(target, "generate_password_hash", lambda password: f"plain${password}")


def _cases(method, rule, path, base_query, base_form, reads, download) -> list[Case]:
    """Each hostile value in turn in each path variable, query parameter, form field and form key.

    base_form: (key, value) pairs; a hostile value replaces every value of its key.
    """
    query_names = sorted(reads.query | set(base_query))
    form_names = sorted(reads.form | {name for name, _value in base_form}) if method == "POST" else []
    families = sorted({_b(name.split("|")[0] + "|") for name in reads.form if "|" in name})  # v|CODE|COMBINATION
    base_pairs, form = list(base_query.items()), base_form
    cases = []
    for label, value in HOSTILE:
        # Parameters no view reads, and a hostile key. Pages show them (the language form's `next`), so they
        # get a request of their own; a download shows nothing, so they ride along with the parameters it reads.
        generic = [(name, value) for name in GENERIC_QUERY if name not in query_names] + [(value, b"1")]
        alone = method == "GET" and not (download and query_names)
        for name in rule.arguments:
            cases.append(Case(f"<{name}>", label, {**path, name: value}, base_pairs, form))
        for name in query_names:
            query = [(k, v) for k, v in base_pairs if k != name] + [(name, value)]
            if method == "GET" and not alone:
                query += generic
            cases.append(Case(f"?{name}", label, path, query, form))
        if alone:
            cases.append(Case("other query keys and values", label, path, base_pairs + generic, []))
        for name in form_names:
            cases.append(Case(f"form {name}", label, path, base_pairs,
                              [(k, v) for k, v in form if k != name] + [(name, value)]))
        if method == "POST":
            # A key the view never reads changes nothing it stores: no need to read the pages again.
            cases.append(Case("form key", label, path, base_pairs, form + [(value, b"1")], stores=False))
            if families:
                cases.append(Case("form key in " + ", ".join(f.decode() for f in families), label, path, base_pairs,
                                  form + [(family + value + b"|", b"1") for family in families]))
            if reads.files:
                cases.append(Case("file name", label, path, base_pairs, form, filename=value))
    return cases


@pytest.mark.parametrize("endpoint, method", ROUTES, ids=[f"{e}-{m}" for e, m in ROUTES])
def test_no_hostile_value_makes_a_5xx(app, client, login, tx, real_path_values, cheap_passwords, endpoint, method):
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint and method in r.methods)
    missing = set(rule.arguments) - set(real_path_values)
    assert not missing, f"give a real value for {missing} in PATH_VALUES"
    path = {name: real_path_values[name] for name in rule.arguments}
    if "period" in path:
        path["period"] = PERIOD_OF.get(endpoint, path["period"])
    if endpoint in STATE:
        path |= STATE[endpoint](tx, path)  # the values it made: a spare level, a spare indicator
    reads = _reads(app.view_functions[endpoint])
    base_query = dict(BASE_QUERY.get(endpoint, {}))
    base_form = _base_form(endpoint, tx, path)
    if "version" in reads.form and "period" in path:  # the version of the report the page showed
        base_form.append(("version", str(_version("PALIM", path["period"], tx))))
    upload = UPLOADS[endpoint](client, login) if endpoint in UPLOADS else EVIDENCE
    batch = Batch(client, login, tx, endpoint, method, rule, upload)
    baseline = batch.send(Case("none", "valid values", path, list(base_query.items()), base_form), reads.files)
    assert baseline.status in (BASELINE_STATUS.get((endpoint, method)) or range(200, 400)), \
        f"the valid request answers {baseline.status}: fix the real values, else the hostile ones test nothing"
    cases = _cases(method, rule, path, base_query, base_form, reads, baseline.download)
    for case in cases:
        batch.send(case, reads.files)
    assert not batch.failures, f"{len(batch.failures)} of {len(cases)} hostile requests failed:\n" + \
        "\n".join(batch.failures)


def _import_rule(app):
    return next(r for r in app.url_map.iter_rules() if r.endpoint == "imports.logframe_import" and "POST" in r.methods)


def test_no_hostile_value_in_a_workbook_confirmation_makes_a_5xx(app, client, login, tx, cheap_passwords):
    """The second step of a workbook import: hostile values in the token of the workbook checked and in the reason.
    A confirmation applied deletes the kept workbook, so it is put back before each request."""
    upload = _changed_workbook(client, login)
    checked = client.post("/projects/PALIM/logframe/import", data={"file": (io.BytesIO(upload.data), upload.name)},
                          content_type="multipart/form-data")
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', checked.get_data(as_text=True)).group(1)
    kept = next((Path(app.config["UPLOAD_DIR"]) / "logframe-imports").glob(f"*-{token}.xlsx"))
    rule, path, form = _import_rule(app), {"code": "PALIM"}, [("token", token), ("reason", "Sources named")]
    batch = Batch(client, login, tx, "imports.logframe_import", "POST", rule, upload)
    assert batch.send(Case("none", "valid values", path, [], form), set()).status == 302
    cases = _cases("POST", rule, path, {}, form, Reads(form={"token", "reason"}), False)
    for case in cases:
        kept.write_bytes(upload.data)
        batch.send(case, set())
    assert not batch.failures, f"{len(batch.failures)} of {len(cases)} hostile requests failed:\n" + \
        "\n".join(batch.failures)


# Cells of the workbook, by what reads them: (sheet, the item's code in column A, column header or index). The
# hidden sheet "meapp" has a key in column A and its value in column B (index 1).
WORKBOOK_CELLS = {
    "texts": [("Levels", "1.1", "Statement (English)"), ("Levels", "1.2", "Statement (French)"),
              ("Indicators", "TRAINED", "Name (English)"), ("Indicators", "TRAINED", "Definition (French)"),
              ("Indicators", "EMPLOYED", "Means of verification (English)"), ("Rules", "R1", "Message (French)")],
    "rule expressions": [("Rules", "R2", "Left expression"), ("Rules", "R1", "Right expression")],
    "codes and choices": [("Levels", "1.1", "Parent level"), ("Levels", "1.2", "Kind of result"),
                          ("Indicators", "TRAINED", "Level"), ("Indicators", "TRAINED", "Unit"),
                          ("Indicators", "EMPLOYED", "Currency (ISO code)"), ("Indicators", "EMPLOYED", "Cumulative"),
                          ("Targets", "TRAINED", "Categories (empty for the total)"), ("Rules", "R2", "Comparison")],
    "numbers and dates": [("Indicators", "TRAINED", "Baseline"), ("Indicators", "TRAINED", "Baseline date"),
                          ("Indicators", "EMPLOYED", "Decimals"), ("Indicators", "EMPLOYED", "Maximum"),
                          ("Targets", "TRAINED", "Q1 2019")],
    "an item's code": [("Indicators", "NEEDS_MAPPED", "Code")],
    **{f"hidden {key}": [("meapp", key, 1)] for key in ("format_version", "project", "language", "logframe_version",
                                                        "disaggregation")},
}


def test_no_hostile_value_in_a_workbook_cell_makes_a_5xx(app, client, login, tx, cheap_passwords):
    """Each hostile value typed into the cells of an exported workbook, by what reads them, then uploaded."""
    from openpyxl.utils.exceptions import IllegalCharacterError

    exported, rule = _exported(client, login), _import_rule(app)
    batch = Batch(client, login, tx, "imports.logframe_import", "POST", rule)
    sent = 0
    for label, value in HOSTILE:
        text = value.decode("utf-8", "replace")
        for group, cells in WORKBOOK_CELLS.items():
            try:
                batch.upload = _edited(exported, dict.fromkeys(cells, text))
            except IllegalCharacterError:
                continue  # a control character: no spreadsheet holds it
            batch.send(Case(f"workbook {group}", label, {"code": "PALIM"}, [], [("reason", "Renamed")]), {"file"})
            sent += 1
    assert sent >= len(HOSTILE) * len(WORKBOOK_CELLS) - 3 * len(WORKBOOK_CELLS)  # all but the control characters
    assert not batch.failures, f"{len(batch.failures)} of {sent} hostile workbooks failed:\n" + \
        "\n".join(batch.failures)


INDICATOR_TEXTS = ("name_en", "name_fr", "definition_en", "definition_fr", "means_of_verification_en",
                   "means_of_verification_fr")


def test_saved_hostile_texts_do_not_break_the_logframe_documents(client, login, tx, cheap_passwords):
    """Every hostile text the logframe screens accept, saved at once (a level and an indicator each), then the
    logframe read on screen, in the data entry grid, exported and imported back unchanged, and in the reports."""
    login(IMPLEMENTER)
    saved, failures = [], []
    for number, (label, value) in enumerate(HOSTILE):
        text = value.decode("utf-8", "replace")
        level = {"code": f"1.1.{number}", "kind": "activity", "parent": "1.1", "statement_en": text,
                 "statement_fr": text}
        indicator = {"code": f"HOSTILE_{number}", "level": "1.1", "unit": "number", "aggregation": "sum",
                     "direction": "increase", "decimals": "0", **dict.fromkeys(INDICATOR_TEXTS, text)}
        for url, form in (("levels/new", level), ("indicators/new", indicator)):
            response = client.post(f"/projects/PALIM/logframe/{url}",
                                   data={**form, "version": _logframe_version(tx, {})})
            if response.status_code >= 500:
                failures.append(f"saving {label} in {url} → {response.status_code}")
            elif response.status_code < 400:
                saved.append(f"{label} in {url}")
    assert len(saved) >= 30, saved  # most of them are ordinary text, which must be accepted
    indicators = [f"/projects/PALIM/logframe/indicators/{i.code}" for i in _spec(tx).indicators
                  if i.code.startswith("HOSTILE_")]
    login(SECRETARIAT)
    for lang in ("en", "fr"):
        for url in ("/projects/PALIM/logframe", "/projects/PALIM", "/projects/PALIM/periods/2020Q4", *indicators,
                    f"/projects/PALIM/logframe.xlsx?lang={lang}", f"/projects/PALIM/reports/iptt?lang={lang}",
                    f"/projects/PALIM/reports/progress?lang={lang}"):
            response = client.get(url, headers={"Accept-Language": lang})
            if response.status_code != 200:
                failures.append(f"GET {url} in {lang} with {len(saved)} hostile texts → {response.status_code}")
        exported = client.get(f"/projects/PALIM/logframe.xlsx?lang={lang}").data
        response = client.post("/projects/PALIM/logframe/import", headers={"Accept-Language": lang},
                               data={"file": (io.BytesIO(exported), "logframe.xlsx")}, content_type="multipart/form-data")
        if response.status_code != 200 or 'name="token"' in response.get_data(as_text=True):
            failures.append(f"the workbook exported in {lang} with {len(saved)} hostile texts, imported back: "
                            f"{response.status_code}, not unchanged")
    assert not failures, "\n".join(failures)


PRACTICE_TEXTS = {"actor": 300, "name_en": 1000, "name_fr": 1000, "summary_en": 10_000, "summary_fr": 10_000}


def test_saved_hostile_texts_do_not_break_the_documents(client, login, tx, cheap_passwords):
    """Every hostile text a practice accepts, saved at once, then the annex read in each language and format."""
    from meapp.compendium.models import CompendiumCategory, Edition

    edition_id = tx.scalar(select(Edition.id).where(Edition.key == "gfmd-2020"))
    category = tx.scalar(select(CompendiumCategory.id).where(CompendiumCategory.edition_id == edition_id))
    login(SECRETARIAT)
    saved, failures = [], []
    for number, (label, value) in enumerate(HOSTILE):
        text = value.decode("utf-8", "replace")
        form = {"key": f"hostile-{number}", "place": f"c:{category}", "urls": "https://example.org/" + text[:100],
                **{name: text[:limit] for name, limit in PRACTICE_TEXTS.items()}}
        status = client.post("/compendium/gfmd-2020/practices/new", data=form).status_code
        if status >= 500:
            failures.append(f"saving {label} → {status}")
        elif status < 400:
            saved.append(label)
    assert len(saved) >= 15, saved  # most of them are ordinary text, which must be accepted
    for url in ("/compendium/gfmd-2020", "/compendium/gfmd-2020/translations",
                *(f"/compendium/gfmd-2020/download?lang={lang}&format={fmt}" for lang in ("en", "fr")
                  for fmt in ("docx", "xlsx"))):
        status = client.get(url).status_code
        if status != 200:
            failures.append(f"GET {url} with {len(saved)} hostile practices → {status}")
    assert not failures, "\n".join(failures)


def test_what_views_read_is_found(app):
    """The parameters above are found in the views' sources: if this breaks, the hostile cases thin out."""
    assert len(ROUTES) >= 37 and ("submissions.save", "POST") in ROUTES
    assert {"left", "right", "operator", "message_en"} <= _reads(app.view_functions["logframes.create"]).form
    assert {"v|EMPLOYED|", "o|EMPLOYED|", "c|EMPLOYED|", "narrative_en"} <= \
        _reads(app.view_functions["submissions.save"]).form
    assert {"category", "country", "gcm", "q"} <= _reads(app.view_functions["compendium.show"]).query
    assert {"q", "country", "funder", "sector"} <= _reads(app.view_functions["projects.index"]).query
    assert {"org", "lang", "format"} <= _reads(app.view_functions["reports.portfolio"]).query
    assert _reads(app.view_functions["submissions.upload_evidence"]).files == {"file"}
    assert {"code", "level", "name_en", "baseline_value", "disaggregations", "reason", "version"} <= \
        _reads(app.view_functions["logframes.edit_indicator"]).form
    assert {"version", "reason"} <= _reads(app.view_functions["logframes.targets"]).form
    assert {"lead", "implementers", "start_date", "version"} <= _reads(app.view_functions["projects.edit"]).form
    workbook = _reads(app.view_functions["imports.logframe_import"])
    assert workbook.files == {"file"} and {"reason", "check_only", "token"} <= workbook.form


# --- the request guard and the integer parameters -------------------------------------------------------

@pytest.mark.parametrize("url", [
    "/compendium/%00", "/compendium/a%00b", "/projects/PALIM/periods/2020Q3/history?indicator=%00",
    "/projects/PALIM/periods/2020Q3/history?indicator=%ED%A0%80", "/projects/%FF", "/projects/?q=%01",
    "/projects/?%00=1", "/compendium/gfmd-2020?q=a%0Ab",
])
def test_the_guard_answers_400_with_a_translated_page(client, login, url):
    login(SECRETARIAT)
    response = client.get(url)
    assert response.status_code == 400
    assert "control characters" in response.get_data(as_text=True)
    french = client.get(url, headers={"Accept-Language": "fr"})
    assert french.status_code == 400 and "caractères de contrôle" in french.get_data(as_text=True)


def test_the_guard_answers_json_to_json_clients(client, login):
    login(SECRETARIAT)
    response = client.get("/compendium/%00", headers={"Accept": "application/json"})
    assert response.status_code == 400 and "control characters" in response.get_json()["error"]


def test_the_guard_checks_form_keys_and_cookies_but_leaves_values_to_the_fields(client, login):
    login(SECRETARIAT)
    assert client.post("/projects/PALIM/rules", data={"a\x00b": "1"}).status_code == 400
    client.set_cookie("theme", "a\x01b")
    assert client.get("/projects/").status_code == 400
    client.delete_cookie("theme")
    response = client.post("/projects/PALIM/rules", data={
        "left": "EMPLOYED", "operator": "<=", "right": "TRAINED", "severity": "error",
        "missing_value_strategy": "skip_if_any", "message_en": "Employed\x00 ≤ trained"})
    assert response.status_code == 400
    assert "invisible control characters" in response.get_data(as_text=True)
    response = client.post("/projects/PALIM/rules", data={
        "left": "EMPLOYED", "operator": "<=", "right": "TRAINED", "severity": "error",
        "missing_value_strategy": "skip_if_any", "message_en": "Employed\tis\r\nat most trained"})
    assert response.status_code == 302


@pytest.mark.parametrize("query, status", [
    ("org=%C2%B2", 400), ("org=99999999999999999999999", 400), ("org=2147483648", 400), ("org=%D9%A1", 400),
    ("org=2147483647", 404), ("org=BMZ", 200), ("org=", 404),
])
def test_portfolio_org_is_a_bounded_number_or_a_name(client, login, query, status):
    login(SECRETARIAT)
    response = client.get(f"/portfolio?{query}&format=xlsx")
    assert response.status_code == status
    if status == 400:
        assert "The parameter “org” must be a whole number." in response.get_data(as_text=True)


@pytest.mark.parametrize("url, status", [
    ("/compendium/gfmd-2020?gcm=99999999999999999999", 400), ("/compendium/gfmd-2020?gcm=%C2%B2", 400),
    ("/compendium/gfmd-2020?gcm=-1", 400), ("/compendium/gfmd-2020?gcm=", 200), ("/compendium/gfmd-2020?gcm=18", 200),
    ("/projects/PALIM/periods/2020Q4/evidence/99999999999999999999", 404),
    ("/projects/PALIM/periods/2020Q4/evidence/%D9%A1%D9%A2", 404),
])
def test_integers_in_urls_are_bounded(client, login, url, status):
    login(SECRETARIAT)
    assert client.get(url).status_code == status
