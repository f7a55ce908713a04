"""Complaints: intake, lists, lifecycle, timeline, privacy and attachments.

Each view parses, calls one service function, commits and presents. Tracking by code and PIN
is `backend.complaints.tracking_views`.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, send_file
from flask.views import MethodView

from backend.agencies.service import codes_by_id
from backend.auth.access import authorize, current_principal
from backend.auth.principal import Principal
from backend.complaints import (
    attachments,
    intake,
    lifecycle,
    privacy,
    queries,
    storage,
    timeline,
)
from backend.complaints.files import ALLOWED_TYPES
from backend.complaints.idempotency import IdempotencyKey
from backend.complaints.models import Complaint
from backend.complaints.permissions import POLICY
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
    TransitionSchema,
    UploadFormSchema,
)
from backend.db import now_utc
from backend.extensions import db, rate_limit
from backend.sla.calendars import zone_of_agency
from backend.sla.clocks import list_clocks
from backend.web.fields import show_times_in
from backend.web.pagination import PageArgsSchema, page_body, page_schema
from backend.web.presenting import Presented
from backend.web.spec import Blueprint

blp = Blueprint("complaints", __name__, url_prefix="/api/v1", description="Pengaduan")

CID = "/complaints/<int(min=1, max=2147483647):complaint_id>"
ETAG_HEADER = {"ETag": {"description": "Version of the complaint", "schema": {"type": "string"}}}


def intake_secrets() -> intake.IntakeSecrets:
    """The keys of the PIN hashes, of the Idempotency-Key records and of the outbox's seals."""
    config = current_app.config
    return intake.IntakeSecrets(
        pins=config["PIN_KEYS"], idempotency=config["IDEMPOTENCY_KEY"], outbox=config["OUTBOX_KEY"]
    )


def shown(complaint: Complaint, **extra: Any) -> Presented:
    """A complaint with its category and agency codes, and its times in its agency's zone."""
    categories, agencies = codes_by_id(session=db.session)
    zone = zone_of_agency(session=db.session, agency_id=complaint.agency_id)
    return Presented(
        complaint,
        category=categories.get(complaint.category_id),
        agency=agencies.get(complaint.agency_id) if complaint.agency_id else None,
        time_zone=zone.key,
        **extra,
    )


def _for_caller(handling: dict[str, Any], principal: Principal) -> dict[str, Any]:
    """How the case is handled, as this caller may see it: staff's names are for staff."""
    return handling if principal.is_staff else {**handling, "assigned_officer": None}


def complaint_body(complaint: Complaint, principal: Principal) -> Presented:
    """A complaint for this caller: the identity only where the law allows them to see it."""
    visible = POLICY.can(principal, "complaints.see_identity", complaint)
    zone = zone_of_agency(session=db.session, agency_id=complaint.agency_id)
    show_times_in(zone)  # the clocks and events shown with it
    handling = _for_caller(lifecycle.handling(session=db.session, complaint=complaint), principal)
    return shown(
        complaint,
        complainant=complaint.identity if visible else None,
        identity_hidden=complaint.identity is not None and not visible,
        allowed_actions=lifecycle.allowed_actions(principal, complaint, session=db.session),
        clocks=list_clocks(session=db.session, complaint_id=complaint.id),
        **handling,
    )


def _respond(complaint: Complaint, principal: Principal) -> tuple[Presented, int, dict[str, str]]:
    return complaint_body(complaint, principal), 200, {"ETag": complaint.etag}


def _idempotency_key(principal: Principal, key: str | None) -> IdempotencyKey | None:
    """The client's key, scoped to who sent it: the account, or for an anonymous caller the
    key alone. Not the caller's address: a phone that sends its kept complaint again from
    another network (mobile data, then Wi-Fi) must get the first receipt, not file twice. The
    key still binds one body (another body is refused), and the sealed receipt opens only with
    the key, which the phone draws at random; behind a carrier's shared NAT an address never
    told callers apart anyway."""
    if not key:
        return None
    if principal.kind == "public":
        return IdempotencyKey("public", key)
    return IdempotencyKey(f"{principal.kind}:{principal.id}", key)


