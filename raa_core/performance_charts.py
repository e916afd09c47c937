"""Plotly figures for the performance pages, built from raa_core DataFrames (no calculation here).

Each function takes the DataFrame a calculation returned (scorecard, trend, activity, waiting, ...)
and returns a `go.Figure` whose traces carry exactly those numbers; pages only place the figure and
offer the same DataFrame for download. Figures resting on fewer children than the low-number limit are
labelled with `LOW_N_MARK` in their text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from raa_core.journeys import FUNNEL
from raa_core.recruitment import TIMELINESS

LOW_N_MARK = "*"
TIME_INDICATORS = ("A1", "A2", "A10")
UNITS = {"A1": "days", "A2": "days", "A3": "% within 14 months", "A10": "days"}
AREA_LABELS = {"region": "Region (all children)", "region_mean": "Mean of councils"}


def _none(v: object) -> object:
    return None if v is None or pd.isna(v) else v  # type: ignore[call-overload]


def _values(s: pd.Series) -> list[object]:
    return [_none(v) for v in s]


def area_label(area: str, names: Mapping[str, str] | None = None) -> str:
    """Display name of an area: council short name (from `names`), or the region labels."""
    if area in AREA_LABELS:
        return AREA_LABELS[area]
    return (names or {}).get(str(area), str(area))


def _text(values: Sequence[object], low: Sequence[bool] | None = None) -> list[str]:
    low = low if low is not None else [False] * len(values)
    return ["" if v is None else f"{v}{LOW_N_MARK if flag else ''}" for v, flag in zip(values, low, strict=True)]


def trend_chart(
    trend_df: pd.DataFrame,
    indicator: str,
    names: Mapping[str, str] | None = None,
    areas: Sequence[str] | None = None,
) -> go.Figure:
    """Lines by area over successive periods, with the threshold line where there is one."""
    df = trend_df[trend_df["indicator"] == indicator]
    periods = list(dict.fromkeys(df["period"]))
    fig = go.Figure()
    wanted = list(areas) if areas is not None else [a for a in dict.fromkeys(df["area"]) if a != "region_mean"]
    for area in wanted:
        rows = df[df["area"] == area].set_index("period").reindex(periods)
        values = _values(rows["value"])
        fig.add_trace(
            go.Scatter(
                x=periods,
                y=values,
                mode="lines+markers+text",
                name=area_label(area, names),
                text=_text(values, [bool(x) for x in rows["low_n"].fillna(False)]),
                textposition="top center",
                customdata=rows["n"].fillna(0).astype(int).tolist(),
                hovertemplate="%{x}: %{y} (n=%{customdata})<extra>%{fullData.name}</extra>",
                line={"dash": "dot"} if area == "region" else None,
            )
        )
    thresholds = df.drop_duplicates("period").set_index("period").reindex(periods)["threshold"]
    if thresholds.notna().any():
        fig.add_trace(
            go.Scatter(
                x=periods, y=_values(thresholds), mode="lines", name="Threshold", line={"color": "grey", "dash": "dash"}
            )
        )
    fig.update_layout(title=f"{indicator} by period", yaxis_title=UNITS.get(indicator, ""), xaxis_type="category")
    return fig


def council_comparison(scorecard_df: pd.DataFrame, indicator: str, names: Mapping[str, str] | None = None) -> go.Figure:
    """Bars per council (and the region) for one indicator, with threshold and national lines."""
    df = scorecard_df[(scorecard_df["indicator"] == indicator) & (scorecard_df["area"] != "region_mean")]
    labels = [area_label(a, names) for a in df["area"]]
    values = _values(df["value"])
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=values,
            name=indicator,
            text=_text(values, [bool(x) for x in df["low_n"]]),
            customdata=df["n"].astype(int).tolist(),
            hovertemplate="%{x}: %{y} (n=%{customdata})<extra></extra>",
        )
    )
    for col, label, dash in (("threshold", "Threshold", "dash"), ("national", "National", "dot")):
        v = _none(df[col].iloc[0]) if len(df) else None
        if v is not None:
            fig.add_trace(
                go.Scatter(
                    x=labels, y=[v] * len(labels), mode="lines", name=label, line={"color": "grey", "dash": dash}
                )
            )
    fig.update_layout(title=f"{indicator}: councils compared", yaxis_title=UNITS.get(indicator, ""))
    return fig


def region_vs_mean(scorecard_df: pd.DataFrame, indicators: Sequence[str] = TIME_INDICATORS) -> go.Figure:
    """The child-weighted region figure beside the plain mean of council figures, per indicator."""
    fig = go.Figure()
    for area in ("region", "region_mean"):
        rows = scorecard_df[scorecard_df["area"] == area].set_index("indicator").reindex(list(indicators))
        values = _values(rows["value"])
        fig.add_trace(go.Bar(x=list(indicators), y=values, name=AREA_LABELS[area], text=_text(values)))
    fig.update_layout(barmode="group", title="Region (all children) and mean of councils", yaxis_title="days")
    return fig


def waiting_vs_adopters(sufficiency_df: pd.DataFrame, area: str = "region") -> go.Figure:
    """Children waiting with a placement order and approved households waiting, over time."""
    df = sufficiency_df[sufficiency_df["area"] == area].sort_values("at")
    x = [str(d) for d in df["at"]]
    fig = go.Figure(
        [
            go.Scatter(
                x=x,
                y=df["children_waiting_with_po"].tolist(),
                mode="lines+markers",
                name="Children waiting (placement order)",
            ),
            go.Scatter(x=x, y=df["adopters_waiting"].tolist(), mode="lines+markers", name="Approved adopters waiting"),
        ]
    )
    fig.update_layout(title="Children waiting and adopters waiting", yaxis_title="number")
    return fig


def a1_distribution_chart(dist_df: pd.DataFrame, threshold: int | None = None, column: str = "a1_days") -> go.Figure:
    """Histogram and box of each child's A1 days (the spread behind the mean)."""
    days = [int(v) for v in dist_df[column].dropna()]
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.25, 0.75], vertical_spacing=0.03)
    fig.add_trace(go.Box(x=days, name="children", boxmean=True, showlegend=False), row=1, col=1)
    fig.add_trace(go.Histogram(x=days, name="children", xbins={"size": 30}, showlegend=False), row=2, col=1)
    if threshold is not None:
        fig.add_vline(x=threshold, line_dash="dash", line_color="grey", annotation_text=f"threshold {threshold}")
    fig.update_layout(title=f"Days from entering care to placement (n={len(days)})")
    fig.update_xaxes(title_text="days", row=2, col=1)
    fig.update_yaxes(title_text="children", row=2, col=1)
    return fig


