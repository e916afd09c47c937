"""Figures a council's SSDA903 files cannot give (matches in a period, sibling groups placed together, "in a
sibling group" and "harder to place") read "not provided by this council's 903 files" in the journey activity
and the characteristics tables, for the council and the region counting it: never a number, never a zero
(docs/ssda903.md, "What 903 cannot give")."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from ssda903kit import sample_sent_903

from factories import req, snap
from raa_core import suppression
from raa_core.cli import main
from raa_core.ingest import coverage
from raa_core.ingest.ssda903 import NOT_PROVIDED_NOTE
from raa_core.performance import characteristics, indicators, journeys
from raa_core.store import warehouse

EXAMPLE = Path(__file__).resolve().parents[3] / "data" / "examples" / "ssda903"
REQUEST = req("2026-27")
NOT_FROM_903 = ("matches", "sibling_groups_placed_together", "children_in_sibling_groups_placed_together")


@pytest.fixture
def from_903(tmp_path: Path, ref) -> Iterator[object]:
    """A snapshot of a warehouse holding one drop, Medway's (887), loaded from the worked example's 903 files."""
    db = tmp_path / "raa.duckdb"
    assert main(["ingest", str(EXAMPLE), "--db", str(db), "--today", "2026-10-01"]) == 0
    con = warehouse.Warehouse(db).connect()
    try:
        yield snap(con, ref)
    finally:
        con.close()


def _is_words(value: object) -> bool:
    return isinstance(value, str) and value.startswith("not provided")


def test_activity_matches_and_sibling_groups_are_not_provided(from_903) -> None:
    act = journeys.activity(from_903, REQUEST)
    marks = journeys.activity_not_provided(from_903, REQUEST)
    assert set(marks["887"]) == set(NOT_FROM_903) and set(marks["region"]) == set(NOT_FROM_903)
    assert marks["887"]["matches"] == NOT_PROVIDED_NOTE
    assert "Medway sent SSDA903 files" in marks["region"]["matches"]
    shown = coverage.mark_not_provided(act, marks)
    for area in ("887", "region"):
        row = shown[shown["area"] == area].iloc[0]
        for key in NOT_FROM_903:
            assert _is_words(row[key]), (area, key, row[key])
        assert not _is_words(row["placements"])  # 903 gives placements: still a figure
    drawn = coverage.mark_not_provided(act, marks, words=False)
    assert drawn[drawn["area"] == "887"]["matches"].isna().all()  # the chart draws no bar, not a 0
    # the computed frame itself is left as it was (the cached frame other tables read)
    assert not any(_is_words(v) for v in act["matches"])


def test_the_funnel_download_says_not_provided_for_matches(from_903) -> None:
    act = journeys.activity(from_903, REQUEST)
    shown = coverage.mark_not_provided(act, journeys.activity_not_provided(from_903, REQUEST))
    csv = shown[shown["area"] == "887"].to_csv(index=False)
    header, row = csv.splitlines()[:2]
    cells = dict(zip(header.split(","), row.split(","), strict=True))
    assert cells["matches"] == NOT_PROVIDED_NOTE


def test_characteristics_sibling_group_rows_are_not_provided(from_903) -> None:
    chars = characteristics.characteristics(from_903, REQUEST)
    marks = characteristics.not_provided(from_903, REQUEST)
    assert set(marks["887"]) == {"sibling_group", "harder_to_place"}
    shown = characteristics.marked(chars, marks)
    for area in ("887", "region"):
        mine = shown[shown["area"] == area]
        for dim in ("sibling_group", "harder_to_place"):
            rows = mine[mine["dimension"] == dim]
            assert len(rows) and all(_is_words(v) for v in rows["children"]), (area, dim)
            assert all(_is_words(v) for v in rows["pct"]), (area, dim)
        others = mine[~mine["dimension"].isin(["sibling_group", "harder_to_place"])]
        assert not any(_is_words(v) for v in others["children"])  # sex, ethnicity, ... come from 903
    table = characteristics.table_rows(shown[(shown["area"] == "887") & (shown["group"] == "waiting")],
                                       percent_sign=True)
    sib = table[table["dimension_label"] == "In a sibling group"]
    assert list(sib["children"]) == [NOT_PROVIDED_NOTE] * 2 and list(sib["pct"]) == [NOT_PROVIDED_NOTE] * 2


def test_a_council_sending_parquet_keeps_its_figures(sample_db: Path, tmp_path: Path, ref) -> None:
    """Only the 903 council's (and the region's) figures turn to words; a Parquet council's stay numbers."""
    import duckdb

    con = duckdb.connect(str(sample_sent_903(sample_db, tmp_path)))
    try:
        s = snap(con, ref)
        act = coverage.mark_not_provided(journeys.activity(s, REQUEST), journeys.activity_not_provided(s, REQUEST))
        chars = characteristics.marked(characteristics.characteristics(s, REQUEST),
                                       characteristics.not_provided(s, REQUEST))
    finally:
        con.close()
    assert _is_words(act[act["area"] == "887"]["matches"].iloc[0])
    assert _is_words(act[act["area"] == "region"]["matches"].iloc[0])
    assert not _is_words(act[act["area"] == "886"]["matches"].iloc[0])
    kent = chars[(chars["area"] == "886") & (chars["dimension"] == "sibling_group")]
    assert not any(_is_words(v) for v in kent["children"])


