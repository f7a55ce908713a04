"""Breaches and compliance: reads complaints and clocks. Plain functions; never commit."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, func, literal_column, select
from sqlalchemy.orm import Session

from backend.agencies.models import Agency
from backend.agencies.service import codes_by_id
from backend.auth.principal import Principal
from backend.auth.roles import CITY_WIDE
from backend.complaints.models import Complaint
from backend.complaints.permissions import readable
from backend.db import Page, reference
from backend.db.pagination import count_limit
from backend.reports.permissions import agency_scope
from backend.sla import tally_reads
from backend.sla.calendars import get_calendar
from backend.sla.ladder import WarningWindow
from backend.sla.models import (
    BUCKET_COLUMNS,
    STAFF_CLOCKS,
    Calendar,
    ClockKind,
    ClockState,
    SlaClock,
    SlaEscalation,
    SlaPolicy,
)
from backend.sla.policies import DEFAULT_RULES
from backend.sla.working_calendar import CalendarHorizonError

# UU 25/2009 Pasal 54: what missing each deadline costs the officer responsible
CONSEQUENCES = {
    ClockKind.RESPONSE: "Pasal 54 ayat (3): sanksi penurunan gaji sebesar satu kali kenaikan "
    "gaji berkala (tanggapan 14 hari, Pasal 44 ayat 3)",
    ClockKind.VERIFICATION: "Pasal 54 ayat (3): sanksi penurunan gaji sebesar satu kali kenaikan "
    "gaji berkala (tanggapan atas berkas yang dilengkapi, 14 hari, Pasal 44 ayat 3)",
    ClockKind.DELIVERY: "Pasal 54 ayat (3): sanksi penurunan gaji sebesar satu kali kenaikan "
    "gaji berkala (penyampaian keputusan 14 hari, Pasal 50 ayat 2)",
    ClockKind.DECISION: "Pasal 54 ayat (7): sanksi pembebasan dari jabatan "
    "(keputusan 60 hari, Pasal 50 ayat 1)",
}
# past-deadline clocks not yet swept read at once (more: the sweep is behind, all are read);
# small, so that the LIMIT keeps PostgreSQL on a plain index scan
UNSWEPT_PAGE = 100
# what decides whether a running clock is at risk (`WarningWindow.contains`)
AT_RISK_COLUMNS = (
    SlaClock.agency_id,
    SlaClock.kind,
    SlaClock.policy_id,
    SlaClock.calendar_code,
    SlaClock.due_date,
    SlaClock.due_at,
)


def consequence(kind: str) -> str | None:
    """The Pasal 54 sanction for missing the deadline of clock `kind` (none for the citizen's)."""
    return CONSEQUENCES.get(kind)  # type: ignore[call-overload]


@dataclass
class ClockNames:
    """What people read for a clock's calendar and policy (codes and ids are for machines)."""

    calendars: dict[str, str]
    policies: dict[int | None, str]


def clock_names(*, session: Session, clocks: list[SlaClock]) -> ClockNames:
    """The calendars' names and the policies' "name, versi N" of these clocks."""
    codes = {clock.calendar_code for clock in clocks}
    ids = {clock.policy_id for clock in clocks if clock.policy_id is not None}
    calendars = {
        row.code: row.name
        for row in session.execute(
            select(Calendar.code, Calendar.name).where(Calendar.code.in_(codes))
        )
    }
    policies = {
        row.id: f"{row.name}, versi {row.version}"
        for row in session.execute(
            select(SlaPolicy.id, SlaPolicy.name, SlaPolicy.version).where(SlaPolicy.id.in_(ids))
        )
    }
    return ClockNames(calendars=calendars, policies=policies)


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
    agency_id = agency_scope(principal, filters.agency_id)
    conditions = _breach_conditions(agency_id, filters)
    if not principal.has(*CITY_WIDE):
        # an agency lists the breaches of the complaints it may open: screened ones only
        conditions.append(
            SlaClock.complaint_id.in_(readable(principal).with_only_columns(Complaint.id))
        )
    still_open: list[Any] = [SlaClock.breached_at.is_not(None), SlaClock.stopped_at.is_(None)]
    if filters.open_only:
        still_open.append(SlaClock.overdue_at(now))
    # (id, sort key) only: each stream is an index-only scan of its partial index
    streams: list[Select[Any, Any]] = [
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
            late = (now - key).total_seconds() if index == 0 else float(key)
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


# (reference stamp, UTC hour) -> horizon: it moves only at a local midnight (every Indonesian
# zone is a whole number of hours from UTC) or when a policy or calendar changes
_HORIZONS: dict[tuple[str, str], datetime | None] = {}


def _at_risk_horizon(session: Session, now: datetime) -> datetime | None:
    """`_compute_at_risk_horizon`, computed once an hour per worker."""
    token = reference.current_token(session)
    key = (token or "", now.strftime("%Y-%m-%dT%H"))
    if token is None or key not in _HORIZONS:
        horizon = _compute_at_risk_horizon(session, now)
        if token is None:
            return horizon
        _HORIZONS.clear()
        _HORIZONS[key] = horizon
    horizon = _HORIZONS[key]
    return None if horizon is None else max(horizon, now)


def _compute_at_risk_horizon(session: Session, now: datetime) -> datetime | None:
    """A deadline from which on no running clock is at risk at `now` (None: cannot tell).

    A clock is at risk once the end of the day that lies the ladder's warning offset (working
    days) before its due date has passed, that is when that day is before today; that day only
    moves later with the due date, so from the first due date whose warning day is today or
    later, no clock is at risk. The largest offset of any policy, on every calendar, gives a
    bound for all of them.
    """
    ladders = [DEFAULT_RULES[kind]["ladder"] for kind in STAFF_CLOCKS]
    for rules in session.scalars(select(SlaPolicy.rules)):
        ladders.extend((rules or {}).get(kind, {}).get("ladder", []) for kind in STAFF_CLOCKS)
    offsets = [-step["offset"] for ladder in ladders for step in ladder if step["offset"] < 0]
    if not offsets:
        return now  # no warning step anywhere: nothing is ever at risk
    widest = max(offsets)
    horizon = now
    for code in session.scalars(select(Calendar.code)):
        calendar = get_calendar(session=session, code=code)
        today = calendar.local_date(now)
        day = today
        try:
            while calendar.subtract_working_days(day, widest) < today:
                day += timedelta(days=1)
        except CalendarHorizonError:
            return None
        horizon = max(horizon, calendar.end_of_day(day))
    return horizon


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
    At risk = running, not yet overdue, inside the ladder's warning window (`WarningWindow`).
    Durations are from start to stop of finished clocks (time to respond, to decide, ...).

    What does not move with `now` comes from the tallies (`backend.sla.tally_reads`: whole
    local days of the period, whole months as month rows, the partial edge days counted live);
    what does is read live from short index ranges: running clocks past their deadline that the
    sweep has not marked yet (overdue and breached), breached clocks whose deadline moved past
    `now` again (not overdue), and running clocks due within the warning window (at risk). The
    counts are exact; the median and p90 come from the duration histogram
    (`tally_reads.quantile`).
    """
    agency_id = agency_scope(principal, agency_id)
    # column reads on the connection: the session's ORM layer added a fifth to each (issue 5)
    connection = session.connection()
    _categories, codes = codes_by_id(session=session)
    totals = tally_reads.read(
        session=session, period_from=period_from, period_to=period_to, agency_id=agency_id
    )
    scope: list[Any] = [SlaClock.kind.in_(STAFF_CLOCKS)]
    if agency_id is not None:
        scope.append(SlaClock.agency_id == agency_id)
    period = []
    if period_from:
        period.append(SlaClock.started_at >= period_from)
    if period_to:
        period.append(SlaClock.started_at < period_to)
    live = [*scope, *period]
    # literal, so that the partial indexes match whatever plan the statement gets
    running = SlaClock.state == literal_column("'running'")
    unswept: Counter[tuple[int | None, str]] = Counter()
    not_overdue: Counter[tuple[int | None, str]] = Counter()
    at_risk: Counter[tuple[int | None, str]] = Counter()
    # past the deadline, not marked breached yet (ix_sla_clocks_running_unbreached): what fell
    # due since the last sweep, so few rows. In deadline order with a LIMIT, as the planner
    # cannot know the sweep keeps this range small and would otherwise start parallel workers
    # (5-10 ms); only when the sweep is far behind is the whole range read
    past_due = (
        select(SlaClock.agency_id, SlaClock.kind)
        .where(*live, running, SlaClock.breached_at.is_(None), SlaClock.due_at < now)
        .order_by(SlaClock.due_at)
    )
    found = connection.execute(past_due.limit(UNSWEPT_PAGE)).all()
    if len(found) == UNSWEPT_PAGE:
        found = connection.execute(past_due).all()
    unswept.update((agency, kind) for agency, kind in found)
    warning = WarningWindow(session=session, now=now)
    horizon = _at_risk_horizon(session, now)
    # breached, and running again before a deadline moved later (ix_sla_clocks_breach_open)
    candidates: list[tuple[Any, int]] = [
        (row, 1)
        for row in connection.execute(
            select(*AT_RISK_COLUMNS).where(
                *live,
                running,
                SlaClock.breached_at.is_not(None),
                SlaClock.stopped_at.is_(None),
                SlaClock.due_at >= now,
            )
        )
    ]
    for row, _ in candidates:
        not_overdue[(row.agency_id, row.kind)] += 1
    # due before the warning window's far end (ix_sla_clocks_running_unbreached)
    soon = [*scope, running, SlaClock.breached_at.is_(None), SlaClock.due_at >= now]
    if horizon is not None:
        soon.append(SlaClock.due_at < horizon)
    # the period in the count, not the WHERE: PostgreSQL cannot tell how many of the range
    # started in the period, guessed a few dozen and sorted 11,000 rows to group them
    in_period = func.count().filter(and_(*period)) if period else func.count()
    candidates.extend(
        # every clock of the group is due at `now` or later (the WHERE): not overdue
        ((*row[:-1], now), row[-1])
        for row in connection.execute(
            # by due date, not deadline: what decides at risk, and fewer, narrower groups
            select(*AT_RISK_COLUMNS[:-1], in_period).where(*soon).group_by(*AT_RISK_COLUMNS[:-1])
        )
        if row[-1]
    )
    for (agency, kind, policy_id, calendar_code, due_date, due_at), count in candidates:
        if warning.contains(
            kind=kind,
            state=ClockState.RUNNING,
            policy_id=policy_id,
            calendar_code=calendar_code,
            due_date=due_date,
            due_at=due_at,
        ):
            at_risk[(agency, kind)] += count
    result = []
    for (agency, kind), counts in sorted(
        totals.items(), key=lambda item: (str(item[0][0]), item[0][1])
    ):
        if counts["clocks"] <= 0:
            continue  # every clock of the row moved to another agency or day
        key = (agency, kind)
        breached = counts["breached"] + unswept[key]
        judged = counts["on_time"] + breached
        histogram = [counts[name] for name in BUCKET_COLUMNS]
        result.append(
            {
                "agency": codes.get(agency) if agency is not None else None,
                "clock": kind,
                "open": counts["running"] + counts["paused"],
                "overdue": counts["running_breached"] - not_overdue[key] + unswept[key],
                "at_risk": at_risk[key],
                "breached": breached,
                "on_time": counts["on_time"],
                "compliance_rate": round(counts["on_time"] / judged, 4) if judged else None,
                "finished": sum(histogram),
                "median_seconds": tally_reads.quantile(histogram, 0.5),
                "p90_seconds": tally_reads.quantile(histogram, 0.9),
                "consequence": consequence(kind),
            }
        )
    return result
