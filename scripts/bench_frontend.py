"""Load each main view of the front end in headless Chromium; print bytes and time to usable.

Starts the app on 127.0.0.1 with a throwaway SQLite database (migrations + Cimahi demo data),
opens every view with an empty cache, and counts the bytes received over the wire for
everything the view loads (page, scripts, styles, catalogue, the contract's index, API answers:
compressed bodies and their headers, as Chromium reports them), the JavaScript and CSS among
them before decompression, and the time until the view marks itself ready
(`main[data-ready=true]`: on /lapor, the filing form is usable). `--slow` emulates a weak mobile
connection (1.6 Mbit/s down, 150 ms round trip). Exit status 1 when the citizen's first view
needs 60 KB or more over the wire (issue 14, item 11).

    .venv/bin/python scripts/bench_frontend.py [--slow]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import free_port  # noqa: E402
from tests.e2e.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

BUDGET = 60 * 1024  # over the wire, first view
CITIZEN_VIEWS = ["/", "/lapor", "/lacak", "/masuk"]
STAFF_VIEWS = ["/staf", "/pengaduan/1", "/staf/input", "/pengawasan"]
STAFF_EMAIL = "verifikator@demo.aduan.id"


def serve() -> str:
    """The app on a free port, in a daemon thread; returns its base URL."""
    from werkzeug.serving import make_server

    from backend.app import create_app
    from backend.demo import DEMO_PASSWORD, load_demo
    from backend.extensions import alembic, db

    tmp = Path(tempfile.mkdtemp(prefix="aduan-bench-"))
    app = create_app(
        {
            "MASTER_SECRET": "bench-secret-key-of-sufficient-length-0123456789",
            "DATABASE_URL": f"sqlite:///{tmp / 'bench.db'}",
            "UPLOAD_DIR": str(tmp / "uploads"),
            "MAIL_DIR": str(tmp / "mail"),
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        alembic.upgrade()
        load_demo(db.session)
        db.session.commit()
    client = app.test_client()
    client.post(
        "/api/v1/complaints",
        json={
            "category": "ADMINDUK",
            "title": "KTP-el belum jadi",
            "consent": True,
            "description": "Sudah tiga bulan KTP elektronik saya belum jadi.",
            "privacy": "anonymous",
        },
    )
    serve.password = DEMO_PASSWORD  # type: ignore[attr-defined]
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{port}"


def measure(
    browser: Any, base: str, path: str, *, staff: bool, slow: bool
) -> tuple[int, int, float]:
    """Bytes over the wire, bytes of JS+CSS (decoded) and seconds until the view is usable,
    from an empty cache."""
    context = browser.new_context(viewport={"width": 360, "height": 800})
    if staff:
        context.request.post(
            f"{base}/api/v1/auth/login",
            data={
                "email": STAFF_EMAIL,
                "password": serve.password,  # type: ignore[attr-defined]
                "session": "cookie",
            },
        )
        context.add_init_script("localStorage.setItem('aduan-session', '1')")
    page = context.new_page()
    if slow:
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": 150,
                "downloadThroughput": 1_600_000 / 8,
                "uploadThroughput": 750_000 / 8,
            },
        )
    sizes: list[int] = []

    def count(response: Any) -> None:
        kind = response.request.resource_type
        if kind in ("script", "stylesheet") or response.url.endswith((".js", ".css")):
            sizes.append(len(response.body()))

    wire: list[int] = []

    def received(request: Any) -> None:
        size = request.sizes()
        wire.append(size["responseBodySize"] + size["responseHeadersSize"])

    page.on("response", count)
    page.on("requestfinished", received)
    start = time.perf_counter()
    page.goto(base + path)
    page.wait_for_selector("main[data-ready=true]", timeout=60_000)
    elapsed = time.perf_counter() - start
    page.wait_for_load_state("networkidle")
    context.close()
    return sum(wire), sum(sizes), elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slow", action="store_true", help="emulate a weak mobile connection")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    base = serve()
    results = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for path in CITIZEN_VIEWS + STAFF_VIEWS:
            staff = path in STAFF_VIEWS
            results.append((path, *measure(browser, base, path, staff=staff, slow=args.slow)))
        browser.close()
    link = "1.6 Mbit/s, 150 ms" if args.slow else "loopback"
    print(
        f"{'view':<16}{'over the wire':>15}{'JS+CSS (decoded)':>18}{'usable after':>15}  ({link})"
    )
    for path, over_wire, code, seconds in results:
        print(
            f"{path:<16}{over_wire / 1024:>12.1f} KB{code / 1024:>15.1f} KB"
            f"{seconds * 1000:>12.0f} ms"
        )
    first = results[0][1]
    verdict = "within" if first < BUDGET else "OVER"
    print(f"citizen first view: {first / 1024:.1f} KB over the wire, {verdict} the 60 KB budget")
    return 0 if first < BUDGET else 1


if __name__ == "__main__":
    sys.exit(main())
