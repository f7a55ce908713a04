"""Fill a PostgreSQL database with N realistic complaints, fast (issue 5, item 1).

    .venv/bin/python scripts/seed_bulk.py --complaints 1000000 \
        [--database-url postgresql://postgres@127.0.0.1:5432/aduan_bench] \
        [--overdue-share 0.05] [--seed 1] [--chunk 20000]

Migrates the schema, loads the Cimahi demo data if missing, then tops the database up to N
complaints with psycopg COPY: statuses and channels in realistic shares, receipts spread over
three years, identities for the non-anonymous, the legal clocks each status implies (with their
deadlines, breaches and fired escalation steps) and a timeline of 1-5 events per complaint whose
hash chain `flask timeline verify` accepts. `--overdue-share` of all complaints are open with an
overdue staff clock (already swept: the sweep has nothing due afterwards). Secondary indexes are
dropped during the load and rebuilt after it; then VACUUM ANALYZE.

Rows are made from the backend's own rules: clocks on the calendar of their agency and in its
zone, timeline events by `timeline.event_values`, PIN hashes by `backend.keys.PinKeys` under the
master secret `BENCH_SECRET_KEY` (serve the database with that ADUAN_SECRET_KEY); the breach
tallies are then recounted from the clocks (`tallies.rebuild`). A sample of known codes and PINs
is written to var/bench/tracking_sample-<database>.json for the benchmarks.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import queue
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from tqdm import tqdm  # noqa: E402

from backend.agencies.service import route  # noqa: E402
from backend.app import create_app  # noqa: E402
from backend.complaints.codes import CODE_ALPHABET  # noqa: E402
from backend.complaints.models import ASSISTED_CHANNELS, Status  # noqa: E402
from backend.complaints.timeline import GENESIS, event_values  # noqa: E402
from backend.demo import load_demo  # noqa: E402
from backend.extensions import alembic, db  # noqa: E402
from backend.keys import PinKeys  # noqa: E402
from backend.sla import tallies  # noqa: E402
from backend.sla.calendars import DEFAULT_YEARS, calendar_of_agency  # noqa: E402
from backend.sla.ladder import next_action, step_time  # noqa: E402
from backend.sla.policies import DEFAULT_RULES, policy_for, rule_of  # noqa: E402
from backend.sla.working_calendar import CalendarHorizonError, WorkingCalendar  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/aduan_bench"
BENCH_SECRET_KEY = "aduan-bench-secret-key-not-for-production-0123456789"
BENCH_DIR = ROOT / "var" / "bench"
YEARS = 3
DAY = 86400.0
BIG_TABLES = (
    "complaints",
    "complainant_identities",
    "complaint_events",
    "sla_clocks",
    "sla_escalations",
)

# shares of all complaints; the open ones are topped up with --overdue-share
STATUS_SHARES = {
    Status.CLOSED: 0.70,
    Status.REJECTED: 0.09,
    Status.WITHDRAWN: 0.07,
    Status.SUBMITTED: 0.04,
    Status.INCOMPLETE: 0.02,
    Status.VERIFIED: 0.02,
    Status.IN_PROGRESS: 0.04,
    Status.DECIDED: 0.02,
}
CHANNEL_SHARES = {
    "web": 0.38,
    "mobile": 0.20,
    "whatsapp": 0.12,
    "walk_in": 0.08,
    "telephone": 0.06,
    "email": 0.05,
    "api": 0.04,
    "letter": 0.03,
    "sms": 0.02,
    "complaint_box": 0.02,
}
PRIVACY_SHARES = {
    "public": 0.45,
    "private": 0.30,
    "confidential_identity": 0.10,
    "anonymous": 0.15,
}
REPORT_TYPES = {"pengaduan": 0.80, "aspirasi": 0.12, "permintaan_informasi": 0.08}
# realistic titles: "sampah" (the benchmark's search word) is in about 4% of them
SUBJECTS = [
    "Jalan berlubang",
    "Lampu penerangan jalan mati",
    "Sampah menumpuk",
    "Drainase tersumbat",
    "Antrean KTP-el terlalu lama",
    "Pembuatan akta kelahiran tertunda",
    "Pungutan liar saat mengurus izin",
    "Petugas tidak ramah",
    "Layanan puskesmas lambat",
    "Obat tidak tersedia di RSUD",
    "Angkot ngetem sembarangan",
    "Parkir liar di trotoar",
    "Pedagang kaki lima menutup jalan",
    "Banjir setiap hujan",
    "Tagihan PBB tidak sesuai",
    "Sekolah meminta sumbangan wajib",
    "Bantuan sosial tidak tepat sasaran",
    "Pohon tumbang belum dibersihkan",
    "Jembatan retak",
    "Bau limbah pabrik",
    "Kebisingan kafe malam hari",
    "Sinyal aplikasi layanan sering gagal",
    "Izin usaha tidak kunjung terbit",
    "Trotoar rusak",
    "Pengangkutan sampah tidak rutin",
]
PLACES = ["di RW {rw}", "dekat pasar", "di depan sekolah", "di kelurahan {kel}", "di jalan utama"]
SENTENCES = [
    "Sudah lebih dari dua minggu belum ada tindak lanjut dari petugas.",
    "Kondisi ini mengganggu warga, terutama anak-anak dan lansia.",
    "Saya sudah melapor ke RT dan RW tetapi belum ada perubahan.",
    "Mohon segera ditangani karena sudah menimbulkan kerugian.",
    "Kejadian berulang setiap minggu pada jam sibuk.",
    "Petugas di loket menyarankan untuk datang lagi besok tanpa kepastian.",
    "Foto kondisi terakhir dapat dikirim bila diperlukan.",
    "Warga sekitar siap memberikan keterangan tambahan.",
]
FIRST = ["Asep", "Siti", "Dewi", "Budi", "Rina", "Agus", "Nur", "Eka", "Yanti", "Dedi", "Ujang"]
LAST = ["Saputra", "Lestari", "Hidayat", "Rahmawati", "Kurniawan", "Permana", "Suryani"]

# as `timeline.actor_of` records a complainant: never named in events
COMPLAINANT_ACTOR = {"actor_kind": "complainant", "actor_id": None, "actor_label": "Pelapor"}

COMPLAINT_COLUMNS = [
    "id",
    "tracking_code",
    "pin_hash",
    "version",
    "timeline_head",
    "timeline_length",
    "report_type",
    "status",
    "privacy",
    "show_name_publicly",
    "channel",
    "source",
    "title",
    "description",
    "late_filing",
    "kecamatan_code",
    "kelurahan",
    "compensation_claimed",
    "consent_given_at",
    "category_id",
    "agency_id",
    "received_by_id",
    "received_at",
    "next_due_at",
    "recorded_at",
    "verified_at",
    "decided_at",
    "delivered_at",
    "closed_at",
    "updated_at",
    "decision",
    "resolution_code",
]
IDENTITY_COLUMNS = ["complaint_id", "kind", "name", "email", "phone", "address"]
EVENT_COLUMNS = [
    "complaint_id",
    "seq",
    "kind",
    "action",
    "from_status",
    "to_status",
    "visibility",
    "actor_kind",
    "actor_id",
    "actor_label",
    "reason",
    "body",
    "data",
    "occurred_at",
    "prev_hash",
    "hash",
]
CLOCK_COLUMNS = [
    "id",
    "complaint_id",
    "agency_id",
    "kind",
    "cycle",
    "unit",
    "days",
    "policy_id",
    "calendar_code",
    "calendar_version",
    "time_zone",
    "state",
    "started_at",
    "due_at",
    "due_date",
    "deadline_version",
    "stopped_at",
    "breached_at",
    "next_action_at",
    "escalation_level",
    "steps_done",
    "explanation",
    "late_seconds",
]
ESCALATION_COLUMNS = [
    "clock_id",
    "step",
    "level",
    "deadline_version",
    "due_at",
    "fired_at",
    "target_role",
    "target_agency_id",
    "for_ombudsman",
]


def sample_file(url: str) -> Path:
    """Where the known codes and PINs of the database at `url` are kept (one file each)."""
    return BENCH_DIR / f"tracking_sample-{make_url(url).database}.json"


def psycopg_url(url: str) -> str:
    """A libpq URL (no SQLAlchemy driver suffix)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def sqlalchemy_url(url: str) -> str:
    """The same database as a SQLAlchemy psycopg 3 URL."""
    return make_url(url).set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def weighted(rng: random.Random, shares: dict[Any, float]) -> Any:
    """One key, drawn with its share as the weight."""
    return rng.choices(list(shares), weights=list(shares.values()))[0]


