"""French and English as a publisher would set them, checked on the text of the generated documents."""
import datetime as dt
import io
import re
import zipfile

import pytest
from sqlalchemy import select

from meapp.compendium.models import Edition
from meapp.projects.models import Project
from meapp.reports import service

TODAY = dt.date(2026, 12, 1)
W_TEXT = re.compile(r"<w:t(?: [^>]*)?>([^<]*)</w:t>")


def _texts(data: bytes) -> list[str]:
    """Every paragraph's text of the body, as a reader sees it."""
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    paragraphs = re.findall(r"<w:p[ >].*?</w:p>", xml, re.S)
    out = []
    for p in paragraphs:
        text = "".join(W_TEXT.findall(p)).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
        if text.strip():
            out.append(text)
    return out


def _documents(tx, lang: str) -> dict[str, bytes]:
    palim = tx.scalar(select(Project).where(Project.code == "PALIM"))
    edition = tx.scalar(select(Edition).where(Edition.key == "gfmd-2020"))
    return {
        "progress": service.progress_report(palim, lang, today=TODAY).data,
        "portfolio": service.portfolio_report(service.find_funder("EU-DG-HOME"), lang, "docx", today=TODAY).data,
        "annex": service.annex_report(edition, lang, "docx", today=TODAY).data,
    }


def test_french_documents_are_set_in_french(tx):
    for name, data in _documents(tx, "fr").items():
        texts = _texts(data)
        joined = "\n".join(texts)
        bad_space = [t for t in texts if re.search(r"[ \u00a0][;:!?»]|«[ \u00a0]", t)]
        assert not bad_space, f"{name}: a plain space before ; : ! ? or inside « »: {bad_space[:3]}"
        straight = [t for t in texts if "'" in t]
        assert not straight, f"{name}: straight apostrophes: {straight[:3]}"
        assert not re.search(r"\bT[1-4] \d{4}\b", joined), f"{name}: a period label that may break"
        assert not re.search(r"\d %", joined), f"{name}: a percent sign after a breaking space"
        english = [w for w in ("Lead organisation", "Funders", "Share of", "Target", "Actual") if w in joined]
        assert not english, f"{name}: English words in the French document: {english}"
    progress = "\n".join(_texts(_documents(tx, "fr")["progress"]))
    assert "1er\u00a0décembre 2026" in progress  # the first of the month, as French writes it
    assert re.search(r"T[1-4]\u00a0\d{4}", progress)
    assert "Union européenne" in progress  # the funder's French name


def test_english_documents_are_set_in_english(tx):
    progress = "\n".join(_texts(_documents(tx, "en")["progress"]))
    assert "1\u00a0December 2026" in progress  # day first
    assert re.search(r"\d%", progress) and not re.search(r"\d[ \u00a0\u202f]%", progress)
    assert re.search(r"Q[1-4]\u00a0\d{4}", progress)


@pytest.mark.parametrize("lang, tag", [("fr", "fr-FR"), ("en", "en-GB")])
def test_documents_declare_their_language(tx, lang, tag):
    data = _documents(tx, lang)["progress"]
    styles = zipfile.ZipFile(io.BytesIO(data)).read("word/styles.xml").decode()
    assert re.search(rf'<w:docDefaults>.*<w:lang w:val="{tag}"', styles, re.S)


def test_the_bilingual_report_tags_each_language(tx):
    palim = tx.scalar(select(Project).where(Project.code == "PALIM"))
    data = service.progress_report(palim, "bilingual", today=TODAY).data
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    assert '<w:lang w:val="en-GB"/>' in xml  # the English half of each pair, in a French document
