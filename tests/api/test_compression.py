"""Answers are compressed for whoever accepts it (issue 14, item 11), and compression changes
nothing a client relies on: the ETag a compressed answer carries still names the complaint's
state in If-Match."""

from __future__ import annotations

import gzip

import brotli
import pytest

from tests.factories import file_complaint

URL = "/api/v1/complaints"


@pytest.mark.parametrize(
    ("path", "mimetype"),
    [
        ("/api/v1/openapi.json", "application/json"),
        ("/api/v1/operations.json", "application/json"),
        ("/assets/js/api.js", "text/javascript"),
        ("/assets/css/app.css", "text/css"),
        ("/assets/i18n/id.json", "application/json"),
        ("/lapor", "text/html"),
    ],
)
def test_text_is_compressed_for_a_client_that_accepts_it(client, path, mimetype):
    plain = client.get(path)
    packed = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert packed.status_code == 200
    assert packed.mimetype == mimetype
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    body = gzip.decompress(packed.get_data())
    assert body == plain.get_data()
    assert len(packed.get_data()) < len(body) / 2


def test_brotli_is_preferred_and_a_client_without_it_gets_plain_text(client):
    packed = client.get("/api/v1/openapi.json", headers={"Accept-Encoding": "gzip, br"})
    assert packed.headers["Content-Encoding"] == "br"
    assert brotli.decompress(packed.get_data()).startswith(b"{")
    plain = client.get("/api/v1/openapi.json", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers


def test_the_operations_index_is_the_contracts_operations_alone(client):
    contract = client.get("/api/v1/openapi.json").get_json()
    index = client.get("/api/v1/operations.json").get_json()
    wanted = {
        (path, method, operation["operationId"])
        for path, item in contract["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "operationId" in operation
    }
    got = {
        (path, method, operation["operationId"])
        for path, item in index["paths"].items()
        for method, operation in item.items()
    }
    assert got == wanted
    sorts = index["paths"][URL]["get"]["parameters"]
    assert any(p["name"] == "sort" and p["schema"]["enum"] for p in sorts)
    assert len(client.get("/api/v1/operations.json").get_data()) < 12_000


def test_a_compressed_etag_still_names_the_complaints_state(client, headers_for):
    """flask-compress appends the coding to a strong ETag ("ADU-....4:br"); a client sends back
    what it got, and the change goes through (it was 412, which the browser tests caught)."""
    verifier = {**headers_for("verifier"), "Accept-Encoding": "br"}
    complaint = file_complaint(client)["id"]
    shown = client.get(f"{URL}/{complaint}", headers=verifier)
    assert shown.headers["Content-Encoding"] == "br"
    etag = shown.headers["ETag"]
    assert etag.endswith(':br"'), etag
    moved = client.post(
        f"{URL}/{complaint}/transitions",
        json={"action": "verify"},
        headers={**verifier, "If-Match": etag},
    )
    assert moved.status_code == 200, moved.get_data()
    stale = client.post(
        f"{URL}/{complaint}/transitions",
        json={"action": "verify"},
        headers={**verifier, "If-Match": etag},
    )
    assert stale.status_code == 412  # the same tag, now stale, whatever its coding
