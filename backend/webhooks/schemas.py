"""Marshmallow schemas of the webhooks API."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from backend.web.fields import LocalDateTime, TimeZoneName
from backend.webhooks.models import DeliveryStatus, EventType

EVENT_TYPES = [str(kind) for kind in EventType]


class SubscriptionCreateSchema(ma.Schema):
    """A URL to tell of events, and which events."""

    url = fields.Url(
        required=True,
        schemes={"http", "https"},
        require_tld=False,
        validate=validate.Length(max=2000),
        metadata={"description": "http(s); addresses inside the city's network are refused"},
    )
    event_types = fields.List(
        fields.String(validate=validate.OneOf(EVENT_TYPES)),
        required=True,
        validate=validate.Length(min=1, max=len(EVENT_TYPES)),
    )
    agency = fields.String(
        allow_none=True,
        validate=validate.Length(max=40),
        metadata={"description": "only complaints routed to this agency (code)"},
    )
    category = fields.String(
        allow_none=True,
        validate=validate.Length(max=40),
        metadata={"description": "only complaints of this category (code)"},
    )
    description = fields.String(allow_none=True, validate=validate.Length(max=300))


class SubscriptionUpdateSchema(SubscriptionCreateSchema):
    """The fields to change; `active: true` turns a disabled subscription back on."""

    url = fields.Url(
        schemes={"http", "https"}, require_tld=False, validate=validate.Length(max=2000)
    )
    event_types = fields.List(
        fields.String(validate=validate.OneOf(EVENT_TYPES)),
        validate=validate.Length(min=1, max=len(EVENT_TYPES)),
    )
    active = fields.Boolean()


class SubscriptionSchema(ma.Schema):
    """A webhook subscription (its secret only when created or rotated)."""

    id = fields.Integer(required=True)
    url = fields.String(required=True)
    description = fields.String(allow_none=True)
    event_types = fields.List(fields.String(), required=True)
    agency = fields.String(allow_none=True)
    category = fields.String(allow_none=True)
    owner = fields.String(
        required=True, metadata={"description": "`admin`, or `api_client` for its own"}
    )
    active = fields.Boolean(required=True, attribute="is_active")
    disabled_at = LocalDateTime(allow_none=True)
    disabled_reason = fields.String(
        allow_none=True, metadata={"description": "repeated_failure | disabled_by_owner"}
    )
    secret = fields.String(
        metadata={"description": "`whsec_...`: shown only when created or rotated"}
    )
    previous_secret_expires_at = LocalDateTime(
        allow_none=True,
        metadata={"description": "until then deliveries carry the previous secret's signature too"},
    )
    created_at = LocalDateTime(required=True)
    time_zone = TimeZoneName()


class DeliveryQuerySchema(ma.Schema):
    """Filters of listWebhookDeliveries."""

    status = fields.String(validate=validate.OneOf([str(s) for s in DeliveryStatus]))


class DeliverySchema(ma.Schema):
    """One event for one subscription."""

    id = fields.Integer(required=True)
    event_id = fields.Integer(required=True)
    event_type = fields.String(required=True, attribute="event.type")
    complaint_id = fields.Integer(required=True)
    status = fields.String(required=True)
    attempts = fields.Integer(required=True)
    next_attempt_at = LocalDateTime(required=True)
    first_tried_at = LocalDateTime(allow_none=True)
    delivered_at = LocalDateTime(allow_none=True)
    created_at = LocalDateTime(required=True)
    time_zone = TimeZoneName()


class AttemptSchema(ma.Schema):
    """One HTTP request of a delivery and its answer."""

    id = fields.Integer(required=True)
    delivery_id = fields.Integer(required=True)
    attempted_at = LocalDateTime(required=True)
    succeeded = fields.Boolean(required=True)
    status_code = fields.Integer(allow_none=True)
    latency_ms = fields.Integer(required=True)
    response_excerpt = fields.String(allow_none=True)
    error = fields.String(allow_none=True)
    time_zone = TimeZoneName()
