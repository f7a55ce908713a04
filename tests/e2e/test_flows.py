"""The main journeys in headless Chromium at 360 px: file, track, handle, decide, read."""

from __future__ import annotations

import base64
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from backend.demo import DEMO_PASSWORD
from tests.conftest import WIB
from tests.e2e.conftest import Page, in_thread
from tests.sla_helpers import now

pytestmark = pytest.mark.e2e

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
VERIFIER = "verifikator@demo.aduan.id"
AGENCY_HEAD = "kadis.disdukcapil@demo.aduan.id"


def axe_clean(web: Page, label: str) -> None:
    """axe-core finds no violation on the current view."""
    from axe_playwright_python.sync_playwright import Axe

    width = web.page.evaluate("document.documentElement.scrollWidth")
    viewport = web.page.viewport_size["width"]
    assert width <= viewport, f"{label}: {width} px wide at a {viewport} px viewport"
    results = Axe().run(web.page)
    violations = results.response["violations"]
    assert violations == [], f"{label}: " + "; ".join(
        f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}" for v in violations
    )


def login(web: Page, email: str) -> None:
    page = web.goto("/masuk")
    page.get_by_label("Surel").fill(email)
    page.get_by_label("Kata sandi").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(re.compile(r"/(staf|saya)$"))
    web.ready()


def file_anonymous(
    web: Page, title: str, description: str, *, check_axe: bool = False
) -> dict[str, str]:
    """Walk the citizen's steps with the keyboard-reachable controls; returns code and PIN."""
    page = web.goto("/lapor")
    if check_axe:
        axe_clean(web, "file step 1")
    page.get_by_label("Kategori layanan").select_option("ADMINDUK")
    page.get_by_role("button", name="Lanjut").click()
    page.get_by_label("Judul singkat").fill(title)
    page.get_by_label("Apa yang terjadi?").fill(description)
    # served 12 days ago (WIB): inside the 30-day filing window of Pasal 42(2)
    served = now().astimezone(WIB).date() - timedelta(days=12)
    page.get_by_label("Tanggal menerima pelayanan").fill(served.isoformat())
    page.get_by_role("button", name="Lanjut").click()
    page.get_by_label("Anonim").check()
    page.get_by_role("button", name="Lanjut").click()
    # anonymous: the identity step is skipped, the location step follows
    expect(page.get_by_role("heading", name="Lokasi")).to_be_focused()
    page.get_by_label("Kecamatan", exact=True).select_option("CMH-TGH")
    page.get_by_label("Kelurahan", exact=True).select_option(index=1)
    page.get_by_role("button", name="Lanjut").click()
    page.get_by_label("Lampiran bukti").set_input_files(
        files=[{"name": "bukti.png", "mimeType": "image/png", "buffer": PNG}]
    )
    page.get_by_label("Saya menyatakan isi pengaduan ini benar").check()
    page.get_by_role("button", name="Kirim pengaduan").click()
    page.wait_for_url("**/tanda-terima")
    web.ready()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tanda terima pengaduan")
    expect(page.get_by_role("note")).to_contain_text("Simpan kode dan PIN")
    code = page.get_by_test_id("tracking-code").inner_text()
    pin = page.get_by_test_id("pin").inner_text()
    assert re.fullmatch(r"\d{6}", pin)
    expect(page.locator("main")).to_contain_text("WIB")
    if check_axe:
        axe_clean(web, "receipt")
    return {"code": code, "pin": pin}


def track(web: Page, creds: dict[str, str]) -> Any:
    page = web.goto(f"/lacak?kode={creds['code']}")
    page.get_by_label("PIN").fill(creds["pin"])
    # wait for this answer, not a heading an earlier visit left on the page (seen in CI under
    # load: the old status was read before the new answer came)
    with page.expect_response(lambda r: r.url.endswith("/api/v1/track") and r.ok):
        page.get_by_role("button", name="Lacak").click()
    expect(page.get_by_role("heading", level=2).first).to_contain_text(creds["code"])
    return page


