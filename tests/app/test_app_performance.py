"""AppTest: the Regional and Local performance pages on the sample warehouse show raa_core's figures, mark
low numbers, suppress small numbers in the publication view and flag stale councils."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from appkit import (
    CURRENT_YEAR,
    LOCAL,
    REGIONAL,
    chart,
    connect,
    draw_later_charts,
    expected_figure,
    markdown,
    open_page,
    publish,
    tiles,
)
from conftest import SAMPLE_AS_AT, SAMPLE_TODAY
from factories import HOS, req, snap
from raa_core.performance import indicators, journeys, recruitment
from raa_core.periods import parse_period
from raa_core.presentation import chart_layout, date_text

# --- Regional performance ---------------------------------------------------------------------------------


def test_regional_page_shows_the_regions_tiles_for_the_current_year(app_env: Path, ref: Any) -> None:
    at = open_page(REGIONAL)
    assert at.title[0].value == "Regional performance"
    con = connect(app_env)
    try:
        want = indicators.headline(snap(con, ref=ref), req(CURRENT_YEAR), "region")
        latest = journeys.latest_date(snap(con))
    finally:
        con.close()
    got = tiles(at)
    assert got == {r.indicator: expected_figure(r.indicator, r.value) for r in want.itertuples()}
    a1 = want.set_index("indicator").loc["A1"]
    delta = next(m.delta for m in at.metric if m.label.startswith("A1 ·"))
    assert delta == f"{int(a1['change']):+d} days on {a1['previous_period']}"
    assert f"n = **{a1['n']}** children · median {a1['median']} days" in markdown(at)
    assert any(f"adoption orders up to {date_text(latest)}" in i.value for i in at.info)  # the year is not over
    assert len(draw_later_charts(at).get("plotly_chart")) >= 5


@pytest.mark.parametrize(
    "council,year,window,period",
    [
        ("886", "2018-19", "1 year", "2018-19"),
        ("887", "2017-18", "3 years", "2015-18"),
        ("region", "2018-19", "1 year", "2018-19"),
    ],
)
def test_regional_tiles_follow_the_sidebar_and_equal_raa_core(
    app_env: Path, ref: Any, council: str, year: str, window: str, period: str
) -> None:
    at = open_page(REGIONAL, council=council, year=year, window=window)
    con = connect(app_env)
    try:
        want = indicators.headline(snap(con, ref=ref), req(period), council)
        sc = indicators.scorecard(snap(con, ref=ref), req(parse_period(period)))
    finally:
        con.close()
    assert tiles(at) == {r.indicator: expected_figure(r.indicator, r.value) for r in want.itertuples()}
    a3 = want.set_index("indicator").loc["A3"]
    assert f"**{a3['count']}** of {a3['n']} children placed within 14 months" in markdown(at)
    # the council comparison chart (A1 by default) carries the scorecard's council and region figures
    bars = chart(at, "council_comparison")[0]
    a1 = sc[(sc["indicator"] == "A1") & (sc["area"] != "region_mean")]
    assert bars["y"] == [int(v) for v in a1["value"]]
    # another indicator reruns only the trends-and-comparison fragment
    at.button_group(key="perf_indicator").set_value("A2").run()
    assert not at.exception, at.exception
    a2 = sc[(sc["indicator"] == "A2") & (sc["area"] != "region_mean")]
    assert chart(at, "council_comparison")[0]["y"] == [int(v) for v in a2["value"]]
    trend_a2 = chart(at, "trend_year")
    assert trend_a2[-1]["name"] == "Threshold (DfE)" and set(trend_a2[-1]["y"]) == {121}
    # region and mean of councils side by side
    both = chart(at, "region_vs_mean")
    rm = sc[(sc["area"] == "region_mean") & sc["indicator"].isin(["A1", "A2", "A10"])]
    assert both[1]["name"] == "Mean of councils" and both[1]["y"] == [int(v) for v in rm["value"]]


def test_business_case_year_reproduces_424_and_137_and_the_reconciliation(app_env: Path) -> None:
    at = open_page(REGIONAL, year="2018-19")
    both = chart(at, "region_vs_mean")
    assert both[1]["y"][:2] == [424, 137]
    assert "**20 of 20** published figures reproduced from the drops." in markdown(at)
    rec = at.dataframe[-1].value
    assert (rec["Agrees"] == "Yes").all() and len(rec) == 20


def test_low_number_marker_appears_for_bexley_2018_19(app_env: Path) -> None:
    at = open_page(REGIONAL, council="303", year="2018-19")
    text = markdown(at)
    assert text.count(":orange-badge[:material/warning: Low number: 1 child]") == 4
    assert tiles(at)["A1"] == "340 days" and tiles(at)["A2"] == "74 days"
    bars = chart(at, "council_comparison")[0]
    assert bars["text"][0] == "340*"  # Bexley's bar carries the low-number mark
    assert any("rests on fewer than 6 children" in c.value for c in at.caption)


def test_publication_view_hides_counts_of_1_to_5(app_env: Path) -> None:
    at = publish(open_page(REGIONAL, council="303", year="2018-19"))
    assert set(tiles(at).values()) == {"x"}
    text = markdown(at)
    assert "Low number: 1 child" not in text and "n = **1**" not in text and "n = **x**" in text
    bars = chart(at, "council_comparison")[0]
    assert bars["y"][0] is None and bars["text"][0] == "x"
    shown_n = [int(n) for n in re.findall(r"n = \*\*(\d+)\*\*", text)]
    assert not any(1 <= n <= 5 for n in shown_n)
    for frame in at.dataframe:
        for col in frame.value.columns:
            if col == "n":
                assert not any(str(v) in {"1", "2", "3", "4", "5"} for v in frame.value[col])
    # the reconciliation (an internal check on small numbers) is not shown
    assert "turn off the publication view" in " ".join(i.value for i in at.info)


def test_stale_councils_are_flagged(councils_drops: Path, monkeypatch: pytest.MonkeyPatch, ref: Any) -> None:
    later = SAMPLE_TODAY + dt.timedelta(days=ref.settings.freshness_days["performance"] + 5)
    monkeypatch.setenv("RAA_TODAY", later.isoformat())
    at = open_page(REGIONAL, council="886", year="2018-19")
    assert any(w.value.startswith("Stale performance data (older than 8 days): ") and "Kent" in w.value
               for w in at.warning), [w.value for w in at.warning]
    assert ":orange-badge[:material/schedule: Stale data]" in markdown(at)
    assert "Kent (stale)" in chart(at, "council_comparison")[0]["x"]


def test_as_at_date_uses_the_drops_received_by_then(app_env: Path, ref: Any) -> None:
    as_at = dt.date(2025, 6, 30)
    at = open_page(REGIONAL, council="886", year="2024-25", as_at=as_at)
    con = connect(app_env)
    try:
        want = indicators.headline(snap(con, ref=ref), req("2024-25", as_at=as_at), "886")
    finally:
        con.close()
    assert tiles(at) == {r.indicator: expected_figure(r.indicator, r.value) for r in want.itertuples()}
    assert "as at 30 Jun 2025" in " ".join(c.value for c in at.caption)


# --- Local performance ------------------------------------------------------------------------------------


def test_local_page_for_medway_shows_its_figures(app_env: Path, ref: Any) -> None:
    at = open_page(LOCAL, council="887", year="2018-19")
    assert at.title[0].value == "Local performance"
    assert at.header[0].value == "Medway (887) · 2018-19"
    p = parse_period("2018-19")
    con = connect(app_env)
    try:
        comp = indicators.compare_council(indicators.scorecard(snap(con, ref=ref), req(p)), "887")
        act = journeys.activity(snap(con, ref=ref), req(), p)
        waiting = journeys.children_waiting(snap(con, ref=ref), req(), p.end)
        homes = recruitment.adopters_waiting(snap(con, ref=ref), req(), p.end)
        stages = journeys.stage_durations(snap(con, ref=ref), req(), p)
        dist = journeys.a1_distribution(snap(con), req(p, la_code=887), viewer=HOS)
    finally:
        con.close()
    table = at.dataframe[0].value
    assert list(table["Medway"]) == [str(int(v)) for v in comp["council"]] == ["569", "217", "36", "484"]
    assert list(table["Best partner"]) == [f"{int(b)} (Kent)" for b in comp["best"]]  # not Bexley's one child
    # the best partner is defined beside its column: the best of the other councils, never the council itself
    best_help = json.loads(at.dataframe[0].proto.columns)["Best partner"]["help"]
    assert best_help == indicators.definition("compare", ref) and "never the council itself" in best_help
    days, pct = comp[comp["indicator"] != "A3"], comp[comp["indicator"] == "A3"]
    bars = chart(at, "council_vs_region")  # days on one axis, A3's % on its own
    assert (bars[0]["y"], bars[1]["y"]) == ([int(v) for v in days["council"]], [int(v) for v in pct["council"]])
    medway = act[act["area"] == "887"].iloc[0]
    assert chart(at, "funnel")[0]["x"] == [int(medway[m]) for _, m in journeys.FUNNEL]
    stage = stages[stages["area"] == "887"].sort_values("stage_order")
    assert chart(at, "stages")[0]["y"] == [int(v) for v in stage["mean_days"]]
    assert sorted(chart(at, "a1_distribution")[1]["x"]) == sorted(int(v) for v in dist["a1_days"])
    metrics = {m.label: m.value for m in at.metric}
    w = waiting[waiting["area"] == "887"].iloc[0]
    assert metrics["Children waiting"] == str(w["waiting"])
    assert metrics["Children waiting with a placement order"] == str(w["with_po"])
    h = homes[homes["area"] == "887"].iloc[0]
    assert metrics["Households waiting (31 Mar 2019)"] == str(h["waiting"])


def test_local_table_marks_a_low_number_and_says_what_the_mark_means(app_env: Path, ref: Any) -> None:
    """Bexley's 2018-19 figures rest on one child: each carries the low-number mark in the table as in the
    chart beside it, and the note under both says it in words; Medway's figures (enough children) do not."""
    note = f"\\* rests on fewer than {ref.settings.low_n_below} children"
    at = open_page(LOCAL, council="303", year="2018-19")
    table = at.dataframe[0].value
    shown = [v for v in table["Bexley"] if v]
    assert shown and all(v.endswith("*") for v in shown), list(table["Bexley"])
    assert chart(at, "council_vs_region")[0]["text"][0] == shown[0]  # the chart's label, the table's cell
    assert not any(v.endswith("*") for v in table["Best partner"].str.split(" ").str[0])  # best: enough children
    assert any(note in c.value for c in at.caption), [c.value for c in at.caption]
    at = open_page(LOCAL, council="887", year="2018-19")
    assert not any(v.endswith("*") for v in at.dataframe[0].value["Medway"])


