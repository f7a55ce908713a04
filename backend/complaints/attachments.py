"""Evidence files: checked by content, kept without metadata (`files`), stored outside any
web root only when their transaction commits (`storage`)."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, ParamSpec, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.auth.principal import Principal
from backend.complaints import files, storage
from backend.complaints.models import Attachment, Complaint, Visibility
from backend.complaints.permissions import POLICY
from backend.complaints.queries import complaint_to_change, get_complaint
from backend.complaints.timeline import actor_of, append_event
from backend.errors import (
    NotFound,
    PayloadTooLarge,
    StorageUnavailable,
    invalid,
)

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_FILES_PER_COMPLAINT = 20
P = ParamSpec("P")
T = TypeVar("T")


def safe_filename(name: str) -> str:
    """A filename with no path and no characters that break a header."""
    name = Path(name.replace("\\", "/")).name
    name = re.sub(r"[^A-Za-z0-9._ -]", "_", name).strip(" .")
    return name[:150] or "lampiran"


def store_attachment(
    *,
    session: Session,
    principal: Principal,
    complaint_id: int,
    filename: str,
    stream: BinaryIO,
    store: storage.EvidenceStore,
    visibility: str,
    at: datetime,
    max_pixels: int,
) -> Attachment:
    """Check, clean and store one file, and record it in the timeline.

    The file is kept only if the transaction commits (`backend.complaints.storage`).
    """
    action = (
        "complaints.upload_internal" if visibility == Visibility.INTERNAL else "complaints.upload"
    )
    complaint = complaint_to_change(
        session=session, principal=principal, complaint_id=complaint_id, action=action
    )
    count = session.scalar(
        select(func.count()).select_from(Attachment).where(Attachment.complaint_id == complaint.id)
    )
    if (count or 0) >= MAX_FILES_PER_COMPLAINT:
        raise invalid("file", "too_many_files", max=MAX_FILES_PER_COMPLAINT)
    content = stream.read(MAX_FILE_BYTES + 1)
    if len(content) > MAX_FILE_BYTES:
        raise PayloadTooLarge(limit=MAX_FILE_BYTES)
    if not content:
        raise invalid("file", "file_empty")
    mime = files.sniff(content)
    content = files.clean(content, mime, max_pixels)
    key = secrets.token_hex(16)
    storage_call(store.stage, session, key, content, at)
    attachment = Attachment(
        complaint_id=complaint.id,
        filename=safe_filename(filename),
        content_type=mime,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        storage_key=key,
        visibility=visibility,
        uploaded_by_kind="staff" if principal.is_staff else "complainant",
        uploaded_by_id=principal.id if principal.kind == "user" else None,
        created_at=at,
    )
    session.add(attachment)
    session.flush()
    event = append_event(
        session=session,
        complaint=complaint,
        kind="attachment",
        visibility=visibility,
        data={
            "attachment_id": attachment.id,
            "filename": attachment.filename,
            "content_type": mime,
            "size": attachment.size,
        },
        actor=actor_of(principal),
        at=at,
    )
    attachment.event_id = event.id
    return attachment


def list_attachments(
    *, session: Session, principal: Principal, complaint: Complaint
) -> list[Attachment]:
    """A complaint's files; internal ones only for staff who handle it."""
    query = (
        select(Attachment).where(Attachment.complaint_id == complaint.id).order_by(Attachment.id)
    )
    if not POLICY.can(principal, "complaints.read_internal", complaint):
        query = query.where(Attachment.visibility == Visibility.PUBLIC)
    return list(session.scalars(query))


def attachment_file(
    *,
    session: Session,
    principal: Principal,
    complaint_id: int,
    attachment_id: int,
    store: storage.EvidenceStore,
) -> tuple[Attachment, BinaryIO, int]:
    """One file of a complaint the caller may open: its row, a stream of its bytes, their size."""
    complaint = get_complaint(session=session, principal=principal, complaint_id=complaint_id)
    attachment = session.get(Attachment, attachment_id)
    if (
        attachment is None
        or attachment.complaint_id != complaint.id
        or (
            attachment.visibility == Visibility.INTERNAL
            and not POLICY.can(principal, "complaints.read_internal", complaint)
        )
    ):
        raise NotFound()
    try:
        stream, size = storage_call(store.open, attachment.storage_key)
    except storage.ObjectMissing as error:
        raise NotFound("file_missing") from error
    return attachment, stream, size


def storage_call(operation: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """A call to the evidence store; one it cannot answer is a 503 problem."""
    try:
        return operation(*args, **kwargs)
    except (storage.StorageUnavailable, OSError) as error:
        raise StorageUnavailable() from error
