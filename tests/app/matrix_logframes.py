"""Rows of the route × user matrix for building and approving logframes, their Excel round trip: (endpoint, method) → (url, form data, expected status per user)."""
from tests.app.matrix_base import VERSION, expect, same  # noqa: F401

ROWS: dict = {
}


# --- Logframe screens (meapp/logframes/views.py): the results tree, levels, indicators, targets, approval -------
# PALIM is led by the implementer's organisation and funded by the funding donor; its seeded logframe has no
# state row yet (it counts as approved) and every indicator has values. Callables run when the case runs:
# they put the logframe in the state the action needs, or make the object it acts on, and give real versions.

def _palim(tx):
    from sqlalchemy import select

    from meapp.projects.models import Project

    return tx.scalar(select(Project).where(Project.code == "PALIM"))


def _logframe_version(tx, status=None) -> int:
    """PALIM's logframe version as a page shows it, after putting the logframe in `status` when given."""
    from sqlalchemy import select

    from meapp.logframes.models import Logframe

    project = _palim(tx)
    logframe = tx.scalar(select(Logframe).where(Logframe.project_id == project.id))
    if status is not None:
        if logframe is None:
            logframe = Logframe(project_id=project.id, status=status)
            tx.add(logframe)
        logframe.status = status
        tx.commit()
    return logframe.version if logframe is not None else 0


def _draft(tx) -> int:
    from meapp.logframes.models import LogframeStatus

    return _logframe_version(tx, LogframeStatus.DRAFT)


def _submitted(tx) -> int:
    from meapp.logframes.models import LogframeStatus

    return _logframe_version(tx, LogframeStatus.SUBMITTED)


def _level(tx, code: str):
    from sqlalchemy import select

    from meapp.logframes.models import ResultLevel

    return tx.scalar(select(ResultLevel).where(ResultLevel.project_id == _palim(tx).id, ResultLevel.code == code))


def _fresh_indicator(action: str):
    """The URL of `action` on an indicator made for the case: no values, so it may be edited or deleted freely."""
    def url(tx) -> str:
        from meapp.logframes.models import Indicator

        tx.add(Indicator(project_id=_palim(tx).id, result_level_id=_level(tx, "1.1").id, code="FRESH",
                         name_en="Fresh", name_fr="Nouveau", position=99))
        tx.commit()
        return f"{_LF}/indicators/FRESH/{action}"
    return url


def _leaf_level(tx) -> str:
    """The delete URL of a level made for the case, with no child and no indicator."""
    from meapp.logframes.models import LevelKind, ResultLevel

    tx.add(ResultLevel(project_id=_palim(tx).id, parent_id=_level(tx, "1.1").id, kind=LevelKind.ACTIVITY,
                       code="9.9", statement_en="Leaf", statement_fr="Feuille", position=99))
    tx.commit()
    return f"{_LF}/levels/9.9/delete"


def _retired_version(tx) -> int:
    """The version, after retiring EMPLOYED (so that it can be reinstated)."""
    import datetime as dt

    from sqlalchemy import select

    from meapp.logframes.models import Indicator

    employed = tx.scalar(select(Indicator).where(Indicator.project_id == _palim(tx).id, Indicator.code == "EMPLOYED"))
    employed.retired_at, employed.retire_reason = dt.datetime(2024, 1, 1), "Replaced by a survey"
    tx.commit()
    return _logframe_version(tx)


_LF = "/projects/PALIM/logframe"
_READ = expect(302, 200, 404, 200, 404, 200)
_EDIT_FORM = expect(302, 200, 404, 403, 404, 200)
_EDIT = expect(302, 302, 404, 403, 404, 302)
_MANAGE = expect(302, 403, 404, 403, 404, 302)
_INDICATOR = {"version": _logframe_version, "code": "FRESH", "level": "1.1", "name_en": "Fresh indicator",
              "name_fr": "Nouvel indicateur", "unit": "number", "aggregation": "sum", "direction": "increase",
              "decimals": "0", "is_required": "y"}
