"""Data-subject requests (UU 27/2022 Pasal 30-41) and the runs of the retention schedule."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, now_utc


class RequestKind(StrEnum):
    """What the data subject asks for."""

    ACCESS = "access"  # a copy of the data and the record of its processing (Pasal 32)
    CORRECTION = "correction"  # Pasal 30
    ERASURE = "erasure"  # Pasal 43
    RESTRICTION = "restriction"  # Pasal 41
    CONSENT_WITHDRAWAL = "consent_withdrawal"  # Pasal 40


class RequestStatus(StrEnum):
    """Waiting for the data-protection officer, or answered."""

    PENDING = "pending"
    ANSWERED = "answered"


class Outcome(StrEnum):
    """The answer: done as asked, or refused (with the ground)."""

    GRANTED = "granted"
    REFUSED = "refused"


class DataSubjectRequest(Base):
    """One request of a complainant about their personal data, answered within 3 x 24 hours.

    `due_at` is `received_at` plus 72 hours (calendar time: the law counts hours, not working
    days); a pending request past it is overdue (`overdue_at`).
    """

    __tablename__ = "data_subject_requests"
    __table_args__ = (Index("ix_data_subject_requests_status_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    details: Mapped[str | None] = mapped_column(Text)
    # "tracking" (code and PIN) or "account" (the citizen's login)
    requested_via: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=RequestStatus.PENDING)
    received_at: Mapped[datetime] = mapped_column(default=now_utc)
    due_at: Mapped[datetime]
    outcome: Mapped[str | None] = mapped_column(String(20))
    # why a request was refused: "complaint_open", "legal_hold", or "other"
    refusal_ground: Mapped[str | None] = mapped_column(String(30))
    answer: Mapped[str | None] = mapped_column(Text)
    # for access: what is held and the log of its processing, as given to the subject
    processing_record: Mapped[dict[str, Any] | None]
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    def overdue_at(self, now: datetime) -> bool:
        """Pending past its 3 x 24 hour deadline."""
        return self.status == RequestStatus.PENDING and self.due_at < now


class RetentionRun(Base):
    """One application of the retention schedule: what each record type lost, and how."""

    __tablename__ = "retention_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=now_utc)
    finished_at: Mapped[datetime | None]
    # "scheduler" or "cli"
    trigger: Mapped[str] = mapped_column(String(20))
    # {record type: {"action": "anonymise" | "delete", "days": n, "count": n}}
    results: Mapped[dict[str, Any]] = mapped_column(default=dict)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