class World:
    """What the generator reads once from the demo data: ids, routes, policies, calendars."""

    def __init__(self, session: Any) -> None:
        rows = session.execute(text("SELECT id, code FROM categories ORDER BY id")).all()
        self.categories = [r.id for r in rows]
        self.kecamatan = {
            code: [
                k
                for (k,) in session.execute(
                    text("SELECT name FROM kelurahan WHERE kecamatan_code = :c"), {"c": code}
                )
            ]
            for (code,) in session.execute(text("SELECT code FROM kecamatan ORDER BY code"))
        }
        # the agency a category in an area is routed to (intake's rule)
        self.routes: dict[tuple[int, str | None], int | None] = {}
        for category in self.categories:
            for kec in [None, *self.kecamatan]:
                agency = route(session=session, category_id=category, kecamatan_code=kec)
                self.routes[(category, kec)] = agency.id if agency else None
        # an agency counts on its calendar, in the calendar's zone (as `new_clock` does)
        self.calendars = {
            agency: calendar_of_agency(session=session, agency_id=agency)
            for agency in {None, *self.routes.values()}
        }
        self.policies = {c: policy_for(session=session, category_id=c) for c in self.categories}
        verifier = session.execute(
            text("SELECT id, full_name FROM users WHERE role = 'verifier' ORDER BY id LIMIT 1")
        ).one()
        self.verifier = verifier.id
        # as `timeline.actor_of` records staff
        self.verifier_actor = {
            "actor_kind": "staff",
            "actor_id": verifier.id,
            "actor_label": verifier.full_name,
        }
        self._later: dict[tuple[str, date, int], tuple[datetime, date]] = {}

    def deadline(
        self, calendar: WorkingCalendar, start: datetime, days: int, citizen_side: bool
    ) -> tuple[datetime, date]:
        """due_at and due_date counted `days` calendar days from `start` (the default policy)."""
        day0 = calendar.local_date(start)
        if citizen_side:
            key = (calendar.region, day0, days)
            if key not in self._later:
                try:
                    found = calendar.later_of(start, days)
                    self._later[key] = (found.due_at, found.due_date)
                except CalendarHorizonError:  # before the calendar's first year
                    due = day0 + timedelta(days=days)
                    self._later[key] = (calendar.end_of_day(due), due)
            return self._later[key]
        due = day0 + timedelta(days=days)
        return calendar.end_of_day(due), due


