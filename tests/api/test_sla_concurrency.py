"""Two sweeps at once escalate nothing twice (issue 3, items 9, 10, 14).

On PostgreSQL two threads with their own connections sweep the same backlog together (SKIP
LOCKED shares the rows); on both databases a step some other sweep already fired is not fired
or mailed again (the unique constraint with ON CONFLICT DO NOTHING).
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.orm import sessionmaker

from backend.extensions import db
from backend.notifications.models import OutboxMessage
from backend.sla import jobs
from backend.sla.calendars import get_calendar
from backend.sla.models import SlaClock, SlaEscalation
from tests.factories import SlaClockRowFactory, SlaEscalationFactory, file_complaint
from tests.sla_helpers import clocks_of, file_backdated, now

# deadlines, ages and windows are computed from now: run at each instant of SLA_DATES
pytestmark = pytest.mark.sla_dates

CLOCKS = 2_000


def _due_backlog(app, client, count: int) -> None:
    receipt = file_complaint(client)
    base = clocks_of(app, receipt["id"])["response"]
    with app.app_context():
        calendar = get_calendar(session=db.session)
        due_date = calendar.local_date(now()) - timedelta(days=1)
        rows = SlaClockRowFactory.backlog(
            count, base=base, calendar=calendar, due_date=due_date, days=60
        )
        db.session.execute(insert(SlaClock), rows)
        db.session.commit()


@pytest.mark.postgres
def test_two_sweeps_at_once_escalate_nothing_twice(app, client, backend):
    _due_backlog(app, client, CLOCKS)
    with app.app_context():
        make_session = sessionmaker(bind=db.engine)
    at = now()
    start = threading.Barrier(2)
    reports: list[jobs.SweepReport] = []
    errors: list[BaseException] = []

    def sweep() -> None:
        session = make_session()
        try:
            start.wait()
            reports.append(jobs.run_sweep(session=session, now=at, batch_size=50))
        except BaseException as error:  # noqa: BLE001 - re-raised in the main thread
            errors.append(error)
        finally:
            session.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert sum(r.clocks for r in reports) == CLOCKS
    assert sum(r.escalations for r in reports) == CLOCKS
    assert all(r.clocks > 0 for r in reports)  # both did share the work
    with app.app_context():
        fired = db.session.execute(
            select(SlaEscalation.clock_id, SlaEscalation.step, func.count())
            .group_by(SlaEscalation.clock_id, SlaEscalation.step)
            .having(func.count() > 1)
        ).all()
        assert fired == []
        mails = db.session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.audience == "staff")
        )
        assert mails == CLOCKS  # one agency head, one e-mail per breach


def test_a_step_another_sweep_fired_is_not_fired_again(app, client, headers_for):
    receipt = file_backdated(client, headers_for("verifier"), 20)
    clock = clocks_of(app, receipt["id"])["response"]
    with app.app_context():
        # another sweep got there first and committed the step
        SlaEscalationFactory(clock=clock)
        report = jobs.run_sweep(session=db.session, now=now())
        steps = db.session.scalars(
            select(SlaEscalation.step).where(SlaEscalation.clock_id == clock.id)
        ).all()
        assert steps.count("agency_head") == 1
        assert "agency_head" not in [
            m.data.get("step") for m in db.session.scalars(select(OutboxMessage))
        ]
        assert report.escalations == len(steps) - 1
