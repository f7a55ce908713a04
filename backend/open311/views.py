"""Open311 GeoReport v2 (`/open311/v2`): discovery, services, service definitions, requests.

The format is the extension of the path (`.json`, `.xml`); errors are the spec's error list in
that format, with the HTTP status (403 for a missing or wrong api_key, 404 for what does not
exist, 400 for the rest). Each view maps onto the complaints domain through `service`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from flask import Response, current_app, request, url_for
from flask.views import MethodView
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BaseConverter

from backend.auth import service as auth_service
from backend.auth.access import principal_from_claims
from backend.auth.principal import Principal
from backend.complaints.permissions import POLICY
from backend.complaints.views import intake_secrets
from backend.db import now_utc
from backend.errors import DomainError, Unauthorized, message
from backend.extensions import db, rate_limit
from backend.open311 import service
from backend.open311.documents import FORMATS, render
from backend.open311.schemas import (
    CreatedRequestSchema,
    DiscoverySchema,
    Open311ErrorSchema,
    Open311ServiceSchema,
    RequestFormSchema,
    RequestQuerySchema,
    ServiceDefinitionSchema,
    ServiceRequestSchema,
)
from backend.open311.service import FIELD_NAMES, Open311Error, RequestFilters
from backend.web.problems import request_language
from backend.web.spec import Blueprint

log = logging.getLogger(__name__)

PREFIX = "/open311/v2"
TAG = "Open311 GeoReport v2"
# the day this discovery document last changed (the spec's sortable changeset)
CHANGESET = "2026-12-01 00:00"

blp = Blueprint(
    TAG,
    __name__,
    url_prefix=PREFIX,
    description=(
        "Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2): categories as services, "
        "public complaints as service requests. JSON or XML by the path's extension; errors "
        "are the spec's error list, not problems."
    ),
)


class FormatConverter(BaseConverter):
    """The format extension of a GeoReport v2 path."""

    regex = "json|xml"


def format_parameter(_converter: BaseConverter) -> dict[str, Any]:
    """The format path parameter in the contract."""
    return {"type": "string", "enum": sorted(FORMATS)}


def _content(root: str, schema: Any, item: str | None = None) -> dict[str, Any]:
    """A document in both formats: JSON, and XML under `root` (holding `item` elements)."""
    if item is None:
        return {
            "application/json": {"schema": schema},
            "text/xml": {"schema": {"allOf": [schema], "xml": {"name": root}}},
        }
    return {
        "application/json": {"schema": {"type": "array", "items": schema}},
        "text/xml": {
            "schema": {
                "type": "array",
                "items": {"allOf": [schema], "xml": {"name": item}},
                "xml": {"name": root, "wrapped": True},
            }
        },
    }


def documented(
    status: int, description: str, body: dict[str, Any], *errors: int, **headers: Any
) -> Any:
    """The contract of an operation: its answer (and its `headers`) and its errors, in both
    formats."""
    responses: dict[Any, Any] = {status: {"description": description, "content": body}}
    if headers:
        responses[status]["headers"] = headers
    for code in (*errors, "default"):
        responses[code] = {
            "description": "The spec's error list",
            "content": _content("errors", Open311ErrorSchema, "error"),
        }
    return blp.doc(responses=responses)


def respond(fmt: str, root: str, body: Any, status: int = 200) -> Response:
    """`body` in the format the path asked for."""
    document, mimetype = render(fmt, root, body)
    return Response(document, status=status, content_type=mimetype)


@blp.route("/discovery.<open311_format:fmt>")
class Discovery(MethodView):
    """Service discovery."""

    @blp.doc(operationId="open311Discovery")
    @documented(200, "The discovery document", _content("discovery", DiscoverySchema))
    def get(self, fmt: str) -> Response:
        """Where the endpoint is, its formats and how to get a key / Penemuan layanan."""
        body = service.discovery(
            session=db.session, base_url=request.url_root.rstrip("/") + PREFIX, changeset=CHANGESET
        )
        return respond(fmt, "discovery", DiscoverySchema().dump(body))


@blp.route("/services.<open311_format:fmt>")
class Services(MethodView):
    """The service list."""

    @blp.doc(operationId="open311ListServices")
    @documented(200, "The services", _content("services", Open311ServiceSchema, "service"))
    def get(self, fmt: str) -> Response:
        """Aduan's complaint categories as services / Daftar layanan (kategori)."""
        body = service.services(session=db.session)
        return respond(fmt, "services", Open311ServiceSchema(many=True).dump(body))


