"""Scorecard indicators A1, A2, A3, A10: hand-built journeys with known answers, and properties."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import duckdb
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factories import HOS, add_drop, empty_warehouse, req, snap
from raa_core.performance.indicators import (
    DEFINITIONS,
    INDICATORS,
    compare_council,
    compare_marked,
    compare_table,
    definition,
    headline,
    kpi_report,
    rag,
    region_and_mean,
    scorecard,
    trend,
)
from raa_core.performance.journeys import a1_distribution
from raa_core.performance.performance_charts import LOW_N_MARK
from raa_core.performance.reconciliation import reconcile
from raa_core.periods import parse_period
from raa_core.reference import load_reference
from raa_core.suppression import as_text, masked, shown_from_masked, suppress_scorecard

D = dt.date
REF = load_reference()
Y1819 = parse_period("2018-19")
_seq = iter(range(10**9))


def kid(
    entered: dt.date,
    placed: dt.date | None,
    adopted: dt.date | None,
    po: dt.date | None = None,
    matched: dt.date | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """One child's journey row."""
    return {
        "child_id": f"c{next(_seq)}",
        "sex": "F",
        "date_of_birth": entered - dt.timedelta(days=200),
        "entered_care_date": entered,
        "placement_order_date": po,
        "matched_date": matched,
        "placed_date": placed,
        "adoption_order_date": adopted,
        **extra,
    }


def warehouse_with(children_by_council: dict[int, list[dict[str, Any]]]) -> duckdb.DuckDBPyConnection:
    con = empty_warehouse()
    for la, rows in children_by_council.items():
        add_drop(con, la, "2024-01-05", children=rows)
    return con


def row(df: pd.DataFrame, indicator: str, area: str) -> pd.Series:
    got = df[(df["indicator"] == indicator) & (df["area"] == area)]
    assert len(got) == 1, (indicator, area)
    return got.iloc[0]


def value(df: pd.DataFrame, indicator: str, area: str) -> Any:
    v = row(df, indicator, area)["value"]
    return None if pd.isna(v) else int(v)


# --- A3: the 14-month boundary -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entered", "placed", "within"),
    [
        (D(2017, 1, 15), D(2018, 3, 15), False),  # exactly 14 months: not "less than 14 months"
        (D(2017, 1, 15), D(2018, 3, 14), True),  # one day earlier
        (D(2016, 12, 31), D(2018, 2, 28), False),  # 31 December + 14 months = 28 February
        (D(2016, 12, 31), D(2018, 2, 27), True),
        (D(2017, 12, 31), D(2019, 2, 28), False),
        (D(2016, 2, 29), D(2017, 4, 29), False),  # leap day entering care: + 14 months = 29 April
        (D(2016, 2, 29), D(2017, 4, 28), True),
        (D(2017, 1, 1), D(2017, 1, 1), True),  # placed the day care began
    ],
)
def test_a3_counts_placements_before_the_day_14_months_after_entering_care(
    entered: dt.date, placed: dt.date, within: bool
) -> None:
    con = warehouse_with({886: [kid(entered, placed, D(2018, 6, 1) if placed < D(2018, 6, 1) else D(2019, 3, 1))]})
    sc = scorecard(snap(con, ref=REF), req(Y1819))
    r = row(sc, "A3", "886")
    assert int(r["n"]) == 1
    assert int(r["count"]) == int(within)
    assert int(r["value"]) == (100 if within else 0)


def test_a3_leap_year_31_december_ends_on_29_february() -> None:
    # 31 Dec 2018 + 14 months = 29 Feb 2020 (leap year): placed 28 Feb is within, 29 Feb is not.
    con = warehouse_with(
        {
            303: [
                kid(D(2018, 12, 31), D(2020, 2, 28), D(2020, 6, 1)),
                kid(D(2018, 12, 31), D(2020, 2, 29), D(2020, 6, 1)),
            ]
        }
    )
    r = row(scorecard(snap(con, ref=REF), req(parse_period("2020-21"))), "A3", "303")
    assert (int(r["count"]), int(r["n"]), int(r["value"])) == (1, 2, 50)


