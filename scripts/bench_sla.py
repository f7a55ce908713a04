"""Benchmark the SLA engine (issue 3, item 15).

Prints microseconds per working-day addition, then the time of one sweep with N open clocks when
0, 1,000 and 10,000 of them are due. The sweep must grow with the number due, not with the number
open (the partial index ix_sla_clocks_due).

    .venv/bin/python scripts/bench_sla.py --database-url postgresql://postgres@127.0.0.1/bench \
        --open 100000 --open 1000000 --reset

--reset drops and rebuilds the schema of that database: point it at a scratch database only.
Without a URL, only the calendar figures are printed.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from backend.sla.working_calendar import WorkingCalendar  # noqa: E402

DUE_COUNTS = (0, 1_000, 10_000)


def bench_calendar(additions: int) -> None:
    """Microseconds per working-day addition (bisect over the precomputed index)."""
    started = time.perf_counter()
    calendar = WorkingCalendar(region="ID-JB", first_year=2024, last_year=2030, version=1)
    built = time.perf_counter() - started
    rng = random.Random(42)
    starts = [
        datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(0, 5 * 365 * 1440))
        for _ in range(additions)
    ]
    counts = [rng.randrange(1, 90) for _ in range(additions)]
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        for start, days in zip(starts, counts, strict=True):
            calendar.add_days(start, days, "working_day")
        timings.append((time.perf_counter() - started) / additions * 1e6)
    print(f"calendar 2024-2030 built in {built * 1000:.1f} ms")
    print(
        f"working-day addition (with explanation): {statistics.median(timings):.2f} µs median of "
        f"5 runs x {additions:,}"
    )


def _reset(app) -> None:
    from backend.db import Base
    from backend.extensions import alembic, db

    with app.app_context():
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            else:
                Base.metadata.drop_all(conn)
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        alembic.upgrade()


def _fill(app, open_clocks: int) -> int:
    """One complaint and `open_clocks` running clocks, none due; returns the complaint's id."""
    from backend.demo import load_demo
    from backend.extensions import db
    from tests.factories import ComplaintPayloadFactory

    with app.app_context():
        load_demo(db.session, password_hash="x")
        db.session.commit()
    response = app.test_client().post("/api/v1/complaints", json=ComplaintPayloadFactory())
    assert response.status_code == 201, response.get_json()
    complaint_id = response.get_json()["id"]
    with app.app_context():
        db.session.execute(
            text(
                """
                INSERT INTO sla_clocks (complaint_id, agency_id, kind, cycle, unit, days,
                    calendar_code, calendar_version, time_zone, state, started_at, due_at,
                    due_date, deadline_version, escalation_level, next_action_at, steps_done,
                    explanation)
                SELECT c.complaint_id, c.agency_id, 'decision', g, 'calendar_day', 60,
                    c.calendar_code, c.calendar_version, c.time_zone,
                    'running', now() - interval '1 day', now() + interval '59 days',
                    (now() + interval '59 days')::date, 1, 0, now() + interval '50 days', 1,
                    '{}'::jsonb
                FROM generate_series(2, :n + 1) AS g,
                    -- on the calendar and in the zone of the complaint's own response clock
                    (SELECT * FROM sla_clocks WHERE complaint_id = :complaint AND cycle = 1) c
                """
            ),
            {"complaint": complaint_id, "n": open_clocks},
        )
        db.session.execute(text("ANALYZE sla_clocks"))
        db.session.commit()
    return complaint_id


def _make_due(app, due: int) -> None:
    """Reset every clock to not due, then make the first `due` breach at yesterday's end."""
    from backend.extensions import db
    from backend.sla.calendars import get_calendar

    with app.app_context():
        calendar = get_calendar(session=db.session)
    yesterday = calendar.local_date(datetime.now(UTC)) - timedelta(days=1)
    yesterday_end = calendar.end_of_day(yesterday)

    with app.app_context():
        db.session.execute(text("DELETE FROM outbox_messages"))
        db.session.execute(text("DELETE FROM sla_escalations"))
        db.session.execute(
            text(
                """
                UPDATE sla_clocks SET state = 'running', breached_at = NULL,
                    escalation_level = 0, steps_done = 1,
                    due_at = now() + interval '59 days',
                    due_date = (now() + interval '59 days')::date,
                    next_action_at = now() + interval '50 days'
                WHERE next_action_at IS NULL OR next_action_at < now() + interval '49 days'
                """
            )
        )
        if due:
            db.session.execute(
                text(
                    """
                    UPDATE sla_clocks SET due_at = :due_at, due_date = :due_date,
                        next_action_at = :due_at + interval '1 second'
                    WHERE id IN (SELECT id FROM sla_clocks ORDER BY id LIMIT :due)
                    """
                ),
                {"due": due, "due_at": yesterday_end, "due_date": yesterday},
            )
        db.session.execute(text("ANALYZE sla_clocks"))
        db.session.commit()


def bench_sweep(url: str, open_counts: list[int], reset: bool) -> None:
    """Time one whole sweep (drain in batches of 500, with its e-mails) per open/due pair."""
    from backend.app import create_app
    from backend.extensions import db
    from backend.sla import jobs

    app = create_app(
        {
            "DATABASE_URL": url.replace("postgresql://", "postgresql+psycopg://", 1),
            "MASTER_SECRET": "bench-secret-key-of-sufficient-length-0123456789",
            "RATELIMIT_ENABLED": False,
        }
    )
    if not reset:
        sys.exit("--reset is required: the benchmark rebuilds the database's schema")
    print(f"{'open':>10} {'due':>7} {'sweep s':>9} {'µs/due':>8} {'clocks':>7} {'batches':>7}")
    for open_clocks in open_counts:
        _reset(app)
        _fill(app, open_clocks)
        for due in DUE_COUNTS:
            _make_due(app, due)
            with app.app_context():
                started = time.perf_counter()
                report = jobs.run_sweep(session=db.session, now=datetime.now(UTC))
                elapsed = time.perf_counter() - started
            per = f"{elapsed / due * 1e6:.0f}" if due else "-"
            print(
                f"{open_clocks:>10,} {due:>7,} {elapsed:>9.3f} {per:>8} {report.clocks:>7,} "
                f"{report.batches:>7}"
            )


def main() -> None:
    """Parse the options and run the benchmarks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--additions", type=int, default=100_000)
    parser.add_argument("--database-url", help="PostgreSQL URL of a scratch database")
    parser.add_argument(
        "--open",
        type=int,
        action="append",
        dest="open_counts",
        help="open clocks (repeatable); default 20,000",
    )
    parser.add_argument("--reset", action="store_true", help="drop and rebuild the schema")
    args = parser.parse_args()
    bench_calendar(args.additions)
    if args.database_url:
        bench_sweep(args.database_url, args.open_counts or [20_000], args.reset)


if __name__ == "__main__":
    main()
