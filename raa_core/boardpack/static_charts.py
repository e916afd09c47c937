"""Static charts for printed output (the board pack's PDF), drawn with matplotlib's Agg backend to PNG.

The figures are the same frames the pages chart with plotly (`performance_charts`, `budget_charts`), so a
printed chart shows exactly raa_core's numbers; money axes start at zero (`presentation.money_axis_range`),
so a 2% movement looks like 2%. No browser and no system package is needed (matplotlib is a wheel).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.ticker import FuncFormatter

from raa_core.finance.budget_charts import BUDGET, OVER, UNDER, outturn_trend_data
from raa_core.performance.performance_charts import THRESHOLD_COLOUR, area_colour
from raa_core.presentation import MoneyUnit, axis_title, missing, money_axis_range, number_text, palette, scaled
from raa_core.presentation.display import THRESHOLD_BADGES

#: Printed width and height of a chart in inches (A4 landscape text width is about 10.7 in).
SIZE = (9.6, 3.6)
DPI = 110
plt.rcParams.update({
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
})


def _png(fig: plt.Figure) -> bytes:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=DPI)
    plt.close(fig)
    return buf.getvalue()


def _thousands(x: float, _pos: int) -> str:
    return number_text(x, 0)


def _trend_axes(ax: plt.Axes, data: pd.DataFrame, indicator: str, title: str, legend: bool) -> None:
    periods = list(dict.fromkeys(data["period"]))
    for area, rows in data.groupby("area", sort=False):
        ys = [float("nan") if missing(v) else float(v) for v in rows["value"]]
        xs = [periods.index(p) for p in rows["period"]]
        label = rows["area_name"].iloc[0] if "area_name" in rows else str(area)
        ax.plot(xs, ys, marker="o", markersize=3, label=label, color=area_colour(area, palette.NEUTRAL),
                linewidth=2 if area == "region" else 1.2)
    thr = [float("nan") if missing(v) else float(v) for v in data.drop_duplicates("period")["threshold"]]
    if any(t == t for t in thr):
        ax.plot(range(len(thr)), thr, linestyle="--", color=THRESHOLD_COLOUR, label="Threshold")
    ax.set_xticks(range(len(periods)), periods, fontsize=7)
    ax.set_ylabel("%" if indicator == "A3" else "days")
    ax.set_ylim(bottom=0)
    ax.set_title(title, loc="left", fontsize=9)
    ax.grid(axis="y", alpha=0.3)
    if legend:
        ax.legend(loc="lower left", fontsize=7, frameon=False, ncol=2)


def trend_png(data: pd.DataFrame, indicator: str, title: str) -> bytes:
    """An indicator by year for each area (line per area), the threshold dashed; hidden points absent."""
    fig, ax = plt.subplots(figsize=SIZE)
    _trend_axes(ax, data, indicator, title, True)
    return _png(fig)


def trends_png(data: pd.DataFrame, titles: dict[str, str]) -> bytes:
    """Every indicator's trend on one figure (2 x 2), each axis from zero with its threshold."""
    fig, axes = plt.subplots(2, 2, figsize=(SIZE[0], SIZE[1] * 1.7))
    for i, (ax, (ind, title)) in enumerate(zip(axes.flat, titles.items(), strict=False)):
        _trend_axes(ax, data[data["indicator"] == ind], ind, title, i == 0)
    return _png(fig)


