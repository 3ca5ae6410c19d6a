"""The annex compendium, built for one language (pure): numbered headings, practices, sources as notes."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from meapp.reports import metrics
from meapp.reports.i18n import Lang
from meapp.reports.inputs import AnnexIn, PracticeIn, ProjectIn
from meapp.reports.model import _fmt


# --- inputs the annex needs beyond reports.inputs (French names); to be merged into inputs.py ---------
@dataclass(frozen=True)
class AnnexPracticeIn(PracticeIn):
    """A practice with its actor's French name; `organisations` holds (English, French) name pairs."""

    actor_fr: str = ""


@dataclass(frozen=True)
class EditionIn(AnnexIn):
    """An edition with its event in French."""

    event_fr: str = ""


# --- the built annex ---------------------------------------------------------------------------------
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
    level: int  # 1: category, 2: subsection, 3: actor (once for consecutive practices of one actor)
    text: str


@dataclass
class Annex:
    lang: str
    title: str
    subtitle: str
    cover_notes: list[str]  # the title page's notes: whose summaries, the source, demonstration data
    contents: str
    blocks: list  # Heading | PracticeBlock, in order
    generated: str
    xlsx_headers: tuple[str, ...]
    rows: list[tuple]
    sheet_name: str
    labels: dict[str, str]
    running_header: str = ""
    page_label: str = ""


def _amount(t: Lang, figure: dict) -> str:
    """A figure's value with its unit in the document's language: "200 persons", "Article 27", "50 %"."""
    value = figure.get("value")
    unit = (figure.get("unit") or "").strip()
    if value is None or value == "":
        return "—"  # not stated: no unit either
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        shown = str(value) if unit == "year" else t.number(value)
    else:
        shown = str(value)
    if unit == "percent":
        return t.percent(value, None) if isinstance(value, (int, float)) else \
            shown + ("\u202f%" if t.code == "fr" else "%")
    if unit in ("", "year"):
        return shown
    picked = t.pick(unit, figure.get("unit_fr"))
    if "{value}" in picked:  # a number that names something: "Article {value}", "objectif {value} du PMM"
        return picked.replace("{value}", shown)
    if picked.endswith(" number") and not figure.get("unit_fr") and t.code == "en":
        return f"{picked.removesuffix(' number')} {shown}"  # older files: "article number" → "article 27"
    return f"{shown}\u00a0{picked}"


def figure_text(t: Lang, figure: dict) -> str:
    """A figure as the annex prints it: its label, then its value with its unit, and its year if the label
    does not already say it ("by 2022" for a target)."""
    label = t.pick(figure.get("label_en"), figure.get("label_fr"))
    amount = _amount(t, figure)
    year = figure.get("year")
    if isinstance(year, int) and (figure.get("unit") or "") != "year" and str(year) not in label:
        amount = (t._("%(amount)s by %(year)s", amount=amount, year=year) if figure.get("kind") == "target"
                  else f"{amount} ({year})")
    return t._("%(label)s: %(value)s", label=label, value=amount) if label else amount


def results_sentence(t: Lang, data: ProjectIn) -> str:
    """One sentence on a linked project's latest approved results, per key indicator; a demonstration
    project's are said to be synthetic."""
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
    joined = ("\u202f; " if t.code == "fr" else "; ").join(parts)
    if data.is_demo:
        return t._("Latest approved results of %(project)s (%(period)s), demonstration data with synthetic "
                   "values: %(results)s.", project=data.code, period=t.period(approved[-1]), results=joined)
    return t._("Latest approved results of %(project)s (%(period)s): %(results)s.", project=data.code,
               period=t.period(approved[-1]), results=joined)


def _organisations(t: Lang, practice: PracticeIn) -> str:
    names = []
    for item in practice.organisations:
        en, fr = item if isinstance(item, tuple) else (str(item), "")  # a bare name is English
        names.append(t.pick(en, fr))
    return ("\u202f; " if t.code == "fr" else "; ").join(n for n in names if n)


def _block(t: Lang, practice: PracticeIn, annex: AnnexIn) -> PracticeBlock:
    results = " ".join(s for s in (results_sentence(t, annex.projects[c]) for c in practice.projects
                                   if c in annex.projects) if s)
    return PracticeBlock(
        key=practice.key, actor=actor_name(t, practice), name=t.pick(practice.name_en, practice.name_fr),
        countries=", ".join(t.country(c) for c in practice.countries),
        organisations=_organisations(t, practice),
        summary=t.pick(practice.summary_en, practice.summary_fr),
        figures=tuple(figure_text(t, f) for f in practice.figures), results=results, urls=practice.urls)


