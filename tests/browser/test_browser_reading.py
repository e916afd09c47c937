"""Headless Chromium at 1366 x 900, as a Board member and the Head of Service read the app: every page, opened from
the menu, asks nothing of any origin but the app's own (no font or icon from a CDN: the app works offline),
every checkbox and switch is drawn, and no visible text on any page is cut off (a label, metric, caption,
heading, button, tab, chosen option, typed value or alert wider than its box, or ended with an ellipsis; every expander opened, every tab shown).
A screenshot of every page is kept in tests/artifacts/."""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import urlsplit

import pytest

from browser_support import ARTIFACTS, assert_no_exception, nav_links, sign_in, wait_ready

pytestmark = pytest.mark.browser

#: Every visible piece of text cut off by its box: an element holding text (its own text node, or a text
#: overflow ellipsis) whose content is wider than its box (scrollWidth beyond clientWidth + 1), or the nearest
#: boxes around it that hide what overflows. The data grid draws on a canvas (its columns are checked by their
#: settings, tests/app/test_app_tables.py) and the icon font's ligatures are names, not text: both are skipped.
CLIPPED_JS = """() => {
  const skip = '[data-testid="stDataFrame"], [data-testid="stIconMaterial"], .js-plotly-plot, [role="tooltip"]';
  const hides = s => ['hidden', 'clip'].includes(s.overflowX) || s.textOverflow === 'ellipsis';
  const shown = e => {
    const r = e.getBoundingClientRect();
    return r.width > 2 && r.height > 2 && getComputedStyle(e).visibility !== 'hidden';
  };
  const cut = e => e.clientWidth > 2 && e.scrollWidth > e.clientWidth + 1;  // a 1 px box is visually hidden
  const out = new Map();
  for (const e of document.querySelectorAll('[data-testid="stApp"] *')) {
    if (e.closest(skip) || /Material Symbols/.test(getComputedStyle(e).fontFamily)) { continue; }
    const own = Array.from(e.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !shown(e)) { continue; }
    let box = e;
    for (let n = e, i = 0; n && i < 6; n = n.parentElement, i++) {
      if (n === e ? cut(n) : (hides(getComputedStyle(n)) && cut(n))) { box = n; break; }
      box = null;
    }
    if (!box || out.has(box)) { continue; }
    const ids = [];
    for (let n = box.closest('[data-testid]'); n && ids.length < 3; n = n.parentElement.closest('[data-testid]')) {
      const id = n.getAttribute('data-testid');
      if (!/^st(Markdown|MarkdownContainer|VerticalBlock|HorizontalBlock|Column|ElementContainer)$/.test(id)
          || !ids.length) { ids.push(id); }
    }
    out.set(box, {testid: ids.join(' < '),
                  text: (box.innerText || '').trim().replace(/\\s+/g, ' ').slice(0, 80),
                  over: box.scrollWidth - box.clientWidth});
  }
  // a field's text (a select box's chosen option, a typed value) is the input's value, not a text node
  for (const e of document.querySelectorAll('[data-testid="stApp"] input:not([type="checkbox"]):not([type="hidden"])')) {
    if (e.closest(skip) || !shown(e) || !e.value || !cut(e)) { continue; }
    const id = e.closest('[data-testid]');
    out.set(e, {testid: id ? id.getAttribute('data-testid') : 'input', text: e.value.slice(0, 80),
                over: e.scrollWidth - e.clientWidth});
  }
  return Array.from(out.values());
}"""

#: Every visible checkbox and switch whose drawn control (the square or the track: an empty box beside the
#: hidden input and the label) is smaller than 12 x 12 px, so a person cannot see it (WCAG 2.2 1.4.11): its label.
UNDRAWN_CONTROLS_JS = """() => Array.from(document.querySelectorAll('[data-testid="stCheckbox"]'))
  .filter(c => c.getBoundingClientRect().width > 0)
  .map(c => { const box = c.querySelector('label > div:not([data-testid])');
              const r = box ? box.getBoundingClientRect() : {width: 0, height: 0};
              return {label: (c.innerText || '').trim().slice(0, 80), width: r.width, height: r.height}; })
  .filter(c => c.width < 12 || c.height < 12)"""

