"""The retention schedule as a job: the scheduler runs it daily, `flask retention run` on
demand (with `--dry-run` to see what would go)."""

from __future__ import annotations

from typing import Any

from flask import current_app

from backend.complaints.storage import store_of
from backend.db import now_utc
from backend.db.engine import begin_write
from backend.extensions import db
from backend.privacy_requests import retention


def run_retention(*, trigger: str, dry_run: bool = False) -> dict[str, dict[str, Any]]:
    """Apply the configured schedule (config `RETENTION_DAYS`, `RETENTION_BATCH_SIZE`), one
    transaction per batch; what each record type lost (or, dry, would lose)."""
    config = current_app.config

    def next_batch() -> None:
        db.session.commit()
        begin_write(db.session)

    begin_write(db.session)
    try:
        results = retention.run(
            session=db.session,
            rules=retention.schedule(config["RETENTION_DAYS"]),
            now=now_utc(),
            batch_size=config["RETENTION_BATCH_SIZE"],
            dry_run=dry_run,
            store=None if dry_run else store_of(current_app),
            after_batch=next_batch,
            trigger=trigger,
        )
    finally:
        db.session.rollback()  # a dry run leaves nothing; a real one has committed all
    return results
