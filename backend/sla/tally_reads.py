"""Reading the breach tallies: the clocks started in a period, counted from the tally rows of
its whole local days and, for its partial first and last days, from the clocks themselves.

The tallies are kept by `backend.sla.tallies`. The median and p90 of the time to finish come
from the duration histogram (`quantile`), within 23 % of the exact value.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, bindparam, case, func, literal_column, or_, select, true
from sqlalchemy.orm import Session

from backend import localtime
from backend.sla.calendars import calendar_zones
from backend.sla.models import DURATION_BOUNDS, SlaClock, TallyGrain
from backend.sla.tallies import TALLIED, TALLY, classified, counted

# the summary's read, under a short alias: psycopg converts a statement's placeholders once and
# remembers it only for statements of at most 4,096 bytes (its 88 sums under the table's full
# name were 4,600, converted again on every request)
_READ = TALLY.alias("t")
_READ_SUMS = tuple(func.sum(_READ.c[name]) for name in TALLIED)


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return localtime.start_of_day(day, tz)


def _range(column: Any, low: Any, high: Any) -> list[Any]:
    return [
        *([column >= low] if low is not None else []),
        *([column < high] if high is not None else []),
    ]


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


Live = tuple[datetime | None, datetime | None, int]


def split_period(
    period_from: datetime | None, period_to: datetime | None, tz: ZoneInfo, table: Any = TALLY
) -> tuple[list[tuple[Any, int]], list[Live]]:
    """Which tally rows and which live ranges of `started_at` make up a period, for the clocks
    of zone `tz` (whose days begin at its midnight).

    Whole local days come from the tallies, whole months of them from month rows. A partial month
    at either end is either its days' rows, or its month row less the rows of the days outside
    the period, whichever reads fewer rows (the last 90 days end in the current month: its
    month row less the days from today on, rather than a row for every day so far). A partial
    first or last day is either read live, or taken whole from its tally minus the rest of the
    day read live, whichever is the shorter time to read (a period that ends now takes today
    whole, minus nothing yet). Returns (conditions on the tally table with their sign, live
    ranges with theirs: 1 to add, -1 to take off).
    """
    first: date | None = None
    last: date | None = None
    if period_from is not None:
        local = period_from.astimezone(tz)
        first = local.date() + timedelta(days=0 if local.time() == time() else 1)
    if period_to is not None:
        last = period_to.astimezone(tz).date()
    if first is not None and last is not None and first >= last:
        # no whole day inside: all of it live
        if period_from is not None and period_to is not None and period_from >= period_to:
            return [], []
        return [], [(period_from, period_to, 1)]
    live: list[Live] = []
    if period_from is not None and first is not None and period_from < _midnight(first, tz):
        day_start = _midnight(first - timedelta(days=1), tz)
        if period_from - day_start < _midnight(first, tz) - period_from:
            first -= timedelta(days=1)
            live.append((day_start, period_from, -1))
        else:
            live.append((period_from, _midnight(first, tz), 1))
    if period_to is not None and last is not None and _midnight(last, tz) < period_to:
        day_end = _midnight(last + timedelta(days=1), tz)
        if day_end - period_to < period_to - _midnight(last, tz):
            last += timedelta(days=1)
            live.append((period_to, day_end, -1))
        else:
            live.append((_midnight(last, tz), period_to, 1))
    month_first = first if first is None or first.day == 1 else _next_month(first)
    month_last = None if last is None else last.replace(day=1)
    day_ranges: list[tuple[date | None, date | None, int]] = []
    if month_first is not None and month_last is not None and month_first >= month_last:
        day_ranges.append((first, last, 1))
    else:
        if first is not None and month_first is not None and first < month_first:
            # the days of the first month in the period, or its month row less those before
            before = first.replace(day=1)
            if (first - before).days < (month_first - first).days:
                day_ranges.append((before, first, -1))
                month_first = before
            else:
                day_ranges.append((first, month_first, 1))
        if last is not None and month_last is not None and month_last < last:
            # the days of the last month in the period, or its month row less those after
            after = _next_month(month_last)
            if (after - last).days < (last - month_last).days:
                day_ranges.append((last, after, -1))
                month_last = after
            else:
                day_ranges.append((month_last, last, 1))
    rows: list[tuple[Any, int]] = []
    if month_first is None or month_last is None or month_first < month_last:
        month = and_(
            table.c.grain == TallyGrain.MONTH.value,
            *_range(table.c.start_day, month_first, month_last),
        )
        rows.append((month, 1))
    rows.extend(
        (and_(table.c.grain == TallyGrain.DAY.value, *_range(table.c.start_day, low, high)), sign)
        for low, high, sign in day_ranges
    )
    return rows, live


@cache
def _live_statement(dialect: str, by_agency: bool) -> Any:
    """The clocks of one zone started in [low, high), classified: built once (it has 81 bucket
    bounds)."""
    where = [
        SlaClock.time_zone == bindparam("zone"),
        SlaClock.started_at >= bindparam("low"),
        SlaClock.started_at < bindparam("high"),
    ]
    if by_agency:
        # on the expression, so that PostgreSQL does not AND the agency's whole index in
        where.append(func.coalesce(SlaClock.agency_id, 0) == bindparam("agency"))
    return classified(dialect, *where)


def read(
    *,
    session: Session,
    period_from: datetime | None,
    period_to: datetime | None,
    agency_id: int | None,
) -> dict[tuple[int | None, str], dict[str, int]]:
    """The tally columns per (agency, kind) for the clocks started in the period.

    The period is cut into whole local days in each zone the calendars count in (one, WIB, for
    Cimahi). At most one statement for the tally rows of the whole days (month rows where
    whole), and one per partial edge day and zone for the clocks started in it, grouped by the
    same SQL as `rebuild`.
    """
    connection = session.connection()  # column reads: no ORM layer needed
    totals: dict[tuple[int | None, str], dict[str, int]] = {}

    def row_of(agency_key: int, kind: str) -> dict[str, int]:
        key = (agency_key or None, kind)
        if key not in totals:
            totals[key] = dict.fromkeys(TALLIED, 0)
        return totals[key]

    conditions: list[tuple[Any, int]] = []
    live: list[tuple[str, Live]] = []
    for zone_name in calendar_zones(session=session):
        zone_rows, zone_live = split_period(
            period_from, period_to, localtime.zone(zone_name), _READ
        )
        in_zone = _READ.c.time_zone == zone_name
        conditions.extend((and_(in_zone, condition), sign) for condition, sign in zone_rows)
        live.extend((zone_name, span) for span in zone_live)
    if conditions:
        taken_off = [condition for condition, sign in conditions if sign < 0]
        sign = case((or_(*taken_off), -1), else_=1) if taken_off else literal_column("1")
        for agency_key, kind, row_sign, *counts in connection.execute(
            select(_READ.c.agency_key, _READ.c.kind, sign, *_READ_SUMS)
            .where(
                or_(*(condition for condition, _sign in conditions)),
                _READ.c.agency_key == agency_id if agency_id is not None else true(),
            )
            .group_by(_READ.c.agency_key, _READ.c.kind, *([sign] if taken_off else []))
        ):
            row = row_of(agency_key, kind)
            for name, count in zip(TALLIED, counts, strict=True):
                row[name] += row_sign * int(count)
    statement = _live_statement(connection.dialect.name, agency_id is not None)
    for zone_name, (low, high, live_sign) in live:
        for agency_key, kind, _zone, _day, state, breached, bucket, n in connection.execute(
            statement, {"zone": zone_name, "low": low, "high": high, "agency": agency_id}
        ):
            row = row_of(agency_key, kind)
            for name, count in counted(state=state, breached=bool(breached), bucket=bucket).items():
                row[name] += live_sign * count * n
    return totals


def _order_statistics(histogram: Sequence[int], ranks: Sequence[int]) -> list[float]:
    """The durations of these ranks (from 0, ascending), each placed evenly inside its bucket."""
    found = []
    wanted = iter(ranks)
    rank = next(wanted, None)
    seen = 0
    for bucket, count in enumerate(histogram):
        while rank is not None and rank < seen + count:
            low = DURATION_BOUNDS[bucket - 1] if bucket else 0
            if bucket == len(DURATION_BOUNDS):
                found.append(float(low))  # the open last bucket (above 4 years): its lower bound
            else:
                high = DURATION_BOUNDS[bucket]
                found.append(low + (high - low) * (rank - seen + 0.5) / count)
            rank = next(wanted, None)
        seen += count
    return found


def quantile(histogram: Sequence[int], share: float) -> float | None:
    """The `share` quantile of the durations of a histogram, interpolated like percentile_cont.

    Each order statistic is placed inside its bucket, so the result is within the bucket width
    of the exact one: at most 23 % off (21 % for the buckets, 1 s for the whole seconds), and at
    most a minute off below a minute.
    """
    total = sum(histogram)
    if total <= 0:
        return None
    position = share * (total - 1)
    low = int(position)
    below, above = _order_statistics(histogram, (low, min(low + 1, total - 1)))
    return below + (above - below) * (position - low)
