"""Characteristics of children adopted, placed and waiting; what the data covers (no data is not zero)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from factories import add_drop, empty_warehouse, req, snap
from raa_core.ingest import coverage
from raa_core.performance.characteristics import DIMENSIONS, GROUPS, characteristics
from raa_core.performance.journeys import children_waiting
from raa_core.periods import parse_period
from raa_core.reference import load_reference
from raa_core.requests import CURRENT, DataRequest

D = dt.date
REF = load_reference()
Y1819 = parse_period("2018-19")
AT = D(2019, 3, 31)
_seq = iter(range(10**9))


def kid(born: dt.date, entered: dt.date, **extra: Any) -> dict[str, Any]:
    return {"child_id": f"k{next(_seq)}", "sex": "F", "date_of_birth": born, "entered_care_date": entered, **extra}


def cell(df: pd.DataFrame, group: str, dimension: str, category: str, area: str) -> tuple[int, int]:
    hit = df[(df["group"] == group) & (df["dimension"] == dimension) & (df["category"] == category)
             & (df["area"] == area)]
    assert len(hit) == 1, (group, dimension, category, area)
    return int(hit.iloc[0]["children"]), int(hit.iloc[0]["n"])


def test_each_characteristic_of_a_child_adopted_placed_and_waiting() -> None:
    adopted = kid(D(2012, 5, 1), D(2016, 6, 1), sex="M", ethnicity="BAFR", adm_decision_date=D(2017, 6, 1),
                  placement_order_date=D(2017, 7, 1), matched_date=D(2017, 9, 1), placed_date=D(2017, 10, 1),
                  adoption_order_date=D(2018, 6, 1))
    placed = kid(D(2017, 1, 1), D(2017, 2, 1), ethnicity="WBRI", adm_decision_date=D(2017, 4, 1),
                 placement_order_date=D(2017, 6, 1), matched_date=D(2018, 4, 1), placed_date=D(2018, 5, 1),
                 sibling_group_id="S1", disabled=True)
    waiting = kid(D(2015, 1, 1), D(2016, 1, 1), ethnicity="XXXX", adm_decision_date=D(2018, 1, 1),
                  placement_order_date=D(2018, 3, 1))
    con = empty_warehouse()
    add_drop(con, 886, "2019-06-01", children=[adopted, placed, waiting])
    ch = characteristics(snap(con, ref=REF), req(Y1819), AT)
    assert cell(ch, "adopted", "age_entering_care", "1 to 4", "886") == (1, 1)  # 4 at entering care
    assert cell(ch, "adopted", "age_at_placement", "5 to 9", "886") == (1, 1)
    assert cell(ch, "adopted", "sex", "Male", "886") == (1, 1)
    assert cell(ch, "adopted", "ethnicity", "Black", "886") == (1, 1)
    assert cell(ch, "adopted", "harder_to_place", "Harder to place", "886") == (1, 1)  # 5 at ADM, minority
    assert cell(ch, "placed", "age_entering_care", "under 1", "886") == (1, 1)
    assert cell(ch, "placed", "sibling_group", "In a sibling group", "886") == (1, 1)
    assert cell(ch, "placed", "disabled", "Disabled", "886") == (1, 1)
    assert cell(ch, "placed", "harder_to_place", "Harder to place", "886") == (1, 1)  # sibling and disabled
    assert cell(ch, "waiting", "ethnicity", "Not known", "886") == (1, 1)  # an unknown code
    assert cell(ch, "waiting", "harder_to_place", "Not harder to place", "886") == (1, 1)  # 3 at ADM
    assert cell(ch, "waiting", "age_entering_care", "under 1", "886") == (0, 1)
    assert not ((ch["group"] == "waiting") & (ch["dimension"] == "age_at_placement")).any()
    bexley = ch[ch["area"] == "303"]
    assert (bexley["children"] == 0).all() and (bexley["n"] == 0).all() and bexley["pct"].isna().all()
    assert bexley["low_n"].all()


@settings(max_examples=20, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from((303, 886, 887)),
            st.integers(0, 12 * 365),
            st.integers(0, 900),
            st.sampled_from(("WBRI", "MWBC", "AIND", "BCRB", "OOTH", "NOBT", None, "??")),
            st.booleans(),
            st.booleans(),
        ),
        max_size=25,
    )
)
def test_every_dimension_splits_each_group_exactly(rows: list[tuple[int, int, int, str | None, bool, bool]]) -> None:
    con = empty_warehouse()
    by_la: dict[int, list[dict[str, Any]]] = {}
    for la, age, gap, eth, disabled, sib in rows:
        entered = D(2017, 1, 1) + dt.timedelta(days=gap // 3)
        placed = entered + dt.timedelta(days=gap // 2)
        by_la.setdefault(la, []).append(kid(
            entered - dt.timedelta(days=age), entered, ethnicity=eth, disabled=disabled,
            sibling_group_id="S" if sib else None, adm_decision_date=entered, placement_order_date=entered,
            matched_date=placed, placed_date=placed, adoption_order_date=placed + dt.timedelta(days=gap // 2 + 1)))
    for la, kids in by_la.items():
        add_drop(con, la, "2021-06-01", children=kids)
    ch = characteristics(snap(con, ref=REF), req(Y1819), AT)
    for (_group, dim, area), g in ch.groupby(["group", "dimension", "area"]):
        if dim == "sex":
            assert int(g["children"].sum()) == int(g["n"].iloc[0])  # every child F (factory)
        else:
            assert int(g["children"].sum()) == int(g["n"].iloc[0]), (dim, area)
    waiting = children_waiting(snap(con, ref=REF), req(), AT).set_index("area")["waiting"]
    n_waiting = ch[(ch["group"] == "waiting")].groupby("area")["n"].first()
    assert n_waiting.to_dict() == {a: int(v) for a, v in waiting.items()}
    assert set(ch["group"]) <= set(GROUPS) and set(ch["dimension"]) <= {d for d, _, _ in DIMENSIONS}


def test_no_drop_by_a_date_is_said_in_words_with_the_first_drop() -> None:
    con = empty_warehouse()
    add_drop(con, 886, "2026-09-25", children=[])
    add_drop(con, 886, "2026-10-02", adopters=[])
    cov = coverage.coverage(snap(con, ref=REF), DataRequest(as_at=D(2019, 6, 30)), "children").set_index("la_code")
    assert not cov.at[886, "held"]
    assert cov.at[886, "message"] == "no drop received by 30 Jun 2019; first drop 25 Sep 2026"
    assert cov.at[303, "message"] == "no drop received by 30 Jun 2019; none received since"
    now = coverage.coverage(snap(con, ref=REF), CURRENT, "children").set_index("la_code")
    assert bool(now.at[886, "held"]) and now.at[886, "message"] == ""
    assert now.at[887, "message"] == "no drop received yet"
    assert coverage.missing(snap(con, ref=REF), DataRequest(as_at=D(2026, 9, 30)), "adopters") == {
        "303": "no drop received by 30 Sep 2026; none received since",
        "886": "no drop received by 30 Sep 2026; first drop 2 Oct 2026",
        "887": "no drop received by 30 Sep 2026; none received since",
    }
    assert coverage.data_range(snap(con)) == (D(2026, 9, 25), D(2026, 10, 2))


def test_state_at_a_date_counts_rows_or_says_no_data() -> None:
    con = empty_warehouse()
    add_drop(con, 886, "2026-09-25", children=[kid(D(2015, 1, 1), D(2016, 1, 1))])
    add_drop(con, 886, "2026-10-02", children=[kid(D(2015, 1, 1), D(2016, 1, 1)), kid(D(2015, 1, 1), D(2016, 2, 1))])
    st_ = coverage.state_at(snap(con, ref=REF), DataRequest(as_at=D(2026, 9, 30))).set_index(["la_code", "table"])
    assert (st_.at[(886, "children"), "rows"], st_.at[(886, "children"), "newest_drop"]) == (1, D(2026, 9, 25))
    assert pd.isna(st_.at[(886, "adopters"), "rows"])
    assert st_.at[(886, "adopters"), "message"] == "no drop received by 30 Sep 2026; none received since"
    assert coverage.state_at(snap(con, ref=REF)).set_index(["la_code", "table"]).at[(886, "children"), "rows"] == 2
    before = coverage.state_at(snap(con, ref=REF), DataRequest(as_at=D(2019, 6, 30))).set_index(["la_code", "table"])
    assert before.at[(886, "children"), "message"] == "no drop received by 30 Jun 2019; first drop 25 Sep 2026"