@pytest.mark.parametrize("page", [REGIONAL, LOCAL])
def test_every_chart_is_placed_with_the_one_layout(app_env: Path, page: str) -> None:
    """Every chart a performance page draws, whichever builder made it, is placed fitted (chart_layout): title
    and axis title lines within their widths, automargin on every axis, the legend below the plot."""
    at = open_page(page, council="303", year="2018-19")
    placed = at.get("plotly_chart")
    assert placed
    for chart_el in placed:
        layout = json.loads(chart_el.proto.spec)["layout"]
        title = layout["title"]["text"]
        assert title and all(len(line) <= chart_layout.TITLE_CHARS for line in title.split("<br>")), title
        axes = {k: v for k, v in layout.items() if re.fullmatch(r"[xy]axis\d*", k)}
        assert axes and all(v.get("automargin") is True for v in axes.values()), chart_el.proto.id
        for v in axes.values():
            text = v.get("title", {}).get("text") or ""
            assert all(len(line) <= chart_layout.AXIS_CHARS for line in text.split("<br>")), text
        legend = layout["legend"]
        assert (legend["orientation"], legend["yref"], legend["yanchor"]) == ("h", "container", "bottom")


def test_local_page_on_the_region_chooses_the_first_council_and_says_so(app_env: Path) -> None:
    at = open_page(LOCAL)
    assert any("shows **Bexley** (303)" in i.value for i in at.info)
    assert at.header[0].value == f"Bexley (303) · {CURRENT_YEAR}"


