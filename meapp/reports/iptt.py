"""The indicator performance tracking table (IPTT), built for one language (pure).

What the workbook shows is decided here, once: percentages (shares met and the values of percentage
indicators) are fractions, which the renderer gives a percentage format so that formulas compute with
them; yes/no indicators read as words; a share of a target of zero is "n/a", not 100 %.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from meapp.core.messages import N_
from meapp.core.progress import to_date
from meapp.reports import metrics
from meapp.reports.i18n import Lang
from meapp.reports.inputs import IndicatorIn, ProjectIn
from meapp.reports.model import LEVEL_NAMES, UNIT_NAMES, indicator_name

DIRECTION_NAMES = {"increase": N_("Increase"), "decrease": N_("Decrease")}
AGGREGATION_NAMES = {"sum": N_("Sum of periods"), "latest": N_("Latest value"), "max": N_("Maximum"),
                     "average": N_("Average")}

# What each value column of the IPTT sheet holds, after the text columns (level, code, indicator, unit):
# "figure" in the indicator's unit (its decimals, percentages as fractions), "share" a fraction met.
FIGURE, SHARE, STATUS, TEXT, WRAP = "figure", "share", "status", "text", "wrap"

Shown = Decimal | str | None  # a number in the sheet's units, or a word (yes/no, n/a)


@dataclass(frozen=True)
class IpttCell:
    target: Decimal | None
    actual: Decimal | None
    met: Decimal | None  # fraction (0.87 = 87 %) of the period's target
    shown: tuple[Shown, Shown, Shown] = (None, None, None)  # target, actual, met as the sheet shows them


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
    to_date: Decimal | None  # in the indicator's unit (a percentage indicator's 87.5, not 0.875)
    of_lop: Decimal | None  # fraction of the life-of-project target
    status: str
    status_label: str
    is_yes_no: bool = False
    target_to_date: Decimal | None = None  # what the status compares the actual to date with
    share_to_date: Decimal | None = None  # fraction of the target to date
    # The row as the sheet shows it, one value per Iptt.value_kinds: baseline, end target, (target, actual,
    # met) per period, target to date, actual to date, share of it, status, share of the end target.
    shown: tuple[Shown, ...] = ()


@dataclass(frozen=True)
class IpttSeries:
    """One charted indicator: targets and actuals to date, in the sheet's units."""
    name: str
    targets: tuple[Decimal | None, ...]
    actuals: tuple[Decimal | None, ...]
    decimals: int
    is_percent: bool


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
    chart_series: list[IpttSeries]
    target_word: str
    actual_word: str
    status_legend: list[tuple[str, str]]
    value_kinds: tuple[str, ...] = ()  # per value column of the IPTT sheet (FIGURE, SHARE, STATUS)
    long_kinds: tuple[str, ...] = ()  # per column of the long sheet (TEXT, WRAP, FIGURE, SHARE, STATUS)
    # Indicator code → (decimals, unit): how the long sheet formats a row's figures. Yes/no figures there
    # are 1 and 0 with a format that shows the words, so that pivot tables can count them.
    figure_formats: dict[str, tuple[int, str]] | None = None
    yes_word: str = "yes"
    no_word: str = "no"
    na_word: str = "n/a"
    demo_label: str = ""  # "Demonstration data" in every page header of a demonstration project
    page_label: str = "&P / &N"  # the footer's page number, with Excel's codes for the page and page count


def _yes_no(t: Lang, value: Decimal | None) -> str | None:
    return None if value is None else t._("yes") if value >= 1 else t._("no")


def _figure(t: Lang, indicator: IndicatorIn, value: Decimal | None) -> Shown:
    """A value as the IPTT sheet shows it: a word for yes/no, a fraction for a percentage indicator."""
    if value is None:
        return None
    if indicator.unit == "yes_no":
        return _yes_no(t, value)
    if indicator.unit == "percent":
        return value / 100
    return value


def _sheet_units(indicator: IndicatorIn, value: Decimal | None) -> Decimal | None:
    """A value as the long sheet stores it: a fraction for a percentage indicator, else as it is (yes/no 1/0)."""
    if value is None or indicator.unit != "percent":
        return value
    return value / 100


