"""Edits of a Word package's own parts (settings, styles) and the addresses it links to (pure)."""
from __future__ import annotations

import datetime as dt
import re
from urllib.parse import quote

from lxml import etree

from meapp.reports.text import clean

CORE_NS = {"cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
           "dc": "http://purl.org/dc/elements/1.1/", "dcterms": "http://purl.org/dc/terms/",
           "xsi": "http://www.w3.org/2001/XMLSchema-instance"}



def uri(url: str) -> str:
    """An address as a relationship target (xsd:anyURI): what a URI may not hold (spaces, quotes, brackets,
    controls, non-ASCII, a stray % or a second #) percent-encoded, the rest as printed (%XX stays as it is)."""
    text = re.sub(r"%(?![0-9A-Fa-f]{2})", "%25", clean(url).strip())
    ipv6 = re.match(r"[A-Za-z][A-Za-z0-9+.-]*://\[[0-9A-Fa-f:.]+\]", text)  # brackets belong to such a host
    kept, text = (ipv6.group(0), text[ipv6.end():]) if ipv6 else ("", text)
    head, hash_mark, fragment = text.partition("#")
    safe = ":/?@!$&'()*+,;=%~"
    return kept + quote(head, safe=safe) + hash_mark + quote(fragment, safe=safe)


# The elements that follow w:updateFields in w:settings (CT_Settings is a sequence): it goes before them.
_AFTER_UPDATE_FIELDS = {"hdrShapeDefaults", "footnotePr", "endnotePr", "compat", "docVars", "rsids", "mathPr",
                        "attachedSchema", "themeFontLang", "clrSchemeMapping", "doNotIncludeSubdocsInStats",
                        "doNotAutoCompressPictures", "forceUpgrade", "captions", "readModeInkLockDown",
                        "smartTagType", "schemaLibrary", "shapeDefaults", "doNotEmbedSmartTags", "decimalSymbol",
                        "listSeparator"}


def update_fields(settings_xml: bytes, wanted: bool) -> bytes:
    """The settings part with w:updateFields (Word refreshes fields on opening) set or dropped; unchanged
    when it already says so."""
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    root = etree.fromstring(settings_xml)
    present = root.findall(f"{{{w}}}updateFields")
    if wanted == any(e.get(f"{{{w}}}val", "true") in ("true", "1", "on") for e in present):
        return settings_xml
    for element in present:
        root.remove(element)
    if wanted:
        element = etree.Element(f"{{{w}}}updateFields")
        element.set(f"{{{w}}}val", "true")
        following = next((child for child in root if isinstance(child.tag, str)
                          and etree.QName(child).localname in _AFTER_UPDATE_FIELDS), None)
        if following is None:
            root.append(element)
        else:
            following.addprevious(element)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


_RPR_AFTER_LANG = ("eastAsianLayout", "specVanish", "oMath")


def default_language(styles_xml: bytes, language: str) -> bytes:
    """The document's language in the styles' defaults (w:docDefaults/w:rPrDefault/w:rPr/w:lang), so that
    spell-checking and screen readers use it; the template's other defaults are kept."""
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    root = etree.fromstring(styles_xml)

    def child(parent, tag: str, first: bool = False):
        found = parent.find(f"{{{w}}}{tag}")
        if found is None:
            found = etree.Element(f"{{{w}}}{tag}")
            parent.insert(0, found) if first else parent.append(found)
        return found

    defaults = child(root, "docDefaults", first=True)
    rpr_default = defaults.find(f"{{{w}}}rPrDefault")
    if rpr_default is None:
        rpr_default = etree.Element(f"{{{w}}}rPrDefault")
        defaults.insert(0, rpr_default)
    rpr = child(rpr_default, "rPr")
    lang = rpr.find(f"{{{w}}}lang")
    if lang is None:
        lang = etree.Element(f"{{{w}}}lang")
        after = next((e for e in rpr if etree.QName(e).localname in _RPR_AFTER_LANG), None)
        after.addprevious(lang) if after is not None else rpr.append(lang)
    lang.set(f"{{{w}}}val", language)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def core_properties(existing: bytes | None, title: str, language: str) -> bytes:
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

    set_text("dc", "title", clean(title) or "Report")
    set_text("dc", "language", clean(language))
    w3cdtf = {f"{{{CORE_NS['xsi']}}}type": "dcterms:W3CDTF"}
    set_text("dcterms", "created", now, **w3cdtf)
    set_text("dcterms", "modified", now, **w3cdtf)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
