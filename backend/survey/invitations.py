"""Inviting the complainant to the survey when their complaint is closed: once, on the tracking
page always, and by e-mail with a single-use link when they gave an address.

The complaints domain calls `invite` from the `close` transition, in its transaction; this
module therefore imports nothing of complaints (it is given the complaint) and nothing above
notifications, so that the arrow stays one way.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from flask import current_app

from backend.config import public_base_url
from backend.db.writes import Rows, insert_rows
from backend.notifications import service as outbox
from backend.survey.models import SurveyInvitation

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from backend.complaints.models import Complaint

SUBJECT = "Pengaduan {code}: bagaimana pelayanan kami?"
BODY = (
    "Pengaduan Anda ({code}) telah selesai. Mohon luangkan dua menit untuk menilai pelayanan "
    "kami dalam Survei Kepuasan Masyarakat (PermenPANRB 14/2017); jawaban Anda membantu "
    "memperbaiki pelayanan.\n\n"
    "Isi survei: {link}\n\n"
    "Tautan ini hanya dapat dipakai sekali. Survei juga dapat diisi di halaman lacak dengan "
    "kode pelacakan dan PIN Anda.\n\n"
    "Your complaint ({code}) is closed. Please rate our service in the satisfaction survey: "
    "{link}"
)


def token_hash(token: str) -> str:
    """What is kept of a link's token: its SHA-256 (the token is random, 256 bits)."""
    return hashlib.sha256(token.encode()).hexdigest()


def invite(*, session: Session, complaint: Complaint, at: datetime) -> int | None:
    """Invite the complainant of a closed complaint, once; the invitation's id, or None when
    the complaint was invited before. E-mails the link when the complainant gave an address."""
    identity = complaint.identity
    email = identity.email if identity is not None else None
    token = secrets.token_urlsafe(32) if email else None
    created = insert_rows(
        session,
        Rows(
            SurveyInvitation.__table__,
            [
                {
                    "complaint_id": complaint.id,
                    "token_hash": token_hash(token) if token else None,
                    "token_used_at": None,
                    "invited_at": at,
                }
            ],
        ),
        returning=("id",),
        skip_conflicts=True,
    )
    if not created:
        return None
    if email and token:
        # the token is a key to the survey: the outbox keeps it sealed until the mail is sent
        dedupe_key = f"survey:{complaint.id}:invitation"
        link = f"{public_base_url()}/survei?token=[[token]]"
        outbox.enqueue(
            session=session,
            dedupe_key=dedupe_key,
            recipient=email,
            audience="citizen",
            subject=SUBJECT.format(code=complaint.tracking_code),
            body=BODY.format(code=complaint.tracking_code, link=link),
            data={"complaint_id": complaint.id, "event": "survey_invitation"},
            sealed=outbox.sealed_for(
                current_app.config["OUTBOX_KEY"], dedupe_key, {"token": token}
            ),
        )
    return int(created[0].id)
