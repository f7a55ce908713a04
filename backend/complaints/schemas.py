"""Request and response shapes of complaints, tracking, timeline and attachments."""

from __future__ import annotations

from enum import Enum

import marshmallow as ma
from marshmallow import fields, validate

from backend.complaints.actions import ACTIONS, RESOLUTION_CODES
from backend.complaints.models import (
    Channel,
    ComplainantKind,
    Privacy,
    ReportType,
    Source,
    Status,
    Visibility,
)
from backend.sla.schemas import ClockBaseSchema
from backend.web.fields import AwareDateTime, Date, IfMatch, LocalDateTime, TimeZoneName

Text = validate.Length(max=10_000)
Short = validate.Length(max=300)


def _choices(enum: type[Enum]) -> validate.OneOf:
    return validate.OneOf([e.value for e in enum])


class ComplainantSchema(ma.Schema):
    """Who complains (Pasal 42(1), 42(3)): a person, a group or an organisation."""

    kind = fields.String(
        load_default=ComplainantKind.PERSON.value, validate=_choices(ComplainantKind)
    )
    name = fields.String(validate=validate.Length(min=1, max=200))
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    phone = fields.String(allow_none=True, validate=validate.Length(max=32))
    address = fields.String(allow_none=True, validate=validate.Length(max=500))
    organisation = fields.String(allow_none=True, validate=validate.Length(max=200))
    representative_name = fields.String(
        allow_none=True,
        validate=validate.Length(max=200),
        metadata={"description": "Holder of a power of attorney, if someone files for them"},
    )
    representative_basis = fields.String(allow_none=True, validate=validate.Length(max=300))


class ComplaintCreateSchema(ma.Schema):
    """A complaint: the contents of Pasal 42(3) and how it reached the city."""

    report_type = fields.String(
        load_default=ReportType.PENGADUAN.value, validate=_choices(ReportType)
    )
    category = fields.String(required=True, validate=validate.Length(max=40))
    title = fields.String(required=True, validate=validate.Length(min=3, max=200))
    description = fields.String(
        required=True,
        validate=validate.Length(min=10, max=10_000),
        metadata={"description": "The service that failed the standard (uraian pelayanan)"},
    )
    loss_description = fields.String(
        allow_none=True,
        validate=Text,
        metadata={"description": "Material or immaterial loss (kerugian)"},
    )
    remedy_requested = fields.String(allow_none=True, validate=Text)
    incident_place = fields.String(allow_none=True, validate=Short)
    incident_at = AwareDateTime(allow_none=True)
    service_date = Date(
        allow_none=True, metadata={"description": "When the service was received (42(2))"}
    )
    privacy = fields.String(load_default=Privacy.PRIVATE.value, validate=_choices(Privacy))
    show_name_publicly = fields.Boolean(load_default=False)
    complainant = fields.Nested(ComplainantSchema, allow_none=True)
    consent = fields.Boolean(
        required=True, metadata={"description": "Stands for the signature of 42(3)"}
    )
    address = fields.String(allow_none=True, validate=Short)
    kecamatan = fields.String(allow_none=True, validate=validate.Length(max=20))
    kelurahan = fields.String(allow_none=True, validate=validate.Length(max=100))
    latitude = fields.Decimal(
        allow_none=True, places=6, as_string=True, validate=validate.Range(-90, 90)
    )
    longitude = fields.Decimal(
        allow_none=True, places=6, as_string=True, validate=validate.Range(-180, 180)
    )
    compensation_amount = fields.Decimal(
        allow_none=True, places=2, as_string=True, validate=validate.Range(0, 10**12)
    )
    compensation_description = fields.String(allow_none=True, validate=Text)
    channel = fields.String(allow_none=True, validate=_choices(Channel))
    source = fields.String(load_default=Source.SERVICE_RECIPIENT.value, validate=_choices(Source))
    received_at = AwareDateTime(
        allow_none=True,
        metadata={"description": "Staff-assisted intake: when it was really received"},
    )


