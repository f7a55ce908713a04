"""Idempotency-Key: a retried intake gets its first receipt back, PIN included, for 24 hours.

The receipt holds the PIN, so the record keeps it only sealed: encrypted (AES-GCM) with a key
derived from the server's idempotency key and the Idempotency-Key itself, which the database
never holds (the record is found by a keyed hash of caller and key). Whoever reads the
database, even with the server's secrets, cannot open a record without the client's key; the
client that retries presents it. Records older than 24 hours are refused and purged by the
scheduler.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from backend.complaints.models import IdempotencyRecord
from backend.db.writes import Rows
from backend.errors import Conflict, ValidationFailed
from backend.keys import SealBroken, seal, unseal

MAX_AGE = timedelta(hours=24)


@dataclass(frozen=True)
class IdempotencyKey:
    """An Idempotency-Key as one caller sent it (`scope`: who, such as "user:7")."""

    scope: str
    key: str

    def lookup(self, secret: bytes) -> str:
        """What the record is found by: a keyed hash of the caller and the key."""
        return self._mac(secret, "lookup").hex()

    def sealing_key(self, secret: bytes) -> bytes:
        """The AES-256 key of the record: only the holder of the Idempotency-Key can derive it."""
        return self._mac(secret, "seal")

    def _mac(self, secret: bytes, purpose: str) -> bytes:
        message = "\x00".join((purpose, self.scope, self.key)).encode()
        return hmac.new(secret, message, hashlib.sha256).digest()


def fingerprint(data: dict[str, Any]) -> str:
    """A stable hash of a request body, to tell a retry from a different request."""
    return hashlib.sha256(
        json.dumps(data, sort_keys=True, default=str, separators=(",", ":")).encode()
    ).hexdigest()


def earlier_receipt(
    *,
    session: Session,
    idempotency: IdempotencyKey,
    secret: bytes,
    request_hash: str,
    now: datetime,
) -> dict[str, Any] | None:
    """The receipt kept for this key, or None when the key is new.

    Concurrent requests with one key wait here for each other, so that one files and the
    others get its receipt: on PostgreSQL a transaction-scoped advisory lock on the key; on
    SQLite the transaction already holds the write lock. A key reused with another body is
    refused, and so is a key older than 24 hours (its receipt is no longer kept).
    """
    lookup = idempotency.lookup(secret)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(lookup, 0))))
    row = session.execute(
        select(
            IdempotencyRecord.request_hash, IdempotencyRecord.sealed, IdempotencyRecord.created_at
        ).where(IdempotencyRecord.lookup == lookup)
    ).first()
    if row is None:
        return None
    if not hmac.compare_digest(row.request_hash, request_hash):
        raise ValidationFailed("idempotency_mismatch")
    if row.created_at <= now - MAX_AGE:
        raise Conflict("idempotency_expired")
    try:
        return unseal(idempotency.sealing_key(secret), lookup, row.sealed)
    except SealBroken as error:
        raise Conflict("idempotency_expired") from error


def record_rows(
    *,
    idempotency: IdempotencyKey,
    secret: bytes,
    request_hash: str,
    complaint_id: int,
    receipt: dict[str, Any],
    now: datetime,
) -> Rows:
    """The record that keeps `receipt` sealed, to be written with the complaint."""
    lookup = idempotency.lookup(secret)
    return Rows(
        IdempotencyRecord.__table__,
        [
            {
                "lookup": lookup,
                "request_hash": request_hash,
                "complaint_id": complaint_id,
                "sealed": seal(idempotency.sealing_key(secret), lookup, receipt),
                "created_at": now,
            }
        ],
    )


def purge(*, session: Session, now: datetime) -> int:
    """Forget the records older than 24 hours; how many there were."""
    result = session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.created_at <= now - MAX_AGE)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
