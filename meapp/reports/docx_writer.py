"""A fast .docx writer on a Word template (meapp.reports.template): the body is written straight as XML.

Paragraphs, tables, pictures and footnotes are WordprocessingML strings that name their styles by
meapp's names; when the package is written, those become the template's own style ids, found by style
name. The template's other parts (styles, headers, footers, settings, theme) are copied as they are,
its namespaces and section properties kept; relationships, content types and properties are edited
as XML. This is what python-docx would write, without its object model, which measured 5-30× slower
(see ../shared/notes/documents.md).
"""
from __future__ import annotations

import io
import re
import zipfile
from itertools import count
from pathlib import Path
from xml.sax.saxutils import escape

from lxml import etree

from meapp.reports.docx_layout import A4_LONG, A4_SHORT, column_widths
from meapp.reports.docx_parts import core_properties, default_language, update_fields, uri
from meapp.reports.template import Template, load_template
from meapp.reports.text import clean

REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
CHART_REL = f"{REL}/chart"
PACKAGE_REL = f"{REL}/package"
CHART_TYPE = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHART_NS = "http://schemas.openxmlformats.org/drawingml/2006/chart"
FOOTNOTES_REL = f"{REL}/footnotes"
HYPERLINK_REL = f"{REL}/hyperlink"
SETTINGS_REL = f"{REL}/settings"
CORE_REL = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
FOOTNOTES_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
CORE_TYPE = "application/vnd.openxmlformats-package.core-properties+xml"
HEADER_REL = f"{REL}/header"
HEADER_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"
EMU_PER_CM = 360000
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


class Tagged(str):
    """Text in another language than the document's (the English half of the bilingual report)."""

    lang: str = ""

    def __new__(cls, text, lang: str):
        made = super().__new__(cls, text)
        made.lang = lang
        return made


def run(text, bold: bool = False, italic: bool = False, style: str | None = None, lang: str | None = None) -> str:
    lang = lang or getattr(text, "lang", None)
    props = ""
    if style or bold or italic or lang:
        props = "<w:rPr>" + (f'<w:rStyle w:val="{style}"/>' if style else "") + ("<w:b/>" if bold else "") + \
                ("<w:i/>" if italic else "") + (f'<w:lang w:val="{lang}"/>' if lang else "") + "</w:rPr>"
    lines = _clean(text).split("\n")
    body = "<w:br/>".join(_run_content(line) for line in lines) or '<w:t xml:space="preserve"></w:t>'
    return f"<w:r>{props}{body}</w:r>"


def paragraph(content, style: str, keep_next: bool = False, runs: str | None = None) -> str:
    """A paragraph in the style of that id (DocxWriter.sid gives the template's id for a style name)."""
    ppr = f'<w:pPr><w:pStyle w:val="{style}"/>' + ("<w:keepNext/>" if keep_next else "") + "</w:pPr>"
    return f"<w:p>{ppr}{runs if runs is not None else run(content)}</w:p>"


def _cell_paragraphs(content, style: str, bold: bool = False, keep_next: bool = False,
                     second_lang: str | None = None) -> str:
    """A cell's text; a (first, second) pair becomes two paragraphs, the second in italics (bilingual) and
    tagged with its language, so that spelling and screen readers switch with it."""
    if isinstance(content, tuple):
        first, second = content
        return (paragraph(None, style, keep_next, runs=run(first, bold=bold)) +
                paragraph(None, style, keep_next, runs=run(second, italic=True, lang=second_lang)))
    return paragraph(None, style, keep_next, runs=run(content, bold=bold))


