"""The installable web app (issue 14, item 13; item 16 for it): a manifest and a service worker;
the shell works offline; a complaint written offline is kept on the phone, survives a reload and
is sent once when the connection returns; the citizen sees which state it is in. At 360 and
1280 px, axe-clean."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import func, select

from backend.complaints.models import Attachment, Complaint
from backend.extensions import db
from tests.conftest import WIB
from tests.e2e.conftest import Page, in_thread
from tests.e2e.test_flows import PNG, axe_clean
from tests.sla_helpers import now

pytestmark = pytest.mark.e2e

KEPT = "Tersimpan di ponsel, akan dikirim saat tersambung."
# every state the page shows the citizen, in order (an SPA: the page lives on to the receipt)
WATCH_THE_STATE = """() => {
  window.statesSeen = [];
  const note = () => {
    const shown = document.querySelector("[data-testid=kept-state]");
    const text = shown && shown.textContent;
    if (text && window.statesSeen.at(-1) !== text) window.statesSeen.push(text);
  };
  note();
  new MutationObserver(note).observe(document.getElementById("main"),
    { subtree: true, childList: true, characterData: true });
}"""


def _web(browser: Any, base: str, width: int) -> Page:
    web = Page(browser, base)
    web.page.set_viewport_size({"width": width, "height": 900})
    return web


def _controlled(web: Page, path: str = "/") -> Any:
    """Open `path` and wait until the service worker is installed and controls the page."""
    page = web.goto(path)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=20_000)
    return page


def _filed(live_app: Any, title: str) -> tuple[int, int]:
    """How many complaints carry `title`, and how many attachments they have, in the database."""

    def work() -> tuple[int, int]:
        with live_app.app_context():
            ids = db.session.scalars(select(Complaint.id).where(Complaint.title == title)).all()
            files = db.session.scalar(
                select(func.count()).select_from(Attachment).where(Attachment.complaint_id.in_(ids))
            )
            return len(ids), int(files or 0)

    return in_thread(work)


def _write_offline(page: Any, title: str) -> None:
    """The citizen's steps, anonymous, with a photo, pressed "send" with no connection."""
    page.get_by_label("Kategori layanan").select_option("ADMINDUK")
    page.get_by_role("button", name="Lanjut").click()
    page.get_by_label("Judul singkat").fill(title)
    page.get_by_label("Apa yang terjadi?").fill("Ditulis di angkot tanpa sinyal; dikirim nanti.")
    served = now().astimezone(WIB).date() - timedelta(days=5)
    page.get_by_label("Tanggal menerima pelayanan").fill(served.isoformat())
    page.get_by_role("button", name="Lanjut").click()
    page.get_by_label("Anonim").check()
    page.get_by_role("button", name="Lanjut").click()
    page.get_by_label("Kecamatan", exact=True).select_option("CMH-TGH")
    page.get_by_label("Kelurahan", exact=True).select_option(index=1)
    page.get_by_role("button", name="Lanjut").click()
    page.get_by_label("Lampiran bukti").set_input_files(
        files=[{"name": "jalan.png", "mimeType": "image/png", "buffer": PNG}]
    )
    page.get_by_label("Saya menyatakan isi pengaduan ini benar").check()
    page.get_by_role("button", name="Kirim pengaduan").click()


@pytest.mark.parametrize("width", [360, 1280])
def test_the_app_installs_and_its_shell_opens_offline(
    e2e_browser: Any, live_server: str, width: int
) -> None:
    web = _web(e2e_browser, live_server, width)
    page = _controlled(web)
    manifest_url = page.locator("link[rel=manifest]").get_attribute("href")
    answer = page.request.get(live_server + manifest_url)
    assert answer.headers["content-type"].startswith("application/manifest+json")
    manifest = json.loads(answer.body())
    assert (manifest["name"], manifest["short_name"]) == ("Aduan Cimahi", "Aduan Cimahi")
    assert (manifest["start_url"], manifest["display"]) == ("/", "standalone")
    theme = page.locator("meta[name=theme-color]").get_attribute("content")
    assert manifest["theme_color"] == theme
    sizes = set()
    for icon in manifest["icons"]:
        image = Image.open(io.BytesIO(page.request.get(live_server + icon["src"]).body()))
        assert f"{image.width}x{image.height}" == icon["sizes"] and image.format == "PNG"
        sizes.add((icon["sizes"], icon.get("purpose", "any")))
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes

    web.context.set_offline(True)
    page.reload()
    web.ready()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("Sampaikan pengaduan pelayanan publik")
    expect(page.get_by_test_id("kept-banner")).to_contain_text("Tidak tersambung ke internet")
    # a page never opened before still opens, with the categories the form needs
    page.get_by_role("link", name="Mulai mengadu").click()
    web.ready()
    expect(page.get_by_label("Kategori layanan")).to_contain_text("Administrasi kependudukan")
    axe_clean(web, f"filing form offline at {width} px")
    assert web.foreign == [] and web.console_errors == []
    web.context.close()


