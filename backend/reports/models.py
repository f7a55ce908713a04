"""Exports asked for now and written in the background (a million rows outlast a request)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, now_utc
from backend.sla.models import JobStatus


class ExportJob(Base):
    """A staff member's export: what they asked for, how far the scheduler got, the file.

    The file is theirs alone and downloadable until `expires_at`; the rows are the ones they may
    see when it is written, in their name.
    """

    __tablename__ = "export_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # complaints | ombudsman
    format: Mapped[str] = mapped_column(String(10))  # csv | xlsx
    filters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(10), default=JobStatus.QUEUED, index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(default=now_utc)
    started_at: Mapped[datetime | None]
    # the writer's last sign of life: a running job silent for long was left by a dead process
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    total: Mapped[int | None] = mapped_column(Integer)
    done: Mapped[int] = mapped_column(Integer, default=0)
    file_name: Mapped[str | None] = mapped_column(String(200))
    error: Mapped[str | None] = mapped_column(Text)
