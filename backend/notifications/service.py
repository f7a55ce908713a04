"""The outbox: enqueue in the caller's transaction; deliver later, once, with retries.

`enqueue` writes a row with the change that causes it (the caller commits both or neither).
`deliver_due` hands due messages to a sender; the job commits after each message, so a message
marked sent is never sent again, and a failure is retried with exponential backoff.

What a message may not keep in clear at rest (the receipt's PIN) is sealed with the outbox key
(`sealed_for`), filled into the body only when the e-mail is built, and wiped from the row once
the message is sent or given up.
"""

from __future__ import annotations

import hashlib
import smtplib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db import now_utc
from backend.db.engine import begin_write
from backend.db.writes import Rows, insert_rows
from backend.keys import SealBroken, seal, unseal
from backend.notifications.models import OutboxMessage, OutboxStatus

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=6)


def enqueue(
    *,
    session: Session,
    dedupe_key: str,
    recipient: str,
    audience: str,
    subject: str,
    body: str,
    not_before: datetime | None = None,
    data: dict[str, Any] | None = None,
    sealed: str | None = None,
) -> int | None:
    """Queue one e-mail; returns its id, or None when `dedupe_key` was queued before (sent once).

    INSERT ... ON CONFLICT DO NOTHING: two transactions queueing the same key cannot both win.
    """
    ids = enqueue_many(
        session=session,
        messages=[
            {
                "dedupe_key": dedupe_key,
                "recipient": recipient,
                "audience": audience,
                "subject": subject,
                "body": body,
                "not_before": not_before,
                "data": data,
                "sealed": sealed,
            }
        ],
    )
    return ids[0] if ids else None


