"""Evidence files: content-checked, size-limited, stored outside static, downloadable only by readers."""
import io
import zipfile

import pytest
from sqlalchemy import select

from meapp.submissions.evidence import clean_filename, sniff
from meapp.submissions.models import Evidence
from tests.factories import make_test_project

URL = "/projects/TESTPRJ/periods/2024Q1"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def office(kind_dir="word/", macro=False):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{kind_dir}document.xml", "<x/>")
        if macro:
            archive.writestr(f"{kind_dir}vbaProject.bin", b"\x00")
    return buffer.getvalue()


@pytest.mark.parametrize("data, expected", [
    (PDF, "application/pdf"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "image/png"),
    (b"\xff\xd8\xff\xe0" + b"\x00" * 20, "image/jpeg"),
    (office(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (office("xl/"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("indicator;value\nTRAINED;12\n".encode(), "text/plain"),
    (office(macro=True), None),
    (b"MZ\x90\x00\x03" + b"\x00" * 50, None),
    (b"PK\x03\x04garbage", None),
])
def test_sniff_by_content(data, expected):
    found = sniff(data)
    assert (found[0] if found else None) == expected


def test_clean_filename():
    assert clean_filename("../../etc/passwd", ".pdf") == "passwd.pdf"
    assert clean_filename("C:\\Users\\a\\rapport T1.exe", ".pdf") == "rapport T1.pdf"
    assert clean_filename("\x00", ".png") == "evidence.png"


@pytest.fixture
def prj(tx, client):
    made = make_test_project(tx)
    tokens = (made["implementer"].session_token, made["donor"].session_token)
    tx.commit()
    with client.session_transaction() as session:
        session["_user_id"] = tokens[0]
    client.post(f"{URL}/save", data={"v|COUNT|": "30"})
    return tokens


def upload(client, data, name="report.pdf"):
    return client.post(f"{URL}/evidence", data={"file": (io.BytesIO(data), name), "description": "Attendance"},
                       content_type="multipart/form-data")


def test_upload_download_and_withdraw(client, prj, tx, app):
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
        session["_user_id"] = prj[1]
    assert client.get(f"{URL}/evidence/{evidence.id}").status_code == 404
    # The implementer withdraws it: gone from the page, trace kept.
    with client.session_transaction() as session:
        session["_user_id"] = prj[0]
    assert client.post(f"{URL}/evidence/{evidence.id}/delete").status_code == 302
    assert client.get(f"{URL}/evidence/{evidence.id}").status_code == 404
    assert tx.scalar(select(Evidence)).deleted_at is not None


def test_refused_files_say_why(client, prj, tx):
    response = upload(client, b"MZ\x90\x00" + b"\x00" * 100, "tool.pdf")
    assert response.status_code == 400
    assert "This kind of file is not accepted" in response.get_data(as_text=True)
    response = upload(client, b"", "empty.pdf")
    assert response.status_code == 400
    assert tx.scalar(select(Evidence)) is None


def test_size_limit(client, prj, app):
    app.config["EVIDENCE_MAX_BYTES"] = 1000
    try:
        response = upload(client, PDF + b"0" * 2000)
    finally:
        app.config["EVIDENCE_MAX_BYTES"] = 10 * 1024 * 1024
    assert response.status_code == 400
    assert "larger than" in response.get_data(as_text=True)
