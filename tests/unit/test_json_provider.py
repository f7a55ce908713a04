"""Responses are written by orjson (issue 5) with the same meaning as Flask's own JSON."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from backend.web.serialization import JSONProvider


@dataclass
class Point:
    lat: float
    lon: float


def test_a_response_body_reads_as_flasks_own_would():
    app = Flask(__name__)
    ours, flasks = JSONProvider(app), DefaultJSONProvider(app)
    body = {
        "judul": "Jalan rusak di Cibeber — lubang besar",
        "received_at": datetime(2026, 11, 30, 2, 0, tzinfo=UTC),
        "service_date": date(2026, 11, 1),
        "amount": Decimal("150000.50"),
        "id": uuid.UUID(int=7),
        "where": Point(-6.88, 107.54),
        "counts": {3: "numbers as keys", 1: "written as strings"},
        "list": [1, 2.5, None, True],
    }
    with app.app_context():
        written = ours.response(body).get_data(as_text=True)
        expected = flasks.response(body).get_data(as_text=True)
    assert json.loads(written) == json.loads(expected)
    # keys in order, compact, and the text as UTF-8 rather than escapes
    assert written.index('"amount"') < written.index('"counts"') < written.index('"where"')
    assert ", " not in written.split('"judul"')[0] and "Cibeber — lubang" in written


def test_what_orjson_cannot_write_goes_to_flasks_json():
    app = Flask(__name__)
    with app.app_context():
        written = JSONProvider(app).response({"big": 2**70}).get_data(as_text=True)
    assert json.loads(written) == {"big": 2**70}
