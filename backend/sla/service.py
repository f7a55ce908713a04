"""Calendars, policies and clocks on the working-day calendar. Plain functions; never commit.

The counting rule is `backend.sla.calendar`'s: the local date of the start is day 0, the deadline
is the end (23:59:59 local) of day N, stored in UTC. A clock's `next_action_at` is the instant of
its next escalation step (or of its expiry for citizen-side clocks); the sweep (`sweep_due`) looks
at nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, defer

from backend.agencies.models import Agency
from backend.db import reference
from backend.db.batch import Rows, insert_rows
from backend.errors import Conflict, NotFound, ValidationFailed
from backend.sla import tallies  # noqa: F401  (keeps the breach tallies in step)
from backend.sla.calendar import (
    CalendarHorizonError,
    Deadline,
    OverlayEntry,
    WorkingCalendar,
    clear_calendar_cache,
    national_calendar,
)
from backend.sla.models import (
    Calendar,
    CalendarOverlay,
    ClockKind,
    ClockState,
    SlaClock,
    SlaEscalation,
    SlaPolicy,
    Unit,
)

DEFAULT_CALENDAR = "ID-JB"
DEFAULT_CALENDAR_NAME = "Jawa Barat (WIB)"
# the years the demo calendar covers; the `holidays` package estimates the later ones
DEFAULT_YEARS = (2024, 2030)
ZONES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}
# The escalation ladder of ARCHITECTURE.md. A step fires when its deadline passes: the due date
# moved by `offset` working days (the warning: 3 working days before the due date ends).
DEFAULT_LADDER: list[dict[str, Any]] = [
    {"step": "warning", "level": 0, "offset": -3, "target": "officer"},
    {"step": "agency_head", "level": 1, "offset": 0, "target": "agency_head"},
    {"step": "supervisor", "level": 2, "offset": 3, "target": "supervisor"},
    {"step": "inspectorate", "level": 3, "offset": 10, "target": "inspectorate", "ombudsman": True},
]
# UU 25/2009: response 44(3), completion 44(4), decision 50(1), delivery 50(2)
DEFAULT_RULES: dict[str, dict[str, Any]] = {
    ClockKind.RESPONSE: {"days": 14, "unit": Unit.CALENDAR_DAY, "ladder": DEFAULT_LADDER},
    ClockKind.COMPLETION: {
        "days": 30,
        "unit": Unit.CALENDAR_DAY,
        "citizen_side": True,
        "ladder": [],
    },
    ClockKind.DECISION: {"days": 60, "unit": Unit.CALENDAR_DAY, "ladder": DEFAULT_LADDER},
    ClockKind.DELIVERY: {"days": 14, "unit": Unit.CALENDAR_DAY, "ladder": DEFAULT_LADDER},
}
TARGETS = ("officer", "agency_head", "supervisor", "inspectorate")
# staff e-mails wait for office hours (local time, working days)
OFFICE_OPENS, OFFICE_CLOSES = time(8, 0), time(16, 0)
OPEN_STATES = (ClockState.RUNNING, ClockState.PAUSED)


# --- calendars ------------------------------------------------------------------------------


def ensure_calendar(
    *,
    session: Session,
    code: str = DEFAULT_CALENDAR,
    name: str = DEFAULT_CALENDAR_NAME,
    timezone: str = ZONES["WIB"],
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
    timezone = ZONES.get(zone, zone)
    if timezone not in ZONES.values():
        raise ValidationFailed(errors={"zone": [f"One of {sorted(ZONES)}."]})
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

    Open clocks keep their deadlines until `recalculate_open_clocks` is asked for.
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
        return _deadline(calendar, start, days, unit, citizen_side)
    except CalendarHorizonError as error:
        raise horizon_problem(error) from error


def _deadline(
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


# --- policies -------------------------------------------------------------------------------


def _check_rules(rules: dict[str, Any]) -> dict[str, Any]:
    """Normalise and check a policy's rules; unknown clocks, units or targets are refused."""
    errors: dict[str, Any] = {}
    clean: dict[str, Any] = {}
    for kind, rule in rules.items():
        if kind not in DEFAULT_RULES:
            errors[kind] = ["Unknown clock."]
            continue
        merged = {**DEFAULT_RULES[kind], **rule}
        problems = []
        if not isinstance(merged["days"], int) or not 0 < merged["days"] <= 365:
            problems.append("days: a whole number from 1 to 365.")
        if merged["unit"] not in tuple(Unit):
            problems.append(f"unit: one of {[u.value for u in Unit]}.")
        for step in merged["ladder"]:
            if step.get("target") not in TARGETS or not isinstance(step.get("offset"), int):
                problems.append(
                    f"ladder: each step needs an integer offset and a target {TARGETS}."
                )
                break
        if problems:
            errors[kind] = problems
        else:
            clean[kind] = {key: merged[key] for key in rule} | {
                "days": merged["days"],
                "unit": str(merged["unit"]),
            }
    if errors:
        raise ValidationFailed(errors={"rules": errors})
    return clean


