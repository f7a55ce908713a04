"""Problem documents (RFC 9457, application/problem+json) in the caller's language."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import marshmallow as ma
from flask import Flask, Response, json, request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from backend.errors import DomainError, ValidationFailed, message
from backend.web.field_errors import Messages, schema_messages

log = logging.getLogger(__name__)

PROBLEM_MIMETYPE = "application/problem+json"


def request_language() -> str:
    """`id` (the default) or `en`, from Accept-Language."""
    return request.accept_languages.best_match(["id", "en"], default="id") or "id"


def problem_response(
    status: int,
    code: str,
    /,
    *,
    errors: dict[str, Any] | None = None,
    messages: Messages | None = None,
    headers: dict[str, str] | None = None,
    **params: Any,
) -> Response:
    """An RFC 9457 problem document in the caller's language.

    With field `errors`, `messages` holds each field's message in id and en, keyed by its
    dotted path (`complainant.name`); a field given none in `messages` gets one from its error.
    """
    lang = request_language()
    title, detail = message(code, lang, **params)
    body: dict[str, Any] = {
        "type": f"urn:aduan:problem:{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if errors:
        body["errors"] = errors
        body["messages"] = schema_messages(None, errors, None) | (messages or {})
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_MIMETYPE)
    response.headers["Content-Language"] = lang
    response.headers["Vary"] = "Accept-Language"
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


class LocalizedMessageSchema(ma.Schema):
    """One field's message in each language."""

    id = ma.fields.String(required=True, metadata={"description": "Bahasa Indonesia"})
    en = ma.fields.String(required=True, metadata={"description": "English"})


class ProblemSchema(ma.Schema):
    """application/problem+json (RFC 9457)."""

    type = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String(required=True)
    code = ma.fields.String(required=True)
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Raw(),
        metadata={"description": "Field errors in English, nested as the body is (machine use)"},
    )
    messages = ma.fields.Dict(
        keys=ma.fields.String(metadata={"description": "The field's dotted path"}),
        values=ma.fields.Nested(LocalizedMessageSchema),
        metadata={
            "description": "Each field of `errors` by its dotted path (`complainant.name`): what "
            "to correct, naming the field by its form label, in Indonesian and English"
        },
    )


def register_error_handlers(app: Flask, rollback: Callable[[], None]) -> None:
    """Domain errors -> problems; a write that lost a race -> 409, with nothing changed.

    A concurrent change surfaces wherever the unit of work flushes (an autoflush inside a
    service, or the commit) as a version mismatch or a unique key taken: `rollback` undoes the
    request's transaction whole. (HTTP errors are handled by `Api.handle_http_exception`.)
    """

    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError) -> Response:
        messages = error.messages if isinstance(error, ValidationFailed) else None
        return problem_response(
            error.status,
            error.code,
            errors=error.errors,
            messages=messages,
            headers=error.headers,
            **error.params,
        )

    @app.errorhandler(StaleDataError)
    @app.errorhandler(IntegrityError)
    def _lost_race(error: Exception) -> Response:
        rollback()
        log.info("concurrent change refused: %s", error)
        return problem_response(409, "concurrent_change")
