"""Benchmark of report generation: each document next to a floor measured in the same run.

    .venv/bin/python bench/reports.py            # the largest demo project and a synthetic one

Floors:
- progress report (.docx): the same body XML and the same chart parts (chart XML, embedded workbook)
  written straight into a zip with the base template's other parts (no python-docx, no XML parsing);
- IPTT (.xlsx): the same cells and formats written by a bare XlsxWriter loop (no model, no renderer).
The native charts (model + python-pptx chart XML + workbook) are also timed apart, against the rest of
the document; and the first progress report of a fresh process (after start-up, as the first download
after the server starts) against a warm one.
Peak memory growth is measured with tracemalloc. Prints figures; asserts nothing.
"""
from __future__ import annotations

import datetime as dt
import io
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
import zipfile
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("MEAPP_ENV", "development")

import xlsxwriter  # noqa: E402

from meapp.reports import excel, iptt, model, word, word_chart  # noqa: E402
from meapp.reports.docx_writer import DocxWriter  # noqa: E402
from meapp.reports.inputs import CategoryIn, DisaggregationIn, IndicatorIn, LevelIn, ProjectIn  # noqa: E402
from meapp.reports.template import DEFAULT_TEMPLATE as BASE  # noqa: E402

TODAY = dt.date(2026, 11, 25)
RUNS = 5