def open_complaint(web: Page, title: str) -> Any:
    page = web.goto("/staf")
    page.get_by_role("link", name=title).first.click()
    web.ready()
    return page


def act(page: Any, action: str, **fields: str) -> None:
    """Open an action, fill its fields, continue, confirm, and wait for the new state."""
    page.get_by_test_id(f"action-{action}").click()
    for label, value in fields.items():
        control = page.locator(".confirm:not([hidden])").get_by_label(label)
        if control.evaluate("el => el.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)
    page.get_by_test_id(f"action-{action}-go").click()
    page.get_by_test_id(f"action-{action}-confirm").click()
    expect(page.get_by_role("status")).to_have_text(re.compile("Tindakan tersimpan"))


def api_file(live_app: Any, **overrides: Any) -> dict[str, Any]:
    """A complaint filed through the API by the verifier (setup, not the journey under test)."""
    from tests.conftest import bearer_for, user_by_email
    from tests.factories import file_complaint

    def work() -> dict[str, Any]:
        headers = bearer_for(live_app, user_by_email(live_app, VERIFIER))
        return file_complaint(live_app.test_client(), headers, **overrides)

    return in_thread(work)


def test_anonymous_complaint_through_its_whole_life(e2e_browser: Any, live_server: str) -> None:
    citizen = Page(e2e_browser, live_server)
    creds = file_anonymous(
        citizen,
        # a title no other browser test files: the staff open it by name in a queue that the
        # other tests of this worker fill too (CI once opened another "KTP-el belum jadi")
        "KTP-el belum jadi sejak Agustus",
        "Sudah tiga bulan KTP elektronik saya belum jadi.",
        check_axe=True,
    )
    page = track(citizen, creds)
    expect(page.get_by_test_id("status")).to_have_text("Diterima")
    expect(page.locator("main")).to_contain_text("bukti.png")
    # filed at the frozen instant, counted by the page's clock (set to the server's): the
    # 14-calendar-day response clock has 14 days left
    expect(page.locator("main")).to_contain_text("14 hari lagi")
    axe_clean(citizen, "tracking result")

    staff = Page(e2e_browser, live_server)
    login(staff, VERIFIER)
    axe_clean(staff, "queue")
    page = open_complaint(staff, "KTP-el belum jadi sejak Agustus")
    axe_clean(staff, "complaint page")
    act(page, "request_info", **{"Alasan / catatan": "Mohon lampirkan nomor registrasi."})
    expect(page.get_by_test_id("status")).to_have_text("Perlu dilengkapi")

    page = track(citizen, creds)
    expect(page.get_by_test_id("status")).to_have_text("Perlu dilengkapi")
    page.get_by_role("textbox", name="Data yang diminta").fill(
        "Nomor registrasi 3277-01-2026-0042."
    )
    page.get_by_role("button", name="Kirim").click()
    expect(page.get_by_test_id("status")).to_have_text("Diterima")

    page = open_complaint(staff, "KTP-el belum jadi sejak Agustus")
    act(page, "verify")
    expect(page.get_by_test_id("status")).to_have_text("Terverifikasi")

    head = Page(e2e_browser, live_server)
    login(head, AGENCY_HEAD)
    page = open_complaint(head, "KTP-el belum jadi sejak Agustus")
    act(page, "assign")
    expect(page.get_by_test_id("status")).to_have_text("Ditindaklanjuti")
    act(page, "decide", **{"Isi keputusan": "KTP-el dicetak dan siap diambil di kantor."})
    expect(page.get_by_test_id("status")).to_have_text("Diputuskan")
    act(page, "deliver", **{"Cara penyampaian": "WhatsApp"})
    # who handles it, how the decision went out, until when it may be disputed (item 7)
    expect(page.get_by_test_id("assigned-officer")).not_to_be_empty()
    expect(page.get_by_test_id("delivery-channel")).to_have_text("WhatsApp")
    expect(page.get_by_test_id("dispute-window")).to_contain_text("WIB")

    page = track(citizen, creds)
    expect(page.get_by_test_id("status")).to_have_text("Diputuskan")
    expect(page.get_by_test_id("decision")).to_have_text(
        "KTP-el dicetak dan siap diambil di kantor."
    )
    page.get_by_test_id("track-close").click()
    page.get_by_test_id("track-close-go").click()
    page.get_by_test_id("track-close-confirm").click()
    expect(page.get_by_test_id("status")).to_have_text("Selesai")

    for web in (citizen, staff, head):
        assert web.foreign == [], web.foreign
        assert web.console_errors == [], web.console_errors
        web.context.close()


def test_language_switch(web: Page) -> None:
    page = web.goto("/lacak")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Track a complaint")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_label("Tracking code")).to_be_visible()
    # the choice survives a reload; switching back restores Indonesian
    page.reload()
    web.ready()
    expect(page.get_by_role("heading", level=1)).to_have_text("Track a complaint")
    page.get_by_role("button", name="Bahasa Indonesia").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lacak pengaduan")


def test_script_in_user_text_is_shown_inert(e2e_browser: Any, live_server: str) -> None:
    title = "<script>window.__xss=1</script>"
    description = '<img src=x onerror="window.__xss=2"> uraian'
    citizen = Page(e2e_browser, live_server)
    creds = file_anonymous(citizen, title, description)
    page = citizen.page
    # the receipt prints without navigation and buttons, with code, PIN and the warning
    page.emulate_media(media="print")
    expect(page.locator("header.site")).to_be_hidden()
    expect(page.get_by_role("button", name="Cetak / simpan PDF")).to_be_hidden()
    expect(page.get_by_test_id("pin")).to_have_text(creds["pin"])
    expect(page.get_by_role("note")).to_be_visible()
    page.emulate_media(media="screen")
    expect(page.locator("main")).to_contain_text(title)
    assert page.evaluate("window.__xss") is None
    assert page.locator("main img").count() == 0

    staff = Page(e2e_browser, live_server)
    login(staff, VERIFIER)
    page = staff.goto("/staf")
    page.get_by_role("link", name=title).first.click()
    staff.ready()
    expect(page.get_by_test_id("complaint-title")).to_have_text(title)
    expect(page.locator("main")).to_contain_text(description)
    assert page.evaluate("window.__xss") is None
    assert page.locator("main img, main script").count() == 0
    track(citizen, creds)
    assert citizen.page.evaluate("window.__xss") is None
    for web in (citizen, staff):
        assert web.foreign == [] and web.console_errors == []
        web.context.close()


@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize(
    "path", ["/", "/lapor", "/lacak", "/publik", "/masuk", "/daftar", "/tanda-terima"]
)
def test_public_views_pass_axe(web: Page, path: str, width: int) -> None:
    """Every page a citizen opens, on a phone and on a desktop (issue 14, item 16)."""
    web.page.set_viewport_size({"width": width, "height": 800})
    web.goto(path)
    axe_clean(web, f"{path} at {width} px")


@pytest.mark.parametrize("width", [360, 1280])
def test_staff_views_pass_axe_and_keyboard_login(
    e2e_browser: Any, live_server: str, width: int
) -> None:
    web = Page(e2e_browser, live_server)
    web.page.set_viewport_size({"width": width, "height": 800})
    page = web.goto("/masuk")
    # keyboard only: from the top of the page the skip link comes first, then the form by Tab
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Langsung ke isi")).to_be_focused()
    page.get_by_label("Surel").focus()
    page.keyboard.type(VERIFIER)
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/staf")
    web.ready()
    expect(page.get_by_role("heading", level=1)).to_be_focused()
    for path in ("/staf", "/staf/input", "/pengawasan"):
        web.goto(path)
        axe_clean(web, f"{path} at {width} px")
    assert web.foreign == [] and web.console_errors == []
    web.context.close()


def test_citizen_registers_and_sees_own_complaints(web: Page) -> None:
    page = web.goto("/daftar")
    page.get_by_label("Nama lengkap").fill("Warga Uji")
    page.get_by_label("Surel").fill("warga.uji@example.id")
    page.get_by_label("Kata sandi").fill("rahasia-sekali-2026")
    page.get_by_role("button", name="Daftar").click()
    page.wait_for_url("**/saya")
    web.ready()
    expect(page.locator("main")).to_contain_text("belum punya pengaduan")
    axe_clean(web, "/saya")
    # filed while logged in (cookie session + CSRF header): it is listed as theirs
    page = web.goto("/lapor")
    page.get_by_label("Kategori layanan").select_option("SAMPAH")
    page.get_by_role("button", name="Lanjut").click()
    page.get_by_label("Judul singkat").fill("Sampah tidak diangkut")
    page.get_by_label("Apa yang terjadi?").fill("Sampah di gang kami tidak diangkut dua minggu.")
    page.get_by_role("button", name="Lanjut").click()
    page.get_by_label("Identitas dirahasiakan").check()
    page.get_by_role("button", name="Lanjut").click()
    expect(page.get_by_label("Nama lengkap")).to_have_value("Warga Uji")
    page.get_by_role("button", name="Lanjut").click()
    page.get_by_label("Alamat lokasi").fill("Jl. Kolonel Masturi, Cimahi")
    page.get_by_role("button", name="Lanjut").click()
    page.get_by_role("button", name="Kirim pengaduan").click()
    consent = page.get_by_label("Saya menyatakan isi pengaduan ini benar")
    expect(page.get_by_role("alert")).to_contain_text(
        "Centang “Saya menyatakan isi pengaduan ini benar”: pernyataan ini pengganti tanda tangan"
    )
    expect(consent).to_have_attribute("aria-invalid", "true")
    consent.check()
    page.get_by_role("button", name="Kirim pengaduan").click()
    page.wait_for_url("**/tanda-terima")
    page = web.goto("/saya")
    page.get_by_role("link", name="Sampah tidak diangkut").click()
    web.ready()
    expect(page.get_by_test_id("status")).to_have_text("Diterima")
    expect(page.locator("main")).to_contain_text("Warga Uji")
    axe_clean(web, "citizen complaint page")


def test_expired_access_token_is_refreshed(
    e2e_browser: Any, live_server: str, live_app: Any
) -> None:
    from flask_jwt_extended import create_access_token
    from sqlalchemy import select

    from backend.auth import service as auth_service
    from backend.auth.models import User
    from backend.extensions import db

    web = Page(e2e_browser, live_server)
    login(web, VERIFIER)

    def mint() -> str:
        with live_app.app_context():
            user = db.session.scalar(select(User).where(User.email == VERIFIER))
            return create_access_token(
                identity=f"user:{user.id}",
                additional_claims=auth_service.user_claims(user),
                expires_delta=timedelta(seconds=-60),
            )

    expired = in_thread(mint)
    api_file(live_app)  # the queue shows its table once it holds a complaint
    web.context.add_cookies(
        [
            {
                "name": "access_token_cookie",
                "value": expired,
                "url": f"{live_server}/api/",
                "httpOnly": True,
            }
        ]
    )
    refreshed: list[int] = []
    web.page.on(
        "response",
        lambda r: refreshed.append(r.status) if r.url.endswith("/auth/refresh") else None,
    )
    page = web.goto("/staf")
    expect(page.get_by_role("heading", level=1)).to_have_text("Antrean pengaduan")
    expect(page.locator("table")).to_be_visible()
    assert refreshed == [200]
    assert web.foreign == [] and web.console_errors == []
    web.context.close()


def _percent(share: float | None) -> str:
    """A share as the page writes it (Intl, id-ID, at most one decimal): "0%", "33,3%"."""
    if share is None:
        return "–"
    text = f"{round(share * 100, 1):.1f}".replace(".", ",")
    return (text[:-2] if text.endswith(",0") else text) + "%"


def _chart_agrees_with_the_summary(page: Any, base: str) -> None:
    """Issue 14, item 15: each agency's bar says what the summary's rows say (deadlines met on
    time out of those met or missed); the chart said "–" where the table said 0 %."""
    rows = page.request.get(f"{base}/api/v1/reports/breach-summary").json()["rows"]
    names = {a["code"]: a["name"] for a in page.request.get(f"{base}/api/v1/agencies").json()}
    judged: dict[str, list[int]] = {}
    for row in rows:
        # names, never codes (issue 14, item 4)
        agency = names[row["agency"]] if row["agency"] else "(belum ada instansi)"
        counts = judged.setdefault(agency, [0, 0])
        counts[0] += row["on_time"]
        counts[1] += row["on_time"] + row["breached"]
    shown = {
        item.locator("span").first.inner_text(): item.get_by_test_id("chart-rate").inner_text()
        for item in page.get_by_test_id("chart-row").all()
    }
    wanted = {
        agency: _percent(met / all_ if all_ else None) for agency, (met, all_) in judged.items()
    }
    assert shown == wanted
    # a breach still running is a deadline missed
    assert shown["Dinas Kependudukan dan Pencatatan Sipil"] != "–"
    table = {
        cell.inner_text()
        for cell in page.get_by_test_id("breach-summary").get_by_test_id("rate").all()
    }
    if "–" in table:
        expect(page.get_by_test_id("rate-none")).to_be_visible()


def test_supervisor_sees_breach_from_backdated_intake(
    e2e_browser: Any, live_server: str, live_app: Any, frozen_at: datetime
) -> None:
    from backend.extensions import db
    from backend.sla.jobs import run_sweep

    staff = Page(e2e_browser, live_server)
    login(staff, VERIFIER)
    page = staff.goto("/staf/input")
    received = (frozen_at - timedelta(days=20)).astimezone(WIB).strftime("%Y-%m-%dT%H:%M")
    page.get_by_role("combobox", name="Kanal", exact=True).select_option("walk_in")
    page.get_by_label("Diterima pada (waktu setempat)").fill(received)
    page.get_by_label("Kategori layanan").select_option("ADMINDUK")
    page.get_by_label("Judul singkat").fill("Surat pindah tidak diproses")
    page.get_by_label("Apa yang terjadi?").fill("Berkas surat pindah tidak diproses sejak lama.")
    page.get_by_label("Nama lengkap").fill("Ujang Warga")
    page.get_by_label("Pengadu menyatakan isi pengaduan benar").check()
    page.get_by_role("button", name="Simpan dan buat tanda terima").click()
    page.wait_for_url("**/tanda-terima")
    staff.ready()
    code = page.get_by_test_id("tracking-code").inner_text()
    expect(page.locator("main")).to_contain_text("Datang langsung")

    def sweep() -> None:
        with live_app.app_context():
            run_sweep(session=db.session, now=now())

    in_thread(sweep)  # where the scheduler would run it: not in Playwright's thread

    # the queue, filtered to overdue complaints, shows it with its badge
    page = staff.goto("/staf")
    page.get_by_label("Hanya yang lewat tenggat").check()
    page.get_by_role("button", name="Terapkan").click()
    page.wait_for_url("**/staf?overdue=true")
    staff.ready()
    row = page.get_by_role("row").filter(has_text=code)
    expect(row.get_by_text("Lewat tenggat")).to_be_visible()
    axe_clean(staff, "queue, overdue only")

    supervisor = Page(e2e_browser, live_server)
    login(supervisor, "inspektorat@demo.aduan.id")
    page = supervisor.goto("/pengawasan")
    expect(page.get_by_test_id("breach-list")).to_contain_text(code)
    expect(page.get_by_test_id("breach-summary")).to_contain_text(
        "Dinas Kependudukan dan Pencatatan Sipil"
    )
    _chart_agrees_with_the_summary(page, live_server)
    axe_clean(supervisor, "/pengawasan")
    with page.expect_download() as info:
        page.get_by_test_id("breach-csv").click()
    assert code in Path(info.value.path()).read_text(encoding="utf-8-sig")
    page.get_by_role("link", name=code).click()
    supervisor.ready()
    expect(page.get_by_role("heading", level=1)).to_contain_text(code)
    expect(page.locator("main")).to_contain_text("Lewat tenggat")
    axe_clean(supervisor, "complaint with breach")
    for web in (staff, supervisor):
        assert web.foreign == [] and web.console_errors == []
        web.context.close()


def test_keyboard_only_tracking_and_withdrawal(e2e_browser: Any, live_server: str) -> None:
    citizen = Page(e2e_browser, live_server)
    creds = file_anonymous(citizen, "Antrean loket terlalu lama", "Menunggu enam jam di loket.")
    page = citizen.goto("/lacak")
    keys = page.keyboard
    page.get_by_label("Kode pelacakan").focus()
    keys.type(creds["code"])
    keys.press("Tab")
    keys.type(creds["pin"])
    keys.press("Enter")
    expect(page.get_by_role("heading", level=2).first).to_be_focused()
    expect(page.get_by_test_id("status")).to_have_text("Diterima")
    page.get_by_test_id("track-withdraw").focus()
    keys.press("Enter")
    reason = page.get_by_role("textbox", name="Alasan / catatan")
    expect(reason).to_be_focused()
    keys.type("Sudah diselesaikan langsung di loket.")
    keys.press("Tab")
    expect(page.get_by_test_id("track-withdraw-go")).to_be_focused()
    keys.press("Enter")
    expect(page.get_by_test_id("track-withdraw-confirm")).to_be_focused()
    keys.press("Enter")
    expect(page.get_by_test_id("status")).to_have_text("Dicabut")
    assert citizen.foreign == [] and citizen.console_errors == []
    citizen.context.close()


def test_stale_version_is_not_overwritten(e2e_browser: Any, live_server: str) -> None:
    citizen = Page(e2e_browser, live_server)
    file_anonymous(citizen, "Lampu jalan mati", "Lampu jalan di depan rumah mati sebulan.")
    citizen.context.close()
    first = Page(e2e_browser, live_server)
    login(first, VERIFIER)
    page_a = open_complaint(first, "Lampu jalan mati")
    second = first.context.new_page()
    second.goto(page_a.url)
    second.wait_for_selector("main[data-ready=true]")
    act(page_a, "verify")
    second.get_by_test_id("action-request_info").click()
    second.get_by_role("textbox", name="Alasan / catatan").fill("Foto lokasi?")
    second.get_by_test_id("action-request_info-go").click()
    second.get_by_test_id("action-request_info-confirm").click()
    expect(second.get_by_test_id("stale")).to_be_visible()
    expect(second.get_by_test_id("status")).to_have_text("Terverifikasi")
    assert first.foreign == [] and first.console_errors == []
    first.context.close()


@pytest.mark.parametrize("width", [360, 1280])
def test_a_mistyped_address_shows_the_not_found_page(web: Page, width: int) -> None:
    """Issue 14, item 3: the app's own page, in Indonesian, with the way home; not raw JSON."""
    web.page.set_viewport_size({"width": width, "height": 800})
    page = web.goto("/lacakk")
    expect(page.get_by_role("heading", level=1)).to_have_text("Halaman tidak ditemukan")
    expect(page.locator("main a[href='/']")).to_be_visible()
    assert "urn:aduan:problem" not in page.content()
    axe_clean(web, f"not found at {width} px")


@pytest.mark.parametrize("width", [360, 1280])
def test_the_api_documentation_reads_in_the_browser(web: Page, width: int) -> None:
    """Issue 14, item 14: ReDoc renders the contract from the app alone (the `web` fixture fails
    the test on any request that leaves the origin)."""
    web.page.set_viewport_size({"width": width, "height": 800})
    web.page.goto(web.base + "/api/v1/docs")
    expect(web.page.locator("h1").first).to_contain_text("Aduan", timeout=30_000)
    expect(web.page.get_by_text("Layanan pengaduan publik Kota Cimahi").first).to_be_visible()
    # an operation of the contract, by its summary, in the side menu and in the body
    expect(
        web.page.get_by_text("File a complaint; the answer is the receipt").first
    ).to_be_attached()


def test_the_first_view_needs_under_60_kb_over_the_wire(web: Page) -> None:
    """Issue 14, item 11: compressed answers and the contract's operations index, not the whole
    contract; the byte count is Chromium's own (compressed bodies and their headers)."""
    finished: list[Any] = []
    web.page.on("requestfinished", lambda request: finished.append(request))
    web.goto("/")
    web.page.wait_for_load_state("networkidle")
    sizes = [r.sizes() for r in finished]
    over_wire = sum(s["responseBodySize"] + s["responseHeadersSize"] for s in sizes)
    urls = [r.url for r in finished]
    assert not any(u.endswith("/api/v1/openapi.json") for u in urls), urls
    assert any(u.endswith("/api/v1/operations.json") for u in urls), urls
    assert over_wire < 60 * 1024, (over_wire, urls)


def test_show_my_name_is_offered_only_for_a_public_complaint(web: Page) -> None:
    """Issue 14, item 9: the option stayed enabled for private complaints."""
    page = web.goto("/lapor")
    page.get_by_label("Kategori layanan").select_option("ADMINDUK")
    page.get_by_role("button", name="Lanjut").click()
    page.get_by_label("Judul singkat").fill("Jalan berlubang")
    page.get_by_label("Apa yang terjadi?").fill("Jalan di depan sekolah berlubang besar.")
    page.get_by_role("button", name="Lanjut").click()
    show_name = page.get_by_label("Tampilkan nama saya di daftar publik")
    expect(show_name).to_be_disabled()  # private, the first choice
    page.get_by_label("Publik", exact=True).check()
    expect(show_name).to_be_enabled()
    show_name.check()
    page.get_by_label("Anonim").check()
    expect(show_name).to_be_disabled()
    expect(show_name).not_to_be_checked()


@pytest.mark.parametrize("width", [360, 1280])
def test_the_receipt_survives_a_reload_and_can_be_saved(web: Page, width: int) -> None:
    """Issue 14, item 1 (in part): the receipt page lost the code and PIN on reload."""
    web.page.set_viewport_size({"width": width, "height": 800})
    creds = file_anonymous(web, "Lampu jalan mati", "Lampu jalan di gang kami mati sebulan.")
    page = web.page
    page.reload()
    web.ready()
    expect(page.get_by_test_id("tracking-code")).to_have_text(creds["code"])
    expect(page.get_by_test_id("pin")).to_have_text(creds["pin"])
    with page.expect_download() as info:
        page.get_by_test_id("receipt-save").click()
    saved = Path(info.value.path()).read_text(encoding="utf-8")
    assert creds["code"] in saved and f"PIN: {creds['pin']}" in saved
    assert f"/lacak?kode={creds['code']}" in saved
    # the tab's own storage: another tab of the same browser does not see the PIN
    other = web.context.new_page()
    other.goto(web.base + "/tanda-terima")
    other.wait_for_selector("main[data-ready=true]")
    expect(other.locator("main")).not_to_contain_text(creds["pin"])
    other.close()


def test_the_tracking_page_names_the_category_and_agency(web: Page) -> None:
    """Issue 14, item 4 (the tracking page): it showed ADMINDUK and DISDUKCAPIL."""
    creds = file_anonymous(web, "KK belum dicetak", "Kartu keluarga saya belum dicetak.")
    page = track(web, creds)
    main = page.locator("main")
    expect(main).to_contain_text("Administrasi kependudukan (KTP-el, KK, akta)")
    expect(main).not_to_contain_text("ADMINDUK")


def test_an_ended_complaint_offers_no_more_replies(web: Page, live_app: Any) -> None:
    """Issue 14, item 9: a withdrawn complaint still offered "send more information"."""
    creds = file_anonymous(web, "Sampah belum diangkut", "Sampah di RT kami belum diangkut.")

    def withdraw() -> int:
        body = {"code": creds["code"], "pin": creds["pin"], "action": "withdraw", "reason": "Beres"}
        return live_app.test_client().post("/api/v1/track/actions", json=body).status_code

    assert in_thread(withdraw) == 200
    page = track(web, creds)
    expect(page.get_by_test_id("status")).to_have_text("Dicabut")
    expect(page.get_by_test_id("track-ended")).to_contain_text("tidak bisa ditambahkan lagi")
    expect(page.get_by_role("button", name="Kirim")).to_have_count(0)
    expect(page.get_by_label("Lampiran bukti")).to_have_count(0)


def test_a_calendar_day_clock_lists_no_skipped_days(e2e_browser: Any, live_server: str) -> None:
    """Issue 14, item 6 (the explanation): calendar-day clocks listed weekends and holidays as if
    they were skipped, and "Kebijakan: default" and "Kalender: ID-JB v1" reached people."""
    citizen = Page(e2e_browser, live_server)
    file_anonymous(citizen, "Akta kelahiran salah", "Nama ayah di akta kelahiran anak saya salah.")
    staff = Page(e2e_browser, live_server)
    login(staff, VERIFIER)
    page = open_complaint(staff, "Akta kelahiran salah")
    explanation = page.locator("details").first
    explanation.locator("summary").click()
    # one sentence says how the date was counted; no raw codes (calendar, policy) reach people
    sentence = explanation.get_by_test_id("counted-sentence")
    expect(sentence).to_contain_text("Dihitung 14 hari kalender: hari ke-0 adalah")
    expect(sentence).to_contain_text("Akhir pekan dan hari libur ikut dihitung")
    expect(sentence).to_contain_text(" WIB")
    expect(explanation.locator("li")).to_have_count(0)
    expect(explanation).to_contain_text("Bawaan, sesuai UU 25/2009")
    expect(explanation).to_contain_text("Jawa Barat (WIB)")
    for raw in ("default", "ID-JB", " v1"):
        expect(explanation).not_to_contain_text(raw)
    for web in (citizen, staff):
        assert web.foreign == [] and web.console_errors == []
        web.context.close()


@pytest.mark.parametrize("width", [360, 1280])
def test_a_rejected_complaint_shows_its_ground_to_the_citizen(
    web: Page, live_app: Any, width: int
) -> None:
    """Issue 14, item 9: the rejection ground was not shown to the citizen."""
    from tests.conftest import bearer_for, user_by_email
    from tests.sla_helpers import act as api_act

    web.page.set_viewport_size({"width": width, "height": 800})
    creds = file_anonymous(web, "Tanya jadwal bioskop", "Kapan bioskop di alun-alun buka lagi?")

    def reject() -> None:
        client = live_app.test_client()
        headers = bearer_for(live_app, user_by_email(live_app, VERIFIER))
        found = client.get(
            "/api/v1/complaints", headers=headers, query_string={"q": creds["code"]}
        ).get_json()["items"]
        api_act(
            client,
            headers,
            found[0]["id"],
            action="reject",
            reason="Bukan pengaduan pelayanan publik.",
            resolution_code="not_a_complaint",
            referral="Dinas Pariwisata Kota Cimahi",
        )

    in_thread(reject)
    page = track(web, creds)
    expect(page.get_by_test_id("status")).to_have_text("Ditolak")
    expect(page.get_by_test_id("rejection-ground")).to_have_text("Bukan pengaduan")
    expect(page.get_by_test_id("referral")).to_have_text("Dinas Pariwisata Kota Cimahi")
    expect(page.locator("ol.timeline")).to_contain_text("menolak pengaduan (Bukan pengaduan)")
    expect(page.get_by_test_id("track-ended")).to_be_visible()
    axe_clean(web, f"rejected complaint tracked at {width} px")
