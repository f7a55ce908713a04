"""Breach reports, compliance summaries and a complaint's clocks."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from backend.agencies import service as agencies
from backend.auth.access import authorize, current_principal
from backend.complaints.queries import get_complaint
from backend.db import now_utc
from backend.extensions import db
from backend.reports import service
from backend.reports.permissions import POLICY
from backend.reports.schemas import (
    BreachQuerySchema,
    BreachSchema,
    SummaryQuerySchema,
    SummarySchema,
)
from backend.sla.clocks import clock_status, list_clocks
from backend.sla.schemas import ComplaintSlaSchema
from backend.web.pagination import PageArgsSchema, page_body, page_schema
from backend.web.spec import Blueprint

blp = Blueprint(
    "reports", __name__, url_prefix="/api/v1", description="Laporan pelanggaran tenggat"
)


def _agency_id(code: str | None) -> int | None:
    if not code:
        return None
    return agencies.agency_by_code(session=db.session, code=code, field="agency").id


@blp.route("/reports/breaches")
class Breaches(MethodView):
    """Missed deadlines."""

    @blp.doc(operationId="listBreaches")
    @authorize(POLICY, "reports.breaches")
    @blp.arguments(BreachQuerySchema, location="query")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_schema(BreachSchema, "BreachPageSchema"))
    def get(self, query: dict[str, Any], paging: dict[str, Any]) -> dict[str, Any]:
        """List breached deadlines, longest overdue first, with the Pasal 54 sanction.

        Supervisors, verifiers and admins see every agency; an agency head only their own.
        """
        now = now_utc()
        filters = service.BreachFilters(
            agency_id=_agency_id(query.get("agency")),
            kind=query.get("clock"),
            min_level=query.get("level"),
            breached_from=query.get("breached_from"),
            breached_to=query.get("breached_to"),
            open_only=bool(query.get("open")),
            ombudsman=query.get("ombudsman"),
        )
        page = service.list_breaches(
            session=db.session, principal=current_principal(), filters=filters, now=now, **paging
        )
        body = page_body(page)
        body["items"] = [
            {
                "clock_id": clock.id,
                "complaint_id": clock.complaint_id,
                "tracking_code": code,
                "agency": agency,
                "clock": clock.kind,
                "state": clock.state,
                "due_at": clock.due_at,
                "breached_at": clock.breached_at,
                "stopped_at": clock.stopped_at,
                "overdue_seconds": int(seconds),
                "escalation_level": clock.escalation_level,
                "consequence": service.consequence(clock.kind),
            }
            for clock, code, agency, seconds in page.items
        ]
        return body


@blp.route("/reports/breach-summary")
class BreachSummary(MethodView):
    """Compliance per agency and clock."""

    @blp.doc(operationId="getBreachSummary")
    @authorize(POLICY, "reports.breaches")
    @blp.arguments(SummaryQuerySchema, location="query")
    @blp.response(200, SummarySchema)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """Open, at-risk, breached, compliance rate, median and p90 time to finish, per agency
        and clock.

        At risk: running clocks not yet overdue inside the escalation ladder's warning window.
        The counts are exact; the median and p90 are approximate, within 23 % of the exact value
        (within a minute for times under a minute), as they come from a histogram of the times
        kept as clocks change rather than from every clock of the period.
        """
        rows = service.breach_summary(
            session=db.session,
            principal=current_principal(),
            now=now_utc(),
            period_from=query.get("period_from"),
            period_to=query.get("period_to"),
            agency_id=_agency_id(query.get("agency")),
        )
        return {
            "period_from": query.get("period_from"),
            "period_to": query.get("period_to"),
            "rows": rows,
        }


@blp.route("/complaints/<int(min=1, max=2147483647):complaint_id>/sla")
class ComplaintSla(MethodView):
    """A complaint's legal clocks."""

    @blp.doc(operationId="getComplaintSla")
    @authorize(POLICY, "reports.complaint_sla")
    @blp.response(200, ComplaintSlaSchema)
    def get(self, complaint_id: int) -> dict[str, Any]:
        """A complaint's clocks: state, due date (WIB), time left or overdue by, and why.

        The explanation lists the day counted as day 0, the unit, and every non-working day the
        deadline stepped over.
        """
        complaint = get_complaint(
            session=db.session, principal=current_principal(), complaint_id=complaint_id
        )
        now = now_utc()
        clocks = []
        found = list_clocks(session=db.session, complaint_id=complaint.id)
        names = service.clock_names(session=db.session, clocks=found)
        for clock in found:
            status = clock_status(clock, now)
            status["consequence"] = service.consequence(clock.kind)
            status["calendar_name"] = names.calendars.get(clock.calendar_code, clock.calendar_code)
            status["policy_name"] = names.policies.get(clock.policy_id)
            clocks.append(status)
        return {
            "complaint_id": complaint.id,
            "tracking_code": complaint.tracking_code,
            "now": now,
            "clocks": clocks,
        }
