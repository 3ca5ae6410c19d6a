"""Figures every report shares: to-date actuals and targets, progress and status (pure)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from meapp.core.messages import N_
from meapp.core.progress import percent_met as progress_percent
from meapp.core.progress import to_date
from meapp.reports.inputs import IndicatorIn, ProjectIn

# Status of an indicator: its actual to date against its target to date.
ON_TRACK_FROM = Decimal(90)
AT_RISK_FROM = Decimal(70)
STATUS_LABELS = {
    "on_track": N_("On track"),
    "at_risk": N_("At risk"),
    "off_track": N_("Off track"),
    "no_data": N_("No data"),
}
STATUS_COLOURS = {"on_track": "C6EFCE", "at_risk": "FFEB9C", "off_track": "FFC7CE", "no_data": "EDEDED"}


@dataclass(frozen=True)
class Progress:
    period_target: Decimal | None  # the target of the last period
    period_actual: Decimal | None  # the approved total of the last period
    actual_to_date: Decimal | None
    target_to_date: Decimal | None
    percent_to_date: Decimal | None  # of the target to date
    percent_of_end: Decimal | None  # of the end-of-project target
    status: str


MAX_CHARTED = 4  # charts show at most this many key indicators
CHARTABLE = ("number", "percent", "currency")


def key_indicators(data: ProjectIn) -> list[IndicatorIn]:
    """The indicators every document puts first: those marked key, else the first few that have figures."""
    keys = [i for i in data.indicators if i.is_key and i.unit != "text"]
    return keys or [i for i in data.indicators if i.unit != "text"][:MAX_CHARTED]


def charted_indicators(data: ProjectIn) -> list[IndicatorIn]:
    """The key indicators a chart can draw (figures, not yes/no or text), at most MAX_CHARTED."""
    return [i for i in key_indicators(data) if i.unit in CHARTABLE][:MAX_CHARTED]


def demo_note(t) -> str:
    """The label every document of a demonstration project carries."""
    return t._("Demonstration data: the values in this report are synthetic, generated for demonstration; "
               "the targets quoted from the GFMD 2020 paper are real.")


def page_label(t) -> str:
    """'page {page} of {pages}' in the document's language; the writer puts the page fields in the braces."""
    return t._("page %(page)s of %(pages)s", page="{page}", pages="{pages}")


def running_header(t, *parts: str, demo: bool = False) -> str:
    """The line at the top of every page but the cover: what the document is, and whether its data is real."""
    return " · ".join([p for p in parts if p] + ([t._("Demonstration data")] if demo else []))


def status_note(t) -> str:
    """The status rule, stated once in every document that shows a status."""
    return t._("Status compares the actual to date with the target to date: on track from %(on)s, "
               "at risk from %(risk)s, off track below. Only approved values are counted.",
               on=t.percent(ON_TRACK_FROM, 0), risk=t.percent(AT_RISK_FROM, 0))


def status_of(percent: Decimal | None) -> str:
    if percent is None:
        return "no_data"
    if percent >= ON_TRACK_FROM:
        return "on_track"
    if percent >= AT_RISK_FROM:
        return "at_risk"
    return "off_track"


def series(data: ProjectIn, indicator: IndicatorIn, combination: str = "") -> list[Decimal | None]:
    """Approved totals per period of the report, None where nothing was approved."""
    return [data.values.get((indicator.id, p, combination)) for p in data.periods]


def cumulative(aggregation: str, values: list[Decimal | None]) -> list[Decimal | None]:
    """The to-date value after each period (None until the first value)."""
    out, seen = [], []
    for value in values:
        if value is not None:
            seen.append(value)
        out.append(to_date(aggregation, seen) if seen else None)
    return out


def target_to_date(data: ProjectIn, indicator: IndicatorIn, upto: int | None = None) -> Decimal | None:
    periods = data.periods if upto is None else data.periods[:upto + 1]
    targets = [data.targets[(indicator.id, p)] for p in periods if (indicator.id, p) in data.targets]
    if not targets:
        return None
    return sum(targets, Decimal(0)) if indicator.aggregation == "sum" else targets[-1]


def percent_met(indicator: IndicatorIn, actual: Decimal | None, target: Decimal | None) -> Decimal | None:
    """Progress of `actual` towards `target` for this indicator (core.progress.percent_met)."""
    return progress_percent(actual, target, indicator.baseline, indicator.direction, indicator.aggregation)


def nothing_to_meet(indicator: IndicatorIn, target: Decimal | None) -> bool:
    """A target of zero from a start of zero ("0 of 0"): nothing was planned, so no share of it is met.

    percent_met counts such a target as a milestone already reached (100) for the status; a table shows
    "n/a" instead of a share of nothing. A flow starts from zero; a stock or rate from its baseline.
    """
    if target is None or target != 0 or indicator.direction == "decrease":  # "down to zero" is something to meet
        return False
    return indicator.aggregation == "sum" or not indicator.baseline


def progress(data: ProjectIn, indicator: IndicatorIn) -> Progress:
    """Where an indicator stands at the report's last period."""
    values = series(data, indicator)
    actual = to_date(indicator.aggregation, [v for v in values if v is not None])
    target = target_to_date(data, indicator)
    last = data.periods[-1] if data.periods else None
    pct_to_date = percent_met(indicator, actual, target)
    return Progress(
        period_target=data.targets.get((indicator.id, last)),
        period_actual=data.values.get((indicator.id, last, "")),
        actual_to_date=actual,
        target_to_date=target,
        percent_to_date=pct_to_date,
        percent_of_end=percent_met(indicator, actual, indicator.target),
        status=status_of(pct_to_date) if indicator.unit != "text" else "no_data",
    )


def due_reports(data: ProjectIn, today) -> list:
    """The project's periods whose report was due before `today` (ReportingIn), over its whole life."""
    return [r for r in data.reporting if r.due_date and r.due_date < today]


def reporting_counts(data: ProjectIn, today) -> dict[str, int]:
    """Periods due so far (on the report's date), handed in, on time, approved, returned and missing."""
    due = due_reports(data, today)
    statuses = [r.status for r in due]
    return {
        "due": len(due),
        "received": sum(1 for s in statuses if s in ("submitted", "approved")),
        "approved": sum(1 for s in statuses if s == "approved"),
        "on_time": sum(1 for r in due if r.on_time and r.status in ("submitted", "approved")),
        "returned": sum(1 for s in statuses if s == "returned"),
        "missing": sum(1 for s in statuses if s in (None, "draft")),
    }


def outstanding(data: ProjectIn, today) -> list:
    """Reports not yet approved, oldest first: due ones not handed in, and those awaiting a decision."""
    return [r for r in data.reporting if r.status != "approved" and
            (r.status in ("submitted", "returned", "draft") or (r.due_date and r.due_date < today))]