@blp.route("/services/<string(maxlength=40):service_code>.<open311_format:fmt>")
class ServiceDefinition(MethodView):
    """One service's definition."""

    @blp.doc(operationId="open311GetServiceDefinition")
    @documented(
        200,
        "The service's attributes",
        _content("service_definition", ServiceDefinitionSchema),
        404,
    )
    def get(self, service_code: str, fmt: str) -> Response:
        """The attributes a request of this service takes (kecamatan, kelurahan, consent, ...)
        / Definisi layanan."""
        body = service.service_definition(session=db.session, service_code=service_code)
        return respond(fmt, "service_definition", ServiceDefinitionSchema().dump(body))


@blp.route("/requests.<open311_format:fmt>")
class Requests(MethodView):
    """Service requests: file one, or list the public ones."""

    @blp.doc(operationId="open311CreateRequest")
    @rate_limit("createComplaint")
    @blp.arguments(RequestFormSchema, location="form", error_status_code=400)
    @documented(
        200,
        "The tracking code and the receipt's notice",
        _content("service_requests", CreatedRequestSchema, "request"),
        400,
        403,
        404,
    )
    def post(self, form: dict[str, Any], fmt: str) -> Response:
        """File a complaint through Aduan's intake (channel api, private unless attribute[privacy]
        says otherwise) / Ajukan pengaduan.

        `api_key` is an API client's `client_id:client_secret`; the client needs the
        complaints:create scope. The service_notice holds the tracking PIN, shown this once,
        and the response deadline.
        """
        created = service.file_request(
            session=db.session,
            principal=_client(form["api_key"]),
            form=form,
            now=now_utc(),
            secrets_=intake_secrets(),
            late_filing_days=current_app.config["LATE_FILING_DAYS"],
        )
        db.session.commit()
        return respond(fmt, "service_requests", CreatedRequestSchema(many=True).dump([created]))

    @blp.doc(operationId="open311ListRequests")
    @blp.arguments(RequestQuerySchema, location="query", error_status_code=400)
    @documented(
        200,
        "Public complaints, newest first. A next page is linked in the Link header "
        "(rel=next): page and page_size are an extension past the spec's 90 days and "
        "1,000 requests.",
        _content("service_requests", ServiceRequestSchema, "request"),
        400,
        Link={
            "description": "The next and previous pages (RFC 8288), where there are any",
            "schema": {"type": "string"},
        },
    )
    def get(self, args: dict[str, Any], fmt: str) -> Response:
        """Public complaints as service requests; never private, anonymous or confidential ones
        / Daftar pengaduan publik."""
        filters = RequestFilters(
            service_request_id=args.get("service_request_id") or [],
            service_code=args.get("service_code") or [],
            start_date=args.get("start_date"),
            end_date=args.get("end_date"),
            status=args.get("status") or [],
        )
        page, body = service.find_requests(
            session=db.session,
            filters=filters,
            page=args["page"],
            per_page=args["page_size"],
            now=now_utc(),
        )
        response = respond(fmt, "service_requests", ServiceRequestSchema(many=True).dump(body))
        links = [
            f'<{_page_url(number)}>; rel="{rel}"'
            for number, rel in ((page.page + 1, "next"), (page.page - 1, "prev"))
            if number >= 1 and (rel == "prev" or number <= page.pages)
        ]
        if links:
            response.headers["Link"] = ", ".join(links)
        return response


