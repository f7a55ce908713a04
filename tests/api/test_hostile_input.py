"""Hostile input (issue 13, item 2): the ten inputs that answered 500 now get a clear problem.

Each was found by probing the service from outside: a body of 100,000 `[`, 50,000 nested
objects in `complainant`, a 5,001-digit integer, and datetimes whose conversion to UTC leaves
Python's range (`9999-12-31T23:59:59-12:00`, `0001-01-01T00:00:00+14:00`) in `incident_at`,
`computeDeadline`'s `start`, the complaint list's `received_from`/`received_to`, and the reports'
`period_from`/`period_to` and `breached_from`/`breached_to`. Each answers a problem document
(400 before parsing, 422 naming the field for a datetime out of the years 1900-2100) and
changes nothing.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from backend.complaints.models import Complaint
from backend.extensions import db
from tests.factories import ComplaintPayloadFactory

URL = "/api/v1/complaints"
PROBLEM = "application/problem+json"
LATE, EARLY = "9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00"


def _complaints(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Complaint))


def _post_raw(client, body: str):
    return client.post(URL, data=body, content_type="application/json")


def _assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == PROBLEM
    return response.get_json()


def _nested_complainant(depth: int) -> str:
    """A complaint whose `complainant` holds `depth` objects, one inside the other."""
    payload = ComplaintPayloadFactory()
    payload["complainant"] = "__NEST__"
    nest = '{"a":' * depth + "1" + "}" * depth
    return json.dumps(payload).replace('"__NEST__"', nest)


def test_a_body_of_100000_brackets_is_a_400(app, client):
    before = _complaints(app)
    body = _assert_problem(_post_raw(client, "[" * 100_000), 400)
    assert body["code"] == "json_too_deep"
    assert "bersarang" in body["title"] + body["detail"]
    assert _complaints(app) == before


def test_50000_nested_objects_in_the_complainant_are_a_400(app, client):
    before = _complaints(app)
    body = _assert_problem(_post_raw(client, _nested_complainant(50_000)), 400)
    assert body["code"] == "json_too_deep"
    assert _complaints(app) == before


def test_nesting_the_contract_allows_is_still_read(app, client):
    """A complaint with its usual nesting is filed; the limit is far above any real body."""
    response = _post_raw(client, json.dumps(ComplaintPayloadFactory()))
    assert response.status_code == 201, response.get_json()


def test_a_5001_digit_integer_is_a_400(app, client):
    before = _complaints(app)
    payload = json.dumps(ComplaintPayloadFactory()).replace(
        "{", '{"latitude": ' + "9" * 5001 + ",", 1
    )
    body = _assert_problem(_post_raw(client, payload), 400)
    assert body["code"] == "json_number_too_long"
    assert _complaints(app) == before


def test_a_long_string_of_digits_is_not_a_number(app, client):
    """Digits inside a string are text: a description may hold a long number."""
    payload = ComplaintPayloadFactory(description="Nomor antrean saya " + "7" * 6000 + " hilang.")
    response = client.post(URL, json=payload)
    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize("value", [LATE, EARLY])
def test_an_incident_time_out_of_range_is_a_422_on_the_field(app, client, value):
    before = _complaints(app)
    body = _assert_problem(client.post(URL, json=ComplaintPayloadFactory(incident_at=value)), 422)
    assert "incident_at" in json.dumps(body["errors"])
    assert "1900" in json.dumps(body["errors"])
    assert _complaints(app) == before


@pytest.mark.parametrize("value", [LATE, EARLY])
@pytest.mark.parametrize(
    ("role", "url", "field", "rest"),
    [
        ("verifier", "/api/v1/sla/deadline", "start", {"days": 14, "unit": "working_day"}),
        ("verifier", URL, "received_from", {}),
        ("verifier", URL, "received_to", {}),
        ("supervisor", "/api/v1/reports/breach-summary", "period_from", {}),
        ("supervisor", "/api/v1/reports/breach-summary", "period_to", {}),
        ("supervisor", "/api/v1/reports/breaches", "breached_from", {}),
        ("supervisor", "/api/v1/reports/breaches", "breached_to", {}),
    ],
)
def test_a_query_time_out_of_range_is_a_422_on_the_field(
    client, headers_for, role, url, field, rest, value
):
    response = client.get(url, query_string={field: value, **rest}, headers=headers_for(role))
    body = _assert_problem(response, 422)
    assert field in json.dumps(body["errors"]), body


@pytest.mark.parametrize("value", ["1900-01-01T00:00:00+07:00", "2100-12-31T23:59:59+07:00"])
def test_the_edges_of_the_range_are_accepted(client, headers_for, value):
    response = client.get(
        URL, query_string={"received_from": value}, headers=headers_for("verifier")
    )
    assert response.status_code == 200, response.get_json()
