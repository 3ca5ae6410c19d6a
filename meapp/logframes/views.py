"""The logframe screens: the results tree, its levels, indicators and targets, their approval; validation rules.

Every edit reads the stored logframe as plain data (`queries.spec_of`), changes one item, and hands the whole
to `service.apply_logframe` with the version the page was opened on: the service finds the difference, checks
it and writes it (or answers every problem, each named by the form field it is about).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from types import SimpleNamespace

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from meapp.auth.models import User
from meapp.auth.permissions import Action, allowed_actions
from meapp.core.messages import N_
from meapp.core.numbers import NumberError, parse_decimal
from meapp.core.problems import Problem, ProblemsError
from meapp.core.text import TextProblem, text_problem
from meapp.errors import PermissionDenied, StaleVersion, WorkflowError
from meapp.extensions import db
from meapp.forms import MeForm
from meapp.i18n import country_name, current_language, enum_label, error_message, text
from meapp.logframes import queries, service
from meapp.logframes.forms import (
    INDICATOR_FIELDS,
    LABELS,
    LEVEL_FIELDS,
    ApproveForm,
    IndicatorForm,
    LevelForm,
    ReasonForm,
    RuleForm,
    TargetsForm,
    VersionForm,
    not_a_number,
    number_text,
)
from meapp.logframes.models import Indicator
from meapp.logframes.spec import DEFINITION_FIELDS, LEVEL_KINDS, IndicatorSpec, LevelSpec, TargetSpec
from meapp.projects.guards import get_project_or_404

bp = Blueprint("logframes", __name__, url_prefix="/projects/<code>")
CELL_LENGTH = 60  # a typed target: the number grammar reads no more


# --- Validation rules (secretariat) ---------------------------------------------------------------------------

def _rules_page(project, form, status=200):
    rules = queries.rules_of(project)
    codes = queries.indicator_codes(project)
    return render_template("logframes/rules.html", project=project, rules=rules, form=form, codes=codes,
                           action_form=MeForm()), status


@bp.route("/rules", methods=["GET"])
@login_required
def index(code: str):
    project = get_project_or_404(current_user, code, Action.MANAGE)
    return _rules_page(project, RuleForm())


@bp.route("/rules", methods=["POST"])
@login_required
def create(code: str):
    project = get_project_or_404(current_user, code, Action.MANAGE)
    form = RuleForm()
    if not form.validate():
        return _rules_page(project, form, 400)
    spec = service.RuleInput(form.left.data, form.operator.data, form.right.data, form.severity.data,
                             form.missing_value_strategy.data, form.message_en.data or "", form.message_fr.data or "")
    try:
        rule = service.add_rule(project, current_user, spec)
    except service.RuleError as error:
        db.session.rollback()
        field_ = getattr(form, error.field)
        params = dict(error.params)
        if "reason_id" in params:
            params["reason"] = _(params.pop("reason_id"), **params.pop("reason_params"))
        field_.errors = list(field_.errors) + [_(error.message_id, **params)]
        return _rules_page(project, form, 400)
    db.session.commit()
    flash(_("Rule %(code)s saved.", code=rule.code), "success")
    return redirect(url_for(".index", code=project.code))


@bp.route("/rules/<int:rule_id>/deactivate", methods=["POST"])
@login_required
def deactivate(code: str, rule_id: int):
    project = get_project_or_404(current_user, code, Action.MANAGE)
    if not MeForm().validate():
        abort(400)
    rule = queries.rule_of(project, rule_id)
    if rule is None:
        abort(404)
    service.deactivate_rule(project, current_user, rule)
    db.session.commit()
    flash(_("Rule %(code)s switched off.", code=rule.code), "success")
    return redirect(url_for(".index", code=project.code))


# --- Applying an edit -----------------------------------------------------------------------------------------

@dataclass
class Feedback:
    """What a refused edit shows: problems beside fields or cells, the rest at the top, a conflict note."""

    top: list[tuple[str, str]] = field(default_factory=list)  # (severity, message)
    cells: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # (period, combination) → messages
    conflict: bool = False


def _where(fields) -> dict[str, str]:
    """Problems the service finds on an item built from a form come back named by the form's field."""
    return {"": "", **{name: name for name in fields}}