def create_policy_version(
    *,
    session: Session,
    code: str,
    name: str,
    category_id: int | None,
    rules: dict[str, Any],
    user_id: int | None,
) -> SlaPolicy:
    """A new version of policy `code`; it replaces the current one for new clocks only.

    Clocks already running keep their deadlines until `recalculate_open_clocks` is asked for.
    """
    clean = _check_rules(rules)
    previous = session.scalars(
        select(SlaPolicy).where(
            SlaPolicy.is_current.is_(True),
            (SlaPolicy.code == code)
            | (
                SlaPolicy.category_id.is_(None)
                if category_id is None
                else SlaPolicy.category_id == category_id
            ),
        )
    ).all()
    for policy in previous:
        policy.is_current = False
    version = session.scalar(select(func.max(SlaPolicy.version)).where(SlaPolicy.code == code))
    policy = SlaPolicy(
        code=code,
        version=(version or 0) + 1,
        category_id=category_id,
        name=name,
        rules=clean,
        is_current=True,
        created_by_id=user_id,
    )
    session.add(policy)
    session.flush()
    return policy


def list_policies(*, session: Session, code: str | None = None) -> list[SlaPolicy]:
    """Every policy version, newest first per code."""
    query = select(SlaPolicy).order_by(SlaPolicy.code, SlaPolicy.version.desc())
    if code:
        query = query.where(SlaPolicy.code == code)
    return list(session.scalars(query))


@dataclass(frozen=True)
class PolicyRef:
    """A current policy as clocks need it (cached: `backend.db.reference`)."""

    id: int
    code: str
    version: int
    category_id: int | None
    rules: dict[str, Any]


def _current_policies(session: Session) -> tuple[PolicyRef, ...]:
    return tuple(
        PolicyRef(id=p.id, code=p.code, version=p.version, category_id=p.category_id, rules=p.rules)
        for p in session.scalars(
            select(SlaPolicy).where(SlaPolicy.is_current.is_(True)).order_by(SlaPolicy.id)
        )
    )


def policy_for(*, session: Session, category_id: int | None) -> PolicyRef | None:
    """The current policy of a category, else the current default policy."""
    policies = reference.cached(session, "policies", _current_policies)
    own = [p for p in policies if category_id is not None and p.category_id == category_id]
    default = [p for p in policies if p.category_id is None]
    return (own or default or [None])[0]


def rule_of(policy: SlaPolicy | None, kind: str) -> dict[str, Any]:
    """The rule of clock `kind` under `policy` (the statutory default where it says nothing)."""
    return {**DEFAULT_RULES[kind], **((policy.rules if policy else {}).get(kind, {}))}


# --- clocks ---------------------------------------------------------------------------------