def scorecard_png(region: pd.DataFrame, title: str) -> bytes:
    """The region's figure beside the threshold for each indicator (bars from zero)."""
    fig, axes = plt.subplots(1, len(region), figsize=SIZE)
    axes = axes if isinstance(axes, Sequence) or hasattr(axes, "__len__") else [axes]
    for ax, row in zip(axes, region.itertuples(index=False), strict=True):
        value = None if missing(row.value) else float(row.value)
        thr = None if missing(row.threshold) else float(row.threshold)
        colour = {"green": UNDER, "red": OVER}.get(str(row.rag), palette.NEUTRAL)
        ax.bar([0], [value or 0], color=colour, width=0.6)
        # the RAG in words under the figure, not the bar's colour alone (WCAG 2.2 1.4.1 Use of Color)
        words = THRESHOLD_BADGES.get(str(row.rag), ("",))[0]
        shown = "no figure" if value is None else number_text(value, 0)
        ax.text(0, (value or 0), f"{shown}\n{words}".strip(), ha="center", va="bottom", fontsize=8)
        if thr is not None:
            ax.axhline(thr, color=THRESHOLD_COLOUR, linestyle="--", linewidth=1)
            ax.text(0.45, thr, f"threshold {number_text(thr, 0)}", color=THRESHOLD_COLOUR, ha="right", va="bottom", fontsize=7)
        top = max(v for v in (value, thr, 1.0) if v is not None)
        ax.set_ylim(0, top * 1.2)
        ax.set_xticks([])
        ax.set_title(f"{row.indicator} ({'%' if row.indicator == 'A3' else 'days'})")
    fig.suptitle(title, x=0.01, ha="left", fontsize=10, fontweight="bold")
    return _png(fig)


def waiting_png(data: pd.DataFrame, title: str) -> bytes:
    """Children waiting and approved adopter households waiting at each date (counts from zero)."""
    fig, ax = plt.subplots(figsize=SIZE)
    labels = [f"{d:%b %y}" for d in data["at"]]
    xs = range(len(labels))
    ax.plot(xs, list(data["children"]), marker="o", label="Children waiting", color=palette.SERIES)
    ax.plot(xs, list(data["adopters"]), marker="s", label="Approved households waiting", color=palette.SERIES_SECOND)
    step = max(1, len(labels) // 12)
    ax.set_xticks(list(xs)[::step], labels[::step])
    ax.set_ylim(bottom=0)
    ax.set_ylabel("count")
    ax.set_title(title, loc="left")
    ax.legend(frameon=False)
    ax.grid(axis="y", alpha=0.3)
    return _png(fig)


def outturn_png(trend: pd.DataFrame, title: str, unit: MoneyUnit) -> bytes:
    """Forecast outturn at each period against the budget; the money axis starts at zero."""
    data = outturn_trend_data(trend)
    fig, ax = plt.subplots(figsize=SIZE)
    xs = list(data["period"])
    forecast, budget = scaled(list(data["forecast"]), unit), scaled(list(data["budget"]), unit)
    ax.plot(xs, [float("nan") if v is None else v for v in forecast], marker="o", label="Forecast outturn")
    ax.plot(xs, [float("nan") if v is None else v for v in budget], linestyle="--", color=BUDGET, label="Budget")
    lo, hi = money_axis_range(forecast + budget)
    ax.set_ylim(lo, hi)
    ax.yaxis.set_major_formatter(FuncFormatter(_thousands))
    ax.set_xticks(xs, [f"P{p}" for p in xs])
    ax.set_ylabel(axis_title(unit))
    ax.set_title(title + " (axis from zero)", loc="left")
    ax.legend(frameon=False, loc="lower right")
    ax.grid(axis="y", alpha=0.3)
    return _png(fig)


def variance_png(data: pd.DataFrame, title: str, unit: MoneyUnit, top: int = 12) -> bytes:
    """Variance by cost line summed over councils, largest first (overspend red, underspend green)."""
    summed = data.dropna(subset=["variance"]).groupby("line", sort=False)["variance"].sum()
    summed = summed.reindex(summed.abs().sort_values(ascending=False).index)[:top]
    values = scaled(list(summed), unit)
    fig, ax = plt.subplots(figsize=(SIZE[0], max(2.4, 0.28 * len(values) + 0.9)))
    ax.barh(range(len(values)), [v or 0 for v in values], color=[OVER if (v or 0) > 0 else UNDER for v in values])
    ax.set_yticks(range(len(values)), list(summed.index))
    ax.invert_yaxis()
    ax.axvline(0, color=palette.BUDGET, linewidth=0.8)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _p: number_text(x, 1 if unit is MoneyUnit.THOUSANDS else 0)))
    ax.set_xlabel(axis_title(unit, "overspend +"))
    ax.set_title(title, loc="left")
    ax.grid(axis="x", alpha=0.3)
    return _png(fig)
