"""E-mails a transition calls for: the citizen on each step of Pasal 44 and 50, the officer on
assignment. Queued in the outbox in the transition's own transaction."""

from __future__ import annotations

from sqlalchemy.orm import Session

from backend.auth.models import User
from backend.complaints.models import Complaint, ComplaintEvent
from backend.db import now_utc
from backend.notifications import service as outbox
from backend.sla.calendars import calendar_of_agency, next_office_time
from backend.survey import invitations

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


def queue_notices(*, session: Session, complaint: Complaint, event: ComplaintEvent) -> None:
    """Queue the e-mails of a transition event (each once: keyed by the event)."""
    key = f"event:{complaint.id}:{event.seq}"
    notice = CITIZEN_NOTICES.get(event.action or "")
    if notice and complaint.identity is not None and complaint.identity.email:
        subject, body = notice
        outbox.enqueue(
            session=session,
            dedupe_key=f"{key}:citizen",
            recipient=complaint.identity.email,
            audience="citizen",
            subject=subject.format(code=complaint.tracking_code),
            body=body.format(code=complaint.tracking_code, reason=event.reason or ""),
            data={"complaint_id": complaint.id, "event": event.action},
        )
    if event.action == "close":
        invitations.invite(session=session, complaint=complaint, at=event.occurred_at)
    officer_id = (event.data or {}).get("officer_id") if event.action == "assign" else None
    officer = session.get(User, officer_id) if officer_id else None
    if officer is not None and officer.email:
        outbox.enqueue(
            session=session,
            dedupe_key=f"{key}:assignee",
            recipient=officer.email,
            audience="staff",
            subject=f"[Aduan] Pengaduan {complaint.tracking_code} ditugaskan kepada Anda",
            body=f'Pengaduan {complaint.tracking_code} "{complaint.title}" ditugaskan kepada Anda.',
            data={"complaint_id": complaint.id, "event": "assign"},
            not_before=next_office_time(
                calendar_of_agency(session=session, agency_id=complaint.agency_id), now_utc()
            ),
        )