class IdempotencyHeaderSchema(ma.Schema):
    """Optional Idempotency-Key: a retry with the same key returns the first result."""

    idempotency_key = fields.String(
        data_key="Idempotency-Key", validate=validate.Length(min=1, max=200)
    )


class IfMatchSchema(ma.Schema):
    """The ETag of the version the change is based on."""

    if_match = IfMatch(data_key="If-Match", validate=validate.Length(max=100))


class ReceiptSchema(ma.Schema):
    """Tanda terima (Pasal 44(2)): keep the code and the PIN."""

    id = fields.Integer(required=True)
    tracking_code = fields.String(required=True)
    pin = fields.String(required=True, metadata={"description": "Shown once; keep it"})
    time_zone = TimeZoneName()
    received_at = LocalDateTime(required=True)
    received_by = fields.String(required=True)
    channel = fields.String(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    category = fields.String(required=True)
    agency = fields.String(allow_none=True)
    late_filing = fields.Boolean(required=True)
    status = fields.String(required=True)


class ClockSummarySchema(ClockBaseSchema):
    """A legal clock as a case page shows it."""

    days_left_when_paused = fields.Integer(attribute="remaining_days", allow_none=True)


class ComplaintSchema(ma.Schema):
    """A complaint as staff and its complainant see it; the identity only where allowed."""

    id = fields.Integer()
    tracking_code = fields.String()
    report_type = fields.String()
    status = fields.String(validate=_choices(Status))
    privacy = fields.String()
    show_name_publicly = fields.Boolean()
    channel = fields.String()
    source = fields.String()
    title = fields.String()
    description = fields.String()
    loss_description = fields.String(allow_none=True)
    remedy_requested = fields.String(allow_none=True)
    incident_place = fields.String(allow_none=True)
    time_zone = TimeZoneName()
    incident_at = LocalDateTime(allow_none=True)
    service_date = Date(allow_none=True)
    late_filing = fields.Boolean()
    address = fields.String(allow_none=True)
    kecamatan = fields.String(allow_none=True, attribute="kecamatan_code")
    kelurahan = fields.String(allow_none=True)
    latitude = fields.Decimal(allow_none=True, as_string=True)
    longitude = fields.Decimal(allow_none=True, as_string=True)
    compensation_claimed = fields.Boolean()
    compensation_amount = fields.Decimal(allow_none=True, as_string=True)
    compensation_description = fields.String(allow_none=True)
    category = fields.String()
    agency = fields.String(allow_none=True)
    assigned_officer_id = fields.Integer(allow_none=True)
    assigned_officer = fields.String(
        allow_none=True, metadata={"description": "Nama petugas / the assigned officer's name"}
    )
    delivery_channel = fields.String(
        allow_none=True, metadata={"description": "How the decision was delivered"}
    )
    dispute_window_ends_at = LocalDateTime(
        allow_none=True,
        metadata={"description": "End of the complainant's window to dispute the decision"},
    )
    received_at = LocalDateTime()
    recorded_at = LocalDateTime()
    verified_at = LocalDateTime(allow_none=True)
    decided_at = LocalDateTime(allow_none=True)
    delivered_at = LocalDateTime(allow_none=True)
    closed_at = LocalDateTime(allow_none=True)
    decision = fields.String(allow_none=True)
    compensation_awarded = fields.Decimal(allow_none=True, as_string=True)
    compensation_due_date = Date(allow_none=True)
    resolution_code = fields.String(allow_none=True)
    referral = fields.String(
        allow_none=True, metadata={"description": "A rejection's referral: where to complain"}
    )
    identity_hidden = fields.Boolean(
        metadata={"description": "True when an identity exists that this caller may not see"}
    )
    complainant = fields.Nested(ComplainantSchema, allow_none=True)
    allowed_actions = fields.List(fields.String())
    clocks = fields.List(fields.Nested(ClockSummarySchema))
    etag = fields.String()


class ComplaintListItemSchema(ma.Schema):
    """A row of a queue."""

    id = fields.Integer()
    tracking_code = fields.String()
    title = fields.String()
    status = fields.String()
    report_type = fields.String()
    privacy = fields.String()
    channel = fields.String()
    category = fields.String()
    agency = fields.String(allow_none=True)
    time_zone = TimeZoneName()
    received_at = LocalDateTime()
    late_filing = fields.Boolean()
    next_due_at = LocalDateTime(allow_none=True)
    overdue = fields.Boolean()
    assigned_officer = fields.String(
        allow_none=True, metadata={"description": "Nama petugas / the assigned officer (staff)"}
    )
    delivery_channel = fields.String(
        allow_none=True, metadata={"description": "How the decision was delivered"}
    )
    dispute_window_ends_at = LocalDateTime(
        allow_none=True,
        metadata={"description": "End of the complainant's window to dispute the decision"},
    )


class ComplaintQuerySchema(ma.Schema):
    """Filters of the complaint list."""

    status = fields.List(fields.String(validate=_choices(Status)))
    agency = fields.String(validate=validate.Length(max=40))
    category = fields.String(validate=validate.Length(max=40))
    channel = fields.String(validate=_choices(Channel))
    report_type = fields.String(validate=_choices(ReportType))
    kecamatan = fields.String(validate=validate.Length(max=20))
    received_from = AwareDateTime()
    received_to = AwareDateTime()
    q = fields.String(validate=validate.Length(min=1, max=100))
    overdue = fields.Boolean()
    assigned_to_me = fields.Boolean()
    sort = fields.String(
        load_default="-received_at",
        validate=validate.OneOf(["-received_at", "received_at", "deadline"]),
    )


class PublicQuerySchema(ma.Schema):
    """Filters of the public list."""

    status = fields.List(fields.String(validate=_choices(Status)))
    category = fields.String(validate=validate.Length(max=40))
    agency = fields.String(validate=validate.Length(max=40))
    kecamatan = fields.String(validate=validate.Length(max=20))
    q = fields.String(validate=validate.Length(min=1, max=100))


class PublicComplaintSchema(ma.Schema):
    """A verified public complaint: no identity unless the complainant opted in to their name."""

    id = fields.Integer()
    title = fields.String()
    description = fields.String()
    report_type = fields.String()
    status = fields.String()
    category = fields.String()
    agency = fields.String(allow_none=True)
    kecamatan = fields.String(allow_none=True, attribute="kecamatan_code")
    kelurahan = fields.String(allow_none=True)
    time_zone = TimeZoneName()
    received_at = LocalDateTime()
    verified_at = LocalDateTime()
    complainant_name = fields.String(allow_none=True)


class TransitionSchema(ma.Schema):
    """An action of the lifecycle, with its reason and data."""

    action = fields.String(required=True, validate=validate.OneOf(sorted(ACTIONS)))
    reason = fields.String(allow_none=True, validate=Text)
    agency_code = fields.String(allow_none=True, validate=validate.Length(max=40))
    officer_id = fields.Integer(allow_none=True, validate=validate.Range(1, 2_147_483_647))
    decision = fields.String(allow_none=True, validate=Text)
    compensation_awarded = fields.Decimal(
        allow_none=True, places=2, as_string=True, validate=validate.Range(0, 10**12)
    )
    compensation_due_date = Date(allow_none=True)
    resolution_code = fields.String(allow_none=True, validate=validate.OneOf(RESOLUTION_CODES))
    referral = fields.String(
        allow_none=True,
        validate=validate.Length(max=500),
        metadata={
            "description": "With reject: where the citizen may complain instead (the competent "
            "institution and how to reach it)"
        },
    )
    delivery_channel = fields.String(allow_none=True, validate=validate.Length(max=40))


class EventSchema(ma.Schema):
    """One timeline entry."""

    id = fields.Integer()
    seq = fields.Integer()
    kind = fields.String()
    action = fields.String(allow_none=True)
    from_status = fields.String(allow_none=True)
    to_status = fields.String(allow_none=True)
    visibility = fields.String()
    actor_kind = fields.String()
    actor_label = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    body = fields.String(allow_none=True)
    data = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True))
    time_zone = TimeZoneName()
    occurred_at = LocalDateTime()
    hash = fields.String()