@blp.route("/complaints")
class Complaints(MethodView):
    """File and list complaints."""

    @blp.doc(operationId="createComplaint")
    @authorize(POLICY, "complaints.create")
    @rate_limit("createComplaint")
    @blp.arguments(IdempotencyHeaderSchema, location="headers")
    @blp.arguments(ComplaintCreateSchema)
    @blp.response(201, ReceiptSchema)
    def post(self, headers: dict[str, Any], data: dict[str, Any]) -> Any:
        """File a complaint; the answer is the receipt (tanda terima) / Ajukan pengaduan.

        No account needed. Staff record assisted intake (walk-in, telephone, letter, WhatsApp,
        SMS, e-mail) with the time it was really received. A retry with the same
        Idempotency-Key within 24 hours returns the first receipt.
        """
        principal = current_principal()
        filed = intake.file_complaint(
            session=db.session,
            principal=principal,
            data=data,
            now=now_utc(),
            secrets_=intake_secrets(),
            idempotency_key=_idempotency_key(principal, headers.get("idempotency_key")),
            late_filing_days=current_app.config["LATE_FILING_DAYS"],
        )
        db.session.commit()
        replayed = {"Idempotent-Replayed": "true"} if filed.replayed else {}
        return filed.receipt, 201, replayed

    @blp.doc(operationId="listComplaints")
    @authorize(POLICY, "complaints.list")
    @blp.arguments(ComplaintQuerySchema, location="query")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_schema(ComplaintListItemSchema, "ComplaintPageSchema"))
    def get(self, filters: dict[str, Any], paging: dict[str, Any]) -> dict[str, Any]:
        """List the complaints the caller may see, filtered / Daftar pengaduan."""
        page = queries.list_complaints(
            session=db.session, principal=current_principal(), filters=filters, **paging
        )
        now = now_utc()
        principal = current_principal()
        handled = lifecycle.handling_of(session=db.session, complaints=list(page.items))
        body = page_body(page)
        body["items"] = [
            shown(c, overdue=c.overdue_at(now), **_for_caller(handled[c.id], principal))
            for c in page.items
        ]
        return body


@blp.route(CID)
class ComplaintItem(MethodView):
    """One complaint."""

    @blp.doc(operationId="getComplaint")
    @authorize(POLICY, "complaints.list")
    @blp.response(200, ComplaintSchema, headers=ETAG_HEADER)
    def get(self, complaint_id: int) -> Any:
        """A complaint with its clocks and the actions the caller may take / Detail pengaduan."""
        principal = current_principal()
        complaint = queries.get_complaint(
            session=db.session, principal=principal, complaint_id=complaint_id
        )
        return _respond(complaint, principal)


@blp.route(CID + "/transitions")
class Transitions(MethodView):
    """Move a complaint through its lifecycle."""

    @blp.doc(operationId="transitionComplaint")
    @authorize(POLICY, "complaints.transition")
    @blp.arguments(IfMatchSchema, location="headers")
    @blp.arguments(TransitionSchema)
    @blp.response(200, ComplaintSchema, headers=ETAG_HEADER)
    def post(self, headers: dict[str, Any], data: dict[str, Any], complaint_id: int) -> Any:
        """Take an action: verify, request_info, assign, decide, deliver, reject... / Tindak lanjut.

        Needs If-Match with the complaint's ETag (412 when stale); an action not allowed from
        the current status is a 409.
        """
        principal = current_principal()
        action = data.pop("action")
        reason = data.pop("reason", None)
        complaint = lifecycle.take_action(
            session=db.session,
            principal=principal,
            complaint_id=complaint_id,
            if_match=headers.get("if_match"),
            action_name=action,
            reason=reason,
            data=data,
            at=now_utc(),
        )
        db.session.commit()
        return _respond(complaint, principal)


@blp.route(CID + "/events")
class Events(MethodView):
    """A complaint's timeline."""

    @blp.doc(operationId="listComplaintEvents")
    @authorize(POLICY, "complaints.list")
    @blp.response(200, EventSchema(many=True))
    def get(self, complaint_id: int) -> Any:
        """The timeline, oldest first; internal notes for staff only / Riwayat."""
        principal = current_principal()
        complaint = queries.get_complaint(
            session=db.session, principal=principal, complaint_id=complaint_id
        )
        show_times_in(zone_of_agency(session=db.session, agency_id=complaint.agency_id))
        return timeline.list_events(session=db.session, principal=principal, complaint=complaint)


@blp.route(CID + "/comments")
class Comments(MethodView):
    """Notes and replies."""

    @blp.doc(operationId="addComplaintComment")
    @authorize(POLICY, "complaints.comment")
    @blp.arguments(CommentSchema)
    @blp.response(201, EventSchema)
    def post(self, data: dict[str, Any], complaint_id: int) -> Any:
        """Add an internal note (staff) or a public reply / Tambah catatan atau balasan."""
        event = timeline.comment(
            session=db.session,
            principal=current_principal(),
            complaint_id=complaint_id,
            at=now_utc(),
            **data,
        )
        db.session.commit()
        return event