def test_a1_counts_calendar_days_across_a_leap_day() -> None:
    con = warehouse_with({887: [kid(D(2016, 2, 28), D(2017, 2, 28), D(2018, 5, 1))]})
    assert value(scorecard(snap(con, ref=REF), req(Y1819)), "A1", "887") == 366


# --- A2 ---------------------------------------------------------------------------------------------


def test_a2_counts_a_match_before_the_placement_order_as_zero() -> None:
    con = warehouse_with(
        {
            886: [
                kid(D(2017, 1, 1), D(2018, 1, 1), D(2018, 6, 1), po=D(2017, 6, 1), matched=D(2017, 5, 1)),
                kid(D(2017, 1, 1), D(2018, 1, 1), D(2018, 6, 1), po=D(2017, 6, 1), matched=D(2017, 7, 1)),
            ]
        }
    )
    r = row(scorecard(snap(con, ref=REF), req(Y1819)), "A2", "886")
    assert (int(r["n"]), int(r["value"])) == (2, 15)  # (0 + 30) / 2


def test_a2_tests_the_order_not_consent_and_leaves_out_children_placed_on_the_order_day() -> None:
    counted = kid(D(2017, 1, 1), D(2018, 1, 1), D(2018, 6, 1), po=D(2017, 6, 1), matched=D(2017, 8, 10))
    consent = kid(D(2017, 1, 1), D(2018, 1, 1), D(2018, 6, 1), matched=D(2017, 8, 1), placed_with_consent=True)
    consent_with_po = kid(
        D(2017, 1, 1), D(2018, 1, 1), D(2018, 6, 1), po=D(2017, 6, 1), matched=D(2018, 1, 1), placed_with_consent=True
    )
    same_day = kid(D(2017, 1, 1), D(2018, 6, 1), D(2018, 6, 1), po=D(2017, 6, 1), matched=D(2018, 5, 1))
    no_match = kid(D(2017, 1, 1), D(2018, 1, 1), D(2018, 6, 1), po=D(2017, 6, 1))
    con = warehouse_with({303: [counted, consent, consent_with_po, same_day, no_match]})
    sc = scorecard(snap(con, ref=REF), req(Y1819))
    a2 = row(sc, "A2", "303")
    # counted (70 days) and consent_with_po (214 days): DfE's test is the order (v2)
    assert (int(a2["n"]), int(a2["value"]), int(a2["median"])) == (2, 142, 142)
    assert int(row(sc, "A1", "303")["n"]) == 5  # all five are in the A1 cohort


def test_issue_example_a2_is_93_days_for_a_child_placed_with_consent_who_has_an_order() -> None:
    """Issue 12, point 1: council 886, 2018-19, one child; before v2 the child was left out (n = 0)."""
    child = kid(
        D(2017, 1, 10), D(2017, 11, 1), D(2018, 6, 1), po=D(2017, 7, 1), matched=D(2017, 10, 2),
        adm_decision_date=D(2017, 4, 1), placed_with_consent=True,
    )
    sc = scorecard(snap(warehouse_with({886: [child]}), ref=REF), req(Y1819))
    a2 = row(sc, "A2", "886")
    assert (int(a2["value"]), int(a2["n"])) == (93, 1)
    doc = kpi_report(snap(warehouse_with({886: [child]}), ref=REF), req("2018-19"))
    got = next(r for r in doc["rows"] if r["indicator"] == "A2" and r["area"] == "886")
    assert (got["value"], got["n"], got["threshold"], got["difference"], got["threshold_set"]) == (
        93, 1, 121, -28, "dfe")


