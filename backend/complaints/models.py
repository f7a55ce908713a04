"""Complaints, the complainant's identity, the timeline, attachments and idempotency records."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base, now_utc


class Status(StrEnum):
    """The lifecycle of ARCHITECTURE.md."""

    SUBMITTED = "submitted"
    INCOMPLETE = "incomplete"
    VERIFIED = "verified"
    IN_PROGRESS = "in_progress"
    DECIDED = "decided"
    CLOSED = "closed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


OPEN_STATUSES = frozenset(
    {Status.SUBMITTED, Status.INCOMPLETE, Status.VERIFIED, Status.IN_PROGRESS, Status.DECIDED}
)


class Privacy(StrEnum):
    """Privacy options, from the loosest to the strictest."""

    PUBLIC = "public"
    PRIVATE = "private"
    CONFIDENTIAL_IDENTITY = "confidential_identity"
    ANONYMOUS = "anonymous"


class ReportType(StrEnum):
    """SP4N-LAPOR! report types."""

    PENGADUAN = "pengaduan"
    ASPIRASI = "aspirasi"
    PERMINTAAN_INFORMASI = "permintaan_informasi"


class Channel(StrEnum):
    """How the complaint reached the city (UU 25/2009 Pasal 36, Penjelasan)."""

    WEB = "web"
    MOBILE = "mobile"
    API = "api"
    WALK_IN = "walk_in"
    TELEPHONE = "telephone"
    LETTER = "letter"
    WHATSAPP = "whatsapp"
    SMS = "sms"
    EMAIL = "email"
    COMPLAINT_BOX = "complaint_box"


ASSISTED_CHANNELS = frozenset(
    {
        Channel.WALK_IN,
        Channel.TELEPHONE,
        Channel.LETTER,
        Channel.WHATSAPP,
        Channel.SMS,
        Channel.EMAIL,
        Channel.COMPLAINT_BOX,
    }
)


class Source(StrEnum):
    """Where the complaint comes from (Pasal 36(2))."""

    SERVICE_RECIPIENT = "service_recipient"
    OMBUDSMAN = "ombudsman"
    DPRD = "dprd"


class ComplainantKind(StrEnum):
    """Pasal 42(1), 1(6): a person, a group or a legal entity."""

    PERSON = "person"
    GROUP = "group"
    ORGANISATION = "organisation"


class Complaint(Base):
    """One complaint (pengaduan), aspiration or information request."""

    __tablename__ = "complaints"
    __table_args__ = (
        Index("ix_complaints_agency_status", "agency_id", "status"),
        Index("ix_complaints_status_received", "status", "received_at"),
        # the staff queue sorted by nearest deadline, and the overdue filter (issue 5)
        Index("ix_complaints_agency_next_due", "agency_id", "next_due_at", "id"),
        Index("ix_complaints_next_due", "next_due_at", "id"),
        # the overdue filter, newest first: walked backwards, next_due_at checked in the index
        Index(
            "ix_complaints_open_received",
            "received_at",
            "next_due_at",
            postgresql_where=text("next_due_at IS NOT NULL"),
            sqlite_where=text("next_due_at IS NOT NULL"),
        ),
        # text search (`q`, ILIKE): substring matches over a million complaints need trigrams
        # (pg_trgm, GIN) on PostgreSQL; on SQLite these are plain indexes
        Index(
            "ix_complaints_title_trgm",
            "title",
            postgresql_using="gin",
            postgresql_ops={"title": "gin_trgm_ops"},
        ),
        Index(
            "ix_complaints_description_trgm",
            "description",
            postgresql_using="gin",
            postgresql_ops={"description": "gin_trgm_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(20), unique=True)
    pin_hash: Mapped[str] = mapped_column(String(128))
    version: Mapped[int] = mapped_column(Integer, default=1)
    # the end of the hash chain: a deleted last event shows as a head the events do not reach
    timeline_head: Mapped[str] = mapped_column(String(64), default="0" * 64)
    timeline_length: Mapped[int] = mapped_column(Integer, default=0)

    report_type: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), default=Status.SUBMITTED)
    privacy: Mapped[str] = mapped_column(String(30))
    show_name_publicly: Mapped[bool] = mapped_column(Boolean, default=False)
    channel: Mapped[str] = mapped_column(String(20), index=True)
    source: Mapped[str] = mapped_column(String(30), default=Source.SERVICE_RECIPIENT)

    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    loss_description: Mapped[str | None] = mapped_column(Text)
    remedy_requested: Mapped[str | None] = mapped_column(Text)
    incident_place: Mapped[str | None] = mapped_column(String(300))
    incident_at: Mapped[datetime | None]
    service_date: Mapped[date | None] = mapped_column(Date)
    late_filing: Mapped[bool] = mapped_column(Boolean, default=False)

    address: Mapped[str | None] = mapped_column(String(300))
    kecamatan_code: Mapped[str | None] = mapped_column(ForeignKey("kecamatan.code"))
    kelurahan: Mapped[str | None] = mapped_column(String(100))
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))

    compensation_claimed: Mapped[bool] = mapped_column(Boolean, default=False)
    compensation_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    compensation_description: Mapped[str | None] = mapped_column(Text)
    consent_given_at: Mapped[datetime]

    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    assigned_officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    api_client_id: Mapped[int | None] = mapped_column(ForeignKey("api_clients.id"), index=True)
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    received_at: Mapped[datetime] = mapped_column(index=True)
    # the earliest deadline of the running clocks (None: none runs), kept by `next_due.py`
    next_due_at: Mapped[datetime | None]
    recorded_at: Mapped[datetime] = mapped_column(default=now_utc)
    verified_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=now_utc, onupdate=now_utc)

    decision: Mapped[str | None] = mapped_column(Text)
    compensation_awarded: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    compensation_due_date: Mapped[date | None] = mapped_column(Date)
    resolution_code: Mapped[str | None] = mapped_column(String(40))
    # a rejection's referral: where the citizen may complain instead (Pasal 46: the competent
    # institution, or the Ombudsman)
    referral: Mapped[str | None] = mapped_column(Text)
    # a legal hold (a dispute, an investigation) keeps the personal data: no erasure, no retention
    legal_hold: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    legal_hold_reason: Mapped[str | None] = mapped_column(Text)

    identity: Mapped[ComplainantIdentity | None] = relationship(
        back_populates="complaint", uselist=False, cascade="all, delete-orphan", lazy="joined"
    )

    __mapper_args__ = {"version_id_col": version}

    def _overdue_at(self, now: datetime) -> bool:
        return self.next_due_at is not None and self.next_due_at < now

    def _overdue_at_sql(cls: Any, now: datetime) -> ColumnElement[bool]:  # noqa: N805
        return cls.next_due_at < now

    #: Some running clock is overdue at `now` (`SlaClock.overdue_at`, the one rule): its
    #: earliest running deadline has passed. In Python and in SQL (`Complaint.overdue_at(now)`).
    overdue_at = hybrid_method(_overdue_at, _overdue_at_sql)

    @property
    def etag(self) -> str:
        """The strong ETag of this version of the complaint."""
        return f'"{self.tracking_code}.{self.version}"'


class ComplainantIdentity(Base):
    """Who complains (Pasal 42(1), 42(3)); absent for anonymous complaints."""

    __tablename__ = "complainant_identities"

    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default=ComplainantKind.PERSON)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(Text)
    organisation: Mapped[str | None] = mapped_column(String(200))
    representative_name: Mapped[str | None] = mapped_column(String(200))
    representative_basis: Mapped[str | None] = mapped_column(String(300))
    # when the identity was anonymised (erasure request or retention); None: as given
    erased_at: Mapped[datetime | None]

    complaint: Mapped[Complaint] = relationship(back_populates="identity")


class Visibility(StrEnum):
    """Who may read an event: the public (and the complainant) or staff only."""

    PUBLIC = "public"
    INTERNAL = "internal"


class ComplaintEvent(Base):
    """One entry of a complaint's timeline; each carries the hash of the previous one."""

    __tablename__ = "complaint_events"
    __table_args__ = (UniqueConstraint("complaint_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(30))
    action: Mapped[str | None] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    visibility: Mapped[str] = mapped_column(String(10), default=Visibility.PUBLIC)
    actor_kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_label: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    occurred_at: Mapped[datetime] = mapped_column(default=now_utc)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class Attachment(Base):
    """Evidence stored outside the web root, checked by content, images without EXIF."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("complaint_events.id"))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(100), unique=True)
    visibility: Mapped[str] = mapped_column(String(10), default=Visibility.PUBLIC)
    uploaded_by_kind: Mapped[str] = mapped_column(String(20))
    uploaded_by_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)


class IdempotencyRecord(Base):
    """The first receipt of an intake that carried an Idempotency-Key, for a retry within 24 h.

    Neither the key nor the caller is stored: `lookup` is a keyed hash of both. The receipt
    holds the PIN, so it is stored only sealed (encrypted) with a key derived from the
    Idempotency-Key itself, which only the client has: the database alone cannot open it.
    """

    __tablename__ = "idempotency_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lookup: Mapped[str] = mapped_column(String(64), unique=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"))
    sealed: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=now_utc, index=True)


class TrackingLock(Base):
    """Wrong PINs given for one tracking code, and when the code is locked until.

    Kept per code whether or not a complaint has it, so that an unknown code and a real one
    with a wrong PIN answer alike, locked or not. `lookup` is a keyed hash of the code.
    """

    __tablename__ = "tracking_locks"

    lookup: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=now_utc, index=True)
