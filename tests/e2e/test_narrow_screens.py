"""Issue 14, item 10: at 360 px nothing scrolls sideways, tables become labelled cards, the staff
navigation is a menu, and the citizen's pending action with its deadline opens the tracking page;
at 1280 px the tables stay tables and the navigation one line."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import bearer_for, user_by_email
from tests.e2e.conftest import Page, in_thread
from tests.e2e.test_flows import AGENCY_HEAD, VERIFIER, axe_clean, file_anonymous, login, track
from tests.factories import file_complaint
from tests.sla_helpers import act

pytestmark = pytest.mark.e2e

SUPERVISOR = "inspektorat@demo.aduan.id"
WIDTHS = [360, 1280]


def no_sideways_scroll(web: Page, label: str) -> None:
    """The page is no wider than the screen, and axe finds nothing."""
    width = web.page.evaluate("document.scrollingElement.scrollWidth")
    viewport = web.page.viewport_size["width"]
    assert width <= viewport, f"{label}: {width} px wide at {viewport} px"
    axe_clean(web, f"{label} at {viewport} px")


def complaint_in(live_app: Any, *steps: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    """A complaint filed through the API and taken through `steps` (actor's e-mail, action body);
    its receipt (code, PIN, id)."""

    def work() -> dict[str, Any]:
        client = live_app.test_client()
        verifier = bearer_for(live_app, user_by_email(live_app, VERIFIER))
        # a title of its own: other tests find their complaints in the queue by theirs
        receipt = file_complaint(client, verifier, title="Surat pindah datang belum diproses")
        for email, body in steps:
            headers = bearer_for(live_app, user_by_email(live_app, email))
            act(client, headers, receipt["id"], **body)
        return receipt

    return in_thread(work)


def waiting_for_information(live_app: Any) -> dict[str, Any]:
    return complaint_in(
        live_app, (VERIFIER, {"action": "request_info", "reason": "Mohon lampirkan nomor NIK."})
    )


def decision_delivered(live_app: Any) -> dict[str, Any]:
    return complaint_in(
        live_app,
        (VERIFIER, {"action": "verify"}),
        (AGENCY_HEAD, {"action": "start"}),
        (AGENCY_HEAD, {"action": "decide", "decision": "KTP-el dicetak ulang, siap diambil."}),
        (AGENCY_HEAD, {"action": "deliver", "delivery_channel": "WhatsApp"}),
    )


@pytest.fixture
def sized(web: Page, request: pytest.FixtureRequest) -> Iterator[Page]:
    """The `web` page at the parametrized width."""
    web.page.set_viewport_size({"width": request.param, "height": 800})
    yield web


def track_with(web: Page, receipt: dict[str, Any]) -> Any:
    return track(web, {"code": receipt["tracking_code"], "pin": receipt["pin"]})


def in_view(locator: Any, page: Any) -> bool:
    """Whether all of `locator` is on the screen as it is now (above the fold, nothing cut)."""
    box = locator.bounding_box()
    size = page.viewport_size
    return bool(
        box
        and box["y"] >= 0
        and box["y"] + box["height"] <= size["height"]
        and box["x"] >= 0
        and box["x"] + box["width"] <= size["width"]
    )


@pytest.mark.parametrize("sized", WIDTHS, indirect=True)
def test_no_citizen_page_scrolls_sideways(sized: Page, live_app: Any) -> None:
    web = sized
    for path in ("/", "/lapor"):
        web.goto(path)
        no_sideways_scroll(web, path)
    file_anonymous(web, "Antrean KTP-el terlalu panjang", "Antrean di loket KTP-el sampai sore.")
    no_sideways_scroll(web, "receipt")
    track_with(web, waiting_for_information(live_app))
    no_sideways_scroll(web, "tracking, information asked")
    track_with(web, decision_delivered(live_app))
    no_sideways_scroll(web, "tracking, decision delivered")


@pytest.mark.parametrize("sized", WIDTHS, indirect=True)
def test_no_staff_page_scrolls_sideways(sized: Page, live_app: Any) -> None:
    web = sized
    receipt = waiting_for_information(live_app)
    login(web, VERIFIER)
    no_sideways_scroll(web, "queue")
    web.goto(f"/pengaduan/{receipt['id']}")
    no_sideways_scroll(web, "complaint page")
    web.context.clear_cookies()
    login(web, SUPERVISOR)
    web.goto("/pengawasan")
    expect(web.page.get_by_test_id("breach-summary")).to_be_visible()
    no_sideways_scroll(web, "dashboard")


def cells_shown_with_their_column(page: Any, table: Any) -> int:
    """Every body cell of `table` is on the screen's width, visible, and labelled on screen with
    its column's heading; returns how many rows were checked."""
    headings = [th.inner_text() for th in table.locator("thead th").all()]
    rows = table.locator("tbody tr").all()
    width = page.viewport_size["width"]
    for row in rows:
        cells = row.locator("td").all()
        assert len(cells) == len(headings)
        for heading, cell in zip(headings, cells, strict=True):
            expect(cell).to_be_visible()
            box = cell.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, (heading, box)
            shown = cell.evaluate("el => getComputedStyle(el, '::before').content")
            assert heading in shown, (heading, shown)
    return len(rows)


def test_queue_and_dashboard_show_every_column_as_cards_at_360(web: Page, live_app: Any) -> None:
    """The queue hid the deadline column and the dashboard showed 3 of its 8 columns."""
    waiting_for_information(live_app)
    login(web, SUPERVISOR)
    page = web.goto("/staf")
    queue = page.locator("main table")
    assert queue.evaluate("el => getComputedStyle(el).display") == "block"
    # the column the queue is sorted by, the next deadline, is on each card
    expect(queue.locator("td[data-label='Tenggat berikut']").first).to_contain_text("WIB")
    assert cells_shown_with_their_column(page, queue) >= 1
    page = web.goto("/pengawasan")
    summary = page.get_by_test_id("breach-summary")
    assert len(summary.locator("thead th").all()) == 8
    assert cells_shown_with_their_column(page, summary) >= 1


def test_tables_stay_tables_at_1280(web: Page, live_app: Any) -> None:
    web.page.set_viewport_size({"width": 1280, "height": 800})
    waiting_for_information(live_app)
    login(web, SUPERVISOR)
    for path, table in (("/staf", "main table"), ("/pengawasan", "[data-testid=breach-summary]")):
        page = web.goto(path)
        grid = page.locator(table)
        assert grid.evaluate("el => getComputedStyle(el).display") == "table"
        expect(grid.locator("thead th").first).to_be_visible()
        # one row of cells side by side: every cell of a row on the same line
        tops = {
            round(c.bounding_box()["y"]) for c in grid.locator("tbody tr").first.locator("td").all()
        }
        assert len(tops) == 1, tops
        shown = grid.locator("td").first.evaluate("el => getComputedStyle(el, '::before').content")
        assert shown == "none"


def test_staff_navigation_is_a_menu_at_360(web: Page) -> None:
    """It took four lines; now one line with a menu button, usable by keyboard."""
    login(web, SUPERVISOR)
    page = web.page
    header = page.locator("header.site")
    toggle = page.get_by_role("button", name="Menu")
    links = page.get_by_role("navigation", name="Navigasi utama").get_by_role("link")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(links.first).to_be_hidden()
    # one line: the bar is as high as its buttons and its padding, the name of the site unwrapped
    assert header.bounding_box()["height"] <= toggle.bounding_box()["height"] + 17
    # by keyboard: open, walk into the links, Escape closes and gives the focus back
    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("link", name="Pelanggaran tenggat")).to_be_visible()
    page.keyboard.press("Tab")
    expect(links.first).to_be_focused()
    page.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_be_focused()
    expect(links.first).to_be_hidden()
    # a link taken from the menu opens its page with the menu closed again
    page.keyboard.press("Enter")
    page.get_by_role("link", name="Pelanggaran tenggat").click()
    page.wait_for_url("**/pengawasan")
    web.ready()
    expect(page.get_by_role("heading", level=1)).to_be_focused()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(links.first).to_be_hidden()
    axe_clean(web, "dashboard, menu closed")
    toggle.click()
    axe_clean(web, "dashboard, menu open")


