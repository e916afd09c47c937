"""What the performance pages place, built in raa_core: tiles, characteristics words, the reconciliation sentence,
the first reporting year, the low-number flag, the request's threshold set and the sample rule."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from factories import add_drop, empty_warehouse, req, snap
from raa_core import suppression
from raa_core.errors import BadInput
from raa_core.ingest import coverage, freshness
from raa_core.performance import asglb, characteristics, indicators, journeys, reconciliation, recruitment, tiles
from raa_core.periods import FIRST_YEAR, parse_period
from raa_core.reference import load_reference
from raa_core.requests import PerformanceRequest

REF = load_reference()
D = dt.date


def _kid(n: int, entered: dt.date, placed: dt.date, adopted: dt.date) -> dict[str, object]:
    return {"child_id": f"c{n}", "date_of_birth": D(2015, 1, 1), "sex": "F", "ethnicity": "WBRI",
            "entered_care_date": entered, "adm_decision_date": entered, "placement_order_date": entered,
            "matched_date": placed, "placed_date": placed, "adoption_order_date": adopted}


def one_child() -> object:
    """Kent adopts one child in 2018-19 (a low number); Bexley and Medway hold drops with no child adopted."""
    con = empty_warehouse()
    add_drop(con, 886, "2019-06-01", children=[_kid(1, D(2017, 6, 1), D(2018, 5, 1), D(2018, 10, 1))])
    add_drop(con, 303, "2019-06-01", children=[])
    add_drop(con, 887, "2019-06-01", children=[])
    return con


def test_first_reporting_year_is_one_constant() -> None:
    assert parse_period("2015-16") == FIRST_YEAR
    assert indicators.trend_periods("year", last="2016-17")[0] == FIRST_YEAR
    assert asglb.quarter_names(D(2015, 9, 30)) == ["2015-16Q2", "2015-16Q1"]


def test_request_carries_the_threshold_set_and_says_why_input_is_refused() -> None:
    assert PerformanceRequest(period="2018-19").thresholds == "dfe"
    assert req(thresholds="business_case").with_(la_code=886).la_code == 886
    with pytest.raises(BadInput, match="threshold set must be one of"):
        PerformanceRequest.of(period="2018-19", thresholds="nonsense")
    with pytest.raises(BadInput, match="is not a period"):
        PerformanceRequest.of(period="2018")


def test_tiles_carry_every_text_the_page_shows() -> None:
    con = one_child()
    request = req("2018-19", thresholds="business_case")
    sc = indicators.headline_scorecards(snap(con), request)
    raw = indicators.headline_from(sc, "2018-19", "2017-18", "886")
    built = tiles.headline_tiles(raw, suppression.as_text(raw), True, REF)
    a1 = built[0]
    assert [t.indicator for t in built] == list(indicators.INDICATORS)
    assert (a1.label, a1.figure) == ("A1 · care to placement", "334 days")
    assert "n = **1** child · median 334 days" in a1.lines
    assert "Threshold 425 days (business case) · difference -91" in a1.lines
    assert "2017-18: no figure" in a1.lines
    assert ":green-badge[:material/check_circle: Meets threshold]" in a1.badges
    assert ":orange-badge[:material/warning: Low number: 1 child]" in a1.badges
    assert ":orange-badge[:material/schedule: Stale data]" in a1.badges
    assert a1.delta is None and a1.delta_color == "inverse" and built[2].delta_color == "normal"
    assert dataclasses.is_dataclass(a1) and a1.__dataclass_params__.frozen  # type: ignore[attr-defined]
    a3 = built[2]
    assert a3.figure == "100%" and "**1** of 1 child placed within 14 months" in a3.lines
    assert "No threshold in reference data" in a3.lines and "No threshold" in a3.badges


def test_low_number_and_threshold_come_from_the_scorecard_sql() -> None:
    con = one_child()
    sc = indicators.scorecard(snap(con), req("2018-19"))
    assert indicators.low_n_of(sc, "886") and indicators.low_n_of(sc, "886", "A1")
    assert indicators.threshold_of(sc, "A1") == REF.threshold("A1", D(2019, 3, 31))
    assert indicators.threshold_of(sc, "A3") is None
    assert not indicators.adopted_none(sc, "886") and indicators.adopted_none(sc, "303")
    stages = journeys.stage_durations(snap(con), req("2018-19"))
    kent = stages[stages["area"] == "886"]
    assert kent["low_n"].dtype == bool and kent["low_n"].all()  # 1 child (or none) per stage: below the limit


def test_characteristics_words_and_tables() -> None:
    period, at = parse_period("2018-19"), D(2019, 3, 31)
    assert characteristics.group_choice("adopted", period, at) == "adopted in 2018-19"
    assert characteristics.group_choice("waiting", period, at) == "waiting on 31 Mar 2019"
    assert characteristics.group_heading("placed", period, at) == "Children placed for adoption in 2018-19"
    assert characteristics.group_heading("waiting", period, at) == "Children waiting at 31 Mar 2019"
    assert characteristics.no_children_words("placed", period) == "no children placed in 2018-19"
    assert characteristics.HELP.startswith("Characteristics of the children adopted, placed and waiting")
    con = one_child()
    chars = characteristics.characteristics(snap(con), req("2018-19"), at)
    assert characteristics.holds_children(chars, "adopted", "886")
    assert not characteristics.holds_children(chars, "adopted", "303")
    shown = characteristics.table_rows(suppression.as_text(chars), percent_sign=True)
    assert list(shown.columns) == ["dimension_label", "category", "children", "pct"]
    assert "100%" in set(shown["pct"]) and all(v == "" or v.endswith("%") for v in shown["pct"])


def test_reconciliation_sentence_takes_the_business_case_thresholds_from_reference_data() -> None:
    rec = pd.DataFrame({"matches": [True, True, False]})
    assert reconciliation.summary(rec, REF) == (
        "**2 of 3** published figures reproduced from the drops. Differences to threshold use the **business "
        "case** set (business case: 425 / 121 days), as printed.")


def test_sufficiency_series_runs_from_the_first_year_to_the_waiting_date() -> None:
    con = one_child()
    got = recruitment.sufficiency_series(snap(con), req("2018-19"), D(2019, 3, 1))
    dates = sorted(set(got["at"]))
    assert dates[0] == D(2015, 6, 30) and D(2019, 3, 1) in dates and dates[-1] == D(2019, 6, 1)


def test_the_sample_is_decided_by_its_marker_alone() -> None:
    con = one_child()
    assert not freshness.holds_only_sample(snap(con))
    con.execute("INSERT INTO sample_drops SELECT drop_id FROM drops")
    assert freshness.holds_only_sample(snap(con))
    assert freshness.judged_on(snap(con, today=D(2026, 11, 23))) == D(2019, 6, 1)  # the sample's own date
    assert not freshness.holds_only_sample(snap(empty_warehouse()))


def test_held_range_and_newest_year_in_words() -> None:
    assert coverage.held_range_words(snap(empty_warehouse())) == "No drop received yet."
    assert coverage.newest_year(snap(empty_warehouse())) is None
    con = one_child()
    add_drop(con, 303, "2020-05-02", children=[])
    assert coverage.held_range_words(snap(con)) == "Drops held from 1 Jun 2019 to 2 May 2020; before the first, no data."
    assert coverage.newest_year(snap(con)) == "2020-21"


def test_publication_view_of_a_table_and_a_scorecard() -> None:
    from raa_core.performance import publication

    con = one_child()
    table = pd.DataFrame({"area": ["303", "886"], "placements": [3, 12]})
    shown, view = publication.published(snap(con), table, True, (("counts", ["placements"]),))
    assert list(shown["placements"]) == [suppression.HIDDEN, "12"] and view["placements"].isna().iloc[0]
    assert publication.published(snap(con), table, False, (("counts", ["placements"]),))[1] is table
    sc = indicators.scorecard(snap(con), req("2018-19"))
    shown_sc, view_sc = publication.published_scorecard(snap(con), sc, True)
    kent = shown_sc[(shown_sc["indicator"] == "A1") & (shown_sc["area"] == "886")].iloc[0]
    assert kent["n"] == suppression.HIDDEN and len(view_sc) == len(sc)
