"""Marshmallow schemas of the sla API."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from backend.agencies.models import DEFAULT_CALENDAR_CODE
from backend.sla.models import JobStatus, Unit
from backend.web.fields import AwareDateTime, Date, LocalDateTime, TimeZoneName

UNITS = [unit.value for unit in Unit]
OVERLAY_KINDS = ["closure", "regional_holiday", "working_day"]


class DeadlineQuerySchema(ma.Schema):
    """The question of computeDeadline."""

    start = AwareDateTime(required=True, metadata={"description": "ISO 8601 with offset"})
    days = fields.Integer(required=True, validate=validate.Range(min=0, max=3650))
    unit = fields.String(required=True, validate=validate.OneOf(UNITS))
    calendar = fields.String(
        load_default=DEFAULT_CALENDAR_CODE, validate=validate.Length(min=1, max=40)
    )


class SkippedDaySchema(ma.Schema):
    """A non-working day a deadline stepped over, and why."""

    date = Date(required=True)
    reason = fields.String(required=True)
    kind = fields.String(required=True)
    estimated = fields.Boolean(required=True)


class DeadlineSchema(ma.Schema):
    """A computed deadline: the end of the local due day, and the days it skipped."""

    start = AwareDateTime(required=True)
    day_zero = Date(required=True)
    days = fields.Integer(required=True)
    unit = fields.String(required=True)
    calendar = fields.String(required=True)
    calendar_version = fields.Integer(required=True)
    timezone = fields.String(required=True, metadata={"description": "IANA name of the zone"})
    time_zone = TimeZoneName()
    due_date = Date(required=True)
    due_at = AwareDateTime(required=True, metadata={"description": "UTC"})
    due_at_local = LocalDateTime(
        required=True,
        metadata={"description": "The same instant in the calendar's zone (23:59:59 local)"},
    )
    skipped = fields.List(fields.Nested(SkippedDaySchema), required=True)


class CalendarSchema(ma.Schema):
    """A regional working-day calendar."""

    code = fields.String(required=True)
    name = fields.String(required=True)
    timezone = fields.String(required=True)
    first_year = fields.Integer(required=True)
    last_year = fields.Integer(required=True)
    version = fields.Integer(required=True)
    include_cuti_bersama = fields.Boolean(required=True)
    time_zone = TimeZoneName()
    updated_at = LocalDateTime()


class CalendarCreateSchema(ma.Schema):
    """A new regional calendar."""

    code = fields.String(required=True, validate=validate.Regexp(r"^[A-Z0-9-]{2,40}$"))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    zone = fields.String(
        load_default="WIB", metadata={"description": "WIB, WITA, WIT (or the IANA name)"}
    )
    first_year = fields.Integer(required=True)
    last_year = fields.Integer(required=True)
    include_cuti_bersama = fields.Boolean(load_default=True)


class OverlaySchema(ma.Schema):
    """An admin's change to the national calendar on one date."""

    id = fields.Integer(dump_only=True)
    day = Date(required=True)
    kind = fields.String(
        required=True,
        validate=validate.OneOf(OVERLAY_KINDS),
        metadata={"description": "closure / regional_holiday: a day off; working_day: a moved day"},
    )
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    time_zone = TimeZoneName()
    created_at = LocalDateTime(dump_only=True)


class PolicyCreateSchema(ma.Schema):
    """A new version of an SLA policy."""

    code = fields.String(required=True, validate=validate.Length(min=1, max=60))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    category = fields.String(
        load_default=None, allow_none=True, metadata={"description": "category code; none: default"}
    )
    rules = fields.Dict(
        keys=fields.String(),
        values=fields.Dict(),
        required=True,
        metadata={
            "description": 'per clock: {"response": {"days": 14, "unit": "working_day", '
            '"ladder": [{"step": "warning", "level": 0, "offset": -3, "target": "officer"}]}}'
        },
    )


class PolicySchema(ma.Schema):
    """A version of an SLA policy."""

    id = fields.Integer()
    code = fields.String()
    version = fields.Integer()
    name = fields.String()
    category_id = fields.Integer(allow_none=True)
    rules = fields.Dict()
    is_current = fields.Boolean()
    time_zone = TimeZoneName()
    created_at = LocalDateTime()


class RecalculateSchema(ma.Schema):
    """Which open clocks to recount."""

    calendar = fields.String(load_default=None, allow_none=True)
    policy = fields.String(load_default=None, allow_none=True)


class RecalculationSchema(ma.Schema):
    """A recalculation of open clocks, running in the background: poll it until it is done."""

    id = fields.Integer(required=True)
    status = fields.String(
        required=True, validate=validate.OneOf([status.value for status in JobStatus])
    )
    calendar = fields.String(attribute="calendar_code", allow_none=True)
    policy = fields.String(attribute="policy_code", allow_none=True)
    time_zone = TimeZoneName()
    requested_at = LocalDateTime(required=True)
    started_at = LocalDateTime(allow_none=True)
    finished_at = LocalDateTime(allow_none=True)
    total = fields.Integer(
        allow_none=True, metadata={"description": "Running clocks to look at (once started)"}
    )
    done = fields.Integer(required=True, metadata={"description": "Clocks looked at so far"})
    changed = fields.Integer(required=True, metadata={"description": "Clocks given a new deadline"})
    error = fields.String(allow_none=True)


class ClockBaseSchema(ma.Schema):
    """What every view of a legal clock shows (the case page, the SLA page)."""

    kind = fields.String(required=True)
    cycle = fields.Integer(required=True)
    state = fields.String(required=True)
    unit = fields.String(required=True)
    days = fields.Integer(required=True)
    time_zone = TimeZoneName()
    started_at = LocalDateTime(required=True)
    # a postponed (paused) clock has no deadline: `due_at` is the one it had before the pause
    due_at = LocalDateTime(required=True, metadata={"description": "in the clock's zone"})
    due_date = Date(required=True)
    stopped_at = LocalDateTime(allow_none=True)
    paused_at = LocalDateTime(allow_none=True)
    breached_at = LocalDateTime(allow_none=True)


class ClockStatusSchema(ClockBaseSchema):
    """A legal clock with its deadline, time left or overdue by, and its explanation."""

    id = fields.Integer(required=True)
    days_left_when_paused = fields.Integer(allow_none=True)
    overdue = fields.Boolean(required=True)
    seconds_left = fields.Integer(allow_none=True)
    overdue_seconds = fields.Integer(allow_none=True)
    escalation_level = fields.Integer(required=True)
    deadline_version = fields.Integer(required=True)
    calendar = fields.String(required=True, metadata={"description": "the calendar's code"})
    calendar_name = fields.String(metadata={"description": "the calendar as people read it"})
    calendar_version = fields.Integer(required=True)
    policy_name = fields.String(
        allow_none=True,
        metadata={
            "description": "the SLA policy and version that set it; null: the statutory default"
        },
    )
    explanation = fields.Dict(required=True)
    consequence = fields.String(allow_none=True)


class ComplaintSlaSchema(ma.Schema):
    """A complaint's legal clocks."""

    complaint_id = fields.Integer(required=True)
    tracking_code = fields.String(required=True)
    time_zone = TimeZoneName()
    now = LocalDateTime(required=True)
    clocks = fields.List(fields.Nested(ClockStatusSchema), required=True)
