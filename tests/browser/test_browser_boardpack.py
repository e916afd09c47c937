"""Headless Chromium: a board member builds the board pack in one click and downloads the workbook and the PDF
(both read back); a performance page printed to A4 (Chromium's page.pdf) leaves out the sidebar, the buttons
and the download buttons, and its charts fit the page width."""

from __future__ import annotations

import io
import json
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from browser_support import ARTIFACTS, assert_no_exception, sign_in, wait_ready
from conftest import SAMPLE_AS_AT
from raa_core import boardpack
from raa_core.contributions.scenario import DEFAULT_SCENARIO

pytestmark = pytest.mark.browser

#: A4 landscape less the 10 mm print margins, at 96 CSS pixels per inch (as Chromium lays out the page).
A4_LANDSCAPE = {"width": 1047, "height": 718}


@pytest.fixture(autouse=True)
def _patient(page):
    """The machine may be busy (other test runs): wait up to 3 minutes for any one thing."""
    page.set_default_timeout(180_000)


def _pdf_text(path: Path) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    return reader, "\n".join(p.extract_text() for p in reader.pages)


def test_the_board_builds_the_pack_in_one_click_and_downloads_both_files(live_app, page) -> None:
    sign_in(page, f"{live_app}/boardpack", "board")
    assert_no_exception(page)
    page.get_by_role("heading", name="Board pack").first.wait_for()
    assert "always are" in page.locator('[data-testid="stMain"]').inner_text()  # suppression forced
    page.get_by_role("button", name="Build the board pack").click()
    page.get_by_role("button", name="Download the PDF").wait_for()
    wait_ready(page, 180_000)
    assert_no_exception(page)
    main = page.locator('[data-testid="stMain"]').inner_text()
    assert "Board pack 2026-27 built" in main
    assert "Contribution scenario: No contribution scenario was chosen" in main  # what is not in the pack

    with page.expect_download() as info:
        page.get_by_role("button", name="Download the PDF").click()
    pdf = info.value
    assert pdf.suggested_filename == f"raa_board_pack_Region_2026-27_as-at_{SAMPLE_AS_AT}.pdf"
    reader, text = _pdf_text(Path(pdf.path()))
    for title in boardpack.SECTIONS.values():
        assert title in text, title
    assert "OFFICIAL" in text and f"Page 1 of {len(reader.pages)}" in text
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)  # A4 landscape

    with page.expect_download() as info:
        page.get_by_role("button", name="Download the workbook").click()
    xlsx = info.value
    assert xlsx.suggested_filename == f"raa_board_pack_Region_2026-27_as-at_{SAMPLE_AS_AT}.xlsx"
    wb = openpyxl.load_workbook(io.BytesIO(Path(xlsx.path()).read_bytes()))
    assert wb.sheetnames[0] == "Contents" and "Budget summary" in wb.sheetnames
    assert all(ws.page_setup.orientation == "landscape" for ws in wb.worksheets)


def test_an_uploaded_scenario_file_goes_into_the_pack_and_a_bad_one_is_refused(live_app, page) -> None:
    sign_in(page, f"{live_app}/boardpack", "hos")
    page.get_by_role("heading", name="Board pack").first.wait_for()
    page.get_by_text("A scenario file (JSON)").click()
    wait_ready(page, 180_000)
    upload = page.locator('[data-testid="stFileUploaderDropzoneInput"]')
    upload.set_input_files(files=[{"name": "broken.json", "mimeType": "application/json", "buffer": b"{not json"}])
    page.get_by_text("broken.json is not a scenario file").or_(page.get_by_text("broken.json:")).first.wait_for()
    wait_ready(page, 180_000)
    assert_no_exception(page)
    good = json.dumps(DEFAULT_SCENARIO | {"name": "Board option B"}).encode()
    upload.set_input_files(files=[{"name": "option-b.json", "mimeType": "application/json", "buffer": good}])  # replaces
    wait_ready(page, 180_000)
    assert "option-b.json" not in page.locator('[data-testid="stAlertContentError"]').all_inner_texts()
    page.get_by_role("button", name="Build the board pack").click()
    page.get_by_role("button", name="Download the PDF").wait_for()
    wait_ready(page, 180_000)
    assert_no_exception(page)
    assert "Contribution scenario:" not in page.locator('[data-testid="stMain"]').inner_text()
    with page.expect_download() as info:
        page.get_by_role("button", name="Download the PDF").click()
    _, text = _pdf_text(Path(info.value.path()))
    assert "Scenario: Board option B" in text


def test_a_performance_page_prints_to_a4_without_the_sidebar_or_buttons(live_app, page) -> None:
    sign_in(page, f"{live_app}/regional_performance", "hos")
    page.get_by_role("heading", name="Regional performance").first.wait_for()
    wait_ready(page, 180_000)
    assert_no_exception(page)
    sidebar = page.locator('[data-testid="stSidebar"]').first
    downloads = page.locator('[data-testid="stDownloadButton"]')
    assert sidebar.is_visible() and downloads.count() > 0  # on screen they are there

    # Printing from a wide screen: charts drawn for the screen are zoomed to the page before printing.
    page.set_viewport_size({"width": 1800, "height": 1000})
    page.wait_for_timeout(1500)
    zoom = page.evaluate("() => { window.dispatchEvent(new Event('beforeprint')); return window.raaPrintFit(); }")
    assert 0.5 < zoom < 1
    charts = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].map(e => e.style.zoom)"""
    assert page.evaluate(charts) and all(abs(float(z) - zoom) < 1e-6 for z in page.evaluate(charts))
    page.evaluate("() => window.dispatchEvent(new Event('afterprint'))")
    assert all(z == "" for z in page.evaluate(charts))

    # The printed page: A4 landscape width, print media.
    page.set_viewport_size(A4_LANDSCAPE)
    page.emulate_media(media="print")
    page.wait_for_timeout(2000)  # charts redraw at the printed width
    assert not sidebar.is_visible()
    assert not downloads.first.is_visible()
    assert not page.locator('[data-testid="stHeader"]').first.is_visible()
    assert page.locator('[data-testid="stPlotlyChart"]').count() > 0
    overflow = page.evaluate("""() => {
        const width = document.documentElement.clientWidth;
        return [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
            .map(e => e.getBoundingClientRect().right - width).filter(x => x > 1);
    }""")
    assert overflow == [], "a chart is wider than the page"

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    out = ARTIFACTS / "regional_performance_print.pdf"
    page.pdf(path=str(out), format="A4", landscape=True, print_background=True, prefer_css_page_size=True)
    reader, text = _pdf_text(out)
    assert "Regional performance" in text
    for screen_only in ("Performance window", "Signed in as", "Sign out", "Download CSV", "Download Excel",
                        "Pooled budget"):  # the sidebar (with its menu), buttons and download labels
        assert screen_only not in text, screen_only
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)  # landscape
