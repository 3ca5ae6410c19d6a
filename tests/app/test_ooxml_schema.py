"""Every XML part of every generated .docx and .xlsx is valid against the Office Open XML schemas.

Word refuses, or offers to "repair", a file whose parts break the schemas; python-docx and LibreOffice
accept far more, so reading a file back with them proves little. The schemas live outside the project
(../shared/reference/ooxml/, see its README); the tests skip when that folder is absent.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from docx import Document
from lxml import etree
from sqlalchemy import select

from meapp.compendium.models import Edition, Practice, PracticeSource
from meapp.logframes.models import Indicator, ResultLevel, Severity
from meapp.projects.models import Project
from meapp.reports import service
from meapp.reports.docx_writer import DocxWriter
from meapp.reports.text import clean
from meapp.submissions.models import Finding, Submission, SubmissionStatus

SCHEMAS = Path(__file__).resolve().parents[2].parent / "shared/reference/ooxml"
TODAY = dt.date(2024, 3, 1)

# Which schema checks which part of a package; the first pattern that matches the part's name wins.
# A schema of None skips the part, with the reason. A part no pattern matches fails the test, so a new
# kind of part cannot slip through unchecked.
PART_RULES: list[tuple[str, str | None, str]] = [
    (r"\[Content_Types\]\.xml", "opc/opc-contentTypes.xsd", ""),
    (r"(.+/)?_rels/[^/]*\.rels", "opc/opc-relationships.xsd", ""),
    (r"docProps/app\.xml", "shared-documentPropertiesExtended.xsd", ""),
    # core.xml is OPC core properties made of Dublin Core elements (dc:, dcterms:) whose schemas are not
    # shipped in ooxml/; it is still parsed, so it must at least be well-formed XML.
    (r"docProps/core\.xml", None, "Dublin Core schemas not shipped"),
    (r"word/(document|styles|settings|numbering|fontTable|webSettings|footnotes|endnotes|comments"
     r"|header\d+|footer\d+)\.xml", "wml.xsd", ""),
    (r"(word|xl)/charts/chart\d+\.xml", "dml-chart.xsd", ""),
    (r"xl/(workbook|styles|sharedStrings)\.xml", "sml.xsd", ""),
    (r"xl/worksheets/sheet\d+\.xml", "sml.xsd", ""),
    (r"xl/drawings/drawing\d+\.xml", "dml-spreadsheetDrawing.xsd", ""),
    (r"(word|xl)/theme/theme\d+\.xml", "dml-main.xsd", ""),
    (r"(word|xl)/media/[^/]+\.png", None, "binary image, not XML"),
    (r"word/embeddings/[^/]+\.xlsx", None, "embedded workbook, a zip: its parts checked in test_word_charts.py"),
]


MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def markup_compatibility(root):
    """What a consumer does before validating (ECMA-376 Part 3): drop the ignorable namespaces' elements and
    attributes and the mc: attributes, and keep the fallback of each mc:AlternateContent. Word 2010+ and
    LibreOffice write w14/w15 extensions this way; the transitional schemas do not model them."""
    ignorable = set()
    for element in root.iter():
        declared = element.get(f"{{{MC}}}Ignorable")
        if declared:
            ignorable |= {element.nsmap.get(prefix) for prefix in declared.split()}
    ignorable.discard(None)
    for alternate in list(root.iter(f"{{{MC}}}AlternateContent")):
        fallback = alternate.find(f"{{{MC}}}Fallback")
        parent = alternate.getparent()
        index = parent.index(alternate)
        for child in reversed(list(fallback) if fallback is not None else []):
            parent.insert(index, child)
        parent.remove(alternate)
    for element in list(root.iter()):
        if not isinstance(element.tag, str):
            continue
        if etree.QName(element).namespace in ignorable and element.getparent() is not None:
            element.getparent().remove(element)
            continue
        for name in list(element.attrib):
            if etree.QName(name).namespace in ignorable | {MC}:
                del element.attrib[name]
    return root


class Ooxml:
    """The schemas, each loaded once (~0.2 s) the first time a part needs it, then shared by every test."""

    def __init__(self, root: Path):
        self.root = root
        self._schemas: dict[str, etree.XMLSchema] = {}

    def schema(self, name: str) -> etree.XMLSchema:
        if name not in self._schemas:
            self._schemas[name] = etree.XMLSchema(etree.parse(str(self.root / name)))
        return self._schemas[name]

    @staticmethod
    def rule(part: str) -> tuple[str | None, str]:
        for pattern, schema, reason in PART_RULES:
            if re.fullmatch(pattern, part):
                return schema, reason
        raise LookupError(part)

    def check(self, blob: bytes) -> tuple[list[str], dict[str, str]]:
        """The schema errors of a package, and what was done with each part (schema name or 'skipped: …')."""
        errors, done = [], {}
        with zipfile.ZipFile(io.BytesIO(blob)) as archive:
            for part in archive.namelist():
                try:
                    schema, reason = self.rule(part)
                except LookupError:
                    errors.append(f"{part}: no schema and no reason to skip it (add it to PART_RULES)")
                    continue
                if schema is None and not part.endswith(".xml"):
                    done[part] = f"skipped: {reason}"
                    continue
                try:
                    root = etree.fromstring(archive.read(part))
                except etree.XMLSyntaxError as exc:
                    errors.append(f"{part}: not well-formed: {exc}")
                    continue
                if schema is None:
                    done[part] = f"skipped: {reason}"
                    continue
                validator = self.schema(schema)
                done[part] = schema
                root = markup_compatibility(root)
                if not validator.validate(root):
                    errors += [f"{part}:{e.line}: {e.message}" for e in validator.error_log]
        return errors, done


@pytest.fixture(scope="session")
def ooxml() -> Ooxml:
    if not (SCHEMAS / "wml.xsd").is_file():
        pytest.skip(f"OOXML schemas not found at {SCHEMAS} (shared reference folder beside the project)")
    return Ooxml(SCHEMAS)


def assert_valid(ooxml: Ooxml, report: service.ReportFile, at_least: set[str]) -> dict[str, str]:
    errors, done = ooxml.check(report.data)
    assert not errors, f"{report.filename}: {len(errors)} schema errors:\n" + "\n".join(errors[:40])
    with zipfile.ZipFile(io.BytesIO(report.data)) as archive:
        assert set(done) == set(archive.namelist())  # every part validated, or skipped with its reason
    assert at_least <= set(done), f"{report.filename}: expected parts missing: {at_least - set(done)}"
    return done


WORD_PARTS = {"word/document.xml", "word/styles.xml", "word/settings.xml", "word/numbering.xml",
              "word/footnotes.xml", "word/_rels/document.xml.rels", "[Content_Types].xml", "_rels/.rels",
              "docProps/app.xml"}
EXCEL_PARTS = {"xl/workbook.xml", "xl/styles.xml", "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml",
               "[Content_Types].xml", "_rels/.rels", "docProps/app.xml"}


def _project(tx, code: str) -> Project:
    return tx.scalar(select(Project).where(Project.code == code))


def _edition(tx, key: str = "gfmd-2020") -> Edition:
    return tx.scalar(select(Edition).where(Edition.key == key))


DEMO_DOCUMENTS = (
    [("progress", code, lang) for code in ("PALIM", "LINK-IT") for lang in ("fr", "en", "bilingual")]
    + [("iptt", "LINK-IT", lang) for lang in ("fr", "en")]
    + [("portfolio", "EU-DG-HOME", f"{lang}-{fmt}") for lang, fmt in (("fr", "docx"), ("en", "xlsx"))]
    + [("annex", "gfmd-2020", f"{lang}-{fmt}") for lang in ("fr", "en") for fmt in ("docx", "xlsx")]
)


def make(tx, kind: str, subject: str, variant: str) -> service.ReportFile:
    if kind == "progress":
        return service.progress_report(_project(tx, subject), variant, today=TODAY)
    if kind == "iptt":
        return service.iptt_report(_project(tx, subject), variant, today=TODAY)
    lang, fmt = variant.split("-")
    if kind == "portfolio":
        return service.portfolio_report(service.find_funder(subject), lang, fmt, today=TODAY)
    return service.annex_report(_edition(tx, subject), lang, fmt, today=TODAY)


@pytest.mark.parametrize("kind, subject, variant", DEMO_DOCUMENTS,
                         ids=["-".join(d) for d in DEMO_DOCUMENTS])
def test_demo_documents_are_schema_valid(ooxml, tx, kind, subject, variant):
    report = make(tx, kind, subject, variant)
    done = assert_valid(ooxml, report, WORD_PARTS if report.filename.endswith(".docx") else EXCEL_PARTS)
    if kind == "iptt":
        assert {"xl/charts/chart1.xml", "xl/drawings/drawing1.xml"} <= set(done)  # the native charts too
    if kind == "progress" and subject == "LINK-IT":
        assert {"word/charts/chart1.xml", "word/charts/_rels/chart1.xml.rels"} <= set(done)  # the native charts


def test_every_part_is_checked_or_skipped_with_a_reason(ooxml):
    assert ooxml.rule("docProps/core.xml") == (None, "Dublin Core schemas not shipped")
    assert ooxml.rule("xl/worksheets/sheet12.xml")[0] == "sml.xsd"
    blob = io.BytesIO()
    with zipfile.ZipFile(blob, "w") as archive:
        archive.writestr("customXml/item1.xml", "<a/>")
    errors, _ = ooxml.check(blob.getvalue())
    assert errors == ["customXml/item1.xml: no schema and no reason to skip it (add it to PART_RULES)"]


def test_schemas_catch_a_broken_table_look(ooxml):
    """The bug this file was written for: w:firstRow="{1 if headers else 0}" (a lost f-string prefix)."""
    w = DocxWriter()
    w.table(["a", "b"], [("1", "2")])
    good = w.to_bytes()
    assert ooxml.check(good)[0] == []
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "word/document.xml":
                data = data.replace(b'w:firstRow="1"', b'w:firstRow="{1 if headers else 0}"')
            target.writestr(name, data)
    errors, _ = ooxml.check(out.getvalue())
    assert errors and all("firstRow" in e for e in errors), errors


# --- hostile text --------------------------------------------------------------------------------
LONG = ("Lorem ipsum <dolor> & sit amet; " * 400)[:10_000]
AR = "مشروع الشراكة في المهارات والتنقل"  # right-to-left
ASTRAL = "🎓👩🏽‍🔧 𝄞 𠜎 \U0001F1F2\U0001F1E6"
FORMULAS = ('=HYPERLINK("x")', "+1", "@SUM(A1)", "-2+3", "Data!A1")  # the last: a cell reference to XlsxWriter


def hostile(tag: str, legacy: str, long: bool = False) -> str:
    """Text with markup characters, formulas, RTL, emoji, a tab, a newline and legacy control characters."""
    text = (f"{FORMULAS[0]} {tag} <b>&amp;</b> \"q\" 'a' ]]> {' '.join(FORMULAS[1:])} {AR} {ASTRAL}\ttab\nline "
            f"US$ 5, $^$ and $6{legacy}end")  # two "$": TeX to matplotlib
    return text + " " + LONG if long else text


def make_hostile(tx) -> None:
    """PALIM and its annex practice rewritten with hostile text, inside the test's rolled-back transaction."""
    # Old data holds control characters XML 1.0 cannot carry: Word's manual line break (vertical tab), an
    # escape, DEL, a non-character; and NUL, except on PostgreSQL, whose text columns refuse it.
    legacy = "\x0b\x1b\x7f\x01\ufffe" + ("\x00" if tx.get_bind().dialect.name != "postgresql" else "")
    project = _project(tx, "PALIM")
    project.title_en, project.title_fr = hostile("TitleEN", legacy)[:400], hostile("TitreFR", legacy)[:400]
    project.summary_en, project.summary_fr = hostile("SumEN", legacy, True), hostile("ResFR", legacy, True)
    project.lead_organisation.name = hostile("Lead", legacy)[:200]
    for level in tx.scalars(select(ResultLevel).where(ResultLevel.project_id == project.id)):
        level.statement_en, level.statement_fr = hostile("LvEN", legacy, True), hostile("NivFR", legacy, True)
    indicators = tx.scalars(select(Indicator).where(Indicator.project_id == project.id)).all()
    for k, indicator in enumerate(indicators):
        # Each name starts with another formula-like text: IPTT cells and chart titles begin with the name.
        indicator.name_en = (FORMULAS[k % len(FORMULAS)] + " " + hostile("IndEN", legacy))[:400]
        indicator.name_fr = (FORMULAS[k % len(FORMULAS)] + " " + hostile("IndFR", legacy))[:400]
    approved = tx.scalars(select(Submission).where(Submission.project_id == project.id,
                                                   Submission.status == SubmissionStatus.APPROVED)).all()
    for submission in approved:
        submission.narrative_en = hostile("NarrEN", legacy, True)
        submission.narrative_fr = hostile("NarrFR", legacy, True)
        for value in submission.values:
            value.comment = hostile("Comment", legacy)
    tx.add(Finding(submission_id=approved[-1].id, code="outlier", severity=Severity.WARNING,
                   indicator_id=indicators[0].id, indicator_code=indicators[0].code, period=approved[-1].period,
                   params={"value": "7", "median": "4.0000", "score": "4.0"},
                   justification=hostile("Justif", legacy, True)))
    edition = _edition(tx)
    edition.title_en, edition.title_fr = hostile("EdEN", legacy)[:400], hostile("EdFR", legacy)[:400]
    edition.categories[0].title_en = edition.categories[0].title_fr = hostile("Cat", legacy)
    for practice in tx.scalars(select(Practice).where(Practice.edition_id == edition.id)).all():
        if any(p.code == "PALIM" for p in practice.projects):
            practice.actor = hostile("Actor", legacy)[:300]
            practice.name_en, practice.name_fr = hostile("NameEN", legacy), hostile("NomFR", legacy)
            practice.summary_en = hostile("PracEN", legacy, True)
            practice.summary_fr = hostile("PracFR", legacy, True)
            practice.organisations = [hostile("Org", legacy), '=HYPERLINK("x")']
            practice.figures = [{"label_en": hostile("Fig", legacy), "label_fr": hostile("Fig", legacy),
                                 "value": hostile("Val", legacy), "unit": ""}]
            practice.sources.append(PracticeSource(position=len(practice.sources),
                                                   url="https://example.org/?a=1&b=<2>" + legacy + '"]]>'))
    tx.flush()
    tx.expire_all()
    assert legacy in _project(tx, "PALIM").summary_en  # the database kept every control character


