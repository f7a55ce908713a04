"""A worker's memory while four 79-megapixel images are sent at once (issue 13, item 4).

    .venv/bin/python scripts/bench_uploads.py [--attempts 4] [--side 8900]

Serves Aduan under gunicorn (one worker, four threads) on a temporary SQLite database with
the demo city, files one complaint, then sends `--attempts` PNGs of `--side` x `--side` pixels
(one colour: a few hundred kB) at once to the tracking upload with its code and PIN. Prints
each answer and the worker's resident memory before and at its peak (VmHWM).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent


def _memory(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a process, in MB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(value.split()[0]) // 1024
    return found


def _post(url: str, body: bytes, content_type: str) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.read().decode()[:120]
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}").get("code", "")


def _multipart(fields: dict[str, str], file: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="besar.png"\r\n'
        "Content-Type: image/png\r\n\r\n".encode()
        + file
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def main() -> int:
    """Serve, send the images at once, measure the worker."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--attempts", type=int, default=4)
    parser.add_argument("--side", type=int, default=8_900)
    args = parser.parse_args()

    from PIL import Image

    from backend.app import create_app
    from backend.demo import load_demo
    from backend.extensions import alembic, db
    from tests.conftest import free_port
    from tests.factories import ComplaintPayloadFactory

    var = Path(tempfile.mkdtemp(prefix="aduan-uploads-"))
    database = f"sqlite:///{var / 'aduan.db'}"
    env = {
        **os.environ,
        "ADUAN_VAR_DIR": str(var),
        "ADUAN_DATABASE_URL": database,
        "ADUAN_RATELIMIT_ENABLED": "false",
    }
    app = create_app({"DATABASE_URL": database, "MASTER_SECRET": "x" * 40})
    env["ADUAN_SECRET_KEY"] = "x" * 40
    with app.app_context():
        alembic.upgrade()
        load_demo(db.session)
        db.session.commit()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", "1", "--threads", "4", "--bind", f"127.0.0.1:{port}"]
        + ["backend.app:create_app()"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(var / "gunicorn.log", "w"),  # noqa: SIM115 (the server's whole life)
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/readyz", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        worker = int(
            subprocess.check_output(["pgrep", "-P", str(server.pid)], text=True).split()[0]
        )
        with urllib.request.urlopen(
            urllib.request.Request(
                f"{base}/api/v1/complaints",
                data=json.dumps(ComplaintPayloadFactory()).encode(),
                headers={"Content-Type": "application/json"},
            )
        ) as response:
            receipt = json.loads(response.read())
        out = io.BytesIO()
        Image.new("L", (args.side, args.side), 255).save(out, format="PNG")
        image = out.getvalue()
        body, content_type = _multipart(
            {"code": receipt["tracking_code"], "pin": receipt["pin"]}, image
        )
        before = _memory(worker)
        with ThreadPoolExecutor(max_workers=args.attempts) as pool:
            answers = list(
                pool.map(
                    lambda _: _post(f"{base}/api/v1/track/attachments", body, content_type),
                    range(args.attempts),
                )
            )
        after = _memory(worker)
    except urllib.error.HTTPError:
        print((var / "gunicorn.log").read_text()[-3000:])
        raise
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(
        f"{args.attempts} uploads of {args.side} x {args.side} px "
        f"({args.side * args.side / 1e6:.1f} Mpx, {len(image) / 1024:.0f} KB) at once: {answers}"
    )
    print(
        f"worker RSS before {before['VmRSS']} MB, after {after['VmRSS']} MB, "
        f"peak {after['VmHWM']} MB (target: under 300 MB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
