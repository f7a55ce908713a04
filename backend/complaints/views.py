"""Complaints: intake, lists, lifecycle, timeline, attachments; tracking by code and PIN."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app, jsonify, request, send_file
from flask.views import MethodView
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from backend.agencies.service import codes_by_id
from backend.auth.access import authenticated, current_principal
from backend.auth.models import Role, Scope
from backend.auth.principal import PUBLIC, Principal
from backend.complaints import attachments, lifecycle, service, timeline
from backend.complaints.models import Complaint, Visibility
from backend.complaints.schemas import (
    AttachmentSchema,
    CommentSchema,
    ComplaintCreateSchema,
    ComplaintListItemSchema,
    ComplaintQuerySchema,
    ComplaintSchema,
    EventSchema,
    FileSchema,
    IdempotencyHeaderSchema,
    IfMatchSchema,
    PrivacyChangeSchema,
    PublicComplaintSchema,
    PublicQuerySchema,
    ReceiptSchema,
    TrackActionSchema,
    TrackedComplaintSchema,
    TrackReplySchema,
    TrackSchema,
    TrackUploadSchema,
    TransitionSchema,
    UploadFormSchema,
)
from backend.db import now_utc
from backend.db.engine import begin_lazily
from backend.errors import Conflict, DomainError, PreconditionFailed, PreconditionRequired
from backend.extensions import db, limiter
from backend.sla.clocks import list_clocks
from backend.web.pagination import PageArgsSchema, page_body, page_schema
from backend.web.presenting import Presented
from backend.web.spec import Blueprint

blp = Blueprint("complaints", __name__, url_prefix="/api/v1", description="Pengaduan")
tracking_blp = Blueprint(
    "tracking",
    __name__,
    url_prefix="/api/v1/track",
    description="Lacak pengaduan dengan kode dan PIN (tanpa akun)",
)

CID = "/complaints/<int(min=1, max=2147483647):complaint_id>"
ETAG_HEADER = {"ETag": {"description": "Version of the complaint", "schema": {"type": "string"}}}
STAFF = (Role.OFFICER, Role.AGENCY_HEAD, Role.VERIFIER, Role.SUPERVISOR, Role.ADMIN)
READERS = (*STAFF, Role.CITIZEN)


def _codes() -> tuple[dict[int, str], dict[int, str]]:
    """Category and agency codes by id."""
    return codes_by_id(session=db.session)


def _pin_key() -> str:
    return current_app.config["SECRET_KEY"]


def _clocks(complaint: Complaint) -> list[Any]:
    return list_clocks(session=db.session, complaint_id=complaint.id)


def complaint_body(complaint: Complaint, principal: Principal) -> Presented:
    """A complaint for this caller: the identity only where the law allows them to see it."""
    categories, agencies = _codes()
    visible = service.identity_visible(principal, complaint)
    return Presented(
        complaint,
        category=categories.get(complaint.category_id),
        agency=agencies.get(complaint.agency_id) if complaint.agency_id else None,
        complainant=complaint.identity if visible else None,
        identity_hidden=complaint.identity is not None and not visible,
        allowed_actions=lifecycle.allowed_actions(principal, complaint, session=db.session),
        clocks=_clocks(complaint),
    )


def _respond(complaint: Complaint, principal: Principal) -> tuple[Presented, int, dict[str, str]]:
    return complaint_body(complaint, principal), 200, {"ETag": complaint.etag}


def _check_if_match(complaint: Complaint, headers: dict[str, Any]) -> None:
    """State changes need the ETag of the version they were based on."""
    given = headers.get("if_match")
    if not given:
        raise PreconditionRequired()
    # RFC 9110 13.1.1: a list of tags or "*", compared strongly (a weak tag never matches)
    tags = {tag.strip() for tag in given.split(",")}
    if "*" not in tags and complaint.etag not in tags:
        raise PreconditionFailed(headers={"ETag": complaint.etag})


def _commit() -> None:
    """Commit; a concurrent change of the same complaint is a 409, not a crash."""
    try:
        db.session.commit()
    except StaleDataError as error:
        db.session.rollback()
        raise Conflict() from error


def _scope(principal: Principal) -> str:
    if principal.kind == "public":
        return f"public:{request.remote_addr}"
    return f"{principal.kind}:{principal.id}"


_RECEIPT = ReceiptSchema()


def _receipt_body(receipt: service.Receipt, principal: Principal) -> dict[str, Any]:
    """The receipt, dumped once: it is also what an Idempotency-Key replay returns."""
    complaint = receipt.complaint
    return _RECEIPT.dump(
        {
            "id": complaint.id,
            "tracking_code": complaint.tracking_code,
            "pin": receipt.pin,
            "received_at": complaint.received_at,
            "received_by": principal.label if principal.is_staff else f"Kanal {complaint.channel}",
            "channel": complaint.channel,
            "title": complaint.title,
            "description": complaint.description,
            "category": receipt.category_code,
            "agency": receipt.agency_code,
            "late_filing": complaint.late_filing,
            "status": complaint.status,
        }
    )


def _commit_unexpired(session: Session) -> None:
    """Commit without expiring the session's objects: intake has read all it answers with.

    Expiring them cost a twentieth of intake's time in Python (issue 5).
    """
    expire = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire


def _replay(body: dict[str, Any]) -> Any:
    """The stored first answer to a retried request."""
    return jsonify(body), 201, {"Idempotent-Replayed": "true"}


@blp.route("/complaints")
class Complaints(MethodView):
    """File and list complaints."""

    @blp.doc(operationId="createComplaint")
    @authenticated(optional=True, scopes=(Scope.COMPLAINTS_CREATE,))
    @limiter.limit("30/minute")
    @blp.arguments(IdempotencyHeaderSchema, location="headers")
    @blp.arguments(ComplaintCreateSchema)
    @blp.response(201, ReceiptSchema)
    def post(self, headers: dict[str, Any], data: dict[str, Any]) -> Any:
        """File a complaint; the answer is the receipt (tanda terima) / Ajukan pengaduan.

        No account needed. Staff record assisted intake (walk-in, telephone, letter, WhatsApp,
        SMS, e-mail) with the time it was really received. A retry with the same
        Idempotency-Key returns the first receipt.
        """
        principal = current_principal()
        key = headers.get("idempotency_key")
        scope = _scope(principal)
        fingerprint = service.request_fingerprint(data) if key else ""
        # one statement writes it all, the receipt kept for replay included: atomic on its own,
        # so the reads before it need no transaction (`begin_lazily`)
        begin_lazily(db.session)
        if key:
            kept = service.find_idempotent(
                session=db.session, scope=scope, key=key, fingerprint=fingerprint
            )
            if kept is not None:
                return _replay(kept)
        answer: dict[str, Any] = {}

        def answer_and_keep(receipt: service.Receipt) -> None:
            """The receipt's body, made before the write, and kept for replay with it."""
            answer["body"] = _receipt_body(receipt, principal)
            if key:
                service.remember_idempotent(
                    session=db.session,
                    scope=scope,
                    key=key,
                    fingerprint=fingerprint,
                    complaint=receipt.complaint,
                    response=answer["body"],
                )

        for attempt in (1, 2):
            try:
                begin_lazily(db.session)  # again after a rollback
                service.create_complaint(
                    session=db.session,
                    principal=principal,
                    data=data,
                    now=now_utc(),
                    pin_key=_pin_key(),
                    late_filing_days=current_app.config["LATE_FILING_DAYS"],
                    before_write=answer_and_keep,
                )
                _commit_unexpired(db.session)
                return jsonify(answer["body"]), 201
            except IntegrityError:
                # the same key raced us (the first one's receipt is the answer), or two random
                # tracking codes clashed (file again with a new code, once)
                db.session.rollback()
                kept = key and service.find_idempotent(
                    session=db.session, scope=scope, key=key, fingerprint=fingerprint
                )
                if kept:
                    return _replay(kept)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    @blp.doc(operationId="listComplaints")
    @authenticated(*READERS, scopes=(Scope.COMPLAINTS_READ_OWN,))
    @blp.arguments(ComplaintQuerySchema, location="query")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_schema(ComplaintListItemSchema, "ComplaintPageSchema"))
    def get(self, filters: dict[str, Any], paging: dict[str, Any]) -> dict[str, Any]:
        """List the complaints the caller may see, filtered / Daftar pengaduan."""
        principal = current_principal()
        if filters.get("assigned_to_me"):
            filters["_principal_id"] = principal.id
        page = service.list_complaints(
            session=db.session, principal=principal, filters=filters, **paging
        )
        categories, agency_codes = _codes()
        now = now_utc()
        body = page_body(page)
        body["items"] = [
            Presented(
                c,
                category=categories.get(c.category_id),
                agency=agency_codes.get(c.agency_id) if c.agency_id else None,
                overdue=c.overdue_at(now),
            )
            for c in page.items
        ]
        return body


