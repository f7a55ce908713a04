"""The evidence store kept in step with the attachments' rows: leftover temporary objects swept,
local files moved into an object store, every row's object checked.

Each file is compared with what its row records: its size and SHA-256, computed when it was
stored (after its metadata was removed), so a file damaged or replaced since is found.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.complaints.models import Attachment
from backend.complaints.storage import EvidenceStore, ObjectMissing, StoredObject

# a temporary object older than this has no transaction left that could still commit it
STAGED_GRACE = timedelta(hours=1)


@dataclass
class SweepOutcome:
    """What a sweep of temporary objects did, by key."""

    settled: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def sweep_staged(
    *, session: Session, store: EvidenceStore, now: datetime, grace: timedelta = STAGED_GRACE
) -> SweepOutcome:
    """Finish what a process killed around a commit left in the store.

    A temporary object whose row exists was committed and never settled: it takes its key. One
    without a row, staged more than `grace` ago, belonged to a transaction that did not
    commit: it is removed. A younger one may belong to a transaction still running: kept.
    """
    outcome = SweepOutcome()
    leftovers = list(store.staged())
    if not leftovers:
        return outcome
    recorded = set(
        session.scalars(
            select(Attachment.storage_key).where(
                Attachment.storage_key.in_([key for key, _ in leftovers])
            )
        )
    )
    for key, staged_at in leftovers:
        if key in recorded:
            store.settle(key)
            outcome.settled.append(key)
        elif staged_at <= now - grace:
            store.discard(key)
            outcome.removed.append(key)
    return outcome


@dataclass(frozen=True)
class Finding:
    """One attachment's file, as a migration or a check found it.

    `state`: "present" (in the store as recorded), "copied" (moved in and verified),
    "would_copy" (a dry run), "missing" (nowhere to be found), "damaged" (its bytes differ
    from the row's size or digest; `detail` says how).
    """

    attachment_id: int
    key: str
    state: str
    detail: str = ""

    @property
    def is_problem(self) -> bool:
        """Whether the operator must look at this file."""
        return self.state in {"missing", "damaged"}


def _recorded(attachment: Attachment) -> StoredObject:
    return StoredObject(attachment.size, attachment.sha256)


def _measure(content: bytes) -> StoredObject:
    return StoredObject(len(content), hashlib.sha256(content).hexdigest())


def _difference(found: StoredObject, recorded: StoredObject) -> str:
    if found.size != recorded.size:
        return f"{found.size} bytes where the row records {recorded.size}"
    return f"SHA-256 {found.sha256} where the row records {recorded.sha256}"


def count_attachments(*, session: Session) -> int:
    """How many attachment rows there are (a progress bar's total)."""
    return session.scalar(select(func.count()).select_from(Attachment)) or 0


def _attachments(session: Session) -> Iterator[Attachment]:
    yield from session.scalars(
        select(Attachment).order_by(Attachment.id).execution_options(yield_per=500)
    )


def migrate(
    *,
    session: Session,
    source: EvidenceStore,
    target: EvidenceStore,
    dry_run: bool = False,
    remove_source: bool = False,
) -> Iterator[Finding]:
    """Copy every attachment's file from `source` into `target`, each verified after the copy.

    A file already in `target` as its row records it is left alone, so running this again
    copies nothing. A file whose source bytes differ from its row is not copied (the row's
    digest is the file as it was stored). `remove_source` removes each local file once its
    object in `target` is verified.
    """
    for attachment in _attachments(session):
        key, recorded = attachment.storage_key, _recorded(attachment)
        finding = _migrate_one(attachment.id, key, recorded, source, target, dry_run)
        if remove_source and not dry_run and finding.state in {"present", "copied"}:
            source.delete(key)
        yield finding


def _migrate_one(
    attachment_id: int,
    key: str,
    recorded: StoredObject,
    source: EvidenceStore,
    target: EvidenceStore,
    dry_run: bool,
) -> Finding:
    if target.describe(key) == recorded:
        return Finding(attachment_id, key, "present")
    try:
        content = source.read(key)
    except ObjectMissing:
        return Finding(attachment_id, key, "missing", "in neither store")
    found = _measure(content)
    if found != recorded:
        return Finding(attachment_id, key, "damaged", "local copy: " + _difference(found, recorded))
    if dry_run:
        return Finding(attachment_id, key, "would_copy")
    target.put(key, content)
    copied = target.describe(key)
    if copied != recorded:
        detail = "after the copy: " + (_difference(copied, recorded) if copied else "absent")
        return Finding(attachment_id, key, "damaged", detail)
    return Finding(attachment_id, key, "copied")


def check(*, session: Session, store: EvidenceStore) -> Iterator[Finding]:
    """Every attachment row's object, read back and compared with the row's size and digest."""
    for attachment in _attachments(session):
        key, recorded = attachment.storage_key, _recorded(attachment)
        found = store.describe(key)
        if found is None:
            yield Finding(attachment.id, key, "missing", _staged_note(store, key))
        elif found != recorded:
            yield Finding(attachment.id, key, "damaged", _difference(found, recorded))
        else:
            yield Finding(attachment.id, key, "present")


def _staged_note(store: EvidenceStore, key: str) -> str:
    try:
        store.read(key)
    except ObjectMissing:
        return "no object"
    return "still staged: `flask storage sweep` settles it"
