"""Headless Chromium at 1366 x 900, as a Board member and the Head of Service read the app: every page, opened from
the menu, shows words not codes in its visible text (`textscan.findings`), cuts no visible text off (an element
whose text is wider than its box, with its overflow hidden), and asks nothing of any origin but the app's own
(no font or icon from a CDN: the app works offline)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from browser_support import assert_no_exception, nav_links, sign_in, wait_ready
from textscan import findings

pytestmark = pytest.mark.browser

#: Visible text elements whose content is wider than their box while their overflow is hidden (an ellipsis or a
#: plain cut): "Cap on each c…". Charts (drawn as SVG) and grids (drawn on a canvas) are left out.
CLIPPED_JS = """() => {
    const out = [];
    const sel = 'p, span, label, h1, h2, h3, h4, li, button, [data-testid="stMarkdownContainer"], '
        + '[data-testid="stWidgetLabel"] div, [data-testid="stMetricLabel"] div, [data-testid="stMetricValue"] div';
    for (const el of document.querySelectorAll(sel)) {
        if (el.closest('.js-plotly-plot, [data-testid="stDataFrame"], [data-testid="stSidebarNav"], '
            + '[data-baseweb="popover"], [data-testid="stToolbar"], [data-testid="stHeader"]')) continue;
        const text = (el.innerText || '').trim();
        if (!text || el.offsetParent === null) continue;
        const style = getComputedStyle(el);
        const hidden = ['hidden', 'clip'].includes(style.overflowX) || style.textOverflow === 'ellipsis';
        if (hidden && el.scrollWidth > el.clientWidth + 1) out.push(text.slice(0, 80));
    }
    return [...new Set(out)];
}"""

#: The app's visible text, without the grids and charts (checked through their frames in the AppTests).
TEXT_JS = """() => {
    const skip = '.js-plotly-plot, [data-testid="stDataFrame"], [data-testid="stSidebarNav"], style, script';
    const walker = document.createTreeWalker(document.querySelector('[data-testid="stApp"]'), NodeFilter.SHOW_TEXT);
    const out = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const el = node.parentElement;
        if (!el || el.closest(skip) || el.offsetParent === null) continue;
        if (getComputedStyle(el).fontFamily.includes('Material')) continue;  // an icon's ligature, drawn as a glyph
        out.push(node.textContent);
    }
    return out.join('\\n');
}"""


@pytest.fixture(autouse=True)
def _patient(page):
    page.set_default_timeout(180_000)
    page.set_viewport_size({"width": 1366, "height": 900})


@pytest.mark.parametrize("user", ["board", "hos"])
def test_every_page_reads_in_words_nothing_cut_off_nothing_from_elsewhere(live_app, page, user: str) -> None:
    origin = urlsplit(live_app).netloc
    elsewhere: list[str] = []
    page.on("request", lambda r: elsewhere.append(r.url) if urlsplit(r.url).scheme in ("http", "https")
            and urlsplit(r.url).netloc != origin else None)
    sign_in(page, live_app, user)
    problems: dict[str, list[str]] = {}
    for title in nav_links(page):
        if title == "Audit":
            continue  # the audit page lists roles and actions as recorded; its words are checked with it
        page.locator('[data-testid="stSidebarNavLink"]', has_text=title).first.click()
        page.wait_for_timeout(300)
        wait_ready(page)
        assert_no_exception(page)
        found = findings(page.evaluate(TEXT_JS))
        found += [f"clipped: {t!r}" for t in page.evaluate(CLIPPED_JS)]
        if found:
            problems[title] = sorted(set(found))
    assert not elsewhere, elsewhere
    assert not problems, "\n".join(f"{k}: {v}" for k, v in problems.items())
