"""Reports from the database: downloads, CLI, the same numbers as stored, PDF conversion."""
import io
import shutil
import subprocess
from decimal import Decimal

import openpyxl
import pytest
from docx import Document
from sqlalchemy import select

from meapp.logframes.models import Indicator
from meapp.projects.models import Project
from meapp.submissions.models import Submission, SubmissionStatus, Value

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def docx_text(blob: bytes) -> str:
    document = Document(io.BytesIO(blob))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


@pytest.mark.parametrize("lang, heading", [("fr", "Résultats par niveau du cadre logique"),
                                           ("en", "Results by logframe level"),
                                           ("bilingual", "Résultats par niveau du cadre logique / Results by logframe level")])
def test_progress_report_download(client, login, lang, heading):
    login("impl.enabel@example.org")
    response = client.get(f"/projects/PALIM/reports/progress?lang={lang}")
    assert response.status_code == 200
    assert response.mimetype == DOCX
    assert f"PALIM_progress_2020Q2_{lang}.docx" in response.headers["Content-Disposition"]
    assert heading in docx_text(response.data)


def test_report_figures_match_the_database(client, login, tx):
    login("secretariat@example.org")
    project = tx.scalar(select(Project).where(Project.code == "SAMI-NP"))
    indicator = tx.scalar(select(Indicator).where(Indicator.project_id == project.id, Indicator.code == "TRAINED_CERTIFIED"))
    approved = tx.scalars(select(Value.value).join(Submission).where(
        Submission.project_id == project.id, Submission.status == SubmissionStatus.APPROVED,
        Value.indicator_id == indicator.id, Value.combination == "")).all()
    expected = sum(approved, Decimal(0))
    book = openpyxl.load_workbook(io.BytesIO(client.get("/projects/SAMI-NP/reports/iptt?lang=en").data))
    row = next(r for r in book.worksheets[0].iter_rows(values_only=True) if r[1] == "TRAINED_CERTIFIED")
    headers = next(r for r in book.worksheets[0].iter_rows(values_only=True) if r[0] == "Level")
    assert Decimal(str(row[headers.index("Actual to date")])) == expected
    text = docx_text(client.get("/projects/SAMI-NP/reports/progress?lang=fr").data)
    assert f"{int(expected):,}".replace(",", "\u202f") in text


def test_until_and_bad_parameters(client, login):
    login("secretariat@example.org")
    response = client.get("/projects/PALIM/reports/iptt?lang=fr&until=2019Q4")
    assert "PALIM_iptt_2019Q4_fr.xlsx" in response.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert "T4\u00a02019" in next(r for r in book.worksheets[0].iter_rows(values_only=True) if r[0] == "Niveau")
    assert client.get("/projects/PALIM/reports/progress?lang=de").status_code == 400
    assert client.get("/projects/PALIM/reports/progress?until=2020Q9").status_code == 400


def test_donor_portfolio_covers_only_funded_projects(client, login):
    login("donor.bmz@example.org")
    response = client.get("/portfolio?lang=fr&format=docx")
    assert response.status_code == 200 and response.mimetype == DOCX
    text = docx_text(response.data)
    assert "Portefeuille du bailleur" in text and "KOSOVO-SPM" in text and "PALIM" not in text
    response = client.get("/portfolio?lang=en&format=xlsx")
    assert response.mimetype == XLSX
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    codes = [r[0] for r in book["Projects"].iter_rows(values_only=True)]
    assert "KOSOVO-SPM" in codes and "PALIM" not in codes


def test_secretariat_names_the_funder(client, login, tx):
    from meapp.auth.models import Organisation

    login("secretariat@example.org")
    org = tx.scalar(select(Organisation).where(Organisation.acronym == "EU-DG-HOME"))
    response = client.get(f"/portfolio?org={org.id}&lang=en&format=xlsx")
    codes = [r[0] for r in openpyxl.load_workbook(io.BytesIO(response.data))["Projects"].iter_rows(values_only=True)]
    assert {"PALIM", "HOMERE", "YGCA", "DIGITAL-EXPLORERS"} <= set(codes)


def test_project_page_and_dashboard_offer_downloads(client, login):
    login("donor.eu-dg-home@example.org")
    html = client.get("/projects/PALIM").get_data(as_text=True)
    assert "/projects/PALIM/reports/progress?lang=bilingual" in html
    assert "/portfolio?lang=fr&amp;format=docx" in client.get("/").get_data(as_text=True)


