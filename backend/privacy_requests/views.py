"""Personal-data rights: the complainant's requests (by code and PIN, or their account), the
data-protection officer's queue and answers, legal holds and the retention runs."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from backend.auth.access import authorize, current_principal
from backend.auth.principal import Principal
from backend.complaints.models import Complaint
from backend.complaints.queries import get_complaint
from backend.complaints.schemas import TrackSchema
from backend.complaints.tracking_views import as_tracker
from backend.db import now_utc
from backend.extensions import db, rate_limit
from backend.privacy_requests import retention, service
from backend.privacy_requests.models import DataSubjectRequest
from backend.privacy_requests.permissions import POLICY
from backend.privacy_requests.schemas import (
    DataRequestAnswerSchema,
    DataRequestCreateSchema,
    DataRequestListSchema,
    DataRequestSchema,
    LegalHoldSchema,
    LegalHoldStateSchema,
    QueueArgsSchema,
    QueueItemSchema,
    RetentionRunSchema,
    TrackedDataRequestCreateSchema,
)
from backend.sla.calendars import zone_of_agency
from backend.web.fields import show_times_in
from backend.web.pagination import page_body, page_schema
from backend.web.presenting import Presented
from backend.web.spec import Blueprint

blp = Blueprint(
    "privacy_requests",
    __name__,
    url_prefix="/api/v1",
    description="Hak subjek data pribadi (UU 27/2022): permintaan, jawaban, retensi",
)
CID = "/complaints/<int(min=1, max=2147483647):complaint_id>"
RID = "/data-requests/<int(min=1, max=2147483647):request_id>"


def _shown(request: DataSubjectRequest, complaint: Complaint | None = None) -> Presented:
    complaint = complaint or db.session.get_one(Complaint, request.complaint_id)
    return Presented(
        request,
        tracking_code=complaint.tracking_code,
        overdue=request.overdue_at(now_utc()),
        complaint_status=complaint.status,
        legal_hold=complaint.legal_hold,
    )


def _city_zone() -> None:
    show_times_in(zone_of_agency(session=db.session, agency_id=None))


def _listed(complaint_id: int) -> dict[str, Any]:
    _city_zone()
    complaint = db.session.get_one(Complaint, complaint_id)
    return {
        "items": [
            _shown(r, complaint)
            for r in service.requests_of(session=db.session, complaint_id=complaint_id)
        ]
    }


def _file(principal: Principal, complaint: Complaint, data: dict[str, Any]) -> Presented:
    request = service.file_request(
        session=db.session,
        principal=principal,
        complaint=complaint,
        kind=data["kind"],
        details=data.get("details"),
        at=now_utc(),
    )
    db.session.commit()
    _city_zone()
    return _shown(request, complaint)


@blp.route("/track/data-requests")
class TrackedDataRequests(MethodView):
    """Personal-data requests with code and PIN."""

    @blp.doc(operationId="fileTrackedDataRequest")
    @rate_limit("fileTrackedDataRequest")
    @blp.arguments(TrackedDataRequestCreateSchema)
    @blp.response(201, DataRequestSchema)
    @blp.alt_response(409, description="a request of this kind is still pending")
    def post(self, data: dict[str, Any]) -> Any:
        """Ask for access, correction, erasure, restriction or consent withdrawal / Ajukan
        permintaan data pribadi.

        Answered within 3 x 24 hours (UU 27/2022). Wrong PINs count as for tracking.
        """
        principal = as_tracker(data)
        assert principal.id is not None
        return _file(principal, db.session.get_one(Complaint, principal.id), data)


@blp.route("/track/data-requests/list")
class TrackedDataRequestList(MethodView):
    """The personal-data requests of a tracked complaint."""

    @blp.doc(operationId="listTrackedDataRequests")
    @rate_limit("listTrackedDataRequests")
    @blp.arguments(TrackSchema)
    @blp.response(200, DataRequestListSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """The tracked complaint's personal-data requests and their answers / Daftar
        permintaan data pribadi (code and PIN in the body, never in the URL)."""
        principal = as_tracker(data)
        assert principal.id is not None
        db.session.commit()
        return _listed(principal.id)


@blp.route(CID + "/data-requests")
class ComplaintDataRequests(MethodView):
    """Personal-data requests from the citizen's account."""

    @blp.doc(operationId="fileDataRequest")
    @authorize(POLICY, "privacy.request")
    @blp.arguments(DataRequestCreateSchema)
    @blp.response(201, DataRequestSchema)
    @blp.alt_response(409, description="a request of this kind is still pending")
    def post(self, data: dict[str, Any], complaint_id: int) -> Any:
        """Ask about the personal data of one's own complaint / Ajukan permintaan data
        pribadi (answered within 3 x 24 hours)."""
        principal = current_principal()
        complaint = get_complaint(
            session=db.session, principal=principal, complaint_id=complaint_id
        )
        return _file(principal, complaint, data)

    @blp.doc(operationId="listDataRequestsOfComplaint")
    @authorize(POLICY, "privacy.request")
    @blp.response(200, DataRequestListSchema)
    def get(self, complaint_id: int) -> Any:
        """The personal-data requests of one's own complaint / Daftar permintaan."""
        principal = current_principal()
        complaint = get_complaint(
            session=db.session, principal=principal, complaint_id=complaint_id
        )
        POLICY.require(principal, "privacy.request", complaint)
        return _listed(complaint.id)


