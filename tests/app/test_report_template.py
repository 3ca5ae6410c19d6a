"""The Word template is a real document: re-saved by LibreOffice it still carries every document.

LibreOffice gives the styles other ids ("Footnote" for "footnote text", "Contents1" for "toc 1"),
declares other namespaces, drops the footnotes and core-properties parts and puts a paragraph in
the body. The writer must find styles by name, keep the template's namespaces, sections and footer,
add what is missing, and still write documents that pass the schemas.
"""
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from meapp.reports import service
from meapp.reports.template import TemplateError, load_template
from tests.app.test_ooxml_schema import TODAY, _edition, _project, assert_valid, ooxml  # noqa: F401

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
SHIPPED = Path(__file__).resolve().parents[2] / "report_templates" / "base.docx"


@pytest.fixture(scope="module")
def resaved(tmp_path_factory) -> Path:
    """The shipped template opened and saved again by LibreOffice, as a secretariat restyling it would."""
    if not shutil.which("soffice"):
        pytest.skip("LibreOffice (soffice) is not installed")
    folder = tmp_path_factory.mktemp("template")
    source = folder / "restyled.docx"
    shutil.copy(SHIPPED, source)
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{folder}/profile",
                    "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(folder / "out"), str(source)],
                   check=True, capture_output=True, timeout=180)
    return folder / "out" / "restyled.docx"


def _styles(package: bytes) -> dict[str, str]:
    """style id → style name, from the document's own styles part."""
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        root = etree.fromstring(archive.read("word/styles.xml"))
    return {s.get(f"{W}styleId"): s.find(f"{W}name").get(f"{W}val") for s in root.iter(f"{W}style")}


def _used_styles(package: bytes) -> set[str]:
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        xml = "".join(archive.read(part).decode() for part in ("word/document.xml", "word/footnotes.xml")
                      if part in archive.namelist())
    return set(re.findall(r'<w:(?:pStyle|rStyle|tblStyle) w:val="([^"]+)"', xml))


def test_libreoffice_really_renamed_the_styles(resaved):
    """Otherwise the test below would prove nothing."""
    template = load_template(resaved)
    assert template.style_id("FootnoteText") != "FootnoteText" or template.style_id("TOC1") != "TOC1"
    assert template.part("word/footnotes.xml") is None or template.part("docProps/core.xml") is None


@pytest.mark.parametrize("kind", ["progress-bilingual", "progress-fr", "annex-fr", "portfolio-en"])
def test_documents_on_a_template_resaved_by_libreoffice(ooxml, app, tx, resaved, kind):  # noqa: F811
    app.config["REPORT_TEMPLATE"] = str(resaved)
    try:
        with app.app_context():
            if kind.startswith("progress"):
                report = service.progress_report(_project(tx, "LINK-IT"), kind.split("-")[1], today=TODAY)
            elif kind == "annex-fr":
                report = service.annex_report(_edition(tx), "fr", "docx", today=TODAY)
            else:
                report = service.portfolio_report(service.find_funder("EU-DG-HOME"), "en", "docx", today=TODAY)
    finally:
        app.config["REPORT_TEMPLATE"] = None
    assert_valid(ooxml, report, {"word/document.xml", "word/styles.xml", "word/settings.xml", "[Content_Types].xml",
                                 "_rels/.rels", "word/_rels/document.xml.rels", "docProps/core.xml"})
    names = _styles(report.data)
    used = _used_styles(report.data)
    assert used <= set(names), f"styles used but not defined: {used - set(names)}"
    template_ids = set(_styles((resaved).read_bytes()))
    assert used <= template_ids  # the template's own styles, by its own ids
    with zipfile.ZipFile(io.BytesIO(report.data)) as archive:
        document = archive.read("word/document.xml").decode()
        assert "w:footerReference" in document and "word/footer1.xml" in archive.namelist()  # its footer kept
        assert 'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml"' in document  # its namespaces
        core = archive.read("docProps/core.xml").decode()
    assert "<dc:title>" in core and "<dc:language>" in core
    if kind.startswith("annex"):
        heading_id = load_template(resaved).style_id("Heading1")
        assert f'<w:pStyle w:val="{heading_id}"/>' in document
        assert '<w:footnoteReference w:id="1"/>' in document


def test_a_template_without_a_needed_style_says_which(tmp_path, tx):
    broken = _without_small(tmp_path)
    from meapp.reports import loader, model, word

    data = loader.load_project(_project(tx, "PALIM"), None)
    with pytest.raises(TemplateError, match="no paragraph style named “Small”"):
        word.render_progress([model.build_progress_report(data, "en", TODAY)], template=broken)


def test_an_unreadable_template_says_so(tmp_path):
    bad = tmp_path / "not-a-docx.docx"
    bad.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(TemplateError, match="cannot be read as a .docx"):
        load_template(bad)
    with pytest.raises(TemplateError, match="does not exist"):
        load_template(tmp_path / "missing.docx")


def _without_small(tmp_path) -> Path:
    broken = tmp_path / "no-small.docx"
    with zipfile.ZipFile(SHIPPED) as source, zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/styles.xml":
                data = data.replace(b'<w:name w:val="Small"/>', b'<w:name w:val="Tiny"/>')
            target.writestr(item, data)
    return broken


def test_a_broken_template_stops_the_start_not_a_download(tmp_path):
    from meapp import ConfigError, create_app

    with pytest.raises(ConfigError, match="MEAPP_REPORT_TEMPLATE: .*“Small”"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "REPORT_TEMPLATE": str(_without_small(tmp_path))},
                   env="testing")


def test_a_template_broken_after_the_start_answers_503_and_exit_2(client, login, runner, app, tmp_path):
    app.config["REPORT_TEMPLATE"] = str(_without_small(tmp_path))
    try:
        login("secretariat@example.org")
        response = client.get("/projects/PALIM/reports/progress?lang=fr", headers={"Accept-Language": "fr"})
        assert response.status_code == 503
        assert "modèle" in response.get_data(as_text=True)
        result = runner.invoke(args=["reports", "project", "PALIM", "--lang", "en", "-o", str(tmp_path / "r.docx")])
        assert result.exit_code == 2 and "“Small”" in result.output
        assert client.get("/projects/PALIM/reports/iptt?lang=en").status_code == 200  # Excel needs no template
    finally:
        app.config["REPORT_TEMPLATE"] = None
