"""The outbox (issue 3, item 11, 14): real SMTP conversations with aiosmtpd, sent once,
retries with backoff, .eml files without SMTP, and a complaint's way to an escalation e-mail."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from backend.auth.models import User
from backend.extensions import db
from backend.notifications import service as outbox
from backend.notifications.models import OutboxMessage
from backend.scheduler import deliver_once, sweep_once
from backend.sla.calendars import get_calendar
from tests.conftest import ROLE_EMAILS
from tests.factories import file_complaint
from tests.sla_helpers import act, file_backdated, now


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd API
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[bytes]:
        return [content for rcpts, content in self.messages if address in rcpts]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(app, monkeypatch) -> Iterator[Inbox]:
    """A real SMTP server on 127.0.0.1 (ephemeral port) that the app sends to."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", controller.port)
    try:
        yield inbox
    finally:
        controller.stop()


def _queue(key: str, recipient: str = "warga@contoh.id", **extra) -> int | None:
    return outbox.enqueue(
        session=db.session,
        dedupe_key=key,
        recipient=recipient,
        audience="citizen",
        subject=f"Subjek {key}",
        body="Isi pesan.",
        **extra,
    )


def test_sent_over_smtp_once(app, smtp):
    with app.app_context():
        assert _queue("test:1") is not None
        assert _queue("test:1") is None  # the same key again: still one message
        db.session.commit()
        first = deliver_once(app)
        second = deliver_once(app)
    assert len(first.sent) == 1 and second.sent == []
    assert len(smtp.to("warga@contoh.id")) == 1
    mail = message_from_bytes(smtp.to("warga@contoh.id")[0])
    assert mail["Subject"] == "Subjek test:1"
    assert mail["Message-ID"].endswith("@aduan.outbox>")


def test_staff_mail_waits_for_its_time(app, smtp):
    with app.app_context():
        _queue("test:later", "kadis@contoh.id", not_before=now() + timedelta(hours=3))
        db.session.commit()
        assert deliver_once(app).sent == []
        assert deliver_once(app, now=now() + timedelta(hours=3, seconds=1)).sent
    assert len(smtp.to("kadis@contoh.id")) == 1


def test_failures_are_retried_with_backoff_then_given_up(app, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", _free_port())  # nobody listens there
    with app.app_context():
        message_id = _queue("test:retry")
        db.session.commit()
        at = now()
        result = deliver_once(app, now=at)
        assert result.retried == [message_id]
        message = db.session.get(OutboxMessage, message_id)
        assert message.status == "pending" and message.attempts == 1
        assert message.next_attempt_at == at + timedelta(minutes=1)
        assert "Error" in message.last_error
        assert deliver_once(app, now=at + timedelta(seconds=30)).retried == []  # not yet
        for _ in range(outbox.MAX_ATTEMPTS - 1):
            db.session.refresh(message)
            deliver_once(app, now=message.next_attempt_at)
        db.session.refresh(message)
        assert message.status == "failed" and message.attempts == outbox.MAX_ATTEMPTS
    assert outbox.backoff(3) == timedelta(minutes=4)
    assert outbox.backoff(30) == outbox.LONGEST_RETRY


def test_without_smtp_messages_are_written_as_eml_files(app, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_HOST", None)
    with app.app_context():
        _queue("test:file")
        db.session.commit()
        assert len(deliver_once(app).sent) == 1
    files = list(Path(app.config["MAIL_DIR"]).glob("test_file.eml"))
    assert len(files) == 1
    assert message_from_bytes(files[0].read_bytes())["To"] == "warga@contoh.id"


def test_citizen_is_told_of_each_step(app, client, headers_for, smtp):
    verifier = headers_for("verifier")
    receipt = file_complaint(client, complainant={"name": "Ujang", "email": "ujang@contoh.id"})
    act(client, verifier, receipt["id"], action="request_info", reason="Lampirkan KTP")
    act(client, verifier, receipt["id"], action="complete_info")
    act(client, verifier, receipt["id"], action="verify")
    with app.app_context():
        deliver_once(app)
        deliver_once(app)
    subjects = [message_from_bytes(m)["Subject"] for m in smtp.to("ujang@contoh.id")]
    code = receipt["tracking_code"]
    assert subjects == [
        f"Tanda terima pengaduan {code}",
        f"Pengaduan {code}: mohon lengkapi",
        f"Pengaduan {code}: berkas lengkap",
    ]


def test_end_to_end_from_a_backdated_complaint_to_an_escalation_email(
    app, client, headers_for, smtp
):
    verifier = headers_for("verifier")
    receipt = file_backdated(client, verifier, 25)  # a walk-in letter typed in late
    with app.app_context():
        outcome = sweep_once()
        assert outcome.report.escalations >= 1
        staff_mail = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.audience == "staff")
        ).all()
        head = [m for m in staff_mail if m.recipient == ROLE_EMAILS["agency_head"]]
        assert len(head) == 1
        # the scheduler's delivery job when the office opens
        deliver_once(app, now=max(m.next_attempt_at for m in staff_mail))
    received = smtp.to(ROLE_EMAILS["agency_head"])
    assert len(received) == 1
    mail = message_from_bytes(received[0])
    # the tracking code and the zone by name, the step in words (issue 14, item 8)
    code = receipt["tracking_code"]
    assert mail["Subject"] == f"[Aduan] Tenggat terlampaui: pengaduan {code}"
    body = mail.get_payload(decode=True).decode()
    assert "tanggapan (Pasal 44 ayat 3)" in body and " WIB." in body
    assert "Tenggat terlampaui (tingkat 1 dari 3)" in body
    assert "Asia/Jakarta" not in body and "agency_head" not in body and "#" not in body
    with app.app_context():
        sweep_once()
        deliver_once(app, now=now() + timedelta(days=4))
    assert len(smtp.to(ROLE_EMAILS["agency_head"])) == 1  # never twice