def _share(t: Lang, indicator: IndicatorIn, actual: Decimal | None, target: Decimal | None) -> Shown:
    """How far `actual` is towards `target`: a fraction, "yes"/"no" for a yes/no, "n/a" for 0 of 0, else blank."""
    if actual is None or target is None:
        return None
    if metrics.nothing_to_meet(indicator, target):
        return t._("n/a")
    percent = metrics.percent_met(indicator, actual, target)
    if percent is None:
        return None
    if indicator.unit == "yes_no":
        return t._("yes") if percent >= 100 else t._("no")
    return percent / 100


def _fraction(value: Decimal | None) -> Decimal | None:
    return None if value is None else value / 100


def _category_label(t: Lang, indicator: IndicatorIn, combination: str) -> str:
    if not combination:
        return ""
    names = {d.key: d for d in indicator.disaggregations}
    key, category = combination.split("=", 1)
    dis = names.get(key)
    cat = next((c for c in dis.categories if c.key == category), None) if dis else None
    dim = t.pick(dis.name_en, dis.name_fr) if dis else key
    return t._("%(label)s: %(value)s", label=dim, value=(
        t.country(category) if key.endswith("_country") else t.pick(cat.name_en, cat.name_fr) if cat else category))


def build_iptt(data: ProjectIn, lang: str, today: dt.date) -> Iptt:
    """Targets and actuals per period for every indicator, plus a long table for pivots."""
    t = Lang(lang)
    levels = {lv.id: f"{t._(LEVEL_NAMES[lv.kind])} {lv.code}" for lv in data.levels}
    rows, long_rows = [], []
    by_cell = defaultdict(list)
    for (ind_id, period, combination), value in data.values.items():
        by_cell[(ind_id, period)].append((combination, value))
    figure_formats = {}
    for indicator in data.indicators:
        if indicator.unit == "text":
            continue
        figure_formats[indicator.code] = (indicator.decimals, indicator.unit)
        values = metrics.series(data, indicator)
        cells = []
        for k, period in enumerate(data.periods):
            target = data.targets.get((indicator.id, period))
            actual = values[k]
            met = metrics.percent_met(indicator, actual, target)
            cells.append(IpttCell(target, actual, _fraction(met), (
                _figure(t, indicator, target), _figure(t, indicator, actual), _share(t, indicator, actual, target))))
        progress = metrics.progress(data, indicator)
        share_to_date = _share(t, indicator, progress.actual_to_date, progress.target_to_date)
        status_label = t._(metrics.STATUS_LABELS[progress.status])
        rows.append(IpttRow(
            level=levels.get(indicator.level_id, ""), code=indicator.code,
            name=indicator_name(t, indicator),
            unit=t._(UNIT_NAMES[indicator.unit]), is_percent=indicator.unit == "percent",
            decimals=indicator.decimals, baseline=indicator.baseline, lop_target=indicator.target,
            cells=tuple(cells), to_date=progress.actual_to_date, of_lop=_fraction(progress.percent_of_end),
            status=progress.status, status_label=status_label, is_yes_no=indicator.unit == "yes_no",
            target_to_date=progress.target_to_date,
            share_to_date=share_to_date if isinstance(share_to_date, Decimal) else None,
            shown=(_figure(t, indicator, indicator.baseline), _figure(t, indicator, indicator.target),
                   *(v for cell in cells for v in cell.shown),
                   _figure(t, indicator, progress.target_to_date), _figure(t, indicator, progress.actual_to_date),
                   share_to_date, status_label,
                   _share(t, indicator, progress.actual_to_date, indicator.target))))
        running = metrics.cumulative(indicator.aggregation, values)
        described = (t._(UNIT_NAMES[indicator.unit]), t._(DIRECTION_NAMES.get(indicator.direction, "Increase")),
                     t._(AGGREGATION_NAMES.get(indicator.aggregation, "Sum of periods")),
                     t._("yes") if indicator.is_cumulative else t._("no"),
                     t.pick(indicator.verification_en, indicator.verification_fr) if (
                         indicator.verification_en or indicator.verification_fr) else "")
        by_category: dict[str, list] = {}  # a category's values to date, for its own actual to date
        for k, period in enumerate(data.periods):
            cumulative = running[k]
            target_to_date = metrics.target_to_date(data, indicator, k)
            pct = metrics.percent_met(indicator, cumulative, target_to_date)
            status = t._(metrics.STATUS_LABELS[metrics.status_of(pct)])
            for combination, value in by_cell.get((indicator.id, period), ()):
                if combination:
                    # Targets are set for totals only: a category row has its own actual to date, no target.
                    seen = by_category.setdefault(combination, [])
                    seen.append(value)
                    figures = (None, None, _sheet_units(indicator, to_date(indicator.aggregation, seen)), None)
                else:
                    figures = (_sheet_units(indicator, data.targets.get((indicator.id, period))),
                               _sheet_units(indicator, target_to_date), _sheet_units(indicator, cumulative),
                               _share(t, indicator, cumulative, target_to_date))
                long_rows.append((data.code, levels.get(indicator.level_id, ""), indicator.code,
                                  t.pick(indicator.name_en, indicator.name_fr), t.period(period), period,
                                  _category_label(t, indicator, combination), _sheet_units(indicator, value), status,
                                  *figures, *described))
    long_rows.sort(key=lambda r: (r[2], r[5], r[6]))
    chart_series = []
    for i in metrics.charted_indicators(data):
        targets = [metrics.target_to_date(data, i, k) for k in range(len(data.periods))]
        actuals = metrics.cumulative(i.aggregation, metrics.series(data, i))
        chart_series.append(IpttSeries(t.pick(i.name_en, i.name_fr), tuple(_sheet_units(i, v) for v in targets),
                                       tuple(_sheet_units(i, v) for v in actuals), i.decimals, i.unit == "percent"))
    periods = len(data.periods)
    return Iptt(
        lang=lang,
        title=t._("Indicator performance tracking table"),
        project_line=f"{data.code} — {t.pick(data.title_en, data.title_fr)}",
        notes=[n for n in (
            metrics.demo_note(t) if data.is_demo else "",
            metrics.status_note(t),
            t._("Percentages, including the values of percentage indicators, are stored as fractions with a "
                "percentage format (%(percent)s is stored as %(fraction)s), so that formulas compute with them.",
                percent=t.percent(Decimal("87.5")), fraction=t.number(Decimal("0.875"), 3)),
            t._("Yes/no indicators read “%(yes)s” or “%(no)s”. In the “%(sheet)s” sheet they hold 1 (yes) and "
                "0 (no), shown as words, so that pivot tables can count them.",
                yes=t._("yes"), no=t._("no"), sheet=t._("Data")),
            t._("“%(na)s”: the target is zero, so there is no share of it to compute.", na=t._("n/a")),
            t._("Generated by meapp on %(date)s", date=t.date(today))) if n],
        sheet_names={"iptt": t._("IPTT"), "data": t._("Data"), "chart": t._("Chart")},
        fixed_headers=(t._("Level"), t._("Code"), t._("Indicator"), t._("Unit"), t._("Baseline"),
                       t._("Life-of-project target")),
        period_labels=tuple(t.period(p) for p in data.periods),
        sub_headers=(t._("Target"), t._("Actual"), t._("Met")),
        end_headers=(t._("Target to date"), t._("Actual to date"), t._("Share of target to date"), t._("Status"),
                     t._("Share of end target")),
        rows=rows,
        long_headers=(t._("Project"), t._("Level"), t._("Code"), t._("Indicator"), t._("Period"), t._("Period code"),
                      t._("Category"), t._("Value"), t._("Status"), t._("Target"), t._("Target to date"),
                      t._("Actual to date"), t._("Share of target to date"), t._("Unit"), t._("Direction"),
                      t._("Adds up as"), t._("Reported as a running total"), t._("Means of verification")),
        long_rows=long_rows,
        chart_title=t._("Targets and actuals to date"),
        chart_series=chart_series,
        target_word=t._("Target to date"),
        actual_word=t._("Actual to date"),
        status_legend=[(key, t._(label)) for key, label in metrics.STATUS_LABELS.items()],
        value_kinds=(FIGURE, FIGURE) + (FIGURE, FIGURE, SHARE) * periods + (FIGURE, FIGURE, SHARE, STATUS, SHARE),
        long_kinds=(TEXT, TEXT, TEXT, WRAP, TEXT, TEXT, WRAP, FIGURE, STATUS, FIGURE, FIGURE, FIGURE, SHARE,
                    TEXT, TEXT, TEXT, TEXT, WRAP),
        figure_formats=figure_formats,
        yes_word=t._("yes"),
        no_word=t._("no"),
        na_word=t._("n/a"),
        demo_label=t._("Demonstration data") if data.is_demo else "",
        page_label=t._("Page %(page)s of %(pages)s", page="&P", pages="&N"),
    )
