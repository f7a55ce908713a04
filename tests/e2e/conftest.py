"""A live Aduan server on 127.0.0.1 (fresh SQLite file, migrations, demo data) and Chromium."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import pytest
from flask import Flask
from werkzeug.serving import make_server

from backend.app import create_app
from backend.db import now_utc
from backend.demo import load_demo
from backend.extensions import db
from tests.conftest import DEMO_HASH, free_port, reset_schema, test_config
from tests.e2e.chromium import CHROMIUM, CHROMIUM_ARGS

T = TypeVar("T")


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """The app on a fresh SQLite file: migrations, then the Cimahi demo data."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing at /usr/bin/chromium: `make test` installs it (apt)")
    tmp = tmp_path_factory.mktemp("e2e")
    app = create_app(test_config("sqlite", tmp))
    reset_schema(app)
    with app.app_context():
        load_demo(db.session, password_hash=DEMO_HASH)
        db.session.commit()
    return app


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> Iterator[str]:
    """The real app served by werkzeug in a thread; yields its base URL."""
    port = free_port()
    server = make_server("127.0.0.1", port, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def e2e_browser(live_server: str) -> Iterator[Any]:
    """Headless system Chromium, per module: Playwright's event loop holds the main thread while
    it runs, so Flask app contexts opened in tests go through `in_thread`."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Page:
    """A browser page that records every request leaving the origin."""

    def __init__(self, browser: Any, base: str) -> None:
        self.base = base
        self.context = browser.new_context(
            viewport={"width": 360, "height": 800}, locale="id-ID", timezone_id="Asia/Jakarta"
        )
        # Chromium has a clock of its own: start the pages' at the server's frozen one (conftest's
        # frozen_clock), so what the front end counts from now ("3 hari lagi") agrees with it
        self.context.clock.install(time=now_utc())
        self.page = self.context.new_page()
        self.foreign: list[str] = []
        self.console_errors: list[str] = []
        origin = urlsplit(base).netloc
        self.page.on("request", lambda r: self._check(r.url, origin))
        self.page.on("pageerror", lambda e: self.console_errors.append(str(e)))
        self.page.on("console", self._console)

    def _console(self, message: Any) -> None:
        """A CSP violation is a failure even when nothing else breaks."""
        if "Content Security Policy" in message.text:
            self.console_errors.append(message.text)

    def _check(self, url: str, origin: str) -> None:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob"):
            return
        if parts.netloc != origin:
            self.foreign.append(url)

    def goto(self, path: str) -> Any:
        """Open `path` and wait until the view says it is ready."""
        self.page.goto(self.base + path)
        self.ready()
        return self.page

    def ready(self) -> None:
        self.page.wait_for_selector("main[data-ready=true]")


@pytest.fixture
def web(e2e_browser: Any, live_server: str) -> Iterator[Page]:
    """A fresh browser context (no cookies) at 360 px wide."""
    page = Page(e2e_browser, live_server)
    yield page
    assert page.foreign == [], f"requests left the origin: {page.foreign}"
    assert page.console_errors == [], page.console_errors
    page.context.close()


def in_thread(work: Callable[[], T]) -> T:
    """Run `work` outside the thread that holds Playwright's event loop; return its result."""
    out: list[T] = []
    worker = threading.Thread(target=lambda: out.append(work()))
    worker.start()
    worker.join(timeout=60)
    return out[0]