def rows(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The outbox rows of these messages (dicts of `enqueue`'s arguments)."""
    created = now_utc()
    return [
        {
            "dedupe_key": m["dedupe_key"],
            "channel": "email",
            "recipient": m["recipient"],
            "audience": m["audience"],
            "subject": m["subject"],
            "body": m["body"],
            "data": m.get("data") or {},
            "sealed": m.get("sealed"),
            "status": OutboxStatus.PENDING,
            "attempts": 0,
            "next_attempt_at": m.get("not_before") or created,
            "created_at": created,
        }
        for m in messages
    ]


def enqueue_many(*, session: Session, messages: list[dict[str, Any]]) -> list[int]:
    """Queue many e-mails in one statement (the sweep's escalations); ids of the new ones.

    Each message is a dict of `enqueue`'s arguments; keys queued before are skipped.
    """
    queued = insert_rows(
        session,
        Rows(OutboxMessage.__table__, rows(messages)),
        returning=("id",),
        skip_conflicts=True,
    )
    return [row.id for row in queued]


def sealed_for(key: bytes, dedupe_key: str, values: dict[str, str]) -> str:
    """`values` sealed for the message `dedupe_key`, whose body names each as "[[name]]"."""
    return seal(key, dedupe_key, values)


def _filled_in(message: OutboxMessage, key: bytes | None) -> str:
    """The body with its sealed values put in; a value that cannot be opened (the key was
    changed) is left out with a sentence saying so, rather than holding the mail back."""
    body = message.body
    if not message.sealed:
        return body
    try:
        values = unseal(key or b"", message.dedupe_key, message.sealed)
    except SealBroken:
        values = {}
    for name in _placeholders(body):
        body = body.replace(
            f"[[{name}]]", values.get(name, "(tidak dapat disertakan / could not be included)")
        )
    return body


def _placeholders(body: str) -> list[str]:
    return [part.split("]]", 1)[0] for part in body.split("[[")[1:] if "]]" in part]


class Sender(Protocol):
    """Something that delivers one e-mail or raises."""

    def send(self, message: EmailMessage) -> None:
        """Deliver `message`; raise on failure."""


def build_email(message: OutboxMessage, sender: str, key: bytes | None = None) -> EmailMessage:
    """The RFC 5322 e-mail of an outbox row; its Message-ID derives from the dedupe key.

    `key` opens the row's sealed values (the outbox key), filled into the body here only.

    A stable Message-ID lets a receiving server drop the copy of a retry that did arrive.
    """
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = format_datetime(message.created_at)
    digest = hashlib.sha256(message.dedupe_key.encode()).hexdigest()[:32]
    email["Message-ID"] = f"<{digest}@aduan.outbox>"
    email["X-Aduan-Key"] = message.dedupe_key
    email.set_content(_filled_in(message, key))
    return email


@dataclass
class SmtpSender:
    """Sends over SMTP with smtplib (STARTTLS and login when configured)."""

    host: str
    port: int = 25
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 30.0

    def send(self, message: EmailMessage) -> None:
        """One SMTP conversation per message (the outbox is small and steady)."""
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(message)


@dataclass
class FileSender:
    """Writes each message as an .eml file under `directory` (development, `make run`)."""

    directory: Path

    def send(self, message: EmailMessage) -> None:
        """Write `<key>.eml`; the same message twice overwrites the same file."""
        self.directory.mkdir(parents=True, exist_ok=True)
        name = str(message["X-Aduan-Key"]).replace(":", "_").replace("/", "_")
        (self.directory / f"{name}.eml").write_bytes(message.as_bytes())


def sender_from_config(config: dict[str, Any]) -> Sender:
    """SMTP when ADUAN_SMTP_HOST is set, else .eml files under MAIL_DIR."""
    if config.get("SMTP_HOST"):
        return SmtpSender(
            host=config["SMTP_HOST"],
            port=int(config.get("SMTP_PORT") or 25),
            user=config.get("SMTP_USER"),
            password=config.get("SMTP_PASSWORD"),
            starttls=bool(config.get("SMTP_STARTTLS")),
        )
    return FileSender(Path(config["MAIL_DIR"]))


def backoff(attempts: int) -> timedelta:
    """The wait before the next attempt: 1, 2, 4 ... minutes, at most 6 hours."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_RETRY)


@dataclass
class DeliveryResult:
    """What one delivery run did."""

    sent: list[int] = field(default_factory=list)
    retried: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def due_messages(*, session: Session, now: datetime, limit: int) -> list[OutboxMessage]:
    """Pending messages whose time has come, oldest first; SKIP LOCKED on PostgreSQL."""
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def deliver_one(
    *,
    message: OutboxMessage,
    sender: Sender,
    mail_from: str,
    now: datetime,
    result: DeliveryResult,
    key: bytes | None = None,
) -> None:
    """Try one message and record the outcome on its row (the caller commits right after).

    Its sealed values are wiped when it is sent or given up: the PIN stays no longer than
    the mail needs it.
    """
    message.attempts += 1
    try:
        sender.send(build_email(message, mail_from, key))
    except (OSError, smtplib.SMTPException) as error:
        message.last_error = f"{type(error).__name__}: {error}"[:2000]
        if message.attempts >= MAX_ATTEMPTS:
            message.status = OutboxStatus.FAILED
            message.sealed = None
            result.failed.append(message.id)
        else:
            message.next_attempt_at = now + backoff(message.attempts)
            result.retried.append(message.id)
        return
    message.status = OutboxStatus.SENT
    message.sent_at = now
    message.last_error = None
    message.sealed = None
    result.sent.append(message.id)


def deliver_due(
    *,
    session: Session,
    sender: Sender,
    mail_from: str,
    now: datetime,
    limit: int = 10_000,
    key: bytes | None = None,
) -> DeliveryResult:
    """Deliver due messages one at a time, each locked, sent and committed before the next.

    A job's unit of work: each message is a write transaction of its own, committed right after
    the send, so a message marked sent is never sent again; holding the row lock (SKIP LOCKED on
    PostgreSQL; SQLite's write lock) while sending keeps a second deliverer off it.
    """
    result = DeliveryResult()
    for _ in range(limit):
        begin_write(session)
        messages = due_messages(session=session, now=now, limit=1)
        if not messages:
            session.rollback()
            break
        deliver_one(
            message=messages[0], sender=sender, mail_from=mail_from, now=now, result=result, key=key
        )
        session.commit()
    return result