def test_issue_example_a2_through_raa_kpi(tmp_path, capsys) -> None:
    from raa_core import cli
    from raa_core.store import warehouse

    db = tmp_path / "raa.duckdb"
    con = duckdb.connect(str(db))
    warehouse.create_schema(con)
    add_drop(con, 886, "2019-06-01", children=[kid(
        D(2017, 1, 10), D(2017, 11, 1), D(2018, 6, 1), po=D(2017, 7, 1), matched=D(2017, 10, 2),
        adm_decision_date=D(2017, 4, 1), placed_with_consent=True,
    )])
    con.close()
    assert cli.main(["kpi", "--period", "2018-19", "--json", "--db", str(db)]) == 0
    rows = {(r["indicator"], r["area"]): r for r in json.loads(capsys.readouterr().out)["rows"]}
    assert (rows[("A2", "886")]["value"], rows[("A2", "886")]["n"]) == (93, 1)


def test_issue_example_adopted_without_a_placement_counts_as_adopted_but_not_in_a1_a2_a3_a10() -> None:
    """Issue 12, point 3: placement order 2017-07-01, no placed or matched date, adoption order 2018-06-01."""
    from raa_core.performance.journeys import activity

    odd = kid(D(2017, 1, 10), None, D(2018, 6, 1), po=D(2017, 7, 1))
    normal = kid(D(2017, 1, 10), D(2017, 11, 1), D(2018, 6, 1), po=D(2017, 7, 1), matched=D(2017, 10, 2))
    con = warehouse_with({886: [odd, normal]})
    sc = scorecard(snap(con, ref=REF), req(Y1819))
    assert {ind: int(row(sc, ind, "886")["n"]) for ind in INDICATORS} == {"A1": 1, "A2": 1, "A3": 1, "A10": 1}
    act = activity(snap(con, ref=REF), req(), Y1819).set_index("area").loc["886"]
    assert (int(act["adoption_orders"]), int(act["adopted_without_placement"])) == (2, 1)


# --- A10 --------------------------------------------------------------------------------------------


def test_a10_ends_when_the_child_moved_in_with_foster_carers_who_adopted() -> None:
    rows = [
        kid(D(2017, 1, 1), D(2018, 1, 1), D(2018, 6, 1), fostered_by_adopters_from=D(2017, 3, 1)),  # 59 v 365
        kid(D(2017, 1, 1), D(2018, 1, 1), D(2018, 6, 1), fostered_by_adopters_from=D(2018, 2, 1)),  # later: 365
        kid(D(2017, 1, 1), D(2018, 1, 1), D(2018, 6, 1), fostered_by_adopters_from=D(2016, 12, 1)),  # before care: 0
        kid(D(2017, 1, 1), D(2018, 1, 1), D(2018, 6, 1)),  # 365
    ]
    sc = scorecard(snap(warehouse_with({886: rows}), ref=REF), req(Y1819))
    assert value(sc, "A1", "886") == 365
    assert value(sc, "A10", "886") == 197  # (59 + 365 + 0 + 365) / 4 = 197.25
    assert int(row(sc, "A10", "886")["median"]) == 212  # (59 + 365) / 2


# --- periods, cohorts and empty periods -----------------------------------------------------------


def test_adoption_orders_on_1_april_and_31_march_fall_in_the_right_year() -> None:
    april = kid(D(2017, 1, 1), D(2017, 11, 1), D(2018, 4, 1))
    march = kid(D(2017, 1, 1), D(2018, 1, 1), D(2019, 3, 31))
    march_before = kid(D(2016, 1, 1), D(2017, 1, 1), D(2018, 3, 31))
    con = warehouse_with({886: [april, march, march_before]})
    assert int(row(scorecard(snap(con, ref=REF), req(Y1819)), "A1", "886")["n"]) == 2
    prior = scorecard(snap(con, ref=REF), req(parse_period("2017-18")))
    assert (int(row(prior, "A1", "886")["n"]), value(prior, "A1", "886")) == (1, 366)
    assert int(row(scorecard(snap(con, ref=REF), req(parse_period("2015-18"))), "A1", "886")["n"]) == 1
    assert int(row(scorecard(snap(con, ref=REF), req(parse_period("2016-19"))), "A1", "886")["n"]) == 3