@blp.route(CID + "/legal-hold")
class LegalHold(MethodView):
    """A complaint's legal hold."""

    @blp.doc(operationId="setLegalHold")
    @authorize(POLICY, "privacy.legal_hold")
    @blp.arguments(LegalHoldSchema)
    @blp.response(200, LegalHoldStateSchema)
    def put(self, data: dict[str, Any], complaint_id: int) -> Any:
        """Set or lift a legal hold: while held, the personal data is neither erased on
        request nor by the retention schedule / Penahanan hukum (a hold needs its reason)."""
        complaint = service.set_legal_hold(
            session=db.session,
            principal=current_principal(),
            complaint_id=complaint_id,
            hold=data["hold"],
            reason=data.get("reason"),
            at=now_utc(),
        )
        db.session.commit()
        return {
            "complaint_id": complaint.id,
            "legal_hold": complaint.legal_hold,
            "legal_hold_reason": complaint.legal_hold_reason,
        }


@blp.route("/data-requests")
class DataRequestQueue(MethodView):
    """The data-protection officer's queue."""

    @blp.doc(operationId="listDataRequests")
    @authorize(POLICY, "privacy.queue")
    @blp.arguments(QueueArgsSchema, location="query")
    @blp.response(200, page_schema(QueueItemSchema, "DataRequestPageSchema"))
    def get(self, query: dict[str, Any]) -> Any:
        """Personal-data requests, pending first by nearest deadline / Antrean permintaan.

        Filter by `status` and `overdue` (pending past its 3 x 24 hours).
        """
        page = service.queue(
            session=db.session,
            principal=current_principal(),
            status=query.get("status"),
            overdue=query.get("overdue"),
            now=now_utc(),
            page=query["page"],
            per_page=query["per_page"],
        )
        _city_zone()
        body = page_body(page)
        body["items"] = [_shown(r) for r in page.items]
        return body


@blp.route(RID)
class DataRequestItem(MethodView):
    """One personal-data request."""

    @blp.doc(operationId="getDataRequest")
    @authorize(POLICY, "privacy.queue")
    @blp.response(200, QueueItemSchema)
    def get(self, request_id: int) -> Any:
        """A personal-data request with its complaint's state / Permintaan data pribadi."""
        request = service.get_request(
            session=db.session, principal=current_principal(), request_id=request_id
        )
        _city_zone()
        return _shown(request)


@blp.route(RID + "/answer")
class DataRequestAnswer(MethodView):
    """Answering a personal-data request."""

    @blp.doc(operationId="answerDataRequest")
    @authorize(POLICY, "privacy.answer")
    @blp.arguments(DataRequestAnswerSchema)
    @blp.response(200, QueueItemSchema)
    @blp.alt_response(409, description="already answered")
    def post(self, data: dict[str, Any], request_id: int) -> Any:
        """Grant or refuse, and carry it out / Jawab permintaan.

        Access gives the processing record; a correction sets the corrected fields; an
        erasure anonymises the identity and the attachments' metadata, or is refused while the
        complaint is open or under a legal hold (the answer says which). The answer is
        e-mailed (Indonesian and English) when the complainant gave an address.
        """
        request = service.answer_request(
            session=db.session,
            principal=current_principal(),
            request_id=request_id,
            answer=service.Answer(
                grant=data["decision"] == "grant",
                message=data.get("message"),
                corrections=data.get("corrections") or {},
            ),
            at=now_utc(),
        )
        db.session.commit()
        _city_zone()
        return _shown(request)


@blp.route("/retention/runs")
class RetentionRuns(MethodView):
    """What the retention schedule did."""

    @blp.doc(operationId="listRetentionRuns")
    @authorize(POLICY, "privacy.retention")
    @blp.response(200, RetentionRunSchema(many=True))
    def get(self) -> Any:
        """The latest 30 runs of the retention schedule, newest first / Riwayat retensi."""
        _city_zone()
        return retention.list_runs(session=db.session)
