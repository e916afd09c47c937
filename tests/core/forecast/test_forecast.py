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


def test_an_as_at_after_the_newest_drop_jumps_off_from_that_drop(snap: snapshot.Snapshot, fc: Forecast) -> None:
    # data are as at their extract (31 March 2025): asking as at 20 May adds no data, so the forecast is the
    # one from 31 March, not one that takes April and May as months with nothing in them
    later = forecast(snap, ForecastRequest(as_at=dt.date(2025, 5, 20), months=12, simulations=400))
    assert later.as_at == AS_AT
    pd.testing.assert_frame_equal(later.rows, fc.rows)


def test_rows_are_whole_months_and_calendar_quarters(ref: Reference) -> None:
    con = empty_warehouse()
    mid = dt.date(2025, 2, 14)
    children, adopters = journeys(ref.la_codes, mid, 3, seed=11)
    for la in ref.la_codes:
        add_drop(con, la, mid, children=children[children.la_code == la].drop(columns="la_code"),
                 adopters=adopters[adopters.la_code == la].drop(columns="la_code"))
    snap = snapshot.over(con, ref, mid)
    monthly = forecast(snap, ForecastRequest(as_at=mid, months=12, simulations=50))
    one = monthly.rows[(monthly.rows.area == "886") & (monthly.rows.measure == "matches")]
    # the total and the first month start on 1 March (the month after the data's), not on 15 February
    assert [(r.start, r.end) for r in one.iloc[:3].itertuples()] == [
        (dt.date(2025, 3, 1), dt.date(2026, 2, 28)), (dt.date(2025, 3, 1), dt.date(2025, 3, 31)),
        (dt.date(2025, 4, 1), dt.date(2025, 4, 30))]
    assert all(r.start.day == 1 and r.end == fm.month_end(month_of(r.end)) for r in one.itertuples())
    quarterly = forecast(snap, ForecastRequest(as_at=mid, months=12, step="quarter", simulations=50))
    q = quarterly.rows[(quarterly.rows.area == "886") & (quarterly.rows.measure == "matches")].iloc[1:]
    # calendar quarters: March alone (the rest of January-March), then April-June ... January-February 2026
    assert [(r.start, r.end) for r in q.itertuples()] == [
        (dt.date(2025, 3, 1), dt.date(2025, 3, 31)), (dt.date(2025, 4, 1), dt.date(2025, 6, 30)),
        (dt.date(2025, 7, 1), dt.date(2025, 9, 30)), (dt.date(2025, 10, 1), dt.date(2025, 12, 31)),
        (dt.date(2026, 1, 1), dt.date(2026, 2, 28))]
    con.close()


# ---------------------------------------------------------------- the mappings, with hand-worked values
#
# One council, futures without chance (every chance 0 or 1, or entrants fixed), so every figure can be worked
# out by hand: a swapped stage, measure or input changes a figure the tests name.


def _one_council(stock: np.ndarray, moves: tuple[float, ...], entrants: int, horizon: int = 3,
                 leave: tuple[float, ...] | None = None) -> tuple[np.ndarray, np.ndarray]:
    stages = len(moves)
    adv = np.array(moves, dtype=float).reshape(1, 1, stages, 1).repeat(len(fm.BAND_STARTS), axis=-1)
    lv = np.zeros_like(adv) if leave is None else np.array(leave, dtype=float).reshape(1, 1, stages, 1).repeat(
        len(fm.BAND_STARTS), axis=-1)
    ent = np.full((horizon, 1, 1), entrants, dtype=np.int64)
    return fm.simulate(np.random.default_rng(0), stock, adv, lv, ent, back_to=None)


def test_each_stage_moves_into_the_next_by_hand() -> None:
    # stock: 5 waiting for an ADM->PO move, 3 with a placement order, 2 matched, 7 placed; everyone moves on every
    # month; 4 new ADM decisions a month. Month 1: PO 5+4, matches 3+9, placements 2+12, orders 7+14 (moves
    # chain within the month, as the estimate counts them).
    stock = np.zeros((1, 4, fm.TRACKED), dtype=np.int64)
    stock[0, :, 1] = [5, 3, 2, 7]
    moved, held = _one_council(stock, (1.0, 1.0, 1.0, 1.0), entrants=4)
    assert moved[0, 0, 0].tolist() == [9, 12, 14, 21]
    assert moved[1, 0, 0].tolist() == [4, 4, 4, 4]
    assert held[:, 0, 0].sum(-1).tolist() == [0, 0, 0]


