"""The project progress report, built for one language from plain inputs (pure: no Flask, no database)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from meapp.core.progress import to_date
from meapp.reports import metrics
from meapp.reports.i18n import N_, Lang
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
    label: str
    periods: tuple[str, ...]
    targets: tuple[float | None, ...]
    actuals: tuple[float | None, ...]


@dataclass(frozen=True)
class Chart:
    title: str
    alt_text: str
    target_label: str
    actual_label: str
    series: tuple[ChartSeries, ...]
    group_symbol: str = ","  # the language's thousands separator, for the axis labels


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


def _unit_suffix(indicator: IndicatorIn) -> str:
    return "\u00a0%" if indicator.unit == "percent" else ""


def _fmt(t: Lang, value: Decimal | None, indicator: IndicatorIn) -> str:
    if value is None:
        return "—"
    if indicator.unit == "yes_no":
        return t._("yes") if value >= 1 else t._("no")
    return t.number(value, indicator.decimals) + _unit_suffix(indicator)


def result_row(t: Lang, data: ProjectIn, indicator: IndicatorIn) -> ResultRow:
    p = metrics.progress(data, indicator)
    return ResultRow(
        code=indicator.code, name=t.pick(indicator.name_en, indicator.name_fr), unit=t._(UNIT_NAMES[indicator.unit]),
        baseline=_fmt(t, indicator.baseline, indicator), end_target=_fmt(t, indicator.target, indicator),
        period_target=_fmt(t, p.period_target, indicator), period_actual=_fmt(t, p.period_actual, indicator),
        to_date=_fmt(t, p.actual_to_date, indicator), percent_of_end=t.percent(p.percent_of_end),
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
                        dimension=t.pick(dis.name_en, dis.name_fr).lower()),
                    (t.pick(dis.name_en, dis.name_fr), t._("To date"), t._("Share")), tuple(rows)))
    return out


def _chart(t: Lang, data: ProjectIn) -> Chart | None:
    charted = metrics.charted_indicators(data)
    if not charted or not data.periods:
        return None
    labels = tuple(t.period(p) for p in data.periods)
    series = []
    for indicator in charted:
        actuals = metrics.cumulative(indicator.aggregation, metrics.series(data, indicator))
        targets = [metrics.target_to_date(data, indicator, k) for k in range(len(data.periods))]
        series.append(ChartSeries(t.pick(indicator.name_en, indicator.name_fr), labels,
                                  tuple(None if v is None else float(v) for v in targets),
                                  tuple(None if v is None else float(v) for v in actuals)))
    described = "; ".join(
        t._("%(indicator)s: %(actual)s against a target of %(target)s by %(period)s",
            indicator=s.label, actual=t.number(next((a for a in reversed(s.actuals) if a is not None), 0), None),
            target=t.number(next((v for v in reversed(s.targets) if v is not None), 0), None), period=labels[-1])
        for s in series)
    return Chart(t._("Targets and actuals to date"),
                 t._("Chart of targets and actuals to date per period. %(details)s.", details=described),
                 t._("Target to date"), t._("Actual to date"), tuple(series),
                 t.locale.number_symbols["latn"]["group"])


def _quality(t: Lang, data: ProjectIn) -> list[tuple[str, str, str, str]]:
    names = {}
    for indicator in data.indicators:
        for dis in indicator.disaggregations:
            names[dis.key] = t.pick(dis.name_en, dis.name_fr)
    return [(t.period(j.period), j.indicator,
             messages.render(j.code, j.params, t.code, t._, lambda v: t.number(v), t.period, names), j.justification)
            for j in data.justified]


def build_progress_report(data: ProjectIn, lang: str, today: dt.date) -> ProgressReport:
    """Everything the progress report says, in one language, every figure computed."""
    t = Lang(lang)
    first, last = (data.periods[0], data.periods[-1]) if data.periods else ("", "")
    counts = metrics.reporting_counts(data, today)
    keys = metrics.key_indicators(data)
    key_figures = []
    for indicator in keys:
        p = metrics.progress(data, indicator)
        key_figures.append((t.pick(indicator.name_en, indicator.name_fr),
                            t._("%(actual)s of %(target)s (%(percent)s)", actual=_fmt(t, p.actual_to_date, indicator),
                                target=_fmt(t, indicator.target, indicator), percent=t.percent(p.percent_of_end))))
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
            (t._("Lead organisation"), data.lead or "—"),
            (t._("Funders"), "; ".join(data.funders) or "—"),
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
                       t._("Actual to date"), t._("Share of end target"), t._("Status")),
        sections=_sections(t, data),
        breakdowns=_breakdowns(t, data),
        chart=_chart(t, data),
        narratives=[(t.period(n.period), t.pick(n.en, n.fr)) for n in data.narratives],
        quality_headers=(t._("Period"), t._("Indicator"), t._("Warning"), t._("Justification")),
        quality=_quality(t, data),
        empty={"narratives": t._("No approved narrative for these periods."),
               "quality": t._("No warning had to be justified in the approved reports."),
               "breakdowns": t._("No disaggregated value has been approved yet.")},
    )
