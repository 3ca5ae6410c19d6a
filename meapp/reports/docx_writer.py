"""A fast .docx writer on a Word template (meapp.reports.template): the body is written straight as XML.

Paragraphs, tables, pictures and footnotes are WordprocessingML strings that name their styles by
meapp's names; when the package is written, those become the template's own style ids, found by style
name. The template's other parts (styles, headers, footers, settings, theme) are copied as they are,
its namespaces and section properties kept; relationships, content types and properties are edited
as XML. This is what python-docx would write, without its object model, which measured 5-30× slower
(see ../shared/notes/documents.md).
"""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from lxml import etree

from meapp.reports.template import Template, load_template
from meapp.reports.text import clean

REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
IMAGE_REL = f"{REL}/image"
FOOTNOTES_REL = f"{REL}/footnotes"
CORE_REL = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
FOOTNOTES_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
CORE_TYPE = "application/vnd.openxmlformats-package.core-properties+xml"
CORE_NS = {"cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
           "dc": "http://purl.org/dc/elements/1.1/", "dcterms": "http://purl.org/dc/terms/",
           "xsi": "http://www.w3.org/2001/XMLSchema-instance"}
EMU_PER_CM = 360000
TEXT_WIDTH_TWIPS = 9638
_EMPTY_FOOTNOTES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<w:footnotes xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="{REL}">'
    '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
    '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p>'
    "</w:footnote></w:footnotes>")


def _clean(text) -> str:
    """Escaped for XML text and attributes, without the control characters old data may hold."""
    return clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


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


def paragraph(content, style: str, keep_next: bool = False, runs: str | None = None) -> str:
    """A paragraph in the style of that id (DocxWriter.sid gives the template's id for a style name)."""
    ppr = f'<w:pPr><w:pStyle w:val="{style}"/>' + ("<w:keepNext/>" if keep_next else "") + "</w:pPr>"
    return f"<w:p>{ppr}{runs if runs is not None else run(content)}</w:p>"


def _cell_paragraphs(content, style: str, bold: bool = False, keep_next: bool = False) -> str:
    """A cell's text; a (first, second) pair becomes two paragraphs, the second in italics (bilingual)."""
    if isinstance(content, tuple):
        first, second = content
        return (paragraph(None, style, keep_next, runs=run(first, bold=bold)) +
                paragraph(None, style, keep_next, runs=run(second, italic=True)))
    return paragraph(None, style, keep_next, runs=run(content, bold=bold))


