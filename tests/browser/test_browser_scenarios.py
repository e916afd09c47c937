"""Headless Chromium: a finance lead changes a driver weight, sees the contributions change, saves the
scenario, reloads the page, loads it back and compares two saved scenarios."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page

import financekit as fk
from browser_support import assert_no_exception, screenshot, sign_in
from browser_support import wait_ready as _wait_ready
from raa_core.contributions.scenario import DEFAULT_SCENARIO, parse_scenario
from raa_core.presentation import gbp
from raa_core.store.warehouse import Warehouse

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _patient(page):
    """A fresh server builds the warehouse on its first start, and the machine may be busy: wait up to 2 minutes
    for any one thing (readiness is still waited for explicitly)."""
    page.set_default_timeout(120_000)

MIX = "PO 70 / AO 30 (browser)"


def wait_ready(page: Page) -> None:
    """As browser_support's, with room for a loaded two-core machine (this page draws a chart and tables)."""
    _wait_ready(page, timeout_ms=180_000)


def table_text(page: Page) -> str:
    """The contributions table (the first table with a Contribution column) as text."""
    return page.locator('[data-testid="stTable"]').filter(has_text="Change on previous year").first.inner_text()


def fill(page: Page, label: str, value: str) -> float:
    """Type into a labelled input and press Enter; returns seconds until the page settled."""
    box = page.get_by_label(label, exact=True)
    box.fill(value)
    start = time.perf_counter()
    box.press("Enter")
    wait_ready(page)
    return time.perf_counter() - start


def choose(page: Page, label: str, option: str) -> None:
    """Pick an option by typing its name into the box (a click alone left a focused box's menu closed)."""
    box = page.get_by_role("combobox", name=label)
    box.click()
    box.press_sequentially(option)
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")
    wait_ready(page)


def test_change_weight_save_reload_load_and_compare(live_app, page: Page, sample_db, ref) -> None:
    sign_in(page, f"{live_app}/scenarios", "finance")
    wait_ready(page)
    assert_no_exception(page)
    assert page.get_by_role("heading", name="Contribution scenarios").first.is_visible()

    with Warehouse(sample_db).cursor() as con:
        default = fk.run(con, ref, parse_scenario(DEFAULT_SCENARIO))
        mix = fk.run(con, ref, parse_scenario({
            **DEFAULT_SCENARIO, "name": MIX, "drivers": {"placement_orders": 0.7, "adoption_orders": 0.3}}))
    before = table_text(page)
    kent = default.year_rows("2022-23")[1]
    assert gbp(kent.contribution) in before

    # save the default, then a mix of drivers with other weights
    page.get_by_role("button", name="Save scenario", exact=True).click()
    wait_ready(page)
    page.get_by_text("Saved “Placement orders, 3-year average”").first.wait_for(timeout=60_000)

    fill(page, "Scenario name", MIX)
    choose(page, "Drivers", "Adoption orders")
    settle_1 = fill(page, "Weight: Placement orders granted", "0.70")
    settle_2 = fill(page, "Weight: Adoption orders", "0.30")
    assert_no_exception(page)
    after = table_text(page)
    assert after != before
    mixed_kent = mix.year_rows("2022-23")[1]
    assert gbp(mixed_kent.contribution) in after
    print(f"settled after a weight change in {settle_1:.2f} s and {settle_2:.2f} s")
    page.get_by_role("button", name="Save scenario", exact=True).click()
    wait_ready(page)
    page.get_by_text(f"Saved “{MIX}”").first.wait_for(timeout=60_000)

    # a reload is a new Streamlit session (still signed in: the session cookie) and starts from the default;
    # load the mix back
    page.goto(f"{live_app}/scenarios")
    wait_ready(page)
    page.locator(".st-key-signed_in_as").wait_for()
    assert gbp(mixed_kent.contribution) not in table_text(page)
    page.get_by_role("combobox", name="Saved scenario").click()
    page.get_by_role("option", name=MIX, exact=True).click()
    wait_ready(page)
    page.get_by_role("button", name="Load", exact=True).click()
    wait_ready(page)
    assert_no_exception(page)
    assert page.get_by_label("Scenario name", exact=True).input_value() == MIX
    assert table_text(page) == after

    # compare the two saved scenarios
    choose(page, "Scenarios to compare (two to four)", "Placement orders, 3-year average")
    choose(page, "Scenarios to compare (two to four)", MIX)
    assert_no_exception(page)
    compare = page.locator('[data-testid="stTable"]').filter(has_text="Difference %").first
    compare.scroll_into_view_if_needed()
    text = compare.inner_text()
    assert MIX in text and "Placement orders, 3-year average" in text
    diff = mixed_kent.contribution - kent.contribution
    assert ("+" if diff > 0 else "") + gbp(diff) in text
    screenshot(page, "scenarios_compare")
