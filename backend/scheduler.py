"""Composition of the periodic jobs: the SLA sweep, outbox delivery, the breach tallies' fold,
the purge of expired Idempotency-Key records, the retention schedule of personal data and the
holiday refresh.

`flask sla scheduler` runs `run_scheduler` in its own process (never inside web workers). On
PostgreSQL it first takes an advisory lock on a dedicated connection; a second copy waits as a
standby until the lock is free. Every job is idempotent anyway (unique constraints, SKIP LOCKED).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy.orm import Session
from tqdm import tqdm

from backend import hooks
from backend.complaints import evidence, idempotency, storage, tracking
from backend.complaints import jobs as complaint_jobs
from backend.db import now_utc
from backend.db.engine import begin_write
from backend.extensions import db
from backend.notifications import service as outbox
from backend.privacy_requests import jobs as privacy_jobs
from backend.reports import export_jobs
from backend.sla import jobs as sla_jobs
from backend.sla import recalculations, tallies
from backend.sla.calendars import forget_calendars, get_calendar, list_calendars
from backend.sla.models import JobStatus
from backend.webhooks import jobs as webhook_jobs

log = logging.getLogger(__name__)
# "aduan-scheduler" as a 64-bit number: the key of the PostgreSQL advisory lock
ADVISORY_LOCK_KEY = 0x616475616E5F7363
SWEEP_SECONDS = 60
DELIVERY_SECONDS = 30
# requests add rows of changes to the breach tallies; folded every five minutes
COMPACT_SECONDS = 300
# a recalculation of open clocks goes on for 12 s of every 15 while one waits
RECALCULATION_SECONDS = 15
# Idempotency-Key records hold sealed receipts for 24 hours, wrong-PIN counts matter for a day:
# the expired ones go every hour
PURGE_SECONDS = 3600
# exports waiting to be written are looked for this often (one at a time, each to its end)
EXPORT_SECONDS = 10
# webhook events are fanned out and sent this often (retries wait their own backoff)
WEBHOOK_SECONDS = 10
# uploads a crash left staged are settled, abandoned temporary objects removed, every hour
STORAGE_SWEEP_SECONDS = 3600
STANDBY_POLL_SECONDS = 15
MISFIRE_GRACE_SECONDS = 3600


@dataclass
class SweepOutcome:
    """A sweep and what the complaints job did with its expired clocks."""

    report: sla_jobs.SweepReport
    withdrawn: list[int]


def sweep_once(now: datetime | None = None, batch_size: int = 500) -> SweepOutcome:
    """One sweep now: drain due clocks, then deem withdrawn the complaints whose window expired.

    The sla domain knows clocks, not statuses: it reports the expired completion clocks and the
    complaints job acts on them (the arrow stays complaints -> sla).
    """
    now = now or now_utc()
    session = db.session
    report = sla_jobs.run_sweep(session=session, now=now, batch_size=batch_size)
    begin_write(session)
    withdrawn = complaint_jobs.withdraw_expired(
        session=session, now=now, complaint_ids=[cid for _, cid in report.expired] or None
    )
    session.commit()
    return SweepOutcome(report=report, withdrawn=withdrawn)


def deliver_once(app: Flask, now: datetime | None = None) -> outbox.DeliveryResult:
    """Send every due outbox message (SMTP when configured, else .eml files under MAIL_DIR)."""
    session = db.session
    return outbox.deliver_due(
        session=session,
        sender=outbox.sender_from_config(app.config),
        mail_from=app.config["MAIL_FROM"],
        now=now or now_utc(),
        key=app.config["OUTBOX_KEY"],
    )


def refresh_holidays(now: datetime | None = None) -> list[str]:
    """Rebuild every calendar from the holiday data and the overlay; returns warnings.

    Drops the cached calendars so that a revised overlay or package is read afresh, and warns
    when a calendar's last year is this year: deadlines will soon run past its horizon.
    """
    now = now or now_utc()
    forget_calendars()
    warnings = []
    for row in list_calendars(session=db.session):
        calendar = get_calendar(session=db.session, code=row.code)
        log.info("calendar %s v%s fingerprint %s", row.code, row.version, calendar.fingerprint())
        if row.last_year <= now.year:
            warnings.append(f"calendar {row.code} ends with {row.last_year}: extend it")
    for warning in warnings:
        log.warning(warning)
    db.session.rollback()
    return warnings


def compact_tallies() -> int:
    """Fold the breach tallies: requests only add rows of changes (`tallies.compact`)."""
    begin_write(db.session)
    folded = tallies.compact(db.session.connection())
    db.session.commit()
    return folded


def run_recalculations() -> list[int]:
    """Go on with the waiting recalculations of open clocks (`recalculateOpenClocks`)."""
    return recalculations.run_pending(session=db.session, now=now_utc(), budget_seconds=12)


def run_exports() -> list[int]:
    """Write the waiting exports (`createExport`), reading on a session of their own, and delete
    the files of expired ones."""
    directory = current_app.config["EXPORT_DIR"]
    with Session(db.engine) as reader:
        finished = export_jobs.run_pending(
            session=db.session, reader=reader, directory=directory, now=now_utc()
        )
    export_jobs.remove_expired(session=db.session, directory=directory, now=now_utc())
    return finished


def send_webhooks(app: Flask) -> webhook_jobs.WebhookRun:
    """Fan out the webhook outbox and send the due deliveries (`backend.webhooks.jobs`)."""
    return webhook_jobs.run_once(session=db.session, now=now_utc(), config=app.config)


def purge_expired(now: datetime | None = None) -> int:
    """Forget the receipts kept for Idempotency-Key retries once they are 24 hours old, and the
    wrong-PIN counts of codes nobody tried for a day; how many rows went."""
    now = now or now_utc()
    begin_write(db.session)
    purged = idempotency.purge(session=db.session, now=now)
    purged += tracking.purge_locks(session=db.session, now=now)
    db.session.commit()
    return purged


def run_retention() -> dict[str, dict[str, Any]]:
    """Apply the retention schedule of personal data (README, Retention schedule)."""
    results = privacy_jobs.run_retention(trigger="scheduler")
    log.info("retention: %s", {name: r["count"] for name, r in results.items()})
    return results


def sweep_storage(now: datetime | None = None) -> evidence.SweepOutcome:
    """The staged-file sweep of `flask storage sweep`, run by the scheduler: what it did."""
    outcome = evidence.sweep_staged(
        session=db.session, store=storage.store_of(current_app), now=now or now_utc()
    )
    db.session.rollback()  # read only
    if outcome.settled or outcome.removed:
        log.info(
            "storage sweep: %d settled, %d removed", len(outcome.settled), len(outcome.removed)
        )
    return outcome


def _scheduled_sweep() -> None:
    outcome = sweep_once()
    report = outcome.report
    if report.clocks:
        log.info(
            "sweep: %d clocks, %d breached, %d escalations, %d e-mails, %d deemed withdrawn",
            report.clocks,
            report.breached,
            report.escalations,
            report.notifications,
            len(outcome.withdrawn),
        )


def _in_context(app: Flask, job: Any) -> Any:
    """`job` wrapped for the scheduler: in an app context, failures logged and rolled back."""

    def run() -> None:
        with app.app_context():
            try:
                job()
            except Exception:
                log.exception("scheduled job %s failed", getattr(job, "__name__", job))
                db.session.rollback()

    return run


def build_scheduler(app: Flask) -> Any:
    """The BlockingScheduler with its jobs: coalesced, one instance each, late runs kept."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler = BlockingScheduler(
        timezone="UTC",
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": MISFIRE_GRACE_SECONDS,
        },
    )
    scheduler.add_job(
        _in_context(app, _scheduled_sweep),
        "interval",
        seconds=SWEEP_SECONDS,
        id="sla_sweep",
        name="SLA sweep",
        next_run_time=now_utc(),
    )
    scheduler.add_job(
        _in_context(app, lambda: deliver_once(app)),
        "interval",
        seconds=DELIVERY_SECONDS,
        id="outbox_delivery",
        name="outbox delivery",
        next_run_time=now_utc(),
    )
    scheduler.add_job(
        _in_context(app, compact_tallies),
        "interval",
        seconds=COMPACT_SECONDS,
        id="tally_compaction",
        name="breach tally compaction",
    )
    scheduler.add_job(
        _in_context(app, run_recalculations),
        "interval",
        seconds=RECALCULATION_SECONDS,
        id="recalculations",
        name="recalculations of open clocks, in batches",
        next_run_time=now_utc(),
    )
    scheduler.add_job(
        _in_context(app, run_exports),
        "interval",
        seconds=EXPORT_SECONDS,
        id="exports",
        name="exports written in the background",
        next_run_time=now_utc(),
    )
    scheduler.add_job(
        _in_context(app, lambda: send_webhooks(app)),
        "interval",
        seconds=WEBHOOK_SECONDS,
        id="webhooks",
        name="webhook deliveries, signed, in order per complaint",
        next_run_time=now_utc(),
    )
    scheduler.add_job(
        _in_context(app, purge_expired),
        "interval",
        seconds=PURGE_SECONDS,
        id="purge_expired",
        name="purge of expired Idempotency-Key records and wrong-PIN counts",
        next_run_time=now_utc(),
    )
    scheduler.add_job(
        _in_context(app, run_retention),
        "cron",
        hour=1,
        minute=30,
        timezone="Asia/Jakarta",
        id="retention",
        name="retention schedule of personal data (daily)",
    )
    scheduler.add_job(
        _in_context(app, sweep_storage),
        "interval",
        seconds=STORAGE_SWEEP_SECONDS,
        id="storage_sweep",
        name="sweep of staged evidence files",
        next_run_time=now_utc(),
    )
    scheduler.add_job(
        _in_context(app, refresh_holidays),
        "cron",
        hour=0,
        minute=5,
        timezone="Asia/Jakarta",
        id="holiday_refresh",
        name="holiday refresh",
    )
    return scheduler


