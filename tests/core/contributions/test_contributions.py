"""The demand-led contribution engine: docs/finance.md's invariants as properties, and hand-worked examples."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from fractions import Fraction

import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import financekit as fk
from factories import add_drop, empty_warehouse, req, snap
from financekit import warehouse_drivers
from raa_core import contributions as C
from raa_core.contributions import formula
from raa_core.contributions.drivers import WAREHOUSE_DRIVERS, DriverTable
from raa_core.contributions.scenario import Scenario, ScenarioError, parse_scenario, year_label
from raa_core.finance.settlement import allocate

D = dt.date
NAMES = set(WAREHOUSE_DRIVERS) | {"population_0_17"}


def scenario(**kw) -> Scenario:
    data = {"name": "test", "base_year": "2019-20", "years": ["2020-21"], "scope": "pooled", "uplift_pct": 0,
            "totals": {}, "drivers": {"placement_orders": 1}, "window_years": 3, "transition": {"2020-21": 1},
            "cap_pct": None, "floor_pct": None}
    data.update(kw)
    return parse_scenario(data, drivers=NAMES)


def table(values: dict[tuple[str, int, int], int], status: dict | None = None) -> DriverTable:
    return DriverTable({k: Fraction(v) for k, v in values.items()}, status or {}, {})


# --- worked examples ---------------------------------------------------------------------------------------


ENTERED = D(2016, 1, 1)


def child(i: int, po: D | None, entered: D = ENTERED, **kw) -> dict:
    return {"child_id": f"C{i:04d}", "sex": "F", "date_of_birth": D(2015, 6, 1), "entered_care_date": entered,
            "adm_decision_date": po, "placement_order_date": po, **kw}


def pos(la: int, per_year: dict[int, int], start: int = 0) -> list[dict]:
    """Children with a placement order in each financial year (1 June of the year's start)."""
    rows, i = [], start
    for y, n in per_year.items():
        for _ in range(n):
            i += 1
            rows.append(child(la * 10000 + i, D(y, 6, 1)))
    return rows


def test_worked_example_placement_orders_alone_three_year_window() -> None:
    """Placement orders alone, 3-year window, t = 0.5, no bounds, on a small warehouse.

    Base year 2019-20 budgets: Bexley £1,000.00, Kent £3,000.00 -> baseline shares 25% and 75%.
    Placement orders 2017-18 / 2018-19 / 2019-20: Bexley 2, 4, 3 (average 3); Kent 4, 8, 9 (average 7)
    -> demand shares 3/10 = 30% and 7/10 = 70%.
    2020-21 (no uplift, total £4,000.00): Bexley 0.5 x 25% + 0.5 x 30% = 27.5% -> £1,100.00 (+£100, +10%);
    Kent 0.5 x 75% + 0.5 x 70% = 72.5% -> £2,900.00 (-£100, -3.3333%).
    Cost per placement order: Bexley £1,100 / 3 = £366.67; Kent £2,900 / 7 = £414.29.
    """
    con = empty_warehouse()
    add_drop(con, 303, "2020-06-30", children=pos(303, {2017: 2, 2018: 4, 2019: 3}))
    add_drop(con, 886, "2020-06-30", children=pos(886, {2017: 4, 2018: 8, 2019: 9}))
    drivers = DriverTable.from_frame(warehouse_drivers(con))
    s = scenario(transition={"2020-21": 0.5})
    r = C.compute(s, {303: Decimal("1000.00"), 886: Decimal("3000.00")}, drivers)
    bx, kent = r.year_rows("2020-21")
    assert (bx.baseline_share, bx.demand_share, bx.formula_share) == (Decimal("0.25"), Decimal("0.3"), Decimal("0.275"))
    assert (kent.baseline_share, kent.demand_share, kent.formula_share) == (Decimal("0.75"), Decimal("0.7"),
                                                                             Decimal("0.725"))
    assert (bx.contribution, kent.contribution) == (Decimal("1100.00"), Decimal("2900.00"))
    assert (bx.change_prev, bx.change_prev_pct) == (Decimal("100.00"), Decimal("10"))
    assert (kent.change_prev, kent.change_prev_pct) == (Decimal("-100.00"), Decimal("-3.3333"))
    assert bx.cost_per_unit == {"placement_orders": Decimal("366.67")}
    assert kent.cost_per_unit == {"placement_orders": Decimal("414.29")}
    assert bx.drivers == {"placement_orders": Decimal(3)} and bx.flags == () and bx.bound is None
    lines = C.explanation(r, "2020-21")
    assert "Bexley: 0.5 x 25.0% baseline + 0.5 x 30.0% demand = 27.5% of £4,000.00 = £1,100.00" in lines[1]


def test_business_case_explanation_numbers() -> None:
    """The issue's example: Kent 0.5 x 70.6% baseline + 0.5 x 64.0% demand = 67.3%.

    Baseline: the business case's 2019-20 totals (pooled and adoption support) £564.8k / £2,955.9k / £665.8k
    -> Kent 2,955.9 / 4,186.5 = 70.6%. Demand: adoption orders 16 / 64 / 20 (Kent 64%).
    Kent 0.5 x 0.70605 + 0.5 x 0.64 = 0.67303 -> 67.3%."""
    base = {303: Decimal("564800.00"), 886: Decimal("2955900.00"), 887: Decimal("665800.00")}
    d = table({("adoption_orders", 303, 2019): 16, ("adoption_orders", 886, 2019): 64,
               ("adoption_orders", 887, 2019): 20})
    s = scenario(drivers={"adoption_orders": 1}, window_years=1, transition={"2020-21": 0.5},
                 scope="pooled_and_adoption_support")
    r = C.compute(s, base, d)
    assert "Kent: 0.5 x 70.6% baseline + 0.5 x 64.0% demand = 67.3%" in "\n".join(C.explanation(r, "2020-21"))


def test_cap_binds_and_redistributes_until_stable() -> None:
    """Base £1,000 / £1,000 / £2,000 (total £4,000, no uplift); t = 1; one driver 6 / 2 / 2 -> demand 60/20/20%.
    Unbounded: £2,400 / £800 / £800. Cap +10%, floor -30%:
    round 1: Bexley (303) would rise 140% -> held at £1,100; £2,900 left for Kent and Medway at 20:20 -> £1,450
    each; round 2: Kent (886) would rise 45% -> held at £1,100; £1,800 left for Medway: -10%, inside the floor
    (-30% -> £1,400). Stable: £1,100 (cap), £1,100 (cap), £1,800."""
    base = {303: Decimal("1000.00"), 886: Decimal("1000.00"), 887: Decimal("2000.00")}
    d = table({("placement_orders", 303, 2019): 6, ("placement_orders", 886, 2019): 2,
               ("placement_orders", 887, 2019): 2})
    r = C.compute(scenario(window_years=1, cap_pct=10, floor_pct=-30), base, d)
    got = [(x.la_code, x.contribution, x.bound) for x in r.year_rows("2020-21")]
    assert got == [(303, Decimal("1100.00"), "cap"), (886, Decimal("1100.00"), "cap"), (887, Decimal("1800.00"), None)]
    text = "\n".join(C.explanation(r, "2020-21"))
    assert "held at the cap of 10% on £1,000.00: £1,100.00" in text


def test_floor_binds() -> None:
    """As above with floor -5%: Medway (887) may fall to £1,900 at most; Bexley is capped at £1,100, Kent
    takes the rest, £1,000: Kent's proportional amount (lambda x 20%) equals Bexley's (lambda x 60%) / 3."""
    base = {303: Decimal("1000.00"), 886: Decimal("1000.00"), 887: Decimal("2000.00")}
    d = table({("placement_orders", 303, 2019): 6, ("placement_orders", 886, 2019): 2,
               ("placement_orders", 887, 2019): 2})
    r = C.compute(scenario(window_years=1, cap_pct=10, floor_pct=-5), base, d)
    got = [(x.la_code, x.contribution, x.bound) for x in r.year_rows("2020-21")]
    assert got == [(303, Decimal("1100.00"), "cap"), (886, Decimal("1000.00"), None), (887, Decimal("1900.00"), "floor")]


def test_infeasible_bound_names_year_and_bound() -> None:
    """A 10% uplift (total £4,400) with a 5% cap: at most £1,050 + £1,050 + £2,100 = £4,200 can be raised."""
    base = {303: Decimal("1000.00"), 886: Decimal("1000.00"), 887: Decimal("2000.00")}
    d = table({("placement_orders", la, 2019): 1 for la in base})
    with pytest.raises(ScenarioError) as exc:
        C.compute(scenario(window_years=1, cap_pct=5, uplift_pct=10), base, d)
    assert exc.value.field == "cap_pct"
    assert "2020-21" in str(exc.value) and "5" in str(exc.value) and "£4,200.00" in str(exc.value)
    with pytest.raises(ScenarioError, match=r"floor_pct: 2020-21: the floor of -5%"):
        C.compute(scenario(window_years=1, floor_pct=-5, uplift_pct=-10), base, d)


def test_partial_year_and_gap_are_flagged_on_every_figure_that_uses_them() -> None:
    """Extract 2020-06-30: 2020-21 is in progress. Kent has no dated record at all in 2018-19 (a gap)."""
    con = empty_warehouse()
    add_drop(con, 303, "2020-06-30", children=pos(303, {2017: 2, 2018: 3, 2019: 3, 2020: 1}))
    add_drop(con, 886, "2020-06-30", children=pos(886, {2017: 5, 2019: 4, 2020: 2}))
    frame = warehouse_drivers(con)
    po = frame[frame["driver"] == "placement_orders"].set_index(["la_code", "financial_year"])
    assert po.loc[(303, "2020-21"), "status"] == "in_progress"
    assert po.loc[(303, "2020-21"), "note"] == "counts to 30 Jun 2020"
    assert po.loc[(886, "2018-19"), "status"] == "gap" and po.loc[(886, "2018-19"), "value"] == 0
    assert po.loc[(303, "2018-19"), "status"] == "complete"
    assert (303, "2021-22") not in po.index  # a year not begun has no figure (no data is not zero)
    s = scenario(years=["2020-21", "2021-22"], transition={"2020-21": 0, "2021-22": 1}, window_years=2)
    r = C.compute(s, {303: Decimal("100.00"), 886: Decimal("100.00")}, DriverTable.from_frame(frame))
    rows = {(x.year, x.la_code): x for x in r.rows}
    assert any("2018-19: gap" in f for f in rows[("2020-21", 886)].flags)
    assert rows[("2020-21", 303)].flags == ()
    for la in (303, 886):
        assert any("2020-21: year in progress (counts to 30 Jun 2020)" in f for f in rows[("2021-22", la)].flags)
    assert C.as_cli(r)["rows"][2]["flags"]


def test_records_beginning_in_a_year_flagged_and_earlier_years_absent() -> None:
    con = empty_warehouse()
    add_drop(con, 303, "2021-06-30", children=[child(1, D(2019, 6, 1), entered=D(2018, 9, 1))])
    frame = warehouse_drivers(con)
    po = frame[frame["driver"] == "placement_orders"].set_index("financial_year")
    assert po.loc["2018-19", "status"] == "records_begin"
    assert "2017-18" not in po.index
    wait = frame[frame["driver"] == "waiting_with_po"].set_index("financial_year")
    assert "2018-19" not in wait.index  # the stock at 1 April 2018 is before the records begin
    assert wait.loc["2020-21", "value"] == 1  # order 2019-06-01, not placed: waiting at 1 April 2020


def test_driver_counts_by_financial_year() -> None:
    """A journey counts in the year of each of its dates (April to March)."""
    con = empty_warehouse()
    add_drop(con, 887, "2022-05-01", children=[
        child(1, D(2020, 3, 31), adm_decision_date=D(2020, 1, 1), placed_date=D(2020, 4, 1),
              adoption_order_date=D(2021, 3, 31)),
        child(2, D(2020, 4, 1), adm_decision_date=D(2020, 4, 1)),
    ])
    f = warehouse_drivers(con).set_index(["driver", "financial_year"])["value"]
    assert f[("placement_orders", "2019-20")] == 1 and f[("placement_orders", "2020-21")] == 1
    assert f[("adm_decisions", "2019-20")] == 1 and f[("adm_decisions", "2020-21")] == 1
    assert f[("children_placed", "2020-21")] == 1 and f[("adoption_orders", "2020-21")] == 1
    # at 1 April 2020 child 1 (order 31 March) was placed that day, so no longer waits (as the dashboard counts
    # children waiting); child 2's order was granted that day, so it waits then and still at 1 April 2021
    assert f[("waiting_with_po", "2020-21")] == 1 and f[("waiting_with_po", "2021-22")] == 1


def test_driver_with_no_data_in_the_window_is_an_error_naming_it() -> None:
    d = table({("placement_orders", 303, 2019): 1})
    with pytest.raises(ScenarioError, match=r"drivers.placement_orders: council 886 has no placement orders"):
        C.compute(scenario(window_years=1), {303: Decimal(1), 886: Decimal(1)}, d)
    d = table({("placement_orders", 303, 2019): 0, ("placement_orders", 886, 2019): 0})
    with pytest.raises(ScenarioError, match=r"drivers.placement_orders: no council has any"):
        C.compute(scenario(window_years=1), {303: Decimal(1), 886: Decimal(1)}, d)


# --- validation --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("change", "field", "says"), [
    ({"drivers": {"placement_orders": 0.6, "adoption_orders": 0.3}}, "drivers", "add up to 0.9; they must add up to 1"),
    ({"drivers": {"placements": 1}}, "drivers.placements", "unknown driver; choose from: adm_decisions"),
    ({"years": ["2021-22", "2020-21"], "transition": {"2020-21": 1, "2021-22": 1}}, "years[0]", "must be 2020-21"),
    ({"years": ["2018-19"], "transition": {"2018-19": 1}}, "years[0]", "not after the base year 2019-20"),
    ({"transition": {"2020-21": 1.5}}, "transition.2020-21", "outside [0, 1]"),
    ({"transition": {}}, "transition.2020-21", "for every modelled year"),
    ({"cap_pct": 5, "floor_pct": 6}, "floor_pct", "must be between -100 and 0"),
    ({"cap_pct": 0, "floor_pct": -0.0, "window_years": 6}, "window_years", "choose 1 to 5"),
    ({"scope": "everything"}, "scope", "choose pooled or pooled_and_adoption_support"),
    ({"base_year": "2019-21"}, "base_year", "write it as YYYY-YY"),
    ({"totals": {"2020-21": -5}}, "totals.2020-21", "positive amount in whole pence"),
    ({"colour": "red"}, "colour", "is not a scenario field"),
    ({"name": "  "}, "name", "at least 1 character"),
])
def test_validation_names_the_field_and_what_is_allowed(change: dict, field: str, says: str) -> None:
    with pytest.raises(ScenarioError) as exc:
        scenario(**change)
    assert exc.value.field == field, str(exc.value)
    assert says in str(exc.value)


