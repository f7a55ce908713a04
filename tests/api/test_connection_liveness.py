"""Pooled PostgreSQL connections outlive a server restart without a round trip per request.

`backend.db.engine._watch_liveness` replaces SQLAlchemy's `pool_pre_ping` (issue 5): a
connection the server has closed is found by reading what already arrived on its socket, and
only a connection idle for long is pinged.
"""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import select

from backend.complaints.models import Complaint
from backend.db import engine as liveness
from backend.extensions import db
from tests.factories import TrackRequestFactory, file_complaint

pytestmark = pytest.mark.postgres


def _terminate_the_apps_connections(app) -> int:
    """What a restart of the server does to every connection the app holds."""
    with app.app_context():
        url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_stat_activity, pg_terminate_backend(pid, 5000)"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND backend_type = 'client backend'"
        ).fetchone()[0]


def _pings(app, monkeypatch) -> list[int]:
    """Count the round-trip pings the pool sends from now on."""
    with app.app_context():
        dialect = db.engine.dialect
    calls: list[int] = []
    real = dialect.do_ping

    def counted(dbapi_connection):
        calls.append(1)
        return real(dbapi_connection)

    monkeypatch.setattr(dialect, "do_ping", counted)
    return calls


def test_a_request_after_the_server_dropped_every_connection_succeeds(app, client):
    first = file_complaint(client)
    assert _terminate_the_apps_connections(app) >= 1
    second = file_complaint(client)  # no 500: the pool connected again before the request
    track = client.post("/api/v1/track", json=TrackRequestFactory.of(first))
    assert track.status_code == 200, track.get_json()
    with app.app_context():
        codes = set(db.session.scalars(select(Complaint.tracking_code)))
    assert {first["tracking_code"], second["tracking_code"]} <= codes


def test_a_connection_in_use_is_not_pinged_but_an_idle_one_is(app, client, monkeypatch):
    file_complaint(client)
    pings = _pings(app, monkeypatch)
    for _ in range(3):
        file_complaint(client)
    assert pings == []  # hot connections: no extra round trip per request
    monkeypatch.setattr(liveness, "IDLE_PING_SECONDS", 0.0)
    file_complaint(client)
    assert pings == [1]
