"""What the server says to the installable app's service worker (issue 14, item 13): the worker
at the site's root, never kept in the HTTP cache, told the shell's version and files; a deploy
that changes a file of the shell gives a new version (so phones fetch the new shell); the public
reference data it may keep, and nothing that carries personal data."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from backend import frontend


def _shell(client: Any) -> dict[str, Any]:
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    found = re.search(r"^const SHELL = (\{.*\});$", response.get_data(as_text=True), re.M)
    assert found is not None
    return json.loads(found.group(1))


def test_the_worker_keeps_the_shell_and_public_data_only(client: Any) -> None:
    shell = _shell(client)
    assert {
        "/",
        "/manifest.webmanifest",
        "/assets/js/kept-store.js",
        "/assets/js/app.js",
        "/assets/js/offline.js",
        "/assets/js/views/file.js",
        "/assets/js/views/kept.js",
        "/assets/js/views/receipt.js",
        "/assets/i18n/id.json",
        "/assets/i18n/en.json",
        "/assets/css/app.css",
    } <= set(shell["files"])
    assert not any("vendor" in f for f in shell["files"])
    assert shell["publicData"] == ["/api/v1/operations.json", "/api/v1/categories", "/api/v1/areas"]
    assert shell["intake"] == {"file": "/api/v1/complaints", "upload": "/api/v1/track/attachments"}
    for url in shell["files"] + shell["publicData"]:
        assert client.get(url).status_code == 200, url


def test_the_worker_and_the_manifest_are_allowed_by_the_csp(client: Any) -> None:
    csp = client.get("/").headers["Content-Security-Policy"]
    assert "worker-src 'self'" in csp and "manifest-src 'self'" in csp
    manifest = client.get("/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    assert json.loads(manifest.get_data())["short_name"] == "Aduan Cimahi"


def test_a_changed_file_of_the_shell_gives_the_worker_a_new_version(
    client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "frontend"
    shutil.copytree(frontend.FRONTEND_DIR, copy, ignore=shutil.ignore_patterns("vendor"))
    monkeypatch.setattr(frontend, "FRONTEND_DIR", copy)
    before = _shell(client)["version"]
    assert _shell(client)["version"] == before  # nothing changed, nothing new to fetch
    view = copy / "js" / "views" / "home.js"
    view.write_text(view.read_text(encoding="utf-8") + "\n// a deploy\n", encoding="utf-8")
    assert _shell(client)["version"] != before
