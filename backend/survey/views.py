"""The survey: the questionnaire, answering it (by link or by code and PIN), the IKM report."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from backend.agencies import service as agencies
from backend.auth.access import authorize, current_principal
from backend.complaints.schemas import TrackSchema
from backend.complaints.tracking_views import as_tracker
from backend.db import now_utc
from backend.extensions import db, rate_limit
from backend.reports.permissions import POLICY as REPORTS
from backend.sla.calendars import zone_of_agency
from backend.survey import report, service
from backend.survey.instrument import INSTRUMENTS, current
from backend.survey.models import SurveyResponse
from backend.survey.schemas import (
    IkmQuerySchema,
    IkmReportSchema,
    SurveyInstrumentQuerySchema,
    SurveyInstrumentSchema,
    SurveyInvitationStateSchema,
    SurveyResponseSchema,
    SurveyTokenAnswersSchema,
    SurveyTokenSchema,
    SurveyTrackAnswersSchema,
)
from backend.web.fields import show_times_in
from backend.web.spec import Blueprint

blp = Blueprint(
    "survey",
    __name__,
    url_prefix="/api/v1",
    description="Survei Kepuasan Masyarakat (PermenPANRB 14/2017) dan IKM",
)


def _shown(response: SurveyResponse) -> dict[str, Any]:
    show_times_in(zone_of_agency(session=db.session, agency_id=response.agency_id))
    return {
        "id": response.id,
        "instrument_version": response.instrument_version,
        "answered_at": response.answered_at,
        "answers": {answer.element: answer.score for answer in response.answers},
        "comment": response.comment,
    }


def _state(state: service.InvitationState) -> service.InvitationState:
    show_times_in(zone_of_agency(session=db.session, agency_id=None))
    return state


@blp.route("/survey/instrument")
class SurveyInstrument(MethodView):
    """The questionnaire."""

    @blp.doc(operationId="getSurveyInstrument")
    @blp.arguments(SurveyInstrumentQuerySchema, location="query")
    @blp.response(200, SurveyInstrumentSchema)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """The nine elements, each with the four answers in the regulation's words / Kuesioner.

        Scores run from 1 (lowest) to 4; each element's weight in the index is given.
        """
        instrument = INSTRUMENTS[query.get("version") or current().version]
        return {
            "version": instrument.version,
            "elements": [
                {
                    "code": element.code,
                    "name_id": element.name_id,
                    "name_en": element.name_en,
                    "question_id": element.question_id,
                    "question_en": element.question_en,
                    "weight": float(instrument.weights[element.code]),
                    "options": [
                        {"score": score, "label_id": label_id, "label_en": label_en}
                        for score, (label_id, label_en) in enumerate(element.answers, start=1)
                    ],
                }
                for element in instrument.elements
            ],
        }


@blp.route("/survey/invitation")
class SurveyInvitation(MethodView):
    """Where an e-mailed survey link leads."""

    @blp.doc(operationId="getSurveyInvitation")
    @rate_limit("getSurveyInvitation")
    @blp.arguments(SurveyTokenSchema)
    @blp.response(200, SurveyInvitationStateSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """The complaint an e-mailed link is for, and whether it was answered / Undangan survei.

        The token travels in the body, never in an API URL; an unknown token is 404.
        """
        return _state(service.state_by_token(session=db.session, token=data["token"]))


@blp.route("/survey/responses")
class SurveyResponses(MethodView):
    """Answering with an e-mailed link."""

    @blp.doc(operationId="submitSurveyResponse")
    @rate_limit("submitSurveyResponse")
    @blp.arguments(SurveyTokenAnswersSchema)
    @blp.response(201, SurveyResponseSchema)
    @blp.alt_response(409, description="already answered (one response per complaint)")
    def post(self, data: dict[str, Any]) -> Any:
        """Answer the survey with the e-mailed link's token; the link works once / Isi survei."""
        response = service.answer_by_token(
            session=db.session,
            token=data["token"],
            instrument_version=data["instrument_version"],
            answers=data["answers"],
            comment=data.get("comment"),
            at=now_utc(),
        )
        db.session.commit()
        return _shown(response)


@blp.route("/track/survey")
class TrackedSurvey(MethodView):
    """The survey of a tracked complaint."""

    @blp.doc(operationId="getTrackedSurvey")
    @rate_limit("getTrackedSurvey")
    @blp.arguments(TrackSchema)
    @blp.response(200, SurveyInvitationStateSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Whether the tracked complaint's survey is open or answered / Status survei.

        409 while the complaint is not closed. Wrong PINs count as for tracking.
        """
        principal = as_tracker(data)
        assert principal.id is not None
        db.session.commit()
        return _state(service.state_of_complaint(session=db.session, complaint_id=principal.id))


@blp.route("/track/survey/responses")
class TrackedSurveyResponses(MethodView):
    """Answering with code and PIN."""

    @blp.doc(operationId="answerTrackedSurvey")
    @rate_limit("answerTrackedSurvey")
    @blp.arguments(SurveyTrackAnswersSchema)
    @blp.response(201, SurveyResponseSchema)
    @blp.alt_response(409, description="not closed yet, or already answered")
    def post(self, data: dict[str, Any]) -> Any:
        """Answer the survey of a closed complaint with its code and PIN (anonymous too) / Isi.

        One response per complaint: a second one is refused (409).
        """
        principal = as_tracker(data)
        assert principal.id is not None
        response = service.answer_by_tracking(
            session=db.session,
            complaint_id=principal.id,
            instrument_version=data["instrument_version"],
            answers=data["answers"],
            comment=data.get("comment"),
            at=now_utc(),
        )
        db.session.commit()
        return _shown(response)


@blp.route("/reports/ikm")
class IkmReport(MethodView):
    """The satisfaction index."""

    @blp.doc(operationId="getIkmReport")
    @authorize(REPORTS, "reports.breaches")
    @blp.arguments(IkmQuerySchema, location="query")
    @blp.response(200, IkmReportSchema)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """IKM per agency or category: respondents, index, band, each element's NRR, the
        weakest elements, SLA compliance beside it (agencies), and with `by=month` the trend.

        IKM = sum of (NRR x weight) x 25, NRR = sum of scores / number answered, weights 1/9
        each (PermenPANRB 14/2017); bands A 88.31-100 Sangat Baik, B 76.61-88.30 Baik,
        C 65.00-76.60 Kurang Baik, D 25.00-64.99 Tidak Baik.
        """
        agency = query.get("agency")
        return report.ikm_report(
            session=db.session,
            principal=current_principal(),
            query=report.IkmQuery(
                group=query["group"],
                period_from=query.get("period_from"),
                period_to=query.get("period_to"),
                by_month=query.get("by") == "month",
                agency_id=agencies.agency_by_code(
                    session=db.session, code=agency, field="agency"
                ).id
                if agency
                else None,
            ),
            now=now_utc(),
        )
