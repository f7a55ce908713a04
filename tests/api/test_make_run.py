"""`make run`: the service starts on SQLite under var/, with demo data, and keeps it on restart."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

from tests.conftest import free_port
from tests.factories import ComplaintPayloadFactory, TrackRequestFactory

ROOT = Path(__file__).resolve().parents[2]


def _start(var: Path, port: int) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "ADUAN_VAR_DIR": str(var), "ADUAN_PORT": str(port)}
    env.pop("ADUAN_DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "scripts/run_dev.py"],
        cwd=ROOT,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    banner = []
    assert process.stdout is not None
    for line in process.stdout:
        banner.append(line)
        if "Ctrl-C" in line:
            break
    return process, "".join(banner)


def _stop(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)


def _request(url: str, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, headers={"Content-Type": "application/json"} if data else {}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"{}")


def test_make_run_serves_the_demo_city_and_keeps_data_on_restart(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process, banner = _start(tmp_path, port)
    try:
        assert f"{base}/" in banner
        assert "admin@demo.aduan.id" in banner and "petugas.disdukcapil@demo.aduan.id" in banner
        assert "data demo dimuat" in banner
        assert (tmp_path / "aduan.db").exists()
        assert _request(f"{base}/readyz")["status"] == "ready"
        with urllib.request.urlopen(f"{base}/", timeout=10) as page:
            assert "text/html" in page.headers["Content-Type"]
        # the API's documentation, where the banner says it is
        assert f"{base}/api/v1/docs" in banner
        with urllib.request.urlopen(f"{base}/api/v1/docs", timeout=10) as docs:
            assert b"<redoc spec-url=" in docs.read()
        codes = {
            a["code"]
            for a in json.loads(
                urllib.request.urlopen(f"{base}/api/v1/agencies", timeout=10).read()
            )
        }
        assert {
            "DISDUKCAPIL",
            "DPMPTSP",
            "BAPPENDA",
            "DISKOMINFOARPUS",
            "DINKES",
            "RSUD-CIBABAT",
            "KEC-UTR",
            "KEC-TGH",
            "KEC-SLT",
        } <= codes
        receipt = _request(f"{base}/api/v1/complaints", ComplaintPayloadFactory())
    finally:
        _stop(process)

    process, banner = _start(tmp_path, port)
    try:
        assert "data lama dipertahankan" in banner
        tracked = _request(f"{base}/api/v1/track", TrackRequestFactory.of(receipt))
        assert tracked["status"] == "submitted"
    finally:
        _stop(process)