def median_ms(fn, runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def peak_mb(fn) -> float:
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6


def synthetic(indicators: int = 60, periods: int = 24, categories: int = 10) -> ProjectIn:
    """A large project: 60 indicators × 24 quarters × 10 categories, every value approved."""
    codes = []
    start = 2015
    for k in range(periods):
        codes.append(f"{start + k // 4}Q{k % 4 + 1}")
    cats = tuple(CategoryIn(f"c{j}", f"Category {j}", f"Catégorie {j}") for j in range(categories))
    dis = DisaggregationIn("skill_level", "Group", "Groupe", cats)
    levels = [LevelIn(1, None, "impact", "IMP", "Impact statement", "Énoncé d'impact")]
    levels += [LevelIn(10 + o, 1, "outcome", str(o), f"Outcome {o}", f"Effet {o}") for o in range(1, 4)]
    levels += [LevelIn(100 + o, 10 + (o % 3) + 1, "output", f"{o % 3 + 1}.{o}", f"Output {o}", f"Extrant {o}")
               for o in range(1, 11)]
    inds, targets, values = [], {}, {}
    for i in range(indicators):
        level = 100 + (i % 10) + 1
        inds.append(IndicatorIn(i + 1, level, f"IND_{i + 1:02d}", f"Indicator {i + 1} counted every quarter",
                                f"Indicateur {i + 1} compté chaque trimestre", "number", "sum", "increase",
                                Decimal(0), Decimal(2400 + i), 0, i < 4, (dis,)))
        for k, code in enumerate(codes):
            targets[(i + 1, code)] = Decimal(100)
            total = Decimal(90 + (i * 7 + k * 3) % 30)
            values[(i + 1, code, "")] = total
            for j in range(categories):
                values[(i + 1, code, f"skill_level=c{j}")] = total / categories
    return ProjectIn(id=1, code="SYNTH", title_en="Synthetic project", title_fr="Projet synthétique",
                     summary_en="Benchmark data.", summary_fr="Données de banc d'essai.", origin=("MA",),
                     destination=("BE",), lead="Bench", implementers=(), funders=("Bench fund",),
                     start=dt.date(2015, 1, 1), end=dt.date(2020, 12, 31), is_demo=True, periods=tuple(codes),
                     levels=tuple(levels), indicators=tuple(inds), targets=targets, values=values,
                     statuses={c: "approved" for c in codes})


def docx_floor(body_xml: str, charts: list | tuple = (), notes_xml: str = "") -> bytes:
    """The same content as raw XML in a zip: the base template's parts, the body, footnotes, the charts."""
    out = io.BytesIO()
    with zipfile.ZipFile(BASE) as base, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in base.infolist():
            data = base.read(item.filename)
            if item.filename == "word/document.xml":
                text = data.decode("utf-8")
                data = text.replace("<w:body>", "<w:body>" + body_xml, 1).encode("utf-8")
            elif item.filename == "word/footnotes.xml" and notes_xml:
                data = data.decode("utf-8").replace("</w:footnotes>", notes_xml + "</w:footnotes>").encode("utf-8")
            target.writestr(item, data)
        for n, (_rid, chart_xml, workbook) in enumerate(charts, start=1):
            target.writestr(f"word/charts/chart{n}.xml", chart_xml)
            target.writestr(f"word/embeddings/Microsoft_Excel_Worksheet{n}.xlsx", workbook)
    return out.getvalue()


def captured_xml(render) -> tuple[str, str, list]:
    """The body and footnote XML and the chart parts a renderer writes, captured once for the floor."""
    original = DocxWriter.to_bytes
    captured = {}

    def capture(self):
        captured["body"], captured["notes"] = "".join(self.parts), "".join(self.notes)
        captured["charts"] = list(self.charts)
        return original(self)

    DocxWriter.to_bytes = capture
    try:
        render()
    finally:
        DocxWriter.to_bytes = original
    return captured["body"], captured["notes"], captured["charts"]


def annex_floor(data) -> bytes:
    """The annex written as raw XML from the loaded data: f-strings and escaping only, then zipped."""
    from xml.sax.saxutils import escape as esc

    def p(style, text):
        return (f'<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr><w:r><w:t xml:space="preserve">{esc(text)}'
                '</w:t></w:r></w:p>')

    body, notes = [p("Title", data.title_fr), p("Subtitle", data.event)], []
    by_place = {}
    for practice in data.practices:
        by_place.setdefault((practice.category_id, practice.subsection_id), []).append(practice)
    for section in data.sections:
        body.append(p("Heading1", f"{section.number}) {section.title_fr}"))
        for sub in (None, *section.subsections):
            if sub is not None:
                body.append(p("Heading2", f"{sub.letter}) {sub.title_fr}"))
            for practice in by_place.get((section.id, sub.id if sub else None), []):
                body.append(p("Heading3", practice.actor))
                body.append(p("Normal", practice.name_fr))
                body.append(p("Small", ", ".join(practice.countries)))
                refs = ""
                for url in practice.urls:
                    n = len(notes) + 1
                    notes.append(f'<w:footnote w:id="{n}"><w:p><w:r><w:footnoteRef/></w:r><w:r><w:t>{esc(url)}'
                                 '</w:t></w:r></w:p></w:footnote>')
                    refs += f'<w:r><w:footnoteReference w:id="{n}"/></w:r>'
                body.append(p("Normal", practice.summary_fr)[:-6] + refs + "</w:p>")
                body.extend(p("ListBullet", str(f.get("label_fr"))) for f in practice.figures)
    return docx_floor("".join(body), (), "".join(notes))


def bench_annex(data) -> None:
    from meapp.reports import annex

    built = annex.build_annex(data, "fr", TODAY)
    body, notes, _charts = captured_xml(lambda: word.render_annex(built))
    build_ms = median_ms(lambda: annex.build_annex(data, "fr", TODAY))
    render_ms = median_ms(lambda: word.render_annex(built))
    xlsx_ms = median_ms(lambda: excel.render_annex(built))
    zip_ms = median_ms(lambda: docx_floor(body, (), notes))
    floor_ms = median_ms(lambda: annex_floor(data))
    whole = build_ms + render_ms
    print(f"\nannex {data.key}: {len(data.practices)} practices, {notes.count('<w:footnote ')} footnotes")
    print(f"  annex (.docx)    build {build_ms:7.1f} ms | render {render_ms:7.1f} ms | whole {whole:6.1f} ms | "
          f"raw-XML floor {floor_ms:5.1f} ms | whole/floor {whole / floor_ms:4.2f}× "
          f"(zip of the finished XML alone: {zip_ms:.1f} ms)")
    print(f"  annex (.xlsx)    render {xlsx_ms:7.1f} ms")


def iptt_floor(built) -> bytes:
    """The same workbook (cells, formats, merged headers, frozen panes, filters, chart sheet) by bare XlsxWriter."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("IPTT")
    number, fraction = book.add_format({"num_format": "#,##0"}), book.add_format({"num_format": "0.0%"})
    head = book.add_format({"bold": True, "bg_color": "#E7EEF6"})
    sheet.write_string(0, 0, built.title, head)
    for k, note in enumerate(built.notes):
        sheet.write_string(1 + k, 0, note)
    for c, label in enumerate(built.period_labels):
        sheet.merge_range(0, 6 + 3 * c, 0, 8 + 3 * c, label, head)
    sheet.freeze_panes(2, 3)
    sheet.autofilter(1, 0, len(built.rows) + 1, 6 + 3 * len(built.period_labels) + 2)
    for r, row in enumerate(built.rows, start=2):
        for c, value in enumerate((row.level, row.code, row.name, row.unit)):
            sheet.write_string(r, c, value)
        sheet.write_number(r, 4, float(row.baseline or 0), number)
        sheet.write_number(r, 5, float(row.lop_target or 0), number)
        for k, cell in enumerate(row.cells):
            sheet.write_number(r, 6 + 3 * k, float(cell.target or 0), number)
            sheet.write_number(r, 7 + 3 * k, float(cell.actual or 0), number)
            sheet.write_number(r, 8 + 3 * k, float(cell.met or 0), fraction)
    data = book.add_worksheet("Data")
    for r, row in enumerate(built.long_rows, start=1):
        for c, value in enumerate(row):
            if c == 7:
                data.write_number(r, c, float(value), number)
            else:
                data.write_string(r, c, str(value))
    if built.chart_series:
        excel._chart(book, excel.Formats(book), built)
    book.close()
    return out.getvalue()


def native_charts(data: ProjectIn) -> int:
    """What the charts alone cost: their model (one language) and their parts (chart XML and workbook)."""
    from meapp.reports.i18n import Lang

    chart = model._chart(Lang("fr"), data)
    for index in range(len(chart.series) if chart else 0):
        word_chart.chart_parts([chart], index, "fr-FR")
    return len(chart.series) if chart else 0


def bench(label: str, data: ProjectIn) -> None:
    built = model.build_progress_report(data, "fr", TODAY)
    # The floor writes exactly the body XML and chart parts the renderer produces: capture them once.
    body, _notes, charts = captured_xml(lambda: word.render_progress([built]))

    build_ms = median_ms(lambda: model.build_progress_report(data, "fr", TODAY))
    render_ms = median_ms(lambda: word.render_progress([built]))
    chart_ms = median_ms(lambda: native_charts(data))
    floor_ms = median_ms(lambda: docx_floor(body, charts))
    size = len(word.render_progress([built]))
    rest_ms = build_ms + render_ms - chart_ms

    table = iptt.build_iptt(data, "fr", TODAY)
    iptt_build_ms = median_ms(lambda: iptt.build_iptt(data, "fr", TODAY))
    iptt_ms = median_ms(lambda: excel.render_iptt(table))
    iptt_floor_ms = median_ms(lambda: iptt_floor(table))
    iptt_peak = peak_mb(lambda: excel.render_iptt(iptt.build_iptt(data, "fr", TODAY)))
    cells = len(table.rows) * (6 + 3 * len(table.period_labels) + 3) + len(table.long_rows) * 9

    print(f"\n{label}: {len(data.indicators)} indicators × {len(data.periods)} periods, "
          f"{len(data.values):,} values")
    print(f"  progress report  build {build_ms:7.1f} ms | render {render_ms:7.1f} ms"
          f" | floor {floor_ms:6.1f} ms | render/floor {render_ms / floor_ms:4.2f}× | {size / 1024:,.0f} KB")
    print(f"    of which {len(charts)} native charts {chart_ms:6.1f} ms (build + render) | rest of the document "
          f"{rest_ms:6.1f} ms | charts/rest {chart_ms / rest_ms:4.2f}×")
    print(f"  IPTT             build {iptt_build_ms:7.1f} ms | render {iptt_ms:7.1f} ms | bare XlsxWriter "
          f"{iptt_floor_ms:6.1f} ms | ratio {iptt_ms / iptt_floor_ms:4.2f}× | {cells:,} cells | "
          f"peak memory +{iptt_peak:.1f} MB (build and render)")


def progress_download(code: str | None):
    """One progress report as a download makes it: from the database (load, build, render) for a project
    code, else the synthetic project (build, render)."""
    if code is None:
        data = synthetic()
        return lambda: word.render_progress([model.build_progress_report(data, "fr", TODAY)])
    from sqlalchemy import select

    from meapp.extensions import db
    from meapp.projects.models import Project
    from meapp.reports import service

    project = db.session.scalar(select(Project).where(Project.code == code))
    return lambda: service.progress_report(project, "fr", today=TODAY)


def first_in_fresh_process(code: str | None) -> None:
    """Run as `reports.py --first CODE|-`: start as the server does (imports, app), then time the first
    progress report, which pays for every lazy first use (catalogs, locale data, SQL compilation, parsers),
    and a warm one. Prints the three numbers."""
    start = time.perf_counter()
    from meapp import create_app
    from meapp.reports import service  # noqa: F401 (imported at start-up by the views)

    app = create_app()
    with app.app_context():
        download = progress_download(code)
        started = time.perf_counter()
        download()
        first = time.perf_counter()
        warm_ms = median_ms(download)
    print(f"{(started - start) * 1000:.1f} {(first - started) * 1000:.1f} {warm_ms:.1f}")


def first_charts_in_fresh_process() -> None:
    """Run as `reports.py --first-charts`: the charts alone (chart parts of a built model), first and warm."""
    from meapp.reports.i18n import Lang

    chart = model._chart(Lang("fr"), synthetic())

    def charts():
        for index in range(len(chart.series)):
            word_chart.chart_parts([chart], index, "fr-FR")

    started = time.perf_counter()
    charts()
    first_ms = (time.perf_counter() - started) * 1000
    print(f"0 {first_ms:.1f} {median_ms(charts):.1f}")


def _fresh(*args: str) -> tuple[float, float, float]:
    """Medians of 3 fresh processes running this file with `args`."""
    runs = []
    for _ in range(3):
        out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=True).stdout
        runs.append([float(x) for x in out.split()[-3:]])
    return tuple(statistics.median(r[k] for r in runs) for k in range(3))


def bench_first_download(code: str | None) -> None:
    """The first download after start against a warm one, each first in a fresh Python."""
    start_ms, first_ms, warm_ms = _fresh("--first", code or "-")
    subject = f"{code} (load, build, render)" if code else "synthetic project (build, render)"
    print(f"\nfirst progress report after start, {subject}: start-up {start_ms:.0f} ms, then first "
          f"{first_ms:.1f} ms | warm {warm_ms:.1f} ms | first/warm {first_ms / warm_ms:4.2f}×")
    if code is None:
        _start, first_ms, warm_ms = _fresh("--first-charts")
        print(f"  its native charts alone: first {first_ms:.1f} ms | warm {warm_ms:.1f} ms | "
              f"first/warm {first_ms / warm_ms:4.2f}×")


def main() -> None:
    from meapp import create_app
    from meapp.extensions import db

    app = create_app()
    with app.app_context():
        from sqlalchemy import func, select

        from meapp.projects.models import Project
        from meapp.reports import loader
        from meapp.submissions.models import Submission, Value

        largest = db.session.execute(
            select(Project, func.count(Value.id)).join(Submission, Submission.project_id == Project.id)
            .join(Value, Value.submission_id == Submission.id).group_by(Project.id)
            .order_by(func.count(Value.id).desc()).limit(1)).first()
        if largest is None:
            print("no demo data: run `make demo` first (or `flask seed demo`)")
        else:
            project = largest[0]
            load_ms = median_ms(lambda: loader.load_project(project))
            data = loader.load_project(project)
            print(f"load from the database ({project.code}): {load_ms:.1f} ms")
            bench(f"largest demo project {project.code}", data)
            bench_first_download(project.code)
        from meapp.compendium.models import Edition

        edition = db.session.scalar(select(Edition).where(Edition.key == "gfmd-2020"))
        if edition is not None:
            load_ms = median_ms(lambda: loader.load_edition(edition.id))
            print(f"\nload the annex from the database: {load_ms:.1f} ms")
            bench_annex(loader.load_edition(edition.id))
    bench("synthetic project", synthetic())
    bench_first_download(None)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--first"]:
        first_in_fresh_process(None if sys.argv[2] == "-" else sys.argv[2])
    elif sys.argv[1:2] == ["--first-charts"]:
        first_charts_in_fresh_process()
    else:
        main()
