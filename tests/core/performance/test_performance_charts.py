"""Performance charts carry exactly the numbers of the raa_core DataFrames they are built from."""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pandas as pd
import plotly.graph_objects as go
import pytest

from factories import HOS, add_drop, empty_warehouse, req, snap
from raa_core.performance import performance_charts as pc
from raa_core.performance.indicators import compare_council, scorecard, trend
from raa_core.performance.journeys import (
    a1_bands,
    a1_distribution,
    activity,
    activity_quarterly,
    stage_durations,
    waiting_bands,
)
from raa_core.performance.recruitment import recruitment_activity, sufficiency, timeliness
from raa_core.periods import parse_period
from raa_core.reference import load_reference
from raa_core.suppression import masked, suppress_scorecard, suppress_table

D = dt.date
REF = load_reference()
Y1819 = parse_period("2018-19")
P1619 = parse_period("2016-19")  # Bexley: 4 children adopted, Kent 30, Medway 12
NAMES = {str(c.la_code): c.short_name for c in REF.councils}


def _kid(i: int, la: int, a1: int) -> dict[str, Any]:
    entered = D(2016, 1, 1) + dt.timedelta(days=(i * 17) % 300)
    po = entered + dt.timedelta(days=60)
    placed = entered + dt.timedelta(days=a1)
    return {
        "child_id": f"{la}-{i}",
        "sex": "F",
        "date_of_birth": entered - dt.timedelta(days=90),
        "entered_care_date": entered,
        "adm_decision_date": entered + dt.timedelta(days=30),
        "placement_order_date": po,
        "matched_date": min(placed, po + dt.timedelta(days=40 + i % 90)),
        "placed_date": placed,
        "adoption_order_date": placed + dt.timedelta(days=100 + (i * 41) % 300),
        "early_permanence": i % 4 == 0,
    }


def ints(values: Any) -> list[int | None]:
    return [None if pd.isna(v) else int(v) for v in values]


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    c = empty_warehouse()
    for la, base, count in ((303, 300, 4), (886, 350, 30), (887, 520, 12)):
        kids = [_kid(i, la, base + (i * 37) % 200) for i in range(count)]
        kids.append(
            {
                "child_id": f"{la}-w",
                "sex": "M",
                "date_of_birth": D(2018, 1, 1),
                "entered_care_date": D(2018, 2, 1),
                "placement_order_date": D(2018, 9, 1),
            }
        )
        homes = [
            {
                "household_id": f"{la}-h{i}",
                "enquiry_date": D(2018, 4, 1) + dt.timedelta(days=i * 20),
                "roi_date": D(2018, 5, 1) + dt.timedelta(days=i * 20),
                "stage1_end_date": D(2018, 6, 25) + dt.timedelta(days=i * 20),
                "stage2_start_date": D(2018, 7, 1) + dt.timedelta(days=i * 20),
                "approval_date": D(2018, 10, 1) + dt.timedelta(days=i * 25),
            }
            for i in range(6)
        ]
        add_drop(c, la, "2019-05-01", children=kids, adopters=homes)
    return c


def test_trend_chart_lines_and_threshold(con: duckdb.DuckDBPyConnection) -> None:
    df = trend(snap(con, ref=REF), req(), "A1", "year", "2017-18")
    fig = pc.trend_chart(df, "A1", NAMES)
    assert isinstance(fig, go.Figure)
    by_name = {t.name: t for t in fig.data}
    assert set(by_name) == {"Bexley", "Kent", "Medway", "Region (all children)", "Threshold (DfE)"}
    kent = df[df["area"] == "886"]
    assert list(by_name["Kent"].x) == list(kent["period"])
    assert list(by_name["Kent"].y) == ints(kent["value"])
    assert list(by_name["Threshold (DfE)"].y) == [426] * len(kent)
    assert all(t.endswith(pc.LOW_N_MARK) for t in by_name["Bexley"].text if t)
    assert not fig.layout.shapes
    shaded = pc.trend_chart(df, "A1", NAMES, highlight="2018-19").layout.shapes
    i = list(kent["period"]).index("2018-19")
    assert len(shaded) == 1 and (shaded[0].x0, shaded[0].x1) == (i - 0.5, i + 0.5)


