"""The logframe workbook through the database: `flask logframes export|import` and the web pages.

Exporting then importing changes nothing; for random logframes, apply → export → import → export gives the same
logframe; an edited workbook applies its changes (a revision, with its reason, when values exist); a bad file is
refused with the right message and nothing written.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import openpyxl
import pytest
from flask_babel import force_locale
from hypothesis import HealthCheck, given, settings
from sqlalchemy import func, select

from meapp.audit.models import AuditEvent
from meapp.auth.models import User
from meapp.core.problems import ProblemsError
from meapp.imports import logframe_workbook as wb
from meapp.imports import upload
from meapp.imports.logframe_workbook import read_logframe, workbook_for
from meapp.logframes import queries, service
from meapp.logframes.models import Indicator, IndicatorRevision, Logframe
from meapp.projects.models import Organisation, ParticipationRole, Project, ProjectOrganisation
from meapp.reports.i18n import Lang
from tests.unit.test_logframe_workbook import CHOICES, PERIODS, logframes

SECRETARIAT = "secretariat@example.org"
IMPLEMENTER = "impl.belgium@example.org"  # PALIM
DONOR = "donor.eu-dg-home@example.org"  # funds PALIM


def audit_count(tx) -> int:
    return tx.scalar(select(func.count()).select_from(AuditEvent))


def version_of(tx, code: str) -> int:
    project = tx.scalar(select(Project).where(Project.code == code))
    logframe = tx.scalar(select(Logframe).where(Logframe.project_id == project.id))
    return logframe.version if logframe is not None else 0


def project(tx, code: str = "PALIM") -> Project:
    return tx.scalar(select(Project).where(Project.code == code))


def export(runner, tmp_path, code: str = "PALIM", lang: str = "en") -> bytes:
    path = tmp_path / f"{code}-{lang}.xlsx"
    result = runner.invoke(args=["logframes", "export", code, "-o", str(path), "--lang", lang])
    assert result.exit_code == 0, result.output
    return path.read_bytes()


def import_(runner, tmp_path, data: bytes, *extra, email: str = SECRETARIAT, name: str = "in.xlsx"):
    path = tmp_path / name
    path.write_bytes(data)
    return runner.invoke(args=["logframes", "import", str(path), "--as", email, *extra])


def edited(data: bytes, changes: dict[tuple[str, str], object], lang: str = "en") -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(data))
    for (sheet, cell), value in changes.items():
        book[Lang(lang)._(wb.SHEETS[sheet])][cell] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def row_of(data: bytes, sheet: str, code: str, lang: str = "en") -> int:
    """The row of the item `code` on a sheet of the workbook."""
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    for number, row in enumerate(book[Lang(lang)._(wb.SHEETS[sheet])].iter_rows(values_only=True), start=1):
        if row and row[0] == code:
            return number
    raise AssertionError(f"{code} not on {sheet}")


# --- the command line ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_export_then_import_changes_nothing(runner, tx, tmp_path, lang):
    data = export(runner, tmp_path, "PALIM", lang)
    read, problems, metadata = read_logframe(data)
    assert read == queries.spec_of(project(tx)) and metadata["lang"] == lang and metadata["project"] == "PALIM"
    events, version = audit_count(tx), version_of(tx, "PALIM")
    result = import_(runner, tmp_path, data)
    assert result.exit_code == 0, result.output
    assert "PALIM: nothing to change" in result.stdout
    assert audit_count(tx) == events and version_of(tx, "PALIM") == version


def test_messages_are_printed_in_the_language_asked(app, runner, tx, tmp_path):
    data = export(runner, tmp_path)
    result = import_(runner, tmp_path, data, "--lang", "fr")
    assert result.exit_code == 0
    with app.test_request_context(), force_locale("fr"):
        from flask_babel import gettext

        expected = gettext("%(project)s: nothing to change: the logframe already says what the workbook says.",
                           project="PALIM")
    assert expected in result.stdout


def test_a_definition_changed_where_values_exist_is_a_revision_with_its_reason(runner, tx, tmp_path):
    data = export(runner, tmp_path)
    spec = queries.spec_of(project(tx))
    with_values = queries.indicators_with_values(project(tx))
    code = next(i.code for i in spec.indicators if i.code in with_values)
    row = row_of(data, "indicators", code)
    changed = edited(data, {("indicators", f"C{row}"): "A new name, redefined"})
    events, version = audit_count(tx), version_of(tx, "PALIM")

    refused = import_(runner, tmp_path, changed)
    assert refused.exit_code == 2
    assert "The reason:" in refused.stderr and code in refused.stderr and "nothing written" in refused.stderr
    assert audit_count(tx) == events and version_of(tx, "PALIM") == version

    dry = import_(runner, tmp_path, changed, "--dry-run", "--reason", "Clearer wording")
    assert dry.exit_code == 0, dry.output
    assert "New revisions of a definition:" in dry.stdout and f"Indicator {code}" in dry.stdout
    assert f"Indicators!A{row}" in dry.stdout and "Dry run: nothing written." in dry.stdout
    assert audit_count(tx) == events and version_of(tx, "PALIM") == version

    done = import_(runner, tmp_path, changed, "--reason", "Clearer wording")
    assert done.exit_code == 0, done.output
    assert "PALIM: logframe saved" in done.stdout
    indicator = tx.scalar(select(Indicator).where(Indicator.project_id == project(tx).id, Indicator.code == code))
    assert indicator.name_en == "A new name, redefined" and indicator.revision == 2
    kept = tx.scalar(select(IndicatorRevision).where(IndicatorRevision.indicator_id == indicator.id))
    assert kept.number == 1 and kept.reason == "Clearer wording"
    assert version_of(tx, "PALIM") == version + 1
    reasons = tx.scalars(select(AuditEvent.reason).where(AuditEvent.id > 0).order_by(AuditEvent.id.desc())
                         .limit(audit_count(tx) - events)).all()
    assert reasons and all(r == "Clearer wording" for r in reasons if r)
    # The file exported before the change is now stale: refused, nothing written.
    stale = import_(runner, tmp_path, data)
    assert stale.exit_code == 2 and "Someone else changed this logframe" in stale.stderr


def test_problems_name_their_cells_and_nothing_is_written(runner, tx, tmp_path):
    data = export(runner, tmp_path, lang="fr")
    events, version = audit_count(tx), version_of(tx, "PALIM")
    bad = edited(data, {("indicators", "G2"): "Kilogrammes", ("levels", "D2"): "=1+1",
                        ("targets", "A2"): "NOPE"}, "fr")
    result = import_(runner, tmp_path, bad)
    assert result.exit_code == 2
    t = Lang("fr")
    assert f"{t._('Indicators')}!G2:" in result.stderr and f"{t._('Levels')}!D2:" in result.stderr
    assert "nothing written" in result.stderr
    assert audit_count(tx) == events and version_of(tx, "PALIM") == version
    # The reader's problems stop it; the service's come back with the cell too.
    unknown = edited(data, {("targets", "A2"): "NOPE"}, "fr")
    result = import_(runner, tmp_path, unknown)
    assert result.exit_code == 2 and f"{t._('Targets')}!A2: No indicator “NOPE”" in result.stderr


def _xlsm(data: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            content = source.read(name)
            if name == "[Content_Types].xml":
                content = content.replace(b"spreadsheetml.sheet.main+xml",
                                          b"sheet.macroEnabled.main+xml").replace(
                    b"application/vnd.openxmlformats-officedocument.sheet.macroEnabled",
                    b"application/vnd.ms-excel.sheet.macroEnabled")
            target.writestr(name, content)
        target.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500)
    return out.getvalue()


def _bomb(data: bytes) -> bytes:
    from tests.unit.test_safezip import bomb, craft, part

    source = zipfile.ZipFile(io.BytesIO(data))
    return craft([part(name, source.read(name)) for name in source.namelist()]
                 + [bomb("xl/media/image1.png", prefix=b"", megabytes=120)])


@pytest.mark.parametrize("case", ["not a zip", "macros", "zip bomb", "formula", "another project", "too large"])
def test_bad_files_are_refused_with_the_right_message(runner, tx, tmp_path, app, case):
    data = export(runner, tmp_path)
    files = {
        "not a zip": (b"code;name\nEMP;Employed\n", upload.NOT_A_WORKBOOK, ()),
        "macros": (_xlsm(data), upload.MACRO, ()),
        "zip bomb": (_bomb(data), upload.TOO_BIG, ()),
        "formula": (edited(data, {("indicators", "C2"): "=HYPERLINK(\"http://x\")"}), upload.FORMULA, ()),
        "another project": (export(runner, tmp_path, "KOSOVO-SPM"), wb.OTHER_PROJECT, ("--project", "PALIM")),
        "too large": (data + b"\x00" * (2 * 1024 * 1024), upload.TOO_LARGE, ()),
    }
    content, message_id, extra = files[case]
    events = audit_count(tx)
    versions = {code: version_of(tx, code) for code in ("PALIM", "KOSOVO-SPM")}
    result = import_(runner, tmp_path, content, *extra)
    assert result.exit_code == 2
    with force_locale("en"):
        from flask_babel import gettext

        fragment = gettext(message_id, limit=2, file="KOSOVO-SPM", project="PALIM")
    assert fragment in result.stderr and "nothing written" in result.stderr
    assert audit_count(tx) == events and {c: version_of(tx, c) for c in versions} == versions


def test_the_project_is_the_one_the_workbook_names_unless_said(runner, tx, tmp_path):
    data = export(runner, tmp_path)
    assert import_(runner, tmp_path, data, "--project", "palim").exit_code == 0  # codes are case-insensitive
    book = openpyxl.load_workbook(io.BytesIO(data))
    del book["meapp"]
    out = io.BytesIO()
    book.save(out)
    unnamed = import_(runner, tmp_path, out.getvalue())
    assert unnamed.exit_code == 2 and "does not say which project" in unnamed.stderr
    named = import_(runner, tmp_path, out.getvalue(), "--project", "PALIM")
    assert named.exit_code == 0 and "nothing to change" in named.stdout, named.output


def test_the_acting_account_is_required_and_checked(runner, tx, tmp_path):
    data = export(runner, tmp_path)
    path = tmp_path / "in.xlsx"
    path.write_bytes(data)
    assert runner.invoke(args=["logframes", "import", str(path)]).exit_code == 2  # click: --as is required
    assert import_(runner, tmp_path, data, email="nobody@example.org").exit_code == 2
    donor = import_(runner, tmp_path, data, email=DONOR)
    assert donor.exit_code == 2 and "may not change the logframe of PALIM" in donor.stderr
    assert runner.invoke(args=["logframes", "export", "NOPE", "-o", str(tmp_path / "x.xlsx")]).exit_code == 2


# --- the round trip through the database, for random logframes -------------------------------------------------------
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(spec=logframes(), lang=__import__("hypothesis").strategies.sampled_from(["en", "fr"]))
def test_apply_export_import_export_is_the_identity(tx, spec, lang):
    nested = tx.begin_nested()
    try:
        actor = tx.scalar(select(User).where(User.email == SECRETARIAT))
        lead = Organisation(name="Round trip implementer")
        fresh = Project(code="ROUNDTRIP", title_en="Round trip", title_fr="Aller-retour", lead_organisation=lead,
                        start_date=dt.date(2021, 1, 1), end_date=dt.date(2022, 12, 31))
        fresh.participations = [ProjectOrganisation(organisation=lead, role=ParticipationRole.IMPLEMENTER)]
        tx.add_all([lead, fresh])
        tx.flush()
        assert [p.code for p in fresh.periods()] == list(PERIODS)
        try:
            service.apply_logframe(fresh, actor, spec)
        except ProblemsError as error:
            raise AssertionError(error.problems) from error
        stored = queries.spec_of(fresh)
        types = queries.disaggregation_types()
        first = workbook_for(fresh, stored, types, version_of(tx, "ROUNDTRIP"), lang)
        read, problems, metadata = read_logframe(first)
        assert [p for p in problems if p.severity == "error"] == []
        assert read == stored and metadata["logframe_version"] == version_of(tx, "ROUNDTRIP")
        events = audit_count(tx)
        plan = service.apply_logframe(fresh, actor, read, expected_version=metadata["logframe_version"])
        assert plan.changes == [] and audit_count(tx) == events
        again, _problems, _metadata = read_logframe(workbook_for(fresh, queries.spec_of(fresh), types,
                                                                 version_of(tx, "ROUNDTRIP"), lang))
        assert again == read == queries.spec_of(fresh)
    finally:
        nested.rollback()
        tx.expunge_all()


def test_the_strategy_s_library_is_the_seeded_one(tx):
    seeded = {t.key: tuple(c.key for c in t.categories) for t in queries.disaggregation_types()}
    for choice in CHOICES:
        assert seeded[choice.key] == choice.categories


# --- the web pages --------------------------------------------------------------------------------------------------
def _upload(client, data: bytes, **fields):
    return client.post("/projects/PALIM/logframe/import",
                       data={"file": (io.BytesIO(data), "logframe.xlsx"), **fields},
                       content_type="multipart/form-data")


def test_download_in_either_language(client, login, tx):
    login(DONOR)
    for lang in ("fr", "en"):
        response = client.get(f"/projects/PALIM/logframe.xlsx?lang={lang}")
        assert response.status_code == 200 and response.mimetype == "application/vnd.openxmlformats-" \
                                                                    "officedocument.spreadsheetml.sheet"
        assert f"PALIM-logframe-{lang}.xlsx" in response.headers["Content-Disposition"]
        read, _problems, metadata = read_logframe(response.data)
        assert metadata["lang"] == lang and read == queries.spec_of(project(tx))
    assert client.get("/projects/PALIM/logframe.xlsx?lang=de").status_code == 400
    login("donor.bmz@example.org")
    assert client.get("/projects/PALIM/logframe.xlsx").status_code == 404


def test_the_project_page_offers_download_and_import(client, login):
    login(IMPLEMENTER)
    html = client.get("/projects/PALIM").get_data(as_text=True)
    assert "/projects/PALIM/logframe.xlsx?lang=fr" in html and "/projects/PALIM/logframe/import" in html
    login(DONOR)
    html = client.get("/projects/PALIM").get_data(as_text=True)
    assert "/projects/PALIM/logframe.xlsx?lang=en" in html and "/projects/PALIM/logframe/import" not in html


def test_web_dry_run_then_apply(client, login, tx, app):
    login(IMPLEMENTER)
    data = client.get("/projects/PALIM/logframe.xlsx?lang=en").data
    spec = queries.spec_of(project(tx))
    row = row_of(data, "indicators", spec.indicators[0].code)
    changed = edited(data, {("indicators", f"T{row}"): "Checked against the payroll"})  # means of verification
    events, version = audit_count(tx), version_of(tx, "PALIM")

    unchanged = _upload(client, data)
    assert unchanged.status_code == 200
    assert "Nothing to change: the logframe already says what the workbook says." in unchanged.get_data(as_text=True)

    checked = _upload(client, changed)
    html = checked.get_data(as_text=True)
    assert checked.status_code == 200 and "Apply these changes" in html
    assert f"Indicator {spec.indicators[0].code}" in html and f"Indicators!A{row}" in html
    assert audit_count(tx) == events and version_of(tx, "PALIM") == version
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)

    only = _upload(client, changed, check_only="y")
    assert only.status_code == 200 and "Apply these changes" not in only.get_data(as_text=True)

    # Another account cannot apply what this one uploaded.
    login(SECRETARIAT)
    assert client.post("/projects/PALIM/logframe/import", data={"token": token}).status_code == 400
    login(IMPLEMENTER)
    applied = client.post("/projects/PALIM/logframe/import", data={"token": token, "reason": ""})
    assert applied.status_code == 302, applied.get_data(as_text=True)
    indicator = tx.scalar(select(Indicator).where(Indicator.project_id == project(tx).id,
                                                  Indicator.code == spec.indicators[0].code))
    assert indicator.means_of_verification_en == "Checked against the payroll"
    assert audit_count(tx) > events and version_of(tx, "PALIM") == version + 1
    # Applied once: the kept workbook is gone.
    assert client.post("/projects/PALIM/logframe/import", data={"token": token}).status_code == 400


def test_web_problems_name_cells_in_the_user_s_language(client, login, tx):
    login(IMPLEMENTER)
    data = client.get("/projects/PALIM/logframe.xlsx?lang=fr").data
    bad = edited(data, {("indicators", "G2"): "Kilogrammes"}, "fr")
    response = _upload(client, bad)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and f"{Lang('fr')._('Indicators')}!G2" in html
    assert "Apply these changes" not in html
    login(SECRETARIAT)
    kosovo = client.get("/projects/KOSOVO-SPM/logframe.xlsx?lang=en").data  # a file of another project: refused
    response = _upload(client, kosovo)
    assert response.status_code == 400 and "not of PALIM" in response.get_data(as_text=True)


def test_web_revision_needs_a_reason_at_confirmation(client, login, tx):
    login(SECRETARIAT)
    data = client.get("/projects/PALIM/logframe.xlsx?lang=en").data
    spec = queries.spec_of(project(tx))
    code = next(i.code for i in spec.indicators if i.code in queries.indicators_with_values(project(tx)))
    row = row_of(data, "indicators", code)
    checked = _upload(client, edited(data, {("indicators", f"E{row}"): "Counted at the end of the quarter"}))
    html = checked.get_data(as_text=True)
    assert checked.status_code == 400 and "Say why the definition of" in html and "Apply these changes" not in html
    checked = _upload(client, edited(data, {("indicators", f"E{row}"): "Counted at the end of the quarter"}),
                      reason="Clearer definition")
    html = checked.get_data(as_text=True)
    assert checked.status_code == 200 and "New revisions of a definition" in html
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)
    missing = client.post("/projects/PALIM/logframe/import", data={"token": token, "reason": ""})
    assert missing.status_code == 400 and "Say why the definition of" in missing.get_data(as_text=True)
    done = client.post("/projects/PALIM/logframe/import", data={"token": token, "reason": "Clearer definition"})
    assert done.status_code == 302
    indicator = tx.scalar(select(Indicator).where(Indicator.project_id == project(tx).id, Indicator.code == code))
    assert indicator.definition_en == "Counted at the end of the quarter" and indicator.revision == 2


def test_web_refuses_donors_and_bad_files(client, login, tx):
    login(DONOR)
    assert client.get("/projects/PALIM/logframe/import").status_code == 403
    data = client.get("/projects/PALIM/logframe.xlsx").data
    assert _upload(client, data).status_code == 403
    login(IMPLEMENTER)
    assert client.get("/projects/PALIM/logframe/import").status_code == 200
    response = _upload(client, b"not a workbook")
    assert response.status_code == 400 and "is not an Excel workbook" in response.get_data(as_text=True)
    response = client.post("/projects/PALIM/logframe/import", data={"reason": "x"})
    assert response.status_code == 400  # no file chosen
    assert client.post("/projects/PALIM/logframe/import", data={"token": "../../etc/passwd"}).status_code == 400


def test_web_in_french(app, client, login, tx, user):
    login(IMPLEMENTER)
    user(IMPLEMENTER).locale = "fr"
    tx.commit()
    data = client.get("/projects/PALIM/logframe.xlsx").data  # the user's language by default
    assert read_logframe(data)[2]["lang"] == "fr"
    with app.test_request_context(), force_locale("fr"):
        from flask_babel import gettext

        expected = gettext("Nothing to change: the logframe already says what the workbook says.")
    assert expected in _upload(client, data).get_data(as_text=True)  # the French workbook read back unchanged


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_workbook_is_valid_against_the_ooxml_schemas(runner, tx, tmp_path, lang):
    """Excel refuses, or "repairs", a workbook whose parts break the schemas; openpyxl reads far more."""
    from tests.app.test_ooxml_schema import SCHEMAS, Ooxml

    if not (SCHEMAS / "sml.xsd").is_file():
        pytest.skip(f"OOXML schemas not found at {SCHEMAS}")
    data = export(runner, tmp_path, "PALIM", lang)
    errors, done = Ooxml(SCHEMAS).check(data)
    assert not errors, "\n".join(errors[:40])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert set(done) == set(archive.namelist())
    assert {f"xl/worksheets/sheet{k}.xml" for k in range(1, 7)} <= set(done)
