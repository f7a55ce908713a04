"""`make bench`: Aduan on PostgreSQL under gunicorn, at city scale (issue 5).

    .venv/bin/python scripts/bench.py [--complaints 1000000] [--database-url URL]
        [--intake-requests 3600] [--intake-rounds 9] [--read-requests 200] [--sweep-open 1000000]
        [--workers 2] [--threads 4] [--skip-intake] [--skip-reads] [--skip-sweep] [--skip-exports]

The database (default $ADUAN_BENCH_DATABASE_URL, else postgresql://postgres@127.0.0.1:5432/
aduan_bench) is topped up to --complaints with scripts/seed_bulk.py first. Then:

- intake: scripts/loadgen.py posts complaints to Aduan (createComplaint), to Aduan with an
  Idempotency-Key of its own on each (as the front end files) and to the bare Flask +
  SQLAlchemy endpoint of scripts/bench_bare_app.py, both servers under the same gunicorn
  settings, with the same concurrency, in turns (--intake-rounds, ABBA order); the ratio is the
  median of the rounds' ratios; then what one intake sends to PostgreSQL (in-process: its round
  trips, and any statement SQLAlchemy compiles again on every request); the rows filed are
  deleted afterwards;
- read paths: trackComplaint, a staff queue (agency + open statuses, sort=deadline), the overdue
  filter, text search, listBreaches and getBreachSummary, as HTTP requests with bearer tokens of
  the demo accounts, one at a time;
- the SLA sweep (backend.sla.jobs.run_sweep) with --sweep-open running clocks (synthetic ones are
  added up to that number) when 0 and 10,000 are due; the synthetic clocks and what the sweep
  wrote for them are removed afterwards;
- exports (scripts/bench_exports.py): every complaint as the supervisor's CSV and XLSX, each
  written by the scheduler's export job in a process of its own: rows per second and the
  process's peak memory;
- the resident memory (VmRSS) of each gunicorn worker after the run;
- the query plan (EXPLAIN ANALYZE, BUFFERS) of every statement of each read path, flagging
  sequential scans of complaints, sla_clocks and complaint_events. Full plans go to
  var/bench/plans.txt.

Prints one table: each figure with its median and 95th percentile, and the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from sqlalchemy import event  # noqa: E402

from scripts import loadgen  # noqa: E402
from scripts.seed_bulk import (  # noqa: E402
    BENCH_SECRET_KEY,
    DEFAULT_URL,
    load,
    psycopg_url,
    sample_file,
    sqlalchemy_url,
)

BIN = Path(sys.executable).parent
PLANS_FILE = ROOT / "var" / "bench" / "plans.txt"
BARE_APP = "scripts.bench_bare_app:create_bare_app()"
# load runs that warm the intake servers before the measured rounds
WARM_RUNS = 4
SEARCH_WORD = "sampah"
READ_BUDGET = 30.0
OPEN_STATUSES = ["submitted", "incomplete", "verified", "in_progress", "decided"]
WATCHED_TABLES = ("complaints", "sla_clocks", "complaint_events")
SWEEP_DUE = (0, 10_000)
# synthetic clocks for the sweep figure carry cycles from here up, to be found and removed
SYNTHETIC_CYCLE = 1_000_000


# --- machine --------------------------------------------------------------------------------


def machine(url: str) -> dict[str, str]:
    """CPU model, cores, RAM and PostgreSQL version."""
    cpu = platform.processor() or "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    with psycopg.connect(psycopg_url(url)) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "ram": f"{mem_kb / 1024 / 1024:.0f} GB",
        "postgresql": version,
        "python": platform.python_version(),
    }


# --- servers --------------------------------------------------------------------------------


def free_port() -> int:
    """A free TCP port on the loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def gunicorn(app: str, url: str, workers: int, threads: int) -> Iterator[tuple[str, int]]:
    """Serve `app` under gunicorn on a free loopback port; yields (base URL, master pid)."""
    port = free_port()
    env = {
        **os.environ,
        "ADUAN_DATABASE_URL": sqlalchemy_url(url),
        "ADUAN_SECRET_KEY": BENCH_SECRET_KEY,
        "ADUAN_RATELIMIT_ENABLED": "0",
        "ADUAN_VAR_DIR": tempfile.mkdtemp(prefix="aduan-bench-"),
    }
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--config", str(ROOT / "gunicorn.conf.py"),  # the deployed worker: gthread's
            "--workers", str(workers),
            "--threads", str(threads),
            "--bind", f"127.0.0.1:{port}",
            "--log-level", "warning",
            app,
        ],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError(f"{app} did not start")
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def worker_rss_mb(master: int) -> list[float]:
    """VmRSS of each worker (child) of a gunicorn master, in MB."""
    sizes = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if int(fields.get("PPid", "0").strip()) == master and "VmRSS" in fields:
            sizes.append(int(fields["VmRSS"].split()[0]) / 1024)
    return sizes


