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
from meapp.projects.models import Project
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


def plain(text):
    """Text without the typesetting documents apply (French curly apostrophes, no-break spaces)."""
    if text is None:
        return None
    return text.replace("\u2019", "'").replace("\u202f", " ").replace("\u00a0", " ")


def _summary(p, lang):
    return p[f"summary_{lang}"] or f"[{'EN' if lang == 'fr' else 'FR'}] " + p[f"summary_{'en' if lang == 'fr' else 'fr'}"]


def expected_outline(lang):
    """(category heading, subsection heading, actor heading, summary) for every practice, in the source's
    order; the actor heading is the one printed above the run of that actor's practices."""
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
        actor = (p.get("actor_fr") or p["actor"]) if lang == "fr" else p["actor"]
        if p["actor"] == c["title_en"]:  # "Multiple organizations": the heading itself, not repeated
            actor = None
        out.append(tuple(plain(x) for x in (heading, sub, actor, _summary(p, lang))))
    return out


def observed_outline(paragraphs, summaries):
    """The same, read from the document: the headings above each practice's summary paragraph."""
    observed, category, sub, actor = [], None, "", None
    for style, text in ((style, plain(text)) for style, text in paragraphs):
        if style == "Heading1":
            category, sub, actor = text, "", None
        elif style == "Heading2":
            sub, actor = text, None
        elif style == "Heading3":
            actor = text
        elif style == "Normal":
            found = next((s for s in summaries if text.rstrip(",") == s), None)
            if found:
                observed.append((category, sub, actor, found))
    return observed


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_gfmd_annex_compiles_with_every_practice_heading_and_footnote(client, login, lang):
    login("impl.enabel@example.org")  # a published edition is readable by everyone signed in
    paragraphs, notes, references = docx_structure(compiled(client, lang))
    expected = expected_outline(lang)
    # each practice once, in order, under the right category, subsection and actor headings
    assert observed_outline(paragraphs, {e[3] for e in expected}) == expected
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


def test_linked_practices_quote_live_approved_results_labelled_as_demonstration_data(client, login, tx):
    login("secretariat@example.org")
    for lang, quote, cover in (
            ("fr", "Derniers résultats approuvés de PALIM (T2 2020), données de démonstration aux valeurs fictives : ",
             "Données de démonstration : les derniers résultats approuvés cités pour les projets liés sont des "
             "valeurs fictives"),
            ("en", "Latest approved results of PALIM (Q2 2020), demonstration data with synthetic values: ",
             "Demonstration data: the latest approved results quoted from linked projects are synthetic values")):
        paragraphs, _, _ = docx_structure(compiled(client, lang))
        quotes = [plain(text) for style, text in paragraphs if style == "Quote"]
        assert any(q.startswith(quote) for q in quotes), quotes[:3]
        # every quoted result in the demo is labelled, and the title page says so once
        assert quotes and all(("démonstration" if lang == "fr" else "demonstration") in q for q in quotes)
        covers = [plain(text) for style, text in paragraphs if style == "CoverNote"]
        assert sum(c.startswith(cover) for c in covers) == 1, covers
    # A real project's results are quoted without the label, and the title page no longer mentions it.
    for project in tx.scalars(select(Project)):
        project.is_demo = False
    tx.commit()
    paragraphs, _, _ = docx_structure(compiled(client, "en"))
    quotes = [plain(text) for style, text in paragraphs if style == "Quote"]
    assert any(q.startswith("Latest approved results of PALIM (Q2 2020): ") for q in quotes)
    assert not any("demonstration" in text.lower() for _, text in paragraphs)


