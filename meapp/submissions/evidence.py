"""Evidence files: checked by content (never by name), stored outside the static folder under a random key."""
from __future__ import annotations

import hashlib
import posixpath
import re
import secrets
import unicodedata
from pathlib import Path
from xml.etree import ElementTree

from defusedxml import ElementTree as DefusedElementTree
from sqlalchemy import event

from meapp.audit.service import record
from meapp.auth.permissions import Action, can
from meapp.core import safezip
from meapp.core.messages import N_
from meapp.core.text import DESCRIPTION_LIMIT
from meapp.errors import PermissionDenied, WorkflowError
from meapp.extensions import db
from meapp.modelbase import utcnow
from meapp.projects.models import Project
from meapp.submissions import queries
from meapp.submissions.models import Evidence
from meapp.submissions.rules import check_text, check_writable

MAX_BYTES = 10 * 1024 * 1024
ODF = {
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "application/vnd.oasis.opendocument.presentation": ".odp",
}
# The content type of the package's main part (found through its officeDocument relationship) gives the kind.
OOXML = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml":
        ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml":
        ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml":
        ("application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx"),
}
OFFICE_EXTENSIONS = (".docx", ".xlsx", ".pptx", ".docm", ".xlsm", ".pptm", ".odt", ".ods", ".odp")
ZIP_LIMITS = safezip.ZipLimits(max_entries=1000)
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # compound file: VBA projects, embedded objects
XML_HEAD = 64 * 1024
SMALL_XML = 1024 * 1024  # [Content_Types].xml and _rels/.rels are a few KB
# OpenOffice.org wrote its manifests (and LibreOffice still ships templates) with this external DTD, which
# declares no entity: accepted in OpenDocument files only. Any internal subset ("[...]") is refused.
LEGACY_DOCTYPE = re.compile(r'<!DOCTYPE\s+[\w:.-]+\s+PUBLIC\s+"-//OpenOffice\.org//DTD [^"\[\]<>]*"'
                            r'\s+"[\w.-]+\.dtd"\s*>')

INVALID = N_("This file is not a valid office document: open it in its application, save it again and send it again.")
MACRO = N_("Documents containing macros or embedded objects are not accepted: save a copy without them and send "
           "it again.")
ENCRYPTED = N_("This file is encrypted or protected by a password: send a copy without a password.")
COMPRESSION = N_("This file uses a compression method that is not accepted: open it in its application, "
                 "save it again and send it again.")
TOO_BIG = N_("This file holds too many parts or unpacks to far more data than its size: it is not accepted.")
REFUSALS = {"encrypted": ENCRYPTED, "compression": COMPRESSION, "too_many_entries": TOO_BIG, "too_large": TOO_BIG,
            "ratio": TOO_BIG}  # any other reason of safezip: INVALID
XML_ERRORS = (ElementTree.ParseError, ValueError, LookupError)  # ValueError covers defusedxml and decoding


def sniff(data: bytes) -> tuple[str, str] | None:
    """(content type, extension) read from the bytes themselves, or None for a type we do not take.

    Raises WorkflowError, saying why, for an office file that is damaged, unsafe or carries macros.
    """
    if data.startswith(b"%PDF-"):
        return "application/pdf", ".pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", ".png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", ".jpg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif", ".gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", ".webp"
    if data.startswith(b"PK\x03\x04"):
        return _sniff_zip(data)
    if b"\x00" not in data[:8192]:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return "text/plain", ".txt"
    return None


def _sniff_zip(data: bytes) -> tuple[str, str] | None:
    """An office document judged by its structure: the zip directory first, then the few parts that define it."""
    try:
        archive = safezip.inspect(data, ZIP_LIMITS)
        if "mimetype" in archive:
            return _opendocument(archive)
        if "[Content_Types].xml" in archive:
            return _office_open_xml(archive)
        return None
    except safezip.UnsafeZip as error:
        if error.reason == "not_a_zip":
            return None  # the caller words it after the name the file claims
        raise WorkflowError(REFUSALS.get(error.reason, INVALID)) from error
    except XML_ERRORS as error:
        raise WorkflowError(INVALID) from error


