"""Monitoring: each forecast method on crafted ledgers, RAG boundaries, movement, rollups, ASF, JSON."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factories import add_drop, empty_warehouse
from financekit import budget_report, forecast_trend, monitor, recharge_schedule
from raa_core.finance import monitoring
from raa_core.finance.monitoring import METHODS
from raa_core.reference import RagSettings, load_reference

Y = "2021-22"


def b(area: str, line: str, amount: Any, year: str = Y) -> dict[str, Any]:
    return {"financial_year": year, "budget_area": area, "cost_line": line, "budget_gbp": D(str(amount))}


def lr(period: int, area: str, line: str, actual: Any, forecast: Any = None, year: str = Y) -> dict[str, Any]:
    return {
        "financial_year": year, "period": period, "budget_area": area, "cost_line": line,
        "actual_gbp": D(str(actual)), "forecast_outturn_gbp": None if forecast is None else D(str(forecast)),
    }


def post(post_id: str, team: str, cost: Any, status: str = "filled", golive: bool = False) -> dict[str, Any]:
    return {"post_id": post_id, "team": team, "role": "social_worker", "fte": 1.0,
            "annual_cost_gbp": D(str(cost)), "status": status, "agency_covers_go_live_vacancy": golive}


def line(mon: monitoring.Monitoring, cost_line: str, la_code: int | None = None) -> pd.Series:
    df = mon.lines if cost_line not in set(mon.asf_lines["cost_line"]) else mon.asf_lines
    hit = df[df["cost_line"] == cost_line]
    if la_code is not None:
        hit = hit[hit["la_code"] == la_code]
    assert len(hit) == 1, hit
    return hit.iloc[0]


# --- run_rate ------------------------------------------------------------------------------------


def test_run_rate_scales_year_to_date_to_twelve_months(ref):
    con = empty_warehouse()
    add_drop(con, 886, "2021-09-10", budget=[b("pooled", "panels", 12000)],
             ledger=[lr(p, "pooled", "panels", 1100) for p in range(1, 6)])
    r = line(monitor(con, ref, Y, 5, "run_rate"), "panels")
    assert r["ytd_actual"] == D("5500.00")
    assert r["forecast"] == D("13200.00")  # 5,500 x 12 / 5
    assert r["method"] == "run_rate"
    assert r["variance"] == D("1200.00")


@pytest.mark.parametrize(
    ("actual", "period", "expected"),
    [("100.00", 7, "171.43"), ("0.01", 8, "0.02"), ("-0.01", 8, "-0.02"), ("-100.00", 7, "-171.43")],
)
def test_run_rate_rounds_each_line_once_to_the_penny_half_away_from_zero(ref, actual, period, expected):
    con = empty_warehouse()
    add_drop(con, 886, "2021-12-10", budget=[b("pooled", "running_costs", 0)],
             ledger=[lr(period, "pooled", "running_costs", actual)])
    assert line(monitor(con, ref, Y, period, "run_rate"), "running_costs")["forecast"] == D(expected)


# --- quarterly lumpy staffing ---------------------------------------------------------------------


def _staffing_con(with_establishment: bool, forecast_at_5: Any = None):
    con = empty_warehouse()
    ledger = [lr(3, "pooled", "staffing", 30000), lr(6, "pooled", "staffing", 31000)]
    ledger += [lr(p, "pooled", "panels", 1000, forecast_at_5 if p == 5 else None) for p in range(1, 7)]
    tables: dict[str, Any] = {
        "budget": [b("pooled", "staffing", 120000), b("pooled", "panels", 12000),
                   b("adoption_support", "support_staffing", 48000)],
        "ledger": ledger,
    }
    if with_establishment:
        tables["establishment"] = [
            post("p1", "family_finding", 60000), post("p2", "recruitment_assessment", 40000),
            post("p3", "management", 55000, status="vacant"),
            post("s1", "adoption_support", 36000),
        ]
    add_drop(con, 886, "2021-10-01", **tables)
    return con


@pytest.mark.parametrize("period", [1, 2])
def test_run_rate_before_the_first_quarterly_recharge_forecasts_the_budget(ref, period):
    mon = monitor(_staffing_con(False), ref, Y, period, "run_rate")
    r = line(mon, "staffing")
    assert r["ytd_actual"] == D("0.00")
    assert (r["forecast"], r["method"], r["variance"]) == (D("120000.00"), "budget", D("0.00"))
    # a monthly line is still extrapolated
    assert line(mon, "panels")["forecast"] == D("12000.00")


@pytest.mark.parametrize(("period", "expected"), [(3, "120000.00"), (4, "120000.00"), (5, "120000.00"), (6, "122000.00")])
def test_run_rate_counts_completed_quarters_only(ref, period, expected):
    r = line(monitor(_staffing_con(False), ref, Y, period, "run_rate"), "staffing")
    assert (r["forecast"], r["method"]) == (D(expected), "run_rate")


@pytest.mark.parametrize(
    ("period", "expected"),
    [(1, "100000.00"), (2, "100000.00"), (3, "105000.00"), (5, "105000.00"), (6, "111000.00")],
)
def test_establishment_adds_remaining_months_of_filled_posts(ref, period, expected):
    # filled pooled posts cost 100,000 a year (the vacant post costs nothing until filled);
    # P1-2: nothing recharged yet, the whole year is still to come; P3-5: Q1 30,000 + 9/12 of 100,000;
    # P6: 61,000 + 6/12.
    mon = monitor(_staffing_con(True), ref, Y, period, "establishment")
    r = line(mon, "staffing")
    assert (r["forecast"], r["method"]) == (D(expected), "establishment")
    s = line(mon, "support_staffing")
    months_done = 3 * (period // 3)
    assert s["forecast"] == D(36000) * (12 - months_done) / 12
    assert line(mon, "panels")["method"] == "run_rate"  # non-staff lines


def test_establishment_without_an_establishment_drop_falls_back_to_run_rate(ref):
    mon = monitor(_staffing_con(False), ref, Y, 3, "establishment")
    assert line(mon, "staffing")["method"] == "run_rate"
    assert line(mon, "staffing")["forecast"] == D("120000.00")


def test_default_prefers_submitted_then_establishment_then_run_rate(ref):
    mon = monitor(_staffing_con(True, forecast_at_5=15000), ref, Y, 5, "default")
    assert (line(mon, "panels")["forecast"], line(mon, "panels")["method"]) == (D("15000.00"), "submitted")
    assert line(mon, "staffing")["method"] == "establishment"
    mon = monitor(_staffing_con(False), ref, Y, 5, "default")
    assert line(mon, "staffing")["method"] == "run_rate"
    assert line(mon, "panels")["method"] == "run_rate"
    assert line(monitor(_staffing_con(False), ref, Y, 2, "default"), "staffing")["method"] == "budget"


def test_submitted_uses_the_forecast_sent_at_that_period_else_the_budget(ref):
    con = _staffing_con(False, forecast_at_5=15000)
    mon = monitor(con, ref, Y, 5, "submitted")
    assert (line(mon, "panels")["forecast"], line(mon, "panels")["method"]) == (D("15000.00"), "submitted")
    assert (line(mon, "staffing")["forecast"], line(mon, "staffing")["method"]) == (D("120000.00"), "budget")
    # at period 6 the council sent no forecast: not carried forward from period 5
    assert line(monitor(con, ref, Y, 6, "submitted"), "panels")["method"] == "budget"


def test_agency_cover_of_go_live_vacancies_is_charged_to_the_council_not_the_pool(ref):
    con = empty_warehouse()
    add_drop(
        con, 887, "2021-10-01",
        budget=[b("pooled", "agency_staff", 50000)],
        ledger=[lr(p, "pooled", "agency_staff", 4000) for p in range(1, 7)],
        establishment=[post("a1", "family_finding", 70000, "agency", golive=True),
                       post("a2", "panels", 24000, "agency"), post("f1", "panels", 30000)],
    )
    mon = monitor(con, ref, Y, 6, "establishment")
    r = line(mon, "agency_staff")
    assert r["forecast"] == D("24000.00") + D("12000.00")  # ytd + 6/12 of the non-go-live agency post
    ch = mon.council_charges
    assert list(ch["la_code"]) == [887] and list(ch["budget_area"]) == ["pooled"]
    assert ch.iloc[0]["annual_cost"] == D("70000.00") and ch.iloc[0]["posts"] == 1
    assert (ch.iloc[0]["months"], ch.iloc[0]["charge_to_date"]) == (6, D("35000.00"))  # 6/12 of the year


def _golive_con(golive: bool):
    con = empty_warehouse()
    add_drop(
        con, 887, "2021-10-01",
        budget=[b("pooled", "agency_staff", 50000), b("pooled", "staffing", 90000),
                b("adoption_support", "support_staffing", 40000)],
        ledger=[lr(p, "pooled", "agency_staff", 4000, 52000 if p == 5 else None) for p in range(1, 6)]
        + [lr(3, "pooled", "staffing", 22000), lr(3, "adoption_support", "support_staffing", 9000)],
        establishment=[post("a1", "family_finding", "70000.01", "agency", golive=golive),
                       post("a2", "adoption_support", "33333.33", "agency", golive=golive),
                       post("f1", "panels", 30000), post("s1", "adoption_support", 30000)],
    )
    return con


@pytest.mark.parametrize("method", METHODS)
def test_go_live_agency_cover_is_in_no_pooled_figure_by_any_method(ref, method):
    charged, normal = monitor(_golive_con(True), ref, Y, 5, method), monitor(_golive_con(False), ref, Y, 5, method)
    # the go-live posts cost the pool nothing: every figure is that of an establishment without them
    no_agency = empty_warehouse()
    add_drop(no_agency, 887, "2021-10-01", budget=[b("pooled", "agency_staff", 50000), b("pooled", "staffing", 90000),
                                                  b("adoption_support", "support_staffing", 40000)],
             ledger=[lr(p, "pooled", "agency_staff", 4000, 52000 if p == 5 else None) for p in range(1, 6)]
             + [lr(3, "pooled", "staffing", 22000), lr(3, "adoption_support", "support_staffing", 9000)],
             establishment=[post("f1", "panels", 30000), post("s1", "adoption_support", 30000)])
    without = monitor(no_agency, ref, Y, 5, method)
    cols = ["budget", "ytd_actual", "forecast", "variance", "movement"]
    pd.testing.assert_frame_equal(charged.totals[cols], without.totals[cols])
    assert charged.council_charges["annual_cost"].tolist() == [D("70000.01"), D("33333.33")]
    assert charged.council_charges["budget_area"].tolist() == ["pooled", "adoption_support"]
    # 5/12 of the annual cost, rounded once to the penny
    assert charged.council_charges["charge_to_date"].tolist() == [D("29166.67"), D("13888.89")]
    assert normal.council_charges.empty
    if method == "establishment":  # the same posts not covering a go-live vacancy are forecast in the pool
        assert line(normal, "agency_staff")["forecast"] == line(charged, "agency_staff")["forecast"] + D("40833.34")


def test_no_go_live_charge_without_a_ledger_for_the_year_and_a_closed_year_uses_its_own_establishment(ref):
    con = _golive_con(True)
    assert monitor(con, ref, "2019-20").council_charges.empty
    assert monitor(con, ref, Y, 5).council_charges["la_code"].tolist() == [887, 887]
    # a drop for the next year with a new establishment does not cost the closed year
    add_drop(con, 887, "2022-05-01", ledger=[lr(1, "pooled", "agency_staff", 1, year="2022-23")],
             establishment=[post("a9", "family_finding", 99999, "agency", golive=True)])
    assert monitor(con, ref, Y, 5).council_charges["annual_cost"].tolist() == [D("70000.01"), D("33333.33")]
    assert monitor(con, ref, "2022-23", 1).council_charges["annual_cost"].tolist() == [D("99999.00")]


# --- RAG ------------------------------------------------------------------------------------------


RAG_CASES = [
    # (budget, submitted forecast, expected rag)
    ("1000000.00", "1050000.00", "red"),      # exactly 5 %: red (inclusive)
    ("1000000.00", "1049999.99", "amber"),
    ("3000000.00", "3100000.00", "red"),      # exactly £100,000 (3.3 %): red (inclusive)
    ("3000000.00", "3099999.99", "amber"),
    ("1000000.00", "950000.00", "green"),     # underspend exactly 5 %: not beyond, green
    ("1000000.00", "949999.99", "amber"),     # underspend beyond 5 %
    ("1000000.00", "1000000.00", "green"),
    ("1000000.00", "1000000.01", "amber"),    # any overspend
    ("-40000.00", "-37000.00", "red"),        # income short by 7.5 % of |budget|
    ("0.00", "0.01", "red"),                  # unbudgeted spend: 5 % of nothing is reached
]


def _rag_con(cases):
    con = empty_warehouse()
    for i, (budget, forecast, _) in enumerate(cases, start=1):
        add_drop(con, i, "2021-10-01", budget=[b("pooled", "panels", budget)],
                 ledger=[lr(6, "pooled", "panels", 0, forecast)])
    return con


def test_rag_boundaries(ref):
    mon = monitor(_rag_con(RAG_CASES), ref, Y, 6, "submitted")
    got = [line(mon, "panels", i)["rag"] for i in range(1, len(RAG_CASES) + 1)]
    assert got == [c[2] for c in RAG_CASES]
    pct = line(mon, "panels", 1)["variance_pct"]
    assert pct == pytest.approx(5.0)


def test_rag_thresholds_come_from_settings(ref):
    strict = ref.model_copy(
        update={"settings": ref.settings.model_copy(
            update={"rag": RagSettings(red_pct=D("10"), red_gbp=D("200000"), amber_underspend_pct=D("1"))})}
    )
    cases = [("1000000.00", "1050000.00", "amber"), ("1000000.00", "1100000.00", "red"),
             ("3000000.00", "3200000.00", "red"), ("1000000.00", "989999.99", "amber")]
    mon = monitor(_rag_con(cases), strict, Y, 6, "submitted")
    assert [line(mon, "panels", i)["rag"] for i in range(1, 5)] == [c[2] for c in cases]


# --- movement, periods, years ---------------------------------------------------------------------


def test_movement_is_change_in_forecast_since_previous_period_by_the_same_method(ref):
    con = empty_warehouse()
    add_drop(con, 303, "2021-09-10", budget=[b("pooled", "panels", 12000)],
             ledger=[lr(1, "pooled", "panels", 1000, 12000), lr(2, "pooled", "panels", 1000, 12500),
                     lr(3, "pooled", "panels", 1600, None)])
    m2 = monitor(con, ref, Y, 2, "submitted")
    assert line(m2, "panels")["movement"] == D("500.00")
    assert m2.total(303)["movement"] == D("500.00")
    assert line(monitor(con, ref, Y, 1, "submitted"), "panels")["movement"] is None
    m3 = monitor(con, ref, Y, 3, "run_rate")  # 3,600 x 4 = 14,400 less 2,000 x 6 = 12,000
    assert line(m3, "panels")["movement"] == D("2400.00")
    assert line(m3, "panels")["prev_forecast"] == D("12000.00")


def test_latest_period_by_default_and_each_council_at_its_own_latest(ref):
    con = empty_warehouse()
    add_drop(con, 303, "2021-10-10", budget=[b("pooled", "panels", 1200)],
             ledger=[lr(p, "pooled", "panels", 100) for p in range(1, 7)])
    add_drop(con, 886, "2021-09-10", budget=[b("pooled", "panels", 1200)],
             ledger=[lr(p, "pooled", "panels", 100) for p in range(1, 6)])
    mon = monitor(con, ref, Y)
    assert mon.period == 6
    assert list(mon.lines["period"]) == [6, 5]
    assert list(mon.lines["forecast"]) == [D("1200.00"), D("1200.00")]


def test_ledger_behind_names_each_council_not_yet_at_the_period(ref):
    con = empty_warehouse()
    add_drop(con, 303, "2021-10-10", budget=[b("pooled", "panels", 1200)],
             ledger=[lr(p, "pooled", "panels", 100) for p in range(1, 7)])
    add_drop(con, 886, "2021-09-10", budget=[b("pooled", "panels", 1200)],
             ledger=[lr(p, "pooled", "panels", 100) for p in range(1, 5)])
    assert monitoring.ledger_behind(monitor(con, ref, Y, 6), 6) == [(886, 4)]
    assert monitoring.ledger_behind(monitor(con, ref, Y, 4), 4) == []
    assert monitoring.ledger_behind(monitor(con, ref, Y, 6, la_code=303), 6) == []
    assert monitoring.ledger_behind(monitor(con, ref, Y, 6, la_code=886), 6) == [(886, 4)]


def test_a_request_record_and_one_council_in_sql_give_the_raa_reports_own_rows(ref):
    """monitor(req, la_code) computes one council in SQL: its lines, totals, ASF and charges equal the
    council's rows of the whole-RAA report."""
    from raa_core.requests import MonitoringRequest

    con = empty_warehouse()
    for la, extra in ((303, 100), (886, 250)):
        add_drop(con, la, "2021-10-10", budget=[b("pooled", "panels", 1200), b("adoption_support", "asf_spend", 50)],
                 ledger=[lr(p, "pooled", "panels", extra) for p in range(1, 7)]
                 + [lr(6, "adoption_support", "asf_spend", 70)],
                 establishment=[post("G1", "adoption_support", 36000, "agency", golive=True)])
    req = MonitoringRequest(year=Y, period=6, method="run_rate")
    whole = monitor(con, ref, Y, 6, "run_rate")
    assert monitor(con, ref, req).lines.equals(whole.lines)
    one = monitor(con, ref, req, la_code=886)
    assert one.la_code == 886
    for name in ("lines", "asf_lines", "council_charges"):
        mine = getattr(whole, name)
        assert getattr(one, name).reset_index(drop=True).equals(mine[mine["la_code"] == 886].reset_index(drop=True))
    mine = whole.totals[whole.totals["la_code"] == 886].reset_index(drop=True)
    assert one.totals.drop(columns="level").equals(mine.drop(columns="level"))
    assert forecast_trend(con, ref, req, la_code=886).equals(
        forecast_trend(con, ref, Y, "run_rate", period=6).query("la_code == 886").reset_index(drop=True))
    assert recharge_schedule(con, req, 886).equals(
        recharge_schedule(con, Y).query("la_code == 886").reset_index(drop=True))


