"""`flask compendium import|list|build`."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from meapp.compendium import importer, queries, service
from meapp.extensions import db

compendium = AppGroup("compendium", help="Annex compendia of practices: import, list, compile.")


@compendium.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--edition", "key", default=None, help="Edition key (default: the file name without extension).")
def import_file(file, key):
    """Create or update an edition from FILE (idempotent). Exit 2 and write nothing on any error."""
    path = Path(file)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        click.echo(f"{file}: cannot be read ({exc})", err=True)
        sys.exit(2)
    try:
        spec = importer.parse(text)
    except importer.ImportError_ as exc:
        for problem in exc.problems:
            click.echo(f"{file}: {problem}", err=True)
        click.echo("nothing written", err=True)
        sys.exit(2)
    key = key or path.stem
    report = service.import_edition(spec, key)
    db.session.commit()
    if not report.changed:
        click.echo(f"edition {key}: {len(spec.practices)} practices, nothing changed")
    else:
        click.echo(f"edition {key}: {len(spec.practices)} practices ({report.created} created, "
                   f"{report.updated} updated, {report.unchanged} unchanged)")


@compendium.command("list")
def list_editions():
    """Every edition with its key, status and number of practices."""
    rows = queries.editions_with_counts()
    for edition, count in rows:
        click.echo(f"{edition.key:<24} {edition.status.value:<10} {count:>4} practices  {edition.title_en}")
    click.echo(f"{len(rows)} editions")