class CommentSchema(ma.Schema):
    """A note or reply."""

    body = fields.String(required=True, validate=validate.Length(min=1, max=10_000))
    visibility = fields.String(load_default=Visibility.PUBLIC.value, validate=_choices(Visibility))


class PrivacyChangeSchema(ma.Schema):
    """A new privacy setting."""

    privacy = fields.String(required=True, validate=_choices(Privacy))
    reason = fields.String(allow_none=True, validate=Text)


class TrackSchema(ma.Schema):
    """A tracking code and its PIN."""

    code = fields.String(required=True, validate=validate.Length(min=4, max=20))
    pin = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$"))


class TrackReplySchema(TrackSchema):
    """Information or evidence added by the holder of the code."""

    message = fields.String(required=True, validate=validate.Length(min=1, max=10_000))
    complete_info = fields.Boolean(
        load_default=False,
        metadata={"description": "This reply completes the material asked for (44(4))"},
    )


class TrackActionSchema(TrackSchema):
    """An action the complainant may take: withdraw, close (accept) or reopen (dispute)."""

    action = fields.String(required=True, validate=validate.OneOf(["withdraw", "close", "reopen"]))
    reason = fields.String(allow_none=True, validate=Text)


class TrackUploadSchema(TrackSchema):
    """Code and PIN as form fields beside the file."""


