"""Intake: a complaint is received, routed, given its first clock and a receipt (Pasal 42-44).

Intake is the one write that runs for every complaint, so it writes with Core, in the request's
transaction, from plain values: the complaint, the complainant's identity, the first timeline
event, the response clock with its tally changes, the receipt e-mail and, with an
Idempotency-Key, the sealed receipt kept for a retry (`backend.db.writes.insert_together`: one
statement on PostgreSQL). What the ORM's hooks derive for other writes comes from the same
functions here: `next_due_at` from `next_due.earliest_due`, the clock's columns and tallies from
`backend.sla.clocks`, the event's hash from `timeline`. The complaint's id is reserved first, so
that every row can name it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from backend import localtime
from backend.agencies.service import category_by_code, check_area, route
from backend.auth.models import User
from backend.auth.principal import Principal
from backend.complaints import idempotency, next_due, timeline
from backend.complaints.codes import new_pin, new_tracking_code
from backend.complaints.idempotency import IdempotencyKey
from backend.complaints.models import (
    ASSISTED_CHANNELS,
    Channel,
    ComplainantIdentity,
    ComplainantKind,
    Complaint,
    Privacy,
    Source,
    Status,
)
from backend.complaints.notices import tracking_link
from backend.db import reference
from backend.db.writes import Rows, insert_together, with_defaults
from backend.errors import invalid
from backend.keys import PinKeys
from backend.notifications.models import OutboxMessage
from backend.notifications.service import rows as outbox_rows
from backend.notifications.service import sealed_for
from backend.sla.calendars import calendar_of_agency
from backend.sla.clocks import new_clock, new_clock_rows
from backend.sla.models import ClockKind
from backend.sla.working_calendar import CalendarHorizonError
from backend.webhooks import outbox as webhook_outbox
from backend.webhooks.models import EventType

# Staff may type in an assisted complaint this long after it was really received
MAX_BACKDATE = timedelta(days=30)
# a desk clock a little ahead of the server's is no receipt in the future
FUTURE_TOLERANCE = timedelta(minutes=5)
IDENTITY_FIELDS = (
    "kind",
    "name",
    "email",
    "phone",
    "address",
    "organisation",
    "representative_name",
    "representative_basis",
)


@dataclass(frozen=True)
class Receipt:
    """The tanda terima (Pasal 44(1)-(2)): what the complainant keeps; the PIN is shown once."""

    id: int
    tracking_code: str
    pin: str
    received_at: datetime
    received_by: str
    channel: str
    title: str
    description: str
    category: str
    agency: str | None
    late_filing: bool
    status: str
    time_zone: str

    def as_record(self) -> dict[str, Any]:
        """The receipt as JSON values, to be kept for a retry."""
        return {**asdict(self), "received_at": self.received_at.isoformat()}

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Receipt:
        """A receipt kept by `as_record`."""
        return cls(**{**record, "received_at": datetime.fromisoformat(record["received_at"])})


@dataclass(frozen=True)
class Filed:
    """The outcome of intake: the receipt, and whether it is the first one given again."""

    receipt: Receipt
    replayed: bool = False


@dataclass(frozen=True)
class IntakeSecrets:
    """The keys intake uses: the PINs' and the one of Idempotency-Key records."""

    pins: PinKeys
    idempotency: bytes
    outbox: bytes


