"""The HTTP side of authentication: JWT loaders and the `authenticated` view decorator."""

from __future__ import annotations

from collections.abc import Callable
from copy import deepcopy
from functools import wraps
from typing import Any

from flask import Response, current_app, g, request
from flask_jwt_extended import JWTManager, get_jwt, verify_jwt_in_request
from flask_smorest.utils import deepupdate

from backend.auth.principal import PUBLIC, Principal
from backend.auth.service import token_in_force
from backend.errors import Forbidden
from backend.extensions import db
from backend.web.problems import problem_response

SECURITY = [{"bearerAuth": []}, {"cookieAuth": []}]
# API clients may also send the refresh token as `refresh_token` in the JSON body
REFRESH_LOCATIONS = ["headers", "cookies", "json"]


def init_jwt(jwt: JWTManager) -> None:
    """Answer every token problem in our problem shape, and honour revocations."""

    @jwt.token_in_blocklist_loader
    def _revoked(_header: dict[str, Any], payload: dict[str, Any]) -> bool:
        return not token_in_force(session=db.session, claims=payload)

    @jwt.unauthorized_loader
    def _missing(reason: str) -> Response:
        code = "csrf_failed" if "CSRF" in reason else "unauthorized"
        return problem_response(401, code, headers={"WWW-Authenticate": "Bearer"})

    @jwt.invalid_token_loader
    def _invalid(_reason: str) -> Response:
        return problem_response(
            401, "invalid_token", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
        )

    @jwt.expired_token_loader
    def _expired(_header: dict[str, Any], _payload: dict[str, Any]) -> Response:
        return problem_response(
            401, "token_expired", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
        )

    @jwt.revoked_token_loader
    def _revoked_response(_header: dict[str, Any], _payload: dict[str, Any]) -> Response:
        return problem_response(
            401, "invalid_token", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
        )

    @jwt.user_lookup_error_loader
    def _gone(_header: dict[str, Any], _payload: dict[str, Any]) -> Response:
        return problem_response(401, "invalid_token")


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    """Rebuild the caller from a verified token's claims."""
    kind, _, ident = str(claims["sub"]).partition(":")
    return Principal(
        kind=kind,
        id=int(ident),
        role=claims.get("role"),
        agency_id=claims.get("agency_id"),
        scopes=frozenset(claims.get("scopes", ())),
        label=claims.get("label"),
    )


def current_principal() -> Principal:
    """The caller of this request (PUBLIC when nobody logged in)."""
    return g.get("principal", PUBLIC)


def authenticated(
    *roles: str, scopes: tuple[str, ...] = (), optional: bool = False, refresh: bool = False
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Require a token; with `roles`, a user of one of them; with `scopes`, a client scope.

    A user passes when `roles` names their role; an API client passes when it holds one of
    `scopes`. With `optional`, anonymous callers get through as PUBLIC.
    """

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            found = (
                None
                if optional and not refresh and _carries_no_token()
                else verify_jwt_in_request(
                    optional=optional,
                    refresh=refresh,
                    locations=REFRESH_LOCATIONS if refresh else None,
                )
            )
            principal = principal_from_claims(get_jwt()) if found else PUBLIC
            if found and not _allowed(principal, roles, scopes):
                if principal.is_client:
                    raise Forbidden("insufficient_scope", scope=" | ".join(scopes) or "-")
                raise Forbidden()
            g.principal = principal
            return view(*args, **kwargs)

        doc = deepcopy(getattr(wrapper, "_apidoc", {}))
        security = [*SECURITY, {}] if optional else SECURITY
        doc["manual_doc"] = deepupdate(doc.get("manual_doc", {}), {"security": security})
        wrapper._apidoc = doc  # type: ignore[attr-defined]
        return wrapper

    return decorator


def _carries_no_token() -> bool:
    """Neither a bearer header nor an access cookie: an anonymous caller, whom
    `verify_jwt_in_request(optional=True)` would let through after looking everywhere
    (intake and tracking are mostly anonymous, issue 5)."""
    config = current_app.config
    return (
        config["JWT_HEADER_NAME"] not in request.headers
        and config["JWT_ACCESS_COOKIE_NAME"] not in request.cookies
    )


def _allowed(principal: Principal, roles: tuple[str, ...], scopes: tuple[str, ...]) -> bool:
    if principal.is_client:
        return bool(scopes) and bool(principal.scopes & set(scopes))
    return not roles or principal.role in roles
