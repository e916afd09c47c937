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
from raa_core.presentation import missing
from raa_core.presentation.text import money_text, percent_text
from raa_core.reference import Reference

#: A council held at a bound of the scenario, in words (nothing when it is not held).
BOUND_LABELS: dict[str | None, str] = {"cap": "Held at cap", "floor": "Held at floor", None: ""}


def bound_text(b: Any) -> str:
    """'Held at cap' / 'Held at floor' / '' for a bound (`cap`, `floor`, None)."""
    return BOUND_LABELS.get(b if isinstance(b, str) else None, str(b))


def share_text(v: Any, decimals: int = 1) -> str:
    """A share (a fraction: 0.123) as a percentage, '12.3%'; a missing share as a dash."""
    return percent_text(None if missing(v) else float(v) * 100, decimals)


def change_pct_text(v: Any, decimals: int = 1) -> str:
    """A change already in percent (2.5) with its sign, '+2.5%'."""
    return percent_text(v, decimals, signed=True)


def pounds_text(v: Any) -> str:
    """Money to the penny, a negative with a minus sign: '£1,234.56', '-£12.00'."""
    return money_text(v, brackets=False)


def change_text(v: Any) -> str:
    """A change in money to the penny with its sign: '+£1,234.56', '-£12.00', '£0.00'."""
    shown = pounds_text(v)
    return "+" + shown if not missing(v) and v > 0 else shown


def flagged(result: formula.Result) -> list[str]:
    """Every flag of the scenario's figures (a year not complete or not official), once each, sorted."""
    return sorted({f for r in result.rows for f in r.flags})


def contributions_frame(result: formula.Result, ref: Reference | None = None) -> pd.DataFrame:
    """Per year and council: contribution, shares, changes, bound and flags as shown."""
    t = formula.table(result, ref)
    return pd.DataFrame({
        "Year": t["year"], "Council": t["council"],
        "Contribution": [pounds_text(v) for v in t["contribution"]],
        "Share": [share_text(v, 2) for v in t["share"]],
        "Baseline share": [share_text(v) for v in t["baseline_share"]],
        "Demand share": [share_text(v) for v in t["demand_share"]],
        "Change on previous year": [change_text(v) for v in t["change_prev"]],
        "Change on previous year %": [change_pct_text(v) for v in t["change_prev_pct"]],
        "Change on base year": [change_text(v) for v in t["change_base"]],
        "Change on base year %": [change_pct_text(v) for v in t["change_base_pct"]],
        "Bound": [bound_text(b) for b in t["bound"]],
        "Flags": t["flags"],
    })


def drivers_frame(result: formula.Result, ref: Reference | None = None) -> pd.DataFrame:
    """Per year, council and driver: weight, the average over the window and the contribution per unit."""
    d = formula.driver_table(result, ref)
    return pd.DataFrame({
        "Year": d["year"], "Council": d["council"], "Driver": d["driver_label"],
        "Weight": [f"{float(w):g}" for w in d["weight"]],
        "Average over the window": [f"{float(v):,.2f}" for v in d["average"]],
        "Contribution per unit": [pounds_text(v) for v in d["cost_per_unit"]],
    })


def backtest_caption(result: formula.Result) -> str:
    """What the backtest shows, with the first modelled year's total."""
    return ("Each driver alone (and the weighted mix) as if it had set the whole total "
            f"({pounds_text(result.totals[0].total)}) in past years: a volatile driver swings contributions.")


def backtest_summary_frame(bt: pd.DataFrame) -> pd.DataFrame:
    """The backtest's swings per driver and council (`formula.backtest_summary`)."""
    summary = formula.backtest_summary(bt)
    return pd.DataFrame({
        "Driver": summary["driver_label"], "Council": summary["council"], "Years": summary["years"],
        "Largest swing": [pounds_text(v) for v in summary["max_swing"]],
        "Average swing": [pounds_text(v) for v in summary["mean_abs_swing"]],
        "Largest swing %": [change_pct_text(v) for v in summary["max_swing_pct"]],
    })


def backtest_frame(bt: pd.DataFrame) -> pd.DataFrame:
    """The backtest year by year (an empty frame when there is nothing to test)."""
    if bt.empty:
        return pd.DataFrame()
    return pd.DataFrame({
        "Driver": bt["driver_label"], "Year": bt["year"], "Council": bt["council"],
        "Share": [share_text(v, 2) for v in bt["share"]], "Contribution": [pounds_text(v) for v in bt["contribution"]],
        "Swing": [change_text(v) for v in bt["swing"]],
        "Flagged": ["yes" if f else "" for f in bt["flagged"]],
    })


def sensitivity_caption(s: Scenario, year: str) -> str:
    """What the sensitivity shows: one more unit recorded in the year before `year` (docs/finance.md)."""
    return (f"One more unit of a driver in one council, recorded in {s.previous_year(year)} "
            f"(its {s.window_years}-year average moves by 1/{s.window_years}), and what it moves in {year}.")


def sensitivity_frame(sens: pd.DataFrame) -> pd.DataFrame:
    """Money moved in each council by one more (or one fewer) unit of a driver in one council."""
    return pd.DataFrame({
        "Driver": sens["driver_label"], "One more in": sens["unit_council"], "Council": sens["council"],
        "£ moved (+1)": [change_text(v) for v in sens["plus_one"]],
        "£ moved (−1)": [change_text(v) for v in sens["minus_one"]],
    })


def comparison_frame(cmp: pd.DataFrame, first: str) -> pd.DataFrame:
    """Scenarios side by side (`formula.compare`), the differences from the first one chosen (`first`)."""
    return pd.DataFrame({
        "Scenario": cmp["scenario"], "Year": cmp["year"], "Council": cmp["council"],
        "Contribution": [pounds_text(v) for v in cmp["contribution"]], "Share": [share_text(v, 2) for v in cmp["share"]],
        f"Difference from “{first}”": [change_text(v) for v in cmp["difference"]],
        "Difference %": [change_pct_text(v) for v in cmp["difference_pct"]],
        "Bound": [bound_text(b) for b in cmp["bound"]],
    })


def saved_caption(saved: pd.DataFrame, picked: Sequence[str]) -> str:
    """Who saved each chosen scenario and when (UTC, to the minute)."""
    return "Saved: " + "; ".join(
        f"“{r.name}” by {r.saved_by} at {r.saved_at[:16].replace('T', ' ')} UTC"
        for r in saved[saved["name"].isin(list(picked))].itertuples())


def compensation_frame(comp: Compensation) -> pd.DataFrame:
    """Each council's position in the go-live compensation (`interagency.Compensation`)."""
    return pd.DataFrame({
        "Council": [p.council for p in comp.positions],
        "Approved adopters waiting": [p.adopters_waiting for p in comp.positions],
        "Children waiting": [p.children_waiting for p in comp.positions],
        "Value brought": [pounds_text(p.value_brought) for p in comp.positions],
        "Contribution share": [share_text(p.share) for p in comp.positions],
        "Fair share of the pool": [pounds_text(p.fair_share) for p in comp.positions],
        "Compensation (+ owed, − owes)": [change_text(p.compensation) for p in comp.positions],
    })
