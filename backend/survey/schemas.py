"""Marshmallow schemas of the survey API."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from backend.complaints.schemas import TrackSchema
from backend.survey.instrument import INSTRUMENTS
from backend.web.fields import AwareDateTime, LocalDateTime, TimeZoneName

ELEMENT_CODES = sorted({code for i in INSTRUMENTS.values() for code in i.codes})


class SurveyAnswerOptionSchema(ma.Schema):
    """One answer of an element: its score and the regulation's words for it."""

    score = fields.Integer(required=True)
    label_id = fields.String(required=True)
    label_en = fields.String(required=True)


class SurveyElementSchema(ma.Schema):
    """One of the nine elements (unsur) of PermenPANRB 14/2017."""

    code = fields.String(required=True)
    name_id = fields.String(required=True)
    name_en = fields.String(required=True)
    question_id = fields.String(required=True)
    question_en = fields.String(required=True)
    weight = fields.Float(required=True)
    options = fields.List(fields.Nested(SurveyAnswerOptionSchema), required=True)


class SurveyInstrumentSchema(ma.Schema):
    """A version of the questionnaire."""

    version = fields.Integer(required=True)
    elements = fields.List(fields.Nested(SurveyElementSchema), required=True)


class SurveyInstrumentQuerySchema(ma.Schema):
    """Which version of the questionnaire (the current one by default)."""

    version = fields.Integer(validate=validate.OneOf(sorted(INSTRUMENTS)))


class SurveyAnswersSchema(ma.Schema):
    """A response: a score 1-4 for each element answered, and an optional comment."""

    instrument_version = fields.Integer(
        required=True,
        validate=validate.OneOf(sorted(INSTRUMENTS)),
        metadata={"description": "the version of the questionnaire the answers were given to"},
    )
    answers = fields.Dict(
        keys=fields.String(validate=validate.OneOf(ELEMENT_CODES)),
        values=fields.Integer(strict=True, validate=validate.Range(min=1, max=4)),
        required=True,
        metadata={"description": "element code -> score (1 lowest, 4 highest)"},
    )
    comment = fields.String(allow_none=True, validate=validate.Length(max=2000))

    @ma.validates_schema
    def _answers_of_the_version(self, data: dict[str, Any], **kwargs: Any) -> None:
        """At least one answer, each to an element of the version answered."""
        answers = data.get("answers") or {}
        if not answers:
            raise ma.ValidationError(
                "Jawab setidaknya satu unsur. / Answer at least one.", "answers"
            )
        codes = INSTRUMENTS[data["instrument_version"]].codes
        unknown = sorted(set(answers) - set(codes))
        if unknown:
            raise ma.ValidationError(f"Not in this version: {', '.join(unknown)}.", "answers")


class SurveyTokenSchema(ma.Schema):
    """The token of an e-mailed survey link."""

    token = fields.String(required=True, validate=validate.Length(min=20, max=100))


class SurveyTokenAnswersSchema(SurveyTokenSchema, SurveyAnswersSchema):
    """A response sent with the e-mailed link's token."""


class SurveyTrackAnswersSchema(TrackSchema, SurveyAnswersSchema):
    """A response sent with the complaint's code and PIN."""


class SurveyInvitationStateSchema(ma.Schema):
    """Whose survey a link or a code leads to, and whether it is still open."""

    tracking_code = fields.String(required=True)
    answered = fields.Boolean(required=True)
    time_zone = TimeZoneName()
    answered_at = LocalDateTime(allow_none=True)
    instrument_version = fields.Integer(required=True)


class SurveyResponseSchema(ma.Schema):
    """A stored response."""

    id = fields.Integer(required=True)
    instrument_version = fields.Integer(required=True)
    time_zone = TimeZoneName()
    answered_at = LocalDateTime(required=True)
    answers = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    comment = fields.String(allow_none=True)


class IkmQuerySchema(ma.Schema):
    """The grouping and period of getIkmReport."""

    group = fields.String(load_default="agency", validate=validate.OneOf(["agency", "category"]))
    agency = fields.String(validate=validate.Length(max=40))
    period_from = AwareDateTime(metadata={"description": "answers given from"})
    period_to = AwareDateTime(metadata={"description": "answers given before"})
    by = fields.String(
        validate=validate.OneOf(["month"]),
        metadata={"description": "month: each group's months too (the trend)"},
    )


class IkmElementSchema(ma.Schema):
    """An element's mean score (NRR) and its weighted NRR."""

    element = fields.String(required=True)
    name_id = fields.String(required=True)
    name_en = fields.String(required=True)
    answered = fields.Integer(required=True)
    nrr = fields.Float(allow_none=True, metadata={"description": "sum / answered, 2 decimals"})
    weighted_nrr = fields.Float(allow_none=True, metadata={"description": "NRR x weight"})


class IkmSummarySchema(ma.Schema):
    """The index of a group of responses."""

    respondents = fields.Integer(required=True)
    ikm = fields.Float(
        allow_none=True, metadata={"description": "sum of weighted NRR x 25, 2 decimals"}
    )
    band = fields.String(allow_none=True, validate=validate.OneOf(["A", "B", "C", "D"]))
    quality_id = fields.String(allow_none=True, metadata={"description": "mutu pelayanan"})
    quality_en = fields.String(allow_none=True)
    elements = fields.List(fields.Nested(IkmElementSchema), required=True)
    weakest = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "up to 3 elements below the group's mean, lowest first"},
    )


class IkmMonthSchema(IkmSummarySchema):
    """The index of one month of a group."""

    month = fields.String(required=True, metadata={"description": "YYYY-MM, agency's zone"})


class IkmTotalSchema(IkmSummarySchema):
    """The index of every response in reach (the city, or an agency head's agency)."""

    sla_compliance_rate = fields.Float(
        allow_none=True, metadata={"description": "deadlines met out of met or missed"}
    )
    months = fields.List(fields.Nested(IkmMonthSchema))


class IkmRowSchema(IkmSummarySchema):
    """The index of one agency or category."""

    code = fields.String(allow_none=True)
    name = fields.String(allow_none=True)
    sla_compliance_rate = fields.Float(
        allow_none=True,
        metadata={"description": "deadlines met out of met or missed, same period (agencies)"},
    )
    months = fields.List(fields.Nested(IkmMonthSchema))


class SurveyWeightSchema(ma.Schema):
    """An element's weight in the index."""

    element = fields.String(required=True)
    weight = fields.Float(required=True)


class IkmReportSchema(ma.Schema):
    """IKM per agency or category, and the city's."""

    group = fields.String(required=True)
    period_from = AwareDateTime(allow_none=True)
    period_to = AwareDateTime(allow_none=True)
    instrument_version = fields.Integer(required=True)
    weights = fields.List(fields.Nested(SurveyWeightSchema), required=True)
    rows = fields.List(fields.Nested(IkmRowSchema), required=True)
    total = fields.Nested(IkmTotalSchema, required=True)
