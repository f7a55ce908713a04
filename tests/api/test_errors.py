"""Every error is an application/problem+json document, in Indonesian unless asked for English."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from backend.app import create_app
from tests.conftest import test_config as app_config
from tests.factories import ComplaintPayloadFactory, TrackRequestFactory, file_complaint

EN = {"Accept-Language": "en"}


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    """The problem body of `response`, checked for the RFC 9457 members and our code."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == f"urn:aduan:problem:{code}"
    assert body["title"] and body["detail"]
    return body


def test_missing_token_is_401_in_indonesian_by_default(client):
    response = client.get("/api/v1/auth/me")
    body = problem(response, 401, "unauthorized")
    assert body["title"] == "Perlu masuk"
    assert response.headers["Content-Language"] == "id"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_missing_token_is_401_in_english_when_asked(client):
    response = client.get("/api/v1/auth/me", headers=EN)
    body = problem(response, 401, "unauthorized")
    assert body["title"] == "Authentication required"
    assert response.headers["Content-Language"] == "en"


def test_a_bad_token_is_401_invalid_token(client):
    response = client.get("/api/v1/auth/me", headers={"Authorization": "Bearer not-a-jwt", **EN})
    body = problem(response, 401, "invalid_token")
    assert body["title"] == "Invalid token"
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_a_role_without_the_right_is_403(client, headers_for):
    response = client.get("/api/v1/users", headers=headers_for("citizen"))
    body = problem(response, 403, "forbidden")
    assert body["title"] == "Akses ditolak"


def test_an_unknown_api_path_is_404(client):
    body = problem(client.get("/api/v1/no-such-thing", headers=EN), 404, "not_found")
    assert body["title"] == "Not found"


def test_an_unknown_object_is_404(client, headers_for):
    response = client.get("/api/v1/complaints/2147483647", headers=headers_for("verifier"))
    body = problem(response, 404, "not_found")
    assert body["title"] == "Tidak ditemukan"


def test_an_id_beyond_the_integer_range_is_404_not_a_crash(client, headers_for):
    response = client.get("/api/v1/complaints/99999999999", headers=headers_for("verifier"))
    problem(response, 404, "not_found")


def test_a_method_not_allowed_is_405_with_allow(client):
    response = client.delete("/api/v1/complaints", headers=EN)
    body = problem(response, 405, "method_not_allowed")
    assert body["title"] == "Method not allowed"
    allowed = {method.strip() for method in response.headers["Allow"].split(",")}
    assert {"GET", "POST"} <= allowed
    assert "DELETE" not in allowed


@pytest.fixture
def small_app(tmp_path: Path) -> Flask:
    """An app that takes bodies of at most 1 KiB (nothing reaches the database)."""
    return create_app(app_config("sqlite", tmp_path, MAX_CONTENT_LENGTH=1024))


def test_a_body_over_the_limit_is_413(small_app):
    body = ComplaintPayloadFactory(description="x" * 4096)
    response = small_app.test_client().post("/api/v1/complaints", json=body, headers=EN)
    problem_body = problem(response, 413, "payload_too_large")
    assert "1024" in problem_body["detail"]


def test_invalid_fields_are_422_with_errors_per_field(client):
    response = client.post("/api/v1/complaints", json={"title": "x", "privacy": "secret"})
    body = problem(response, 422, "validation_failed")
    assert body["title"] == "Data tidak valid"
    for field in ("title", "privacy", "description", "category", "consent"):
        assert field in body["errors"], body["errors"]


def test_a_body_that_is_not_json_is_400_with_a_body_error(client):
    response = client.post("/api/v1/auth/login", data=b"{not json", content_type="application/json")
    body = problem(response, 400, "bad_request")
    assert "_schema" in body["errors"]


def filed_complaint(client: FlaskClient, headers: dict[str, str]) -> tuple[str, str]:
    """File a complaint; its URL and the ETag staff see."""
    receipt = file_complaint(client)
    url = f"/api/v1/complaints/{receipt['id']}"
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    return url, response.headers["ETag"]


def test_a_transition_without_if_match_is_428(client, headers_for):
    verifier = headers_for("verifier")
    url, _ = filed_complaint(client, verifier)
    response = client.post(f"{url}/transitions", json={"action": "verify"}, headers=verifier)
    problem(response, 428, "if_match_required")


def test_a_transition_on_a_stale_etag_is_412(client, headers_for):
    verifier = headers_for("verifier")
    url, etag = filed_complaint(client, verifier)
    response = client.post(
        f"{url}/transitions",
        json={"action": "verify"},
        headers={**verifier, "If-Match": '"stale-version"'},
    )
    problem(response, 412, "stale_etag")
    assert response.headers["ETag"] == etag


def test_a_transition_not_allowed_from_the_status_is_409(client, headers_for):
    verifier = headers_for("verifier")
    url, etag = filed_complaint(client, verifier)
    response = client.post(
        f"{url}/transitions",
        json={"action": "deliver"},
        headers={**verifier, "If-Match": etag, **EN},
    )
    body = problem(response, 409, "invalid_transition")
    assert "deliver" in body["detail"] and "submitted" in body["detail"]


def test_too_many_wrong_pins_is_429_with_retry_after(app, client):
    receipt = file_complaint(client)
    wrong = "000000" if receipt["pin"] != "000000" else "111111"
    attempt = TrackRequestFactory.of(receipt, pin=wrong)
    for _ in range(app.config["TRACKING_MAX_FAILURES"]):
        client.post("/api/v1/track", json=attempt)
    response = client.post("/api/v1/track", json={**attempt, "pin": receipt["pin"]})
    problem(response, 429, "tracking_locked")
    assert int(response.headers["Retry-After"]) > 0


def test_the_rate_limit_is_429_with_retry_after(tmp_path):
    limited = create_app(app_config("sqlite", tmp_path, RATELIMIT_ENABLED=True))
    client = limited.test_client()
    statuses = []
    for _ in range(25):  # trackComplaint allows 20 a minute
        response = client.post("/api/v1/track", json={"code": "x"})
        statuses.append(response.status_code)
    assert statuses[-1] == 429, statuses
    problem(response, 429, "too_many_requests")
    assert "Retry-After" in response.headers


@pytest.mark.parametrize(
    "database_url",
    [
        "postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=2",
        "sqlite:////nonexistent-aduan-dir/aduan.db",
    ],
    ids=["postgresql-closed-port", "sqlite-missing-dir"],
)
def test_readiness_is_503_when_the_database_is_unreachable(tmp_path, database_url):
    unreachable = create_app(app_config("sqlite", tmp_path, DATABASE_URL=database_url))
    client = unreachable.test_client()
    assert client.get("/healthz").get_json() == {"status": "ok"}
    response = client.get("/readyz", headers=EN)
    body = problem(response, 503, "service_unavailable")
    assert body["detail"] == "The database cannot be reached."


def test_a_nul_character_is_422_not_a_database_error(client):
    response = client.post("/api/v1/complaints", json=ComplaintPayloadFactory(category="\x00"))
    body = problem(response, 422, "validation_failed")
    assert "category" in body["errors"]


def test_a_nul_character_deep_in_the_body_is_422(client):
    payload = ComplaintPayloadFactory(complainant={"kind": "person", "name": "Siti\x00Aminah"})
    body = problem(client.post("/api/v1/complaints", json=payload), 422, "validation_failed")
    assert "complainant.name" in body["errors"]
