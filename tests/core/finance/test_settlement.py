"""Settlement of the pooled variance: every basis, penny-exact shares, and the wrapper on monitoring."""

from __future__ import annotations

from decimal import Decimal as D
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from factories import add_drop, empty_warehouse
from financekit import monitor, settlement
from raa_core.errors import NoData
from raa_core.finance.settlement import BASES, allocate, contribution_shares, settle, settlement_of, settlement_table
from raa_core.reference import load_reference

Y = "2021-22"


def test_contribution_shares_to_the_penny_with_largest_remainder():
    s = settle(D("100.00"), "contribution", {303: D(1), 886: D(1), 887: D(1)})
    # 33.333.. each; the one spare penny goes to the lowest code on a tie
    assert [r.pooled_amount for r in s.rows] == [D("33.34"), D("33.33"), D("33.33")]
    assert s.reserve == D("0.00")
    s = settle(D("-0.05"), "formula", {303: D("0.5"), 886: D("0.3"), 887: D("0.2")})
    assert [r.pooled_amount for r in s.rows] == [D("-0.03"), D("-0.01"), D("-0.01")]


def test_largest_remainder_beats_lower_code():
    # quotas 1.4, 0.8, 0.8 pence: floors 1, 0, 0; two spare pence to the two largest remainders (0.8s)
    got = allocate(D("0.03"), {1: Fraction(7, 15), 2: Fraction(4, 15), 3: Fraction(4, 15)})
    assert got == {1: D("0.01"), 2: D("0.01"), 3: D("0.01")}
    got = allocate(D("0.10"), {1: 6, 2: 3, 3: 1})
    assert got == {1: D("0.06"), 2: D("0.03"), 3: D("0.01")}


def test_equal_and_reserve_bases():
    s = settle(D("1000.00"), "equal", la_codes=[887, 303, 886])
    assert [r.la_code for r in s.rows] == [303, 886, 887]
    assert sum(r.pooled_amount for r in s.rows) == D("1000.00")
    assert all(r.share == D(1) / D(3) for r in s.rows)
    r = settle(D("1000.00"), "reserve", la_codes=[303, 886], adoption_support={303: D("-5.00"), 886: None})
    assert r.reserve == D("1000.00")
    assert [x.pooled_amount for x in r.rows] == [D("0.00"), D("0.00")]
    assert r.rows[0].adoption_support_variance == D("-5.00")
    assert r.rows[0].total == D("-5.00")


def test_bad_settlement_inputs_are_refused():
    with pytest.raises(ValueError, match="basis"):
        settle(D("1.00"), "lottery", {1: D(1)})
    with pytest.raises(ValueError, match="needs shares"):
        settle(D("1.00"), "formula", None, la_codes=[1, 2])
    with pytest.raises(ValueError, match="negative"):
        settle(D("1.00"), "formula", {1: D(-1), 2: D(2)})
    with pytest.raises(ValueError, match="more than zero"):
        settle(D("1.00"), "formula", {1: D(0), 2: D(0)})


shares_st = st.dictionaries(
    st.integers(1, 999),
    st.decimals(min_value=0, max_value=10**7, places=4, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=8,
).filter(lambda d: sum(d.values()) > 0)
variance_st = st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False, allow_infinity=False)


@given(variance_st, shares_st, st.sampled_from(["contribution", "formula", "equal"]), st.randoms())
def test_shares_sum_exactly_to_the_variance_for_any_variance_and_shares(variance, shares, basis, rnd):
    s = settle(variance, basis, shares)
    assert sum(r.pooled_amount for r in s.rows) + s.reserve == variance
    total_w = sum(shares.values()) if basis != "equal" else len(shares)
    for r in s.rows:
        w = shares[r.la_code] if basis != "equal" else 1
        exact = Fraction(variance) * Fraction(w) / Fraction(total_w)
        assert abs(Fraction(r.pooled_amount) - exact) < Fraction(1, 100)  # within a penny of its quota
        assert r.pooled_amount == r.pooled_amount.quantize(D("0.01"))
    # the result does not depend on the order the councils are given in
    items = list(shares.items())
    rnd.shuffle(items)
    again = settle(variance, basis, dict(items))
    assert again.rows == s.rows