def _apply_deadline(
    clock: SlaClock,
    calendar: WorkingCalendar,
    counted_from: datetime,
    days: int,
    rule: dict[str, Any],
    **extra: Any,
) -> None:
    """Set a clock's deadline, counted `days` from `counted_from`, and explain it."""
    citizen_side = bool(rule.get("citizen_side"))
    deadline = _deadline(calendar, counted_from, days, rule["unit"], citizen_side)
    clock.due_at = deadline.due_at
    clock.due_date = deadline.due_date
    clock.calendar_version = int(calendar.version)
    clock.explanation = {
        **(clock.explanation or {}),
        "counted_from": counted_from.isoformat(),
        "day_zero": deadline.day_zero.isoformat(),
        "days": days,
        # a citizen-side deadline is the later of two readings: say which one it is
        "unit": deadline.unit,
        "citizen_side": citizen_side,
        "calendar": calendar.region,
        "calendar_version": int(calendar.version),
        "skipped": skipped_json(deadline),
        **extra,
    }


def start_clock(
    *,
    session: Session,
    complaint_id: int,
    agency_id: int | None,
    category_id: int | None,
    kind: str,
    at: datetime,
    cycle: int | None = None,
    flush: bool = True,
) -> SlaClock:
    """Start a clock of `kind` at `at` under the category's policy; a new cycle if one ran.

    `cycle` may be given when the caller knows it (1 for a complaint just taken in);
    `flush=False` leaves the INSERT to the caller's next flush.
    """
    policy = policy_for(session=session, category_id=category_id)
    rule = rule_of(policy, kind)
    calendar = calendar_of_agency(session=session, agency_id=agency_id)
    if cycle is None:
        previous = session.scalar(
            select(SlaClock.cycle)
            .where(SlaClock.complaint_id == complaint_id, SlaClock.kind == kind)
            .order_by(SlaClock.cycle.desc())
            .limit(1)
        )
        cycle = (previous or 0) + 1
    clock = SlaClock(
        complaint_id=complaint_id,
        agency_id=agency_id,
        kind=kind,
        cycle=cycle,
        unit=rule["unit"],
        days=rule["days"],
        policy_id=policy.id if policy else None,
        calendar_code=calendar.region,
        state=ClockState.RUNNING,
        started_at=at,
        deadline_version=1,
        escalation_level=0,
        steps_done=0,
        explanation={
            "policy": f"{policy.code} v{policy.version}" if policy else "default",
            "category_id": category_id,
        },
    )
    try:
        _apply_deadline(clock, calendar, at, rule["days"], rule)
    except CalendarHorizonError as error:
        raise horizon_problem(error) from error
    clock.next_action_at = next_action(clock, calendar, rule)
    session.add(clock)
    if flush:
        session.flush()
    return clock


def running_clock(*, session: Session, complaint_id: int, kind: str) -> SlaClock | None:
    """The running or paused clock of `kind`, if any."""
    return session.scalar(
        select(SlaClock).where(
            SlaClock.complaint_id == complaint_id,
            SlaClock.kind == kind,
            SlaClock.state.in_(OPEN_STATES),
        )
    )


def stop_clock(*, session: Session, complaint_id: int, kind: str, at: datetime) -> SlaClock | None:
    """Stop the running or paused clock of `kind` (none open is not an error)."""
    clock = running_clock(session=session, complaint_id=complaint_id, kind=kind)
    if clock is not None:
        if clock.state == ClockState.RUNNING and clock.breached_at is None and clock.due_at < at:
            clock.breached_at = clock.due_at  # stopped late: the breach is at the deadline
        clock.state = ClockState.STOPPED
        clock.stopped_at = at
        clock.next_action_at = None
        clock.remaining_days = None
    return clock


def stop_all_clocks(*, session: Session, complaint_id: int, at: datetime) -> list[SlaClock]:
    """Stop every open clock of a complaint (rejection, withdrawal)."""
    stopped = []
    for kind in ClockKind:
        clock = stop_clock(session=session, complaint_id=complaint_id, kind=kind, at=at)
        if clock is not None:
            stopped.append(clock)
    return stopped


