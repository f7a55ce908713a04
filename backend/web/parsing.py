"""webargs' parser: JSON bodies measured before they are parsed, characters no database stores
(NUL, half of a UTF-16 surrogate pair) refused."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import marshmallow as ma
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

from backend.errors import DomainError

UNSTORABLE_MESSAGE = (
    "Karakter NUL atau separuh pasangan surogat tidak diizinkan. / "
    "NUL characters and lone surrogates are not allowed."
)
# NUL: PostgreSQL stores none in text and raises on a query that merely compares with one;
# a lone surrogate (JSON may escape half a pair, "\ud800") cannot be written as UTF-8 at all
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# in JSON text they come only as escapes (or as NUL bytes, which UTF-16 and UTF-32 have)
_UNSTORABLE_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})|\x00")

# far above any body of the contract (a complaint nests three levels), far below Python's
# recursion limit, which `json.loads` reaches at about 1,000 levels with a RecursionError
MAX_JSON_DEPTH = 32
# an integer of more digits than this is no quantity of the contract; Python refuses to read one
# of over 4,300 digits (ValueError), and a long one costs quadratic time to convert
MAX_JSON_DIGITS = 100

# a JSON string (the unrolled form of "(?:[^"\\]|\\.)*", linear in its length)
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_LONG_NUMBER = re.compile(rf"[0-9]{{{MAX_JSON_DIGITS + 1}}}")


def check_json_limits(raw: bytes) -> None:
    """Refuse a JSON text nested deeper than MAX_JSON_DEPTH or holding a number longer than
    MAX_JSON_DIGITS (400), before any parser reads it. Strings are skipped: their text may hold
    brackets and digits freely. A body that is not text is left to the parser to refuse."""
    try:
        text = raw.decode(json.detect_encoding(raw))
    except UnicodeDecodeError:
        return
    structure = _STRING.sub('""', text)
    if _LONG_NUMBER.search(structure):
        raise DomainError("json_number_too_long", limit=MAX_JSON_DIGITS)
    depth = 0
    for bracket in _NOT_BRACKETS.sub("", structure):
        depth += 1 if bracket in "[{" else -1
        if depth > MAX_JSON_DEPTH:
            raise DomainError("json_too_deep", limit=MAX_JSON_DEPTH)


def unstorable_fields(data: Any, path: str = "") -> list[str]:
    """The dotted paths of the strings in `data` (keys included) that hold a NUL character or a
    lone surrogate."""
    if isinstance(data, str):
        return [path or "_schema"] if _UNSTORABLE.search(data) else []
    if isinstance(data, Mapping):
        found = []
        for key, value in data.items():
            name = f"{path}.{key}" if path else str(key)
            bad_key = _UNSTORABLE.search(str(key))
            found += [name.encode("utf-8", "replace").decode()] if bad_key else []
            found += [] if bad_key else unstorable_fields(value, name)
        return found
    if isinstance(data, list | tuple):
        return [
            name for i, value in enumerate(data) for name in unstorable_fields(value, f"{path}.{i}")
        ]
    return []


class Parser(FlaskParser):
    """webargs' parser: a JSON body is measured before it is parsed (`check_json_limits`), and
    characters no database stores (NUL, a lone surrogate) anywhere in the input are refused (422
    on the field)."""

    def _raw_load_json(self, req: Any) -> Any:
        if not is_json_request(req):
            return core.missing
        raw = req.get_data(cache=True)
        check_json_limits(raw)
        return core.parse_json(raw)

    def _load_location_data(self, *, schema: ma.Schema, req: Any, location: str) -> Any:
        data = super()._load_location_data(schema=schema, req=req, location=location)
        if location == "json":
            raw = req.get_data(cache=True)
            if not _UNSTORABLE_ESCAPE.search(raw):
                return data  # the common case: nothing to look for
        found = unstorable_fields(data)
        if found:
            raise ma.ValidationError({name: [UNSTORABLE_MESSAGE] for name in found})
        return data