def test_each_year_comes_from_the_newest_drop_carrying_it(ref):
    con = empty_warehouse()
    add_drop(con, 886, "2021-03-31", budget=[b("pooled", "panels", 1000, "2020-21")],
             ledger=[lr(12, "pooled", "panels", 900, None, "2020-21")])
    add_drop(con, 886, "2021-05-10", budget=[b("pooled", "panels", 2000)],
             ledger=[lr(1, "pooled", "panels", 150)])
    old = monitor(con, ref, "2020-21")
    assert (old.period, line(old, "panels")["budget"], line(old, "panels")["ytd_actual"]) == (
        12, D("1000.00"), D("900.00"))
    # a later drop restating 2021-22 supersedes the earlier one for that year only
    add_drop(con, 886, "2021-06-10", ledger=[lr(1, "pooled", "panels", 175), lr(2, "pooled", "panels", 10)])
    assert line(monitor(con, ref, Y, 1), "panels")["ytd_actual"] == D("175.00")
    assert line(monitor(con, ref, "2020-21"), "panels")["ytd_actual"] == D("900.00")


def test_year_with_budget_but_no_ledger_gives_budgets_with_null_actuals(ref):
    con = empty_warehouse()
    add_drop(con, 886, "2020-03-01", budget=[b("pooled", "staffing", "1000.10", "2019-20"),
                                            b("pooled", "panels", "20.05", "2019-20")])
    rep = budget_report(con, ref, "2019-20")
    assert rep["period"] is None
    assert {r["ytd_actual"] for r in rep["rows"]} == {None}
    assert {r["forecast"] for r in rep["rows"]} == {None}
    raa = next(t for t in rep["totals"] if t["la_code"] is None and t["budget_area"] is None)
    assert raa == {"la_code": None, "budget_area": None, "budget": "1020.15", "forecast": None, "variance": None}


