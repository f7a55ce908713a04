"""An unreachable evidence store (issue 17): /readyz says so, uploads and downloads answer a 503
problem `storage_unavailable` and change nothing."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from backend.complaints.storage import EXTENSION, S3Store
from tests.api.test_attachments import PDF, count_attachments, problem, upload
from tests.conftest import free_port
from tests.factories import file_complaint


def dead_store() -> S3Store:
    """A store whose endpoint is a closed port: every call is refused at once."""
    return S3Store(
        bucket="aduan-evidence",
        endpoint=f"http://127.0.0.1:{free_port()}",
        region="us-east-1",
        access_key="key",
        secret_key="secret",
    )


@contextmanager
def store_down(app):
    local = app.extensions[EXTENSION]
    app.extensions[EXTENSION] = dead_store()
    try:
        yield
    finally:
        app.extensions[EXTENSION] = local


@pytest.mark.usefixtures("evidence_store")
def test_readiness_names_each_check_on_both_stores(client):
    answer = client.get("/readyz")
    assert answer.status_code == 200
    assert answer.get_json()["checks"] == {"database": "ok", "storage": "ok"}


def test_a_dead_store_makes_the_service_unready(client, app):
    with store_down(app):
        answer = client.get("/readyz")
    assert answer.status_code == 503
    problem = answer.get_json()
    assert problem["code"] == "storage_unavailable"
    assert problem["errors"] == {"database": "ok", "storage": "failed"}


def test_an_upload_to_a_dead_store_is_a_503_and_keeps_nothing(client, app, headers_for):
    citizen = headers_for("citizen")
    receipt = file_complaint(client, citizen, complainant=None)
    before = count_attachments(app)
    with store_down(app):
        answer = upload(client, citizen, receipt["id"], PDF, "surat.pdf")
    problem(answer, 503, "storage_unavailable")
    assert answer.get_json()["title"] == "Penyimpanan berkas tidak tersedia"
    assert count_attachments(app) == before


def test_a_download_from_a_dead_store_is_a_503(client, app, headers_for):
    citizen = headers_for("citizen")
    receipt = file_complaint(client, citizen, complainant=None)
    meta = upload(client, citizen, receipt["id"], PDF, "surat.pdf").get_json()
    with store_down(app):
        answer = client.get(
            f"/api/v1/complaints/{receipt['id']}/attachments/{meta['id']}/content",
            headers=headers_for("verifier"),
        )
    problem(answer, 503, "storage_unavailable")
