"""Render built reports to .docx bytes. No database, no gettext: every string comes from the model."""
from __future__ import annotations

from meapp.reports import word_chart
from meapp.reports.docx_writer import DocxWriter, Tagged, paragraph, run
from meapp.reports.metrics import STATUS_COLOURS
from meapp.reports.model import ProgressReport


def _pair(values: list[str]):
    """One language: the text; two: the pair, or one text when both say the same."""
    if len(values) == 1 or values[0] == values[1]:
        return values[0]
    return tuple(values)


def _zip_rows(models, rows_of):
    """Rows of several language models merged cell by cell (bilingual tables)."""
    per_model = [rows_of(m) for m in models]
    return [tuple(_pair([rows[i][c] for rows in per_model]) for c in range(len(per_model[0][i])))
            for i in range(len(per_model[0]))]


def _side_by_side(w: DocxWriter, models, texts) -> None:
    """Prose in two columns (fr | en) for the bilingual report, or a plain paragraph."""
    if len(models) == 1:
        w.para(texts[0])
        return
    w.table(None, [(texts[0], Tagged(texts[1], _language(models[1].lang)))], widths=[0.5, 0.5], style="TableGrid")


def _language(lang: str) -> str:
    return "fr-FR" if lang == "fr" else "en-GB"


def _running(w: DocxWriter, models) -> None:
    """The running header and page numbers, and, in the bilingual edition, the language of its second half."""
    w.header_text = models[0].running_header  # one line: the document's language
    w.page_label = models[0].page_label
    if len(models) > 1:
        w.second_language = _language(models[1].lang)


def _in(model, models, text: str):
    """Text of one language model, tagged with its language when it is not the document's."""
    return text if model is models[0] else Tagged(text, _language(model.lang))


def _heading(w: DocxWriter, models, key: str, level: int = 1) -> None:
    w.heading(" / ".join(dict.fromkeys(m.headings[key] for m in models)), level)


def render_progress(models: list[ProgressReport], template=None) -> bytes:
    """The progress report; two models (fr, en) make the bilingual edition."""
    first = models[0]
    w = DocxWriter(template)
    _running(w, models)
    w.para(" / ".join(dict.fromkeys(m.title for m in models)), "Title")
    w.para(f"{first.project_code} — " + " / ".join(dict.fromkeys(m.project_title for m in models)), "Subtitle")
    w.table(None, _zip_rows(models, lambda m: m.cover), widths=[0.3, 0.7], style="TableGrid")
    for m in models:
        if m.demo_note:
            w.para(_in(m, models, m.demo_note), "CoverNote")
    w.para(" / ".join(m.generated for m in models), "Small")
    w.page_break()

    _heading(w, models, "summary")
    _side_by_side(w, models, [m.summary for m in models])
    _heading(w, models, "key")
    w.table(None, _zip_rows(models, lambda m: m.key_figures), widths=[0.55, 0.45])

    headers = [_pair([m.table_headers[i] for m in models]) for i in range(len(first.table_headers))]
    tables = []
    for index, section in enumerate(first.sections):
        rows = _zip_rows(models, lambda m, index=index: [
            (f"{r.code} — {r.name}", r.baseline, r.end_target, r.period_target, r.period_actual, r.target_to_date,
             r.to_date, r.percent_of_end, r.status_label) for r in m.sections[index].rows]) if section.rows else []
        tables.append(rows)
    # Nine columns whose headers must not break inside a word: landscape pages when portrait is too narrow.
    wide = any(rows and w.too_wide(headers, rows) for rows in tables)
    if wide:
        w.begin_landscape()
    _heading(w, models, "results")
    for m in models:
        w.para(_in(m, models, m.thresholds), "Small")
    for index, section in enumerate(first.sections):
        w.heading(_pair([m.sections[index].heading for m in models]) if len(models) == 1 else
                  " / ".join(dict.fromkeys(m.sections[index].heading for m in models)), 2)
        if tables[index]:
            w.table(headers, tables[index], fills=[STATUS_COLOURS[r.status] for r in section.rows], fill_column=8)
    if wide:
        w.end_landscape()

    _heading(w, models, "breakdowns")
    if first.breakdowns:
        for index in range(len(first.breakdowns)):
            w.heading(" / ".join(dict.fromkeys(m.breakdowns[index].title for m in models)), 3)
            w.table([_pair([m.breakdowns[index].headers[c] for m in models]) for c in range(3)],
                    _zip_rows(models, lambda m, index=index: list(m.breakdowns[index].rows)), widths=[0.5, 0.25, 0.25])
    else:
        w.para(" / ".join(dict.fromkeys(m.empty["breakdowns"] for m in models)))

    if first.chart is not None:
        _heading(w, models, "chart")
        for m in models:
            w.raw(paragraph(m.chart.note, w.sid("Small"), keep_next=True))
        charts, language = [m.chart for m in models], "fr-FR" if first.lang == "fr" else "en-GB"
        for index in range(len(first.chart.series)):  # one native chart per charted key indicator
            xml, workbook, alt_text, name = word_chart.chart_parts(charts, index, language)
            w.chart(xml, workbook, word_chart.WIDTH_CM, word_chart.HEIGHT_CM, alt_text, name)

    _heading(w, models, "narratives")
    if first.narratives:
        for index, (period, _text) in enumerate(first.narratives):
            w.heading(period if len(models) == 1 else " / ".join(dict.fromkeys(m.narratives[index][0]
                                                                                for m in models)), 3)
            _side_by_side(w, models, [m.narratives[index][1] for m in models])
    else:
        w.para(" / ".join(dict.fromkeys(m.empty["narratives"] for m in models)))

    _heading(w, models, "quality")
    if first.quality:
        w.table([_pair([m.quality_headers[c] for m in models]) for c in range(4)],
                _zip_rows(models, lambda m: m.quality), widths=[0.12, 0.18, 0.4, 0.3])
    else:
        w.para(" / ".join(dict.fromkeys(m.empty["quality"] for m in models)))
    w.set_properties(f"{first.project_code} — {first.title}", "fr-FR" if first.lang == "fr" else "en-GB")
    return w.to_bytes()