def test_cli_reports(runner, tmp_path):
    out = tmp_path / "r.docx"
    result = runner.invoke(args=["reports", "project", "PALIM", "--until", "2020Q2", "--lang", "fr", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Rapport d’avancement du projet" in docx_text(out.read_bytes())
    out = tmp_path / "i.xlsx"
    assert runner.invoke(args=["reports", "iptt", "SEEDA", "--lang", "en", "-o", str(out)]).exit_code == 0
    assert openpyxl.load_workbook(out).sheetnames == ["IPTT", "Data", "Chart"]
    out = tmp_path / "p.xlsx"
    result = runner.invoke(args=["reports", "portfolio", "--funder", "BMZ", "--lang", "fr", "--format", "xlsx",
                                 "-o", str(out)])
    assert result.exit_code == 0
    for args, message in ((["reports", "project", "NOPE"], "unknown project"),
                          (["reports", "project", "PALIM", "--lang", "de"], "unknown language"),
                          (["reports", "iptt", "PALIM", "--lang", "bilingual"], "unknown language"),
                          (["reports", "portfolio", "--funder", "Nobody"], "unknown funder"),
                          (["reports", "portfolio", "--funder", "BMZ", "--format", "pdf"], "unknown format")):
        result = runner.invoke(args=args)
        assert result.exit_code == 2 and message in result.output, args


def test_loader_uses_a_constant_number_of_queries(tx, count_queries):
    from meapp.reports import loader

    counts = []
    for code in ("PALIM", "SAMI-NP", "STARTWIEN"):
        project = tx.scalar(select(Project).where(Project.code == code))
        with count_queries() as statements:
            loader.load_project(project)
        counts.append(len(statements))
    assert len(set(counts)) == 1, counts


SOFFICE = shutil.which("soffice")


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed; .ci/run installs it")
def test_documents_convert_to_pdf(client, login, tmp_path):
    login("secretariat@example.org")
    files = {
        "progress.docx": client.get("/projects/PALIM/reports/progress?lang=bilingual").data,
        "iptt.xlsx": client.get("/projects/PALIM/reports/iptt?lang=fr").data,
        "portfolio.docx": client.get("/portfolio?org=BMZ&lang=fr&format=docx").data,
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), *[str(tmp_path / n) for n in files]],
                   check=True, capture_output=True, timeout=240)
    texts = {}
    for name in files:
        pdf = tmp_path / (name.rsplit(".", 1)[0] + ".pdf")
        assert pdf.exists() and pdf.stat().st_size > 1000, name
        if shutil.which("pdftotext"):
            texts[name] = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    if texts:
        assert "Rapport d’avancement du projet" in texts["progress.docx"]
        assert "PALIM" in texts["iptt.xlsx"]
        assert "Portefeuille du bailleur" in texts["portfolio.docx"]


def test_portfolio_statuses_match_the_project_reports(client, login):
    login("donor.eu-dg-home@example.org")
    portfolio = openpyxl.load_workbook(io.BytesIO(client.get("/portfolio?lang=en&format=xlsx").data))
    keys = {r[1].split(" — ")[0]: r[5] for r in portfolio["Key indicators"].iter_rows(min_row=2, values_only=True)
            if r[0] == "PALIM"}
    iptt = openpyxl.load_workbook(io.BytesIO(client.get("/projects/PALIM/reports/iptt?lang=en").data))
    rows = list(iptt.worksheets[0].iter_rows(values_only=True))
    header = next(r for r in rows if r[0] == "Level")
    status = {r[1]: r[header.index("Status")] for r in rows if r[1] in keys}
    assert keys == status


def test_until_of_another_frequency_is_refused(client, login):
    login("secretariat@example.org")
    assert client.get("/projects/PALIM/reports/progress?until=2020H1").status_code == 400


