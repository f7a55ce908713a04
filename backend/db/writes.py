"""Rows written with SQLAlchemy Core, in the caller's transaction.

`insert_together` writes rows of several tables that belong together (a new complaint with its
identity, first event, clock, tally changes and receipt e-mail): on PostgreSQL as one statement
in which each table's INSERT is a data-modifying CTE (the foreign keys between them are checked
at the end of the statement), elsewhere one INSERT per table. The rows are plain values, every
column given (`with_defaults` fills what the model's column defaults would), so both databases
write exactly the same rows; SQLAlchemy runs the statements, so its events see them.

In the PostgreSQL statement each row is one JSON parameter, its values as SQLAlchemy would bind
them, read back into the table's row type by `jsonb_populate_record`. With one parameter per
column (121 for a complaint), psycopg rewrote the statement's placeholders on every execute (it
keeps that work only for statements of at most 50 parameters and 4 KB): 12 % of intake's CPU.
`insert_rows` inserts many rows of one table (the sweep's escalations and e-mails).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple

import orjson
from sqlalchemy import (
    JSON,
    Column,
    Select,
    String,
    Table,
    bindparam,
    cast,
    func,
    insert,
    literal_column,
    select,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import Session

from backend.db.base import dialect_insert


class Rows(NamedTuple):
    """Rows of one table, each a dict of every column's value."""

    table: Table
    rows: list[dict[str, Any]]


def with_defaults(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    """`row` with the Python-side default of each column it leaves out, as a flush sets them.

    A column with a server default, or the key a sequence fills, is left to the database.
    """
    complete = dict(row)
    for column in table.columns:
        if column.key in complete or column.default is None:
            continue
        default = column.default
        if default.is_scalar:
            complete[column.key] = default.arg  # type: ignore[attr-defined]
        elif default.is_callable:
            complete[column.key] = default.arg(None)  # type: ignore[attr-defined]
    return complete


def insert_together(session: Session, groups: Sequence[Rows]) -> None:
    """Insert the rows of each group, in order, in the session's transaction."""
    groups = [group for group in groups if group.rows]
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        for group in groups:
            connection.execute(insert(group.table), group.rows)
        return
    rows = [(group.table, row) for group in groups for row in group.rows]
    statement = _together(tuple((table, tuple(row)) for table, row in rows))
    dialect = connection.dialect
    values = {
        _name(index): _as_json(table, row, dialect) for index, (table, row) in enumerate(rows)
    }
    counts = connection.execute(statement, values).one()
    if set(counts) != {1}:
        raise RuntimeError(f"insert_together wrote {sum(counts)} rows, not {len(rows)}")


def _name(index: int) -> str:
    """The bound parameter of the `index`-th row."""
    return f"r{index}"


@lru_cache(maxsize=1024)
def _processor(column: Column[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    """How SQLAlchemy turns a value of `column` into what the driver sends (None: as it is);
    a JSON column's value goes into the row's JSON as it is."""
    if isinstance(column.type, JSON):
        return None
    return column.type.bind_processor(dialect)


def _as_json(table: Table, row: dict[str, Any], dialect: Dialect) -> str:
    """`row` as one JSON object, each value as SQLAlchemy would bind it: the statement reads it
    with `jsonb_populate_record`, which converts each value to its column's type."""
    bound = {}
    for key, value in row.items():
        processor = _processor(table.c[key], dialect)
        bound[key] = processor(value) if processor is not None and value is not None else value
    return orjson.dumps(bound, default=_json_value).decode()


def _json_value(value: Any) -> Any:
    """What orjson cannot write itself: numerics as text (exact), bytes as bytea's hex."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return "\\x" + bytes(value).hex()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


@lru_cache(maxsize=64)
def _together(shape: tuple[tuple[Table, tuple[str, ...]], ...]) -> Select[Any]:
    """The one statement that inserts rows of this shape (each row's table and columns): one
    data-modifying CTE a row, reading the row from its JSON parameter, and a count of each.

    Built once a shape and reused, so SQLAlchemy compiles it once: a multi-row VALUES has no
    cache key, and a statement built anew each time is hashed anew (8 of intake's 17 ms).
    """
    preparer = postgresql.dialect().identifier_preparer
    written = []
    for index, (table, keys) in enumerate(shape):
        record = func.jsonb_populate_record(
            literal_column(f"NULL::{preparer.format_table(table)}"),
            cast(bindparam(_name(index), type_=String), JSONB),
        ).table_valued(*keys)
        written.append(
            insert(table)
            .from_select(keys, select(*(record.c[key] for key in keys)))
            .returning(*table.primary_key.columns)
            .cte(f"new_{index}")
        )
    return select(*(select(func.count()).select_from(cte).scalar_subquery() for cte in written))


def insert_rows(
    bind: Session | Connection,
    rows: Rows,
    *,
    returning: Sequence[str] = (),
    skip_conflicts: bool = False,
) -> list[Any]:
    """Insert many rows of one table; the `returning` columns of the rows inserted.

    With `skip_conflicts`, rows that clash with a unique key already there are left out
    (ON CONFLICT DO NOTHING): a step or an e-mail queued twice is queued once.
    """
    if not rows.rows:
        return []
    connection = bind.connection() if isinstance(bind, Session) else bind
    statement = dialect_insert(connection)(rows.table)
    if skip_conflicts:
        statement = statement.on_conflict_do_nothing()
    if returning:
        statement = statement.returning(*(rows.table.c[name] for name in returning))
    result = connection.execute(statement, rows.rows)
    return list(result) if returning else []