def render_portfolio(model, template=None) -> bytes:
    """The donor portfolio: a summary table, then a page per project."""
    w = DocxWriter(template)
    _running(w, [model])

    def percent(v):
        return "—" if v is None else f"{v * 100:.0f}" + ("\u202f%" if model.lang == "fr" else "%")

    summary = [(s.code, s.title, s.countries, s.last_approved, percent(s.completeness), percent(s.timeliness),
                str(s.on_track), str(s.at_risk), str(s.off_track)) for s in model.summary]
    wide = w.too_wide(model.summary_headers, summary)  # nine columns: landscape when portrait is too narrow
    if wide:
        w.begin_landscape()
    w.para(model.title, "Title")
    w.para(model.funder, "Subtitle")
    for note in model.notes:
        w.para(note, "CoverNote")
    w.para(model.generated, "Small")
    w.heading(model.headings["summary"], 1)
    w.table(model.summary_headers, summary)
    if wide:
        w.end_landscape()
    for number, page in enumerate(model.pages):
        if number or not wide:
            w.page_break()
        w.heading(page.heading, 1)
        w.table(None, list(page.facts), widths=[0.3, 0.7], style="TableGrid")
        w.heading(model.headings["key"], 2)
        if page.key_rows:
            indicator, end, actual, share, status = model.key_headers
            w.table((indicator, end, model.target_to_date_header, actual, share, status),
                    [(f"{r.code} — {r.name}", r.end_target, r.target_to_date, r.to_date, r.percent_of_end,
                      r.status_label) for r in page.key_rows],
                    fills=[STATUS_COLOURS[r.status] for r in page.key_rows],
                    fill_column=5)
        w.heading(model.headings["reporting"], 2)
        w.para(page.reporting)
        w.heading(model.headings["issues"], 2)
        for issue in page.issues or (model.no_issue,):
            w.para(issue, "ListBullet")
    w.set_properties(f"{model.title} — {model.funder}", "fr-FR" if model.lang == "fr" else "en-GB")
    return w.to_bytes()


def render_annex(model, template=None) -> bytes:
    """The annex: title page, contents field, numbered headings, practices with their sources as footnotes."""
    from meapp.reports.annex import Heading

    w = DocxWriter(template)
    _running(w, [model])
    w.para(model.title, "Title")
    w.para(model.subtitle, "Subtitle")
    for note in model.cover_notes:  # the source, whose summaries these are, demonstration data
        w.para(note, "CoverNote")
    w.para(model.generated, "Small")
    w.page_break()
    w.toc(model.contents, "")  # its entries are written in advance: no instruction to print
    w.page_break()
    for block in model.blocks:
        if isinstance(block, Heading):  # category, subsection, or the actor of the practices that follow
            w.heading(block.text, block.level)
            continue
        if block.name:
            w.raw(paragraph(None, w.sid("Normal"), keep_next=True, runs=run(block.name, bold=True)))
        facts = [(model.labels["countries"], block.countries), (model.labels["organisations"], block.organisations)]
        for label, value in facts:
            if value:
                w.raw(paragraph(None, w.sid("Small"), keep_next=True,  # a practice's header stays with its text
                                runs=run(f"{label}\u202f: " if model.lang == "fr" else f"{label}: ", bold=True)
                                + run(value)))
        # Each source is a note whose address is a link; adjacent marks are kept apart by a comma ("4,5", not "45").
        mark_gap = run(",", style=w.sid("FootnoteReference"))
        notes = mark_gap.join(w.footnote(url, url=url) for url in block.urls)
        w.raw(paragraph(None, w.sid("Normal"), runs=run(block.summary) + notes))
        for figure in block.figures:
            w.raw(paragraph(figure, w.sid("ListBullet")))
        if block.results:
            w.raw(paragraph(None, w.sid("Quote"), runs=run(block.results)))
    w.set_properties(model.title, "fr-FR" if model.lang == "fr" else "en-GB")
    return w.to_bytes()