def test_floor_above_cap_is_named() -> None:
    with pytest.raises(ScenarioError, match=r"floor_pct: the floor -2% is above the cap -5%|cap_pct"):
        scenario(cap_pct=-5, floor_pct=-2)
    with pytest.raises(ScenarioError) as exc:
        scenario(cap_pct=1, floor_pct=0.5)
    assert exc.value.field == "floor_pct"


def test_json_round_trip_and_bad_json() -> None:
    s = scenario(totals={"2020-21": "4186500.10"}, cap_pct=2.5, drivers={"placement_orders": 0.6,
                                                                         "adoption_orders": 0.4})
    assert parse_scenario(s.to_json(), drivers=NAMES) == s
    assert '"4186500.10"' in s.to_json() and '"cap_pct": 2.5' in s.to_json()
    with pytest.raises(ScenarioError, match=r"^scenario: not valid JSON \(line 1"):
        parse_scenario("{nope", drivers=NAMES)


# --- properties (docs/finance.md invariants) ---------------------------------------------------------------

YEARS = range(2010, 2022)


@st.composite
def cases(draw, bounds: bool = True, one_driver: bool = False, t_zero: bool = False):
    n = draw(st.integers(2, 6))
    codes = draw(st.lists(st.integers(100, 999), min_size=n, max_size=n, unique=True))
    base = {la: Decimal(draw(st.integers(1, 10**9))) / 100 for la in codes}
    names = draw(st.lists(st.sampled_from(sorted(NAMES)), min_size=1, max_size=1 if one_driver else 4, unique=True))
    cuts = sorted(draw(st.lists(st.integers(1, 99), min_size=len(names) - 1, max_size=len(names) - 1, unique=True)))
    parts = [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]
    weights = {d: Decimal(p) / 100 for d, p in zip(names, parts, strict=True)}
    values = {}
    for d in names:
        for la in codes:
            for y in YEARS:
                values[(d, la, y)] = draw(st.integers(0, 400 if d != "population_0_17" else 400_000))
        for y in YEARS:  # every window has something to share
            values[(d, codes[0], y)] = max(values[(d, codes[0], y)], 1)
    k = draw(st.integers(1, 5))
    n_years = draw(st.integers(1, 3))
    years = [year_label(2020 + i) for i in range(n_years)]
    t = {y: Decimal(0) if t_zero else Decimal(draw(st.integers(0, 100))) / 100 for y in years}
    uplift = Decimal(draw(st.integers(-50, 100))) / 10
    totals = {}
    if draw(st.booleans()):
        y = draw(st.sampled_from(years))
        totals[y] = Decimal(draw(st.integers(1, 10**10))) / 100
    cap = floor = None
    if bounds and draw(st.booleans()):
        cap = Decimal(draw(st.integers(0, 400))) / 10
    if bounds and draw(st.booleans()):
        floor = -Decimal(draw(st.integers(0, 400))) / 10
    s = scenario(base_year="2019-20", years=years, drivers=weights, window_years=k, transition=t,
                 uplift_pct=uplift, totals=totals, cap_pct=cap, floor_pct=floor)
    return s, base, table(values)


