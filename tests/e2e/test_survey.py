"""The satisfaction survey in the browser (issue 16, items 1 and 3): the e-mailed single-use
link opens the nine-element questionnaire in the regulation's words; a second answer is refused
in Indonesian; the supervisor sees the IKM beside SLA compliance with the monthly trend."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.e2e.conftest import Page, in_thread
from tests.e2e.test_flows import VERIFIER, axe_clean, login

pytestmark = pytest.mark.e2e

OFFICER = "petugas.disdukcapil@demo.aduan.id"
SUPERVISOR = "inspektorat@demo.aduan.id"


def _closed_with_invitation(live_app: Any, email: str) -> str:
    """A complaint filed with `email`, decided, delivered and accepted; the link's token."""
    from backend.extensions import db
    from backend.notifications.models import OutboxMessage
    from tests.conftest import bearer_for, user_by_email
    from tests.factories import TrackRequestFactory, file_complaint, mail_text
    from tests.sla_helpers import act

    def work() -> str:
        client = live_app.test_client()
        verifier = bearer_for(live_app, user_by_email(live_app, VERIFIER))
        officer = bearer_for(live_app, user_by_email(live_app, OFFICER))
        receipt = file_complaint(client, complainant__email=email)
        act(client, verifier, receipt["id"], action="verify")
        act(client, officer, receipt["id"], action="start")
        act(client, officer, receipt["id"], action="decide", decision="KTP-el dicetak ulang")
        act(client, officer, receipt["id"], action="deliver", delivery_channel="email")
        closed = client.post(
            "/api/v1/track/actions", json={**TrackRequestFactory.of(receipt), "action": "close"}
        )
        assert closed.status_code == 200, closed.get_json()
        with live_app.app_context():
            message = db.session.scalar(
                select(OutboxMessage).where(
                    OutboxMessage.recipient == email,
                    OutboxMessage.dedupe_key.startswith("survey:"),
                )
            )
            body = mail_text(live_app, message) if message else None
        found = re.search(r"/survei\?token=([A-Za-z0-9_-]+)", body or "")
        assert found, body
        return found.group(1)

    return in_thread(work)


def _answer_all(page: Any) -> None:
    """The best answer everywhere but the completion time ("Kurang cepat")."""
    groups = page.locator("fieldset[data-element]")
    expect(groups).to_have_count(9)
    for index in range(9):
        group = groups.nth(index)
        radios = group.get_by_role("radio")
        expect(radios).to_have_count(4)
        radios.nth(3).check()
    page.get_by_role("group", name=re.compile("Waktu penyelesaian")).get_by_label(
        "Kurang cepat"
    ).check()


@pytest.mark.parametrize("width", [360, 1280])
def test_the_link_answers_once_and_the_supervisor_sees_the_index(
    e2e_browser: Any, live_server: str, live_app: Any, width: int
) -> None:
    token = _closed_with_invitation(live_app, f"survei{width}@contoh.id")
    first = Page(e2e_browser, live_server)
    second = Page(e2e_browser, live_server)
    for web in (first, second):
        web.page.set_viewport_size({"width": width, "height": 900})
        web.goto(f"/survei?token={token}")
    page = first.page
    expect(page.get_by_role("heading", level=1)).to_have_text("Survei Kepuasan Masyarakat")
    persyaratan = page.get_by_role("group", name=re.compile("Persyaratan"))
    for wording in ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"):
        expect(persyaratan.get_by_label(wording, exact=True)).to_have_count(1)
    expect(
        page.get_by_role("group", name=re.compile("Biaya")).get_by_label("Gratis")
    ).to_be_visible()
    axe_clean(first, f"survey form at {width} px")

    # a missing answer is named, and nothing is sent
    page.get_by_role("button", name="Kirim penilaian").click()
    expect(page.get_by_role("alert")).to_contain_text("Pilih satu jawaban untuk setiap unsur")
    _answer_all(page)
    page.get_by_label("Saran atau komentar (tidak wajib)").fill("Petugas ramah, tetapi lama.")
    page.screenshot(path=f"/tmp/survey-form-{width}.png", full_page=True)
    page.get_by_role("button", name="Kirim penilaian").click()
    expect(page.get_by_test_id("survey-thanks")).to_have_text("Terima kasih")
    expect(page.get_by_test_id("survey-thanks")).to_be_focused()
    axe_clean(first, f"survey thanks at {width} px")

    # the same link, still open in another tab: the second answer is refused, in Indonesian
    _answer_all(second.page)
    second.page.get_by_role("button", name="Kirim penilaian").click()
    refused = second.page.get_by_role("alert")
    expect(refused).to_contain_text("Survei sudah diisi")
    expect(refused).to_contain_text("setiap pengaduan hanya dapat dinilai sekali")
    second.page.screenshot(path=f"/tmp/survey-refused-{width}.png", full_page=True)
    axe_clean(second, f"survey refused at {width} px")
    # and the link, opened again, says it was answered
    second.goto(f"/survei?token={token}")
    expect(second.page.get_by_test_id("survey-answered")).to_contain_text("sudah diisi")

    supervisor = Page(e2e_browser, live_server)
    supervisor.page.set_viewport_size({"width": width, "height": 900})
    login(supervisor, SUPERVISOR)
    view = supervisor.goto("/pengawasan")
    section = view.get_by_test_id("ikm")
    expect(section.get_by_role("heading", level=2)).to_have_text("Indeks Kepuasan Masyarakat (IKM)")
    row = section.get_by_role("row", name=re.compile("Dinas Kependudukan"))
    # every answer was the best but the completion time: 94,44, band A, time the weakest
    expect(row.get_by_test_id("ikm-value")).to_have_text("94,44")
    expect(row.get_by_test_id("ikm-band")).to_have_text("A (Sangat Baik)")
    expect(row.get_by_test_id("ikm-weakest")).to_have_text("Waktu penyelesaian (2,00)")
    expect(section.get_by_test_id("ikm-trend").get_by_role("listitem")).to_contain_text(
        re.compile(r"Des 2026.*94,44 \(A\)")
    )
    supervisor.page.screenshot(path=f"/tmp/survey-ikm-{width}.png", full_page=True)
    axe_clean(supervisor, f"IKM section at {width} px")
    for web in (first, second, supervisor):
        assert web.foreign == [] and web.console_errors == []
        web.context.close()