def _logframe_version(project) -> int:
    logframe = queries.logframe_of(project)
    return logframe.version if logframe is not None else 0


# Where the service names an item no field of the form holds ("indicator TRAINED"): said in the reader's language.
ITEM_KINDS = {"level": N_("Level %(code)s"), "indicator": N_("Indicator %(code)s"), "rule": N_("Rule %(code)s"),
              "target": N_("Target %(code)s")}


def _message(problem: Problem) -> str:
    """A problem's message in the reader's language, without its place (shown beside the field)."""
    params = dict(problem.params)
    if "reason_id" in params:  # why a rule does not parse: a message inside the message
        params["reason"] = _(params.pop("reason_id"), **dict(params.pop("reason_params", None) or {}))
    return error_message(SimpleNamespace(message_id=problem.message_id, params=params))


def _placed(problem: Problem) -> str:
    """A problem shown at the top of the form: its place first, when it is another item."""
    kind, _space, code = (problem.where or "").partition(" ")
    if kind in ITEM_KINDS and code:
        return _("%(place)s: %(message)s", place=_(ITEM_KINDS[kind], code=code), message=_message(problem))
    return _message(problem)


def _place(problems: list[Problem], form, feedback: Feedback) -> None:
    for problem in problems:
        where = problem.where or ""
        target = form._fields.get(where) if where not in ("", "csrf_token", "version") else None
        if where.startswith("t|") and where.count("|") == 2:
            _t, period, combination = where.split("|", 2)
            feedback.cells.setdefault((period, combination), []).append(_message(problem))
        elif target is not None and problem.severity == "error":
            target.errors = list(target.errors) + [_message(problem)]
        else:
            feedback.top.append((problem.severity, _placed(problem)))


def _flash_plan(plan) -> None:
    changes = len(plan.changes)
    if changes:
        flash(ngettext("Logframe saved: %(num)d change.", "Logframe saved: %(num)d changes.", changes), "success")
    else:
        flash(_("Nothing changed."), "success")
    for problem in plan.problems:  # warnings about the item edited (a missing translation), not about the others
        if problem.severity != "error" and (problem.where or "").partition(" ")[0] not in ITEM_KINDS:
            flash(_message(problem), "warning")


def _refused(error: WorkflowError, project, form, feedback: Feedback) -> int:
    """A refusal that is not about a field: permission (403), a stale page (409) or the logframe's state."""
    db.session.rollback()
    if isinstance(error, PermissionDenied):
        abort(403)
    feedback.top.append(("error", error_message(error)))
    if isinstance(error, StaleVersion):  # a stale page; not a step the logframe's state refuses (also a 409)
        feedback.conflict = True
        # What was typed stays in the form; saving again applies it over the newer logframe, knowingly.
        form.version.data = _logframe_version(project)
    return error.status


def _apply(project, form, spec, feedback: Feedback, reason: str = ""):
    """Hand the edited logframe to the one write path; commit, or put its problems on the form. → (plan, status)"""
    try:
        plan = service.apply_logframe(project, current_user, spec, reason=(reason or "").strip(),
                                      expected_version=form.version.data)
    except ProblemsError as error:
        db.session.rollback()
        _place(error.problems, form, feedback)
        return None, 400
    except WorkflowError as error:
        return None, _refused(error, project, form, feedback)
    db.session.commit()
    _flash_plan(plan)
    return plan, 200


def _step(project, form, call, feedback: Feedback):
    """A workflow step (submit, approve, return): commit, or explain. → status"""
    try:
        call()
    except ProblemsError as error:
        db.session.rollback()
        _place(error.problems, form, feedback)
        return 400
    except WorkflowError as error:
        return _refused(error, project, form, feedback)
    db.session.commit()
    return 200


def _form_errors(form, feedback: Feedback) -> None:
    """A button's form shown on another page: its field errors go to the top."""
    for name, messages in form.errors.items():
        label = "" if name in ("version", "csrf_token") else str(LABELS.get(name, getattr(form, name).label.text))
        for message in messages:
            feedback.top.append(("error", f"{label}: {message}" if label else str(message)))