def test_title_page_names_the_source_and_whose_summaries_these_are(client, login):
    login("secretariat@example.org")
    for lang, subtitle, source in (
            ("fr", "Sommet du FMMD de janvier 2021, édition 2020",
             "Source : l'annexe du document « Développement des compétences des migrants pour l'emploi » (Sommet du "
             "FMMD de janvier 2021, édition 2020). Les pratiques, leurs noms, pays, chiffres et adresses web en sont "
             "tirés ; les résumés des pratiques sont rédigés par meapp et ne sont pas des citations."),
            ("en", "GFMD Summit January 2021, 2020 edition",
             "Source: the annex of the paper “Skilling Migrants for Employment” (GFMD Summit January 2021, 2020 "
             "edition). The practices, their names, countries, figures and web addresses are taken from it; the "
             "summaries of the practices are meapp's own summaries, not quotations.")):
        paragraphs, _, _ = docx_structure(compiled(client, lang))
        first_page = [(style, plain(text)) for style, text in paragraphs[:paragraphs.index(
            next(p for p in paragraphs if p[0] == "TOCHeading"))]]
        assert ("Subtitle", subtitle) in first_page
        assert ("CoverNote", source) in first_page


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
    assert "[EN] Côte d'Ivoire & Ελλάδα" in texts  # an actor without a French name, marked
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


# --- issue 10: the annex compendium ------------------------------------------------------------------
LETTERS = """
source: {title_en: "Letters", title_fr: "Lettres", event: "Test", event_fr: "Essai", year: 2026}
categories:
  - key: cities
    number: 1
    title_en: "Cities"
    title_fr: "Villes"
    subsections:
      - {key: second, letter: b, title_en: "Second", title_fr: "Deuxième"}
      - {key: first, letter: a, title_en: "First", title_fr: "Première"}
practices:
  - {id: in-b, category: cities, subsection: second, actor: "Actor B", actor_fr: "Acteur B", name: "Practice in b",
     summary_en: "Summary of b.", summary_fr: "Résumé de b."}
  - {id: in-a, category: cities, subsection: first, actor: "Actor A", actor_fr: "Acteur A", name: "Practice in a",
     summary_en: "Summary of a.", summary_fr: "Résumé de a."}
  - {id: in-a-too, category: cities, subsection: first, actor: "Actor A", actor_fr: "Acteur A", name: "Another in a",
     summary_en: "Another summary of a.", summary_fr: "Autre résumé de a."}
"""


def test_subsections_follow_their_letters_whatever_the_order_of_the_file(runner, tmp_path, client, login):
    path = tmp_path / "letters.yaml"
    path.write_text(LETTERS, encoding="utf-8")
    assert runner.invoke(args=["compendium", "import", str(path)]).exit_code == 0
    login("secretariat@example.org")
    for lang, expected in (("en", [("Heading1", "1) Cities"), ("Heading2", "a) First"), ("Heading3", "Actor A"),
                                   ("Normal", "Practice in a"), ("Normal", "Another in a"),
                                   ("Heading2", "b) Second"), ("Heading3", "Actor B"), ("Normal", "Practice in b")]),
                           ("fr", [("Heading1", "1) Villes"), ("Heading2", "a) Première"), ("Heading3", "Acteur A"),
                                   ("Normal", "Practice in a"), ("Normal", "Another in a"),
                                   ("Heading2", "b) Deuxième"), ("Heading3", "Acteur B"),
                                   ("Normal", "Practice in b")])):
        paragraphs, _, _ = docx_structure(compiled(client, lang, key="letters"))
        body = [(style, text) for style, text in paragraphs if style.startswith("Heading") or text in (
            "Practice in a", "Another in a", "Practice in b")]
        assert body == expected
    html = client.get("/compendium/letters").get_data(as_text=True)
    assert html.index("a) First") < html.index("Practice in a") < html.index("b) Second") < html.index("Practice in b")
    form = client.get("/compendium/letters/practices/in-b/edit").get_data(as_text=True)
    assert form.index("a) First") < form.index("b) Second")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_one_actor_heading_for_consecutive_practices_of_an_actor(client, login, lang):
    login("secretariat@example.org")
    paragraphs, _, _ = docx_structure(compiled(client, lang))
    actors = [plain(text) for style, text in paragraphs if style == "Heading3"]
    ilo, iom = {"en": ("International Labour Organization (ILO)", "International Organization for Migration (IOM)"),
                "fr": ("Organisation internationale du Travail (OIT)",
                       "Organisation internationale pour les migrations (OIM)")}[lang]
    assert actors.count(ilo) == 1 and actors.count(iom) == 1  # 12 and 11 practices, one heading each
    # an actor heading is never repeated under one category or subsection
    places, seen = [], set()
    for style, text in paragraphs:
        if style in ("Heading1", "Heading2"):
            seen = set()
        elif style == "Heading3":
            assert text not in seen, text
            seen.add(text)
            places.append(text)
    # "Multiple organizations" closes the annex as an unnumbered heading of its own (as the paper, according
    # to the facts file), its practices directly under it rather than under a repeated actor heading.
    headings = [(style, plain(text)) for style, text in paragraphs if style.startswith("Heading")]
    closing = {"en": "Multiple organizations", "fr": "Initiatives conjointes de plusieurs organisations"}[lang]
    assert headings[-1] == ("Heading1", closing)
    assert "Multiple organizations" not in actors and "Plusieurs organisations" not in actors


