"""The forecast's chart: the last three years' actuals, then the forecast with its 80% and 95% bands
(docs/forecast.md, "The page"). Counts of 1 to `count_max` are left out of the publication view's chart, as the
tables hide them (raa_core/suppression.py)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from raa_core.forecast.model import MONEY, Forecast
from raa_core.performance.performance_charts import area_colour
from raa_core.presentation import palette
from raa_core.presentation.forecast_text import MEASURE_LABELS


def _hide_small(values: list[float], count_max: int, publication: bool, money: bool) -> list[float | None]:
    if not publication or money:
        return list(values)
    return [None if 1 <= round(v) <= count_max else v for v in values]


def forecast_chart(f: Forecast, area: str, measure: str, *, publication: bool, count_max: int) -> go.Figure:
    """Monthly actuals (solid) then the monthly forecast (dashed) inside its 95% (light) and 80% (darker) bands."""
    money = measure in MONEY
    h = f.history[(f.history["area"] == area) & (f.history["measure"] == measure)]
    rows = f.rows[(f.rows["area"] == area) & (f.rows["measure"] == measure)].iloc[1:]
    if f.step != "month":
        rows = rows.assign(end=rows["end"])
    x = [pd.Timestamp(d) for d in rows["end"]]
    colour = area_colour(area, palette.AREA_DEFAULT) or palette.AREA_DEFAULT

    def ys(col: pd.Series) -> list[float | None]:
        return _hide_small([float(v) for v in col], count_max, publication, money)

    fig = go.Figure()
    fig.add_trace(go.Scatter(x=x + x[::-1], y=ys(rows["high95"]) + ys(rows["low95"])[::-1], fill="toself",
                             fillcolor=palette.RANGE_95, line={"width": 0}, name="95% range",
                             hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=x + x[::-1], y=ys(rows["high80"]) + ys(rows["low80"])[::-1], fill="toself",
                             fillcolor=palette.RANGE_80, line={"width": 0}, name="80% range",
                             hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=x, y=ys(rows["forecast"]), mode="lines+markers", name="Forecast",
                             line={"dash": "dash", "color": colour}))
    fig.add_trace(go.Scatter(x=[pd.Timestamp(d) for d in h["end"]], y=ys(h["actual"]), mode="lines",
                             name="What happened", line={"color": colour}))
    per = "a month" if f.step == "month" else "a quarter"
    fig.update_layout(title=f"{MEASURE_LABELS[measure]} {per if measure != 'children_waiting' else ''}".strip(),
                      yaxis_title="£" if money else "children" if measure not in ("approvals", "approvals_needed")
                      else "households", margin={"t": 50, "b": 20},
                      hovermode="x unified")
    return fig
