"""The Contribution scenarios page's tables and sentences as people read them, built from the engine's results.

Every function returns a DataFrame of display text (or a sentence) that the page places as it is: money through
the presentation layer (`raa_core.presentation.money_text`, `percent_text`), shares (fractions) as percentages,
changes signed, bounds in words. The rules of the figures themselves are docs/finance.md's (demand-led
contributions, interagency); this module only words them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from raa_core.contributions import formula
from raa_core.contributions.scenario import Scenario
from raa_core.finance.interagency import Compensation
from raa_core.presentation import display, gbp, number_text, percent_text, plain_number, share_text
from raa_core.reference import Reference

#: A council held at a bound of the scenario, in words (nothing when it is not held).
BOUND_LABELS = display.BOUND_LABELS  # the presentation layer's one labels table


def bound_text(b: Any) -> str:
    """'Held at cap' / 'Held at floor' / '' for a bound (`cap`, `floor`, None)."""
    return BOUND_LABELS.get(b if isinstance(b, str) else None, str(b))


def flagged(result: formula.Result) -> list[str]:
    """Every flag of the scenario's figures (a year not complete or not official), once each, sorted."""
    return sorted({f for r in result.rows for f in r.flags})


def contributions_frame(result: formula.Result, ref: Reference | None = None) -> pd.DataFrame:
    """Per year and council: contribution, shares, changes, bound and flags as shown, each year's councils
    followed by their total row (exact to the penny: the year's total, `formula.table`)."""
    t = formula.table(result, ref, totals=True)
    return pd.DataFrame({
        "Year": t["year"], "Council": t["council"],
        "Contribution": [gbp(v) for v in t["contribution"]],
        "Share": [share_text(v, 2) for v in t["share"]],
        "Baseline share": [share_text(v, 1) for v in t["baseline_share"]],
        "Demand share": [share_text(v, 1) for v in t["demand_share"]],
        "Change on previous year": [gbp(v, signed=True) for v in t["change_prev"]],
        "Change on previous year %": [percent_text(v, signed=True) for v in t["change_prev_pct"]],
        "Change on base year": [gbp(v, signed=True) for v in t["change_base"]],
        "Change on base year %": [percent_text(v, signed=True) for v in t["change_base_pct"]],
        "Bound": [bound_text(b) for b in t["bound"]],
        "Flags": t["flags"],
    })


def drivers_frame(result: formula.Result, ref: Reference | None = None) -> pd.DataFrame:
    """Per year, council and driver: weight, the average over the window and the contribution per unit."""
    d = formula.driver_table(result, ref)
    return pd.DataFrame({
        "Year": d["year"], "Council": d["council"], "Driver": d["driver_label"],
        "Weight": [plain_number(w) for w in d["weight"]],
        "Average over the window": [number_text(v, 2) for v in d["average"]],
        "Contribution per unit": [gbp(v) for v in d["cost_per_unit"]],
    })


def backtest_caption(result: formula.Result) -> str:
    """What the backtest shows, with the first modelled year's total."""
    return ("Each driver alone (and the weighted mix) as if it had set the whole total "
            f"({gbp(result.totals[0].total)}) in past years: a volatile driver swings contributions.")


def backtest_summary_frame(bt: pd.DataFrame) -> pd.DataFrame:
    """The backtest's swings per driver and council (`formula.backtest_summary`)."""
    summary = formula.backtest_summary(bt)
    return pd.DataFrame({
        "Driver": summary["driver_label"], "Council": summary["council"], "Years": summary["years"],
        "Largest swing": [gbp(v) for v in summary["max_swing"]],
        "Average swing": [gbp(v) for v in summary["mean_abs_swing"]],
        "Largest swing %": [percent_text(v, signed=True) for v in summary["max_swing_pct"]],
    })


def backtest_frame(bt: pd.DataFrame) -> pd.DataFrame:
    """The backtest year by year (an empty frame when there is nothing to test)."""
    if bt.empty:
        return pd.DataFrame()
    return pd.DataFrame({
        "Driver": bt["driver_label"], "Year": bt["year"], "Council": bt["council"],
        "Share": [share_text(v, 2) for v in bt["share"]], "Contribution": [gbp(v) for v in bt["contribution"]],
        "Swing": [gbp(v, signed=True) for v in bt["swing"]],
        "Flagged": ["yes" if f else "" for f in bt["flagged"]],
    })


