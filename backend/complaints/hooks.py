"""What the complaints domain keeps in step with every ORM write, installed by
`backend.hooks.install` (the app factory, the CLI and the scheduler call it):

- `complaints.next_due_at`, the earliest running deadline (`backend.complaints.next_due`);
- evidence files, renamed into place after a commit and removed after anything else
  (`backend.complaints.storage`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from backend.complaints import next_due, storage

LISTENERS: tuple[tuple[Any, str, Any], ...] = (
    (Session, "before_flush", next_due.before_flush),
    (Session, "after_flush", next_due.after_flush),
    (Session, "after_commit", storage.settle),
    (Session, "after_transaction_end", storage.discard),
)


def install() -> None:
    """Register the listeners (once: installing again changes nothing)."""
    for target, name, listener in LISTENERS:
        if not event.contains(target, name, listener):
            event.listen(target, name, listener)