def test_staff_navigation_is_one_line_at_1280(web: Page) -> None:
    web.page.set_viewport_size({"width": 1280, "height": 800})
    login(web, SUPERVISOR)
    page = web.page
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    links = page.get_by_role("navigation", name="Navigasi utama").get_by_role("link").all()
    assert len(links) >= 6  # home, file, track, queue, breaches, logout
    tops = {round(link.bounding_box()["y"]) for link in links}
    assert len(tops) == 1, tops


@pytest.mark.parametrize("sized", WIDTHS, indirect=True)
def test_the_information_asked_and_its_deadline_open_the_tracking_page(
    sized: Page, live_app: Any
) -> None:
    web = sized
    page = track_with(web, waiting_for_information(live_app))
    todo = page.get_by_test_id("track-todo")
    expect(todo.get_by_role("heading", name="Yang perlu Anda lakukan")).to_be_visible()
    deadline = todo.get_by_test_id("todo-deadline")
    # the completion clock's deadline, in WIB, as the deadline table gives it
    clock = page.get_by_role("row").filter(has_text="Kelengkapan oleh pengadu")
    due = clock.locator("td[data-label='Batas waktu']").inner_text()
    assert due.endswith("WIB")
    expect(deadline).to_contain_text(f"paling lambat {due}")
    send = todo.get_by_role("button", name="Kirim")
    for part in (deadline, todo.get_by_role("textbox", name="Data yang diminta"), send):
        assert in_view(part, page), part
    # it comes before the facts, the deadlines and the timeline
    assert todo.evaluate(
        "el => !!(el.compareDocumentPosition(document.querySelector('dl.facts'))"
        " & Node.DOCUMENT_POSITION_FOLLOWING)"
    )
    todo.get_by_role("textbox", name="Data yang diminta").fill("NIK 3277010101010001.")
    send.click()
    expect(page.get_by_test_id("status")).to_have_text("Diterima")
    expect(page.get_by_test_id("track-todo")).to_have_count(0)


