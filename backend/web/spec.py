"""The contract side of flask-smorest: the Api (errors as problems, documented as such) and the
Blueprint (arguments parsed once per schema, form and files as one multipart body)."""

from __future__ import annotations

import functools
import http
import logging
from typing import Any

import flask_smorest
import marshmallow as ma
from apispec.ext.marshmallow.common import resolve_schema_cls
from flask import Response, request
from flask_smorest.utils import deepupdate, prepare_response
from werkzeug.exceptions import HTTPException

from backend.errors import HTTP_CODES
from backend.web.field_errors import schema_messages
from backend.web.parsing import Parser
from backend.web.problems import PROBLEM_MIMETYPE, ProblemSchema, problem_response

log = logging.getLogger(__name__)

# werkzeug headers worth keeping on an error response (flask-smorest drops them all)
KEPT_HEADERS = {"allow", "www-authenticate", "retry-after"}
WEBARGS_LOCATIONS = {"json", "query", "headers", "files", "form", "path", "cookies"}


def decimal_string2properties(
    converter: Any, field: ma.fields.Field, ret: dict[str, Any]
) -> dict[str, Any]:
    """Document `Decimal(as_string=True)` as the decimal string it is on the wire.

    apispec calls it a number with `Decimal` bounds, which JSON renders as strings: an invalid
    spec, and every answer would break it. (`converter` is apispec's, which binds the function.)
    OpenAPI 3.1 says "may be null" in the type itself, which this replaces: it says it again.
    """
    if isinstance(field, ma.fields.Decimal) and field.as_string:
        ret.pop("minimum", None)
        ret.pop("maximum", None)
        kind: str | list[str] = ["string", "null"] if field.allow_none else "string"
        return {"type": kind, "format": "decimal", "pattern": r"^-?\d+(\.\d+)?$"}
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

    def handle_http_exception(self, error: HTTPException) -> Response:
        """Render werkzeug and webargs errors as problems (Allow on 405 survives)."""
        status = error.code or 500
        code = HTTP_CODES.get(status, "bad_request")
        headers = {k: v for k, v in error.get_headers() if k.lower() in KEPT_HEADERS}
        data = getattr(error, "data", None) or {}
        headers.update(data.get("headers") or {})
        errors = data.get("errors") or data.get("messages")
        messages = None
        if isinstance(errors, dict) and set(errors) <= WEBARGS_LOCATIONS:
            # webargs nests by location; one location is the common case: flatten it
            errors = errors[next(iter(errors))] if len(errors) == 1 else errors
            exc = getattr(error, "exc", None)
            if isinstance(exc, ma.ValidationError) and data.get("schema") is not None:
                messages = schema_messages(data["schema"], errors, exc.data)
        if isinstance(errors, list):
            # a message about the whole body (invalid JSON): marshmallow's key for that
            errors = {"_schema": errors}
        if status == 500:
            log.exception("unhandled error", exc_info=getattr(error, "original_exception", None))
        params = {"limit": request.max_content_length} if status == 413 else {}
        return problem_response(
            status, code, errors=errors, messages=messages, headers=headers, **params
        )


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
