"""New objects that belong together, written in one INSERT statement (PostgreSQL).

A flush sends each new object's INSERT on its own and keeps the unit of work's books around
them. Intake writes a complaint, its complainant, the first timeline event, the response
clock, the breach tallies and the receipt e-mail for every complaint: as a flush that was most
of its cost over a bare insert (issue 5). `insert_new` writes the session's new objects, the
rows the flush hooks would add for them and the caller's own rows as one statement of
data-modifying CTEs (PostgreSQL checks the foreign keys between them at its end), then attaches
the objects to the session as if a flush had written them.

What the flush hooks derive from new objects is computed by the same functions here: they
register with `derives` (columns of the objects, before the write) and `adds_rows` (rows beside
them). Anything else is a plain flush: SQLite (no data-modifying CTEs), a session that also
holds changed or deleted objects, or new objects of a reference table (whose stamp a flush
replaces).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, NamedTuple

import orjson
from sqlalchemy import Date, DateTime, Float, Numeric, Table, Time, Uuid
from sqlalchemy.engine import Connection
from sqlalchemy.orm import MANYTOONE, ONETOMANY, Session
from sqlalchemy.orm.attributes import instance_state
from sqlalchemy.types import TypeDecorator

from backend.db import reference
from backend.db.base import dialect_insert
from backend.db.engine import execute_on_driver, open_transaction


class Rows(NamedTuple):
    """Rows of one table to insert beside the objects; those of a key already there skipped."""

    table: Table
    rows: list[dict[str, Any]]
    skip_conflicts: bool = False


Derive = Callable[[Sequence[Any]], None]
AddRows = Callable[[Sequence[Any]], Iterable[Rows]]

_DERIVE: list[Derive] = []
_ADD_ROWS: list[AddRows] = []
# the statement's text per shape (the tables and columns written)
_STATEMENTS: dict[tuple[Any, ...], str] = {}
# how each mapped table's columns are written, per dialect
_PLANS: dict[tuple[Any, str], _Plan] = {}


class NeedsFlush(Exception):  # noqa: N818 (a signal, not an error)
    """Raised by a `derives` function when these new objects need a flush and its hooks."""


def derives(function: Derive) -> Derive:
    """Register what a before-flush hook sets on new objects, to run before `insert_new` too.

    It may raise `NeedsFlush` when the objects need what a flush does after them.
    """
    _DERIVE.append(function)
    return function


def adds_rows(function: AddRows) -> AddRows:
    """Register what an after-flush hook inserts for new objects, to go into `insert_new` too."""
    _ADD_ROWS.append(function)
    return function


def insert_new(session: Session, beside: Sequence[Rows] = ()) -> None:
    """Write the session's new objects and the `beside` rows in one statement.

    The objects must belong together (a complaint with what hangs on it): each is written as it
    stands, and becomes persistent with its generated key. Falls back to a flush (and the
    `beside` INSERTs after it) where one statement cannot do (see the module's docstring).
    """
    new = list(session.new)
    try:
        if (
            session.get_bind().dialect.name != "postgresql"
            or session.dirty
            or session.deleted
            or reference.touches(new)
            or not new
        ):
            raise NeedsFlush
        for obj in new:
            _copy_keys(obj, instance_state(obj).mapper)
        for derive in _DERIVE:
            derive(new)
    except NeedsFlush:
        open_transaction(session)  # several statements: atomic only in a transaction
        session.flush()
        for rows in beside:
            insert_rows(session, rows)
        return
    inserts = [*beside]
    for add in _ADD_ROWS:
        inserts.extend(add(new))
    inserts = [rows for rows in inserts if rows.rows]
    connection = session.connection()
    dialect = connection.dialect
    states = [instance_state(obj) for obj in new]
    plans = [_plan(state.mapper, dialect) for state in states]
    written = [plan.row(state.dict) for plan, state in zip(plans, states, strict=True)]
    shape = (
        tuple(
            (plan, tuple(values)) for plan, (values, _defaults) in zip(plans, written, strict=True)
        ),
        tuple((rows.table, tuple(rows.rows[0]), rows.skip_conflicts) for rows in inserts),
    )
    text = _STATEMENTS.get(shape)
    if text is None:
        text = _STATEMENTS[shape] = _build(dialect, shape)
    params = {f"o{i}": _dumps([values]) for i, (values, _defaults) in enumerate(written)}
    for i, rows in enumerate(inserts):
        params[f"r{i}"] = _json_rows(dialect, rows)
    keys = execute_on_driver(connection, text, params)
    for state, plan, (_values, defaults), key in zip(states, plans, written, keys, strict=False):
        # committed with the rest by `_now_persistent`, as `set_committed_value` would
        state.dict.update(defaults)
        if plan.generated is not None and state.dict.get(plan.generated) is None:
            state.dict[plan.generated] = key
    _now_persistent(session, states, plans)


def _now_persistent(session: Session, states: list[Any], plans: list[_Plan]) -> None:
    """What a flush does for the objects it inserted: each takes its identity, what it holds
    counts as committed, and the columns the database filled in (server defaults) load on
    first access. Columns not held were written as NULL and read as None without a query, as
    after a flush; relationships not held load lazily.

    SQLAlchemy has no public call for this: `_register_persistent` is what the flush itself
    calls (`UOWTransaction.finalize_flush_changes`), and it commits every value the objects
    hold; an expunge and `make_transient_to_detached` and a second `add_all` did the same with
    twice the cascades (issue 5).
    `tests/api/test_batch_insert.py` holds the objects to a flushed object's behaviour.
    """
    for state, plan in zip(states, plans, strict=True):
        missing = plan.server_filled.difference(state.dict)
        if missing:
            state._expire_attributes(state.dict, missing)
    session._register_persistent(set(states))


@cache
def _links(mapper: Any) -> tuple[tuple[str, bool, tuple[tuple[str, str], ...]], ...]:
    """(relationship, many-to-one?, (local attribute, remote attribute) pairs) of a mapper.

    None for a relationship that is neither many-to-one nor one-to-many.
    """
    links = []
    for relationship in mapper.relationships:
        if relationship.direction not in (MANYTOONE, ONETOMANY):
            links.append((relationship.key, False, None))
            continue
        remote_mapper = relationship.mapper
        pairs = tuple(
            (
                mapper.get_property_by_column(local).key,
                remote_mapper.get_property_by_column(remote).key,
            )
            for local, remote in relationship.local_remote_pairs
        )
        links.append((relationship.key, relationship.direction is MANYTOONE, pairs))
    return tuple(links)


def _copy_keys(obj: Any, mapper: Any) -> None:
    """Fill the foreign keys a flush would copy from related objects (complaint.identity).

    A related object whose key the database has not given yet needs a flush.
    """
    held = obj.__dict__
    for key, many_to_one, pairs in _links(mapper):
        related = held.get(key)
        if related is None:
            continue
        if pairs is None:
            raise NeedsFlush
        if many_to_one:
            for local, remote in pairs:
                _copy(related, remote, obj, local)
            continue
        for child in related if isinstance(related, list) else [related]:
            for local, remote in pairs:
                _copy(obj, local, child, remote)


def _copy(source: Any, source_key: str, target: Any, target_key: str) -> None:
    value = getattr(source, source_key)
    if value is None:
        raise NeedsFlush
    setattr(target, target_key, value)


def _isoformat(value: Any) -> Any:
    return None if value is None else value.isoformat()


def _text(value: Any) -> Any:
    return None if value is None else str(value)


def _encoder(column: Any, dialect: Any) -> Callable[[Any], Any] | None:
    """How a column's value goes into JSON (None: as it is), after its type's own processing
    (UTCDateTime: aware times in UTC)."""
    column_type = column.type
    process = None
    if isinstance(column_type, TypeDecorator):
        process = column_type.process_bind_param
        column_type = column_type.impl
    encode = None
    if isinstance(column_type, DateTime | Date | Time):
        encode = _isoformat
    elif isinstance(column_type, Numeric | Uuid) and not isinstance(column_type, Float):
        encode = _text
    if process is None:
        return encode
    to_json = encode or (lambda value: value)
    return lambda value: to_json(process(value, dialect))


@cache
def _encoders(table: Any, dialect: Any) -> dict[str, Callable[[Any], Any] | None]:
    return {column.name: _encoder(column, dialect) for column in table.columns}


def _dumps(rows: list[dict[str, Any]]) -> str:
    # orjson: a tenth of the json module's time on intake's rows (issue 5)
    return orjson.dumps(rows).decode()


@dataclass(frozen=True)
class _Column:
    name: str
    key: str
    default: Callable[[], Any] | None
    server_default: bool
    keeps_none: bool
    encode: Callable[[Any], Any] | None


@dataclass(frozen=True, eq=False)
class _Plan:
    """How the new objects of one mapped table are written."""

    table: Any
    columns: tuple[_Column, ...]
    # the attribute and column of the key the table's sequence fills, if any
    generated: str | None
    generated_column: str | None
    # the attributes of the columns the database fills when they are not written
    server_filled: frozenset[str]

    def row(self, state: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """(the JSON values of the columns written, the defaults the object did not have),
        from what the object holds (its `__dict__`).

        Values missing on the object take the column's Python default, as a flush would; a
        column left to its server default, or the key left to its sequence, is not written.
        """
        values: dict[str, Any] = {}
        defaults: dict[str, Any] = {}
        for column in self.columns:
            value = state.get(column.key)
            # None is not written (the default applies) unless the type stores it (JSON null)
            if value is None and not (column.keeps_none and column.key in state):
                if column.key == self.generated:
                    continue
                if column.default is not None:
                    value = defaults[column.key] = column.default()
                elif column.server_default:
                    continue
            values[column.name] = value if column.encode is None else column.encode(value)
        return values, defaults


def _plan(mapper: Any, dialect: Any) -> _Plan:
    plan = _PLANS.get((mapper, dialect.name))
    if plan is not None:
        return plan
    table = mapper.local_table
    encoders = _encoders(table, dialect)
    columns = []
    generated = generated_column = None
    for column in table.columns:
        key = mapper.get_property_by_column(column).key
        if column is table.autoincrement_column:
            # filled from the table's sequence, unless the object has it (reserved before)
            generated, generated_column = key, column.name
        default = column.default
        producer = None
        if default is not None and default.is_scalar:
            producer = (lambda arg: lambda: arg)(default.arg)
        elif default is not None and default.is_callable:
            producer = (lambda arg: lambda: arg(None))(default.arg)
        columns.append(
            _Column(
                name=column.name,
                key=key,
                default=producer,
                server_default=column.server_default is not None,
                keeps_none=bool(column.type.should_evaluate_none),
                encode=encoders[column.name],
            )
        )
    plan = _PLANS[(mapper, dialect.name)] = _Plan(
        table,
        tuple(columns),
        generated,
        generated_column,
        frozenset(column.key for column in columns if column.server_default),
    )
    return plan


def _build(dialect: Any, shape: tuple[Any, Any]) -> str:
    """The statement's text: a data-modifying CTE per table; selects each new key.

    Each table's rows go in as one JSON parameter expanded by `jsonb_populate_recordset`: a
    statement of a few parameters is converted once by psycopg and prepared once by
    PostgreSQL, where one of 130 bound values was converted again for every complaint.
    """
    quote = dialect.identifier_preparer.quote
    parts, outputs = [], []
    objects, inserts = shape
    for i, (plan, columns) in enumerate(objects):
        key = plan.generated_column or next(iter(plan.table.primary_key.columns)).name
        insert = _insert_text(dialect, plan.table, columns, f"o{i}", False, (key,))
        parts.append(f"o{i} AS ({insert})")
        outputs.append(f"(SELECT {quote(key)} FROM o{i})")
    for i, (table, columns, skip_conflicts) in enumerate(inserts):
        key = next(iter(table.primary_key.columns)).name
        parts.append(
            f"r{i} AS ({_insert_text(dialect, table, columns, f'r{i}', skip_conflicts, (key,))})"
        )
        outputs.append(f"(SELECT count(*) FROM r{i})")
    return "WITH " + ", ".join(parts) + " SELECT " + ", ".join(outputs)


def _insert_text(
    dialect: Any,
    table: Any,
    columns: Sequence[str],
    parameter: str,
    skip_conflicts: bool,
    returning: Sequence[str],
) -> str:
    """INSERT of the rows of a JSON array parameter (`jsonb_populate_recordset`)."""
    quote = dialect.identifier_preparer.quote
    listed = ", ".join(quote(column) for column in columns)
    text = (
        f"INSERT INTO {quote(table.name)} ({listed}) SELECT {listed} "
        f"FROM jsonb_populate_recordset(NULL::{quote(table.name)}, %({parameter})s::jsonb)"
    )
    if skip_conflicts:
        text += " ON CONFLICT DO NOTHING"
    if returning:
        text += " RETURNING " + ", ".join(quote(column) for column in returning)
    return text


def _json_rows(dialect: Any, rows: Rows) -> str:
    """The rows as the JSON array parameter, each value as its column's type writes it.

    Only the columns whose type needs it are converted (the sweep writes 20,000 rows).
    """
    encode = _encoders(rows.table, dialect)
    converted = [(name, encode[name]) for name in rows.rows[0] if encode[name] is not None]
    if not converted:
        return _dumps(rows.rows)
    out = []
    for row in rows.rows:
        row = dict(row)
        for name, function in converted:
            row[name] = function(row[name])  # type: ignore[misc]
        out.append(row)
    return _dumps(out)


# SQLite: rows per INSERT, so that the bound parameters stay under its limit of 32,766
_SQLITE_ROWS = 1000
_INSERTS: dict[tuple[Any, ...], str] = {}


def insert_rows(bind: Session | Connection, rows: Rows, returning: Sequence[str] = ()) -> list[Any]:
    """Insert many rows of one table (all with the same columns); the `returning` columns.

    PostgreSQL: one statement, whatever the number of rows, with the rows as one JSON
    parameter. A multi-row INSERT of bound values is converted by psycopg again for every
    execution once it has more than 50 parameters (`psycopg._queries`), which cost the sweep
    about 0.3 ms a row (issue 5); pages small enough to be cached cost a round trip each.
    SQLite: executemany, in chunks.
    """
    if not rows.rows:
        return []
    connection = bind.connection() if isinstance(bind, Session) else bind
    dialect = connection.dialect
    if dialect.name == "postgresql":
        columns = tuple(rows.rows[0])
        key = (rows.table, columns, rows.skip_conflicts, tuple(returning))
        text = _INSERTS.get(key)
        if text is None:
            text = _INSERTS[key] = _insert_text(
                dialect, rows.table, columns, "rows", rows.skip_conflicts, returning
            )
        result = connection.exec_driver_sql(text, {"rows": _json_rows(dialect, rows)})
        return list(result) if returning else []
    statement = dialect_insert(connection)(rows.table)
    if rows.skip_conflicts:
        statement = statement.on_conflict_do_nothing()
    if returning:
        statement = statement.returning(*(rows.table.c[name] for name in returning))
    found: list[Any] = []
    for first in range(0, len(rows.rows), _SQLITE_ROWS):
        result = connection.execute(statement, rows.rows[first : first + _SQLITE_ROWS])
        if returning:
            found.extend(result)
    return found