@pytest.mark.parametrize("sized", WIDTHS, indirect=True)
def test_accept_or_dispute_with_the_window_open_the_tracking_page(
    sized: Page, live_app: Any, e2e_browser: Any, live_server: str
) -> None:
    """The accept and dispute buttons sat at the bottom of a 3,850 px page."""
    web = sized
    receipt = decision_delivered(live_app)
    staff = Page(e2e_browser, live_server)
    login(staff, VERIFIER)
    window = staff.goto(f"/pengaduan/{receipt['id']}").get_by_test_id("dispute-window")
    window_end = window.inner_text()
    assert re.search(r"\d{4}, \d{2}\.\d{2} WIB$", window_end), window_end
    staff.context.close()

    page = track_with(web, receipt)
    todo = page.get_by_test_id("track-todo")
    deadline = todo.get_by_test_id("todo-deadline")
    expect(deadline).to_contain_text(f"paling lambat {window_end}")
    expect(todo.get_by_test_id("decision")).to_have_text("KTP-el dicetak ulang, siap diambil.")
    accept = todo.get_by_role("button", name="Terima keputusan dan tutup")
    dispute = todo.get_by_role("button", name="Ajukan keberatan")
    for part in (deadline, accept, dispute):
        assert in_view(part, page), part
    dispute.click()
    reason = todo.get_by_role("textbox", name="Alasan / catatan")
    expect(reason).to_be_focused()
    reason.fill("Nama saya di KTP-el masih salah eja.")
    todo.get_by_test_id("track-reopen-go").click()
    todo.get_by_test_id("track-reopen-confirm").click()
    expect(page.get_by_test_id("status")).to_have_text("Ditindaklanjuti")
    expect(page.get_by_test_id("track-todo")).to_have_count(0)