def test_figures_print_their_label_value_and_unit_in_the_document_language(client, login):
    login("secretariat@example.org")
    bullets = {lang: [plain(t) for s, t in docx_structure(compiled(client, lang))[0] if s == "ListBullet"]
               for lang in ("fr", "en")}
    for expected in ("Article of the Italian immigration rules used for training non-EU citizens abroad: Article 27",
                     "GCM objective the targets are aligned with: GCM objective 5",
                     "Young people trained (October 2019): 200 persons",
                     "City target share of solid waste collected: 60% by 2022",
                     "Length of the sustainable waste treatment training: 5 days (2019)",
                     "GFMD Summit at which BAG Innovation won: 12th GFMD Summit (2019)",
                     "Young people to be reached with opportunities: 1,000,000 persons by 2021",
                     "Year established: 1963"):
        assert expected in bullets["en"]
    for expected in ("Article de la réglementation italienne sur l'immigration utilisé pour former des ressortissants "
                     "non européens à l'étranger : article 27",
                     "Objectif du PMM auquel les cibles se rattachent : objectif 5 du PMM",
                     "Jeunes formés (octobre 2019) : 200 personnes",
                     "Objectif municipal de part des déchets solides collectés : 60 % d'ici 2022",
                     "Jeunes devant bénéficier d'opportunités : 1 000 000 personnes d'ici 2021",
                     "Catégories de métiers couvertes : 212 catégories de métiers"):
        assert expected in bullets["fr"]
    english_units = re.compile(r"\b(persons|months|days|years|jobs|number)\b")
    assert not [b for b in bullets["fr"] if english_units.search(b.split(" : ")[-1])]
    assert not [b for b in bullets["en"] if b.endswith(" number")]


@pytest.mark.parametrize("figure, fr, en", [
    ({"label_en": "Trained", "label_fr": "Formés", "value": 1200, "unit": "persons"},
     "Formés : 1 200 [EN] persons", "Trained: 1,200 persons"),  # a unit without French, marked
    ({"label_en": "Article", "value": 27, "unit": "article number"}, "[EN] Article : 27 [EN] article number",
     "Article: article 27"),  # a file of the old schema
    ({"label_en": "Share", "label_fr": "Part", "value": 22.5, "unit": "percent"}, "Part : 22,5 %", "Share: 22.5%"),
    ({"label_en": "Launch", "label_fr": "Lancement", "value": 2019, "unit": "year"}, "Lancement : 2019",
     "Launch: 2019"),
    ({"label_en": "Jobs", "label_fr": "Emplois", "value": None, "unit": "jobs", "unit_fr": "emplois"},
     "Emplois : —", "Jobs: —"),  # a value not stated
])
def test_figure_rendering_rules(figure, fr, en):
    from meapp.reports.annex import figure_text
    from meapp.reports.i18n import Lang

    assert plain(figure_text(Lang("fr"), figure)) == fr
    assert plain(figure_text(Lang("en"), figure)) == en