# --- figures --------------------------------------------------------------------------------


class Table:
    """The one table of figures."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str]] = []

    def latency(self, name: str, result: loadgen.Result, note: str = "") -> None:
        """A row of latencies in milliseconds."""
        errors = f", {result.errors} errors" if result.errors else ""
        self.rows.append(
            (
                name,
                f"{result.percentile(50):.1f} ms",
                f"{result.percentile(95):.1f} ms",
                f"{note}{errors}",
            )
        )

    def add(self, name: str, median: str, p95: str, note: str = "") -> None:
        """A row as given."""
        self.rows.append((name, median, p95, note))

    def print(self, header: dict[str, str]) -> str:
        """The table in Markdown, printed and returned."""
        lines = [
            "Machine: " + ", ".join(f"{k} {v}" for k, v in header.items()),
            "",
            "| figure | median | p95 | notes |",
            "|---|---:|---:|---|",
            *(f"| {a} | {b} | {c} | {d} |" for a, b, c, d in self.rows),
        ]
        output = "\n".join(lines)
        print(output)
        return output


# --- tokens, requests -----------------------------------------------------------------------


def make_app(url: str) -> Any:
    """An in-process app on the bench database (tokens, sweep, plans)."""
    from backend.app import create_app

    return create_app(
        {
            "DATABASE_URL": sqlalchemy_url(url),
            "MASTER_SECRET": BENCH_SECRET_KEY,
            "RATELIMIT_ENABLED": False,
        }
    )


def tokens(app: Any) -> dict[str, str]:
    """Bearer tokens of the demo accounts, by role."""
    from flask_jwt_extended import create_access_token

    from backend.auth import service
    from backend.demo import demo_accounts
    from backend.extensions import db

    with app.app_context():
        return {
            str(user.role): create_access_token(
                identity=f"user:{user.id}",
                additional_claims=service.user_claims(user),
                expires_delta=timedelta(hours=2),
            )
            for user in demo_accounts(db.session)
        }


def read_paths(sample: list[dict[str, str]]) -> dict[str, tuple[str, str, str, Any]]:
    """name -> (role, method, path, body) of each read path; `sample`: known codes and PINs."""
    now = datetime.now(UTC)
    queue = urlencode(
        [("agency", "DISDUKCAPIL"), *(("status", s) for s in OPEN_STATUSES), ("sort", "deadline")]
    )
    summary = urlencode(
        {"period_from": (now - timedelta(days=90)).isoformat(), "period_to": now.isoformat()}
    )
    return {
        "trackComplaint (code + PIN)": ("", "POST", "/api/v1/track", sample),
        "staff queue: agency + open, sort=deadline": (
            "officer",
            "GET",
            f"/api/v1/complaints?{queue}",
            None,
        ),
        "overdue filter (overdue=true)": (
            "verifier",
            "GET",
            "/api/v1/complaints?overdue=true",
            None,
        ),
        f"text search (q={SEARCH_WORD})": (
            "verifier",
            "GET",
            f"/api/v1/complaints?q={SEARCH_WORD}",
            None,
        ),
        "listBreaches": ("supervisor", "GET", "/api/v1/reports/breaches", None),
        # what the supervisor's dashboard asks for: every clock there is
        "getBreachSummary (whole history)": (
            "supervisor",
            "GET",
            "/api/v1/reports/breach-summary",
            None,
        ),
        # to the second: a partial first and last day
        "getBreachSummary (last 90 days)": (
            "supervisor",
            "GET",
            f"/api/v1/reports/breach-summary?{summary}",
            None,
        ),
    }


def request_maker(
    role: str, method: str, path: str, body: Any, tokens_by_role: dict[str, str]
) -> loadgen.Request | Any:
    """A loadgen request maker for one read path (a list body: one item a request, in turn)."""
    headers = {"Accept": "application/json"}
    if role:
        headers["Authorization"] = f"Bearer {tokens_by_role[role]}"
    if isinstance(body, list):

        def track(i: int) -> loadgen.Request:
            pair = body[i % len(body)]
            return (
                method,
                path,
                {**headers, "Content-Type": "application/json"},
                json.dumps(pair).encode(),
            )

        return track
    return lambda _i: (method, path, headers, None)


# --- intake ---------------------------------------------------------------------------------


def intake_body(i: int) -> dict[str, Any]:
    """One complaint as a citizen files it (the same body for Aduan and the bare endpoint)."""
    return {
        "report_type": "pengaduan",
        "category": "ADMINDUK",
        "title": f"KTP-el belum jadi setelah tiga bulan ({i})",
        "description": "Saya merekam KTP-el di Disdukcapil tetapi sampai sekarang belum dicetak.",
        "privacy": "private",
        "complainant": {
            "kind": "person",
            "name": "Siti Aminah",
            "email": f"siti{i}@contoh.id",
            "phone": "081234567890",
        },
        "consent": True,
        "kecamatan": "CMH-TGH",
        "kelurahan": "Baros",
    }


def with_idempotency_key(
    make: Callable[[int], loadgen.Request],
) -> Callable[[int], loadgen.Request]:
    """The same requests, each with a key of its own (a new complaint, not a replay)."""

    def keyed(i: int) -> loadgen.Request:
        method, path, headers, body = make(i)
        return method, path, {**headers, "Idempotency-Key": uuid.uuid4().hex}, body

    return keyed


def bench_intake(
    url: str, app: Any, args: argparse.Namespace, table: Table, rss: dict[str, list[float]]
) -> None:
    """createComplaint vs the bare insert, same load; what one intake sends to the database;
    then delete what was filed."""
    with psycopg.connect(psycopg_url(url)) as conn:
        before = conn.execute("SELECT coalesce(max(id), 0) FROM complaints").fetchone()[0]
        outbox_before = conn.execute("SELECT coalesce(max(id), 0) FROM outbox_messages").fetchone()[
            0
        ]
    servers = (
        ("Aduan createComplaint", "backend.app:create_app()", "/api/v1/complaints"),
        ("bare Flask + SQLAlchemy insert", BARE_APP, "/bare/complaints"),
    )
    rounds = max(1, args.intake_rounds)
    per_round = max(1, args.intake_requests // rounds)
    plain, keyed, bare = (
        "Aduan createComplaint",
        "Aduan createComplaint with Idempotency-Key",
        "bare Flask + SQLAlchemy insert",
    )
    runs: dict[str, list[loadgen.Result]] = {plain: [], keyed: [], bare: []}
    # both servers up at once, loaded in turns (ABBA...): a shared machine's drift during the
    # run falls on all alike, and each round's ratio compares neighbouring runs
    with (
        gunicorn(servers[0][1], url, args.workers, args.threads) as (aduan_base, aduan_master),
        gunicorn(servers[1][1], url, args.workers, args.threads) as (bare_base, _bare_master),
    ):
        post = loadgen.json_post(servers[0][2], intake_body)
        targets = [
            (plain, aduan_base, post),
            # as the front end files: every complaint with its own key, kept for a retry
            (keyed, aduan_base, with_idempotency_key(post)),
            (bare, bare_base, loadgen.json_post(servers[1][2], intake_body)),
        ]
        # warm every worker (first-use caches: the calendar, reference data, compiled SQL):
        # each load run opens new connections, which the workers take as they come
        for _name, base, make in targets:
            for _ in range(WARM_RUNS):
                loadgen.run(base, make, total=100, processes=args.processes, threads=args.clients)
        for r in range(rounds):
            for name, base, make in targets if r % 2 == 0 else targets[::-1]:
                runs[name].append(
                    loadgen.run(
                        base, make, total=per_round, processes=args.processes,
                        threads=args.clients,
                    )
                )  # fmt: skip
        rss["intake"] = worker_rss_mb(aduan_master)
    concurrency = args.processes * args.clients
    for name, results in runs.items():
        merged = loadgen.merge(results)
        table.latency(
            f"intake: {name}",
            merged,
            f"{merged.rate:.0f} complaints/s, {concurrency} concurrent clients",
        )
    for name, label, target in (
        (plain, "intake ratio Aduan / bare", " (target ≥ 0.50)"),
        (keyed, "intake ratio Aduan with Idempotency-Key / bare", ""),
    ):
        ratios = sorted(
            a.rate / b.rate for a, b in zip(runs[name], runs[bare], strict=True) if b.rate
        )
        ratio = statistics.median(ratios) if ratios else float("nan")
        table.add(
            label,
            "",
            "",
            f"{ratio:.2f}{target}: median of {len(ratios)} rounds of {per_round} requests "
            f"each, lowest {ratios[0]:.2f}, highest {ratios[-1]:.2f}"
            if ratios
            else "n/a",
        )
    intake_round_trips(app, table)
    cleanup_intake(url, before, outbox_before)


def intake_round_trips(app: Any, table: Table) -> None:
    """What one complaint sends to PostgreSQL, in-process: BEGIN, each statement, COMMIT (each
    a round trip: psycopg sends BEGIN and COMMIT on their own), plain and with a key.

    A statement SQLAlchemy compiled again for the next complaint (a new `Compiled` where the one
    before had the same SQL) is marked: its Python cost is paid on every request.
    """
    from backend.extensions import db

    sent: list[tuple[str, Any]] = []

    def begin(_connection: Any) -> None:
        sent.append(("BEGIN", None))

    def commit(_connection: Any) -> None:
        sent.append(("COMMIT", None))

    def statement(
        _conn: Any, _cursor: Any, sql: str, _params: Any, context: Any, _many: Any
    ) -> None:
        sent.append((" ".join(sql.split())[:48] + "…", context.compiled))

    with app.app_context():
        engine = db.engine
    listeners = (("begin", begin), ("commit", commit), ("before_cursor_execute", statement))
    for name, listener in listeners:
        event.listen(engine, name, listener)
    client = app.test_client()
    try:
        for label, keyed in (("createComplaint", False), ("with an Idempotency-Key", True)):
            rounds = []
            for i in range(3):  # the first fills the process's caches; the next two compared
                sent.clear()
                headers = {"Idempotency-Key": uuid.uuid4().hex} if keyed else {}
                response = client.post("/api/v1/complaints", json=intake_body(i), headers=headers)
                if response.status_code != 201:
                    raise RuntimeError(f"intake answered {response.status_code}")
                rounds.append(list(sent))
            named = [
                f"{sql} (compiled anew each time)"
                if compiled is not None and compiled is not before and sql == sql_before
                else sql
                for (sql, compiled), (sql_before, before) in zip(rounds[2], rounds[1], strict=False)
            ]
            table.add(f"intake round trips: {label}", str(len(named)), "", "; ".join(named))
    finally:
        for name, listener in listeners:
            event.remove(engine, name, listener)


def cleanup_intake(url: str, before: int, outbox_before: int) -> None:
    """Remove the complaints the intake benchmark filed, and what hangs on them."""
    with psycopg.connect(psycopg_url(url)) as conn:
        ids = "(SELECT id FROM complaints WHERE id > %(id)s)"
        for statement in (
            f"DELETE FROM sla_escalations WHERE clock_id IN "
            f"(SELECT id FROM sla_clocks WHERE complaint_id IN {ids})",
            f"DELETE FROM sla_clocks WHERE complaint_id IN {ids}",
            f"DELETE FROM complaint_events WHERE complaint_id IN {ids}",
            f"DELETE FROM complainant_identities WHERE complaint_id IN {ids}",
            f"DELETE FROM idempotency_records WHERE complaint_id IN {ids}",
            f"DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM "
            f"webhook_deliveries WHERE complaint_id IN {ids})",
            f"DELETE FROM webhook_deliveries WHERE complaint_id IN {ids}",
            f"DELETE FROM webhook_events WHERE complaint_id IN {ids}",
            "DELETE FROM outbox_messages WHERE id > %(outbox)s",
            "DELETE FROM complaints WHERE id > %(id)s",
        ):
            conn.execute(statement, {"id": before, "outbox": outbox_before})
    rebuild_tallies(url)


def rebuild_tallies(url: str) -> None:
    """Recount the breach tallies after clocks were added or deleted past the ORM."""
    from sqlalchemy import create_engine

    from backend.sla import tallies

    engine = create_engine(sqlalchemy_url(url))
    with engine.begin() as conn:
        tallies.rebuild(conn)
    engine.dispose()
    with psycopg.connect(psycopg_url(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE sla_clock_tallies")  # the rebuild deleted every row


# --- read paths -----------------------------------------------------------------------------


def bench_reads(
    url: str, args: argparse.Namespace, table: Table, rss: dict[str, list[float]],
    paths: dict[str, tuple[str, str, str, Any]], tokens_by_role: dict[str, str],
) -> None:  # fmt: skip
    """Each read path, one request at a time, against gunicorn."""
    with gunicorn("backend.app:create_app()", url, args.workers, args.threads) as (base, master):
        for name, (role, method, path, body) in paths.items():
            make = request_maker(role, method, path, body, tokens_by_role)
            warm = loadgen.run(base, make, total=10, processes=1, threads=1)
            # a slow path gets fewer requests: about READ_BUDGET seconds, at least 20
            per_request = max(warm.seconds / 10, 1e-3)
            count = min(args.read_requests, max(20, int(READ_BUDGET / per_request)))
            result = loadgen.run(base, make, total=count, processes=1, threads=1)
            table.latency(name, result, f"{count} requests; target p95 < 50 ms")
        rss["reads"] = worker_rss_mb(master)


# --- plans ----------------------------------------------------------------------------------


def explain_reads(
    url: str,
    app: Any,
    paths: dict[str, tuple[str, str, str, Any]],
    tokens_by_role: dict[str, str],
    table: Table,
) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of every statement of each read path; flag seq scans."""
    from backend.extensions import db

    captured: list[tuple[str, Any]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            captured.append((statement, parameters))

    client = app.test_client()
    report = []
    flagged: list[str] = []
    limited: list[str] = []
    with psycopg.connect(psycopg_url(url)) as conn:
        sizes = {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in WATCHED_TABLES
        }
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        for name, (role, method, path, body) in paths.items():
            make = request_maker(role, method, path, body, tokens_by_role)
            verb, target, headers, payload = make(0)
            captured.clear()
            response = client.open(target, method=verb, headers=headers, data=payload)
            report.append(f"=== {name}: {verb} {target} -> {response.status_code}")
            statements = list(captured)
            with psycopg.connect(psycopg_url(url)) as conn:
                for statement, parameters in statements:
                    if not any(t in statement for t in WATCHED_TABLES):
                        continue
                    explain = "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement
                    tree = conn.execute(explain, parameters).fetchone()[0][0]
                    rows = conn.execute("EXPLAIN " + statement, parameters).fetchall()
                    conn.rollback()
                    plan = "\n".join(r[0] for r in rows)
                    for relation, scanned in seq_scans(tree["Plan"]):
                        share = scanned / max(1, sizes[relation])
                        whole = share >= 0.5
                        flag = "WHOLE TABLE" if whole else "stopped early (under a LIMIT)"
                        line = f"{name}: Seq Scan on {relation}, {scanned:,.0f} rows read, {flag}"
                        (flagged if whole else limited).append(line)
                    report.append(" ".join(statement.split())[:400])
                    report.append(f"-- {tree['Execution Time']:.1f} ms")
                    report.append(plan)
                    report.append("")
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    PLANS_FILE.parent.mkdir(parents=True, exist_ok=True)
    PLANS_FILE.write_text("\n".join(report))
    for line in limited:
        print(f"plan note: {line}")
    table.add(
        "query plans: whole-table Seq Scans",
        "",
        "",
        ("FLAGGED: " + "; ".join(flagged))
        if flagged
        else "none on complaints, sla_clocks or complaint_events"
        + (f" ({len(limited)} Seq Scans stop early under a LIMIT)" if limited else ""),
    )


def seq_scans(node: dict[str, Any]) -> Iterator[tuple[str, float]]:
    """(table, rows read) of every Seq Scan on a watched table in a JSON plan."""
    if node.get("Node Type") == "Seq Scan" and node.get("Relation Name") in WATCHED_TABLES:
        # parallel workers each report per-loop averages
        loops = node.get("Actual Loops", 1)
        read = (node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)) * loops
        yield node["Relation Name"], read
    for child in node.get("Plans", []):
        yield from seq_scans(child)


