"""Breach tallies: staff clocks counted per start day (and month), agency and kind, kept in step.

The breach summary reported every staff clock of its period to Python (2 s for 90 days over a
million complaints, issue 5). What does not depend on the time of asking (how many clocks there
are, running, paused, breached, stopped on time, and a histogram of how long the stopped ones
took) is counted here instead, in `sla_clock_tallies`, and the summary adds a few thousand rows.

The counts change in the transaction of every clock change, wherever it happens (intake, the
lifecycle, the sweep, a recalculation): after each flush, every staff clock written loses its
old classification (from the attribute history, `active_history` on the columns read) and gains
its new one, as rows of changes inserted in one statement for the whole flush. A key may thus
have several rows, which readers add up: no row is updated by a request, so concurrent writers
(every intake adds to today's row of its agency) never wait on one another; the scheduler folds
each key's rows into one every few minutes (`compact`). Writes that bypass the ORM (the bulk
seed, the benchmark's synthetic clocks) call `rebuild` afterwards.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    and_,
    bindparam,
    case,
    cast,
    delete,
    event,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    true,
    tuple_,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from backend.db import batch
from backend.db.base import column_changed, committed_value
from backend.sla.models import (
    BUCKET_COLUMNS,
    COUNT_COLUMNS,
    DURATION_BOUNDS,
    ClockKind,
    ClockState,
    SlaClock,
    SlaClockTally,
    TallyGrain,
)

# the dashboard's days: a fixed +07:00 (Asia/Jakarta has had no other offset since 1964)
WIB = timezone(timedelta(hours=7))
STAFF_CLOCKS = (ClockKind.RESPONSE, ClockKind.DECISION, ClockKind.DELIVERY)
TALLY = SlaClockTally.__table__
KEY_COLUMNS = ("grain", "start_day", "agency_key", "kind")
TALLIED = (*COUNT_COLUMNS, *BUCKET_COLUMNS)
# the clock's columns its classification reads
WATCHED = ("agency_id", "kind", "state", "started_at", "stopped_at", "breached_at")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SECOND = timedelta(seconds=1)

Key = tuple[str, date, int, str]
# built once: a statement of 90 columns takes milliseconds to build
TALLY_SUMS = tuple(func.sum(TALLY.c[name]) for name in TALLIED)
# the summary's read, under a short alias: psycopg converts a statement's placeholders once and
# remembers it only for statements of at most 4,096 bytes (its 88 sums under the table's full
# name were 4,600, converted again on every request)
_READ = TALLY.alias("t")
_READ_SUMS = tuple(func.sum(_READ.c[name]) for name in TALLIED)


def start_day(started_at: datetime) -> date:
    """The day (WIB) a clock started on."""
    return started_at.astimezone(WIB).date()


def whole_seconds(started_at: datetime, stopped_at: datetime) -> int:
    """Start to stop in whole seconds, as SQL computes it on both databases (floor each end)."""
    return (stopped_at - EPOCH) // SECOND - (started_at - EPOCH) // SECOND


def classify(
    *,
    kind: str,
    state: str,
    started_at: datetime,
    stopped_at: datetime | None,
    breached_at: datetime | None,
) -> dict[str, int]:
    """The tally columns one clock counts in (the part of the summary that `now` leaves alone)."""
    bucket = None
    if state == ClockState.STOPPED and stopped_at is not None:
        bucket = bisect_right(DURATION_BOUNDS, whole_seconds(started_at, stopped_at))
    return dict(_counted(str(state), breached_at is not None, bucket))


@cache
def _counted(state: str, breached: bool, bucket: int | None) -> tuple[tuple[str, int], ...]:
    """`counted`, remembered (a sweep classifies each of its clocks twice)."""
    return tuple(counted(state=state, breached=breached, bucket=bucket).items())


def counted(*, state: str, breached: bool, bucket: int | None) -> dict[str, int]:
    """The tally columns of a clock in `state`, breached or not, of duration bucket `bucket`."""
    counts = {"clocks": 1}
    if state == ClockState.RUNNING:
        counts["running"] = 1
        if breached:
            counts["running_breached"] = 1
    elif state == ClockState.PAUSED:
        counts["paused"] = 1
    if breached:
        counts["breached"] = 1
    elif state == ClockState.STOPPED:
        counts["on_time"] = 1
    if bucket is not None:
        counts[BUCKET_COLUMNS[bucket]] = 1
    return counts


# --- kept in step ---------------------------------------------------------------------------


def _committed(clock: SlaClock) -> dict[str, Any]:
    """The clock's watched columns as the database had them before this flush."""
    return {name: committed_value(clock, name) for name in WATCHED}