def test_local_publication_view_hides_small_counts(app_env: Path) -> None:
    at = draw_later_charts(publish(open_page(LOCAL, council="303", year="2018-19")))
    small = {"1", "2", "3", "4", "5"}
    assert not [m for m in at.metric if m.value in small], [(m.label, m.value) for m in at.metric]
    # Bexley's A1 bands are all suppressed: no chart of x marks alone, a sentence instead
    assert not [c for c in at.get("plotly_chart") if c.proto.id.endswith("-a1_bands")]
    assert any("No figures to draw" in i.value for i in at.info)
    ids = [c.proto.id for c in at.get("plotly_chart")]
    drawn = [k for k in ("funnel", "waiting_bands", "pipeline") if any(i.endswith(f"-{k}") for i in ids)]
    # a chart whose every figure is suppressed is a sentence instead, one per chart left out
    assert sum("No figures to draw" in i.value for i in at.info) >= 1 + 3 - len(drawn)
    for key in drawn:
        for trace in chart(at, key):
            assert not small & {str(t) for t in trace.get("text", [])}, key
            assert not small & {str(v) for v in trace.get("x", []) + trace.get("y", []) if isinstance(v, int)}, key
    assert "x" in chart(at, "funnel")[0]["text"]  # Bexley's one adoption order
    assert not at.get("plotly_chart") or all(
        not c.proto.id.endswith("-a1_distribution") for c in at.get("plotly_chart")
    )