def move_clocks(*, session: Session, complaint_id: int, agency_id: int | None) -> None:
    """A rerouted complaint keeps its clocks; they now belong to the new agency."""
    for clock in session.scalars(select(SlaClock).where(SlaClock.complaint_id == complaint_id)):
        clock.agency_id = agency_id


def list_clocks(*, session: Session, complaint_id: int) -> list[SlaClock]:
    """Every clock of a complaint, oldest first."""
    return list(
        session.scalars(
            select(SlaClock).where(SlaClock.complaint_id == complaint_id).order_by(SlaClock.id)
        )
    )


def _days_left(clock: SlaClock, calendar: WorkingCalendar, at: datetime) -> int:
    today = calendar.local_date(at)
    if clock.explanation.get("unit", clock.unit) == Unit.WORKING_DAY:
        return max(0, calendar.working_days_between(today, clock.due_date))
    return max(0, (clock.due_date - today).days)


def pause_clock(*, session: Session, complaint_id: int, kind: str, at: datetime) -> SlaClock | None:
    """Pause the running clock of `kind` (the case waits on someone else); keeps the days left.

    Days are whole: the day of the pause counts as used, as the day of receipt does.
    """
    clock = session.scalar(
        select(SlaClock).where(
            SlaClock.complaint_id == complaint_id,
            SlaClock.kind == kind,
            SlaClock.state == ClockState.RUNNING,
        )
    )
    if clock is None:
        return None
    calendar = get_calendar(session=session, code=clock.calendar_code)
    try:
        clock.remaining_days = _days_left(clock, calendar, at)
    except CalendarHorizonError as error:
        raise horizon_problem(error) from error
    clock.state = ClockState.PAUSED
    clock.paused_at = at
    clock.next_action_at = None
    return clock


def resume_clock(
    *, session: Session, complaint_id: int, kind: str, at: datetime
) -> SlaClock | None:
    """Resume a paused clock: the days left count again from `at`, a new deadline version."""
    clock = session.scalar(
        select(SlaClock).where(
            SlaClock.complaint_id == complaint_id,
            SlaClock.kind == kind,
            SlaClock.state == ClockState.PAUSED,
        )
    )
    if clock is None:
        return None
    calendar = get_calendar(session=session, code=clock.calendar_code)
    rule = _clock_rule(session, clock)
    pauses = [
        *clock.explanation.get("pauses", []),
        {
            "paused_at": clock.paused_at.isoformat() if clock.paused_at else None,
            "resumed_at": at.isoformat(),
            "days_left": clock.remaining_days,
        },
    ]
    try:
        _apply_deadline(clock, calendar, at, clock.remaining_days or 0, rule, pauses=pauses)
    except CalendarHorizonError as error:
        raise horizon_problem(error) from error
    clock.state = ClockState.RUNNING
    clock.paused_at = None
    clock.remaining_days = None
    _new_deadline_version(clock, at)
    clock.next_action_at = next_action(clock, calendar, rule)
    return clock


def _new_deadline_version(clock: SlaClock, at: datetime) -> None:
    """A changed deadline: the ladder starts again (each step once per deadline version)."""
    clock.deadline_version += 1
    clock.escalation_level = 0
    clock.steps_done = 0
    clock.breached_at = clock.due_at if clock.due_at < at else None


def _clock_rule(session: Session, clock: SlaClock) -> dict[str, Any]:
    policy = session.get(SlaPolicy, clock.policy_id) if clock.policy_id else None
    return rule_of(policy, clock.kind)