#: Click every closed expander that can be seen in the main column (a person opening each); returns how many.
OPEN_EXPANDERS_JS = """() => {
  const closed = Array.from(document.querySelectorAll(
      '[data-testid="stMain"] [data-testid="stExpander"] details:not([open]) > summary'))
    .filter(s => s.getBoundingClientRect().width > 0);
  closed.forEach(s => s.click());
  return closed.length;
}"""


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _cut_off(page, title: str) -> list[dict[str, Any]]:
    """The text cut off on the page as it opens, with every expander opened, and under each of its tabs."""
    found = page.evaluate(CLIPPED_JS)
    main = page.locator('[data-testid="stMain"]')
    tabs = main.locator('[data-baseweb="tab"]').all()
    for tab in [None, *tabs]:
        if tab is not None:
            tab.click()
        for _ in range(3):  # an expander opened may show one more inside it
            if not page.evaluate(OPEN_EXPANDERS_JS):
                break
            page.wait_for_timeout(200)
        wait_ready(page)
        found += page.evaluate(CLIPPED_JS)
    unique = {(c["testid"], c["text"]): c for c in found}
    return [{"page": title, **c} for c in unique.values()]


@pytest.fixture(scope="module", params=["board", "hos"])
def walk(request: pytest.FixtureRequest, live_app: str, browser) -> dict[str, Any]:
    """One reading of every page from the menu at 1366 x 900 by the role: the pages' titles, the requests to
    any other origin, and the text cut off on each page (a screenshot of each page kept)."""
    user = request.param
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(180_000)
    origin = urlsplit(live_app).netloc
    got: dict[str, Any] = {"user": user, "titles": [], "elsewhere": [], "clipped": [], "undrawn": [], "controls": 0,
                           "start": time.monotonic()}
    page.on("request", lambda r: got["elsewhere"].append(r.url) if urlsplit(r.url).scheme in ("http", "https")
            and urlsplit(r.url).netloc != origin else None)
    try:
        sign_in(page, live_app, user)
        got["titles"] = nav_links(page)
        for n, title in enumerate(got["titles"]):
            page.locator('[data-testid="stSidebarNavLink"]', has_text=title).first.click()
            page.wait_for_timeout(300)
            wait_ready(page)
            assert_no_exception(page)
            page.wait_for_timeout(500)  # fonts and the grid's layout settle
            got["clipped"] += _cut_off(page, title)
            got["controls"] += page.locator('[data-testid="stCheckbox"]:visible').count()
            got["undrawn"] += [{"page": title, **c} for c in page.evaluate(UNDRAWN_CONTROLS_JS)]
            # the main column scrolls inside the window: the window is made as tall as it for the picture
            tall = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
            page.set_viewport_size({"width": 1366, "height": min(max(tall, 900), 8000)})
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"reading-{user}-{n:02d}-{_slug(title)}.png"))
            page.set_viewport_size({"width": 1366, "height": 900})
    finally:
        context.close()
    got["seconds"] = round(time.monotonic() - got["start"], 1)
    return got


def test_no_page_asks_anything_of_another_origin(walk: dict[str, Any]) -> None:
    assert len(walk["titles"]) >= 6
    assert not walk["elsewhere"], walk["elsewhere"]


def test_no_visible_text_is_cut_off_at_1366_px(walk: dict[str, Any]) -> None:
    """Labels, metrics, captions, headings, buttons, tabs, chosen options and alerts wrap or fit: none is wider
    than its box or ends in an ellipsis, on any page the role sees."""
    assert len(walk["titles"]) >= 6
    lines = [f"{c['page']} | {c['testid']} | {c['text']!r} (+{c['over']} px)" for c in walk["clipped"]]
    assert not lines, f"{walk['user']}: text cut off at 1366 px:\n" + "\n".join(lines)


def test_every_checkbox_and_switch_is_drawn(walk: dict[str, Any]) -> None:
    """A checkbox's square and a switch's track are drawn at their size on every page (a style that loosens
    labels must not flatten them): a control nobody can see cannot be used or read."""
    assert walk["controls"] >= 3  # the publication view and the charts' switches at least
    assert not walk["undrawn"], f"{walk['user']}: controls not drawn: {walk['undrawn']}"
