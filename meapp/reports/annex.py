"""The annex compendium, built for one language (pure): numbered headings, practices, sources as notes."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from meapp.reports import metrics
from meapp.reports.i18n import Lang
from meapp.reports.inputs import AnnexIn, PracticeIn, ProjectIn
from meapp.reports.model import _fmt


@dataclass(frozen=True)
class PracticeBlock:
    key: str
    actor: str
    name: str
    countries: str
    organisations: str
    summary: str
    figures: tuple[str, ...]
    results: str  # latest approved results of linked projects, or ""
    urls: tuple[str, ...]  # each becomes a footnote, in order


@dataclass(frozen=True)
class Heading:
    level: int  # 1: category, 2: subsection
    text: str


@dataclass
class Annex:
    lang: str
    title: str
    subtitle: str
    contents: str
    toc_hint: str
    blocks: list  # Heading | PracticeBlock, in order
    generated: str
    xlsx_headers: tuple[str, ...]
    rows: list[tuple]
    sheet_name: str
    labels: dict[str, str]


def _figure(t: Lang, figure: dict) -> str:
    label = t.pick(figure.get("label_en"), figure.get("label_fr"))
    value = figure.get("value")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        shown = str(value) if figure.get("unit") == "year" else t.number(value)
    else:
        shown = str(value if value is not None else "")
    unit = figure.get("unit") or ""
    if unit == "percent":
        shown, unit = f"{shown}\u00a0%", ""
    elif unit in ("year",):
        unit = ""
    return t._("%(label)s: %(value)s", label=label, value=f"{shown}{(' ' + unit) if unit else ''}")


def results_sentence(t: Lang, data: ProjectIn) -> str:
    """One sentence on a linked project's latest approved results, per key indicator."""
    approved = [p for p in data.periods if data.statuses.get(p) == "approved"]
    if not approved:
        return ""
    parts = []
    for indicator in metrics.key_indicators(data):
        progress = metrics.progress(data, indicator)
        if progress.actual_to_date is None:
            continue
        parts.append(t._("%(indicator)s: %(actual)s of a target of %(target)s",
                         indicator=t.pick(indicator.name_en, indicator.name_fr),
                         actual=_fmt(t, progress.actual_to_date, indicator), target=_fmt(t, indicator.target,
                                                                                          indicator)))
    if not parts:
        return ""
    return t._("Latest approved results of %(project)s (%(period)s): %(results)s.", project=data.code,
               period=t.period(approved[-1]), results="; ".join(parts))


def _block(t: Lang, practice: PracticeIn, annex: AnnexIn) -> PracticeBlock:
    results = " ".join(s for s in (results_sentence(t, annex.projects[c]) for c in practice.projects
                                   if c in annex.projects) if s)
    return PracticeBlock(
        key=practice.key, actor=practice.actor, name=t.pick(practice.name_en, practice.name_fr),
        countries=", ".join(t.country(c) for c in practice.countries),
        organisations="; ".join(practice.organisations),
        summary=t.pick(practice.summary_en, practice.summary_fr),
        figures=tuple(_figure(t, f) for f in practice.figures), results=results, urls=practice.urls)


def section_title(t: Lang, section) -> str:
    title = t.pick(section.title_en, section.title_fr)
    return f"{section.number}) {title}" if section.number is not None else title


def build_annex(annex: AnnexIn, lang: str, today: dt.date) -> Annex:
    """Headings numbered like the source (1), 2)… and a), b)…), practices under them in order."""
    t = Lang(lang)
    by_place: dict[tuple, list[PracticeIn]] = {}
    for practice in annex.practices:
        by_place.setdefault((practice.category_id, practice.subsection_id), []).append(practice)
    blocks, rows = [], []
    for section in annex.sections:
        blocks.append(Heading(1, section_title(t, section)))
        places = [(None, None)] + [(s, s.id) for s in section.subsections]
        for sub, sub_id in places:
            if sub is not None:
                blocks.append(Heading(2, f"{sub.letter}) {t.pick(sub.title_en, sub.title_fr)}"))
            for practice in by_place.get((section.id, sub_id), []):
                block = _block(t, practice, annex)
                blocks.append(block)
                rows.append((section_title(t, section),
                             f"{sub.letter}) {t.pick(sub.title_en, sub.title_fr)}" if sub else "",
                             block.actor, block.name, block.countries, block.summary, "\n".join(block.figures),
                             "\n".join(block.urls), ", ".join(practice.projects), block.results))
    title = t.pick(annex.title_en, annex.title_fr)
    subtitle = ", ".join(str(x) for x in (annex.event, annex.year) if x)
    return Annex(
        lang=lang, title=title, subtitle=subtitle, contents=t._("Contents"),
        toc_hint=t._("The table of contents is updated when the document is opened in Word "
                     "(or with Tools › Update in LibreOffice)."),
        blocks=blocks, generated=t._("Generated by meapp on %(date)s", date=t.date(today)),
        xlsx_headers=(t._("Category"), t._("Subsection"), t._("Actor"), t._("Name"), t._("Countries"),
                      t._("Summary"), t._("Figures"), t._("Sources"), t._("Linked projects"),
                      t._("Latest approved results")),
        rows=rows, sheet_name=t._("Practices"),
        labels={"countries": t._("Countries"), "organisations": t._("Organisations"), "figures": t._("Figures"),
                "results": t._("Results")},
    )
