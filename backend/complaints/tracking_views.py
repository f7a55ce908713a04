"""Tracking by code and PIN, without an account: read, reply, act, add evidence.

The code and PIN travel in the body, so the PIN never lands in a URL or an access log.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from flask.views import MethodView

from backend.agencies.service import names_by_id
from backend.auth.principal import Principal
from backend.complaints import attachments, lifecycle, storage, timeline, tracking
from backend.complaints.models import Complaint, Visibility
from backend.complaints.permissions import POLICY
from backend.complaints.schemas import (
    AttachmentSchema,
    FileSchema,
    TrackActionSchema,
    TrackedComplaintSchema,
    TrackReplySchema,
    TrackSchema,
    TrackUploadSchema,
)
from backend.complaints.views import shown
from backend.db import now_utc
from backend.errors import DomainError
from backend.extensions import db, rate_limit
from backend.sla.calendars import zone_of_agency
from backend.sla.clocks import list_clocks
from backend.web.fields import show_times_in
from backend.web.presenting import Presented
from backend.web.spec import Blueprint

blp = Blueprint(
    "tracking",
    __name__,
    url_prefix="/api/v1/track",
    description="Lacak pengaduan dengan kode dan PIN (tanpa akun)",
)


def as_tracker(data: dict[str, Any]) -> Principal:
    """The holder of the code and PIN in `data`; wrong PINs are counted, and the count kept
    (committed) even though the request fails."""
    config = current_app.config
    try:
        complaint = tracking.authenticate(
            session=db.session,
            code=data["code"],
            pin=data["pin"],
            now=now_utc(),
            pin_keys=config["PIN_KEYS"],
            max_failures=config["TRACKING_MAX_FAILURES"],
            lockout=timedelta(minutes=config["TRACKING_LOCKOUT_MINUTES"]),
        )
    except DomainError:
        db.session.commit()
        raise
    return Principal.tracker(complaint.id)


def tracked_body(principal: Principal) -> Presented:
    """What the holder of code and PIN sees: status, public timeline, agency; no identity."""
    assert principal.id is not None
    complaint = db.session.get_one(Complaint, principal.id)
    show_times_in(zone_of_agency(session=db.session, agency_id=complaint.agency_id))
    categories, agencies = names_by_id(session=db.session)
    return shown(
        complaint,
        category_name=categories.get(complaint.category_id),
        agency_name=agencies.get(complaint.agency_id) if complaint.agency_id else None,
        allowed_actions=lifecycle.allowed_actions(principal, complaint, session=db.session),
        may_add_information=POLICY.can(principal, "complaints.comment", complaint),
        dispute_window_ends_at=lifecycle.handling(session=db.session, complaint=complaint)[
            "dispute_window_ends_at"
        ],
        clocks=list_clocks(session=db.session, complaint_id=complaint.id),
        timeline=timeline.list_events(session=db.session, principal=principal, complaint=complaint),
        attachments=attachments.list_attachments(
            session=db.session, principal=principal, complaint=complaint
        ),
    )


@blp.route("")
class Track(MethodView):
    """Follow a complaint without an account."""

    @blp.doc(operationId="trackComplaint")
    @rate_limit("trackComplaint")
    @blp.arguments(TrackSchema)
    @blp.response(200, TrackedComplaintSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Track by code and PIN: status, public timeline, agency; no identity / Lacak.

        Wrong PINs are counted; after too many the code is locked for a while (429).
        """
        principal = as_tracker(data)
        db.session.commit()
        return tracked_body(principal)


@blp.route("/replies")
class TrackReply(MethodView):
    """Add information as the holder of the code."""

    @blp.doc(operationId="replyToTrackedComplaint")
    @rate_limit("replyToTrackedComplaint")
    @blp.arguments(TrackReplySchema)
    @blp.response(200, TrackedComplaintSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Reply with information; `complete_info` completes what was asked for / Balas."""
        principal = as_tracker(data)
        tracking.reply(
            session=db.session,
            principal=principal,
            message=data["message"],
            complete_info=data["complete_info"],
            at=now_utc(),
        )
        db.session.commit()
        return tracked_body(principal)


@blp.route("/actions")
class TrackAction(MethodView):
    """Withdraw, accept or dispute as the holder of the code."""

    @blp.doc(operationId="actOnTrackedComplaint")
    @rate_limit("actOnTrackedComplaint")
    @blp.arguments(TrackActionSchema)
    @blp.response(200, TrackedComplaintSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Withdraw the complaint, accept the decision (close) or dispute it (reopen) / Aksi."""
        principal = as_tracker(data)
        tracking.act(
            session=db.session,
            principal=principal,
            action=data["action"],
            reason=data.get("reason"),
            at=now_utc(),
        )
        db.session.commit()
        return tracked_body(principal)


@blp.route("/attachments")
class TrackUpload(MethodView):
    """Add evidence as the holder of the code."""

    @blp.doc(operationId="uploadTrackedAttachment")
    @rate_limit("uploadTrackedAttachment")
    @blp.arguments(TrackUploadSchema, location="form")
    @blp.arguments(FileSchema, location="files")
    @blp.response(201, AttachmentSchema)
    def post(self, form: dict[str, Any], files: dict[str, Any]) -> Any:
        """Upload evidence with code and PIN (JPEG, PNG, WebP, PDF) / Unggah bukti.

        Kept without any metadata; images above the pixel limit are refused (413).
        """
        principal = as_tracker(form)
        assert principal.id is not None
        upload = files["file"]
        attachment = attachments.store_attachment(
            session=db.session,
            principal=principal,
            complaint_id=principal.id,
            filename=upload.filename or "lampiran",
            stream=upload.stream,
            store=storage.store_of(current_app),
            max_pixels=current_app.config["MAX_IMAGE_PIXELS"],
            visibility=Visibility.PUBLIC,
            at=now_utc(),
        )
        db.session.commit()
        return attachment