# --- The results tree -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Node:
    level: LevelSpec
    depth: int
    indicators: tuple[IndicatorSpec, ...]
    children: int


def _nodes(spec) -> list[Node]:
    """The levels in display order, each with its depth and its indicators."""
    by_code = {level.code: level for level in spec.levels}

    def depth(level, seen=()) -> int:
        parent = by_code.get(level.parent) if level.parent else None
        return 0 if parent is None or parent.code in seen else 1 + depth(parent, (*seen, level.code))

    children: dict[str, list[LevelSpec]] = {}
    for level in spec.levels:
        children.setdefault(level.parent or "", []).append(level)
    ordered: list[LevelSpec] = []

    def walk(parent: str) -> None:
        for level in children.get(parent, []):
            if level not in ordered:
                ordered.append(level)
                walk(level.code)

    walk("")
    ordered += [level for level in spec.levels if level not in ordered]  # under a parent that is not there
    return [Node(level, depth(level), tuple(i for i in spec.indicators if i.level == level.code),
                 len(children.get(level.code, ()))) for level in ordered]


def _descendants(spec, code: str) -> set[str]:
    found, todo = set(), [code]
    while todo:
        current = todo.pop()
        for level in spec.levels:
            if level.parent == current and level.code not in found:
                found.add(level.code)
                todo.append(level.code)
    return found


def _status(project, logframe) -> str:
    """draft, submitted or approved; a logframe stored before logframes had a state counts as approved."""
    if logframe is not None:
        return logframe.status.value
    return "approved" if queries.has_levels(project) else "draft"


def _was_approved(project, logframe) -> bool:
    """Approved now or once: a change of targets then needs a reason (as the service decides)."""
    return logframe.was_approved if logframe is not None else queries.has_levels(project)


def _records(project) -> dict[str, Indicator]:
    """The project's indicators as stored (revision, retirement, target revision), by code, in one query."""
    return {i.code: i for i in db.session.scalars(select(Indicator).where(Indicator.project_id == project.id))}


