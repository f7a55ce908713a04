"""Operator commands: `flask --app backend.app users|demo|timeline|complaints|exports|storage|
retention`."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import click
import marshmallow as ma
from flask import Flask, current_app
from flask.cli import AppGroup
from tqdm import tqdm

from backend.agencies import service as agencies
from backend.agencies.schemas import StaffCreateSchema
from backend.auth.roles import Role
from backend.complaints import evidence, storage, timeline
from backend.db.base import now_utc
from backend.db.engine import begin_write
from backend.errors import DomainError
from backend.extensions import db
from backend.privacy_requests import jobs as retention_jobs
from backend.privacy_requests import retention

users_cli = AppGroup("users", help="Staff accounts.")
demo_cli = AppGroup("demo", help="Demo data for Kota Cimahi.")
timeline_cli = AppGroup("timeline", help="The tamper-evident timeline.")
complaints_cli = AppGroup("complaints", help="Complaints: repairs after an upgrade.")
exports_cli = AppGroup("exports", help="Exports: the queue with its clocks, the Ombudsman report.")
storage_cli = AppGroup("storage", help="Evidence files: the store and the attachments' rows.")
retention_cli = AppGroup("retention", help="The retention schedule of personal data (UU 27/2022).")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--agency", "agency_code", default=None, help="Agency code, e.g. DISDUKCAPIL")
@click.option("--name", "full_name", default=None, help="Full name (defaults to the e-mail)")
def create_user(
    email: str, password: str, role: str, agency_code: str | None, full_name: str | None
) -> None:
    """Create an account; how an operator bootstraps a city's first admin."""
    given = {
        "email": email,
        "password": password,
        "role": role,
        "agency_code": agency_code,
        "full_name": full_name or email,
    }
    try:
        # the same rules as the createUser operation (valid e-mail, password length, ...)
        data = StaffCreateSchema().load(given)
    except ma.ValidationError as error:
        raise click.ClickException(f"validation_failed: {error.messages}") from error
    try:
        begin_write(db.session)
        user = agencies.create_staff(session=db.session, **data)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        detail = error.errors or error.code
        raise click.ClickException(f"{error.code}: {detail}") from error
    click.echo(f"created {user.role} {user.email} (id {user.id})")


@demo_cli.command("load")
def load_demo() -> None:
    """Load Cimahi's agencies, categories and demo accounts (once; later runs keep the data)."""
    from backend.demo import DEMO_PASSWORD, demo_accounts
    from backend.demo import load_demo as load

    begin_write(db.session)
    loaded = load(db.session)
    db.session.commit()
    click.echo("demo data loaded" if loaded else "demo data already present: kept")
    for user in demo_accounts(db.session):
        click.echo(f"  {user.role:<12} {user.email:<36} {DEMO_PASSWORD}")


@timeline_cli.command("verify")
@click.option("--complaint-id", type=int, default=None)
def verify_timeline(complaint_id: int | None) -> None:
    """Check every timeline's hash chain; name the first broken link of each."""
    broken = timeline.verify_chain(session=db.session, complaint_id=complaint_id)
    if not broken:
        click.echo("timeline intact")
        return
    for link in broken:
        where = f"event {link.event_id}" if link.event_id else "deleted"
        click.echo(
            f"complaint {link.complaint_id}: first broken link at seq {link.seq} "
            f"({where}): {link.problem}"
        )
    sys.exit(1)


@complaints_cli.command("start-missing-clocks")
def start_missing_clocks() -> None:
    """Start the verification clock of complaints completed before it existed (once, after
    upgrading; running it again changes nothing)."""
    from backend.complaints.jobs import start_missing_verification

    begin_write(db.session)
    started = start_missing_verification(session=db.session)
    db.session.commit()
    click.echo(f"verification clocks started: {len(started)}")


