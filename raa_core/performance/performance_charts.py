"""Plotly figures for the performance pages, built from raa_core DataFrames (no calculation here).

Each function takes the DataFrame a calculation returned (scorecard, trend, activity, waiting, ...)
and returns a `go.Figure` whose traces carry exactly those numbers; pages only place the figure and
offer the same DataFrame for download. Figures resting on fewer children than the low-number limit are
labelled with `LOW_N_MARK` in their text. For the publication view pages pass frames masked by
`suppression.masked`: a hidden figure is absent from the trace and its label reads `x` (`HIDDEN_MARK`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from raa_core.performance.journeys import FUNNEL
from raa_core.performance.recruitment import TIMELINESS
from raa_core.presentation import palette
from raa_core.presentation.display import LOW_N_MARK, area_label
from raa_core.presentation.display import REGION_LABELS as AREA_LABELS
from raa_core.presentation.text import REFERENCE_LINE, missing
from raa_core.reference import THRESHOLD_SET_SHORT, load_reference

HIDDEN_MARK = "x"
TIME_INDICATORS = ("A1", "A2", "A10")
UNITS = {"A1": "days", "A2": "days", "A3": "% within 14 months", "A10": "days"}
#: The region's colours; each council's comes from reference data (`Reference.council_colours`).
REGION_COLOURS = {"region": palette.REGION, "region_mean": palette.REGION_MEAN}


def area_colour(area: object, default: str | None = None) -> str | None:
    """A fixed colour per area so a council looks the same on every chart (councils.csv `colour`)."""
    key = str(area)
    if key in REGION_COLOURS:
        return REGION_COLOURS[key]
    colours = load_reference().council_colours()
    return colours.get(int(key), default) if key.isdigit() else default
THRESHOLD_COLOUR = palette.THRESHOLD
#: The width of the A1 histogram's bins (days), from day 0.
A1_BIN_DAYS = 30
#: Axis labels of the adopter timeliness measures (the full rule is in the hover and the definitions).
TIMELINESS_SHORT = {
    "stage1_2m": "Stage 1 in 2 months",
    "stage2_4m": "Stage 2 in 4 months",
    "approval_6m": "Approved in 6 months",
    "match_3m": "Matched in 3 months",
}


def threshold_name(df: pd.DataFrame) -> str:
    """The legend name of a threshold line: which named set it comes from (docs/indicators.md)."""
    sets = [str(v) for v in df.get("threshold_set", pd.Series(dtype=object)).dropna().unique()]
    return f"Threshold ({', '.join(THRESHOLD_SET_SHORT.get(x, x) for x in sets)})" if sets else "Threshold"


def _none(v: object) -> object:
    return None if missing(v) else v


def _values(s: pd.Series) -> list[object]:
    return [None if _none(v) is None else int(v) if float(v).is_integer() else float(v) for v in s]  # type: ignore[arg-type]


def _flags(rows: pd.DataFrame, col: str) -> list[bool]:
    """The `<col>_hidden` flags of a masked frame (all False for an unmasked one)."""
    flag = f"{col}_hidden"
    return [bool(x) for x in rows[flag].fillna(False)] if flag in rows.columns else [False] * len(rows)


def _low(ns: pd.Series, low_n_below: int) -> list[bool]:
    """Whether each figure rests on fewer children (`n`) than the low-number limit."""
    return [_none(n) is not None and int(n) < low_n_below for n in ns]


def _area_rows(df: pd.DataFrame, area: str, period: str | None = None) -> pd.DataFrame:
    """The rows of one area (and of one period, when given)."""
    rows = df[df["area"] == area]
    return rows if period is None else rows[rows["period"] == period]


def _ints(s: pd.Series) -> list[int]:
    return [0 if _none(v) is None else int(v) for v in s]  # type: ignore[call-overload]


def _text(
    values: Sequence[object], low: Sequence[bool] | None = None, hidden: Sequence[bool] | None = None
) -> list[str]:
    low = low if low is not None else [False] * len(values)
    hidden = hidden if hidden is not None else [False] * len(values)
    return [
        HIDDEN_MARK if h else "" if v is None else f"{v}{LOW_N_MARK if flag else ''}"
        for v, flag, h in zip(values, low, hidden, strict=True)
    ]


def _mark_hidden(fig: go.Figure, xs: Sequence[object], hidden: Sequence[bool]) -> None:
    """Write `x` at the foot of each bar whose figure is suppressed (an absent bar would say nothing)."""
    for x, h in zip(xs, hidden, strict=True):
        if h:
            fig.add_annotation(x=x, y=0, text=HIDDEN_MARK, showarrow=False, yanchor="bottom", font={"size": 14})


def count_axis(fig: go.Figure, values: Sequence[object], axis: str = "y") -> go.Figure:
    """An axis of counts in whole numbers (never 0.5 of a child), from zero; a tick per unit when small."""
    top = max([int(v) for v in values if isinstance(v, int | float) and not pd.isna(v)] or [0])
    props: dict[str, object] = {"tickformat": ",d", "rangemode": "tozero"}
    if top <= 10:
        props |= {"dtick": 1, "range": [0, max(top, 1) * 1.15]}
    (fig.update_yaxes if axis == "y" else fig.update_xaxes)(**props)
    return fig


def _layout(fig: go.Figure, title: str, yaxis_title: str = "", height: int = 380) -> go.Figure:
    # the title's and axes' wrapping, the margins' growth and the legend's place: chart_layout.fitted, at placing
    fig.update_layout(title=title, yaxis_title=yaxis_title, height=height, margin={"l": 50, "r": 20, "t": 60, "b": 40})
    fig.update_traces(textangle=0, cliponaxis=False, selector={"type": "bar"})
    return fig


def trend_chart(
    trend_df: pd.DataFrame,
    indicator: str,
    names: Mapping[str, str] | None = None,
    areas: Sequence[str] | None = None,
    title: str | None = None,
    highlight: str | None = None,
) -> go.Figure:
    """Lines by area over successive periods, with the threshold line where there is one.

    `highlight` shades one period (the one the page is about).
    """
    df = trend_df[trend_df["indicator"] == indicator]
    periods = list(dict.fromkeys(df["period"]))
    fig = go.Figure()
    wanted = list(areas) if areas is not None else [a for a in dict.fromkeys(df["area"]) if a != "region_mean"]
    for area in wanted:
        rows = df[df["area"] == area].set_index("period").reindex(periods)
        values = _values(rows["value"])
        low = [bool(x) for x in rows["low_n"].fillna(False)]
        hidden = _flags(rows, "value")
        # Only the points that need a warning carry a label (value*, or x); the hover has every figure.
        text = [t if (lo or h) else "" for t, lo, h in zip(_text(values, low, hidden), low, hidden, strict=True)]
        fig.add_trace(
            go.Scatter(
                x=periods,
                y=values,
                mode="lines+markers+text",
                name=area_label(area, names),
                text=text,
                textposition="top center",
                customdata=_ints(rows["n"]) if "n_hidden" not in rows else [str(v) for v in rows["n"]],
                hovertemplate="%{x}: %{y} (n=%{customdata})<extra>%{fullData.name}</extra>",
                line={"dash": "dot", "color": area_colour(area)}
                if area == "region"
                else {"color": area_colour(area)},
            )
        )
    thresholds = df.drop_duplicates("period").set_index("period").reindex(periods)["threshold"]
    if thresholds.notna().any():
        fig.add_trace(
            go.Scatter(
                x=periods,
                y=_values(thresholds),
                mode="lines",
                name=threshold_name(df),
                line={"color": THRESHOLD_COLOUR, "dash": "dash"},
                meta=REFERENCE_LINE,
            )
        )
    if highlight in periods:
        i = periods.index(highlight)
        fig.add_vrect(x0=i - 0.5, x1=i + 0.5, fillcolor=palette.PERIOD_SHADE, opacity=0.45, layer="below", line_width=0)
    _layout(fig, title or f"{indicator} by period", UNITS.get(indicator, ""), height=420)
    fig.update_layout(xaxis_type="category")
    fig.update_xaxes(tickangle=-45)
    return fig


def council_comparison(
    scorecard_df: pd.DataFrame, indicator: str, names: Mapping[str, str] | None = None, title: str | None = None
) -> go.Figure:
    """Bars per council (and the region) for one indicator, with threshold and national lines."""
    df = scorecard_df[(scorecard_df["indicator"] == indicator) & (scorecard_df["area"] != "region_mean")]
    labels = [area_label(a, names) for a in df["area"]]
    values = _values(df["value"])
    hidden = _flags(df, "value")
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=values,
            name=indicator,
            text=_text(values, [bool(x) for x in df["low_n"]], hidden),
            marker_color=[area_colour(a, palette.NEUTRAL) for a in df["area"]],
            customdata=[str(v) if _none(v) is not None else "" for v in df["n"]],
            hovertemplate="%{x}: %{y} (n=%{customdata})<extra></extra>",
            showlegend=False,
        )
    )
    _mark_hidden(fig, labels, hidden)
    for col, label, dash, colour in (
        ("threshold", threshold_name(df), "dash", THRESHOLD_COLOUR),
        ("national", "National", "dot", "grey"),
    ):
        v = _none(df[col].iloc[0]) if len(df) else None
        if v is not None:
            fig.add_trace(
                go.Scatter(
                    x=labels, y=[v] * len(labels), mode="lines", name=label, line={"color": colour, "dash": dash},
                    meta=REFERENCE_LINE,
                )
            )
    return _layout(fig, title or f"{indicator}: councils compared", UNITS.get(indicator, ""))


def region_vs_mean(
    scorecard_df: pd.DataFrame, indicators: Sequence[str] = TIME_INDICATORS, low_n_below: int = 6
) -> go.Figure:
    """The child-weighted region figure beside the plain mean of council figures, per indicator."""
    fig = go.Figure()
    for area in ("region", "region_mean"):
        rows = scorecard_df[scorecard_df["area"] == area].set_index("indicator").reindex(list(indicators))
        values = _values(rows["value"])
        low = _low(rows["n"], low_n_below)
        hidden = _flags(rows, "value")
        fig.add_trace(
            go.Bar(
                x=list(indicators),
                y=values,
                name=AREA_LABELS[area],
                text=_text(values, low, hidden),
                marker_color=REGION_COLOURS[area],
            )
        )
    fig.update_layout(barmode="group")
    return _layout(fig, "Region (all children) and mean of councils", "days")


def waiting_vs_adopters(sufficiency_df: pd.DataFrame, area: str = "region", title: str | None = None) -> go.Figure:
    """Children waiting with a placement order and approved households waiting, over time."""
    df = sufficiency_df[sufficiency_df["area"] == area].sort_values("at")
    x = [str(d) for d in df["at"]]
    fig = go.Figure(
        [
            go.Scatter(
                x=x,
                y=_values(df["children_waiting_with_po"]),
                mode="lines+markers",
                name="Children waiting (placement order)",
                line={"color": palette.MISSES},
            ),
            go.Scatter(
                x=x,
                y=_values(df["adopters_waiting"]),
                mode="lines+markers",
                name="Approved adopters waiting",
                line={"color": palette.SERIES},
            ),
        ]
    )
    _layout(fig, title or "Children waiting and adopters waiting", "children / households")
    return count_axis(fig, [*_values(df["children_waiting_with_po"]), *_values(df["adopters_waiting"])])


def a1_distribution_chart(
    dist_df: pd.DataFrame, threshold: int | None = None, column: str = "a1_days", low_n_below: int = 6
) -> go.Figure:
    """Histogram and box of each child's A1 days (the spread behind the mean)."""
    days = [int(v) for v in dist_df[column].dropna()]
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.25, 0.75], vertical_spacing=0.03)
    fig.add_trace(go.Box(x=days, name="children", boxmean=True, showlegend=False, marker_color=palette.SERIES), row=1, col=1)
    fig.add_trace(
        go.Histogram(
            x=days,
            name="children",
            xbins={"start": 0, "size": A1_BIN_DAYS},
            showlegend=False,
            marker={"color": palette.SERIES, "line": {"color": palette.WHITE, "width": 1}},
            hovertemplate="%{x} days, children: %{y}<extra></extra>",
        ),
        row=2,
        col=1,
    )
    if threshold is not None:
        fig.add_vline(x=threshold, line_dash="dash", line_color=THRESHOLD_COLOUR, row=1, col=1)
        fig.add_vline(
            x=threshold,
            line_dash="dash",
            line_color=THRESHOLD_COLOUR,
            annotation_text=f"threshold {threshold}",
            annotation_position="top right",
            row=2,
            col=1,
        )
    low = LOW_N_MARK if len(days) < low_n_below else ""
    _layout(fig, f"Days from entering care to placement (n={len(days)}{low})", height=400)
    fig.update_xaxes(title_text="days", row=2, col=1)
    # children per bin are whole numbers: ticks one child apart when few (never "0 0 0 1 1 1")
    per_bin = Counter(d // A1_BIN_DAYS for d in days)
    top = max(per_bin.values(), default=0)
    fig.update_yaxes(title_text="children", tickformat=",d", rangemode="tozero", row=2, col=1,
                     dtick=1 if top <= 10 else None, range=[0, max(top, 1) * 1.15] if top <= 10 else None)
    return fig


def _band_bars(
    bands_df: pd.DataFrame, area: str, colour: str | Callable[[int], str], name: str | None = None
) -> tuple[go.Figure, list[str]]:
    """Bars of children per band for one area (a `journeys._band_counts` frame) and the band labels.

    `colour` is one colour, or a colour per band order; suppressed bands are marked `x`.
    """
    rows = _area_rows(bands_df, area).sort_values("band_order")
    values = _values(rows["children"])
    hidden = _flags(rows, "children")
    labels = rows["band"].tolist()
    marker = [colour(int(o)) for o in rows["band_order"]] if callable(colour) else colour
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=values,
            name=name,
            text=_text(values, None, hidden),
            textposition="outside",
            marker_color=marker,
        )
    )
    _mark_hidden(fig, labels, hidden)
    return fig, labels


