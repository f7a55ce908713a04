"""The sla API (issue 3, items 1, 4, 5, 7, 8): computeDeadline, the overlay, policies,
recalculation, getComplaintSla, the overdue filter and `flask sla sweep`."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backend import scheduler
from backend.agencies.models import Agency
from backend.db import now_utc
from backend.extensions import db
from backend.sla.calendars import get_calendar
from backend.sla.ladder import step_time
from backend.sla.models import SlaEscalation
from backend.sla.policies import rule_of
from tests.factories import OverlayEntryPayloadFactory, PolicyPayloadFactory, file_complaint
from tests.sla_helpers import act, clocks_of, file_backdated, now

# deadlines, ages and windows are computed from now: run at each instant of SLA_DATES
pytestmark = pytest.mark.sla_dates

DEADLINE = "/api/v1/sla/deadline"
OVERLAY = "/api/v1/sla/calendars/ID-JB/overlay"


def _problem(response, status, code):
    assert response.status_code == status, response.get_json()
    assert response.content_type.startswith("application/problem+json")
    assert response.get_json()["code"] == code
    return response.get_json()


def test_compute_deadline_needs_no_login_and_explains_the_skipped_days(client):
    # Lebaran 2026: received Tue 17 Mar, 5 working days skip cuti 18, Nyepi 19, cuti 20,
    # the weekend with Idul Fitri 21-22 and cuti 23-24
    response = client.get(
        DEADLINE,
        query_string={"start": "2026-03-17T09:00:00+07:00", "days": 5, "unit": "working_day"},
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["due_date"] == "2026-03-31"
    assert body["due_at"] == "2026-03-31T16:59:59+00:00"
    assert body["calendar"] == "ID-JB" and body["timezone"] == "Asia/Jakarta"
    skipped = {day["date"]: day for day in body["skipped"]}
    assert skipped["2026-03-19"]["kind"] == "public_holiday"
    assert skipped["2026-03-18"]["kind"] == "cuti_bersama"
    assert skipped["2026-03-18"]["reason"].startswith("Cuti bersama")
    assert skipped["2026-03-28"] == {
        "date": "2026-03-28",
        "kind": "weekend",
        "reason": "Akhir pekan (Sabtu)",
        "estimated": False,
    }


def test_compute_deadline_in_calendar_days_and_at_18_utc(client):
    # 18:00 UTC is already the next day in WIB: day 0 is 2 Jan
    body = client.get(
        DEADLINE, query_string={"start": "2025-01-01T18:00:00Z", "days": 14, "unit": "calendar_day"}
    ).get_json()
    assert body["day_zero"] == "2025-01-02" and body["due_date"] == "2025-01-16"


def test_compute_deadline_beyond_the_horizon_is_a_422(client):
    response = client.get(
        DEADLINE,
        query_string={"start": "2030-12-20T09:00:00+07:00", "days": 30, "unit": "working_day"},
    )
    body = _problem(response, 422, "calendar_horizon")
    assert "2024-2030" in body["detail"]
    unknown = client.get(
        DEADLINE,
        query_string={
            "start": "2026-01-05T09:00:00+07:00",
            "days": 3,
            "unit": "working_day",
            "calendar": "ID-XX",
        },
    )
    _problem(unknown, 404, "not_found")


def test_admin_edits_the_overlay_and_the_version_rises(client, headers_for):
    admin = headers_for("admin")
    version = client.get("/api/v1/sla/calendars").get_json()[0]["version"]
    start = {"start": "2026-06-01T09:00:00+07:00", "days": 3, "unit": "working_day"}
    assert client.get(DEADLINE, query_string=start).get_json()["due_date"] == "2026-06-04"

    _problem(
        client.post(
            OVERLAY,
            json=OverlayEntryPayloadFactory(kind="closure", name="x"),
            headers=headers_for("verifier"),
        ),
        403,
        "forbidden",
    )
    added = client.post(
        OVERLAY,
        json=OverlayEntryPayloadFactory(),
        headers=admin,
    )
    assert added.status_code == 201, added.get_json()
    body = client.get(DEADLINE, query_string=start).get_json()
    assert body["due_date"] == "2026-06-05"
    assert body["calendar_version"] == version + 1
    assert {
        "date": "2026-06-02",
        "kind": "regional_holiday",
        "reason": "Hari Jadi Kota Cimahi",
        "estimated": False,
    } in body["skipped"]
    _problem(
        client.post(
            OVERLAY, json=OverlayEntryPayloadFactory(kind="closure", name="x"), headers=admin
        ),
        409,
        "conflict",
    )

    # a cuti bersama the government moved: 24 Dec 2026 becomes a working day
    moved = client.post(
        OVERLAY,
        json=OverlayEntryPayloadFactory(
            day="2026-12-24", kind="working_day", name="Cuti bersama dibatalkan"
        ),
        headers=admin,
    )
    assert moved.status_code == 201
    christmas = client.get(
        DEADLINE,
        query_string={"start": "2026-12-23T09:00:00+07:00", "days": 1, "unit": "working_day"},
    ).get_json()
    assert christmas["due_date"] == "2026-12-24"

    removed = client.delete(f"{OVERLAY}/{added.get_json()['id']}", headers=admin)
    assert removed.status_code == 204
    assert client.get(DEADLINE, query_string=start).get_json()["due_date"] == "2026-06-04"
    assert client.get("/api/v1/sla/calendars").get_json()[0]["version"] == version + 3
    assert [e["day"] for e in client.get(OVERLAY).get_json()] == ["2026-12-24"]


def test_policy_versions_and_the_recalculation_action(client, headers_for):
    admin = headers_for("admin")
    old = file_complaint(client)
    created = client.post(
        "/api/v1/sla/policies",
        headers=admin,
        json=PolicyPayloadFactory(name="Adminduk: hari kerja", days=10),
    )
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["version"] == 1
    bad = client.post(
        "/api/v1/sla/policies",
        headers=admin,
        json=PolicyPayloadFactory(name="x", days=0, unit="jam"),
    )
    _problem(bad, 422, "validation_failed")
    # 20 working days never end on the 14th calendar day (7 did, from 24 Dec 2026): the
    # recount changes the old clock on every date
    second = client.post(
        "/api/v1/sla/policies",
        headers=admin,
        json=PolicyPayloadFactory(name="Adminduk v2", days=20),
    ).get_json()
    assert second["version"] == 2
    listed = client.get("/api/v1/sla/policies", headers=headers_for("supervisor")).get_json()
    assert [(p["version"], p["is_current"]) for p in listed] == [(2, True), (1, False)]

    new = file_complaint(client)
    assert clocks_of(client.application, new["id"])["response"].days == 20
    assert clocks_of(client.application, old["id"])["response"].days == 14
    _problem(
        client.post("/api/v1/sla/recalculations", json={}, headers=headers_for("verifier")),
        403,
        "forbidden",
    )
    recount = client.post("/api/v1/sla/recalculations", json={"policy": "adminduk"}, headers=admin)
    assert recount.status_code == 202, recount.get_json()
    job = recount.get_json()
    assert job["status"] == "queued" and job["done"] == 0
    # the request only records the job: the clock is recounted by the scheduler
    assert clocks_of(client.application, old["id"])["response"].days == 14
    with client.application.app_context():
        assert scheduler.run_recalculations() == [job["id"]]
    polled = client.get(recount.headers["Location"], headers=admin).get_json()
    assert (polled["status"], polled["total"], polled["done"], polled["changed"]) == (
        "done",
        2,
        2,
        1,
    )
    assert clocks_of(client.application, old["id"])["response"].days == 20


def test_get_complaint_sla_shows_state_due_date_and_explanation(client, headers_for):
    verifier = headers_for("verifier")
    late = file_backdated(client, verifier, 20)
    response = client.get(f"/api/v1/complaints/{late['id']}/sla", headers=verifier)
    assert response.status_code == 200, response.get_json()
    clock = response.get_json()["clocks"][0]
    assert clock["kind"] == "response" and clock["state"] == "running"
    assert clock["due_at"].endswith("+07:00")  # shown in WIB
    assert clock["overdue"] is True and clock["seconds_left"] == 0
    assert clock["overdue_seconds"] > 5 * 86400
    assert clock["explanation"]["unit"] == "calendar_day"
    assert clock["explanation"]["days"] == 14
    assert "penurunan gaji" in clock["consequence"]
    assert client.get(f"/api/v1/complaints/{late['id']}/sla").status_code == 401
    citizen = headers_for("citizen")
    assert client.get(f"/api/v1/complaints/{late['id']}/sla", headers=citizen).status_code == 404


def test_complaint_sla_names_the_calendar_and_the_policy(client, headers_for):
    """Issue 14, item 4: "Kalender: ID-JB v1" and "Kebijakan: adminduk v2" reached people."""
    verifier = headers_for("verifier")
    default = file_complaint(client)
    created = client.post(
        "/api/v1/sla/policies",
        headers=headers_for("admin"),
        json=PolicyPayloadFactory(name="Adminduk: hari kerja", days=10),
    )
    assert created.status_code == 201, created.get_json()
    under_policy = file_complaint(client)
    [before] = client.get(f"/api/v1/complaints/{default['id']}/sla", headers=verifier).get_json()[
        "clocks"
    ]
    assert before["calendar"] == "ID-JB" and before["calendar_name"] == "Jawa Barat (WIB)"
    assert before["policy_name"] is None  # the statutory default
    [after] = client.get(
        f"/api/v1/complaints/{under_policy['id']}/sla", headers=verifier
    ).get_json()["clocks"]
    assert after["policy_name"] == "Adminduk: hari kerja, versi 1"


def test_list_filter_overdue_and_sort_by_deadline(client, headers_for):
    verifier = headers_for("verifier")
    late = file_backdated(client, verifier, 20)
    later = file_backdated(client, verifier, 16)
    fresh = file_complaint(client)
    act(client, verifier, fresh["id"], action="verify")  # decision clock: 60 days
    overdue = client.get(
        "/api/v1/complaints", query_string={"overdue": "true"}, headers=verifier
    ).get_json()
    assert [c["id"] for c in overdue["items"]] == [later["id"], late["id"]]
    assert all(c["overdue"] for c in overdue["items"])
    on_time = client.get(
        "/api/v1/complaints", query_string={"overdue": "false"}, headers=verifier
    ).get_json()
    assert [c["id"] for c in on_time["items"]] == [fresh["id"]]
    assert on_time["items"][0]["next_due_at"] is not None
    by_deadline = client.get(
        "/api/v1/complaints", query_string={"sort": "deadline"}, headers=verifier
    ).get_json()
    assert [c["id"] for c in by_deadline["items"]] == [late["id"], later["id"], fresh["id"]]


def test_cli_sweep_runs_one_sweep_now(app, client, headers_for):
    late = file_backdated(client, headers_for("verifier"), 20)
    clock = clocks_of(app, late["id"])["response"]
    result = app.test_cli_runner().invoke(args=["sla", "sweep"])
    assert result.exit_code == 0, result.output
    assert "1 breached" in result.output
    with app.app_context():
        fired = db.session.scalars(select(SlaEscalation.step).order_by(SlaEscalation.level))
        # the agency head at the breach, the supervisor 3 working days on: before Lebaran
        # those 3 working days can still be ahead, 6 days after the breach
        calendar = get_calendar(session=db.session)
        due = [
            step["step"]
            for step in rule_of(None, "response")["ladder"]
            if step["offset"] >= 0 and step_time(calendar, clock.due_date, step["offset"]) <= now()
        ]
        assert list(fired) == due and due[0] == "agency_head"
    again = app.test_cli_runner().invoke(args=["sla", "sweep"])
    assert "swept 0 clocks" in again.output


def test_a_wita_calendar_counts_in_its_own_zone(app, client, headers_for):
    admin = headers_for("admin")
    created = client.post(
        "/api/v1/sla/calendars",
        headers=admin,
        json={
            "code": "ID-BA",
            "name": "Bali (WITA)",
            "zone": "WITA",
            "first_year": 2025,
            "last_year": 2027,
        },
    )
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["timezone"] == "Asia/Makassar"
    assert (
        client.post(
            "/api/v1/sla/calendars",
            headers=admin,
            json={
                "code": "ID-BA",
                "name": "x",
                "first_year": 2025,
                "last_year": 2027,
            },
        ).status_code
        == 409
    )
    assert (
        client.post(
            "/api/v1/sla/calendars",
            headers=admin,
            json={
                "code": "ID-XX",
                "name": "x",
                "zone": "CET",
                "first_year": 2025,
                "last_year": 2027,
            },
        ).status_code
        == 422
    )
    # 16:30 UTC is 23:30 WIB but already 00:30 the next day in WITA
    query = {"start": "2025-01-01T16:30:00Z", "days": 1, "unit": "calendar_day"}
    wib = client.get(DEADLINE, query_string=query).get_json()
    wita = client.get(DEADLINE, query_string={**query, "calendar": "ID-BA"}).get_json()
    assert (wib["day_zero"], wita["day_zero"]) == ("2025-01-01", "2025-01-02")
    assert wita["due_at"] == "2025-01-03T15:59:59+00:00"
    with app.app_context():
        agency = db.session.scalar(select(Agency).where(Agency.code == "DISDUKCAPIL"))
        agency.calendar_code = "ID-BA"
        db.session.commit()
    receipt = file_complaint(client)
    clock = clocks_of(app, receipt["id"])["response"]
    assert clock.calendar_code == "ID-BA"
    assert clock.explanation["calendar"] == "ID-BA"


def test_a_recalculation_runs_in_batches_and_goes_on_after_a_stop(client, headers_for, monkeypatch):
    """The scheduler works through the running clocks a batch per transaction and keeps its
    place: a job stopped midway (the scheduler's run ended) goes on where it was."""
    from backend.sla import recalculations

    admin = headers_for("admin")
    for _ in range(5):
        file_complaint(client)
    client.post(
        "/api/v1/sla/policies",
        headers=admin,
        json=PolicyPayloadFactory(code="default", name="Hari kerja", category=None, days=20),
    )
    monkeypatch.setattr(recalculations, "BATCH", 2)
    job = client.post("/api/v1/sla/recalculations", json={}, headers=admin).get_json()
    app = client.application
    seen = []
    with app.app_context():
        for _ in range(3):  # one batch per scheduler run, as if each run ran out of time
            recalculations.run_pending(session=db.session, now=now_utc(), batches=1)
            seen.append(client.get(f"/api/v1/sla/recalculations/{job['id']}", headers=admin))
    progress = [(r.get_json()["status"], r.get_json()["done"]) for r in seen]
    assert progress == [("running", 2), ("running", 4), ("done", 5)]
    assert seen[-1].get_json()["total"] == 5 and seen[-1].get_json()["changed"] == 5