def _opendocument(archive: safezip.SafeZip) -> tuple[str, str] | None:
    """ODF: `mimetype` first, stored and short, then a manifest; no Basic or script folders, no encryption."""
    entry = archive.entry("mimetype")
    if archive.first.name != "mimetype" or entry.offset != 0 or entry.method != safezip.STORED or entry.size > 100:
        raise WorkflowError(INVALID)
    kind = archive.read_entry("mimetype", 100).decode("ascii")
    if "META-INF/manifest.xml" not in archive:
        raise WorkflowError(INVALID)
    if any(name.casefold().startswith(("basic/", "scripts/")) for name in archive.names):
        raise WorkflowError(MACRO)
    manifest = archive.read_entry("META-INF/manifest.xml", SMALL_XML)
    _check_xml(manifest, LEGACY_DOCTYPE)
    if b"encryption-data" in manifest:  # ODF encrypts parts itself, not through the zip flags
        raise WorkflowError(ENCRYPTED)
    _check_parts(archive, LEGACY_DOCTYPE)
    return (kind, ODF[kind]) if kind in ODF else None


def _office_open_xml(archive: safezip.SafeZip) -> tuple[str, str] | None:
    """OOXML: content types and package relationships lead to the main part, whose content type gives the kind.

    Macros are found by content: a VBA content type anywhere, or a compound file under any name.
    """
    if "_rels/.rels" not in archive:
        raise WorkflowError(INVALID)
    types_xml = archive.read_entry("[Content_Types].xml", SMALL_XML)
    _check_xml(types_xml)
    if any(word in _text(types_xml).casefold() for word in ("macroenabled", "vbaproject")):
        raise WorkflowError(MACRO)
    _check_parts(archive)
    defaults, overrides = {}, {}
    for element in DefusedElementTree.fromstring(types_xml):
        if element.tag.endswith("}Default"):
            defaults[element.get("Extension", "").casefold()] = element.get("ContentType")
        elif element.tag.endswith("}Override"):
            overrides[element.get("PartName", "").lstrip("/").casefold()] = element.get("ContentType")
    relationships = archive.read_entry("_rels/.rels", SMALL_XML)
    _check_xml(relationships)
    targets = [r.get("Target", "") for r in DefusedElementTree.fromstring(relationships)
               if r.tag.endswith("}Relationship") and r.get("Type", "").endswith("/officeDocument")
               and r.get("TargetMode", "Internal") == "Internal"]
    if len(targets) != 1:
        raise WorkflowError(INVALID)
    main = posixpath.normpath(targets[0].lstrip("/")).casefold()  # part names are case-insensitive
    if main not in {name.casefold() for name in archive.names}:
        raise WorkflowError(INVALID)
    return OOXML.get(overrides.get(main) or defaults.get(main.rsplit(".", 1)[-1]))


def _check_parts(archive: safezip.SafeZip, allowed_doctype: re.Pattern | None = None) -> None:
    """Every part's first bytes: no compound file (a VBA project or an embedded object, whatever its name),
    and XML without a DTD (entity expansion)."""
    for entry in archive.entries:
        if entry.is_dir:
            continue
        if entry.name.rsplit("/", 1)[-1].casefold() == "vbaproject.bin":
            raise WorkflowError(MACRO)
        is_xml = entry.name.casefold().endswith((".xml", ".rels"))
        head = archive.read_head(entry.name, XML_HEAD if is_xml else len(OLE_SIGNATURE))
        if head.startswith(OLE_SIGNATURE):
            raise WorkflowError(MACRO)
        if is_xml and head:
            _check_xml(head, allowed_doctype)


def _check_xml(head: bytes, allowed_doctype: re.Pattern | None = None) -> None:
    """XML, without entity declarations; a DOCTYPE only where `allowed_doctype` matches it."""
    text = _text(head)
    if not text.lstrip().startswith("<") or "\x00" in text:
        raise WorkflowError(INVALID)
    if allowed_doctype is not None:
        text = allowed_doctype.sub("", text, count=1)
    if "<!doctype" in text.casefold() or "<!entity" in text.casefold():
        raise WorkflowError(INVALID)


def _text(xml: bytes) -> str:
    """XML bytes as text, UTF-16 included (allowed in OOXML), without failing on a cut character."""
    if xml.startswith((b"\xff\xfe", b"\xfe\xff")):
        return xml.decode("utf-16", "replace")
    return xml.decode("utf-8", "replace").lstrip("\ufeff")


