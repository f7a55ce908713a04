"""A refused field is told next to it, in the page's language (issue 14, item 2): a receipt
older than the 30-day limit at the staff's desk, a title too short on the citizen's form."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import WIB
from tests.e2e.conftest import Page
from tests.e2e.test_flows import VERIFIER, axe_clean, login

pytestmark = pytest.mark.e2e

WIDTHS = [360, 1280]


def message_of(page: Any, control: Any) -> Any:
    """The element the control's aria-describedby names first: its message."""
    first = control.get_attribute("aria-describedby").split()[0]
    assert first.endswith("-error"), first
    return page.locator(f"#{first}")


def sits_next_to(note: Any, control: Any) -> None:
    """The message is shown right above its control, in the same column."""
    a, b = note.bounding_box(), control.bounding_box()
    assert a is not None and b is not None
    assert 0 <= b["y"] - (a["y"] + a["height"]) <= 16, (a, b)
    assert abs(a["x"] - b["x"]) <= 2, (a, b)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_receipt_past_the_30_day_limit_is_told_at_the_field(
    e2e_browser: Any, live_server: str, frozen_at: datetime, width: int
) -> None:
    staff = Page(e2e_browser, live_server)
    staff.page.set_viewport_size({"width": width, "height": 900})
    login(staff, VERIFIER)
    page = staff.goto("/staf/input")
    received = (frozen_at - timedelta(days=40)).astimezone(WIB).strftime("%Y-%m-%dT%H:%M")
    page.get_by_role("combobox", name="Kanal", exact=True).select_option("walk_in")
    page.get_by_label("Diterima pada (waktu setempat)").fill(received)
    page.get_by_label("Kategori layanan").select_option("ADMINDUK")
    page.get_by_label("Judul singkat").fill("Akta kelahiran belum terbit")
    page.get_by_label("Apa yang terjadi?").fill("Akta kelahiran anak belum terbit sejak lama.")
    page.get_by_label("Nama lengkap").fill("Ujang Warga")
    page.get_by_label("Pengadu menyatakan isi pengaduan benar").check()
    page.get_by_role("button", name="Simpan dan buat tanda terima").click()

    control = page.get_by_label("Diterima pada (waktu setempat)")
    expect(control).to_have_attribute("aria-invalid", "true")
    expect(control).to_be_focused()
    note = message_of(page, control)
    expect(note).to_contain_text("“Diterima pada (waktu setempat)” paling lama 30 hari yang lalu")
    earliest = (frozen_at - timedelta(days=30)).astimezone(WIB)
    expect(note).to_contain_text(f"{earliest.day} November {earliest.year} pukul")
    expect(note).to_contain_text("WIB atau sesudahnya")
    sits_next_to(note, control)
    # the summary at the top links to the field with the same words
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Perbaiki isian berikut (1):")
    link = summary.get_by_role("link")
    expect(link).to_have_text(note.inner_text())
    assert link.get_attribute("href") == f"#{control.get_attribute('id')}"
    page.screenshot(path=f"/tmp/errs/late-id-{width}.png", full_page=False)
    axe_clean(staff, f"intake with a late receipt, {width} px")

    page.get_by_role("button", name="English").click()
    control = page.get_by_label("Received at (local time)")
    expect(control).to_have_attribute("aria-invalid", "true")
    note = message_of(page, control)
    expect(note).to_contain_text("“Received at (local time)” may be at most 30 days ago")
    expect(note).to_contain_text("WIB or later")
    sits_next_to(note, control)
    page.screenshot(path=f"/tmp/errs/late-en-{width}.png", full_page=False)
    axe_clean(staff, f"intake with a late receipt in English, {width} px")

    # corrected, the message and the mark go
    control.fill((frozen_at - timedelta(days=2)).astimezone(WIB).strftime("%Y-%m-%dT%H:%M"))
    expect(control).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator(".field-error")).to_have_count(0)
    staff.context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_title_too_short_is_told_at_the_field(web: Page, width: int) -> None:
    web.page.set_viewport_size({"width": width, "height": 900})
    page = web.goto("/lapor")
    page.get_by_label("Kategori layanan").select_option("ADMINDUK")
    page.get_by_role("button", name="Lanjut").click()
    page.get_by_label("Judul singkat").fill("KT")
    page.get_by_label("Apa yang terjadi?").fill("Pendek")
    page.get_by_role("button", name="Lanjut").click()

    title = page.get_by_label("Judul singkat")
    expect(title).to_have_attribute("aria-invalid", "true")
    expect(title).to_be_focused()
    note = message_of(page, title)
    expect(note).to_have_text("“Judul singkat” harus 3 sampai 200 karakter.")
    # the hint stays described too
    assert any(i.endswith("-hint") for i in title.get_attribute("aria-describedby").split())
    sits_next_to(note, title)
    description = page.get_by_label("Apa yang terjadi?")
    expect(message_of(page, description)).to_have_text(
        "“Apa yang terjadi?” harus 10 sampai 10.000 karakter."
    )
    expect(page.get_by_role("alert")).to_contain_text("Perbaiki isian berikut (2):")
    page.screenshot(path=f"/tmp/errs/short-id-{width}.png", full_page=False)
    axe_clean(web, f"filing with a short title, {width} px")

    page.get_by_role("button", name="English").click()
    title = page.get_by_label("Short title")
    expect(title).to_have_attribute("aria-invalid", "true")
    expect(message_of(page, title)).to_have_text("“Short title” must be 3 to 200 characters.")
    expect(page.get_by_role("alert")).to_contain_text("Correct these fields (2):")
    page.screenshot(path=f"/tmp/errs/short-en-{width}.png", full_page=False)
    axe_clean(web, f"filing with a short title in English, {width} px")

    title.fill("KTP-el belum jadi")
    expect(title).not_to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("alert")).to_contain_text("What happened?")
    expect(page.get_by_role("alert")).not_to_contain_text("Short title")
