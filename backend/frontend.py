"""The single-page front end: static files under /assets/, index.html on `/` and deep links.

A plain Flask blueprint, not a flask-smorest one, so nothing here enters the API contract; the
assets live under a prefix so that the API paths' `Allow` headers stay clean.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, json, request, send_from_directory

from backend.extensions import api

FRONTEND_DIR = Path(__file__).resolve().parent.parent / "frontend"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; worker-src 'self'; manifest-src 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'"
)
# the SPA's deep links: each returns index.html and the router picks the view
DEEP_LINKS = (
    "/lapor",
    "/tanda-terima",
    "/lacak",
    "/publik",
    "/kinerja",
    "/masuk",
    "/daftar",
    "/saya",
    "/pengaduan/<int(min=1, max=2147483647):complaint_id>",
    "/staf",
    "/staf/input",
    "/pengawasan",
    "/survei",
    "/tersimpan",
    "/admin/webhook",
    "/pelindungan-data",
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


# what the service worker keeps for offline use besides the shell page: the front end's own
# files (not the vendored API documentation, which is large and needs the network anyway; not
# the large icons, which the browser reads once when it installs the app)
SHELL_DIRS = ("css", "js", "i18n")
SHELL_ICON = "icons/icon-192.png"
# public reference data the filing form reads; no personal data, so the worker may keep it
SHELL_DATA_OPERATIONS = ("listCategories", "listAreas")
WORKER_PLACEHOLDER = '"__SHELL__"'


def shell_files() -> list[Path]:
    """The files of the shell the service worker keeps, in a stable order."""
    found = [
        FRONTEND_DIR / "index.html",
        FRONTEND_DIR / "manifest.webmanifest",
        FRONTEND_DIR / SHELL_ICON,
    ]
    for folder in SHELL_DIRS:
        found.extend(sorted(p for p in (FRONTEND_DIR / folder).rglob("*") if p.is_file()))
    return found


def _shell_url(path: Path) -> str:
    relative = path.relative_to(FRONTEND_DIR).as_posix()
    if relative == "index.html":
        return "/"
    if relative == "manifest.webmanifest":
        return "/manifest.webmanifest"
    return f"/assets/{relative}"


def worker_shell() -> dict[str, Any]:
    """What /sw.js is told: the shell's version, its files, the public data to keep and the
    paths of intake.

    The version is a hash of the shell's files and of the worker itself, so any deploy that
    changes one of them gives a new worker (the browser compares the script byte for byte) and a
    new cache. Recomputed only when a file's size or time changes.
    """
    files = [*shell_files(), FRONTEND_DIR / "sw.js"]
    stamp = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    cached = current_app.extensions.get("aduan_worker_shell")
    if cached is not None and cached[0] == stamp:
        return cached[1]
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(FRONTEND_DIR).as_posix().encode() + b"\x00")
        digest.update(path.read_bytes())
    operations = {
        operation["operationId"]: path
        for path, item in api.spec.to_dict()["paths"].items()
        for operation in item.values()
        if isinstance(operation, dict) and "operationId" in operation
    }
    shell = {
        "version": digest.hexdigest()[:16],
        "files": [_shell_url(p) for p in files if p.name != "sw.js"],
        "publicData": [OPERATIONS_PATH, *(operations[op] for op in SHELL_DATA_OPERATIONS)],
        # where Background Sync sends a kept complaint and its photos when no page is open
        "intake": {
            "file": operations["createComplaint"],
            "upload": operations["uploadTrackedAttachment"],
        },
    }
    current_app.extensions["aduan_worker_shell"] = (stamp, shell)
    return shell


@blp.get("/sw.js")
def service_worker() -> Response:
    """The service worker at the site's root, so that its scope is the whole app; never kept in
    the HTTP cache, so that a deploy reaches phones at their next visit."""
    source = (FRONTEND_DIR / "sw.js").read_text(encoding="utf-8")
    body = source.replace(WORKER_PLACEHOLDER, json.dumps(worker_shell()), 1)
    response = Response(body, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


@blp.get("/manifest.webmanifest")
def manifest() -> Response:
    """The web app manifest: name, icons, colours; what makes the app installable."""
    response = _whole(send_from_directory(FRONTEND_DIR, "manifest.webmanifest", max_age=0))
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "no-cache"
    return response


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
