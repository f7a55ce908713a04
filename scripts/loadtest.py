"""`make loadtest`: a city's mix of requests at rising rates, until it breaks (issue 17, item 6).

    .venv/bin/python scripts/loadtest.py [--database-url URL] [--complaints 1000000]
        [--rates 10 20 40 60 80 120 160] [--step-seconds 30] [--workers 2] [--threads 4]

Aduan runs under gunicorn (gunicorn.conf.py, the deployed gthread worker) on the PostgreSQL bench
database, topped up to --complaints by scripts/seed_bulk.py first. Locust (a kept load tool,
run here as a library, FastHttpUser) plays the city at each target rate in turn, every user
paced to one request a second (`constant_throughput`), so the number of users is the rate asked
for. The mix, by requests:

- citizens (55 %): track a complaint by code and PIN (40 %), read the public list (10 %),
  file a complaint (5 %; what they filed is removed afterwards);
- officers (25 %): their agency's queue of open cases by deadline (15 %), a case (10 %);
- supervisors (10 %): the dashboard's breach summary for 90 days (5 %), the breach list (5 %);
- third-party apps (10 %): Open311 `GET requests.json` (5 %), the public list by API (5 %).

For each step it prints the rate asked, the rate served, p50, p95 and errors. The sustained rate
is the highest step served at >= 95 % of its target with p95 under 200 ms and no error; the
step after it is where it breaks, and why (latency, errors or throughput). The load generator
shares the machine with the server: on a 2-core host both compete, which the figures include.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gevent import monkey  # noqa: E402

monkey.patch_all()

import gevent  # noqa: E402
import psycopg  # noqa: E402
from locust import FastHttpUser, constant_throughput, task  # noqa: E402
from locust.env import Environment  # noqa: E402

from scripts.bench import (  # noqa: E402
    OPEN_STATUSES,
    cleanup_intake,
    gunicorn,
    intake_body,
    make_app,
    seeded,
    tokens,
)
from scripts.seed_bulk import DEFAULT_URL, psycopg_url, sample_file  # noqa: E402

P95_TARGET_MS = 200.0
SERVED_SHARE = 0.95


@dataclass
class City:
    """What the users need: known codes and PINs, tokens by role, case ids of the agency."""

    sample: list[dict[str, str]]
    tokens: dict[str, str]
    case_ids: list[int]


CITY: City | None = None


def _bearer(role: str) -> dict[str, str]:
    assert CITY is not None
    return {"Authorization": f"Bearer {CITY.tokens[role]}", "Accept": "application/json"}


def _queue_path() -> str:
    pairs = [("agency", "DISDUKCAPIL"), *(("status", s) for s in OPEN_STATUSES)]
    return "/api/v1/complaints?" + urlencode([*pairs, ("sort", "deadline")])


def _summary_path() -> str:
    now = datetime.now(UTC)
    window = {"period_from": (now - timedelta(days=90)).isoformat(), "period_to": now.isoformat()}
    return "/api/v1/reports/breach-summary?" + urlencode(window)


class Citizen(FastHttpUser):
    """Tracks, reads the public list, now and then files."""

    weight = 55
    wait_time = constant_throughput(1)

    @task(40)
    def track(self) -> None:
        assert CITY is not None
        pair = random.choice(CITY.sample)
        self.client.post("/api/v1/track", json=pair, name="trackComplaint")

    @task(10)
    def public_list(self) -> None:
        self.client.get("/api/v1/public/complaints?per_page=20", name="listPublicComplaints")

    @task(5)
    def file(self) -> None:
        body = intake_body(random.randrange(10**9))
        self.client.post(
            "/api/v1/complaints",
            json=body,
            headers={"Idempotency-Key": uuid.uuid4().hex},
            name="createComplaint",
        )


class Officer(FastHttpUser):
    """Works the agency's queue and opens cases."""

    weight = 25
    wait_time = constant_throughput(1)

    @task(15)
    def queue(self) -> None:
        self.client.get(_queue_path(), headers=_bearer("officer"), name="listComplaints (queue)")

    @task(10)
    def case(self) -> None:
        assert CITY is not None
        complaint_id = random.choice(CITY.case_ids)
        self.client.get(
            f"/api/v1/complaints/{complaint_id}",
            headers=_bearer("officer"),
            name="getComplaint",
        )


class Supervisor(FastHttpUser):
    """Looks at the dashboard."""

    weight = 10
    wait_time = constant_throughput(1)

    @task
    def summary(self) -> None:
        self.client.get(_summary_path(), headers=_bearer("supervisor"), name="getBreachSummary")

    @task
    def breaches(self) -> None:
        self.client.get(
            "/api/v1/reports/breaches", headers=_bearer("supervisor"), name="listBreaches"
        )


class ThirdParty(FastHttpUser):
    """Another city app reading what is public."""

    weight = 10
    wait_time = constant_throughput(1)

    @task
    def open311(self) -> None:
        self.client.get("/open311/v2/requests.json", name="open311 GET requests")

    @task
    def public_api(self) -> None:
        self.client.get(
            "/api/v1/public/complaints?per_page=50&page=2", name="listPublicComplaints (app)"
        )