def actor_name(t: Lang, practice: PracticeIn) -> str:
    """The actor in the document's language, or in English marked "[EN]"."""
    return t.pick(practice.actor, getattr(practice, "actor_fr", ""))


def section_title(t: Lang, section) -> str:
    title = t.pick(section.title_en, section.title_fr)
    return f"{section.number}) {title}" if section.number is not None else title


def by_letter(subsections) -> list:
    """Lettered subsections in the order of their letters (a, b, … z, aa), whatever the order of the file."""
    return sorted(subsections, key=lambda s: (len(s.letter), s.letter.lower()))


def _quoted(t: Lang, text: str) -> str:
    return f"«\u202f{text}\u202f»" if t.code == "fr" else f"“{text}”"


def _cover_notes(t: Lang, annex: AnnexIn, demo_quoted: bool) -> list[str]:
    """Where the practices come from and whose summaries these are; demonstration data, where quoted."""
    title, edition = t.pick(annex.title_en, annex.title_fr), _subtitle(t, annex)
    notes = []
    if title:
        source = f"{_quoted(t, title)} ({edition})" if edition else _quoted(t, title)
        notes.append(t._("Source: the annex of the paper %(source)s. The practices, their names, countries, "
                         "figures and web addresses are taken from it; the summaries of the practices are "
                         "meapp's own summaries, not quotations.", source=source))
    if demo_quoted:
        notes.append(t._("Demonstration data: the latest approved results quoted from linked projects are "
                         "synthetic values, generated for demonstration."))
    return notes


def _subtitle(t: Lang, annex: AnnexIn) -> str:
    event = t.pick(annex.event, getattr(annex, "event_fr", ""))
    if event and annex.year:
        return t._("%(event)s, %(year)s edition", event=event, year=annex.year)
    if annex.year:
        return t._("%(year)s edition", year=annex.year)
    return event


def build_annex(annex: AnnexIn, lang: str, today: dt.date) -> Annex:
    """Headings numbered like the source (1), 2)… and a), b)… in the order of their letters), practices
    under them in order, one actor heading for consecutive practices of the same actor."""
    t = Lang(lang)
    by_place: dict[tuple, list[PracticeIn]] = {}
    for practice in annex.practices:
        by_place.setdefault((practice.category_id, practice.subsection_id), []).append(practice)
    blocks, rows, demo_quoted = [], [], False
    for section in annex.sections:
        category = section_title(t, section)
        blocks.append(Heading(1, category))
        places = [(None, None)] + [(s, s.id) for s in by_letter(section.subsections)]
        for sub, sub_id in places:
            subsection = f"{sub.letter}) {t.pick(sub.title_en, sub.title_fr)}" if sub is not None else ""
            if sub is not None:
                blocks.append(Heading(2, subsection))
            actor = None
            for practice in by_place.get((section.id, sub_id), []):
                block = _block(t, practice, annex)
                # The paper's closing heading "Multiple organizations" is also its practices' actor: it is
                # not repeated under itself.
                if block.actor != actor and practice.actor.strip().lower() != section.title_en.strip().lower():
                    blocks.append(Heading(3, block.actor))
                actor = block.actor
                demo_quoted = demo_quoted or (bool(block.results) and any(
                    annex.projects[c].is_demo for c in practice.projects if c in annex.projects))
                blocks.append(block)
                rows.append((category, subsection, block.actor, block.name, block.countries, block.summary,
                             "\n".join(block.figures), "\n".join(block.urls), ", ".join(practice.projects),
                             block.results))
    return Annex(
        lang=lang, title=t.pick(annex.title_en, annex.title_fr), subtitle=_subtitle(t, annex),
        cover_notes=_cover_notes(t, annex, demo_quoted), contents=t._("Contents"),
        blocks=blocks, generated=t._("Generated by meapp on %(date)s", date=t.date(today)),
        xlsx_headers=(t._("Category"), t._("Subsection"), t._("Actor"), t._("Name"), t._("Countries"),
                      t._("Summary"), t._("Figures"), t._("Sources"), t._("Linked projects"),
                      t._("Latest approved results")),
        rows=rows, sheet_name=t._("Practices"),
        labels={"countries": t._("Countries"), "organisations": t._("Organisations"), "figures": t._("Figures"),
                "results": t._("Results")},
        running_header=metrics.running_header(t, t.pick(annex.title_en, annex.title_fr)),
        page_label=metrics.page_label(t),
    )