def computed(case):
    s, base, d = case
    try:
        return C.compute(s, base, d)
    except ScenarioError as exc:
        assume(exc.field not in ("cap_pct", "floor_pct"))  # infeasible bounds: tested on their own
        raise


PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(cases())
def test_contributions_sum_to_the_total_to_the_penny_and_shares_in_unit_interval(case) -> None:
    r = computed(case)
    for t in r.totals:
        rows = r.year_rows(t.year)
        assert sum(x.contribution for x in rows) == t.total
        assert all(x.contribution == x.contribution.quantize(Decimal("0.01")) for x in rows)
        for x in rows:
            for share in (x.share, x.formula_share, x.baseline_share, x.demand_share):
                assert 0 <= share <= 1
            assert x.contribution >= 0


@PROPS
@given(cases())
def test_bounds_are_respected_whenever_feasible(case) -> None:
    r = computed(case)
    s = r.scenario
    for x in r.rows:
        if s.cap_pct is not None:
            assert x.contribution <= x.previous * (1 + s.cap_pct / 100)
        if s.floor_pct is not None:
            assert x.contribution >= x.previous * (1 + s.floor_pct / 100)


@PROPS
@given(cases(bounds=False, t_zero=True))
def test_t_zero_gives_baseline_shares(case) -> None:
    r = computed(case)
    for t in r.totals:
        rows = r.year_rows(t.year)
        assert all(x.formula_share == x.baseline_share for x in rows)
        assert {x.la_code: x.contribution for x in rows} == allocate(t.total, dict(r.base))