class AttachmentSchema(ma.Schema):
    """An attachment's metadata."""

    id = fields.Integer()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    visibility = fields.String()
    time_zone = TimeZoneName()
    created_at = LocalDateTime()


class TrackedComplaintSchema(ma.Schema):
    """What the holder of code and PIN sees: no identity at all."""

    tracking_code = fields.String()
    title = fields.String()
    description = fields.String()
    report_type = fields.String()
    status = fields.String()
    category = fields.String()
    category_name = fields.String(metadata={"description": "Nama kategori / category's name"})
    agency = fields.String(allow_none=True)
    agency_name = fields.String(
        allow_none=True, metadata={"description": "Nama instansi / agency's name"}
    )
    time_zone = TimeZoneName()
    received_at = LocalDateTime()
    decision = fields.String(allow_none=True)
    resolution_code = fields.String(
        allow_none=True,
        metadata={"description": "The ground of a rejection (or how it was withdrawn)"},
    )
    referral = fields.String(
        allow_none=True,
        metadata={"description": "A rejection's referral: where the citizen may complain instead"},
    )
    dispute_window_ends_at = LocalDateTime(
        allow_none=True,
        metadata={"description": "When the window to accept or dispute the decision ends"},
    )
    allowed_actions = fields.List(fields.String())
    may_add_information = fields.Boolean(
        metadata={
            "description": "Whether the holder may still send information or files (not once "
            "the complaint is closed, rejected or withdrawn)"
        }
    )
    clocks = fields.List(fields.Nested(ClockSummarySchema))
    timeline = fields.List(fields.Nested(EventSchema))
    attachments = fields.List(fields.Nested(AttachmentSchema))


class UploadFormSchema(ma.Schema):
    """Visibility of an uploaded file (staff may keep evidence internal)."""

    visibility = fields.String(load_default=Visibility.PUBLIC.value, validate=_choices(Visibility))


class FileSchema(ma.Schema):
    """The uploaded file."""

    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})
