"""Derived columns and the reference stamp, kept in step on every ORM write: one explicit call.

`install` registers every domain's session and mapper listeners. The app factory calls it (so the
web workers and every `flask` command, the scheduler included, have them), and so does any
script that writes with the ORM without an app. Calling it again changes nothing.
"""

from __future__ import annotations

from backend.agencies.models import Agency, Category, Kecamatan, Kelurahan, RoutingRule
from backend.complaints import hooks as complaint_hooks
from backend.db import reference
from backend.sla import hooks as sla_hooks
from backend.sla.models import Calendar, CalendarOverlay, SlaPolicy

# the tables whose rows intake caches per process (`backend.db.reference`): any change to them
# replaces the reference stamp in the same transaction
REFERENCE_MODELS = (
    Agency,
    Kecamatan,
    Kelurahan,
    Category,
    RoutingRule,
    Calendar,
    CalendarOverlay,
    SlaPolicy,
)


def install() -> None:
    """Register the listeners of every domain, and the reference stamp's."""
    reference.install(*REFERENCE_MODELS)
    sla_hooks.install()
    complaint_hooks.install()
