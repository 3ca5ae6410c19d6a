"""Annex compendia: import, screens, compilation to Word (real footnotes) and Excel, in both languages."""
import io
import re
import shutil
import subprocess
import zipfile

import openpyxl
import pytest
import yaml
from docx import Document
from sqlalchemy import func, select

from meapp.compendium.models import Edition, EditionStatus, Practice
from meapp.seed.facts import FACTS_FILE, facts

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def compiled(client, lang, fmt="docx", key="gfmd-2020"):
    response = client.get(f"/compendium/{key}/download?lang={lang}&format={fmt}")
    assert response.status_code == 200
    return response.data


def docx_structure(blob: bytes):
    """[(style id, text)] of the body paragraphs, and the footnotes' texts by id."""
    document = Document(io.BytesIO(blob))
    paragraphs = [(p.style.style_id, p.text) for p in document.paragraphs]
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        body = archive.read("word/document.xml").decode("utf-8")
        notes_xml = archive.read("word/footnotes.xml").decode("utf-8")
    from lxml import etree

    notes = {}
    for note in etree.fromstring(notes_xml.encode()).iter(f"{W}footnote"):
        number = int(note.get(f"{W}id"))
        if number > 0:
            notes[number] = "".join(t.text or "" for t in note.iter(f"{W}t")).strip()
    references = [int(n) for n in re.findall(r'<w:footnoteReference w:id="(\d+)"/>', body)]
    return paragraphs, notes, references


def expected_outline(lang):
    """(category heading, subsection heading, actor) for every practice, in the source's order."""
    data = facts()
    categories = {c["key"]: c for c in data["categories"]}
    order = {c["key"]: i for i, c in enumerate(data["categories"])}
    out = []
    practices = sorted(enumerate(data["practices"]), key=lambda ip: (order[ip[1]["category"]], ip[0]))
    for _, p in practices:
        c = categories[p["category"]]
        title = c[f"title_{lang}"]
        heading = f"{c['number']}) {title}" if c["number"] is not None else title
        sub = ""
        if p["subsection"]:
            s = next(s for s in c["subsections"] if s["key"] == p["subsection"])
            sub = f"{s['letter']}) {s[f'title_{lang}']}"
        out.append((heading, sub, p["actor"]))
    return out


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_gfmd_annex_compiles_with_every_practice_heading_and_footnote(client, login, lang):
    login("impl.enabel@example.org")  # a published edition is readable by everyone signed in
    paragraphs, notes, references = docx_structure(compiled(client, lang))
    observed, category, sub = [], None, ""
    for style, text in paragraphs:
        if style == "Heading1":
            category, sub = text, ""
        elif style == "Heading2":
            sub = text
        elif style == "Heading3":
            observed.append((category, sub, text))
    assert observed == expected_outline(lang)  # each practice once, in order, under the right headings
    urls = [u for p in facts()["practices"] for u in (p.get("urls") or [])]
    ordered_urls = []
    order = {c["key"]: i for i, c in enumerate(facts()["categories"])}
    for _, p in sorted(enumerate(facts()["practices"]), key=lambda ip: (order[ip[1]["category"]], ip[0])):
        ordered_urls += p.get("urls") or []
    assert len(notes) == len(urls) > 10  # no URL of the source lost or doubled
    assert [notes[n] for n in sorted(notes)] == ordered_urls  # every URL a footnote, in order
    assert references == sorted(notes)  # each referenced once in the body, numbered in order
    headings = [text for style, text in paragraphs if style == "Heading1"]
    assert headings[0].startswith("1) ") and headings[4].startswith("5) ")
    assert not re.match(r"^\d", headings[-1])  # the closing heading is unnumbered, as in the source


def test_linked_practices_quote_live_approved_results(client, login):
    login("secretariat@example.org")
    paragraphs, _, _ = docx_structure(compiled(client, "fr"))
    quotes = [text for style, text in paragraphs if style == "Quote"]
    assert any(q.startswith("Derniers résultats approuvés de PALIM (T2 2020)") for q in quotes)
    paragraphs, _, _ = docx_structure(compiled(client, "en"))
    assert any(t.startswith("Latest approved results of PALIM (Q2 2020)") for s, t in paragraphs if s == "Quote")


def test_annex_xlsx_one_row_per_practice(client, login):
    login("secretariat@example.org")
    book = openpyxl.load_workbook(io.BytesIO(compiled(client, "en", "xlsx")))
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(min_row=5, values_only=True))
    assert len(rows) == len(facts()["practices"])
    assert sheet.freeze_panes == "D5" and sheet.auto_filter.ref
    palim = next(r for r in rows if "Enabel" in (r[5] or "") and r[2] == "Belgium")
    assert palim[8] == "PALIM"


