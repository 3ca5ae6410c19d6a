"""Compiled translation catalogs (.mo), for the screens (Flask-Babel) and the documents (reports.i18n) alike.

The .mo files are build outputs; `make setup` is not the only way in (the README's production steps
are `flask db upgrade`, then `gunicorn wsgi:app`), so whoever needs them first compiles what is
missing or stale, and both readers use the directory that compilation chose.
"""
from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

logger = logging.getLogger(__name__)


@lru_cache(maxsize=8)
def _compiled(directory: str) -> Path:
    return compile_catalogs(directory)


def compiled(directory: str | Path) -> Path:
    """Where the compiled catalogs of `directory` are: compiled once per process, the same answer for all."""
    return _compiled(str(Path(directory).resolve()))


def compile_catalogs(directory: str | Path) -> Path:
    """Compile each .po under `directory` whose .mo is missing or older; return where the .mo files are.

    Each .mo is written to a temporary file then renamed over the old one, so that workers starting
    together never read half a file. When `directory` cannot be written, every catalog is compiled into
    a private temporary directory, which is returned instead; when even that fails, the app starts with
    what it has (in English at worst) and the log says why.
    """
    directory = Path(directory)
    catalogs = sorted(directory.glob("*/LC_MESSAGES/*.po"))
    stale = [po for po in catalogs if _is_stale(po)]
    try:
        for po in stale:
            _write_mo(po, po.with_suffix(".mo"))
        return directory
    except OSError as error:
        reason = error
    try:
        fallback = Path(tempfile.mkdtemp(prefix="meapp-catalogs-"))
        atexit.register(shutil.rmtree, fallback, ignore_errors=True)
        for po in catalogs:
            target = fallback / po.relative_to(directory).with_suffix(".mo")
            target.parent.mkdir(parents=True, exist_ok=True)
            _write_mo(po, target)
    except OSError as error:
        logger.error("translations not compiled: %s cannot be written (%s), nor a temporary directory (%s)",
                     directory, reason, error)
        return directory
    logger.warning("%s cannot be written (%s): translations compiled into %s", directory, reason, fallback)
    return fallback


def _is_stale(po: Path) -> bool:
    mo = po.with_suffix(".mo")
    return not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime


def _write_mo(po: Path, mo: Path) -> None:
    with po.open("rb") as src:
        catalog = read_po(src)
    fd, temporary = tempfile.mkstemp(dir=mo.parent, prefix=".messages-", suffix=".mo.tmp")
    try:
        with os.fdopen(fd, "wb") as dst:
            write_mo(dst, catalog)
        os.chmod(temporary, 0o644)  # mkstemp makes it private; the server may run as another user
        os.replace(temporary, mo)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