@blp.route(CID)
class ComplaintItem(MethodView):
    """One complaint."""

    @blp.doc(operationId="getComplaint")
    @authenticated(*READERS, scopes=(Scope.COMPLAINTS_READ_OWN,))
    @blp.response(200, ComplaintSchema, headers=ETAG_HEADER)
    def get(self, complaint_id: int) -> Any:
        """A complaint with its clocks and the actions the caller may take / Detail pengaduan."""
        principal = current_principal()
        complaint = service.get_complaint(
            session=db.session, principal=principal, complaint_id=complaint_id
        )
        return _respond(complaint, principal)


@blp.route(CID + "/transitions")
class Transitions(MethodView):
    """Move a complaint through its lifecycle."""

    @blp.doc(operationId="transitionComplaint")
    @authenticated(*READERS)
    @blp.arguments(IfMatchSchema, location="headers")
    @blp.arguments(TransitionSchema)
    @blp.response(200, ComplaintSchema, headers=ETAG_HEADER)
    def post(self, headers: dict[str, Any], data: dict[str, Any], complaint_id: int) -> Any:
        """Take an action: verify, request_info, assign, decide, deliver, reject... / Tindak lanjut.

        Needs If-Match with the complaint's ETag (412 when stale); an action not allowed from
        the current status is a 409.
        """
        principal = current_principal()
        complaint = service.get_complaint(
            session=db.session, principal=principal, complaint_id=complaint_id
        )
        _check_if_match(complaint, headers)
        action = data.pop("action")
        reason = data.pop("reason", None)
        lifecycle.transition(
            session=db.session,
            principal=principal,
            complaint=complaint,
            action_name=action,
            reason=reason,
            data=data,
            at=now_utc(),
        )
        _commit()
        return _respond(complaint, principal)