def _names(ids) -> dict[int, str]:
    """Names of the people who did something, in one query."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {row.id: row.name or row.email for row in db.session.execute(
        select(User.id, User.name, User.email).where(User.id.in_(ids)))}


def _tree(project, status: int = 200, feedback: Feedback | None = None, forms: dict | None = None):
    spec = queries.spec_of(project)
    actions = allowed_actions(current_user, project)
    logframe = queries.logframe_of(project)
    types = queries.disaggregation_types()
    forms = forms or {}
    people = _names((logframe.submitted_by_id, logframe.approved_by_id) if logframe is not None else ())
    return render_template(
        "logframes/logframe.html", project=project, spec=spec, nodes=_nodes(spec), logframe=logframe,
        status=_status(project, logframe), version=logframe.version if logframe is not None else 0,
        records=_records(project), people=people,
        with_values=queries.indicators_with_values(project), split_by=_split_by(spec, types),
        can_edit=Action.EDIT in actions, can_manage=Action.MANAGE in actions, feedback=feedback or Feedback(),
        approve_form=forms.get("approve") or ApproveForm(), return_form=forms.get("return") or ReasonForm(),
        action_form=VersionForm(), retire_form=ReasonForm(),
    ), status


def _split_by(spec, types) -> dict[str, str]:
    """Each indicator's disaggregations, named in the reader's language."""
    names = {t.key: str(text(t, "name")) for t in types}
    return {i.code: ", ".join(names.get(key, key) for key in i.disaggregations) for i in spec.indicators}


@bp.route("/logframe", methods=["GET"])
@login_required
def show(code: str):
    project = get_project_or_404(current_user, code, Action.READ)
    return _tree(project)


# --- Result levels --------------------------------------------------------------------------------------------

def _level_label(level: LevelSpec) -> str:
    statement = level.statement_fr if current_language() == "fr" else level.statement_en
    statement = statement or level.statement_en or level.statement_fr
    label = f"{enum_label(level.kind)} {level.code}"
    return f"{label} · {statement[:80]}" if statement else label


def _level_page(code: str, level_code: str | None):
    project = get_project_or_404(current_user, code, Action.EDIT)
    spec = queries.spec_of(project)
    original = spec.level(level_code) if level_code is not None else None
    if level_code is not None and original is None:
        abort(404)
    form = LevelForm()
    excluded = ({level_code} | _descendants(spec, level_code)) if level_code else set()
    form.parent.choices = [SelectChoice("", _("None: the top of the tree"))] + [
        SelectChoice(level.code, _level_label(level)) for level in spec.levels if level.code not in excluded]
    feedback = Feedback()
    status = 200
    if request.method == "GET":
        form.version.data = _logframe_version(project)
        if original is not None:
            for name in LEVEL_FIELDS:
                getattr(form, name).data = getattr(original, name) or ("" if name == "parent" else None)
        else:
            parent = spec.level(request.args.get("parent", ""))
            form.parent.data = parent.code if parent else ""
            deeper = LEVEL_KINDS.index(parent.kind) + 1 if parent and parent.kind in LEVEL_KINDS else 0
            form.kind.data = LEVEL_KINDS[min(deeper, len(LEVEL_KINDS) - 1)]
    elif form.validate():
        edited = LevelSpec(code=(form.code.data or "").strip(), kind=form.kind.data, parent=form.parent.data or None,
                           statement_en=(form.statement_en.data or "").strip(),
                           statement_fr=(form.statement_fr.data or "").strip(), where=_where(LEVEL_FIELDS))
        plan, status = _apply(project, form, spec.with_level(edited, original_code=level_code), feedback)
        if plan is not None:
            return redirect(url_for(".show", code=project.code, _anchor=f"level-{edited.code}"))
    else:
        status = 400
    return render_template("logframes/level_form.html", project=project, form=form, original=original,
                           feedback=feedback), status


@bp.route("/logframe/levels/new", methods=["GET", "POST"])
@login_required
def new_level(code: str):
    return _level_page(code, None)


@bp.route("/logframe/levels/<level_code>/edit", methods=["GET", "POST"])
@login_required
def edit_level(code: str, level_code: str):
    return _level_page(code, level_code)


@bp.route("/logframe/levels/<level_code>/delete", methods=["POST"])
@login_required
def delete_level(code: str, level_code: str):
    project = get_project_or_404(current_user, code, Action.EDIT)
    spec = queries.spec_of(project)
    if spec.level(level_code) is None:
        abort(404)
    form = VersionForm()
    feedback = Feedback()
    if not form.validate():
        _form_errors(form, feedback)
        return _tree(project, 400, feedback)
    plan, status = _apply(project, form, spec.without_level(level_code), feedback, form.reason.data)
    if plan is None:
        return _tree(project, status, feedback)
    return redirect(url_for(".show", code=project.code))


# --- Indicators -----------------------------------------------------------------------------------------------

def _indicator_or_404(project, spec, ind_code: str) -> IndicatorSpec:
    original = spec.indicator(ind_code)
    if original is None:
        abort(404)
    return original


def _indicator_spec(form, types, original: IndicatorSpec | None) -> IndicatorSpec:
    chosen = set(form.disaggregations.data or ())
    return IndicatorSpec(
        code=(form.code.data or "").strip(), level=form.level.data,
        name_en=(form.name_en.data or "").strip(), name_fr=(form.name_fr.data or "").strip(),
        definition_en=(form.definition_en.data or "").strip(), definition_fr=(form.definition_fr.data or "").strip(),
        unit=form.unit.data, currency=form.currency.data or None, aggregation=form.aggregation.data,
        direction=form.direction.data, is_cumulative=bool(form.is_cumulative.data),
        baseline_value=form.baseline_value.number, baseline_date=form.baseline_date.data,
        target_value=form.target_value.number, min_value=form.min_value.number, max_value=form.max_value.number,
        decimals=form.decimals.data or 0, is_required=bool(form.is_required.data), is_key=bool(form.is_key.data),
        means_of_verification_en=(form.means_of_verification_en.data or "").strip(),
        means_of_verification_fr=(form.means_of_verification_fr.data or "").strip(),
        disaggregations=tuple(t.key for t in types if t.key in chosen),
        retired=original.retired if original is not None else False, where=_where(INDICATOR_FIELDS))


def _fill(form, original: IndicatorSpec) -> None:
    for name in INDICATOR_FIELDS:
        value = getattr(original, name)
        if name in ("baseline_value", "target_value", "min_value", "max_value"):
            value = number_text(value)
        elif name == "disaggregations":
            value = list(value)
        getattr(form, name).data = value


def _indicator_page(code: str, ind_code: str | None):
    project = get_project_or_404(current_user, code, Action.EDIT)
    spec = queries.spec_of(project)
    original = _indicator_or_404(project, spec, ind_code) if ind_code is not None else None
    record = queries.indicator_of(project, ind_code) if ind_code is not None else None
    has_values = ind_code is not None and ind_code in queries.indicators_with_values(project)
    logframe = queries.logframe_of(project)
    types = queries.disaggregation_types()
    form = IndicatorForm()
    form.level.choices = [SelectChoice(level.code, _level_label(level)) for level in spec.levels]
    form.disaggregations.choices = [SelectChoice(t.key, str(text(t, "name"))) for t in types]
    feedback, status = Feedback(), 200
    if request.method == "GET":
        form.version.data = logframe.version if logframe is not None else 0
        if original is not None:
            _fill(form, original)
        elif spec.level(request.args.get("level", "")) is not None:
            form.level.data = request.args["level"]
    elif form.validate():
        edited = _indicator_spec(form, types, original)
        plan, status = _apply(project, form, spec.with_indicator(edited, original_code=ind_code), feedback,
                              form.reason.data)
        if plan is not None:
            return redirect(url_for(".show", code=project.code, _anchor=f"ind-{edited.code}"))
    else:
        status = 400
    approved = _was_approved(project, logframe)
    return render_template(
        "logframes/indicator_form.html", project=project, form=form, original=original, record=record,
        has_values=has_values, approved=approved, types=types, type_by_key={t.key: t for t in types},
        feedback=feedback, revisions=_revisions(record, original), category_names=_category_names(project, types),
        labels=LABELS,
    ), status


@bp.route("/logframe/indicators/new", methods=["GET", "POST"])
@login_required
def new_indicator(code: str):
    return _indicator_page(code, None)


@bp.route("/logframe/indicators/<ind_code>/edit", methods=["GET", "POST"])
@login_required
def edit_indicator(code: str, ind_code: str):
    return _indicator_page(code, ind_code)


SHOWN_CATEGORIES = 8  # a list of every country is no help beside a checkbox


def _category_names(project, types) -> dict[str, str]:
    """Each disaggregation's categories as this project splits by them, named in the reader's language."""
    names = {}
    for dtype in types:
        by_key = {c.key: c for c in dtype.categories}
        keys = dtype.category_keys_for(project)
        shown = [country_name(key) if dtype.key.endswith("_country") else
                 str(text(by_key[key], "name")) if key in by_key else key for key in keys[:SHOWN_CATEGORIES]]
        more = len(keys) - len(shown)
        names[dtype.key] = ngettext("%(names)s and %(num)d more", "%(names)s and %(num)d more", more,
                                    names=", ".join(shown)) if more else ", ".join(shown)
    return names


@dataclass(frozen=True)
class RevisionView:
    """Revision `number` of an indicator's definition; `replaced_*`: when, by whom and why the next replaced it."""

    number: int
    definition: dict
    current: bool
    replaced_at: object = None
    replaced_by: str = ""
    reason: str = ""
    changed: tuple[str, ...] = ()  # the fields the next revision changed


