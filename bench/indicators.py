"""Benchmark: the full adoption indicator set for one period, at sample and at national scale.

Builds synthetic journeys straight into an in-memory DuckDB warehouse (SQL, no files), then times
the scorecard, journeys, children waiting and adopter recruitment for one financial year, against a
single hand-written DuckDB query computing A1 alone (the floor). Targets: < 200 ms at sample scale
(3 councils x ~3k journeys), < 2 s at national scale (150 councils x 10 years, ~1M journeys).

    .venv/bin/python bench/indicators.py [--repeat 5] [--only sample|national]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from raa_core import snapshot
from raa_core.performance import indicators, journeys, recruitment
from raa_core.periods import Period, parse_period
from raa_core.reference import load_reference
from raa_core.requests import PerformanceRequest
from raa_core.snapshot import Snapshot
from raa_core.store import warehouse

EXTRACT = dt.date(2022, 4, 4)
PERIOD = parse_period("2020-21")


def build(councils: int, journeys_per_council: int, households_per_council: int) -> duckdb.DuckDBPyConnection:
    """An in-memory warehouse with one drop per council of synthetic, contract-shaped journeys."""
    con = duckdb.connect()
    warehouse.create_schema(con)
    con.execute(
        """INSERT INTO drops (drop_id, la_code, extract_date, path, version, fingerprint, files, loaded_at)
        SELECT k + 1, 100 + k, ?, 'bench/' || k, 1, 'bench',
           ['children.parquet', 'adopters.parquet'], current_timestamp FROM range(?) r(k)""",
        [EXTRACT, councils],
    )
    # Ten years of care entries before the extract; each journey goes as far as its dice allow.
    con.execute(
        f"""
        INSERT INTO children
        WITH base AS (
            SELECT k, i, k + 1 AS drop_id, 100 + k AS la_code,
                   DATE '2012-04-01' + CAST(hash(k, i, 1) % 3650 AS INTEGER) AS ec,
                   CAST(hash(k, i, 2) % 100 AS INTEGER) AS fate,
                   CAST(hash(k, i, 3) % 1000 AS INTEGER) AS r
            FROM range({councils}) a(k), range({journeys_per_council}) b(i)
        ),
        t AS (
            SELECT *, ec + 60 + r % 180 AS adm,
                   fate % 10 = 0 AS consent
            FROM base
        ),
        t2 AS (
            SELECT *, CASE WHEN consent THEN NULL ELSE adm + 30 + (r * 7) % 170 END AS po,
                   adm + 20 + (r * 13) % 330 AS matched
            FROM t
        ),
        t3 AS (
            SELECT *, matched + 7 + r % 50 AS placed, matched + 7 + r % 50 + 90 + (r * 3) % 300 AS ao
            FROM t2
        )
        SELECT drop_id, la_code, 'c' || i, CASE WHEN r % 2 = 0 THEN 'M' ELSE 'F' END,
               ec - (200 + (r * 11) % 1500), 'WBRI', ec,
               CASE WHEN adm <= DATE '{EXTRACT}' THEN adm END,
               CASE WHEN po <= DATE '{EXTRACT}' THEN po END,
               consent,
               CASE WHEN fate >= 15 AND matched <= DATE '{EXTRACT}' THEN matched END,
               CASE WHEN fate >= 15 AND placed <= DATE '{EXTRACT}' THEN placed END,
               CASE WHEN fate % 7 = 0 AND fate >= 15 AND placed <= DATE '{EXTRACT}' THEN adm + 10 END,
               fate % 7 = 0, fate % 5 = 0,
               CASE WHEN fate % 11 = 0 THEN 'g' || (i // 2) END,
               CASE WHEN fate >= 20 AND ao <= DATE '{EXTRACT}' THEN ao END,
               CASE WHEN fate < 5 AND adm + 200 <= DATE '{EXTRACT}' THEN adm + 200 END,
               CASE WHEN fate < 5 THEN 'RC1' END,
               CASE WHEN fate BETWEEN 15 AND 16 AND placed + 30 <= DATE '{EXTRACT}' THEN placed + 30 END,
               fate % 13 = 0
        FROM t3
        """
    )
    con.execute(
        f"""
        INSERT INTO adopters
        WITH b AS (
            SELECT k + 1 AS drop_id, 100 + k AS la_code, i,
                   DATE '2012-04-01' + CAST(hash(k, i, 4) % 3650 AS INTEGER) AS enq,
                   CAST(hash(k, i, 5) % 1000 AS INTEGER) AS r
            FROM range({councils}) a(k), range({households_per_council}) c(i)
        ),
        d AS (SELECT *, enq + 14 + r % 60 AS roi FROM b),
        e AS (SELECT *, roi + 40 + r % 50 AS s1, roi + 45 + r % 50 AS s2 FROM d),
        f AS (SELECT *, s2 + 90 + r % 60 AS appr FROM e),
        g AS (SELECT *, appr + 20 + (r * 7) % 300 AS mat FROM f)
        SELECT drop_id, la_code, 'h' || i, enq,
               CASE WHEN r % 3 > 0 AND roi <= DATE '{EXTRACT}' THEN roi END,
               CASE WHEN r % 3 > 0 AND r % 8 > 0 AND s1 <= DATE '{EXTRACT}' THEN s1 END,
               CASE WHEN r % 3 > 0 AND s2 <= DATE '{EXTRACT}' THEN s2 END,
               CASE WHEN r % 3 > 0 AND appr <= DATE '{EXTRACT}' THEN appr END,
               CASE WHEN r % 3 > 0 AND r % 10 > 1 AND mat <= DATE '{EXTRACT}' THEN mat END,
               CASE WHEN r % 3 > 0 AND r % 10 > 1 AND mat + 20 <= DATE '{EXTRACT}' THEN mat + 20 END,
               CASE WHEN r % 3 > 0 AND r % 10 > 1 AND mat + 20 <= DATE '{EXTRACT}' THEN 1 + r % 2 ELSE 0 END,
               CASE WHEN r % 3 = 0 AND enq + 30 <= DATE '{EXTRACT}' THEN enq + 30 END,
               CASE WHEN r % 3 = 0 THEN 'W1' END,
               r % 8 = 0, r % 9 = 0, r % 10 = 5
        FROM g WHERE enq <= DATE '{EXTRACT}'
        """
    )
    return con


def components(period: Period) -> dict[str, Callable[[Snapshot], object]]:
    """Each part of the full set, as a function of a snapshot, for the period (waiting at its end)."""
    request = PerformanceRequest(period=period)
    at = period.end
    return {
        "scorecard": lambda s: indicators.scorecard(s, request),
        "stage_durations": lambda s: journeys.stage_durations(s, request),
        "activity": lambda s: journeys.activity(s, request),
        "children_waiting": lambda s: journeys.children_waiting(s, request, at),
        "waiting_bands": lambda s: journeys.waiting_bands(s, request, at),
        "recruitment_activity": lambda s: recruitment.recruitment_activity(s, request),
        "timeliness": lambda s: recruitment.timeliness(s, request),
        "conversion": lambda s: recruitment.conversion(s, request),
        "sufficiency": lambda s: recruitment.sufficiency(s, request, [at]),
    }


def pinned(con: duckdb.DuckDBPyConnection) -> Snapshot:
    """The bench warehouse as the one snapshot every part reads (judged on the extract date)."""
    return snapshot.over(con, load_reference(), EXTRACT)


def full_set(con: duckdb.DuckDBPyConnection, period: Period = PERIOD) -> None:
    """The full indicator set for one period (what a performance page computes)."""
    snap = pinned(con)
    for fn in components(period).values():
        fn(snap)


def floor_a1(con: duckdb.DuckDBPyConnection, period: Period = PERIOD) -> None:
    """A1 alone, per council, in one hand-written query: the least any A1 figure can cost."""
    con.execute(
        "SELECT la_code, count(*), avg(datediff('day', entered_care_date, placed_date)) FROM children_current "
        "WHERE adoption_order_date BETWEEN ? AND ? GROUP BY la_code",
        [period.start, period.end],
    ).fetchall()


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(median, fastest) seconds of `repeat` warm runs; the fastest is the least disturbed by other load."""
    fn()  # warm: caches
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs), min(runs)


