"""Liveness and readiness probes."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from backend.errors import DomainError
from backend.extensions import db
from backend.web.spec import Blueprint

blp = Blueprint("health", __name__, url_prefix="/", description="Probes")


class HealthSchema(Schema):
    """Probe answer."""

    status = fields.String(required=True)


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
    """The process can serve: the database is reachable."""

    @blp.doc(operationId="getReadiness")
    @blp.response(200, HealthSchema)
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE")
    def get(self) -> dict[str, str]:
        """Readiness: the database answers a query."""
        try:
            db.session.execute(text("SELECT 1"))
        except SQLAlchemyError as error:
            raise DatabaseUnavailable() from error
        return {"status": "ready"}