def _revisions(record, original: IndicatorSpec | None) -> list[RevisionView]:
    """Every revision of the definition, newest (the current one) first."""
    if record is None or original is None:
        return []
    stored = queries.revisions_of(record)
    names = _names(r.created_by_id for r in stored)
    definitions = [dict(r.definition or {}) for r in stored] + [service.definition_snapshot(original)]
    views = [RevisionView(record.revision, definitions[-1], True)]
    for index, revision in enumerate(stored):
        following = definitions[index + 1]
        changed = tuple(name for name in DEFINITION_FIELDS
                        if definitions[index].get(name) != following.get(name))
        views.append(RevisionView(revision.number, definitions[index], False, revision.created_at,
                                  names.get(revision.created_by_id, ""), revision.reason or "", changed))
    return [views[0], *reversed(views[1:])]


@bp.route("/logframe/indicators/<ind_code>", methods=["GET"])
@login_required
def indicator(code: str, ind_code: str):
    project = get_project_or_404(current_user, code, Action.READ)
    return _indicator_detail(project, ind_code)


def _indicator_detail(project, ind_code: str, status: int = 200, feedback: Feedback | None = None,
                      retire_form=None):
    spec = queries.spec_of(project)
    original = _indicator_or_404(project, spec, ind_code)
    record = queries.indicator_of(project, ind_code)
    types = queries.disaggregation_types()
    actions = allowed_actions(current_user, project)
    targets = sorted((t for t in spec.targets if t.indicator == ind_code), key=lambda t: (t.period, t.combination))
    return render_template(
        "logframes/indicator.html", project=project, ind=original, record=record, level=spec.level(original.level),
        has_values=ind_code in queries.indicators_with_values(project), types={t.key: t for t in types},
        revisions=_revisions(record, original), targets=targets, can_edit=Action.EDIT in actions,
        category_names=_category_names(project, types),
        version=_logframe_version(project), feedback=feedback or Feedback(),
        retire_form=retire_form or ReasonForm(), action_form=VersionForm(), labels=LABELS,
    ), status


