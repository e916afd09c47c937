"""Headless Chromium at 1366 x 900, as a Board member and the Head of Service read the app: every page, opened from
the menu, asks nothing of any origin but the app's own (no font or icon from a CDN: the app works offline)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from browser_support import assert_no_exception, nav_links, sign_in, wait_ready

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _patient(page):
    page.set_default_timeout(180_000)
    page.set_viewport_size({"width": 1366, "height": 900})


@pytest.mark.parametrize("user", ["board", "hos"])
def test_no_page_asks_anything_of_another_origin(live_app, page, user: str) -> None:
    origin = urlsplit(live_app).netloc
    elsewhere: list[str] = []
    page.on("request", lambda r: elsewhere.append(r.url) if urlsplit(r.url).scheme in ("http", "https")
            and urlsplit(r.url).netloc != origin else None)
    sign_in(page, live_app, user)
    titles = nav_links(page)
    for title in titles:
        page.locator('[data-testid="stSidebarNavLink"]', has_text=title).first.click()
        page.wait_for_timeout(300)
        wait_ready(page)
        assert_no_exception(page)
    assert len(titles) >= 6
    assert not elsewhere, elsewhere
