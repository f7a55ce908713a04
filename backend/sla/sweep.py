"""The sweep: every clock whose next action is due is brought up to now (breach, expiry,
escalation steps), in batches, by the scheduler and `flask sla sweep`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, defer

from backend.db.writes import Rows, insert_rows
from backend.sla.calendars import get_calendar
from backend.sla.ladder import next_action, step_time
from backend.sla.models import (
    ClockState,
    SlaClock,
    SlaEscalation,
)
from backend.sla.policies import rule_of_clock
from backend.sla.working_calendar import (
    WorkingCalendar,
)


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
    # when the step came due (its offset from the deadline), however late the sweep runs
    fired_at: datetime | None = None


@dataclass
class SweepBatch:
    """What one batch of the sweep did."""

    selected: int = 0
    fired: list[FiredStep] = field(default_factory=list)
    # citizen-side clocks that ran out: (clock id, complaint id), for the complaints job
    expired: list[tuple[int, int]] = field(default_factory=list)
    breached: int = 0
    # the clocks this batch found breached (for the webhook events of the sweep's transaction)
    breaches: list[SlaClock] = field(default_factory=list)


def due_clocks(now: datetime, limit: int) -> Select[SlaClock]:
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
                rules[key] = rule_of_clock(session, clock)
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
        batch.breaches.append(clock)
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
            Rows(SlaEscalation.__table__, rows),
            returning=("id", "clock_id", "step"),
            skip_conflicts=True,
        )
    }
    fired: list[FiredStep] = []
    for clock, step, at in steps:
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
                fired_at=at,
            )
        )
    return fired
