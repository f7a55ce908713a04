"""The HTTP side of authentication: JWT loaders and the `authorize` view decorator."""

from __future__ import annotations

from collections.abc import Callable
from copy import deepcopy
from functools import wraps
from typing import Any

from flask import Response, current_app, g, request
from flask_jwt_extended import JWTManager, get_jwt, verify_jwt_in_request
from flask_smorest.utils import deepupdate

from backend.auth.permissions import Policy
from backend.auth.principal import PUBLIC, Principal
from backend.auth.service import token_in_force
from backend.extensions import db
from backend.web.problems import problem_response

SECURITY: list[dict[str, list[str]]] = [{"bearerAuth": []}, {"cookieAuth": []}]
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


def authorize(
    policy: Policy, action: str, *, refresh: bool = False
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The view takes `action` of `policy`: a caller its rule does not admit is refused.

    A token is required unless the rule is public (then anonymous callers pass as PUBLIC);
    `refresh` takes the refresh token instead of the access token. The object-level part of
    the rule is the service's to check, once it has the object (`Policy.require`).
    """
    rule = policy.rule(action)

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            optional = rule.public and not refresh
            found = (
                None
                if optional and _carries_no_token()
                else verify_jwt_in_request(
                    optional=optional,
                    refresh=refresh,
                    locations=REFRESH_LOCATIONS if refresh else None,
                )
            )
            principal = principal_from_claims(get_jwt()) if found else PUBLIC
            policy.require(principal, action)
            g.principal = principal
            return view(*args, **kwargs)

        doc = deepcopy(getattr(wrapper, "_apidoc", {}))
        security = [*SECURITY, {}] if rule.public and not refresh else SECURITY
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
