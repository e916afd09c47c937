"""The Pooled budget page's rules, each in its one home (finance.budget_tables, finance.budget, finance.monitoring,
finance.settlement, finance.commentary): tile text, captions, warnings and choices the page only places."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd

from financekit import monitor
from raa_core.finance import budget, budget_tables, commentary, monitoring, settlement
from raa_core.presentation import MoneyUnit, display, percent_text, tile_money
from raa_core.requests import Viewer
from raa_core.store.appstate import AppState

YEAR = "2026-27"


def test_headline_tiles_place_the_totals_with_the_sign_and_rag(sample_con, ref) -> None:
    mon = monitor(sample_con, ref, YEAR)
    for sign in (1, -1):
        tiles = budget_tables.headline(mon, None, sign, MoneyUnit.POUNDS)
        assert [t.title for t in tiles] == ["Pooled", "Adoption support", "Total"]
        for t in tiles:
            total = mon.total(None, t.area)
            assert t.budget == tile_money(total["budget"])
            assert t.variance == tile_money(display.signed(total["variance"], sign))
            assert t.heading.endswith(display.rag_badge(total["rag"]))
            # the % of budget is bracketed when negative, as the page's money is; red for an overspend either way
            pct = display.signed(total["variance_pct"], sign)
            assert t.variance_delta == f"{percent_text(pct, brackets=True)} of budget"
            assert not t.variance_delta.startswith("-") and t.variance.startswith("(") == (pct < 0)
            assert t.delta_arrow == ("down" if pct < 0 else "up")
            assert t.delta_color == ("red" if total["variance_pct"] > 0 else "green")
            assert t.movement_help == f"Forecast now less the forecast at period {mon.period - 1}"
    assert mon.has_movement and monitoring.periods_to(3) == [1, 2, 3]


def test_a_budget_only_year_and_the_baseline(sample_con, ref) -> None:
    base = monitor(sample_con, ref, budget.BASELINE_YEAR)
    tiles = budget_tables.budget_tiles(base, None, MoneyUnit.THOUSANDS)
    assert [t[0] for t in tiles if t] == ["Pooled budget", "Adoption support budget", "Total budget"]
    assert budget_tables.budget_only_caption(budget.BASELINE_YEAR, "the region").endswith(
        "(the business case baseline, before the budgets were pooled).")
    assert budget_tables.budget_only_caption("2020-21", "Kent").endswith("no ledger.")
    assert budget_tables.no_budget_text("2015-16").startswith("No budget is loaded for 2015-16.")
    assert budget.is_baseline_year("2019-20") and not budget.is_baseline_year("2020-21")
    assert budget.is_pay_award_year("2020-21") and not budget.is_pay_award_year("2021-22")
    table = pd.DataFrame({"match": [True, False]})
    assert not budget.baseline_reproduced(table) and list(budget_tables.baseline_shown(table)["match"]) == ["yes", "NO"]


def test_warnings_and_captions_of_the_monitoring_view(ref) -> None:
    names = display.council_names(ref)
    assert budget_tables.behind_text(YEAR, 6, [], names) is None
    assert budget_tables.behind_text(YEAR, 6, [(886, 4)], names) == (
        "Ledger not yet loaded to P6 (Sep 2026) for Kent (to P4): their figures are at their latest period.")
    assert budget_tables.file_period(YEAR, None) == "2026-27_P0"
    assert budget_tables.shares_caption(YEAR, "S", {887: Decimal("0.25"), 886: Decimal("0.75")}, names) == (
        "Shares of 2026-27 under “S”: Kent 75.00%, Medway 25.00%")
    settled = settlement.settle(Decimal("-100.00"), "equal", la_codes=[303, 886])
    assert budget_tables.settlement_caption(settled, -1) == (
        "The forecast pooled underspend of £100.00 shared by equal shares, to the penny; each council's own "
        "adoption support variance stays with it. A positive amount is an underspend returned to the council.")
    assert settlement.any_share({1: Decimal(0), 2: Decimal("0.5")}) and not settlement.any_share({1: Decimal(0)})


def test_comment_choices_and_fresh_comments(sample_con, ref, tmp_path) -> None:
    mon = monitor(sample_con, ref, YEAR)
    choices = budget_tables.comment_choices(mon, display.council_names(ref), display.line_labels(ref), 1)
    variances = [abs(float(mon.lines.set_index(["la_code", "budget_area", "cost_line"]).loc[k, "variance"]))
                 for k in choices]
    assert variances == sorted(variances, reverse=True)
    state = AppState(tmp_path / "appstate.sqlite3")
    key = next(iter(choices))
    hos = Viewer(user="hos.test", role="hos")
    for text, at in (("first", dt.datetime(2026, 11, 1, 9)), ("second", dt.datetime(2026, 11, 2, 9))):
        commentary.add_comment(state, key[0], YEAR, int(mon.period), key[1], key[2], text, hos, at=at)
    fresh = commentary.with_latest(mon, state)
    line = fresh.lines.set_index(["la_code", "budget_area", "cost_line"]).loc[key]
    assert line["comment"] == "second" and line["comment_author"] == "hos.test"
    recorded = commentary.comments(state, YEAR, int(mon.period))
    assert list(commentary.earlier(recorded, commentary.history(state, YEAR, int(mon.period)))["comment"]) == ["first"]