def recalculate_open_clocks(
    *,
    session: Session,
    at: datetime,
    calendar_code: str | None = None,
    policy_code: str | None = None,
) -> list[SlaClock]:
    """Recount the deadlines of running clocks on today's calendar and current policies.

    The explicit action after a calendar or policy change. Stopped and expired clocks are never
    touched; paused ones get the current calendar when they resume. A clock that was never
    paused takes the days of its category's current policy; a resumed one keeps the days it
    had left. Returns the clocks whose deadline changed (each gets a new deadline version).
    """
    query = select(SlaClock).where(SlaClock.state == ClockState.RUNNING)
    if calendar_code:
        query = query.where(SlaClock.calendar_code == calendar_code)
    changed = []
    for clock in session.scalars(query.order_by(SlaClock.id)).all():
        policy = policy_for(session=session, category_id=clock.explanation.get("category_id"))
        if policy_code and (policy is None or policy.code != policy_code):
            continue
        rule = rule_of(policy, clock.kind)
        calendar = get_calendar(session=session, code=clock.calendar_code)
        resumed = bool(clock.explanation.get("pauses"))
        counted_from = (
            datetime.fromisoformat(clock.explanation["counted_from"])
            if resumed
            else clock.started_at
        )
        days = clock.explanation["days"] if resumed else rule["days"]
        before = (clock.due_at, clock.due_date)
        try:
            _apply_deadline(clock, calendar, counted_from, days, rule)
        except CalendarHorizonError as error:
            raise horizon_problem(error) from error
        clock.policy_id = policy.id if policy else None
        clock.unit = rule["unit"]
        if not resumed:
            clock.days = days
        if (clock.due_at, clock.due_date) != before:
            clock.explanation = {**clock.explanation, "recalculated_at": at.isoformat()}
            _new_deadline_version(clock, at)
            clock.next_action_at = next_action(clock, calendar, rule)
            changed.append(clock)
    return changed


# --- the ladder -----------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def step_time(calendar: WorkingCalendar, due_date: date, offset: int) -> datetime | None:
    """When a step fires: the end of the due date moved by `offset` working days, plus 1 s.

    None when that day is beyond the calendar's years (the step cannot be placed). Remembered
    per calendar (instances never change): the clocks a sweep handles share a few due dates,
    and each asks about every step of its ladder (issue 5: 40,000 calls for 10,000 clocks).
    """
    try:
        if offset < 0:
            day = calendar.subtract_working_days(due_date, -offset)
        elif offset > 0:
            day = calendar.add_days(calendar.end_of_day(due_date), offset, "working_day").due_date
        else:
            day = due_date
    except CalendarHorizonError:
        return None
    return calendar.end_of_day(day) + timedelta(seconds=1)


def next_action(
    clock: SlaClock, calendar: WorkingCalendar, rule: dict[str, Any]
) -> datetime | None:
    """The instant the sweep must next look at a running clock (None: never again)."""
    if clock.state != ClockState.RUNNING:
        return None
    candidates = []
    if clock.breached_at is None:
        candidates.append(clock.due_at + timedelta(seconds=1))  # record the breach, or expire
    for step in rule["ladder"][clock.steps_done :]:
        at = step_time(calendar, clock.due_date, step["offset"])
        if at is not None:
            candidates.append(at)
            break
    return min(candidates) if candidates else None


def warning_at(calendar: WorkingCalendar, rule: dict[str, Any], due_date: date) -> datetime | None:
    """When the ladder's warning (its step before the deadline) fires; None without one."""
    for step in rule["ladder"]:
        if step["offset"] < 0:
            return step_time(calendar, due_date, step["offset"])
    return None