def _indicator_action(code: str, ind_code: str, form, edit, done: str):
    """Retire, reinstate or delete: one change to one indicator, shown on its page when refused."""
    project = get_project_or_404(current_user, code, Action.EDIT)
    spec = queries.spec_of(project)
    original = _indicator_or_404(project, spec, ind_code)
    feedback = Feedback()
    if not form.validate():
        return _indicator_detail(project, ind_code, 400, feedback, retire_form=form)
    plan, status = _apply(project, form, edit(spec, original), feedback, form.reason.data)
    if plan is None:
        return _indicator_detail(project, ind_code, status, feedback,
                                 retire_form=form if isinstance(form, ReasonForm) else None)
    flash(done, "success")
    return redirect(url_for(".show", code=project.code, _anchor=f"ind-{ind_code}"))


@bp.route("/logframe/indicators/<ind_code>/retire", methods=["POST"])
@login_required
def retire_indicator(code: str, ind_code: str):
    form = ReasonForm()
    return _indicator_action(
        code, ind_code, form,
        lambda spec, ind: spec.with_indicator(replace(ind, retired=True, where=_where(("retired",)))),
        _("Indicator %(code)s retired: it is no longer reported; its values are kept.", code=ind_code))


@bp.route("/logframe/indicators/<ind_code>/reinstate", methods=["POST"])
@login_required
def reinstate_indicator(code: str, ind_code: str):
    form = VersionForm()
    return _indicator_action(
        code, ind_code, form,
        lambda spec, ind: spec.with_indicator(replace(ind, retired=False, where=_where(("retired",)))),
        _("Indicator %(code)s reinstated: it is reported again.", code=ind_code))


@bp.route("/logframe/indicators/<ind_code>/delete", methods=["POST"])
@login_required
def delete_indicator(code: str, ind_code: str):
    form = VersionForm()
    return _indicator_action(code, ind_code, form, lambda spec, ind: spec.without_indicator(ind.code),
                             _("Indicator %(code)s deleted.", code=ind_code))


# --- Targets --------------------------------------------------------------------------------------------------

def _target_columns(project, original: IndicatorSpec, types) -> list[str]:
    """The total, and each category when the indicator is split one way (several ways: the total only)."""
    if len(original.disaggregations) != 1:
        return [""]
    dtype = next((t for t in types if t.key == original.disaggregations[0]), None)
    return [""] + ([f"{dtype.key}={key}" for key in dtype.category_keys_for(project)] if dtype else [])


