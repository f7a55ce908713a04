"""The security headers every response carries, whichever part of the app produced it.

The front end's pages set their own policy (backend/frontend.py) and an attachment download a
stricter sandbox one; a policy already set is never replaced. Any other HTML (the API's ReDoc
page) gets the front end's policy, anything else (JSON, problem documents, Open311 XML, files)
one that loads nothing and cannot be framed.
"""

from __future__ import annotations

from flask import Flask, Response, request

from backend.frontend import CSP as HTML_CSP

NON_HTML_CSP = "default-src 'none'; frame-ancestors 'none'"
# ReDoc (the API's documentation page) styles itself inline and searches in a blob: worker
DOCS_CSP = HTML_CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'").replace(
    "worker-src 'self'", "worker-src 'self' blob:"
)


def _secure(response: Response) -> Response:
    headers = response.headers
    headers["X-Content-Type-Options"] = "nosniff"
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    if "Content-Security-Policy" not in headers:
        is_html = response.mimetype in ("text/html", "application/xhtml+xml")
        if not is_html:
            headers["Content-Security-Policy"] = NON_HTML_CSP
        elif request.endpoint == "api-docs.openapi_redoc":
            headers["Content-Security-Policy"] = DOCS_CSP
        else:
            headers["Content-Security-Policy"] = HTML_CSP
    return response


def init_app(app: Flask) -> None:
    app.after_request(_secure)
