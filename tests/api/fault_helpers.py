"""Shared by the reproducing tests of issues 12 and 13 (`test_foundation_faults.py`,
`test_hardening_faults.py`): what they observe from outside the backend.

Rows are read with plain SQL, the app is driven over HTTP, and time is frozen at stated
instants, so that the tests keep working after the backend is rewritten.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, event, inspect, text
from sqlalchemy.orm import Session

from backend.extensions import db

PASSWORD = "aduan-demo-2026"  # the demo accounts' password (README)
TALLY_KEY = ("grain", "time_zone", "start_day", "agency_key", "kind")


def engine_of(app: Flask) -> Engine:
    """The app's engine."""
    with app.app_context():
        return db.engine


@contextmanager
def frozen(at: datetime, tick: bool = True) -> Iterator[Any]:
    """Time stands at `at` (UTC), ticking from there unless `tick` is False."""
    with time_machine.travel(at.astimezone(UTC), tick=tick) as traveller:
        yield traveller


class CommitRefused(Exception):
    """Raised in place of a commit that fails (a lost connection, a serialisation failure)."""


@contextmanager
def commits_refused() -> Iterator[None]:
    """Every session's commit fails meanwhile (a `before_commit` listener raises)."""

    def refuse(_session: Session) -> None:
        raise CommitRefused

    event.listen(Session, "before_commit", refuse)
    try:
        yield
    finally:
        event.remove(Session, "before_commit", refuse)


def rows_of(engine: Engine, table: str) -> list[dict[str, Any]]:
    """Every row of `table`, as dicts, by plain SQL."""
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(text(f"SELECT * FROM {table}"))]


def count_rows(engine: Engine, table: str) -> int:
    """How many rows `table` holds."""
    with engine.connect() as connection:
        return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def table_names(engine: Engine) -> list[str]:
    """Every table of the schema."""
    return sorted(inspect(engine).get_table_names())


def summed_tallies(engine: Engine) -> dict[tuple[str, ...], dict[str, int]]:
    """`sla_clock_tallies` added up per key, keys whose every sum is 0 left out.

    A key may have several rows of changes until they are folded: readers add them up.
    """
    totals: dict[tuple[str, ...], Counter[str]] = {}
    for row in rows_of(engine, "sla_clock_tallies"):
        key = tuple(str(row.pop(name)) for name in TALLY_KEY)
        row.pop("id", None)
        totals.setdefault(key, Counter()).update({k: int(v or 0) for k, v in row.items()})
    return {key: dict(+counts) for key, counts in totals.items() if any(counts.values())}


def login(client: FlaskClient, email: str, password: str = PASSWORD) -> dict[str, str]:
    """Log in through the API (token flow): the access and refresh tokens."""
    response = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    return {"access": body["access_token"], "refresh": body["refresh_token"]}


def bearer(token: str) -> dict[str, str]:
    """An Authorization header."""
    return {"Authorization": f"Bearer {token}"}


def is_problem(response: Any) -> bool:
    """Whether a response is an application/problem+json document."""
    return response.content_type.startswith("application/problem+json")


def holds_pin(value: Any, pin: str, *, bare: bool = False) -> bool:
    """Whether a stored value carries the PIN: as `"pin": "123456"` in JSON text, as a `pin`
    member of a JSON document, or (`bare`) as the six digits anywhere in it."""
    if isinstance(value, bytes | bytearray | memoryview):
        value = bytes(value).decode("utf-8", "replace")
    if isinstance(value, str):
        if bare and pin in value:
            return True
        if f'"pin": "{pin}"' in value or f'"pin":"{pin}"' in value:
            return True
        try:
            parsed = json.loads(value)
        except ValueError:
            return False
        return not isinstance(parsed, str) and holds_pin(parsed, pin, bare=bare)
    if isinstance(value, dict):
        return any(
            ("pin" in str(key).lower() and str(item) == pin) or holds_pin(item, pin, bare=bare)
            for key, item in value.items()
        )
    if isinstance(value, list | tuple):
        return any(holds_pin(item, pin, bare=bare) for item in value)
    return False


class Outcomes:
    """What threads started together got back: statuses and exceptions, by label."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seen: list[tuple[str, int, Any]] = []

    def add(self, label: str, status: int, body: Any) -> None:
        with self.lock:
            self.seen.append((label, status, body))


def run_together(calls: list[Callable[[], None]], timeout: float = 60.0) -> list[BaseException]:
    """Run `calls` in threads released together by a barrier; the exceptions they raised."""
    barrier = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def run(call: Callable[[], None]) -> None:
        try:
            barrier.wait(timeout)
            call()
        except BaseException as error:  # noqa: BLE001 (reported to the test)
            errors.append(error)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return errors
