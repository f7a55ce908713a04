"""Exports at city scale (issue 15, item 11): rows per second and the writer's peak memory.

    .venv/bin/python scripts/bench_exports.py [--database-url postgresql://.../aduan_bench]
        [--formats csv xlsx] [--as inspektorat@demo.aduan.id]

Each format runs in a process of its own, as the scheduler's export job does: an export job is
requested for the account (the supervisor sees every complaint), then `export_jobs.run_pending`
writes it in the background with its progress, exactly the code the scheduler runs. The child
reports the rows written, the seconds, and its own peak resident memory (`ru_maxrss`, the whole
process: interpreter, app and export); the target is under 150 MB for 1,000,000 rows.
`make bench` runs it after the other figures; seed first with scripts/seed_bulk.py.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.seed_bulk import BENCH_SECRET_KEY, DEFAULT_URL, sqlalchemy_url  # noqa: E402

SUPERVISOR = "inspektorat@demo.aduan.id"


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(url: str, fmt: str, email: str) -> dict[str, Any]:
    """Write one export as the scheduler would; what it cost."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from backend.app import create_app
    from backend.auth.models import User
    from backend.auth.principal import Principal
    from backend.db import now_utc
    from backend.db.engine import begin_write
    from backend.extensions import db
    from backend.reports import export_jobs
    from backend.reports.models import ExportJob

    directory = tempfile.mkdtemp(prefix="aduan-bench-exports-")
    app = create_app(
        {
            "DATABASE_URL": sqlalchemy_url(url),
            "MASTER_SECRET": BENCH_SECRET_KEY,
            "EXPORT_DIR": directory,
        }
    )
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user is not None, f"no account {email}: seed the bench database first"
        principal = Principal(kind="user", id=user.id, role=user.role, agency_id=user.agency_id)
        begin_write(db.session)
        job = export_jobs.request(
            session=db.session, principal=principal, kind="complaints", fmt=fmt, filters={}
        )
        db.session.commit()
        job_id = job.id
        before = peak_rss_mb()
        updates = []
        started = time.perf_counter()
        with Session(db.engine) as reader:
            export_jobs.run_pending(
                session=db.session,
                reader=reader,
                directory=directory,
                now=now_utc(),
                on_progress=updates.append,
            )
        seconds = time.perf_counter() - started
        finished = db.session.get_one(ExportJob, job_id)
        path = Path(directory) / (finished.file_name or "missing")
        size = path.stat().st_size if path.exists() else 0
        result = {
            "format": fmt,
            "status": finished.status,
            "error": finished.error,
            "rows": finished.done,
            "seconds": seconds,
            "rows_per_second": finished.done / seconds if seconds else 0.0,
            "peak_rss_mb": peak_rss_mb(),
            "rss_before_export_mb": before,
            "progress_updates": len(updates),
            "file_mb": size / 1e6,
        }
        path.unlink(missing_ok=True)
        return result


def run(url: str, formats: list[str], email: str) -> list[dict[str, Any]]:
    """Each format in a fresh process; their reports."""
    results = []
    for fmt in formats:
        done = subprocess.run(
            [sys.executable, __file__, "--child", fmt, "--database-url", url, "--as", email],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "ADUAN_SECRET_KEY": BENCH_SECRET_KEY},
        )
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return results


def describe(result: dict[str, Any]) -> str:
    """One line of figures."""
    return (
        f"{result['format']}: {result['rows']:,} rows in {result['seconds']:.1f} s = "
        f"{result['rows_per_second']:,.0f} rows/s; peak RSS {result['peak_rss_mb']:.0f} MB "
        f"(before the export {result['rss_before_export_mb']:.0f} MB); "
        f"{result['progress_updates']} progress updates; file {result['file_mb']:.0f} MB; "
        f"{result['status']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default=os.environ.get("ADUAN_BENCH_DATABASE_URL", DEFAULT_URL)
    )
    parser.add_argument("--formats", nargs="+", default=["csv", "xlsx"])
    parser.add_argument("--as", dest="email", default=SUPERVISOR)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.database_url, args.child, args.email), default=str))
        return
    for result in run(args.database_url, args.formats, args.email):
        print(describe(result))


if __name__ == "__main__":
    main()
