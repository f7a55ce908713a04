"""A complaint's legal clocks: start, stop, pause, resume, recalculate, and how each is shown.

A clock's `next_action_at` is the instant of its next escalation step (or of its expiry for
citizen-side clocks); the sweep (`backend.sla.sweep`) looks at nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db.writes import Rows
from backend.sla import tallies
from backend.sla.calendars import (
    calendar_of_agency,
    deadline_on,
    get_calendar,
    horizon_problem,
    skipped_json,
)
from backend.sla.ladder import next_action
from backend.sla.models import (
    ClockKind,
    ClockState,
    SlaClock,
    Unit,
)
from backend.sla.policies import PolicyRef, policy_for, rule_of, rule_of_clock
from backend.sla.working_calendar import (
    CalendarHorizonError,
    WorkingCalendar,
)

OPEN_STATES = (ClockState.RUNNING, ClockState.PAUSED)


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
    deadline = deadline_on(calendar, counted_from, days, rule["unit"], citizen_side)
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


def new_clock(
    *,
    session: Session,
    complaint_id: int,
    agency_id: int | None,
    category_id: int | None,
    kind: str,
    at: datetime,
    cycle: int,
) -> SlaClock:
    """A clock of `kind` starting at `at` under the category's policy, on the agency's calendar
    and in its zone; not yet added to the session (`start_clock` adds it, intake writes it with
    Core through `new_clock_rows`)."""
    policy = policy_for(session=session, category_id=category_id)
    rule = rule_of(policy, kind)
    calendar = calendar_of_agency(session=session, agency_id=agency_id)
    clock = SlaClock(
        complaint_id=complaint_id,
        agency_id=agency_id,
        kind=kind,
        cycle=cycle,
        unit=rule["unit"],
        days=rule["days"],
        policy_id=policy.id if policy else None,
        calendar_code=calendar.region,
        time_zone=calendar.zone.key,
        state=ClockState.RUNNING,
        started_at=at,
        deadline_version=1,
        escalation_level=0,
        steps_done=0,
        paused_at=None,
        stopped_at=None,
        breached_at=None,
        remaining_days=None,
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
    clock.late_seconds = clock.finished_late_seconds()
    return clock


def new_clock_rows(clock: SlaClock) -> list[Rows]:
    """The rows that write a new clock with Core: the clock itself and its tally changes (what
    the ORM's hooks would add for it, from the same functions)."""
    row = {column.key: getattr(clock, column.key) for column in SlaClock.__table__.columns}
    del row["id"]  # the table's sequence gives it
    return [Rows(SlaClock.__table__, [row]), tallies.new_clock_rows([clock])]


def start_clock(
    *,
    session: Session,
    complaint_id: int,
    agency_id: int | None,
    category_id: int | None,
    kind: str,
    at: datetime,
) -> SlaClock:
    """Start a clock of `kind` at `at` under the category's policy; a new cycle if one ran."""
    previous = session.scalar(
        select(SlaClock.cycle)
        .where(SlaClock.complaint_id == complaint_id, SlaClock.kind == kind)
        .order_by(SlaClock.cycle.desc())
        .limit(1)
    )
    clock = new_clock(
        session=session,
        complaint_id=complaint_id,
        agency_id=agency_id,
        category_id=category_id,
        kind=kind,
        at=at,
        cycle=(previous or 0) + 1,
    )
    session.add(clock)
    session.flush()
    return clock


def lock_open_clocks(*, session: Session, complaint_id: int) -> list[SlaClock]:
    """Take the write locks of a complaint's open clocks, as they are now, before changing them.

    A transition calls it first: if the sweep holds one of them it waits for the sweep to commit
    and then reads what the sweep wrote (a breach marked meanwhile), and a sweep that comes
    later skips them (SKIP LOCKED). PostgreSQL only; on SQLite the transaction already holds
    the database's write lock.
    """
    return list(
        session.scalars(
            select(SlaClock)
            .where(SlaClock.complaint_id == complaint_id, SlaClock.state.in_(OPEN_STATES))
            .order_by(SlaClock.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )


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


def _clock_in(session: Session, complaint_id: int, kind: str, state: str) -> SlaClock | None:
    """The clock of `kind` of a complaint that is in `state`, if any."""
    return session.scalar(
        select(SlaClock).where(
            SlaClock.complaint_id == complaint_id, SlaClock.kind == kind, SlaClock.state == state
        )
    )


def pause_clock(*, session: Session, complaint_id: int, kind: str, at: datetime) -> SlaClock | None:
    """Pause the running clock of `kind` (the case waits on someone else); keeps the days left.

    Days are whole: the day of the pause counts as used, as the day of receipt does.
    """
    clock = _clock_in(session, complaint_id, kind, ClockState.RUNNING)
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
    clock = _clock_in(session, complaint_id, kind, ClockState.PAUSED)
    if clock is None:
        return None
    calendar = get_calendar(session=session, code=clock.calendar_code)
    rule = rule_of_clock(session, clock)
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


@dataclass
class Recalculated:
    """What one batch of a recalculation did."""

    last_id: int = 0  # the highest clock id looked at (the next batch starts after it)
    looked_at: int = 0
    changed: list[SlaClock] = field(default_factory=list)


def recalculate_clocks(
    *,
    session: Session,
    at: datetime,
    after_id: int = 0,
    limit: int | None = None,
    calendar_code: str | None = None,
    policy_code: str | None = None,
) -> Recalculated:
    """Recount the deadlines of running clocks on today's calendar and current policies: the
    running clocks with an id above `after_id`, in id order, at most `limit` of them.

    The explicit action after a calendar or policy change (`backend.sla.recalculations` runs it
    in batches). Stopped and expired clocks are never touched; paused ones get the current
    calendar when they resume. A clock that was never paused takes the days of its category's
    current policy; a resumed one keeps the days it had left. A clock whose deadline changed
    gets a new deadline version (its escalation ladder starts again).
    """
    query = select(SlaClock).where(SlaClock.state == ClockState.RUNNING, SlaClock.id > after_id)
    if calendar_code:
        query = query.where(SlaClock.calendar_code == calendar_code)
    query = query.order_by(SlaClock.id)
    if limit is not None:
        query = query.limit(limit)
    batch = Recalculated(last_id=after_id)
    # read once a batch: asking the reference cache for each of thousands of changed clocks
    # would look through the session's changes each time
    policies: dict[int | None, PolicyRef | None] = {}
    calendars: dict[str, WorkingCalendar] = {}
    for clock in session.scalars(query).all():
        batch.last_id, batch.looked_at = clock.id, batch.looked_at + 1
        category_id = clock.explanation.get("category_id")
        if category_id not in policies:
            policies[category_id] = policy_for(session=session, category_id=category_id)
        policy = policies[category_id]
        if policy_code and (policy is None or policy.code != policy_code):
            continue
        rule = rule_of(policy, clock.kind)
        if clock.calendar_code not in calendars:
            calendars[clock.calendar_code] = get_calendar(session=session, code=clock.calendar_code)
        calendar = calendars[clock.calendar_code]
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
            batch.changed.append(clock)
    return batch


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
