"""Working-day calendars: the rows, the admin's overlay, and deadlines counted on them.

The counting rule is `backend.sla.working_calendar`'s: the local date of the start is day 0,
the deadline is the end (23:59:59 local) of day N, stored in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend import localtime
from backend.agencies.models import DEFAULT_CALENDAR_CODE, Agency
from backend.db import reference
from backend.errors import Conflict, NotFound, ValidationFailed
from backend.sla.models import (
    Calendar,
    CalendarOverlay,
)
from backend.sla.working_calendar import (
    CalendarHorizonError,
    Deadline,
    OverlayEntry,
    WorkingCalendar,
    clear_calendar_cache,
    national_calendar,
)

DEFAULT_CALENDAR = DEFAULT_CALENDAR_CODE
DEFAULT_CALENDAR_NAME = "Jawa Barat (WIB)"
# the years the demo calendar covers; the `holidays` package estimates the later ones
DEFAULT_YEARS = (2024, 2030)
# staff e-mails wait for office hours (local time, working days)
OFFICE_OPENS, OFFICE_CLOSES = time(8, 0), time(16, 0)


def ensure_calendar(
    *,
    session: Session,
    code: str = DEFAULT_CALENDAR,
    name: str = DEFAULT_CALENDAR_NAME,
    timezone: str = localtime.DEFAULT_ZONE,
    years: tuple[int, int] = DEFAULT_YEARS,
) -> Calendar:
    """The calendar row `code`, created with the given zone and years when missing."""
    row = session.get(Calendar, code)
    if row is None:
        row = Calendar(
            code=code,
            name=name,
            timezone=timezone,
            first_year=years[0],
            last_year=years[1],
            version=1,
            include_cuti_bersama=True,
        )
        session.add(row)
        session.flush()
    return row


def create_calendar(
    *,
    session: Session,
    code: str,
    name: str,
    zone: str,
    first_year: int,
    last_year: int,
    include_cuti_bersama: bool = True,
) -> Calendar:
    """A new regional calendar; `zone` is WIB, WITA, WIT or an IANA name (Asia/Makassar)."""
    try:
        timezone = localtime.zone(zone).key
    except ValueError as error:
        raise ValidationFailed(errors={"zone": [f"One of {sorted(localtime.ZONES)}."]}) from error
    if not 2000 <= first_year <= last_year <= first_year + 20:
        raise ValidationFailed(errors={"last_year": ["A range of at most 20 years from 2000."]})
    if session.get(Calendar, code) is not None:
        raise Conflict()
    row = Calendar(
        code=code,
        name=name,
        timezone=timezone,
        first_year=first_year,
        last_year=last_year,
        version=1,
        include_cuti_bersama=include_cuti_bersama,
    )
    session.add(row)
    session.flush()
    return row


def calendar_code_of(*, session: Session, agency_id: int | None) -> str:
    """The calendar an agency counts on (its region's), else the default."""
    if agency_id is not None:
        code = session.scalar(select(Agency.calendar_code).where(Agency.id == agency_id))
        if code and session.get(Calendar, code) is not None:
            return code
    return DEFAULT_CALENDAR


def calendar_row(*, session: Session, code: str) -> Calendar:
    """The calendar row `code`; 404 when there is none."""
    row = session.get(Calendar, code)
    if row is None:
        raise NotFound()
    return row


def list_calendars(*, session: Session) -> list[Calendar]:
    """Every calendar, by code."""
    return list(session.scalars(select(Calendar).order_by(Calendar.code)))


def _overlay_entries(session: Session, code: str) -> list[OverlayEntry]:
    return [
        OverlayEntry(date=o.day, kind=o.kind, name=o.name)  # type: ignore[arg-type]
        for o in session.scalars(
            select(CalendarOverlay).where(CalendarOverlay.calendar_code == code)
        )
    ]


@dataclass(frozen=True)
class CalendarRef:
    """A calendar row's fields (cached: `backend.db.reference`)."""

    code: str
    version: int
    updated_at: datetime
    first_year: int
    last_year: int
    timezone: str
    include_cuti_bersama: bool


def _calendar_refs(session: Session) -> tuple[dict[str, CalendarRef], dict[int, str]]:
    """Every calendar row, and the calendar code of each agency."""
    calendars = {
        row.code: CalendarRef(
            code=row.code,
            version=row.version,
            updated_at=row.updated_at,
            first_year=row.first_year,
            last_year=row.last_year,
            timezone=row.timezone,
            include_cuti_bersama=row.include_cuti_bersama,
        )
        for row in session.scalars(select(Calendar))
    }
    agencies = {id_: code for id_, code in session.execute(select(Agency.id, Agency.calendar_code))}
    return calendars, agencies


def get_calendar(*, session: Session, code: str = DEFAULT_CALENDAR) -> WorkingCalendar:
    """The working-day calendar `code` at its current version (cached per version).

    Without a row for the default code the national calendar (version 0) is used, so a fresh
    database still counts; any other unknown code is a 404.
    """
    row = reference.cached(session, "calendars", _calendar_refs)[0].get(code)
    if row is None:
        if code != DEFAULT_CALENDAR:
            raise NotFound()
        return national_calendar(*DEFAULT_YEARS, version=0, region=code)
    return _calendar_of_row(session, row)


def calendar_of_agency(*, session: Session, agency_id: int | None) -> WorkingCalendar:
    """The calendar an agency counts on (the default when it has none)."""
    calendars, agencies = reference.cached(session, "calendars", _calendar_refs)
    code = agencies.get(agency_id) if agency_id is not None else None
    if code is None or code not in calendars:
        return get_calendar(session=session)
    return _calendar_of_row(session, calendars[code])


def zone_of_agency(*, session: Session, agency_id: int | None) -> ZoneInfo:
    """The zone an agency counts and shows its times in: its calendar's (WIB by default).

    Read from the cached rows, without building the calendar.
    """
    calendars, agencies = reference.cached(session, "calendars", _calendar_refs)
    code = agencies.get(agency_id) if agency_id is not None else None
    row = calendars.get(code or DEFAULT_CALENDAR) or calendars.get(DEFAULT_CALENDAR)
    return localtime.zone(row.timezone if row else localtime.DEFAULT_ZONE)


def calendar_zones(*, session: Session) -> list[str]:
    """Every zone a clock may count in (IANA names): each calendar's, and the default's."""
    calendars, _agencies = reference.cached(session, "calendars", _calendar_refs)
    return sorted({localtime.DEFAULT_ZONE, *(row.timezone for row in calendars.values())})


# (code, version, updated_at) -> calendar: the overlay is read again only when the row moved
# (updated_at tells apart equal versions of different databases, e.g. after a reset)
_BUILT: dict[tuple[str, int, datetime], WorkingCalendar] = {}


def forget_calendars() -> None:
    """Drop every built calendar (the daily refresh rebuilds them from fresh holiday data)."""
    _BUILT.clear()
    clear_calendar_cache()


def _calendar_of_row(session: Session, row: CalendarRef) -> WorkingCalendar:
    key = (row.code, row.version, row.updated_at)
    calendar = _BUILT.get(key)
    if calendar is None:
        calendar = national_calendar(
            row.first_year,
            row.last_year,
            row.timezone,
            _overlay_entries(session, row.code),
            version=row.version,
            region=row.code,
            include_cuti_bersama=row.include_cuti_bersama,
        )
        _BUILT[key] = calendar
    return calendar


def list_overlay(*, session: Session, code: str) -> list[CalendarOverlay]:
    """The overlay entries of a calendar, by date."""
    calendar_row(session=session, code=code)
    return list(
        session.scalars(
            select(CalendarOverlay)
            .where(CalendarOverlay.calendar_code == code)
            .order_by(CalendarOverlay.day)
        )
    )


def add_overlay(
    *, session: Session, code: str, day: date, kind: str, name: str, user_id: int | None
) -> CalendarOverlay:
    """Add a closure, a regional holiday or a moved working day; the calendar's version rises.

    Open clocks keep their deadlines until a recalculation is asked for
    (`backend.sla.recalculations`).
    """
    row = calendar_row(session=session, code=code)
    if not row.first_year <= day.year <= row.last_year:
        raise ValidationFailed(
            "calendar_horizon",
            detail=f"{day.isoformat()} is outside {row.first_year}-{row.last_year}",
        )
    taken = session.scalar(
        select(CalendarOverlay.id).where(
            CalendarOverlay.calendar_code == code, CalendarOverlay.day == day
        )
    )
    if taken is not None:
        raise Conflict()
    entry = CalendarOverlay(
        calendar_code=code, day=day, kind=kind, name=name.strip(), created_by_id=user_id
    )
    session.add(entry)
    row.version += 1
    session.flush()
    return entry


def remove_overlay(*, session: Session, code: str, overlay_id: int) -> Calendar:
    """Remove an overlay entry; the calendar's version rises."""
    row = calendar_row(session=session, code=code)
    entry = session.get(CalendarOverlay, overlay_id)
    if entry is None or entry.calendar_code != code:
        raise NotFound()
    session.delete(entry)
    row.version += 1
    session.flush()
    return row


def horizon_problem(error: CalendarHorizonError) -> ValidationFailed:
    """The 422 problem for a question beyond the calendar's years."""
    return ValidationFailed("calendar_horizon", detail=str(error))


def compute_deadline(
    *,
    session: Session,
    start: datetime,
    days: int,
    unit: str,
    code: str = DEFAULT_CALENDAR,
    citizen_side: bool = False,
) -> Deadline:
    """`days` calendar or working days from `start` on calendar `code` (see the module doc)."""
    calendar = get_calendar(session=session, code=code)
    try:
        return deadline_on(calendar, start, days, unit, citizen_side)
    except CalendarHorizonError as error:
        raise horizon_problem(error) from error


def deadline_on(
    calendar: WorkingCalendar, start: datetime, days: int, unit: str, citizen_side: bool
) -> Deadline:
    if citizen_side:
        return calendar.later_of(start, days)
    return calendar.add_days(start, days, unit)  # type: ignore[arg-type]


def skipped_json(deadline: Deadline) -> list[dict[str, Any]]:
    """The skipped days of a deadline as plain data."""
    return [
        {"date": s.date.isoformat(), "kind": s.kind, "reason": s.reason, "estimated": s.estimated}
        for s in deadline.skipped
    ]


def next_office_time(calendar: WorkingCalendar, at: datetime) -> datetime:
    """`at` if it falls in office hours, else the next opening (08:00 local, working day)."""
    local = at.astimezone(calendar.zone)
    day = local.date()
    try:
        if calendar.is_working_day(day):
            if OFFICE_OPENS <= local.time() < OFFICE_CLOSES:
                return at
            if local.time() < OFFICE_OPENS:
                return datetime.combine(day, OFFICE_OPENS, tzinfo=calendar.zone)
        next_day = calendar.add_days(at, 1, "working_day").due_date
    except CalendarHorizonError:
        return at  # beyond the calendar nobody can say when the office opens: send now
    return datetime.combine(next_day, OFFICE_OPENS, tzinfo=calendar.zone)
