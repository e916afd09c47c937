"""Headless Chromium: the Board pack page builds the pack in one click and downloads the workbook and the PDF;
a performance page printed to A4 (Chromium's page.pdf) leaves out the sidebar and the buttons, and its
charts fit the page width."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from browser_support import ARTIFACTS, assert_no_exception, wait_ready
from conftest import SAMPLE_TODAY
from raa_core import boardpack

pytestmark = pytest.mark.browser

#: A4 landscape less the 10 mm print margins, at 96 CSS pixels per inch (as Chromium lays out the page).
A4_LANDSCAPE = {"width": 1047, "height": 718}


def test_board_pack_button_builds_and_downloads_both_files(live_app, page) -> None:
    page.goto(live_app)
    wait_ready(page)
    page.goto(f"{live_app}/board_pack")
    wait_ready(page)
    assert_no_exception(page)
    assert page.get_by_role("heading", name="Board pack").first.is_visible()
    page.get_by_role("button", name="Build the board pack").click()
    page.get_by_role("button", name="Download the PDF").wait_for(timeout=180_000)
    wait_ready(page)
    assert_no_exception(page)
    assert page.get_by_text("Board pack 2026-27 built").first.is_visible()

    with page.expect_download() as info:
        page.get_by_role("button", name="Download the PDF").click()
    pdf = info.value
    assert pdf.suggested_filename == f"raa_board_pack_Region_2026-27_as-at_{SAMPLE_TODAY}.pdf"
    reader = PdfReader(io.BytesIO(Path(pdf.path()).read_bytes()))
    text = "\n".join(p.extract_text() for p in reader.pages)
    for title in boardpack.SECTIONS.values():
        assert title in text

    with page.expect_download() as info:
        page.get_by_role("button", name="Download the workbook").click()
    xlsx = info.value
    assert xlsx.suggested_filename == f"raa_board_pack_Region_2026-27_as-at_{SAMPLE_TODAY}.xlsx"
    wb = openpyxl.load_workbook(io.BytesIO(Path(xlsx.path()).read_bytes()))
    assert wb.sheetnames[0] == "Contents" and "Budget summary" in wb.sheetnames


def test_a_performance_page_prints_to_a4_without_the_sidebar(live_app, page) -> None:
    page.goto(live_app)
    wait_ready(page)
    page.goto(f"{live_app}/regional_performance")
    wait_ready(page)
    assert_no_exception(page)
    assert page.locator('[data-testid="stSidebar"]').first.is_visible()  # on screen the sidebar is there
    # a person printing from the browser: charts drawn for the screen are fitted to the page before printing
    page.set_viewport_size({"width": 1800, "height": 1000})
    page.wait_for_timeout(1500)  # charts redraw at the screen width
    zoom = page.evaluate("() => { window.dispatchEvent(new Event('beforeprint')); return window.raaPrintFit(); }")
    assert 0.5 < zoom < 1
    zooms = page.evaluate("""() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
                                    .map(e => parseFloat(e.style.zoom))""")
    assert zooms and all(abs(z - zoom) < 1e-6 for z in zooms)
    page.evaluate("() => window.dispatchEvent(new Event('afterprint'))")
    assert page.evaluate("""() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
                                  .every(e => e.style.zoom === '')""")
    page.set_viewport_size(A4_LANDSCAPE)
    page.emulate_media(media="print")
    page.wait_for_timeout(2000)  # charts redraw at the printed width
    # in print, the sidebar and every button are gone and no chart is wider than the page
    assert not page.locator('[data-testid="stSidebar"]').first.is_visible()
    assert page.locator('[data-testid="stDownloadButton"]').count() > 0
    assert not page.locator('[data-testid="stDownloadButton"]').first.is_visible()
    overflow = page.evaluate("""() => {
        const width = document.documentElement.clientWidth;
        return [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
            .map(e => e.getBoundingClientRect().right - width).filter(x => x > 1);
    }""")
    assert page.locator('[data-testid="stPlotlyChart"]').count() > 0
    assert overflow == []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    out = ARTIFACTS / "regional_performance_print.pdf"
    page.pdf(path=str(out), format="A4", landscape=True, print_background=True, prefer_css_page_size=True)
    reader = PdfReader(str(out))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "Regional performance" in text
    for screen_only in ("View as", "Performance window", "Download CSV", "Download Excel"):
        assert screen_only not in text, screen_only
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)  # landscape
