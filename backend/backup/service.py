"""Create and restore a backup archive: a folder holding the database (pg_dump's custom format
for PostgreSQL, an SQLite online-backup copy for SQLite), the evidence files under `evidence/`,
and `manifest.json` listing each file with its size and SHA-256.

Restore checks every file against the manifest before it touches anything, so a damaged
archive changes nothing; it refuses a database that already has tables unless forced.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.engine import URL

from backend.complaints.models import Attachment
from backend.complaints.storage import EvidenceStore, ObjectMissing

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
EVIDENCE = "evidence"
DUMPS = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}


class BackupError(Exception):
    """The backup or restore could not be done; the message says why."""


@dataclass(frozen=True)
class Outcome:
    """What a backup or restore covered."""

    database: str
    files: int
    missing: tuple[str, ...] = ()


def sha256_of(path: Path) -> str:
    """The SHA-256 of the file at `path`, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def create(*, engine: Engine, store: EvidenceStore, archive: Path, now: datetime) -> Outcome:
    """Write the backup of the database behind `engine` and the evidence files in `store`
    into the folder `archive`, which must not exist or be empty."""
    if archive.exists() and any(archive.iterdir()):
        raise BackupError(f"{archive} is not empty")
    kind = engine.dialect.name
    if kind not in DUMPS:
        raise BackupError(f"unsupported database: {kind}")
    archive.mkdir(parents=True, exist_ok=True)
    dump = archive / DUMPS[kind]
    if kind == "postgresql":
        _pg_dump(engine, dump)
    else:
        _sqlite_copy(_sqlite_path(engine.url), dump)
    # the rows are read after the dump: every key the dump names is listed (a file deleted in
    # between is reported missing)
    with engine.connect() as conn:
        keys = list(conn.scalars(select(Attachment.storage_key).order_by(Attachment.id)))
    (archive / EVIDENCE).mkdir()
    missing = []
    for key in keys:
        try:
            content = store.read(key)
        except ObjectMissing:
            missing.append(key)
            continue
        (archive / EVIDENCE / _safe_key(key)).write_bytes(content)
    files = [
        {"path": path.relative_to(archive).as_posix(), "size": path.stat().st_size}
        | {"sha256": sha256_of(path)}
        for path in sorted(p for p in archive.rglob("*") if p.is_file())
    ]
    manifest = {
        "format": FORMAT_VERSION,
        "database": kind,
        "created_at": now.isoformat(),
        "missing_evidence": missing,
        "files": files,
    }
    (archive / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return Outcome(database=kind, files=len(keys) - len(missing), missing=tuple(missing))


def verify(archive: Path) -> dict[str, Any]:
    """The archive's manifest, once every file it lists is present with its size and SHA-256
    and no other file is there; BackupError naming the first problem otherwise."""
    try:
        manifest = json.loads((archive / MANIFEST).read_text())
    except (OSError, ValueError) as error:
        raise BackupError(f"no readable {MANIFEST} in {archive}: {error}") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"unknown archive format: {manifest.get('format')!r}")
    if manifest.get("database") not in DUMPS:
        raise BackupError(f"unknown database kind: {manifest.get('database')!r}")
    listed = set()
    for entry in manifest.get("files", []):
        path = archive / entry["path"]
        if not path.resolve().is_relative_to(archive.resolve()):
            raise BackupError(f"{entry['path']}: outside the archive")
        if not path.is_file():
            raise BackupError(f"{entry['path']}: missing")
        if path.stat().st_size != entry["size"] or sha256_of(path) != entry["sha256"]:
            raise BackupError(f"{entry['path']}: damaged (size or SHA-256 differs)")
        listed.add(entry["path"])
    if DUMPS[manifest["database"]] not in listed:
        raise BackupError("the archive holds no database")
    present = {p.relative_to(archive).as_posix() for p in archive.rglob("*") if p.is_file()}
    unlisted = sorted(present - listed - {MANIFEST})
    if unlisted:
        raise BackupError(f"{unlisted[0]}: not in the manifest")
    return manifest


def restore(*, engine: Engine, store: EvidenceStore, archive: Path, force: bool) -> Outcome:
    """Restore the archive into the database behind `engine` and into `store`, after checking
    it (`verify`); a database with tables is refused unless `force`."""
    manifest = verify(archive)
    kind = manifest["database"]
    if kind != engine.dialect.name:
        raise BackupError(f"the archive is of {kind}, the database is {engine.dialect.name}")
    with engine.connect() as conn:
        tables = inspect(conn).get_table_names()
    if tables and not force:
        raise BackupError(
            f"the database is not empty ({len(tables)} tables): use --force to replace it"
        )
    engine.dispose()  # no pooled connection keeps the old schema
    dump = archive / DUMPS[kind]
    if kind == "postgresql":
        if tables:
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            engine.dispose()
        _pg_restore(engine, dump)
    else:
        _sqlite_copy(dump, _sqlite_path(engine.url))
    engine.dispose()
    evidence = [
        entry["path"] for entry in manifest["files"] if entry["path"].startswith(f"{EVIDENCE}/")
    ]
    for path in evidence:
        store.put(path.removeprefix(f"{EVIDENCE}/"), (archive / path).read_bytes())
    return Outcome(database=kind, files=len(evidence), missing=tuple(manifest["missing_evidence"]))


def _safe_key(key: str) -> str:
    # keys are opaque names made by the app; one that could leave the folder is refused
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", key):
        raise BackupError(f"unexpected storage key {key!r}")
    return key


def _sqlite_path(url: URL) -> str:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return url.database


def _sqlite_copy(source: Path | str, target: Path | str) -> None:
    """Copy one SQLite database into another with the online backup API (a consistent copy
    while the app keeps writing)."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def _pg_command(engine: Engine, name: str) -> tuple[str, dict[str, str], str]:
    """The client program `name` of the server's major version, its environment (the password)
    and the libpq URL of the database."""
    with engine.connect() as conn:
        major = int(conn.scalar(text("SHOW server_version_num")) or 0) // 10000
    candidates = [shutil.which(name), f"/usr/lib/postgresql/{major}/bin/{name}"]
    program = next((c for c in candidates if c and _major_of(c) == major), None)
    if program is None:
        raise BackupError(f"no {name} of PostgreSQL {major} found")
    url = engine.url.set(drivername="postgresql")
    env = {**os.environ, "PGPASSWORD": url.password or ""} if url.password else dict(os.environ)
    return program, env, url.set(password=None).render_as_string(hide_password=False)


def _major_of(program: str) -> int | None:
    try:
        shown = subprocess.run(
            [program, "--version"], capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    found = re.search(r"(\d+)(?:\.\d+)?", shown)
    return int(found.group(1)) if found else None


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip()}")


def _pg_dump(engine: Engine, dump: Path) -> None:
    program, env, dsn = _pg_command(engine, "pg_dump")
    _run([program, "--format=custom", "--no-owner", f"--file={dump}", f"--dbname={dsn}"], env)


def _pg_restore(engine: Engine, dump: Path) -> None:
    program, env, dsn = _pg_command(engine, "pg_restore")
    _run(
        [
            program,
            "--no-owner",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={dsn}",
            str(dump),
        ],
        env,
    )