def test_a_council_without_ledger_makes_its_totals_null_not_partial(ref):
    con = empty_warehouse()
    add_drop(con, 303, "2021-10-10", budget=[b("pooled", "panels", 1200)],
             ledger=[lr(6, "pooled", "panels", 600)])
    add_drop(con, 887, "2021-10-10", budget=[b("pooled", "panels", 1200)])
    mon = monitor(con, ref, Y, 6)
    assert mon.total(303)["forecast"] == D("1200.00")
    assert mon.total(887)["forecast"] is None
    assert mon.total(None)["forecast"] is None
    assert mon.total(None)["budget"] == D("2400.00")


# --- ASF, rollups, JSON -----------------------------------------------------------------------------


def test_asf_is_shown_apart_and_unfunded_spend_flagged(ref):
    con = empty_warehouse()
    add_drop(con, 303, "2021-10-10",
             budget=[b("adoption_support", "commissioned_support", 1000), b("adoption_support", "asf_spend", 5000),
                     b("adoption_support", "asf_income", -5000)],
             ledger=[lr(6, "adoption_support", "asf_spend", 3000), lr(6, "adoption_support", "asf_income", -2000),
                     lr(6, "adoption_support", "commissioned_support", 500)])
    add_drop(con, 886, "2021-10-10",
             ledger=[lr(6, "adoption_support", "asf_spend", 3000), lr(6, "adoption_support", "asf_income", -3000)])
    mon = monitor(con, ref, Y, 6, "run_rate")
    assert set(mon.lines["cost_line"]) == {"commissioned_support"}
    assert set(mon.asf_lines["cost_line"]) == {"asf_spend", "asf_income"}
    assert mon.total(303)["budget"] == D("1000.00")  # ASF outside the cash-limited total
    asf = {None if pd.isna(r.la_code) else int(r.la_code): r for r in mon.asf.itertuples(index=False)}
    assert (asf[303].net_ytd, asf[303].unfunded) == (D("1000.00"), True)
    assert (asf[886].net_ytd, asf[886].unfunded) == (D("0.00"), False)
    assert (asf[303].spend_ytd, asf[303].income_ytd) == (D("3000.00"), D("-2000.00"))
    assert (asf[None].net_ytd, asf[None].unfunded) == (D("1000.00"), True)
    assert (asf[303].unmatched_ytd, asf[886].unmatched_ytd) == (D("1000.00"), D("0.00"))
    assert (asf[303].unfunded_forecast, asf[303].unmatched_forecast) == (True, D("2000.00"))  # run rate x 2
    rep = budget_report(con, ref, Y, 6, "run_rate")
    assert {r["cost_line"] for r in rep["rows"]} == {"commissioned_support"}
    # the JSON carries the ASF apart, per council and for the RAA (la_code null), money as strings
    js = {a["la_code"]: a for a in rep["asf"]}
    assert set(js) == {303, 886, None}
    assert js[303] == {"la_code": 303, "spend_budget": "5000.00", "income_budget": "-5000.00", "spend": "3000.00",
                       "income": "-2000.00", "net": "1000.00", "unmatched": "1000.00", "unfunded": True}
    assert (js[886]["net"], js[886]["unfunded"], js[886]["spend_budget"]) == ("0.00", False, "0.00")
    assert (js[None]["spend"], js[None]["income"], js[None]["unfunded"]) == ("6000.00", "-5000.00", True)