def test_french_annex_names_actors_organisations_and_units_in_french_or_marks_them(client, login, tx):
    practices = facts()["practices"]
    assert sum(1 for p in practices if p.get("actor_fr")) >= 0.9 * len(practices)
    organisations = [o for p in practices for o in p.get("organisations") or []]
    assert all(isinstance(o, dict) and (o.get("name") or o.get("name_fr")) for o in organisations)
    units = [f for p in practices for f in p.get("figures") or [] if f.get("unit") not in (None, "year", "percent")]
    assert units and all(f.get("unit_fr") for f in units)
    # One practice loses its actor's French name: its heading is then marked, not left in English silently.
    practice = tx.scalar(select(Practice).where(Practice.key == "icmpd-palim"))
    practice.actor_fr = ""
    tx.commit()
    login("secretariat@example.org")
    paragraphs, _, _ = docx_structure(compiled(client, "fr"))
    french = {plain(p.get("actor_fr")) for p in practices if p.get("actor_fr")}
    actors = [plain(text) for style, text in paragraphs if style == "Heading3"]
    assert actors and all(a in french or a.startswith("[EN] ") for a in actors)
    assert "[EN] International Centre for Migration Policy Development (ICMPD)" in actors
    texts = [plain(text) for _, text in paragraphs]
    assert "Organisations : Organisation internationale du Travail (OIT)" in texts or \
        any(t.startswith("Organisations : ") and "OIT" in t for t in texts)
    assert "Organisations : Commission philippine de l'enseignement supérieur (CHED) ; Ambassade des Philippines à " \
           "Phnom Penh ; Autorité néo-zélandaise des qualifications (NZQA)" in texts
    assert not any(t.startswith("Organisations : ") and "[EN]" in t for t in texts)
    assert "Sommet du FMMD de janvier 2021, édition 2020" in texts
    # The translations view lists the missing French actor name; the edit form saves one.
    html = client.get("/compendium/gfmd-2020/translations").get_data(as_text=True)
    assert "icmpd-palim" in html and "actor in French" in html


