"""Evidence files: content-checked, size-limited, stored outside static, downloadable only by readers."""
import functools
import io
import tracemalloc
import zipfile
from dataclasses import replace
from pathlib import Path

import docx
import openpyxl
import pytest
from sqlalchemy import select

from meapp.errors import WorkflowError
from meapp.submissions.evidence import clean_filename, sniff
from meapp.submissions.models import Evidence
from tests.unit.test_safezip import BZIP2, DEFLATE64, MB, ODT, STORED, bomb, craft, part

URL = "/projects/TESTPRJ/periods/2024Q1"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
MAIN_PARTS = {
    "word/": ("word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
    "xl/": ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
    "ppt/": ("ppt/presentation.xml",
             "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"),
}
CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                 '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                 '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                 '<Default Extension="xml" ContentType="application/xml"/>'
                 '<Override PartName="/{main}" ContentType="{type}"/></Types>')
RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="{main}" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/></Relationships>')
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + b"VBA\x00_VBA_PROJECT\x00Sub AutoOpen()"
MANIFEST = (b'<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
            b'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
            b'<manifest:file-entry manifest:full-path="/" '
            b'manifest:media-type="application/vnd.oasis.opendocument.text"/>'
            b'<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            b'</manifest:manifest>')
CONTENT = (b'<?xml version="1.0" encoding="UTF-8"?><office:document-content '
           b'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
           b'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
           b'<office:body><office:text><text:p>Attendance list, Q1</text:p></office:text></office:body>'
           b'</office:document-content>')
# The refusals, as a French reader sees them.
INVALID = "Ce fichier n’est pas un document bureautique valide"
MACRO = "Les documents contenant des macros ou des objets incorporés ne sont pas acceptés"
ENCRYPTED = "Ce fichier est chiffré ou protégé par un mot de passe"
COMPRESSION = "Ce fichier utilise une méthode de compression qui n’est pas acceptée"
TOO_BIG = "Ce fichier contient trop d’éléments ou se décompresse en bien plus de données que sa taille"


def office(kind_dir="word/", macro=False):
    """The smallest package Office would open: content types, package relationships, main part."""
    main, content_type = MAIN_PARTS[kind_dir]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES.format(main=main, type=content_type))
        archive.writestr("_rels/.rels", RELS.format(main=main))
        archive.writestr(main, '<?xml version="1.0" encoding="UTF-8"?><x/>')
        if macro:
            archive.writestr(f"{kind_dir}vbaProject.bin", b"\x00")
    return buffer.getvalue()