def test_settlement_from_monitoring_uses_pooled_budget_shares():
    ref = load_reference()
    con = empty_warehouse()
    for la, pooled_budget, forecast, support_over in ((303, 100000, 103000, 10), (886, 300000, 300000, -20)):
        add_drop(
            con, la, "2021-10-10",
            budget=[{"financial_year": Y, "budget_area": "pooled", "cost_line": "panels",
                     "budget_gbp": D(pooled_budget)},
                    {"financial_year": Y, "budget_area": "adoption_support", "cost_line": "commissioned_support",
                     "budget_gbp": D(1000)}],
            ledger=[{"financial_year": Y, "period": 6, "budget_area": "pooled", "cost_line": "panels",
                     "actual_gbp": D(0), "forecast_outturn_gbp": D(forecast)},
                    {"financial_year": Y, "period": 6, "budget_area": "adoption_support",
                     "cost_line": "commissioned_support", "actual_gbp": D(0),
                     "forecast_outturn_gbp": D(1000 + support_over)}],
        )
    s = settlement(con, ref, Y, 6, "contribution", "submitted")
    assert s.pooled_variance == D("3000.00")  # Bexley's overspend is shared by the pool
    assert {r.la_code: r.pooled_amount for r in s.rows} == {303: D("750.00"), 886: D("2250.00")}
    assert {r.la_code: r.share for r in s.rows} == {303: D("0.25"), 886: D("0.75")}
    assert {r.la_code: r.adoption_support_variance for r in s.rows} == {303: D("10.00"), 886: D("-20.00")}
    f = settlement(con, ref, Y, 6, "formula", "submitted", shares={303: D("2"), 886: D("1")})
    assert {r.la_code: r.pooled_amount for r in f.rows} == {303: D("2000.00"), 886: D("1000.00")}
    with pytest.raises(NoData, match="no forecast"):  # the ledger is not loaded: NoData, not a bad argument
        settlement(con, ref, "2019-20", None)


@given(variance_st, shares_st, st.sampled_from(list(BASES)),
       st.dictionaries(st.integers(1, 999), variance_st, max_size=8))
def test_settlement_table_columns_sum_to_their_total_row(variance, shares, basis, support):
    support = {la: v for la, v in support.items() if la in shares}
    s = settle(variance, basis, shares, adoption_support=support)
    t = settlement_table(s)
    body, total = t[t["row"] != "total"], t[t["row"] == "total"].iloc[0]
    assert list(t["row"]) == ["council"] * len(s.rows) + ["reserve", "total"]
    assert sum(body["pooled_amount"]) == total["pooled_amount"] == variance
    assert sum(v for v in body["adoption_support_variance"] if v is not None) == total["adoption_support_variance"]
    assert sum(body["total"]) == total["total"] == variance + sum(support.values(), D(0))
    if basis != "reserve":
        assert abs(sum(body["share"].dropna()) - 1) < D("1e-20")


def test_settlement_of_a_monitoring_report_and_its_contribution_shares():
    ref = load_reference()
    con = empty_warehouse()
    for la, pooled_budget, forecast in ((303, 100000, 101000), (886, 300000, 300000)):
        add_drop(con, la, "2021-10-10",
                 budget=[{"financial_year": Y, "budget_area": "pooled", "cost_line": "panels",
                          "budget_gbp": D(pooled_budget)}],
                 ledger=[{"financial_year": Y, "period": 6, "budget_area": "pooled", "cost_line": "panels",
                          "actual_gbp": D(0), "forecast_outturn_gbp": D(forecast)}])
    mon = monitor(con, ref, Y, 6, "submitted")
    assert contribution_shares(mon) == {303: D("100000.00"), 886: D("300000.00")}
    assert settlement_of(mon, "equal").rows == settlement(con, ref, Y, 6, "equal", "submitted").rows
    assert [r.pooled_amount for r in settlement_of(mon).rows] == [D("250.00"), D("750.00")]
    with pytest.raises(ValueError, match="whole-RAA"):
        settlement_of(monitor(con, ref, Y, 6, "submitted", 303))


def test_share_percentages() -> None:
    from decimal import Decimal as Dec

    from raa_core.finance.settlement import share_percentages

    assert share_percentages({303: Dec("399930.00"), 886: Dec("1951120.00"), 887: Dec("551990.00")}) == {
        303: Dec("13.78"), 886: Dec("67.21"), 887: Dec("19.01")}
    assert share_percentages({303: Dec(0)}) == {303: Dec(0)}
