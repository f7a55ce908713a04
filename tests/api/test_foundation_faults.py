"""Issue 12 (foundations): each fault reproduced from outside, before it is fixed.

Each test states the fault it reproduces and fails on the code before the fix for that reason.
They drive the HTTP API and read the tables with plain SQL; where one must call an internal
function, a comment says which behaviour it pins, so that it can be re-pointed after a rewrite.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import secrets
import subprocess
import sys
import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, MetaData, event, select, text

from backend.app import create_app
from backend.demo import load_demo
from backend.extensions import db, limiter
from backend.keys import PinKeys
from backend.scheduler import build_scheduler
from backend.sla import tallies
from tests.api.fault_helpers import (
    CommitRefused,
    commits_refused,
    count_rows,
    engine_of,
    frozen,
    holds_pin,
    is_problem,
    rows_of,
    summed_tallies,
    table_names,
)
from tests.conftest import DEMO_HASH, reset_schema
from tests.conftest import test_config as app_config
from tests.factories import (
    ComplaintPayloadFactory,
    TrackRequestFactory,
    file_complaint,
    pdf_document,
)

MONDAY = datetime(2026, 3, 9, 3, 0, tzinfo=UTC)  # Monday 10:00 WIB
ROOT = Path(__file__).resolve().parents[2]


# --- 1. tally compaction on SQLite ------------------------------------------------------------


def test_compaction_loses_no_change_row_written_while_it_folds(app, client):
    """Fault: `compact` reads the sums outside a transaction on SQLite (pysqlite begins one
    only at the first write), then deletes every row of the keys it read, including a row
    another connection committed in between: that change is lost.

    A second connection files a complaint (which adds change rows to the same keys) just before
    compact's DELETE runs. Fixed, compact holds the write lock from its first read, so the
    writer waits (we give it a second, then let compact finish) and nothing is lost. On
    PostgreSQL compaction is one statement and this passes today.
    """
    with frozen(MONDAY):
        for _ in range(3):
            file_complaint(client)  # each adds change rows to today's and this month's keys
        engine = engine_of(app)
        errors: list[BaseException] = []

        def concurrent_intake() -> None:
            try:
                file_complaint(app.test_client())
            except BaseException as error:  # noqa: BLE001 (reported below)
                errors.append(error)

        writer = threading.Thread(target=concurrent_intake)

        def before_delete(_conn, _cursor, statement, *_args) -> None:
            if "DELETE FROM sla_clock_tallies" in statement and writer.ident is None:
                writer.start()
                writer.join(timeout=1.0)  # still waiting after 1 s: compact holds the lock

        # pins `backend.sla.tallies.compact(connection)`, the fold the scheduler runs
        with engine.connect() as connection:
            event.listen(connection, "before_cursor_execute", before_delete)
            tallies.compact(connection)
            connection.commit()
        writer.join(timeout=30)
        assert writer.ident is not None and not writer.is_alive() and not errors, errors
        kept = summed_tallies(engine)
        result = app.test_cli_runner().invoke(args=["sla", "rebuild-tallies"])
        assert result.exit_code == 0, result.output
        assert kept == summed_tallies(engine), "compaction lost a concurrent change row"


# --- 2. a rollback after intake's write ----------------------------------------------------

INTAKE_TABLES = (
    "complaints",
    "complainant_identities",
    "complaint_events",
    "sla_clocks",
    "sla_clock_tallies",
    "outbox_messages",
    "idempotency_records",
    "webhook_events",
)


@pytest.mark.postgres
def test_intake_that_fails_after_its_write_leaves_nothing_behind(app, client):
    """Fault: on PostgreSQL intake puts its connection in AUTOCOMMIT (`begin_lazily`), so the
    statement that writes the complaint commits at once; when the request then fails (here:
    the commit itself raises) the rollback undoes nothing and the complaint, its event, clock,
    tallies, receipt e-mail and replay record stay written.

    Fixed, intake's write is part of the request's transaction and the rollback removes it.
    """
    engine = engine_of(app)
    with frozen(MONDAY):
        file_complaint(client)  # warms the reference cache: intake's one-statement path
        before = {table: count_rows(engine, table) for table in INTAKE_TABLES}
        with commits_refused(), pytest.raises(CommitRefused):
            client.post(
                "/api/v1/complaints",
                json=ComplaintPayloadFactory(),
                headers={"Idempotency-Key": "rolled-back-1"},
            )
    after = {table: count_rows(engine, table) for table in INTAKE_TABLES}
    assert after == before, f"rows left after the rollback: {before} -> {after}"


# --- 3. intake's statement goes around SQLAlchemy --------------------------------------------


@pytest.mark.postgres
def test_intake_writes_through_sqlalchemy_so_its_events_fire(app, client):
    """Fault: on PostgreSQL intake's one statement (and its reads) run on the driver's own
    connection (`execute_on_driver`), past SQLAlchemy: engine events never see the INSERT of
    the complaint (no statement logging, tracing or listener sees intake).
    """
    engine = engine_of(app)
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    with frozen(MONDAY):
        file_complaint(client)  # warms the reference cache: intake's one-statement path
        event.listen(engine, "before_cursor_execute", record)
        try:
            file_complaint(client)
        finally:
            event.remove(engine, "before_cursor_execute", record)
    assert any("INSERT INTO complaints" in statement for statement in seen), seen


# --- 4. intake writes the same rows on both databases -----------------------------------------


def _forget_intake(engine: Engine) -> None:
    """Remove what intake wrote, reference data untouched (so the reference cache stays warm)
    and ids counted from 1 again."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(INTAKE_TABLES)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            return
        for table in reversed(INTAKE_TABLES):  # rows that point at a complaint first
            connection.execute(text(f"DELETE FROM {table}"))


