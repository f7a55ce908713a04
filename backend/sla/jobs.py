"""The sweep: periodic work of the sla domain, called by the scheduler and `flask sla sweep`.

A job is a unit of work like a request: each batch is a write transaction (`begin_write`) that
it commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend import localtime
from backend.agencies.models import Agency
from backend.auth.models import User
from backend.auth.roles import Role
from backend.config import public_base_url
from backend.db import Base
from backend.db.engine import begin_write
from backend.notifications import service as outbox
from backend.sla.calendars import calendar_of_agency, next_office_time
from backend.sla.sweep import FiredStep, SweepBatch, sweep_due
from backend.webhooks import outbox as webhook_outbox
from backend.webhooks.models import EventType

STEP_LABELS = {
    "warning": "Peringatan: tenggat segera berakhir",
    "agency_head": "Tenggat terlampaui",
    "supervisor": "Eskalasi ke pengawas kota",
    "inspectorate": "Eskalasi ke Inspektorat (laporan Ombudsman)",
}
CLOCK_LABELS = {
    "response": "tanggapan (Pasal 44 ayat 3)",
    "completion": "kelengkapan oleh pengadu (Pasal 44 ayat 4)",
    "verification": "verifikasi berkas yang dilengkapi (Pasal 44 ayat 3)",
    "decision": "keputusan (Pasal 50 ayat 1)",
    "delivery": "penyampaian keputusan (Pasal 50 ayat 2)",
}


@dataclass
class SweepReport:
    """What a whole sweep run did."""

    batches: int = 0
    clocks: int = 0
    breached: int = 0
    escalations: int = 0
    notifications: int = 0
    expired: list[tuple[int, int]] = field(default_factory=list)


def recipients(*, session: Session, target: str, agency_id: int | None) -> list[str]:
    """Who a ladder step tells: the superiors of UU 25/2009 Pasal 45, by role.

    officer: the agency's officers; agency_head: its heads (else the agency's own address);
    supervisor: the city's supervisors; inspectorate: the inspectorate's staff and address.
    """
    query = select(User.email).where(User.is_active.is_(True)).order_by(User.id)
    if target in {"officer", "agency_head"}:
        if agency_id is None:
            return []
        role = Role.OFFICER if target == "officer" else Role.AGENCY_HEAD
        emails = list(session.scalars(query.where(User.agency_id == agency_id, User.role == role)))
        agency = session.get(Agency, agency_id)
        if not emails and agency is not None and agency.email:
            emails = [agency.email]
        return emails
    if target == "supervisor":
        return list(session.scalars(query.where(User.role == Role.SUPERVISOR)))
    inspectorates = session.scalars(select(Agency).where(Agency.is_inspectorate.is_(True))).all()
    ids = [agency.id for agency in inspectorates]
    emails = list(session.scalars(query.where(User.agency_id.in_(ids)))) if ids else []
    return emails or [agency.email for agency in inspectorates if agency.email]


def _tracking_codes(session: Session, complaint_ids: set[int]) -> dict[int, str]:
    """The tracking codes people know the complaints by. The complaints domain sits above this
    one, so its table is read by name, as a foreign key would."""
    if not complaint_ids:
        return {}
    complaints = Base.metadata.tables["complaints"]
    return dict(
        session.execute(
            select(complaints.c.id, complaints.c.tracking_code).where(
                complaints.c.id.in_(complaint_ids)
            )
        ).all()
    )


def notify_escalations(
    *,
    session: Session,
    fired: list[FiredStep],
    now: datetime,
    cache: dict[tuple[str, int | None], list[str]] | None = None,
) -> int:
    """Queue the staff e-mails of fired steps, in the sweep's transaction, for office hours.

    The breach itself stays recorded at the deadline; only the e-mail waits.
    """
    cache = {} if cache is None else cache
    messages: list[dict[str, Any]] = []
    codes = _tracking_codes(session, {step.complaint_id for step in fired})
    for step in fired:
        key = (step.target, step.agency_id)
        if key not in cache:
            cache[key] = recipients(session=session, target=step.target, agency_id=step.agency_id)
        # the agency's local time, for its deadline and for the office hours the e-mail waits for
        calendar = calendar_of_agency(session=session, agency_id=step.agency_id)
        not_before = next_office_time(calendar, now)
        due = step.due_at.astimezone(calendar.zone).strftime("%d-%m-%Y %H.%M")
        code = codes.get(step.complaint_id, str(step.complaint_id))
        step_words = STEP_LABELS.get(step.step, step.step)
        subject = f"[Aduan] {step_words}: pengaduan {code}"
        body = (
            f"Tenggat {CLOCK_LABELS.get(step.kind, step.kind)} pengaduan {code} "
            f"adalah {due} {localtime.zone_name(calendar.zone)}.\n"
            f"Langkah eskalasi: {step_words} (tingkat {step.level} dari 3).\n"
            + ("Dicatat untuk laporan Ombudsman.\n" if step.for_ombudsman else "")
            + f"\n{public_base_url()}/pengaduan/{step.complaint_id}"
        )
        messages.extend(
            {
                "dedupe_key": f"escalation:{step.escalation_id}:{email}",
                "recipient": email,
                "audience": "staff",
                "subject": subject,
                "body": body,
                "not_before": not_before,
                "data": {
                    "complaint_id": step.complaint_id,
                    "escalation_id": step.escalation_id,
                    "event": "escalation",
                    "step": step.step,
                },
            }
            for email in cache[key]
        )
    queued = len(outbox.enqueue_many(session=session, messages=messages)) if messages else 0
    return queued


def webhook_events(batch: SweepBatch) -> list[dict[str, Any]]:
    """The webhook events of a sweep's batch: each breach at its deadline, each fired step."""
    rows = [
        webhook_outbox.event_row(
            type=EventType.CLOCK_BREACHED,
            complaint_id=clock.complaint_id,
            agency_id=clock.agency_id,
            category_id=None,
            at=clock.due_at,
            data={"clock": clock.kind, "cycle": clock.cycle, "due_at": clock.due_at.isoformat()},
        )
        for clock in batch.breaches
    ]
    rows.extend(
        webhook_outbox.event_row(
            type=EventType.ESCALATION,
            complaint_id=step.complaint_id,
            agency_id=step.agency_id,
            category_id=None,
            at=step.fired_at or step.due_at,
            data={
                "clock": step.kind,
                "step": step.step,
                "level": step.level,
                "target": step.target,
                "due_at": step.due_at.isoformat(),
                "for_ombudsman": step.for_ombudsman,
            },
        )
        for step in batch.fired
    )
    return rows


def run_sweep(*, session: Session, now: datetime, batch_size: int = 500) -> SweepReport:
    """Drain everything due at `now`, batch by batch, each batch a transaction of its own.

    Catches up after downtime: a clock whose steps all passed while nobody swept gets them all
    in this run, each recorded at its own time.
    """
    report = SweepReport()
    cache: dict[tuple[str, int | None], list[str]] = {}
    while True:
        begin_write(session)
        batch = sweep_due(session=session, now=now, limit=batch_size)
        report.notifications += notify_escalations(
            session=session, fired=batch.fired, now=now, cache=cache
        )
        webhook_outbox.record(session, webhook_events(batch))
        session.commit()
        report.batches += 1
        report.clocks += batch.selected
        report.breached += batch.breached
        report.escalations += len(batch.fired)
        report.expired.extend(batch.expired)
        if batch.selected < batch_size:
            return report
