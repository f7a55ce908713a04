"""Local time: the one place that turns instants into local days and back, per zone.

Indonesia has three zones, each a whole number of hours from UTC and without daylight saving
since 1964: WIB (Asia/Jakarta, +07:00), WITA (Asia/Makassar, +08:00) and WIT (Asia/Jayapura,
+09:00). Each agency counts in the zone of its working-day calendar (Cimahi: WIB); times are
stored in UTC and shown in that zone, named. The fixed offsets are what SQLite, which has no
zone data, uses to find a local day in SQL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, case, cast, func

# abbreviation -> IANA name, and each zone's offset from UTC in hours
ZONES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}
OFFSET_HOURS = {"Asia/Jakarta": 7, "Asia/Makassar": 8, "Asia/Jayapura": 9}
NAMES = {iana: name for name, iana in ZONES.items()}
DEFAULT_ZONE = ZONES["WIB"]


@cache
def zone(name: str) -> ZoneInfo:
    """The zone of an abbreviation (WIB, WITA, WIT) or an Indonesian IANA name."""
    iana = ZONES.get(name, name)
    if iana not in OFFSET_HOURS:
        raise ValueError(f"not an Indonesian zone: {name!r} (one of {sorted(ZONES)})")
    return ZoneInfo(iana)


def zone_name(tz: ZoneInfo | str) -> str:
    """The abbreviation people read (WIB, WITA, WIT) of a zone."""
    return NAMES[tz if isinstance(tz, str) else tz.key]


def local_date(instant: datetime, tz: ZoneInfo) -> date:
    """The date of the aware `instant` in zone `tz`."""
    if instant.tzinfo is None:
        raise ValueError(f"a timezone-aware datetime is required, got {instant!r}")
    return instant.astimezone(tz).date()


def start_of_day(day: date, tz: ZoneInfo) -> datetime:
    """00:00 local time on `day`, as an aware UTC datetime."""
    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)


def in_zone(instant: datetime, tz: ZoneInfo) -> datetime:
    """`instant` shown in zone `tz` (the same instant, the local offset)."""
    return instant.astimezone(tz)


def offset(tz: ZoneInfo) -> timedelta:
    """The zone's fixed offset from UTC."""
    return timedelta(hours=OFFSET_HOURS[tz.key])


def sql_local_date(started_at: Any, tz_name: Any, dialect: str) -> Any:
    """SQL for the local date of the UTC instant column `started_at` in the zone named by the
    column or expression `tz_name` (an IANA name): PostgreSQL with its zone data, SQLite with the
    fixed offsets."""
    if dialect == "postgresql":
        return cast(func.timezone(tz_name, started_at), Date)
    modifier = case(
        *((tz_name == iana, f"+{hours} hours") for iana, hours in OFFSET_HOURS.items()),
        else_=f"+{OFFSET_HOURS[DEFAULT_ZONE]} hours",
    )
    return func.date(started_at, modifier)