@PROPS
@given(cases(bounds=False, one_driver=True))
def test_one_driver_weight_one_t_one_gives_that_drivers_shares(case) -> None:
    s, base, d = case
    s = s.model_copy(update={"transition": dict.fromkeys(s.years, Decimal(1))})
    r = C.compute(s, base, d)
    (drv,) = s.drivers
    for t in r.totals:
        start = int(t.year[:4])
        avg = {la: sum(d.values[(drv, la, y)] for y in range(start - s.window_years, start)) for la in base}
        total = sum(avg.values())
        rows = r.year_rows(t.year)
        assert {x.la_code: x.demand_share for x in rows} == {la: formula._dec(Fraction(v, total)) for la, v in avg.items()}
        assert {x.la_code: x.contribution for x in rows} == allocate(t.total, avg)


@PROPS
@given(cases(), st.randoms(use_true_random=False))
def test_result_does_not_depend_on_the_order_of_councils(case, rnd: random.Random) -> None:
    s, base, d = case
    r = computed(case)
    codes = list(base)
    rnd.shuffle(codes)
    items = list(d.values.items())
    rnd.shuffle(items)
    again = C.compute(s, {la: base[la] for la in codes}, DriverTable(dict(items), {}, {}))
    assert again.rows == r.rows


def test_compare_two_to_four_and_differences() -> None:
    base = {303: Decimal("1000.00"), 886: Decimal("3000.00")}
    d = table({("placement_orders", 303, 2019): 1, ("placement_orders", 886, 2019): 1})
    a = C.compute(scenario(name="A", window_years=1, transition={"2020-21": 0}), base, d)
    b = C.compute(scenario(name="B", window_years=1), base, d)
    cmp = C.compare([a, b])
    row = cmp[(cmp["scenario"] == "B") & (cmp["la_code"] == 303)].iloc[0]
    assert row["contribution"] == Decimal("2000.00") and row["difference"] == Decimal("1000.00")
    assert row["difference_pct"] == Decimal(100)
    with pytest.raises(ValueError, match="two to four"):
        C.compare([a])
    with pytest.raises(ValueError, match="two to four"):
        C.compare([a, b, a, b, a])