class WarningWindow:
    """Which clocks are at risk at `now`: running, not yet overdue, past the ladder's warning.

    By default that is the last 3 working days before the due date ends. Calendars and
    policies are read once, so a report can ask about many clocks.
    """

    def __init__(self, *, session: Session, now: datetime) -> None:
        self._session = session
        self._now = now
        self._calendars: dict[str, WorkingCalendar] = {}
        self._rules: dict[tuple[int | None, str], dict[str, Any]] = {}
        # (policy, kind, calendar, due date) -> at risk: a report asks about thousands of
        # clocks that share a few due dates
        self._opened: dict[tuple[int | None, str, str, date], bool] = {}

    def contains(
        self,
        *,
        kind: str,
        state: str,
        policy_id: int | None,
        calendar_code: str,
        due_date: date,
        due_at: datetime,
    ) -> bool:
        """Whether a clock with these columns is at risk (overdue clocks are not: they breached)."""
        if state != ClockState.RUNNING or due_at < self._now:
            return False
        key = (policy_id, kind, calendar_code, due_date)
        if key not in self._opened:
            self._opened[key] = self._warned(kind, policy_id, calendar_code, due_date)
        return self._opened[key]

    def _warned(self, kind: str, policy_id: int | None, calendar_code: str, due_date: date) -> bool:
        if calendar_code not in self._calendars:
            self._calendars[calendar_code] = get_calendar(session=self._session, code=calendar_code)
        if (policy_id, kind) not in self._rules:
            policy = self._session.get(SlaPolicy, policy_id) if policy_id else None
            self._rules[(policy_id, kind)] = rule_of(policy, kind)
        opens = warning_at(self._calendars[calendar_code], self._rules[(policy_id, kind)], due_date)
        return opens is not None and opens <= self._now


@dataclass
class FiredStep:
    """A ladder step the sweep fired (and nobody had fired before)."""

    escalation_id: int
    clock_id: int
    complaint_id: int
    kind: str
    step: str
    level: int
    target: str
    agency_id: int | None
    due_at: datetime
    for_ombudsman: bool


@dataclass
class SweepBatch:
    """What one batch of the sweep did."""

    selected: int = 0
    fired: list[FiredStep] = field(default_factory=list)
    # citizen-side clocks that ran out: (clock id, complaint id), for the complaints job
    expired: list[tuple[int, int]] = field(default_factory=list)
    breached: int = 0


def due_clocks(now: datetime, limit: int) -> Select[tuple[SlaClock]]:
    """The clocks the sweep must look at now, oldest first (index ix_sla_clocks_due).

    Without their explanation, which the sweep never reads (a read of it raises, rather than
    load it clock by clock).
    """
    return (
        select(SlaClock)
        .options(defer(SlaClock.explanation, raiseload=True))
        .where(SlaClock.next_action_at.is_not(None), SlaClock.next_action_at <= now)
        .order_by(SlaClock.next_action_at)
        .limit(limit)
    )


