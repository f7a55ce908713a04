"""E-mails a transition calls for: the citizen on each step of Pasal 44 and 50, the officer on
assignment. Queued in the outbox in the transition's own transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from backend.agencies.models import Agency
from backend.auth.models import User
from backend.complaints.models import Complaint, ComplaintEvent
from backend.config import public_base_url
from backend.db import now_utc
from backend.localtime import zone_name
from backend.notifications import service as outbox
from backend.sla.calendars import calendar_of_agency, next_office_time
from backend.survey import invitations

# action -> (subject, body) of the citizen's e-mail, Indonesian first, English second. Fields:
# {code} tracking code, {link} tracking page, {reason} the officer's note, {agency} the agency's
# name, {decision} the decision's text, {dispute_until} end of the dispute window (zone named),
# {ground} a rejection's ground in words, {referral} where the citizen may complain instead
TRACK = "Lacak / Track: {link}\n(dengan kode dan PIN Anda / with your code and PIN)"
CITIZEN_NOTICES: dict[str, tuple[str, str]] = {
    "request_info": (
        "Pengaduan {code}: mohon lengkapi",
        "Pengaduan Anda ({code}) belum lengkap: {reason}\n"
        "Lengkapi dalam 30 hari sejak pemberitahuan ini diterima (Pasal 44 ayat 4 UU 25/2009); "
        "jika tidak, pengaduan dianggap dicabut.\n\n"
        "Your complaint ({code}) is incomplete: {reason}\n"
        "Complete it within 30 days of receiving this notice, or it is deemed withdrawn.\n\n"
        + TRACK,
    ),
    "verify": (
        "Pengaduan {code}: berkas lengkap",
        "Pengaduan Anda ({code}) telah diverifikasi lengkap dan diteruskan kepada {agency} untuk "
        "ditindaklanjuti. Keputusan paling lambat 60 hari sejak berkas lengkap (Pasal 50 ayat 1)."
        "\n\nYour complaint ({code}) was verified as complete and forwarded to {agency}. A "
        "decision is due within 60 days of the file being complete.\n\n" + TRACK,
    ),
    "decide": (
        "Pengaduan {code}: keputusan telah dibuat",
        "Keputusan atas pengaduan Anda ({code}) telah dibuat:\n\n{decision}\n\n"
        "Keputusan ini akan disampaikan resmi kepada Anda.\n\n"
        "The decision on your complaint ({code}) has been made (above) and will be delivered to "
        "you formally.\n\n" + TRACK,
    ),
    "deliver": (
        "Pengaduan {code}: keputusan disampaikan",
        "Keputusan atas pengaduan Anda ({code}):\n\n{decision}\n\n"
        "Terima keputusan ini, atau ajukan keberatan paling lambat {dispute_until}, di halaman "
        "lacak. Setelah itu pengaduan ditutup.\n\n"
        "The decision on your complaint ({code}) is above. Accept it, or dispute it by "
        "{dispute_until}, on the tracking page; after that the complaint is closed.\n\n" + TRACK,
    ),
    "reject": (
        "Pengaduan {code}: ditolak",
        "Pengaduan Anda ({code}) ditolak. Dasar: {ground}.\nKeterangan petugas: {reason}\n"
        "Anda dapat mengadu kepada: {referral}\nAnda juga dapat mengadu kepada Ombudsman RI "
        "(Pasal 46 UU 25/2009).\n\n"
        "Your complaint ({code}) was rejected. Ground: {ground}. The officer's note: {reason}\n"
        "You may complain instead to: {referral}\nYou may also complain to the Ombudsman."
        "\n\n" + TRACK,
    ),
    "withdraw": (
        "Pengaduan {code}: dicabut",
        "Pengaduan Anda ({code}) telah dicabut. Alasan: {reason}\n\n"
        "Your complaint ({code}) was withdrawn. Reason: {reason}\n\n" + TRACK,
    ),
    "deemed_withdrawn": (
        "Pengaduan {code}: dianggap dicabut",
        "Pengaduan Anda ({code}) dianggap dicabut karena kelengkapan tidak diterima dalam "
        "30 hari (Pasal 44 ayat 5 UU 25/2009).\n\n"
        "Your complaint ({code}) is deemed withdrawn: the missing information did not arrive "
        "within 30 days.\n\n" + TRACK,
    ),
    "close": (
        "Pengaduan {code}: selesai",
        "Pengaduan Anda ({code}) telah ditutup. Terima kasih; mohon isi survei kepuasan jika "
        "Anda menerima undangannya.\n\n"
        "Your complaint ({code}) is closed. Thank you; please answer the satisfaction survey if "
        "you receive its invitation.\n\n" + TRACK,
    ),
    "reopen": (
        "Pengaduan {code}: keberatan diterima",
        "Keberatan Anda atas keputusan pengaduan {code} telah diterima; pengaduan ditangani lagi."
        "\n\nYour dispute of the decision on complaint {code} was received; the complaint is "
        "handled again.\n\n" + TRACK,
    ),
}
RESOLUTION_WORDS = {
    "outside_authority": "di luar wewenang instansi / outside the agency's authority",
    "not_a_complaint": "bukan pengaduan pelayanan publik / not a public-service complaint",
    "duplicate": "duplikat pengaduan lain / a duplicate of another complaint",
    "insufficient_information": "informasi tidak cukup / not enough information",
}


def tracking_link(code: str) -> str:
    """The tracking page of a complaint, on the site the citizen uses."""
    return f"{public_base_url()}/lacak?kode={code}"


def _fields(session: Session, complaint: Complaint, event: ComplaintEvent) -> dict[str, str]:
    """What the citizen's templates may name, in words."""
    agency = session.get(Agency, complaint.agency_id) if complaint.agency_id else None
    calendar = calendar_of_agency(session=session, agency_id=complaint.agency_id)
    window = (event.data or {}).get("dispute_window_ends_at")
    until = (
        datetime.fromisoformat(window).astimezone(calendar.zone).strftime("%d-%m-%Y %H.%M")
        + f" {zone_name(calendar.zone)}"
        if window
        else ""
    )
    return {
        "code": complaint.tracking_code,
        "link": tracking_link(complaint.tracking_code),
        "reason": event.reason or "-",
        "agency": agency.name if agency else "instansi yang berwenang",
        "decision": complaint.decision or "",
        "dispute_until": until,
        "ground": RESOLUTION_WORDS.get(complaint.resolution_code or "", "-"),
        "referral": complaint.referral or "instansi yang berwenang / the competent institution",
    }


def queue_notices(*, session: Session, complaint: Complaint, event: ComplaintEvent) -> None:
    """Queue the e-mails of a transition event (each once: keyed by the event)."""
    key = f"event:{complaint.id}:{event.seq}"
    notice = CITIZEN_NOTICES.get(event.action or "")
    if notice and complaint.identity is not None and complaint.identity.email:
        subject, body = notice
        fields = _fields(session, complaint, event)
        outbox.enqueue(
            session=session,
            dedupe_key=f"{key}:citizen",
            recipient=complaint.identity.email,
            audience="citizen",
            subject=subject.format(**fields),
            body=body.format(**fields),
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
            body=f'Pengaduan {complaint.tracking_code} "{complaint.title}" ditugaskan kepada '
            f"Anda.\nComplaint {complaint.tracking_code} is assigned to you.\n\n"
            f"{public_base_url()}/pengaduan/{complaint.id}",
            data={"complaint_id": complaint.id, "event": "assign"},
            not_before=next_office_time(
                calendar_of_agency(session=session, agency_id=complaint.agency_id), now_utc()
            ),
        )
