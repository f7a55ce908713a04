"""Enqueue messages in the outbox, in the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db import now_utc
from backend.notifications.models import OutboxMessage


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
) -> OutboxMessage | None:
    """Queue one e-mail; a message with the same `dedupe_key` already queued wins (sent once)."""
    if session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)):
        return None
    message = OutboxMessage(
        dedupe_key=dedupe_key,
        recipient=recipient,
        audience=audience,
        subject=subject,
        body=body,
        data=data or {},
        next_attempt_at=not_before or now_utc(),
    )
    session.add(message)
    return message
