"""The public list (issue 14, item 9): the filing form promised a list of public complaints that
did not exist. Anyone can now list and search the verified public complaints, with their status,
agency and age; private, confidential-identity and anonymous ones never appear, and a name only
where its complainant chose to show it."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Page, in_thread
from tests.e2e.test_flows import VERIFIER, axe_clean

pytestmark = pytest.mark.e2e


def _filed_and_verified(live_app: Any, **overrides: Any) -> dict[str, Any]:
    from tests.conftest import bearer_for, user_by_email
    from tests.factories import file_complaint
    from tests.sla_helpers import act

    def work() -> dict[str, Any]:
        client = live_app.test_client()
        headers = bearer_for(live_app, user_by_email(live_app, VERIFIER))
        receipt = file_complaint(client, headers, channel="walk_in", **overrides)
        act(client, headers, receipt["id"], action="verify")
        return receipt

    return in_thread(work)


@pytest.mark.parametrize("width", [360, 1280])
def test_anyone_lists_and_searches_public_complaints_only(
    e2e_browser: Any, live_server: str, live_app: Any, width: int
) -> None:
    word = f"Trotoar{width}"
    _filed_and_verified(
        live_app,
        title=f"{word} rusak di Jalan Baros",
        description=f"{word} di depan pasar berlubang dan membahayakan pejalan kaki.",
        privacy="public",
        show_name_publicly=True,
        complainant__name="Siti Rahmawati",
    )
    _filed_and_verified(
        live_app,
        title=f"{word} tanpa nama",
        description=f"{word} di dekat sekolah retak sejak bulan lalu.",
        privacy="public",
    )
    for privacy in ("private", "confidential_identity", "anonymous"):
        extra = {"complainant": None} if privacy == "anonymous" else {}
        _filed_and_verified(
            live_app,
            title=f"{word} {privacy}",
            description=f"{word} ini tidak boleh tampil di daftar publik.",
            privacy=privacy,
            **extra,
        )
    web = Page(e2e_browser, live_server)
    web.page.set_viewport_size({"width": width, "height": 900})
    page = web.goto("/")
    if width < 600:  # a phone's navigation is behind the menu button
        page.get_by_role("button", name="Menu").click()
    page.get_by_role("link", name="Pengaduan publik").click()
    web.ready()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pengaduan publik")
    page.get_by_label("Kata yang dicari").fill(word)
    page.get_by_role("button", name="Cari").click()
    web.ready()
    expect(page.get_by_test_id("public-count")).to_have_text("2 pengaduan")
    items = page.get_by_test_id("public-item")
    expect(items).to_have_count(2)
    named = items.filter(has_text="rusak di Jalan Baros")
    # names, never codes: the agency and category as people read them, the status in words
    expect(named).to_contain_text("Dinas Kependudukan dan Pencatatan Sipil")
    expect(named).not_to_contain_text("DISDUKCAPIL")
    expect(named).to_contain_text("Terverifikasi")
    expect(named).to_contain_text("Siti Rahmawati")
    expect(named).to_contain_text("WIB")
    expect(named).to_contain_text("hari ini")
    expect(items.filter(has_text="tanpa nama")).not_to_contain_text("Pengadu")
    for hidden in ("private", "confidential_identity", "anonymous"):
        expect(page.get_by_text(f"{word} {hidden}")).to_have_count(0)
    page.screenshot(path=f"/tmp/public-{width}.png", full_page=True)
    axe_clean(web, f"public list at {width} px")

    # the search is in the address, so it can be shared; a search with no match says why
    assert f"q={word}" in page.url
    page.get_by_label("Status").select_option("closed")
    page.get_by_role("button", name="Cari").click()
    web.ready()
    expect(page.get_by_test_id("public-empty")).to_contain_text("Tidak ada pengaduan publik")
    axe_clean(web, f"public list, nothing found, at {width} px")
    assert web.foreign == [] and web.console_errors == []
    web.context.close()
