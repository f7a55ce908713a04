"""Webhook subscriptions (admins, and API clients for themselves), their deliveries and the log
of attempts; redelivery. Nothing is sent here: the scheduler sends (`backend.webhooks.jobs`)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import current_app
from flask.views import MethodView

from backend.agencies.service import codes_by_id
from backend.auth.access import authorize, current_principal
from backend.db import now_utc
from backend.extensions import db
from backend.web.pagination import PageArgsSchema, page_body, page_schema
from backend.web.spec import Blueprint
from backend.webhooks import service
from backend.webhooks.models import WebhookDelivery, WebhookSubscription
from backend.webhooks.permissions import POLICY
from backend.webhooks.schemas import (
    AttemptSchema,
    DeliveryQuerySchema,
    DeliverySchema,
    SubscriptionCreateSchema,
    SubscriptionSchema,
    SubscriptionUpdateSchema,
)

blp = Blueprint(
    "webhooks",
    __name__,
    url_prefix="/api/v1/webhooks",
    description="Webhook bertanda tangan (Standard Webhooks)",
)

SUBSCRIPTION = "/subscriptions/<int(min=1, max=2147483647):subscription_id>"


def shown(subscription: WebhookSubscription, *, with_secret: bool = False) -> dict[str, Any]:
    """A subscription as the API shows it: codes for its filters, the secret only when asked."""
    categories, agencies = codes_by_id(session=db.session)
    fields = {
        name: getattr(subscription, name)
        for name in (
            "id",
            "url",
            "description",
            "event_types",
            "is_active",
            "disabled_at",
            "disabled_reason",
            "previous_secret_expires_at",
            "created_at",
        )
    }
    fields |= {
        "agency": agencies.get(subscription.agency_id) if subscription.agency_id else None,
        "category": categories.get(subscription.category_id) if subscription.category_id else None,
        "owner": "api_client" if subscription.api_client_id is not None else "admin",
    }
    if with_secret:
        fields["secret"] = subscription.secret
    return fields


def _allow_private() -> bool:
    return bool(current_app.config["WEBHOOKS_ALLOW_PRIVATE"])


@blp.route("/subscriptions")
class Subscriptions(MethodView):
    """Webhook subscriptions."""

    @blp.doc(operationId="listWebhookSubscriptions")
    @authorize(POLICY, "webhooks.manage")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_schema(SubscriptionSchema, "WebhookSubscriptionPageSchema"))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List webhook subscriptions (an API client: its own) / Daftar langganan webhook."""
        page = service.list_subscriptions(session=db.session, principal=current_principal(), **args)
        return page_body(replace(page, items=[shown(item) for item in page.items]))

    @blp.doc(operationId="createWebhookSubscription")
    @authorize(POLICY, "webhooks.manage")
    @blp.arguments(SubscriptionCreateSchema)
    @blp.response(201, SubscriptionSchema)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Subscribe a URL to events; the secret is shown now / Berlangganan webhook."""
        subscription = service.create_subscription(
            session=db.session,
            principal=current_principal(),
            data=data,
            allow_private=_allow_private(),
            at=now_utc(),
        )
        db.session.commit()
        return shown(subscription, with_secret=True)


@blp.route(SUBSCRIPTION)
class SubscriptionItem(MethodView):
    """One webhook subscription."""

    @blp.doc(operationId="getWebhookSubscription")
    @authorize(POLICY, "webhooks.manage")
    @blp.response(200, SubscriptionSchema)
    def get(self, subscription_id: int) -> dict[str, Any]:
        """A webhook subscription / Langganan webhook."""
        return shown(
            service.get_subscription(
                session=db.session,
                principal=current_principal(),
                subscription_id=subscription_id,
            )
        )

    @blp.doc(operationId="updateWebhookSubscription")
    @authorize(POLICY, "webhooks.manage")
    @blp.arguments(SubscriptionUpdateSchema)
    @blp.response(200, SubscriptionSchema)
    def patch(self, data: dict[str, Any], subscription_id: int) -> dict[str, Any]:
        """Change a subscription, or turn it off and on / Ubah langganan webhook."""
        subscription = service.update_subscription(
            session=db.session,
            principal=current_principal(),
            subscription_id=subscription_id,
            data=data,
            allow_private=_allow_private(),
            at=now_utc(),
        )
        db.session.commit()
        return shown(subscription)

    @blp.doc(operationId="deleteWebhookSubscription")
    @authorize(POLICY, "webhooks.manage")
    @blp.response(204)
    def delete(self, subscription_id: int) -> None:
        """Remove a subscription with its log / Hapus langganan webhook."""
        service.delete_subscription(
            session=db.session, principal=current_principal(), subscription_id=subscription_id
        )
        db.session.commit()


@blp.route(f"{SUBSCRIPTION}/rotate-secret")
class SecretRotation(MethodView):
    """A new signing secret."""

    @blp.doc(operationId="rotateWebhookSecret")
    @authorize(POLICY, "webhooks.manage")
    @blp.response(200, SubscriptionSchema)
    def post(self, subscription_id: int) -> dict[str, Any]:
        """A new secret; for 24 hours deliveries are signed with both / Ganti rahasia webhook."""
        subscription = service.rotate_secret(
            session=db.session,
            principal=current_principal(),
            subscription_id=subscription_id,
            at=now_utc(),
        )
        db.session.commit()
        return shown(subscription, with_secret=True)


@blp.route(f"{SUBSCRIPTION}/deliveries")
class Deliveries(MethodView):
    """What was, or will be, sent to a subscription."""

    @blp.doc(operationId="listWebhookDeliveries")
    @authorize(POLICY, "webhooks.manage")
    @blp.arguments(DeliveryQuerySchema, location="query", as_kwargs=True)
    @blp.arguments(PageArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, page_schema(DeliverySchema, "WebhookDeliveryPageSchema"))
    def get(self, subscription_id: int, **args: Any) -> dict[str, Any]:
        """List a subscription's deliveries / Daftar pengiriman webhook."""
        return page_body(
            service.list_deliveries(
                session=db.session,
                principal=current_principal(),
                subscription_id=subscription_id,
                status=args.pop("status", None),
                **args,
            )
        )


@blp.route(f"{SUBSCRIPTION}/deliveries/<int(min=1, max=2147483647):delivery_id>/redeliver")
class Redelivery(MethodView):
    """Send a delivery again."""

    @blp.doc(operationId="redeliverWebhook")
    @authorize(POLICY, "webhooks.manage")
    @blp.response(202, DeliverySchema)
    def post(self, subscription_id: int, delivery_id: int) -> WebhookDelivery:
        """Queue a delivery again; the scheduler sends it / Kirim ulang webhook."""
        delivery = service.redeliver(
            session=db.session,
            principal=current_principal(),
            subscription_id=subscription_id,
            delivery_id=delivery_id,
            at=now_utc(),
        )
        db.session.commit()
        return delivery


@blp.route(f"{SUBSCRIPTION}/attempts")
class Attempts(MethodView):
    """The log of every request made to a subscription."""

    @blp.doc(operationId="listWebhookAttempts")
    @authorize(POLICY, "webhooks.manage")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_schema(AttemptSchema, "WebhookAttemptPageSchema"))
    def get(self, args: dict[str, Any], subscription_id: int) -> dict[str, Any]:
        """List delivery attempts: status, latency, response excerpt / Log percobaan webhook."""
        return page_body(
            service.list_attempts(
                session=db.session,
                principal=current_principal(),
                subscription_id=subscription_id,
                **args,
            )
        )
