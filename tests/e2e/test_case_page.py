"""The case page at 360 and 1280 px (issue 14, items 5, 6, 7 and 16): after the citizen completes
the file the verification clock is shown with its deadline in WIB; its explanation says in one
sentence how the date was counted, without codes; the timeline says who did what in words."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Page, in_thread
from tests.e2e.test_flows import VERIFIER, axe_clean, login

pytestmark = pytest.mark.e2e


def _completed_complaint(live_app: Any, title: str) -> dict[str, Any]:
    """Filed at the desk, information requested, then completed (the citizen brought it in)."""
    from tests.conftest import bearer_for, user_by_email
    from tests.factories import file_complaint
    from tests.sla_helpers import act

    def work() -> dict[str, Any]:
        client = live_app.test_client()
        headers = bearer_for(live_app, user_by_email(live_app, VERIFIER))
        receipt = file_complaint(client, headers, channel="walk_in", title=title)
        act(client, headers, receipt["id"], action="request_info", reason="Lampirkan foto KK")
        act(client, headers, receipt["id"], action="complete_info")
        return receipt

    return in_thread(work)


@pytest.mark.parametrize("width", [360, 1280])
def test_the_completed_file_shows_its_verification_clock_and_a_timeline_in_words(
    e2e_browser: Any, live_server: str, live_app: Any, width: int
) -> None:
    receipt = _completed_complaint(live_app, f"Kartu keluarga salah nama {width}")
    web = Page(e2e_browser, live_server)
    web.page.set_viewport_size({"width": width, "height": 900})
    login(web, VERIFIER)
    page = web.goto(f"/pengaduan/{receipt['id']}")
    clocks = page.locator("table").filter(has_text="Verifikasi berkas yang dilengkapi")
    expect(clocks).to_contain_text("Berjalan")
    expect(clocks).to_contain_text("WIB")
    explanation = page.locator("details").filter(has_text="Verifikasi berkas yang dilengkapi")
    explanation.locator("summary").click()
    expect(explanation.get_by_test_id("counted-sentence")).to_contain_text(
        "Dihitung 14 hari kalender"
    )
    timeline = page.locator("ol.timeline")
    expect(timeline).to_contain_text("meminta pengadu melengkapi berkas")
    expect(timeline).to_contain_text(
        "Rina Verifikator mencatat bahwa pengadu telah melengkapi berkas."
    )
    expect(timeline).to_contain_text("Rina Verifikator mencatat pengaduan yang diterima.")
    expect(timeline).to_contain_text("Status kini: Diterima.")
    page.screenshot(path=f"/tmp/case-{width}.png", full_page=True)
    axe_clean(web, f"case page at {width} px")
    # the same page in English: the clock's one wording there too
    page.get_by_role("button", name="English").click()
    web.ready()
    expect(
        page.locator("table").filter(has_text="Verification of the completed file")
    ).to_have_count(1)
    expect(timeline).to_contain_text("asked the complainant to complete the file")
    assert web.foreign == [] and web.console_errors == []
    web.context.close()