class Generator:
    """Turns a complaint number into the rows of that complaint."""

    def __init__(self, world: World, rng: random.Random, now: datetime, overdue_share: float):
        self.world = world
        self.rng = rng
        self.now = now
        open_share = sum(
            STATUS_SHARES[s]
            for s in (Status.SUBMITTED, Status.VERIFIED, Status.IN_PROGRESS, Status.DECIDED)
        )
        # the overdue ones are drawn among the open complaints with a running staff clock
        self.overdue_given_open = min(1.0, overdue_share / open_share)
        self.codes: set[str] = set()
        # parallel makers draw codes from disjoint lanes (by the first character), so that
        # the codes of every maker are unique together without asking one another
        self.lane, self.lanes = 0, 1
        self.rules = {kind: rule_of(None, kind) for kind in DEFAULT_RULES}
        self.pins = PinKeys(BENCH_SECRET_KEY)
        self.clock_id = 0
        # three years back, but not before the demo calendar's first year (2024)
        first_day = datetime(DEFAULT_YEARS[0], 1, 2, tzinfo=UTC)
        self.oldest_days = min(YEARS * 365, (now - first_day).total_seconds() / DAY)

    def code(self) -> str:
        """A new random tracking code, unique in this database."""
        while True:
            chars = "".join(self.rng.choices(CODE_ALPHABET, k=8))
            code = f"ADU-{chars[:4]}-{chars[4:]}"
            if CODE_ALPHABET.index(chars[0]) % self.lanes != self.lane:
                continue
            if code not in self.codes:
                self.codes.add(code)
                return code

    def span(self, low: float, high: float) -> timedelta:
        """A random duration between `low` and `high` days, to the second."""
        return timedelta(seconds=int(self.rng.uniform(low * DAY, high * DAY)))

    def stage(self, days: int, late_share: float) -> timedelta:
        """How long a finished clock ran: mostly in time, sometimes late."""
        if self.rng.random() < late_share:
            return self.span(days + 0.5, days + 30)
        return self.span(0.1, days - 0.5)

    def rows(self, cid: int) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of complaint `cid`: complaint, identity, events, clocks, escalations."""
        rng, now, world = self.rng, self.now, self.world
        status = weighted(rng, STATUS_SHARES)
        staff_open = status in (
            Status.SUBMITTED,
            Status.VERIFIED,
            Status.IN_PROGRESS,
            Status.DECIDED,
        )
        overdue = staff_open and rng.random() < self.overdue_given_open
        # the clock now running (open complaints) and how long it has run
        running_kind = {
            Status.SUBMITTED: "response",
            Status.INCOMPLETE: "completion",
            Status.VERIFIED: "decision",
            Status.IN_PROGRESS: "decision",
            Status.DECIDED: "delivery",
        }.get(status)
        resp = self.stage(14, 0.07)
        dec = self.stage(60, 0.06)
        assign = self.span(0.05, 3)
        deliv = self.stage(14, 0.05)
        if running_kind is None:
            received = now - self.span(90, self.oldest_days)
        else:
            days = self.rules[running_kind]["days"]
            elapsed = self.span(days + 1, days + 150) if overdue else self.span(0, days - 1)
            before = {
                "response": timedelta(0),
                "completion": resp,
                "decision": resp,
                "delivery": resp + dec,
            }[running_kind]
            received = now - elapsed - before
        received = received.replace(microsecond=0)
        t_resp = received + resp
        t_assign = t_resp + assign
        t_dec = t_resp + dec
        t_deliv = t_dec + deliv
        t_close = t_deliv + self.span(1, 14)

        category = rng.choice(world.categories)
        kec = rng.choice(list(world.kecamatan))
        kel = rng.choice(world.kecamatan[kec])
        agency = world.routes.get((category, kec)) or world.routes.get((category, None))
        policy = world.policies[category]
        calendar = world.calendars[agency]
        channel = weighted(rng, CHANNEL_SHARES)
        privacy = weighted(rng, PRIVACY_SHARES)
        assisted = channel in ASSISTED_CHANNELS
        code = self.code()
        pin = f"{rng.randrange(1_000_000):06d}"
        subject = rng.choice(SUBJECTS)
        place = rng.choice(PLACES).format(rw=rng.randint(1, 20), kel=kel)
        title = f"{subject} {place}"
        description = f"{subject} {place}. " + " ".join(rng.sample(SENTENCES, 2))

        # --- clocks ---
        clocks: list[dict[str, Any]] = []

        def clock(kind: str, start: datetime, stop: datetime | None, state: str) -> None:
            rule = self.rules[kind]
            due_at, due_date = world.deadline(
                calendar, start, rule["days"], bool(rule.get("citizen_side"))
            )
            clocks.append(
                {
                    "kind": kind,
                    "start": start,
                    "stop": stop,
                    "state": state,
                    "due_at": due_at,
                    "due_date": due_date,
                    "rule": rule,
                }
            )

        verified_at = decided_at = delivered_at = closed_at = None
        events: list[tuple[str, str | None, str | None, str, datetime, str]] = []
        # (action, from, to, kind, at, actor)
        events.append(("submit", None, Status.SUBMITTED, "submitted", received, "citizen"))
        if status == Status.SUBMITTED:
            clock("response", received, None, "running")
        elif status == Status.INCOMPLETE:
            clock("response", received, t_resp, "stopped")
            clock("completion", t_resp, None, "running")
            events.append(
                ("request_info", Status.SUBMITTED, Status.INCOMPLETE, "transition", t_resp, "staff")
            )
        elif status in (Status.REJECTED, Status.WITHDRAWN):
            clock("response", received, t_resp, "stopped")
            action = "reject" if status == Status.REJECTED else "withdraw"
            events.append(
                (
                    action,
                    Status.SUBMITTED,
                    status,
                    "transition",
                    t_resp,
                    "staff" if action == "reject" else "citizen",
                )
            )
            closed_at = t_resp
        else:
            clock("response", received, t_resp, "stopped")
            verified_at = t_resp
            events.append(
                ("verify", Status.SUBMITTED, Status.VERIFIED, "transition", t_resp, "staff")
            )
            if status == Status.VERIFIED:
                clock("decision", t_resp, None, "running")
            else:
                events.append(
                    ("assign", Status.VERIFIED, Status.IN_PROGRESS, "transition", t_assign, "staff")
                )
                if status == Status.IN_PROGRESS:
                    clock("decision", t_resp, None, "running")
                else:
                    clock("decision", t_resp, t_dec, "stopped")
                    decided_at = t_dec
                    events.append(
                        ("decide", Status.IN_PROGRESS, Status.DECIDED, "transition", t_dec, "staff")
                    )
                    if status == Status.DECIDED:
                        clock("delivery", t_dec, None, "running")
                    else:
                        clock("delivery", t_dec, t_deliv, "stopped")
                        delivered_at, closed_at = t_deliv, t_close
                        events.append(
                            ("close", Status.DECIDED, Status.CLOSED, "transition", t_close, "staff")
                        )

        # --- timeline (the hash chain of backend.complaints.timeline) ---
        head, event_rows = GENESIS, []
        for seq, (action, from_s, to_s, kind, at, actor) in enumerate(events, start=1):
            staff = actor == "staff" or (seq == 1 and assisted)
            data: dict[str, Any] = (
                {
                    "channel": channel,
                    "received_at": at.isoformat(),
                    "recorded_at": at.isoformat(),
                    "late_filing": False,
                }
                if seq == 1
                else {}
            )
            event = event_values(
                complaint_id=cid,
                seq=seq,
                prev_hash=head,
                kind=kind,
                actor=world.verifier_actor if staff else COMPLAINANT_ACTOR,
                at=at,
                action=action,
                from_status=str(from_s) if from_s else None,
                to_status=str(to_s),
                data=data,
            )
            event["data"] = json.dumps(event["data"])
            event_rows.append(tuple(event[column] for column in EVENT_COLUMNS))
            head = event["hash"]

        # --- clock rows, with the ladder steps that fired by now ---
        clock_rows, escalation_rows = [], []
        next_due = None
        for c in clocks:
            self.clock_id += 1
            rule, due_at, due_date = c["rule"], c["due_at"], c["due_date"]
            until = c["stop"] or now
            breached = due_at if due_at < until else None
            state = c["state"]
            if state == "running" and breached and rule.get("citizen_side"):
                state = "expired"
            done, level = 0, 0
            for step in rule["ladder"]:
                at = step_time(calendar, due_date, step["offset"])
                if at is None or at > until:
                    break
                done += 1
                level = max(level, step["level"])
                escalation_rows.append(
                    (
                        self.clock_id,
                        step["step"],
                        step["level"],
                        1,
                        due_at,
                        at,
                        step["target"],
                        agency,
                        bool(step.get("ombudsman")),
                    )
                )
            explanation = {
                "policy": f"{policy.code} v{policy.version}" if policy else "default",
                "category_id": category,
                "counted_from": c["start"].isoformat(),
                "days": rule["days"],
                "unit": rule["unit"],
            }
            next_action_at = None
            if state == "running":
                next_action_at = next_action(
                    SimpleNamespace(
                        state=state,
                        breached_at=breached,
                        due_at=due_at,
                        due_date=due_date,
                        steps_done=done,
                    ),  # type: ignore[arg-type]
                    calendar,
                    rule,
                )
                next_due = due_at if next_due is None else min(next_due, due_at)
            stopped_at = None if c["stop"] is None and state == "running" else (c["stop"] or due_at)
            # a finished breach's lateness (SlaClock.late_seconds, read by listBreaches)
            late = (stopped_at - due_at).total_seconds() if breached and stopped_at else None
            clock_rows.append(
                (
                    self.clock_id,
                    cid,
                    agency,
                    c["kind"],
                    1,
                    rule["unit"],
                    rule["days"],
                    policy.id if policy else None,
                    calendar.region,
                    int(calendar.version),
                    calendar.zone.key,
                    state,
                    c["start"],
                    due_at,
                    due_date,
                    1,
                    stopped_at,
                    breached,
                    next_action_at,
                    level,
                    done,
                    json.dumps(explanation),
                    late,
                )
            )

        identity_rows = []
        if privacy != "anonymous":
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            email = (
                f"{name.lower().replace(' ', '.')}{cid}@contoh.id" if rng.random() < 0.6 else None
            )
            phone = f"08{rng.randrange(10**9, 10**10)}" if rng.random() < 0.8 else None
            identity_rows.append((cid, "person", name, email, phone, f"{kel}, {kec}"))

        last_at = events[-1][4]
        complaint = (
            cid,
            code,
            self.pins.digest(code, pin),
            len(events) + 1,
            head,
            len(events),
            weighted(rng, REPORT_TYPES),
            str(status),
            privacy,
            privacy == "public" and rng.random() < 0.3,
            channel,
            "service_recipient",
            title[:200],
            description,
            False,
            kec,
            kel,
            False,
            received,
            category,
            agency,
            world.verifier if assisted else None,
            received,
            next_due,
            received,
            verified_at,
            decided_at,
            delivered_at,
            closed_at,
            last_at,
            "Pengaduan ditindaklanjuti sesuai ketentuan." if decided_at else None,
            "resolved" if status == Status.CLOSED else None,
        )
        return {
            "complaints": [complaint],
            "complainant_identities": identity_rows,
            "complaint_events": event_rows,
            "sla_clocks": clock_rows,
            "sla_escalations": escalation_rows,
            "_sample": [(code, pin)],
        }


COLUMNS = {
    "complaints": COMPLAINT_COLUMNS,
    "complainant_identities": IDENTITY_COLUMNS,
    "complaint_events": EVENT_COLUMNS,
    "sla_clocks": CLOCK_COLUMNS,
    "sla_escalations": ESCALATION_COLUMNS,
}


def prepare(url: str) -> None:
    """Migrate the schema and load the demo data when missing."""
    app = create_app(
        {
            "DATABASE_URL": sqlalchemy_url(url),
            "MASTER_SECRET": BENCH_SECRET_KEY,
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        alembic.upgrade()
        if load_demo(db.session):
            db.session.commit()
        db.engine.dispose()


def secondary_indexes(conn: psycopg.Connection) -> list[tuple[str, str]]:
    """(name, definition) of the indexes of the big tables that back no constraint."""
    return conn.execute(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.schemaname = 'public' AND i.tablename = ANY(%s)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
        ORDER BY i.indexname
        """,
        (list(BIG_TABLES),),
    ).fetchall()


