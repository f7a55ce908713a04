"""Clocks on the working-day calendar: start, stop, pause, resume. Plain functions; never commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.sla.calendar import OverlayEntry, WorkingCalendar, national_calendar
from backend.sla.models import (
    Calendar,
    CalendarOverlay,
    ClockKind,
    ClockState,
    SlaClock,
    SlaPolicy,
    Unit,
)

DEFAULT_CALENDAR = "ID-JB"
DEFAULT_YEARS = (2024, 2030)
# UU 25/2009: response 44(3), completion 44(4), decision 50(1), delivery 50(2)
DEFAULT_RULES: dict[str, Any] = {
    ClockKind.RESPONSE: {"days": 14, "unit": Unit.CALENDAR_DAY},
    ClockKind.COMPLETION: {"days": 30, "unit": Unit.CALENDAR_DAY, "citizen_side": True},
    ClockKind.DECISION: {"days": 60, "unit": Unit.CALENDAR_DAY},
    ClockKind.DELIVERY: {"days": 14, "unit": Unit.CALENDAR_DAY},
}


def get_calendar(*, session: Session, code: str = DEFAULT_CALENDAR) -> WorkingCalendar:
    """The working-day calendar `code` at its current version (cached per version)."""
    row = session.get(Calendar, code)
    if row is None:
        return national_calendar(*DEFAULT_YEARS, version=0)
    overlay = [
        OverlayEntry(date=o.day, kind=o.kind, name=o.name)  # type: ignore[arg-type]
        for o in session.scalars(
            select(CalendarOverlay).where(CalendarOverlay.calendar_code == code)
        )
    ]
    return national_calendar(
        row.first_year, row.last_year, row.timezone, overlay, version=row.version
    )


def policy_for(*, session: Session, category_id: int | None) -> SlaPolicy | None:
    """The current policy of a category, else the current default policy."""
    policies = session.scalars(
        select(SlaPolicy).where(
            SlaPolicy.is_current.is_(True),
            (SlaPolicy.category_id == category_id) | SlaPolicy.category_id.is_(None),
        )
    ).all()
    own = [p for p in policies if p.category_id is not None]
    return (own or policies or [None])[0]


def _deadline_fields(
    calendar: WorkingCalendar, start: datetime, days: int, unit: str, citizen_side: bool
) -> dict[str, Any]:
    """due_at, due_date and the explanation of a deadline."""
    deadline = (
        calendar.later_of(start, days) if citizen_side else calendar.add_days(start, days, unit)  # type: ignore[arg-type]
    )
    return {
        "due_at": deadline.due_at,
        "due_date": deadline.due_date,
        "explanation": {
            "day_zero": deadline.day_zero.isoformat(),
            "days": days,
            "unit": unit,
            "citizen_side": citizen_side,
            "skipped": [
                {"date": s.date.isoformat(), "kind": s.kind, "reason": s.reason,
                 "estimated": s.estimated}
                for s in deadline.skipped
            ],
        },
    }


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
    policy = policy_for(session=session, category_id=category_id)
    rule = {**DEFAULT_RULES[kind], **((policy.rules if policy else {}).get(kind, {}))}
    calendar = get_calendar(session=session)
    previous = session.scalar(
        select(SlaClock.cycle)
        .where(SlaClock.complaint_id == complaint_id, SlaClock.kind == kind)
        .order_by(SlaClock.cycle.desc())
        .limit(1)
    )
    clock = SlaClock(
        complaint_id=complaint_id,
        agency_id=agency_id,
        kind=kind,
        cycle=(previous or 0) + 1,
        unit=rule["unit"],
        days=rule["days"],
        policy_id=policy.id if policy else None,
        calendar_code=DEFAULT_CALENDAR,
        calendar_version=int(calendar.version),
        state=ClockState.RUNNING,
        started_at=at,
        **_deadline_fields(calendar, at, rule["days"], rule["unit"], rule.get("citizen_side", False)),
    )
    clock.next_action_at = clock.due_at
    session.add(clock)
    session.flush()
    return clock


def running_clock(*, session: Session, complaint_id: int, kind: str) -> SlaClock | None:
    """The running or paused clock of `kind`, if any."""
    return session.scalar(
        select(SlaClock).where(
            SlaClock.complaint_id == complaint_id,
            SlaClock.kind == kind,
            SlaClock.state.in_([ClockState.RUNNING, ClockState.PAUSED]),
        )
    )


def stop_clock(*, session: Session, complaint_id: int, kind: str, at: datetime) -> SlaClock | None:
    """Stop the running clock of `kind` (none running is not an error)."""
    clock = running_clock(session=session, complaint_id=complaint_id, kind=kind)
    if clock is not None:
        clock.state = ClockState.STOPPED
        clock.stopped_at = at
        clock.next_action_at = None
    return clock


def stop_all_clocks(*, session: Session, complaint_id: int, at: datetime) -> list[SlaClock]:
    """Stop every running clock of a complaint (rejection, withdrawal)."""
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