SPECIAL = """
source: {title_en: "Tests & <checks>", title_fr: "Essais « spéciaux »", event: "Q&A", year: 2026}
categories:
  - {key: one, number: 1, title_en: "R&D <first>", title_fr: "R&D « d’abord »"}
practices:
  - id: special
    category: one
    subsection: null
    actor: "Côte d'Ivoire & Ελλάδα"
    name: 'He said "hi" 🎓'
    countries: [CI, GR]
    organisations: ["A & B"]
    figures: []
    urls: ["https://example.org/?q=a&b=<c>&long=LONG"]
    summary_en: "Only English: 5 < 6 & « quoted » 😀 中文"
    summary_fr: ""
"""


def test_special_characters_and_long_urls_survive(runner, tx, tmp_path, client, login):
    long_url = "https://example.org/?q=a&b=<c>&long=" + "x" * (400 - len("https://example.org/?q=a&b=<c>&long="))
    path = tmp_path / "special.yaml"
    path.write_text(SPECIAL.replace("https://example.org/?q=a&b=<c>&long=LONG", long_url), encoding="utf-8")
    result = runner.invoke(args=["compendium", "import", str(path)])
    assert result.exit_code == 0, result.output
    login("secretariat@example.org")
    paragraphs, notes, _ = docx_structure(compiled(client, "fr", key="special"))
    texts = [t for _, t in paragraphs]
    assert "Côte d'Ivoire & Ελλάδα" in texts
    assert 'He said "hi" 🎓' in texts
    assert "[EN] Only English: 5 < 6 & « quoted » 😀 中文" in texts  # kept, marked, not dropped
    assert notes == {1: long_url} and len(long_url) == 400
    book = openpyxl.load_workbook(io.BytesIO(compiled(client, "en", "xlsx", key="special")))
    row = list(book.worksheets[0].iter_rows(min_row=5, values_only=True))[0]
    assert row[7] == long_url and row[2] == "Côte d'Ivoire & Ελλάδα"


def test_import_is_idempotent_and_listed(runner, tx):
    result = runner.invoke(args=["compendium", "import", str(FACTS_FILE), "--edition", "gfmd-2020"])
    assert result.exit_code == 0 and "nothing changed" in result.output
    result = runner.invoke(args=["compendium", "list"])
    assert "gfmd-2020" in result.output and "87 practices" in result.output


def test_import_errors_name_the_practice_and_field_and_write_nothing(runner, tx, tmp_path):
    data = yaml.safe_load(FACTS_FILE.read_text(encoding="utf-8"))
    data["practices"][0]["countries"] = ["Belgium"]
    data["practices"][5]["subsection"] = "nowhere"
    data["practices"][7]["urls"] = ["ftp://example.org/x"]
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    before = tx.scalar(select(func.count()).select_from(Practice))
    result = runner.invoke(args=["compendium", "import", str(path)])
    assert result.exit_code == 2
    assert f"practice {data['practices'][0]['id']}.countries: 'Belgium' is not an ISO 3166 code" in result.output
    assert f"practice {data['practices'][5]['id']}.subsection" in result.output
    assert f"practice {data['practices'][7]['id']}.urls" in result.output
    assert tx.scalar(select(func.count()).select_from(Practice)) == before
    assert tx.scalar(select(Edition).where(Edition.key == "broken")) is None
    bad = tmp_path / "bad.yaml"
    bad.write_text("categories: [\n", encoding="utf-8")
    result = runner.invoke(args=["compendium", "import", str(bad)])
    assert result.exit_code == 2 and "not valid YAML" in result.output


def test_build_cli(runner, tmp_path):
    out = tmp_path / "annex.docx"
    result = runner.invoke(args=["compendium", "build", "gfmd-2020", "--lang", "fr", "-o", str(out)])
    assert result.exit_code == 0
    assert "1) Pratiques et outils partagés par les gouvernements nationaux" in [
        p.text for p in Document(str(out)).paragraphs]
    assert runner.invoke(args=["compendium", "build", "nope"]).exit_code == 2
    assert runner.invoke(args=["compendium", "build", "gfmd-2020", "--lang", "de"]).exit_code == 2


def test_drafts_are_for_the_secretariat_only(client, login, tx):
    edition = tx.scalar(select(Edition).where(Edition.key == "gfmd-2020"))
    edition.status = EditionStatus.DRAFT
    tx.commit()
    login("donor.bmz@example.org")
    assert client.get("/compendium/gfmd-2020").status_code == 404
    assert client.get("/compendium/gfmd-2020/download?lang=fr").status_code == 404
    assert "gfmd-2020" not in client.get("/compendium/").get_data(as_text=True)
    login("secretariat@example.org")
    assert client.get("/compendium/gfmd-2020").status_code == 200