# clock ids per complaint set aside for each chunk, so that parallel makers never share one (a
# complaint has at most a few clocks; the ids left over are gaps, and the sequence is set to
# the largest id at the end)
CLOCK_IDS_PER_COMPLAINT = 16
# processes making rows
MAKERS = 2


def _produce(
    generator: Generator, lane: int, lanes: int, chunks: list[range], seed: int, out: Any
) -> None:
    """Make the rows of every `lanes`-th chunk from the `lane`-th onto the queue `out`.

    Runs in a process of its own (forked: the generator comes along as it is). Each chunk
    draws from a random generator of its own and its own block of clock ids, so the rows do not
    depend on how fast each maker is.
    """
    generator.lane, generator.lanes = lane, lanes
    base = generator.clock_id
    for index in range(lane, len(chunks), lanes):
        complaints = chunks[index]
        generator.rng = random.Random(f"{seed}:{complaints.start}")
        generator.clock_id = base + (complaints.start - chunks[0].start) * CLOCK_IDS_PER_COMPLAINT
        batch: dict[str, list[tuple[Any, ...]]] = {t: [] for t in COLUMNS}
        sample: list[tuple[str, str]] = []
        for cid in complaints:
            rows = generator.rows(cid)
            for table in COLUMNS:
                batch[table].extend(rows[table])
            if len(sample) < 1000:
                sample.extend(rows["_sample"])
        last = base + (complaints.stop - chunks[0].start) * CLOCK_IDS_PER_COMPLAINT
        if generator.clock_id > last:
            raise RuntimeError(f"complaints {complaints} have more clocks than ids set aside")
        out.put((batch, sample, len(complaints)))


