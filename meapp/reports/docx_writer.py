"""A fast .docx writer on report_templates/base.docx: the package is written straight as XML into a zip.

Paragraphs, tables, pictures and footnotes are WordprocessingML strings with style ids resolved in
advance; the base template's other parts are copied as they are. This is what python-docx would
write, without its object model, which measured 5-30× slower (see ../shared/notes/documents.md).
Tests read every document back with python-docx.
"""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from meapp.reports.text import clean

BASE = Path(__file__).resolve().parents[2] / "report_templates" / "base.docx"
NS = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "pic": "http://schemas.openxmlformats.org/drawingml/2006/picture",
}
DOCUMENT_ROOT = "<w:document " + " ".join(f'xmlns:{k}="{v}"' for k, v in NS.items()) + ">"
IMAGE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"
EMU_PER_CM = 360000
TEXT_WIDTH_TWIPS = 9638


@lru_cache(maxsize=2)
def _base_parts(path: Path = BASE) -> tuple[tuple[str, bytes], ...]:
    """The template's parts, read once per process."""
    with zipfile.ZipFile(path) as archive:
        return tuple((info.filename, archive.read(info.filename)) for info in archive.infolist())


def _clean(text) -> str:
    """Escaped for XML text and attributes, without the control characters old data may hold."""
    return escape(clean(text), {'"': "&quot;"})


def _run_content(line: str) -> str:
    """One line of a run; its tabs become w:tab elements, as Word writes them."""
    pieces = line.split("\t")
    return "<w:tab/>".join(f'<w:t xml:space="preserve">{piece}</w:t>' if piece else "" for piece in pieces)


def run(text, bold: bool = False, italic: bool = False, style: str | None = None) -> str:
    props = ""
    if style or bold or italic:
        props = "<w:rPr>" + (f'<w:rStyle w:val="{style}"/>' if style else "") + ("<w:b/>" if bold else "") + \
                ("<w:i/>" if italic else "") + "</w:rPr>"
    lines = _clean(text).split("\n")
    body = "<w:br/>".join(_run_content(line) for line in lines) or '<w:t xml:space="preserve"></w:t>'
    return f"<w:r>{props}{body}</w:r>"


def paragraph(content, style: str = "Normal", keep_next: bool = False, runs: str | None = None) -> str:
    ppr = f'<w:pPr><w:pStyle w:val="{style}"/>' + ("<w:keepNext/>" if keep_next else "") + "</w:pPr>"
    return f"<w:p>{ppr}{runs if runs is not None else run(content)}</w:p>"


def _cell_paragraphs(content, style: str, bold: bool = False) -> str:
    """A cell's text; a (first, second) pair becomes two paragraphs, the second in italics (bilingual)."""
    if isinstance(content, tuple):
        first, second = content
        return paragraph(None, style, runs=run(first, bold=bold)) + paragraph(None, style, runs=run(second, italic=True))
    return paragraph(None, style, runs=run(content, bold=bold))


