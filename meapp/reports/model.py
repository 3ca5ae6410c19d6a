"""The project progress report, built for one language from plain inputs (pure: no Flask, no database)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from meapp.core.messages import N_
from meapp.core.progress import to_date
from meapp.reports import metrics
from meapp.reports.i18n import Lang
from meapp.reports.inputs import IndicatorIn, ProjectIn
from meapp.validation import messages

LEVEL_NAMES = {"impact": N_("Impact"), "outcome": N_("Outcome"), "output": N_("Output"), "activity": N_("Activity")}
UNIT_NAMES = {"number": N_("Number"), "percent": N_("Percent"), "currency": N_("Currency"), "yes_no": N_("Yes/no"),
              "text": N_("Text")}
BREAKDOWNS = ("sex", "skill_level", "origin_country", "destination_country")


@dataclass(frozen=True)
class ResultRow:
    code: str
    name: str
    unit: str
    baseline: str
    end_target: str
    period_target: str
    period_actual: str
    to_date: str
    percent_of_end: str
    status: str  # key: on_track | at_risk | off_track | no_data
    status_label: str
    raw_end: Decimal | None = None  # numbers for spreadsheets
    raw_to_date: Decimal | None = None
    raw_of_end: Decimal | None = None  # fraction
    decimals: int = 0
    is_percent: bool = False
    target_to_date: str = "—"  # what the status compares the actual to date with


@dataclass(frozen=True)
class Section:
    heading: str
    rows: tuple[ResultRow, ...]


@dataclass(frozen=True)
class Breakdown:
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class ChartSeries:
    """One charted key indicator: its figures per period and to date, labelled for a native chart."""
    label: str  # the indicator, the chart's title
    periods: tuple[str, ...]
    targets: tuple[float | None, ...]  # per period
    actuals: tuple[float | None, ...]
    targets_to_date: tuple[float | None, ...]  # after each period
    actuals_to_date: tuple[float | None, ...]
    unit: str  # the unit as the axis titles name it ("number", "%")
    decimals: int
    is_percent: bool
    number_format: str  # an Excel number format in the document's language, for the figures
    axis_decimals: int  # the value axes' labels: whole numbers unless the figures are small
    axis_number_format: str
    axis_title: str  # the left axis: per period (and to date when they share it)
    to_date_axis_title: str  # the right axis; "" when there is none
    # Where the to-date lines go: "right", an axis of their own (flows add up, to-date dwarfs a period);
    # "left", the per-period axis (maximum, average: same scale); "" not drawn (latest: the same figures).
    to_date_axis: str
    alt_text: str


@dataclass(frozen=True)
class Chart:
    note: str  # how to read the charts, said once above them
    target_label: str  # per period (columns)
    actual_label: str
    target_to_date_label: str  # to date (lines)
    actual_to_date_label: str
    series: tuple[ChartSeries, ...]


@dataclass
class ProgressReport:
    lang: str
    title: str
    project_code: str
    project_title: str
    period_range: str
    cover: list[tuple[str, str]]
    demo_note: str
    generated: str
    headings: dict[str, str]
    summary: str
    key_figures: list[tuple[str, str]]
    thresholds: str
    table_headers: tuple[str, ...]
    sections: list[Section]
    breakdowns: list[Breakdown]
    chart: Chart | None
    narratives: list[tuple[str, str]]
    quality_headers: tuple[str, ...]
    quality: list[tuple[str, str, str, str]]
    empty: dict[str, str] = field(default_factory=dict)
    running_header: str = ""
    page_label: str = ""


def _fmt(t: Lang, value: Decimal | None, indicator: IndicatorIn) -> str:
    if value is None:
        return "—"
    if indicator.unit == "yes_no":
        return t._("yes") if value >= 1 else t._("no")
    if indicator.unit == "percent":
        return t.percent(value, indicator.decimals)
    return t.number(value, indicator.decimals)


def _lower_first(text: str) -> str:
    """'Skill level (ISCED 2011)' → 'skill level (ISCED 2011)': mid-sentence, acronyms kept."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def _share(t: Lang, percent: Decimal | None, indicator: IndicatorIn, target: Decimal | None) -> str:
    """How far towards a target: a percentage, "reached"/"not reached" for yes/no, "n/a" with nothing to reach."""
    if target is None or percent is None:
        return t._("n/a")
    if indicator.unit == "yes_no":
        return t._("reached") if percent >= 100 else t._("not reached")
    return t.percent(percent)