def a1_bands_chart(bands_df: pd.DataFrame, area: str) -> go.Figure:
    """The A1 cohort of one area by months from entering care to placement (`journeys.a1_bands`)."""
    fig, labels = _band_bars(bands_df, area, lambda o: palette.MEETS if o < 3 else palette.MISSES)
    # within 14 months or not is said by a pattern and the title's words too, never by the colour alone (WCAG 1.4.1)
    orders = _area_rows(bands_df, area).sort_values("band_order")["band_order"]
    fig.update_traces(marker_pattern_shape=["" if int(o) < 3 else "/" for o in orders])
    _layout(fig, "Months from entering care to placement (plain green: within 14; hatched red: over 14)",
            "children adopted")
    _wrap_ticks(fig, labels, 10)
    return count_axis(fig, list(fig.data[0].y))


def _one_row_values(rows: pd.DataFrame, measures: Sequence[str]) -> tuple[list[object], list[bool]]:
    """Values (and hidden flags) of measures from a single-row frame, or sums over several rows."""
    if len(rows) == 1:
        row = rows.iloc[0]
        values = [_none(row[m]) for m in measures]
        hidden = [bool(row.get(f"{m}_hidden", False)) for m in measures]
        return [None if v is None else int(v) for v in values], hidden  # type: ignore[call-overload]
    return [int(pd.to_numeric(rows[m]).fillna(0).sum()) for m in measures], [False] * len(measures)


