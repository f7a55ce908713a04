"""Rate limits are configuration, and a limit holds across the workers that serve (issue 13,
item 9): with the default `memory://` store each gunicorn worker counted alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from backend.app import create_app
from backend.config import ConfigurationError, load_config
from tests.conftest import free_port, reset_schema
from tests.conftest import test_config as app_config

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REDIS = "redis://127.0.0.1:6379"


def test_each_limit_comes_from_one_table_overridable_by_environment(monkeypatch):
    monkeypatch.setenv("ADUAN_RATE_LIMITS", "trackComplaint=7/minute; login=3/hour")
    limits = load_config({"DATABASE_URL": "sqlite://"})["RATE_LIMITS"]
    assert limits["trackComplaint"] == "7/minute"
    assert limits["login"] == "3/hour"
    assert limits["createComplaint"] == "30/minute"  # the table's own


@pytest.mark.parametrize("setting", ["trackComplaints=7/minute", "trackComplaint=seven a minute"])
def test_a_wrong_limit_stops_the_start_with_its_name(monkeypatch, setting):
    monkeypatch.setenv("ADUAN_RATE_LIMITS", setting)
    with pytest.raises(ConfigurationError, match="ADUAN_RATE_LIMITS"):
        load_config({"DATABASE_URL": "sqlite://"})


def _post(url: str, body: dict) -> int:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _wait(base: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, "gunicorn stopped"
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("gunicorn did not answer")


def test_a_limit_holds_across_two_gunicorn_workers(tmp_path):
    """Two workers share the count through Redis: 5 tries a minute means 5, not 5 each."""
    reset_schema(create_app(app_config("sqlite", tmp_path)))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "ADUAN_DATABASE_URL": f"sqlite:///{tmp_path / 'test.db'}",
        "ADUAN_VAR_DIR": str(tmp_path),
        "ADUAN_RATE_LIMITS": "trackComplaint=5/minute",
        "ADUAN_RATELIMIT_STORAGE_URI": f"{REDIS}/0",
        # a prefix of its own: other runs on the same Redis do not count here
        "ADUAN_RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
    }
    process = subprocess.Popen(
        # --preload: both workers hold the app from their start, so requests at once reach both
        [str(BIN / "gunicorn"), "--workers", "2", "--preload", "--bind", f"127.0.0.1:{port}"]
        + ["backend.app:create_app()"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(base, process)
        # at once, so that both workers take some (one at a time, one worker took them all)
        with ThreadPoolExecutor(max_workers=10) as pool:
            answers = list(
                pool.map(
                    # a code each: the lockout of one code must not stand in for the limit
                    lambda n: _post(
                        f"{base}/api/v1/track", {"code": f"ADU-0000-{n:04d}", "pin": "123456"}
                    ),
                    range(20),
                )
            )
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert sorted(answers) == [404] * 5 + [429] * 15, answers
