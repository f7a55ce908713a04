"""The retention schedule (UU 27/2022 Pasal 16(2)(g), 42-45): how long each record type is
kept, and what happens to it then (anonymised or deleted).

A registry of record types, each with the rows it finds due at a cut-off and what it does to a
batch of them. `run` applies the schedule in batches (the caller commits after each), and
counts what it would do without doing it in a dry run. Every type finds only rows still to do,
so a second run, or a run after a crash between batches, does nothing twice. Another domain
(the access log) adds its own type with `register`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.orm import Session

from backend.complaints.models import (
    OPEN_STATUSES,
    Attachment,
    ComplainantIdentity,
    Complaint,
    ComplaintEvent,
    IdempotencyRecord,
)
from backend.complaints.storage import EvidenceStore
from backend.complaints.timeline import GENESIS
from backend.config import ConfigurationError
from backend.notifications.models import OutboxMessage, OutboxStatus
from backend.privacy_requests.erasure import anonymise
from backend.privacy_requests.models import RetentionRun

SYSTEM_ACTOR = {"actor_kind": "system", "actor_id": None, "actor_label": "Sistem"}


@dataclass(frozen=True)
class Context:
    """What a record type's work may need besides the session."""

    now: datetime
    store: EvidenceStore | None


@dataclass(frozen=True)
class RecordType:
    """One kind of record and its retention: kept `default_days` (overridable), then
    `action`. `due(cutoff)` selects the ids still to do; `apply` does a batch of them and
    says how many records it changed."""

    name: str
    action: str  # "anonymise" or "delete"
    default_days: int
    description: str
    due: Callable[[datetime], Select[Any]]
    apply: Callable[[Session, list[Any], Context], int]


RECORD_TYPES: dict[str, RecordType] = {}


def register(record_type: RecordType) -> None:
    """Add a record type to the schedule (the order of registration is the order of a run)."""
    RECORD_TYPES[record_type.name] = record_type


def _ended_before(cutoff: datetime) -> Any:
    """Complaints over (closed, rejected, withdrawn) since before `cutoff`, not on hold."""
    return (
        Complaint.closed_at.is_not(None)
        & (Complaint.closed_at < cutoff)
        & Complaint.status.not_in(list(OPEN_STATUSES))
        & Complaint.legal_hold.is_(False)
    )


# --- identity ------------------------------------------------------------------------------


def _identities_due(cutoff: datetime) -> Select[Any]:
    return (
        select(Complaint.id)
        .join(ComplainantIdentity, ComplainantIdentity.complaint_id == Complaint.id)
        .where(_ended_before(cutoff), ComplainantIdentity.erased_at.is_(None))
        .order_by(Complaint.id)
    )


def _anonymise_identities(session: Session, ids: list[int], context: Context) -> int:
    done = 0
    for complaint in session.scalars(select(Complaint).where(Complaint.id.in_(ids))):
        done += anonymise(
            session=session,
            complaint=complaint,
            at=context.now,
            actor=SYSTEM_ACTOR,
            cause="retention",
        )
    return done


# --- attachments ---------------------------------------------------------------------------


def _attachments_due(cutoff: datetime) -> Select[Any]:
    return (
        select(Attachment.id)
        .join(Complaint, Complaint.id == Attachment.complaint_id)
        .where(_ended_before(cutoff))
        .order_by(Attachment.id)
    )


def _delete_attachments(session: Session, ids: list[int], context: Context) -> int:
    keys = list(session.scalars(select(Attachment.storage_key).where(Attachment.id.in_(ids))))
    session.execute(delete(Attachment).where(Attachment.id.in_(ids)))
    # a file left behind by a failure here is an orphan `flask storage sweep` reports
    if context.store is not None:
        for key in keys:
            context.store.delete(key)
    return len(keys)


# --- timeline ------------------------------------------------------------------------------


def _timelines_due(cutoff: datetime) -> Select[Any]:
    return (
        select(Complaint.id)
        .where(_ended_before(cutoff), Complaint.timeline_length > 0)
        .order_by(Complaint.id)
    )


def _delete_timelines(session: Session, ids: list[int], context: Context) -> int:
    session.execute(
        update(Attachment).where(Attachment.complaint_id.in_(ids)).values(event_id=None)
    )
    deleted = session.execute(delete(ComplaintEvent).where(ComplaintEvent.complaint_id.in_(ids)))
    # the chain starts again from nothing, so `flask timeline verify` still holds
    for complaint in session.scalars(select(Complaint).where(Complaint.id.in_(ids))):
        complaint.timeline_head = GENESIS
        complaint.timeline_length = 0
    return int(deleted.rowcount)  # type: ignore[attr-defined]


# --- e-mails (outbox) ----------------------------------------------------------------------


def _emails_due(cutoff: datetime) -> Select[Any]:
    return (
        select(OutboxMessage.id)
        .where(OutboxMessage.status != OutboxStatus.PENDING, OutboxMessage.created_at < cutoff)
        .order_by(OutboxMessage.id)
    )