def test_council_comparison_and_region_vs_mean(con: duckdb.DuckDBPyConnection) -> None:
    sc = scorecard(snap(con, ref=REF), req(Y1819))
    fig = pc.council_comparison(sc, "A2", NAMES)
    bars = fig.data[0]
    a2 = sc[(sc["indicator"] == "A2") & (sc["area"] != "region_mean")]
    assert list(bars.x) == ["Bexley", "Kent", "Medway", "Region (all children)"]
    assert list(bars.y) == ints(a2["value"])
    lines = {t.name: t for t in fig.data[1:]}
    assert set(lines["Threshold (DfE)"].y) == {121} and set(lines["National"].y) == {226}
    both = pc.region_vs_mean(sc)
    for trace, area in zip(both.data, ("region", "region_mean"), strict=True):
        want = sc[sc["area"] == area].set_index("indicator").loc[["A1", "A2", "A10"], "value"]
        assert list(trace.y) == ints(want)
    comp = compare_council(sc, "887")
    fig = pc.council_vs_region(comp)
    days, pct = comp[comp["indicator"] != "A3"], comp[comp["indicator"] == "A3"]
    assert list(fig.data[0].y) == ints(days["council"]) and list(fig.data[1].y) == ints(pct["council"])
    assert list(fig.data[0].x) == ["A1", "A2", "A10"] and list(fig.data[1].x) == ["A3"]
    # one quantity per axis: days on the first, A3's % on its own
    assert fig.layout.yaxis.title.text == "days" and fig.layout.yaxis2.title.text.startswith("%")
    assert fig.data[1].yaxis == "y2" and fig.data[0].yaxis == "y"
    a1 = sc[(sc["indicator"] == "A1") & sc["area"].isin(["303", "886", "887"])]
    assert a1[a1["area"] == "303"]["low_n"].iloc[0]  # Bexley rests on 4 children: no benchmark
    best_a1 = a1[~a1["low_n"]]["value"].min()
    assert fig.data[4].y[0] == best_a1 and comp.loc[0, "best_area"] != "303"
    assert int(comp.loc[0, "best_n"]) >= 6


def test_a1_distribution_chart_holds_every_child(con: duckdb.DuckDBPyConnection) -> None:
    dist = a1_distribution(snap(con), req(Y1819, la_code=886), viewer=HOS)
    fig = pc.a1_distribution_chart(dist, threshold=425)
    assert sorted(fig.data[0].x) == sorted(int(v) for v in dist["a1_days"])
    assert sorted(fig.data[1].x) == sorted(int(v) for v in dist["a1_days"])
    assert f"n={len(dist)}" in fig.layout.title.text
    # a bin of one child must not read "1 children": the count follows the noun
    assert fig.data[1].hovertemplate.startswith("%{x} days, children: %{y}")


def test_journey_funnel_and_stage_durations(con: duckdb.DuckDBPyConnection) -> None:
    act = activity(snap(con, ref=REF), req(), Y1819)
    fig = pc.journey_funnel(act, "region")
    row = act[act["area"] == "region"].iloc[0]
    assert list(fig.data[0].x) == [
        int(row[m]) for m in ("adm_decisions", "placement_orders", "matches", "placements", "adoption_orders")
    ]
    sd = stage_durations(snap(con, ref=REF), req(), Y1819)
    fig = pc.stage_durations_chart(sd, "886", "2018-19")
    kent = sd[sd["area"] == "886"].sort_values("stage_order")
    assert list(fig.data[0].x) == list(kent["stage"])
    assert list(fig.data[0].y) == ints(kent["mean_days"])
    assert list(fig.data[1].y) == ints(kent["median_days"])
    assert [t.rsplit("n=", 1)[1] for t in fig.layout.xaxis.ticktext] == [str(int(n)) for n in kent["n"]]


def test_waiting_and_recruitment_charts(con: duckdb.DuckDBPyConnection) -> None:
    dates = [D(2018, 12, 31), D(2019, 3, 31)]
    suff = sufficiency(snap(con, ref=REF), req(), dates)
    fig = pc.waiting_vs_adopters(suff)
    region = suff[suff["area"] == "region"]
    assert list(fig.data[0].y) == list(region["children_waiting_with_po"])
    assert list(fig.data[1].y) == list(region["adopters_waiting"])
    assert list(fig.data[0].x) == [str(d) for d in dates]
    bands = waiting_bands(snap(con, ref=REF), req(), D(2019, 3, 31))
    fig = pc.waiting_bands_chart(bands, "region")
    assert fig.layout.yaxis.tickformat == ",d" and fig.layout.yaxis.dtick in (None, 1)
    assert sum(fig.data[0].y) == int(
        suff[(suff["area"] == "region") & (suff["at"] == D(2019, 3, 31))]["children_waiting_with_po"].iloc[0]
    )
    t = timeliness(snap(con, ref=REF), req(), Y1819)
    fig = pc.timeliness_chart(t, "886", "2018-19")
    kent = t[t["area"] == "886"]
    assert list(fig.data[0].y) == ints(kent["pct"])
    # every percentage shows its n on the bar
    for text, w, n in zip(fig.data[0].text, kent["within"], kent["n"], strict=True):
        assert text == "" or text.endswith(f"({int(w)} of {int(n)})")
    ra = recruitment_activity(snap(con, ref=REF), req(), Y1819)
    fig = pc.adopter_pipeline(ra, "region", "2018-19")
    assert fig.data[0].x[0] == int(ra[ra["area"] == "region"]["enquiries"].iloc[0]) == 18