class DocxWriter:
    def __init__(self, base: Path = BASE):
        self.base = base
        self.parts: list[str] = []
        self.notes: list[str] = []
        self.media: list[tuple[str, str, bytes]] = []  # (relationship id, part name, bytes)
        self.title = ""
        self.language = "en-GB"
        self.toc_entries: list[tuple[int, str, str]] = []  # (level, text, bookmark)
        self._toc_index: int | None = None
        self._drawing_id = 100

    # --- blocks -------------------------------------------------------------------------------
    def heading(self, text, level: int = 1) -> None:
        """A heading; inside a document with a contents field it gets a bookmark the contents link to."""
        if self._toc_index is None or level > 2:
            self.parts.append(paragraph(text, f"Heading{level}", keep_next=True))
            return
        name = f"_Toc{len(self.toc_entries) + 1}"
        self.toc_entries.append((level, str(text or ""), name))
        mark = len(self.toc_entries)
        self.parts.append(f'<w:p><w:pPr><w:pStyle w:val="Heading{level}"/><w:keepNext/></w:pPr>'
                          f'<w:bookmarkStart w:id="{mark}" w:name="{name}"/>{run(text)}<w:bookmarkEnd w:id="{mark}"/>'
                          '</w:p>')

    def para(self, text, style: str = "Normal") -> None:
        if text:
            self.parts.append(paragraph(text, style))

    def raw(self, xml: str) -> None:
        self.parts.append(xml)

    def page_break(self) -> None:
        self.parts.append('<w:p><w:r><w:br w:type="page"/></w:r></w:p>')

    def table(self, headers, rows, widths: list[float] | None = None, fills: list[str | None] | None = None,
              fill_column: int | None = None, style: str = "ReportTable") -> None:
        """A table with a repeated header row; widths are fractions of the text width."""
        if not headers and style == "ReportTable":
            style = "TableGrid"  # no header row to shade
        columns = len(headers) if headers else len(rows[0])
        widths = widths or [1 / columns] * columns
        twips = [int(TEXT_WIDTH_TWIPS * w) for w in widths]
        grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in twips)
        out = [f'<w:tbl><w:tblPr><w:tblStyle w:val="{style}"/><w:tblW w:w="{sum(twips)}" w:type="dxa"/>'
               f'<w:tblLook w:val="04A0" w:firstRow="{1 if headers else 0}" w:lastRow="0" w:firstColumn="0" '
               f'w:lastColumn="0" w:noHBand="1" w:noVBand="1"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>']
        if headers:
            cells = "".join(f'<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/></w:tcPr>'
                            f"{_cell_paragraphs(h, 'TableHeading', bold=True)}</w:tc>"
                            for h, w in zip(headers, twips, strict=False))
            out.append(f'<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>{cells}</w:tr>')
        for index, row in enumerate(rows):
            fill = fills[index] if fills else None
            cells = []
            for col, (value, w) in enumerate(zip(row, twips, strict=False)):
                shade = f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>' \
                    if fill and (fill_column is None or col == fill_column) else ""
                cells.append(f'<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/>{shade}</w:tcPr>'
                             f"{_cell_paragraphs(value, 'TableText')}</w:tc>")
            out.append(f'<w:tr><w:trPr><w:cantSplit/></w:trPr>{"".join(cells)}</w:tr>')
        out.append("</w:tbl>")
        self.parts.append("".join(out))
        self.parts.append(paragraph("", "Small"))

    def image(self, png: bytes, width_cm: float, height_cm: float, alt_text: str, name: str) -> None:
        """An inline picture with alternative text (docPr/@descr) for screen readers."""
        rid = f"rIdImage{len(self.media) + 1}"
        self.media.append((rid, f"media/image{len(self.media) + 1}.png", png))
        self._drawing_id += 1
        cx, cy = int(width_cm * EMU_PER_CM), int(height_cm * EMU_PER_CM)
        alt, label = _clean(alt_text), _clean(name)
        self.parts.append(
            f'<w:p><w:pPr><w:pStyle w:val="Normal"/><w:jc w:val="center"/></w:pPr><w:r><w:drawing>'
            f'<wp:inline distT="0" distB="0" distL="0" distR="0"><wp:extent cx="{cx}" cy="{cy}"/>'
            f'<wp:docPr id="{self._drawing_id}" name="{label}" descr="{alt}"/>'
            '<wp:cNvGraphicFramePr><a:graphicFrameLocks noChangeAspect="1"/></wp:cNvGraphicFramePr>'
            '<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic>'
            f'<pic:nvPicPr><pic:cNvPr id="{self._drawing_id}" name="{label}" descr="{alt}"/><pic:cNvPicPr/></pic:nvPicPr>'
            f'<pic:blipFill><a:blip r:embed="{rid}"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>'
            f'<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm>'
            '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic>'
            '</wp:inline></w:drawing></w:r></w:p>')

    def footnote(self, text: str) -> str:
        """A real Word footnote: returns the reference run for the body; Word numbers the notes in order."""
        number = len(self.notes) + 1
        self.notes.append(
            f'<w:footnote w:id="{number}"><w:p><w:pPr><w:pStyle w:val="FootnoteText"/></w:pPr>'
            '<w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr><w:footnoteRef/></w:r>'
            f'{run(" " + str(text))}</w:p></w:footnote>')
        return f'<w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr><w:footnoteReference w:id="{number}"/></w:r>'

    def toc(self, title: str, hint: str) -> None:
        """A table-of-contents field over headings 1–2. Its entries are written in advance as links (page
        numbers come when Word refreshes the field, which `hint` says), so a PDF made without Word still
        shows the outline rather than an empty field."""
        self.parts.append(paragraph(title, "TOCHeading"))
        self.parts.append(paragraph(hint, "Small"))
        self._toc_index = len(self.parts)
        self.parts.append("")  # filled in by to_bytes(), once every heading is known

    def _toc_xml(self) -> str:
        begin = ('<w:r><w:fldChar w:fldCharType="begin" w:dirty="true"/></w:r>'
                 '<w:r><w:instrText xml:space="preserve"> TOC \\o "1-2" \\h \\z \\u </w:instrText></w:r>'
                 '<w:r><w:fldChar w:fldCharType="separate"/></w:r>')
        end = '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        if not self.toc_entries:
            return f'<w:p><w:pPr><w:pStyle w:val="TOC1"/></w:pPr>{begin}{end}</w:p>'
        out = []
        for index, (level, text, name) in enumerate(self.toc_entries):
            link = f'<w:hyperlink w:anchor="{name}" w:history="1">{run(text)}</w:hyperlink>'
            out.append(f'<w:p><w:pPr><w:pStyle w:val="TOC{level}"/></w:pPr>{begin if index == 0 else ""}{link}'
                       f'{end if index == len(self.toc_entries) - 1 else ""}</w:p>')
        return "".join(out)

    # --- output -------------------------------------------------------------------------------
    def set_properties(self, title: str, language: str) -> None:
        self.title, self.language = title[:250], language

    def to_bytes(self) -> bytes:
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        if self._toc_index is not None:
            self.parts[self._toc_index] = self._toc_xml()
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for name, data in _base_parts(self.base):
                if name == "word/document.xml":
                    text = data.decode("utf-8")
                    head, _, rest = text.partition("<w:document ")
                    rest = rest[rest.index(">") + 1:]
                    data = (head + DOCUMENT_ROOT + rest.replace("<w:body>", "<w:body>" + "".join(self.parts), 1)
                            ).encode("utf-8")
                elif name == "word/footnotes.xml" and self.notes:
                    data = data.decode("utf-8").replace("</w:footnotes>", "".join(self.notes) + "</w:footnotes>"
                                                        ).encode("utf-8")
                elif name == "word/_rels/document.xml.rels" and self.media:
                    rels = "".join(f'<Relationship Id="{rid}" Type="{IMAGE_REL}" Target="{target_name}"/>'
                                   for rid, target_name, _png in self.media)
                    data = data.decode("utf-8").replace("</Relationships>", rels + "</Relationships>").encode()
                elif name == "[Content_Types].xml" and self.media:
                    data = data.decode("utf-8").replace(
                        '<Default Extension="xml"',
                        '<Default Extension="png" ContentType="image/png"/><Default Extension="xml"', 1).encode()
                elif name == "docProps/core.xml":
                    text = data.decode("utf-8")
                    text = text.replace("<dc:title>Report</dc:title>",
                                        f"<dc:title>{_clean(self.title) or 'Report'}</dc:title>"
                                        f"<dc:language>{_clean(self.language)}</dc:language>")
                    text = text.replace("2020-01-01T00:00:00Z", now)
                    data = text.encode("utf-8")
                target.writestr(name, data)
            for _rid, target_name, png in self.media:
                target.writestr(f"word/{target_name}", png)
        return out.getvalue()