def _normalised(value: Any) -> Any:
    """One form per value whatever the database returned it as."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
    if isinstance(value, Decimal):
        return value.normalize()
    if isinstance(value, float) and value.is_integer():
        return Decimal(int(value))
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return value


def _written(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Every column of every row intake writes, read by reflection (no model involved)."""
    metadata = MetaData()
    metadata.reflect(engine, only=list(INTAKE_TABLES))
    found = {}
    with engine.connect() as connection:
        for name in INTAKE_TABLES:
            table = metadata.tables[name]
            rows = [
                {key: _normalised(value) for key, value in row._mapping.items()}
                for row in connection.execute(select(table))
            ]
            found[name] = sorted(rows, key=lambda row: json.dumps(row, sort_keys=True, default=str))
    return found


def _deterministic_draws(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tracking code, the PIN and the sealed receipt's nonce drawn the same on every run."""
    monkeypatch.setattr(secrets, "randbits", lambda bits: 0x5A5A5A5A5A & ((1 << bits) - 1))
    monkeypatch.setattr(secrets, "randbelow", lambda n: 424242 % n)
    monkeypatch.setattr(secrets, "token_bytes", lambda n: bytes(range(n)))


def _intake_on(app: Flask, payload: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """File `payload` once on an app from empty intake tables; what it wrote."""
    engine = engine_of(app)
    client = app.test_client()
    with frozen(MONDAY, tick=False):
        file_complaint(client)  # warms the reference cache (PostgreSQL: the one-statement path)
        _forget_intake(engine)
        response = client.post(
            "/api/v1/complaints", json=payload, headers={"Idempotency-Key": "same-on-both"}
        )
    assert response.status_code == 201, response.get_json()
    return _written(engine)


@pytest.mark.postgres
def test_intake_writes_the_same_rows_on_sqlite_and_postgresql(app, tmp_path, monkeypatch):
    """Fault: intake writes through two different paths, a flush on SQLite and a hand-built
    statement of CTEs on PostgreSQL (`batch.insert_new`), so the same complaint filed at the
    same instant is stored differently on the two databases.

    The same body, instant, tracking code and PIN are filed on both from empty intake tables,
    and every column of every row written is compared. (The tracking code and PIN are made
    deterministic by patching `secrets.randbits` and `secrets.randbelow`, what intake draws
    them with today.) Runs where PostgreSQL is configured (`app` is the PostgreSQL app).
    """
    _deterministic_draws(monkeypatch)
    on_sqlite = create_app(app_config("sqlite", tmp_path))
    reset_schema(on_sqlite)
    with on_sqlite.app_context():
        load_demo(db.session, password_hash=DEMO_HASH)
        db.session.commit()
    payload = ComplaintPayloadFactory(
        complainant={"kind": "person", "name": "Siti Aminah", "email": "siti@contoh.id"},
        latitude="-6.872000",
        longitude="107.542000",
        compensation_amount="1500000.50",
        incident_at="2026-03-01T08:30:00+07:00",
    )
    try:
        sqlite_rows = _intake_on(on_sqlite, payload)
    finally:
        engine_of(on_sqlite).dispose()
    postgresql_rows = _intake_on(app, payload)
    differences = {
        table: _differences(sqlite_rows[table], postgresql_rows[table]) for table in INTAKE_TABLES
    }
    # per table, per row: the columns that differ, as (SQLite, PostgreSQL)
    assert differences == dict.fromkeys(INTAKE_TABLES, [])


def _differences(
    first: list[dict[str, Any]], second: list[dict[str, Any]]
) -> list[dict[str, tuple[Any, Any]]] | str:
    """Per row, the columns whose values differ."""
    if len(first) != len(second):
        return f"{len(first)} rows against {len(second)}"
    found = []
    for one, other in zip(first, second, strict=True):
        changed = {
            key: (one.get(key), other.get(key))
            for key in sorted(set(one) | set(other))
            if one.get(key) != other.get(key)
        }
        if changed:
            found.append(changed)
    return found


# --- 5. the record kept for an Idempotency-Key's replay ----------------------------------------


def test_no_table_keeps_the_pin_in_clear_text(app, client):
    """Fault: the record kept for an Idempotency-Key's replay (`idempotency_records.response`)
    holds the receipt as it was answered, PIN included, in clear text: anyone who can read the
    database (a backup, a replica, a support query) can track and act on the complaint.

    Every text and JSON column of every table is searched for the PIN (as `"pin": "…"` and, in
    the replay record, as the bare six digits).
    """
    engine = engine_of(app)
    with frozen(MONDAY):
        response = client.post(
            "/api/v1/complaints",
            json=ComplaintPayloadFactory(),
            headers={"Idempotency-Key": "pin-1"},
        )
    assert response.status_code == 201
    pin = response.get_json()["pin"]
    found = [
        (table, column)
        for table in table_names(engine)
        for row in rows_of(engine, table)
        for column, value in row.items()
        if holds_pin(value, pin, bare=table == "idempotency_records")
    ]
    assert found == [], f"the PIN {pin} is stored in clear in {found}"


def test_a_replay_older_than_a_day_is_refused(app, client):
    """Fault: a retry with the same Idempotency-Key and body is answered with the first receipt
    (PIN included) however old the record is; the design keeps replays for 24 hours only.

    25 hours later the same request must get a problem (the key has expired), not the receipt.
    """
    payload = ComplaintPayloadFactory()
    headers = {"Idempotency-Key": "late-retry-1"}
    with frozen(MONDAY) as traveller:
        first = client.post("/api/v1/complaints", json=payload, headers=headers)
        assert first.status_code == 201
        traveller.shift(timedelta(hours=25))
        retry = client.post("/api/v1/complaints", json=payload, headers=headers)
    assert 400 <= retry.status_code < 500, (retry.status_code, retry.get_json())
    assert is_problem(retry)
    assert first.get_json()["pin"] not in retry.get_data(as_text=True)


def test_the_scheduler_purges_replay_records_older_than_a_day(app, client):
    """Fault: `purge_idempotency` exists but no scheduled job calls it, so replay records (and
    the PINs in them) are kept for ever instead of 24 hours.

    Every job of the scheduler is run once, 25 hours after the record was written: the record
    must be gone.
    """
    engine = engine_of(app)
    with frozen(MONDAY) as traveller:
        response = client.post(
            "/api/v1/complaints",
            json=ComplaintPayloadFactory(),
            headers={"Idempotency-Key": "purge-1"},
        )
        assert response.status_code == 201
        assert count_rows(engine, "idempotency_records") == 1
        traveller.shift(timedelta(hours=25))
        jobs = build_scheduler(app).get_jobs()
        for job in jobs:
            job.func(*job.args, **job.kwargs)
    assert count_rows(engine, "idempotency_records") == 0, [job.id for job in jobs]


# --- 6. one secret for everything ------------------------------------------------------------


def _pin_digest(key: str, code: str, pin: str) -> str:
    """The PIN digest as intake computes it today: HMAC-SHA256 of "code:pin"."""
    return hmac.new(key.encode(), f"{code}:{pin}".encode(), hashlib.sha256).hexdigest()


def test_sessions_tokens_and_pin_digests_have_keys_of_their_own(app, client):
    """Fault: `SECRET_KEY` signs Flask's cookies, is copied into `JWT_SECRET_KEY` to sign
    tokens, and keys the PIN digests (`_pin_key()` returns it): one leaked key forges tokens
    and lets an offline search recover every PIN, and none can be rotated alone.

    The three keys must differ: the stored PIN digest of a filed complaint is neither the
    HMAC under SECRET_KEY nor under JWT_SECRET_KEY.
    """
    engine = engine_of(app)
    with frozen(MONDAY):
        receipt = file_complaint(client)
    with engine.connect() as connection:
        stored = connection.execute(
            text("SELECT pin_hash FROM complaints WHERE id = :id"), {"id": receipt["id"]}
        ).scalar_one()
    code, pin = receipt["tracking_code"], receipt["pin"]
    secret, jwt_secret = app.config["SECRET_KEY"], app.config["JWT_SECRET_KEY"]
    assert secret != jwt_secret, "tokens are signed with SECRET_KEY itself"
    assert stored != _pin_digest(secret, code, pin), "PIN digests are keyed by SECRET_KEY"
    assert stored != _pin_digest(jwt_secret, code, pin), "PIN digests are keyed by the JWT key"


def test_without_a_secret_key_a_production_database_refuses_to_start(tmp_path):
    """Fault: with a PostgreSQL URL (production) and no ADUAN_SECRET_KEY, the app silently
    generates a key into var/secret_key (`config._dev_secret`): each host of a deployment gets
    its own key (tokens and PINs work on one host only), and a lost file invalidates every PIN.

    Fixed, `create_app` refuses to start and names ADUAN_SECRET_KEY. Run in a subprocess with
    a temporary ADUAN_VAR_DIR, so the real var/ is never written.
    """
    var = tmp_path / "var"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADUAN_")}
    env.update(
        ADUAN_VAR_DIR=str(var),
        ADUAN_DATABASE_URL="postgresql+psycopg://aduan@127.0.0.1:5432/aduan",
    )
    started = subprocess.run(
        [sys.executable, "-c", "from backend.app import create_app; create_app()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert started.returncode != 0, "started with a generated secret"
    assert "ADUAN_SECRET_KEY" in started.stderr
    assert not (var / "secret_key").exists()


# --- 7. rate limits behind a reverse proxy ---------------------------------------------------


@pytest.fixture
def behind_one_proxy(tmp_path, monkeypatch):
    """An app with rate limits on (memory store), configured to trust one reverse proxy.

    No database is needed (the requests are refused before any read). The limiter is one
    object shared by every app of the process: its switch is put back.
    """
    monkeypatch.setenv("ADUAN_TRUSTED_PROXIES", "1")
    was_enabled = limiter.enabled
    proxied = create_app(
        app_config(
            "sqlite",
            tmp_path,
            RATELIMIT_ENABLED=True,
            RATELIMIT_STORAGE_URI="memory://",
            TRUSTED_PROXIES=1,
        )
    )
    try:
        yield proxied
    finally:
        limiter.enabled = was_enabled
        engine_of(proxied).dispose()


def test_rate_limits_count_the_client_behind_a_trusted_proxy(behind_one_proxy):
    """Fault: behind a reverse proxy every request comes from the proxy's address, and the app
    never reads X-Forwarded-For (no ProxyFix, no TRUSTED_PROXIES setting): once one client
    spends trackComplaint's limit (20 a minute), every citizen is refused.

    With one trusted proxy, a second client (another X-Forwarded-For) is not limited.
    """
    client = behind_one_proxy.test_client()
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    attempt = {"code": "x"}  # refused by validation: limits count every request
    with frozen(MONDAY):
        for _ in range(30):
            response = client.post(
                "/api/v1/track",
                json=attempt,
                headers={"X-Forwarded-For": "203.0.113.7"},
                environ_base=proxy,
            )
            if response.status_code == 429:
                break
        assert response.status_code == 429, "the first client was never limited"
        other = client.post(
            "/api/v1/track",
            json=attempt,
            headers={"X-Forwarded-For": "198.51.100.9"},
            environ_base=proxy,
        )
    assert other.status_code != 429, "another client behind the proxy was limited too"


# --- 8. an upload whose transaction rolls back ------------------------------------------------

PDF = pdf_document()


def _stored_files(app: Flask) -> set[Path]:
    """Every file under the app's UPLOAD_DIR."""
    return {path for path in Path(app.config["UPLOAD_DIR"]).rglob("*") if path.is_file()}


@pytest.mark.parametrize("uploader", ["citizen owner", "tracking code and PIN"])
def test_an_upload_whose_commit_fails_leaves_no_file(app, client, headers_for, uploader):
    """Fault: the file is written to UPLOAD_DIR before the transaction that records it commits;
    when the commit fails the row is gone but the file stays: an orphan no one can see, list
    or delete, holding personal data (and one more for every retry of the failed request).

    The commit is made to fail by a `before_commit` listener on every session.
    """

    with frozen(MONDAY):
        citizen = headers_for("citizen")
        receipt = file_complaint(client, citizen)
        before = _stored_files(app)
        data = {"file": (io.BytesIO(PDF), "bukti.pdf")}
        url, headers = f"/api/v1/complaints/{receipt['id']}/attachments", citizen
        if uploader == "tracking code and PIN":
            url, headers = "/api/v1/track/attachments", {}
            data.update(code=receipt["tracking_code"], pin=receipt["pin"])
        with commits_refused(), pytest.raises(CommitRefused):
            client.post(url, data=data, headers=headers, content_type="multipart/form-data")
    assert count_rows(engine_of(app), "attachments") == 0
    assert _stored_files(app) - before == set(), "the file outlived its rolled-back row"


# --- 9. local time of an agency outside WIB --------------------------------------------------

# Tuesday 23:30 WIB, but already Wednesday 00:30 WITA
LATE_EVENING = datetime(2026, 3, 10, 16, 30, tzinfo=UTC)
WITA_CALENDAR, WITA_AGENCY, WITA_CATEGORY = "ID-SLW", "DISDUKCAPIL-MKS", "KTP-MKS"


def _wita_agency(app: Flask, client: FlaskClient, admin: dict[str, str]) -> None:
    """A WITA calendar, an agency that counts on it and a category routed to that agency."""
    calendar = client.post(
        "/api/v1/sla/calendars",
        json={
            "code": WITA_CALENDAR,
            "name": "Sulawesi Selatan",
            "zone": "WITA",
            "first_year": 2024,
            "last_year": 2030,
        },
        headers=admin,
    )
    assert calendar.status_code == 201, calendar.get_json()
    agency = client.post(
        "/api/v1/agencies",
        json={
            "code": WITA_AGENCY,
            "name": "Dinas Kependudukan dan Pencatatan Sipil Kota Makassar",
            "short_name": "Disdukcapil Makassar",
            "calendar": WITA_CALENDAR,
        },
        headers=admin,
    )
    assert agency.status_code == 201, agency.get_json()
    category = client.post(
        "/api/v1/categories",
        json={"code": WITA_CATEGORY, "name": "KTP-el Makassar", "agency_code": WITA_AGENCY},
        headers=admin,
    )
    assert category.status_code == 201, category.get_json()


def _offset(value: str) -> str:
    return datetime.fromisoformat(value).strftime("%z")


def test_a_wita_agencys_complaint_is_shown_in_wita(app, client, headers_for):
    """Fault: every time is shown with WIB's +07:00 (`LocalDateTime` converts to Asia/Jakarta),
    and nothing names the zone, even for an agency whose calendar is WITA: a deadline at the
    end of a WITA day reads as 22:59:59 to its staff and citizens.

    Fixed, the times of a WITA agency's complaint carry +08:00, and the response clock's
    deadline reads as the end of its local day.
    """
    with frozen(LATE_EVENING):
        _wita_agency(app, client, headers_for("admin"))
        receipt = file_complaint(client, category=WITA_CATEGORY, kecamatan=None, kelurahan=None)
        assert receipt["agency"] == WITA_AGENCY
        shown = client.get(f"/api/v1/complaints/{receipt['id']}", headers=headers_for("verifier"))
    body = shown.get_json()
    response_clock = next(clock for clock in body["clocks"] if clock["kind"] == "response")
    assert (_offset(receipt["received_at"]), _offset(body["received_at"])) == ("+0800", "+0800")
    # day 0 is Wednesday 11 March in WITA: 14 days end on 25 March, 23:59:59 WITA
    assert response_clock["due_at"] == "2026-03-25T23:59:59+08:00"


def test_late_filing_is_decided_on_the_agencys_calendar(app, client, headers_for):
    """Fault: whether a complaint is filed after the 30-day window of Pasal 42(2) is decided
    on the default WIB calendar and on the WIB date of receipt (`_filed_late`), never on the
    calendar of the agency that handles it.

    Filed at 00:30 WITA on the day after the window's last day (still that last day in WIB),
    a complaint to a WITA agency is late.
    """
    service_date = "2026-02-02"
    with frozen(datetime(2026, 2, 2, 3, 0, tzinfo=UTC)):
        _wita_agency(app, client, headers_for("admin"))
        window = {
            code: _window_ends(client, service_date, code) for code in (WITA_CALENDAR, "ID-JB")
        }
    last_day = window[WITA_CALENDAR]
    assert window["ID-JB"] == last_day  # the same holidays: only the zone differs
    filed_at = datetime.combine(last_day, datetime.min.time(), UTC).replace(hour=16, minute=30)
    with frozen(filed_at):
        receipt = file_complaint(
            client,
            category=WITA_CATEGORY,
            kecamatan=None,
            kelurahan=None,
            service_date=service_date,
        )
    assert receipt["late_filing"] is True, f"filed at {filed_at}, the window ended {last_day}"


def _window_ends(client: FlaskClient, service_date: str, calendar: str) -> date:
    """The last day of the 30-day filing window on `calendar`: the later of its calendar-day
    and working-day readings, counted from the service date (README, Deadlines)."""
    days = []
    for unit in ("calendar_day", "working_day"):
        answer = client.get(
            "/api/v1/sla/deadline",
            query_string={
                "start": f"{service_date}T12:00:00+07:00",
                "days": 30,
                "unit": unit,
                "calendar": calendar,
            },
        )
        assert answer.status_code == 200, answer.get_json()
        days.append(date.fromisoformat(answer.get_json()["due_date"]))
    return max(days)


def test_compute_deadline_answers_the_local_time_beside_utc(app, client, headers_for):
    """Fault: computeDeadline answers `due_at` in UTC only (and the zone's IANA name): a caller
    must convert it to see the end of the local day the law counts in.

    Fixed, the answer also holds the deadline as a local time of the calendar's zone (+08:00
    for a WITA calendar), whatever the field is named.
    """
    with frozen(LATE_EVENING):
        _wita_agency(app, client, headers_for("admin"))
        answer = client.get(
            "/api/v1/sla/deadline",
            query_string={
                "start": LATE_EVENING.isoformat(),
                "days": 14,
                "unit": "calendar_day",
                "calendar": WITA_CALENDAR,
            },
        )
    body = answer.get_json()
    due = datetime.fromisoformat(body["due_at"])
    assert due == datetime(2026, 3, 25, 15, 59, 59, tzinfo=UTC)  # 23:59:59 WITA, in UTC
    local = [
        value
        for key, value in body.items()
        if key != "due_at"
        and isinstance(value, str)
        and _is_time(value)
        and _offset(value) == "+0800"
        and datetime.fromisoformat(value) == due
    ]
    assert local, f"no local deadline beside the UTC one: {body}"


def _is_time(value: str) -> bool:
    try:
        return datetime.fromisoformat(value).tzinfo is not None and "T" in value
    except ValueError:
        return False


def test_tallies_count_a_wita_clock_on_its_local_start_day(app, client, headers_for):
    """Fault: the breach tallies put every clock on its WIB start day (a fixed +07:00 in
    `tallies.start_day`), so a WITA agency's clock started at 00:30 WITA on Wednesday is
    counted on Tuesday, and its agency's daily breach figures are a day off.
    """
    with frozen(LATE_EVENING):
        _wita_agency(app, client, headers_for("admin"))
        file_complaint(client, category=WITA_CATEGORY, kecamatan=None, kelurahan=None)
    engine = engine_of(app)
    with engine.connect() as connection:
        agency_id = connection.execute(
            text("SELECT id FROM agencies WHERE code = :code"), {"code": WITA_AGENCY}
        ).scalar_one()
    days = {
        str(row["start_day"])
        for row in rows_of(engine, "sla_clock_tallies")
        if row["agency_key"] == agency_id and row["grain"] == "day"
    }
    assert days == {"2026-03-11"}


def test_a_new_pin_key_leaves_the_old_pins_working(app, client, monkeypatch):
    """Item 7: raising ADUAN_PIN_KEY_ID hashes new PINs under a new key, and a PIN hashed under
    the old one still tracks its complaint (the stored hash names its key id)."""
    engine = engine_of(app)
    with frozen(MONDAY):
        old = file_complaint(client)
        rotated = PinKeys(app.config["PIN_KEYS"].master, current=2)
        monkeypatch.setitem(app.config, "PIN_KEYS", rotated)
        new = file_complaint(client)
        tracked = {
            name: client.post("/api/v1/track", json=TrackRequestFactory.of(receipt)).status_code
            for name, receipt in (("old", old), ("new", new))
        }
    with engine.connect() as connection:
        stored = dict(
            connection.execute(
                text("SELECT id, pin_hash FROM complaints WHERE id IN (:a, :b)"),
                {"a": old["id"], "b": new["id"]},
            ).all()
        )
    assert stored[old["id"]].startswith("1$") and stored[new["id"]].startswith("2$")
    assert tracked == {"old": 200, "new": 200}
