"""Budgets, the 2019-20 baseline table to the printed digit, the pay award, and money formatting."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from factories import add_drop, empty_warehouse
from financekit import baseline_table, budgets, pay_award_check, reconcile_baseline
from raa_core.money import json_money, to_decimal, to_k
from raa_core.presentation import gbp, thousands_text

BASE = "2019-20"

# Line budgets (pounds) whose subtotals round to the business case's printed £'000s.
LINES = {
    303: {"staffing": "300000.00", "panels": "40000.00", "running_costs": "59930.00",
          "support_staffing": "100000.00", "commissioned_support": "64840.00"},
    886: {"staffing": "1500000.00", "interagency_fees": "500000.00", "interagency_income": "-48880.00",
          "support_staffing": "700000.00", "commissioned_support": "304820.00"},
    887: {"staffing": "400000.00", "recruitment_marketing": "151990.00",
          "support_staffing": "80000.00", "support_running_costs": "33780.00"},
}


def _area(ref, line):
    return next(c.budget_area for c in ref.cost_lines if c.cost_line == line)


def _rows(ref, year, lines, staff_factor=D(1)):
    out = []
    for line, amount in lines.items():
        a = D(amount)
        if line in ("staffing", "support_staffing"):
            a = (a * staff_factor).quantize(D("0.01"))
        out.append({"financial_year": year, "budget_area": _area(ref, line), "cost_line": line, "budget_gbp": a})
    return out


def _baseline_con(ref, lines=LINES, with_asf=True, pay_factor=D("1.0275")):
    con = empty_warehouse()
    for la, ls in lines.items():
        rows = _rows(ref, BASE, ls) + _rows(ref, "2020-21", ls, pay_factor)
        if with_asf:
            rows += [{"financial_year": BASE, "budget_area": "adoption_support", "cost_line": "asf_spend",
                      "budget_gbp": D("250000.00")},
                     {"financial_year": BASE, "budget_area": "adoption_support", "cost_line": "asf_income",
                      "budget_gbp": D("-240000.00")}]
        add_drop(con, la, "2020-03-20", budget=rows)
    return con


def test_budgets_carry_kind_and_asf_from_reference(ref):
    con = _baseline_con(ref)
    b = budgets(con, BASE, ref=ref)
    kinds = {c.cost_line: c.kind for c in ref.cost_lines}
    assert all(kinds[c] == k for c, k in zip(b["cost_line"], b["kind"], strict=True))
    assert set(b.loc[b["asf"], "cost_line"]) == {"asf_spend", "asf_income"}
    assert all(isinstance(v, D) for v in b["budget"])
    assert set(budgets(con, ref=ref)["financial_year"]) == {BASE, "2020-21"}


def test_newest_budget_drop_for_a_year_wins(ref):
    con = empty_warehouse()
    add_drop(con, 886, "2020-03-01", budget=[{"financial_year": BASE, "budget_area": "pooled",
                                             "cost_line": "panels", "budget_gbp": D("10.00")}])
    add_drop(con, 886, "2020-03-09", budget=[{"financial_year": BASE, "budget_area": "pooled",
                                             "cost_line": "panels", "budget_gbp": D("12.00")}])
    assert budgets(con, BASE, ref=ref)["budget"].tolist() == [D("12.00")]


def test_baseline_table_reproduces_the_business_case_to_the_printed_digit(ref):
    t = baseline_table(_baseline_con(ref), ref).set_index("la_code")
    assert t.loc["303", "pooled"] == D("399930.00")
    assert (t.loc["303", "pooled_k"], t.loc["303", "adoption_support_k"], t.loc["303", "total_k"]) == (
        D("399.9"), D("164.8"), D("564.8"))  # 399.9 + 164.8 is not 564.8: each figure rounds on its own
    assert t.loc["total", "total_k"] == D("4186.5")
    assert t.loc["total", "pooled"] == t.loc[["303", "886", "887"], "pooled"].sum()
    rec = reconcile_baseline(_baseline_con(ref), ref)
    assert len(rec) == 12 and rec["ok"].all(), rec[~rec["ok"]]


def test_asf_is_outside_the_baseline(ref):
    with_asf = baseline_table(_baseline_con(ref, with_asf=True), ref)
    without = baseline_table(_baseline_con(ref, with_asf=False), ref)
    assert with_asf["total"].tolist() == without["total"].tolist()


def test_reconciliation_names_the_cell_that_does_not_match(ref):
    lines = {k: dict(v) for k, v in LINES.items()}
    lines[887]["support_running_costs"] = "33700.00"  # adoption support 113,700 -> 113.7, not 113.8
    rec = reconcile_baseline(_baseline_con(ref, lines), ref)
    bad = rec[~rec["ok"]]
    # 887: 113,700 -> 113.7 and 665,690 -> 665.7; the region's adoption support 1,283,360 still prints
    # 1,283.4, but the grand total 4,186,400 prints 4,186.4, not 4,186.5
    assert set(zip(bad["la_code"], bad["column"], strict=True)) == {
        ("887", "adoption_support_k"), ("887", "total_k"), ("total", "total_k")}
    assert rec.set_index(["la_code", "column"]).loc[("887", "adoption_support_k"), "computed"] == D("113.7")


def test_pay_award_on_payroll_staff_lines_only(ref):
    chk = pay_award_check(_baseline_con(ref), ref)
    assert chk["ok"].all(), chk[~chk["ok"]]
    pay = chk[chk["pay_award"]]
    assert set(pay["cost_line"]) == {"staffing", "support_staffing"}
    kent = chk[(chk["la_code"] == 886) & (chk["cost_line"] == "staffing")].iloc[0]
    assert kent["budget_year"] == D("1541250.00")  # 1,500,000 x 1.0275


def test_pay_award_check_catches_a_missing_uplift(ref):
    chk = pay_award_check(_baseline_con(ref, pay_factor=D("1.02")), ref)
    assert set(chk.loc[~chk["ok"], "cost_line"]) == {"staffing", "support_staffing"}


# --- money ------------------------------------------------------------------------------------------


def test_money_formatting():
    assert gbp(D("1234.5")) == "£1,234.50"
    assert gbp(D("-1234.56")) == "-£1,234.56"
    assert gbp(D("-1234.56"), brackets=True) == "(£1,234.56)"
    assert gbp(None) == "—"
    assert thousands_text(D("1951120.00")) == "1,951.1"
    assert thousands_text(D("551950.00")) == "552.0"  # half up
    assert thousands_text(D("-49.99")) == "0.0" and thousands_text(D("-50.00")) == "-0.1"
    assert json_money(D("1951100")) == "1951100.00"
    assert json_money(D("-0.001")) == "0.00"
    assert json_money(None) is None
    assert to_decimal(0.1) == D("0.1") and to_decimal("£1,000.25") == D("1000.25")
    with pytest.raises(ValueError):
        to_decimal(float("nan"))


@given(st.decimals(min_value=-10**9, max_value=10**9, places=2, allow_nan=False, allow_infinity=False))
def test_json_money_round_trips_pence(d):
    s = json_money(d)
    assert D(s) == d and len(s.split(".")[1]) == 2
    assert to_k(d) == (d / 1000).quantize(D("0.1"), rounding="ROUND_HALF_UP")