def test_a_stage_that_never_moves_holds_its_children() -> None:
    # matched children never placed: matches arrive, placements and orders are 0, the matched stage fills up
    stock = np.zeros((1, 4, fm.TRACKED), dtype=np.int64)
    stock[0, :, 1] = [0, 0, 2, 7]
    moved, held = _one_council(stock, (1.0, 1.0, 0.0, 1.0), entrants=3)
    assert moved[:, 0, 0, 1].tolist() == [3, 3, 3]  # matches: each month's entrants
    assert moved[:, 0, 0, 2].tolist() == [0, 0, 0]  # placements: none
    assert moved[:, 0, 0, 3].tolist() == [7, 0, 0]  # adoption orders: the placed stock only
    assert held[:, 0, 0, 2].tolist() == [5, 8, 11]  # matched and waiting
    # leavers leave: with everyone leaving the placement-order stage, nothing is matched
    moved, _ = _one_council(stock, (1.0, 0.0, 0.0, 0.0), entrants=3, leave=(0.0, 1.0, 0.0, 0.0))
    assert moved[:, 0, 0, 1].tolist() == [0, 0, 0]


def _fit(children: pd.DataFrame, adopters: pd.DataFrame, ref: Reference, as_at: dt.date) -> pd.DataFrame:
    from raa_core.forecast.journeys import from_frames
    from raa_core.forecast.synthetic import model_frames

    c, a = model_frames(children, adopters)
    rows, _, _ = fm.fit_and_simulate(from_frames(c, a, as_at), ref, 12, "month", 5, 300)
    return rows.groupby(["area", "measure"]).head(1).set_index(["area", "measure"])


def test_children_waiting_adoption_orders_and_approvals_come_from_their_own_stages(ref: Reference) -> None:
    # two synthetic pipelines with the same entrants: in one, placed children wait long for their order (half a
    # percent a month) and households are approved fast (90%); in the other the reverse. Adoption orders follow
    # the placed stage's chance, approvals the approval stage's, children waiting the stages before placement:
    # swap any mapping and these comparisons turn round.
    as_at = dt.date(2025, 3, 31)
    slow = journeys([886], as_at, 3, child_chances=(0.3, 0.2, 0.6, 0.005), adopter_chances=(0.2, 0.9, 0.15),
                    seed=2)
    fast = journeys([886], as_at, 3, child_chances=(0.3, 0.2, 0.6, 0.9), adopter_chances=(0.2, 0.005, 0.15),
                    seed=2)
    s, f = _fit(*slow, ref, as_at), _fit(*fast, ref, as_at)
    assert s.loc[("886", "adoption_orders"), "forecast"] < 0.5 * f.loc[("886", "adoption_orders"), "forecast"]
    assert s.loc[("886", "approvals"), "forecast"] > 2 * f.loc[("886", "approvals"), "forecast"]
    # the placed stage is not waiting: the two pipelines' children waiting agree (same stages before placement)
    assert s.loc[("886", "children_waiting"), "forecast"] == pytest.approx(
        f.loc[("886", "children_waiting"), "forecast"], rel=0.2)
    # a slow match (5% a month) fills children waiting and empties matches
    stuck = _fit(*journeys([886], as_at, 3, child_chances=(0.3, 0.05, 0.6, 0.15), seed=2), ref, as_at)
    assert stuck.loc[("886", "children_waiting"), "forecast"] > 1.5 * s.loc[("886", "children_waiting"), "forecast"]
    assert stuck.loc[("886", "matches"), "forecast"] < s.loc[("886", "matches"), "forecast"]


