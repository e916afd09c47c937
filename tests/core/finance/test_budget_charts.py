"""Budget charts: their data equal raa_core's monitoring figures."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from factories import add_drop, empty_warehouse
from financekit import forecast_trend, monitor
from raa_core.finance import budget_charts as bc
from raa_core.presentation import MoneyUnit

Y = "2021-22"


@pytest.fixture(scope="module")
def con():
    con = empty_warehouse()
    for la, panels_fc, running_fc in ((303, 13000, 9000), (886, 11500, 10400)):
        add_drop(
            con, la, "2021-10-10",
            budget=[{"financial_year": Y, "budget_area": "pooled", "cost_line": c, "budget_gbp": D(v)}
                    for c, v in (("panels", 12000), ("running_costs", 10000))],
            ledger=[{"financial_year": Y, "period": p, "budget_area": "pooled", "cost_line": c, "actual_gbp": D(a),
                     "forecast_outturn_gbp": D(f) if p == 6 else None}
                    for p in range(1, 7) for c, a, f in (("panels", 1000, panels_fc), ("running_costs", 800, running_fc))],
        )
    return con


def test_variance_by_line_sorted_and_summed_over_councils(con, ref):
    mon = monitor(con, ref, Y, 6, "default")
    labels = {c.cost_line: c.label for c in ref.cost_lines}
    data = bc.variance_by_line_data(mon, labels=labels)
    # panels: +1,000 - 500 = +500; running costs: -1,000 + 400 = -600; largest overspend first
    assert data["cost_line"].tolist() == ["panels", "running_costs"]
    assert data["variance"].tolist() == [D("500.00"), D("-600.00")]
    fig = bc.variance_by_line(mon, labels=labels)
    assert list(fig.data[0].x) == [500.0, -600.0]
    assert list(fig.data[0].y) == ["Adoption panels", "Management and running costs"]
    assert list(fig.data[0].marker.color) == [bc.OVER, bc.UNDER]
    one = bc.variance_by_line(mon, la_code=303)
    assert list(one.data[0].x) == [1000.0, -1000.0]
    flipped = bc.variance_by_line(mon, overspend_positive=False)
    assert list(flipped.data[0].x) == [-500.0, 600.0]
    assert list(flipped.data[0].marker.color) == [bc.OVER, bc.UNDER]


def test_movement_by_line(con, ref):
    mon = monitor(con, ref, Y, 6, "default")
    data = bc.variance_by_line_data(mon, 886, column="movement")
    # period 5 is run rate (12,000 and 9,600); period 6 submitted (11,500 and 10,400)
    assert dict(zip(data["cost_line"], data["movement"], strict=True)) == {
        "panels": D("-500.00"), "running_costs": D("800.00")}
    fig = bc.movement_by_line(mon, 886)
    assert list(fig.data[0].x) == [800.0, -500.0]


def test_outturn_trend_against_budget(con, ref):
    trend = forecast_trend(con, ref, Y, "default")
    data = bc.outturn_trend_data(trend)
    assert data["period"].tolist() == [1, 2, 3, 4, 5, 6]
    assert set(data["budget"]) == {D("44000.00")}
    mon = monitor(con, ref, Y, 6, "default")
    assert data["forecast"].iloc[-1] == mon.total(None)["forecast"]
    assert data["forecast"].iloc[0] == D("43200.00")  # run rate at period 1: (1,000 + 800) x 12 x 2
    fig = bc.outturn_trend(trend)
    assert list(fig.data[0].x) == [1, 2, 3, 4, 5, 6]
    assert fig.data[0].y[-1] == float(mon.total(None)["forecast"])
    assert list(fig.data[1].y) == [44000.0] * 6
    # money axes start at zero: a small movement is not drawn as a collapse
    assert fig.layout.yaxis.range[0] == 0 and fig.layout.yaxis.range[1] > 44000
    thousands = bc.outturn_trend(trend, unit=MoneyUnit.THOUSANDS)
    assert list(thousands.data[1].y) == [44.0] * 6 and thousands.layout.yaxis.title.text == "£'000"
    assert thousands.layout.yaxis.range[0] == 0
    only = bc.outturn_trend_data(trend, la_code=303, budget_area="pooled")
    assert only["budget"].iloc[0] == D("22000.00")


def test_empty_monitoring_gives_empty_charts(ref):
    mon = monitor(empty_warehouse(), ref, Y)
    assert bc.variance_by_line_data(mon).empty
    assert len(bc.variance_by_line(mon).data[0].x or []) == 0
    assert bc.outturn_trend_data(forecast_trend(empty_warehouse(), ref, Y)).empty