# --- sweep ----------------------------------------------------------------------------------


def bench_sweep(url: str, app: Any, open_clocks: int, table: Table) -> None:
    """One sweep with `open_clocks` running clocks, when 0 and 10,000 are due; then restore."""
    from backend.extensions import db
    from backend.sla import jobs
    from backend.sla.calendars import get_calendar

    def sweep() -> tuple[float, Any]:
        with app.app_context():
            started = time.perf_counter()
            report = jobs.run_sweep(session=db.session, now=datetime.now(UTC))
            return time.perf_counter() - started, report

    # the synthetic clocks count on the default calendar, in its zone, as a new clock would
    with app.app_context():
        calendar = get_calendar(session=db.session)
        db.session.rollback()

    with psycopg.connect(psycopg_url(url), autocommit=True) as conn:
        running = conn.execute(
            "SELECT count(*) FROM sla_clocks WHERE state = 'running'"
        ).fetchone()[0]
        escalations = conn.execute("SELECT coalesce(max(id), 0) FROM sla_escalations").fetchone()[0]
        outbox = conn.execute("SELECT coalesce(max(id), 0) FROM outbox_messages").fetchone()[0]
        # the sweep tells its breaches and escalations to webhooks through their outbox
        events = conn.execute("SELECT coalesce(max(id), 0) FROM webhook_events").fetchone()[0]
        complaints = conn.execute("SELECT count(*) FROM complaints").fetchone()[0]
        extra = max(0, open_clocks - running)
        # one more running clock for each complaint in turn (as many complaints as clocks, as
        # a city of a million open complaints has), not all on one: a complaint's earliest
        # deadline is recomputed from its running clocks whenever the sweep moves one
        conn.execute(
            """
            INSERT INTO sla_clocks (complaint_id, agency_id, kind, cycle, unit, days,
                calendar_code, calendar_version, time_zone, state, started_at, due_at, due_date,
                deadline_version, escalation_level, next_action_at, steps_done, explanation)
            SELECT c.id, c.agency_id, 'decision', %(base)s + g, 'calendar_day', 60,
                %(calendar)s, %(calendar_version)s, %(zone)s,
                'running', now() - interval '1 day', now() + interval '59 days',
                (now() + interval '59 days')::date, 1, 0, now() + interval '50 days', 0,
                '{"policy": "default", "days": 60, "unit": "calendar_day"}'::jsonb
            FROM generate_series(1, %(n)s) AS g
            JOIN (SELECT id, agency_id, row_number() OVER (ORDER BY id) AS rn FROM complaints) c
              ON c.rn = 1 + (g - 1) %% %(complaints)s
            """,
            {
                "n": extra,
                "base": SYNTHETIC_CYCLE,
                "complaints": complaints,
                "calendar": calendar.region,
                "calendar_version": int(calendar.version),
                "zone": calendar.zone.key,
            },
        )
        # as autovacuum leaves a table whose million running clocks came over months: hint bits
        # set and pages all-visible (right after the INSERT, the sweep's first reads set them)
        conn.execute("VACUUM ANALYZE sla_clocks")
    try:
        # whatever became due since the seed (real time moves on) is drained first
        drained, first = sweep()
        timings = {}
        for due in SWEEP_DUE:
            yesterday = calendar.local_date(datetime.now(UTC)) - timedelta(days=1)
            with psycopg.connect(psycopg_url(url), autocommit=True) as conn:
                if due:
                    conn.execute(
                        """
                        UPDATE sla_clocks SET due_at = %(at)s, due_date = %(day)s,
                            next_action_at = %(at)s + interval '1 second'
                        WHERE id IN (SELECT id FROM sla_clocks WHERE cycle > %(base)s
                                     ORDER BY id LIMIT %(n)s)
                        """,
                        {"at": calendar.end_of_day(yesterday), "day": yesterday, "n": due,
                         "base": SYNTHETIC_CYCLE},
                    )  # fmt: skip
            runs = []
            for _ in range(3 if due == 0 else 1):
                elapsed, report = sweep()
                runs.append((elapsed, report))
            timings[due] = runs
        total_running = running + extra
        for due, runs in timings.items():
            seconds = [r[0] for r in runs]
            report = runs[0][1]
            target = "target < 50 ms" if due == 0 else "target < 5 s"
            median = statistics.median(seconds)
            shown = f"{median * 1000:.1f} ms" if median < 1 else f"{median:.2f} s"
            table.add(
                f"SLA sweep, {total_running:,} running clocks, {due:,} due",
                shown,
                "",
                f"{report.clocks:,} clocks, {report.escalations:,} escalations, "
                f"{report.notifications:,} e-mails queued, {len(runs)} run(s); {target}",
            )
        table.add(
            "  (sweep of what fell due since seeding, before the figures)",
            f"{drained * 1000:.0f} ms",
            "",
            f"{first.clocks:,} clocks",
        )
    finally:
        with psycopg.connect(psycopg_url(url), autocommit=True) as conn:
            conn.execute(
                "DELETE FROM outbox_messages WHERE id > %s AND dedupe_key LIKE 'escalation:%%'",
                (outbox,),
            )
            conn.execute(
                "DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM "
                "webhook_deliveries WHERE event_id > %s)",
                (events,),
            )
            conn.execute("DELETE FROM webhook_deliveries WHERE event_id > %s", (events,))
            conn.execute("DELETE FROM webhook_events WHERE id > %s", (events,))
            conn.execute(
                "DELETE FROM sla_escalations WHERE id > %s AND clock_id IN "
                "(SELECT id FROM sla_clocks WHERE cycle > %s)",
                (escalations, SYNTHETIC_CYCLE),
            )
            # the complaints whose synthetic clock the sweep moved had their earliest deadline
            # recomputed with it: recompute it without
            conn.execute(
                "CREATE TEMP TABLE swept AS SELECT DISTINCT complaint_id FROM sla_clocks "
                "WHERE cycle > %s AND (breached_at IS NOT NULL OR state <> 'running')",
                (SYNTHETIC_CYCLE,),
            )
            conn.execute("DELETE FROM sla_clocks WHERE cycle > %s", (SYNTHETIC_CYCLE,))
            conn.execute(
                "UPDATE complaints c SET next_due_at = (SELECT min(s.due_at) FROM sla_clocks s "
                "WHERE s.complaint_id = c.id AND s.state = 'running') "
                "WHERE c.id IN (SELECT complaint_id FROM swept)"
            )
            conn.execute("ANALYZE sla_clocks")
        # the synthetic clocks are decision clocks: the sweep counted them as it marked them
        rebuild_tallies(url)


