"""Data-subject requests (UU 27/2022): filed by the complainant, answered by the
data-protection officer within 3 x 24 hours, the answer recorded and e-mailed.

Plain functions taking the session; they never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from backend.auth.models import User
from backend.auth.principal import Principal
from backend.auth.roles import Role
from backend.complaints.models import Complaint, ComplaintEvent, Visibility
from backend.complaints.timeline import actor_of, append_event
from backend.db.pagination import Page, paginate
from backend.errors import Conflict, NotFound, invalid
from backend.field_messages import local_time_text
from backend.notifications import service as outbox
from backend.notifications.models import OutboxMessage
from backend.privacy_requests.erasure import anonymise, hold_on
from backend.privacy_requests.models import (
    DataSubjectRequest,
    Outcome,
    RequestKind,
    RequestStatus,
)
from backend.privacy_requests.permissions import POLICY
from backend.sla.calendars import zone_of_agency

# UU 27/2022 Pasal 30-41: "paling lambat 3 x 24 (tiga kali dua puluh empat) jam"
ANSWER_WITHIN = timedelta(hours=72)
CORRECTABLE = ("name", "email", "phone", "address")
LEGAL_BASIS = (
    "UU 27/2022 Pasal 20 ayat (2) huruf e: pelaksanaan tugas pelayanan publik (UU 25/2009) / "
    "performance of a public-service task"
)

KIND_LABELS = {
    RequestKind.ACCESS: ("akses dan catatan pemrosesan", "access and the processing record"),
    RequestKind.CORRECTION: ("perbaikan data", "correction"),
    RequestKind.ERASURE: ("penghapusan data", "erasure"),
    RequestKind.RESTRICTION: ("pembatasan pemrosesan", "restriction of processing"),
    RequestKind.CONSENT_WITHDRAWAL: ("penarikan persetujuan", "withdrawal of consent"),
}
GROUNDS = {
    "complaint_open": (
        "Data tidak dapat dihapus selama pengaduan masih ditangani; ajukan kembali setelah "
        "pengaduan selesai.",
        "The data cannot be erased while the complaint is still being handled; ask again once "
        "it is closed.",
    ),
    "legal_hold": (
        "Data ditahan karena kewajiban hukum (penahanan hukum) dan tidak dapat dihapus saat ini.",
        "The data is kept under a legal hold and cannot be erased now.",
    ),
    "other": ("Permintaan ditolak; lihat jawaban petugas.", "Refused; see the officer's answer."),
}
OUTCOMES = {Outcome.GRANTED: ("dipenuhi", "granted"), Outcome.REFUSED: ("ditolak", "refused")}


def file_request(
    *,
    session: Session,
    principal: Principal,
    complaint: Complaint,
    kind: str,
    details: str | None,
    at: datetime,
) -> DataSubjectRequest:
    """The complainant asks; the answer is due 72 hours later. One pending request of a kind
    per complaint: a second one while the first waits is refused (409)."""
    POLICY.require(principal, "privacy.request", complaint)
    if kind == RequestKind.CORRECTION and not (details or "").strip():
        raise invalid("details", "required")
    waiting = session.scalar(
        select(DataSubjectRequest.id).where(
            DataSubjectRequest.complaint_id == complaint.id,
            DataSubjectRequest.kind == kind,
            DataSubjectRequest.status == RequestStatus.PENDING,
        )
    )
    if waiting is not None:
        raise Conflict("data_request_pending")
    request = DataSubjectRequest(
        complaint_id=complaint.id,
        kind=kind,
        details=(details or "").strip() or None,
        requested_via="tracking" if principal.is_tracker else "account",
        status=RequestStatus.PENDING,
        received_at=at,
        due_at=at + ANSWER_WITHIN,
    )
    session.add(request)
    session.flush()
    _tell_the_officers(session, request, complaint)
    return request


def _tell_the_officers(session: Session, request: DataSubjectRequest, complaint: Complaint) -> None:
    """E-mail every active data-protection officer that a request waits, with its deadline."""
    kind_id, kind_en = KIND_LABELS[RequestKind(request.kind)]
    officers = session.scalars(
        select(User.email).where(User.role == Role.DPO, User.is_active.is_(True))
    ).all()
    if not officers:
        return
    due = request.due_at.astimezone(zone_of_agency(session=session, agency_id=None))
    outbox.enqueue_many(
        session=session,
        messages=[
            {
                "dedupe_key": f"data-request:{request.id}:filed:{email}",
                "recipient": email,
                "audience": "staff",
                "subject": f"Permintaan data pribadi ({kind_id}) untuk {complaint.tracking_code}",
                "body": (
                    f"Permintaan {kind_id} diterima untuk pengaduan {complaint.tracking_code}; "
                    f"jawab paling lambat {local_time_text(due, 'id')} (3 x 24 jam, UU 27/2022) "
                    "di halaman Data pribadi.\n\n"
                    f"A request for {kind_en} was received for complaint "
                    f"{complaint.tracking_code}; answer by {local_time_text(due, 'en')}."
                ),
                "data": {"data_request_id": request.id, "event": "data_request_filed"},
            }
            for email in officers
        ],
    )


def requests_of(*, session: Session, complaint_id: int) -> list[DataSubjectRequest]:
    """A complaint's requests, newest first."""
    return list(
        session.scalars(
            select(DataSubjectRequest)
            .where(DataSubjectRequest.complaint_id == complaint_id)
            .order_by(DataSubjectRequest.received_at.desc(), DataSubjectRequest.id.desc())
        )
    )


