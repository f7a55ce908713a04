"""Keyboard-only journeys, the language switch mid-form, and the remaining staff actions."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from backend.demo import DEMO_PASSWORD
from tests.e2e.conftest import Page, in_thread
from tests.e2e.test_flows import (
    PNG,
    VERIFIER,
    act,
    api_file,
    axe_clean,
    file_anonymous,
    login,
    track,
)

pytestmark = pytest.mark.e2e

SUPERVISOR = "inspektorat@demo.aduan.id"


def focused(locator: Any) -> bool:
    """Whether `locator` holds the keyboard focus."""
    return bool(locator.evaluate("el => el === document.activeElement"))


def tab_to(page: Any, locator: Any, *, back: bool = False, limit: int = 80) -> None:
    """Press Tab (Shift+Tab with `back`) until `locator` has the focus, as a keyboard user would."""
    for _ in range(limit):
        if focused(locator):
            return
        page.keyboard.press("Shift+Tab" if back else "Tab")
    raise AssertionError(f"{locator} never got the focus by Tab")


def press_until(page: Any, locator: Any, key: str, value: str, limit: int = 40) -> None:
    """Press `key` on the focused select until it has `value` (keyboard, no pointer)."""
    for _ in range(limit):
        if locator.input_value() == value:
            return
        page.keyboard.press(key)
    raise AssertionError(f"{locator} never reached {value!r} with {key}")


def keyboard_login(web: Page, email: str) -> Any:
    page = web.goto("/masuk")
    tab_to(page, page.get_by_label("Surel"))
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/(staf|saya)$"))
    web.ready()
    return page


def test_citizen_files_a_complaint_by_keyboard_alone(web: Page) -> None:
    page = web.goto("/lapor")
    keys = page.keyboard
    # step 1: the report type by arrow keys, the category by arrow keys on the select
    first = page.get_by_role("radio", name="Pengaduan")
    tab_to(page, first)
    keys.press("ArrowDown")
    expect(page.get_by_role("radio", name="Aspirasi")).to_be_checked()
    keys.press("ArrowUp")
    expect(first).to_be_checked()
    category = page.get_by_label("Kategori layanan")
    tab_to(page, category)
    press_until(page, category, "ArrowDown", "ADMINDUK")
    tab_to(page, page.get_by_role("button", name="Lanjut"))
    keys.press("Enter")
    expect(page.get_by_role("heading", name="Apa yang terjadi")).to_be_focused()
    # step 2: Tab forward, Shift+Tab back, and Enter in a field goes to the next step
    keys.press("Tab")
    expect(page.get_by_label("Judul singkat")).to_be_focused()
    keys.type("Lampu penerangan jalan mati")
    keys.press("Tab")
    keys.type("Lampu di Jl. Gatot Subroto mati sejak sebulan.")
    keys.press("Shift+Tab")
    expect(page.get_by_label("Judul singkat")).to_be_focused()
    keys.press("Enter")
    expect(page.get_by_role("heading", name="Privasi")).to_be_focused()
    # step 3: privacy by arrow keys; anonymous skips the identity step
    tab_to(page, page.get_by_role("radio", name="Rahasia", exact=True))
    for _ in range(3):
        keys.press("ArrowDown")
    expect(page.get_by_role("radio", name="Anonim")).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Lanjut"))
    keys.press("Enter")
    expect(page.get_by_role("heading", name="Lokasi")).to_be_focused()
    # Back by keyboard and forward again keeps the choice
    tab_to(page, page.get_by_role("button", name="Kembali"))
    keys.press("Enter")
    expect(page.get_by_role("heading", name="Privasi")).to_be_focused()
    expect(page.get_by_role("radio", name="Anonim")).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Lanjut"))
    keys.press("Enter")
    expect(page.get_by_role("heading", name="Lokasi")).to_be_focused()
    kecamatan = page.get_by_label("Kecamatan", exact=True)
    tab_to(page, kecamatan)
    press_until(page, kecamatan, "ArrowDown", "CMH-TGH")
    kelurahan = page.get_by_label("Kelurahan", exact=True)
    keys.press("Tab")
    expect(kelurahan).to_be_focused()
    keys.press("ArrowDown")
    assert kelurahan.input_value() != ""
    tab_to(page, page.get_by_role("button", name="Lanjut"))
    keys.press("Enter")
    expect(page.get_by_role("heading", name="Bukti dan persetujuan")).to_be_focused()
    consent = page.get_by_label("Saya menyatakan isi pengaduan ini benar")
    tab_to(page, consent)
    keys.press("Space")
    expect(consent).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Kirim pengaduan"))
    keys.press("Enter")
    page.wait_for_url("**/tanda-terima")
    web.ready()
    expect(page.get_by_role("heading", level=1)).to_be_focused()
    expect(page.get_by_test_id("pin")).to_have_text(re.compile(r"^\d{6}$"))
    expect(page.locator("main")).to_contain_text("Lampu penerangan jalan mati")


def test_staff_verify_with_reason_and_confirmation_by_keyboard(
    e2e_browser: Any, live_server: str, live_app: Any
) -> None:
    receipt = api_file(live_app, title="Parkir liar di depan puskesmas")
    web = Page(e2e_browser, live_server)
    page = keyboard_login(web, VERIFIER)
    keys = page.keyboard
    expect(page.get_by_role("heading", level=1)).to_be_focused()
    tab_to(page, page.get_by_role("link", name="Parkir liar di depan puskesmas").first)
    keys.press("Enter")
    web.ready()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_be_focused()
    expect(heading).to_contain_text(receipt["tracking_code"])
    # Escape closes an opened action and gives the focus back to its button
    reroute = page.get_by_test_id("action-reroute")
    tab_to(page, reroute)
    keys.press("Enter")
    expect(page.locator(".confirm:not([hidden])").get_by_label("Instansi tujuan")).to_be_focused()
    keys.press("Escape")
    expect(reroute).to_be_focused()
    expect(reroute).to_have_attribute("aria-expanded", "false")
    # verify: open, the reason, continue, confirm; then the focus is on the new page state
    verify = page.get_by_test_id("action-verify")
    tab_to(page, verify, back=True)
    keys.press("Enter")
    panel = page.locator(".confirm:not([hidden])")
    expect(panel.get_by_label("Instansi tujuan")).to_be_focused()
    tab_to(page, panel.get_by_role("textbox", name="Alasan / catatan"))
    keys.type("Berkas lengkap, diteruskan ke Dishub.")
    keys.press("Tab")
    expect(page.get_by_test_id("action-verify-go")).to_be_focused()
    keys.press("Enter")
    expect(page.get_by_test_id("action-verify-confirm")).to_be_focused()
    expect(panel).to_contain_text("Yakin ingin melakukan: Verifikasi?")
    keys.press("Enter")
    expect(page.get_by_role("status")).to_have_text(re.compile("Tindakan tersimpan"))
    expect(page.get_by_test_id("status")).to_have_text("Terverifikasi")
    expect(page.get_by_role("heading", level=1)).to_be_focused()
    expect(page.locator("ol.timeline")).to_contain_text("Berkas lengkap, diteruskan ke Dishub.")
    assert web.foreign == [] and web.console_errors == []
    web.context.close()


def test_supervisor_dashboard_by_keyboard_with_at_risk_counts(
    e2e_browser: Any, live_server: str, live_app: Any, frozen_at: datetime
) -> None:
    from backend.extensions import db
    from backend.sla.jobs import run_sweep
    from tests.conftest import bearer_for, user_by_email
    from tests.sla_helpers import now

    # due tomorrow: inside the 3-working-day warning window, not yet overdue; another overdue
    at_risk = api_file(
        live_app,
        category="PERIZINAN",
        channel="walk_in",
        received_at=(frozen_at - timedelta(days=13)).isoformat(),
    )
    late = api_file(
        live_app,
        category="PERIZINAN",
        channel="walk_in",
        received_at=(frozen_at - timedelta(days=20)).isoformat(),
    )

    def sweep_and_summary() -> dict[str, Any]:
        with live_app.app_context():
            run_sweep(session=db.session, now=now())
        headers = bearer_for(live_app, user_by_email(live_app, SUPERVISOR))
        rows = live_app.test_client().get("/api/v1/reports/breach-summary", headers=headers)
        return {(r["agency"], r["clock"]): r for r in rows.get_json()["rows"]}

    expected = in_thread(sweep_and_summary)[("DPMPTSP", "response")]["at_risk"]
    assert expected >= 1 and at_risk["tracking_code"]

    web = Page(e2e_browser, live_server)
    page = keyboard_login(web, SUPERVISOR)
    keys = page.keyboard
    # at 360 px the navigation is behind the menu button: open it, then Tab into its links
    tab_to(page, page.get_by_role("button", name="Menu"), back=True)
    keys.press("Enter")
    tab_to(page, page.get_by_role("link", name="Pelanggaran tenggat"))
    keys.press("Enter")
    page.wait_for_url("**/pengawasan")
    web.ready()
    expect(page.get_by_role("heading", level=1)).to_be_focused()
    summary = page.get_by_test_id("breach-summary")
    expect(summary.get_by_role("columnheader", name=re.compile("Berisiko"))).to_be_visible()
    # agencies by name, never by code (issue 14, item 4)
    dpmptsp = "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu"
    row = summary.get_by_role("row").filter(has_text=dpmptsp).filter(has_text="Tanggapan")
    expect(row.get_by_test_id("at-risk")).to_have_text(str(expected))
    # the scrollable tables are reachable by Tab (narrow screens scroll them by arrow keys)
    tab_to(page, page.get_by_role("region", name=re.compile("per instansi dan tenggat")))
    with page.expect_download() as info:
        tab_to(page, page.get_by_test_id("breach-csv"))
        keys.press("Enter")
    text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    header = text.splitlines()[0].split(",")
    assert "at_risk" in header
    line = next(
        line.split(",") for line in text.splitlines() if line.startswith(f"{dpmptsp},response,")
    )
    assert line[header.index("at_risk")] == str(expected)
    # drill down to the overdue complaint by keyboard, backwards from the CSV button
    tab_to(page, page.get_by_role("link", name=late["tracking_code"]), back=True)
    keys.press("Enter")
    web.ready()
    expect(page.get_by_role("heading", level=1)).to_be_focused()
    expect(page.get_by_role("heading", level=1)).to_contain_text(late["tracking_code"])
    assert web.foreign == [] and web.console_errors == []
    web.context.close()


def test_language_switch_keeps_the_filing_wizard(web: Page) -> None:
    page = web.goto("/lapor")
    page.get_by_label("Kategori layanan").select_option("ADMINDUK")
    page.get_by_role("button", name="Lanjut").click()
    page.get_by_label("Judul singkat").fill("Surat keterangan pindah")
    page.get_by_label("Apa yang terjadi?").fill("Sudah dua bulan surat pindah belum terbit.")
    switch = page.get_by_role("button", name="English")
    switch.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("File a complaint")
    # the same step, with what was typed, and the focus still on the switch
    expect(page.get_by_role("heading", name="What happened")).to_be_visible()
    expect(page.get_by_label("Short title")).to_have_value("Surat keterangan pindah")
    expect(page.get_by_role("textbox", name=re.compile("What happened"))).to_have_value(
        "Sudah dua bulan surat pindah belum terbit."
    )
    expect(page.get_by_role("button", name="Bahasa Indonesia")).to_be_focused()
    page.get_by_role("button", name="Back").click()
    expect(page.get_by_label("Service category")).to_have_value("ADMINDUK")
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Next").click()
    page.get_by_role("radio", name="Anonymous").check()
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Kecamatan (district)", exact=True).select_option("CMH-TGH")
    page.get_by_label("Kelurahan (village)", exact=True).select_option(index=2)
    kelurahan = page.get_by_label("Kelurahan (village)", exact=True).input_value()
    page.get_by_role("button", name="Bahasa Indonesia").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Buat pengaduan")
    expect(page.get_by_role("heading", name="Lokasi")).to_be_visible()
    expect(page.get_by_label("Kecamatan", exact=True)).to_have_value("CMH-TGH")
    expect(page.get_by_label("Kelurahan", exact=True)).to_have_value(kelurahan)
    expect(page.locator(".progress")).to_have_text("Langkah 4 dari 5")


def test_language_switch_keeps_the_assisted_intake(web: Page) -> None:
    login(web, VERIFIER)
    page = web.goto("/staf/input")
    page.get_by_role("combobox", name="Kanal", exact=True).select_option("telephone")
    page.get_by_label("Diterima pada (waktu setempat)").fill("2026-11-02T10:15")
    page.get_by_label("Kategori layanan").select_option("ADMINDUK")
    page.get_by_label("Judul singkat").fill("Akta kelahiran salah nama")
    page.get_by_label("Identitas dirahasiakan").check()
    page.get_by_label("Nama lengkap").fill("Euis Pelapor")
    page.get_by_label("Kecamatan", exact=True).select_option("CMH-TGH")
    page.get_by_label("Kelurahan", exact=True).select_option(index=1)
    kelurahan = page.get_by_label("Kelurahan", exact=True).input_value()
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Assisted intake")
    expect(page.get_by_role("combobox", name="Channel", exact=True)).to_have_value("telephone")
    expect(page.get_by_label(re.compile("Received at"))).to_have_value("2026-11-02T10:15")
    expect(page.get_by_label("Service category")).to_have_value("ADMINDUK")
    expect(page.get_by_label("Short title")).to_have_value("Akta kelahiran salah nama")
    expect(page.get_by_role("radio", name="Confidential identity")).to_be_checked()
    expect(page.get_by_label("Full name")).to_have_value("Euis Pelapor")
    expect(page.get_by_label("Kelurahan (village)", exact=True)).to_have_value(kelurahan)


def test_verifier_reroutes_with_a_reason(e2e_browser: Any, live_server: str, live_app: Any) -> None:
    receipt = api_file(live_app, title="Izin usaha salah kirim")
    web = Page(e2e_browser, live_server)
    login(web, VERIFIER)
    page = web.goto(f"/pengaduan/{receipt['id']}")
    # names, never codes (issue 14, item 4)
    facts = page.locator("dl.facts").first
    expect(facts).to_contain_text("Dinas Kependudukan dan Pencatatan Sipil")
    expect(facts).not_to_contain_text("DISDUKCAPIL")
    act(
        page,
        "reroute",
        **{
            "Instansi tujuan": "DPMPTSP",
            "Alasan / catatan": "Perizinan usaha, bukan wewenang Disdukcapil.",
        },
    )
    expect(facts).to_contain_text("Dinas Penanaman Modal")
    expect(facts).not_to_contain_text("Dinas Kependudukan")
    # the timeline says who did what in words (item 7)
    timeline = page.locator("ol.timeline")
    expect(timeline).to_contain_text("bukan wewenang Disdukcapil")
    expect(timeline).to_contain_text(
        re.compile(r"mengalihkan pengaduan dari Dinas Kependudukan .* ke Dinas Penanaman Modal")
    )
    expect(timeline).not_to_contain_text("DPMPTSP")
    assert web.foreign == [] and web.console_errors == []
    web.context.close()


def test_verifier_rejects_with_reason_and_ground(
    e2e_browser: Any, live_server: str, live_app: Any
) -> None:
    receipt = api_file(live_app, title="Pertanyaan jadwal bioskop")
    web = Page(e2e_browser, live_server)
    login(web, VERIFIER)
    page = web.goto(f"/pengaduan/{receipt['id']}")
    # the reason is required: continuing without it is refused and names the problem
    page.get_by_test_id("action-reject").click()
    panel = page.locator(".confirm:not([hidden])")
    panel.get_by_label("Dasar penolakan").select_option("not_a_complaint")
    page.get_by_test_id("action-reject-go").click()
    expect(panel.get_by_role("alert")).to_be_visible()
    expect(panel.get_by_role("textbox", name="Alasan / catatan")).to_be_focused()
    page.keyboard.type("Bukan pengaduan pelayanan publik.")
    page.get_by_test_id("action-reject-go").click()
    page.get_by_test_id("action-reject-confirm").click()
    expect(page.get_by_role("status")).to_have_text(re.compile("Tindakan tersimpan"))
    expect(page.get_by_test_id("status")).to_have_text("Ditolak")
    expect(page.locator("ol.timeline")).to_contain_text("Bukan pengaduan pelayanan publik.")
    expect(page.locator("ol.timeline")).to_contain_text("menolak pengaduan (Bukan pengaduan)")
    assert page.get_by_test_id("action-reject").count() == 0
    assert web.foreign == [] and web.console_errors == []
    web.context.close()


def test_citizen_uploads_evidence_from_the_tracking_page(
    e2e_browser: Any, live_server: str
) -> None:
    citizen = Page(e2e_browser, live_server)
    creds = file_anonymous(citizen, "Jalan berlubang", "Lubang besar di Jl. Amir Machmud.")
    page = track(citizen, creds)
    page.get_by_label("Lampiran bukti").set_input_files(
        files=[{"name": "lubang-jalan.png", "mimeType": "image/png", "buffer": PNG}]
    )
    page.get_by_role("button", name="Unggah").click()
    expect(page.get_by_role("status")).to_have_text("Bukti terunggah.")
    files = page.locator("#track-files + ul")
    expect(files).to_contain_text("lubang-jalan.png")
    expect(files).to_contain_text("bukti.png")
    expect(page.locator("#track-files")).to_be_focused()
    axe_clean(citizen, "tracking after upload")
    assert citizen.foreign == [] and citizen.console_errors == []
    citizen.context.close()


def test_assign_picks_an_officer_by_name(e2e_browser: Any, live_server: str, live_app: Any) -> None:
    from tests.conftest import bearer_for, user_by_email
    from tests.sla_helpers import act as api_act

    receipt = api_file(live_app, title="Kartu keluarga belum diperbarui")

    def verify() -> None:
        headers = bearer_for(live_app, user_by_email(live_app, VERIFIER))
        api_act(live_app.test_client(), headers, receipt["id"], action="verify")

    in_thread(verify)
    web = Page(e2e_browser, live_server)
    login(web, "kadis.disdukcapil@demo.aduan.id")
    page = web.goto(f"/pengaduan/{receipt['id']}")
    page.get_by_test_id("action-assign").click()
    officer = page.locator(".confirm:not([hidden])").get_by_role(
        "combobox", name=re.compile("Petugas")
    )
    expect(officer).to_be_focused()
    names = officer.locator("option").all_inner_texts()
    assert any("(Petugas)" in n for n in names) and any("(Kepala instansi)" in n for n in names)
    assert not any("@" in n for n in names)
    choice = next(n for n in names if "(Petugas)" in n)
    officer.select_option(label=choice)
    page.get_by_test_id("action-assign-go").click()
    page.get_by_test_id("action-assign-confirm").click()
    expect(page.get_by_test_id("status")).to_have_text("Ditindaklanjuti")
    officer_name = choice.split(" (")[0]
    expect(page.locator("ol.timeline")).to_contain_text(f"menugaskan {officer_name}.")
    assert web.foreign == [] and web.console_errors == []
    web.context.close()
