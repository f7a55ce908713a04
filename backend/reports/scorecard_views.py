"""The public scorecard: JSON and CSV, no login (issue 16, item 4)."""

from __future__ import annotations

import csv
import io
from typing import Any

import marshmallow as ma
from flask import Response
from flask.views import MethodView

from backend.auth.access import authorize
from backend.db import now_utc
from backend.extensions import db
from backend.reports import scorecard
from backend.reports.permissions import POLICY
from backend.reports.views import _agency_id, blp
from backend.sla.models import STAFF_CLOCKS


class ScorecardQuerySchema(ma.Schema):
    agency = ma.fields.String(metadata={"description": "Kode instansi; kosong: seluruh kota"})
    months = ma.fields.Integer(
        load_default=12,
        validate=ma.validate.Range(min=1, max=36),
        metadata={"description": "Berapa bulan ke belakang (1-36)"},
    )
    format = ma.fields.String(load_default="json", validate=ma.validate.OneOf(["json", "csv"]))


class FigureSchema(ma.Schema):
    value = ma.fields.Float(allow_none=True)
    suppressed = ma.fields.Boolean()


class RateSchema(FigureSchema):
    judged = ma.fields.Integer(allow_none=True)


class IkmFigureSchema(FigureSchema):
    band = ma.fields.String(allow_none=True)
    quality_id = ma.fields.String(allow_none=True)
    quality_en = ma.fields.String(allow_none=True)
    respondents = ma.fields.Integer(allow_none=True)


ComplianceSchema = ma.Schema.from_dict(
    {str(kind): ma.fields.Nested(RateSchema) for kind in STAFF_CLOCKS}, name="ComplianceSchema"
)


class ScorecardMonthSchema(ma.Schema):
    month = ma.fields.String()
    received = ma.fields.Nested(FigureSchema)
    compliance = ma.fields.Nested(ComplianceSchema)
    breaches = ma.fields.Nested(FigureSchema)
    decided = ma.fields.Nested(FigureSchema)
    median_decision_days = ma.fields.Nested(FigureSchema)
    ikm = ma.fields.Nested(IkmFigureSchema)


class ScorecardSchema(ma.Schema):
    agency = ma.fields.String(allow_none=True)
    as_of = ma.fields.AwareDateTime()
    timezone = ma.fields.String()
    suppressed_below = ma.fields.Integer()
    months = ma.fields.List(ma.fields.Nested(ScorecardMonthSchema))


def _card(query: dict[str, Any]) -> dict[str, Any]:
    code = query.get("agency") or None
    return scorecard.scorecard(
        session=db.session,
        query=scorecard.ScorecardQuery(
            agency_id=_agency_id(code), agency_code=code, months=query["months"]
        ),
        now=now_utc(),
    )


def _csv(card: dict[str, Any]) -> Response:
    out = io.StringIO()
    csv.writer(out).writerows(scorecard.csv_rows(card))
    response = Response(out.getvalue(), content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = 'attachment; filename="aduan-kinerja.csv"'
    return response


@blp.route("/public/scorecard")
class PublicScorecard(MethodView):
    """The city's and each agency's record, for anyone."""

    @blp.doc(operationId="getPublicScorecard")
    @authorize(POLICY, "reports.scorecard")
    @blp.arguments(ScorecardQuerySchema, location="query")
    @blp.response(200, ScorecardSchema)
    def get(self, query: dict[str, Any]) -> Any:
        """Rapor kinerja publik / public scorecard, month by month: verified complaints received,
        the share of each legal deadline met, breaches, median days to decision and the IKM.

        Data up to the end of yesterday (WIB), shown as `as_of`; any count under 5 is null with
        `suppressed` true. `format=csv` gives the same as CSV."""
        card = _card(query)
        return _csv(card) if query["format"] == "csv" else card


@blp.route("/public/scorecard.csv")
class PublicScorecardCsv(MethodView):
    """The scorecard as a spreadsheet."""

    @blp.doc(
        operationId="getPublicScorecardCsv",
        responses={"200": {"description": "CSV", "content": {"text/csv": {}}}},
    )
    @authorize(POLICY, "reports.scorecard")
    @blp.arguments(ScorecardQuerySchema, location="query")
    def get(self, query: dict[str, Any]) -> Response:
        """Rapor kinerja publik sebagai CSV / the public scorecard as CSV."""
        return _csv(_card(query))