def test_backtest_shows_a_volatile_driver_and_sensitivity_moves_money() -> None:
    """Driver X alternates 1:1 and 3:1 between two councils: the backtest's demand shares swing 50% <-> 75%,
    so on a £4,000 total the swing is £1,000 each year; a steady driver Y (1:1) never swings."""
    base = {303: Decimal("2000.00"), 886: Decimal("2000.00")}
    vals = {}
    for y in range(2012, 2020):
        vals[("placement_orders", 303, y)] = 3 if y % 2 else 1
        vals[("placement_orders", 886, y)] = 1
        vals[("adoption_orders", 303, y)] = 5
        vals[("adoption_orders", 886, y)] = 5
    d = table(vals)
    s = scenario(window_years=1, drivers={"placement_orders": 0.5, "adoption_orders": 0.5})
    r = C.compute(s, base, d)
    bt = C.backtest(r, d)
    po = bt[(bt["driver"] == "placement_orders") & (bt["la_code"] == 303)].dropna(subset=["swing"])
    assert set(po["swing"].abs()) == {Decimal("1000.00")}
    ao = bt[(bt["driver"] == "adoption_orders")].dropna(subset=["swing"])
    assert set(ao["swing"]) == {Decimal("0.00")}
    assert set(bt["driver"]) == {"placement_orders", "adoption_orders", "weighted"}
    summary = C.backtest_summary(bt).set_index(["driver", "la_code"])
    assert summary.loc[("placement_orders", 303), "max_swing"] == Decimal("1000.00")
    sens = C.sensitivity(r)
    # one more placement order for Bexley in 2019-20 (3 -> 4 of 5): its PO share 75% -> 80%, x 0.5 x £4,000 = +£100
    one = sens[(sens["driver"] == "placement_orders") & (sens["unit_la_code"] == 303)].set_index("la_code")
    assert one.loc[303, "plus_one"] == Decimal("100.00") and one.loc[886, "plus_one"] == Decimal("-100.00")
    assert isinstance(sens, pd.DataFrame) and len(sens) == 2 * 2 * 2