def test_an_empty_period_gives_nulls_not_errors() -> None:
    con = warehouse_with({886: [kid(D(2017, 1, 1), D(2018, 1, 1), D(2018, 6, 1))]})
    sc = scorecard(snap(con, ref=REF), req(parse_period("2022-23")))
    assert len(sc) == 4 * 5
    assert (sc["n"] == 0).all() and sc["low_n"].all()
    for col in ("value", "median", "difference"):
        assert sc[col].isna().all(), col
    assert (sc.loc[sc["indicator"] == "A3", "count"] == 0).all()
    assert sc["threshold"].notna().sum() == 3 * 5  # A1, A2, A10 thresholds still shown
    doc = kpi_report(snap(con, ref=REF), req("2022-23"))
    assert all(r["value"] is None and r["n"] == 0 for r in doc["rows"])
    json.dumps(doc)


def test_a_warehouse_with_no_drops_gives_every_council_with_n_zero() -> None:
    sc = scorecard(snap(empty_warehouse(), ref=REF), req(Y1819))
    assert sorted(set(sc["area"])) == sorted([str(c) for c in REF.la_codes] + ["region", "region_mean"])
    assert (sc["n"] == 0).all()


def test_as_at_uses_the_drop_current_at_that_date() -> None:
    con = empty_warehouse()
    add_drop(con, 303, "2019-01-10", children=[kid(D(2017, 1, 1), D(2018, 1, 1), D(2018, 6, 1))])
    add_drop(
        con,
        303,
        "2019-06-10",
        children=[kid(D(2017, 1, 1), D(2018, 1, 1), D(2018, 6, 1)), kid(D(2017, 1, 1), D(2018, 3, 1), D(2019, 2, 1))],
    )
    assert int(row(scorecard(snap(con, ref=REF), req(Y1819, as_at=D(2019, 2, 1))), "A1", "303")["n"]) == 1
    assert int(row(scorecard(snap(con, ref=REF), req(Y1819)), "A1", "303")["n"]) == 2


# --- rounding, region and region_mean -----------------------------------------------------------


def test_means_and_medians_round_half_away_from_zero_and_percent_from_unrounded_counts() -> None:
    rows = [kid(D(2017, 1, 1), D(2017, 1, 2), D(2018, 6, 1)), kid(D(2017, 1, 1), D(2017, 1, 3), D(2018, 6, 1))]
    rows += [kid(D(2017, 1, 1), D(2018, 12, 1), D(2019, 1, 1)) for _ in range(6)]
    sc = scorecard(snap(warehouse_with({303: rows[:2], 886: rows}), ref=REF), req(Y1819))
    assert (value(sc, "A1", "303"), int(row(sc, "A1", "303")["median"])) == (2, 2)  # 1.5 -> 2
    a3 = row(sc, "A3", "886")
    assert (int(a3["count"]), int(a3["n"]), int(a3["value"])) == (2, 8, 25)
    a3 = row(sc, "A3", "region")
    assert (int(a3["count"]), int(a3["n"]), int(a3["value"])) == (4, 10, 40)


def business_case_cohort() -> dict[int, list[dict[str, Any]]]:
    """One or more children per council giving the business case's 2018-19 A1 and A2 figures."""

    def child(a1: int, a2: int) -> dict[str, Any]:
        entered = D(2017, 1, 1)
        placed = entered + dt.timedelta(days=a1)
        po = entered + dt.timedelta(days=10)
        return kid(entered, placed, D(2018, 9, 1), po=po, matched=po + dt.timedelta(days=a2))

    return {
        303: [child(340, 74)],
        886: [child(363, 120), child(363, 120)],
        887: [child(560, 210), child(578, 224), child(569, 217)],
    }


