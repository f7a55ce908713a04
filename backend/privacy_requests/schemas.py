"""Marshmallow schemas of the data-subject requests and retention API."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from backend.complaints.schemas import TrackSchema
from backend.privacy_requests.models import Outcome, RequestKind, RequestStatus
from backend.web.fields import LocalDateTime, TimeZoneName
from backend.web.pagination import PageArgsSchema

KINDS = [kind.value for kind in RequestKind]


class DataRequestCreateSchema(ma.Schema):
    """What the complainant asks for about their personal data."""

    kind = fields.String(
        required=True,
        validate=validate.OneOf(KINDS),
        metadata={
            "description": "access (with the processing record), correction, erasure, "
            "restriction, consent_withdrawal (UU 27/2022 Pasal 30-43)"
        },
    )
    details = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=2000),
        metadata={"description": "What to correct, or why; required for a correction"},
    )


class TrackedDataRequestCreateSchema(TrackSchema, DataRequestCreateSchema):
    """A request filed with the complaint's code and PIN."""


class ProcessingActivitySchema(ma.Schema):
    """One step of the complaint's handling that processed the data."""

    at = fields.String(required=True)
    kind = fields.String(required=True)
    action = fields.String(allow_none=True)
    actor = fields.String(required=True)


class ProcessingEmailSchema(ma.Schema):
    """One e-mail sent (or to be sent) to the complainant."""

    at = fields.String(required=True)
    subject = fields.String(required=True)
    status = fields.String(required=True)


class ProcessingRecordSchema(ma.Schema):
    """What is held and how it was processed (given with an access request's answer)."""

    legal_basis = fields.String(required=True)
    purpose = fields.String(required=True)
    data_held = fields.List(fields.String(), required=True)
    activities = fields.List(fields.Nested(ProcessingActivitySchema), required=True)
    emails = fields.List(fields.Nested(ProcessingEmailSchema), required=True)


class DataRequestSchema(ma.Schema):
    """A data-subject request and, once answered, its answer."""

    id = fields.Integer(required=True)
    tracking_code = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    details = fields.String(allow_none=True)
    requested_via = fields.String(required=True, metadata={"description": "tracking | account"})
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in RequestStatus]))
    received_at = LocalDateTime(required=True)
    due_at = LocalDateTime(
        required=True, metadata={"description": "received_at + 3 x 24 hours (UU 27/2022)"}
    )
    overdue = fields.Boolean(required=True)
    outcome = fields.String(allow_none=True, validate=validate.OneOf([o.value for o in Outcome]))
    refusal_ground = fields.String(
        allow_none=True, metadata={"description": "complaint_open | legal_hold | other"}
    )
    answer = fields.String(allow_none=True)
    answered_at = LocalDateTime(allow_none=True)
    time_zone = TimeZoneName()
    processing_record = fields.Nested(ProcessingRecordSchema, allow_none=True)


class DataRequestListSchema(ma.Schema):
    """A complaint's requests, newest first."""

    items = fields.List(fields.Nested(DataRequestSchema), required=True)


class QueueItemSchema(DataRequestSchema):
    """A request as the data-protection officer's queue shows it."""

    complaint_id = fields.Integer(required=True)
    complaint_status = fields.String(required=True)
    legal_hold = fields.Boolean(required=True)


class QueueArgsSchema(PageArgsSchema):
    """Filters of the queue."""

    status = fields.String(validate=validate.OneOf([s.value for s in RequestStatus]))
    overdue = fields.Boolean()


class CorrectionsSchema(ma.Schema):
    """Identity fields to set when granting a correction."""

    name = fields.String(validate=validate.Length(min=1, max=200))
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    phone = fields.String(allow_none=True, validate=validate.Length(max=32))
    address = fields.String(allow_none=True, validate=validate.Length(max=1000))


class DataRequestAnswerSchema(ma.Schema):
    """The officer's answer."""

    decision = fields.String(required=True, validate=validate.OneOf(["grant", "refuse"]))
    message = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=5000),
        metadata={"description": "The answer to the citizen; required to refuse"},
    )
    corrections = fields.Nested(CorrectionsSchema, load_default=dict)


class LegalHoldSchema(ma.Schema):
    """Set or lift a complaint's legal hold."""

    hold = fields.Boolean(required=True)
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))


class LegalHoldStateSchema(ma.Schema):
    """A complaint's legal hold."""

    complaint_id = fields.Integer(required=True)
    legal_hold = fields.Boolean(required=True)
    legal_hold_reason = fields.String(allow_none=True)


class RetentionResultSchema(ma.Schema):
    """What one record type lost in a run."""

    action = fields.String(required=True, metadata={"description": "anonymise | delete"})
    days = fields.Integer(required=True)
    count = fields.Integer(required=True)


class RetentionRunSchema(ma.Schema):
    """One run of the retention schedule."""

    id = fields.Integer(required=True)
    trigger = fields.String(required=True)
    started_at = LocalDateTime(required=True)
    finished_at = LocalDateTime(allow_none=True)
    time_zone = TimeZoneName()
    complete = fields.Boolean(required=True)
    results = fields.Dict(
        keys=fields.String(), values=fields.Nested(RetentionResultSchema), required=True
    )
