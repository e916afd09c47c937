"""Benchmark: demand-led contributions at 3 councils x 5 years and 150 councils x 10 years.

Builds a warehouse with direct SQL (children journeys with placement orders, adoption orders, ADM
decisions and placements spread over the years; one base-year budget per council), then times:
- the drivers query (`drivers.warehouse_drivers`: the five warehouse drivers in one query),
- a single hand-written DuckDB query of one driver's per-council counts per year (the yardstick),
- the engine alone (`contributions.compute`, drivers cached), for a scenario modelling every year with
  two drivers, a transition and a binding cap and floor.
Targets: engine < 20 ms and drivers < 100 ms at 3 x 5; engine < 200 ms and drivers < 1 s at 150 x 10.
Usage: .venv/bin/python bench/contributions.py [repeats]
"""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.budget import timed
from raa_core import contributions, snapshot
from raa_core.contributions import drivers
from raa_core.contributions.scenario import parse_scenario, year_label
from raa_core.reference import load_reference
from raa_core.requests import MonitoringRequest
from raa_core.store import warehouse

FIRST = 2010
WINDOW = 3
HAND_QUERY = """
SELECT c.la_code, year(c.placement_order_date - INTERVAL 3 MONTH) AS y, count(*) AS n
FROM children c JOIN (SELECT arg_max(drop_id, (extract_date, version)) AS drop_id FROM drops GROUP BY la_code) s
  USING (drop_id)
WHERE c.placement_order_date IS NOT NULL
GROUP BY ALL
"""


def build(con: duckdb.DuckDBPyConnection, councils: int, years: int, per_year: int = 60) -> str:
    """One drop per council; `per_year` journeys entering care each year of the data span; returns base year."""
    warehouse.create_schema(con)
    span = years + WINDOW + 1
    last = FIRST + span
    con.execute("""INSERT INTO drops (drop_id, la_code, extract_date, path, version, fingerprint, files, loaded_at)
        SELECT i, 1000 + i, make_date($last, 6, 30), (1000 + i) || '/x', 1,
                   'bench-' || i, ['children.parquet', 'budget.parquet'], now() FROM range(1, $n + 1) t(i)""",
                {"n": councils, "last": last})
    con.execute("""
        INSERT INTO children (drop_id, la_code, child_id, sex, date_of_birth, entered_care_date, adm_decision_date,
                              placement_order_date, placed_with_consent, matched_date, placed_date,
                              early_permanence, interagency, adoption_order_date)
        SELECT d.drop_id, d.la_code, 'C' || d.la_code || '-' || y || '-' || k, 'F', ec - 400, ec,
               ec + 120, ec + 200 + (h % 90), false, ec + 300 + (h % 120),
               CASE WHEN h % 5 <> 0 THEN ec + 330 + (h % 150) END, false, false,
               CASE WHEN h % 5 <> 0 AND h % 3 <> 0 THEN ec + 500 + (h % 200) END
        FROM drops d, range($first, $last) t(y), range(0, $per * (1 + d.la_code % 3)) u(k),
             LATERAL (SELECT make_date(y, 4, 1) + CAST(k * 5 % 360 AS INTEGER) AS ec,
                             CAST(hash(d.la_code, y, k) % 1000 AS INTEGER) AS h)
        WHERE ec + 600 < make_date($last, 6, 30)""",
                {"first": FIRST, "last": last, "per": per_year // 2})
    base = year_label(FIRST + WINDOW)
    con.execute("""INSERT INTO budget SELECT drop_id, la_code, $y, 'pooled', 'staffing',
                   CAST(200000 + hash(la_code) % 800000 AS DECIMAL(18,2)) FROM drops""", {"y": base})
    return base


def case(councils: int, years: int, engine_target: float, drivers_target: float, repeats: int) -> None:
    ref = load_reference()
    con = duckdb.connect()
    t0 = time.perf_counter()
    base_year = build(con, councils, years)
    built = time.perf_counter() - t0
    n = con.sql("SELECT count(*) FROM children").fetchall()[0][0]
    modelled = [year_label(int(base_year[:4]) + 1 + i) for i in range(years)]
    scenario = parse_scenario({
        "name": "bench", "base_year": base_year, "years": modelled, "scope": "pooled", "uplift_pct": 2.0,
        "drivers": {"placement_orders": 0.6, "adoption_orders": 0.4}, "window_years": WINDOW,
        "transition": {y: min(1.0, 0.25 * (i + 1)) for i, y in enumerate(modelled)},
        "cap_pct": 5.0, "floor_pct": -5.0})
    snap = snapshot.over(con, ref, date.today())
    t_drivers, frame = timed(lambda: drivers.warehouse_drivers(snap), repeats)
    t_hand, _ = timed(lambda: con.execute(HAND_QUERY).fetchall(), repeats)
    table = drivers.DriverTable.from_frame(frame)  # type: ignore[arg-type]
    base = contributions.base_budgets(snap, MonitoringRequest(year=base_year))
    labels = drivers.driver_catalogue(ref)
    t_engine, result = timed(lambda: contributions.compute(scenario, base, table, labels=labels), repeats)
    bound = sum(1 for r in result.rows if r.bound)  # type: ignore[attr-defined]
    print(f"{councils} councils x {years} years ({n:,} journeys, built in {built:.1f} s):")
    print(f"  drivers query (5 drivers, one query): {t_drivers * 1000:8.1f} ms  target < {drivers_target * 1000:.0f} ms"
          f"  {'OK' if t_drivers < drivers_target else 'OVER'}")
    print(f"  hand-written one-driver query:        {t_hand * 1000:8.1f} ms  ratio drivers / hand = "
          f"{t_drivers / t_hand:.1f}x")
    print(f"  engine ({len(result.rows)} council-years, {bound} held at a bound): {t_engine * 1000:8.1f} ms  "  # type: ignore[attr-defined]
          f"target < {engine_target * 1000:.0f} ms  {'OK' if t_engine < engine_target else 'OVER'}")


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    case(3, 5, 0.020, 0.100, repeats)
    case(150, 10, 0.200, 1.0, repeats)


if __name__ == "__main__":
    main()