def sweep_due(*, session: Session, now: datetime, limit: int = 500) -> SweepBatch:
    """One batch of the sweep: every clock whose next action is due, up to `limit`.

    On PostgreSQL the rows are locked with SKIP LOCKED, so concurrent sweeps share the work;
    the batch's steps are inserted in one statement with ON CONFLICT DO NOTHING against the
    unique (clock, step, deadline version), so a step fires once however many sweeps run.
    Breaches are recorded at the deadline itself, however late the sweep runs.
    """
    query = due_clocks(now, limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    clocks = session.scalars(query).all()
    batch = SweepBatch(selected=len(clocks))
    calendars: dict[str, WorkingCalendar] = {}
    rules: dict[tuple[int | None, str], dict[str, Any]] = {}
    steps: list[tuple[SlaClock, dict[str, Any], datetime]] = []
    with session.no_autoflush:
        for clock in clocks:
            if clock.calendar_code not in calendars:
                calendars[clock.calendar_code] = get_calendar(
                    session=session, code=clock.calendar_code
                )
            key = (clock.policy_id, clock.kind)
            if key not in rules:
                rules[key] = _clock_rule(session, clock)
            steps.extend(_advance(clock, calendars[clock.calendar_code], rules[key], now, batch))
    batch.fired = _fire(session, steps)
    session.flush()
    return batch


def _advance(
    clock: SlaClock,
    calendar: WorkingCalendar,
    rule: dict[str, Any],
    now: datetime,
    batch: SweepBatch,
) -> list[tuple[SlaClock, dict[str, Any], datetime]]:
    """Bring one clock up to `now`: breach, expiry; returns the ladder steps now due."""
    due_steps: list[tuple[SlaClock, dict[str, Any], datetime]] = []
    if clock.state != ClockState.RUNNING:
        clock.next_action_at = None
        return due_steps
    if clock.overdue_at(now) and clock.breached_at is None:
        clock.breached_at = clock.due_at
        batch.breached += 1
        if rule.get("citizen_side"):
            clock.state = ClockState.EXPIRED
            clock.stopped_at = clock.due_at
            clock.next_action_at = None
            batch.expired.append((clock.id, clock.complaint_id))
            return due_steps
    done = clock.steps_done
    ladder = rule["ladder"]
    while done < len(ladder):
        step = ladder[done]
        at = step_time(calendar, clock.due_date, step["offset"])
        if at is None or at > now:
            break
        done += 1
        # a warning that comes after the deadline has nothing left to warn about
        if step["offset"] < 0 and clock.due_at < now:
            continue
        due_steps.append((clock, step, at))
        clock.escalation_level = max(clock.escalation_level, step["level"])
    clock.steps_done = done
    clock.next_action_at = next_action(clock, calendar, rule)
    return due_steps


def _fire(
    session: Session, steps: list[tuple[SlaClock, dict[str, Any], datetime]]
) -> list[FiredStep]:
    """Insert the escalation rows no sweep inserted before; the steps this sweep fired."""
    rows = [
        {
            "clock_id": clock.id,
            "step": step["step"],
            "level": step["level"],
            "deadline_version": clock.deadline_version,
            "due_at": clock.due_at,
            "fired_at": at,
            "target_role": step["target"],
            "target_agency_id": clock.agency_id,
            "for_ombudsman": bool(step.get("ombudsman")),
        }
        for clock, step, at in steps
    ]
    inserted = {
        (row.clock_id, row.step): row.id
        for row in insert_rows(
            session,
            Rows(SlaEscalation.__table__, rows, skip_conflicts=True),
            returning=("id", "clock_id", "step"),
        )
    }
    fired: list[FiredStep] = []
    for clock, step, _at in steps:
        escalation_id = inserted.get((clock.id, step["step"]))
        if escalation_id is None:
            continue  # another sweep fired it first
        fired.append(
            FiredStep(
                escalation_id=escalation_id,
                clock_id=clock.id,
                complaint_id=clock.complaint_id,
                kind=clock.kind,
                step=step["step"],
                level=step["level"],
                target=step["target"],
                agency_id=clock.agency_id,
                due_at=clock.due_at,
                for_ombudsman=bool(step.get("ombudsman")),
            )
        )
    return fired


# --- reading clocks -------------------------------------------------------------------------


def clock_status(clock: SlaClock, now: datetime) -> dict[str, Any]:
    """A clock as `getComplaintSla` shows it: state, time left or overdue by, explanation."""
    overdue = clock.overdue_at(now)
    seconds = int((clock.due_at - now).total_seconds())
    if clock.state == ClockState.PAUSED:
        left = None
    elif clock.state == ClockState.RUNNING:
        left = max(seconds, 0)
    else:
        left = None
    return {
        "id": clock.id,
        "kind": clock.kind,
        "cycle": clock.cycle,
        "state": clock.state,
        "unit": clock.unit,
        "days": clock.days,
        "started_at": clock.started_at,
        "due_at": clock.due_at,
        "due_date": clock.due_date,
        "stopped_at": clock.stopped_at,
        "paused_at": clock.paused_at,
        "breached_at": clock.breached_at,
        "days_left_when_paused": clock.remaining_days,
        "overdue": overdue,
        "seconds_left": left,
        "overdue_seconds": -seconds if overdue else None,
        "escalation_level": clock.escalation_level,
        "deadline_version": clock.deadline_version,
        "calendar": clock.calendar_code,
        "calendar_version": clock.calendar_version,
        # `steps_done` was part of the explanation before it had a column: shown as it was
        "explanation": {**clock.explanation, "steps_done": clock.steps_done},
    }