def test_pooled_area_and_each_councils_adoption_support_kept_apart(ref):
    con = empty_warehouse()
    for la, over in ((303, 100), (886, -50)):
        add_drop(con, la, "2021-10-10",
                 budget=[b("pooled", "panels", 1000), b("adoption_support", "commissioned_support", 1000)],
                 ledger=[lr(6, "pooled", "panels", 0, 1000 + over),
                         lr(6, "adoption_support", "commissioned_support", 0, 1000 - over)])
    mon = monitor(con, ref, Y, 6, "submitted")
    assert mon.total(None, "pooled")["variance"] == D("50.00")
    assert mon.total(303, "adoption_support")["variance"] == D("-100.00")
    assert mon.total(886, "adoption_support")["variance"] == D("50.00")
    assert mon.total(None, None)["variance"] == D("0.00")
    levels = mon.totals["level"].tolist()
    assert levels == ["council_area", "council_area", "council", "council_area", "council_area", "council",
                      "area", "area", "raa"]
    assert mon.totals["budget_area"].tolist()[:2] == ["pooled", "adoption_support"]


def test_budget_report_json_shape(ref):
    con = _staffing_con(True, forecast_at_5=15000)
    add_drop(con, 303, "2021-10-01", budget=[b("pooled", "staffing", "1234.5")],
             ledger=[lr(5, "pooled", "staffing", 0)])
    rep = budget_report(con, ref, Y, 5, "default")
    assert set(rep) == {"year", "period", "rows", "totals", "asf"}  # docs/command-line.md's keys, plus the ASF apart
    assert (rep["year"], rep["period"]) == (Y, 5)
    row_keys = {"la_code", "budget_area", "cost_line", "budget", "ytd_actual", "forecast", "method", "variance",
                "variance_pct", "rag", "movement"}
    for r in rep["rows"]:
        assert set(r) == row_keys
        assert isinstance(r["la_code"], int)
        for k in ("budget", "ytd_actual", "forecast", "variance", "movement"):
            assert isinstance(r[k], str) and len(r[k].split(".")[1]) == 2
        assert isinstance(r["variance_pct"], float)
    assert next(r for r in rep["rows"] if r["la_code"] == 303)["budget"] == "1234.50"
    panels = next(r for r in rep["rows"] if r["cost_line"] == "panels")
    assert (panels["forecast"], panels["variance_pct"], panels["rag"]) == ("15000.00", 25.0, "red")
    for t in rep["totals"]:
        assert set(t) == {"la_code", "budget_area", "budget", "forecast", "variance"}
    keys = [(t["la_code"], t["budget_area"]) for t in rep["totals"]]
    assert (None, None) in keys and (886, None) in keys and (None, "pooled") in keys
    raa = next(t for t in rep["totals"] if t["la_code"] is None and t["budget_area"] is None)
    assert D(raa["forecast"]) == sum(D(r["forecast"]) for r in rep["rows"])


