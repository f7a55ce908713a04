"""flask-smorest subclasses and the HTTP side of errors: problem+json, pagination envelope."""

from __future__ import annotations

import http
import logging
from typing import Any

import flask_smorest
import marshmallow as ma
from flask import Flask, Response, json, request
from flask_smorest.utils import prepare_response
from werkzeug.exceptions import HTTPException

from backend.errors import HTTP_CODES, DomainError, message

log = logging.getLogger(__name__)

PROBLEM_MIMETYPE = "application/problem+json"
# werkzeug headers worth keeping on an error response (flask-smorest drops them all)
KEPT_HEADERS = {"allow", "www-authenticate", "retry-after"}


def request_language() -> str:
    """`id` (the default) or `en`, from Accept-Language."""
    return request.accept_languages.best_match(["id", "en"], default="id") or "id"


def problem_response(
    status: int,
    code: str,
    *,
    errors: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    **params: Any,
) -> Response:
    """An RFC 9457 problem document in the caller's language."""
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
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_MIMETYPE)
    response.headers["Content-Language"] = lang
    response.headers["Vary"] = "Accept-Language"
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


class ProblemSchema(ma.Schema):
    """application/problem+json (RFC 9457)."""

    type = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String(required=True)
    code = ma.fields.String(required=True)
    errors = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Raw())


class Api(flask_smorest.Api):
    """Api that answers every HTTP error as a problem, keeping werkzeug's useful headers."""

    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self) -> None:
        """Document every error response as application/problem+json."""
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_MIMETYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_MIMETYPE)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)

    def handle_http_exception(self, error: HTTPException) -> Response:  # type: ignore[override]
        """Render werkzeug and webargs errors as problems (Allow on 405 survives)."""
        status = error.code or 500
        code = HTTP_CODES.get(status, "bad_request")
        headers = {
            k: v for k, v in error.get_headers() if k.lower() in KEPT_HEADERS
        }
        data = getattr(error, "data", None) or {}
        headers.update(data.get("headers") or {})
        errors = data.get("errors") or data.get("messages")
        if isinstance(errors, dict) and set(errors) <= {"json", "query", "headers", "files",
                                                         "form", "path", "cookies"}:
            # webargs nests by location; one location is the common case: flatten it
            errors = errors[next(iter(errors))] if len(errors) == 1 else errors
        if status == 500:
            log.exception("unhandled error", exc_info=getattr(error, "original_exception", None))
        params = {"limit": request.max_content_length} if status == 413 else {}
        return problem_response(status, code, errors=errors, headers=headers, **params)


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest Blueprint; every operation names its operationId with `doc`."""


def register_error_handlers(app: Flask) -> None:
    """Domain errors -> problems. (HTTP errors are handled by `Api.handle_http_exception`.)"""

    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError) -> Response:
        return problem_response(
            error.status, error.code, errors=error.errors, headers=error.headers, **error.params
        )


class PaginationSchema(ma.Schema):
    """Where a page sits in the whole list."""

    page = ma.fields.Integer(required=True)
    per_page = ma.fields.Integer(required=True)
    total = ma.fields.Integer(required=True)
    pages = ma.fields.Integer(required=True)


class PageArgsSchema(ma.Schema):
    """Query parameters of every list."""

    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=100_000))
    per_page = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=100))


def page_schema(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    """The `{"items": [...], "pagination": {...}}` envelope for `item_schema`."""
    return type(
        name,
        (ma.Schema,),
        {
            "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
            "pagination": ma.fields.Nested(PaginationSchema, required=True),
            "__doc__": f"A page of {item_schema.__name__.removesuffix('Schema')}.",
        },
    )


def page_body(page: Any) -> dict[str, Any]:
    """The envelope of a `backend.db.Page`."""
    return {
        "items": page.items,
        "pagination": {
            "page": page.page,
            "per_page": page.per_page,
            "total": page.total,
            "pages": page.pages,
        },
    }


class Presented:
    """An object seen through a response schema, with extra attributes for this caller.

    Lets a view add computed fields (codes, allowed actions) without dumping twice.
    """

    def __init__(self, obj: Any, **extra: Any) -> None:
        self._obj = obj
        self.__dict__.update(extra)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._obj, name)