def hold_leadership(app: Flask, poll_seconds: float = STANDBY_POLL_SECONDS) -> Any:
    """On PostgreSQL, block until this process holds the scheduler's advisory lock.

    The lock lives on a dedicated connection that is kept open for the process's lifetime (the
    caller keeps the returned connection); on SQLite there is one process anyway: None.
    """
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "postgresql":
        return None
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    # not from the pool: closing this connection must end the session and free the lock
    connection = create_engine(engine.url, poolclass=NullPool).connect()
    announced = False
    while True:
        got = connection.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}
        ).scalar()
        connection.commit()
        if got:
            log.info("scheduler: advisory lock taken, running the jobs")
            return connection
        if not announced:
            log.info("scheduler: another scheduler holds the lock; waiting as a standby")
            announced = True
        time.sleep(poll_seconds)


def run_scheduler(app: Flask) -> None:
    """Run the scheduler in this process until interrupted."""
    hooks.install()  # create_app did; said here too, as the jobs rely on them
    lock = hold_leadership(app)
    try:
        build_scheduler(app).start()
    finally:
        if lock is not None:
            lock.close()


sla_cli = AppGroup("sla", help="Legal clocks: sweep, outbox delivery, the scheduler.")


@sla_cli.command("sweep")
@click.option("--batch-size", default=500, show_default=True)
def sweep_command(batch_size: int) -> None:
    """Run one sweep now: breaches, escalations, deemed withdrawals."""
    outcome = sweep_once(batch_size=batch_size)
    report = outcome.report
    click.echo(
        f"swept {report.clocks} clocks in {report.batches} batches: {report.breached} breached, "
        f"{report.escalations} escalations, {report.notifications} e-mails queued, "
        f"{len(outcome.withdrawn)} deemed withdrawn"
    )


