"""The progress report's charts are native Word charts: a chart part per charted key indicator, holding the
model's figures in its cache and in the workbook Word's "Edit data" opens, labelled in the document's language.
"""
from __future__ import annotations

import datetime as dt
import io
import posixpath
import zipfile

import openpyxl
import pytest
from lxml import etree
from sqlalchemy import select

from meapp.projects.models import Project
from meapp.reports import loader, metrics, model, service
from tests.app.test_ooxml_schema import ooxml  # noqa: F401 (the fixture: schemas loaded once per session)

TODAY = dt.date(2024, 3, 1)
NS = {"c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
      "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
      "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
      "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
      "ct": "http://schemas.openxmlformats.org/package/2006/content-types"}
R_ID = f"{{{NS['r']}}}id"
CHART_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/chart"
PACKAGE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/package"


def _rels(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """A part's relationships: id → (type, target part name)."""
    folder, name = posixpath.split(part)
    root = etree.fromstring(archive.read(posixpath.join(folder, "_rels", name + ".rels")))
    return {r.get("Id"): (r.get("Type"), posixpath.normpath(posixpath.join(folder, r.get("Target"))))
            for r in root.iterfind("rel:Relationship", NS)}


def charts_of(blob: bytes) -> list[dict]:
    """Each chart of the document in reading order: its alt text, chart XML root, and workbook rows."""
    out = []
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        document = etree.fromstring(archive.read("word/document.xml"))
        rels = _rels(archive, "word/document.xml")
        types = etree.fromstring(archive.read("[Content_Types].xml"))
        overrides = {o.get("PartName"): o.get("ContentType") for o in types.iterfind("ct:Override", NS)}
        defaults = {d.get("Extension"): d.get("ContentType") for d in types.iterfind("ct:Default", NS)}
        for inline in document.iter(f"{{{NS['wp']}}}inline"):
            reference = inline.find(".//c:chart", NS)
            if reference is None:
                continue
            kind, part = rels[reference.get(R_ID)]
            assert kind == CHART_REL
            assert overrides[f"/{part}"] == "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
            space = etree.fromstring(archive.read(part))
            external = space.find("c:externalData", NS)
            kind, workbook_part = _rels(archive, part)[external.get(R_ID)]
            assert kind == PACKAGE_REL and workbook_part.startswith("word/embeddings/")
            assert defaults["xlsx"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            workbook = archive.read(workbook_part)
            sheet = openpyxl.load_workbook(io.BytesIO(workbook)).active
            out.append({"alt": inline.find("wp:docPr", NS).get("descr"), "space": space, "part": part,
                        "workbook": workbook, "rows": list(sheet.iter_rows(values_only=True)),
                        "formats": [[c.number_format for c in row] for row in sheet.iter_rows()]})
    return out


def cached(ser) -> list[float | None]:
    """A series' cached values, None where the cache has no point (a period without a figure)."""
    cache = ser.find("c:val//c:numCache", NS)
    values = [None] * int(cache.find("c:ptCount", NS).get("val"))
    for point in cache.iterfind("c:pt", NS):
        values[int(point.get("idx"))] = float(point.find("c:v", NS).text)
    return values


def series_of(space) -> dict[int, etree._Element]:
    return {int(s.find("c:idx", NS).get("val")): s for s in space.iter(f"{{{NS['c']}}}ser")}


def texts(element) -> list[str]:
    return ["".join(t.text or "" for t in p.iter(f"{{{NS['a']}}}t")) for p in element.iter(f"{{{NS['a']}}}p")]


def _project(tx, code: str) -> Project:
    return tx.scalar(select(Project).where(Project.code == code))


@pytest.mark.parametrize("lang", ["fr", "en", "bilingual"])
def test_progress_report_has_a_native_chart_per_charted_indicator(tx, lang):
    project = _project(tx, "LINK-IT")
    report = service.progress_report(project, lang, today=TODAY)
    data = loader.load_project(project, loader.default_until([project])[project.id])
    built = model.build_progress_report(data, "fr" if lang == "bilingual" else lang, TODAY).chart
    charts = charts_of(report.data)
    assert len(charts) == len(metrics.charted_indicators(data)) == len(built.series) >= 2

    for chart, expected in zip(charts, built.series, strict=True):
        space, rows = chart["space"], chart["rows"]
        figures = [expected.targets, expected.actuals]
        if expected.to_date_axis:
            figures += [expected.targets_to_date, expected.actuals_to_date]
        found = series_of(space)
        assert sorted(found) == list(range(len(figures)))
        for index, values in enumerate(figures):
            assert cached(found[index]) == list(values), (chart["part"], index)
            # The workbook "Edit data" opens holds the same numbers, a column per series under its name.
            assert [row[1 + index] for row in rows[1:]] == list(values)
            assert rows[0][1 + index] == found[index].find("c:tx//c:v", NS).text
        assert [row[0] for row in rows[1:]] == list(expected.periods)
        # Columns per period, lines to date; the lines of a flow (sum) on a right-hand axis of their own.
        assert len(space.findall(".//c:barChart/c:ser", NS)) == 2
        assert len(space.findall(".//c:lineChart/c:ser", NS)) == (2 if expected.to_date_axis else 0)
        axes = space.findall(".//c:valAx", NS)
        assert [a.find("c:axPos", NS).get("val") for a in axes] == \
            (["l", "r"] if expected.to_date_axis == "right" else ["l"])
        assert all(a.find("c:numFmt", NS).get("sourceLinked") == "0" for a in axes)

        titles = [" ".join(texts(a.find("c:title", NS))) for a in axes]
        title = " ".join(texts(space.find("c:chart/c:title", NS)))
        legend = [s.find("c:tx//c:v", NS).text for s in found.values()]
        if lang == "fr":
            assert titles[0].startswith("Par période (")
            assert legend[:2] == ["Cible par période", "Réalisé par période"]
            assert chart["alt"].startswith("Graphique «")
            assert space.find("c:lang", NS).get("val") == "fr-FR"
        elif lang == "en":
            assert titles[0].startswith("Per period (")
            assert legend[:2] == ["Target per period", "Actual per period"]
            assert chart["alt"].startswith("Chart of ")
            assert space.find("c:lang", NS).get("val") == "en-GB"
        else:  # both languages in every label
            assert titles[0].startswith("Par période (") and " / Per period (" in titles[0]
            assert legend[:2] == ["Cible par période / Target per period", "Réalisé par période / Actual per period"]
            assert chart["alt"].startswith("Graphique «") and " / Chart of " in chart["alt"]
        unit = "%" if expected.is_percent else {"fr": "nombre", "en": "number", "bilingual": "nombre"}[lang]
        assert all(f"({unit})" in t for t in titles)  # the unit on every value axis
        assert expected.label in title

        # Numbers as the document's language writes them, in the chart and in its workbook.
        code = found[1].find("c:val//c:formatCode", NS).text
        assert code == expected.number_format
        if lang == "en":
            assert code.startswith("[$-809]#,##0")
        else:
            assert code.startswith("[$-40C]#\u00a0##0")
        if expected.is_percent:
            assert code.endswith('%"')  # a literal sign: the values are percentages already
        assert chart["formats"][1][1] == code


def test_one_period_still_shows_its_target(tx):
    """One period: the target is a column and, to date, a marked point, not a lone dot or an empty plot."""
    project = _project(tx, "LINK-IT")
    report = service.progress_report(project, "fr", until="2018Q1", today=TODAY)
    charts = charts_of(report.data)
    assert charts
    for chart in charts:
        space = chart["space"]
        found = series_of(space)
        assert cached(found[0]) and all(v is not None for v in cached(found[0]))  # the target column
        for line in space.findall(".//c:lineChart/c:ser", NS):
            assert line.find("c:marker/c:symbol", NS).get("val") in ("square", "circle")
            assert len(cached(line)) == 1


@pytest.mark.parametrize("code, lang", [("LINK-IT", "fr"), ("LINK-IT", "bilingual"), ("PALIM", "en")])
def test_charts_and_their_workbooks_are_schema_valid(ooxml, tx, code, lang):  # noqa: F811
    """The chart parts against dml-chart.xsd with the rest of the document, and each embedded workbook, a
    package of its own, part by part with the same checker (sml.xsd, the OPC schemas...)."""
    report = service.progress_report(_project(tx, code), lang, today=TODAY)
    errors, done = ooxml.check(report.data)
    assert not errors, "\n".join(errors[:40])
    assert any(name.startswith("word/charts/chart") and schema == "dml-chart.xsd" for name, schema in done.items())
    charts = charts_of(report.data)
    assert charts
    for chart in charts:
        errors, done = ooxml.check(chart["workbook"])
        assert not errors, "\n".join(errors[:40])
        assert done["xl/worksheets/sheet1.xml"] == "sml.xsd"
