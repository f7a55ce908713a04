"""Intake's one-statement write (`backend.db.batch.insert_new`, issue 5).

On PostgreSQL a complaint, its complainant, its first event, its response clock, the breach
tallies and the receipt e-mail are written by one statement; the objects must then behave as
if a flush had written them, and whatever one statement cannot do must fall back to a flush
with its hooks. On SQLite the same calls are a flush.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, inspect, select

from backend.auth.principal import Principal
from backend.complaints import service
from backend.complaints.models import Complaint, ComplaintEvent
from backend.complaints.schemas import ComplaintCreateSchema
from backend.db import batch
from backend.db.engine import begin_lazily
from backend.extensions import db
from backend.notifications import service as outbox
from backend.notifications.models import OutboxMessage
from backend.sla.clocks import running_clock, start_clock, stop_clock
from backend.sla.models import ClockKind, SlaClock, SlaClockTally
from tests.api.test_reference_cache import statements
from tests.factories import complaint_payload, file_complaint

PUBLIC = Principal(kind="public")
NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # Monday 09:00 WIB


def _take_in(session, **overrides):
    """Intake as the view calls it, with the body as the API's schema loads it."""
    data = ComplaintCreateSchema().load(complaint_payload(**overrides))
    return service.create_complaint(
        session=session, principal=PUBLIC, data=data, now=NOW, pin_key="k" * 32
    )


def test_intake_on_postgresql_is_the_id_then_one_statement(app, client):
    file_complaint(client)  # the reference cache is filled
    with statements(app) as seen:
        receipt = file_complaint(
            client, complainant={"kind": "person", "name": "Siti", "email": "siti@contoh.id"}
        )
    with app.app_context():
        dialect = db.engine.dialect.name
        complaint = db.session.get(Complaint, receipt["id"])
        assert complaint.identity.email == "siti@contoh.id"
        assert complaint.next_due_at is not None and complaint.timeline_length == 1
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.dedupe_key == f"receipt:{complaint.id}")
            )
            == 1
        )
    if dialect != "postgresql":
        return
    writes = [s for s in seen if not s.lstrip().upper().startswith("SELECT")]
    assert len(writes) == 1, writes
    for table in (
        "complaints", "complainant_identities", "complaint_events", "sla_clocks",
        "sla_clock_tallies", "outbox_messages",
    ):  # fmt: skip
        assert f"INSERT INTO {table} " in writes[0]


def test_the_record_kept_for_a_retry_goes_in_the_same_statement(app, client):
    file_complaint(client)
    payload = complaint_payload(title="Dengan kunci")
    headers = {"Idempotency-Key": "one-statement-1"}
    with statements(app) as seen:
        first = client.post("/api/v1/complaints", json=payload, headers=headers)
    assert first.status_code == 201
    replay = client.post("/api/v1/complaints", json=payload, headers=headers)
    assert replay.headers.get("Idempotent-Replayed") == "true"
    assert replay.get_json() == first.get_json()
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            return
    writes = [s for s in seen if not s.lstrip().upper().startswith("SELECT")]
    assert len(writes) == 1, writes
    assert "INSERT INTO idempotency_records " in writes[0]


def test_objects_written_together_are_persistent_with_their_keys(session):
    _take_in(session)  # the reference cache is filled (a cold cache may flush on its own)
    session.commit()
    receipt = _take_in(
        session, complainant={"kind": "person", "name": "Budi", "email": "b@contoh.id"}
    )
    complaint = receipt.complaint
    assert inspect(complaint).persistent and not session.new
    assert complaint.identity.complaint_id == complaint.id
    event = session.scalar(
        select(ComplaintEvent).where(ComplaintEvent.complaint_id == complaint.id)
    )
    clock = running_clock(session=session, complaint_id=complaint.id, kind=ClockKind.RESPONSE)
    # the identity map holds the objects written, with the keys the database gave them
    assert clock is not None and clock.id is not None
    assert event is not None and event.hash == complaint.timeline_head
    # an edit after the write is an UPDATE that moves the version, as after a flush
    version = complaint.version
    complaint.title = "Judul yang diperbaiki"
    session.flush()
    assert complaint.version == version + 1
    session.commit()
    assert session.scalar(select(Complaint.title).where(Complaint.id == complaint.id)) == (
        "Judul yang diperbaiki"
    )


