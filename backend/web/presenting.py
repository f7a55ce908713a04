"""Presenting objects through response schemas with fields computed for the caller."""

from __future__ import annotations

from typing import Any


class Presented:
    """An object seen through a response schema, with extra attributes for this caller.

    Lets a view add computed fields (codes, allowed actions) without dumping twice.
    """

    def __init__(self, obj: Any, **extra: Any) -> None:
        self._obj = obj
        self.__dict__.update(extra)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._obj, name)
