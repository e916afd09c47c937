"""Plotly figures for the Budget page, each built from a small DataFrame that is also returned for
download, so a chart's numbers are exactly `raa_core`'s."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import plotly.graph_objects as go

from raa_core.finance.monitoring import Monitoring
from raa_core.presentation import MoneyUnit, axis_title, money_axis_range, palette, scaled
from raa_core.presentation.text import REFERENCE_LINE

OVER = palette.OVER
UNDER = palette.UNDER
BUDGET = palette.BUDGET


def _lines_for(mon: Monitoring, la_code: int | None) -> pd.DataFrame:
    lines = mon.lines
    return lines if la_code is None else lines[lines["la_code"] == la_code]


def variance_by_line_data(
    mon: Monitoring, la_code: int | None = None, labels: dict[str, str] | None = None, column: str = "variance"
) -> pd.DataFrame:
    """Variance (or movement) per budget area and cost line, summed over councils (or one council),
    sorted largest overspend first. Lines without a forecast are left out."""
    lines = _lines_for(mon, la_code)
    lines = lines[lines[column].notna()]
    labels = labels or {}
    cols = ["budget_area", "cost_line", "label", column]
    if lines.empty:
        return pd.DataFrame(columns=cols)
    data = (
        lines.groupby(["budget_area", "cost_line"], sort=False)
        .agg(value=(column, "sum"), sort_order=("sort_order", "min"))
        .reset_index()
        .rename(columns={"value": column})
    )
    data["label"] = [labels.get(c, c) for c in data["cost_line"]]
    data["_v"] = data[column].astype(float)
    data = data.sort_values(["_v", "sort_order"], ascending=[False, True])[cols]
    return data.reset_index(drop=True)


def _bar(data: pd.DataFrame, column: str, title: str, overspend_positive: bool,
         unit: MoneyUnit = MoneyUnit.POUNDS) -> go.Figure:
    sign = 1 if overspend_positive else -1
    values = [v * sign for v in scaled(list(data[column]), unit)] if not data.empty else []
    colours = [OVER if v * sign > 0 else UNDER for v in values]
    fig = go.Figure(
        go.Bar(
            x=values,
            y=list(data["label"]) if not data.empty else [],
            orientation="h",
            marker_color=colours,
            hovertemplate="%{y}: %{x:,.2f}" + ("k" if unit is MoneyUnit.THOUSANDS else "") + "<extra></extra>",
        )
    )
    fig.update_layout(
        title=title,
        xaxis_title=axis_title(unit, "overspend +" if overspend_positive else "underspend +"),
        yaxis={"autorange": "reversed"},
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
    )
    return fig


def variance_by_line(
    mon: Monitoring,
    la_code: int | None = None,
    labels: dict[str, str] | None = None,
    overspend_positive: bool = True,
    unit: MoneyUnit = MoneyUnit.POUNDS,
) -> go.Figure:
    """Sorted horizontal bar of forecast variance by cost line (overspends red, underspends green)."""
    data = variance_by_line_data(mon, la_code, labels, "variance")
    return _bar(data, "variance", f"Forecast variance by line, period {mon.period}", overspend_positive, unit)


def movement_by_line(
    mon: Monitoring,
    la_code: int | None = None,
    labels: dict[str, str] | None = None,
    overspend_positive: bool = True,
    unit: MoneyUnit = MoneyUnit.POUNDS,
) -> go.Figure:
    """Sorted bar of the change in forecast since the previous period, by cost line."""
    data = variance_by_line_data(mon, la_code, labels, "movement")
    return _bar(data, "movement", f"Movement in forecast since period {(mon.period or 1) - 1}", overspend_positive,
                unit)


def outturn_trend_data(trend: pd.DataFrame, la_code: int | None = None, budget_area: str | None = None) -> pd.DataFrame:
    """Per period: budget and forecast outturn summed over the chosen council(s) and area(s)."""
    t = trend
    if la_code is not None:
        t = t[t["la_code"] == la_code]
    if budget_area is not None:
        t = t[t["budget_area"] == budget_area]
    if t.empty:
        return pd.DataFrame(columns=["period", "budget", "forecast"])
    data = (
        t.assign(
            missing=t["forecast"].isna(),
            forecast=[Decimal("0.00") if pd.isna(v) else v for v in t["forecast"]],
        )
        .groupby("period", sort=True)
        .agg(budget=("budget", "sum"), forecast=("forecast", "sum"), missing=("missing", "any"))
        .reset_index()
    )
    data["forecast"] = [None if m else f for f, m in zip(data["forecast"], data["missing"], strict=True)]
    data["period"] = data["period"].astype(int)
    return data[["period", "budget", "forecast"]]


def outturn_trend(
    trend: pd.DataFrame,
    la_code: int | None = None,
    budget_area: str | None = None,
    title: str | None = None,
    unit: MoneyUnit = MoneyUnit.POUNDS,
) -> go.Figure:
    """Forecast outturn at each period against the budget line (input: `monitoring.forecast_trend`).
    The money axis starts at zero (an axis from £3.27m made a 2% movement look like a collapse)."""
    data = outturn_trend_data(trend, la_code, budget_area)
    x = list(data["period"])
    forecast, budget = scaled(list(data["forecast"]), unit), scaled(list(data["budget"]), unit)
    k = "k" if unit is MoneyUnit.THOUSANDS else ""
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=x,
            y=forecast,
            mode="lines+markers",
            name="Forecast outturn",
            hovertemplate="P%{x}: £%{y:,.2f}" + k + "<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=budget,
            mode="lines",
            name="Budget",
            line={"dash": "dash", "color": BUDGET},
            meta=REFERENCE_LINE,
            hovertemplate="Budget: £%{y:,.2f}" + k + "<extra></extra>",
        )
    )
    fig.update_layout(
        title=title or "Forecast outturn by period against the budget",
        xaxis={"title": "Period (1 = April)", "dtick": 1},
        yaxis={"title": axis_title(unit), "range": list(money_axis_range(forecast + budget)), "rangemode": "tozero",
               "tickformat": ",.0f"},
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
    )
    return fig
