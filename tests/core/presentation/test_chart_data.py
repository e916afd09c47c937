"""Charts mean what they show: each chart function on empty, one-point, all-suppressed and typical data. A chart with
no figure (empty, or every figure suppressed: only `x` marks and reference lines) is not drawn (`chart_has_data` is
False, the page says so in `no_chart_text`); counts sit on whole-number axes; money axes carry no "£−" ticks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import pytest

from factories import HOS, empty_warehouse, req, snap
from raa_core.performance import performance_charts as pc
from raa_core.performance.indicators import scorecard, trend
from raa_core.performance.journeys import a1_distribution, activity_quarterly
from raa_core.performance.recruitment import sufficiency
from raa_core.presentation import chart_has_data, no_chart_text
from raa_core.reference import load_reference

REF = load_reference()
NAMES = {str(c.la_code): c.short_name for c in REF.councils}


def _hidden(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """Every figure of `cols` suppressed, as `suppression.masked` leaves a frame: no value, flagged hidden."""
    out = df.copy()
    for c in cols:
        out[c] = None
        out[f"{c}_hidden"] = True
    return out


#: The rows each chart draws (area and indicator), where its one figure is kept.
DRAWN = {"area": {"region"}, "indicator": {"A1"}}


def _one(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """One figure left: the first drawn row holding a figure keeps it, every other figure is blank (no data)."""
    out = df.copy()
    drawn = pd.Series(True, index=out.index)
    for col, values in DRAWN.items():
        if col in out.columns:
            drawn &= out[col].isin(values)
    held = [i for i, (v, d) in enumerate(zip(out[cols[0]], drawn, strict=True)) if d and not pd.isna(v) and v != 0]
    keep = held[0]
    for c in cols:
        out[c] = [v if i == keep and c == cols[0] else None for i, v in enumerate(out[c])]
    return out


#: chart -> (frame builder from a connection, draw, the figure columns a publication view may hide)
CHARTS: dict[str, tuple[Callable[[Any], pd.DataFrame], Callable[[pd.DataFrame], go.Figure], list[str]]] = {
    "trend": (lambda c: trend(snap(c, ref=REF), req(), "A1", "year", "2017-18"),
              lambda d: pc.trend_chart(d, "A1", NAMES), ["value"]),
    "council comparison": (lambda c: scorecard(snap(c, ref=REF), req("2018-19")),
                           lambda d: pc.council_comparison(d, "A1", NAMES), ["value"]),
    "region and mean": (lambda c: scorecard(snap(c, ref=REF), req("2018-19")),
                        pc.region_vs_mean, ["value"]),
    "A1 spread": (lambda c: a1_distribution(snap(c, ref=REF), req("2018-19"), viewer=HOS),
                  lambda d: pc.a1_distribution_chart(d, threshold=426), ["a1_days"]),
    "activity": (lambda c: activity_quarterly(snap(c, ref=REF), req("2018-19")),
                 lambda d: pc.activity_series_chart(d, "region"), ["placement_orders", "placements", "adoption_orders"]),
    "waiting": (lambda c: sufficiency(snap(c, ref=REF), req("2018-19"), [dt.date(2018, 3, 31) + dt.timedelta(days=91 * i)
                                                                         for i in range(8)]),
                lambda d: pc.waiting_vs_adopters(d, "region"), ["children_waiting_with_po", "adopters_waiting"]),
}


@pytest.fixture(scope="module")
def empty() -> Any:
    return empty_warehouse()


@pytest.mark.parametrize("name", list(CHARTS))
def test_a_chart_without_figures_is_not_drawn_and_with_one_it_is(name: str, sample_con, empty) -> None:
    build, draw, cols = CHARTS[name]
    typical = build(sample_con)
    assert chart_has_data(draw(typical)), name
    assert not chart_has_data(draw(build(empty))), name
    assert not chart_has_data(draw(_hidden(typical, cols))), name
    assert chart_has_data(draw(_one(typical, cols))), name
    assert "No figures to draw" in no_chart_text(draw(build(empty)))


def test_counts_sit_on_whole_number_axes(sample_con) -> None:
    """A1's histogram of 1-2 children a bin: ticks one child apart (never "0 0 0 1 1 1"), from zero."""
    dist = a1_distribution(snap(sample_con, ref=REF), req("2018-19", la_code=303), viewer=HOS)
    for rows in (dist.head(1), dist):
        fig = pc.a1_distribution_chart(rows, threshold=426)
        axis = fig.layout.yaxis2
        assert axis.tickformat == ",d" and axis.dtick == 1 and axis.range[0] == 0
    act = activity_quarterly(snap(sample_con, ref=REF), req("2018-19"))
    assert pc.activity_series_chart(act, "region").layout.yaxis.tickformat == ",d"
