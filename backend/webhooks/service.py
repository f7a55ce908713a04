"""Webhook subscriptions: create, change, rotate the secret, list deliveries and attempts,
redeliver. Plain functions taking the session; they never commit and never send anything (the
scheduler does, `backend.webhooks.jobs`)."""

from __future__ import annotations

import base64
import ipaddress
import secrets
import socket
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from backend.agencies.service import agency_id_by_code, category_by_code
from backend.auth.principal import Principal
from backend.db import Page, paginate
from backend.errors import NotFound, invalid
from backend.webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from backend.webhooks.permissions import POLICY

# after a rotation the previous secret signs too, for receivers still holding it
ROTATION_OVERLAP = timedelta(hours=24)


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def check_url(url: str, *, allow_private: bool, field: str = "url") -> None:
    """Refuse a URL that is not http(s), does not resolve, or resolves to an address inside
    the city's network (loopback, private, link-local ...): a subscription must not make the
    server reach what it alone can reach (SSRF), unless ADUAN_WEBHOOKS_ALLOW_PRIVATE says so."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise invalid(field, "webhook_url_scheme")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError) as error:
        raise invalid(field, "webhook_url_unresolved", host=parts.hostname) from error
    if allow_private:
        return
    for *_rest, address in found:
        if not ipaddress.ip_address(str(address[0]).split("%")[0]).is_global:
            raise invalid(field, "webhook_url_private", host=parts.hostname)


def _filters(session: Session, data: dict[str, Any]) -> dict[str, Any]:
    """The agency and category filters of a request body (codes) as ids."""
    values: dict[str, Any] = {}
    if "agency" in data:
        values["agency_id"] = (
            agency_id_by_code(session=session, code=data["agency"], field="agency")
            if data["agency"]
            else None
        )
    if "category" in data:
        values["category_id"] = (
            category_by_code(session=session, code=data["category"]).id
            if data["category"]
            else None
        )
    return values


def create_subscription(
    *,
    session: Session,
    principal: Principal,
    data: dict[str, Any],
    allow_private: bool,
    at: datetime,
) -> WebhookSubscription:
    """A new subscription of an admin, or of an API client for itself, with a new secret."""
    check_url(data["url"], allow_private=allow_private)
    subscription = WebhookSubscription(
        url=data["url"],
        description=data.get("description"),
        event_types=sorted(set(data["event_types"])),
        created_by_id=None if principal.is_client else principal.id,
        api_client_id=principal.id if principal.is_client else None,
        secret=new_secret(),
        is_active=True,
        created_at=at,
        updated_at=at,
        **_filters(session, data),
    )
    session.add(subscription)
    session.flush()
    return subscription


def get_subscription(
    *, session: Session, principal: Principal, subscription_id: int
) -> WebhookSubscription:
    """A subscription the caller manages (404 for one of another API client)."""
    subscription = session.get(WebhookSubscription, subscription_id)
    if subscription is None or not POLICY.can(principal, "webhooks.manage", subscription):
        raise NotFound()
    return subscription


def list_subscriptions(*, session: Session, principal: Principal, page: int, per_page: int) -> Page:
    """The subscriptions the caller manages, newest first."""
    query = select(WebhookSubscription).order_by(WebhookSubscription.id.desc())
    if principal.is_client:
        query = query.where(WebhookSubscription.api_client_id == principal.id)
    return paginate(session, query, page=page, per_page=per_page)


def update_subscription(
    *,
    session: Session,
    principal: Principal,
    subscription_id: int,
    data: dict[str, Any],
    allow_private: bool,
    at: datetime,
) -> WebhookSubscription:
    """Change the URL, events, filters or description; `active: true` turns a disabled
    subscription back on (what waited for it is then sent, in order)."""
    subscription = get_subscription(
        session=session, principal=principal, subscription_id=subscription_id
    )
    if "url" in data:
        check_url(data["url"], allow_private=allow_private)
        subscription.url = data["url"]
    if "event_types" in data:
        subscription.event_types = sorted(set(data["event_types"]))
    if "description" in data:
        subscription.description = data["description"]
    for name, value in _filters(session, data).items():
        setattr(subscription, name, value)
    if "active" in data:
        subscription.is_active = data["active"]
        subscription.disabled_at = None if data["active"] else at
        subscription.disabled_reason = None if data["active"] else "disabled_by_owner"
    subscription.updated_at = at
    return subscription


def delete_subscription(*, session: Session, principal: Principal, subscription_id: int) -> None:
    """Remove a subscription with its deliveries and their log."""
    subscription = get_subscription(
        session=session, principal=principal, subscription_id=subscription_id
    )
    # the log first, then the deliveries, then the subscription (the foreign keys' order)
    for model in (WebhookAttempt, WebhookDelivery):
        session.execute(delete(model).where(model.subscription_id == subscription.id))
    session.delete(subscription)


def rotate_secret(
    *, session: Session, principal: Principal, subscription_id: int, at: datetime
) -> WebhookSubscription:
    """A new secret; the old one goes on signing beside it for `ROTATION_OVERLAP`."""
    subscription = get_subscription(
        session=session, principal=principal, subscription_id=subscription_id
    )
    subscription.previous_secret = subscription.secret
    subscription.previous_secret_expires_at = at + ROTATION_OVERLAP
    subscription.secret = new_secret()
    subscription.updated_at = at
    return subscription


def list_deliveries(
    *,
    session: Session,
    principal: Principal,
    subscription_id: int,
    status: str | None,
    page: int,
    per_page: int,
) -> Page:
    """A subscription's deliveries, newest first."""
    subscription = get_subscription(
        session=session, principal=principal, subscription_id=subscription_id
    )
    query = (
        select(WebhookDelivery)
        .where(WebhookDelivery.subscription_id == subscription.id)
        .order_by(WebhookDelivery.id.desc())
    )
    if status:
        query = query.where(WebhookDelivery.status == status)
    return paginate(session, query, page=page, per_page=per_page)


def list_attempts(
    *, session: Session, principal: Principal, subscription_id: int, page: int, per_page: int
) -> Page:
    """Every attempt of a subscription's deliveries, newest first."""
    subscription = get_subscription(
        session=session, principal=principal, subscription_id=subscription_id
    )
    query = (
        select(WebhookAttempt)
        .where(WebhookAttempt.subscription_id == subscription.id)
        .order_by(WebhookAttempt.id.desc())
    )
    return paginate(session, query, page=page, per_page=per_page)


def redeliver(
    *,
    session: Session,
    principal: Principal,
    subscription_id: int,
    delivery_id: int,
    at: datetime,
) -> WebhookDelivery:
    """Queue a delivery again (the scheduler sends it, never this request), with a fresh three
    days of retries."""
    subscription = get_subscription(
        session=session, principal=principal, subscription_id=subscription_id
    )
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.subscription_id != subscription.id:
        raise NotFound()
    delivery.status = DeliveryStatus.PENDING
    delivery.next_attempt_at = at
    delivery.first_tried_at = None
    return delivery