def test_region_mean_is_the_plain_mean_of_council_figures_as_in_the_business_case() -> None:
    sc = scorecard(snap(warehouse_with(business_case_cohort()), ref=REF), req(Y1819))
    assert [value(sc, "A1", a) for a in ("303", "886", "887")] == [340, 363, 569]
    assert [value(sc, "A2", a) for a in ("303", "886", "887")] == [74, 120, 217]
    rm1, rm2 = row(sc, "A1", "region_mean"), row(sc, "A2", "region_mean")
    assert (int(rm1["value"]), int(rm1["difference"]), int(rm1["threshold"])) == (424, -2, 426)  # dfe
    sc = scorecard(snap(warehouse_with(business_case_cohort()), ref=REF), req(Y1819, thresholds="business_case"))
    rm1, rm2 = row(sc, "A1", "region_mean"), row(sc, "A2", "region_mean")
    assert (int(rm1["value"]), int(rm1["difference"]), int(rm1["threshold"])) == (424, -1, 425)
    assert rm1["threshold_set"] == rm2["threshold_set"] == "business_case"
    assert (int(rm2["value"]), int(rm2["difference"]), int(rm2["threshold"])) == (137, 16, 121)
    assert pd.isna(rm1["median"]) and int(rm1["n"]) == 6
    # Child-weighted: (340 + 2*363 + 560 + 578 + 569) / 6 = 462.17
    assert value(sc, "A1", "region") == 462
    assert [int(row(sc, "A1", a)["difference"]) for a in ("303", "886", "887")] == [-85, -62, 144]
    assert [int(row(sc, "A2", a)["difference"]) for a in ("303", "886", "887")] == [-47, -1, 96]
    assert bool(row(sc, "A2", "303")["low_n"]) and int(row(sc, "A2", "303")["n"]) == 1
    assert int(row(sc, "A1", "886")["national"]) == 558 and int(row(sc, "A3", "886")["national"]) == 47


def test_reconciliation_sets_published_figures_beside_computed_ones() -> None:
    rec = reconcile(snap(warehouse_with(business_case_cohort()), ref=REF))
    assert len(rec) == len(REF.published)
    got = rec[(rec["period"] == "2018-19") & rec["indicator"].isin(["A1", "A2"])]
    assert got["matches"].all(), got
    assert (got["difference"] == 0).all()
    rm = got[(got["area"] == "region_mean") & (got["indicator"] == "A2")].iloc[0]
    assert (int(rm["published_difference"]), int(rm["computed_difference"])) == (16, 16)
    other = rec[rec["period"] == "2015-18"]
    assert not other["matches"].any()  # no 2015-18 children in this warehouse
    a3 = rec[(rec["indicator"] == "A3") & (rec["area"] == "887") & (rec["period"] == "2018-19")].iloc[0]
    assert (int(a3["published"]), int(a3["computed"]), int(a3["difference"])) == (8, 0, -8)


def test_kpi_report_has_the_cli_shape() -> None:
    doc = kpi_report(snap(warehouse_with(business_case_cohort()), ref=REF), req("2018-19"))
    assert (doc["period"], doc["start"], doc["end"]) == ("2018-19", "2018-04-01", "2019-03-31")
    base = {"indicator", "area", "value", "median", "n", "threshold", "difference", "low_n", "threshold_set"}
    for r in doc["rows"]:
        assert set(r) == (base | {"count"} if r["indicator"] == "A3" else base)
        assert isinstance(r["n"], int) and isinstance(r["low_n"], bool)
    kent = next(r for r in doc["rows"] if r["indicator"] == "A1" and r["area"] == "886")
    assert kent == {
        "indicator": "A1",
        "area": "886",
        "value": 363,
        "median": 363,
        "n": 2,
        "threshold": 426,
        "difference": -63,
        "low_n": True,
        "threshold_set": "dfe",
    }
    assert json.loads(json.dumps(doc)) == doc
    with pytest.raises(ValueError):
        kpi_report(snap(empty_warehouse(), ref=REF), req("2018-20"))


