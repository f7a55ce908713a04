"""The webhook outbox: events written in the transaction of the change that causes them.

The one part of `backend.webhooks` that the domains below it call (intake, the lifecycle, the
sweep), so it imports nothing but the database foundations and its own model: a crash loses no
event and a rollback sends none. The scheduler fans each event out to the subscriptions that
match it (`backend.webhooks.jobs`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from backend.db.writes import Rows, insert_rows, with_defaults
from backend.webhooks.models import EventType, WebhookEvent

EVENTS = WebhookEvent.__table__


def event_row(
    *,
    type: EventType,
    complaint_id: int,
    agency_id: int | None,
    category_id: int | None,
    at: datetime,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The outbox row of one event, every column given (for a Core insert)."""
    return with_defaults(
        EVENTS,
        {
            "type": str(type),
            "complaint_id": complaint_id,
            "agency_id": agency_id,
            "category_id": category_id,
            "data": data or {},
            "occurred_at": at,
            "fanned_out_at": None,
        },
    )


def record(session: Session, rows: list[dict[str, Any]]) -> None:
    """Write these events (`event_row`s) in the session's transaction."""
    if rows:
        insert_rows(session, Rows(EVENTS, rows))
