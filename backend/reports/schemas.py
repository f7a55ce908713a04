"""Marshmallow schemas of the reports API."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from backend.sla.models import STAFF_CLOCKS
from backend.web.fields import AwareDateTime, LocalDateTime, TimeZoneName

# how near the histogram's quantiles are (backend.sla.tallies.quantile)
QUANTILE = (
    "approximate: read from a histogram of buckets each about 20 % wider than the last, so "
    "within 23 % of the exact value (within a minute for times under a minute); the counts "
    "are exact"
)


class BreachQuerySchema(ma.Schema):
    """Filters of listBreaches."""

    agency = fields.String(validate=validate.Length(max=40))
    clock = fields.String(validate=validate.OneOf([str(kind) for kind in STAFF_CLOCKS]))
    level = fields.Integer(
        validate=validate.Range(min=0, max=9),
        metadata={
            "description": "at least this escalation level (1 agency head ... 3 inspectorate)"
        },
    )
    breached_from = AwareDateTime()
    breached_to = AwareDateTime()
    open = fields.Boolean(metadata={"description": "only clocks still running past their deadline"})
    ombudsman = fields.Boolean(metadata={"description": "only breaches marked for the Ombudsman"})


class BreachSchema(ma.Schema):
    """A missed deadline and the sanction the law attaches to it (Pasal 54)."""

    clock_id = fields.Integer(required=True)
    complaint_id = fields.Integer(required=True)
    tracking_code = fields.String(required=True)
    agency = fields.String(allow_none=True)
    clock = fields.String(required=True)
    state = fields.String(required=True)
    time_zone = TimeZoneName()
    due_at = LocalDateTime(required=True)
    breached_at = LocalDateTime(required=True)
    stopped_at = LocalDateTime(allow_none=True)
    overdue_seconds = fields.Integer(required=True)
    escalation_level = fields.Integer(required=True)
    consequence = fields.String(allow_none=True)


class SummaryQuerySchema(ma.Schema):
    """The period and agency of getBreachSummary."""

    agency = fields.String(validate=validate.Length(max=40))
    period_from = AwareDateTime(metadata={"description": "clocks started from"})
    period_to = AwareDateTime(metadata={"description": "clocks started before"})


class SummaryRowSchema(ma.Schema):
    """Compliance of one agency with one clock."""

    agency = fields.String(allow_none=True)
    clock = fields.String(required=True)
    open = fields.Integer(required=True)
    overdue = fields.Integer(required=True)
    at_risk = fields.Integer(
        required=True,
        metadata={
            "description": "running clocks not yet overdue but inside the escalation ladder's "
            "warning window (by default the last 3 working days before the deadline)"
        },
    )
    breached = fields.Integer(required=True)
    on_time = fields.Integer(required=True)
    compliance_rate = fields.Float(allow_none=True)
    finished = fields.Integer(required=True)
    median_seconds = fields.Float(
        allow_none=True,
        metadata={"description": "median time from start to stop of finished clocks; " + QUANTILE},
    )
    p90_seconds = fields.Float(
        allow_none=True,
        metadata={"description": "90th percentile of the same times; " + QUANTILE},
    )
    consequence = fields.String(allow_none=True)


class SummarySchema(ma.Schema):
    """Compliance per agency and clock over a period."""

    period_from = AwareDateTime(allow_none=True)
    period_to = AwareDateTime(allow_none=True)
    rows = fields.List(fields.Nested(SummaryRowSchema), required=True)


class OmbudsmanFilterSchema(ma.Schema):
    """The period of the Ombudsman report: breaches within it."""

    breached_from = AwareDateTime()
    breached_to = AwareDateTime()


class ExportRequestSchema(ma.Schema):
    """createExport: what to export, as what, with which filters."""

    kind = fields.String(
        load_default="complaints",
        validate=validate.OneOf(["complaints", "ombudsman"]),
        metadata={
            "description": "complaints: the queue's rows with their clocks; ombudsman: breaches "
            "escalated to the inspectorate"
        },
    )
    format = fields.String(required=True, validate=validate.OneOf(["csv", "xlsx"]))
    filters = fields.Dict(
        keys=fields.String(),
        load_default=dict,
        metadata={
            "description": "complaints: listComplaints' filters (status as a list); ombudsman: "
            "breached_from, breached_to"
        },
    )


class ExportJobSchema(ma.Schema):
    """An export being written, or written."""

    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    format = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "queued, running, done, failed"})
    total = fields.Integer(allow_none=True)
    done = fields.Integer(required=True, metadata={"description": "rows written so far"})
    requested_at = AwareDateTime(required=True)
    finished_at = AwareDateTime(allow_none=True)
    expires_at = AwareDateTime(
        allow_none=True, metadata={"description": "the file is downloadable until then"}
    )
    error = fields.String(allow_none=True)
