"""Shortcuts for the SLA tests: backdated complaints, actions, clocks read from the database."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from backend.db import now_utc
from backend.extensions import db
from backend.sla.models import SlaClock
from tests.factories import file_complaint

URL = "/api/v1/complaints"


def now() -> datetime:
    """The app's current instant, aware: tests/conftest.py's frozen clock, moving on from the
    instant the test started at."""
    return now_utc()


def file_backdated(
    client: FlaskClient, verifier: dict[str, str], days_ago: float, **overrides: Any
) -> dict[str, Any]:
    """A walk-in complaint typed in by a verifier, received `days_ago` days ago (max 30)."""
    received = now() - timedelta(days=days_ago)
    return file_complaint(
        client, verifier, channel="walk_in", received_at=received.isoformat(), **overrides
    )


def act(client: FlaskClient, headers: dict[str, str], complaint_id: int, **body: Any) -> Any:
    """Take an action with the current ETag; asserts it worked."""
    etag = client.get(f"{URL}/{complaint_id}", headers=headers).headers["ETag"]
    response = client.post(
        f"{URL}/{complaint_id}/transitions", json=body, headers={**headers, "If-Match": etag}
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def clocks_of(app: Flask, complaint_id: int) -> dict[str, SlaClock]:
    """The latest clock of each kind of a complaint, detached."""
    with app.app_context():
        rows = db.session.scalars(
            select(SlaClock).where(SlaClock.complaint_id == complaint_id).order_by(SlaClock.cycle)
        ).all()
        for row in rows:
            db.session.expunge(row)
        return {row.kind: row for row in rows}