def journey_funnel(activity_df: pd.DataFrame, area: str, period: str | None = None) -> go.Figure:
    """Funnel of journey events (ADM decision to adoption order) for one area and period."""
    rows = activity_df[activity_df["area"] == area]
    if period is not None:
        rows = rows[rows["period"] == period]
    stages = [s for s, _ in FUNNEL]
    counts = [int(rows[m].sum()) for _, m in FUNNEL]
    fig = go.Figure(go.Funnel(y=stages, x=counts, textinfo="value"))
    fig.update_layout(title="Children's journey: events in the period")
    return fig


def stage_durations_chart(
    stages_df: pd.DataFrame, area: str, period: str | None = None, low_n_below: int = 6
) -> go.Figure:
    """Mean days per journey stage (bars) with the median marked, for one area."""
    rows = stages_df[stages_df["area"] == area]
    if period is not None:
        rows = rows[rows["period"] == period]
    rows = rows.sort_values("stage_order")
    means = _values(rows["mean_days"])
    low = [int(n) < low_n_below for n in rows["n"]]
    fig = go.Figure(
        [
            go.Bar(
                x=rows["stage"].tolist(),
                y=means,
                name="mean days",
                text=_text(means, low),
                customdata=rows["n"].astype(int).tolist(),
                hovertemplate="%{x}: %{y} days (n=%{customdata})<extra></extra>",
            ),
            go.Scatter(
                x=rows["stage"].tolist(),
                y=_values(rows["median_days"]),
                mode="markers",
                name="median days",
                marker={"symbol": "diamond", "size": 10},
            ),
        ]
    )
    fig.update_layout(title="Days in each stage", yaxis_title="days")
    return fig


