"""Columns of the sla domain that are derived from others, kept in step on every ORM write.

Installed by `backend.hooks.install` (the app factory, the CLI and the scheduler call it):

- `sla_clocks.late_seconds`: how long past its deadline a breached clock finished, fixed once it
  stops (`SlaClock.finished_late_seconds`), on every insert and update;
- the breach tallies: every flush adds the change rows of the clocks it wrote
  (`backend.sla.tallies.record_flush`).

Intake writes its first clock with Core and takes both from the same functions.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from backend.sla import tallies
from backend.sla.models import SlaClock


def _set_late_seconds(_mapper: Any, _connection: Any, clock: SlaClock) -> None:
    late = clock.finished_late_seconds()
    if clock.late_seconds != late:
        clock.late_seconds = late


LISTENERS: tuple[tuple[Any, str, Any], ...] = (
    (SlaClock, "before_insert", _set_late_seconds),
    (SlaClock, "before_update", _set_late_seconds),
    (Session, "after_flush", tallies.record_flush),
)


def install() -> None:
    """Register the listeners (once: installing again changes nothing)."""
    for target, name, listener in LISTENERS:
        if not event.contains(target, name, listener):
            event.listen(target, name, listener)
