"""How long a recalculation of open clocks takes at city scale (issue 13, item 7).

    .venv/bin/python scripts/bench_recalculation.py [--clocks 1000000] [--database-url URL]

Builds a database of its own (default postgresql://postgres@127.0.0.1:5432/aduan_recalc, made
if missing) with the demo city and `--clocks` running response clocks, changes the default
policy so that every clock gets a new deadline, then runs the recalculation job to its end the
way the scheduler does (a batch of `backend.sla.recalculations.BATCH` clocks per transaction)
and prints the time, the rate and the job's figures.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/aduan_recalc"
CHUNK = 50_000


def _ensure_database(url: str) -> None:
    target = make_url(url)
    admin = target.set(database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (target.database,)
        ).fetchone():
            conn.execute(f'CREATE DATABASE "{target.database}"')


def main() -> int:
    """Seed the clocks, change the policy, time the job."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clocks", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    args = parser.parse_args()
    _ensure_database(args.database_url)

    from backend.app import create_app
    from backend.complaints.models import Complaint
    from backend.db.engine import begin_write
    from backend.demo import load_demo
    from backend.extensions import alembic, db
    from backend.sla import recalculations, tallies
    from backend.sla.calendars import get_calendar
    from backend.sla.models import ClockState, JobStatus, SlaClock
    from backend.sla.policies import create_policy_version
    from tests.factories import ComplaintPayloadFactory

    url = args.database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    app = create_app({"DATABASE_URL": url, "MASTER_SECRET": "bench-recalculation-0123456789abcdef"})
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        alembic.upgrade()
        load_demo(db.session)
        db.session.commit()
    client = app.test_client()
    receipt = client.post("/api/v1/complaints", json=ComplaintPayloadFactory()).get_json()
    now = datetime.now(UTC)
    started = time.perf_counter()
    with app.app_context():
        calendar = get_calendar(session=db.session)
        base = db.session.get_one(Complaint, receipt["id"])
        day = calendar.local_date(now)
        for first in range(0, args.clocks, CHUNK):
            db.session.execute(
                insert(SlaClock),
                [
                    {
                        "complaint_id": base.id,
                        "agency_id": base.agency_id,
                        "kind": "response",
                        "cycle": cycle + 2,
                        "unit": "calendar_day",
                        "days": 14,
                        "calendar_code": calendar.region,
                        "time_zone": calendar.zone.key,
                        "calendar_version": 1,
                        "state": ClockState.RUNNING,
                        "started_at": now - timedelta(days=cycle % 10),
                        "due_at": calendar.end_of_day(day + timedelta(days=14 - cycle % 10)),
                        "due_date": day + timedelta(days=14 - cycle % 10),
                        "deadline_version": 1,
                        "escalation_level": 0,
                        "next_action_at": None,
                        "steps_done": 0,
                        "explanation": {"category_id": base.category_id},
                    }
                    for cycle in range(first, min(first + CHUNK, args.clocks))
                ],
            )
            db.session.commit()
        tallies.rebuild(db.session.connection())
        create_policy_version(
            session=db.session,
            code="default",
            name="Hari kerja",
            category_id=None,
            rules={"response": {"days": 10, "unit": "working_day"}},
            user_id=None,
        )
        job_id = recalculations.request(
            session=db.session, calendar_code=None, policy_code=None, user_id=None, at=now
        ).id
        db.session.commit()
        db.session.execute(text("ANALYZE sla_clocks"))
        db.session.commit()
    print(f"seeded {args.clocks:,} running clocks in {time.perf_counter() - started:.0f} s")
    with app.app_context():
        job = recalculations.get_job(session=db.session, job_id=job_id)
        started = time.perf_counter()
        while job.status not in (JobStatus.DONE, JobStatus.FAILED):
            begin_write(db.session)
            recalculations.run_batch(session=db.session, job=job, now=datetime.now(UTC))
            db.session.commit()
        took = time.perf_counter() - started
        print(
            f"recalculated {job.done:,} of {job.total:,} open clocks ({job.changed:,} changed) "
            f"in {took:.0f} s: {job.done / took:,.0f} clocks/s, status {job.status}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
