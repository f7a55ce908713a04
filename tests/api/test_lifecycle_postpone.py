"""Postpone (SP4N-LAPOR! "tunda") and resume: the lifecycle pauses and resumes the institution's
clocks in the same transaction as the event (issue 3, items 6 and 14)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from backend.complaints.models import Complaint
from backend.extensions import db
from backend.scheduler import sweep_once
from backend.sla.calendars import get_calendar
from backend.sla.models import SlaEscalation
from tests.api.test_lifecycle import act, clock, events, get, ok, problem
from tests.factories import TrackRequestFactory, file_complaint
from tests.sla_helpers import clocks_of, file_backdated, now

# deadlines, ages and windows are computed from now: run at each instant of SLA_DATES
pytestmark = pytest.mark.sla_dates

TRACK = "/api/v1/track"


def sla_clock(client, headers, complaint_id, kind):
    """The latest cycle of a clock as getComplaintSla shows it (overdue, version, why)."""
    response = client.get(f"/api/v1/complaints/{complaint_id}/sla", headers=headers)
    assert response.status_code == 200, response.get_json()
    clocks = [c for c in response.get_json()["clocks"] if c["kind"] == kind]
    return max(clocks, key=lambda c: c["cycle"])


def _instant(text):
    return datetime.fromisoformat(text)


def _local_today(app):
    with app.app_context():
        return get_calendar(session=db.session).local_date(now())


def test_postpone_holds_the_response_clock_and_resume_counts_the_days_left(
    app, client, headers_for
):
    verifier = headers_for("verifier")
    cid = file_backdated(client, verifier, 3)["id"]
    before = clock(get(client, verifier, cid).get_json(), "response")
    assert "postpone" in get(client, verifier, cid).get_json()["allowed_actions"]

    problem(act(client, verifier, cid, action="postpone"), 422, "reason_required")
    body = ok(act(client, verifier, cid, action="postpone", reason="Menunggu data Dukcapil pusat"))
    assert body["status"] == "submitted"  # the status stays
    paused = clock(body, "response")
    assert paused["state"] == "paused"
    assert paused["days_left_when_paused"] == 11  # 14 days, day 3 used
    detail = sla_clock(client, verifier, cid, "response")
    assert detail["overdue"] is False and detail["seconds_left"] is None
    assert "resume" in body["allowed_actions"] and "postpone" not in body["allowed_actions"]

    event = events(client, verifier, cid)[-1]
    assert event["action"] == "postpone"
    assert event["from_status"] == event["to_status"] == "submitted"
    assert event["reason"] == "Menunggu data Dukcapil pusat"
    [held] = event["data"]["clocks_paused"]
    assert _instant(held.pop("was_due_at")) == _instant(before["due_at"])
    assert held == {
        "kind": "response",
        "cycle": 1,
        "days_left": 11,
        "unit": "calendar_day",
        "due_at": None,
    }

    body = ok(act(client, verifier, cid, action="resume"))
    assert body["status"] == "submitted"
    resumed = clock(body, "response")
    assert resumed["state"] == "running"
    assert resumed["due_date"] == (_local_today(app) + timedelta(days=11)).isoformat()
    detail = sla_clock(client, verifier, cid, "response")
    assert detail["deadline_version"] == 2
    assert detail["explanation"]["pauses"][0]["days_left"] == 11
    assert "postpone" in body["allowed_actions"] and "resume" not in body["allowed_actions"]
    event = events(client, verifier, cid)[-1]
    assert event["action"] == "resume"
    [counting] = event["data"]["clocks_resumed"]
    assert _instant(counting.pop("due_at")) == _instant(resumed["due_at"])
    assert counting == {
        "kind": "response",
        "cycle": 1,
        "days_left": 11,
        "unit": "calendar_day",
        "deadline_version": 2,
    }


def test_the_agency_postpones_its_decision_clock(client, headers_for):
    verifier, officer, head = (
        headers_for("verifier"),
        headers_for("officer"),
        headers_for("agency_head"),
    )
    cid = file_complaint(client)["id"]
    ok(act(client, verifier, cid, action="verify"))
    ok(act(client, officer, cid, action="start"))
    body = ok(act(client, officer, cid, action="postpone", reason="Menunggu hasil uji lab"))
    assert body["status"] == "in_progress"
    assert clock(body, "decision")["state"] == "paused"
    assert clock(body, "decision")["days_left_when_paused"] == 60
    assert clock(body, "response")["state"] == "stopped"  # finished clocks are not touched
    assert "resume" in get(client, head, cid).get_json()["allowed_actions"]
    body = ok(act(client, head, cid, action="resume"))
    assert clock(body, "decision")["state"] == "running"
    # a decision taken on a resumed clock stops it as usual
    body = ok(act(client, officer, cid, action="decide", decision="Dicetak ulang"))
    assert clock(body, "decision")["state"] == "stopped"
    assert "postpone" not in body["allowed_actions"]
    problem(act(client, officer, cid, action="postpone", reason="x"), 409, "invalid_transition")


def test_who_may_postpone(client, headers_for):
    citizen = headers_for("citizen")
    cid = file_complaint(client, citizen, complainant=None)["id"]
    ok(act(client, headers_for("verifier"), cid, action="verify"))
    for role in ("citizen", "supervisor", "admin"):
        problem(act(client, headers_for(role), cid, action="postpone", reason="x"), 403)
        assert "postpone" not in get(client, headers_for(role), cid).get_json()["allowed_actions"]
    ok(act(client, headers_for("officer"), cid, action="postpone", reason="Menunggu dokumen"))
    problem(act(client, citizen, cid, action="resume"), 403)


def test_the_citizens_completion_clock_is_never_postponed(client, headers_for):
    verifier = headers_for("verifier")
    cid = file_complaint(client)["id"]
    body = ok(act(client, verifier, cid, action="request_info", reason="Lampirkan KK"))
    assert clock(body, "completion")["state"] == "running"
    assert "postpone" not in body["allowed_actions"]
    problem(act(client, verifier, cid, action="postpone", reason="x"), 409, "invalid_transition")
    # back in submitted after completion the institution's verification clock runs: a
    # postponement holds that one, never the citizen's (stopped) completion clock
    body = ok(act(client, verifier, cid, action="complete_info"))
    assert "postpone" in body["allowed_actions"]
    body = ok(act(client, verifier, cid, action="postpone", reason="Menunggu data"))
    assert clock(body, "verification")["state"] == "paused"
    assert clock(body, "completion")["state"] == "stopped"


def test_postponing_twice_or_resuming_nothing_is_a_409(client, headers_for):
    verifier = {**headers_for("verifier"), "Accept-Language": "en"}
    cid = file_complaint(client)["id"]
    problem(act(client, verifier, cid, action="resume"), 409, "nothing_to_resume")
    ok(act(client, verifier, cid, action="postpone", reason="Menunggu"))
    body = problem(act(client, verifier, cid, action="postpone", reason="lagi"), 409)
    assert body["code"] == "already_postponed" and "resume" in body["detail"]


def test_a_missed_deadline_cannot_be_postponed(client, headers_for):
    verifier = headers_for("verifier")
    cid = file_backdated(client, verifier, 20)["id"]  # the 14-day response clock is overdue
    body = get(client, verifier, cid).get_json()
    assert sla_clock(client, verifier, cid, "response")["overdue"] is True
    assert "postpone" not in body["allowed_actions"]
    problem(act(client, verifier, cid, action="postpone", reason="x"), 409, "deadline_passed")
    assert clock(get(client, verifier, cid).get_json(), "response")["state"] == "running"


def test_stopping_a_postponed_complaint_stops_the_paused_clock(client, headers_for):
    verifier, citizen = headers_for("verifier"), headers_for("citizen")
    withdrawn = file_complaint(client, citizen, complainant=None)["id"]
    ok(act(client, verifier, withdrawn, action="postpone", reason="Menunggu"))
    body = ok(act(client, citizen, withdrawn, action="withdraw", reason="Sudah selesai"))
    assert body["status"] == "withdrawn"
    response = clock(body, "response")
    assert response["state"] == "stopped" and response["breached_at"] is None
    assert response["days_left_when_paused"] is None
    assert events(client, verifier, withdrawn)[-1]["data"]["clocks_stopped"] == ["response"]

    rejected = file_complaint(client)["id"]
    ok(act(client, verifier, rejected, action="postpone", reason="Menunggu"))
    body = ok(act(client, verifier, rejected, action="reject", reason="Urusan Samsat"))
    assert clock(body, "response")["state"] == "stopped"

    # verifying a postponed complaint answers it: the response clock stops, the decision starts
    verified = file_complaint(client)["id"]
    ok(act(client, verifier, verified, action="postpone", reason="Menunggu"))
    body = ok(act(client, verifier, verified, action="verify"))
    assert clock(body, "response")["state"] == "stopped"
    assert clock(body, "decision")["state"] == "running"
    assert "postpone" in body["allowed_actions"] and "resume" not in body["allowed_actions"]


def test_a_postponed_complaint_is_neither_overdue_nor_swept(app, client, headers_for):
    verifier = headers_for("verifier")
    cid = file_backdated(client, verifier, 10)["id"]
    ok(act(client, verifier, cid, action="postpone", reason="Menunggu data"))
    held = clocks_of(app, cid)["response"]
    later = now() + timedelta(days=30)  # far past the deadline it had
    assert held.due_at < later
    with app.app_context():
        assert held.next_action_at is None
        outcome = sweep_once(now=later)
        assert outcome.report.clocks == 0 and outcome.report.breached == 0
        # neither the clock nor its complaint reads as overdue, in Python or in SQL
        assert not held.overdue_at(later)
        assert not db.session.get(Complaint, cid).overdue_at(later)
        overdue = select(Complaint.id).where(Complaint.id == cid, Complaint.overdue_at(later))
        assert db.session.scalar(overdue) is None
        fired = db.session.scalars(
            select(SlaEscalation).where(SlaEscalation.clock_id == held.id)
        ).all()
        assert fired == []
    after = clocks_of(app, cid)["response"]
    assert after.state == "paused" and after.breached_at is None
    with time_machine.travel(later, tick=False):
        listed = client.get(
            "/api/v1/complaints",
            query_string={"overdue": "true"},
            headers=headers_for("verifier"),
        )
        assert listed.status_code == 200, listed.get_json()
        assert cid not in [item["id"] for item in listed.get_json()["items"]]

    ok(act(client, verifier, cid, action="resume"))
    resumed = clocks_of(app, cid)["response"]
    assert resumed.state == "running" and resumed.next_action_at is not None
    assert resumed.due_date == _local_today(app) + timedelta(days=4)


def test_the_tracker_is_offered_neither_postpone_nor_resume(client, headers_for):
    receipt = file_complaint(client)
    ok(act(client, headers_for("verifier"), receipt["id"], action="postpone", reason="Menunggu"))
    tracked = client.post(TRACK, json=TrackRequestFactory.of(receipt))
    assert tracked.status_code == 200
    assert not {"postpone", "resume"} & set(tracked.get_json()["allowed_actions"])
    timeline = tracked.get_json()["timeline"]
    assert timeline[-1]["action"] == "postpone"


def test_the_contract_lists_the_new_actions(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    action = spec["components"]["schemas"]["Transition"]["properties"]["action"]
    assert {"postpone", "resume"} <= set(action["enum"])


def test_postponing_is_timestamped_like_any_transition(client, headers_for):
    verifier = headers_for("verifier")
    cid = file_complaint(client)["id"]
    body = ok(act(client, verifier, cid, action="postpone", reason="Menunggu"))
    paused_at = datetime.fromisoformat(clock(body, "response")["paused_at"])
    event = events(client, verifier, cid)[-1]
    assert datetime.fromisoformat(event["occurred_at"]) == paused_at
