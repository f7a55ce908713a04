"""Deadlines, calendars and SLA policies."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView

from backend.agencies import service as agencies
from backend.auth.access import authorize, current_principal
from backend.db import now_utc
from backend.extensions import db
from backend.sla import recalculations
from backend.sla.calendars import (
    add_overlay,
    compute_deadline,
    create_calendar,
    get_calendar,
    list_calendars,
    list_overlay,
    remove_overlay,
)
from backend.sla.models import Calendar, CalendarOverlay, SlaPolicy
from backend.sla.permissions import POLICY
from backend.sla.policies import create_policy_version, list_policies
from backend.sla.schemas import (
    CalendarCreateSchema,
    CalendarSchema,
    DeadlineQuerySchema,
    DeadlineSchema,
    OverlaySchema,
    PolicyCreateSchema,
    PolicySchema,
    RecalculateSchema,
    RecalculationSchema,
)
from backend.web.spec import Blueprint

blp = Blueprint("sla", __name__, url_prefix="/api/v1/sla", description="Tenggat dan kalender kerja")

CODE = "/calendars/<string(maxlength=40):code>"
LOCATION_HEADER = {"Location": {"description": "The job to poll", "schema": {"type": "string"}}}


@blp.route("/deadline")
class DeadlineQuery(MethodView):
    """Deadlines on the working-day calendar."""

    @blp.doc(operationId="computeDeadline")
    @blp.arguments(DeadlineQuerySchema, location="query")
    @blp.response(200, DeadlineSchema)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """Compute a deadline and the non-working days it skipped / Hitung tenggat.

        The local date of `start` (in the calendar's zone) is day 0; the deadline is the end of
        day N local time, answered in UTC. No login needed. Beyond the calendar's years: 422
        `calendar_horizon`.
        """
        calendar = get_calendar(session=db.session, code=query["calendar"])
        deadline = compute_deadline(
            session=db.session,
            start=query["start"],
            days=query["days"],
            unit=query["unit"],
            code=query["calendar"],
        )
        return {
            "start": query["start"],
            "day_zero": deadline.day_zero,
            "days": query["days"],
            "unit": query["unit"],
            "calendar": query["calendar"],
            "calendar_version": int(calendar.version),
            "timezone": calendar.zone.key,
            "time_zone": calendar.zone.key,
            "due_date": deadline.due_date,
            "due_at": deadline.due_at,
            "due_at_local": deadline.due_at,
            "skipped": [
                {"date": s.date, "reason": s.reason, "kind": s.kind, "estimated": s.estimated}
                for s in deadline.skipped
            ],
        }


@blp.route("/calendars")
class Calendars(MethodView):
    """The regional calendars."""

    @blp.doc(operationId="listCalendars")
    @blp.response(200, CalendarSchema(many=True))
    def get(self) -> list[Calendar]:
        """List the working-day calendars with their zones, years and versions / Kalender."""
        return list_calendars(session=db.session)

    @blp.doc(operationId="createCalendar")
    @authorize(POLICY, "sla.manage_calendars")
    @blp.arguments(CalendarCreateSchema)
    @blp.response(201, CalendarSchema)
    def post(self, data: dict[str, Any]) -> Calendar:
        """Create a regional calendar in WIB, WITA or WIT (admin) / Tambah kalender wilayah.

        Agencies whose calendar code names it count their clocks on it.
        """
        row = create_calendar(session=db.session, **data)
        db.session.commit()
        return row


@blp.route(CODE + "/overlay")
class Overlay(MethodView):
    """A calendar's overlay: closures, regional holidays, moved days."""

    @blp.doc(operationId="listCalendarOverlay")
    @blp.response(200, OverlaySchema(many=True))
    def get(self, code: str) -> list[CalendarOverlay]:
        """List the admin's changes to the national calendar / Perubahan kalender."""
        return list_overlay(session=db.session, code=code)

    @blp.doc(operationId="addCalendarOverlay")
    @authorize(POLICY, "sla.manage_calendars")
    @blp.arguments(OverlaySchema)
    @blp.response(201, OverlaySchema)
    def post(self, data: dict[str, Any], code: str) -> CalendarOverlay:
        """Add a closure or regional holiday, or make a moved day a working day (admin).

        The calendar's version rises; open clocks keep their deadlines until recalculated.
        """
        entry = add_overlay(
            session=db.session,
            code=code,
            day=data["day"],
            kind=data["kind"],
            name=data["name"],
            user_id=current_principal().id,
        )
        db.session.commit()
        return entry


@blp.route(CODE + "/overlay/<int(min=1, max=2147483647):overlay_id>")
class OverlayItem(MethodView):
    """One overlay entry."""

    @blp.doc(operationId="removeCalendarOverlay")
    @authorize(POLICY, "sla.manage_calendars")
    @blp.response(204)
    def delete(self, code: str, overlay_id: int) -> None:
        """Remove an overlay entry (admin); the calendar's version rises."""
        remove_overlay(session=db.session, code=code, overlay_id=overlay_id)
        db.session.commit()


@blp.route("/policies")
class Policies(MethodView):
    """Versioned SLA policies per category."""

    @blp.doc(operationId="listSlaPolicies")
    @authorize(POLICY, "sla.read_policies")
    @blp.response(200, PolicySchema(many=True))
    def get(self) -> list[SlaPolicy]:
        """List every version of every policy, newest first / Kebijakan SLA."""
        return list_policies(session=db.session)

    @blp.doc(operationId="createSlaPolicyVersion")
    @authorize(POLICY, "sla.manage_policies")
    @blp.arguments(PolicyCreateSchema)
    @blp.response(201, PolicySchema)
    def post(self, data: dict[str, Any]) -> SlaPolicy:
        """Create a new version of a policy (admin); it applies to clocks started from now on.

        Running clocks keep their deadlines until `recalculateOpenClocks` is called.
        """
        category_id = None
        if data.get("category"):
            category_id = agencies.category_by_code(session=db.session, code=data["category"]).id
        policy = create_policy_version(
            session=db.session,
            code=data["code"],
            name=data["name"],
            category_id=category_id,
            rules=data["rules"],
            user_id=current_principal().id,
        )
        db.session.commit()
        return policy


@blp.route("/recalculations")
class Recalculations(MethodView):
    """Recount open clocks, in the background."""

    @blp.doc(operationId="recalculateOpenClocks")
    @authorize(POLICY, "sla.recalculate")
    @blp.arguments(RecalculateSchema)
    @blp.response(202, RecalculationSchema, headers=LOCATION_HEADER)
    def post(self, data: dict[str, Any]) -> Any:
        """Start recounting running clocks on the current calendar and policies (admin).

        Answers at once (202) with the job to poll (`getRecalculation`, the Location header);
        the scheduler works through the clocks in batches. Stopped and expired clocks are never
        rewritten; each changed clock gets a new deadline version, so its escalation ladder
        starts again.
        """
        job = recalculations.request(
            session=db.session,
            calendar_code=data.get("calendar"),
            policy_code=data.get("policy"),
            user_id=current_principal().id,
            at=now_utc(),
        )
        db.session.commit()
        location = url_for("sla.Recalculation", job_id=job.id)
        return job, 202, {"Location": location}


@blp.route("/recalculations/<int(min=1, max=2147483647):job_id>")
class Recalculation(MethodView):
    """One recalculation job."""

    @blp.doc(operationId="getRecalculation")
    @authorize(POLICY, "sla.recalculate")
    @blp.response(200, RecalculationSchema)
    def get(self, job_id: int) -> Any:
        """A recalculation's progress: status, clocks looked at of the total, clocks changed."""
        return recalculations.get_job(session=db.session, job_id=job_id)
