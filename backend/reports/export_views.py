"""Exports: the queue's complaints with their clocks (CSV at once, or any size in the
background as CSV or XLSX) and the Ombudsman report."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import marshmallow as ma
from flask import Response, current_app, send_file, stream_with_context, url_for
from flask.views import MethodView
from sqlalchemy.orm import Session

from backend.auth.access import authorize, current_principal
from backend.complaints.schemas import ComplaintQuerySchema
from backend.db import now_utc
from backend.errors import ValidationFailed
from backend.extensions import db
from backend.reports import export_jobs
from backend.reports.exports import complaint_rows, csv_chunks, filters_of
from backend.reports.permissions import POLICY
from backend.reports.schemas import ExportJobSchema, ExportRequestSchema
from backend.reports.views import blp

JOB = "/reports/exports/<int(min=1, max=2147483647):job_id>"


def _filters(kind: str, raw: dict[str, Any]) -> dict[str, Any]:
    """Check the filters now (422 here, not a failed job later); stored as sent."""
    try:
        filters_of(kind, raw)
    except ma.ValidationError as error:
        raise ValidationFailed(errors={"filters": error.messages}) from error
    return raw


@blp.route("/reports/exports/complaints.csv")
class ComplaintsCsv(MethodView):
    """The queue as a spreadsheet."""

    @blp.doc(
        operationId="exportComplaintsCsv",
        responses={"200": {"description": "CSV", "content": {"text/csv": {}}}},
    )
    @authorize(POLICY, "reports.export")
    @blp.arguments(ComplaintQuerySchema, location="query")
    def get(self, filters: dict[str, Any]) -> Response:
        """The caller's complaints as the queue filters them, with each clock's due date, state,
        days late and escalation level, streamed as CSV / Ekspor CSV.

        No identity column; cells that would start a formula are prefixed with an apostrophe.
        For a very large list ask for it in the background (createExport)."""
        # the rows are read on a session of the body's own, closed when the body ends (or the
        # client goes away), not on the request's, which ends when this returns
        reader = Session(db.engine)
        export = complaint_rows(
            session=reader, principal=current_principal(), filters=filters, now=now_utc()
        )

        def body() -> Iterator[str]:
            try:
                yield from csv_chunks(export)
            finally:
                reader.close()

        # the request reads nothing more: end its transaction now, not when the body is done
        db.session.close()
        response = Response(stream_with_context(body()), mimetype="text/csv", content_type=None)
        response.headers["Content-Type"] = export_jobs.MEDIA_TYPES["csv"]
        response.headers["Content-Disposition"] = 'attachment; filename="aduan-pengaduan.csv"'
        response.headers["Cache-Control"] = "private, no-store"
        return response


@blp.route("/reports/exports")
class Exports(MethodView):
    """Exports written in the background."""

    @blp.doc(operationId="createExport")
    @authorize(POLICY, "reports.export")
    @blp.arguments(ExportRequestSchema)
    @blp.response(202, ExportJobSchema)
    def post(self, body: dict[str, Any]) -> Any:
        """Ask for an export of any size as CSV or XLSX; the scheduler writes it (poll
        getExport, then downloadExport) / Minta ekspor.

        The Ombudsman report (`kind=ombudsman`) is for the report readers only."""
        principal = current_principal()
        if body["kind"] == "ombudsman":
            POLICY.require(principal, "reports.breaches", None)
        job = export_jobs.request(
            session=db.session,
            principal=principal,
            kind=body["kind"],
            fmt=body["format"],
            filters=_filters(body["kind"], body["filters"]),
        )
        db.session.commit()
        return job, 202, {"Location": url_for("reports.ExportJobView", job_id=job.id)}


@blp.route(JOB)
class ExportJobView(MethodView):
    """One export's progress."""

    @blp.doc(operationId="getExport")
    @authorize(POLICY, "reports.export")
    @blp.response(200, ExportJobSchema)
    def get(self, job_id: int) -> Any:
        """How far the export is: rows written, done or failed, until when it can be fetched."""
        return export_jobs.get_job(session=db.session, principal=current_principal(), job_id=job_id)


@blp.route(JOB + "/file")
class ExportFile(MethodView):
    """The written export."""

    @blp.doc(
        operationId="downloadExport",
        responses={
            "200": {
                "description": "the file",
                "content": {media: {} for media in export_jobs.MEDIA_TYPES.values()},
            }
        },
    )
    @authorize(POLICY, "reports.export")
    def get(self, job_id: int) -> Response:
        """The export's file, for the one who asked, until it expires (404 after)."""
        job, path = export_jobs.file_of(
            session=db.session,
            principal=current_principal(),
            job_id=job_id,
            directory=current_app.config["EXPORT_DIR"],
            now=now_utc(),
        )
        response = send_file(
            path,
            mimetype=export_jobs.MEDIA_TYPES[job.format],
            as_attachment=True,
            download_name=job.file_name,
            max_age=0,
        )
        response.headers["Cache-Control"] = "private, no-store"
        return response
