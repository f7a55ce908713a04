"""`flask backup create|restore`: the database and the evidence files in one archive folder."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from backend.backup import service
from backend.complaints.storage import store_of
from backend.db.base import now_utc
from backend.extensions import db

backup_cli = AppGroup("backup", help="Backups: the database and the evidence files.")


@backup_cli.command("create")
@click.argument("archive", type=click.Path(file_okay=False, path_type=Path))
def create_backup(archive: Path) -> None:
    """Write the database and every attachment's file into the folder ARCHIVE (new or empty),
    with a manifest of SHA-256 checksums."""
    db.session.close()
    try:
        outcome = service.create(
            engine=db.engine, store=store_of(current_app), archive=archive, now=now_utc()
        )
    except service.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"backup of {outcome.database} with {outcome.files} files: {archive}")
    for key in outcome.missing:
        click.echo(f"  evidence file missing from the store, not in the backup: {key}")


@backup_cli.command("restore")
@click.argument("archive", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already has tables.")
def restore_backup(archive: Path, force: bool) -> None:
    """Check ARCHIVE against its manifest, then restore the database and the evidence files;
    a damaged archive, or a database with tables (without --force), changes nothing."""
    db.session.close()
    try:
        outcome = service.restore(
            engine=db.engine, store=store_of(current_app), archive=archive, force=force
        )
    except service.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"restored {outcome.database} and {outcome.files} files from {archive}")
