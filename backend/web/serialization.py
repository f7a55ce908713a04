"""How response bodies are written, and the Flask session the API does without."""

from __future__ import annotations

from typing import Any

import orjson
from flask import Flask
from flask.json.provider import DefaultJSONProvider
from flask.sessions import SessionInterface


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
