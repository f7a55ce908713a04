"""The GeoReport v2 documents (the spec's element names) and the arguments of its methods."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from backend.complaints.models import Privacy
from backend.web.fields import AwareDateTime

# the spec's default and Aduan's largest page (Response Volume: the first 1,000 requests)
MAX_PAGE_SIZE = 1000


class Open311ErrorSchema(ma.Schema):
    """One error of the spec's error list."""

    code = fields.Integer(required=True)
    description = fields.String(required=True)


class EndpointSchema(ma.Schema):
    """An endpoint of the discovery document."""

    specification = fields.String(required=True)
    url = fields.String(required=True)
    changeset = fields.String(required=True)
    type = fields.String(required=True, validate=validate.OneOf(["production", "test"]))
    formats = fields.List(fields.String(), required=True)


class DiscoverySchema(ma.Schema):
    """Service discovery: where the GeoReport v2 endpoint is and how to get a key."""

    changeset = fields.String(required=True)
    contact = fields.String(required=True)
    key_service = fields.String(required=True)
    endpoints = fields.List(fields.Nested(EndpointSchema), required=True)


class Open311ServiceSchema(ma.Schema):
    """A service: an Aduan complaint category."""

    service_code = fields.String(required=True)
    service_name = fields.String(required=True)
    description = fields.String(required=True)
    metadata = fields.Boolean(required=True)
    type = fields.String(required=True, metadata={"description": "Always realtime"})
    keywords = fields.String(required=True)
    group = fields.String(required=True)


class AttributeValueSchema(ma.Schema):
    """One choice of a list attribute."""

    key = fields.String(required=True)
    name = fields.String(required=True)


class AttributeSchema(ma.Schema):
    """A field a request of this service takes as `attribute[code]`."""

    variable = fields.Boolean(required=True)
    code = fields.String(required=True)
    datatype = fields.String(
        required=True,
        validate=validate.OneOf(
            ["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
        ),
    )
    required = fields.Boolean(required=True)
    datatype_description = fields.String(allow_none=True)
    order = fields.Integer(required=True)
    description = fields.String(required=True)
    values = fields.List(fields.Nested(AttributeValueSchema))


class ServiceDefinitionSchema(ma.Schema):
    """A service's attributes."""

    service_code = fields.String(required=True)
    attributes = fields.List(fields.Nested(AttributeSchema), required=True)


class CreatedRequestSchema(ma.Schema):
    """The answer to POST requests: the tracking code and what happens next."""

    service_request_id = fields.String(required=True, metadata={"description": "Tracking code"})
    service_notice = fields.String(required=True)
    account_id = fields.String(allow_none=True)


class ServiceRequestSchema(ma.Schema):
    """A public complaint as a service request; no personal data."""

    service_request_id = fields.String(required=True, metadata={"description": "Tracking code"})
    status = fields.String(required=True, validate=validate.OneOf(["open", "closed"]))
    status_notes = fields.String(allow_none=True)
    service_name = fields.String(required=True)
    service_code = fields.String(required=True)
    description = fields.String(allow_none=True)
    agency_responsible = fields.String(allow_none=True)
    service_notice = fields.String(allow_none=True)
    requested_datetime = fields.String(required=True, metadata={"format": "date-time"})
    updated_datetime = fields.String(required=True, metadata={"format": "date-time"})
    expected_datetime = fields.String(
        allow_none=True,
        metadata={"format": "date-time", "description": "The running legal deadline"},
    )
    address = fields.String(allow_none=True)
    address_id = fields.String(allow_none=True)
    zipcode = fields.String(allow_none=True)
    lat = fields.Float(allow_none=True)
    long = fields.Float(allow_none=True)
    media_url = fields.String(allow_none=True)


def _comma_list(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


class CommaList(fields.String):
    """A comma-delimited list of values, as GeoReport v2 writes them in one argument."""

    def _deserialize(self, value, attr, data, **kwargs):
        return _comma_list(super()._deserialize(value, attr, data, **kwargs))


class RequestQuerySchema(ma.Schema):
    """GET requests: the spec's filters, and paging past its 1,000 rows (an extension)."""

    class Meta:
        unknown = ma.EXCLUDE

    jurisdiction_id = fields.String(metadata={"description": "Ignored: one jurisdiction"})
    service_request_id = CommaList(
        validate=validate.Length(max=2000),
        metadata={"description": "Tracking codes, comma delimited; overrides the other filters"},
    )
    service_code = CommaList(
        validate=validate.Length(max=2000), metadata={"description": "Comma delimited"}
    )
    start_date = AwareDateTime(
        metadata={"description": "Earliest requested_datetime (with an offset or Z)"}
    )
    end_date = AwareDateTime(metadata={"description": "Latest requested_datetime"})
    status = CommaList(
        validate=validate.Length(max=20), metadata={"description": "open, closed or both"}
    )
    page = fields.Integer(
        load_default=1,
        validate=validate.Range(1, 100_000),
        metadata={"description": "Extension: the page of page_size requests"},
    )
    page_size = fields.Integer(
        load_default=MAX_PAGE_SIZE,
        validate=validate.Range(1, MAX_PAGE_SIZE),
        metadata={"description": "Extension: requests per page"},
    )

    @ma.validates("status")
    def _status(self, value: list[str], **_kwargs: object) -> None:
        if set(value) - {"open", "closed"}:
            raise ma.ValidationError("open or closed.")


class RequestFormSchema(ma.Schema):
    """POST requests, application/x-www-form-urlencoded as the spec sends it."""

    class Meta:
        unknown = ma.EXCLUDE

    api_key = fields.String(
        required=True,
        validate=validate.Length(max=300),
        metadata={"description": "An API client's `client_id:client_secret`"},
    )
    jurisdiction_id = fields.String(metadata={"description": "Ignored: one jurisdiction"})
    service_code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    lat = fields.Float(validate=validate.Range(-90, 90))
    long = fields.Float(validate=validate.Range(-180, 180))
    address_string = fields.String(validate=validate.Length(max=300))
    address_id = fields.String(validate=validate.Length(max=300))
    email = fields.String(validate=validate.Length(max=254))
    device_id = fields.String(
        validate=validate.Length(max=200), metadata={"description": "Not stored"}
    )
    account_id = fields.String(
        validate=validate.Length(max=200), metadata={"description": "Not stored; echoed back"}
    )
    first_name = fields.String(validate=validate.Length(max=100))
    last_name = fields.String(validate=validate.Length(max=100))
    phone = fields.String(validate=validate.Length(max=32))
    description = fields.String(validate=validate.Length(max=4000))
    media_url = fields.Url(
        schemes={"http", "https"},
        validate=validate.Length(max=2000),
        metadata={"description": "Kept as a line of the description"},
    )
    consent = fields.Boolean(
        data_key="attribute[consent]",
        metadata={"description": "Required: stands for the signature of Pasal 42(3)"},
    )
    title = fields.String(data_key="attribute[title]", validate=validate.Length(max=200))
    privacy = fields.String(
        data_key="attribute[privacy]",
        validate=validate.OneOf([p.value for p in Privacy]),
        metadata={"description": "private unless the client says otherwise"},
    )
    kecamatan = fields.String(data_key="attribute[kecamatan]", validate=validate.Length(max=20))
    kelurahan = fields.String(data_key="attribute[kelurahan]", validate=validate.Length(max=100))
    service_date = fields.String(
        data_key="attribute[service_date]",
        validate=validate.Length(max=40),
        metadata={"description": "When the service was received (Pasal 42(2)), YYYY-MM-DD"},
    )
