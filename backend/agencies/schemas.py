"""Shapes of agencies, areas, categories, routes and staff accounts."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from backend.agencies.models import DEFAULT_CALENDAR_CODE
from backend.auth.schemas import ROLES

Code = validate.Regexp(r"^[A-Z0-9][A-Z0-9-]{1,39}$", error="Use 2-40 capitals, digits and '-'.")


class AgencySchema(ma.Schema):
    """An agency and its public complaint channels (Pasal 21(j), 36(4))."""

    id = fields.Integer(dump_only=True)
    code = fields.String(required=True, validate=Code)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    short_name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    parent_id = fields.Integer(dump_only=True, allow_none=True)
    area_code = fields.String(allow_none=True, validate=validate.Length(max=20))
    calendar = fields.String(
        attribute="calendar_code",
        load_default=DEFAULT_CALENDAR_CODE,
        validate=validate.Length(min=1, max=40),
        metadata={
            "description": "The working-day calendar the agency counts on; its zone (WIB, WITA, "
            "WIT) is the agency's local time"
        },
    )
    is_complaint_team = fields.Boolean(dump_only=True)
    email = fields.Email(allow_none=True)
    phone = fields.String(allow_none=True, validate=validate.Length(max=40))
    address = fields.String(allow_none=True, validate=validate.Length(max=500))
    responsible_person = fields.String(allow_none=True, validate=validate.Length(max=200))
    channels = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict)


class OfficerSchema(ma.Schema):
    """An assignment candidate: name and role only, no contact details."""

    id = fields.Integer(required=True)
    full_name = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))


class AgencyCreateSchema(AgencySchema):
    """A new agency."""

    parent_code = fields.String(load_only=True, allow_none=True)


class AgencyUpdateSchema(ma.Schema):
    """Changes to an agency's public details and its calendar (new clocks count on it)."""

    calendar = fields.String(attribute="calendar_code", validate=validate.Length(min=1, max=40))
    name = fields.String(validate=validate.Length(min=1, max=200))
    short_name = fields.String(validate=validate.Length(min=1, max=80))
    email = fields.Email(allow_none=True)
    phone = fields.String(allow_none=True, validate=validate.Length(max=40))
    address = fields.String(allow_none=True, validate=validate.Length(max=500))
    responsible_person = fields.String(allow_none=True, validate=validate.Length(max=200))
    channels = fields.Dict(keys=fields.String(), values=fields.String())


class CategorySchema(ma.Schema):
    """A complaint category."""

    id = fields.Integer(dump_only=True)
    code = fields.String(required=True, validate=Code)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(allow_none=True, validate=validate.Length(max=2000))
    is_active = fields.Boolean(dump_only=True)


class CategoryCreateSchema(CategorySchema):
    """A new category and the agency it goes to by default."""

    agency_code = fields.String(load_only=True, allow_none=True)


class KecamatanSchema(ma.Schema):
    """A kecamatan and its kelurahan."""

    code = fields.String()
    name = fields.String()
    kelurahan = fields.List(fields.String())


class RouteSchema(ma.Schema):
    """A routing rule: category (and kecamatan) to agency."""

    id = fields.Integer(dump_only=True)
    category_code = fields.String(required=True)
    kecamatan_code = fields.String(load_default=None, allow_none=True)
    agency_code = fields.String(required=True)


class StaffCreateSchema(ma.Schema):
    """A staff account created by an admin."""

    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(
        required=True, load_only=True, validate=validate.Length(min=8, max=200)
    )
    full_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    agency_code = fields.String(load_default=None, allow_none=True)
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32))


class StaffUpdateSchema(ma.Schema):
    """Changes to an account."""

    full_name = fields.String(validate=validate.Length(min=1, max=200))
    role = fields.String(validate=validate.OneOf(ROLES))
    agency_code = fields.String(allow_none=True)
    phone = fields.String(allow_none=True, validate=validate.Length(max=32))
    is_active = fields.Boolean()
    password = fields.String(load_only=True, validate=validate.Length(min=8, max=200))


class StaffQuerySchema(ma.Schema):
    """Filters of the account list."""

    role = fields.String(validate=validate.OneOf(ROLES))
    agency_code = fields.String(validate=validate.Length(max=40))
    q = fields.String(validate=validate.Length(max=100))
