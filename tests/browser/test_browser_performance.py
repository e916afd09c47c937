"""Headless Chromium against `streamlit run app.py`: the performance pages follow the sidebar's council and
period, and the figures on screen equal raa_core's."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest
from playwright.sync_api import Page

from browser_support import assert_no_exception, sign_in, wait_ready
from factories import req, snap
from raa_app import charts
from raa_core.performance import indicators, journeys
from raa_core.periods import parse_period

pytestmark = pytest.mark.browser

#: Tall enough for the whole page: the screenshot then shows every chart, and none waits to scroll into view.
VIEWPORT = {"width": 1400, "height": 4400}


def choose(page: Page, label: str, option: str) -> None:
    page.get_by_role("combobox", name=label).click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_ready(page)


def charts_drawn(page: Page, at_least: int) -> None:
    """Wait until plotly has drawn the charts (an SVG with data in each)."""
    page.wait_for_function(
        """n => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
                .filter(c => c.querySelector('.main-svg g.trace')).length >= n""",
        arg=at_least,
        timeout=60_000,
    )


def show_charts(page: Page) -> None:
    """Turn on every "Show chart" switch (a chart placed `later` by raa_app.charts is drawn when asked for), one
    at a time: each reruns its own part of the page."""
    switches = page.locator('[data-testid="stCheckbox"]', has_text=charts.SHOW_CHART)
    assert switches.count() > 0
    for i in range(switches.count()):
        if not switches.nth(i).locator("input").is_checked():
            switches.nth(i).locator("label").first.click()
            wait_ready(page)


def metric(page: Page, label_start: str) -> str:
    box = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=label_start)
    )
    return box.first.locator('[data-testid="stMetricValue"]').inner_text().strip()


def chart_texts(page: Page, index: int) -> list[str]:
    """The labels plotly wrote on the index-th chart of the page (bar and funnel values)."""
    chart = page.locator('[data-testid="stPlotlyChart"]').nth(index)
    return chart.locator("g.trace text, g.points text").evaluate_all("els => els.map(e => e.textContent.trim())")


def test_regional_page_follows_council_and_period(
    live_app: str, page: Page, sample_con: duckdb.DuckDBPyConnection, ref: Any
) -> None:
    page.set_viewport_size(VIEWPORT)
    sign_in(page, f"{live_app}/regional_performance", "hos")
    assert_no_exception(page)
    choose(page, "Council", "Kent (886)")
    choose(page, "Financial year", "2018-19")
    show_charts(page)
    charts_drawn(page, 5)
    assert_no_exception(page)
    tiles = indicators.headline(snap(sample_con, ref=ref), req("2018-19"), "886").set_index("indicator")
    assert page.get_by_role("heading", name="Scorecard: Kent, 2018-19").is_visible()
    assert metric(page, "A1 ·") == f"{tiles.at['A1', 'value']} days" == "363 days"
    assert metric(page, "A2 ·") == f"{tiles.at['A2', 'value']} days"
    assert metric(page, "A3 ·") == f"{tiles.at['A3', 'value']}%"
    # the councils-compared chart (the fourth chart: two trends, then the comparison) writes each figure
    sc = indicators.scorecard(snap(sample_con, ref=ref), req(parse_period("2018-19")))
    a1 = sc[(sc["indicator"] == "A1") & (sc["area"] != "region_mean")]
    labels = chart_texts(page, 2)
    for v, low in zip(a1["value"], a1["low_n"], strict=True):
        assert f"{int(v)}{'*' if low else ''}" in labels, labels

    choose(page, "Council", "Medway (887)")
    page.get_by_text("3 years").click()
    wait_ready(page)
    charts_drawn(page, 5)
    assert_no_exception(page)
    tiles = indicators.headline(snap(sample_con, ref=ref), req("2016-19"), "887").set_index("indicator")
    assert page.get_by_role("heading", name="Scorecard: Medway, 2016-19").is_visible()
    assert metric(page, "A1 ·") == f"{tiles.at['A1', 'value']} days"


def test_regional_publication_view_in_the_browser(live_app: str, page: Page) -> None:
    page.set_viewport_size(VIEWPORT)
    sign_in(page, f"{live_app}/regional_performance", "hos")
    choose(page, "Council", "Bexley (303)")
    choose(page, "Financial year", "2018-19")
    assert page.get_by_text("Low number: 1 child").count() == 4
    page.get_by_text("Publication view").click()
    wait_ready(page)
    show_charts(page)
    charts_drawn(page, 5)
    assert_no_exception(page)
    assert metric(page, "A1 ·") == "x" and metric(page, "A3 ·") == "x"
    assert page.get_by_text("Low number: 1 child").count() == 0


def test_local_page_follows_council_and_period(
    live_app: str, page: Page, sample_con: duckdb.DuckDBPyConnection, ref: Any
) -> None:
    page.set_viewport_size(VIEWPORT)
    sign_in(page, f"{live_app}/local_performance", "hos")
    assert_no_exception(page)
    assert page.get_by_text("shows Bexley (303), the first partner").is_visible()
    choose(page, "Council", "Medway (887)")
    choose(page, "Financial year", "2018-19")
    show_charts(page)
    charts_drawn(page, 7)
    assert_no_exception(page)
    assert page.get_by_role("heading", name="Medway (887) · 2018-19").is_visible()
    p = parse_period("2018-19")
    waiting = journeys.children_waiting(snap(sample_con, ref=ref), req(), p.end).set_index("area").loc["887"]
    assert metric(page, "Children waiting") == str(waiting["waiting"])
    assert metric(page, "Children waiting with a placement order") == str(waiting["with_po"])
    # the journey funnel (second chart) writes Medway's counts of each step
    act = journeys.activity(snap(sample_con, ref=ref), req(), p).set_index("area").loc["887"]
    labels = chart_texts(page, 1)
    assert [str(int(act[m])) for _, m in journeys.FUNNEL] == [t for t in labels if t.isdigit()][:5], labels
