"""Exports a supervisor or the Ombudsman opens in a spreadsheet: the caller's complaints with
their legal clocks, and the breaches escalated to the inspectorate (the Ombudsman report).

Rows are produced one batch at a time from a streaming read (`yield_per`), so memory does not
grow with the export. A CSV can be streamed to the caller at once (`csv_chunks`); an export of
any size, and every XLSX (xlsxwriter in constant-memory mode), is written by the scheduler as an
`ExportJob` with its progress, and downloaded by the one who asked until it expires.

Only what the caller may see: the rows of `complaints_query` for their principal (the queue's
rule) and no identity column at all. A cell that a spreadsheet would read as a formula (first
character = + - @, or a tab or carriage return) is prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import marshmallow as ma
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.agencies.service import names_by_id
from backend.auth.principal import Principal
from backend.complaints.queries import complaints_query
from backend.complaints.schemas import ComplaintQuerySchema
from backend.localtime import zone_name
from backend.reports import service
from backend.reports.schemas import OmbudsmanFilterSchema
from backend.sla.calendars import zone_of_agency
from backend.sla.models import ClockKind, SlaClock

BATCH = 2_000
CLOCKS = (
    ClockKind.RESPONSE,
    ClockKind.COMPLETION,
    ClockKind.VERIFICATION,
    ClockKind.DECISION,
    ClockKind.DELIVERY,
)
CLOCK_COLUMNS = ("due_at", "state", "days_late", "escalation_level")
COMPLAINT_HEADER = (
    "tracking_code",
    "title",
    "status",
    "report_type",
    "category",
    "agency",
    "channel",
    "privacy",
    "received_at",
    "time_zone",
    "late_filing",
    *(f"{kind}_{column}" for kind in CLOCKS for column in CLOCK_COLUMNS),
)
OMBUDSMAN_HEADER = (
    "tracking_code",
    "agency",
    "clock",
    "due_at",
    "breached_at",
    "time_zone",
    "days_overdue",
    "escalation_level",
    "consequence",
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
LOCAL = "%Y-%m-%d %H:%M"


def neutralise(value: Any) -> Any:
    """A cell as a spreadsheet should show it: text that would start a formula gets a leading
    apostrophe (OWASP's advice on CSV injection); numbers and empty cells stay as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _local(instant: datetime | None, zone: Any) -> str:
    return instant.astimezone(zone).strftime(LOCAL) if instant else ""


def _days_late(clock: SlaClock, now: datetime) -> int:
    """Whole days past the deadline (started days count), 0 when on time."""
    if clock.due_at is None:
        return 0
    end = clock.stopped_at or now
    late = end - clock.due_at
    return math.ceil(late / timedelta(days=1)) if late > timedelta(0) else 0


@dataclass
class Export:
    """What an export writes: its header and its rows (a generator of lists)."""

    header: tuple[str, ...]
    rows: Iterator[list[Any]]


def complaint_rows(
    *, session: Session, principal: Principal, filters: dict[str, Any], now: datetime
) -> Export:
    """The caller's complaints as the queue filters them, each with its latest clock of every
    kind; names, not codes, for category and agency."""
    query = complaints_query(session=session, principal=principal, filters=filters)
    categories, agencies = names_by_id(session=session)

    def rows() -> Iterator[list[Any]]:
        result = session.scalars(query.execution_options(yield_per=BATCH))
        for batch in result.partitions():
            clocks = _latest_clocks(session, [c.id for c in batch])
            for complaint in batch:
                zone = zone_of_agency(session=session, agency_id=complaint.agency_id)
                row: list[Any] = [
                    complaint.tracking_code,
                    complaint.title,
                    complaint.status,
                    complaint.report_type,
                    categories.get(complaint.category_id, ""),
                    agencies.get(complaint.agency_id, "") if complaint.agency_id else "",
                    complaint.channel,
                    complaint.privacy,
                    _local(complaint.received_at, zone),
                    zone_name(zone),
                    "ya" if complaint.late_filing else "tidak",
                ]
                for kind in CLOCKS:
                    clock = clocks.get((complaint.id, kind))
                    row += (
                        [
                            _local(clock.due_at, zone),
                            clock.state,
                            _days_late(clock, now),
                            clock.escalation_level,
                        ]
                        if clock
                        else ["", "", "", ""]
                    )
                yield row

    return Export(COMPLAINT_HEADER, rows())


def _latest_clocks(session: Session, ids: list[int]) -> dict[tuple[int, str], SlaClock]:
    latest: dict[tuple[int, str], SlaClock] = {}
    for clock in session.scalars(
        select(SlaClock).where(SlaClock.complaint_id.in_(ids)).order_by(SlaClock.cycle)
    ):
        latest[(clock.complaint_id, clock.kind)] = clock
    return latest


def ombudsman_rows(
    *, session: Session, principal: Principal, filters: dict[str, Any], now: datetime
) -> Export:
    """The breaches escalated to the inspectorate step (the Ombudsman is told, Pasal 46),
    breached within the period, longest overdue first."""
    breaches = service.BreachFilters(
        min_level=3,
        breached_from=filters.get("breached_from"),
        breached_to=filters.get("breached_to"),
    )
    agencies = names_by_id(session=session)[1]

    def rows() -> Iterator[list[Any]]:
        page_number = 1
        while True:
            page = service.list_breaches(
                session=session,
                principal=principal,
                filters=breaches,
                now=now,
                page=page_number,
                per_page=200,
            )
            for clock, code, _agency, overdue in page.items:
                zone = zone_of_agency(session=session, agency_id=clock.agency_id)
                yield [
                    code,
                    agencies.get(clock.agency_id, "") if clock.agency_id else "",
                    clock.kind,
                    _local(clock.due_at, zone),
                    _local(clock.breached_at, zone),
                    zone_name(zone),
                    math.ceil(overdue / 86_400) if overdue else 0,
                    clock.escalation_level,
                    service.consequence(clock.kind) or "",
                ]
            if len(page.items) < 200:
                return
            page_number += 1

    return Export(OMBUDSMAN_HEADER, rows())


def filters_of(kind: str, raw: dict[str, Any]) -> dict[str, Any]:
    """An export's filters as its query takes them (dates parsed), from the JSON kept on the
    job: listComplaints' filters, or the Ombudsman report's period."""
    schema: ma.Schema = OmbudsmanFilterSchema() if kind == "ombudsman" else ComplaintQuerySchema()
    return dict(schema.load(raw))


def export_of(
    *, kind: str, session: Session, principal: Principal, filters: dict[str, Any], now: datetime
) -> Export:
    """The export named `kind` (complaints, ombudsman), its filters as kept on the job."""
    make = ombudsman_rows if kind == "ombudsman" else complaint_rows
    return make(session=session, principal=principal, filters=filters_of(kind, filters), now=now)


def csv_chunks(export: Export) -> Iterator[str]:
    """The export as CSV text, a batch of rows per chunk (with a BOM, so Excel reads UTF-8)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(export.header)
    for count, row in enumerate(export.rows, start=1):
        writer.writerow([neutralise(value) for value in row])
        if count % BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