def test_edit_reorder_filter_and_translation_view(client, login, tx):
    login("secretariat@example.org")
    page = client.get("/compendium/gfmd-2020/practices/icmpd-palim/edit").get_data(as_text=True)
    place = re.search(r'<option selected value="([^"]+)"', page) or re.search(r'value="([^"]+)" selected', page)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    edit = {"place": place.group(1), "actor": "ICMPD", "name_en": "PALIM", "name_fr": "",
            "summary_en": "Edited summary.", "summary_fr": "", "countries": "be, MA", "urls": "https://example.org/a",
            "projects": "PALIM"}
    missing = client.post("/compendium/gfmd-2020/practices/icmpd-palim/edit", data=edit)
    assert missing.status_code == 400 and "reload the page" in missing.get_data(as_text=True)
    response = client.post("/compendium/gfmd-2020/practices/icmpd-palim/edit", data={**edit, "version": version})
    assert response.status_code == 302
    stale = client.post("/compendium/gfmd-2020/practices/icmpd-palim/edit",
                        data={**edit, "summary_en": "Overwritten?", "version": version})
    assert stale.status_code == 409
    practice = tx.scalar(select(Practice).where(Practice.key == "icmpd-palim"))
    assert practice.summary_en == "Edited summary." and [c.country_code for c in practice.countries] == ["BE", "MA"]
    html = client.get("/compendium/gfmd-2020/translations").get_data(as_text=True)
    assert "icmpd-palim" in html and "summary in French" in html
    bad = client.post("/compendium/gfmd-2020/practices/icmpd-palim/edit", data={
        "place": place.group(1), "actor": "ICMPD", "countries": "Belgium", "projects": "NOPE",
        "version": practice.version})
    assert bad.status_code == 400
    # Reorder within its heading.
    siblings = [p.key for p in sorted(tx.scalars(select(Practice).where(
        Practice.category_id == practice.category_id, Practice.subsection_id.is_(None),
        Practice.edition_id == practice.edition_id)), key=lambda p: p.position)]
    target = siblings[0] if siblings[0] != "icmpd-palim" else siblings[1]
    client.post(f"/compendium/gfmd-2020/practices/{target}/move", data={"direction": "down"})
    after = [p.key for p in sorted(tx.scalars(select(Practice).where(
        Practice.category_id == practice.category_id, Practice.subsection_id.is_(None),
        Practice.edition_id == practice.edition_id)), key=lambda p: p.position)]
    assert after.index(target) == siblings.index(target) + 1
    # Filters.
    html = client.get("/compendium/gfmd-2020?country=NP").get_data(as_text=True)
    assert "nepal-sami-safer-migration" in html and 'id="p-icmpd-palim"' not in html
    html = client.get("/compendium/gfmd-2020?gcm=18").get_data(as_text=True)
    assert 'id="p-icmpd-palim"' in html
    html = client.get("/compendium/gfmd-2020?category=regional_organizations&q=zzzz-nothing").get_data(as_text=True)
    assert 'class="practice"' not in html


SOFFICE = shutil.which("soffice")


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed; .ci/run installs it")
def test_annex_pdf_shows_footnotes(client, login, tmp_path):
    login("secretariat@example.org")
    (tmp_path / "annex.docx").write_bytes(compiled(client, "fr"))
    subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(tmp_path / "annex.docx")], check=True, capture_output=True,
                   timeout=240)
    pdf = tmp_path / "annex.pdf"
    assert pdf.exists()
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
        assert "https://www.sami.org.np/access-to-skills" in text
        assert "1) Pratiques et outils partagés par les gouvernements" in text


@pytest.mark.parametrize("change, message", [
    (lambda d: d["practices"][0].update(subsection=["x"]), "subsection: must be a subsection key or null"),
    (lambda d: d.update(pilot_projects=5), "pilot_projects: must be a list"),
    (lambda d: d["practices"][0].update(figures=[{"label_en": [1, 2], "value": 3}]), "figures[0].label_en"),
    (lambda d: d["practices"][0].update(figures=[{"label_en": "x", "value": {"a": 1}}]), "figures[0].value"),
    (lambda d: d["source"].update(title_en="bad\x00title"), "source.title_en: holds control characters"),
])
def test_import_refuses_wrong_types_with_exit_2(runner, tx, tmp_path, change, message):
    data = yaml.safe_load(FACTS_FILE.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "typed.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(args=["compendium", "import", str(path)])
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_contents_field_lists_the_headings_and_links_to_them(client, login):
    login("secretariat@example.org")
    blob = compiled(client, "en")
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        body = archive.read("word/document.xml").decode("utf-8")
    assert 'TOC \\o "1-2" \\h \\z \\u' in body
    entries = re.findall(r'<w:pStyle w:val="TOC(\d)"/>.*?<w:hyperlink w:anchor="(_Toc\d+)"', body)
    bookmarks = set(re.findall(r'<w:bookmarkStart w:id="\d+" w:name="(_Toc\d+)"/>', body))
    assert entries and {anchor for _, anchor in entries} == bookmarks
    assert len([level for level, _ in entries if level == "1"]) == len(facts()["categories"])
