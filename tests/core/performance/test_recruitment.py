"""Adopter recruitment: activity, timeliness boundaries, households waiting, conversion, sufficiency."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from factories import add_drop, empty_warehouse, req, snap
from raa_core.performance.recruitment import (
    RECRUITMENT_COUNTS,
    adopters_waiting,
    conversion,
    recruitment_activity,
    sufficiency,
    timeliness,
)
from raa_core.periods import parse_period
from raa_core.reference import load_reference

D = dt.date
REF = load_reference()
Y1819 = parse_period("2018-19")
_seq = iter(range(10**9))


def home(**dates: Any) -> dict[str, Any]:
    return {"household_id": f"h{next(_seq)}", **dates}


def one(df: pd.DataFrame, **where: Any) -> pd.Series:
    mask = pd.Series(True, index=df.index)
    for k, v in where.items():
        mask &= df[k] == v
    got = df[mask]
    assert len(got) == 1, where
    return got.iloc[0]


def test_timeliness_boundaries_are_inclusive_and_fast_track_skips_stage_1() -> None:
    homes = [
        # stage 1 ends exactly 2 months after registration: in time
        home(roi_date=D(2018, 3, 31), stage1_end_date=D(2018, 5, 31)),
        # one day later: late
        home(roi_date=D(2018, 4, 1), stage1_end_date=D(2018, 6, 2)),
        # fast track: no stage 1, left out of stage 1 timeliness
        home(roi_date=D(2018, 4, 1), stage1_end_date=D(2018, 9, 1), fast_track=True),
        # stage 2: started 31 Oct, approved 28 Feb (+4 months clamps to 28 Feb): in time; 1 March late
        home(stage2_start_date=D(2018, 10, 31), approval_date=D(2019, 2, 28)),
        home(stage2_start_date=D(2018, 10, 31), approval_date=D(2019, 3, 1)),
        # approval within 6 months of registration (fast track counted here): in time, late
        home(roi_date=D(2018, 6, 15), approval_date=D(2018, 12, 15), fast_track=True),
        home(roi_date=D(2018, 6, 15), approval_date=D(2018, 12, 16)),
        # matched within 3 months of approval: in time, late; match outside the period not counted
        home(approval_date=D(2018, 1, 31), matched_date=D(2018, 4, 30)),
        home(approval_date=D(2018, 2, 1), matched_date=D(2018, 5, 2)),
        home(approval_date=D(2018, 1, 1), matched_date=D(2018, 3, 31)),
    ]
    con = empty_warehouse()
    add_drop(con, 886, "2019-06-01", adopters=homes)
    t = timeliness(snap(con, ref=REF), req(), Y1819)
    got = {r["measure"]: (int(r["within"]), int(r["n"])) for _, r in t[t["area"] == "886"].iterrows()}
    assert got == {"stage1_2m": (1, 2), "stage2_4m": (1, 2), "approval_6m": (1, 2), "match_3m": (1, 2)}
    assert one(t, area="886", measure="stage1_2m")["pct"] == 50
    assert bool(one(t, area="886", measure="stage1_2m")["low_n"])
    assert pd.isna(one(t, area="303", measure="match_3m")["pct"])
    assert one(t, area="region", measure="match_3m")["n"] == 2


def test_recruitment_activity_counts_fast_track_and_early_permanence_apart() -> None:
    homes = [
        home(
            enquiry_date=D(2018, 4, 1),
            roi_date=D(2018, 5, 1),
            stage1_end_date=D(2018, 7, 1),
            stage2_start_date=D(2018, 7, 2),
            approval_date=D(2018, 11, 1),
            early_permanence=True,
            matched_date=D(2019, 1, 1),
            placed_date=D(2019, 3, 31),
            children_placed=2,
            interagency_child=True,
        ),
        home(
            enquiry_date=D(2018, 4, 1),
            roi_date=D(2018, 5, 1),
            stage2_start_date=D(2018, 5, 2),
            approval_date=D(2018, 9, 1),
            fast_track=True,
        ),
        home(enquiry_date=D(2019, 3, 31), withdrawn_date=D(2019, 4, 2)),
        home(enquiry_date=D(2018, 3, 31)),
    ]
    con = empty_warehouse()
    add_drop(con, 303, "2019-06-01", adopters=homes)
    a = one(recruitment_activity(snap(con, ref=REF), req(), Y1819), area="303")
    assert (a["enquiries"], a["rois"], a["stage1_completed"], a["stage2_started"]) == (3, 2, 1, 2)
    assert (a["approvals"], a["fast_track_approvals"], a["early_permanence_approvals"]) == (2, 1, 1)
    assert (a["matches"], a["interagency_matches"], a["placements"], a["children_placed"]) == (1, 1, 1, 2)
    assert a["withdrawals"] == 0
    c = one(conversion(snap(con, ref=REF), req(), Y1819), area="303")
    assert (c["enquiries"], c["approved"], c["withdrawn"], c["in_process"], c["pct_approved"]) == (3, 2, 1, 0, 67)


def test_households_waiting_at_a_date_and_sufficiency() -> None:
    at = D(2019, 6, 30)
    homes = [
        home(approval_date=D(2019, 3, 30)),  # waiting, more than 3 months (30 Mar + 3 months = 30 Jun: no)
        home(approval_date=D(2019, 3, 29)),  # waiting, more than 3 months
        home(approval_date=D(2018, 12, 29), early_permanence=True),  # waiting more than 6 months
        home(approval_date=D(2018, 12, 1), matched_date=D(2019, 6, 30)),  # matched on the date: not waiting
        home(approval_date=D(2018, 12, 1), matched_date=D(2019, 7, 1)),  # matched later: waiting, > 6 months
        home(approval_date=D(2018, 12, 1), withdrawn_date=D(2019, 1, 1)),  # withdrew: not waiting
        home(approval_date=D(2019, 7, 1)),  # approved later: not waiting
    ]
    kids = [
        {
            "child_id": "k1",
            "sex": "F",
            "date_of_birth": D(2018, 1, 1),
            "entered_care_date": D(2018, 2, 1),
            "placement_order_date": D(2019, 1, 1),
        },
        {
            "child_id": "k2",
            "sex": "F",
            "date_of_birth": D(2018, 1, 1),
            "entered_care_date": D(2018, 2, 1),
            "adm_decision_date": D(2019, 1, 1),
        },  # waiting, but without a placement order
    ]
    con = empty_warehouse()
    add_drop(con, 887, "2019-08-01", adopters=homes, children=kids)
    w = one(adopters_waiting(snap(con, ref=REF), req(), at), area="887")
    assert (w["waiting"], w["over_3m"], w["over_6m"], w["early_permanence"]) == (4, 3, 2, 1)
    s = one(sufficiency(snap(con, ref=REF), req(), [at]), area="887")
    assert (s["adopters_waiting"], s["children_waiting_with_po"], s["surplus"]) == (4, 1, 3)
    assert s["adopters_per_child"] == 4.0
    none = one(sufficiency(snap(con, ref=REF), req(), [at]), area="303")
    assert (none["adopters_waiting"], none["children_waiting_with_po"]) == (0, 0)
    assert pd.isna(none["adopters_per_child"])


def test_empty_warehouse_gives_zeros() -> None:
    con = empty_warehouse()
    a = recruitment_activity(snap(con, ref=REF), req(), Y1819)
    assert len(a) == 4 and (a[list(RECRUITMENT_COUNTS)] == 0).all().all()
    t = timeliness(snap(con, ref=REF), req(), Y1819)
    assert len(t) == 16 and (t["n"] == 0).all() and t["pct"].isna().all()
    assert (adopters_waiting(snap(con, ref=REF), req(), D(2019, 1, 1))["waiting"] == 0).all()


@settings(max_examples=25, deadline=None)
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from((303, 886, 887)),
            st.integers(0, 700),
            st.lists(st.integers(0, 200), max_size=6),
            st.booleans(),
        ),
        max_size=25,
    )
)
def test_region_is_the_sum_of_councils_and_within_never_exceeds_n(
    steps: list[tuple[int, int, list[int], bool]],
) -> None:
    names = ["enquiry_date", "roi_date", "stage1_end_date", "stage2_start_date", "approval_date", "matched_date"]
    by: dict[int, list[dict[str, Any]]] = {303: [], 886: [], 887: []}
    for la, start, gaps, fast in steps:
        day = D(2017, 10, 1) + dt.timedelta(days=start)
        dates: dict[str, Any] = {}
        for name, gap in zip(names, gaps, strict=False):
            day = day + dt.timedelta(days=gap)
            dates[name] = day
        by[la].append(home(fast_track=fast, **dates))
    con = empty_warehouse()
    for la, rows in by.items():
        add_drop(con, la, "2021-01-01", adopters=rows)
    t = timeliness(snap(con, ref=REF), req(), Y1819)
    assert (t["within"] <= t["n"]).all()
    for _, g in t.groupby("measure"):
        assert g[g["area"] == "region"]["n"].sum() == g[g["area"] != "region"]["n"].sum()
    a = recruitment_activity(snap(con, ref=REF), req(), Y1819)
    for col in RECRUITMENT_COUNTS:
        assert a[a["area"] == "region"][col].sum() == a[a["area"] != "region"][col].sum()


def test_households_in_assessment_split_stage_1_and_stage_2_at_a_date() -> None:
    from raa_core.performance.recruitment import households_in_assessment

    at = D(2019, 3, 31)
    homes = [
        home(roi_date=D(2019, 1, 1)),  # stage 1
        home(roi_date=D(2018, 10, 1), stage1_end_date=D(2019, 1, 1)),  # between stages: still stage 1
        home(roi_date=D(2018, 9, 1), stage1_end_date=D(2018, 11, 1), stage2_start_date=D(2018, 12, 1)),  # stage 2
        home(roi_date=D(2019, 2, 1), fast_track=True),  # fast track: straight to stage 2
        home(roi_date=D(2018, 6, 1), stage1_end_date=D(2018, 8, 1), stage2_start_date=D(2018, 9, 1),
             approval_date=D(2019, 3, 31)),  # approved on the date: no longer in assessment
        home(roi_date=D(2018, 6, 1), withdrawn_date=D(2019, 2, 1)),  # withdrawn
        home(roi_date=D(2019, 4, 1)),  # registered after the date
        home(enquiry_date=D(2019, 1, 1)),  # an enquiry only
    ]
    con = empty_warehouse()
    add_drop(con, 303, "2019-06-01", adopters=homes)
    got = one(households_in_assessment(snap(con, ref=REF), req(), [at]), area="303")
    assert (int(got["in_assessment"]), int(got["in_stage1"]), int(got["in_stage2"])) == (4, 2, 2)
    assert int(one(households_in_assessment(snap(con, ref=REF), req(), [at]), area="886")["in_assessment"]) == 0


def test_approved_households_that_withdrew_before_a_match_in_the_period() -> None:
    homes = [
        home(roi_date=D(2017, 6, 1), approval_date=D(2018, 1, 1), withdrawn_date=D(2018, 7, 1)),  # counted
        home(roi_date=D(2017, 6, 1), approval_date=D(2018, 5, 1), withdrawn_date=D(2018, 5, 1)),  # same day: counted
        home(roi_date=D(2017, 6, 1), withdrawn_date=D(2018, 7, 1)),  # never approved
        home(roi_date=D(2017, 6, 1), approval_date=D(2017, 9, 1), matched_date=D(2017, 12, 1),
             withdrawn_date=D(2018, 8, 1)),  # matched first
        home(roi_date=D(2016, 6, 1), approval_date=D(2017, 1, 1), withdrawn_date=D(2017, 7, 1)),  # 2017-18
    ]
    con = empty_warehouse()
    add_drop(con, 887, "2019-06-01", adopters=homes)
    act = one(recruitment_activity(snap(con, ref=REF), req(), Y1819), area="887")
    assert (int(act["approved_withdrawn"]), int(act["withdrawals"])) == (2, 4)