def test_activity_series_chart(con: duckdb.DuckDBPyConnection) -> None:
    q = activity_quarterly(snap(con, ref=REF), req(), "2017-18")
    fig = pc.activity_series_chart(q, "region", ["placements"])
    region = q[q["area"] == "region"]
    assert list(fig.data[0].x) == list(region["period"]) and list(fig.data[0].y) == list(region["placements"])
    assert fig.data[0].x[-1] == "2019-20 Q1"
    assert fig.layout.yaxis.tickformat == ",d"  # a count axis shows whole numbers


def test_publication_view_charts_leave_hidden_figures_out_and_label_them_x(con: duckdb.DuckDBPyConnection) -> None:
    sc = scorecard(snap(con, ref=REF), req(P1619))
    view = masked(sc, suppress_scorecard(sc, REF.settings))
    bars = pc.council_comparison(view, "A1", NAMES)
    bexley = list(bars.data[0].x).index("Bexley")  # 4 children: the mean is suppressed
    assert bars.data[0].y[bexley] is None and bars.data[0].text[bexley] == pc.HIDDEN_MARK
    assert [a.text for a in bars.layout.annotations] == [pc.HIDDEN_MARK]
    kent = list(bars.data[0].x).index("Kent")
    assert bars.data[0].y[kent] == int(sc[(sc["indicator"] == "A1") & (sc["area"] == "886")]["value"].iloc[0])
    bands = a1_bands(snap(con, ref=REF), req(P1619))
    shown = suppress_table(bands, REF.settings, counts=["children"], group_by=["band_order"])
    fig = pc.a1_bands_chart(masked(bands, shown), "886")
    kent_bands = shown[shown["area"] == "886"]
    assert list(fig.data[0].text) == [pc.HIDDEN_MARK if v == pc.HIDDEN_MARK else v for v in kent_bands["children"]]
    assert pc.HIDDEN_MARK in fig.data[0].text and any(t not in ("", pc.HIDDEN_MARK) for t in fig.data[0].text)
    assert all((y is None) == (t == pc.HIDDEN_MARK) for y, t in zip(fig.data[0].y, fig.data[0].text, strict=True))
    trend_df = trend(snap(con, ref=REF), req(), "A1", "year", "2017-18")
    fig = pc.trend_chart(masked(trend_df, suppress_scorecard(trend_df, REF.settings)), "A1", NAMES)
    bexley_line = next(t for t in fig.data if t.name == "Bexley")
    assert all(y is None for y in bexley_line.y) and set(bexley_line.text) <= {pc.HIDDEN_MARK, ""}


def test_low_number_marks_on_council_region_and_partner_bars(con: duckdb.DuckDBPyConnection) -> None:
    sc = scorecard(snap(con, ref=REF), req(P1619))
    comp = compare_council(sc, "303")
    fig = pc.council_vs_region(comp, NAMES, council="303")
    assert fig.data[0].name == "Bexley"
    assert all(t.endswith(pc.LOW_N_MARK) for t in fig.data[0].text if t)  # Bexley: 4 children
    assert not any(t.endswith(pc.LOW_N_MARK) for t in fig.data[2].text)  # the region: 46
    best = list(fig.data[4].customdata) + list(fig.data[5].customdata)
    assert best == [NAMES[a] for a in comp[comp["indicator"] != "A3"]["best_area"]] + [
        NAMES[a] for a in comp[comp["indicator"] == "A3"]["best_area"]]
    assert all(h.startswith("n=") for h in fig.data[0].hovertext)
    dist = a1_distribution(snap(con), req(P1619, la_code=303), viewer=HOS)
    assert f"n={len(dist)}{pc.LOW_N_MARK}" in pc.a1_distribution_chart(dist).layout.title.text


def test_a1_bands_chart_carries_the_bands(con: duckdb.DuckDBPyConnection) -> None:
    bands = a1_bands(snap(con, ref=REF), req(Y1819))
    fig = pc.a1_bands_chart(bands, "region")
    region = bands[bands["area"] == "region"]
    assert list(fig.data[0].x) == list(region["band"]) and list(fig.data[0].y) == ints(region["children"])
    assert sum(fig.data[0].y) == len(a1_distribution(snap(con), req(Y1819), viewer=HOS))