def _end_target(t: Lang, indicator: IndicatorIn) -> str:
    """The end target, and when the targets were revised: the reader sees they are not those first agreed."""
    target = _fmt(t, indicator.target, indicator)
    if indicator.target_revised is None:
        return target
    return t._("%(target)s (revised on %(date)s)", target=target, date=t.date(indicator.target_revised))


def indicator_name(t: Lang, indicator: IndicatorIn) -> str:
    """The indicator's name, and the day it was retired: its figures stop there, by decision, not by neglect."""
    name = t.pick(indicator.name_en, indicator.name_fr)
    if indicator.retired is None:
        return name
    return t._("%(name)s (retired on %(date)s)", name=name, date=t.date(indicator.retired))


def result_row(t: Lang, data: ProjectIn, indicator: IndicatorIn) -> ResultRow:
    p = metrics.progress(data, indicator)
    return ResultRow(
        code=indicator.code, name=indicator_name(t, indicator), unit=t._(UNIT_NAMES[indicator.unit]),
        baseline=_fmt(t, indicator.baseline, indicator), end_target=_end_target(t, indicator),
        period_target=_fmt(t, p.period_target, indicator), period_actual=_fmt(t, p.period_actual, indicator),
        to_date=_fmt(t, p.actual_to_date, indicator), percent_of_end=_share(t, p.percent_of_end, indicator,
                                                                            indicator.target),
        target_to_date=_fmt(t, p.target_to_date, indicator),
        status=p.status, status_label=t._(metrics.STATUS_LABELS[p.status]),
        raw_end=indicator.target, raw_to_date=p.actual_to_date,
        raw_of_end=None if p.percent_of_end is None else p.percent_of_end / 100,
        decimals=indicator.decimals, is_percent=indicator.unit == "percent",
    )


def _sections(t: Lang, data: ProjectIn) -> list[Section]:
    by_level: dict[int, list[IndicatorIn]] = {}
    for indicator in data.indicators:
        by_level.setdefault(indicator.level_id, []).append(indicator)
    children: dict[int | None, list] = {}
    for level in data.levels:
        children.setdefault(level.parent_id, []).append(level)
    ordered = []

    def walk(parent):
        for level in children.get(parent, []):
            ordered.append(level)
            walk(level.id)

    walk(None)
    return [Section(f"{t._(LEVEL_NAMES[lv.kind])} {lv.code} — {t.pick(lv.statement_en, lv.statement_fr)}",
                    tuple(result_row(t, data, i) for i in by_level.get(lv.id, [])))
            for lv in ordered]


def _breakdowns(t: Lang, data: ProjectIn) -> list[Breakdown]:
    out = []
    for indicator in metrics.key_indicators(data):
        total = metrics.progress(data, indicator).actual_to_date
        for dis in indicator.disaggregations:
            if dis.key not in BREAKDOWNS:
                continue
            rows = []
            for category in dis.categories:
                values = [v for v in metrics.series(data, indicator, f"{dis.key}={category.key}") if v is not None]
                if not values:
                    continue
                value = to_date(indicator.aggregation, values)
                name = t.country(category.key) if dis.key.endswith("_country") else \
                    t.pick(category.name_en, category.name_fr)
                share = (value / total * 100) if value is not None and total else None
                rows.append((name, _fmt(t, value, indicator), t.percent(share)))
            if rows:
                out.append(Breakdown(
                    t._("%(indicator)s by %(dimension)s", indicator=t.pick(indicator.name_en, indicator.name_fr),
                        dimension=_lower_first(t.pick(dis.name_en, dis.name_fr))),
                    (t.pick(dis.name_en, dis.name_fr), t._("To date"), t._("Share")), tuple(rows)))
    return out