@pytest.mark.parametrize("page", [REGIONAL, LOCAL])
def test_a_rerun_with_the_same_choices_reaches_duckdb_zero_times(
    page: str, app_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 8 (speed): results, suppression and charts are cached by their inputs and the warehouse
    version, so a warm run of a performance page runs no SQL (bench/pages.py reads the same log)."""
    log = tmp_path / "profile.jsonl"
    monkeypatch.setenv("RAA_PROFILE", str(log))
    at = open_page(page, council="886")
    before = at.get("plotly_chart")
    runs = [json.loads(x) for x in log.read_text().splitlines()]
    assert runs and sum(r["queries"] for r in runs) > 0  # the first runs computed the figures
    mark = len(runs)
    at.run()
    assert not at.exception, at.exception
    again = [json.loads(x) for x in log.read_text().splitlines()][mark:]
    assert len(again) == 1 and again[0]["cursors"] == 0 and again[0]["queries"] == 0, again
    assert [c.proto.spec for c in at.get("plotly_chart")] == [c.proto.spec for c in before]


def _download_names(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The file names (without extension) the pages give their CSV/Excel downloads, recorded as they are made."""
    from raa_app import shell

    names: list[str] = []
    real = shell.download_table

    def record(df: pd.DataFrame, name: str, key: str, **kw: object) -> None:
        names.append(shell.download_name(name, "csv", **kw).removesuffix(".csv"))  # the CSV's file name
        real(df, name, key, **kw)

    monkeypatch.setattr(shell, "download_table", record)
    return names


def test_local_downloads_are_named_by_council_period_and_as_at(app_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = _download_names(monkeypatch)
    at = open_page(LOCAL, council="886", year="2018-19", as_at=dt.date(2025, 1, 15))
    names.clear()
    at.run()
    assert not at.exception, at.exception
    assert "raa_against_region_Kent_2018-19_as-at_2025-01-15" in names
    assert "raa_a1_days_Kent_2018-19_as-at_2025-01-15" in names  # the Head of Service sees each child's days
    assert "raa_children_waiting_bands_Kent_on_2019-03-31_as-at_2025-01-15" in names
    assert all("_Kent_" in n and n.endswith("_as-at_2025-01-15") for n in names), names


def test_regional_downloads_name_the_region_for_tables_of_every_council(
    app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = _download_names(monkeypatch)
    at = open_page(REGIONAL, council="887", year="2018-19")
    names.clear()
    at.run()
    assert not at.exception, at.exception
    today = f"as-at_{SAMPLE_AS_AT.isoformat()}"
    assert f"raa_scorecard_Medway_2018-19_{today}" in names  # the tiles: the council chosen
    assert f"raa_A1_councils_Region_2018-19_{today}" in names  # every council compared
    assert f"raa_sufficiency_Medway_to_2019-03-31_{today}" in names
    assert f"raa_reconciliation_business_case_Region_{today}" in names


def test_performance_view_holds_no_second_cache_and_parses_no_text() -> None:
    """Figures are built from frames `data.load` holds (no cache keyed by DataFrames), and no helper chooses a
    noun by reading a count back from its displayed text."""
    import inspect

    from raa_app import performance_view as pv

    source = inspect.getsource(pv)
    assert "cache_resource" not in source and "cache_data" not in source
    assert not hasattr(pv, "children")
