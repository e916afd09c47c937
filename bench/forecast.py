"""Benchmark: the pipeline forecast (docs/forecast.md): fit and simulate, and the backtest.

Sample scale: the bundled sample drops ingested into a temporary warehouse (3 councils; or `--db` an existing
one): a 36-month forecast read from the warehouse, fitted and simulated, target < 2 s; then the backtest, whose
figures are printed. National scale: 150 councils x 10 years of synthetic journeys with known rates
(raa_core/forecast/synthetic.py, generated here and not timed), fitted and simulated for 36 months with the
settings' number of futures, target < 30 s.

    .venv/bin/python bench/forecast.py [--only sample|national] [--db WAREHOUSE]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from raa_core import snapshot  # noqa: E402
from raa_core.forecast import ForecastRequest, forecast  # noqa: E402
from raa_core.forecast.backtest import backtest  # noqa: E402
from raa_core.forecast.journeys import from_frames  # noqa: E402
from raa_core.forecast.model import fit_and_simulate  # noqa: E402
from raa_core.forecast.synthetic import journeys, model_frames  # noqa: E402
from raa_core.ingest import drops  # noqa: E402
from raa_core.presentation.forecast_text import backtest_lines  # noqa: E402
from raa_core.reference import load_reference  # noqa: E402
from raa_core.store.warehouse import Warehouse  # noqa: E402

TARGETS = {"sample": 2.0, "national": 30.0}
SAMPLE_DROPS = REPO / "data" / "drops"
SAMPLE_TODAY = dt.date(2026, 11, 23)


def bench_sample(db: Path | None) -> bool:
    ref = load_reference()
    with tempfile.TemporaryDirectory() as tmp:
        if db is None:
            db = Path(tmp) / "raa.duckdb"
            t = time.perf_counter()
            drops.ingest(db, SAMPLE_DROPS, ref, today=SAMPLE_TODAY, actor="bench")
            print(f"sample: ingested the bundled drops in {time.perf_counter() - t:.1f} s (not timed)")
        snap = snapshot.pin(Warehouse(db), ref, SAMPLE_TODAY)
        forecast(snap, ForecastRequest(months=12))  # warm the imports and DuckDB
        t = time.perf_counter()
        f = forecast(snap, ForecastRequest(months=36))
        took = time.perf_counter() - t
        print(f"sample: 36-month forecast of {len(f.rows):,} rows, {f.simulations:,} futures: {took:.2f} s "
              f"(target < {TARGETS['sample']:.0f} s) {'OK' if took < TARGETS['sample'] else 'SLOW'}")
        t = time.perf_counter()
        b = backtest(snap)
        print(f"sample: backtest of {len(b.origins)} origins in {time.perf_counter() - t:.1f} s")
        print("\n".join(backtest_lines(b)))
        print(b.overall.to_string(index=False))
    return took < TARGETS["sample"]


def bench_national() -> bool:
    ref = load_reference()
    codes = list(range(1, 151))
    as_at = dt.date(2026, 3, 31)
    t = time.perf_counter()
    scale = [0.2 + (i % 10) / 4 for i in range(150)]
    children, adopters = journeys(codes, as_at, 10, seed=3, scale=scale)
    c, a = model_frames(children, adopters)
    print(f"national: generated {len(children):,} children and {len(adopters):,} households of 150 councils x 10 "
          f"years in {time.perf_counter() - t:.1f} s (not timed)")
    t = time.perf_counter()
    j = from_frames(c, a, as_at)
    fitted = time.perf_counter() - t
    t2 = time.perf_counter()
    rows, _, _ = fit_and_simulate(j, ref, 36, "month", ref.settings.forecast.seed, ref.settings.forecast.simulations)
    sim = time.perf_counter() - t2
    took = fitted + sim
    print(f"national: journeys {fitted:.2f} s + fit and simulate 36 months x {ref.settings.forecast.simulations:,} "
          f"futures {sim:.2f} s = {took:.2f} s for {len(rows):,} rows (target < {TARGETS['national']:.0f} s) "
          f"{'OK' if took < TARGETS['national'] else 'SLOW'}")
    futures = 200
    t = time.perf_counter()
    fit_and_simulate(j, ref, 36, "month", ref.settings.forecast.seed, futures)
    fewer = time.perf_counter() - t
    print(f"national: the same with {futures} futures: {fitted + fewer:.2f} s (the time grows with futures x councils)")
    return took < TARGETS["national"]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", choices=["sample", "national"])
    p.add_argument("--db", type=Path, default=None, help="an existing warehouse instead of ingesting the sample")
    args = p.parse_args()
    ok = True
    if args.only in (None, "sample"):
        ok &= bench_sample(args.db)
    if args.only in (None, "national"):
        ok &= bench_national()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