def _next_chunk(made: Any, maker: Any) -> Any:
    """The next chunk `maker` made; fails if it died."""
    while True:
        try:
            return made.get(timeout=5)
        except queue.Empty:
            if not maker.is_alive():
                stopped = f"a row maker stopped (exit code {maker.exitcode})"
                raise RuntimeError(stopped) from None


def load(url: str, target: int, overdue_share: float, seed: int, chunk: int) -> None:
    """Top the database up to `target` complaints."""
    started = time.perf_counter()
    prepare(url)
    print(f"schema and demo data ready in {time.perf_counter() - started:.1f} s")
    app = create_app(
        {
            "DATABASE_URL": sqlalchemy_url(url),
            "MASTER_SECRET": BENCH_SECRET_KEY,
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        world = World(db.session)
        db.session.rollback()
        db.engine.dispose()
    with psycopg.connect(psycopg_url(url), autocommit=True) as conn:
        have = conn.execute("SELECT count(*) FROM complaints").fetchone()[0]
        if have >= target:
            print(f"{have:,} complaints already: nothing to load")
            return
        first = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM complaints").fetchone()[0]
        clock_base = conn.execute("SELECT coalesce(max(id), 0) FROM sla_clocks").fetchone()[0]
        existing = {code for (code,) in conn.execute("SELECT tracking_code FROM complaints")}
        # "now" lies in the middle of a second, so nothing generated sits exactly on it
        generator = Generator(
            world,
            random.Random(seed + first),
            datetime.now(UTC).replace(microsecond=0),
            overdue_share,
        )
        generator.codes = existing
        generator.clock_id = clock_base
        todo = target - have
        dropped = secondary_indexes(conn)
        conn.execute("SET session_replication_role = replica")  # rows are consistent by build
        conn.execute("SET synchronous_commit = off")
        for name, _definition in dropped:
            conn.execute(f'DROP INDEX IF EXISTS "{name}"')
        sample: list[tuple[str, str]] = []
        loaded = time.perf_counter()
        # the rows are made by two processes while this one COPYs what they made: making them
        # took 60 % of a load and COPY the rest, one after the other (issue 5, 2 cores)
        chunks = [range(start, min(start + chunk, first + todo)) for start in
                  range(first, first + todo, chunk)]  # fmt: skip
        fork = multiprocessing.get_context("fork")
        queues: list[Any] = [fork.Queue(maxsize=2) for _ in range(MAKERS)]
        makers = [
            fork.Process(
                target=_produce,
                args=(generator, lane, MAKERS, chunks, seed, queues[lane]),
                daemon=True,
            )
            for lane in range(MAKERS)
        ]
        for maker in makers:
            maker.start()
        try:
            with tqdm(total=todo, unit="complaint", unit_scale=True, desc="loading") as bar:
                for index in range(len(chunks)):  # in order: the tables' rows stay in id order
                    lane = index % MAKERS
                    batch, chunk_sample, count = _next_chunk(queues[lane], makers[lane])
                    if len(sample) < 1000:
                        sample.extend(chunk_sample)
                    with conn.transaction():
                        for table, columns in COLUMNS.items():
                            names = ", ".join(columns)
                            with conn.cursor().copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                                for row in batch[table]:
                                    copy.write_row(row)
                    bar.update(count)
            for maker in makers:
                maker.join()
        finally:
            for maker in makers:
                if maker.is_alive():
                    maker.terminate()
            print(f"rows loaded in {time.perf_counter() - loaded:.1f} s; rebuilding indexes")
            rebuilt = time.perf_counter()
            conn.execute("SET maintenance_work_mem = '1GB'")
            conn.execute("SET max_parallel_maintenance_workers = 2")
            for _name, definition in tqdm(dropped, desc="indexes", unit="index"):
                conn.execute(definition.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1))
            print(f"indexes rebuilt in {time.perf_counter() - rebuilt:.1f} s")
        for table, column in (("complaints", "id"), ("sla_clocks", "id")):
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                f"(SELECT max({column}) FROM {table}))"
            )
        conn.execute("SET session_replication_role = origin")
        # the clocks went in by COPY, past the ORM hook that keeps the breach tallies
        counted = time.perf_counter()
        with app.app_context():
            tallies.rebuild(db.session.connection())
            db.session.commit()
            db.engine.dispose()
        conn.execute("VACUUM ANALYZE sla_clock_tallies")  # the rebuild deleted every row
        print(f"breach tallies rebuilt in {time.perf_counter() - counted:.1f} s")
        # VACUUM as autovacuum would after a load this size: the visibility map lets index-only
        # scans skip the heap, and the hint bits are set once here rather than by the first
        # readers (the read figures of a fresh load were up to twice those of a vacuumed one)
        analyzed = time.perf_counter()
        for table in BIG_TABLES:
            conn.execute(f"VACUUM (ANALYZE) {table}")
        print(f"VACUUM ANALYZE in {time.perf_counter() - analyzed:.1f} s")
        if sample:
            known_file = sample_file(url)
            known_file.parent.mkdir(parents=True, exist_ok=True)
            known = json.loads(known_file.read_text()) if known_file.exists() else []
            known_file.write_text(
                json.dumps([*known, *({"code": c, "pin": p} for c, p in sample)][:1000])
            )
        total = conn.execute("SELECT count(*) FROM complaints").fetchone()[0]
    print(f"loaded {todo:,} complaints ({total:,} in all) in {time.perf_counter() - started:.1f} s")


def main() -> None:
    """Parse the options and load."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, required=True, help="complaints wanted in all")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("ADUAN_BENCH_DATABASE_URL", DEFAULT_URL),
        help="PostgreSQL URL (default $ADUAN_BENCH_DATABASE_URL or the local aduan_bench)",
    )
    parser.add_argument("--overdue-share", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--chunk", type=int, default=20_000, help="complaints per COPY batch")
    args = parser.parse_args()
    if make_url(args.database_url).get_backend_name() != "postgresql":
        sys.exit("seed_bulk loads PostgreSQL only (COPY)")
    load(args.database_url, args.complaints, args.overdue_share, args.seed, args.chunk)


if __name__ == "__main__":
    main()