class DocxWriter:
    def __init__(self, template: Path | str | None = None):
        self.template: Template = load_template(template)
        self._style_ids: dict[str, str] = {}
        self.parts: list[str] = []
        self.notes: list[str] = []
        self.title = ""
        self.language = "en-GB"
        self.toc_entries: list[tuple[int, str, str]] = []  # (level, text, bookmark)
        self._toc_index: int | None = None
        self.note_links: list[tuple[str, str]] = []  # (writer's relationship id, address) of linked footnotes
        self._drawing_id = 100
        self.charts: list[tuple[str, bytes, bytes]] = []  # (relationship id, chart XML, workbook)
        self.second_language: str | None = None  # the language of the second half of bilingual pairs
        self.header_text = ""  # the running header (project, period, demonstration data), from page 2
        self.page_label = ""  # "page {page} of {pages}" in the document's language
        self._landscape = False
        self._sections = 0  # section breaks written (the cover keeps its own first-page look)

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

    def para(self, text, style: str = "Normal", lang: str | None = None) -> None:
        if text:
            self.parts.append(paragraph(None, self.sid(style), runs=run(text, lang=lang)))

    # --- sections -----------------------------------------------------------------------------
    def _section_break(self, landscape: bool) -> None:
        """End the current section here; it takes the template's page setup, turned if it was landscape."""
        self.parts.append(f"<w:p><w:pPr>{self.__section_xml(landscape, first=self._sections == 0)}</w:pPr></w:p>")
        self._sections += 1

    def __section_xml(self, landscape: bool, first: bool) -> str:
        section = self.template.section or (
            '<w:sectPr xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f'<w:pgSz w:w="{A4_SHORT}" w:h="{A4_LONG}"/><w:pgMar w:top="1134" w:right="1134" w:bottom="1134" '
            'w:left="1134" w:header="567" w:footer="567" w:gutter="0"/></w:sectPr>')
        if not first:  # only the cover has a first page of its own (no header, no footer)
            section = re.sub(r"<w:titlePg(?: [^>]*)?/>", "", section)
        if landscape:
            section = re.sub(r"<w:pgSz\b[^>]*/>", f'<w:pgSz w:w="{A4_LONG}" w:h="{A4_SHORT}" w:orient="landscape"/>',
                             section)
        return section

    def too_wide(self, headers, rows) -> bool:
        """Whether a table's columns, each at least its longest word, exceed the width of portrait pages."""
        landscape, self._landscape = self._landscape, False
        try:
            return column_widths(headers, rows, self.text_width)[1]
        finally:
            self._landscape = landscape

    def begin_landscape(self) -> None:
        """What follows is laid out on landscape pages (wide tables), until end_landscape."""
        if not self._landscape:
            if self.parts:  # at the very start, the first section itself is landscape: no empty page
                self._section_break(landscape=False)
            self._landscape = True

    def end_landscape(self) -> None:
        if self._landscape:
            self._section_break(landscape=True)
            self._landscape = False

    @property
    def text_width(self) -> int:
        """The width between the margins of the current section, in twips."""
        return self.template.text_width(self._landscape)

    def raw(self, xml: str) -> None:
        self.parts.append(xml)

    def page_break(self) -> None:
        self.parts.append('<w:p><w:r><w:br w:type="page"/></w:r></w:p>')

    def table(self, headers, rows, widths: list[float] | None = None, fills: list[str | None] | None = None,
              fill_column: int | None = None, style: str = "ReportTable") -> None:
        """A table with a repeated header row; widths are fractions of the text width."""
        if not headers and style == "ReportTable":
            style = "TableGrid"  # no header row to shade
        if widths:
            twips = [int(self.text_width * w) for w in widths]
        else:
            twips, _too_wide = column_widths(headers, rows, self.text_width)
        grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in twips)
        out = [f'<w:tbl><w:tblPr><w:tblStyle w:val="{self.sid(style)}"/><w:tblW w:w="{sum(twips)}" w:type="dxa"/>'
               f'<w:tblLook w:val="04A0" w:firstRow="{1 if headers else 0}" w:lastRow="0" w:firstColumn="0" '
               f'w:lastColumn="0" w:noHBand="1" w:noVBand="1"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>']
        if headers:
            heading = self.sid("TableHeading")
            cells = "".join(f'<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/></w:tcPr>'
                            + _cell_paragraphs(h, heading, bold=True, keep_next=True,
                                               second_lang=self.second_language) + "</w:tc>"
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
                             f"{_cell_paragraphs(value, self.sid('TableText'), second_lang=self.second_language)}</w:tc>")
            out.append(f'<w:tr><w:trPr><w:cantSplit/></w:trPr>{"".join(cells)}</w:tr>')
        out.append("</w:tbl>")
        self.parts.append("".join(out))
        self.parts.append(paragraph("", self.sid("Small")))

    def chart(self, chart_xml: bytes, workbook: bytes, width_cm: float, height_cm: float, alt_text: str,
              name: str) -> None:
        """An inline native chart: a chart part (c:chartSpace whose c:externalData is relationship rId1) and the
        workbook it embeds, which Word's "Edit data" opens; alternative text (docPr/@descr) for screen readers."""
        rid = f"rIdChart{len(self.charts) + 1}"
        self.charts.append((rid, chart_xml, workbook))
        self._drawing_id += 1
        cx, cy = int(width_cm * EMU_PER_CM), int(height_cm * EMU_PER_CM)
        self.parts.append(
            f'<w:p><w:pPr><w:pStyle w:val="{self.sid("Normal")}"/><w:jc w:val="center"/></w:pPr><w:r>'
            f'<w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0"><wp:extent cx="{cx}" cy="{cy}"/>'
            '<wp:effectExtent l="0" t="0" r="0" b="0"/>'
            f'<wp:docPr id="{self._drawing_id}" name="{_clean(name)}" descr="{_clean(alt_text)}"/>'
            f'<wp:cNvGraphicFramePr/><a:graphic><a:graphicData uri="{CHART_NS}">'
            f'<c:chart xmlns:c="{CHART_NS}" r:id="{rid}"/></a:graphicData></a:graphic>'
            '</wp:inline></w:drawing></w:r></w:p>')

    def footnote(self, text: str, url: str | None = None) -> str:
        """A real Word footnote: returns the reference run for the body; Word numbers the notes in order.
        With `url`, the note's text links to that address (an external relationship of the notes part, in
        the template's "Hyperlink" character style when it has one)."""
        number = len(self.notes) + 1
        content = run(" " + str(text))
        if url:
            writer_id = f"rIdNoteLink{len(self.note_links) + 1}"
            self.note_links.append((writer_id, url))
            style = self.template.style_ids.get(("character", "hyperlink"))
            style = escape(style, {'"': "&quot;"}) if style else None
            # r: is declared here too: a template's notes part need not declare it.
            content = (run(" ") + f'<w:hyperlink xmlns:r="{REL}" r:id="{writer_id}" w:history="1">'
                       f'{run(str(text), style=style)}</w:hyperlink>')
        self.notes.append(
            f'<w:footnote w:id="{number}"><w:p><w:pPr><w:pStyle w:val="{self.sid("FootnoteText")}"/></w:pPr>'
            f'<w:r><w:rPr><w:rStyle w:val="{self.sid("FootnoteReference")}"/></w:rPr><w:footnoteRef/></w:r>'
            f'{content}</w:p></w:footnote>')
        return (f'<w:r><w:rPr><w:rStyle w:val="{self.sid("FootnoteReference")}"/></w:rPr>'
                f'<w:footnoteReference w:id="{number}"/></w:r>')

    def toc(self, title: str, hint: str) -> None:
        """A table-of-contents field over headings 1–2. Its entries are written in advance as links (page
        numbers come when Word refreshes the field, on opening: see _update_fields), so a PDF made without Word
        still shows the outline rather than an empty field. `hint`, if any, is printed under the title."""
        self.parts.append(paragraph(title, self.sid("TOCHeading")))
        if hint:
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
            # --- footnote links: the notes part's own relationships (word/_rels/footnotes.xml.rels) ---
            if self.note_links:
                folder, _slash, base = name.rpartition("/")
                rels_name = f"{folder}/_rels/{base}.rels"
                note_rels = etree.fromstring(parts.get(rels_name) or f'<Relationships xmlns="{PKG_REL}"/>'.encode())
                taken = {r.get("Id") for r in note_rels}
                note_xml = added[name].decode("utf-8")
                for writer_id, url in self.note_links:
                    rid = next(f"rIdMeappLink{n}" for n in count(1) if f"rIdMeappLink{n}" not in taken)
                    taken.add(rid)
                    etree.SubElement(note_rels, f"{{{PKG_REL}}}Relationship", Id=rid, Type=HYPERLINK_REL,
                                     Target=uri(url), TargetMode="External")
                    note_xml = note_xml.replace(f'r:id="{writer_id}"', f'r:id="{rid}"')
                added[name] = note_xml.encode("utf-8")
                added[rels_name] = etree.tostring(note_rels, xml_declaration=True, encoding="UTF-8", standalone=True)
            # --- end of footnote links ---
        # --- settings: w:updateFields only in a document with a field to refresh on opening (the contents) ---
        settings = next((r.get("Target") for r in rels if r.get("Type") == SETTINGS_REL), None)
        settings_name = "word/" + settings.lstrip("/").removeprefix("word/") if settings else None
        if settings_name in parts:
            added[settings_name] = update_fields(parts[settings_name], self._toc_index is not None)
        # --- end of settings ---
        # --- native charts: word/charts/chartN.xml, its rels, the embedded workbook, content types ---
        if self.charts:
            taken = {name for name, _data in template.parts}
            numbers = (n for n in range(1, 100_000) if f"word/charts/chart{n}.xml" not in taken
                       and f"word/embeddings/Microsoft_Excel_Worksheet{n}.xlsx" not in taken)
            for (writer_id, chart_xml, workbook), n in zip(self.charts, numbers, strict=False):
                package_id = new_rel(CHART_REL, f"charts/chart{n}.xml")
                body = body.replace(f'r:id="{writer_id}"', f'r:id="{package_id}"')
                override(f"word/charts/chart{n}.xml", CHART_TYPE)
                added[f"word/charts/chart{n}.xml"] = chart_xml
                added[f"word/charts/_rels/chart{n}.xml.rels"] = (
                    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PKG_REL}">'
                    f'<Relationship Id="rId1" Type="{PACKAGE_REL}" '
                    f'Target="../embeddings/Microsoft_Excel_Worksheet{n}.xlsx"/></Relationships>').encode()
                added[f"word/embeddings/Microsoft_Excel_Worksheet{n}.xlsx"] = workbook
            if not any(d.get("Extension", "").lower() == "xlsx" for d in types):
                types.insert(0, etree.Element(f"{{{CONTENT_TYPES}}}Default", Extension="xlsx", ContentType=XLSX_TYPE))
        # --- end of native charts ---
        # --- sections, running header and the document's language ---
        if self._landscape:
            self.end_landscape()
            body = body + self.parts[-1]
        section = (template.section or self.__section_xml(False, first=True)) if self._sections == 0 \
            else self.__section_xml(False, first=False)
        if self.header_text or self.page_label:
            header_id = new_rel(HEADER_REL, self.__header_part(template, rels, added, override))
            reference = f'<w:headerReference w:type="default" r:id="{header_id}"/>'
            strip = re.compile(r'<w:headerReference w:type="default"[^>]*/>')
            body = re.sub(r"(<w:sectPr\b[^>]*>)", lambda m: m.group(1) + reference, strip.sub("", body))
            section = re.sub(r"(<w:sectPr\b[^>]*>)", lambda m: m.group(1) + reference, strip.sub("", section), count=1)
        styles_name = "word/styles.xml"
        if styles_name in parts:
            added[styles_name] = default_language(parts[styles_name], self.language)
        # --- end of sections, running header and language ---
        added["word/document.xml"] = (template.document_head + "<w:body>" + body + section +
                                      "</w:body></w:document>").encode("utf-8")
        added["word/_rels/document.xml.rels"] = etree.tostring(rels, xml_declaration=True, encoding="UTF-8",
                                                                standalone=True)
        added["docProps/core.xml"] = core_properties(parts.get("docProps/core.xml"), self.title, self.language)
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
        return out.getvalue()

    def __header_part(self, template, rels, added: dict, override) -> str:
        """A header part for every page but the cover: the running text, then "page X of Y" as fields.

        A template with its own header (a logo) keeps it: the running line is added under it."""
        fields = ""
        # A template that numbers its pages itself (a PAGE field in a header or footer) keeps its own numbers.
        if self.page_label and not template.numbers_pages:
            before, _, rest = self.page_label.partition("{page}")
            middle, _, after = rest.partition("{pages}")
            def field(name: str) -> str:
                return ('<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
                        f'<w:r><w:instrText xml:space="preserve"> {name} </w:instrText></w:r>'
                        '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>1</w:t></w:r>'
                        '<w:r><w:fldChar w:fldCharType="end"/></w:r>')
            fields = (run(("  ·  " if self.header_text else "") + before) + field("PAGE") + run(middle) +
                      field("NUMPAGES") + (run(after) if after else ""))
        line = (f'<w:p><w:pPr><w:pStyle w:val="{self.sid("Small")}"/><w:jc w:val="right"/></w:pPr>'
                f'{run(self.header_text) if self.header_text else ""}{fields}</w:p>')
        existing = re.search(r'<w:headerReference w:type="default" r:id="([^"]+)"', template.section)
        target = next((r.get("Target") for r in rels if existing and r.get("Id") == existing.group(1)), None)
        if target:
            name = "word/" + target.lstrip("/").removeprefix("word/")
            xml = dict(template.parts)[name].decode("utf-8")
            added[name] = xml.replace("</w:hdr>", line + "</w:hdr>").encode("utf-8")
            return target
        taken = {n for n, _ in template.parts}
        n = next(k for k in count(1) if f"word/header{k}.xml" not in taken)
        added[f"word/header{n}.xml"] = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<w:hdr xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
            f'xmlns:r="{REL}">{line}</w:hdr>').encode()
        override(f"word/header{n}.xml", HEADER_TYPE)
        return f"header{n}.xml"

# --- footnote links and settings (used by DocxWriter.to_bytes) ----------------------------------------