@blp.route(CID + "/events")
class Events(MethodView):
    """A complaint's timeline."""

    @blp.doc(operationId="listComplaintEvents")
    @authenticated(*READERS, scopes=(Scope.COMPLAINTS_READ_OWN,))
    @blp.response(200, EventSchema(many=True))
    def get(self, complaint_id: int) -> Any:
        """The timeline, oldest first; internal notes for staff only / Riwayat."""
        principal = current_principal()
        complaint = service.get_complaint(
            session=db.session, principal=principal, complaint_id=complaint_id
        )
        return timeline.list_events(
            session=db.session,
            complaint_id=complaint.id,
            include_internal=service.is_staff_of(principal, complaint),
        )


@blp.route(CID + "/comments")
class Comments(MethodView):
    """Notes and replies."""

    @blp.doc(operationId="addComplaintComment")
    @authenticated(*READERS)
    @blp.arguments(CommentSchema)
    @blp.response(201, EventSchema)
    def post(self, data: dict[str, Any], complaint_id: int) -> Any:
        """Add an internal note (staff) or a public reply / Tambah catatan atau balasan."""
        principal = current_principal()
        complaint = service.get_complaint(
            session=db.session, principal=principal, complaint_id=complaint_id
        )
        event = service.add_comment(
            session=db.session, principal=principal, complaint=complaint, at=now_utc(), **data
        )
        _commit()
        return event


@blp.route(CID + "/privacy")
class PrivacySetting(MethodView):
    """A complaint's privacy."""

    @blp.doc(operationId="changeComplaintPrivacy")
    @authenticated(Role.CITIZEN, Role.OFFICER, Role.AGENCY_HEAD, Role.VERIFIER, Role.ADMIN)
    @blp.arguments(IfMatchSchema, location="headers")
    @blp.arguments(PrivacyChangeSchema)
    @blp.response(200, ComplaintSchema, headers=ETAG_HEADER)
    def put(self, headers: dict[str, Any], data: dict[str, Any], complaint_id: int) -> Any:
        """Change privacy; staff may only make it stricter / Ubah privasi."""
        principal = current_principal()
        complaint = service.get_complaint(
            session=db.session, principal=principal, complaint_id=complaint_id
        )
        _check_if_match(complaint, headers)
        service.change_privacy(
            session=db.session, principal=principal, complaint=complaint, at=now_utc(), **data
        )
        _commit()
        return _respond(complaint, principal)


