"""The scheduler process (issue 3, item 8): its jobs and the standby on PostgreSQL."""

from __future__ import annotations

import threading
import time

import pytest

from backend import scheduler

# deadlines, ages and windows are computed from now: run at each instant of SLA_DATES
pytestmark = pytest.mark.sla_dates


def test_jobs_are_coalesced_single_and_keep_late_runs(app):
    built = scheduler.build_scheduler(app)
    jobs = {job.id: job for job in built.get_jobs()}
    assert set(jobs) == {
        "sla_sweep",
        "outbox_delivery",
        "holiday_refresh",
        "tally_compaction",
        "purge_expired",
        "recalculations",
        "exports",
        "webhooks",
        "retention",
        "storage_sweep",
    }
    assert jobs["sla_sweep"].trigger.interval.total_seconds() == 60
    assert jobs["outbox_delivery"].trigger.interval.total_seconds() == 30
    assert jobs["webhooks"].trigger.interval.total_seconds() == 10
    assert jobs["storage_sweep"].trigger.interval.total_seconds() == 3600
    defaults = built._job_defaults
    assert defaults["coalesce"] is True and defaults["max_instances"] == 1
    assert defaults["misfire_grace_time"] >= 600


def test_holiday_refresh_rebuilds_the_calendars(app):
    with app.app_context():
        assert scheduler.refresh_holidays() == []


def test_cli_has_the_sla_group(app):
    result = app.test_cli_runner().invoke(args=["sla", "--help"])
    assert result.exit_code == 0
    for command in ("sweep", "scheduler", "deliver", "recalculate"):
        assert command in result.output


@pytest.mark.postgres
def test_a_second_scheduler_waits_as_a_standby(app, backend):
    leader = scheduler.hold_leadership(app)
    assert leader is not None
    got: list[object] = []
    standby = threading.Thread(
        target=lambda: got.append(scheduler.hold_leadership(app, poll_seconds=0.05)), daemon=True
    )
    standby.start()
    time.sleep(0.4)
    assert got == []  # still waiting
    leader.close()  # the leader dies: its session ends and the lock is free
    standby.join(timeout=5)
    assert len(got) == 1 and got[0] is not None
    got[0].close()  # type: ignore[attr-defined]


def test_the_hourly_storage_sweep_removes_an_abandoned_upload_and_keeps_a_young_one(app):
    from datetime import timedelta

    from backend.complaints import storage
    from backend.db import now_utc

    with app.app_context():
        store = storage.store_of(app)
        store.put_staged("abandoned.pdf", b"old", now_utc() - timedelta(hours=2))
        store.put_staged("in-flight.pdf", b"new", now_utc())
        outcome = scheduler.sweep_storage()
        left = {key for key, _ in store.staged()}
    assert outcome.removed == ["abandoned.pdf"]
    assert left == {"in-flight.pdf"}
