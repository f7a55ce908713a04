"""Evidence files: checked by content, images re-encoded without EXIF, stored outside web root."""

from __future__ import annotations

import hashlib
import io
import re
import secrets
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

import filetype
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.auth.principal import Principal
from backend.complaints import storage
from backend.complaints.models import Attachment, Complaint, Visibility
from backend.complaints.permissions import POLICY
from backend.complaints.queries import complaint_to_change, get_complaint
from backend.complaints.timeline import actor_of, append_event
from backend.errors import (
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
)

IMAGE_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
ALLOWED_TYPES = {**{k: k for k in IMAGE_TYPES}, "application/pdf": "application/pdf"}
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_FILES_PER_COMPLAINT = 20
# decompression bombs: refuse images above this many pixels
Image.MAX_IMAGE_PIXELS = 40_000_000


def safe_filename(name: str) -> str:
    """A filename with no path and no characters that break a header."""
    name = Path(name.replace("\\", "/")).name
    name = re.sub(r"[^A-Za-z0-9._ -]", "_", name).strip(" .")
    return name[:150] or "lampiran"


def _strip_metadata(content: bytes, mime: str) -> bytes:
    """Re-encode an image from its pixels only: EXIF (GPS!), XMP and comments are dropped."""
    try:
        with Image.open(io.BytesIO(content)) as image:
            image.load()
            upright = ImageOps.exif_transpose(image)
            if IMAGE_TYPES[mime] == "JPEG" and upright.mode not in ("RGB", "L"):
                upright = upright.convert("RGB")
            out = io.BytesIO()
            upright.save(out, format=IMAGE_TYPES[mime], quality=90)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise UnsupportedMediaType(allowed=", ".join(ALLOWED_TYPES)) from error


def store_attachment(
    *,
    session: Session,
    principal: Principal,
    complaint_id: int,
    filename: str,
    stream: BinaryIO,
    upload_dir: str,
    visibility: str,
    at: datetime,
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
        raise ValidationFailed(errors={"file": [f"At most {MAX_FILES_PER_COMPLAINT} files."]})
    content = stream.read(MAX_FILE_BYTES + 1)
    if len(content) > MAX_FILE_BYTES:
        raise PayloadTooLarge(limit=MAX_FILE_BYTES)
    if not content:
        raise ValidationFailed(errors={"file": ["The file is empty."]})
    kind = filetype.guess(content)
    mime = kind.mime if kind else None
    if mime not in ALLOWED_TYPES:
        raise UnsupportedMediaType(allowed=", ".join(ALLOWED_TYPES))
    if mime in IMAGE_TYPES:
        content = _strip_metadata(content, mime)
    key = secrets.token_hex(16)
    storage.stage(session, upload_dir, key, content)
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
    upload_dir: str,
) -> tuple[Attachment, Path]:
    """One file of a complaint the caller may open, and where its bytes are."""
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
    path = storage.path_of(upload_dir, attachment.storage_key)
    if not path.exists():
        raise NotFound("file_missing")
    return attachment, path
