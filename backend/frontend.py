"""The single-page front end: static files under /assets/, index.html on `/` and deep links.

A plain Flask blueprint, not a flask-smorest one, so nothing here enters the API contract; the
assets live under a prefix so that the API paths' `Allow` headers stay clean.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, request, send_from_directory

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
    "/masuk",
    "/daftar",
    "/saya",
    "/pengaduan/<int(min=1, max=2147483647):complaint_id>",
    "/staf",
    "/staf/input",
    "/pengawasan",
)

# the contract the page reads on every load: revalidated by ETag instead of downloaded again
CONTRACT_PATH = "/api/v1/openapi.json"

blp = Blueprint("frontend", __name__)


@blp.after_app_request
def _revalidate_contract(response: Response) -> Response:
    """The live contract carries an ETag and `no-cache`, so a revisit costs a 304, not ~124 KB."""
    if request.path != CONTRACT_PATH or request.method not in ("GET", "HEAD"):
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


@blp.get("/assets/<path:filename>")
def asset(filename: str) -> Response:
    """A static file of the front end (JS, CSS, message catalogues, vendored code)."""
    response = send_from_directory(FRONTEND_DIR, filename, max_age=0)
    response.headers["Cache-Control"] = "no-cache"
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
    response = send_from_directory(FRONTEND_DIR, "index.html", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


blp.add_url_rule("/", "index", index, methods=["GET"])
for _rule in DEEP_LINKS:
    blp.add_url_rule(
        _rule, f"index_{_rule.strip('/').replace('/', '_').split('<')[0]}", index, methods=["GET"]
    )