def _delete_emails(session: Session, ids: list[int], context: Context) -> int:
    result = session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(ids)))
    return int(result.rowcount)  # type: ignore[attr-defined]


# --- idempotency records -------------------------------------------------------------------


def _idempotency_due(cutoff: datetime) -> Select[Any]:
    return (
        select(IdempotencyRecord.id)
        .where(IdempotencyRecord.created_at < cutoff)
        .order_by(IdempotencyRecord.id)
    )


def _delete_idempotency(session: Session, ids: list[int], context: Context) -> int:
    result = session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id.in_(ids)))
    return int(result.rowcount)  # type: ignore[attr-defined]


register(
    RecordType(
        name="identity",
        action="anonymise",
        default_days=5 * 365,
        description="Identitas pelapor (nama, kontak, alamat) / complainant identity",
        due=_identities_due,
        apply=_anonymise_identities,
    )
)
register(
    RecordType(
        name="attachments",
        action="delete",
        default_days=5 * 365,
        description="Lampiran bukti (berkas dan barisnya) / evidence attachments",
        due=_attachments_due,
        apply=_delete_attachments,
    )
)
register(
    RecordType(
        name="timeline",
        action="delete",
        default_days=10 * 365,
        description="Linimasa penanganan / the case timeline",
        due=_timelines_due,
        apply=_delete_timelines,
    )
)
register(
    RecordType(
        name="outbox",
        action="delete",
        default_days=180,
        description="Surel terkirim atau gagal (outbox) / sent or failed e-mails",
        due=_emails_due,
        apply=_delete_emails,
    )
)
register(
    RecordType(
        name="idempotency",
        action="delete",
        default_days=1,
        description="Catatan Idempotency-Key / idempotency records",
        due=_idempotency_due,
        apply=_delete_idempotency,
    )
)


@dataclass(frozen=True)
class Rule:
    """One line of the schedule in force: the record type and its days (None: kept)."""

    record_type: RecordType
    days: int | None


def schedule(overrides: dict[str, int | None]) -> list[Rule]:
    """The schedule in force: each record type's default days, with `overrides` (config
    `RETENTION_DAYS`); an override naming no record type is a configuration error."""
    unknown = sorted(set(overrides) - set(RECORD_TYPES))
    if unknown:
        raise ConfigurationError(
            f"ADUAN_RETENTION_DAYS: unknown record type {', '.join(unknown)} "
            f"(one of {', '.join(RECORD_TYPES)})"
        )
    return [
        Rule(record_type, overrides.get(name, record_type.default_days))
        for name, record_type in RECORD_TYPES.items()
    ]


def run(
    *,
    session: Session,
    rules: list[Rule],
    now: datetime,
    batch_size: int,
    dry_run: bool,
    store: EvidenceStore | None,
    after_batch: Callable[[], None],
    trigger: str,
) -> dict[str, dict[str, Any]]:
    """Apply the schedule; {record type: {"action", "days", "count"}}. A real run is logged
    as a `RetentionRun` (written first, completed at the end), and `after_batch` (the
    caller's commit) follows each batch; a dry run counts what would go and changes nothing."""
    results: dict[str, dict[str, Any]] = {}
    log: RetentionRun | None = None
    if not dry_run:
        log = RetentionRun(started_at=now, trigger=trigger, results={}, complete=False)
        session.add(log)
        after_batch()
    context = Context(now=now, store=store)
    for rule in rules:
        if rule.days is None:
            continue
        record_type = rule.record_type
        due = record_type.due(now - timedelta(days=rule.days))
        if dry_run:
            count = session.scalar(select(func.count()).select_from(due.order_by(None).subquery()))
        else:
            count = _apply_in_batches(session, record_type, due, context, batch_size, after_batch)
        results[record_type.name] = {
            "action": record_type.action,
            "days": rule.days,
            "count": int(count or 0),
        }
        if log is not None:
            log.results = dict(results)
            after_batch()
    if log is not None:
        log.finished_at = now
        log.complete = True
        after_batch()
    return results


def _apply_in_batches(
    session: Session,
    record_type: RecordType,
    due: Select[Any],
    context: Context,
    batch_size: int,
    after_batch: Callable[[], None],
) -> int:
    done = 0
    seen: set[Any] = set()
    while True:
        ids = [i for i in session.scalars(due.limit(batch_size)) if i not in seen]
        if not ids:  # nothing left, or only rows a batch could not change: never loop on them
            return done
        seen.update(ids)
        done += record_type.apply(session, ids, context)
        after_batch()


def list_runs(*, session: Session, limit: int = 30) -> list[RetentionRun]:
    """The latest runs, newest first."""
    return list(session.scalars(select(RetentionRun).order_by(RetentionRun.id.desc()).limit(limit)))