@blp.route("/requests/<string(maxlength=40):service_request_id>.<open311_format:fmt>")
class RequestItem(MethodView):
    """One service request."""

    @blp.doc(operationId="open311GetRequest")
    @documented(
        200,
        "The request, as a list of one",
        _content("service_requests", ServiceRequestSchema, "request"),
        404,
    )
    def get(self, service_request_id: str, fmt: str) -> Response:
        """A public complaint by its tracking code / Status pengaduan publik."""
        body = service.request_by_id(session=db.session, service_request_id=service_request_id)
        return respond(fmt, "service_requests", ServiceRequestSchema(many=True).dump(body))


def _page_url(number: int) -> str:
    return url_for(
        request.endpoint or "",
        **{**(request.view_args or {}), **request.args, "page": number},
        _external=True,
    )


def _client(api_key: str) -> Principal:
    """The API client whose `client_id:client_secret` this is, allowed to file (403 if not)."""
    client_id, _, secret = api_key.partition(":")
    try:
        client = auth_service.authenticate_client(
            session=db.session, client_id=client_id, client_secret=secret
        )
    except Unauthorized as error:
        raise Open311Error(403, "Invalid api_key: no active API client has it.") from error
    principal = principal_from_claims(
        {"sub": f"client:{client.id}", **auth_service.client_claims(client)}
    )
    POLICY.require(principal, "complaints.create")
    return principal


# -- errors: the spec's list, in the path's format -------------------------------------------

# Aduan's statuses that the spec names otherwise: 403 for a missing or bad key, 400 for the rest
SPEC_STATUS = {401: 403, 409: 400, 412: 400, 422: 400, 428: 400}


def error_response(status: int, descriptions: list[str]) -> Response:
    """The error list, in the format of the path (XML, the spec's required one, by default)."""
    status = SPEC_STATUS.get(status, status)
    fmt = "json" if request.path.endswith(".json") else "xml"
    errors = [{"code": status, "description": text} for text in descriptions]
    return respond(fmt, "errors", Open311ErrorSchema(many=True).dump(errors), status)


def routing_error(error: HTTPException) -> Response | None:
    """A path under /open311/v2 that names nothing (404) or a method it does not take (405,
    with Allow): the spec's error list. None for any other path."""
    if not request.path.startswith(PREFIX + "/"):
        return None
    text = {
        404: "No such GeoReport v2 resource or format (.json, .xml).",
        405: "This method is not allowed here.",
    }
    response = error_response(error.code or 404, [text.get(error.code or 404, str(error))])
    for key, value in error.get_headers():
        if key.lower() == "allow":
            response.headers[key] = value
    return response


def _field_errors(errors: Any, path: str = "") -> Iterator[str]:
    """`field: message` lines, with intake's field names told as the client sent them."""
    if isinstance(errors, dict):
        for key, value in errors.items():
            name = f"{path}.{key}" if path else str(key)
            yield from _field_errors(value, FIELD_NAMES.get(name, name))
    elif isinstance(errors, list | tuple):
        for value in errors:
            yield from _field_errors(value, path)
    else:
        yield f"{path}: {errors}" if path else str(errors)


@blp.errorhandler(Open311Error)
def _open311_error(error: Open311Error) -> Response:
    return error_response(error.status, [error.description])


@blp.errorhandler(DomainError)
def _domain_error(error: DomainError) -> Response:
    if error.errors:
        return error_response(error.status, list(_field_errors(error.errors)))
    _title, detail = message(error.code, request_language(), **error.params)
    return error_response(error.status, [detail])


def _http_error(error: HTTPException) -> Response:
    if (error.code or 500) >= 500:
        log.exception("unhandled error", exc_info=getattr(error, "original_exception", None))
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") or {}
    # webargs nests by location (form, query): the client knows its fields by name alone
    fields = [text for errors in messages.values() for text in _field_errors(errors)]
    return error_response(error.code or 500, fields or [error.description or str(error)])


# by code too: the app's own 404 handler would otherwise come first
for _code in (400, 404, 405, 413, 415, 422, 429, 500):
    blp.register_error_handler(_code, _http_error)
blp.register_error_handler(HTTPException, _http_error)
