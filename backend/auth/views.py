"""Accounts and tokens: register, login, refresh, logout, current user, API clients."""

from __future__ import annotations

from contextlib import suppress
from datetime import UTC, datetime
from typing import Any

from flask import current_app, jsonify, request
from flask.views import MethodView
from flask_jwt_extended import (
    create_access_token,
    create_refresh_token,
    decode_token,
    get_csrf_token,
    get_jwt,
    set_access_cookies,
    set_refresh_cookies,
    unset_jwt_cookies,
)
from jwt import PyJWTError

from backend.auth import service
from backend.auth.access import authorize, current_principal
from backend.auth.models import ApiClient, User
from backend.auth.permissions import POLICY, capabilities
from backend.auth.principal import Principal
from backend.auth.schemas import (
    ApiClientCreateSchema,
    ApiClientSchema,
    ClientTokenRequestSchema,
    ClientTokenSchema,
    CurrentUserSchema,
    LoginSchema,
    LogoutSchema,
    RefreshSchema,
    RegisterSchema,
    TokenSchema,
    UserSchema,
)
from backend.errors import Unauthorized
from backend.extensions import db, rate_limit
from backend.web.pagination import PageArgsSchema, page_body, page_schema
from backend.web.presenting import Presented
from backend.web.spec import Blueprint

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Akun dan token")
clients_blp = Blueprint(
    "api_clients",
    __name__,
    url_prefix="/api/v1/api-clients",
    description="Kredensial aplikasi pihak ketiga",
)


def as_current_user(user: User) -> Presented:
    """The account with the capabilities of its role (every domain's published rules)."""
    principal = Principal(kind="user", id=user.id, role=user.role, agency_id=user.agency_id)
    return Presented(user, permissions=capabilities(principal))


def _issue(user: User, flow: str) -> Any:
    """Tokens for `user`: in the body (token flow) or as httpOnly cookies (cookie flow)."""
    identity = f"user:{user.id}"
    claims = service.user_claims(user)
    access = create_access_token(identity=identity, additional_claims=claims)
    refresh = create_refresh_token(identity=identity, additional_claims=claims)
    expires = current_app.config["JWT_ACCESS_TOKEN_EXPIRES"]
    body: dict[str, Any] = {
        "token_type": "Bearer",
        "expires_in": int(expires.total_seconds()),
        "user": as_current_user(user),
    }
    if flow == "cookie":
        body["token_type"] = "cookie"
        body["csrf_token"] = get_csrf_token(access)
        # a Response skips the view's schema: dump here, once (the token flow is dumped by it)
        response = jsonify(TokenSchema().dump(body))
        set_access_cookies(response, access)
        set_refresh_cookies(response, refresh)
        return response
    body.update(access_token=access, refresh_token=refresh)
    return body


def _revoke_payload(payload: dict[str, Any]) -> None:
    service.revoke_token(
        session=db.session,
        jti=payload["jti"],
        expires_at=datetime.fromtimestamp(payload["exp"], UTC),
    )


@blp.route("/register")
class Register(MethodView):
    """Citizen self-registration."""

    @blp.doc(operationId="register")
    @rate_limit("register")
    @blp.arguments(RegisterSchema)
    @blp.response(201, UserSchema)
    def post(self, data: dict[str, Any]) -> User:
        """Register a citizen account / Daftar akun warga."""
        user = service.register_citizen(session=db.session, **data)
        db.session.commit()
        return user