@functools.cache
def word_document() -> bytes:
    document = docx.Document()
    document.add_paragraph("Attendance list, Q1")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def workbook() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["indicator", "value"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def word_parts() -> list:
    with zipfile.ZipFile(io.BytesIO(word_document())) as archive:
        return [part(info.filename, archive.read(info)) for info in archive.infolist()]


def word_part(name: str):
    return next(p for p in word_parts() if p.name == name)


def docx_with(drop=(), add=(), change=None) -> bytes:
    """The python-docx document written again by hand: parts dropped, added or replaced (by name)."""
    change = change or {}
    parts = [change.get(p.name, p) for p in word_parts() if p.name not in drop]
    return craft(parts + list(add))


def odt(*parts) -> bytes:
    """A minimal OpenDocument text; `parts` replace or follow the default ones."""
    found = {p.name: p for p in parts}
    default = [part("mimetype", ODT, method=STORED), part("content.xml", CONTENT),
               part("META-INF/manifest.xml", MANIFEST)]
    return craft([found.pop(p.name, p) for p in default] + list(found.values()))


def content_types(extra: str = "", main_type: str | None = None) -> object:
    with zipfile.ZipFile(io.BytesIO(word_document())) as archive:
        text = archive.read("[Content_Types].xml").decode()
    if main_type:
        text = text.replace("wordprocessingml.document.main+xml", main_type)
    return part("[Content_Types].xml", text.replace("</Types>", extra + "</Types>").encode())


@pytest.mark.parametrize("data, expected", [
    (PDF, "application/pdf"),
    (word_document(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (workbook(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (office("ppt/"), "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    (odt(), "application/vnd.oasis.opendocument.text"),
    # OpenOffice.org wrote this external DTD (no entities) in its manifests.
    (odt(part("META-INF/manifest.xml", MANIFEST.replace(
        b'?><', b'?><!DOCTYPE manifest:manifest PUBLIC "-//OpenOffice.org//DTD Manifest 1.0//EN" "Manifest.dtd"><'))),
     "application/vnd.oasis.opendocument.text"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "image/png"),
    (b"\xff\xd8\xff\xe0" + b"\x00" * 20, "image/jpeg"),
    (office(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (office("xl/"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (b"indicator;value\nTRAINED;12\n", "text/plain"),
    (b"MZ\x90\x00\x03" + b"\x00" * 50, None),
    (b"PK\x03\x04garbage", None),
])
def test_sniff_by_content(data, expected):
    found = sniff(data)
    assert (found[0] if found else None) == expected


def test_sniff_refuses_a_macro_with_a_reason():
    with pytest.raises(WorkflowError) as caught:
        sniff(office(macro=True))
    assert caught.value.message_id.startswith("Documents containing macros")


def test_sniffing_the_odt_bomb_stays_in_bounded_memory():
    data = craft([bomb(), part("META-INF/manifest.xml", MANIFEST)])  # 200 MB of mimetype in 200 KB
    tracemalloc.start()
    try:
        with pytest.raises(WorkflowError):
            sniff(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * MB


def test_clean_filename():
    assert clean_filename("../../etc/passwd", ".pdf") == "passwd.pdf"
    assert clean_filename("C:\\Users\\a\\rapport T1.exe", ".pdf") == "rapport T1.pdf"
    assert clean_filename("\x00", ".png") == "evidence.png"



@pytest.fixture
def uploader(prj, client):
    """The implementer signed in, with a first draft saved so that files can be attached."""
    with client.session_transaction() as session:
        session["_user_id"] = prj.implementer_token
    client.post(f"{URL}/save", data={"v|COUNT|": "30", "version": "0"})
    return prj.implementer_token, prj.donor_token

def upload(client, data, name="report.pdf", lang="en"):
    return client.post(f"{URL}/evidence", data={"file": (io.BytesIO(data), name), "description": "Attendance"},
                       content_type="multipart/form-data", headers={"Accept-Language": lang})


def stored_files(app) -> list:
    folder = Path(app.config["UPLOAD_DIR"])
    return sorted(folder.iterdir()) if folder.exists() else []


def test_upload_download_and_withdraw(client, uploader, tx, app):
    assert upload(client, PDF, "attendance.exe").status_code == 302
    evidence = tx.scalar(select(Evidence))
    assert evidence.filename == "attendance.pdf" and evidence.content_type == "application/pdf"
    assert app.static_folder not in app.config["UPLOAD_DIR"]
    response = client.get(f"{URL}/evidence/{evidence.id}")
    assert response.status_code == 200 and response.data == PDF
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Content-Type"] == "application/pdf"
    # Another project's implementer cannot reach it, even knowing the id.
    from meapp.auth.models import User

    other = tx.scalar(select(User).where(User.email == "impl.enabel@example.org"))
    with client.session_transaction() as session:
        session["_user_id"] = other.session_token
    assert client.get(f"{URL}/evidence/{evidence.id}").status_code == 404
    assert client.get(f"/projects/PALIM/periods/2020Q4/evidence/{evidence.id}").status_code == 404
    # The donor does not see a draft's evidence.
    with client.session_transaction() as session:
        session["_user_id"] = uploader[1]
    assert client.get(f"{URL}/evidence/{evidence.id}").status_code == 404
    # The implementer withdraws it: gone from the page, trace kept.
    with client.session_transaction() as session:
        session["_user_id"] = uploader[0]
    assert client.post(f"{URL}/evidence/{evidence.id}/delete").status_code == 302
    assert client.get(f"{URL}/evidence/{evidence.id}").status_code == 404
    assert tx.scalar(select(Evidence)).deleted_at is not None


def test_refused_files_say_why(client, uploader, tx):
    response = upload(client, b"MZ\x90\x00" + b"\x00" * 100, "tool.pdf")
    assert response.status_code == 400
    assert "This kind of file is not accepted" in response.get_data(as_text=True)
    response = upload(client, b"", "empty.pdf")
    assert response.status_code == 400
    assert tx.scalar(select(Evidence)) is None


def test_size_limit(client, uploader, app):
    app.config["EVIDENCE_MAX_BYTES"] = 1000
    try:
        response = upload(client, PDF + b"0" * 2000)
    finally:
        app.config["EVIDENCE_MAX_BYTES"] = 10 * 1024 * 1024
    assert response.status_code == 400
    assert "larger than" in response.get_data(as_text=True)


HOSTILE = {
    # OpenDocument
    "odt-bomb-200MB-mimetype": (lambda: craft([bomb(), part("META-INF/manifest.xml", MANIFEST)]), TOO_BIG),
    "odt-bzip2-bomb": (lambda: odt(part("mimetype", ODT + b" " * (20 * MB), method=BZIP2)), COMPRESSION),
    "odt-bomb-under-forged-size": (lambda: odt(replace(bomb(), size=len(ODT), crc=zipfile.crc32(ODT))), INVALID),
    "odt-deflate64-mimetype": (lambda: odt(part("mimetype", ODT, method=DEFLATE64)), COMPRESSION),
    "odt-encrypted-mimetype": (lambda: odt(part("mimetype", ODT, method=STORED, flags=0x1)), ENCRYPTED),
    "odt-deflated-mimetype": (lambda: odt(part("mimetype", ODT)), INVALID),
    "odt-long-mimetype": (lambda: odt(part("mimetype", ODT + b" " * 200, method=STORED)), INVALID),
    "odt-mimetype-not-first": (lambda: craft([part("content.xml", CONTENT), part("mimetype", ODT, method=STORED),
                                              part("META-INF/manifest.xml", MANIFEST)]), INVALID),
    "odt-without-manifest": (lambda: craft([part("mimetype", ODT, method=STORED), part("content.xml", CONTENT)]),
                             INVALID),
    "odt-basic-macro": (lambda: odt(part("Basic/Standard/Module1.xml", b"<script:module/>")), MACRO),
    "odt-scripts-folder": (lambda: odt(part("Scripts/python/run.py", b"import os")), MACRO),
    "odt-ole-object": (lambda: odt(part("Object 1", OLE)), MACRO),
    "odt-password-protected": (lambda: odt(part("META-INF/manifest.xml", MANIFEST.replace(
        b"</manifest:manifest>", b"<manifest:encryption-data/></manifest:manifest>"))), ENCRYPTED),
    "odt-manifest-with-entities": (lambda: odt(part("META-INF/manifest.xml", MANIFEST.replace(
        b"?><", b'?><!DOCTYPE manifest:manifest [<!ENTITY a "aaaaaaaaaa">]><'))), INVALID),
    # Office Open XML
    "docx-all-nul": (lambda: b"\x00" * (3 * MB), INVALID),
    "docx-not-a-zip": (lambda: b"PK\x03\x04" + b"\x00" * 4096, INVALID),
    "docx-password-protected": (lambda: OLE + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 1024, ENCRYPTED),
    "docx-nul-bomb": (lambda: docx_with(change={"word/document.xml": bomb("word/document.xml", b"", 20, b"\x00")}),
                      TOO_BIG),
    "docx-macro-as-image": (lambda: docx_with(add=[part("word/media/image1.png", OLE)]), MACRO),
    "docx-macro-as-bin": (lambda: docx_with(add=[part("word/foo.bin", OLE)]), MACRO),
    "docx-vbaproject-content-type": (lambda: docx_with(
        change={"[Content_Types].xml": content_types(
            '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>')},
        add=[part("word/foo.bin", b"not OLE, but declared a VBA project")]), MACRO),
    "docx-macro-enabled-main-part": (lambda: docx_with(change={"[Content_Types].xml": content_types(
        main_type="application/vnd.ms-word.document.macroEnabled.main+xml")}), MACRO),
    "docx-vbaproject-bin": (lambda: docx_with(add=[part("customXml/vbaProject.bin", b"\x00")]), MACRO),
    "docx-deflate64-part": (lambda: docx_with(
        change={"word/styles.xml": replace(word_part("word/styles.xml"), method=DEFLATE64)}), COMPRESSION),
    "docx-encrypted-part": (lambda: docx_with(
        change={"word/document.xml": replace(word_part("word/document.xml"), flags=0x1)}), ENCRYPTED),
    "docx-path-traversal": (lambda: docx_with(add=[part("../../../etc/cron.d/evil", b"* * * * * root sh")]), INVALID),
    "docx-absolute-path": (lambda: docx_with(add=[part("/etc/passwd", b"root")]), INVALID),
    "docx-backslash-path": (lambda: docx_with(add=[part("word\\..\\..\\evil.bat", b"del")]), INVALID),
    "docx-duplicate-part": (lambda: docx_with(add=[part("word/document.xml", b"<w:document/>")]), INVALID),
    "docx-too-many-parts": (lambda: docx_with(add=[part(f"word/media/p{i}.xml", b"<p/>") for i in range(1000)]),
                            TOO_BIG),
    "docx-doctype": (lambda: docx_with(change={"word/document.xml": part(
        "word/document.xml", b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]><w:document>&a;</w:document>')}),
        INVALID),
    "docx-without-package-relationships": (lambda: docx_with(drop=["_rels/.rels"]), INVALID),
    "docx-without-main-part": (lambda: docx_with(drop=["word/document.xml"]), INVALID),
    "docx-without-content-types": (lambda: docx_with(drop=["[Content_Types].xml"]), INVALID),
}


@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_archives_are_refused_with_a_reason_and_nothing_is_written(client, uploader, tx, app, case):
    build, message = HOSTILE[case]
    before = stored_files(app)
    response = upload(client, build(), "report.odt" if case.startswith("odt") else "report.docx", lang="fr")
    assert response.status_code == 400, case
    assert message in response.get_data(as_text=True), case
    assert tx.scalar(select(Evidence)) is None
    assert stored_files(app) == before


def test_the_english_refusal_says_what_to_do(client, uploader, tx):
    response = upload(client, odt(part("mimetype", ODT, method=DEFLATE64)), "report.odt")
    assert response.status_code == 400
    assert "compression method that is not accepted" in response.get_data(as_text=True)


@pytest.mark.parametrize("name, data, content_type, extension", [
    ("rapport.docx", word_document, "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
     ".docx"),
    ("suivi.xlsx", workbook, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
    ("notes.odt", odt, "application/vnd.oasis.opendocument.text", ".odt"),
])
def test_real_office_documents_are_accepted(client, uploader, tx, app, name, data, content_type, extension):
    before = stored_files(app)
    assert upload(client, data(), name).status_code == 302
    evidence = tx.scalar(select(Evidence))
    assert evidence.content_type == content_type and evidence.filename.endswith(extension)
    assert len(stored_files(app)) == len(before) + 1


def test_evidence_follows_the_one_rule_for_shut_periods(client, uploader, tx, app):
    """A closed period takes no new file and loses none: the same rule as values (service.check_writable)."""
    from meapp.submissions.models import ReportingPeriod

    assert upload(client, PDF).status_code == 302
    evidence = tx.scalar(select(Evidence).where(Evidence.deleted_at.is_(None)).order_by(Evidence.id.desc()))
    tx.scalar(select(ReportingPeriod).where(ReportingPeriod.code == "2024Q1")).status = "closed"
    tx.commit()
    files = set(Path(app.config["UPLOAD_DIR"]).iterdir())
    response = upload(client, PDF)
    assert response.status_code == 409
    assert "is closed: only the secretariat can reopen it" in response.get_data(as_text=True)
    assert set(Path(app.config["UPLOAD_DIR"]).iterdir()) == files
    response = client.post(f"{URL}/evidence/{evidence.id}/delete")
    assert response.status_code == 409
    tx.expire_all()
    assert tx.get(Evidence, evidence.id).deleted_at is None


def test_a_rolled_back_upload_leaves_no_file(uploader, prj, tx, app):
    """The file is written with the row; if the transaction rolls back, the file goes too."""
    from meapp.auth.models import User
    from meapp.projects.models import Project
    from meapp.submissions import evidence as evidence_service

    folder = Path(app.config["UPLOAD_DIR"])
    before = set(folder.iterdir()) if folder.exists() else set()
    project = tx.get(Project, prj.project_id)
    implementer = tx.scalar(select(User).where(User.email == prj.implementer))
    with app.test_request_context():
        added = evidence_service.add(project, "2024Q1", implementer, "sheet.pdf", PDF, "", str(folder))
        assert (folder / added.storage_key).exists()
        tx.rollback()
    assert set(folder.iterdir()) == before


def test_a_committed_upload_keeps_its_file(uploader, client, app):
    folder = Path(app.config["UPLOAD_DIR"])
    before = set(folder.iterdir())
    assert upload(client, PDF).status_code == 302
    assert len(set(folder.iterdir()) - before) == 1


def test_only_the_outer_transaction_decides_whether_a_file_stays(uploader, prj, tx, app):
    """A savepoint released then an outer rollback: the file goes; a savepoint rolled back elsewhere: it stays."""
    from meapp.auth.models import User
    from meapp.projects.models import Project
    from meapp.submissions import evidence as evidence_service

    folder = Path(app.config["UPLOAD_DIR"])
    project = tx.get(Project, prj.project_id)
    implementer = tx.scalar(select(User).where(User.email == prj.implementer))
    with app.test_request_context():
        nested = tx.begin_nested()
        released = evidence_service.add(project, "2024Q1", implementer, "a.pdf", PDF, "", str(folder))
        nested.commit()  # a savepoint released: nothing is decided yet
        assert (folder / released.storage_key).exists()
        tx.rollback()
        assert not (folder / released.storage_key).exists()

        kept = evidence_service.add(project, "2024Q1", implementer, "b.pdf", PDF, "", str(folder))
        other = tx.begin_nested()
        other.rollback()  # an unrelated savepoint rolled back: the upload is still in play
        assert (folder / kept.storage_key).exists()
        tx.commit()
        assert (folder / kept.storage_key).exists()


def test_the_evidence_service_applies_the_text_rules_on_every_door(uploader, prj, tx, app):
    from meapp.auth.models import User
    from meapp.errors import InvalidText
    from meapp.projects.models import Project
    from meapp.submissions import evidence as evidence_service

    project = tx.get(Project, prj.project_id)
    implementer = tx.scalar(select(User).where(User.email == prj.implementer))
    for description in ("bell\x07", "x" * 501):
        with pytest.raises(InvalidText):
            evidence_service.add(project, "2024Q1", implementer, "a.pdf", PDF, description, app.config["UPLOAD_DIR"])
