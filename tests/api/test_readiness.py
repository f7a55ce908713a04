"""/readyz checks the database and the evidence store (issue 17, item 2)."""

from __future__ import annotations

import pytest

from backend.complaints.storage import EXTENSION, S3Store
from tests.conftest import free_port


@pytest.mark.usefixtures("evidence_store")
def test_readiness_names_each_check_on_both_stores(client):
    answer = client.get("/readyz")
    assert answer.status_code == 200
    assert answer.get_json()["checks"] == {"database": "ok", "storage": "ok"}


def test_a_dead_store_makes_the_service_unready(client, app):
    dead = S3Store(
        bucket="aduan-evidence",
        endpoint=f"http://127.0.0.1:{free_port()}",
        region="us-east-1",
        access_key="key",
        secret_key="secret",
    )
    local = app.extensions[EXTENSION]
    app.extensions[EXTENSION] = dead
    try:
        answer = client.get("/readyz")
    finally:
        app.extensions[EXTENSION] = local
    assert answer.status_code == 503
    problem = answer.get_json()
    assert problem["code"] == "service_unavailable"
    assert problem["errors"] == {"database": "ok", "storage": "failed"}