@blp.route("/login")
class Login(MethodView):
    """Log in with e-mail and password."""

    @blp.doc(operationId="login")
    @rate_limit("login")
    @blp.arguments(LoginSchema)
    @blp.response(200, TokenSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Log in; tokens in the body, or httpOnly cookies with `session: cookie` / Masuk."""
        user = service.authenticate_user(
            session=db.session, email=data["email"], password=data["password"]
        )
        db.session.commit()
        return _issue(user, data["session"])


@blp.route("/refresh")
class Refresh(MethodView):
    """Rotate the refresh token."""

    @blp.doc(operationId="refreshToken")
    @authorize(POLICY, "auth.refresh", refresh=True)
    @blp.arguments(RefreshSchema)
    @blp.response(200, TokenSchema)
    def post(self, _data: dict[str, Any]) -> Any:
        """Exchange a refresh token for new tokens; the old one stops working / Perbarui token."""
        payload = get_jwt()
        _revoke_payload(payload)
        user = service.get_user(session=db.session, user_id=current_principal().id or 0)
        if not user.is_active:
            raise Unauthorized("account_disabled")
        flow = "cookie" if request.cookies.get("refresh_token_cookie") else "token"
        db.session.commit()
        return _issue(user, flow)


@blp.route("/logout")
class Logout(MethodView):
    """Revoke the current tokens."""

    @blp.doc(operationId="logout")
    @authorize(POLICY, "auth.logout")
    @blp.arguments(LogoutSchema)
    @blp.response(204)
    def post(self, data: dict[str, Any]) -> Any:
        """Log out: the access token and the refresh token stop working / Keluar."""
        _revoke_payload(get_jwt())
        refresh = data.get("refresh_token") or request.cookies.get("refresh_token_cookie")
        if refresh:
            # an unreadable refresh token cannot be used anyway
            with suppress(PyJWTError):
                _revoke_payload(decode_token(refresh, allow_expired=True))
        db.session.commit()
        response = current_app.response_class(status=204)
        unset_jwt_cookies(response)
        return response


@blp.route("/me")
class Me(MethodView):
    """The logged-in user."""

    @blp.doc(operationId="getCurrentUser")
    @authorize(POLICY, "auth.me")
    @blp.response(200, CurrentUserSchema)
    def get(self) -> Presented:
        """The account of the logged-in user and what it may do / Akun saya."""
        return as_current_user(
            service.get_user(session=db.session, user_id=current_principal().id or 0)
        )


@blp.route("/token")
class ClientToken(MethodView):
    """Client-credentials grant for third-party apps."""

    @blp.doc(operationId="issueClientToken")
    @rate_limit("issueClientToken")
    @blp.arguments(ClientTokenRequestSchema)
    @blp.response(200, ClientTokenSchema)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Exchange client credentials for a bearer token / Token aplikasi."""
        client = service.authenticate_client(
            session=db.session, client_id=data["client_id"], client_secret=data["client_secret"]
        )
        token = create_access_token(
            identity=f"client:{client.id}", additional_claims=service.client_claims(client)
        )
        expires = current_app.config["JWT_ACCESS_TOKEN_EXPIRES"]
        return {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": int(expires.total_seconds()),
            "scope": " ".join(client.scope_list),
        }


@clients_blp.route("")
class ApiClients(MethodView):
    """Third-party apps (admin)."""

    @clients_blp.doc(operationId="listApiClients")
    @authorize(POLICY, "auth.manage_clients")
    @clients_blp.arguments(PageArgsSchema, location="query")
    @clients_blp.response(200, page_schema(ApiClientSchema, "ApiClientPageSchema"))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List API clients / Daftar aplikasi."""
        return page_body(service.list_api_clients(session=db.session, **args))

    @clients_blp.doc(operationId="createApiClient")
    @authorize(POLICY, "auth.manage_clients")
    @clients_blp.arguments(ApiClientCreateSchema)
    @clients_blp.response(201, ApiClientSchema)
    def post(self, data: dict[str, Any]) -> ApiClient:
        """Create an API client; the secret is shown once / Buat kredensial aplikasi."""
        client, secret = service.create_api_client(
            session=db.session, created_by_id=current_principal().id, **data
        )
        db.session.commit()
        client.client_secret = secret  # type: ignore[attr-defined]  # shown this once only
        return client


@clients_blp.route("/<int(min=1, max=2147483647):client_pk>")
class ApiClientItem(MethodView):
    """One API client."""

    @clients_blp.doc(operationId="deactivateApiClient")
    @authorize(POLICY, "auth.manage_clients")
    @clients_blp.response(200, ApiClientSchema)
    def delete(self, client_pk: int) -> ApiClient:
        """Deactivate an API client / Nonaktifkan aplikasi."""
        client = service.deactivate_api_client(session=db.session, client_pk=client_pk)
        db.session.commit()
        return client
