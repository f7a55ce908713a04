"""Every response the app gives carries its security headers (issue 17, item 10)."""

from __future__ import annotations

import io
import re

import pytest

from backend.frontend import CSP as FRONTEND_CSP
from backend.web.security_headers import DOCS_CSP
from tests.factories import file_complaint, pdf_document

NON_HTML_CSP = "default-src 'none'; frame-ancestors 'none'"


def _assert_hardened(response, what: str) -> None:
    headers = response.headers
    assert headers.get("X-Content-Type-Options") == "nosniff", what
    assert headers.get("Referrer-Policy") == "same-origin", what
    assert headers.get("X-Frame-Options") == "DENY", what
    csp = headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in csp or "sandbox" in csp, (what, csp)
    if response.mimetype == "text/html":
        assert csp in (FRONTEND_CSP, DOCS_CSP), what
    else:  # the front end's own files (its JSON too) keep the page policy it sets
        assert csp.startswith("default-src 'none'") or csp == FRONTEND_CSP, (what, csp)


def _url(rule) -> str:
    url = re.sub(r"<open311_format:[^>]+>", "json", rule.rule)
    return re.sub(r"<[^>]+>", "1", url)


def test_every_route_answers_an_anonymous_caller_with_the_headers(app, client):
    rules = list(app.url_map.iter_rules())
    assert len(rules) > 40  # the whole app, not a corner of it
    for rule in rules:
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"}) or ["GET"]
        method = "GET" if "GET" in methods else methods[0]
        url = _url(rule)
        response = client.open(url, method=method)
        try:
            _assert_hardened(response, f"{method} {url} -> {response.status_code}")
        finally:
            response.close()


def test_json_gets_the_policy_that_loads_nothing(client):
    response = client.get("/api/v1/agencies")
    assert response.mimetype == "application/json"
    assert response.headers["Content-Security-Policy"] == NON_HTML_CSP


@pytest.mark.parametrize(
    ("method", "url", "body", "status"),
    [
        ("GET", "/api/v1/no-such-thing", None, 404),
        ("PATCH", "/api/v1/complaints", None, 405),
        ("POST", "/api/v1/complaints", {"title": 5}, 422),
    ],
)
def test_problems_carry_the_headers(client, method, url, body, status):
    response = client.open(url, method=method, json=body, headers={"Accept": "application/json"})
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert response.headers["Content-Security-Policy"] == NON_HTML_CSP
    _assert_hardened(response, url)


def test_the_front_end_and_api_docs_keep_the_page_policy(client):
    for url in ("/", "/lapor", "/api/v1/docs"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.mimetype == "text/html"
        _assert_hardened(response, url)
    docs = client.get("/api/v1/docs").headers["Content-Security-Policy"]
    assert "script-src 'self';" in docs  # ReDoc's inline styles, never inline script


@pytest.mark.usefixtures("evidence_store")
def test_a_download_keeps_its_sandbox_policy(client, headers_for):
    citizen = headers_for("citizen")
    receipt = file_complaint(client, citizen)
    uploaded = client.post(
        f"/api/v1/complaints/{receipt['id']}/attachments",
        data={"file": (io.BytesIO(pdf_document()), "bukti.pdf")},
        headers=citizen,
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 201, uploaded.get_json()
    url = f"/api/v1/complaints/{receipt['id']}/attachments/{uploaded.get_json()['id']}/content"
    served = client.get(url, headers=headers_for("verifier"))
    try:
        assert served.status_code == 200
        assert served.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert served.headers["Referrer-Policy"] == "same-origin"
    finally:
        served.close()
