"""Benchmark: monitoring one period for 150 councils x 12 cost lines x 5 years of monthly ledger.

Builds the warehouse with direct SQL (no drop files), then times `monitoring.monitor` for one period
for all councils by each forecast method, plus the `raa budget` JSON and the forecast trend.
Target: monitoring under 1 s. Usage: .venv/bin/python bench/budget.py [councils] [repeats]
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import date
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from raa_core import snapshot
from raa_core.finance.monitoring import METHODS, budget_report, forecast_trend, monitor
from raa_core.reference import load_reference
from raa_core.requests import MonitoringRequest
from raa_core.store import warehouse

TARGET_S = 1.0
YEARS = ["2021-22", "2022-23", "2023-24", "2024-25", "2025-26"]


def build(con: duckdb.DuckDBPyConnection, councils: int) -> None:
    """Synthetic drops: one per council carrying 5 years of budgets, ledgers and an establishment."""
    ref = load_reference()
    warehouse.create_schema(con)
    lines = ", ".join(f"('{c.budget_area}', '{c.cost_line}', {c.recharged_quarterly}, {c.kind == 'income'})"
                      for c in ref.cost_lines)
    years = ", ".join(f"('{y}')" for y in YEARS)
    con.execute(f"CREATE TEMP TABLE lines AS SELECT * FROM (VALUES {lines}) v(area, line, rq, income)")
    con.execute(f"CREATE TEMP TABLE years AS SELECT * FROM (VALUES {years}) v(fy)")
    con.execute(f"""INSERT INTO drops (drop_id, la_code, extract_date, path, version, fingerprint, files, loaded_at)
        SELECT i, 1000 + i, DATE '2026-03-31', (1000 + i) || '/2026-03-31', 1,
                    'bench-' || i, ['budget.parquet', 'ledger.parquet', 'establishment.parquet'], now()
                    FROM range(1, {councils} + 1) t(i)""")
    con.execute("""INSERT INTO budget SELECT d.drop_id, d.la_code, y.fy, l.area, l.line,
                     CAST((CASE WHEN l.income THEN -1 ELSE 1 END) * (20000 + hash(d.la_code, y.fy, l.line) % 900000)
                          / 1.0 AS DECIMAL(18,2))
                   FROM drops d, years y, lines l""")
    con.execute("""INSERT INTO ledger SELECT b.drop_id, b.la_code, b.financial_year, p.period, b.budget_area,
                     b.cost_line,
                     CASE WHEN l.rq AND p.period % 3 <> 0 THEN 0
                          WHEN l.rq THEN CAST(b.budget_gbp / 4 * (0.9 + (hash(b.la_code, p.period) % 200) / 1000.0)
                                              AS DECIMAL(18,2))
                          ELSE CAST(b.budget_gbp / 12 * (0.9 + (hash(b.la_code, p.period, b.cost_line) % 200) / 1000.0)
                                    AS DECIMAL(18,2)) END,
                     CASE WHEN hash(b.la_code, p.period, b.cost_line) % 2 = 0
                          THEN CAST(b.budget_gbp * (0.95 + (hash(b.cost_line, p.period) % 100) / 1000.0)
                                    AS DECIMAL(18,2)) END
                   FROM budget b JOIN lines l ON l.area = b.budget_area AND l.line = b.cost_line,
                        range(1, 13) p(period)""")
    con.execute("""INSERT INTO establishment SELECT d.drop_id, d.la_code, 'P' || k,
                     ['recruitment_assessment', 'family_finding', 'adoption_support', 'panels', 'management'][1 + k % 5],
                     'social_worker', 1.0, CAST(30000 + k * 1000 AS DECIMAL(18,2)),
                     ['filled', 'filled', 'vacant', 'agency'][1 + k % 4], k % 7 = 0
                   FROM drops d, range(0, 12) t(k)""")


def timed(fn, repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> None:
    councils = int(sys.argv[1]) if len(sys.argv) > 1 else 150
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    ref = load_reference()
    con = duckdb.connect()
    t0 = time.perf_counter()
    build(con, councils)
    built = time.perf_counter() - t0
    n_ledger = con.sql("SELECT count(*) FROM ledger").fetchall()[0][0]
    n_budget = con.sql("SELECT count(*) FROM budget").fetchall()[0][0]
    print(f"built {councils} councils x {len(ref.cost_lines)} lines x {len(YEARS)} years: "
          f"{n_ledger:,} ledger rows, {n_budget:,} budget rows in {built:.2f} s")
    year, period = "2024-25", 6
    snap = snapshot.over(con, ref, date.today())

    def request(method: str = "default", p: int = period) -> MonitoringRequest:
        return MonitoringRequest(year=year, period=p, method=method)

    monitor(snap, request())  # warm-up
    results = []
    for method in METHODS:
        secs, mon = timed(lambda m=method: monitor(snap, request(m)), repeats)
        results.append((f"monitor {method}", secs))
        raa = mon.total(None)
        print(f"monitor  {method:14} {secs * 1000:8.1f} ms  lines={len(mon.lines):5d} totals={len(mon.totals):4d}  "
              f"RAA budget={raa['budget']:,} forecast={raa['forecast']:,}  ratio to target {secs / TARGET_S:.2f}")
    secs, rep = timed(lambda: budget_report(snap, request()), repeats)
    results.append(("budget_report JSON", secs))
    print(f"budget_report (raa budget JSON) {secs * 1000:8.1f} ms  rows={len(rep['rows'])}")
    secs, trend = timed(lambda: forecast_trend(snap, request(p=12)), max(1, repeats // 2))
    print(f"forecast_trend periods 1-12      {secs * 1000:8.1f} ms  rows={len(trend)}")
    worst = max(s for _, s in results)
    print(f"slowest monitoring call {worst * 1000:.1f} ms vs target {TARGET_S * 1000:.0f} ms: "
          f"{'PASS' if worst < TARGET_S else 'FAIL'} (ratio {worst / TARGET_S:.2f})")


if __name__ == "__main__":
    main()
