"""What a delivery carries: only what its subscriber may see, by the API's own rules.

A subscription speaks for its owner: an admin's for that admin (every complaint), an API
client's for that client (its own complaints with `complaints:read_own`, the verified public
ones with `complaints:read_public`, and the public fields of those only). No payload ever names
the complainant of a private, confidential-identity or anonymous complaint, nor carries anyone's
contact details. The payload is rendered when it is sent, so a complaint made stricter since the
event is sent as it is now, or not at all.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.orm import Session

from backend.agencies.service import codes_by_id
from backend.auth.models import ApiClient, Scope, User
from backend.auth.principal import Principal
from backend.complaints.models import Complaint, Privacy
from backend.complaints.permissions import reads, sees_identity
from backend.webhooks.models import WebhookEvent, WebhookSubscription

# what a subscriber who may read the complaint gets (staff-like views of the API)
FULL = (
    "tracking_code",
    "status",
    "report_type",
    "privacy",
    "channel",
    "title",
    "late_filing",
    "kecamatan_code",
)
# what anyone may read in the public list
PUBLIC = ("tracking_code", "status", "report_type", "title", "kecamatan_code")


def subscriber(session: Session, subscription: WebhookSubscription) -> Principal | None:
    """Whom a subscription speaks for, as they are now (None: nobody active any more)."""
    if subscription.api_client_id is not None:
        client = session.get(ApiClient, subscription.api_client_id)
        if client is None or not client.is_active:
            return None
        return Principal(
            kind="client", id=client.id, scopes=frozenset(client.scope_list), label=client.name
        )
    user = session.get(User, subscription.created_by_id) if subscription.created_by_id else None
    if user is None or not user.is_active:
        return None
    return Principal(kind="user", id=user.id, role=user.role, agency_id=user.agency_id)


def _publicly_listed(complaint: Complaint) -> bool:
    return complaint.privacy == Privacy.PUBLIC and complaint.verified_at is not None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def complaint_view(
    session: Session, principal: Principal, complaint: Complaint
) -> dict[str, Any] | None:
    """The complaint as this subscriber may see it (None: not at all)."""
    names: tuple[str, ...]
    if reads(principal, complaint):
        names = FULL
    elif (
        principal.is_client
        and Scope.COMPLAINTS_READ_PUBLIC in principal.scopes
        and _publicly_listed(complaint)
    ):
        names = PUBLIC
    else:
        return None
    categories, agencies = codes_by_id(session=session)
    view: dict[str, Any] = {name: getattr(complaint, name) for name in names}
    view |= {
        "category": categories.get(complaint.category_id),
        "agency": agencies.get(complaint.agency_id) if complaint.agency_id else None,
        "received_at": _iso(complaint.received_at),
        "updated_at": _iso(complaint.updated_at),
        "next_due_at": _iso(complaint.next_due_at),
    }
    if names is FULL:
        view["id"] = complaint.id
    # a name only where the API shows one too, and only of a public complaint
    identity = complaint.identity
    named = (names is FULL and sees_identity(principal, complaint)) or complaint.show_name_publicly
    if identity is not None and complaint.privacy == Privacy.PUBLIC and named:
        view["complainant_name"] = identity.name
    return view


def render(
    session: Session, subscription: WebhookSubscription, event: WebhookEvent
) -> bytes | None:
    """The body of `event` for `subscription` (Standard Webhooks' type, timestamp, data), or
    None when its subscriber may not see the complaint."""
    principal = subscriber(session, subscription)
    complaint = session.get(Complaint, event.complaint_id)
    if principal is None or complaint is None:
        return None
    view = complaint_view(session, principal, complaint)
    if view is None:
        return None
    body = {
        "type": event.type,
        "timestamp": event.occurred_at.isoformat(),
        "data": {"event_id": event.id, "complaint": view, **event.data},
    }
    return orjson.dumps(body)