def journey_funnel(activity_df: pd.DataFrame, area: str, period: str | None = None) -> go.Figure:
    """Funnel of journey events (ADM decision to adoption order) for one area and period."""
    rows = _area_rows(activity_df, area, period)
    stages = [s for s, _ in FUNNEL]
    counts, hidden = _one_row_values(rows, [m for _, m in FUNNEL])
    fig = go.Figure(
        go.Funnel(y=stages, x=counts, text=_text(counts, None, hidden), textinfo="text", marker_color=palette.SERIES)
    )
    return _layout(fig, "Children's journey: events in the period")


def stage_durations_chart(
    stages_df: pd.DataFrame, area: str, period: str | None = None, low_n_below: int = 6
) -> go.Figure:
    """Mean days per journey stage (bars) with the median marked, for one area."""
    rows = _area_rows(stages_df, area, period)
    rows = rows.sort_values("stage_order")
    means = _values(rows["mean_days"])
    low = _low(rows["n"], low_n_below)
    hidden = _flags(rows, "mean_days")
    stages = rows["stage"].tolist()
    fig = go.Figure(
        [
            go.Bar(
                x=stages,
                y=means,
                name="mean days",
                text=_text(means, low, hidden),
                customdata=[str(v) if _none(v) is not None else "" for v in rows["n"]],
                hovertemplate="%{x}: %{y} days (n=%{customdata})<extra></extra>",
                marker_color=palette.SERIES,
                insidetextanchor="middle",
            ),
            go.Scatter(
                x=stages,
                y=_values(rows["median_days"]),
                mode="markers",
                name="median days",
                marker={"symbol": "diamond", "size": 10, "color": palette.SERIES_SECOND},
            ),
        ]
    )
    _mark_hidden(fig, stages, hidden)
    _layout(fig, "Days in each stage", "days")
    ns = [_shown(n) for n in rows["n"]]
    fig.update_xaxes(
        tickmode="array",
        tickvals=stages,
        ticktext=[f"{x.replace(' → ', ' →<br>')}<br>n={n}" for x, n in zip(stages, ns, strict=True)],
        tickangle=0,
    )
    return fig