@blp.route(CID + "/privacy")
class PrivacySetting(MethodView):
    """A complaint's privacy."""

    @blp.doc(operationId="changeComplaintPrivacy")
    @authorize(POLICY, "complaints.change_privacy")
    @blp.arguments(IfMatchSchema, location="headers")
    @blp.arguments(PrivacyChangeSchema)
    @blp.response(200, ComplaintSchema, headers=ETAG_HEADER)
    def put(self, headers: dict[str, Any], data: dict[str, Any], complaint_id: int) -> Any:
        """Change privacy; staff may only make it stricter / Ubah privasi."""
        principal = current_principal()
        complaint = privacy.change_privacy(
            session=db.session,
            principal=principal,
            complaint_id=complaint_id,
            if_match=headers.get("if_match"),
            at=now_utc(),
            **data,
        )
        db.session.commit()
        return _respond(complaint, principal)


@blp.route(CID + "/attachments")
class Attachments(MethodView):
    """Evidence files."""

    @blp.doc(operationId="uploadComplaintAttachment")
    @authorize(POLICY, "complaints.upload")
    @blp.arguments(UploadFormSchema, location="form")
    @blp.arguments(FileSchema, location="files")
    @blp.response(201, AttachmentSchema)
    def post(self, form: dict[str, Any], files: dict[str, Any], complaint_id: int) -> Any:
        """Upload evidence (JPEG, PNG, WebP or PDF) / Unggah bukti.

        Checked by content. Every metadata the format carries is removed (EXIF, XMP, IPTC,
        comments, PNG text; a PDF's document information and XMP); an image of more than the
        configured pixels (40 Mpx) is refused before it is decoded (413 `image_too_large`).
        """
        upload = files["file"]
        attachment = attachments.store_attachment(
            session=db.session,
            principal=current_principal(),
            complaint_id=complaint_id,
            filename=upload.filename or "lampiran",
            stream=upload.stream,
            store=storage.store_of(current_app),
            max_pixels=current_app.config["MAX_IMAGE_PIXELS"],
            visibility=form["visibility"],
            at=now_utc(),
        )
        db.session.commit()
        return attachment

    @blp.doc(operationId="listComplaintAttachments")
    @authorize(POLICY, "complaints.list")
    @blp.response(200, AttachmentSchema(many=True))
    def get(self, complaint_id: int) -> Any:
        """A complaint's files / Daftar lampiran."""
        principal = current_principal()
        complaint = queries.get_complaint(
            session=db.session, principal=principal, complaint_id=complaint_id
        )
        show_times_in(zone_of_agency(session=db.session, agency_id=complaint.agency_id))
        return attachments.list_attachments(
            session=db.session, principal=principal, complaint=complaint
        )


@blp.route(CID + "/attachments/<int(min=1, max=2147483647):attachment_id>/content")
class AttachmentContent(MethodView):
    """A file's bytes."""

    @blp.doc(
        operationId="downloadComplaintAttachment",
        responses={
            "200": {
                "description": "The file, as stored (one of the types an upload may have)",
                "content": {
                    mimetype: {"schema": {"type": "string", "format": "binary"}}
                    for mimetype in ALLOWED_TYPES
                },
            }
        },
    )
    @authorize(POLICY, "complaints.list")
    def get(self, complaint_id: int, attachment_id: int) -> Any:
        """Download a file, as an attachment that the browser will not render / Unduh."""
        attachment, stream, size = attachments.attachment_file(
            session=db.session,
            principal=current_principal(),
            complaint_id=complaint_id,
            attachment_id=attachment_id,
            store=storage.store_of(current_app),
        )
        # streamed through the app from either store: the bucket itself is never public
        response = send_file(
            stream,
            mimetype=attachment.content_type,
            as_attachment=True,
            download_name=attachment.filename,
            max_age=0,
        )
        response.content_length = size
        # headers that keep a browser from executing what it stores
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response.headers["Cache-Control"] = "private, no-store"
        return response


@blp.route("/public/complaints")
class PublicComplaints(MethodView):
    """The public list."""

    @blp.doc(operationId="listPublicComplaints")
    @authorize(POLICY, "complaints.list_public")
    @blp.arguments(PublicQuerySchema, location="query")
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_schema(PublicComplaintSchema, "PublicComplaintPageSchema"))
    def get(self, filters: dict[str, Any], paging: dict[str, Any]) -> dict[str, Any]:
        """Verified public complaints, without names / Pengaduan publik."""
        page = queries.list_public(session=db.session, filters=filters, **paging)
        body = page_body(page)
        body["items"] = [
            shown(
                c,
                complainant_name=c.identity.name
                if c.show_name_publicly and c.identity is not None
                else None,
            )
            for c in page.items
        ]
        return body
