"""The single-page front end: static files under /assets/, index.html on `/` and deep links.

A plain Flask blueprint, not a flask-smorest one, so nothing here enters the API contract; the
assets live under a prefix so that the API paths' `Allow` headers stay clean.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, json, request, send_from_directory

from backend.extensions import api

FRONTEND_DIR = Path(__file__).resolve().parent.parent / "frontend"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
# the SPA's deep links: each returns index.html and the router picks the view
DEEP_LINKS = (
    "/lapor",
    "/tanda-terima",
    "/lacak",
    "/publik",
    "/masuk",
    "/daftar",
    "/saya",
    "/pengaduan/<int(min=1, max=2147483647):complaint_id>",
    "/staf",
    "/staf/input",
    "/pengawasan",
    "/survei",
)

# the contract, and the index of its operations that the page reads on every load: both
# revalidated by ETag instead of downloaded again
CONTRACT_PATH = "/api/v1/openapi.json"
OPERATIONS_PATH = "/api/v1/operations.json"

blp = Blueprint("frontend", __name__)


@blp.after_app_request
def _revalidate_contract(response: Response) -> Response:
    """The live contract carries an ETag and `no-cache`, so a revisit costs a 304, not ~124 KB."""
    if request.path not in (CONTRACT_PATH, OPERATIONS_PATH) or request.method not in (
        "GET",
        "HEAD",
    ):
        return response
    if response.status_code != 200 or response.direct_passthrough:
        return response
    response.add_etag()
    response.headers["Cache-Control"] = "no-cache"
    response.make_conditional(request)  # turns the response itself into a 304 where it may
    return response


@blp.after_request
def _harden(response: Response) -> Response:
    """No inline script, no framing, no sniffing; revalidate so a deploy is seen at once."""
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers.setdefault("Cache-Control", "no-cache")
    return response


def operations_index(spec: dict[str, Any]) -> dict[str, Any]:
    """What the front end reads of the contract `spec`: each operation's path and method by its
    operationId, and its parameters' names and places with their enums (which sorts a list
    offers, say); nothing of the schemas, descriptions and responses it never reads."""
    paths: dict[str, Any] = {}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "operationId" not in operation:
                continue
            entry: dict[str, Any] = {"operationId": operation["operationId"]}
            parameters = [_parameter(p) for p in operation.get("parameters", [])]
            if parameters:
                entry["parameters"] = parameters
            paths.setdefault(path, {})[method] = entry
    return {"info": spec["info"], "paths": paths}


def _parameter(parameter: dict[str, Any]) -> dict[str, Any]:
    schema = parameter.get("schema") or {}
    kept: dict[str, Any] = {"name": parameter["name"], "in": parameter["in"]}
    if "enum" in schema:
        kept["schema"] = {"enum": schema["enum"]}
    elif "enum" in (schema.get("items") or {}):
        kept["schema"] = {"items": {"enum": schema["items"]["enum"]}}
    return kept


@blp.get(OPERATIONS_PATH)
def operations() -> Response:
    """The index of the contract's operations (`operations_index`), built once per process:
    about 6 KB where the contract is over 120 KB."""
    body = current_app.extensions.get("aduan_operations")
    if body is None:
        body = json.dumps(operations_index(api.spec.to_dict()))
        current_app.extensions["aduan_operations"] = body
    return Response(body, mimetype="application/json")


@blp.get("/assets/<path:filename>")
def asset(filename: str) -> Response:
    """A static file of the front end (JS, CSS, message catalogues, vendored code)."""
    response = _whole(send_from_directory(FRONTEND_DIR, filename, max_age=0))
    response.headers["Cache-Control"] = "no-cache"
    return response


def _whole(response: Response) -> Response:
    """A file's answer read into memory rather than streamed (the front end's files are a few
    KB; the vendored ReDoc is the largest): compressed whole, it gets gzip as well as brotli,
    and a Content-Length."""
    response.direct_passthrough = False
    response.make_sequence()
    return response


def not_found_page() -> Response | None:
    """For a browser asking for a page that does not exist, the shell with status 404 (the
    router shows its not-found view); None for anyone else: API paths, and callers that prefer
    JSON (or accept anything), get the problem document."""
    if request.path.startswith("/api/"):
        return None
    wanted = request.accept_mimetypes.best_match(
        ["application/problem+json", "application/json", "text/html"]
    )
    if wanted != "text/html":
        return None
    response = index()
    response.status_code = 404
    return _harden(response)


def index(**_kwargs: object) -> Response:
    """The shell page; the router renders the view named by the path."""
    response = _whole(send_from_directory(FRONTEND_DIR, "index.html", max_age=0))
    response.headers["Cache-Control"] = "no-cache"
    return response


blp.add_url_rule("/", "index", index, methods=["GET"])
for _rule in DEEP_LINKS:
    blp.add_url_rule(
        _rule, f"index_{_rule.strip('/').replace('/', '_').split('<')[0]}", index, methods=["GET"]
    )
