"""Periodic and event-driven work of the complaints domain.

- `withdraw_expired`: the citizen's completion window ran out (the sweep reports the expired
  clocks): the complaint is deemed withdrawn (Pasal 44(5)) and the citizen is told.
- Transition notices: every transition event that someone must hear of queues an e-mail in the
  outbox, in the same flush (and so the same transaction) as the event itself. A `before_flush`
  listener does it, so every path that records a transition (API, tracking, jobs) is covered.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from backend.auth.models import User
from backend.complaints import lifecycle
from backend.complaints.models import Complaint, ComplaintEvent, Status
from backend.db import now_utc
from backend.notifications.models import OutboxMessage, OutboxStatus
from backend.sla import service as sla
from backend.sla.models import ClockKind, ClockState, SlaClock

# action -> (subject, body) of the citizen's e-mail; {code} is the tracking code
CITIZEN_NOTICES: dict[str, tuple[str, str]] = {
    "request_info": (
        "Pengaduan {code}: mohon lengkapi",
        "Pengaduan Anda ({code}) belum lengkap: {reason}\n"
        "Lengkapi dalam 30 hari sejak pemberitahuan ini diterima (Pasal 44 ayat 4 UU 25/2009); "
        "jika tidak, pengaduan dianggap dicabut.",
    ),
    "verify": (
        "Pengaduan {code}: berkas lengkap",
        "Pengaduan Anda ({code}) telah diverifikasi lengkap dan diteruskan untuk ditindaklanjuti.",
    ),
    "decide": (
        "Pengaduan {code}: keputusan telah dibuat",
        "Keputusan atas pengaduan Anda ({code}) telah dibuat dan akan disampaikan kepada Anda.",
    ),
    "deliver": (
        "Pengaduan {code}: keputusan disampaikan",
        "Keputusan atas pengaduan Anda ({code}) telah disampaikan. Lihat rinciannya dengan kode "
        "pelacakan dan PIN Anda.",
    ),
    "deemed_withdrawn": (
        "Pengaduan {code}: dianggap dicabut",
        "Pengaduan Anda ({code}) dianggap dicabut karena kelengkapan tidak diterima dalam "
        "30 hari (Pasal 44 ayat 5 UU 25/2009).",
    ),
}


def withdraw_expired(
    *, session: Session, now: datetime, complaint_ids: Iterable[int] | None = None
) -> list[int]:
    """Deem withdrawn every incomplete complaint whose completion clock expired.

    `complaint_ids` (from the sweep) narrows the search; without it every such complaint is
    found, which also catches up after a crash between the sweep and this job.
    """
    query = (
        select(Complaint)
        .join(SlaClock, SlaClock.complaint_id == Complaint.id)
        .where(
            Complaint.status == Status.INCOMPLETE,
            SlaClock.kind == ClockKind.COMPLETION,
            SlaClock.state == ClockState.EXPIRED,
        )
        .order_by(Complaint.id)
    )
    if complaint_ids is not None:
        ids = list(complaint_ids)
        if not ids:
            return []
        query = query.where(Complaint.id.in_(ids))
    withdrawn = []
    for complaint in session.scalars(query).unique().all():
        if sla.running_clock(session=session, complaint_id=complaint.id, kind=ClockKind.COMPLETION):
            continue  # a newer request for information is still running
        lifecycle.deem_withdrawn(session=session, complaint=complaint, at=now)
        withdrawn.append(complaint.id)
    return withdrawn


def _notice_messages(session: Session, item: ComplaintEvent) -> list[OutboxMessage]:
    """The outbox rows a new transition event calls for."""
    complaint = session.get(Complaint, item.complaint_id)
    if complaint is None:
        return []
    messages = []
    key = f"event:{item.complaint_id}:{item.seq}"
    notice = CITIZEN_NOTICES.get(item.action or "")
    if notice and complaint.identity is not None and complaint.identity.email:
        subject, body = notice
        messages.append(
            OutboxMessage(
                dedupe_key=f"{key}:citizen",
                recipient=complaint.identity.email,
                audience="citizen",
                subject=subject.format(code=complaint.tracking_code),
                body=body.format(code=complaint.tracking_code, reason=item.reason or ""),
                data={"complaint_id": complaint.id, "event": item.action},
                status=OutboxStatus.PENDING,
                attempts=0,
                next_attempt_at=now_utc(),
            )
        )
    if item.action == "assign" and (item.data or {}).get("officer_id"):
        officer = session.get(User, item.data["officer_id"])
        if officer is not None and officer.email:
            calendar = sla.get_calendar(session=session)
            messages.append(
                OutboxMessage(
                    dedupe_key=f"{key}:assignee",
                    recipient=officer.email,
                    audience="staff",
                    subject=f"[Aduan] Pengaduan {complaint.tracking_code} ditugaskan kepada Anda",
                    body=f'Pengaduan {complaint.tracking_code} "{complaint.title}" ditugaskan '
                    "kepada Anda.",
                    data={"complaint_id": complaint.id, "event": "assign"},
                    status=OutboxStatus.PENDING,
                    attempts=0,
                    next_attempt_at=sla.next_office_time(calendar, now_utc()),
                )
            )
    return messages


@event.listens_for(Session, "before_flush")
def _queue_transition_notices(session: Session, _context: Any, _instances: Any) -> None:
    """Queue the notices of transition events about to be written (same transaction)."""
    events = [
        item
        for item in session.new
        if isinstance(item, ComplaintEvent) and item.kind == "transition"
    ]
    if not events:
        return
    with session.no_autoflush:
        for item in events:
            for message in _notice_messages(session, item):
                session.add(message)
