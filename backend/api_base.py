"""flask-smorest subclasses and the HTTP side of errors: problem+json, pagination envelope."""

from __future__ import annotations

import functools
import http
import logging
from collections.abc import Mapping
from typing import Any

import flask_smorest
import marshmallow as ma
import orjson
from apispec.ext.marshmallow.common import resolve_schema_cls
from flask import Flask, Response, json, request
from flask.json.provider import DefaultJSONProvider
from flask.sessions import SessionInterface
from flask_smorest.utils import deepupdate, prepare_response
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import HTTPException

from backend.errors import HTTP_CODES, DomainError, message

log = logging.getLogger(__name__)

PROBLEM_MIMETYPE = "application/problem+json"
# werkzeug headers worth keeping on an error response (flask-smorest drops them all)
KEPT_HEADERS = {"allow", "www-authenticate", "retry-after"}
WEBARGS_LOCATIONS = {"json", "query", "headers", "files", "form", "path", "cookies"}


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, with the compact bodies of responses written by orjson (issue 5).

    Same output as the standard provider but for non-ASCII characters, which are written as
    UTF-8 instead of \\u escapes: keys sorted, dates through Flask's `default` (HTTP dates),
    anything orjson refuses (an integer over 64 bits) handed to the standard provider.
    """

    OPTIONS = (
        orjson.OPT_SORT_KEYS
        | orjson.OPT_NON_STR_KEYS
        | orjson.OPT_PASSTHROUGH_DATETIME
        | orjson.OPT_PASSTHROUGH_DATACLASS
    )
    COMPACT = {"separators": (",", ":")}

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        if kwargs == self.COMPACT:
            try:
                return orjson.dumps(obj, default=self.default, option=self.OPTIONS).decode()
            except TypeError:
                pass
        return super().dumps(obj, **kwargs)


class NoSessionInterface(SessionInterface):
    """The API keeps no Flask session (callers carry JWTs): none is read or written.

    Flask's cookie session built a signing serializer on every request to find no cookie.
    """

    def open_session(self, app: Flask, request: Any) -> Any:
        return self.make_null_session(app)

    def save_session(self, app: Flask, session: Any, response: Any) -> None:
        return None


def request_language() -> str:
    """`id` (the default) or `en`, from Accept-Language."""
    return request.accept_languages.best_match(["id", "en"], default="id") or "id"


def problem_response(
    status: int,
    code: str,
    /,
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


def decimal_string2properties(
    converter: Any, field: ma.fields.Field, ret: dict[str, Any]
) -> dict[str, Any]:
    """Document `Decimal(as_string=True)` as the decimal string it is on the wire.

    apispec calls it a number with `Decimal` bounds, which JSON renders as strings: an invalid
    spec, and every answer would break it. (`converter` is apispec's, which binds the function.)
    """
    if isinstance(field, ma.fields.Decimal) and field.as_string:
        ret.pop("minimum", None)
        ret.pop("maximum", None)
        return {"type": "string", "format": "decimal", "pattern": r"^-?\d+(\.\d+)?$"}
    return {}


class Api(flask_smorest.Api):
    """Api that answers every HTTP error as a problem, keeping werkzeug's useful headers."""

    ERROR_SCHEMA = ProblemSchema

    def _init_spec(self, *args: Any, **kwargs: Any) -> None:
        super()._init_spec(*args, **kwargs)
        self.ma_plugin.converter.add_attribute_function(decimal_string2properties)

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
        headers = {k: v for k, v in error.get_headers() if k.lower() in KEPT_HEADERS}
        data = getattr(error, "data", None) or {}
        headers.update(data.get("headers") or {})
        errors = data.get("errors") or data.get("messages")
        if isinstance(errors, dict) and set(errors) <= WEBARGS_LOCATIONS:
            # webargs nests by location; one location is the common case: flatten it
            errors = errors[next(iter(errors))] if len(errors) == 1 else errors
        if isinstance(errors, list):
            # a message about the whole body (invalid JSON): marshmallow's key for that
            errors = {"_schema": errors}
        if status == 500:
            log.exception("unhandled error", exc_info=getattr(error, "original_exception", None))
        params = {"limit": request.max_content_length} if status == 413 else {}
        return problem_response(status, code, errors=errors, headers=headers, **params)


NUL_MESSAGE = "NUL characters are not allowed."


def nul_fields(data: Any, path: str = "") -> list[str]:
    """The dotted paths of the strings in `data` that hold a NUL character."""
    if isinstance(data, str):
        return [path or "_schema"] if "\x00" in data else []
    if isinstance(data, Mapping):
        found = []
        for key, value in data.items():
            name = f"{path}.{key}" if path else str(key)
            found += [name] if "\x00" in str(key) else nul_fields(value, name)
        return found
    if isinstance(data, list | tuple):
        return [name for i, value in enumerate(data) for name in nul_fields(value, f"{path}.{i}")]
    return []


class Parser(FlaskParser):
    """webargs' parser, refusing NUL characters anywhere in the input (422).

    PostgreSQL cannot store them in text and raises on a query that merely compares with one.
    """

    def _load_location_data(self, *, schema: ma.Schema, req: Any, location: str) -> Any:
        data = super()._load_location_data(schema=schema, req=req, location=location)
        if location == "json":
            raw = req.get_data(cache=True)
            # JSON text writes a NUL only as the escape \u0000; without it (and without NUL
            # bytes, as UTF-16 and UTF-32 have) there is none to look for
            if b"\\u0000" not in raw and b"\x00" not in raw:
                return data
        found = nul_fields(data)
        if found:
            raise ma.ValidationError({name: [NUL_MESSAGE] for name in found})
        return data


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest Blueprint; every operation names its operationId with `doc`."""

    ARGUMENTS_PARSER = Parser()

    def arguments(self, schema: Any, *args: Any, **kwargs: Any) -> Any:
        """flask-smorest's, with a schema class instantiated once, here.

        Given a class, webargs builds a new instance on every request, and marshmallow
        deep-copies every declared field to do so (a millisecond on intake, issue 5).
        """
        if isinstance(schema, type):
            schema = schema()
        return super().arguments(schema, *args, **kwargs)

    def _prepare_arguments_doc(
        self,
        doc: dict[str, Any],
        doc_info: dict[str, Any],
        *,
        api: Any,
        spec: Any,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """Document form fields beside files as one multipart/form-data body.

        flask-smorest turns only the first body location into a requestBody and leaves the other
        as an OpenAPI 2 `formData` parameter, which is not valid OpenAPI 3.
        """
        operation = doc_info.get("arguments")
        if not operation or spec.openapi_version.major < 3:
            return super()._prepare_arguments_doc(doc, doc_info, api=api, spec=spec, **kwargs)
        parts = [
            param
            for param in operation["parameters"]
            if isinstance(param, dict) and param.get("in") in ("form", "files")
        ]
        if len(parts) < 2:
            return super()._prepare_arguments_doc(doc, doc_info, api=api, spec=spec, **kwargs)
        operation["parameters"] = [p for p in operation["parameters"] if p not in parts]
        if not operation["parameters"]:
            del operation["parameters"]
        schemas = tuple(resolve_schema_cls(param["schema"]) for param in parts)
        operation["requestBody"] = {
            "required": any(param.get("required") for param in parts),
            "content": {"multipart/form-data": {"schema": multipart_schema(schemas)}},
        }
        return deepupdate(doc, operation)


@functools.cache
def multipart_schema(parts: tuple[type[ma.Schema], ...]) -> type[ma.Schema]:
    """One schema with the fields of every part (an `allOf` of closed objects is unsatisfiable)."""
    name = "".join(part.__name__.removesuffix("Schema") for part in parts) + "Schema"
    return type(name, parts, {"__doc__": "Form fields and files of one multipart body."})


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
    total_exact = ma.fields.Boolean(
        required=True,
        metadata={
            "description": "False when the count stopped ten pages past this page's start: "
            "`total` (and `pages`) are then floors, there are more."
        },
    )


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
            "total_exact": getattr(page, "total_exact", True),
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