def test_the_practice_form_edits_the_french_actor_name(client, login, tx):
    login("secretariat@example.org")
    page = client.get("/compendium/gfmd-2020/practices/icmpd-palim/edit").get_data(as_text=True)
    assert 'name="actor_fr"' in page and "Centre international pour le développement" in page
    place = re.search(r'<option selected value="([^"]+)"', page) or re.search(r'value="([^"]+)" selected', page)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    response = client.post("/compendium/gfmd-2020/practices/icmpd-palim/edit", data={
        "place": place.group(1), "actor": "ICMPD", "actor_fr": "CIDPM", "name_en": "PALIM", "name_fr": "PALIM",
        "summary_en": "Summary.", "summary_fr": "Résumé.", "countries": "BE, MA", "urls": "", "projects": "PALIM",
        "version": version})
    assert response.status_code == 302
    practice = tx.scalar(select(Practice).where(Practice.key == "icmpd-palim"))
    tx.refresh(practice)
    assert (practice.actor, practice.actor_fr) == ("ICMPD", "CIDPM")
    html = client.get("/compendium/gfmd-2020?q=CIDPM").get_data(as_text=True)
    assert 'id="p-icmpd-palim"' in html  # searchable by its French name
    html = client.get("/compendium/gfmd-2020?q=CIDPM", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "<h4>CIDPM</h4>" in html and "Facilité des partenariats pour la mobilité" in html  # the French preview


def test_footnote_addresses_are_hyperlinks_of_the_notes_part(client, login):
    login("secretariat@example.org")
    blob = compiled(client, "en")
    from lxml import etree

    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        notes = etree.fromstring(archive.read("word/footnotes.xml"))
        rels = etree.fromstring(archive.read("word/_rels/footnotes.xml.rels"))
    r_id = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    targets = {r.get("Id"): (r.get("Target"), r.get("TargetMode"), r.get("Type")) for r in rels}
    links = list(notes.iter(f"{W}hyperlink"))
    numbered = [n for n in notes.iter(f"{W}footnote") if int(n.get(f"{W}id")) > 0]
    assert len(links) == len(numbered) > 10  # every source note is a link
    for link in links:
        text = "".join(t.text or "" for t in link.iter(f"{W}t"))
        target, mode, kind = targets[link.get(r_id)]
        assert mode == "External" and kind.endswith("/hyperlink")
        assert target == text.replace(" ", "%20")  # as printed, spaces encoded
    assert any(" " in "".join(t.text or "" for t in link.iter(f"{W}t")) for link in links)  # the UNCTAD address


def test_adjacent_footnote_references_are_separated(client, login):
    login("secretariat@example.org")
    with zipfile.ZipFile(io.BytesIO(compiled(client, "fr"))) as archive:
        body = archive.read("word/document.xml").decode("utf-8")
    reference = r'<w:r><w:rPr><w:rStyle w:val="[^"]+"/></w:rPr><w:footnoteReference w:id="\d+"/></w:r>'
    assert re.search(reference + r'<w:r><w:rPr><w:rStyle w:val="[^"]+"/></w:rPr><w:t xml:space="preserve">,</w:t>'
                     r'</w:r>' + reference, body)  # the Kerala practice has two sources: "4,5"
    assert not re.search(reference + reference, body)


def test_update_fields_only_in_a_document_with_a_contents_field(tx):
    import datetime as dt

    from meapp.reports import service

    annex = service.annex_report(tx.scalar(select(Edition).where(Edition.key == "gfmd-2020")), "en", "docx",
                                 today=dt.date(2024, 3, 1))
    progress = service.progress_report(tx.scalar(select(Project).where(Project.code == "PALIM")), "en",
                                       today=dt.date(2024, 3, 1))
    settings = {}
    for name, report in (("annex", annex), ("progress", progress)):
        with zipfile.ZipFile(io.BytesIO(report.data)) as archive:
            settings[name] = archive.read("word/settings.xml").decode("utf-8")
            body = archive.read("word/document.xml").decode("utf-8")
        assert ("TOC \\o" in body) == (name == "annex")
    assert '<w:updateFields w:val="true"/>' in settings["annex"]
    assert "updateFields" not in settings["progress"]
    # the rest of the template's settings is kept
    assert "<w:footnotePr>" in settings["progress"] and "<w:footnotePr>" in settings["annex"]


def test_contents_shows_entries_and_no_instruction(client, login):
    login("secretariat@example.org")
    for lang in ("fr", "en"):
        paragraphs, _, _ = docx_structure(compiled(client, lang))
        start = next(i for i, (style, _) in enumerate(paragraphs) if style == "TOCHeading")
        assert paragraphs[start + 1][0] == "TOC1" and paragraphs[start + 1][1].startswith("1) ")
        assert not any("Update" in text or "Actualiser" in text or "se met à jour" in text
                       for _, text in paragraphs)


FRENCH = """
source: {title_en: "French names", title_fr: "Noms français", event: "Summit", event_fr: "Sommet", year: 2026}
categories:
  - {key: one, number: 1, title_en: "One", title_fr: "Un"}
practices:
  - id: named
    category: one
    subsection: null
    actor: "International Organization for Migration (IOM)"
    actor_fr: "Organisation internationale pour les migrations (OIM)"
    name: "Named"
    organisations:
      - "Plain English name"
      - {name: "Enabel"}
      - {name_en: "IOM", name_fr: "OIM"}
      - {name_en: "Only English"}
    figures:
      - {label_en: "Article", label_fr: "Article", value: 27, unit: "Article {value}", unit_fr: "article {value}"}
      - {label_en: "Trained", label_fr: "Formés", value: 5, unit: persons, unit_fr: personnes, kind: achieved}
    summary_en: "English."
    summary_fr: "Français."
"""


def test_import_accepts_and_round_trips_the_french_fields(runner, tx, tmp_path):
    path = tmp_path / "french.yaml"
    path.write_text(FRENCH, encoding="utf-8")
    first = runner.invoke(args=["compendium", "import", str(path)])
    assert first.exit_code == 0, first.output
    edition = tx.scalar(select(Edition).where(Edition.key == "french"))
    assert (edition.event, edition.event_fr) == ("Summit", "Sommet")
    edition_id = edition.id
    practice = tx.scalar(select(Practice).where(Practice.key == "named", Practice.edition_id == edition_id))
    assert practice.actor_fr == "Organisation internationale pour les migrations (OIM)"
    assert practice.organisations == [{"name_en": "Plain English name", "name_fr": ""},
                                      {"name_en": "Enabel", "name_fr": "Enabel"},
                                      {"name_en": "IOM", "name_fr": "OIM"},
                                      {"name_en": "Only English", "name_fr": ""}]
    assert practice.figures[0] == {"label_en": "Article", "label_fr": "Article", "value": 27,
                                   "unit": "Article {value}", "unit_fr": "article {value}"}
    assert practice.figures[1]["unit_fr"] == "personnes"
    again = runner.invoke(args=["compendium", "import", str(path)])
    assert again.exit_code == 0 and "nothing changed" in again.output  # idempotent
    # A change of a French name alone is an update.
    path.write_text(FRENCH.replace('name_fr: "OIM"', 'name_fr: "Org. int. pour les migrations"'), encoding="utf-8")
    changed = runner.invoke(args=["compendium", "import", str(path)])
    assert "1 updated" in changed.output, changed.output
    practice = tx.scalar(select(Practice).where(Practice.key == "named", Practice.edition_id == edition_id))
    assert practice.organisations[2] == {"name_en": "IOM", "name_fr": "Org. int. pour les migrations"}


@pytest.mark.parametrize("change, message", [
    (lambda d: d["practices"][0].update(actor_fr=["Belgique"]), "practice {id}.actor_fr: must be text"),
    (lambda d: d["practices"][0].update(actor_fr="x" * 301), "practice {id}.actor_fr: longer than 300 characters"),
    (lambda d: d["practices"][0].update(organisations=[5]),
     "practice {id}.organisations[0]: must be a name or a mapping with name, name_en or name_fr"),
    (lambda d: d["practices"][0].update(organisations=[{"nom_fr": "OIM"}]),
     "practice {id}.organisations[0].nom_fr: unknown field (name, name_en or name_fr)"),
    (lambda d: d["practices"][0].update(organisations=[{"name_en": "IOM", "name_fr": ["OIM"]}]),
     "practice {id}.organisations[0].name_fr: must be text"),
    (lambda d: d["practices"][0].update(organisations=[{}]), "practice {id}.organisations[0]: has no name"),
    (lambda d: d["practices"][0].update(figures=[{"label_en": "x", "value": 1, "unit_fr": {"a": 1}}]),
     "practice {id}.figures[0].unit_fr: must be text"),
    (lambda d: d["practices"][0].update(figures=[{"label_en": "x", "value": 1, "unit": "Article {n}"}]),
     "practice {id}.figures[0].unit: only {{value}} may stand in braces"),
    (lambda d: d["source"].update(event_fr=["Sommet"]), "source.event_fr: must be text"),
])
def test_import_refuses_wrong_types_of_french_fields(runner, tx, tmp_path, change, message):
    data = yaml.safe_load(FACTS_FILE.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "typed.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    before = tx.scalar(select(func.count()).select_from(Practice))
    result = runner.invoke(args=["compendium", "import", str(path)])
    assert result.exit_code == 2, result.output
    assert message.format(id=data["practices"][0]["id"]) in result.output
    assert tx.scalar(select(func.count()).select_from(Practice)) == before