@dataclass
class Step:
    """One rate: asked, served, latencies, errors."""

    target: int
    served: float
    p50: float
    p95: float
    requests: int
    errors: int

    @property
    def holds(self) -> bool:
        return (
            self.errors == 0
            and self.p95 < P95_TARGET_MS
            and self.served >= SERVED_SHARE * self.target
        )

    def why_not(self) -> str:
        reasons = []
        if self.errors:
            reasons.append(f"{self.errors} errors")
        if self.p95 >= P95_TARGET_MS:
            reasons.append(f"p95 {self.p95:.0f} ms")
        if self.served < SERVED_SHARE * self.target:
            reasons.append(f"served {self.served:.0f} of {self.target}/s")
        return ", ".join(reasons) or "holds"


def run_steps(base: str, rates: list[int], seconds: int, warmup: int) -> list[Step]:
    """Each rate for `seconds` after `warmup`; stops after the second step that fails."""
    env = Environment(user_classes=[Citizen, Officer, Supervisor, ThirdParty], host=base)
    runner = env.create_local_runner()
    steps: list[Step] = []
    failed = 0
    try:
        for rate in rates:
            runner.start(rate, spawn_rate=max(rate, 1))
            gevent.sleep(warmup)
            env.stats.reset_all()
            gevent.sleep(seconds)
            total = env.stats.total
            step = Step(
                target=rate,
                served=(total.num_requests - total.num_failures) / seconds,
                p50=total.get_response_time_percentile(0.5) or 0.0,
                p95=total.get_response_time_percentile(0.95) or 0.0,
                requests=total.num_requests,
                errors=total.num_failures,
            )
            steps.append(step)
            print(
                f"  {rate:>4}/s asked: {step.served:6.1f}/s served, p50 {step.p50:5.0f} ms, "
                f"p95 {step.p95:5.0f} ms, {step.errors} errors of {step.requests}"
                f"  [{step.why_not()}]",
                flush=True,
            )
            for name, entry in sorted(env.stats.entries.items()):
                print(
                    f"        {name[0]:<32} {entry.num_requests:>6} req "
                    f"p95 {entry.get_response_time_percentile(0.95) or 0:5.0f} ms "
                    f"{entry.num_failures} errors"
                )
            for error in list(env.stats.errors.values())[:3]:
                print(f"        error: {error.method} {error.name}: {error.error}")
            if not step.holds:
                failed += 1
                if failed >= 2:
                    break
    finally:
        runner.quit()
    return steps


def case_ids(url: str) -> list[int]:
    """Open cases of the officer's agency, to open one at random."""
    with psycopg.connect(psycopg_url(url)) as conn:
        rows = conn.execute(
            "SELECT c.id FROM complaints c JOIN agencies a ON a.id = c.agency_id "
            "WHERE a.code = 'DISDUKCAPIL' AND c.verified_at IS NOT NULL "
            "AND c.next_due_at IS NOT NULL LIMIT 2000"
        ).fetchall()
    return [row[0] for row in rows]


@contextmanager
def filed_rows_removed(url: str) -> Iterator[None]:
    """What the citizens file during the run is removed after it."""
    with psycopg.connect(psycopg_url(url)) as conn:
        before = conn.execute("SELECT coalesce(max(id), 0) FROM complaints").fetchone()[0]
        outbox = conn.execute("SELECT coalesce(max(id), 0) FROM outbox_messages").fetchone()[0]
    try:
        yield
    finally:
        cleanup_intake(url, before, outbox)


def main() -> None:
    global CITY
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", default=os.environ.get("ADUAN_BENCH_DATABASE_URL", DEFAULT_URL)
    )
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument("--rates", type=int, nargs="+", default=[10, 20, 40, 60, 80, 120, 160])
    parser.add_argument("--step-seconds", type=int, default=30)
    parser.add_argument("--warmup-seconds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (gthread)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    args = parser.parse_args()
    url = args.database_url
    have = seeded(url, args.complaints)
    CITY = City(
        sample=json.loads(sample_file(url).read_text()),
        tokens=tokens(make_app(url)),
        case_ids=case_ids(url),
    )
    print(
        f"Aduan under gunicorn ({args.workers} gthread workers x {args.threads} threads) on "
        f"{max(have, args.complaints):,} complaints; {os.cpu_count()} CPUs shared with the load "
        f"generator; {args.step_seconds} s a step"
    )
    with filed_rows_removed(url), gunicorn("backend.app:create_app()", url, args.workers,
                                          args.threads) as (base, _master):  # fmt: skip
        steps = run_steps(base, args.rates, args.step_seconds, args.warmup_seconds)
    held = [s for s in steps if s.holds]
    best = max(held, key=lambda s: s.target) if held else None
    broke = next((s for s in steps if best is None or s.target > best.target), None)
    print()
    if best:
        print(
            f"sustained: {best.served:.0f} requests/s (asked {best.target}/s) with p95 "
            f"{best.p95:.0f} ms and 0 errors"
        )
    else:
        print("sustained: no step held (p95 < 200 ms, 0 errors)")
    if broke:
        print(f"breaks at: {broke.target}/s asked: {broke.why_not()}")


if __name__ == "__main__":
    main()