def file_complaint(
    *,
    session: Session,
    principal: Principal,
    data: dict[str, Any],
    now: datetime,
    secrets_: IntakeSecrets,
    idempotency_key: IdempotencyKey | None = None,
    late_filing_days: int = 30,
) -> Filed:
    """Take in a complaint (Pasal 42(3)), route it, start the response clock, queue the receipt.

    With an Idempotency-Key, a retry of the same request gets the first receipt back.
    """
    request_hash = idempotency.fingerprint(data) if idempotency_key else ""
    if idempotency_key is not None:
        kept = idempotency.earlier_receipt(
            session=session,
            idempotency=idempotency_key,
            secret=secrets_.idempotency,
            request_hash=request_hash,
            now=now,
        )
        if kept is not None:
            return Filed(Receipt.from_record(kept), replayed=True)
    channel, received_at = _check_intake(principal, data, now)
    # the tracking code is drawn first, so the reservation checks it in the same round trip
    code = new_tracking_code()
    complaint_id, taken = reference.reserve_id(
        session, Complaint, unique=(Complaint.tracking_code, code)
    )
    if taken:
        code = _unused_tracking_code(session)
    category = category_by_code(session=session, code=data["category"])
    check_area(
        session=session, kecamatan_code=data.get("kecamatan"), kelurahan=data.get("kelurahan")
    )
    identity = _identity(session=session, principal=principal, data=data)
    agency = route(session=session, category_id=category.id, kecamatan_code=data.get("kecamatan"))
    calendar = calendar_of_agency(session=session, agency_id=agency.id if agency else None)
    # days are counted in the agency's zone: a UTC date is a day behind before 07:00 WIB
    received_day = calendar.local_date(received_at)
    if data.get("service_date") and data["service_date"] > received_day:
        raise invalid(
            "service_date", "not_later_than_receipt", received=received_at.astimezone(calendar.zone)
        )
    late = data.get("service_date") is not None and _filed_late(
        calendar, data["service_date"], received_day, late_filing_days
    )
    pin = new_pin()
    clock = new_clock(
        session=session,
        complaint_id=complaint_id,
        agency_id=agency.id if agency else None,
        category_id=category.id,
        kind=ClockKind.RESPONSE,
        at=received_at,
        cycle=1,
    )
    complaint = _complaint_row(
        data,
        id=complaint_id,
        tracking_code=code,
        pin_hash=secrets_.pins.digest(code, pin),
        principal=principal,
        channel=channel,
        received_at=received_at,
        now=now,
        late_filing=late,
        category_id=category.id,
        agency_id=agency.id if agency else None,
        identity=identity,
        next_due_at=next_due.earliest_due([clock]),
    )
    event = timeline.first_event(
        complaint_id=complaint_id,
        data=_event_data(principal, channel, received_at, now, late),
        actor=timeline.actor_of(principal),
        at=now,
    )
    complaint["timeline_head"], complaint["timeline_length"] = event["hash"], 1
    receipt = Receipt(
        id=complaint_id,
        tracking_code=code,
        pin=pin,
        received_at=received_at,
        received_by=(principal.label or "") if principal.is_staff else f"Kanal {channel}",
        channel=channel,
        title=data["title"],
        description=data["description"],
        category=category.code,
        agency=agency.code if agency else None,
        late_filing=late,
        status=Status.SUBMITTED,
        time_zone=calendar.zone.key,
    )
    writes = [
        Rows(Complaint.__table__, [complaint]),
        Rows(
            ComplainantIdentity.__table__,
            [{"complaint_id": complaint_id, **identity}] if identity else [],
        ),
        Rows(timeline.EVENTS, [event]),
        *new_clock_rows(clock),
        Rows(
            OutboxMessage.__table__,
            outbox_rows(_receipt_mail(complaint_id, code, pin, identity, secrets_.outbox)),
        ),
        Rows(
            webhook_outbox.EVENTS,
            [
                webhook_outbox.event_row(
                    type=EventType.COMPLAINT_FILED,
                    complaint_id=complaint_id,
                    agency_id=complaint["agency_id"],
                    category_id=complaint["category_id"],
                    at=now,
                )
            ],
        ),
    ]
    if idempotency_key is not None:
        writes.append(
            idempotency.record_rows(
                idempotency=idempotency_key,
                secret=secrets_.idempotency,
                request_hash=request_hash,
                complaint_id=complaint_id,
                receipt=receipt.as_record(),
                now=now,
            )
        )
    insert_together(session, writes)
    return Filed(receipt)


def _check_intake(
    principal: Principal, data: dict[str, Any], now: datetime
) -> tuple[str, datetime]:
    """The channel and the time of receipt, checked against who is filing."""
    channel = data.get("channel") or (Channel.API if principal.is_client else Channel.WEB)
    received_at = data.get("received_at") or now
    if channel in ASSISTED_CHANNELS and not principal.is_staff:
        raise invalid("channel", "staff_only")
    if not principal.is_staff:
        if data.get("received_at") is not None:
            raise invalid("received_at", "staff_only")
        if data.get("source", Source.SERVICE_RECIPIENT) != Source.SERVICE_RECIPIENT:
            raise invalid("source", "staff_only")
    # the agency is not known yet: its limits are told in the city's zone
    zone = localtime.zone(localtime.DEFAULT_ZONE)
    if received_at > now + FUTURE_TOLERANCE:
        raise invalid("received_at", "not_in_future", latest=now.astimezone(zone))
    if received_at < now - MAX_BACKDATE:
        earliest = (now - MAX_BACKDATE).astimezone(zone)
        raise invalid(
            "received_at", "received_too_early", days=MAX_BACKDATE.days, earliest=earliest
        )
    if not data.get("consent"):
        raise invalid("consent", "consent_required")
    return channel, received_at