# --- main -----------------------------------------------------------------------------------


def bench_exports(url: str, table: Table) -> None:
    """Every complaint exported as the supervisor, CSV and XLSX, each by the scheduler's job in a
    process of its own (scripts/bench_exports.py): rows per second and the peak memory."""
    from scripts import bench_exports as exports

    for result in exports.run(url, ["csv", "xlsx"], exports.SUPERVISOR):
        table.add(
            f"export {result['format'].upper()} ({result['rows']:,} rows)",
            f"{result['rows_per_second']:,.0f} rows/s",
            f"{result['peak_rss_mb']:.0f} MB",
            f"peak RSS of the writing process (target < 150 MB); {result['seconds']:.0f} s, "
            f"file {result['file_mb']:.0f} MB, {result['status']}",
        )


def seeded(url: str, complaints: int) -> int:
    """Top the bench database up to `complaints` (scripts/seed_bulk.py) unless it holds them
    and its tracking sample; how many it held before."""
    with psycopg.connect(psycopg_url(url)) as conn:
        try:
            have = conn.execute("SELECT count(*) FROM complaints").fetchone()[0]
        except psycopg.errors.UndefinedTable:
            have = 0
    if have < complaints or not sample_file(url).exists():
        print(f"seeding: {have:,} complaints, {complaints:,} wanted")
        load(url, complaints, 0.05, 1, 20_000)
    return int(have)