LOGFRAME_SCREEN_ROWS: dict = {
    ("logframes.show", "GET"): (_LF, None, _READ),
    ("logframes.new_level", "GET"): (f"{_LF}/levels/new?parent=1.1", None, _EDIT_FORM),
    ("logframes.new_level", "POST"): (f"{_LF}/levels/new", {"version": _logframe_version, "code": "9",
                                                             "kind": "activity", "parent": "1.1",
                                                             "statement_en": "Workshops", "statement_fr": "Ateliers"},
                                      _EDIT),
    ("logframes.edit_level", "GET"): (f"{_LF}/levels/1.1/edit", None, _EDIT_FORM),
    ("logframes.edit_level", "POST"): (f"{_LF}/levels/1.1/edit", {
        "version": _logframe_version, "code": "1.1", "kind": "output", "parent": "1",
        "statement_en": "Graduates complete the training.", "statement_fr": "Les diplômés achèvent la formation."},
        _EDIT),
    ("logframes.delete_level", "POST"): (_leaf_level, {"version": _logframe_version}, _EDIT),
    ("logframes.new_indicator", "GET"): (f"{_LF}/indicators/new?level=1.1", None, _EDIT_FORM),
    ("logframes.new_indicator", "POST"): (f"{_LF}/indicators/new", {**_INDICATOR, "code": "NEW_ONE", "target_value": "10"}, _EDIT),
    ("logframes.indicator", "GET"): (f"{_LF}/indicators/EMPLOYED", None, _READ),
    ("logframes.edit_indicator", "GET"): (f"{_LF}/indicators/EMPLOYED/edit", None, _EDIT_FORM),
    ("logframes.edit_indicator", "POST"): (_fresh_indicator("edit"), _INDICATOR, _EDIT),
    ("logframes.targets", "GET"): (f"{_LF}/indicators/EMPLOYED/targets", None, _EDIT_FORM),
    ("logframes.targets", "POST"): (f"{_LF}/indicators/EMPLOYED/targets", {
        "version": _logframe_version, "t|2019Q1|": "5", "reason": "The first quarter had no target"}, _EDIT),
    ("logframes.retire_indicator", "POST"): (f"{_LF}/indicators/EMPLOYED/retire", {
        "version": _logframe_version, "reason": "Replaced by a survey"}, _EDIT),
    ("logframes.reinstate_indicator", "POST"): (f"{_LF}/indicators/EMPLOYED/reinstate",
                                                {"version": _retired_version}, _EDIT),
    ("logframes.delete_indicator", "POST"): (_fresh_indicator("delete"), {"version": _logframe_version}, _EDIT),
    ("logframes.submit", "POST"): (f"{_LF}/submit", {"version": _draft}, _EDIT),
    ("logframes.approve", "POST"): (f"{_LF}/approve", {"version": _submitted, "note": "Agreed"}, _MANAGE),
    ("logframes.return_", "POST"): (f"{_LF}/return", {"version": _submitted, "reason": "Add baselines"}, _MANAGE),
}
ROWS.update(LOGFRAME_SCREEN_ROWS)
# --- end of the logframe screens ------------------------------------------------------------------------------


# --- The logframe workbook (meapp/imports/views.py): download it, upload it back ---------------------------------
def _palim_workbook(tx):
    """PALIM's logframe as its download gives it, as an uploaded file: the dry run finds nothing to change."""
    import io

    from meapp.imports.logframe_workbook import workbook_for
    from meapp.logframes import queries

    project = _palim(tx)
    data = workbook_for(project, queries.spec_of(project), queries.disaggregation_types(),
                        _logframe_version(tx), "en")
    return io.BytesIO(data), "PALIM-logframe-en.xlsx"


LOGFRAME_WORKBOOK_ROWS: dict = {
    ("imports.logframe_export", "GET"): ("/projects/PALIM/logframe.xlsx?lang=fr", None, _READ),
    ("imports.logframe_import", "GET"): ("/projects/PALIM/logframe/import", None, _EDIT_FORM),
    ("imports.logframe_import", "POST"): ("/projects/PALIM/logframe/import", {"file": _palim_workbook, "reason": ""},
                                          _EDIT_FORM),
}
ROWS.update(LOGFRAME_WORKBOOK_ROWS)
# --- end of the logframe workbook ---------------------------------------------------------------------------------