@pytest.mark.parametrize("width", [360, 1280])
def test_a_complaint_written_offline_is_kept_and_sent_once_when_back_online(
    e2e_browser: Any, live_server: str, live_app: Any, width: int
) -> None:
    title = f"Jalan berlubang ditulis luring {width}"
    web = _web(e2e_browser, live_server, width)
    page = _controlled(web, "/lapor")
    web.context.set_offline(True)
    _write_offline(page, title)
    page.wait_for_url("**/tersimpan")
    web.ready()
    expect(page.get_by_test_id("kept-state")).to_have_text(KEPT)
    expect(page.get_by_test_id("kept-banner")).to_contain_text("1 pengaduan tersimpan di ponsel")
    axe_clean(web, f"kept on the phone at {width} px")
    # the phone drops the tab (or the citizen reloads) while still without a connection
    page.reload()
    web.ready()
    expect(page.get_by_test_id("kept-state")).to_have_text(KEPT)
    assert _filed(live_app, title) == (0, 0)

    page.evaluate(WATCH_THE_STATE)
    web.context.set_offline(False)
    page.wait_for_url("**/tanda-terima", timeout=20_000)
    web.ready()
    assert page.evaluate("() => window.statesSeen")[:2] == [KEPT, "Sedang mengirim…"]
    code = page.get_by_test_id("tracking-code").inner_text()
    assert re.fullmatch(r"\d{6}", page.get_by_test_id("pin").inner_text())
    assert code
    expect(page.get_by_test_id("kept-banner")).to_be_hidden()
    assert _filed(live_app, title) == (1, 1)
    axe_clean(web, f"receipt of a kept complaint at {width} px")
    assert web.foreign == [] and web.console_errors == []
    web.context.close()


# what a phone does when the server filed the complaint but its answer was lost on the way: the
# complaint is still kept as waiting, and is sent again with its key at the next chance
LOSE_THE_ANSWER = """async (item) => {
  const db = await new Promise((resolve, reject) => {
    const open = indexedDB.open("aduan", 1);
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  await new Promise((resolve, reject) => {
    const tx = db.transaction("kept", "readwrite");
    tx.objectStore("kept").put({ ...item, state: "waiting", files: [] });
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
  });
  db.close();
  const offline = await import("/assets/js/offline.js");
  await offline.flush();
  const again = (await offline.keptComplaints()).find((kept) => kept.key === item.key);
  return [again.state, again.receipt.tracking_code, again.receipt.pin];
}"""
KEPT_ITEM = """async () => {
  const offline = await import("/assets/js/offline.js");
  const [item] = await offline.keptComplaints();
  return { key: item.key, body: item.body, values: item.values, categoryName: item.categoryName,
    savedAt: item.savedAt };
}"""


def test_two_tabs_and_a_retry_after_a_lost_answer_file_one_complaint(
    e2e_browser: Any, live_server: str, live_app: Any
) -> None:
    title = "Lampu jalan mati, dikirim dari dua tab"
    web = _web(e2e_browser, live_server, 360)
    page = _controlled(web, "/lapor")
    web.context.set_offline(True)
    _write_offline(page, title)
    page.wait_for_url("**/tersimpan")
    web.ready()
    kept = page.evaluate(KEPT_ITEM)
    # the same phone has the app open in a second tab, which sees the same kept complaint
    other = web.context.new_page()
    other.goto(live_server + "/tersimpan")
    other.wait_for_selector("main[data-ready=true]")
    expect(other.get_by_test_id("kept-state")).to_have_text(KEPT)

    web.context.set_offline(False)  # both tabs hear `online` and both start sending
    page.wait_for_url("**/tanda-terima", timeout=20_000)
    web.ready()
    code = page.get_by_test_id("tracking-code").inner_text()
    pin = page.get_by_test_id("pin").inner_text()
    # the other tab, watching the same complaint, shows the same receipt
    other.wait_for_url("**/tanda-terima")
    expect(other.get_by_test_id("tracking-code")).to_have_text(code)
    expect(other.get_by_test_id("pin")).to_have_text(pin)
    assert _filed(live_app, title) == (1, 1)

    # the answer is lost after the server filed it: the retry gets the same receipt, files nothing
    assert page.evaluate(LOSE_THE_ANSWER, kept) == ["sent", code, pin]
    assert _filed(live_app, title) == (1, 1)
    assert web.foreign == [] and web.console_errors == []
    web.context.close()