def test_trend_gives_each_period_the_scorecard_figure() -> None:
    con = warehouse_with(business_case_cohort() | {886: [kid(D(2015, 1, 1), D(2016, 1, 1), D(2016, 5, 1))]})
    years = trend(snap(con, ref=REF), req(), "A1", "year", "2015-16")
    assert list(dict.fromkeys(years["period"])) == ["2015-16", "2016-17", "2017-18", "2018-19"]
    rolling = trend(snap(con, ref=REF), req(), "A1", "three_year", "2015-16")
    assert list(dict.fromkeys(rolling["period"])) == ["2015-18", "2016-19"]
    for _, r in pd.concat([years, rolling]).iterrows():
        one = scorecard(snap(con, ref=REF), req(parse_period(r["period"])))
        assert int(row(one, "A1", r["area"])["n"]) == int(r["n"])
    assert (years["indicator"] == "A1").all()


# --- headline tiles, RAG, region beside the mean of councils, best partner ---------------------------


def test_headline_gives_each_indicator_with_threshold_national_rag_and_change() -> None:
    cohort = business_case_cohort()
    earlier = [kid(D(2016, 1, 1), D(2016, 1, 1) + dt.timedelta(days=d), D(2017, 6, 1)) for d in (400, 500)]
    con = warehouse_with(cohort | {886: [*cohort[886], *earlier]})
    tiles = headline(snap(con, ref=REF), req("2018-19", thresholds="business_case"), "886")
    assert list(tiles["indicator"]) == list(INDICATORS)
    assert tiles.set_index("indicator").at["A1", "threshold_set"] == "business_case"
    a1 = tiles.set_index("indicator").loc["A1"]
    assert (a1["value"], a1["n"], a1["threshold"], a1["difference"], a1["national"]) == (363, 2, 425, -62, 558)
    assert (a1["previous_period"], a1["previous_value"], a1["previous_n"], a1["change"]) == ("2017-18", 450, 2, -87)
    assert a1["rag"] == "green" and bool(a1["low_n"])
    a3 = tiles.set_index("indicator").loc["A3"]
    assert (a3["value"], a3["count"], a3["rag"]) == (100, 2, None)  # A3 has no threshold: no RAG
    medway = headline(snap(con, ref=REF), req("2018-19"), "887").set_index("indicator")
    assert medway.loc["A1", "rag"] == "red" and pd.isna(medway.loc["A1", "change"])  # no 2017-18 figure
    region = headline(snap(con, ref=REF), req(parse_period("2018-19")))
    assert int(region.set_index("indicator").loc["A1", "n"]) == 6


def test_rag_meets_the_threshold_in_the_indicators_better_direction() -> None:
    assert [rag("A1", v, 425) for v in (424, 425, 426)] == ["green", "green", "red"]
    assert rag("A3", 60, 60) == "green" and rag("A3", 59, 60) == "red"
    assert rag("A3", 80, None) is None and rag("A2", None, 121) is None


def test_region_beside_the_mean_of_councils() -> None:
    sc = scorecard(snap(warehouse_with(business_case_cohort()), ref=REF), req(Y1819))
    both = region_and_mean(sc).set_index("indicator")
    assert (both.loc["A1", "region"], both.loc["A1", "region_mean"], both.loc["A1", "gap"]) == (462, 424, -38)
    assert (both.loc["A1", "region_n"], both.loc["A1", "councils"]) == (6, 3)