HOSTILE_DOCUMENTS = ([("progress", "PALIM", lang) for lang in ("fr", "en", "bilingual")]
                     + [("iptt", "PALIM", lang) for lang in ("fr", "en")]
                     + [("annex", "gfmd-2020", f"{lang}-{fmt}") for lang in ("fr", "en") for fmt in ("docx", "xlsx")])
C = "http://schemas.openxmlformats.org/drawingml/2006/chart"
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff]")


def test_documents_from_hostile_text_are_schema_valid_and_keep_the_text(ooxml, tx):
    make_hostile(tx)
    for kind, subject, variant in HOSTILE_DOCUMENTS:
        report = make(tx, kind, subject, variant)
        assert_valid(ooxml, report, WORD_PARTS if report.filename.endswith(".docx") else EXCEL_PARTS)
        if report.filename.endswith(".docx"):
            document = Document(io.BytesIO(report.data))
            text = "\n".join([p.text for p in document.paragraphs] + [c.text for t in document.tables
                                                                      for r in t.rows for c in r.cells])
            assert '=HYPERLINK("x") ' in text and "\"q\" 'a' ]]> +1 @SUM(A1)" in text, report.filename
            assert AR in text and ASTRAL in text, report.filename
            assert "\ttab\nline US$ 5, $^$ and $6\nend" in text, report.filename  # tab, line break kept; controls gone
            assert not CONTROL.search(text), report.filename
        else:
            book = openpyxl.load_workbook(io.BytesIO(report.data))
            cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row
                     if isinstance(c.value, str)]
            assert cells and all(c.data_type == "s" for c in cells), report.filename  # text, never a formula
            texts = [c.value for c in cells]
            assert any(t.startswith('=HYPERLINK("x")') for t in texts), report.filename
            assert any("\ttab\nline US$ 5, $^$ and $6\nend" in t for t in texts), report.filename
            assert not any(CONTROL.search(t) or "_x00" in t for t in texts), report.filename
            if kind == "iptt":  # chart titles and series names are references to the chart sheet, never text
                with zipfile.ZipFile(io.BytesIO(report.data)) as archive:
                    references = [f.text for part in archive.namelist() if part.startswith("xl/charts/")
                                  for f in etree.fromstring(archive.read(part)).iter(f"{{{C}}}f")]
                assert len(references) == 4 * (1 + 2 * 3), references  # 4 charts: title, 2 × (name, x, y)
                assert all(r.startswith(book.sheetnames[-1] + "!$") for r in references), references


@pytest.mark.parametrize("stored, shown", [
    ("plain «text» 🎓", "plain «text» 🎓"),
    ("tab\tand\nline", "tab\tand\nline"),
    ("windows\r\nold mac\rend", "windows\nold mac\nend"),
    ("Word line\x0bbreak, page\x0cbreak", "Word line\nbreak, page\nbreak"),
    ("nul\x00 esc\x1b[0m del\x7f c1\x9b non\ufffe\uffff lone\ud800", "nul esc[0m del c1 non lone"),
    (None, ""),
    (12, "12"),
])
def test_clean_keeps_text_and_drops_what_xml_cannot_carry(stored, shown):
    assert clean(stored) == shown