@sla_cli.command("deliver")
def deliver_command() -> None:
    """Send the due outbox messages now."""
    result = deliver_once(current_app._get_current_object())  # type: ignore[attr-defined]
    click.echo(
        f"sent {len(result.sent)}, retrying {len(result.retried)}, failed {len(result.failed)}"
    )


@sla_cli.command("webhooks")
def webhooks_command() -> None:
    """Fan out the webhook outbox and send the due deliveries now (the scheduler does too)."""
    run = send_webhooks(current_app._get_current_object())  # type: ignore[attr-defined]
    click.echo(
        f"{run.fanned_out} events fanned out; sent {len(run.succeeded)}, retrying "
        f"{len(run.retried)}, given up {len(run.failed)}, skipped {len(run.skipped)}"
    )


@sla_cli.command("recalculate")
@click.option("--calendar", "calendar_code", default=None)
@click.option("--policy", "policy_code", default=None)
def recalculate_command(calendar_code: str | None, policy_code: str | None) -> None:
    """Recount open clocks after a calendar or policy change (finished clocks never change).

    The same job as `recalculateOpenClocks`, run here to its end instead of by the scheduler.
    """
    begin_write(db.session)
    job = recalculations.request(
        session=db.session,
        calendar_code=calendar_code,
        policy_code=policy_code,
        user_id=None,
        at=now_utc(),
    )
    db.session.commit()
    started = time.perf_counter()
    with tqdm(unit=" clocks", desc="recalculating") as progress:
        while job.status not in (JobStatus.DONE, JobStatus.FAILED):
            begin_write(db.session)
            before = job.done
            recalculations.run_batch(session=db.session, job=job, now=now_utc())
            db.session.commit()
            progress.total = job.total
            progress.update(job.done - before)
    click.echo(
        f"{job.changed} of {job.done} open clocks got a new deadline "
        f"in {time.perf_counter() - started:.1f} s"
    )


@sla_cli.command("rebuild-tallies")
def rebuild_tallies_command() -> None:
    """Recount the breach tallies from the clocks (after loading clocks past the ORM)."""
    started = time.perf_counter()
    begin_write(db.session)
    tallies.rebuild(db.session.connection())
    db.session.commit()
    click.echo(f"breach tallies rebuilt in {time.perf_counter() - started:.1f} s")


@sla_cli.command("compact-tallies")
def compact_tallies_command() -> None:
    """Fold the breach tallies' rows of changes into one row per key (the scheduler does too)."""
    click.echo(f"{compact_tallies()} tally keys folded")


@sla_cli.command("scheduler")
def scheduler_command() -> None:
    """Run the scheduler process (sweep every minute, delivery every 30 s, daily refresh)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    run_scheduler(current_app._get_current_object())  # type: ignore[attr-defined]