def waiting_bands_chart(bands_df: pd.DataFrame, area: str, title: str | None = None) -> go.Figure:
    """Children waiting by ageing band for one area."""
    fig, _ = _band_bars(bands_df, area, palette.MISSES, name="children")
    _layout(fig, title or "Children waiting by time since the decision", "children")
    return count_axis(fig, list(fig.data[0].y))


def timeliness_chart(
    timeliness_df: pd.DataFrame, area: str, period: str | None = None, low_n_below: int = 6
) -> go.Figure:
    """Percentage of households completing each recruitment step in time, for one area."""
    rows = _area_rows(timeliness_df, area, period)
    order = {m: i for i, (m, *_rest) in enumerate(TIMELINESS)}
    rows = rows.assign(_o=rows["measure"].map(order)).sort_values("_o")
    pcts = _values(rows["pct"])
    low = _low(rows["n"], low_n_below)
    hidden = _flags(rows, "pct")
    labels = rows["label"].tolist()
    text = [
        t if t in ("", HIDDEN_MARK) else f"{t}% ({_shown(w)} of {_shown(n)})"
        for t, w, n in zip(_text(pcts, low, hidden), rows["within"], rows["n"], strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=pcts,
            text=text,
            customdata=[[_shown(w), _shown(n)] for w, n in zip(rows["within"], rows["n"], strict=True)],
            hovertemplate="%{x}: %{y}% (%{customdata[0]} of %{customdata[1]})<extra></extra>",
            marker_color=palette.SERIES,
        )
    )
    _mark_hidden(fig, labels, hidden)
    _layout(fig, "Adopter timeliness", "% in time")
    fig.update_layout(yaxis_range=[0, 105])
    short = [TIMELINESS_SHORT.get(m, label) for m, label in zip(rows["measure"], labels, strict=True)]
    fig.update_xaxes(tickmode="array", tickvals=labels, ticktext=[_wrap(x, 12) for x in short], tickangle=0)
    return fig