def _current(clock: SlaClock) -> dict[str, Any]:
    return {name: getattr(clock, name) for name in WATCHED}


def _add(deltas: dict[Key, Counter[str]], values: dict[str, Any], sign: int) -> None:
    """Count a clock with these column values (sign -1: take it off) in its day and month."""
    if values["kind"] not in STAFF_CLOCKS or values["started_at"] is None:
        return
    day = start_day(values["started_at"])
    agency_key = values["agency_id"] or 0
    counts = classify(
        kind=values["kind"],
        state=values["state"],
        started_at=values["started_at"],
        stopped_at=values["stopped_at"],
        breached_at=values["breached_at"],
    )
    for key in (
        (TallyGrain.DAY.value, day, agency_key, values["kind"]),
        (TallyGrain.MONTH.value, day.replace(day=1), agency_key, values["kind"]),
    ):
        for column, count in counts.items():
            deltas[key][column] += sign * count


def rows(deltas: dict[Key, Counter[str]]) -> list[dict[str, Any]]:
    """The change rows of these deltas (keys that do not move are left out).

    Only the columns that move are written: a new clock writes `clocks` and `running`.
    """
    changed = {key: counts for key, counts in deltas.items() if any(counts.values())}
    columns = {column for counts in changed.values() for column, n in counts.items() if n}
    ordered = [c for c in TALLIED if c in columns]
    return [
        {**dict(zip(KEY_COLUMNS, key, strict=True)), **{c: counts[c] for c in ordered}}
        for key, counts in changed.items()
    ]


def apply(connection: Connection, deltas: dict[Key, Counter[str]]) -> None:
    """Add the deltas to the tallies: one INSERT of change rows for all the keys.

    Rows are only ever inserted here, never updated: concurrent writers of one agency, clock
    and day (every intake adds to today's) do not wait on one another; `compact` folds them.
    """
    batch.insert_rows(connection, batch.Rows(TALLY, rows(deltas)))


def _watched_changed(clock: SlaClock) -> bool:
    return column_changed(clock, WATCHED)


def _deltas(
    new: Iterable[Any], dirty: Iterable[Any], deleted: Iterable[Any]
) -> dict[Key, Counter[str]]:
    deltas: dict[Key, Counter[str]] = defaultdict(Counter)
    for obj in new:
        if isinstance(obj, SlaClock):
            _add(deltas, _current(obj), 1)
    for obj in dirty:
        if isinstance(obj, SlaClock) and _watched_changed(obj):
            _add(deltas, _committed(obj), -1)
            _add(deltas, _current(obj), 1)
    for obj in deleted:
        if isinstance(obj, SlaClock):
            _add(deltas, _committed(obj), -1)
    return deltas


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    deltas = _deltas(session.new, session.dirty, session.deleted)
    if deltas:
        apply(session.connection(), deltas)


@batch.adds_rows
def _new_rows(new: Sequence[Any]) -> list[batch.Rows]:
    """`insert_new`: the change rows of the new clocks, in the same statement."""
    return [batch.Rows(TALLY, rows(_deltas(new, (), ())))]


# --- the same counts in SQL -----------------------------------------------------------------


def _sql_start_day(dialect: str) -> ColumnElement[Any]:
    if dialect == "postgresql":
        return cast(func.timezone(literal(timedelta(hours=7)), SlaClock.started_at), Date)
    return func.date(SlaClock.started_at, "+7 hours")


def _sql_month(dialect: str, day: ColumnElement[Any]) -> ColumnElement[Any]:
    if dialect == "postgresql":
        return cast(func.date_trunc("month", day), Date)
    return func.date(day, "start of month")


def _sql_whole_seconds(dialect: str) -> ColumnElement[Any]:
    if dialect == "postgresql":
        return func.floor(func.extract("epoch", SlaClock.stopped_at)) - func.floor(
            func.extract("epoch", SlaClock.started_at)
        )
    return cast(func.strftime("%s", SlaClock.stopped_at), Integer) - cast(
        func.strftime("%s", SlaClock.started_at), Integer
    )