def _complaint_row(
    data: dict[str, Any],
    *,
    principal: Principal,
    identity: dict[str, Any] | None,
    channel: str,
    received_at: datetime,
    now: datetime,
    **columns: Any,
) -> dict[str, Any]:
    """The new complaint's row: what the complainant wrote, and what intake decided.

    The one place a new column of `complaints` that intake fills is written.
    """
    return with_defaults(
        Complaint.__table__,
        {
            **columns,
            "report_type": data["report_type"],
            "status": Status.SUBMITTED,
            "privacy": data["privacy"],
            "show_name_publicly": bool(data.get("show_name_publicly")) and identity is not None,
            "channel": channel,
            "source": data.get("source") or Source.SERVICE_RECIPIENT,
            "title": data["title"],
            "description": data["description"],
            "loss_description": data.get("loss_description"),
            "remedy_requested": data.get("remedy_requested"),
            "incident_place": data.get("incident_place"),
            "incident_at": data.get("incident_at"),
            "service_date": data.get("service_date"),
            "address": data.get("address"),
            "kecamatan_code": data.get("kecamatan"),
            "kelurahan": data.get("kelurahan"),
            "latitude": data.get("latitude"),
            "longitude": data.get("longitude"),
            "compensation_claimed": data.get("compensation_amount") is not None
            or bool(data.get("compensation_description")),
            "compensation_amount": data.get("compensation_amount"),
            "compensation_description": data.get("compensation_description"),
            "consent_given_at": now,
            # anonymous means no identity at all: not even the link to the citizen's account
            "citizen_id": principal.id
            if principal.is_citizen and data["privacy"] != Privacy.ANONYMOUS
            else None,
            "api_client_id": principal.id if principal.is_client else None,
            "received_by_id": principal.id if principal.is_staff else None,
            "assigned_officer_id": None,
            "verified_at": None,
            "decided_at": None,
            "delivered_at": None,
            "closed_at": None,
            "decision": None,
            "compensation_awarded": None,
            "compensation_due_date": None,
            "resolution_code": None,
            "referral": None,
            "received_at": received_at,
            "recorded_at": now,
            "updated_at": now,
        },
    )


def _event_data(
    principal: Principal, channel: str, received_at: datetime, now: datetime, late: bool
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "channel": channel,
        "received_at": received_at.isoformat(),
        "recorded_at": now.isoformat(),
        "late_filing": late,
    }
    if principal.is_staff:
        data["receiving_officer"] = principal.label
        # audit: a receipt time earlier than the typing time is recorded as backdated
        data["backdated"] = (now - received_at) > timedelta(minutes=5)
    return data


def _unused_tracking_code(session: Session) -> str:
    """A tracking code no complaint has (40 random bits: a second draw is rare, and only
    needed when the first, checked with the id's reservation, was taken)."""
    while True:
        code = new_tracking_code()
        if not session.scalar(select(exists().where(Complaint.tracking_code == code))):
            return code


def _receipt_mail(
    complaint_id: int, code: str, pin: str, identity: dict[str, Any] | None, key: bytes
) -> list[dict[str, Any]]:
    """The receipt by e-mail, when the complainant gave an address: the code, the tracking link
    and the PIN, which the outbox keeps sealed until the mail is sent (then wipes)."""
    if not identity or not identity.get("email"):
        return []
    dedupe_key = f"receipt:{complaint_id}"
    return [
        {
            "dedupe_key": dedupe_key,
            "recipient": identity["email"],
            "audience": "citizen",
            "subject": f"Tanda terima pengaduan {code}",
            "body": (
                f"Pengaduan Anda telah diterima dengan kode {code}.\n"
                "Lacak pengaduan dengan kode dan PIN ini. Jangan berikan PIN kepada siapa pun;\n"
                "petugas tidak pernah memintanya.\n\n"
                f"Your complaint was received under code {code}. Track it with this code and "
                "PIN. Do not give the PIN to anyone; staff never ask for it.\n\n"
                f"Kode / Code: {code}\n"
                "PIN: [[pin]]\n\n"
                f"Lacak / Track: {tracking_link(code)}"
            ),
            "data": {"complaint_id": complaint_id, "event": "receipt"},
            "sealed": sealed_for(key, dedupe_key, {"pin": pin}),
        }
    ]


def _filed_late(calendar: Any, service_date: date, received_day: date, days: int) -> bool:
    """Filed more than `days` after the service (Pasal 42(2)), on the agency's calendar.

    The filing deadline runs against the citizen, so it ends at the later of the calendar-day
    and the working-day readings (LEGAL.md).
    """
    if (received_day - service_date).days <= days:
        return False
    start = datetime.combine(service_date, time(12), tzinfo=calendar.zone)
    try:
        deadline = calendar.later_of(start, days)
    except CalendarHorizonError:
        return True  # a service date before the calendar's first year is long past any reading
    return received_day > deadline.due_date


def _identity(
    *, session: Session, principal: Principal, data: dict[str, Any]
) -> dict[str, Any] | None:
    """The complainant's identity to store: none at all for anonymous complaints."""
    given = data.get("complainant") or {}
    if data["privacy"] == Privacy.ANONYMOUS:
        return None
    if principal.is_citizen and not given.get("name"):
        user = session.get(User, principal.id)
        assert user is not None
        given = {"name": user.full_name, "email": user.email, "phone": user.phone, **given}
    if not given.get("name"):
        raise invalid("complainant.name", "name_required")
    return {k: given.get(k) for k in IDENTITY_FIELDS} | {
        "kind": given.get("kind") or ComplainantKind.PERSON
    }
