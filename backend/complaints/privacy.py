"""A complaint's privacy: one ordered setting, made stricter by staff, either way by its owner.

`public` < `private` < `confidential_identity` < `anonymous`. Moving to `anonymous` erases the
stored identity for good, and with it the link to the citizen's account and pending e-mails.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.auth.principal import Principal
from backend.complaints.models import Complaint, Privacy, Visibility
from backend.complaints.permissions import is_owner
from backend.complaints.queries import complaint_to_change
from backend.complaints.timeline import actor_of, append_event
from backend.errors import ValidationFailed
from backend.notifications.models import OutboxMessage, OutboxStatus

PRIVACY_ORDER: list[str] = [
    Privacy.PUBLIC,
    Privacy.PRIVATE,
    Privacy.CONFIDENTIAL_IDENTITY,
    Privacy.ANONYMOUS,
]


def change_privacy(
    *,
    session: Session,
    principal: Principal,
    complaint_id: int,
    if_match: str | None,
    privacy: str,
    at: datetime,
    reason: str | None = None,
) -> Complaint:
    """Staff may only make privacy stricter; the citizen who filed may change it either way.

    Tightening to anonymous erases the stored identity for good.
    """
    complaint = complaint_to_change(
        session=session,
        principal=principal,
        complaint_id=complaint_id,
        action="complaints.change_privacy",
        if_match=if_match,
        versioned=True,
    )
    owner = is_owner(principal, complaint)
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
    append_event(
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
    return complaint
