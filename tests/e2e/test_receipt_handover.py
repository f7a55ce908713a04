"""Assisted intake hands the receipt over by the channel the citizen came on (issue 14, item 1):
a walk-in gets it printed, a WhatsApp or SMS complainant gets a message with the code, the PIN
and the tracking link, sent from the officer's phone or WhatsApp."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from playwright.sync_api import expect

from tests.conftest import WIB
from tests.e2e.conftest import Page
from tests.e2e.test_flows import VERIFIER, axe_clean, login
from tests.sla_helpers import now

pytestmark = pytest.mark.e2e


def _assisted_intake(web: Page, channel: str, phone: str = "") -> Any:
    page = web.goto("/staf/input")
    page.get_by_role("combobox", name="Kanal", exact=True).select_option(channel)
    received = (now() - timedelta(hours=1)).astimezone(WIB).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("Diterima pada (waktu setempat)").fill(received)
    page.get_by_label("Kategori layanan").select_option("ADMINDUK")
    page.get_by_label("Judul singkat").fill("Akta kematian belum terbit")
    page.get_by_label("Apa yang terjadi?").fill("Akta kematian ayah saya belum terbit sejak Juni.")
    page.get_by_label("Nama lengkap").fill("Dedeh Kurniasih")
    if phone:
        page.get_by_label("Nomor telepon / WhatsApp").fill(phone)
    page.get_by_label("Pengadu menyatakan isi pengaduan benar").check()
    page.get_by_role("button", name="Simpan dan buat tanda terima").click()
    page.wait_for_url("**/tanda-terima")
    web.ready()
    return page


@pytest.mark.parametrize("width", [360, 1280])
def test_a_whatsapp_complainant_gets_the_receipt_by_whatsapp_or_sms(
    e2e_browser: Any, live_server: str, width: int
) -> None:
    web = Page(e2e_browser, live_server)
    web.page.set_viewport_size({"width": width, "height": 900})
    login(web, VERIFIER)
    page = _assisted_intake(web, "whatsapp", phone="0812-2233-4455")
    code = page.get_by_test_id("tracking-code").inner_text()
    pin = page.get_by_test_id("pin").inner_text()
    handover = page.get_by_test_id("handover")
    expect(handover).to_contain_text("Pengadu datang lewat WhatsApp")
    whatsapp = urlsplit(page.get_by_test_id("handover-whatsapp").get_attribute("href"))
    assert (whatsapp.netloc, whatsapp.path) == ("wa.me", "/6281222334455")
    message = parse_qs(whatsapp.query)["text"][0]
    assert f"Kode: {code}" in message and f"PIN: {pin}" in message
    assert f"{live_server}/lacak?kode={code}" in message
    sms = page.get_by_test_id("handover-sms").get_attribute("href")
    assert sms.startswith("sms:0812-2233-4455?body=") and pin in unquote(sms)
    page.screenshot(path=f"/tmp/handover-{width}.png", full_page=True)
    axe_clean(web, f"receipt hand-over at {width} px")
    assert web.foreign == [] and web.console_errors == []
    web.context.close()


def test_a_walk_in_complainant_gets_it_printed_and_a_citizen_sees_no_hand_over(
    e2e_browser: Any, live_server: str
) -> None:
    web = Page(e2e_browser, live_server)
    login(web, VERIFIER)
    page = _assisted_intake(web, "walk_in")
    expect(page.get_by_test_id("handover")).to_contain_text("Cetak halaman ini dan serahkan")
    expect(page.get_by_test_id("handover-whatsapp")).to_have_count(0)
    web.context.close()