def test_monitor_for_one_council_matches_the_region_run(ref):
    con = _staffing_con(True, forecast_at_5=15000)
    add_drop(con, 303, "2021-10-01", budget=[b("pooled", "panels", 500)], ledger=[lr(5, "pooled", "panels", 60)])
    whole = monitor(con, ref, Y, 5)
    one = monitor(con, ref, Y, 5, la_code=303)
    cols = ["la_code", "cost_line", "budget", "ytd_actual", "forecast", "variance", "rag", "movement"]
    pd.testing.assert_frame_equal(
        one.lines[cols].reset_index(drop=True),
        whole.lines[whole.lines["la_code"] == 303][cols].reset_index(drop=True),
    )
    assert one.totals["la_code"].notna().all()


def test_bad_arguments_are_refused():
    """A monitoring request checks its values once, where it is built (raa_core.requests.MonitoringRequest)."""
    from raa_core.requests import MonitoringRequest

    with pytest.raises(ValueError, match="method"):
        MonitoringRequest(year=Y, period=3, method="guess")
    with pytest.raises(ValueError, match="period"):
        MonitoringRequest(year=Y, period=13)
    with pytest.raises(ValueError, match="financial year"):
        MonitoringRequest(year="2021", period=3)


# --- recharges and trend --------------------------------------------------------------------------