def _shown(v: object) -> str:
    return HIDDEN_MARK if _none(v) is None else str(v)


def _wrap(label: str, width: int = 22) -> str:
    """Break a long axis label into lines (plotly does not wrap)."""
    words, lines, line = label.split(), [], ""
    for w in words:
        if line and len(line) + len(w) + 1 > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    lines.append(line)
    return "<br>".join(lines)


def _wrap_ticks(fig: go.Figure, labels: Sequence[str], width: int) -> None:
    """Show long category labels on several lines, level (the traces keep the plain labels)."""
    fig.update_xaxes(tickmode="array", tickvals=list(labels), ticktext=[_wrap(x, width) for x in labels], tickangle=0)


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
    rows = _area_rows(recruitment_df, area, period)
    counts, hidden = _one_row_values(rows, [m for _, m in PIPELINE])
    fig = go.Figure(
        go.Funnel(
            y=[s for s, _ in PIPELINE],
            x=counts,
            text=_text(counts, None, hidden),
            textinfo="text",
            marker_color=palette.MEETS,
        )
    )
    return _layout(fig, "Adopter pipeline: households in the period")


def activity_series_chart(
    activity_df: pd.DataFrame,
    area: str,
    measures: Sequence[str] = ("placement_orders", "placements", "adoption_orders"),
) -> go.Figure:
    """Quarterly (or yearly) activity counts over time for one area."""
    rows = activity_df[activity_df["area"] == area]
    fig = go.Figure(
        [
            go.Scatter(x=rows["period"].tolist(), y=_values(rows[m]), mode="lines", name=m.replace("_", " "))
            for m in measures
        ]
    )
    _layout(fig, "Activity over time", "children")
    fig.update_layout(xaxis_type="category")
    return count_axis(fig, [v for m in measures for v in _values(rows[m])])