def report(name: str, con: duckdb.DuckDBPyConnection, period: Period, target: float, repeat: int) -> bool:
    """Print the figures for one warehouse; True if the median full set meets the target."""
    rows = con.execute("SELECT count(*) FROM children_current").fetchall()[0][0]
    cohort = con.execute(
        "SELECT count(*) FROM children_current WHERE adoption_order_date BETWEEN ? AND ?", [period.start, period.end]
    ).fetchall()[0][0]
    full, full_min = timed(lambda: full_set(con, period), repeat)
    floor, floor_min = timed(lambda: floor_a1(con, period), repeat)
    ok = full < target
    print(
        f"{name}: children={rows:,d}, cohort {period.name}={cohort:,d}\n"
        f"  full indicator set {full * 1000:8.1f} ms median, {full_min * 1000:7.1f} ms fastest "
        f"(target < {target * 1000:.0f} ms: {'met' if ok else 'MISSED'})\n"
        f"  A1 floor query     {floor * 1000:8.1f} ms median, {floor_min * 1000:7.1f} ms fastest\n"
        f"  ratio full/floor   {full / floor:8.1f}x median, {full_min / floor_min:7.1f}x fastest"
    )
    for part, fn in components(period).items():
        med, fast = timed(lambda fn=fn: fn(pinned(con)), repeat)
        print(f"    {part:22s} {med * 1000:7.1f} ms median, {fast * 1000:6.1f} ms fastest")
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--only", choices=["sample", "national"])
    ap.add_argument("--db", type=Path, help="also time an existing warehouse (e.g. one built from data/drops)")
    ap.add_argument("--period", default="2018-19", help="period for --db (default 2018-19)")
    args = ap.parse_args()
    print(
        f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; medians and fastest of {args.repeat} warm runs"
    )
    scales = [("sample", 3, 3_000, 600, 0.200), ("national", 150, 6_700, 1_200, 2.0)]
    failed = False
    for name, councils, per, homes, target in scales:
        if args.only and args.only != name:
            continue
        t0 = time.perf_counter()
        con = build(councils, per, homes)
        print(f"\n{name} scale: {councils} councils, built in {time.perf_counter() - t0:.1f}s")
        failed |= not report(name, con, PERIOD, target, args.repeat)
        con.close()
    if args.db is not None:
        con = warehouse.Warehouse(args.db).connect()
        print(f"\nwarehouse {args.db}")
        failed |= not report("warehouse", con, parse_period(args.period), 0.200, args.repeat)
        con.close()
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
