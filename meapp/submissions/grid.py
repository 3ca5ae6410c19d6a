"""The data-entry grid of one project × period: rows per indicator, cells per category, with context."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from meapp.core.periods import Period
from meapp.projects.models import Project
from meapp.submissions import queries
from meapp.submissions.models import Finding, Submission
from meapp.validation.checks import concerned
from meapp.validation.findings import finding_key as validation_finding_key


@dataclass
class Cell:
    indicator: str
    combination: str  # "" for the total
    label_type: object | None  # DisaggregationType or None
    category: object | None  # DisaggregationCategory or None (countries: a code)
    value: str  # what to show in the input (stored value, or text kept as typed)
    comment: str = ""
    original: str = ""  # the stored value: what "unchanged" means when the form comes back
    findings: list[Finding] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"v|{self.indicator}|{self.combination}"

    @property
    def has_error(self) -> bool:
        return any(f.severity.value == "error" for f in self.findings)


@dataclass
class Row:
    indicator: object
    total: Cell
    groups: list[tuple[object, list[Cell]]]  # (DisaggregationType, cells)
    target: Decimal | None
    previous: Decimal | None
    previous_period: str | None
    findings: list[Finding]
    # The day the indicator was retired, when it is (still reported for this period if the row is in a block).
    retired_on: dt.date | None = None


@dataclass
class LevelBlock:
    level: object
    rows: list[Row]


@dataclass
class Grid:
    project: Project
    period: str
    submission: Submission | None
    blocks: list[LevelBlock]
    general_findings: list[Finding]
    error_count: int
    warning_count: int
    unjustified: list[Finding]
    warnings: list[Finding] = field(default_factory=list)
    values_hidden: bool = False
    # Indicators retired for this period (submissions.queries.retired_for): shown apart, read-only, with what
    # was stored for them before, never asked for.
    retired: list[Row] = field(default_factory=list)

    @property
    def version(self) -> int | None:
        return self.submission.version if self.submission else None


def _show(value, lang: str = "en") -> str:
    """A stored value as it is typed in the reader's language (no grouping: 1234,5 in French)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text.replace(".", ",") if lang == "fr" else text
    return str(value)


def build(project: Project, period: str, typed: dict[tuple[str, str], str] | None = None,
          hide_drafts: bool = False, lang: str = "en") -> Grid:
    """The grid; `typed` overrides stored values (a form re-shown after an error keeps what was typed).

    With hide_drafts (donors), a submission still in the implementer's hands shows no values or findings.
    """
    submission = queries.find_submission(project, period)
    hidden = hide_drafts and submission is not None and submission.is_editable
    indicators = queries.indicators_of(project)
    retired = queries.retired_in(submission, indicators)
    retired_codes = {i.code for i in indicators if i.id in retired}
    targets = queries.period_targets(project, period)
    past = queries.history(project, period, shared_only=hide_drafts)
    stored = {} if hidden else queries.stored_raw_values(submission, indicators)
    # Findings stored before an indicator was retired for this period no longer apply (the next save or
    # submission judges the report without it).
    findings = [f for f in (submission.findings if submission and not hidden else [])
                if not concerned(f.code, f.indicator_code, f.params) & retired_codes]
    by_cell: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    general = []
    known = {i.code for i in indicators}
    for f in findings:
        (by_cell[(f.indicator_code, f.combination)] if f.indicator_code in known else general).append(f)
    typed = typed or {}

    def cell(code, combination, dtype=None, category=None) -> Cell:
        raw = stored.get((code, combination))
        original = _show(raw.value if raw else None, lang)
        value = typed.get((code, combination), original)
        return Cell(code, combination, dtype, category, value, comment=raw.comment if raw else "",
                    original=original, findings=by_cell.get((code, combination), []))

    rows_by_level: dict[int, list[Row]] = defaultdict(list)
    levels = {}
    apart: list[Row] = []
    for ind in indicators:
        groups = []
        mismatched = {(f.params or {}).get("disaggregation") for f in by_cell.get((ind.code, ""), [])
                      if f.code == "disaggregation_sum_mismatch"}
        for dtype in ind.disaggregation_types:
            keys = queries.category_keys(project, dtype)
            categories = {c.key: c for c in dtype.categories}
            cells = [cell(ind.code, f"{dtype.key}={k}", dtype, categories.get(k, k)) for k in keys]
            if dtype.key in mismatched:  # the parts that do not add up are marked too, not only the total
                for part in cells:
                    part.findings = part.findings + [f for f in by_cell[(ind.code, "")]
                                                     if f.code == "disaggregation_sum_mismatch"]
            groups.append((dtype, cells))
        history = past.get(ind.id, [])
        previous_period, previous = history[-1] if history else (None, None)
        row_findings = [f for (code, _), fs in by_cell.items() if code == ind.code for f in fs]
        row = Row(ind, cell(ind.code, ""), groups, targets.get(ind.id), previous, previous_period, row_findings,
                  retired_on=ind.retired_at.date() if ind.retired_at else None)
        if ind.id in retired:
            apart.append(row)
            continue
        rows_by_level[ind.result_level_id].append(row)
        levels[ind.result_level_id] = ind.result_level
    blocks = [LevelBlock(levels[level_id], rows) for level_id, rows in rows_by_level.items()]
    errors = sum(1 for f in findings if f.severity.value == "error")
    warnings = [f for f in findings if f.severity.value == "warning"]
    return Grid(project, period, submission, blocks, general, errors, len(warnings),
                [f for f in warnings if not f.justification], warnings, hidden, apart)


def finding_key(row: Finding) -> str:
    """The key the service matches justifications by (same as the engine's Finding.key)."""
    return validation_finding_key(row.code, row.indicator_code, row.combination, row.params)


def parse_period_or_none(code: str) -> str | None:
    try:
        return Period.parse(code).code
    except ValueError:
        return None
