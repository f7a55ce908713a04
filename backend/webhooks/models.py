"""Webhooks: subscriptions, the outbox of events, one delivery per event and subscription, and
the log of every attempt."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base, now_utc
from backend.db.base import JSONType


class EventType(StrEnum):
    """What a subscriber can be told about."""

    COMPLAINT_FILED = "complaint.filed"
    STATUS_CHANGED = "complaint.status_changed"
    CLOCK_BREACHED = "clock.breached"
    ESCALATION = "clock.escalated"
    DECISION_DELIVERED = "decision.delivered"


class DeliveryStatus(StrEnum):
    """Where one delivery is: waiting (first try or a retry), done, given up, or not sent
    because the subscriber may no longer see the complaint."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"


class WebhookSubscription(Base):
    """A URL told of events, filtered by type, agency and category; owned by an admin or by an
    API client for itself. The secret signs (Standard Webhooks); during a rotation the previous
    one signs too, until `previous_secret_expires_at`."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str | None] = mapped_column(String(300))
    event_types: Mapped[list[str]] = mapped_column(JSONType, default=list)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    # the admin who created it (told when it is disabled); None for an API client's own
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    api_client_id: Mapped[int | None] = mapped_column(ForeignKey("api_clients.id"), index=True)
    secret: Mapped[str] = mapped_column(String(100))
    previous_secret: Mapped[str | None] = mapped_column(String(100))
    previous_secret_expires_at: Mapped[datetime | None]
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_at: Mapped[datetime | None]
    disabled_reason: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(default=now_utc, onupdate=now_utc)


class WebhookEvent(Base):
    """One event in the outbox, written in the transaction of the change that causes it and
    fanned out to the matching subscriptions by the scheduler (`fanned_out_at`)."""

    __tablename__ = "webhook_events"
    __table_args__ = (
        Index(
            "ix_webhook_events_waiting",
            "id",
            postgresql_where=text("fanned_out_at IS NULL"),
            sqlite_where=text("fanned_out_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[str] = mapped_column(String(40))
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    agency_id: Mapped[int | None] = mapped_column(Integer)
    category_id: Mapped[int | None] = mapped_column(Integer)
    # what happened, beyond the complaint itself (statuses, the clock, the ladder step)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    occurred_at: Mapped[datetime] = mapped_column(default=now_utc)
    fanned_out_at: Mapped[datetime | None]


class WebhookDelivery(Base):
    """One event for one subscription: sent at least once, in order per complaint."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("subscription_id", "event_id"),
        # the job's look for the next due delivery, and for an earlier one of the same complaint
        Index(
            "ix_webhook_deliveries_pending",
            "subscription_id",
            "complaint_id",
            "event_id",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscriptions.id"))
    event_id: Mapped[int] = mapped_column(ForeignKey("webhook_events.id"), index=True)
    complaint_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=now_utc)
    # retries stop 3 days after this (a redelivery starts it again)
    first_tried_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    delivered_at: Mapped[datetime | None]

    event: Mapped[WebhookEvent] = relationship(lazy="joined")


class WebhookAttempt(Base):
    """One HTTP request of a delivery and what came back."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_deliveries.id"), index=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscriptions.id"), index=True)
    attempted_at: Mapped[datetime] = mapped_column(default=now_utc)
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)
    status_code: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[int] = mapped_column(Integer, default=0)
    response_excerpt: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(String(500))