@blp.route(CID + "/attachments")
class Attachments(MethodView):
    """Evidence files."""

    @blp.doc(operationId="uploadComplaintAttachment")
    @authenticated(Role.CITIZEN, Role.OFFICER, Role.AGENCY_HEAD, Role.VERIFIER)
    @blp.arguments(UploadFormSchema, location="form")
    @blp.arguments(FileSchema, location="files")
    @blp.response(201, AttachmentSchema)
    def post(self, form: dict[str, Any], files: dict[str, Any], complaint_id: int) -> Any:
        """Upload evidence (JPEG, PNG, WebP or PDF; images lose EXIF) / Unggah bukti."""
        principal = current_principal()
        complaint = service.get_complaint(
            session=db.session, principal=principal, complaint_id=complaint_id
        )
        upload = files["file"]
        attachment = attachments.store_attachment(
            session=db.session,
            principal=principal,
            complaint=complaint,
            filename=upload.filename or "lampiran",
            stream=upload.stream,
            upload_dir=current_app.config["UPLOAD_DIR"],
            visibility=form["visibility"],
            at=now_utc(),
        )
        _commit()
        return attachment

    @blp.doc(operationId="listComplaintAttachments")
    @authenticated(*READERS, scopes=(Scope.COMPLAINTS_READ_OWN,))
    @blp.response(200, AttachmentSchema(many=True))
    def get(self, complaint_id: int) -> Any:
        """A complaint's files / Daftar lampiran."""
        principal = current_principal()
        complaint = service.get_complaint(
            session=db.session, principal=principal, complaint_id=complaint_id
        )
        return attachments.list_attachments(
            session=db.session,
            complaint=complaint,
            include_internal=service.is_staff_of(principal, complaint),
        )


@blp.route(CID + "/attachments/<int(min=1, max=2147483647):attachment_id>/content")
class AttachmentContent(MethodView):
    """A file's bytes."""

    @blp.doc(
        operationId="downloadComplaintAttachment",
        responses={
            "200": {
                "description": "The file",
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            }
        },
    )
    @authenticated(*READERS, scopes=(Scope.COMPLAINTS_READ_OWN,))
    def get(self, complaint_id: int, attachment_id: int) -> Any:
        """Download a file, as an attachment that the browser will not render / Unduh."""
        principal = current_principal()
        complaint = service.get_complaint(
            session=db.session, principal=principal, complaint_id=complaint_id
        )
        attachment = attachments.get_attachment(
            session=db.session,
            complaint=complaint,
            attachment_id=attachment_id,
            include_internal=service.is_staff_of(principal, complaint),
        )
        return _send(attachment)


def _send(attachment: Any) -> Any:
    """Serve stored bytes with headers that keep a browser from executing them."""
    path = f"{current_app.config['UPLOAD_DIR']}/{attachment.storage_key}"
    response = send_file(
        path,
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.filename,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@blp.route("/public/complaints")
class PublicComplaints(MethodView):
    """The public list."""

    @blp.doc(operationId="listPublicComplaints")
    @authenticated(optional=True, scopes=(Scope.COMPLAINTS_READ_PUBLIC,))
    @blp.arguments(PublicQuerySchema, location="query")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_schema(PublicComplaintSchema, "PublicComplaintPageSchema"))
    def get(self, filters: dict[str, Any], paging: dict[str, Any]) -> dict[str, Any]:
        """Verified public complaints, without names / Pengaduan publik."""
        page = service.list_public(session=db.session, filters=filters, **paging)
        categories, agencies = _codes()
        body = page_body(page)
        body["items"] = [
            Presented(
                c,
                category=categories.get(c.category_id),
                agency=agencies.get(c.agency_id) if c.agency_id else None,
                complainant_name=c.identity.name
                if c.show_name_publicly and c.identity is not None
                else None,
            )
            for c in page.items
        ]
        return body


# --- tracking by code and PIN ---------------------------------------------------------------