def test_recharge_schedule_per_council_per_quarter(ref):
    con = _staffing_con(False)
    sch = recharge_schedule(con, Y, ref=ref)
    staffing = sch[sch["cost_line"] == "staffing"]
    assert staffing["recharged"].tolist() == [D("30000.00"), D("31000.00"), D("0.00"), D("0.00")]
    assert staffing["complete"].tolist() == [True, True, False, False]
    assert set(sch["cost_line"]) == {c.cost_line for c in ref.cost_lines if c.recharged_quarterly}


def test_forecast_trend_equals_monitor_at_every_period(ref):
    con = _staffing_con(True, forecast_at_5=15000)
    trend = forecast_trend(con, ref, Y, "default")
    assert sorted(set(trend["period"])) == [1, 2, 3, 4, 5, 6]
    for p in range(1, 7):
        mon = monitor(con, ref, Y, p, "default")
        for area in ("pooled", "adoption_support"):
            got = trend[(trend["period"] == p) & (trend["budget_area"] == area)].iloc[0]
            want = mon.total(886, area)
            assert (got["forecast"], got["budget"]) == (want["forecast"], want["budget"])


# --- property: parts sum to totals at every level, for any ledger ---------------------------------

REF = load_reference()
CASH_LINES = [(c.budget_area, c.cost_line) for c in REF.cost_lines]
money = st.decimals(min_value=D("-50000"), max_value=D("500000"), places=2, allow_nan=False, allow_infinity=False)