@cache
def _sql_bucket(dialect: str) -> ColumnElement[Any]:
    """The duration bucket of a clock (`bisect_right(DURATION_BOUNDS, seconds)`)."""
    seconds = _sql_whole_seconds(dialect)
    if dialect == "postgresql":
        # one binary search a clock (a CASE of 81 steps would compute the seconds 81 times);
        # the bounds as one literal array, not 81 parameters (psycopg remembers its conversion
        # of a statement only up to 50 parameters)
        bounds = ",".join(str(bound) for bound in DURATION_BOUNDS)
        return func.width_bucket(seconds, literal_column(f"'{{{bounds}}}'::bigint[]"))
    return case(
        *((seconds < bound, index) for index, bound in enumerate(DURATION_BOUNDS)),
        else_=len(DURATION_BOUNDS),
    )


def classified(dialect: str, *where: Any) -> Any:
    """The staff clocks matching `where` counted by key, state, breached and duration bucket.

    Grouped first, so that the bucket is computed once a clock; the tally columns are then
    summed over a few rows per key, by `aggregates` in SQL or by `counted` in Python.
    """
    columns = (
        func.coalesce(SlaClock.agency_id, 0).label("agency_key"),
        SlaClock.kind.label("kind"),
        _sql_start_day(dialect).label("start_day"),
        SlaClock.state.label("state"),
        case((SlaClock.breached_at.is_not(None), 1), else_=0).label("breached"),
        case(
            (
                and_(SlaClock.state == ClockState.STOPPED, SlaClock.stopped_at.is_not(None)),
                _sql_bucket(dialect),
            ),
            else_=None,
        ).label("bucket"),
    )
    return (
        select(*columns, func.count().label("n"))
        .where(SlaClock.kind.in_(STAFF_CLOCKS), *where)
        .group_by(*columns)
    )


def aggregates(clocks: Any) -> list[Any]:
    """The tally columns summed over a `classified` subquery, in `TALLIED` order."""

    def count_of(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, clocks.c.n), else_=0)), 0)

    running = clocks.c.state == ClockState.RUNNING
    breached = clocks.c.breached == 1
    return [
        func.sum(clocks.c.n).label("clocks"),
        count_of(running).label("running"),
        count_of(clocks.c.state == ClockState.PAUSED).label("paused"),
        count_of(breached).label("breached"),
        count_of(and_(running, breached)).label("running_breached"),
        count_of(and_(clocks.c.state == ClockState.STOPPED, ~breached)).label("on_time"),
        *(
            count_of(clocks.c.bucket == index).label(name)
            for index, name in enumerate(BUCKET_COLUMNS)
        ),
    ]


def rebuild(connection: Connection) -> None:
    """Recount the whole table from the clocks (after writes that bypass the ORM)."""
    dialect = connection.dialect.name
    connection.execute(delete(TALLY))
    clocks = classified(dialect).subquery()
    by_day = select(
        literal(TallyGrain.DAY.value),
        clocks.c.start_day,
        clocks.c.agency_key,
        clocks.c.kind,
        *aggregates(clocks),
    ).group_by(clocks.c.start_day, clocks.c.agency_key, clocks.c.kind)
    connection.execute(insert(TALLY).from_select([*KEY_COLUMNS, *TALLIED], by_day))
    month = _sql_month(dialect, TALLY.c.start_day)
    by_month = (
        select(
            literal(TallyGrain.MONTH.value),
            month,
            TALLY.c.agency_key,
            TALLY.c.kind,
            *(func.sum(TALLY.c[name]) for name in TALLIED),
        )
        .where(TALLY.c.grain == TallyGrain.DAY.value)
        .group_by(month, TALLY.c.agency_key, TALLY.c.kind)
    )
    connection.execute(insert(TALLY).from_select([*KEY_COLUMNS, *TALLIED], by_month))


# --- folding the delta rows -----------------------------------------------------------------

# "aduan-tallies" as a number: one compaction at a time on PostgreSQL
COMPACT_LOCK_KEY = 0x616475616E74616C


