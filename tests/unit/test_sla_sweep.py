"""The sweep (issue 3, items 8-10, 14): breaches at the deadline, each step once, catch-up,
a 10,000-clock backlog, deemed withdrawal, office hours for staff e-mails."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from backend.complaints.models import Complaint, ComplaintEvent
from backend.extensions import db
from backend.notifications.models import OutboxMessage
from backend.scheduler import sweep_once
from backend.sla import jobs
from backend.sla.calendars import get_calendar, next_office_time
from backend.sla.ladder import step_time
from backend.sla.models import ClockState, SlaClock, SlaEscalation
from backend.sla.policies import rule_of
from tests.factories import SlaClockRowFactory, file_complaint
from tests.sla_helpers import act, clocks_of, file_backdated, now

# deadlines, ages and windows are computed from now: run at each instant of SLA_DATES
pytestmark = pytest.mark.sla_dates


def _escalations(clock_id: int) -> list[SlaEscalation]:
    return list(
        db.session.scalars(
            select(SlaEscalation)
            .where(SlaEscalation.clock_id == clock_id)
            .order_by(SlaEscalation.level)
        )
    )


def test_breach_is_recorded_at_the_deadline_and_each_step_fires_once(app, client, headers_for):
    receipt = file_backdated(client, headers_for("verifier"), 25)
    clock = clocks_of(app, receipt["id"])["response"]
    with app.app_context():
        calendar = get_calendar(session=db.session)
        rule = rule_of(None, "response")
        expected = [
            step["step"]
            for step in rule["ladder"]
            if step["offset"] >= 0 and step_time(calendar, clock.due_date, step["offset"]) <= now()
        ]
        first = sweep_once(now=now())
        assert first.report.breached == 1
        fired = _escalations(clock.id)
        assert [e.step for e in fired] == expected  # the warning came too late to be sent
        assert fired[0].fired_at == clock.due_at + timedelta(seconds=1)
        stored = db.session.get(SlaClock, clock.id)
        assert stored.breached_at == clock.due_at
        assert stored.escalation_level == max(e.level for e in fired)
        assert stored.next_action_at is None or stored.next_action_at > now()
        again = sweep_once(now=now())
        assert again.report.escalations == 0 and again.report.clocks == 0
        assert len(_escalations(clock.id)) == len(expected)
        queued = db.session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.audience == "staff")
        )
        assert queued >= len(expected)


def test_a_missed_hour_is_caught_up(app, client, headers_for):
    receipt = file_backdated(client, headers_for("verifier"), 13)
    clock = clocks_of(app, receipt["id"])["response"]
    with app.app_context():
        before = sweep_once(now=clock.due_at - timedelta(minutes=30))
        assert before.report.breached == 0
        # the scheduler was down from then until an hour after the deadline
        late = sweep_once(now=clock.due_at + timedelta(hours=1))
        assert late.report.breached == 1
        stored = db.session.get(SlaClock, clock.id)
        assert stored.breached_at == clock.due_at
        steps = {e.step: e.fired_at for e in _escalations(clock.id)}
        assert steps["agency_head"] == clock.due_at + timedelta(seconds=1)


def test_a_backlog_of_10000_due_clocks_is_drained_in_one_run(app, client):
    receipt = file_complaint(client)
    with app.app_context():
        base = db.session.get(SlaClock, clocks_of(app, receipt["id"])["response"].id)
        calendar = get_calendar(session=db.session)
        due_date = calendar.local_date(now()) - timedelta(days=1)
        rows = SlaClockRowFactory.backlog(
            10_000, base=base, calendar=calendar, due_date=due_date, kind="delivery"
        )
        db.session.execute(insert(SlaClock), rows)
        db.session.commit()
        report = jobs.run_sweep(session=db.session, now=now(), batch_size=1000)
        assert report.clocks == 10_000
        assert report.breached == 10_000
        assert report.escalations == 10_000
        left = db.session.scalar(
            select(func.count())
            .select_from(SlaClock)
            .where(SlaClock.next_action_at.is_not(None), SlaClock.next_action_at <= now())
        )
        assert left == 0


def test_expired_completion_window_withdraws_and_tells_the_citizen(app, client, headers_for):
    receipt = file_complaint(client)
    act(
        client,
        headers_for("verifier"),
        receipt["id"],
        action="request_info",
        reason="Lampirkan fotokopi KTP",
    )
    completion = clocks_of(app, receipt["id"])["completion"]
    with app.app_context():
        outcome = sweep_once(now=completion.due_at + timedelta(minutes=1))
        assert outcome.report.expired == [(completion.id, receipt["id"])]
        assert outcome.withdrawn == [receipt["id"]]
        complaint = db.session.get(Complaint, receipt["id"])
        assert complaint.status == "withdrawn"
        assert complaint.resolution_code == "deemed_withdrawn"
        last = db.session.scalar(
            select(ComplaintEvent)
            .where(ComplaintEvent.complaint_id == receipt["id"])
            .order_by(ComplaintEvent.seq.desc())
            .limit(1)
        )
        assert last.action == "deemed_withdrawn" and last.actor_kind == "system"
        expired = db.session.get(SlaClock, completion.id)
        assert expired.state == ClockState.EXPIRED and expired.breached_at == completion.due_at
        notice = db.session.scalar(
            select(OutboxMessage).where(
                OutboxMessage.dedupe_key.like(f"event:{receipt['id']}:%"),
                OutboxMessage.subject.like("%dianggap dicabut%"),
            )
        )
        assert notice is not None and notice.audience == "citizen"
        assert "Pasal 44 ayat 5" in notice.body
        # a second sweep has nothing left to do
        assert sweep_once(now=completion.due_at + timedelta(minutes=2)).withdrawn == []


def test_staff_emails_wait_for_office_hours(app):
    with app.app_context():
        calendar = get_calendar(session=db.session)
        saturday_night = datetime(2026, 3, 14, 19, 0, tzinfo=UTC)  # Sun 02.00 WIB
        opens = next_office_time(calendar, saturday_night)
        # Mon 16 Mar 2026 is a working day (Nyepi and Lebaran come later that week)
        assert opens == datetime(2026, 3, 16, 1, 0, tzinfo=UTC)
        in_hours = datetime(2026, 3, 16, 3, 0, tzinfo=UTC)
        assert next_office_time(calendar, in_hours) == in_hours
        before_lebaran = datetime(2026, 3, 17, 10, 0, tzinfo=UTC)  # Tue 17.00 WIB, closed
        # 18 Mar cuti, 19 Nyepi, 20 cuti, 21-22 Idul Fitri, 23-24 cuti: Wed 25 Mar 08.00 WIB
        assert next_office_time(calendar, before_lebaran) == datetime(2026, 3, 25, 1, 0, tzinfo=UTC)
