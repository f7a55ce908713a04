"""Request and response shapes of accounts, tokens and API clients."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from backend.auth.models import Scope
from backend.auth.roles import Role
from backend.web.fields import AwareDateTime

ROLES = [r.value for r in Role]
SCOPES = [s.value for s in Scope]


class RegisterSchema(ma.Schema):
    """A citizen's self-registration."""

    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(
        required=True, load_only=True, validate=validate.Length(min=8, max=200)
    )
    full_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32))


class LoginSchema(ma.Schema):
    """Credentials; `session: cookie` is the browser flow (httpOnly cookies, no tokens in body)."""

    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=200))
    session = fields.String(load_default="token", validate=validate.OneOf(["token", "cookie"]))


class UserSchema(ma.Schema):
    """An account as its owner and admins see it."""

    id = fields.Integer(dump_only=True)
    email = fields.String()
    full_name = fields.String()
    phone = fields.String(allow_none=True)
    role = fields.String(validate=validate.OneOf(ROLES))
    agency_id = fields.Integer(allow_none=True)
    is_active = fields.Boolean()
    created_at = AwareDateTime(dump_only=True)
    last_login_at = AwareDateTime(dump_only=True, allow_none=True)


class CurrentUserSchema(UserSchema):
    """The logged-in user's account, and what they may do (the front end shows what they may)."""

    permissions = fields.List(
        fields.String(),
        dump_only=True,
        metadata={"description": "The actions this account may take, e.g. reports.breaches"},
    )


class TokenSchema(ma.Schema):
    """Tokens for API clients (absent in the cookie flow) and the CSRF value for browsers."""

    access_token = fields.String()
    refresh_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()
    csrf_token = fields.String(metadata={"description": "Send as X-CSRF-TOKEN in the cookie flow"})
    user = fields.Nested(CurrentUserSchema)


class RefreshSchema(ma.Schema):
    """A refresh token in the body (API clients); browsers send the cookie instead."""

    refresh_token = fields.String(load_default=None, allow_none=True)


class LogoutSchema(ma.Schema):
    """Optionally the refresh token to revoke along with the access token."""

    refresh_token = fields.String(load_default=None, allow_none=True)


class ClientTokenRequestSchema(ma.Schema):
    """OAuth 2.0 client-credentials grant (JSON body)."""

    grant_type = fields.String(required=True, validate=validate.Equal("client_credentials"))
    client_id = fields.String(required=True, validate=validate.Length(max=64))
    client_secret = fields.String(required=True, load_only=True, validate=validate.Length(max=200))


class ClientTokenSchema(ma.Schema):
    """A bearer token for an API client."""

    access_token = fields.String(required=True)
    token_type = fields.String(required=True)
    expires_in = fields.Integer(required=True)
    scope = fields.String(required=True)


class ApiClientCreateSchema(ma.Schema):
    """A new third-party app."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    scopes = fields.List(
        fields.String(validate=validate.OneOf(SCOPES)),
        required=True,
        validate=validate.Length(min=1),
    )


class ApiClientSchema(ma.Schema):
    """A third-party app; `client_secret` appears only in the answer to its creation."""

    id = fields.Integer(dump_only=True)
    client_id = fields.String()
    client_secret = fields.String(dump_only=True)
    name = fields.String()
    scopes = fields.List(fields.String(), attribute="scope_list")
    is_active = fields.Boolean()
    created_at = AwareDateTime()
