"""`make run`: migrate SQLite under var/, load the Cimahi demo data, serve with the scheduler."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST, PORT = "127.0.0.1", int(os.environ.get("ADUAN_PORT", "8000"))


def _wait_until_ready(seconds: float = 30) -> None:
    """Print the addresses only once the server answers."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://{HOST}:{PORT}/readyz", timeout=2):
                return
        except OSError:
            time.sleep(0.2)


def main() -> int:
    """Prepare the database, then run web server and scheduler until Ctrl-C."""
    sys.path.insert(0, str(ROOT))
    from sqlalchemy.engine import make_url

    from backend.app import create_app
    from backend.config import VAR
    from backend.demo import DEMO_PASSWORD, demo_accounts, load_demo
    from backend.extensions import alembic, db

    VAR.mkdir(parents=True, exist_ok=True)
    app = create_app()
    with app.app_context():
        alembic.upgrade()
        loaded = load_demo(db.session)
        db.session.commit()
        accounts = [(u.role, u.email) for u in demo_accounts(db.session)]

    database = app.config["SQLALCHEMY_ENGINES"]["default"]["url"]
    flask = [str(BIN / "flask"), "--app", "backend.app"]
    web = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--config",  # Aduan's worker: its own errors as problem+json
            str(ROOT / "gunicorn.conf.py"),
            "--bind",
            f"{HOST}:{PORT}",
            # one worker process with threads: the in-memory rate-limit counts (memory://)
            # are then shared by everything that serves; several processes need a shared
            # store (ADUAN_RATELIMIT_STORAGE_URI=redis://...)
            "--workers",
            "1",
            "--threads",
            "8",
            "--access-logfile",
            "-",
            "backend.app:create_app()",
        ],
        cwd=ROOT,
    )
    children = [web]
    scheduler_help = subprocess.run([*flask, "sla", "--help"], cwd=ROOT, capture_output=True)
    if scheduler_help.returncode == 0:
        children.append(subprocess.Popen([*flask, "sla", "scheduler"], cwd=ROOT))

    _wait_until_ready()
    print()
    print("Aduan berjalan / Aduan is running")
    print(f"  Aplikasi / app:        http://{HOST}:{PORT}/")
    print(f"  API:                   http://{HOST}:{PORT}/api/v1")
    print(f"  Kontrak / contract:    http://{HOST}:{PORT}/api/v1/openapi.json")
    print(f"  Dokumentasi / docs:    http://{HOST}:{PORT}/api/v1/docs")
    print(
        f"  Basis data / database: {make_url(database).render_as_string(hide_password=True)}"
        f" ({'data demo dimuat' if loaded else 'data lama dipertahankan'})"
    )
    print(f"  Surel / mail:          {app.config['MAIL_DIR']}")
    print(f"  Akun demo (kata sandi / password: {DEMO_PASSWORD}):")
    for role, email in accounts:
        print(f"    {role:<12} {email}")
    print("Tekan Ctrl-C untuk berhenti / press Ctrl-C to stop.")
    print(flush=True)

    def stop(*_: object) -> None:
        for child in children:
            child.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    stop()
    for child in children:
        child.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
