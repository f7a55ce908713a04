"""Marshmallow fields shared by every domain's schemas: local times, with their zone named.

A time is shown in the zone of the agency that counts it (`backend.localtime`): the object
being dumped says which with its `time_zone` (an IANA name: a clock's own zone, or the one a
view gave a complaint); failing that, the zone a view set for the whole response
(`show_times_in`); failing that, WIB. Every schema with local times also dumps `time_zone`,
the zone's name (WIB, WITA, WIT), from the same rule.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import g, has_app_context
from marshmallow import fields, validate

from backend import localtime

_RESPONSE_ZONE = "aduan_response_zone"


def show_times_in(zone: ZoneInfo) -> None:
    """Show the local times of this response in `zone` (where an object does not say)."""
    setattr(g, _RESPONSE_ZONE, zone)


def zone_of(obj: Any) -> ZoneInfo:
    """The zone `obj`'s local times are shown in."""
    name = obj.get("time_zone") if isinstance(obj, dict) else getattr(obj, "time_zone", None)
    if name:
        return localtime.zone(name)
    if has_app_context() and hasattr(g, _RESPONSE_ZONE):
        return getattr(g, _RESPONSE_ZONE)
    return localtime.zone(localtime.DEFAULT_ZONE)


# the years a date or time given to the API may fall in: wider than any complaint or report asks,
# and far enough from Python's limits that no conversion between zones can leave them
EARLIEST_YEAR, LATEST_YEAR = 1900, 2100
_YEARS = f"{EARLIEST_YEAR}-{LATEST_YEAR}"
OUT_OF_RANGE = f"Di luar tahun {_YEARS}. / Outside the years {_YEARS}."


class AwareDateTime(fields.AwareDateTime):
    """An aware datetime (ISO 8601 with its offset) of the years 1900-2100 (422 on the field
    otherwise), checked before anything converts it: `9999-12-31T23:59:59-12:00` is later than
    the last time Python can hold in UTC."""

    default_error_messages = {"out_of_range": OUT_OF_RANGE}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        result: datetime = super()._deserialize(value, attr, data, **kwargs)
        if not EARLIEST_YEAR <= result.year <= LATEST_YEAR:
            raise self.make_error("out_of_range")
        return result


class Date(fields.Date):
    """A date (ISO 8601) of the years 1900-2100, as `AwareDateTime`."""

    default_error_messages = {"out_of_range": OUT_OF_RANGE}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        result: date = super()._deserialize(value, attr, data, **kwargs)
        if not EARLIEST_YEAR <= result.year <= LATEST_YEAR:
            raise self.make_error("out_of_range")
        return result


class LocalDateTime(AwareDateTime):
    """An aware datetime, shown with the offset of its agency's zone (WIB for Cimahi)."""

    def _serialize(self, value: datetime | None, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if value is None:
            return None
        return super()._serialize(value.astimezone(zone_of(obj)), attr, obj, **kwargs)


# the content codings flask-compress may add to a strong ETag ("ADU-7K3M-Q2WX.4:br")
_CODED_TAG = re.compile(r'^"(?P<tag>[^"]*):(?:br|gzip|deflate|zstd)"$')


class IfMatch(fields.String):
    """An If-Match header: its entity tags, each with any content coding's suffix removed.

    A compressed answer carries its ETag with the coding appended (strong validators differ by
    representation, RFC 9110 8.8.3), and a client sends back what it got; the precondition is
    about the resource's state, which is the same in every coding.
    """

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text: str = super()._deserialize(value, attr, data, **kwargs)
        tags = (tag.strip() for tag in text.split(","))
        return ", ".join(_CODED_TAG.sub(r'"\g<tag>"', tag) for tag in tags)


class TimeZoneName(fields.String):
    """The name of the zone the object's local times are shown in: WIB, WITA or WIT."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            dump_only=True,
            validate=validate.OneOf(sorted(localtime.ZONES)),
            metadata={"description": "Zona waktu waktu setempat / time zone of the local times"},
            **kwargs,
        )

    def get_value(self, obj: Any, attr: str, accessor: Any = None, default: Any = None) -> Any:
        return localtime.zone_name(zone_of(obj))
