"""Journeys: stage durations, children waiting at a date, activity per period, quarterly series."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from factories import HOS, add_drop, empty_warehouse, req, snap
from raa_core.performance.indicators import scorecard
from raa_core.performance.journeys import (
    A1_BANDS,
    ACTIVITY_COUNTS,
    a1_bands,
    a1_distribution,
    activity,
    activity_quarterly,
    children_waiting,
    funnel,
    quarter_end_dates,
    stage_durations,
    waiting_bands,
    waiting_days,
    waiting_series,
)
from raa_core.periods import parse_period, quarters
from raa_core.reference import load_reference

D = dt.date
REF = load_reference()
Y1819 = parse_period("2018-19")
_seq = iter(range(10**9))


def kid(entered: dt.date, **dates: Any) -> dict[str, Any]:
    return {
        "child_id": f"c{next(_seq)}",
        "sex": "M",
        "date_of_birth": entered - dt.timedelta(days=100),
        "entered_care_date": entered,
        **dates,
    }


def one(df: pd.DataFrame, **where: Any) -> pd.Series:
    mask = pd.Series(True, index=df.index)
    for k, v in where.items():
        mask &= df[k] == v
    got = df[mask]
    assert len(got) == 1, where
    return got.iloc[0]


# --- stage durations ------------------------------------------------------------------------------


def test_stage_durations_fall_in_the_period_of_the_later_date() -> None:
    a = kid(
        D(2017, 1, 1),
        adm_decision_date=D(2017, 6, 1),
        placement_order_date=D(2018, 5, 1),
        matched_date=D(2018, 4, 20),
        placed_date=D(2018, 7, 1),
        adoption_order_date=D(2019, 4, 1),
    )
    b = kid(
        D(2017, 1, 1),
        adm_decision_date=D(2018, 4, 1),
        placement_order_date=D(2018, 6, 1),
        matched_date=D(2018, 9, 1),
        placed_date=D(2018, 10, 1),
        adoption_order_date=D(2019, 3, 31),
    )
    con = empty_warehouse()
    add_drop(con, 886, "2020-01-01", children=[a, b])
    sd = stage_durations(snap(con, ref=REF), req(), Y1819)
    got = {
        r["to_stage"]: (int(r["n"]), r["mean_days"], r["median_days"]) for _, r in sd[sd["area"] == "886"].iterrows()
    }
    assert got["adm_decision"] == (1, 455, 455)  # b only: 2017-01-01 -> 2018-04-01 (a's ADM is in 2017-18)
    assert got["placement_order"] == (2, 198, 198)  # a: 334, b: 61 -> 197.5 rounds to 198
    assert got["match"] == (2, 46, 46)  # a: match before the order counts 0; b: 92
    assert got["placed"] == (2, 51, 51)  # a: 72; b: 30
    assert got["adoption_order"] == (1, 181, 181)  # b only (a's order is in 2019-20)
    region = sd[sd["area"] == "region"].set_index("to_stage")
    assert region.loc["placement_order", "n"] == 2
    empty = sd[sd["area"] == "303"]
    assert (empty["n"] == 0).all() and empty["mean_days"].isna().all()
    assert list(sd["stage"].iloc[:1]) == ["Entered care → ADM decision"]


# --- children waiting -------------------------------------------------------------------------------

AT = D(2019, 6, 30)


def waiting_children() -> list[dict[str, Any]]:
    return [
        # waiting: ADM only, 171 days
        kid(D(2018, 10, 1), adm_decision_date=D(2019, 1, 10)),
        # waiting: order more than 12 (not 18) months ago, care more than 18 months ago, placed after AT
        kid(
            D(2017, 6, 1),
            adm_decision_date=D(2017, 12, 1),
            placement_order_date=D(2018, 1, 15),
            placed_date=D(2019, 7, 1),
        ),
        # waiting: order more than 18 months ago (29 Dec 2017 + 18 months = 29 June 2019 < AT)
        kid(D(2017, 10, 1), placement_order_date=D(2017, 12, 29)),
        # waiting: order exactly 12 months before AT counts as "12 months or more" (ASGLB)
        kid(D(2018, 1, 1), adm_decision_date=D(2018, 5, 1), placement_order_date=D(2018, 6, 30)),
        # waiting: plan reversed only after AT
        kid(D(2018, 1, 1), adm_decision_date=D(2018, 12, 1), plan_reversed_date=D(2019, 8, 1)),
        # not waiting: placed on AT, reversed before AT, decision after AT, adopted
        kid(D(2018, 1, 1), adm_decision_date=D(2018, 3, 1), placed_date=AT),
        kid(D(2018, 1, 1), adm_decision_date=D(2018, 3, 1), plan_reversed_date=D(2019, 5, 1)),
        kid(D(2018, 1, 1), adm_decision_date=D(2019, 7, 1)),
        kid(
            D(2016, 1, 1), adm_decision_date=D(2016, 3, 1), placed_date=D(2016, 9, 1), adoption_order_date=D(2017, 3, 1)
        ),
        # not waiting: no decision at all
        kid(D(2018, 1, 1)),
    ]


def test_children_waiting_at_a_date_with_breakdowns() -> None:
    con = empty_warehouse()
    add_drop(con, 887, "2019-09-01", children=waiting_children())
    w = one(children_waiting(snap(con, ref=REF), req(), AT), area="887")
    assert int(w["waiting"]) == 5
    assert int(w["with_po"]) == 3
    assert int(w["po_12m_plus"]) == 3  # 15 Jan 2018, 29 Dec 2017 and 30 Jun 2018 (exactly 12 months)
    assert int(w["po_18m_plus"]) == 1
    assert int(w["po_care_18m_plus"]) == 2  # with an order; entered 2017-06-01 and 2017-10-01
    assert (int(w["with_po_not_matched"]), int(w["matched_not_placed"]), int(w["not_matched"])) == (3, 0, 5)
    days = sorted(waiting_days(snap(con), req(), AT)["days_waiting"])
    assert days == sorted([171, 576, 548, 425, 211])
    assert int(w["median_days"]) == 425 and int(w["mean_days"]) == round(sum(days) / 5)
    bands = waiting_bands(snap(con, ref=REF), req(), AT)
    b = bands[bands["area"] == "887"].set_index("band")["children"].to_dict()
    assert b == {
        "up to 3 months": 0,
        "3 to 6 months": 1,
        "6 to 12 months": 1,
        "12 to 18 months": 1,
        "over 18 months": 2,
    }
    assert int(one(children_waiting(snap(con, ref=REF), req(), AT), area="region")["waiting"]) == 5
    assert int(one(children_waiting(snap(con, ref=REF), req(), AT), area="303")["waiting"]) == 0


def test_issue_example_a_disrupted_placement_makes_the_child_wait_again() -> None:
    """Issue 12, point 4: matched 2017-10-02, placed 2017-11-01, disrupted 2018-03-01, no adoption order."""
    child = kid(
        D(2017, 1, 10), adm_decision_date=D(2017, 4, 1), placement_order_date=D(2017, 7, 1),
        matched_date=D(2017, 10, 2), placed_date=D(2017, 11, 1), disruption_date=D(2018, 3, 1),
    )
    reversed_ = dict(child, child_id="r1", plan_reversed_date=D(2018, 5, 1))
    replaced = dict(child, child_id="p1", disruption_date=D(2017, 9, 1))  # disrupted before this placement
    con = empty_warehouse()
    add_drop(con, 886, "2019-01-01", children=[child, reversed_, replaced])
    w = one(children_waiting(snap(con, ref=REF), req(), D(2018, 9, 30)), area="886")
    assert (int(w["waiting"]), int(w["with_po"]), int(w["po_12m_plus"]), int(w["after_disruption"])) == (1, 1, 1, 1)
    assert (int(w["with_po_not_matched"]), int(w["matched_not_placed"])) == (1, 0)  # the match ended with it
    placed = one(children_waiting(snap(con, ref=REF), req(), D(2018, 2, 28)), area="886")  # the day before: still placed
    assert int(placed["waiting"]) == 0
    again = one(children_waiting(snap(con, ref=REF), req(), D(2018, 3, 1)), area="886")
    assert (int(again["waiting"]), int(again["po_12m_plus"])) == (2, 0)  # from the disruption date


def test_waiting_with_18_months_since_entering_care_needs_a_placement_order() -> None:
    con = empty_warehouse()
    no_order = kid(D(2016, 1, 1), adm_decision_date=D(2016, 6, 1))
    order = kid(D(2016, 1, 1), adm_decision_date=D(2016, 6, 1), placement_order_date=D(2016, 9, 1))
    matched = kid(D(2016, 1, 1), placement_order_date=D(2016, 9, 1), matched_date=D(2019, 6, 1))
    add_drop(con, 303, "2019-09-01", children=[no_order, order, matched])
    w = one(children_waiting(snap(con, ref=REF), req(), AT), area="303")
    assert (int(w["waiting"]), int(w["with_po"]), int(w["po_care_18m_plus"])) == (3, 2, 2)
    assert (int(w["with_po_not_matched"]), int(w["with_po_matched_not_placed"])) == (1, 1)
    assert (int(w["not_matched"]), int(w["matched_not_placed"])) == (2, 1)


_day = st.integers(0, 2000).map(lambda n: D(2015, 4, 1) + dt.timedelta(days=n))


@st.composite
def _journey(draw: Any) -> dict[str, Any]:
    """Any child's journey whose dates follow the drop contract's order rules (or are missing)."""
    entered = draw(_day)
    after = lambda d: st.one_of(st.none(), st.integers(0, 700).map(lambda n: d + dt.timedelta(days=n)))  # noqa: E731
    adm = draw(after(entered))
    po = draw(after(adm or entered))
    matched = draw(after(po or adm or entered))
    placed = draw(after(matched)) if matched else None
    disrupted = draw(after(placed)) if placed else draw(after(entered))
    adopted = draw(after(placed)) if placed and draw(st.booleans()) else None
    reversed_ = draw(after(adm or entered)) if draw(st.booleans()) else None
    return kid(
        entered, adm_decision_date=adm, placement_order_date=po, matched_date=matched, placed_date=placed,
        disruption_date=disrupted, adoption_order_date=adopted, plan_reversed_date=reversed_,
    )


@settings(max_examples=40, deadline=None)
@given(
    journeys=st.lists(st.tuples(st.sampled_from((303, 886, 887)), _journey()), max_size=25),
    dates=st.lists(_day, min_size=1, max_size=4, unique=True),
)
def test_waiting_parts_sum_to_the_whole_at_any_date(journeys: list[tuple[int, dict[str, Any]]], dates: list) -> None:
    con = empty_warehouse()
    for la in (303, 886, 887):
        rows = [j for code, j in journeys if code == la]
        if rows:
            add_drop(con, la, "2021-06-01", children=rows)
    w = waiting_series(snap(con, ref=REF), req(), sorted(dates))
    # a child is in exactly one of matched / not matched, with or without an order
    assert (w["not_matched"] + w["matched_not_placed"] == w["waiting"]).all()
    assert (w["with_po_not_matched"] + w["with_po_matched_not_placed"] == w["with_po"]).all()
    assert (w["with_po"] <= w["waiting"]).all()
    for part in ("po_care_18m_plus", "po_12m_plus"):
        assert (w[part] <= w["with_po"]).all()
    assert (w["po_18m_plus"] <= w["po_12m_plus"]).all()
    # councils add up to the region, and the ageing bands to the whole
    for _, g in w.groupby("at"):
        councils, region = g[g["area"] != "region"], g[g["area"] == "region"].iloc[0]
        for col in ("waiting", "with_po", "not_matched", "matched_not_placed", "po_12m_plus"):
            assert int(councils[col].sum()) == int(region[col])
    for d in dates:
        bands = waiting_bands(snap(con, ref=REF), req(), d)
        total = one(w, at=d, area="region")["waiting"]
        assert int(bands[bands["area"] == "region"]["children"].sum()) == int(total)


def test_waiting_series_agrees_with_single_dates() -> None:
    con = empty_warehouse()
    add_drop(con, 887, "2019-09-01", children=waiting_children())
    dates = [D(2018, 3, 31), D(2018, 12, 31), AT]
    series = waiting_series(snap(con, ref=REF), req(), dates)
    for d in dates:
        single = children_waiting(snap(con, ref=REF), req(), d)
        pd.testing.assert_frame_equal(series[series["at"] == d].reset_index(drop=True), single)


# --- activity ----------------------------------------------------------------------------------------


def test_activity_counts_with_period_boundaries_and_shares() -> None:
    rows = [
        kid(
            D(2017, 1, 1),
            adm_decision_date=D(2018, 4, 1),
            placement_order_date=D(2019, 3, 31),
            matched_date=D(2018, 3, 31),
        ),
        kid(
            D(2017, 1, 1),
            placed_date=D(2018, 5, 1),
            early_permanence=True,
            interagency=True,
            sibling_group_id="g1",
            fostered_by_adopters_from=D(2018, 1, 1),
        ),
        kid(
            D(2017, 1, 1),
            placed_date=D(2018, 5, 3),
            interagency=True,
            sibling_group_id="g1",
            adoption_order_date=D(2019, 4, 1),
        ),
        kid(D(2017, 1, 1), placed_date=D(2019, 3, 31), sibling_group_id="g2", disruption_date=D(2019, 3, 31)),
        kid(D(2017, 1, 1), placed_date=D(2018, 3, 1), sibling_group_id="g3", adoption_order_date=D(2018, 4, 1)),
        kid(D(2017, 1, 1), placed_date=D(2018, 6, 1), sibling_group_id="g3"),
        kid(D(2017, 1, 1), adm_decision_date=D(2017, 5, 1), plan_reversed_date=D(2018, 12, 1)),
    ]
    con = empty_warehouse()
    add_drop(con, 303, "2020-01-01", children=rows)
    act = activity(snap(con, ref=REF), req(), Y1819)
    a = one(act, area="303")
    assert (a["adm_decisions"], a["placement_orders"], a["matches"]) == (1, 1, 0)
    assert (a["placements"], a["adoption_orders"], a["reversals"], a["disruptions"]) == (4, 1, 1, 1)
    assert (a["early_permanence_placements"], a["early_permanence_pct"]) == (1, 25)
    assert (a["interagency_placements"], a["interagency_pct"]) == (2, 50)
    assert (a["sibling_groups_placed_together"], a["children_in_sibling_groups_placed_together"]) == (1, 2)
    prior = one(activity(snap(con, ref=REF), req(), parse_period("2017-18")), area="303")
    assert (prior["matches"], prior["sibling_groups_placed_together"]) == (1, 1)
    kent = one(act, area="886")
    assert all(kent[c] == 0 for c in ACTIVITY_COUNTS) and pd.isna(kent["early_permanence_pct"])
    f = funnel(act, "303")
    assert list(f["stage"]) == ["ADM decision", "Placement order", "Match", "Placed", "Adoption order"]
    assert list(f["count"]) == [1, 1, 0, 4, 1]


def test_quarterly_series_runs_from_2015_16_to_the_latest_quarter_and_adds_up_to_years() -> None:
    rows = [kid(D(2015, 1, 1), placed_date=D(2015, 4, 1) + dt.timedelta(days=37 * i)) for i in range(40)]
    con = empty_warehouse()
    add_drop(con, 886, "2019-05-02", children=rows)
    q = activity_quarterly(snap(con, ref=REF), req())
    names = list(dict.fromkeys(q["period"]))
    assert names[0] == "2015-16 Q1" and names[-1] == "2019-20 Q1"
    assert names == [p.name for p in quarters(D(2015, 4, 1), D(2019, 5, 2))]
    year = one(activity(snap(con, ref=REF), req(), Y1819), area="886")["placements"]
    in_year = q[q["period"].str.startswith("2018-19") & (q["area"] == "886")]["placements"].sum()
    assert in_year == year > 0
    ends = quarter_end_dates(snap(con))
    assert ends[0] == D(2015, 6, 30) and ends[-2:] == [D(2019, 3, 31), D(2019, 5, 2)]


def test_a1_distribution_holds_the_cohort_days_without_identifiers() -> None:
    rows = [
        kid(D(2017, 1, 1), placed_date=D(2017, 1, 1) + dt.timedelta(days=d), adoption_order_date=D(2018, 9, 1))
        for d in (100, 200, 450)
    ]
    con = empty_warehouse()
    add_drop(con, 886, "2020-01-01", children=rows)
    add_drop(con, 303, "2020-01-01", children=rows[:1])
    dist = a1_distribution(snap(con), req(Y1819, la_code=886), viewer=HOS)
    assert sorted(dist["a1_days"]) == [100, 200, 450]
    assert list(dist["within_14_months"]) == [True, True, False]
    assert "child_id" not in dist.columns
    assert len(a1_distribution(snap(con), req(Y1819), viewer=HOS)) == 4


def test_a1_bands_put_the_14_month_boundary_where_a3_does() -> None:
    adopted = D(2018, 9, 1)
    rows = [
        kid(D(2017, 1, 15), placed_date=D(2018, 3, 15), adoption_order_date=adopted),  # exactly 14 months
        kid(D(2017, 1, 15), placed_date=D(2018, 3, 14), adoption_order_date=adopted),  # one day earlier
        kid(D(2016, 12, 31), placed_date=D(2017, 6, 29), adoption_order_date=adopted),  # under 6 months
        kid(D(2016, 12, 31), placed_date=D(2017, 6, 30), adoption_order_date=adopted),  # 6 months: next band
        kid(D(2015, 1, 1), placed_date=D(2017, 1, 1), adoption_order_date=adopted),  # 24 months or more
        kid(D(2017, 1, 1), placed_date=D(2017, 3, 1), adoption_order_date=D(2019, 4, 1)),  # not this year
    ]
    con = empty_warehouse()
    add_drop(con, 886, "2020-01-01", children=rows)
    bands = a1_bands(snap(con, ref=REF), req(Y1819))
    kent = bands[bands["area"] == "886"].set_index("band")["children"].to_dict()
    assert kent == {
        "under 6 months": 1,
        "6 to 12 months": 1,
        "12 to 14 months": 1,
        "14 to 18 months": 1,
        "18 to 24 months": 0,
        "24 months or more": 1,
    }
    assert list(bands[bands["area"] == "303"]["children"]) == [0] * len(A1_BANDS)
    assert list(bands["area"].unique()) == ["303", "886", "887", "region"]


@settings(max_examples=25, deadline=None)
@given(
    journeys=st.lists(
        st.tuples(st.sampled_from((303, 886, 887)), st.integers(0, 900), st.integers(0, 1000)), max_size=25
    )
)
def test_a1_bands_add_up_to_the_cohort_and_the_bands_under_14_months_to_a3(
    journeys: list[tuple[int, int, int]],
) -> None:
    con = empty_warehouse()
    by: dict[int, list[dict[str, Any]]] = {303: [], 886: [], 887: []}
    for la, start, days in journeys:
        entered = D(2016, 1, 1) + dt.timedelta(days=start)
        placed = entered + dt.timedelta(days=days)
        by[la].append(kid(entered, placed_date=placed, adoption_order_date=max(placed, D(2018, 4, 1))))
    for la, rows in by.items():
        add_drop(con, la, "2021-06-01", children=rows)
    bands = a1_bands(snap(con, ref=REF), req(Y1819))
    sc = scorecard(snap(con, ref=REF), req(Y1819))
    a3 = sc[sc["indicator"] == "A3"].set_index("area")
    for area, g in bands.groupby("area"):
        assert int(g["children"].sum()) == int(a3.at[area, "n"])
        assert int(g[g["band_order"] < 3]["children"].sum()) == int(a3.at[area, "count"])


def test_an_empty_warehouse_gives_zero_counts_and_null_means() -> None:
    con = empty_warehouse()
    sd = stage_durations(snap(con, ref=REF), req(), Y1819)
    assert len(sd) == 5 * 4 and (sd["n"] == 0).all() and sd["mean_days"].isna().all()
    act = activity(snap(con, ref=REF), req(), Y1819)
    assert len(act) == 4 and (act[list(ACTIVITY_COUNTS)] == 0).all().all()
    w = children_waiting(snap(con, ref=REF), req(), AT)
    assert len(w) == 4 and (w["waiting"] == 0).all() and w["median_days"].isna().all()
    assert (waiting_bands(snap(con, ref=REF), req(), AT)["children"] == 0).all()


@settings(max_examples=25, deadline=None)
@given(
    placements=st.lists(
        st.tuples(st.sampled_from((303, 886, 887)), st.integers(0, 1500), st.booleans(), st.booleans()),
        max_size=30,
    )
)
def test_region_activity_is_the_sum_of_councils(placements: list[tuple[int, int, bool, bool]]) -> None:
    con = empty_warehouse()
    by: dict[int, list[dict[str, Any]]] = {303: [], 886: [], 887: []}
    for la, offset, ep, ia in placements:
        placed = D(2016, 1, 1) + dt.timedelta(days=offset)
        by[la].append(
            kid(
                D(2015, 6, 1),
                adm_decision_date=D(2015, 9, 1),
                placed_date=placed,
                early_permanence=ep,
                interagency=ia,
                matched_date=placed,
            )
        )
    for la, rows in by.items():
        add_drop(con, la, "2020-06-01", children=rows)
    act = activity(snap(con, ref=REF), req(), [parse_period("2016-19"), Y1819])
    for _, g in act.groupby("period"):
        councils = g[g["area"] != "region"]
        region = g[g["area"] == "region"].iloc[0]
        for col in ACTIVITY_COUNTS:
            assert region[col] == councils[col].sum(), col
        assert region["early_permanence_placements"] <= region["placements"]
