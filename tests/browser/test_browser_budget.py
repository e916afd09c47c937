"""Headless Chromium: the Pooled budget page switches council and period, shows raa_core's figures, and its
Excel export reconciles with raa_core."""

from __future__ import annotations

import io
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest

from browser_support import assert_no_exception, choose, sign_in
from conftest import SAMPLE_AS_AT
from financekit import monitor
from raa_core.finance.monitoring_export import HEADER_ROW
from raa_core.presentation import tile_money
from raa_core.store import warehouse

pytestmark = pytest.mark.browser

YEAR = "2026-27"


def _metric(page, label: str) -> str:
    box = page.locator('[data-testid="stMetric"]').filter(
        has=page.get_by_text(label, exact=True))
    return box.locator('[data-testid="stMetricValue"]').inner_text().strip()




def test_budget_page_switches_council_and_period_and_exports_reconciling_excel(live_app, page, sample_db, ref):
    sign_in(page, f"{live_app}/budget", "hos")
    assert_no_exception(page)
    assert page.get_by_role("heading", name="Pooled budget").first.is_visible()

    con = warehouse.Warehouse(sample_db).connect()
    try:
        raa = monitor(con, ref, YEAR)
        kent_p5 = monitor(con, ref, YEAR, 5, "default", 886)
        raa_p5 = monitor(con, ref, YEAR, 5, "default")
    finally:
        con.close()
    assert _metric(page, "Pooled variance") == tile_money(raa.total(None, "pooled")["variance"])

    choose(page, "Council", "Kent (886)", '[data-testid="stSidebar"]')
    choose(page, "Period", "P5 (Aug 2026)", '[data-testid="stMain"]')
    assert_no_exception(page)
    assert _metric(page, "Pooled variance") == tile_money(kent_p5.total(886, "pooled")["variance"])
    assert _metric(page, "Adoption support forecast outturn") == tile_money(
        kent_p5.total(886, "adoption_support")["forecast"])
    assert _metric(page, "Total budget") == tile_money(kent_p5.total(886)["budget"])
    assert kent_p5.total(886, "pooled")["variance"] != raa.total(886, "pooled")["variance"]  # the period mattered

    with page.expect_download() as info:
        page.get_by_role("button", name="Excel report").click()
    download = info.value
    assert download.suggested_filename == f"raa_budget_monitoring_Region_{YEAR}_P5_as-at_{SAMPLE_AS_AT}.xlsx"
    wb = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    ws = wb["Summary"]
    header = [c.value for c in ws[HEADER_ROW + 1]]
    rows = [dict(zip(header, [c.value for c in r], strict=True)) for r in ws.iter_rows(min_row=HEADER_ROW + 2)]
    total = next(r for r in rows if r["Council"] == "RAA" and r["Budget area"] == "All areas")
    assert D(str(round(total["Forecast outturn"], 2))) == raa_p5.total(None)["forecast"]
    assert D(str(round(total["Variance"], 2))) == raa_p5.total(None)["variance"]
    kent = next(r for r in rows if r["Council"] == "Kent" and r["Budget area"] == "Pooled")
    assert D(str(round(kent["Forecast outturn"], 2))) == kent_p5.total(886, "pooled")["forecast"]
    assert ws.freeze_panes == f"A{HEADER_ROW + 2}"