@exports_cli.command("create")
@click.option("--kind", type=click.Choice(["complaints", "ombudsman"]), default="complaints")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv")
@click.option("--as", "email", required=True, help="the staff account it is exported for")
@click.option("--status", multiple=True, help="complaints: only these statuses")
def create_export(kind: str, fmt: str, email: str, status: tuple[str, ...]) -> None:
    """Write an export now, with a progress bar, as the named staff member would get it."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session
    from tqdm import tqdm

    from backend.auth.models import User
    from backend.auth.principal import Principal
    from backend.db import now_utc
    from backend.reports import export_jobs
    from backend.reports.models import ExportJob

    user = db.session.scalar(select(User).where(User.email == email.lower()))
    if user is None or not user.is_active:
        raise click.ClickException(f"no active account {email}")
    principal = Principal(kind="user", id=user.id, role=user.role, agency_id=user.agency_id)
    begin_write(db.session)
    filters = {"status": list(status)} if status else {}
    job = export_jobs.request(
        session=db.session, principal=principal, kind=kind, fmt=fmt, filters=filters
    )
    db.session.commit()
    directory = current_app.config["EXPORT_DIR"]
    with tqdm(unit=" rows", desc="exporting") as bar, Session(db.engine) as reader:

        def shown(done: int) -> None:
            bar.update(done - bar.n)

        export_jobs.run_pending(
            session=db.session,
            reader=reader,
            directory=directory,
            now=now_utc(),
            on_progress=shown,
        )
    finished = db.session.get_one(ExportJob, job.id)
    if finished.status != "done":
        raise click.ClickException(f"export {job.id} {finished.status}: {finished.error}")
    click.echo(f"{finished.done} rows: {directory}/{finished.file_name}")


@storage_cli.command("migrate")
@click.option(
    "--from",
    "source_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="The local folder the files are in (default: ADUAN_UPLOAD_DIR).",
)
@click.option("--dry-run", is_flag=True, help="Say what would be copied; copy nothing.")
@click.option(
    "--remove-local", is_flag=True, help="Remove each local file once its object is verified."
)
def migrate_storage(source_dir: str | None, dry_run: bool, remove_local: bool) -> None:
    """Move the local evidence files into the configured store (ADUAN_STORAGE_URL), each
    verified by its size and SHA-256 against its row; running it again copies nothing."""
    target = storage.store_of(current_app)
    source = storage.LocalStore(source_dir or current_app.config["UPLOAD_DIR"])
    if isinstance(target, storage.LocalStore) and (
        Path(target.folder).resolve() == Path(source.folder).resolve()
    ):
        raise click.ClickException(
            "ADUAN_STORAGE_URL names the local folder itself: set it to the object store first"
        )
    findings = evidence.migrate(
        session=db.session,
        source=source,
        target=target,
        dry_run=dry_run,
        remove_source=remove_local,
    )
    _report(findings, f"{source.folder} -> {target!r}")


@storage_cli.command("check")
def check_storage() -> None:
    """Verify that every attachment row has its object, of the size and SHA-256 it records."""
    store = storage.store_of(current_app)
    _report(evidence.check(session=db.session, store=store), repr(store))


@storage_cli.command("sweep")
def sweep_storage() -> None:
    """Settle the uploads a crash left staged after their commit; remove the temporary objects
    of uploads that never committed (staged more than an hour ago)."""
    outcome = evidence.sweep_staged(
        session=db.session, store=storage.store_of(current_app), now=now_utc()
    )
    db.session.rollback()  # read only
    click.echo(f"settled: {len(outcome.settled)}, removed: {len(outcome.removed)}")


def _report(findings: Iterator[evidence.Finding], title: str) -> None:
    """Print the problems among `findings` and a count of each state; exit 1 on a problem."""
    counts: Counter[str] = Counter()
    total = evidence.count_attachments(session=db.session)
    click.echo(title)
    for finding in tqdm(findings, total=total, unit=" files", disable=None):
        counts[finding.state] += 1
        if finding.is_problem:
            click.echo(f"attachment {finding.attachment_id} ({finding.key}): {finding.state}")
            if finding.detail:
                click.echo(f"  {finding.detail}")
    db.session.rollback()  # read only
    click.echo(", ".join(f"{state}: {counts[state]}" for state in sorted(counts)) or "no files")
    if counts["missing"] or counts["damaged"]:
        sys.exit(1)


@retention_cli.command("run")
@click.option("--dry-run", is_flag=True, help="Count what would go; change nothing.")
def run_retention(dry_run: bool) -> None:
    """Apply the retention schedule now (the scheduler does it daily)."""
    rules = retention.schedule(current_app.config["RETENTION_DAYS"])
    results = retention_jobs.run_retention(trigger="cli", dry_run=dry_run)
    verb = "akan / would" if dry_run else "telah / did"
    click.echo(f"Retensi / retention ({'dry run' if dry_run else 'applied'}):")
    for rule in rules:
        name = rule.record_type.name
        if rule.days is None:
            click.echo(f"  {name:<12} disimpan / kept (never)")
            continue
        found = results[name]
        click.echo(
            f"  {name:<12} {found['count']:>7} {verb} {found['action']} "
            f"(> {found['days']} hari / days)"
        )


def register_commands(app: Flask) -> None:
    """Attach the operator commands to the app's CLI."""
    from backend.backup.cli import backup_cli
    from backend.scheduler import sla_cli

    groups = (
        users_cli,
        demo_cli,
        timeline_cli,
        complaints_cli,
        exports_cli,
        storage_cli,
        retention_cli,
        sla_cli,
        backup_cli,
    )
    for group in groups:
        app.cli.add_command(group)