def compact(connection: Connection) -> int:
    """Fold the rows of each key into one; returns how many keys had more than one.

    Requests only ever add rows to the tallies, so that concurrent writers (every intake adds to
    today's row of its agency) never wait for one another; the scheduler folds them every few
    minutes, and readers sum whatever is there. The rows folded are exactly the rows read: on
    PostgreSQL one statement (DELETE ... RETURNING inside INSERT ... SELECT) under an advisory
    lock; on SQLite the transaction's snapshot, which another writer cannot move underneath.
    """
    keys = [TALLY.c[name] for name in KEY_COLUMNS]
    several = select(*keys).group_by(*keys).having(func.count() > 1)
    if connection.dialect.name == "postgresql":
        connection.execute(select(func.pg_advisory_xact_lock(COMPACT_LOCK_KEY)))
        gone = (
            delete(TALLY)
            .where(tuple_(*keys).in_(several))
            .returning(*(TALLY.c[name] for name in (*KEY_COLUMNS, *TALLIED)))
            .cte("gone")
        )
        gone_keys = [gone.c[name] for name in KEY_COLUMNS]
        folded = select(*gone_keys, *(func.sum(gone.c[name]) for name in TALLIED)).group_by(
            *gone_keys
        )
        result = connection.execute(insert(TALLY).from_select([*KEY_COLUMNS, *TALLIED], folded))
        return int(result.rowcount)
    rows = connection.execute(
        select(*keys, *TALLY_SUMS).where(tuple_(*keys).in_(several)).group_by(*keys)
    ).all()
    if not rows:
        return 0
    connection.execute(delete(TALLY).where(tuple_(*keys).in_(several)))
    connection.execute(
        insert(TALLY), [dict(zip((*KEY_COLUMNS, *TALLIED), row, strict=True)) for row in rows]
    )
    return len(rows)


# --- reading --------------------------------------------------------------------------------


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), WIB)


def _range(column: Any, low: Any, high: Any) -> list[Any]:
    return [
        *([column >= low] if low is not None else []),
        *([column < high] if high is not None else []),
    ]


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


Live = tuple[datetime | None, datetime | None, int]


def split_period(
    period_from: datetime | None, period_to: datetime | None, table: Any = TALLY
) -> tuple[list[tuple[Any, int]], list[Live]]:
    """Which tally rows and which live ranges of `started_at` make up a period.

    Whole WIB days come from the tallies, whole months of them from month rows. A partial month
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
        local = period_from.astimezone(WIB)
        first = local.date() + timedelta(days=0 if local.time() == time() else 1)
    if period_to is not None:
        last = period_to.astimezone(WIB).date()
    if first is not None and last is not None and first >= last:
        # no whole day inside: all of it live
        if period_from is not None and period_to is not None and period_from >= period_to:
            return [], []
        return [], [(period_from, period_to, 1)]
    live: list[Live] = []
    if period_from is not None and first is not None and period_from < _midnight(first):
        day_start = _midnight(first - timedelta(days=1))
        if period_from - day_start < _midnight(first) - period_from:
            first -= timedelta(days=1)
            live.append((day_start, period_from, -1))
        else:
            live.append((period_from, _midnight(first), 1))
    if period_to is not None and last is not None and _midnight(last) < period_to:
        day_end = _midnight(last + timedelta(days=1))
        if day_end - period_to < period_to - _midnight(last):
            last += timedelta(days=1)
            live.append((period_to, day_end, -1))
        else:
            live.append((_midnight(last), period_to, 1))
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
    """The clocks started in [low, high), classified: built once (it has 81 bucket bounds)."""
    where = [
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

    At most two statements: the tally rows of the whole days (month rows where whole), and the
    clocks of the partial edge days, grouped by the same SQL as `rebuild`.
    """
    rows, live = split_period(period_from, period_to, _READ)
    connection = session.connection()  # column reads: no ORM layer needed
    totals: dict[tuple[int | None, str], dict[str, int]] = {}

    def row_of(agency_key: int, kind: str) -> dict[str, int]:
        key = (agency_key or None, kind)
        if key not in totals:
            totals[key] = dict.fromkeys(TALLIED, 0)
        return totals[key]

    if rows:
        taken_off = [condition for condition, sign in rows if sign < 0]
        sign = case((or_(*taken_off), -1), else_=1) if taken_off else literal_column("1")
        for agency_key, kind, row_sign, *counts in connection.execute(
            select(_READ.c.agency_key, _READ.c.kind, sign, *_READ_SUMS)
            .where(
                or_(*(condition for condition, _sign in rows)),
                _READ.c.agency_key == agency_id if agency_id is not None else true(),
            )
            .group_by(_READ.c.agency_key, _READ.c.kind, *([sign] if taken_off else []))
        ):
            row = row_of(agency_key, kind)
            for name, count in zip(TALLIED, counts, strict=True):
                row[name] += row_sign * int(count)
    statement = _live_statement(connection.dialect.name, agency_id is not None)
    for low, high, sign in live:
        for agency_key, kind, _day, state, breached, bucket, n in connection.execute(
            statement, {"low": low, "high": high, "agency": agency_id}
        ):
            row = row_of(agency_key, kind)
            for name, count in counted(state=state, breached=bool(breached), bucket=bucket).items():
                row[name] += sign * count * n
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
