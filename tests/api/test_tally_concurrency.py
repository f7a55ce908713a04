"""The breach tallies lose nothing while intakes, sweeps and compactions run at once
(issue 12, item 5): the dashboard's counts equal what `rebuild-tallies` counts afterwards."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import event

from backend import scheduler
from backend.auth.principal import Principal
from backend.auth.roles import Role
from backend.extensions import db
from backend.reports.service import breach_summary
from backend.sla import tallies
from tests.sla_helpers import act, file_backdated, now

SUPERVISOR = Principal(kind="user", id=0, role=Role.SUPERVISOR)
INTAKE_THREADS = 3
COMPLAINTS_EACH = 5


def dashboard(app: Any) -> list[dict[str, Any]]:
    """getBreachSummary over the whole history, as the supervisor's dashboard asks it."""
    with app.app_context():
        rows = breach_summary(
            session=db.session,
            principal=SUPERVISOR,
            now=now(),
            period_from=None,
            period_to=None,
        )
        db.session.rollback()
        return rows


def test_concurrent_intakes_sweeps_and_compactions_keep_the_counts(app, headers_for):
    verifier = headers_for("verifier")
    done = threading.Event()
    failures: list[BaseException] = []

    def intake() -> None:
        client = app.test_client()
        try:
            for i in range(COMPLAINTS_EACH):
                # received 20 days ago: its 14-day response clock is already breached
                receipt = file_backdated(client, verifier, days_ago=20)
                if i % 2:
                    act(client, verifier, receipt["id"], action="verify")
        except BaseException as error:  # noqa: BLE001 (reported by the main thread)
            failures.append(error)

    def repeat(job: Any) -> None:
        try:
            while not done.is_set():
                with app.app_context():
                    job()
        except BaseException as error:  # noqa: BLE001
            failures.append(error)

    writers = [threading.Thread(target=intake) for _ in range(INTAKE_THREADS)]
    background = [
        threading.Thread(target=repeat, args=(scheduler.sweep_once,)),
        threading.Thread(target=repeat, args=(scheduler.compact_tallies,)),
    ]
    for thread in [*writers, *background]:
        thread.start()
    for thread in writers:
        thread.join(timeout=120)
    done.set()
    for thread in background:
        thread.join(timeout=60)
    assert failures == []
    with app.app_context():
        scheduler.sweep_once()
    kept = dashboard(app)
    assert sum(row["breached"] for row in kept) >= INTAKE_THREADS * COMPLAINTS_EACH
    with app.app_context():
        scheduler.compact_tallies()
        tallies.rebuild(db.session.connection())
        db.session.commit()
    assert dashboard(app) == kept


def test_a_writer_between_the_compactions_read_and_its_delete_loses_nothing(app, client):
    """The fault seen under `make run`: on SQLite the compaction read the sums outside a
    transaction, a writer added a row for one of the keys, and the DELETE took it unsummed.
    Here a writer tries to add its row just before the compaction's DELETE runs; it must not be
    lost (on SQLite it waits for the compaction's write lock, on PostgreSQL the DELETE takes
    it and folds it in)."""
    for _ in range(3):
        file_backdated(client, _verifier(app), days_ago=2)  # several rows per tally key
    before = _tally_totals(app)
    writer_done = threading.Event()

    def concurrent_intake() -> None:
        file_backdated(app.test_client(), _verifier(app), days_ago=2)
        writer_done.set()

    with app.app_context():
        engine = db.engine
    fired: list[threading.Thread] = []

    def before_delete(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("DELETE FROM SLA_CLOCK_TALLIES") and not fired:
            thread = threading.Thread(target=concurrent_intake)
            fired.append(thread)
            thread.start()
            # PostgreSQL: the writer commits before the DELETE; SQLite: it waits on our lock
            writer_done.wait(timeout=2)

    event.listen(engine, "before_cursor_execute", before_delete)
    try:
        with app.app_context():
            scheduler.compact_tallies()
    finally:
        event.remove(engine, "before_cursor_execute", before_delete)
    for thread in fired:
        thread.join(timeout=30)
    assert fired and writer_done.is_set()
    after = _tally_totals(app)
    assert after["clocks"] == before["clocks"] + 1
    with app.app_context():
        tallies.rebuild(db.session.connection())
        db.session.commit()
    assert _tally_totals(app) == after


def _verifier(app: Any) -> dict[str, str]:
    from tests.conftest import ROLE_EMAILS, bearer_for, user_by_email

    return bearer_for(app, user_by_email(app, ROLE_EMAILS["verifier"]))


def _tally_totals(app: Any) -> dict[str, int]:
    """The day rows of the tallies added up, column by column."""
    from sqlalchemy import func, select

    table = tallies.TALLY
    with app.app_context():
        row = db.session.execute(
            select(*(func.coalesce(func.sum(table.c[name]), 0) for name in tallies.TALLIED)).where(
                table.c.grain == "day"
            )
        ).one()
        db.session.rollback()
    return dict(zip(tallies.TALLIED, (int(value) for value in row), strict=True))