def test_columns_not_written_read_as_none_without_a_query(app, session):
    _take_in(session)
    session.commit()
    complaint = _take_in(session).complaint
    clock = running_clock(session=session, complaint_id=complaint.id, kind=ClockKind.RESPONSE)
    with statements(app) as seen:
        # as after a flush: what the object did not hold went in as NULL, and reads as such
        assert complaint.address is None and complaint.decided_at is None
        assert complaint.assigned_officer_id is None
        # a column with a Python default holds it, as the database does
        assert complaint.pin_failures == 0 and clock.steps_done == 0
    assert seen == []
    session.commit()
    session.expire_all()
    stored = session.get(Complaint, complaint.id)
    assert stored.address is None and stored.pin_failures == 0


def _receipts_like(session, pattern):
    return session.scalars(
        select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.like(pattern))
    ).all()


def _receipt(key):
    row = {"dedupe_key": key, "recipient": "x@contoh.id", "audience": "citizen"}
    return OutboxMessage(**outbox.rows([{**row, "subject": "s", "body": "b"}])[0])


def test_reads_outside_a_transaction_still_write_several_statements_atomically(session):
    begin_lazily(session)
    session.add(_receipt("lazy:1"))
    session.flush()  # the first write opens the transaction
    session.add(_receipt("lazy:2"))
    session.flush()
    session.rollback()
    assert _receipts_like(session, "lazy:%") == []


def test_after_an_intake_the_connection_is_transactional_again(app, client, session):
    file_complaint(client)  # intake without a transaction around its one statement
    session.add(_receipt("after-intake:1"))
    session.flush()
    session.rollback()
    assert _receipts_like(session, "after-intake:%") == []


def test_a_rollback_after_the_write_leaves_nothing_behind(session):
    _take_in(session)
    session.commit()

    def counts():
        return [
            session.scalar(select(func.count()).select_from(model))
            for model in (Complaint, ComplaintEvent, SlaClock, SlaClockTally, OutboxMessage)
        ]

    before = counts()
    receipt = _take_in(
        session, complainant={"kind": "person", "name": "Budi", "email": "b@contoh.id"}
    )
    complaint, identity = receipt.complaint, receipt.complaint.identity
    session.rollback()
    # as after a flush: the objects written go back to transient, their rows are gone
    assert inspect(complaint).transient and inspect(identity).transient
    assert complaint not in session and not session.new
    assert counts() == before


def test_the_tallies_count_a_complaint_written_in_one_statement(session):
    def counted() -> int:
        return session.scalar(
            select(func.coalesce(func.sum(SlaClockTally.clocks), 0)).where(
                SlaClockTally.grain == "day", SlaClockTally.kind == ClockKind.RESPONSE
            )
        )

    _take_in(session)
    session.commit()
    before = counted()
    _take_in(session)
    _take_in(session)
    session.commit()
    assert counted() == before + 2


def test_a_clock_added_to_a_complaint_in_the_database_falls_back_to_a_flush(session):
    receipt = _take_in(session)
    session.commit()
    complaint = receipt.complaint
    stop_clock(session=session, complaint_id=complaint.id, kind=ClockKind.RESPONSE, at=NOW)
    session.flush()
    session.expire_all()
    assert session.get(Complaint, complaint.id).next_due_at is None
    # a new clock of a complaint already written: its next_due_at needs the flush's UPDATE
    start_clock(
        session=session, complaint_id=complaint.id, agency_id=complaint.agency_id,
        category_id=complaint.category_id, kind=ClockKind.DECISION, at=NOW, flush=False,
    )  # fmt: skip
    batch.insert_new(session)
    session.commit()
    session.expire_all()
    due = session.scalar(
        select(SlaClock.due_at).where(
            SlaClock.complaint_id == complaint.id, SlaClock.kind == ClockKind.DECISION
        )
    )
    assert session.get(Complaint, complaint.id).next_due_at == due


def test_rows_beside_whose_key_was_queued_before_are_skipped(session):
    first = {
        "dedupe_key": "receipt:test-1", "recipient": "x@contoh.id", "audience": "citizen",
        "subject": "s", "body": "b",
    }  # fmt: skip
    outbox.enqueue(session=session, **first)
    session.commit()
    new = OutboxMessage(**outbox.rows([{**first, "dedupe_key": "receipt:test-2"}])[0])
    session.add(new)
    batch.insert_new(
        session, beside=[batch.Rows(OutboxMessage.__table__, outbox.rows([first]), True)]
    )
    session.commit()
    assert inspect(new).persistent and new.id is not None
    keys = session.scalars(
        select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.like("receipt:test-%"))
    ).all()
    assert sorted(keys) == ["receipt:test-1", "receipt:test-2"]
