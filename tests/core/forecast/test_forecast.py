"""The pipeline forecast's engine (docs/forecast.md): known rates recovered, determinism, intervals, pooling."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import duckdb
import numpy as np
import pandas as pd
import pytest

from factories import add_drop, empty_warehouse
from raa_core import snapshot
from raa_core.errors import BadInput, NoData
from raa_core.forecast import MEASURES, Forecast, ForecastRequest, forecast
from raa_core.forecast import model as fm
from raa_core.forecast.journeys import month_of, read
from raa_core.forecast.synthetic import journeys
from raa_core.reference import Reference
from raa_core.requests import DataRequest

AS_AT = dt.date(2025, 3, 31)
#: 303 has few journeys (a twentieth of the entrants): its chances lean on the region.
SCALE = (0.05, 1.0, 1.0)
ENTRANTS = 10.0
CHANCES = (0.3, 0.2, 0.6, 0.15)


@pytest.fixture(scope="module")
def wh(ref: Reference) -> Iterator[duckdb.DuckDBPyConnection]:
    con = empty_warehouse()
    children, adopters = journeys(ref.la_codes, AS_AT, 4, entrants=ENTRANTS, child_chances=CHANCES, seed=7,
                                  scale=SCALE)
    for la in ref.la_codes:
        add_drop(con, la, AS_AT, children=children[children.la_code == la].drop(columns="la_code"),
                 adopters=adopters[adopters.la_code == la].drop(columns="la_code"))
    yield con
    con.close()


@pytest.fixture(scope="module")
def snap(wh: duckdb.DuckDBPyConnection, ref: Reference) -> snapshot.Snapshot:
    return snapshot.over(wh, ref, AS_AT, version="synthetic-1")


@pytest.fixture(scope="module")
def fc(snap: snapshot.Snapshot) -> Forecast:
    return forecast(snap, ForecastRequest(as_at=AS_AT, months=12, simulations=400))


def totals(f: Forecast) -> pd.DataFrame:
    return f.rows.groupby(["area", "measure"]).head(1).set_index(["area", "measure"])


def test_known_entrant_rate_is_recovered(fc: Forecast) -> None:
    t = totals(fc)
    for la in ("886", "887"):
        row = t.loc[(la, "adm_decisions")]
        assert 0.85 * 12 * ENTRANTS <= row["forecast"] <= 1.15 * 12 * ENTRANTS
        assert row["low95"] <= 12 * ENTRANTS <= row["high95"]


def test_known_stage_chances_are_recovered(snap: snapshot.Snapshot) -> None:
    j = read(snap, DataRequest(as_at=AS_AT))
    last = month_of(AS_AT)
    rates = fm.count_rates(j.children, len(j.areas), fm.CHILD_STAGES, last - 35, last)
    adv = rates.advance.sum(axis=(0, 2)) / rates.exposure.sum(axis=(0, 2))
    # stage 0 also loses 2% a month to reversals, so its chance of moving on is measured among all at risk
    assert adv == pytest.approx(CHANCES, abs=0.03)


def test_steady_pipeline_flows_forecast_near_the_entrants(fc: Forecast) -> None:
    # a pipeline fed at a steady rate for four years moves on at about the rate it is fed (less reversals)
    t = totals(fc)
    for meas in ("placement_orders", "matches", "placements"):
        got = t.loc[("886", meas), "forecast"]
        assert 0.75 * 12 * ENTRANTS <= got <= 1.15 * 12 * ENTRANTS, meas


def test_same_seed_same_forecast_other_seed_differs(snap: snapshot.Snapshot, fc: Forecast) -> None:
    again = forecast(snap, ForecastRequest(as_at=AS_AT, months=12, simulations=400))
    pd.testing.assert_frame_equal(again.rows, fc.rows)
    other = forecast(snap, ForecastRequest(as_at=AS_AT, months=12, simulations=400, seed=99))
    assert not other.rows["forecast"].equals(fc.rows["forecast"])
    assert fc.seed == snap.ref.settings.forecast.seed and other.seed == 99
    assert fc.version == "synthetic-1"


def test_intervals_nest(fc: Forecast) -> None:
    r = fc.rows
    for a, b in (("low95", "low80"), ("low80", "forecast"), ("forecast", "high80"), ("high80", "high95")):
        assert all(float(x) <= float(y) for x, y in zip(r[a], r[b], strict=True)), (a, b)


def test_months_add_up_to_the_total_for_flows(fc: Forecast) -> None:
    check = fm.sum_check(fc.rows)
    assert len(check) == 4 * (len(MEASURES) - 1)
    # each month's forecast is rounded to 1 dp: 12 roundings of at most 0.05 (fees to the penny)
    assert ((check["total"].astype(float) - check["parts"].astype(float)).abs() <= 0.61).all()


def test_waiting_rows_are_at_the_period_end(fc: Forecast) -> None:
    w = fc.rows[(fc.rows.area == "region") & (fc.rows.measure == "children_waiting")]
    assert w.iloc[0]["forecast"] == w.iloc[-1]["forecast"]
    assert w.iloc[0]["end"] == dt.date(2026, 3, 31) and w.iloc[0]["start"] == dt.date(2025, 4, 1)


def test_region_is_the_sum_of_councils(fc: Forecast) -> None:
    t = totals(fc)
    councils = sum(t.loc[(la, "placements"), "forecast"] for la in ("303", "886", "887"))
    assert t.loc[("region", "placements"), "forecast"] == pytest.approx(councils, abs=0.2)


def test_json_shape_is_the_spec(fc: Forecast) -> None:
    j = fc.as_json()
    assert list(j) == ["as_at", "months", "seed", "version", "rows"]
    assert j["as_at"] == "2025-03-31" and j["months"] == 12
    row = j["rows"][0]
    assert list(row) == ["area", "measure", "start", "end", "forecast", "low80", "high80", "low95", "high95"]
    assert {r["measure"] for r in j["rows"]} == set(MEASURES)
    assert {r["area"] for r in j["rows"]} == {"303", "886", "887", "region"}
    fee = next(r for r in j["rows"] if r["measure"] == "interagency_fees_gbp")
    assert isinstance(fee["forecast"], str) and fee["forecast"].count(".") == 1
    # a whole-horizon row then 12 monthly rows per area and measure
    assert len(j["rows"]) == 4 * len(MEASURES) * 13


def test_quarterly_rows(snap: snapshot.Snapshot) -> None:
    f = forecast(snap, ForecastRequest(as_at=AS_AT, months=24, step="quarter", simulations=200))
    one = f.rows[(f.rows.area == "886") & (f.rows.measure == "matches")]
    assert len(one) == 1 + 8
    assert one.iloc[1]["start"] == dt.date(2025, 4, 1) and one.iloc[1]["end"] == dt.date(2025, 6, 30)


def test_few_journeys_lean_on_the_region(fc: Forecast) -> None:
    w = fc.pooling.set_index("area")
    assert w.loc["303", "children_weight"] < 0.6 < w.loc["886", "children_weight"]
    assert w.loc["886", "children_weight"] > 0.85


def test_pooling_pulls_a_small_council_to_the_region() -> None:
    rates = fm.Rates(advance=np.array([[[[0.0]]], [[[50.0]]]]).reshape(2, 1, 1),
                     leave=np.zeros((2, 1, 1)), exposure=np.array([2.0, 100.0]).reshape(2, 1, 1))
    adv, _ = fm.draw_chances(np.random.default_rng(1), rates, 60, 4000)  # m = 60 months
    small, big = adv[:, 0, 0, 0].mean(), adv[:, 1, 0, 0].mean()
    # the small council saw 0 of 2; pooled with the region's 50/102 it is near (0 + 60 x 0.49) / (2 + 60)
    assert small == pytest.approx(60 * 50 / 102 / 62, abs=0.03)
    assert big == pytest.approx((50 + 60 * 50 / 102) / 160, abs=0.03)


def test_approvals_gap_is_needed_less_expected(fc: Forecast) -> None:
    g = fc.gaps.set_index("area")
    assert g.loc["region", "forecast"] == pytest.approx(g.loc["region", "needed"] - g.loc["region", "approvals"],
                                                         abs=0.2)
    assert g.loc["region", "low80"] <= g.loc["region", "forecast"] <= g.loc["region", "high80"]


def test_history_counts_what_happened(fc: Forecast) -> None:
    h = fc.history
    adm = h[(h.area == "886") & (h.measure == "adm_decisions")]
    assert len(adm) == 36 and adm["actual"].mean() == pytest.approx(ENTRANTS, rel=0.2)


@pytest.mark.parametrize("months", [11, 37, 40])
def test_months_outside_12_to_36_refused(months: int) -> None:
    with pytest.raises(BadInput):
        ForecastRequest(months=months)


def test_no_drops_no_forecast(ref: Reference) -> None:
    with pytest.raises(NoData):
        forecast(snapshot.over(empty_warehouse(), ref, AS_AT), ForecastRequest())


def test_fees_are_the_placements_times_the_fee_in_force(wh: duckdb.DuckDBPyConnection, ref: Reference) -> None:
    from decimal import Decimal

    # no siblings, no VAA share: each interagency child costs the council/RAA fee in force in its month, here
    # uprated 10% on each 1 April after the data's date (31 March 2025): £29,700 from April 2025, £32,670 from
    # April 2026
    cfg = ref.settings.forecast.model_copy(update={"fee_uprating_pct": {"interagency_la_raa": Decimal("10")}})
    up = ref.model_copy(update={"settings": ref.settings.model_copy(update={"forecast": cfg})})
    f = forecast(snapshot.over(wh, up, AS_AT), ForecastRequest(as_at=AS_AT, months=24, simulations=400))
    r = f.rows[f.rows.area == "region"]
    ia = r[r.measure == "interagency_placements"].iloc[1:].set_index("start")["forecast"]
    fee = r[r.measure == "interagency_fees_gbp"].iloc[1:].set_index("start")["forecast"]
    assert all(isinstance(v, Decimal) for v in fee)
    for start in (dt.date(2025, 4, 1), dt.date(2025, 9, 1), dt.date(2026, 3, 1)):
        assert float(fee[start]) == pytest.approx(29700 * ia[start], abs=29700 * 0.06)
    for start in (dt.date(2026, 4, 1), dt.date(2027, 1, 1)):
        assert float(fee[start]) == pytest.approx(32670 * ia[start], abs=32670 * 0.06)
