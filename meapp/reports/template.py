"""The Word template documents are laid on: a real .docx a person restyles in Word or LibreOffice.

The secretariat may change fonts, colours, spacing, page size and margins, and put a logo or a line in
the headers and footers, then save it (Word or LibreOffice, .docx) and point MEAPP_REPORT_TEMPLATE at
it. meapp keeps the template's styles, namespaces, section properties, headers and footers, and
replaces only its body. Styles are found by their *name* (Word and LibreOffice give them different
ids), case-insensitively; a style the documents need and the template lacks stops the build with a
message that names it.
"""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from lxml import etree

DEFAULT_TEMPLATE = Path(__file__).resolve().parents[2] / "report_templates" / "base.docx"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
# The namespaces the writer's own XML uses, with the prefixes it writes.
NEEDED_NS = {
    "w": W,
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "pic": "http://schemas.openxmlformats.org/drawingml/2006/picture",
}
# What the documents call a style → (style type, names Word or LibreOffice give it).
STYLES = {
    "Normal": ("paragraph", ("Normal",)),
    "Title": ("paragraph", ("Title",)),
    "Subtitle": ("paragraph", ("Subtitle",)),
    "CoverNote": ("paragraph", ("Cover Note",)),
    "Heading1": ("paragraph", ("heading 1",)),
    "Heading2": ("paragraph", ("heading 2",)),
    "Heading3": ("paragraph", ("heading 3",)),
    "Caption": ("paragraph", ("caption",)),
    "TableText": ("paragraph", ("Table Text",)),
    "TableHeading": ("paragraph", ("Table Heading",)),
    "Small": ("paragraph", ("Small",)),
    "Quote": ("paragraph", ("Quote",)),
    "ListBullet": ("paragraph", ("List Bullet",)),
    "FootnoteText": ("paragraph", ("footnote text",)),
    "TOCHeading": ("paragraph", ("TOC Heading", "Contents Heading")),
    "TOC1": ("paragraph", ("toc 1", "Contents 1")),
    "TOC2": ("paragraph", ("toc 2", "Contents 2")),
    "FootnoteReference": ("character", ("footnote reference",)),
    "ReportTable": ("table", ("Report Table",)),
    "TableGrid": ("table", ("Table Grid",)),
}
_ROOT = re.compile(r"<w:document\b[^>]*>")


class TemplateError(ValueError):
    """The report template cannot carry the documents: the message says what is missing and where."""


@dataclass(frozen=True)
class Template:
    path: Path
    parts: tuple[tuple[str, bytes], ...]  # every part, in the template's order
    style_ids: dict[tuple[str, str], str]  # (type, lower-case name) → id; exact names under (type, "=" + name)
    document_head: str  # the XML declaration and the root start tag, with the namespaces the writer needs
    section: str  # the body's final section properties (page size, margins, headers and footers)
    numbers_pages: bool = False  # a header or footer of its own holds a PAGE field

    def text_width(self, landscape: bool = False) -> int:
        """The width between the margins, in twips, on portrait or landscape pages (A4 when unsaid)."""
        def attribute(element: str, name: str, default: int) -> int:
            tag = re.search(rf"<w:{element}\b[^>]*/>", self.section)
            value = re.search(rf'\bw:{name}="(\d+)"', tag.group(0)) if tag else None
            return int(value.group(1)) if value else default

        width, height = attribute("pgSz", "w", 11906), attribute("pgSz", "h", 16838)
        margins = attribute("pgMar", "left", 1134) + attribute("pgMar", "right", 1134)
        return (max(width, height) if landscape else min(width, height)) - margins

    def part(self, name: str) -> bytes | None:
        return next((data for part, data in self.parts if part == name), None)

    def style_id(self, logical: str) -> str:
        """The template's id for a style the documents use; TemplateError when it has none."""
        kind, names = STYLES.get(logical, ("paragraph", (logical,)))
        for name in names:
            found = self.style_ids.get((kind, "=" + name)) or self.style_ids.get((kind, name.lower()))
            if found:
                return found
        raise TemplateError(f"The report template {self.path.name} has no {kind} style named “{names[0]}”: "
                            "add it (Word or LibreOffice: Styles) and save the template again.")


def _styles(styles_xml: bytes | None, path: Path) -> dict[tuple[str, str], str]:
    if styles_xml is None:
        raise TemplateError(f"The report template {path.name} has no styles (word/styles.xml).")
    out: dict[tuple[str, str], str] = {}
    for style in etree.fromstring(styles_xml).iter(f"{{{W}}}style"):
        name = style.find(f"{{{W}}}name")
        kind, style_id = style.get(f"{{{W}}}type", "paragraph"), style.get(f"{{{W}}}styleId")
        if name is None or not style_id:
            continue
        text = name.get(f"{{{W}}}val", "")
        out.setdefault((kind, "=" + text), style_id)
        out.setdefault((kind, text.lower()), style_id)
    return out


def _head(document_xml: str, path: Path) -> str:
    match = _ROOT.search(document_xml)
    if match is None:
        raise TemplateError(f"The report template {path.name} is not a Word document (no w:document).")
    tag = match.group(0)
    for prefix, uri in NEEDED_NS.items():
        declared = re.search(rf'\sxmlns:{prefix}="([^"]*)"', tag)
        if declared is None:
            tag = tag[:-1] + f' xmlns:{prefix}="{uri}">'
        elif declared.group(1) != uri:
            raise TemplateError(f"The report template {path.name} binds the prefix “{prefix}” to another namespace.")
    return document_xml[:match.start()] + tag


def _section(document_xml: bytes, path: Path) -> str:
    body = etree.fromstring(document_xml).find(f"{{{W}}}body")
    if body is None:
        raise TemplateError(f"The report template {path.name} has no body.")
    last = body[-1] if len(body) else None
    if last is None or last.tag != f"{{{W}}}sectPr":
        return ""
    return etree.tostring(last, encoding="unicode")


@lru_cache(maxsize=8)
def _load(path: Path, _mtime: float) -> Template:
    try:
        with zipfile.ZipFile(path) as archive:
            parts = tuple((info.filename, archive.read(info.filename)) for info in archive.infolist())
    except (OSError, zipfile.BadZipFile) as exc:
        raise TemplateError(f"The report template {path} cannot be read as a .docx: {exc}") from exc
    by_name = dict(parts)
    document = by_name.get("word/document.xml")
    if document is None:
        raise TemplateError(f"The report template {path.name} has no word/document.xml.")
    numbers_pages = any("PAGE" in data.decode("utf-8", "ignore") for name, data in parts
                        if re.fullmatch(r"word/(header|footer)\d*\.xml", name))
    return Template(path, parts, _styles(by_name.get("word/styles.xml"), path),
                    _head(document.decode("utf-8"), path), _section(document, path), numbers_pages)


def load_template(path: Path | str | None = None) -> Template:
    """The template at `path` (the shipped one by default), read once per process and per change."""
    path = Path(path) if path else DEFAULT_TEMPLATE
    try:
        mtime = path.stat().st_mtime
    except OSError as exc:
        raise TemplateError(f"The report template {path} does not exist.") from exc
    return _load(path, mtime)


def check_template(path: Path | str | None = None) -> Template:
    """The template, with every style the documents use found in it (TemplateError names the first missing)."""
    template = load_template(path)
    for name in STYLES:
        template.style_id(name)
    return template