@st.composite
def warehouses(draw):
    councils = draw(st.lists(st.sampled_from([303, 886, 887, 1]), min_size=1, max_size=3, unique=True))
    data = {}
    for la in councils:
        lines = draw(st.lists(st.sampled_from(CASH_LINES), min_size=1, max_size=5, unique=True))
        last = draw(st.integers(1, 12))
        budget = [b(a, c, draw(money)) for a, c in lines if draw(st.booleans()) or len(lines) == 1]
        ledger = []
        for a, c in lines:
            for p in draw(st.lists(st.integers(1, last), max_size=4, unique=True)):
                ledger.append(lr(p, a, c, draw(money), draw(st.none() | money)))
        est = [post(f"p{i}", draw(st.sampled_from(["panels", "adoption_support", "management"])),
                    draw(money.filter(lambda m: m > 0)), draw(st.sampled_from(["filled", "vacant", "agency"])),
                    draw(st.booleans()))
               for i in range(draw(st.integers(0, 3)))]
        data[la] = (budget, ledger, est)
    return data


def _sum(values) -> D | None:
    vals = list(values)
    if any(v is None or (isinstance(v, float) and pd.isna(v)) for v in vals):
        return None
    return sum(vals, D("0.00"))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(warehouses(), st.sampled_from(METHODS), st.integers(1, 12))