def _number_format(t: Lang, decimals: int, is_percent: bool, largest: float) -> str:
    """An Excel number format that writes figures as the document's language does. Format codes are
    language-neutral (',' groups, '.' marks decimals, both shown as the reader's system writes them): French
    groups with a literal no-break space; the language tag makes LibreOffice (and French systems) write the
    decimal comma, while Word on an English system still writes a decimal point."""
    if t.code == "fr":
        # millions need a second group: "# ##0" alone shows 1234567 as "1234 567" (an axis runs ~25 % past the data)
        code = "[$-40C]" + ("#\u00a0###\u00a0##0" if largest >= 800_000 else "#\u00a0##0")
    else:
        code = "[$-809]#,##0"
    code += "." + "0" * decimals if decimals > 0 else ""
    if is_percent:  # values are percentages already: a literal sign, not Excel's %, which multiplies by 100
        code += '"\u00a0%"' if t.code == "fr" else '"%"'
    return code


def _floats(values) -> tuple[float | None, ...]:
    return tuple(None if v is None else float(v) for v in values)


def _chart(t: Lang, data: ProjectIn) -> Chart | None:
    charted = metrics.charted_indicators(data)
    if not charted or not data.periods:
        return None
    labels = tuple(t.period(p) for p in data.periods)
    series = []
    for indicator in charted:
        name = t.pick(indicator.name_en, indicator.name_fr)
        actuals = metrics.series(data, indicator)
        targets = [data.targets.get((indicator.id, p)) for p in data.periods]
        actuals_to_date = metrics.cumulative(indicator.aggregation, actuals)
        targets_to_date = [metrics.target_to_date(data, indicator, k) for k in range(len(data.periods))]
        is_percent = indicator.unit == "percent"
        unit = "%" if is_percent else t._(UNIT_NAMES[indicator.unit]).lower()
        to_date_axis = {"sum": "right", "latest": ""}.get(indicator.aggregation, "left")
        drawn = [v for v in (*actuals, *targets, *actuals_to_date, *targets_to_date) if v is not None]
        largest = float(max((abs(v) for v in drawn), default=0))
        per_period = [abs(v) for v in (*actuals, *targets) if v is not None]
        axis_decimals = 0 if max(per_period, default=0) >= 6 else indicator.decimals
        p = metrics.progress(data, indicator)
        figures = {"indicator": name, "first": labels[0], "last": labels[-1], "period": labels[-1],
                   "actual": _fmt(t, p.actual_to_date, indicator), "target": _fmt(t, p.target_to_date, indicator)}
        if to_date_axis:
            alt = t._("Chart of %(indicator)s, %(first)s to %(last)s: target and actual per period (columns) and "
                      "to date (lines). By %(period)s: %(actual)s against a target of %(target)s to date.", **figures)
        else:
            alt = t._("Chart of %(indicator)s, %(first)s to %(last)s: target and actual per period (columns). "
                      "Latest value by %(period)s: %(actual)s against a target of %(target)s.", **figures)
        series.append(ChartSeries(
            label=name, periods=labels, targets=_floats(targets), actuals=_floats(actuals),
            targets_to_date=_floats(targets_to_date), actuals_to_date=_floats(actuals_to_date),
            unit=unit, decimals=indicator.decimals, is_percent=is_percent,
            number_format=_number_format(t, indicator.decimals, is_percent, largest),
            axis_decimals=axis_decimals, axis_number_format=_number_format(t, axis_decimals, is_percent, largest),
            axis_title=(t._("Per period (%(unit)s)", unit=unit) if to_date_axis != "left" else
                        t._("Per period and to date (%(unit)s)", unit=unit)),
            to_date_axis_title=t._("To date (%(unit)s)", unit=unit) if to_date_axis == "right" else "",
            to_date_axis=to_date_axis, alt_text=alt))
    return Chart(t._("Columns: target and actual of each period. Lines: target and actual to date, on the "
                     "right-hand axis for indicators that add up over the periods."), t._("Target per period"),
                 t._("Actual per period"), t._("Target to date"), t._("Actual to date"), tuple(series))


def _quality(t: Lang, data: ProjectIn) -> list[tuple[str, str, str, str]]:
    names = {}
    for indicator in data.indicators:
        for dis in indicator.disaggregations:
            names[dis.key] = t.pick(dis.name_en, dis.name_fr)
    return [(t.period(j.period), j.indicator,
             messages.render(j.code, j.params, t.code, t._, lambda v: t.number(v), t.period, names, date=t.date),
             j.justification)
            for j in data.justified]