def test_the_stages_into_and_out_of_the_match_are_not_provided(from_903) -> None:
    stages = journeys.stage_durations(from_903, REQUEST)
    marks = journeys.stages_not_provided(from_903, REQUEST)
    into, out_of = "Placement order → Match", "Match → Placed"
    assert set(marks["887"]) == {into, out_of} and set(marks["region"]) == {into, out_of}
    shown = journeys.stages_marked(stages, marks)
    for area in ("887", "region"):
        mine = shown[shown["area"] == area]
        for stage in (into, out_of):
            row = mine[mine["stage"] == stage].iloc[0]
            assert all(_is_words(row[c]) for c in journeys.STAGE_FIGURES), (area, stage)
        kept = mine[mine["stage"] == "Placed → Adoption order"].iloc[0]
        assert not _is_words(kept["n"])  # 903 gives placements and adoption orders
    drawn = journeys.stages_marked(stages, marks, words=False)
    assert drawn[(drawn["area"] == "887") & (drawn["stage"] == into)]["mean_days"].isna().all()


def test_a_stage_903_cannot_give_is_not_a_low_number(from_903, ref) -> None:
    """The "fewer than N children" note goes with a low-number mark, never with a stage (or a characteristic)
    Medway's 903 files cannot give: those rows' `low_n` is cleared when they are marked not provided."""
    stages = journeys.stage_durations(from_903, REQUEST)
    marks = journeys.stages_not_provided(from_903, REQUEST)
    medway = stages[stages["area"] == "887"]
    unprovided = medway["stage"].isin(marks["887"])
    assert medway[unprovided]["low_n"].all()  # n = 0 as computed: the flag the note used to count
    for words in (True, False):
        marked = journeys.stages_marked(stages, marks, words=words)
        assert not marked[(marked["area"] == "887") & marked["stage"].isin(marks["887"])]["low_n"].any()
        kept = marked[(marked["area"] == "887") & ~marked["stage"].isin(marks["887"])]
        assert (kept["low_n"] == medway[~unprovided]["low_n"]).all()  # a stage 903 gives keeps its flag
    text = journeys.stages_marked(suppression.as_text(stages), marks)  # the table shown and its download
    assert (text[(text["area"] == "887") & text["stage"].isin(marks["887"])]["low_n"] == "").all()
    drawn = journeys.stages_marked(stages, marks, words=False)
    low = ref.settings.low_n_below
    mine = drawn[drawn["area"] == "887"]
    want = bool(((mine["n"].astype(float) < low) & mine["mean_days"].notna()).any())
    assert indicators.low_n_marked(drawn, "887", "mean_days") is want
    only_unprovided = drawn[(drawn["area"] != "887") | drawn["stage"].isin(marks["887"])]
    assert indicators.low_n_marked(only_unprovided, "887", "mean_days") is False
    chars = characteristics.characteristics(from_903, REQUEST)
    shown = characteristics.marked(chars, characteristics.not_provided(from_903, REQUEST))
    sib = shown[(shown["area"] == "887") & (shown["dimension"] == "sibling_group")]
    assert len(sib) and not sib["low_n"].astype(bool).any()


def test_the_asglb_waiting_download_says_not_provided(from_903) -> None:
    """The regional page's waiting table and its download read the same marked frame."""
    at = journeys.latest_date(from_903, REQUEST)
    waiting = journeys.children_waiting(from_903, REQUEST, at)
    marks = coverage.not_provided_counts(from_903, REQUEST, journeys.WAITING_COUNTS, "waiting_")
    shown = coverage.mark_not_provided(waiting, marks).set_index("area")
    assert shown.at["887", "matched_not_placed"] == NOT_PROVIDED_NOTE
    assert "Medway sent SSDA903 files" in shown.at["region", "not_matched"]
    assert not _is_words(shown.at["887", "waiting"])