def queue_query(*, status: str | None, overdue: bool | None, now: datetime) -> Select[Any]:
    """The officer's queue: the nearest deadline first, answered ones after the pending."""
    query = select(DataSubjectRequest)
    if status:
        query = query.where(DataSubjectRequest.status == status)
    if overdue is not None:
        late = (DataSubjectRequest.status == RequestStatus.PENDING) & (
            DataSubjectRequest.due_at < now
        )
        query = query.where(late if overdue else ~late)
    return query.order_by(
        (DataSubjectRequest.status != RequestStatus.PENDING),
        DataSubjectRequest.due_at,
        DataSubjectRequest.id,
    )


def queue(
    *,
    session: Session,
    principal: Principal,
    status: str | None,
    overdue: bool | None,
    now: datetime,
    page: int,
    per_page: int,
) -> Page:
    """One page of the data-protection officer's queue."""
    POLICY.require(principal, "privacy.queue")
    query = queue_query(status=status, overdue=overdue, now=now)
    return paginate(session, query, page=page, per_page=per_page)


def get_request(*, session: Session, principal: Principal, request_id: int) -> DataSubjectRequest:
    """One request, for the data-protection officer."""
    POLICY.require(principal, "privacy.queue")
    request = session.get(DataSubjectRequest, request_id)
    if request is None:
        raise NotFound()
    return request


@dataclass(frozen=True)
class Answer:
    """What the officer decides: `grant` or refuse, a message, and for a correction the
    fields to set."""

    grant: bool
    message: str | None
    corrections: dict[str, str | None]