def waiting_bands_chart(bands_df: pd.DataFrame, area: str) -> go.Figure:
    """Children waiting by ageing band for one area."""
    rows = bands_df[bands_df["area"] == area].sort_values("band_order")
    fig = go.Figure(go.Bar(x=rows["band"].tolist(), y=rows["children"].astype(int).tolist(), name="children"))
    fig.update_layout(title="Children waiting by time since the decision", yaxis_title="children")
    return fig


def timeliness_chart(timeliness_df: pd.DataFrame, area: str, period: str | None = None) -> go.Figure:
    """Percentage of households completing each recruitment step in time, for one area."""
    rows = timeliness_df[timeliness_df["area"] == area]
    if period is not None:
        rows = rows[rows["period"] == period]
    order = {m: i for i, (m, *_rest) in enumerate(TIMELINESS)}
    rows = rows.assign(_o=rows["measure"].map(order)).sort_values("_o")
    pcts = _values(rows["pct"])
    fig = go.Figure(
        go.Bar(
            x=rows["label"].tolist(),
            y=pcts,
            text=_text(pcts, [bool(x) for x in rows["low_n"]]),
            customdata=rows[["within", "n"]].astype(int).values.tolist(),
            hovertemplate="%{x}: %{y}% (%{customdata[0]} of %{customdata[1]})<extra></extra>",
        )
    )
    fig.update_layout(title="Adopter timeliness", yaxis_title="% in time", yaxis_range=[0, 100])
    return fig


PIPELINE: tuple[tuple[str, str], ...] = (
    ("Enquiries", "enquiries"),
    ("Registrations of interest", "rois"),
    ("Stage 1 completed", "stage1_completed"),
    ("Stage 2 started", "stage2_started"),
    ("Approvals", "approvals"),
    ("Matches", "matches"),
    ("Placements", "placements"),
)


def adopter_pipeline(recruitment_df: pd.DataFrame, area: str, period: str | None = None) -> go.Figure:
    """Funnel of adopter households reaching each step in the period, for one area."""
    rows = recruitment_df[recruitment_df["area"] == area]
    if period is not None:
        rows = rows[rows["period"] == period]
    fig = go.Figure(
        go.Funnel(y=[s for s, _ in PIPELINE], x=[int(rows[m].sum()) for _, m in PIPELINE], textinfo="value")
    )
    fig.update_layout(title="Adopter pipeline: households in the period")
    return fig


def activity_series_chart(
    activity_df: pd.DataFrame,
    area: str,
    measures: Sequence[str] = ("placement_orders", "placements", "adoption_orders"),
) -> go.Figure:
    """Quarterly (or yearly) activity counts over time for one area."""
    rows = activity_df[activity_df["area"] == area]
    fig = go.Figure(
        [
            go.Scatter(
                x=rows["period"].tolist(), y=rows[m].astype(int).tolist(), mode="lines", name=m.replace("_", " ")
            )
            for m in measures
        ]
    )
    fig.update_layout(title="Activity over time", yaxis_title="number", xaxis_type="category")
    return fig


def council_vs_region(comparison_df: pd.DataFrame, names: Mapping[str, str] | None = None) -> go.Figure:
    """A council's figures beside the region's and the best partner's (from `indicators.compare_council`)."""
    fig = go.Figure()
    for col, label in (("council", "Council"), ("region", AREA_LABELS["region"]), ("best", "Best partner")):
        values = _values(comparison_df[col])
        fig.add_trace(go.Bar(x=comparison_df["indicator"].tolist(), y=values, name=label, text=_text(values)))
    fig.update_layout(barmode="group", title="Council, region and best-performing partner")
    return fig