# the kept complaint as the server will refuse it: a title too short (the form checks this before
# keeping; a kept draft can still be refused, say by a rule the server changed meanwhile)
SHORTEN_THE_TITLE = """async () => {
  const db = await new Promise((resolve, reject) => {
    const open = indexedDB.open("aduan", 1);
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  const store = (mode) => db.transaction("kept", mode).objectStore("kept");
  const [item] = await new Promise((resolve) => {
    store("readonly").getAll().onsuccess = (e) => resolve(e.target.result);
  });
  item.body.title = "Jl";
  item.values.title = "Jl";
  await new Promise((resolve) => { store("readwrite").put(item).onsuccess = resolve; });
  db.close();
}"""


def test_a_kept_complaint_the_server_refuses_reopens_with_its_messages(
    e2e_browser: Any, live_server: str, live_app: Any
) -> None:
    title = "Trotoar rusak depan pasar, diperbaiki"
    web = _web(e2e_browser, live_server, 1280)
    page = _controlled(web, "/lapor")
    web.context.set_offline(True)
    _write_offline(page, "Trotoar rusak depan pasar")
    page.wait_for_url("**/tersimpan")
    web.ready()
    page.evaluate(SHORTEN_THE_TITLE)
    web.context.set_offline(False)
    expect(page.get_by_test_id("kept-state")).to_have_text(
        "Belum terkirim: ada isian yang perlu diperbaiki."
    )
    axe_clean(web, "a kept complaint refused")
    page.get_by_role("link", name="Perbaiki dan kirim lagi").click()
    web.ready()
    field = page.get_by_label("Judul singkat")
    expect(field).to_have_value("Jl")
    expect(field).to_have_attribute("aria-invalid", "true")
    axe_clean(web, "a refused draft reopened")
    field.fill(title)
    for _ in range(3):  # the reopened draft kept the other steps' answers, the photo included
        page.get_by_role("button", name="Lanjut").click()
    expect(page.get_by_label("Saya menyatakan isi pengaduan ini benar")).to_be_checked()
    page.get_by_role("button", name="Kirim pengaduan").click()
    page.wait_for_url("**/tanda-terima")
    web.ready()
    expect(page.get_by_test_id("tracking-code")).not_to_be_empty()
    assert _filed(live_app, title) == (1, 1)
    assert _filed(live_app, "Jl") == (0, 0)
    page.goto(live_server + "/tersimpan")
    web.ready()
    expect(page.get_by_test_id("kept-item")).to_have_count(0)
    assert web.foreign == [] and web.console_errors == []
    web.context.close()


def _tracking_code(live_app: Any, title: str) -> str:
    def work() -> str:
        with live_app.app_context():
            return db.session.scalars(
                select(Complaint.tracking_code).where(Complaint.title == title)
            ).one()

    return in_thread(work)


def test_background_sync_sends_a_kept_complaint_with_no_page_open(
    e2e_browser: Any, live_server: str, live_app: Any
) -> None:
    """The citizen closed the app before the connection returned: the browser's Background Sync
    wakes the service worker, which files the complaint (photo included) by itself; the app's
    next start offers the receipt."""
    title = "Sampah menumpuk, dikirim oleh Background Sync"
    web = _web(e2e_browser, live_server, 360)
    page = _controlled(web, "/lapor")
    cdp = web.context.new_cdp_session(page)
    registrations: list[str] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(r["registrationId"] for r in event["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    web.context.set_offline(True)
    _write_offline(page, title)
    page.wait_for_url("**/tersimpan")
    web.ready()
    page.goto("about:blank")  # the app is closed: no page of it is open
    web.context.set_offline(False)
    assert registrations
    cdp.send(
        "ServiceWorker.dispatchSyncEvent",
        {
            "origin": live_server,
            "registrationId": registrations[-1],
            "tag": "aduan-kept",
            "lastChance": False,
        },
    )
    for _ in range(50):
        if _filed(live_app, title) == (1, 1):
            break
        page.wait_for_timeout(200)
    assert _filed(live_app, title) == (1, 1)

    page = web.goto("/tersimpan")
    expect(page.get_by_test_id("kept-state")).to_have_text(
        "Terkirim. Buka tanda terima untuk melihat kode dan PIN Anda."
    )
    expect(page.get_by_test_id("kept-banner")).to_contain_text("1 pengaduan sudah terkirim")
    axe_clean(web, "a kept complaint sent while the app was closed")
    page.get_by_role("button", name="Buka tanda terima").click()
    page.wait_for_url("**/tanda-terima")
    web.ready()
    expect(page.get_by_test_id("tracking-code")).to_have_text(_tracking_code(live_app, title))
    assert re.fullmatch(r"\d{6}", page.get_by_test_id("pin").inner_text())
    assert web.foreign == [] and web.console_errors == []
    web.context.close()
