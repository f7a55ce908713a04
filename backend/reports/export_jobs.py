"""Exports written in the background: a staff member asks (`request`), the scheduler writes
(`run_pending`), the one who asked polls (`get_job`) and downloads (`file_of`) until it expires.

The writer reads in one transaction (one consistent snapshot of the rows) on a session of its
own, streaming, and reports its progress on the job every `PROGRESS_EVERY` rows in short
transactions of the scheduler's session. The file is written under a temporary name and takes
its own when complete. A job whose writer died (a running job silent for `STALE_AFTER`) is taken
up again from the start by the next run: the rows it had written were not the whole export.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from backend.auth.models import User
from backend.auth.principal import Principal
from backend.db.engine import begin_write
from backend.errors import NotFound
from backend.reports.exports import csv_chunks, export_of, neutralise
from backend.reports.models import ExportJob
from backend.sla.models import JobStatus

PROGRESS_EVERY = 5_000
KEPT_FOR = timedelta(hours=24)
STALE_AFTER = timedelta(minutes=10)
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def request(
    *, session: Session, principal: Principal, kind: str, fmt: str, filters: dict[str, Any]
) -> ExportJob:
    """Record an export for the scheduler to write; the filters as the queue takes them."""
    job = ExportJob(
        kind=kind,
        format=fmt,
        filters=filters,
        status=JobStatus.QUEUED,
        requested_by_id=principal.id,
    )
    session.add(job)
    session.flush()
    return job


def get_job(*, session: Session, principal: Principal, job_id: int) -> ExportJob:
    """The caller's own export (404 for anyone else's: nothing to enumerate)."""
    job = session.get(ExportJob, job_id)
    if job is None or job.requested_by_id != principal.id:
        raise NotFound()
    return job


def file_of(
    *, session: Session, principal: Principal, job_id: int, directory: str, now: datetime
) -> tuple[ExportJob, Path]:
    """The written file of the caller's finished, unexpired export (404 otherwise)."""
    job = get_job(session=session, principal=principal, job_id=job_id)
    if job.status != JobStatus.DONE or job.expires_at is None or now >= job.expires_at:
        raise NotFound()
    path = Path(directory) / (job.file_name or "")
    if not job.file_name or not path.is_file():
        raise NotFound()
    return job, path


def _principal_of(session: Session, user_id: int) -> Principal | None:
    """The requester as they are now: a deactivated account exports nothing."""
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        return None
    return Principal(kind="user", id=user.id, role=user.role, agency_id=user.agency_id)


def _write(export: Any, fmt: str, path: Path, progress: Any) -> int:
    """Write `export` to `path` as CSV or XLSX (constant memory); returns the row count."""
    count = 0
    if fmt == "xlsx":
        import xlsxwriter

        workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        sheet = workbook.add_worksheet("Aduan")
        bold = workbook.add_format({"bold": True})
        sheet.write_row(0, 0, export.header, bold)
        for count, row in enumerate(export.rows, start=1):
            # strings as strings: never read as formulas, whatever they start with
            for column, value in enumerate(row):
                if isinstance(value, str):
                    sheet.write_string(count, column, neutralise(value))
                else:
                    sheet.write(count, column, value)
            if count % PROGRESS_EVERY == 0:
                progress(count)
        workbook.close()
        return count
    with path.open("w", encoding="utf-8", newline="") as out:
        rows_before = 0
        for chunk in csv_chunks(export):
            out.write(chunk)
            rows_before += chunk.count("\n")
            if rows_before >= PROGRESS_EVERY:
                count += rows_before
                rows_before = 0
                progress(count)
        count += rows_before
    # the header's line is not a row
    return max(count - 1, 0)


def _next_job(session: Session, now: datetime) -> ExportJob | None:
    query = (
        select(ExportJob)
        .where(
            or_(
                ExportJob.status == JobStatus.QUEUED,
                (ExportJob.status == JobStatus.RUNNING)
                & (ExportJob.heartbeat_at < now - STALE_AFTER),
            )
        )
        .order_by(ExportJob.id)
        .limit(1)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return session.scalar(query)


def run_pending(
    *,
    session: Session,
    reader: Session,
    directory: str,
    now: datetime,
    jobs: int = 1,
    on_progress: Callable[[int], None] | None = None,
) -> list[int]:
    """Write up to `jobs` waiting exports; the ids of those finished (done or failed).

    `session` keeps the jobs' progress (short transactions); `reader` is a session of its own
    that reads the rows in one transaction. Time moves on from `now` as the export runs."""
    finished = []
    clock_start = time.monotonic()

    def at() -> datetime:
        return now + timedelta(seconds=time.monotonic() - clock_start)

    for _ in range(jobs):
        begin_write(session)
        job = _next_job(session, at())
        if job is None:
            session.rollback()
            break
        job.status, job.started_at, job.heartbeat_at, job.done = (
            JobStatus.RUNNING,
            at(),
            at(),
            0,
        )
        job_id, kind, fmt, filters = job.id, job.kind, job.format, dict(job.filters or {})
        principal = _principal_of(session, job.requested_by_id)
        session.commit()
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        name = f"aduan-{kind}-{job_id}.{fmt}"
        temporary = folder / f".{name}.part"

        def progress(done: int, job_id: int = job_id) -> None:
            begin_write(session)
            running = session.get_one(ExportJob, job_id)
            running.done, running.heartbeat_at = done, at()
            session.commit()
            if on_progress is not None:
                on_progress(done)

        try:
            if principal is None:
                raise PermissionError("the account that asked is no longer active")
            export = export_of(
                kind=kind, session=reader, principal=principal, filters=filters, now=at()
            )
            count = _write(export, fmt, temporary, progress)
            reader.rollback()
            os.replace(temporary, folder / name)
            outcome: dict[str, Any] = {
                "status": JobStatus.DONE,
                "done": count,
                "total": count,
                "file_name": name,
                "expires_at": at() + KEPT_FOR,
            }
        except Exception as error:  # noqa: BLE001 (recorded on the job, which stops)
            reader.rollback()
            temporary.unlink(missing_ok=True)
            outcome = {"status": JobStatus.FAILED, "error": f"{type(error).__name__}: {error}"}
        begin_write(session)
        done = session.get_one(ExportJob, job_id)
        for key, value in {**outcome, "finished_at": at(), "heartbeat_at": at()}.items():
            setattr(done, key, value)
        session.commit()
        finished.append(job_id)
    return finished


def remove_expired(*, session: Session, directory: str, now: datetime) -> int:
    """Delete the files of expired exports (the jobs stay, as a record); how many went."""
    begin_write(session)
    expired = session.scalars(
        select(ExportJob).where(ExportJob.file_name.is_not(None), ExportJob.expires_at <= now)
    ).all()
    for job in expired:
        (Path(directory) / (job.file_name or "")).unlink(missing_ok=True)
        job.file_name = None
    session.commit()
    return len(expired)