@pytest.mark.parametrize("args, message", [
    (["reports", "project", "PALIM", "--until", "2099Q1", "--lang", "fr"], "outside the dates of PALIM"),
    (["reports", "iptt", "PALIM", "--until", "1900Q1", "--lang", "en"], "outside the dates of PALIM"),
    (["reports", "project", "PALIM", "--lang", "en", "-o", "/nonexistent-folder/report.docx"], "cannot write"),
    (["compendium", "build", "gfmd-2020", "--lang", "en", "-o", "/proc/report.docx"], "cannot write"),
])
def test_report_commands_refuse_with_exit_2_and_a_message(runner, args, message):
    result = runner.invoke(args=args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.skipif(SOFFICE is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice and poppler are not installed; .ci/run installs them")
def test_every_table_row_of_a_report_appears_in_its_pdf(client, login, tmp_path):
    """LibreOffice once left a header row alone at a page's foot and dropped the next row (LINK-IT, EXCHANGES)."""
    import io
    import re
    import zipfile

    login("secretariat@example.org")
    names = []
    for code, lang in (("LINK-IT", "bilingual"), ("PALIM", "fr"), ("MATCH", "en")):
        data = client.get(f"/projects/{code}/reports/progress?lang={lang}").data
        name = f"{code}_{lang}.docx"
        (tmp_path / name).write_bytes(data)
        names.append((name, data))
    subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), *(str(tmp_path / n) for n, _ in names)],
                   check=True, capture_output=True, timeout=240)
    missing = []
    for name, data in names:
        xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
        pdf_text = subprocess.run(["pdftotext", str(tmp_path / name.replace(".docx", ".pdf")), "-"],
                                  capture_output=True, text=True, check=True).stdout
        flat = re.sub(r"\W+", "", pdf_text)  # letters and digits only: line breaks may eat a hyphen
        for row in re.findall(r"<w:tr>(?:(?!</w:tr>).)*</w:tr>", xml, re.S):
            first_cell = re.search(r"<w:tc>.*?</w:tc>", row, re.S).group(0)
            text = "".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", first_cell))
            words = re.sub(r"\W+", "", text.replace("&amp;", "&"))[:25]
            if words and words not in flat:
                missing.append((name, text[:60]))
    assert missing == []


def test_the_portfolio_tells_the_truth(tx):
    """Completeness over every period due by the report's date, outstanding reports listed, one funder whatever
    name the facts gave it (DG HOME's portfolio once left out MATCH and MENTOR-1)."""
    import datetime as dt

    from meapp.reports import loader, portfolio
    from meapp.reports.service import find_funder

    funder = find_funder("EU-DG-HOME")
    projects = loader.funded_projects(funder)
    codes = {p.code for p in projects}
    assert {"MATCH", "MENTOR-1", "PALIM"} <= codes
    built = portfolio.build_portfolio(funder.name, loader.load_projects(projects, loader.default_until(projects)),
                                      "en", dt.date(2026, 12, 1))
    rates = {s.code: s.completeness for s in built.summary}
    assert any(r is not None and r < 1 for r in rates.values())  # not 100 % by construction any more
    palim = next(p for p in built.pages if p.heading.startswith("PALIM"))
    text = " ".join(palim.issues)
    assert "Awaiting your approval: Q3\u00a02020" in text and "periods overdue: Q4\u00a02020" in text  # draft: overdue
    french = portfolio.build_portfolio(funder.name, loader.load_projects(projects[:3]), "fr", dt.date(2026, 12, 1))
    assert "Figures as of" not in str(french.summary_headers)


def test_a_donor_of_the_parent_funder_reads_its_programmes_projects(client, login):
    login("donor.eu-dg-home@example.org")
    assert client.get("/projects/MATCH").status_code == 200
    assert client.get("/projects/KOSOVO-SPM").status_code == 404


def test_reports_due_count_every_period_of_the_project_even_rounds_never_opened(tx):
    """MATCH's last quarters were never opened as reporting rounds: they are owed all the same."""
    import datetime as dt

    from meapp.reports import loader, metrics

    project = tx.scalar(select(Project).where(Project.code == "MATCH"))
    data = loader.load_project(project)
    due = metrics.due_reports(data, dt.date(2026, 12, 1))
    assert len(due) == len(project.periods())  # every period of a finished project is due
    assert all(r.due_date for r in data.reporting)


def test_a_donor_of_a_child_funder_does_not_read_the_parents_projects(tx, client, login):
    """A funder's family widens its own reach downwards only, and only for funders."""
    from meapp.auth.models import Organisation, Role, User

    parent = tx.scalar(select(Organisation).where(Organisation.acronym == "EU-DG-HOME"))
    child = next(o for o in parent.children)
    donor = User(email="donor.child@example.org", name="Child donor", role=Role.DONOR, organisation=child)
    donor.set_password("a-long-password-for-tests")
    tx.add(donor)
    tx.flush()
    token = donor.session_token
    tx.commit()
    with client.session_transaction() as session:
        session["_user_id"] = token
    assert client.get("/projects/PALIM").status_code == 404  # funded by the parent, not by the child
