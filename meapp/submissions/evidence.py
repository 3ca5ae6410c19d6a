"""Evidence files: checked by content (never by name), stored outside the static folder under a random key."""
from __future__ import annotations

import hashlib
import io
import secrets
import unicodedata
import zipfile
from pathlib import Path

from meapp.auth.permissions import Action, can
from meapp.extensions import db
from meapp.modelbase import utcnow
from meapp.projects.models import Project
from meapp.submissions import queries
from meapp.submissions.audit import record
from meapp.submissions.errors import PermissionDenied, WorkflowError
from meapp.submissions.models import Evidence, SubmissionStatus
from meapp.validation.findings import N_

MAX_BYTES = 10 * 1024 * 1024
OFFICE = {
    "word/": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
    "xl/": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
    "ppt/": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx"),
}
ODF = {
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "application/vnd.oasis.opendocument.presentation": ".odp",
}


def sniff(data: bytes) -> tuple[str, str] | None:
    """(content type, extension) read from the bytes themselves, or None for a type we do not take."""
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
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if len(names) > 2000 or any(n.lower().endswith("vbaproject.bin") for n in names):
                return None  # macros, or a zip bomb in the making
            if "mimetype" in names:
                kind = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
                return (kind, ODF[kind]) if kind in ODF else None
            if "[Content_Types].xml" in names:
                for prefix, found in OFFICE.items():
                    if any(n.startswith(prefix) for n in names):
                        return found
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    return None


def clean_filename(name: str, extension: str) -> str:
    """A display name without paths or control characters, ending in the real extension."""
    name = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"|?*').strip(" .") or "evidence"
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return stem[:150] + extension


def add(project: Project, period: str, actor, filename: str, data: bytes, description: str,
        storage_dir: str, max_bytes: int = MAX_BYTES) -> Evidence:
    """Store one evidence file for a draft submission."""
    if not can(actor, Action.EDIT, project):
        raise PermissionDenied()
    submission = queries.find_submission(project, period)
    if submission is None:
        raise WorkflowError(N_("Save the values of %(period)s once before adding evidence."), period=period)
    if submission.status not in (SubmissionStatus.DRAFT, SubmissionStatus.RETURNED):
        raise WorkflowError(N_("This submission is %(status)s: it cannot be changed."), status=submission.status.value)
    if not data:
        raise WorkflowError(N_("The file is empty."))
    if len(data) > max_bytes:
        raise WorkflowError(N_("The file is larger than %(limit)s MB."), limit=max_bytes // (1024 * 1024))
    kind = sniff(data)
    if kind is None:
        raise WorkflowError(N_("This kind of file is not accepted: send a PDF, an image, an office document or text."))
    content_type, extension = kind
    key = secrets.token_hex(16)
    folder = Path(storage_dir)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / key).write_bytes(data)
    evidence = Evidence(submission_id=submission.id, filename=clean_filename(filename, extension),
                        content_type=content_type, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                        storage_key=key, description=(description or "").strip()[:500], uploaded_by_id=actor.id)
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
    if evidence.submission.status not in (SubmissionStatus.DRAFT, SubmissionStatus.RETURNED):
        raise WorkflowError(N_("This submission is %(status)s: it cannot be changed."),
                            status=evidence.submission.status.value)
    evidence.deleted_at = utcnow()
    db.session.flush()
    record(actor, "evidence.remove", evidence, before={"filename": evidence.filename}, project_id=project.id,
           submission_id=evidence.submission_id, key=f"{project.code}/{evidence.submission.period}")


def path_of(evidence: Evidence, storage_dir: str) -> Path:
    return Path(storage_dir) / evidence.storage_key