def test_external_driver_from_reference_is_flagged_illustrative(sample_con, ref) -> None:
    s = scenario(base_year="2020-21", years=["2021-22"], transition={"2021-22": 1},
                 drivers={"population_0_17": 0.5, "placement_orders": 0.5})
    r = fk.run(sample_con, ref, s)
    for row in r.rows:
        assert any("Population aged 0-17 (illustrative) 2020-21: illustrative figure (not official)" in f
                   for f in row.flags), row.flags
    assert sum(x.contribution for x in r.rows) == r.totals[0].total


def test_waiting_driver_follows_the_dashboards_waiting_rule_after_a_disruption() -> None:
    """Issue #12's disruption example as a driver: order 2017-07-01, matched 2017-10-02, placed 2017-11-01,
    disrupted 2018-03-01, no adoption order. Placed at 1 April 2017? No order yet; the placement disrupted a
    month before 1 April 2018, so the child waits again then and at 1 April 2019, exactly as
    `journeys.children_waiting` counts children waiting with a placement order at those dates."""
    con = empty_warehouse()
    add_drop(con, 886, "2019-06-30", children=[
        child(1, D(2017, 7, 1), entered=D(2017, 1, 10), adm_decision_date=D(2017, 4, 1), matched_date=D(2017, 10, 2),
              placed_date=D(2017, 11, 1), disruption_date=D(2018, 3, 1))])
    f = warehouse_drivers(con).set_index(["driver", "financial_year"])["value"]
    assert f[("waiting_with_po", "2018-19")] == 1 and f[("waiting_with_po", "2019-20")] == 1
    from raa_core.performance import journeys
    for at in (D(2017, 11, 1), D(2018, 4, 1), D(2019, 4, 1)):
        counts = journeys.children_waiting(snap(con), req(), at).set_index("area")
        driver = f.get(("waiting_with_po", f"{at.year}-{(at.year + 1) % 100:02d}"), 0) if at.month == 4 else 0
        assert int(counts.loc["886", "with_po"]) == driver == (0 if at.month == 11 else 1)