def _tracked(data: dict[str, Any]) -> Complaint:
    """The complaint for code and PIN; failures are counted (and committed) before raising."""
    config = current_app.config
    try:
        return service.authenticate_tracking(
            session=db.session,
            code=data["code"],
            pin=data["pin"],
            now=now_utc(),
            pin_key=_pin_key(),
            max_failures=config["TRACKING_MAX_FAILURES"],
            lockout=timedelta(minutes=config["TRACKING_LOCKOUT_MINUTES"]),
        )
    except DomainError:
        db.session.commit()
        raise


def tracked_body(complaint: Complaint) -> Presented:
    """What the holder of code and PIN sees: status, public timeline, agency; no identity."""
    categories, agencies = _codes()
    return Presented(
        complaint,
        category=categories.get(complaint.category_id),
        agency=agencies.get(complaint.agency_id) if complaint.agency_id else None,
        allowed_actions=lifecycle.allowed_actions(
            PUBLIC, complaint, session=db.session, tracker=True
        ),
        clocks=_clocks(complaint),
        timeline=timeline.list_events(
            session=db.session, complaint_id=complaint.id, include_internal=False
        ),
        attachments=attachments.list_attachments(
            session=db.session, complaint=complaint, include_internal=False
        ),
    )


TRACK_LIMIT = "20/minute"


@tracking_blp.route("")
class Track(MethodView):
    """Follow a complaint without an account."""

    @tracking_blp.doc(operationId="trackComplaint")
    @limiter.limit(TRACK_LIMIT)
    @tracking_blp.arguments(TrackSchema)
    @tracking_blp.response(200, TrackedComplaintSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Track by code and PIN: status, public timeline, agency; no identity / Lacak.

        Wrong PINs are counted; after too many the code is locked for a while (429).
        """
        complaint = _tracked(data)
        db.session.commit()
        return tracked_body(complaint)


@tracking_blp.route("/replies")
class TrackReply(MethodView):
    """Add information as the holder of the code."""

    @tracking_blp.doc(operationId="replyToTrackedComplaint")
    @limiter.limit(TRACK_LIMIT)
    @tracking_blp.arguments(TrackReplySchema)
    @tracking_blp.response(200, TrackedComplaintSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Reply with information; `complete_info` completes what was asked for / Balas."""
        complaint = _tracked(data)
        now = now_utc()
        service.add_comment(
            session=db.session,
            principal=PUBLIC,
            complaint=complaint,
            body=data["message"],
            visibility=Visibility.PUBLIC,
            at=now,
            tracker=True,
        )
        if data["complete_info"]:
            lifecycle.transition(
                session=db.session,
                principal=PUBLIC,
                complaint=complaint,
                action_name="complete_info",
                at=now,
                tracker=True,
            )
        _commit()
        return tracked_body(complaint)


@tracking_blp.route("/actions")
class TrackAction(MethodView):
    """Withdraw, accept or dispute as the holder of the code."""

    @tracking_blp.doc(operationId="actOnTrackedComplaint")
    @limiter.limit(TRACK_LIMIT)
    @tracking_blp.arguments(TrackActionSchema)
    @tracking_blp.response(200, TrackedComplaintSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Withdraw the complaint, accept the decision (close) or dispute it (reopen) / Aksi."""
        complaint = _tracked(data)
        lifecycle.transition(
            session=db.session,
            principal=PUBLIC,
            complaint=complaint,
            action_name=data["action"],
            reason=data.get("reason"),
            at=now_utc(),
            tracker=True,
        )
        _commit()
        return tracked_body(complaint)


@tracking_blp.route("/attachments")
class TrackUpload(MethodView):
    """Add evidence as the holder of the code."""

    @tracking_blp.doc(operationId="uploadTrackedAttachment")
    @limiter.limit(TRACK_LIMIT)
    @tracking_blp.arguments(TrackUploadSchema, location="form")
    @tracking_blp.arguments(FileSchema, location="files")
    @tracking_blp.response(201, AttachmentSchema)
    def post(self, form: dict[str, Any], files: dict[str, Any]) -> Any:
        """Upload evidence with code and PIN (JPEG, PNG, WebP, PDF) / Unggah bukti."""
        complaint = _tracked(form)
        upload = files["file"]
        attachment = attachments.store_attachment(
            session=db.session,
            principal=PUBLIC,
            complaint=complaint,
            filename=upload.filename or "lampiran",
            stream=upload.stream,
            upload_dir=current_app.config["UPLOAD_DIR"],
            visibility=Visibility.PUBLIC,
            at=now_utc(),
            tracker=True,
        )
        _commit()
        return attachment
