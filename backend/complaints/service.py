"""Intake, receipts, tracking, access and lists of complaints. Plain functions; never commit."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, bindparam, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from backend.agencies import service as agencies
from backend.auth.models import Role, Scope, User
from backend.auth.principal import Principal
from backend.complaints import next_due  # noqa: F401  (keeps complaints.next_due_at in step)
from backend.complaints.models import (
    ASSISTED_CHANNELS,
    Channel,
    ComplainantIdentity,
    Complaint,
    ComplaintEvent,
    IdempotencyRecord,
    Privacy,
    Source,
    Status,
    Visibility,
)
from backend.complaints.timeline import GENESIS, actor_of, append_event
from backend.db import Page, batch, now_utc, paginate
from backend.db.engine import fetch_one
from backend.db.reference import reserve_id
from backend.errors import Forbidden, NotFound, TooManyAttempts, ValidationFailed
from backend.notifications import service as outbox
from backend.notifications.models import OutboxMessage, OutboxStatus
from backend.sla.calendars import get_calendar
from backend.sla.clocks import start_clock
from backend.sla.models import ClockKind
from backend.sla.working_calendar import CalendarHorizonError
from backend.web.fields import WIB

# Crockford base32 without look-alikes: codes are read out over the phone at walk-in desks
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PRIVACY_ORDER = [Privacy.PUBLIC, Privacy.PRIVATE, Privacy.CONFIDENTIAL_IDENTITY, Privacy.ANONYMOUS]
# Staff may type in an assisted complaint this long after it was really received
MAX_BACKDATE = timedelta(days=30)
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


def new_tracking_code() -> str:
    """A random, non-sequential tracking code such as ADU-7K3M-9QXP (40 bits)."""
    bits = secrets.randbits(40)  # one draw: eight 5-bit letters of the 32-letter alphabet
    chars = "".join(CODE_ALPHABET[(bits >> shift) & 31] for shift in range(35, -1, -5))
    return f"ADU-{chars[:4]}-{chars[4:]}"


def normalise_code(code: str) -> str:
    """Codes are typed by people: ignore case, spaces, dashes and look-alike letters."""
    chars = re.sub(r"[\s-]", "", code.upper())
    chars = chars.removeprefix("ADU").translate(str.maketrans("OIL", "011"))
    return f"ADU-{chars[:4]}-{chars[4:]}" if len(chars) == 8 else code.strip().upper()


def pin_digest(key: str, code: str, pin: str) -> str:
    """A keyed hash of the PIN (a 6-digit PIN is too small a space for a slow hash to help)."""
    return hmac.new(key.encode(), f"{code}:{pin}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Receipt:
    """What intake hands back: the complaint and its PIN (shown once)."""

    complaint: Complaint
    pin: str
    category_code: str
    agency_code: str | None


def request_fingerprint(data: dict[str, Any]) -> str:
    """A stable hash of a request body, to tell a retry from a different request."""
    return hashlib.sha256(
        json.dumps(data, sort_keys=True, default=str, separators=(",", ":")).encode()
    ).hexdigest()


_KEPT = IdempotencyRecord.__table__
_FIND_KEPT = select(_KEPT.c.request_hash, _KEPT.c.response).where(
    _KEPT.c.scope == bindparam("scope"), _KEPT.c.key == bindparam("key")
)


def find_idempotent(
    *, session: Session, scope: str, key: str, fingerprint: str
) -> dict[str, Any] | None:
    """The answer kept for a retried request, or None; a reused key with a new body is refused.

    Read on the driver (`fetch_one`): the front end sends a key with every complaint.
    """
    row = fetch_one(session.connection(), _FIND_KEPT, {"scope": scope, "key": key})
    if row is None:
        return None
    request_hash, response = row
    if request_hash != fingerprint:
        raise ValidationFailed("idempotency_mismatch")
    return response  # type: ignore[no-any-return]


def remember_idempotent(
    *,
    session: Session,
    scope: str,
    key: str,
    fingerprint: str,
    complaint: Complaint,
    response: dict[str, Any],
) -> None:
    """Keep the first result for replay (purged after a day, as it holds the PIN).

    Added to the session: intake's write takes it with the complaint (`before_write`).
    """
    session.add(
        IdempotencyRecord(
            scope=scope,
            key=key,
            request_hash=fingerprint,
            complaint_id=complaint.id,
            response=response,
        )
    )


def create_complaint(
    *,
    session: Session,
    principal: Principal,
    data: dict[str, Any],
    now: datetime,
    pin_key: str,
    late_filing_days: int = 30,
    before_write: Callable[[Receipt], None] | None = None,
) -> Receipt:
    """Take in a complaint (Pasal 42(3)), route it, start the response clock, queue the receipt.

    `before_write` gets the receipt before the complaint is written: what it adds to the
    session (the record kept for an Idempotency-Key's replay) is written with it.
    """
    data = dict(data)
    channel = data.get("channel") or (Channel.API if principal.is_client else Channel.WEB)
    received_at = data.get("received_at") or now
    assisted = channel in ASSISTED_CHANNELS
    if assisted and not principal.is_staff:
        raise ValidationFailed(errors={"channel": ["Assisted channels are recorded by staff."]})
    if not principal.is_staff:
        if data.get("received_at") is not None:
            raise ValidationFailed(errors={"received_at": ["Only staff record a receipt time."]})
        if data.get("source", Source.SERVICE_RECIPIENT) != Source.SERVICE_RECIPIENT:
            raise ValidationFailed(errors={"source": ["Only staff record other sources."]})
    if received_at > now + timedelta(minutes=5):
        raise ValidationFailed(errors={"received_at": ["Cannot be in the future."]})
    if received_at < now - MAX_BACKDATE:
        raise ValidationFailed(errors={"received_at": ["More than 30 days ago."]})
    if not data.get("consent"):
        raise ValidationFailed(errors={"consent": ["Consent stands for the signature (42(3))."]})

    # PostgreSQL: the id comes first (with the reference stamp), so that everything below is
    # written in one statement (`batch.insert_new`)
    complaint_id = reserve_id(session, Complaint)
    category = agencies.category_by_code(session=session, code=data["category"])
    agencies.check_area(
        session=session, kecamatan_code=data.get("kecamatan"), kelurahan=data.get("kelurahan")
    )
    identity = _identity(session=session, principal=principal, data=data)
    # days are counted on the city's calendar: a UTC date is a day behind before 07:00 WIB
    received_day = received_at.astimezone(WIB).date()
    if data.get("service_date") and data["service_date"] > received_day:
        raise ValidationFailed(errors={"service_date": ["Later than the complaint's receipt."]})
    late = data.get("service_date") is not None and _filed_late(
        session=session,
        service_date=data["service_date"],
        received_day=received_day,
        days=late_filing_days,
    )
    agency = agencies.route(
        session=session, category_id=category.id, kecamatan_code=data.get("kecamatan")
    )
    # 40 random bits: a clash is left to the unique constraint (the view retries once)
    code = new_tracking_code()
    pin = f"{secrets.randbelow(1_000_000):06d}"
    complaint = Complaint(
        id=complaint_id,
        tracking_code=code,
        pin_hash=pin_digest(pin_key, code, pin),
        timeline_head=GENESIS,
        timeline_length=0,
        report_type=data["report_type"],
        status=Status.SUBMITTED,
        privacy=data["privacy"],
        show_name_publicly=bool(data.get("show_name_publicly")) and identity is not None,
        channel=channel,
        source=data.get("source") or Source.SERVICE_RECIPIENT,
        title=data["title"],
        description=data["description"],
        loss_description=data.get("loss_description"),
        remedy_requested=data.get("remedy_requested"),
        incident_place=data.get("incident_place"),
        incident_at=data.get("incident_at"),
        service_date=data.get("service_date"),
        late_filing=late,
        address=data.get("address"),
        kecamatan_code=data.get("kecamatan"),
        kelurahan=data.get("kelurahan"),
        latitude=data.get("latitude"),
        longitude=data.get("longitude"),
        compensation_claimed=data.get("compensation_amount") is not None
        or bool(data.get("compensation_description")),
        compensation_amount=data.get("compensation_amount"),
        compensation_description=data.get("compensation_description"),
        consent_given_at=now,
        category_id=category.id,
        agency_id=agency.id if agency else None,
        # anonymous means no identity at all: not even the link to the citizen's account
        citizen_id=principal.id
        if principal.is_citizen and data["privacy"] != Privacy.ANONYMOUS
        else None,
        api_client_id=principal.id if principal.is_client else None,
        received_by_id=principal.id if principal.is_staff else None,
        received_at=received_at,
        recorded_at=now,
        updated_at=now,
    )
    if identity is not None:
        complaint.identity = ComplainantIdentity(**identity)
    session.add(complaint)
    if complaint.id is None:
        session.flush()  # SQLite: the id is known only once the row is in
    event_data: dict[str, Any] = {
        "channel": channel,
        "received_at": received_at.isoformat(),
        "recorded_at": now.isoformat(),
        "late_filing": late,
    }
    if principal.is_staff:
        event_data["receiving_officer"] = principal.label
        # audit: a receipt time earlier than the typing time is recorded as backdated
        event_data["backdated"] = (now - received_at) > timedelta(minutes=5)
    actor = actor_of(principal)
    append_event(
        session=session,
        complaint=complaint,
        kind="submitted",
        action="submit",
        to_status=Status.SUBMITTED,
        data=event_data,
        actor=actor,
        at=now,
        flush=False,
    )
    start_clock(
        session=session,
        complaint_id=complaint.id,
        agency_id=complaint.agency_id,
        category_id=category.id,
        kind=ClockKind.RESPONSE,
        at=received_at,
        cycle=1,
        flush=False,
    )
    receipts = []
    if identity and identity.get("email"):
        receipts.append(
            {
                "dedupe_key": f"receipt:{complaint.id}",
                "recipient": identity["email"],
                "audience": "citizen",
                "subject": f"Tanda terima pengaduan {code}",
                "body": (
                    f"Pengaduan Anda telah diterima dengan kode {code}.\n"
                    "Simpan PIN yang ditampilkan saat pengaduan dikirim untuk melacaknya.\n\n"
                    f"Your complaint was received under code {code}."
                ),
                "data": {"complaint_id": complaint.id, "event": "receipt"},
            }
        )
    receipt = Receipt(
        complaint=complaint,
        pin=pin,
        category_code=category.code,
        agency_code=agency.code if agency else None,
    )
    if before_write is not None:
        before_write(receipt)
    # PostgreSQL: the complaint, identity, event, clock, tallies and receipt in one statement
    batch.insert_new(
        session, beside=[batch.Rows(OutboxMessage.__table__, outbox.rows(receipts), True)]
    )
    return receipt


def _filed_late(*, session: Session, service_date: date, received_day: date, days: int) -> bool:
    """Filed more than `days` after the service (Pasal 42(2)).

    The filing deadline runs against the citizen, so it ends at the later of the calendar-day
    and the working-day readings (LEGAL.md).
    """
    if (received_day - service_date).days <= days:
        return False
    start = datetime.combine(service_date, time(12), tzinfo=WIB)
    try:
        deadline = get_calendar(session=session).later_of(start, days)
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
        raise ValidationFailed(
            errors={"complainant": {"name": ["Required unless the complaint is anonymous."]}}
        )
    return {k: given.get(k) for k in IDENTITY_FIELDS if given.get(k) is not None}


# --- access ---------------------------------------------------------------------------------


def visible_to(principal: Principal) -> Select[tuple[Complaint]]:
    """The complaints a caller may see: the scoping of every read."""
    query = select(Complaint)
    if principal.has(Role.VERIFIER, Role.SUPERVISOR, Role.ADMIN):
        return query
    if principal.is_agency_staff:
        return query.where(
            Complaint.agency_id == principal.agency_id, Complaint.verified_at.is_not(None)
        )
    if principal.is_citizen:
        return query.where(Complaint.citizen_id == principal.id)
    if principal.is_client and Scope.COMPLAINTS_READ_OWN in principal.scopes:
        return query.where(Complaint.api_client_id == principal.id)
    return query.where(False)


def get_complaint(*, session: Session, principal: Principal, complaint_id: int) -> Complaint:
    """A complaint the caller may see; 404 for one they may not (nothing to enumerate)."""
    complaint = session.scalar(visible_to(principal).where(Complaint.id == complaint_id))
    if complaint is None:
        raise NotFound()
    return complaint


def identity_visible(principal: Principal, complaint: Complaint) -> bool:
    """Whether this caller may see who complained (Pasal 42(5), 49)."""
    if complaint.identity is None:
        return False
    if principal.is_citizen and complaint.citizen_id == principal.id:
        return True
    if complaint.privacy == Privacy.CONFIDENTIAL_IDENTITY:
        return principal.sees_confidential_identity
    return principal.is_staff or (principal.is_client and complaint.api_client_id == principal.id)


def is_staff_of(principal: Principal, complaint: Complaint) -> bool:
    """Staff who handle this complaint (see internal notes, comment internally)."""
    if principal.has(Role.VERIFIER, Role.SUPERVISOR, Role.ADMIN):
        return True
    return principal.is_agency_staff and principal.agency_id == complaint.agency_id


# --- lists ----------------------------------------------------------------------------------


def list_complaints(
    *,
    session: Session,
    principal: Principal,
    filters: dict[str, Any],
    page: int,
    per_page: int,
    overdue_ids: Select[Any] | None = None,
) -> Page:
    """The caller's complaints, filtered and sorted.

    `overdue=true` keeps complaints with an overdue clock, `false` those without; both use the
    one rule of `SlaClock.overdue`. `sort=deadline` puts the nearest running deadline first.
    Both read `Complaint.next_due_at`, the earliest running deadline (see `next_due.py`).
    """
    query = _filtered(session=session, query=visible_to(principal), filters=filters)
    if overdue_ids is not None:
        query = query.where(Complaint.id.in_(overdue_ids))
    elif filters.get("overdue") is not None:
        # the earliest running deadline has passed exactly when some running clock is overdue
        # (`SlaClock.overdue_at`); on the denormalised column it is an index range
        overdue = Complaint.overdue_at(now_utc())
        query = query.where(overdue if filters["overdue"] else ~overdue | _no_running_clock)
    sort = filters.get("sort") or "-received_at"
    if sort == "deadline":
        # NULLS LAST is the order of the index (agency_id, next_due_at, id): the page is its head
        query = query.order_by(Complaint.next_due_at.asc().nulls_last(), Complaint.id)
    elif sort == "received_at":
        query = query.order_by(Complaint.received_at, Complaint.id)
    else:
        query = query.order_by(Complaint.received_at.desc(), Complaint.id.desc())
    return paginate(session, query, page=page, per_page=per_page)


_no_running_clock = Complaint.next_due_at.is_(None)


def _filtered(*, session: Session, query: Select[Any], filters: dict[str, Any]) -> Select[Any]:
    if filters.get("status"):
        query = query.where(Complaint.status.in_(filters["status"]))
    if filters.get("agency"):
        agency_id = agencies.agency_id_by_code(
            session=session, code=filters["agency"], field="agency"
        )
        query = query.where(Complaint.agency_id == agency_id)
    if filters.get("category"):
        category = agencies.category_by_code(session=session, code=filters["category"])
        query = query.where(Complaint.category_id == category.id)
    if filters.get("channel"):
        query = query.where(Complaint.channel == filters["channel"])
    if filters.get("report_type"):
        query = query.where(Complaint.report_type == filters["report_type"])
    if filters.get("kecamatan"):
        query = query.where(Complaint.kecamatan_code == filters["kecamatan"])
    if filters.get("received_from"):
        query = query.where(Complaint.received_at >= filters["received_from"])
    if filters.get("received_to"):
        query = query.where(Complaint.received_at < filters["received_to"])
    if filters.get("assigned_to_me") is not None and filters.get("_principal_id"):
        query = query.where(Complaint.assigned_officer_id == filters["_principal_id"])
    if filters.get("q"):
        text = filters["q"]
        # autoescape: a "%" or "_" typed by a user is a character, not a wildcard; ILIKE on
        # PostgreSQL is what the trigram indexes serve
        query = query.where(
            or_(
                Complaint.title.icontains(text, autoescape=True),
                Complaint.description.icontains(text, autoescape=True),
                Complaint.tracking_code == normalise_code(filters["q"]),
            )
        )
    return query


def list_public(*, session: Session, filters: dict[str, Any], page: int, per_page: int) -> Page:
    """Verified public complaints, for everyone; never private, confidential or anonymous ones."""
    query = select(Complaint).where(
        Complaint.privacy == Privacy.PUBLIC, Complaint.verified_at.is_not(None)
    )
    query = _filtered(session=session, query=query, filters=filters)
    query = query.order_by(Complaint.verified_at.desc(), Complaint.id.desc())
    return paginate(session, query, page=page, per_page=per_page)


# --- tracking -------------------------------------------------------------------------------


def authenticate_tracking(
    *,
    session: Session,
    code: str,
    pin: str,
    now: datetime,
    pin_key: str,
    max_failures: int,
    lockout: timedelta,
) -> Complaint:
    """The complaint for a code and PIN. Wrong PINs count; too many lock the code for a while.

    The failure count is changed before raising: the caller commits even when this raises.
    """
    code = normalise_code(code)
    complaint = session.scalar(select(Complaint).where(Complaint.tracking_code == code))
    if complaint is None:
        raise NotFound("tracking_failed")
    if complaint.pin_locked_until is not None and complaint.pin_locked_until > now:
        minutes = max(1, int((complaint.pin_locked_until - now).total_seconds() // 60) + 1)
        retry = int((complaint.pin_locked_until - now).total_seconds()) + 1
        raise TooManyAttempts(minutes=minutes, headers={"Retry-After": str(retry)})
    if not hmac.compare_digest(complaint.pin_hash, pin_digest(pin_key, code, pin)):
        failures = _set_pin_state(session, complaint, pin_failures=_COMPLAINTS.c.pin_failures + 1)
        if failures >= max_failures:
            _set_pin_state(session, complaint, pin_failures=0, pin_locked_until=now + lockout)
        raise NotFound("tracking_failed")
    if complaint.pin_failures:
        _set_pin_state(session, complaint, pin_failures=0)
    return complaint


_COMPLAINTS = Complaint.__table__


def _set_pin_state(session: Session, complaint: Complaint, **values: Any) -> int:
    """Change the PIN counters in one SQL statement and return the failure count.

    Not through the ORM: a guessed PIN is not a change of the complaint, so it must not move
    its version (the staff's ETag), and parallel guesses must each count.
    """
    failures: int = session.execute(
        update(_COMPLAINTS)
        .where(_COMPLAINTS.c.id == complaint.id)
        .values(**values, updated_at=_COMPLAINTS.c.updated_at)
        .returning(_COMPLAINTS.c.pin_failures)
    ).scalar_one()
    set_committed_value(complaint, "pin_failures", failures)
    if "pin_locked_until" in values:
        set_committed_value(complaint, "pin_locked_until", values["pin_locked_until"])
    return failures


def add_comment(
    *,
    session: Session,
    principal: Principal,
    complaint: Complaint,
    body: str,
    visibility: str,
    at: datetime,
    tracker: bool = False,
) -> ComplaintEvent:
    """An internal note (staff) or a public reply (staff, the complainant)."""
    staff = not tracker and is_staff_of(principal, complaint)
    if visibility == Visibility.INTERNAL and not staff:
        raise Forbidden()
    if not staff and not tracker and complaint.citizen_id != principal.id:
        raise Forbidden()
    if principal.has(Role.SUPERVISOR, Role.ADMIN) and not tracker:
        raise Forbidden()  # supervisors and admins read; they do not handle cases
    return append_event(
        session=session,
        complaint=complaint,
        kind="comment",
        visibility=visibility,
        body=body,
        actor=actor_of(principal, tracker=tracker),
        at=at,
    )


def change_privacy(
    *,
    session: Session,
    principal: Principal,
    complaint: Complaint,
    privacy: str,
    at: datetime,
    reason: str | None = None,
) -> ComplaintEvent:
    """Staff may only make privacy stricter; the citizen who filed may change it either way.

    Tightening to anonymous erases the stored identity for good.
    """
    owner = principal.is_citizen and complaint.citizen_id == principal.id
    if not owner and not principal.has(Role.VERIFIER, Role.ADMIN, Role.AGENCY_HEAD, Role.OFFICER):
        raise Forbidden()
    if not owner and not is_staff_of(principal, complaint):
        raise Forbidden()
    old = complaint.privacy
    if complaint.identity is None and privacy != Privacy.ANONYMOUS and old == Privacy.ANONYMOUS:
        raise ValidationFailed("privacy_loosening")
    if not owner and PRIVACY_ORDER.index(privacy) < PRIVACY_ORDER.index(old):
        raise ValidationFailed("privacy_loosening")
    complaint.privacy = privacy
    if privacy == Privacy.ANONYMOUS and complaint.identity is not None:
        email = (complaint.identity.email or "").lower()
        # the address also sits in the outbox: pending mail is dropped, sent mail redacted
        for message in (
            session.scalars(
                select(OutboxMessage).where(func.lower(OutboxMessage.recipient) == email)
            )
            if email
            else ()
        ):
            if (message.data or {}).get("complaint_id") != complaint.id:
                continue
            if message.status == OutboxStatus.PENDING:
                session.delete(message)
            else:
                message.recipient = "(dihapus)"
        session.delete(complaint.identity)
        complaint.identity = None
        complaint.show_name_publicly = False
    if privacy == Privacy.ANONYMOUS:
        complaint.citizen_id = None
    if privacy != Privacy.PUBLIC:
        complaint.show_name_publicly = False
    return append_event(
        session=session,
        complaint=complaint,
        kind="privacy_changed",
        action="change_privacy",
        visibility=Visibility.INTERNAL,
        reason=reason,
        data={"from": old, "to": privacy},
        actor=actor_of(principal),
        at=at,
    )


def purge_idempotency(*, session: Session, before: datetime) -> int:
    """Forget replayable results older than `before` (they hold PINs)."""
    rows = session.scalars(
        select(IdempotencyRecord).where(IdempotencyRecord.created_at < before)
    ).all()
    for row in rows:
        session.delete(row)
    return len(rows)
