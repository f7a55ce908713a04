"""The admins' webhooks page (issue 15, items 6-8): subscribe with the secret shown once, a URL
inside the network refused next to its field, the log of attempts and a redelivery."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.api.test_webhooks import Receiver
from tests.e2e.conftest import Page, in_thread
from tests.e2e.test_flows import api_file, axe_clean, login

pytestmark = pytest.mark.e2e

ADMIN = "admin@demo.aduan.id"


def test_an_admin_subscribes_reads_the_log_and_redelivers(
    e2e_browser: Any, live_server: str, live_app: Any
) -> None:
    from backend.scheduler import send_webhooks

    receiver = Receiver()
    receiver.start()
    web = Page(e2e_browser, live_server)
    try:
        login(web, ADMIN)
        page = web.goto("/admin/webhook")
        # the admin's navigation leads here (behind the menu button on a narrow screen)
        expect(page.locator("#nav-list a[href='/admin/webhook']")).to_have_text("Webhook")
        page.get_by_label("Alamat URL webhook").fill(receiver.url)
        page.get_by_role("button", name="Berlangganan").click()
        # the live app refuses addresses inside the network, like production
        expect(page.get_by_text("mengarah ke alamat jaringan internal").first).to_be_visible()
        live_app.config["WEBHOOKS_ALLOW_PRIVATE"] = True
        page.get_by_role("button", name="Berlangganan").click()
        expect(page.get_by_test_id("webhook-secret")).to_contain_text("whsec_")
        expect(page.get_by_test_id("webhook-state")).to_have_text("Aktif")

        api_file(live_app, title="Lampu jalan mati di Baros")

        def job() -> None:
            with live_app.app_context():
                send_webhooks(live_app)

        in_thread(job)  # the scheduler's job
        assert len(receiver.received) == 1
        page.get_by_role("button", name="Lihat log").click()
        attempts = page.get_by_test_id("webhook-attempts")
        expect(attempts).to_contain_text("Berhasil (200)")
        expect(attempts).to_contain_text("WIB")
        page.get_by_role("button", name="Kirim ulang").click()
        expect(page.get_by_test_id("redelivery-queued")).to_be_visible()
        assert len(receiver.received) == 1  # queued; the scheduler sends it
        in_thread(job)
        assert len(receiver.received) == 2
        axe_clean(web, "webhooks page with its log")
        assert web.foreign == [] and web.console_errors == []
    finally:
        live_app.config["WEBHOOKS_ALLOW_PRIVATE"] = False
        receiver.stop()
        web.context.close()