def test_best_partner_is_chosen_among_councils_with_enough_children() -> None:
    cohort = business_case_cohort()
    cohort[887] = [*cohort[887], *business_case_cohort()[887]]  # Medway: 6 children, the only one not low-n
    sc = scorecard(snap(warehouse_with(cohort), ref=REF), req(Y1819))
    comp = compare_council(sc, "886").set_index("indicator")
    assert (comp.loc["A1", "best"], comp.loc["A1", "best_area"], comp.loc["A1", "best_n"]) == (569, "887", 6)
    assert (comp.loc["A1", "council"], comp.loc["A1", "council_n"], comp.loc["A1", "region"]) == (363, 2, 498)
    few = compare_council(scorecard(snap(warehouse_with(business_case_cohort()), ref=REF), req(Y1819)), "887").set_index("indicator")
    assert few.loc["A1", "best_area"] == "303"  # every council is low-n: the best of them all
    # the best partner is never the council itself (Medway's own figure is the one not low-n: its partner is
    # another council's)
    for area in ("303", "886", "887"):
        assert area not in set(compare_council(sc, area)["best_area"].dropna())


def test_compare_table_marks_every_low_number_figure_and_only_those() -> None:
    """The council-against-region table marks a figure resting on fewer than `low_n_below` children (the
    scorecard's own flag), whichever column it stands in; a suppressed figure is never marked."""
    cohort = business_case_cohort()
    cohort[887] = [*cohort[887], *business_case_cohort()[887]]  # Medway: 6 children, the only one not low-n
    sc = scorecard(snap(warehouse_with(cohort), ref=REF), req(Y1819))
    names = {"303": "Bexley", "886": "Kent", "887": "Medway"}
    for area in ("303", "886", "887"):
        comp = compare_council(sc, area)
        table = compare_table(as_text(comp), names).set_index("indicator")
        for key in ("council", "region", "best"):
            for ind, cell in zip(comp["indicator"], table[key], strict=True):
                row = sc[(sc["indicator"] == ind) & (sc["area"] == (comp.set_index("indicator").loc[ind, "best_area"]
                                                                     if key == "best" else area if key == "council"
                                                                     else "region"))]
                low = bool(len(row)) and bool(row["low_n"].iloc[0]) and row["value"].notna().iloc[0]
                assert cell.split(" ")[0].endswith(LOW_N_MARK) == low, (area, key, ind, cell)
        assert compare_marked(comp) == any(table[k].str.split(" ").str[0].str.endswith(LOW_N_MARK).any()
                                           for k in ("council", "region", "best"))
    kent = compare_council(sc, "886")
    assert kent["council_low"].all() and not kent["best_low"].any()  # Kent rests on 2 children, Medway on 6
    hidden = compare_council(masked(sc, suppress_scorecard(sc, REF.settings)), "886")
    shown = compare_table(shown_from_masked(hidden), names)
    cells = [str(c).split(" ")[0] for k in ("council", "region", "best") for c in shown[k]]
    assert "x" in cells and f"x{LOW_N_MARK}" not in cells  # Kent's means over 2 children are suppressed


def test_every_figure_has_a_definition_with_settings_filled_in() -> None:
    assert set(INDICATORS) <= set(DEFINITIONS)
    low = definition("low_n", REF)
    assert f"fewer than {REF.settings.low_n_below} children" in low and "{" not in low
    assert f"marked \\{LOW_N_MARK};" in low  # the charts' mark, escaped for Markdown
    pub = definition("publication", REF)
    assert f"1 to {REF.settings.suppression.count_max}" in pub and "{" not in pub
    assert "14 calendar months" in definition("A3")


# --- properties ------------------------------------------------------------------------------------

COUNCILS = (303, 886, 887)


@st.composite
def journeys(draw: st.DrawFn) -> list[tuple[int, dict[str, Any]]]:
    out = []
    for _ in range(draw(st.integers(0, 25))):
        entered = D(2016, 1, 1) + dt.timedelta(days=draw(st.integers(0, 1200)))
        placed = entered + dt.timedelta(days=draw(st.integers(0, 900)))
        adopted = placed + dt.timedelta(days=draw(st.integers(0, 400)))
        po = draw(st.one_of(st.none(), st.integers(-60, 600).map(lambda d, e=entered: e + dt.timedelta(days=d))))
        matched = draw(st.one_of(st.none(), st.integers(0, 200).map(lambda d, p=placed: p - dt.timedelta(days=d))))
        fba = draw(st.one_of(st.none(), st.integers(-30, 1000).map(lambda d, e=entered: e + dt.timedelta(days=d))))
        extra = {"placed_with_consent": draw(st.booleans()), "fostered_by_adopters_from": fba}
        out.append((draw(st.sampled_from(COUNCILS)), kid(entered, placed, adopted, po=po, matched=matched, **extra)))
    return out


