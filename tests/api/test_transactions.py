"""Every request that writes is one transaction, on both databases (issue 12, item 2)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, func, select

from backend.complaints.models import Complaint
from backend.extensions import db
from tests.factories import ComplaintPayloadFactory, file_complaint
from tests.sla_helpers import act

WRITE = re.compile(r"\b(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


@contextmanager
def transcript(app: Any) -> Iterator[list[tuple[str, Any]]]:
    """What the engine did, in order: begin, each write (with whether a transaction was open
    and the connection's isolation level), commit, rollback."""
    seen: list[tuple[str, Any]] = []
    with app.app_context():
        engine = db.engine

    def on_begin(conn: Any) -> None:
        seen.append(("begin", conn.get_isolation_level()))

    def on_commit(conn: Any) -> None:
        seen.append(("commit", None))

    def on_rollback(conn: Any) -> None:
        seen.append(("rollback", None))

    def on_execute(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if WRITE.search(statement) and not statement.lstrip().upper().startswith("BEGIN"):
            seen.append(("write", conn.in_transaction()))

    listeners = [
        ("begin", on_begin),
        ("commit", on_commit),
        ("rollback", on_rollback),
        ("before_cursor_execute", on_execute),
    ]
    for name, listener in listeners:
        event.listen(engine, name, listener)
    try:
        yield seen
    finally:
        for name, listener in listeners:
            event.remove(engine, name, listener)


def _one_transaction(seen: list[tuple[str, Any]]) -> None:
    """Every write is in the request's first transaction, which commits; whatever the request
    reads after that to answer (a fresh transaction, rolled back at its end) writes nothing."""
    kinds = [kind for kind, _ in seen]
    assert kinds[0] == "begin" and seen[0][1] != "AUTOCOMMIT", seen
    first_end = next(i for i, kind in enumerate(kinds) if kind in ("commit", "rollback"))
    assert kinds[first_end] == "commit", kinds
    assert "write" in kinds[:first_end], kinds
    assert "write" not in kinds[first_end:], kinds
    assert all(inside for kind, inside in seen if kind == "write"), seen


def test_intake_is_one_transaction(app, client):
    with transcript(app) as seen:
        file_complaint(client)
    _one_transaction(seen)


def test_intake_with_an_idempotency_key_is_one_transaction(app, client):
    with transcript(app) as seen:
        response = client.post(
            "/api/v1/complaints", json=ComplaintPayloadFactory(), headers={"Idempotency-Key": "k-1"}
        )
    assert response.status_code == 201
    _one_transaction(seen)


def test_a_transition_is_one_transaction(app, client, headers_for):
    receipt = file_complaint(client)
    verifier = headers_for("verifier")
    etag = client.get(f"/api/v1/complaints/{receipt['id']}", headers=verifier).headers["ETag"]
    with transcript(app) as seen:
        response = client.post(
            f"/api/v1/complaints/{receipt['id']}/transitions",
            json={"action": "verify"},
            headers={**verifier, "If-Match": etag},
        )
    assert response.status_code == 200
    _one_transaction(seen)


def test_a_request_that_fails_after_writing_leaves_nothing(app, client, headers_for, monkeypatch):
    """The intake's rows are written, then the request fails before its commit: nothing stays
    (a Core write on a connection in autocommit stayed written on PostgreSQL)."""
    with app.app_context():
        engine = db.engine

    def fail_after_the_write(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if (
            "INSERT INTO complaint_events" in statement
            or "INSERT INTO outbox_messages" in statement
        ):
            raise RuntimeError("the process dies after intake wrote its rows")

    event.listen(engine, "after_cursor_execute", fail_after_the_write)
    # answered as in production (TESTING re-raises); the app is shared by the whole session
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    try:
        response = client.post("/api/v1/complaints", json=ComplaintPayloadFactory())
    finally:
        event.remove(engine, "after_cursor_execute", fail_after_the_write)
    assert response.status_code == 500
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Complaint)) == 0
    # and the next request works on a clean connection
    assert file_complaint(client)["id"]
    verifier = headers_for("verifier")
    act(client, verifier, file_complaint(client)["id"], action="verify")
