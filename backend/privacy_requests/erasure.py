"""Anonymising a complainant: the identity, the attachments' stored metadata, the e-mails.

One function for both causes: an answered erasure request and the retention schedule. It is
safe to call twice (an identity already erased is left as it is). The complaint itself, its
facts and its timeline stay: the city must still account for how it handled the case.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import PurePath
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from backend.complaints.models import OPEN_STATUSES, Attachment, Complaint, Visibility
from backend.complaints.timeline import append_event
from backend.notifications.models import OutboxMessage, OutboxStatus
from backend.privacy_requests.models import DataSubjectRequest

ERASED_NAME = "(dihapus)"
ERASED_RECIPIENT = "(dihapus)"


def hold_on(complaint: Complaint) -> str | None:
    """Why the complaint's personal data must be kept for now ("complaint_open" while it is
    handled, "legal_hold" under a hold), or None when it may be erased."""
    if complaint.legal_hold:
        return "legal_hold"
    if complaint.status in OPEN_STATUSES:
        return "complaint_open"
    return None


def anonymise(
    *, session: Session, complaint: Complaint, at: datetime, actor: dict[str, Any], cause: str
) -> bool:
    """Anonymise the complainant of `complaint`; False when there was nothing left to erase.

    The name becomes "(dihapus)", every contact and address field is emptied, the link to the
    citizen's account goes; e-mails to them not yet sent are dropped and the address of the
    sent ones redacted; the details they wrote in their data-subject requests are emptied (the
    requests and answers stay, as the record of what was asked); each attachment row loses its
    original filename and its uploader. An internal timeline event records that (and why) it
    happened, not what was erased.
    """
    identity = complaint.identity
    erased_identity = identity is not None and identity.erased_at is None
    if identity is not None and identity.erased_at is None:
        _redact_outbox(session, complaint.id, (identity.email or "").lower())
        identity.name = ERASED_NAME
        identity.email = None
        identity.phone = None
        identity.address = None
        identity.organisation = None
        identity.representative_name = None
        identity.representative_basis = None
        identity.erased_at = at
        # what the complainant wrote in their requests may name them too
        session.execute(
            update(DataSubjectRequest)
            .where(DataSubjectRequest.complaint_id == complaint.id)
            .values(details=None)
        )
    stripped = strip_attachments(session=session, complaint_id=complaint.id)
    linked = complaint.citizen_id is not None or complaint.show_name_publicly
    if not (erased_identity or stripped or linked):
        return False
    complaint.citizen_id = None
    complaint.show_name_publicly = False
    append_event(
        session=session,
        complaint=complaint,
        kind="identity_erased",
        visibility=Visibility.INTERNAL,
        data={"cause": cause, "attachments": stripped},
        actor=actor,
        at=at,
    )
    return True


def anonymous_filename(attachment: Attachment) -> str:
    """The name an attachment keeps once its original one is erased: its number and type."""
    suffix = PurePath(attachment.filename).suffix.lower()[:10]
    return f"lampiran-{attachment.id}{suffix}"


def strip_attachments(*, session: Session, complaint_id: int) -> int:
    """Drop the original filename and the uploader of each attachment row of the complaint
    (the files themselves were stripped of metadata at upload); how many rows changed."""
    changed = 0
    for attachment in session.scalars(
        select(Attachment).where(Attachment.complaint_id == complaint_id)
    ):
        name = anonymous_filename(attachment)
        by_complainant = attachment.uploaded_by_kind == "complainant"
        if attachment.filename == name and not (by_complainant and attachment.uploaded_by_id):
            continue
        attachment.filename = name
        if by_complainant:
            attachment.uploaded_by_id = None
        changed += 1
    return changed


def _redact_outbox(session: Session, complaint_id: int, email: str) -> None:
    if not email:
        return
    for message in session.scalars(
        select(OutboxMessage).where(func.lower(OutboxMessage.recipient) == email)
    ):
        if (message.data or {}).get("complaint_id") != complaint_id:
            continue
        if message.status == OutboxStatus.PENDING:
            session.delete(message)
        else:
            message.recipient = ERASED_RECIPIENT
