#!/usr/bin/env python3
"""Build report_templates/base.docx, the lean Word base document of the report generator.

    .venv/bin/python report_templates/build_base.py [OUTPUT]

Every OOXML part is written by hand below and zipped with fixed timestamps and attributes, so a
rebuild gives byte-identical output (on the same zlib). Only the standard library is used.

The body of word/document.xml holds nothing but the final w:sectPr (A4 portrait, 2 cm margins,
footer with "PAGE / NUMPAGES", w:titlePg so the cover page has no footer). The renderer inserts
its content before that w:sectPr and sets styles by id (see README.md for the list).

Fonts: the runs name "Arial". Word uses Arial; LibreOffice (and fontconfig) substitute the
metric-compatible "Liberation Sans" when Arial is not installed, so line and page breaks agree.
fontTable.xml records Liberation Sans as Arial's alternative name.
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree

HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT = HERE / "base.docx"

# --- design tokens ---------------------------------------------------------------------------
FONT = "Arial"  # rendered with Liberation Sans (metric-compatible) where Arial is absent
INK = "1D2733"  # body text
ACCENT = "1F5F99"  # titles, headings, links
GREY = "5E6B7B"  # cover notes, small print, captions
RULE = "B9C2CE"  # table borders
HEAD_FILL = "E7EEF6"  # table header shading
LANG = "en-GB"

PAGE_W, PAGE_H = 11906, 16838  # A4 portrait, twips
MARGIN = 1134  # 2 cm
TEXT_W = PAGE_W - 2 * MARGIN  # 9638 twips: right tab stop of TOC entries

DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
CT = "application/vnd.openxmlformats-officedocument.wordprocessingml."
W_ROOT = f'xmlns:w="{W_NS}" xmlns:r="{R_NS}"'


# --- property builders (children emitted in the order the schema requires) -------------------
def rpr(*, font=False, b=False, i=False, color=None, sz=None, u=None, va=None, lang=False):
    out = []
    if font:
        out.append(f'<w:rFonts w:ascii="{FONT}" w:hAnsi="{FONT}" w:eastAsia="{FONT}" w:cs="{FONT}"/>')
    if b:
        out.append("<w:b/><w:bCs/>")
    if i:
        out.append("<w:i/><w:iCs/>")
    if color:
        out.append(f'<w:color w:val="{color}"/>')
    if sz:
        out.append(f'<w:sz w:val="{sz}"/><w:szCs w:val="{sz}"/>')
    if u:
        out.append(f'<w:u w:val="{u}"/>')
    if va:
        out.append(f'<w:vertAlign w:val="{va}"/>')
    if lang:
        out.append(f'<w:lang w:val="{LANG}" w:eastAsia="{LANG}" w:bidi="ar-SA"/>')
    return f"<w:rPr>{''.join(out)}</w:rPr>" if out else ""


def ppr(*, keep_next=False, keep_lines=False, widow=False, num=None, tabs=None, before=None,
        after=None, line=None, ind=None, jc=None, outline=None):
    out = []
    if keep_next:
        out.append("<w:keepNext/>")
    if keep_lines:
        out.append("<w:keepLines/>")
    if widow:
        out.append("<w:widowControl/>")
    if num is not None:
        out.append(f'<w:numPr><w:numId w:val="{num}"/></w:numPr>')
    if tabs:
        out.append("<w:tabs>" + "".join(tabs) + "</w:tabs>")
    if before is not None or after is not None or line is not None:
        attrs = ""
        if before is not None:
            attrs += f' w:before="{before}"'
        if after is not None:
            attrs += f' w:after="{after}"'
        if line is not None:
            attrs += f' w:line="{line}" w:lineRule="auto"'
        out.append(f"<w:spacing{attrs}/>")
    if ind:
        out.append("<w:ind " + " ".join(f'w:{k}="{v}"' for k, v in ind.items()) + "/>")
    if jc:
        out.append(f'<w:jc w:val="{jc}"/>')
    if outline is not None:
        out.append(f'<w:outlineLvl w:val="{outline}"/>')
    return f"<w:pPr>{''.join(out)}</w:pPr>" if out else ""


def style(kind, sid, name, *, based="Normal", nxt=None, prio=None, semi=False, unhide=False,
          qf=False, default=False, body=""):
    head = f'<w:style w:type="{kind}"' + (' w:default="1"' if default else "") + f' w:styleId="{sid}">'
    parts = [head, f'<w:name w:val="{name}"/>']
    if based:
        parts.append(f'<w:basedOn w:val="{based}"/>')
    if nxt:
        parts.append(f'<w:next w:val="{nxt}"/>')
    if prio is not None:
        parts.append(f'<w:uiPriority w:val="{prio}"/>')
    if semi:
        parts.append("<w:semiHidden/>")
    if unhide:
        parts.append("<w:unhideWhenUsed/>")
    if qf:
        parts.append("<w:qFormat/>")
    parts.append(body)
    parts.append("</w:style>")
    return "".join(parts)


def borders(tag, color, sz=4):
    sides = ("top", "left", "bottom", "right", "insideH", "insideV")
    inner = "".join(f'<w:{s} w:val="single" w:sz="{sz}" w:space="0" w:color="{color}"/>' for s in sides)
    return f"<w:{tag}>{inner}</w:{tag}>"


GRID_TBLPR = (
    '<w:tblPr><w:tblInd w:w="0" w:type="dxa"/>'
    + borders("tblBorders", RULE)
    + '<w:tblCellMar><w:top w:w="60" w:type="dxa"/><w:left w:w="100" w:type="dxa"/>'
    '<w:bottom w:w="60" w:type="dxa"/><w:right w:w="100" w:type="dxa"/></w:tblCellMar></w:tblPr>'
)
TOC_TAB = f'<w:tab w:val="right" w:leader="dot" w:pos="{TEXT_W}"/>'


def styles_xml():
    s = []
    s.append(
        "<w:docDefaults><w:rPrDefault>"
        + rpr(font=True, sz=21, lang=True)
        + "</w:rPrDefault><w:pPrDefault>"
        + ppr(after=120, line=264)
        + "</w:pPrDefault></w:docDefaults>"
    )
    # Defaults Word expects to find (base of character / table styles).
    s.append(style("paragraph", "Normal", "Normal", based=None, qf=True, default=True,
                   body=ppr(widow=True) + rpr(color=INK)))
    s.append(style("character", "DefaultParagraphFont", "Default Paragraph Font", based=None,
                   prio=1, semi=True, unhide=True, default=True))
    s.append(style("table", "TableNormal", "Normal Table", based=None, prio=99, semi=True,
                   unhide=True, default=True,
                   body='<w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar>'
                        '<w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/>'
                        '<w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/>'
                        "</w:tblCellMar></w:tblPr>"))
    # Cover page.
    s.append(style("paragraph", "Title", "Title", nxt="Subtitle", prio=10, qf=True,
                   body=ppr(keep_next=True, after=240, line=240) + rpr(b=True, color=ACCENT, sz=52)))
    s.append(style("paragraph", "Subtitle", "Subtitle", nxt="Normal", prio=11, qf=True,
                   body=ppr(keep_next=True, after=360) + rpr(color=GREY, sz=28)))
    s.append(style("paragraph", "CoverNote", "Cover Note", prio=12, qf=True,
                   body=ppr(after=60, line=240) + rpr(color=GREY, sz=18)))
    # Headings: outline levels 0-2 so a TOC \o "1-3" field (and LibreOffice) pick them up.
    for lvl, (sz, color, before, after) in enumerate(
        ((32, ACCENT, 360, 120), (26, ACCENT, 240, 80), (22, INK, 200, 60)), start=1
    ):
        s.append(style("paragraph", f"Heading{lvl}", f"heading {lvl}", nxt="Normal", prio=9,
                       unhide=lvl > 1, qf=True,
                       body=ppr(keep_next=True, keep_lines=True, before=before, after=after,
                                line=240, outline=lvl - 1) + rpr(b=True, color=color, sz=sz)))
    # Body helpers.
    s.append(style("paragraph", "Caption", "caption", nxt="Normal", prio=35, unhide=True, qf=True,
                   body=ppr(before=60, after=200, line=240) + rpr(i=True, color=GREY, sz=18)))
    s.append(style("paragraph", "TableText", "Table Text", prio=40, qf=True,
                   body=ppr(after=0, line=240) + rpr(sz=18)))
    s.append(style("paragraph", "TableHeading", "Table Heading", based="TableText", prio=41,
                   qf=True, body=rpr(b=True, sz=18)))
    s.append(style("paragraph", "Small", "Small", prio=42, qf=True,
                   body=ppr(after=60, line=240) + rpr(color=GREY, sz=17)))
    s.append(style("paragraph", "Quote", "Quote", nxt="Normal", prio=29, qf=True,
                   body=ppr(before=120, after=120, ind={"left": 567, "right": 567})
                   + rpr(i=True, color=GREY)))
    s.append(style("paragraph", "ListBullet", "List Bullet", prio=36, unhide=True, qf=True,
                   body=ppr(num=1, after=60, ind={"left": 357, "hanging": 357})))
    s.append(style("paragraph", "FootnoteText", "footnote text", prio=99, semi=True, unhide=True,
                   body=ppr(after=0, line=240) + rpr(sz=17)))
    # Table of contents.
    s.append(style("paragraph", "TOCHeading", "TOC Heading", based="Heading1", nxt="Normal",
                   prio=39, unhide=True, qf=True, body=ppr(outline=9)))
    for lvl, left in ((1, 0), (2, 220), (3, 440)):
        s.append(style("paragraph", f"TOC{lvl}", f"toc {lvl}", nxt="Normal", prio=39,
                       unhide=True,
                       body=ppr(tabs=[TOC_TAB], after=60 if lvl == 1 else 40,
                                ind={"left": left} if left else None)
                       + (rpr(b=True) if lvl == 1 else "")))
    # Character styles.
    s.append(style("character", "FootnoteReference", "footnote reference",
                   based="DefaultParagraphFont", prio=99, semi=True, unhide=True,
                   body=rpr(va="superscript")))
    s.append(style("character", "Strong", "Strong", based="DefaultParagraphFont", prio=22,
                   qf=True, body=rpr(b=True)))
    s.append(style("character", "Emphasis", "Emphasis", based="DefaultParagraphFont", prio=20,
                   qf=True, body=rpr(i=True)))
    s.append(style("character", "Hyperlink", "Hyperlink", based="DefaultParagraphFont", prio=99,
                   unhide=True, body=rpr(color=ACCENT, u="single")))
    # Table styles. ReportTable repeats TableGrid's properties rather than relying on basedOn
    # alone, because LibreOffice resolves table-style inheritance only partially.
    s.append(style("table", "TableGrid", "Table Grid", based="TableNormal", prio=39,
                   body=ppr(after=0, line=240) + GRID_TBLPR))
    s.append(style("table", "ReportTable", "Report Table", based="TableGrid", prio=40,
                   body=ppr(after=0, line=240) + GRID_TBLPR
                   + '<w:tblStylePr w:type="firstRow">' + rpr(b=True)
                   + f'<w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="{HEAD_FILL}"/></w:tcPr>'
                   "</w:tblStylePr>"))
    return f'{DECL}<w:styles {W_ROOT}>' + "".join(s) + "</w:styles>"


def notes_xml(kind):  # kind: "footnote" | "endnote"
    sep_p = '<w:p><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>'
    return (
        f"{DECL}<w:{kind}s {W_ROOT}>"
        f'<w:{kind} w:type="separator" w:id="-1">{sep_p}<w:r><w:separator/></w:r></w:p></w:{kind}>'
        f'<w:{kind} w:type="continuationSeparator" w:id="0">{sep_p}'
        f"<w:r><w:continuationSeparator/></w:r></w:p></w:{kind}>"
        f"</w:{kind}s>"
    )


def parts():
    """(name, xml) in zip order; [Content_Types].xml first as Word writes it."""
    content_types = (
        f'{DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/word/document.xml" ContentType="{CT}document.main+xml"/>'
        f'<Override PartName="/word/styles.xml" ContentType="{CT}styles+xml"/>'
        f'<Override PartName="/word/settings.xml" ContentType="{CT}settings+xml"/>'
        f'<Override PartName="/word/fontTable.xml" ContentType="{CT}fontTable+xml"/>'
        f'<Override PartName="/word/numbering.xml" ContentType="{CT}numbering+xml"/>'
        f'<Override PartName="/word/footnotes.xml" ContentType="{CT}footnotes+xml"/>'
        f'<Override PartName="/word/endnotes.xml" ContentType="{CT}endnotes+xml"/>'
        f'<Override PartName="/word/footer1.xml" ContentType="{CT}footer+xml"/>'
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
        "</Types>"
    )
    package_rels = (
        f'{DECL}<Relationships xmlns="{PKG_RELS_NS}">'
        f'<Relationship Id="rId1" Type="{REL}officeDocument" Target="word/document.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>'
        f'<Relationship Id="rId3" Type="{REL}extended-properties" Target="docProps/app.xml"/>'
        "</Relationships>"
    )
    core = (
        f"{DECL}<cp:coreProperties"
        ' xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<dc:title>Report</dc:title><dc:creator>meapp</dc:creator>"
        "<cp:lastModifiedBy>meapp</cp:lastModifiedBy><cp:revision>1</cp:revision>"
        '<dcterms:created xsi:type="dcterms:W3CDTF">2020-01-01T00:00:00Z</dcterms:created>'
        '<dcterms:modified xsi:type="dcterms:W3CDTF">2020-01-01T00:00:00Z</dcterms:modified>'
        "</cp:coreProperties>"
    )
    app = (
        f"{DECL}<Properties"
        ' xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"'
        ' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        "<Application>meapp report_templates/build_base.py</Application><DocSecurity>0</DocSecurity>"
        "<ScaleCrop>false</ScaleCrop><LinksUpToDate>false</LinksUpToDate>"
        "<SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged>"
        "</Properties>"
    )
    document = (
        f"{DECL}<w:document {W_ROOT}><w:body><w:sectPr>"
        '<w:footerReference w:type="default" r:id="rId6"/>'
        f'<w:pgSz w:w="{PAGE_W}" w:h="{PAGE_H}"/>'
        f'<w:pgMar w:top="{MARGIN}" w:right="{MARGIN}" w:bottom="{MARGIN}" w:left="{MARGIN}"'
        ' w:header="567" w:footer="567" w:gutter="0"/>'
        '<w:cols w:space="708"/><w:titlePg/><w:docGrid w:linePitch="360"/>'
        "</w:sectPr></w:body></w:document>"
    )
    document_rels = (
        f'{DECL}<Relationships xmlns="{PKG_RELS_NS}">'
        f'<Relationship Id="rId1" Type="{REL}styles" Target="styles.xml"/>'
        f'<Relationship Id="rId2" Type="{REL}settings" Target="settings.xml"/>'
        f'<Relationship Id="rId3" Type="{REL}fontTable" Target="fontTable.xml"/>'
        f'<Relationship Id="rId4" Type="{REL}footnotes" Target="footnotes.xml"/>'
        f'<Relationship Id="rId5" Type="{REL}endnotes" Target="endnotes.xml"/>'
        f'<Relationship Id="rId6" Type="{REL}footer" Target="footer1.xml"/>'
        f'<Relationship Id="rId7" Type="{REL}numbering" Target="numbering.xml"/>'
        "</Relationships>"
    )
    settings = (
        f"{DECL}<w:settings {W_ROOT}>"
        '<w:zoom w:percent="100"/><w:defaultTabStop w:val="709"/>'
        '<w:characterSpacingControl w:val="doNotCompress"/>'
        '<w:updateFields w:val="true"/>'
        '<w:footnotePr><w:footnote w:id="-1"/><w:footnote w:id="0"/></w:footnotePr>'
        '<w:endnotePr><w:endnote w:id="-1"/><w:endnote w:id="0"/></w:endnotePr>'
        '<w:compat><w:compatSetting w:name="compatibilityMode"'
        ' w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat>'
        f'<w:themeFontLang w:val="{LANG}"/>'
        '<w:decimalSymbol w:val="."/><w:listSeparator w:val=","/>'
        "</w:settings>"
    )
    panose = '<w:panose1 w:val="020B0604020202020204"/><w:charset w:val="00"/>' \
             '<w:family w:val="swiss"/><w:pitch w:val="variable"/>'
    font_table = (
        f"{DECL}<w:fonts {W_ROOT}>"
        f'<w:font w:name="Arial"><w:altName w:val="Liberation Sans"/>{panose}</w:font>'
        f'<w:font w:name="Liberation Sans"><w:altName w:val="Arial"/>{panose}</w:font>'
        "</w:fonts>"
    )
    numbering = (
        f"{DECL}<w:numbering {W_ROOT}>"
        '<w:abstractNum w:abstractNumId="0"><w:multiLevelType w:val="singleLevel"/>'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="bullet"/>'
        '<w:pStyle w:val="ListBullet"/><w:lvlText w:val="\u2022"/><w:lvlJc w:val="left"/>'
        '<w:pPr><w:ind w:left="357" w:hanging="357"/></w:pPr>'
        f'<w:rPr><w:rFonts w:ascii="{FONT}" w:hAnsi="{FONT}" w:hint="default"/></w:rPr>'
        "</w:lvl></w:abstractNum>"
        '<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>'
        "</w:numbering>"
    )
    footer = (
        f"{DECL}<w:ftr {W_ROOT}><w:p>"
        '<w:pPr><w:pStyle w:val="Small"/><w:spacing w:after="0"/><w:jc w:val="center"/></w:pPr>'
        '<w:fldSimple w:instr=" PAGE "><w:r><w:t>1</w:t></w:r></w:fldSimple>'
        '<w:r><w:t xml:space="preserve"> / </w:t></w:r>'
        '<w:fldSimple w:instr=" NUMPAGES "><w:r><w:t>1</w:t></w:r></w:fldSimple>'
        "</w:p></w:ftr>"
    )
    return [
        ("[Content_Types].xml", content_types),
        ("_rels/.rels", package_rels),
        ("docProps/core.xml", core),
        ("docProps/app.xml", app),
        ("word/document.xml", document),
        ("word/_rels/document.xml.rels", document_rels),
        ("word/styles.xml", styles_xml()),
        ("word/settings.xml", settings),
        ("word/fontTable.xml", font_table),
        ("word/numbering.xml", numbering),
        ("word/footnotes.xml", notes_xml("footnote")),
        ("word/endnotes.xml", notes_xml("endnote")),
        ("word/footer1.xml", footer),
    ]


def build(output: Path = DEFAULT_OUTPUT) -> Path:
    output = Path(output)
    with zipfile.ZipFile(output, "w") as zf:
        for name, xml in parts():
            ElementTree.fromstring(xml.encode("utf-8"))  # fail loudly on malformed XML
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0o644 << 16
            zf.writestr(info, xml.encode("utf-8"), compresslevel=9)
    return output


if __name__ == "__main__":
    out = build(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUTPUT)
    print(f"wrote {out} ({out.stat().st_size} bytes)")