def answer_request(
    *,
    session: Session,
    principal: Principal,
    request_id: int,
    answer: Answer,
    at: datetime,
) -> DataSubjectRequest:
    """Record the answer and carry it out; e-mail it to the complainant when they gave an
    address. An erasure is refused, whatever was asked, while the complaint is open or under
    a legal hold, and the answer says which."""
    POLICY.require(principal, "privacy.answer")
    query = select(DataSubjectRequest).where(DataSubjectRequest.id == request_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    request = session.scalar(query)
    if request is None:
        raise NotFound()
    if request.status != RequestStatus.PENDING:
        raise Conflict("data_request_answered")
    if not answer.grant and not (answer.message or "").strip():
        raise invalid("message", "required")
    complaint = session.get_one(Complaint, request.complaint_id)
    email = complaint.identity.email if complaint.identity is not None else None
    ground = "other" if not answer.grant else None
    if request.kind == RequestKind.ERASURE:
        ground = hold_on(complaint) or ground
        if ground is None:
            anonymise(
                session=session,
                complaint=complaint,
                at=at,
                actor=actor_of(principal),
                cause="erasure_request",
            )
    elif request.kind == RequestKind.ACCESS and ground is None:
        request.processing_record = processing_record(session=session, complaint=complaint)
    elif request.kind == RequestKind.CORRECTION and ground is None:
        _correct(complaint, answer.corrections)
        if answer.corrections.get("email"):
            email = answer.corrections["email"]
    request.status = RequestStatus.ANSWERED
    request.outcome = Outcome.REFUSED if ground else Outcome.GRANTED
    request.refusal_ground = ground
    request.answer = (answer.message or "").strip() or None
    request.answered_at = at
    request.answered_by_id = principal.id
    if email:
        _email_answer(session, request, complaint, email)
    return request


def _correct(complaint: Complaint, corrections: dict[str, str | None]) -> None:
    identity = complaint.identity
    if not corrections:
        return
    if identity is None or identity.erased_at is not None:
        raise invalid("corrections", "no_identity")
    for name, value in corrections.items():
        if name in CORRECTABLE:
            if name == "name" and not (value or "").strip():
                raise invalid("corrections.name", "required")
            setattr(identity, name, (value or "").strip() or None)


def processing_record(*, session: Session, complaint: Complaint) -> dict[str, Any]:
    """What is held about the complainant and the log of its processing (Pasal 32): which
    identity fields are stored (not their values: the tracking page shows no identity), the
    legal basis, each event of the case's handling and each e-mail sent to them."""
    identity = complaint.identity
    held = (
        [
            name
            for name in (
                "name",
                "email",
                "phone",
                "address",
                "organisation",
                "representative_name",
            )
            if getattr(identity, name)
        ]
        if identity is not None
        else []
    )
    events = session.execute(
        select(
            ComplaintEvent.occurred_at,
            ComplaintEvent.kind,
            ComplaintEvent.action,
            ComplaintEvent.actor_kind,
        )
        .where(ComplaintEvent.complaint_id == complaint.id)
        .order_by(ComplaintEvent.seq)
    ).all()
    emails = session.execute(
        select(OutboxMessage.created_at, OutboxMessage.subject, OutboxMessage.status)
        .where(OutboxMessage.data["complaint_id"].as_integer() == complaint.id)
        .where(OutboxMessage.audience == "citizen")
        .order_by(OutboxMessage.id)
    ).all()
    return {
        "legal_basis": LEGAL_BASIS,
        "purpose": "Penanganan pengaduan pelayanan publik (UU 25/2009) / complaint handling",
        "data_held": held,
        "activities": [
            {
                "at": row.occurred_at.isoformat(),
                "kind": row.kind,
                "action": row.action,
                "actor": row.actor_kind,
            }
            for row in events
        ],
        "emails": [
            {"at": row.created_at.isoformat(), "subject": row.subject, "status": row.status}
            for row in emails
        ],
    }


def _email_answer(
    session: Session, request: DataSubjectRequest, complaint: Complaint, email: str
) -> None:
    kind_id, kind_en = KIND_LABELS[RequestKind(request.kind)]
    outcome_id, outcome_en = OUTCOMES[Outcome(request.outcome or Outcome.GRANTED)]
    lines_id = [
        f"Permintaan {kind_id} atas data pribadi Anda untuk pengaduan {complaint.tracking_code} "
        f"telah dijawab: {outcome_id}.",
    ]
    lines_en = [
        f"Your request for {kind_en} of your personal data for complaint "
        f"{complaint.tracking_code} has been answered: {outcome_en}.",
    ]
    if request.refusal_ground:
        ground_id, ground_en = GROUNDS[request.refusal_ground]
        lines_id.append(ground_id)
        lines_en.append(ground_en)
    if request.answer:
        lines_id.append(f"Jawaban petugas: {request.answer}")
        lines_en.append(f"The officer's answer: {request.answer}")
    if request.processing_record:
        lines_id.append(
            "Catatan pemrosesan data Anda dapat dilihat di halaman lacak dengan kode dan PIN."
        )
        lines_en.append("The record of processing is on the tracking page (code and PIN).")
    outbox.enqueue(
        session=session,
        dedupe_key=f"data-request:{request.id}:answer",
        recipient=email,
        audience="citizen",
        subject=(
            f"Pengaduan {complaint.tracking_code}: jawaban permintaan data pribadi / "
            "answer to your personal-data request"
        ),
        body="\n\n".join([" ".join(lines_id), " ".join(lines_en)]),
        data={"complaint_id": complaint.id, "event": "data_request_answer"},
    )


def set_legal_hold(
    *,
    session: Session,
    principal: Principal,
    complaint_id: int,
    hold: bool,
    reason: str | None,
    at: datetime,
) -> Complaint:
    """Set or lift a legal hold; a hold needs its reason. Written to the timeline."""
    POLICY.require(principal, "privacy.legal_hold")
    complaint = session.get(Complaint, complaint_id)
    if complaint is None:
        raise NotFound()
    reason = (reason or "").strip() or None
    if hold and reason is None:
        raise invalid("reason", "required")
    if complaint.legal_hold == hold and complaint.legal_hold_reason == (reason if hold else None):
        return complaint
    complaint.legal_hold = hold
    complaint.legal_hold_reason = reason if hold else None
    append_event(
        session=session,
        complaint=complaint,
        kind="legal_hold",
        action="set_legal_hold" if hold else "lift_legal_hold",
        visibility=Visibility.INTERNAL,
        reason=reason,
        actor=actor_of(principal),
        at=at,
    )
    return complaint
