"""Breach tallies: staff clocks counted per start day (and month), agency and kind, kept in step.

The breach summary reported every staff clock of its period to Python (2 s for 90 days over a
million complaints, issue 5). What does not depend on the time of asking (how many clocks there
are, running, paused, breached, stopped on time, and a histogram of how long the stopped ones
took) is counted here instead, in `sla_clock_tallies`, and the summary adds a few thousand rows
(`backend.sla.tally_reads`).

A clock's start day is the local date of its start in its own zone (`SlaClock.time_zone`, the
zone of its agency's calendar: WIB, WITA or WIT), and the zone is part of the key. The counts
change in the transaction of every clock change, wherever it happens (intake, the lifecycle,
the sweep, a recalculation): after each flush (`record_flush`, installed by
`backend.sla.hooks`), every staff clock written loses its old classification (from the
attribute history, `active_history` on the columns read) and gains its new one, as rows of
changes inserted in one statement for the whole flush; intake, which writes its rows with Core,
adds `new_clock_rows`. A key may thus have several rows, which readers add up: no row is
updated by a request, so concurrent writers (every intake adds to today's row of its agency)
never wait on one another; the scheduler folds each key's rows into one every few minutes
(`compact`). Writes that bypass both (the bulk seed, the benchmark's synthetic clocks) call
`rebuild` afterwards.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    literal_column,
    select,
    tuple_,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from backend import localtime
from backend.db.base import column_changed, committed_value
from backend.db.writes import Rows, insert_rows
from backend.sla.models import (
    BUCKET_COLUMNS,
    COUNT_COLUMNS,
    DURATION_BOUNDS,
    STAFF_CLOCKS,
    ClockState,
    SlaClock,
    SlaClockTally,
    TallyGrain,
)

TALLY = SlaClockTally.__table__
KEY_COLUMNS = ("grain", "time_zone", "start_day", "agency_key", "kind")
TALLIED = (*COUNT_COLUMNS, *BUCKET_COLUMNS)
# the clock's columns its classification reads (its zone never changes)
WATCHED = ("agency_id", "kind", "state", "started_at", "stopped_at", "breached_at")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SECOND = timedelta(seconds=1)

Key = tuple[str, str, date, int, str]


def start_day(started_at: datetime, time_zone: str) -> date:
    """The local day a clock started on, in its zone."""
    return localtime.local_date(started_at, localtime.zone(time_zone))


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
    return {name: committed_value(clock, name) for name in WATCHED} | {"time_zone": clock.time_zone}


def _current(clock: SlaClock) -> dict[str, Any]:
    return {name: getattr(clock, name) for name in (*WATCHED, "time_zone")}


def _add(deltas: dict[Key, Counter[str]], values: dict[str, Any], sign: int) -> None:
    """Count a clock with these column values (sign -1: take it off) in its day and month."""
    if values["kind"] not in STAFF_CLOCKS or values["started_at"] is None:
        return
    day = start_day(values["started_at"], values["time_zone"])
    agency_key = values["agency_id"] or 0
    counts = classify(
        kind=values["kind"],
        state=values["state"],
        started_at=values["started_at"],
        stopped_at=values["stopped_at"],
        breached_at=values["breached_at"],
    )
    for key in (
        (TallyGrain.DAY.value, values["time_zone"], day, agency_key, values["kind"]),
        (
            TallyGrain.MONTH.value,
            values["time_zone"],
            day.replace(day=1),
            agency_key,
            values["kind"],
        ),
    ):
        for column, count in counts.items():
            deltas[key][column] += sign * count


def rows(deltas: dict[Key, Counter[str]]) -> list[dict[str, Any]]:
    """The change rows of these deltas (keys that do not move are left out).

    Only the columns that move are written, the same ones in every row (one statement): a new
    clock writes `clocks` and `running`; the others keep their server default, 0.
    """
    changed = {key: counts for key, counts in deltas.items() if any(counts.values())}
    columns = {column for counts in changed.values() for column, n in counts.items() if n}
    ordered = [c for c in TALLIED if c in columns]
    return [
        {**dict(zip(KEY_COLUMNS, key, strict=True)), **{c: counts[c] for c in ordered}}
        for key, counts in changed.items()
    ]


def _deltas(
    new: Iterable[Any], dirty: Iterable[Any], deleted: Iterable[Any]
) -> dict[Key, Counter[str]]:
    deltas: dict[Key, Counter[str]] = defaultdict(Counter)
    for obj in new:
        if isinstance(obj, SlaClock):
            _add(deltas, _current(obj), 1)
    for obj in dirty:
        if isinstance(obj, SlaClock) and column_changed(obj, WATCHED):
            _add(deltas, _committed(obj), -1)
            _add(deltas, _current(obj), 1)
    for obj in deleted:
        if isinstance(obj, SlaClock):
            _add(deltas, _committed(obj), -1)
    return deltas


def record_flush(session: Session, _context: Any) -> None:
    """After a flush: the change rows of every clock it wrote, in one INSERT, in its transaction.

    Rows are only ever inserted here, never updated: concurrent writers of one agency, clock
    and day (every intake adds to today's) do not wait on one another; `compact` folds them.
    """
    deltas = _deltas(session.new, session.dirty, session.deleted)
    if deltas:
        insert_rows(session.connection(), Rows(TALLY, rows(deltas)))


def new_clock_rows(clocks: Sequence[SlaClock]) -> Rows:
    """The change rows of clocks written with Core (intake), to go in with them."""
    return Rows(TALLY, rows(_deltas(clocks, (), ())))


# --- the same counts in SQL -----------------------------------------------------------------


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
        SlaClock.time_zone.label("time_zone"),
        localtime.sql_local_date(SlaClock.started_at, SlaClock.time_zone, dialect).label(
            "start_day"
        ),
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
        clocks.c.time_zone,
        clocks.c.start_day,
        clocks.c.agency_key,
        clocks.c.kind,
        *aggregates(clocks),
    ).group_by(clocks.c.time_zone, clocks.c.start_day, clocks.c.agency_key, clocks.c.kind)
    connection.execute(insert(TALLY).from_select([*KEY_COLUMNS, *TALLIED], by_day))
    month = _sql_month(dialect, TALLY.c.start_day)
    by_month = (
        select(
            literal(TallyGrain.MONTH.value),
            TALLY.c.time_zone,
            month,
            TALLY.c.agency_key,
            TALLY.c.kind,
            *(func.sum(TALLY.c[name]) for name in TALLIED),
        )
        .where(TALLY.c.grain == TallyGrain.DAY.value)
        .group_by(TALLY.c.time_zone, month, TALLY.c.agency_key, TALLY.c.kind)
    )
    connection.execute(insert(TALLY).from_select([*KEY_COLUMNS, *TALLIED], by_month))


# --- folding the rows of changes ------------------------------------------------------------


def compact(connection: Connection) -> int:
    """Fold the rows of each key into one; returns how many keys had more than one.

    Requests only ever add rows to the tallies, so that concurrent writers never wait for one
    another; the scheduler folds them every few minutes, and readers sum whatever is there.
    The rows folded are exactly the rows deleted: one DELETE ... RETURNING takes them (and
    whatever another writer committed before it ran), and their sums go back as one row per
    key, in the caller's transaction. On SQLite that transaction holds the write lock from its
    start (`backend.db.engine.begin_write`), so no writer comes between; on PostgreSQL a row
    committed after the DELETE's snapshot is simply not taken and stays for the next fold.
    """
    keys = [TALLY.c[name] for name in KEY_COLUMNS]
    several = select(*keys).group_by(*keys).having(func.count() > 1)
    taken = connection.execute(
        delete(TALLY)
        .where(tuple_(*keys).in_(several))
        .returning(*(TALLY.c[name] for name in (*KEY_COLUMNS, *TALLIED)))
    ).all()
    folded: dict[tuple[Any, ...], Counter[str]] = defaultdict(Counter)
    for row in taken:
        key, counts = tuple(row[: len(KEY_COLUMNS)]), row[len(KEY_COLUMNS) :]
        folded[key].update(dict(zip(TALLIED, counts, strict=True)))
    insert_rows(
        connection,
        Rows(
            TALLY,
            [
                {**dict(zip(KEY_COLUMNS, key, strict=True)), **{c: counts[c] for c in TALLIED}}
                for key, counts in folded.items()
            ],
        ),
    )
    return len(folded)