def test_a_partner_with_no_base_year_budget_is_an_error_naming_it(ref) -> None:
    """A council without a base-year budget would fund nothing while the others paid its part: exit 2 naming
    it (never a silent two-council pool)."""
    con = empty_warehouse()
    pooled = [{"financial_year": "2021-22", "budget_area": "pooled", "cost_line": "staffing",
               "budget_gbp": Decimal("1000000.00")}]
    for la in (303, 886, 887):
        add_drop(con, la, "2022-06-30", children=pos(la, {2019: 2, 2020: 3, 2021: 1}),
                 **({"budget": pooled} if la != 303 else {}))
    s = scenario(base_year="2021-22", years=["2022-23"], transition={"2022-23": 0.5}, window_years=3)
    with pytest.raises(ScenarioError, match=r"base_year: no 2021-22 budget is loaded for Bexley \(303\)"):
        fk.run(con, ref, s)


def test_the_explanation_adds_up_for_a_council_rescaled_after_another_is_bound() -> None:
    """Cap binds on Bexley (the cap example above): Kent and Medway share the rest, so their line says the
    share they end with and that it times the total gives their contribution (review: '68.6% of the total'
    did not)."""
    base = {303: Decimal("1000.00"), 886: Decimal("1000.00"), 887: Decimal("2000.00")}
    d = table({("placement_orders", 303, 2019): 6, ("placement_orders", 886, 2019): 2,
               ("placement_orders", 887, 2019): 2})
    r = C.compute(scenario(window_years=1, cap_pct=10, floor_pct=-30), base, d)
    lines = C.explanation(r, "2020-21")
    medway = next(line for line in lines if line.startswith("Medway"))
    assert "rescaled to 45.0% with the rest of the total after the bounds, of £4,000.00 = £1,800.00" in medway
    for row in r.year_rows("2020-21"):
        assert abs(row.share * r.totals[0].total - row.contribution) < Decimal("0.01")


@pytest.mark.parametrize(("text", "says"), [
    ('{"totals": {"2020-21": "1e30"}}', r"totals.2020-21: 1E\+30 must be a positive amount in whole pence, at most"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    (" " * 1_000_001, "a scenario is at most 1,000,000"),
])
def test_hostile_scenario_text_is_refused_by_field_not_a_crash(text: str, says: str) -> None:
    if text.startswith('{"totals"'):
        data = {"name": "x", "base_year": "2019-20", "years": ["2020-21"], "drivers": {"placement_orders": 1},
                "window_years": 1, "transition": {"2020-21": 1}, "totals": {"2020-21": "1e30"}}
        text = __import__("json").dumps(data)
    with pytest.raises(ScenarioError, match=says):
        parse_scenario(text, drivers={"placement_orders"})
