"""The escalation ladder: when each step of a clock fires, and which clocks are at risk."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session

from backend.sla.calendars import get_calendar
from backend.sla.models import (
    ClockState,
    SlaClock,
    SlaPolicy,
)
from backend.sla.policies import rule_of
from backend.sla.working_calendar import (
    CalendarHorizonError,
    WorkingCalendar,
)


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