def test_officer_told_of_assignment_in_office_hours_and_citizen_of_the_decision(
    app, client, headers_for, smtp
):
    verifier, officer = headers_for("verifier"), headers_for("officer")
    receipt = file_complaint(client, complainant={"name": "Ujang", "email": "ujang@contoh.id"})
    act(client, verifier, receipt["id"], action="verify")
    with app.app_context():
        officer_id = db.session.scalar(select(User.id).where(User.email == ROLE_EMAILS["officer"]))
    act(client, headers_for("agency_head"), receipt["id"], action="assign", officer_id=officer_id)
    act(client, officer, receipt["id"], action="decide", decision="KTP-el dicetak")
    act(client, officer, receipt["id"], action="deliver", delivery_channel="email")
    with app.app_context():
        assignment = db.session.scalar(
            select(OutboxMessage).where(OutboxMessage.recipient == ROLE_EMAILS["officer"])
        )
        calendar = get_calendar(session=db.session)
        local = assignment.next_attempt_at.astimezone(calendar.zone)
        assert calendar.is_working_day(local.date()) and 8 <= local.hour < 16
        deliver_once(app, now=max(now(), assignment.next_attempt_at))
    code = receipt["tracking_code"]
    subjects = [message_from_bytes(m)["Subject"] for m in smtp.to("ujang@contoh.id")]
    assert subjects[-2:] == [
        f"Pengaduan {code}: keputusan telah dibuat",
        f"Pengaduan {code}: keputusan disampaikan",
    ]
    assert len(smtp.to(ROLE_EMAILS["officer"])) == 1


def test_the_receipt_email_brings_the_pin_kept_sealed_until_it_is_sent(app, client, smtp):
    """Issue 14, item 1: the receipt e-mail carries the tracking link and the PIN; the outbox
    keeps the PIN only encrypted, and wipes it once the mail is sent."""
    address = "penerima.pin@contoh.id"
    receipt = file_complaint(client, complainant__email=address)
    code, pin = receipt["tracking_code"], receipt["pin"]
    with app.app_context():
        row = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.dedupe_key == f"receipt:{receipt['id']}")
        ).one()
        stored = " ".join(str(v) for v in (row.subject, row.body, row.data, row.sealed))
        assert pin not in stored, "the PIN is in the outbox in clear"
        assert row.sealed  # but it is there, sealed, for the mail
        deliver_once(app)
        db.session.expire_all()
        row = db.session.get(OutboxMessage, row.id)
        assert row.status == "sent" and row.sealed is None  # wiped once sent
    [raw] = smtp.to(address)
    body = message_from_bytes(raw).get_payload(decode=True).decode()
    assert f"PIN: {pin}" in body and f"/lacak?kode={code}" in body
    tracked = client.post("/api/v1/track", json={"code": code, "pin": pin})
    assert tracked.status_code == 200  # the PIN from the mail opens the complaint


def test_a_receipt_that_cannot_be_delivered_wipes_its_pin_when_it_gives_up(
    app, client, monkeypatch
):
    """The sealed PIN does not outlive the message: a mail given up after its last attempt
    keeps no PIN either."""
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", _free_port())  # nobody listens
    receipt = file_complaint(client, complainant__email="tidak.sampai@contoh.id")
    with app.app_context():
        key = f"receipt:{receipt['id']}"
        for attempt in range(outbox.MAX_ATTEMPTS):
            deliver_once(app, now=now() + timedelta(days=attempt + 1))
        db.session.expire_all()
        row = db.session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key == key)).one()
        assert row.status == "failed" and row.sealed is None