def council_vs_region(
    comparison_df: pd.DataFrame,
    names: Mapping[str, str] | None = None,
    council: str | None = None,
    low_n_below: int = 6,
) -> go.Figure:
    """A council's figures beside the region's and the best partner's (from `indicators.compare_council`).

    One quantity per axis: days (A1, A2, A10) on the left, A3's percentage on its own axis on the right.
    Traces come in pairs per series (days, then A3); the hover names the best partner and every n.
    """
    fig = make_subplots(rows=1, cols=2, column_widths=[0.72, 0.28], horizontal_spacing=0.1)
    own = area_label(council, names) if council else "Council"
    parts = (
        (1, comparison_df[comparison_df["indicator"] != "A3"]),
        (2, comparison_df[comparison_df["indicator"] == "A3"]),
    )
    for col, label, colour in (
        ("council", own, area_colour(council, palette.AREA_DEFAULT)),
        ("region", AREA_LABELS["region"], REGION_COLOURS["region"]),
        ("best", "Best partner", palette.REGION_MEAN),
    ):
        for panel, rows in parts:
            values = _values(rows[col])
            n_col = f"{col}_n"
            ns = [str(v) if _none(v) is not None else "" for v in rows[n_col]] if n_col in rows else [""] * len(rows)
            low = (
                [
                    _none(n) is not None and int(n) < low_n_below and v is not None
                    for n, v in zip(rows[n_col], values, strict=True)
                ]
                if n_col in rows
                else None
            )
            best = (
                [area_label(str(a), names) if _none(a) is not None else "" for a in rows["best_area"]]
                if col == "best"
                else [label] * len(rows)
            )
            fig.add_trace(
                go.Bar(
                    x=rows["indicator"].tolist(),
                    y=values,
                    name=label,
                    legendgroup=col,
                    showlegend=panel == 1,
                    text=_text(values, low, _flags(rows, col)),
                    customdata=best,
                    hovertext=[f"n={n}" for n in ns],
                    hovertemplate="%{x}: %{y} (%{customdata}, %{hovertext})<extra></extra>",
                    marker_color=colour,
                ),
                row=1,
                col=panel,
            )
    fig.update_layout(barmode="group")
    _layout(fig, "Council, region and best-performing partner")
    fig.update_yaxes(title_text="days", row=1, col=1)
    fig.update_yaxes(title_text="% placed within 14 months", range=[0, 105], row=1, col=2)
    return fig