_SHARED = empty_warehouse()


def shared_warehouse_with(children_by_council: dict[int, list[dict[str, Any]]]) -> duckdb.DuckDBPyConnection:
    """The module's warehouse emptied and refilled (cheaper than a new one per hypothesis example)."""
    for table in ("children", "adopters", "drops"):
        _SHARED.execute(f"DELETE FROM {table}")
    for la, rows in children_by_council.items():
        add_drop(_SHARED, la, "2024-01-05", children=rows)
    return _SHARED


def _by_council(rows: list[tuple[int, dict[str, Any]]]) -> dict[int, list[dict[str, Any]]]:
    grouped: dict[int, list[dict[str, Any]]] = {c: [] for c in COUNCILS}
    for la, r in rows:
        grouped[la].append(r)
    return grouped


PERIODS = [parse_period("2017-18"), parse_period("2018-19"), parse_period("2016-19")]


@settings(max_examples=25, deadline=None)
@given(rows=journeys(), period=st.sampled_from(PERIODS))
def test_region_n_is_the_sum_of_council_n(rows: list[tuple[int, dict[str, Any]]], period: Any) -> None:
    sc = scorecard(snap(shared_warehouse_with(_by_council(rows)), ref=REF), req(period))
    for ind in ("A1", "A2", "A3", "A10"):
        councils = sc[(sc["indicator"] == ind) & sc["area"].isin([str(c) for c in COUNCILS])]
        total = int(councils["n"].sum())
        assert int(row(sc, ind, "region")["n"]) == total
        assert int(row(sc, ind, "region_mean")["n"]) == total
        if ind == "A3":
            assert int(row(sc, ind, "region")["count"]) == int(councils["count"].sum())


@settings(max_examples=15, deadline=None)
@given(rows=journeys(), seed=st.randoms(use_true_random=False))
def test_row_order_never_changes_a_figure(rows: list[tuple[int, dict[str, Any]]], seed: Any) -> None:
    con = shared_warehouse_with(_by_council(rows))
    before = scorecard(snap(con, ref=REF), req(parse_period("2016-19")))
    shuffled = list(rows)
    seed.shuffle(shuffled)
    grouped = _by_council(shuffled)
    for la in COUNCILS:  # a newer drop of the same rows in another order becomes the current state
        add_drop(con, la, "2024-02-01", children=grouped[la])
    after = scorecard(snap(con, ref=REF), req(parse_period("2016-19")))
    pd.testing.assert_frame_equal(before, after)
    assert (before["low_n"] == (before["n"] < REF.settings.low_n_below)).all()


@settings(max_examples=25, deadline=None)
@given(rows=journeys())
def test_a10_never_exceeds_a1(rows: list[tuple[int, dict[str, Any]]]) -> None:
    con = shared_warehouse_with(_by_council(rows))
    sc = scorecard(snap(con, ref=REF), req(parse_period("2016-19")))
    for area in set(sc["area"]):
        a1, a10 = value(sc, "A1", area), value(sc, "A10", area)
        assert (a1 is None) == (a10 is None)
        if a1 is not None:
            assert a10 <= a1
    dist = a1_distribution(snap(con), req(parse_period("2016-19")), viewer=HOS)
    assert (dist["a10_days"] <= dist["a1_days"]).all()
    if len(dist):  # the scorecard's region A1 is the rounded mean of the children's days
        total, n = int(dist["a1_days"].sum()), len(dist)
        assert value(sc, "A1", "region") == (2 * total + n) // (2 * n)