def main() -> None:
    """Parse the options, seed if needed, run every benchmark, print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", default=os.environ.get("ADUAN_BENCH_DATABASE_URL", DEFAULT_URL)
    )
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument("--intake-requests", type=int, default=3600)
    parser.add_argument(
        "--intake-rounds", type=int, default=9, help="turns of Aduan and bare in the intake run"
    )
    parser.add_argument("--read-requests", type=int, default=200)
    parser.add_argument("--sweep-open", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (gthread)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--processes", type=int, default=2, help="load generator processes")
    parser.add_argument("--clients", type=int, default=4, help="connections per process")
    parser.add_argument("--skip-intake", action="store_true")
    parser.add_argument("--skip-sweep", action="store_true")
    parser.add_argument("--skip-reads", action="store_true", help="no read paths, no plans")
    parser.add_argument("--skip-exports", action="store_true", help="no CSV/XLSX export figures")
    args = parser.parse_args()
    url = args.database_url
    seeded(url, args.complaints)
    header = machine(url)
    table = Table()
    rss: dict[str, list[float]] = {}
    app = make_app(url)
    tokens_by_role = tokens(app)
    with psycopg.connect(psycopg_url(url)) as conn:
        counts = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE next_due_at IS NOT NULL), "
            "count(*) FILTER (WHERE next_due_at < now()) FROM complaints"
        ).fetchone()
    header["data"] = f"{counts[0]:,} complaints, {counts[1]:,} open, {counts[2]:,} overdue"
    header["gunicorn"] = f"{args.workers} gthread workers x {args.threads} threads"
    if not args.skip_intake:
        bench_intake(url, app, args, table, rss)
    if not args.skip_reads:
        paths = read_paths(json.loads(sample_file(url).read_text()))
        bench_reads(url, args, table, rss, paths, tokens_by_role)
        explain_reads(url, app, paths, tokens_by_role, table)
    if not args.skip_sweep:
        bench_sweep(url, app, args.sweep_open, table)
    if not args.skip_exports:
        bench_exports(url, table)
    for phase, sizes in rss.items():
        if sizes:
            table.add(
                f"worker RSS after {phase}",
                f"{statistics.median(sizes):.0f} MB",
                f"{max(sizes):.0f} MB (max)",
                f"{len(sizes)} workers, VmRSS; target < 150 MB",
            )
    print()
    output = table.print(header)
    out = ROOT / "var" / "bench" / "results.md"
    out.write_text(output + "\n")
    print(f"\n(table saved to {out.relative_to(ROOT)}; plans in {PLANS_FILE.relative_to(ROOT)})")


if __name__ == "__main__":
    main()
