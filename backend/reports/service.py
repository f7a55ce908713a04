"""Breaches and compliance: reads complaints and clocks. Plain functions; never commit."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.agencies.models import Agency
from backend.auth.models import Role
from backend.auth.principal import Principal
from backend.complaints.models import Complaint
from backend.db import Page
from backend.db.pagination import count_limit
from backend.errors import Forbidden
from backend.sla import service as sla
from backend.sla.models import ClockKind, ClockState, SlaClock, SlaEscalation

# UU 25/2009 Pasal 54: what missing each deadline costs the officer responsible
CONSEQUENCES = {
    ClockKind.RESPONSE: "Pasal 54 ayat (3): sanksi penurunan gaji sebesar satu kali kenaikan "
    "gaji berkala (tanggapan 14 hari, Pasal 44 ayat 3)",
    ClockKind.DELIVERY: "Pasal 54 ayat (3): sanksi penurunan gaji sebesar satu kali kenaikan "
    "gaji berkala (penyampaian keputusan 14 hari, Pasal 50 ayat 2)",
    ClockKind.DECISION: "Pasal 54 ayat (7): sanksi pembebasan dari jabatan "
    "(keputusan 60 hari, Pasal 50 ayat 1)",
}
STAFF_CLOCKS = (ClockKind.RESPONSE, ClockKind.DECISION, ClockKind.DELIVERY)
READERS = (Role.SUPERVISOR, Role.VERIFIER, Role.ADMIN, Role.AGENCY_HEAD)


def consequence(kind: str) -> str | None:
    """The Pasal 54 sanction for missing the deadline of clock `kind` (none for the citizen's)."""
    return CONSEQUENCES.get(kind)  # type: ignore[call-overload]


def _scoped_agency(principal: Principal, agency_id: int | None) -> int | None:
    """An agency head sees only their own agency; the city-wide roles see any."""
    if principal.has(Role.SUPERVISOR, Role.VERIFIER, Role.ADMIN):
        return agency_id
    if principal.has(Role.AGENCY_HEAD) and principal.agency_id is not None:
        if agency_id is not None and agency_id != principal.agency_id:
            raise Forbidden()
        return principal.agency_id
    raise Forbidden()


@dataclass
class BreachFilters:
    """The filters of listBreaches."""

    agency_id: int | None = None
    kind: str | None = None
    min_level: int | None = None
    breached_from: datetime | None = None
    breached_to: datetime | None = None
    open_only: bool = False
    ombudsman: bool | None = None


def _breach_conditions(agency_id: int | None, filters: BreachFilters) -> list[Any]:
    """The filters of listBreaches that both of its streams share.

    "Breached" itself is each stream's own: `breached_at` set and not stopped, or
    `late_seconds` set (a breached clock that stopped).
    """
    conditions: list[Any] = [SlaClock.kind.in_(STAFF_CLOCKS)]
    if agency_id is not None:
        conditions.append(SlaClock.agency_id == agency_id)
    if filters.kind:
        conditions.append(SlaClock.kind == filters.kind)
    if filters.min_level is not None:
        conditions.append(SlaClock.escalation_level >= filters.min_level)
    if filters.breached_from:
        conditions.append(SlaClock.breached_at >= filters.breached_from)
    if filters.breached_to:
        conditions.append(SlaClock.breached_at < filters.breached_to)
    if filters.ombudsman:
        # probed per clock along the stream's index (ix_sla_escalations_ombudsman); the OFFSET
        # keeps PostgreSQL from turning it into a hash join over every marked escalation
        conditions.append(
            select(SlaEscalation.id)
            .where(SlaEscalation.clock_id == SlaClock.id, SlaEscalation.for_ombudsman.is_(True))
            .offset(0)
            .exists()
        )
    return conditions


def list_breaches(
    *,
    session: Session,
    principal: Principal,
    filters: BreachFilters,
    now: datetime,
    page: int,
    per_page: int,
) -> Page:
    """Breached staff clocks, longest overdue first; each item is (clock, code, agency, secs).

    How long a clock is overdue is `coalesce(stopped_at, now) - due_at`, which no index can hold
    as `now` moves (issue 5). So the list is two streams, each read off its own partial index and
    merged here: breaches still open (not stopped), whose lateness grows with `now` alike, so the
    longest overdue is the oldest deadline (`ix_sla_clocks_breach_open`); and finished breaches,
    whose lateness is fixed and stored as `late_seconds` (`ix_sla_clocks_breach_late`). Each
    stream reads at most `page * per_page` rows; ties go to the lower clock id, as before.
    """
    agency_id = _scoped_agency(principal, filters.agency_id)
    conditions = _breach_conditions(agency_id, filters)
    still_open = [SlaClock.breached_at.is_not(None), SlaClock.stopped_at.is_(None)]
    if filters.open_only:
        still_open.append(SlaClock.overdue_at(now))
    # (id, sort key) only: each stream is an index-only scan of its partial index
    streams = [
        select(SlaClock.id, SlaClock.due_at)
        .where(*conditions, *still_open)
        .order_by(SlaClock.due_at, SlaClock.id)
    ]
    if not filters.open_only:  # a finished clock is never overdue (`SlaClock.overdue_at`)
        streams.append(
            select(SlaClock.id, SlaClock.late_seconds)
            .where(*conditions, SlaClock.late_seconds.is_not(None))
            .order_by(SlaClock.late_seconds.desc(), SlaClock.id)
        )
    wanted = page * per_page
    ranked: list[tuple[float, int]] = []
    for index, query in enumerate(streams):
        for clock_id, key in session.execute(query.limit(wanted)):
            late = (now - key).total_seconds() if index == 0 else key
            ranked.append((-late, clock_id))
    ranked.sort()
    lateness = {clock_id: -key for key, clock_id in ranked[(page - 1) * per_page : wanted]}
    found = {
        clock.id: (clock, code, agency)
        for clock, code, agency in session.execute(
            select(SlaClock, Complaint.tracking_code, Agency.code)
            .join(Complaint, Complaint.id == SlaClock.complaint_id)
            .outerjoin(Agency, Agency.id == SlaClock.agency_id)
            .where(SlaClock.id.in_(list(lateness)))
        )
    }
    limit = count_limit(page, per_page)
    total, exact = 0, True
    for query in streams:
        # counted in the page's order: filters such as the level or the Ombudsman mark hold
        # most often for the longest overdue, so the walk stops soonest
        counted = session.scalar(
            select(func.count()).select_from(query.limit(limit + 1).subquery())
        )
        total, exact = total + min(counted or 0, limit), exact and (counted or 0) <= limit
    if total > limit:
        total, exact = limit, False
    return Page(
        items=[(*found[clock_id], late) for clock_id, late in lateness.items()],
        page=page,
        per_page=per_page,
        total=total,
        total_exact=exact,
    )


def _percentile(values: list[float], share: float) -> float | None:
    """The `share` quantile (linear interpolation, like PostgreSQL's percentile_cont)."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    ordered = sorted(values)
    position = share * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def breach_summary(
    *,
    session: Session,
    principal: Principal,
    now: datetime,
    period_from: datetime | None,
    period_to: datetime | None,
    agency_id: int | None = None,
) -> list[dict[str, Any]]:
    """Per agency and clock: open, at risk, breached, compliance and time to finish (median, p90).

    A clock counts in the period when it started in it. Compliance = clocks finished on time /
    (finished on time + breached); still-running clocks within their deadline are not counted.
    At risk = running, not yet overdue, inside the ladder's warning window (`sla.WarningWindow`).
    Durations are from start to stop of finished clocks (time to respond, to decide, ...).
    """
    agency_id = _scoped_agency(principal, agency_id)
    query = select(
        SlaClock.agency_id,
        SlaClock.kind,
        SlaClock.state,
        SlaClock.started_at,
        SlaClock.stopped_at,
        SlaClock.due_at,
        SlaClock.breached_at,
        SlaClock.policy_id,
        SlaClock.calendar_code,
        SlaClock.due_date,
    ).where(SlaClock.kind.in_(STAFF_CLOCKS))
    if agency_id is not None:
        query = query.where(SlaClock.agency_id == agency_id)
    if period_from:
        query = query.where(SlaClock.started_at >= period_from)
    if period_to:
        query = query.where(SlaClock.started_at < period_to)
    codes = dict(session.execute(select(Agency.id, Agency.code)).all())
    groups: dict[tuple[int | None, str], dict[str, Any]] = defaultdict(
        lambda: {
            "open": 0,
            "overdue": 0,
            "at_risk": 0,
            "breached": 0,
            "on_time": 0,
            "durations": [],
        }
    )
    warning = sla.WarningWindow(session=session, now=now)
    # streamed in batches: a city-wide period is hundreds of thousands of clocks (issue 5)
    for (
        agency,
        kind,
        state,
        started,
        stopped,
        due,
        breached,
        policy_id,
        calendar_code,
        due_date,
    ) in session.execute(query.execution_options(yield_per=5000)):
        row = groups[(agency, kind)]
        if state in (ClockState.RUNNING, ClockState.PAUSED):
            row["open"] += 1
        if warning.contains(
            kind=kind,
            state=state,
            policy_id=policy_id,
            calendar_code=calendar_code,
            due_date=due_date,
            due_at=due,
        ):
            row["at_risk"] += 1
        if state == ClockState.RUNNING and due < now:
            row["overdue"] += 1
        if breached is not None or (state == ClockState.RUNNING and due < now):
            row["breached"] += 1
        elif state == ClockState.STOPPED:
            row["on_time"] += 1
        if state == ClockState.STOPPED and stopped is not None:
            row["durations"].append((stopped - started).total_seconds())
    result = []
    for (agency, kind), row in sorted(
        groups.items(), key=lambda item: (str(item[0][0]), item[0][1])
    ):
        judged = row["on_time"] + row["breached"]
        durations = row.pop("durations")
        result.append(
            {
                "agency": codes.get(agency),
                "clock": kind,
                **row,
                "compliance_rate": round(row["on_time"] / judged, 4) if judged else None,
                "finished": len(durations),
                "median_seconds": statistics.median(durations) if durations else None,
                "p90_seconds": _percentile(durations, 0.9),
                "consequence": consequence(kind),
            }
        )
    return result
