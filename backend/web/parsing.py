"""webargs' parser, refusing NUL characters anywhere in the input."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import marshmallow as ma
from webargs.flaskparser import FlaskParser

NUL_MESSAGE = "NUL characters are not allowed."


def nul_fields(data: Any, path: str = "") -> list[str]:
    """The dotted paths of the strings in `data` that hold a NUL character."""
    if isinstance(data, str):
        return [path or "_schema"] if "\x00" in data else []
    if isinstance(data, Mapping):
        found = []
        for key, value in data.items():
            name = f"{path}.{key}" if path else str(key)
            found += [name] if "\x00" in str(key) else nul_fields(value, name)
        return found
    if isinstance(data, list | tuple):
        return [name for i, value in enumerate(data) for name in nul_fields(value, f"{path}.{i}")]
    return []


class Parser(FlaskParser):
    """webargs' parser, refusing NUL characters anywhere in the input (422).

    PostgreSQL cannot store them in text and raises on a query that merely compares with one.
    """

    def _load_location_data(self, *, schema: ma.Schema, req: Any, location: str) -> Any:
        data = super()._load_location_data(schema=schema, req=req, location=location)
        if location == "json":
            raw = req.get_data(cache=True)
            # JSON text writes a NUL only as the escape \u0000; without it (and without NUL
            # bytes, as UTF-16 and UTF-32 have) there is none to look for
            if b"\\u0000" not in raw and b"\x00" not in raw:
                return data
        found = nul_fields(data)
        if found:
            raise ma.ValidationError({name: [NUL_MESSAGE] for name in found})
        return data