class DocxWriter:
    def __init__(self, template: Path | str | None = None):
        self.template: Template = load_template(template)
        self._style_ids: dict[str, str] = {}
        self.parts: list[str] = []
        self.notes: list[str] = []
        self.media: list[tuple[str, str, bytes]] = []  # (relationship id, part name, bytes)
        self.title = ""
        self.language = "en-GB"
        self.toc_entries: list[tuple[int, str, str]] = []  # (level, text, bookmark)
        self._toc_index: int | None = None
        self._drawing_id = 100

    def sid(self, name: str) -> str:
        """The template's id of the style meapp calls `name` (found by style name; TemplateError if absent)."""
        found = self._style_ids.get(name)
        if found is None:
            found = self._style_ids[name] = escape(self.template.style_id(name), {'"': "&quot;"})
        return found

    # --- blocks -------------------------------------------------------------------------------
    def heading(self, text, level: int = 1) -> None:
        """A heading; inside a document with a contents field it gets a bookmark the contents link to."""
        if self._toc_index is None or level > 2:
            self.parts.append(paragraph(text, self.sid(f"Heading{level}"), keep_next=True))
            return
        name = f"_Toc{len(self.toc_entries) + 1}"
        self.toc_entries.append((level, str(text or ""), name))
        mark = len(self.toc_entries)
        self.parts.append(f'<w:p><w:pPr><w:pStyle w:val="{self.sid(f"Heading{level}")}"/><w:keepNext/></w:pPr>'
                          f'<w:bookmarkStart w:id="{mark}" w:name="{name}"/>{run(text)}<w:bookmarkEnd w:id="{mark}"/>'
                          '</w:p>')

    def para(self, text, style: str = "Normal") -> None:
        if text:
            self.parts.append(paragraph(text, self.sid(style)))

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
        out = [f'<w:tbl><w:tblPr><w:tblStyle w:val="{self.sid(style)}"/><w:tblW w:w="{sum(twips)}" w:type="dxa"/>'
               f'<w:tblLook w:val="04A0" w:firstRow="{1 if headers else 0}" w:lastRow="0" w:firstColumn="0" '
               f'w:lastColumn="0" w:noHBand="1" w:noVBand="1"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>']
        if headers:
            cells = "".join(f'<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/></w:tcPr>'
                            f"{_cell_paragraphs(h, self.sid('TableHeading'), bold=True, keep_next=True)}</w:tc>"
                            for h, w in zip(headers, twips, strict=False))
            # The header row keeps with the first data row: never alone at the foot of a page (where
            # LibreOffice, with rows that may not split, would also drop the next row from the PDF).
            out.append(f'<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>{cells}</w:tr>')
        for index, row in enumerate(rows):
            fill = fills[index] if fills else None
            cells = []
            for col, (value, w) in enumerate(zip(row, twips, strict=False)):
                shade = f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>' \
                    if fill and (fill_column is None or col == fill_column) else ""
                cells.append(f'<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/>{shade}</w:tcPr>'
                             f"{_cell_paragraphs(value, self.sid('TableText'))}</w:tc>")
            out.append(f'<w:tr><w:trPr><w:cantSplit/></w:trPr>{"".join(cells)}</w:tr>')
        out.append("</w:tbl>")
        self.parts.append("".join(out))
        self.parts.append(paragraph("", self.sid("Small")))

    def image(self, png: bytes, width_cm: float, height_cm: float, alt_text: str, name: str) -> None:
        """An inline picture with alternative text (docPr/@descr) for screen readers."""
        rid = f"rIdImage{len(self.media) + 1}"
        self.media.append((rid, f"media/image{len(self.media) + 1}.png", png))
        self._drawing_id += 1
        cx, cy = int(width_cm * EMU_PER_CM), int(height_cm * EMU_PER_CM)
        alt, label = _clean(alt_text), _clean(name)
        self.parts.append(
            f'<w:p><w:pPr><w:pStyle w:val="{self.sid("Normal")}"/><w:jc w:val="center"/></w:pPr><w:r><w:drawing>'
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
            f'<w:footnote w:id="{number}"><w:p><w:pPr><w:pStyle w:val="{self.sid("FootnoteText")}"/></w:pPr>'
            f'<w:r><w:rPr><w:rStyle w:val="{self.sid("FootnoteReference")}"/></w:rPr><w:footnoteRef/></w:r>'
            f'{run(" " + str(text))}</w:p></w:footnote>')
        return (f'<w:r><w:rPr><w:rStyle w:val="{self.sid("FootnoteReference")}"/></w:rPr>'
                f'<w:footnoteReference w:id="{number}"/></w:r>')

    def toc(self, title: str, hint: str) -> None:
        """A table-of-contents field over headings 1–2. Its entries are written in advance as links (page
        numbers come when Word refreshes the field, which `hint` says), so a PDF made without Word still
        shows the outline rather than an empty field."""
        self.parts.append(paragraph(title, self.sid("TOCHeading")))
        self.parts.append(paragraph(hint, self.sid("Small")))
        self._toc_index = len(self.parts)
        self.parts.append("")  # filled in by to_bytes(), once every heading is known

    def _toc_xml(self) -> str:
        begin = ('<w:r><w:fldChar w:fldCharType="begin" w:dirty="true"/></w:r>'
                 '<w:r><w:instrText xml:space="preserve"> TOC \\o "1-2" \\h \\z \\u </w:instrText></w:r>'
                 '<w:r><w:fldChar w:fldCharType="separate"/></w:r>')
        end = '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        if not self.toc_entries:
            return f'<w:p><w:pPr><w:pStyle w:val="{self.sid("TOC1")}"/></w:pPr>{begin}{end}</w:p>'
        out = []
        for index, (level, text, name) in enumerate(self.toc_entries):
            link = f'<w:hyperlink w:anchor="{name}" w:history="1">{run(text)}</w:hyperlink>'
            out.append(f'<w:p><w:pPr><w:pStyle w:val="{self.sid(f"TOC{level}")}"/></w:pPr>{begin if index == 0 else ""}{link}'
                       f'{end if index == len(self.toc_entries) - 1 else ""}</w:p>')
        return "".join(out)

    # --- output -------------------------------------------------------------------------------
    def set_properties(self, title: str, language: str) -> None:
        self.title, self.language = title[:250], language

    def to_bytes(self) -> bytes:
        """The package: the template's parts, its body replaced, notes, pictures and properties added."""
        if self._toc_index is not None:
            self.parts[self._toc_index] = self._toc_xml()
        template = self.template
        body = "".join(self.parts)
        notes = "".join(self.notes)
        parts = dict(template.parts)
        rels = etree.fromstring(parts.get("word/_rels/document.xml.rels") or
                                f'<Relationships xmlns="{PKG_REL}"/>'.encode())
        types = etree.fromstring(parts["[Content_Types].xml"])
        added: dict[str, bytes] = {}

        def new_rel(kind: str, target: str) -> str:
            taken = {r.get("Id") for r in rels}
            rid = next(f"rIdMeapp{n}" for n in range(1, 10_000) if f"rIdMeapp{n}" not in taken)
            etree.SubElement(rels, f"{{{PKG_REL}}}Relationship", Id=rid, Type=kind, Target=target)
            return rid

        def override(part: str, content_type: str) -> None:
            if not any(o.get("PartName") == f"/{part}" for o in types):
                etree.SubElement(types, f"{{{CONTENT_TYPES}}}Override", PartName=f"/{part}", ContentType=content_type)

        if self.notes:
            footnotes = next((r.get("Target") for r in rels if r.get("Type") == FOOTNOTES_REL), None)
            if footnotes is None:
                footnotes = "footnotes.xml"
                new_rel(FOOTNOTES_REL, footnotes)
                override(f"word/{footnotes}", FOOTNOTES_TYPE)
            name = "word/" + footnotes.lstrip("/").removeprefix("word/")
            xml = (parts.get(name) or _EMPTY_FOOTNOTES.encode()).decode("utf-8")
            added[name] = xml.replace("</w:footnotes>", notes + "</w:footnotes>").encode("utf-8")
        image_ids = {}
        for rid, target_name, _png in self.media:
            image_ids[rid] = new_rel(IMAGE_REL, target_name)
        if self.media and not any(d.get("Extension", "").lower() == "png" for d in types):
            types.insert(0, etree.Element(f"{{{CONTENT_TYPES}}}Default", Extension="png", ContentType="image/png"))
        for writer_id, package_id in image_ids.items():
            body = body.replace(f'r:embed="{writer_id}"', f'r:embed="{package_id}"')
        added["word/document.xml"] = (template.document_head + "<w:body>" + body + template.section +
                                      "</w:body></w:document>").encode("utf-8")
        added["word/_rels/document.xml.rels"] = etree.tostring(rels, xml_declaration=True, encoding="UTF-8",
                                                                standalone=True)
        added["docProps/core.xml"] = self._core(parts.get("docProps/core.xml"))
        if "docProps/core.xml" not in parts:
            package_rels = etree.fromstring(parts["_rels/.rels"])
            etree.SubElement(package_rels, f"{{{PKG_REL}}}Relationship", Id="rIdMeappCore", Type=CORE_REL,
                             Target="docProps/core.xml")
            added["_rels/.rels"] = etree.tostring(package_rels, xml_declaration=True, encoding="UTF-8",
                                                  standalone=True)
            override("docProps/core.xml", CORE_TYPE)
        added["[Content_Types].xml"] = etree.tostring(types, xml_declaration=True, encoding="UTF-8", standalone=True)

        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            target.writestr("[Content_Types].xml", added.pop("[Content_Types].xml"))
            for name, data in template.parts:
                if name != "[Content_Types].xml":
                    target.writestr(name, added.pop(name, data))
            for name, data in added.items():
                target.writestr(name, data)
            for _rid, target_name, png in self.media:
                target.writestr(f"word/{target_name}", png)
        return out.getvalue()

    def _core(self, existing: bytes | None) -> bytes:
        """The core properties: title, language, created and modified now (the template's others kept)."""
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        root = etree.fromstring(existing) if existing else etree.Element(f"{{{CORE_NS['cp']}}}coreProperties",
                                                                          nsmap=CORE_NS)

        def set_text(prefix: str, tag: str, text: str, **attrs) -> None:
            element = root.find(f"{{{CORE_NS[prefix]}}}{tag}")
            if element is None:
                element = etree.SubElement(root, f"{{{CORE_NS[prefix]}}}{tag}")
            element.text = text
            for key, value in attrs.items():
                element.set(key, value)

        set_text("dc", "title", clean(self.title) or "Report")
        set_text("dc", "language", clean(self.language))
        w3cdtf = {f"{{{CORE_NS['xsi']}}}type": "dcterms:W3CDTF"}
        set_text("dcterms", "created", now, **w3cdtf)
        set_text("dcterms", "modified", now, **w3cdtf)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
