"""AppTest for the performance views (docs/indicators.md, docs/asglb.md): threshold sets, children waiting as the ASGLB counts them, characteristics,
households in assessment, the ASGLB return, and no data said in words (never 0), on the sample warehouse and
on a warehouse holding the issue's example child."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pytest
import streamlit as st_

from appkit import LOCAL, REGIONAL, connect, markdown, open_page, tiles
from conftest import _add_test_users
from factories import add_drop, req, snap
from raa_core import suppression
from raa_core.performance import asglb, characteristics, journeys, recruitment
from raa_core.periods import parse_period
from raa_core.requests import CURRENT
from raa_core.store import warehouse

NO_DATA = "no drop received by 30 Jun 2019; first drop 25 Sep 2026"


def test_regional_tiles_say_which_threshold_set_and_switch_to_the_business_case(app_env: Path) -> None:
    at = open_page(REGIONAL, council="886", year="2018-19")
    assert "Threshold 426 days (DfE) · difference -63" in markdown(at)  # the default set
    at.button_group(key="threshold_set").set_value("business_case").run()
    assert not at.exception, at.exception
    assert "Threshold 425 days (business case) · difference -62" in markdown(at)
    assert tiles(at)["A1"] == "363 days"


def test_regional_waiting_table_and_characteristics_equal_raa_core(app_env: Path, ref: Any) -> None:
    at = open_page(REGIONAL, council="887", year="2018-19")
    p = parse_period("2018-19")
    con = connect(app_env)
    try:
        waiting = journeys.children_waiting(snap(con, ref=ref), req(), p.end).set_index("area")
        chars = characteristics.characteristics(snap(con, ref=ref), req(p), p.end)
    finally:
        con.close()
    table = next(d.value for d in at.dataframe if "Children waiting" in d.value.columns)
    assert list(table["Children waiting"]) == [journeys.WAITING_LABELS[c] for c in journeys.WAITING_COUNTS]
    assert list(table["Medway"]) == [str(int(waiting.at["887", c])) for c in journeys.WAITING_COUNTS]
    assert list(table["Region (all children)"]) == [str(int(waiting.at["region", c])) for c in journeys.WAITING_COUNTS]
    shown = next(d.value for d in at.dataframe if "Characteristic" in d.value.columns)
    mine = chars[(chars["group"] == "adopted") & (chars["area"] == "887")]
    assert list(shown["Children"]) == [str(v) for v in mine["children"]]
    assert list(shown["% of n"]) == [f"{v}%" for v in mine["pct"]]
    at.button_group(key="characteristics_group").set_value("waiting").run()
    shown = next(d.value for d in at.dataframe if "Characteristic" in d.value.columns)
    mine = chars[(chars["group"] == "waiting") & (chars["area"] == "887")]
    assert list(shown["Children"]) == [str(v) for v in mine["children"]]
    assert f"n = {int(waiting.at['887', 'waiting'])}" in " ".join(c.value for c in at.caption)


def test_publication_view_suppresses_small_waiting_and_characteristics_counts(app_env: Path) -> None:
    at = open_page(REGIONAL, council="303", year="2018-19")
    at.toggle(key="publication").set_value(True).run()
    assert not at.exception, at.exception
    small = {"1", "2", "3", "4", "5"}
    for d in at.dataframe:
        df = d.value
        for col in ("Bexley", "Children"):
            if col in df.columns:
                assert not small & set(df[col].astype(str)), (col, list(df[col]))


def test_asglb_return_on_the_page_equals_raa_core(app_env: Path, ref: Any) -> None:
    at = open_page(REGIONAL)
    assert at.selectbox(key="regional_quarter").value == "2026-27Q2"
    assert not any("rule" in d.value.columns for d in at.dataframe)  # built only when asked for
    at.toggle(key="regional_asglb_show").set_value(True).run()
    assert not at.exception, at.exception
    con = connect(app_env)
    try:
        ret = asglb.asglb_return(snap(con, ref=ref), CURRENT, asglb.parse_quarter("2026-27Q2"))
    finally:
        con.close()
    wide = next(d.value for d in at.dataframe if "rule" in d.value.columns)
    assert list(wide["item"]) == list(asglb.ITEM_KEYS)
    want = asglb.wide_text(ret)
    for col in ("Bexley", "Kent", "Medway", "RAA"):
        assert [str(v) for v in wide[col]] == [str(v) for v in want[col]], col
    assert "not held" in set(wide["Kent"])


def test_local_page_shows_households_in_assessment_and_the_waiting_counts(app_env: Path, ref: Any) -> None:
    at = open_page(LOCAL, council="886", year="2018-19")
    p = parse_period("2018-19")
    con = connect(app_env)
    try:
        homes = recruitment.households_in_assessment(snap(con, ref=ref), req(), [p.end]).set_index("area").loc["886"]
        waiting = journeys.children_waiting(snap(con, ref=ref), req(), p.end).set_index("area").loc["886"]
        act = recruitment.recruitment_activity(snap(con, ref=ref), req(), p).set_index("area").loc["886"]
    finally:
        con.close()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["In assessment (31 Mar 2019)"] == str(homes["in_assessment"])
    assert (metrics["In stage 1"], metrics["In stage 2"]) == (str(homes["in_stage1"]), str(homes["in_stage2"]))
    assert metrics["Approved, withdrew before a match (2018-19)"] == str(act["approved_withdrawn"])
    assert metrics["With a placement order, not matched"] == str(waiting["with_po_not_matched"])
    assert metrics["Order 12 months or more ago"] == str(waiting["po_12m_plus"])
    assert any("Characteristic" in d.value.columns for d in at.dataframe)


@pytest.mark.parametrize("page", [REGIONAL, LOCAL])
def test_as_at_before_the_first_drop_says_no_data_in_words(app_env: Path, page: str) -> None:
    at = open_page(page, council="886", year="2018-19", as_at=dt.date(2019, 6, 30))
    warned = " ".join(w.value for w in at.warning)
    assert NO_DATA in warned and "No data, not zero" in warned
    assert NO_DATA in " ".join(i.value for i in at.info)
    assert not [m for m in at.metric if m.value == "0" and m.label.startswith("Children waiting")]


def test_overview_honours_as_at_and_the_picker_shows_the_data_range(app_env: Path) -> None:
    from streamlit.testing.v1 import AppTest

    from conftest import APP

    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    assert "Drops held from 25 Sep 2026 to 20 Nov 2026" in " ".join(c.value for c in at.sidebar.caption)
    at.text_input(key="as_at").input("30/06/2019").run()
    assert not at.exception, at.exception
    text = " ".join(m.value for m in at.markdown)
    assert f"**children**: {NO_DATA}" in text
    at.text_input(key="as_at").input("1 Oct 2026").run()
    text = " ".join(m.value for m in at.markdown)
    assert "**children**: drop of 25 Sep 2026" in text and NO_DATA not in text
    # a day that cannot be read, or one in the future, is said under the field; today's figures are shown
    for typed, says in (("31/02/2026", "is not a date"), ("21 Nov 2026", "is in the future")):
        at.text_input(key="as_at").input(typed).run()
        assert not at.exception, at.exception
        said = " ".join(e.value for e in at.sidebar.error)
        assert says in said and said.endswith(". The figures shown are as at 20 Nov 2026."), said
        shown = " ".join(m.value for m in at.markdown)
        assert "drop of 25 Sep 2026" not in shown and NO_DATA not in shown


@pytest.fixture
def example_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, app_env: Path) -> Path:
    """The app over a warehouse holding an example child (council 886, adopted in 2018-19)."""
    db = tmp_path / "example" / "raa.duckdb"
    db.parent.mkdir()
    version = db.parent / "raa.duckdb.v000001"
    con = duckdb.connect(str(version))
    warehouse.create_schema(con)
    add_drop(con, 886, "2019-06-01", children=[{
        "child_id": "x1", "sex": "F", "date_of_birth": dt.date(2016, 5, 1), "entered_care_date": dt.date(2017, 1, 10),
        "adm_decision_date": dt.date(2017, 4, 1), "placed_with_consent": True,
        "placement_order_date": dt.date(2017, 7, 1), "matched_date": dt.date(2017, 10, 2),
        "placed_date": dt.date(2017, 11, 1), "adoption_order_date": dt.date(2018, 6, 1),
    }])
    con.close()
    db.symlink_to(version.name)
    monkeypatch.setenv("RAA_DB", str(db))
    _add_test_users(db)  # the signed-in test users live in the app-state store beside the warehouse
    st_.cache_data.clear()
    st_.cache_resource.clear()
    return db


def test_issue_example_a2_93_days_n_1_on_the_page(example_env: Path) -> None:
    at = open_page(REGIONAL, council="886", year="2018-19")
    assert tiles(at)["A2"] == "93 days"
    assert "n = **1** child · median 93 days" in markdown(at)
    assert suppression.HIDDEN not in tiles(at).values()