def test_parts_sum_to_totals_at_every_level_for_any_ledger(data, method, period):
    con = empty_warehouse()
    for la, (budget, ledger, est) in data.items():
        tables: dict[str, Any] = {"ledger": ledger}
        if budget:
            tables["budget"] = budget
        if est:
            tables["establishment"] = est
        add_drop(con, la, "2022-04-30", **tables)
    mon = monitor(con, REF, Y, period, method)
    lines = mon.lines
    for r in lines.itertuples(index=False):
        if r.forecast is not None:
            assert r.forecast == r.forecast.quantize(D("0.01"))
            assert r.variance == r.forecast - r.budget
        if r.movement is not None:
            assert r.movement == r.forecast - r.prev_forecast
    for t in mon.totals.itertuples(index=False):
        part = lines
        if not pd.isna(t.la_code):
            part = part[part["la_code"] == t.la_code]
        if isinstance(t.budget_area, str):
            part = part[part["budget_area"] == t.budget_area]
        assert t.budget == _sum(part["budget"])
        assert t.forecast == _sum(part["forecast"])
        assert t.ytd_actual == _sum(part["ytd_actual"])
        assert t.variance == _sum(part["variance"])
        assert t.movement == _sum(part["movement"])
    if lines.empty:
        assert mon.totals.empty
        return
    # the RAA total is also the sum of the council totals and of the area totals
    raa = mon.total(None)
    councils = mon.totals[mon.totals["level"] == "council"]
    areas = mon.totals[mon.totals["level"] == "area"]
    assert raa["budget"] == _sum(councils["budget"]) == _sum(areas["budget"])
    assert raa["forecast"] == _sum(councils["forecast"]) == _sum(areas["forecast"])
    # and the JSON carries the same figures as strings
    rep = monitoring.report_dict(mon)
    assert [r["forecast"] for r in rep["rows"]] == [
        None if v is None else f"{v:.2f}" for v in lines["forecast"]
    ]


@pytest.mark.parametrize(("year", "period", "label"), [
    ("2026-27", 1, "P1 (Apr 2026)"), ("2026-27", 7, "P7 (Oct 2026)"), ("2026-27", 9, "P9 (Dec 2026)"),
    ("2026-27", 10, "P10 (Jan 2027)"), ("2021-22", 12, "P12 (Mar 2022)"), ("2019-20", None, "no ledger"),
])
def test_period_label(year, period, label):
    assert monitoring.period_label(year, period) == label


def test_recharge_table_one_row_per_council_and_line_with_quarters(ref):
    con = _staffing_con(False)
    sched = recharge_schedule(con, Y, ref=ref)
    table = monitoring.recharge_table(sched)
    staffing = table[table["cost_line"] == "staffing"].iloc[0]
    assert (staffing["Q1"], staffing["Q2"], staffing["Q3"], staffing["Q4"]) == (
        D("30000.00"), D("31000.00"), None, None)  # quarters 3-4 not yet due
    assert staffing["to_date"] == D("61000.00") and staffing["quarters_complete"] == 2
    assert len(table) == len(sched) // 4
    assert sum(table["to_date"]) == sum(sched["recharged"])
    assert monitoring.recharge_table(sched.iloc[0:0]).empty
