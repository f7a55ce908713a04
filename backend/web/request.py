"""Flask's request, reading its body safely whatever the server in front does.

Two repairs to Werkzeug's body stream (`Request.stream`):
- a body of unknown length (`Transfer-Encoding: chunked`, which gunicorn hands over with
  `wsgi.input_terminated`) is cut at MAX_CONTENT_LENGTH; Werkzeug's `read()` of the whole body
  then returns the first MAX_CONTENT_LENGTH bytes and stops, so a larger body came to the JSON
  parser truncated (400 "invalid JSON"). Reading it here asks for one byte more, which Werkzeug
  answers with its 413 (so a body of unknown length must be shorter than the limit);
- a body the server cannot read (gunicorn raises its own parse errors for bad chunking) is a
  400 problem, not a 500.
"""

from __future__ import annotations

import io
from typing import IO, Any

import flask
from werkzeug.exceptions import BadRequest, HTTPException
from werkzeug.utils import cached_property


class UnreadableBody(BadRequest):
    description = "The request body could not be read."


class _Body(io.RawIOBase):
    """A raw stream over Werkzeug's: `read()` reads until the stream itself says it is done."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            return self._stream.readinto(buffer)  # type: ignore[attr-defined]
        except HTTPException:
            raise
        except Exception as error:  # the server's own error for a body it could not read
            raise UnreadableBody() from error


class Request(flask.Request):
    """Flask's request with the body stream above."""

    @cached_property
    def stream(self) -> IO[bytes]:
        return io.BufferedReader(_Body(super().stream))
