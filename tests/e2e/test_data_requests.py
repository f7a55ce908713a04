"""Personal-data requests in the browser (issue 16, item 7): the complainant asks from the
tracking page, the data-protection officer answers from the queue, and the tracking page shows
the answer with its ground; at 360 and 1280 px, with no axe violation."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.e2e.conftest import Page, in_thread
from tests.e2e.test_flows import axe_clean, login, track

pytestmark = pytest.mark.e2e

DPO = "pdp@uji.cimahikota.go.id"
CITIZEN = "warga@demo.aduan.id"


def _filed_with_a_dpo(live_app: Any, email: str) -> dict[str, str]:
    """A complaint filed with `email` (its code and PIN), and the officer's account."""
    from backend.auth.models import User
    from backend.extensions import db
    from backend.privacy_requests import jobs
    from tests.factories import TrackRequestFactory, UserFactory, file_complaint

    def work() -> dict[str, str]:
        with live_app.app_context():
            if db.session.scalar(select(User.id).where(User.email == DPO)) is None:
                UserFactory(role="dpo", email=DPO, full_name="Putri Pelindungan Data")
        receipt = file_complaint(live_app.test_client(), complainant__email=email)
        with live_app.app_context():  # a run of the schedule for the officer's page to list
            jobs.run_retention(trigger="cli")
        return dict(TrackRequestFactory.of(receipt))

    return in_thread(work)


@pytest.mark.parametrize("width", [360, 1280])
def test_an_erasure_asked_on_the_tracking_page_is_answered_from_the_queue(
    e2e_browser: Any, live_server: str, live_app: Any, width: int
) -> None:
    creds = _filed_with_a_dpo(live_app, f"hapus{width}@contoh.id")
    citizen = Page(e2e_browser, live_server)
    citizen.page.set_viewport_size({"width": width, "height": 900})
    page = track(citizen, creds)
    rights = page.get_by_test_id("data-rights")
    expect(rights.get_by_role("heading", level=3)).to_have_text("Hak atas data pribadi")
    rights.get_by_label("Jenis permintaan").select_option("erasure")
    rights.get_by_label("Keterangan").fill("Mohon hapus data saya.")
    rights.get_by_role("button", name="Ajukan permintaan").click()
    item = rights.get_by_test_id("dsr-item")
    expect(item).to_contain_text("Penghapusan data")
    # filed Wed 2 Dec 10:00 WIB: due three days later, named in WIB
    expect(item.get_by_test_id("dsr-state")).to_contain_text("Menunggu jawaban, paling lambat")
    expect(item.get_by_test_id("dsr-state")).to_contain_text("5 Des 2026")
    expect(item.get_by_test_id("dsr-state")).to_contain_text("WIB")
    axe_clean(citizen, f"tracking page with a data request at {width} px")

    officer = Page(e2e_browser, live_server)
    officer.page.set_viewport_size({"width": width, "height": 900})
    login(officer, DPO)
    # the navigation leads there (behind the menu button on a narrow screen)
    expect(officer.page.locator("#nav-list a[href='/pelindungan-data']")).to_have_text(
        "Data pribadi"
    )
    officer.goto("/pelindungan-data")
    queue = officer.page.get_by_test_id("dsr-queue")
    card = queue.get_by_test_id("dsr-request").filter(has_text=creds["code"])
    expect(card.get_by_role("heading", level=2)).to_have_text(f"Penghapusan data · {creds['code']}")
    expect(card).to_contain_text("Mohon hapus data saya.")
    expect(officer.page.get_by_test_id("retention-runs")).to_contain_text("Riwayat retensi data")
    axe_clean(officer, f"data-request queue at {width} px")
    card.get_by_label("Penuhi").check()
    card.get_by_role("button", name="Kirim jawaban").click()
    # the complaint is still being handled: the erasure is refused, and the answer says why
    expect(card.get_by_test_id("dsr-state")).to_contain_text("Ditolak")
    expect(card.get_by_test_id("dsr-ground")).to_contain_text("selama pengaduan masih ditangani")
    officer.page.screenshot(path=f"/tmp/dsr-queue-{width}.png", full_page=True)
    axe_clean(officer, f"answered data request at {width} px")

    page = track(citizen, creds)
    answered = page.get_by_test_id("data-rights").get_by_test_id("dsr-item")
    expect(answered.get_by_test_id("dsr-state")).to_contain_text("Ditolak")
    expect(answered.get_by_test_id("dsr-ground")).to_contain_text(
        "ajukan kembali setelah pengaduan selesai"
    )
    page.screenshot(path=f"/tmp/dsr-track-{width}.png", full_page=True)
    for web in (citizen, officer):
        assert web.foreign == [] and web.console_errors == [], web.console_errors
        web.context.close()


@pytest.mark.parametrize("width", [360, 1280])
def test_a_citizen_asks_from_their_account_on_the_complaint_page(
    e2e_browser: Any, live_server: str, live_app: Any, width: int
) -> None:
    from tests.conftest import bearer_for, user_by_email
    from tests.factories import file_complaint

    def filed() -> int:
        citizen = bearer_for(live_app, user_by_email(live_app, CITIZEN))
        return int(file_complaint(live_app.test_client(), citizen)["id"])

    complaint_id = in_thread(filed)
    web = Page(e2e_browser, live_server)
    web.page.set_viewport_size({"width": width, "height": 900})
    login(web, CITIZEN)
    page = web.goto(f"/pengaduan/{complaint_id}")
    rights = page.get_by_test_id("data-rights")
    expect(rights.get_by_role("heading", level=2)).to_have_text("Hak atas data pribadi")
    expect(rights.get_by_test_id("dsr-list")).to_contain_text("Belum ada permintaan.")
    rights.get_by_label("Jenis permintaan").select_option("access")
    rights.get_by_role("button", name="Ajukan permintaan").click()
    item = rights.get_by_test_id("dsr-item")
    expect(item).to_contain_text("Akses: salinan data dan catatan pemrosesan")
    expect(item.get_by_test_id("dsr-state")).to_contain_text("Menunggu jawaban")
    axe_clean(web, f"complaint page with a data request at {width} px")
    assert web.foreign == [] and web.console_errors == [], web.console_errors
    web.context.close()
