"""The queue and the dashboard offer their exports (issue 15, item 12): a CSV at once, an XLSX
written in the background with its progress, the Ombudsman report; names, never codes, in the
queue and the dashboard (issue 14, item 4)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Page, in_thread
from tests.e2e.test_flows import VERIFIER, api_file, axe_clean, login

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("width", [360, 1280])
def test_the_queue_exports_what_it_shows(
    e2e_browser: Any, live_server: str, live_app: Any, width: int
) -> None:
    from backend.scheduler import run_exports

    receipt = api_file(live_app, title=f"Surat pindah tertahan {width}")
    web = Page(e2e_browser, live_server)
    web.page.set_viewport_size({"width": width, "height": 900})
    login(web, VERIFIER)
    page = web.goto("/staf")
    row = page.get_by_role("row").filter(has_text=receipt["tracking_code"])
    expect(row).to_contain_text("Dinas Kependudukan dan Pencatatan Sipil")
    expect(row).not_to_contain_text("DISDUKCAPIL")
    with page.expect_download() as info:
        page.get_by_test_id("export-csv").click()
    text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    assert text.startswith("tracking_code,") and receipt["tracking_code"] in text
    page.get_by_test_id("export-xlsx").click()
    expect(page.get_by_test_id("export-xlsx-status")).to_contain_text("Menunggu giliran")

    def write() -> None:
        with live_app.app_context():
            run_exports()

    in_thread(write)  # the scheduler's job
    expect(page.get_by_test_id("export-xlsx-status")).to_contain_text("Siap:", timeout=15_000)
    with page.expect_download() as info:
        page.get_by_test_id("export-xlsx-file").click()
    assert Path(info.value.path()).read_bytes()[:2] == b"PK"  # a zip: the XLSX
    axe_clean(web, f"queue with its exports at {width} px")
    assert web.foreign == [] and web.console_errors == []
    web.context.close()


def test_the_dashboard_offers_the_ombudsman_report(e2e_browser: Any, live_server: str) -> None:
    web = Page(e2e_browser, live_server)
    login(web, "inspektorat@demo.aduan.id")
    page = web.goto("/pengawasan")
    expect(page.get_by_test_id("export-ombudsman")).to_have_text("Buat laporan Ombudsman (XLSX)")
    expect(page.get_by_test_id("breach-summary")).not_to_contain_text("DISDUKCAPIL")
    axe_clean(web, "dashboard with the Ombudsman report")
    web.context.close()


@pytest.mark.parametrize("width", [360, 1280])
def test_the_queue_shows_how_a_decided_case_was_delivered_and_its_dispute_window(
    e2e_browser: Any, live_server: str, live_app: Any, width: int
) -> None:
    """Issue 14, item 7 (the queue): staff could not see the delivery or the dispute window."""
    from tests.conftest import bearer_for, user_by_email
    from tests.sla_helpers import act

    receipt = api_file(live_app, title=f"Akta lahir sudah diputus {width}")

    def decide_and_deliver() -> None:
        client = live_app.test_client()
        headers = bearer_for(live_app, user_by_email(live_app, VERIFIER))
        act(client, headers, receipt["id"], action="verify")
        head = bearer_for(live_app, user_by_email(live_app, "kadis.disdukcapil@demo.aduan.id"))
        act(client, head, receipt["id"], action="start")
        act(client, head, receipt["id"], action="decide", decision="Akta dicetak ulang")
        act(client, head, receipt["id"], action="deliver", delivery_channel="email")

    in_thread(decide_and_deliver)
    web = Page(e2e_browser, live_server)
    web.page.set_viewport_size({"width": width, "height": 900})
    login(web, VERIFIER)
    page = web.goto("/staf")
    row = page.get_by_role("row").filter(has_text=receipt["tracking_code"])
    handling = row.get_by_test_id("queue-handling")
    expect(handling).to_contain_text("Disampaikan lewat Surel.")
    expect(handling).to_contain_text("Keberatan s.d.")
    expect(handling).to_contain_text("WIB")
    axe_clean(web, f"queue with a delivered case at {width} px")
    web.context.close()
