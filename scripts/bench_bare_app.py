"""The bare minimum of the stack, for the intake benchmark: Flask + SQLAlchemy inserting the
same complaint row as Aduan's intake, with no validation, no timeline, no clocks, no receipt.

Run: gunicorn 'scripts.bench_bare_app:create_bare_app()' with ADUAN_DATABASE_URL set.
"""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime

from flask import Flask, request
from sqlalchemy import create_engine, insert

from backend.complaints.models import Complaint


def create_bare_app() -> Flask:
    """A Flask app with one endpoint that inserts a complaint row as it comes."""
    app = Flask(__name__)
    engine = create_engine(os.environ["ADUAN_DATABASE_URL"], pool_size=5)
    table = Complaint.__table__

    @app.post("/bare/complaints")
    def create() -> tuple[dict[str, int], int]:
        body = request.get_json()
        now = datetime.now(UTC)
        row = {
            "tracking_code": f"BRE-{secrets.token_hex(6).upper()}",
            "pin_hash": f"1${secrets.token_hex(32)}",
            "version": 1,
            "report_type": body.get("report_type", "pengaduan"),
            "status": "submitted",
            "privacy": body.get("privacy", "private"),
            "show_name_publicly": False,
            "channel": "web",
            "source": "service_recipient",
            "title": body["title"],
            "description": body["description"],
            "late_filing": False,
            "compensation_claimed": False,
            "consent_given_at": now,
            "category_id": int(body.get("category_id", 1)),
            "received_at": now,
            "recorded_at": now,
            "updated_at": now,
        }
        with engine.begin() as conn:
            new_id = conn.execute(insert(table).values(**row).returning(table.c.id)).scalar_one()
        return {"id": new_id}, 201

    return app