def _encrypted_office_file(data: bytes) -> bool:
    """Office saves a password-protected .docx/.xlsx/.pptx as a compound file holding an EncryptedPackage."""
    return data.startswith(OLE_SIGNATURE) and "EncryptedPackage".encode("utf-16-le") in data


def clean_filename(name: str, extension: str) -> str:
    """A display name without paths or control characters, ending in the real extension."""
    name = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"|?*').strip(" .") or "evidence"
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return stem[:150] + extension


def _write_with_the_transaction(path: Path, data: bytes) -> None:
    """Write the file now (a committed row never points at nothing) and remove it unless the session's
    outermost transaction commits, so that no file outlives its row.

    Savepoints commit and roll back inside the outer transaction: only the outer one decides. Each
    session gets one pair of listeners; the files wait in `session.info` under their transaction.
    """
    session = db.session()
    root = session.get_transaction() or session.begin()
    pending = session.info.setdefault("meapp_pending_files", {})
    if not session.info.get("meapp_file_listeners"):
        session.info["meapp_file_listeners"] = True
        event.listen(session, "after_commit", _outer_commit)
        event.listen(session, "after_transaction_end", _transaction_end)
    path.write_bytes(data)
    pending.setdefault(root, ([], []))[0].append(path)


def _outer_commit(session) -> None:
    entry = session.info.get("meapp_pending_files", {}).get(session.get_transaction())
    if entry is not None and session.get_nested_transaction() is None:
        entry[1].append(True)  # the outermost transaction committed: its files stay


def _transaction_end(session, transaction) -> None:
    paths, committed = session.info.get("meapp_pending_files", {}).pop(transaction, ((), ()))
    if not committed:
        for path in paths:
            path.unlink(missing_ok=True)


def add(project: Project, period: str, actor, filename: str, data: bytes, description: str,
        storage_dir: str, max_bytes: int = MAX_BYTES) -> Evidence:
    """Store one evidence file for a draft submission."""
    if not can(actor, Action.EDIT, project):
        raise PermissionDenied()
    submission = queries.find_submission(project, period)
    check_writable(project, period, submission)
    check_text(description, DESCRIPTION_LIMIT, "description")
    if submission is None:
        raise WorkflowError(N_("Save the values of %(period)s once before adding evidence."), period=period)
    if not data:
        raise WorkflowError(N_("The file is empty."))
    if len(data) > max_bytes:
        raise WorkflowError(N_("The file is larger than %(limit)s MB."), limit=max_bytes // (1024 * 1024))
    kind = sniff(data)
    if kind is None and _encrypted_office_file(data):
        raise WorkflowError(ENCRYPTED)
    if kind is None and (filename or "").casefold().endswith(OFFICE_EXTENSIONS):
        raise WorkflowError(INVALID)  # a "report.docx" of NUL bytes, or any other file renamed
    if kind is None:
        raise WorkflowError(N_("This kind of file is not accepted: send a PDF, an image, an office document or text."))
    content_type, extension = kind
    key = secrets.token_hex(16)
    folder = Path(storage_dir)
    folder.mkdir(parents=True, exist_ok=True)
    _write_with_the_transaction(folder / key, data)
    evidence = Evidence(submission_id=submission.id, filename=clean_filename(filename, extension),
                        content_type=content_type, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                        storage_key=key, description=(description or "").strip(), uploaded_by_id=actor.id)
    db.session.add(evidence)
    db.session.flush()
    record(actor, "evidence.add", evidence, after={"filename": evidence.filename, "size": evidence.size,
                                                   "sha256": evidence.sha256},
           project_id=project.id, submission_id=submission.id, key=f"{project.code}/{period}")
    return evidence


def remove(project: Project, evidence: Evidence, actor) -> None:
    """Withdraw a file: it disappears from the submission, its trace stays."""
    if not can(actor, Action.EDIT, project):
        raise PermissionDenied()
    check_writable(project, evidence.submission.period, evidence.submission)
    evidence.deleted_at = utcnow()
    db.session.flush()
    record(actor, "evidence.remove", evidence, before={"filename": evidence.filename}, project_id=project.id,
           submission_id=evidence.submission_id, key=f"{project.code}/{evidence.submission.period}")


def path_of(evidence: Evidence, storage_dir: str) -> Path:
    return Path(storage_dir) / evidence.storage_key
