"""The public scorecard page (issue 16, item 4): anyone opens "Rapor kinerja" from the public
navigation and reads each month's figures, a count under 5 shown as "< 5", with the as-of time in
WIB and a bar chart that is its own text; no axe violation at 360 and 1280 px."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Page, in_thread
from tests.e2e.test_flows import VERIFIER, axe_clean
from tests.e2e.test_public_list import _filed_and_verified

# the day before the suite's frozen "now" (Wed 2 Dec 2026 10:00 WIB)
YESTERDAY = datetime(2026, 12, 1, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta"))


def _verified_yesterday(live_app: Any) -> None:
    """One private complaint filed and verified yesterday: counted, so shown as "< 5"."""
    from tests.api.fault_helpers import frozen
    from tests.conftest import bearer_for, user_by_email
    from tests.factories import file_complaint
    from tests.sla_helpers import act

    def work() -> None:
        with frozen(YESTERDAY):
            client = live_app.test_client()
            headers = bearer_for(live_app, user_by_email(live_app, VERIFIER))
            receipt = file_complaint(client, headers, channel="walk_in", privacy="private")
            act(client, headers, receipt["id"], action="verify")

    in_thread(work)


pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("width", [360, 1280])
def test_anyone_reads_the_scorecard_by_month(
    e2e_browser: Any, live_server: str, live_app: Any, width: int
) -> None:
    _verified_yesterday(live_app)
    _filed_and_verified(live_app, privacy="private", title=f"Rahasia {width} loket tujuh")
    web = Page(e2e_browser, live_server)
    web.page.set_viewport_size({"width": width, "height": 900})
    page = web.goto("/")
    if width < 600:  # a phone's navigation is behind the menu button
        page.get_by_role("button", name="Menu").click()
    page.get_by_role("link", name="Rapor kinerja").click()
    web.ready()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rapor kinerja pelayanan pengaduan")
    expect(page.get_by_test_id("scorecard-as-of")).to_contain_text("WIB")
    table = page.get_by_test_id("scorecard-table")
    expect(table.get_by_role("row")).to_have_count(13)  # the header and 12 months
    # filed today: not in a scorecard that ends yesterday, so the title never shows
    expect(page.get_by_text(f"Rahasia {width}")).to_have_count(0)
    expect(page.get_by_test_id("scorecard-chart").get_by_role("listitem")).to_have_count(12)
    # December's one verified complaint of yesterday: counted, but under 5, so not shown
    expect(page.get_by_test_id("scorecard-received").last).to_have_text("< 5")
    expect(page.get_by_test_id("scorecard-received").first).to_have_text("0")
    page.screenshot(path=f"/tmp/scorecard-{width}.png", full_page=True)
    axe_clean(web, f"scorecard at {width} px")
