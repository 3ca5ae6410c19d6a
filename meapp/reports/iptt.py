"""The indicator performance tracking table (IPTT), built for one language (pure)."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from meapp.reports import metrics
from meapp.reports.i18n import Lang
from meapp.reports.inputs import ProjectIn
from meapp.reports.model import LEVEL_NAMES, UNIT_NAMES


@dataclass(frozen=True)
class IpttCell:
    target: Decimal | None
    actual: Decimal | None
    met: Decimal | None  # fraction (0.87 = 87 %) of the period's target


@dataclass(frozen=True)
class IpttRow:
    level: str
    code: str
    name: str
    unit: str
    is_percent: bool
    decimals: int
    baseline: Decimal | None
    lop_target: Decimal | None
    cells: tuple[IpttCell, ...]
    to_date: Decimal | None
    of_lop: Decimal | None  # fraction of the life-of-project target
    status: str
    status_label: str


@dataclass
class Iptt:
    lang: str
    title: str
    project_line: str
    notes: list[str]
    sheet_names: dict[str, str]
    fixed_headers: tuple[str, ...]
    period_labels: tuple[str, ...]
    sub_headers: tuple[str, str, str]
    end_headers: tuple[str, ...]
    rows: list[IpttRow]
    long_headers: tuple[str, ...]
    long_rows: list[tuple]
    chart_title: str
    chart_series: list[tuple[str, list[Decimal | None], list[Decimal | None]]]  # name, targets, actuals to date
    target_word: str
    actual_word: str
    status_legend: list[tuple[str, str]]


def _fraction(value: Decimal | None) -> Decimal | None:
    return None if value is None else value / 100


def build_iptt(data: ProjectIn, lang: str, today: dt.date) -> Iptt:
    """Targets and actuals per period for every indicator, plus a long table for pivots."""
    t = Lang(lang)
    levels = {lv.id: f"{t._(LEVEL_NAMES[lv.kind])} {lv.code}" for lv in data.levels}
    rows, long_rows = [], []
    by_cell = defaultdict(list)
    for (ind_id, period, combination), value in data.values.items():
        by_cell[(ind_id, period)].append((combination, value))
    for indicator in data.indicators:
        if indicator.unit == "text":
            continue
        values = metrics.series(data, indicator)
        cells = []
        for k, period in enumerate(data.periods):
            target = data.targets.get((indicator.id, period))
            actual = values[k]
            met = metrics.percent_met(indicator, actual, target)
            cells.append(IpttCell(target, actual, _fraction(met)))
        progress = metrics.progress(data, indicator)
        rows.append(IpttRow(
            level=levels.get(indicator.level_id, ""), code=indicator.code, name=t.pick(indicator.name_en,
                                                                                        indicator.name_fr),
            unit=t._(UNIT_NAMES[indicator.unit]), is_percent=indicator.unit == "percent",
            decimals=indicator.decimals, baseline=indicator.baseline, lop_target=indicator.target,
            cells=tuple(cells), to_date=progress.actual_to_date, of_lop=_fraction(progress.percent_of_end),
            status=progress.status, status_label=t._(metrics.STATUS_LABELS[progress.status])))
        names = {d.key: d for d in indicator.disaggregations}
        running = metrics.cumulative(indicator.aggregation, values)
        for k, period in enumerate(data.periods):
            cumulative = running[k]
            pct = metrics.percent_met(indicator, cumulative, metrics.target_to_date(data, indicator, k))
            status = t._(metrics.STATUS_LABELS[metrics.status_of(pct)])
            for combination, value in by_cell.get((indicator.id, period), ()):
                label = ""
                if combination:
                    key, category = combination.split("=", 1)
                    dis = names.get(key)
                    cat = next((c for c in dis.categories if c.key == category), None) if dis else None
                    dim = t.pick(dis.name_en, dis.name_fr) if dis else key
                    label = t._("%(label)s: %(value)s", label=dim, value=(
                        t.country(category) if key.endswith("_country") else
                        t.pick(cat.name_en, cat.name_fr) if cat else category))
                long_rows.append((data.code, levels.get(indicator.level_id, ""), indicator.code,
                                  t.pick(indicator.name_en, indicator.name_fr), t.period(period), period, label,
                                  value, status))
    long_rows.sort(key=lambda r: (r[2], r[5], r[6]))
    keys = metrics.charted_indicators(data)
    chart_series = [(t.pick(i.name_en, i.name_fr),
                     [metrics.target_to_date(data, i, k) for k in range(len(data.periods))],
                     metrics.cumulative(i.aggregation, metrics.series(data, i))) for i in keys]
    return Iptt(
        lang=lang,
        title=t._("Indicator performance tracking table"),
        project_line=f"{data.code} — {t.pick(data.title_en, data.title_fr)}",
        notes=[n for n in (
            metrics.demo_note(t) if data.is_demo else "",
            metrics.status_note(t),
            t._("Generated by meapp on %(date)s", date=t.date(today))) if n],
        sheet_names={"iptt": t._("IPTT"), "data": t._("Data"), "chart": t._("Chart")},
        fixed_headers=(t._("Level"), t._("Code"), t._("Indicator"), t._("Unit"), t._("Baseline"),
                       t._("Life-of-project target")),
        period_labels=tuple(t.period(p) for p in data.periods),
        sub_headers=(t._("Target"), t._("Actual"), t._("Met")),
        end_headers=(t._("Actual to date"), t._("Share of end target"), t._("Status")),
        rows=rows,
        long_headers=(t._("Project"), t._("Level"), t._("Code"), t._("Indicator"), t._("Period"), t._("Period code"),
                      t._("Category"), t._("Value"), t._("Status")),
        long_rows=long_rows,
        chart_title=t._("Targets and actuals to date"),
        chart_series=chart_series,
        target_word=t._("Target to date"),
        actual_word=t._("Actual to date"),
        status_legend=[(key, t._(label)) for key, label in metrics.STATUS_LABELS.items()],
    )