def _key_figure(t: Lang, indicator: IndicatorIn, p) -> str:
    """"42 of 80 (52.5%)"; a yes/no answer reads as one ("yes, as planned"); no target, no percentage."""
    actual = _fmt(t, p.actual_to_date, indicator)
    if indicator.unit == "yes_no":
        if indicator.target is None or p.actual_to_date is None:
            return actual
        return t._("%(actual)s (target: %(target)s)", actual=actual, target=_fmt(t, indicator.target, indicator))
    if indicator.target is None or p.percent_of_end is None:
        return actual
    return t._("%(actual)s of %(target)s (%(percent)s)", actual=actual, target=_fmt(t, indicator.target, indicator),
               percent=t.percent(p.percent_of_end))


def build_progress_report(data: ProjectIn, lang: str, today: dt.date) -> ProgressReport:
    """Everything the progress report says, in one language, every figure computed."""
    t = Lang(lang)
    first, last = (data.periods[0], data.periods[-1]) if data.periods else ("", "")
    counts = metrics.reporting_counts(data, today)
    keys = metrics.key_indicators(data)
    key_figures = []
    for indicator in keys:
        p = metrics.progress(data, indicator)
        key_figures.append((indicator_name(t, indicator), _key_figure(t, indicator, p)))
    key_figures.append((t._("Reports approved"), t._("%(approved)s of %(due)s periods due",
                                                     approved=counts["approved"], due=counts["due"])))
    return ProgressReport(
        lang=lang,
        title=t._("Project progress report"),
        project_code=data.code,
        project_title=t.pick(data.title_en, data.title_fr),
        period_range=t._("%(first)s to %(last)s", first=t.period(first), last=t.period(last)) if first else "",
        cover=[
            (t._("Project"), f"{data.code} — {t.pick(data.title_en, data.title_fr)}"),
            (t._("Reporting period"), t._("%(first)s to %(last)s", first=t.period(first), last=t.period(last))
             if first else "—"),
            (t._("Countries of origin"), ", ".join(t.country(c) for c in data.origin) or "—"),
            (t._("Countries of destination"), ", ".join(t.country(c) for c in data.destination) or "—"),
            (t._("Lead organisation"), data.organisation(data.lead, t.code) if data.lead else "—"),
            (t._("Funders"), "; ".join(data.organisation(f, t.code) for f in data.funders) or "—"),
            (t._("Language"), {"en": "English", "fr": "Français"}[lang]),
            (t._("Generated on"), t.date(today)),
        ],
        demo_note=metrics.demo_note(t) if data.is_demo else "",
        generated=t._("Generated by meapp on %(date)s", date=t.date(today)),
        headings={
            "summary": t._("Summary"), "key": t._("Key figures"), "results": t._("Results by logframe level"),
            "breakdowns": t._("Disaggregations"), "chart": t._("Targets and actuals"),
            "narratives": t._("Narratives"), "quality": t._("Data-quality annex"), "contents": t._("Contents"),
        },
        summary=t.pick(data.summary_en, data.summary_fr),
        key_figures=key_figures,
        thresholds=metrics.status_note(t),
        table_headers=(t._("Indicator"), t._("Baseline"), t._("End target"),
                       t._("Target %(period)s", period=t.period(last)), t._("Actual %(period)s", period=t.period(last)),
                       t._("Target to date"), t._("Actual to date"), t._("Share of end target"), t._("Status")),
        sections=_sections(t, data),
        breakdowns=_breakdowns(t, data),
        chart=_chart(t, data),
        narratives=[(t.period(n.period), t.pick(n.en, n.fr)) for n in data.narratives],
        running_header=metrics.running_header(
            t, data.code, t._("Project progress report"),
            t._("%(first)s to %(last)s", first=t.period(first), last=t.period(last)) if first else "",
            demo=data.is_demo),
        page_label=metrics.page_label(t),
        quality_headers=(t._("Period"), t._("Indicator"), t._("Warning"), t._("Justification")),
        quality=_quality(t, data),
        empty={"narratives": t._("No approved narrative for these periods."),
               "quality": t._("No warning had to be justified in the approved reports."),
               "breakdowns": t._("No disaggregated value has been approved yet.")},
    )
