"""Marshmallow fields shared by every domain's schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from marshmallow import fields

WIB = ZoneInfo("Asia/Jakarta")


class LocalDateTime(fields.AwareDateTime):
    """An aware datetime, shown with the offset of the city's zone (WIB for Cimahi)."""

    def _serialize(self, value: datetime | None, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if value is None:
            return None
        return super()._serialize(value.astimezone(WIB), attr, obj, **kwargs)
