"""Plotly figures for the Scenarios page, each drawn from a DataFrame of `contributions` (also offered for
download), so a chart's numbers are exactly the engine's."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from raa_core.money import to_decimal
from raa_core.presentation import MoneyUnit, axis_title, missing, money_rounded, palette, rounded

#: One colour per council position (code order), colour-blind safe.
PALETTE = palette.SCENARIO


def _layout(fig: go.Figure, title: str, yaxis: str) -> go.Figure:
    fig.update_layout(title=title, height=380, margin={"l": 10, "r": 10, "t": 50, "b": 10},
                      yaxis_title=yaxis, hovermode="x unified")
    return fig


def shares_data(table: pd.DataFrame) -> pd.DataFrame:
    """Share (%) per council and year, from `contributions.table` (base year first)."""
    out = table[["year", "la_code", "council", "share", "formula_share", "bound"]].copy()
    out["share_pct"] = [float(rounded(to_decimal(v) * 100, 2)) for v in out["share"]]  # half up, as the table
    return out


def shares_figure(table: pd.DataFrame) -> go.Figure:
    """Each council's share of the total over the years (base year, then each modelled year); a point
    held at a cap or floor is marked."""
    data = shares_data(table)
    fig = go.Figure()
    for i, (_, g) in enumerate(data.groupby("la_code", sort=True)):
        colour = PALETTE[i % len(PALETTE)]
        fig.add_trace(go.Scatter(
            x=list(g["year"]), y=list(g["share_pct"]), name=str(g["council"].iloc[0]), mode="lines+markers",
            line={"color": colour, "width": 3},
            marker={"size": [12 if isinstance(b, str) else 7 for b in g["bound"]],
                    "symbol": ["diamond" if isinstance(b, str) else "circle" for b in g["bound"]]},
            customdata=[f"held at {b}" if isinstance(b, str) else "" for b in g["bound"]],
            hovertemplate="%{x}: %{y:.2f}% %{customdata}<extra>" + str(g["council"].iloc[0]) + "</extra>"))
    return _layout(fig, "Share of the total by year (diamond: held at a cap or floor)", "share of total (%)")


def comparison_data(cmp: pd.DataFrame) -> pd.DataFrame:
    """From `contributions.compare`: per scenario (after the first), year and council, the difference (£).

    Scenarios may model different years (a 2-year and a 3-year scenario, or other base years): a year the
    first scenario does not model has no difference, and is left out rather than drawn as nothing."""
    cols = ["scenario", "year", "la_code", "council", "difference", "difference_pct"]
    if cmp.empty:
        return pd.DataFrame(columns=cols)
    rows = cmp[cmp["order"] != cmp["order"].min()]
    return rows[[not missing(v) for v in rows["difference"]]][cols]


def comparison_figure(cmp: pd.DataFrame) -> go.Figure | None:
    """Bars of each scenario's difference from the first, per council and year (£); None when no year is
    modelled by the first scenario and another one (nothing to draw: the page says so in a sentence)."""
    data = comparison_data(cmp)
    if data.empty:
        return None
    first = cmp.loc[cmp["order"] == cmp["order"].min(), "scenario"].iloc[0]
    fig = go.Figure()
    for i, ((name, council), g) in enumerate(data.groupby(["scenario", "council"], sort=False)):
        fig.add_trace(go.Bar(
            x=list(g["year"]), y=[float(money_rounded(v)) for v in g["difference"]], name=f"{name}: {council}",
            marker_color=PALETTE[i % len(PALETTE)],
            hovertemplate="%{x}: £%{y:,.2f}<extra>" + f"{name}: {council}" + "</extra>"))
    fig.update_layout(barmode="group")
    # 4,000 on the axis, the unit in its title (as the budget charts): a prefix would read "£−15,000" below zero
    fig.update_yaxes(tickformat=",.0f")
    return _layout(fig, f"Difference from “{first}” (positive = the council pays more)", axis_title(MoneyUnit.POUNDS,
                                                                                                    "Difference"))
