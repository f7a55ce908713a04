"""gunicorn's worker for Aduan: the errors gunicorn answers itself are problems too.

gunicorn reads the request line and headers before the app sees anything, and answers what it
cannot read (a request line over `limit_request_line`, too many or too large headers, a NUL in a
header, bad chunking) with an HTML page. `ProblemWorker` is gunicorn's threaded worker whose
`handle_error` answers with the same application/problem+json document as the app, with the
status gunicorn would have given. `gunicorn.conf.py` names it.
"""

from __future__ import annotations

import json
from typing import Any

from gunicorn.http import errors as http
from gunicorn.util import write_nonblock
from gunicorn.workers.gthread import ThreadWorker

from backend.errors import message

PROBLEM_MIMETYPE = "application/problem+json"

# what gunicorn answers each error of the request with: status, reason, the problem's code
_ANSWERS: list[tuple[type[Exception], int, str, str]] = [
    (http.LimitRequestLine, 414, "URI Too Long", "uri_too_long"),
    (http.LimitRequestHeaders, 431, "Request Header Fields Too Large", "headers_too_large"),
    (http.UnsupportedTransferCoding, 501, "Not Implemented", "not_implemented"),
    (http.ExpectationFailed, 417, "Expectation Failed", "expectation_failed"),
    (http.ForbiddenProxyRequest, 403, "Forbidden", "forbidden"),
    (http.InvalidResponseHeader, 500, "Internal Server Error", "internal_error"),
    (http.InvalidResponseHeaderName, 500, "Internal Server Error", "internal_error"),
    (http.ConfigurationProblem, 500, "Internal Server Error", "internal_error"),
    (http.ParseException, 400, "Bad Request", "bad_request"),
]


def answer_for(error: BaseException) -> tuple[int, str, str]:
    """(status, reason, problem code) of an error raised while serving a request."""
    for kind, status, reason, code in _ANSWERS:
        if isinstance(error, kind):
            return status, reason, code
    return 500, "Internal Server Error", "internal_error"


def problem_bytes(status: int, reason: str, code: str) -> bytes:
    """A whole HTTP response carrying the problem document (in Indonesian, the default: the
    request's Accept-Language may be what could not be read)."""
    title, detail = message(code, "id")
    body = json.dumps(
        {
            "type": f"urn:aduan:problem:{code}",
            "title": title,
            "status": status,
            "detail": detail,
            "code": code,
        },
        ensure_ascii=False,
    ).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\n"
        f"Content-Type: {PROBLEM_MIMETYPE}\r\nContent-Language: id\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


class ProblemWorker(ThreadWorker):
    """gunicorn's gthread worker, answering its own errors as problem documents."""

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        status, reason, code = answer_for(exc)
        if status >= 500:
            self.log.exception("Error handling request %s", getattr(req, "uri", "(no URI read)"))
        else:
            address = addr[0] if isinstance(addr, tuple) else addr
            self.log.warning("Invalid request from ip=%s: %s", address, exc)
        try:
            write_nonblock(client, problem_bytes(status, reason, code))
        except Exception:  # the client may be gone; nothing more to tell it
            self.log.debug("Failed to send error message.")
