"""Liveness and readiness probes."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from marshmallow import Schema, fields
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from backend.complaints.storage import StorageUnavailable, store_of
from backend.errors import DomainError
from backend.errors import StorageUnavailable as StoreUnavailable
from backend.extensions import db
from backend.web.spec import Blueprint

blp = Blueprint("health", __name__, url_prefix="/", description="Probes")


class HealthSchema(Schema):
    """Probe answer."""

    status = fields.String(required=True)


class ReadinessSchema(HealthSchema):
    """Readiness answer: each check by name and its state (`ok` or `failed`)."""

    checks = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


class DatabaseUnavailable(DomainError):
    """The database did not answer."""

    status = 503
    code = "service_unavailable"


@blp.route("/healthz")
class Health(MethodView):
    """The process is up."""

    @blp.doc(operationId="getHealth")
    @blp.response(200, HealthSchema)
    def get(self) -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}


@blp.route("/readyz")
class Ready(MethodView):
    """The process can serve: the database and the evidence store are reachable."""

    @blp.doc(operationId="getReadiness")
    @blp.response(200, ReadinessSchema)
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE")
    def get(self) -> dict[str, object]:
        """Readiness: the database answers a query and the evidence store is reachable
        (the upload folder is writable, or the bucket answers). A 503 problem names each check
        and its state in `errors`."""
        checks: dict[str, str] = {}
        try:
            db.session.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except SQLAlchemyError:
            db.session.rollback()
            checks["database"] = "failed"
        try:
            store_of(current_app).check()
            checks["storage"] = "ok"
        except (StorageUnavailable, OSError):
            checks["storage"] = "failed"
        if checks["database"] != "ok":
            raise DatabaseUnavailable(errors=checks)
        if checks["storage"] != "ok":
            raise StoreUnavailable(errors=checks)
        return {"status": "ready", "checks": checks}