@bp.route("/logframe/indicators/<ind_code>/targets", methods=["GET", "POST"])
@login_required
def targets(code: str, ind_code: str):
    project = get_project_or_404(current_user, code, Action.EDIT)
    spec = queries.spec_of(project)
    original = _indicator_or_404(project, spec, ind_code)
    types = queries.disaggregation_types()
    columns = _target_columns(project, original, types)
    stored = {(t.period, t.combination): t.value for t in spec.targets if t.indicator == ind_code}
    periods = [p.code for p in project.periods()]
    periods += sorted({period for period, _c in stored if period not in periods})  # outside the dates: clearable
    shown = {(period, combination) for period in periods for combination in columns}
    logframe = queries.logframe_of(project)
    form = TargetsForm()
    feedback, status = Feedback(), 200
    if request.method == "GET":
        form.version.data = logframe.version if logframe is not None else 0
        typed = {cell: number_text(value) for cell, value in stored.items()}
    else:
        typed, edited = {}, []
        for period, combination in sorted(shown):
            name = f"t|{period}|{combination}"
            raw = request.form.get(name, "")
            problem = text_problem(raw, CELL_LENGTH)
            typed[(period, combination)] = raw if problem is None else raw[:CELL_LENGTH]
            if problem is not None:
                feedback.cells[(period, combination)] = [
                    _("This text holds invisible control characters; remove them.") if problem is TextProblem.CONTROL
                    else not_a_number(raw[:CELL_LENGTH] + "…")]
                continue
            if not raw.strip():
                continue  # an empty cell: no target for that period
            try:
                value = parse_decimal(raw, current_language())
            except NumberError:
                feedback.cells[(period, combination)] = [not_a_number(raw.strip())]
                continue
            edited.append(TargetSpec(indicator=ind_code, period=period, value=value, combination=combination,
                                     where={"": name, "value": name, "period": name, "combination": name}))
        kept = tuple(t for t in spec.targets if t.indicator == ind_code and (t.period, t.combination) not in shown)
        if form.validate() and not feedback.cells:
            plan, status = _apply(project, form, spec.with_targets(ind_code, kept + tuple(edited)), feedback,
                                  form.reason.data)
            if plan is not None:
                return redirect(url_for(".show", code=project.code, _anchor=f"ind-{ind_code}"))
        else:
            status = 400
    hidden = sorted({combination for (_p, combination) in stored if combination not in columns})
    approved = _was_approved(project, logframe)
    return render_template("logframes/targets.html", project=project, ind=original, form=form, periods=periods,
                           columns=columns, typed=typed, feedback=feedback, hidden=hidden, approved=approved,
                           in_dates={p.code for p in project.periods()}), status


# --- Submitting and approving ---------------------------------------------------------------------------------

@bp.route("/logframe/submit", methods=["POST"])
@login_required
def submit(code: str):
    project = get_project_or_404(current_user, code, Action.EDIT)
    form = VersionForm()
    feedback = Feedback()
    if not form.validate():
        _form_errors(form, feedback)
        return _tree(project, 400, feedback)
    status = _step(project, form, lambda: service.submit_logframe(project, current_user, form.version.data),
                   feedback)
    if status != 200:
        return _tree(project, status, feedback)
    flash(_("Logframe submitted to the secretariat for approval."), "success")
    return redirect(url_for(".show", code=project.code))


@bp.route("/logframe/approve", methods=["POST"])
@login_required
def approve(code: str):
    project = get_project_or_404(current_user, code, Action.MANAGE)
    form = ApproveForm()
    feedback = Feedback()
    if not form.validate():
        _form_errors(form, feedback)
        return _tree(project, 400, feedback, {"approve": form})
    status = _step(project, form, lambda: service.approve_logframe(project, current_user, form.version.data,
                                                                   note=(form.note.data or "").strip()), feedback)
    if status != 200:
        return _tree(project, status, feedback, {"approve": form})
    flash(_("Logframe approved."), "success")
    return redirect(url_for(".show", code=project.code))


@bp.route("/logframe/return", methods=["POST"])
@login_required
def return_(code: str):
    project = get_project_or_404(current_user, code, Action.MANAGE)
    form = ReasonForm()
    feedback = Feedback()
    if not form.validate():
        _form_errors(form, feedback)
        return _tree(project, 400, feedback, {"return": form})
    status = _step(project, form, lambda: service.return_logframe(project, current_user, form.reason.data.strip(),
                                                                  form.version.data), feedback)
    if status != 200:
        return _tree(project, status, feedback, {"return": form})
    flash(_("Logframe returned to the implementers."), "success")
    return redirect(url_for(".show", code=project.code))