def test_intervals_carry_uncertainty_and_widen_with_the_horizon(fc: Forecast) -> None:
    r = fc.rows[(fc.rows.area == "886") & (fc.rows.measure == "adoption_orders")].iloc[1:]
    width = (r["high80"] - r["low80"]).astype(float).tolist()
    assert all(w > 0 for w in width)
    w = fc.rows[(fc.rows.area == "886") & (fc.rows.measure == "children_waiting")].iloc[1:]
    spread = (w["high80"] - w["low80"]).astype(float).to_numpy()
    assert spread[-1] > spread[0]  # the stock at month 12 is less certain than at month 1


def test_the_rates_own_uncertainty_widens_the_intervals() -> None:
    # the same 6 of 20 months moving on, against 300 of 1,000: the chance drawn for few journeys varies more
    few = fm.Rates(advance=np.full((1, 1, 1), 6.0), leave=np.zeros((1, 1, 1)), exposure=np.full((1, 1, 1), 20.0))
    many = fm.Rates(advance=np.full((1, 1, 1), 300.0), leave=np.zeros((1, 1, 1)),
                    exposure=np.full((1, 1, 1), 1000.0))
    a_few, _ = fm.draw_chances(np.random.default_rng(1), few, 0, 4000)
    a_many, _ = fm.draw_chances(np.random.default_rng(1), many, 0, 4000)
    assert a_few.mean() == pytest.approx(0.3, abs=0.02) and a_many.mean() == pytest.approx(0.3, abs=0.01)
    assert a_few.std() > 4 * a_many.std() > 0
    # the entrant rate too: 12 months at 10 a month are less certain than the same rate over 36
    lam12 = fm.draw_entrants(np.random.default_rng(2), np.full((1, 12), 10), float("inf"), 4000, 1).sum(0)
    lam36 = fm.draw_entrants(np.random.default_rng(2), np.full((1, 36), 10), float("inf"), 4000, 1).sum(0)
    assert lam12.var() > lam36.var() > 10 * 0.9  # more than Poisson chance alone (variance 10)


def test_the_futures_are_the_same_whatever_the_machines_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    """The futures run in `FUTURE_BLOCKS` blocks with spawned streams on as many threads as there are cores: the
    figures for a seed do not depend on the cores (one thread or many), and a block of fewer futures than blocks
    still gives every future."""
    rng = np.random.default_rng(5)
    sims, areas, stages = 40, 3, 4
    stock = rng.integers(0, 4, size=(areas, stages, fm.TRACKED))
    adv = rng.uniform(0.05, 0.4, size=(sims, areas, stages, len(fm.BAND_STARTS)))
    lv = rng.uniform(0.0, 0.1, size=adv.shape)
    ent = rng.integers(0, 5, size=(6, sims, areas))
    runs = []
    for cores in (1, 2, 8):
        monkeypatch.setattr(fm.os, "cpu_count", lambda c=cores: c)
        runs.append(fm.simulate(np.random.default_rng(9), stock, adv, lv, ent, back_to=1))
    for moved, held in runs[1:]:
        assert np.array_equal(moved, runs[0][0]) and np.array_equal(held, runs[0][1])
    assert runs[0][0].shape == (6, sims, areas, stages)
    few = fm.simulate(np.random.default_rng(9), stock, adv[:3], lv[:3], ent[:, :3], back_to=1)
    assert few[0].shape == (6, 3, areas, stages)


def test_a_cell_of_one_child_is_drawn_with_its_chance() -> None:
    """The one-child shortcut (one uniform against the chance) has the binomial's mean: 200,000 cells of one
    child with chance 0.3 move about 60,000 (within 4 standard deviations); cells of more use the sampler."""
    rng = np.random.default_rng(1)
    n = np.ones(200_000, dtype=np.int64)
    got = fm.binomial(rng, n, np.full(n.shape, 0.3)).sum()
    assert abs(got - 60_000) < 4 * (200_000 * 0.3 * 0.7) ** 0.5
    mixed = fm.binomial(rng, np.array([0, 1, 5, 0]), np.array([0.9, 1.0, 1.0, 0.5]))
    assert mixed.tolist() == [0, 1, 5, 0]