def sensitivity_caption(s: Scenario, year: str) -> str:
    """What the sensitivity shows: one more unit recorded in the last year the basis reads (docs/finance.md):
    the year before `year` for past-year averages, the forecast of `year` itself for the forecast basis."""
    if s.basis == "forecast":
        return (f"One more unit of a driver in one council in the {year} forecast (a driver the forecast does not "
                f"give: in {s.previous_year(year)}, moving its {s.window_years}-year average by 1/{s.window_years}), "
                f"and what it moves in {year}.")
    return (f"One more unit of a driver in one council, recorded in {s.previous_year(year)} "
            f"(its {s.window_years}-year average moves by 1/{s.window_years}), and what it moves in {year}.")


def sensitivity_frame(sens: pd.DataFrame) -> pd.DataFrame:
    """Money moved in each council by one more (or one fewer) unit of a driver in one council."""
    return pd.DataFrame({
        "Driver": sens["driver_label"], "One more in": sens["unit_council"], "Council": sens["council"],
        "£ moved (+1)": [gbp(v, signed=True) for v in sens["plus_one"]],
        "£ moved (−1)": [gbp(v, signed=True) for v in sens["minus_one"]],
    })


def comparison_frame(cmp: pd.DataFrame, first: str) -> pd.DataFrame:
    """Scenarios side by side (`formula.compare`), the differences from the first one chosen (`first`)."""
    return pd.DataFrame({
        "Scenario": cmp["scenario"], "Year": cmp["year"], "Council": cmp["council"],
        "Contribution": [gbp(v) for v in cmp["contribution"]], "Share": [share_text(v, 2) for v in cmp["share"]],
        f"Difference from “{first}”": [gbp(v, signed=True) for v in cmp["difference"]],
        "Difference %": [percent_text(v, signed=True) for v in cmp["difference_pct"]],
        "Bound": [bound_text(b) for b in cmp["bound"]],
    })


def comparison_note(cmp: pd.DataFrame) -> str | None:
    """A sentence when the scenarios compared do not all model the same years (a 2-year against a 3-year
    scenario, or other base years): which years have no difference from the first, and why. None when every
    scenario's years are the first one's."""
    if cmp.empty:
        return None
    first_order = cmp["order"].min()
    first = str(cmp.loc[cmp["order"] == first_order, "scenario"].iloc[0])
    first_years = set(cmp.loc[cmp["order"] == first_order, "year"])
    others = cmp[cmp["order"] != first_order]
    extra = sorted(set(others["year"]) - first_years)
    if not extra:
        return None
    shared = sorted(set(others["year"]) & first_years)
    years = ", ".join(extra)
    if not shared:
        return (f"“{first}” models none of the years of the other scenarios, so there are no differences to "
                f"draw: choose scenarios that model the same years, or compare their contributions in the table.")
    return (f"“{first}” does not model {years}: the differences are shown for the years both scenarios model "
            f"({', '.join(shared)}), and left blank for {years}.")


def saved_caption(saved: pd.DataFrame, picked: Sequence[str]) -> str:
    """Who saved each chosen scenario and when (UTC, to the minute)."""
    return "Saved: " + "; ".join(
        f"“{display.md_escape(r.name)}” by {display.md_escape(r.saved_by)} at {r.saved_at[:16].replace('T', ' ')} UTC"
        for r in saved[saved["name"].isin(list(picked))].itertuples())


def compensation_frame(comp: Compensation) -> pd.DataFrame:
    """Each council's position in the go-live compensation (`interagency.Compensation`)."""
    return pd.DataFrame({
        "Council": [p.council for p in comp.positions],
        "Approved adopters waiting": [p.adopters_waiting for p in comp.positions],
        "Children waiting": [p.children_waiting for p in comp.positions],
        "Value brought": [gbp(p.value_brought) for p in comp.positions],
        "Contribution share": [share_text(p.share, 1) for p in comp.positions],
        "Fair share of the pool": [gbp(p.fair_share) for p in comp.positions],
        "Compensation (+ owed, − owes)": [gbp(p.compensation, signed=True) for p in comp.positions],
    })
