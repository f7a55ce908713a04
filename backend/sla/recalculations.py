"""Recalculating open clocks in the background: an admin asks (a job), the scheduler does it.

Recounting every running clock after a calendar or policy change took 95 s for 11,000 clocks in
a request, past gunicorn's timeout (issue 13). `request` records the job and answers at once;
`run_pending`, called by the scheduler, works through the running clocks in id order, a batch
per transaction, and keeps the job's place and progress, so a restart goes on where it stopped
and the admin can watch the job (`getRecalculation`). Two schedulers never take the same job at
once (FOR UPDATE SKIP LOCKED on PostgreSQL).
"""

from __future__ import annotations

import time
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.db.engine import begin_write
from backend.errors import NotFound, ValidationFailed
from backend.sla.calendars import calendar_row
from backend.sla.clocks import recalculate_clocks
from backend.sla.models import ClockState, JobStatus, RecalculationJob, SlaClock, SlaPolicy

BATCH = 2_000


def request(
    *,
    session: Session,
    calendar_code: str | None,
    policy_code: str | None,
    user_id: int | None,
    at: datetime,
) -> RecalculationJob:
    """Record a recalculation of the running clocks (of one calendar, or under one policy)."""
    if calendar_code:
        calendar_row(session=session, code=calendar_code)
    if (
        policy_code
        and session.scalar(select(SlaPolicy.id).where(SlaPolicy.code == policy_code).limit(1))
        is None
    ):
        raise ValidationFailed(errors={"policy": [f"Unknown policy {policy_code!r}."]})
    job = RecalculationJob(
        calendar_code=calendar_code,
        policy_code=policy_code,
        status=JobStatus.QUEUED,
        requested_by_id=user_id,
        requested_at=at,
    )
    session.add(job)
    session.flush()
    return job


def get_job(*, session: Session, job_id: int) -> RecalculationJob:
    """A recalculation job; 404 when there is none."""
    job = session.get(RecalculationJob, job_id)
    if job is None:
        raise NotFound()
    return job


def run_batch(*, session: Session, job: RecalculationJob, now: datetime) -> None:
    """One batch of `job`, in the caller's transaction: the next running clocks after its place."""
    if job.status == JobStatus.QUEUED:
        running = (
            select(func.count()).select_from(SlaClock).where(SlaClock.state == ClockState.RUNNING)
        )
        if job.calendar_code:
            running = running.where(SlaClock.calendar_code == job.calendar_code)
        job.total = session.scalar(running) or 0
        job.status, job.started_at = JobStatus.RUNNING, now
    batch = recalculate_clocks(
        session=session,
        at=now,
        after_id=job.last_clock_id,
        limit=BATCH,
        calendar_code=job.calendar_code,
        policy_code=job.policy_code,
    )
    job.last_clock_id = batch.last_id
    job.done += batch.looked_at
    job.changed += len(batch.changed)
    if batch.looked_at < BATCH:
        job.status, job.finished_at = JobStatus.DONE, now


def _next_job(session: Session) -> RecalculationJob | None:
    query = (
        select(RecalculationJob)
        .where(RecalculationJob.status.in_((JobStatus.QUEUED, JobStatus.RUNNING)))
        .order_by(RecalculationJob.id)
        .limit(1)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return session.scalar(query)


def run_pending(
    *,
    session: Session,
    now: datetime,
    budget_seconds: float = 12.0,
    batches: int | None = None,
) -> list[int]:
    """Work on the waiting jobs, a batch per transaction, for about `budget_seconds` (or
    `batches` batches); the ids of the jobs that finished. A job whose batch fails is marked
    failed with the reason."""
    finished = []
    deadline = time.monotonic() + budget_seconds
    while time.monotonic() < deadline and batches != 0:
        batches = None if batches is None else batches - 1
        begin_write(session)
        job = _next_job(session)
        if job is None:
            session.rollback()
            break
        try:
            run_batch(session=session, job=job, now=now)
        except Exception as error:  # noqa: BLE001 (recorded on the job, which stops)
            session.rollback()
            begin_write(session)
            failed = session.get_one(RecalculationJob, job.id)
            failed.status, failed.finished_at = JobStatus.FAILED, now
            failed.error = f"{type(error).__name__}: {error}"[:2000]
        if job.status in (JobStatus.DONE, JobStatus.FAILED):
            finished.append(job.id)
        session.commit()
    return finished
