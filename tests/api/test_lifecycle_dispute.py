"""The dispute window after delivery: the complainant accepts (close) or disputes (reopen) at
once; staff close only once the window has passed without a dispute."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest

from backend.complaints import lifecycle
from backend.complaints.models import Complaint
from backend.extensions import db
from backend.sla.calendars import compute_deadline
from tests.api.test_lifecycle import act, events, get, ok, problem
from tests.factories import TrackRequestFactory, file_complaint

# deadlines, ages and windows are computed from now: run at each instant of SLA_DATES
pytestmark = pytest.mark.sla_dates

TRACK = "/api/v1/track"


def _delivered(client, headers_for, **filing):
    verifier, officer = headers_for("verifier"), headers_for("officer")
    receipt = file_complaint(client, **filing)
    cid = receipt["id"]
    ok(act(client, verifier, cid, action="verify"))
    ok(act(client, officer, cid, action="start"))
    ok(act(client, officer, cid, action="decide", decision="KTP-el dicetak ulang"))
    ok(act(client, officer, cid, action="deliver", delivery_channel="email"))
    return receipt


def _backdate_delivery(app, cid, days):
    with app.app_context():
        complaint = db.session.get(Complaint, cid)
        complaint.delivered_at -= timedelta(days=days)
        db.session.commit()


def test_staff_cannot_close_while_the_complainant_may_still_dispute(client, headers_for):
    cid = _delivered(client, headers_for)["id"]
    for role in ("officer", "agency_head", "verifier"):
        headers = {**headers_for(role), "Accept-Language": "en"}
        assert "close" not in get(client, headers, cid).get_json()["allowed_actions"]
        body = problem(act(client, headers, cid, action="close"), 409, "dispute_window_open")
        assert "dispute" in body["detail"]
    deliver = events(client, headers_for("verifier"), cid)[-1]
    assert deliver["action"] == "deliver"
    until = datetime.fromisoformat(deliver["data"]["dispute_window_ends_at"])
    # the end of the local day, stored in UTC: the same date east of Greenwich
    assert until.date().isoformat() in body["detail"]
    assert get(client, headers_for("verifier"), cid).get_json()["status"] == "decided"


def test_the_complainant_accepts_at_once(client, headers_for):
    citizen = headers_for("citizen")
    cid = _delivered(client, headers_for, headers=citizen, complainant=None)["id"]
    body = get(client, citizen, cid).get_json()
    assert {"close", "reopen"} <= set(body["allowed_actions"])
    body = ok(act(client, citizen, cid, action="close"))
    assert body["status"] == "closed"


def test_staff_close_once_the_window_has_passed(app, client, headers_for):
    receipt = _delivered(client, headers_for)
    cid = receipt["id"]
    _backdate_delivery(app, cid, 30)
    officer = headers_for("officer")
    assert "close" in get(client, officer, cid).get_json()["allowed_actions"]
    auth = TrackRequestFactory.of(receipt)
    tracked = client.post(TRACK, json=auth).get_json()
    assert tracked["allowed_actions"] == ["close"]  # too late to dispute, still free to accept
    late = client.post(f"{TRACK}/actions", json={**auth, "action": "reopen", "reason": "Keberatan"})
    problem(late, 409, "dispute_window_closed")
    body = ok(act(client, officer, cid, action="close"))
    assert body["status"] == "closed"


def test_a_dispute_within_the_window_reopens(app, client, headers_for):
    receipt = _delivered(client, headers_for)
    _backdate_delivery(app, receipt["id"], 5)
    auth = TrackRequestFactory.of(receipt)
    assert set(client.post(TRACK, json=auth).get_json()["allowed_actions"]) == {"close", "reopen"}
    response = client.post(
        f"{TRACK}/actions", json={**auth, "action": "reopen", "reason": "Nama salah cetak"}
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "in_progress"


def test_the_window_is_14_days_and_never_less_than_10_working_days(app):
    with app.app_context():
        # an ordinary fortnight: Monday 2 Nov 2026, both readings end on Monday 16 Nov
        plain = SimpleNamespace(delivered_at=datetime.fromisoformat("2026-11-02T10:00+07:00"))
        plain.agency_id = None
        window = lifecycle.dispute_window(session=db.session, complaint=plain)
        assert window.due_date.isoformat() == "2026-11-16"
        # across Lebaran 2026 (cuti bersama 18, 20, 23, 24 Mar; Nyepi 19; Idul Fitri 21-22)
        # ten working days end well after fourteen calendar days, and win
        lebaran = SimpleNamespace(
            delivered_at=datetime.fromisoformat("2026-03-16T10:00+07:00"), agency_id=None
        )
        window = lifecycle.dispute_window(session=db.session, complaint=lebaran)
        by_calendar = compute_deadline(
            session=db.session, start=lebaran.delivered_at, days=14, unit="calendar_day"
        )
        by_working = compute_deadline(
            session=db.session, start=lebaran.delivered_at, days=10, unit="working_day"
        )
        assert by_calendar.due_date.isoformat() == "2026-03-30"
        assert window.due_date == by_working.due_date > by_calendar.due_date
        assert (
            lifecycle.dispute_window(
                session=db.session, complaint=SimpleNamespace(delivered_at=None, agency_id=None)
            )
            is None
        )
