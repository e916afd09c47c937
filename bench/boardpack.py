"""Benchmark: building the Partnership Board pack (every section, the workbook and the PDF).

Sample scale: the bundled sample drops ingested into a temporary warehouse (3 councils). National scale:
150 councils of synthetic journeys (bench/indicators.py) and 5 years of monthly ledger (bench/budget.py)
in one in-memory warehouse; the pack still reports the RAA's councils but every query scans all of it.
Targets: < 5 s at sample scale, < 30 s at national scale. Prints the time of each part.

    .venv/bin/python bench/boardpack.py [--repeat 3] [--only sample|national]
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from raa_core import boardpack, snapshot  # noqa: E402
from raa_core.boardpack import boardpack_files  # noqa: E402
from raa_core.ingest import drops  # noqa: E402
from raa_core.reference import load_reference  # noqa: E402
from raa_core.store import warehouse  # noqa: E402

TARGETS = {"sample": 5.0, "national": 30.0}


def _bench_module(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", REPO / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def sample_warehouse(tmp: Path) -> duckdb.DuckDBPyConnection:
    db = tmp / "raa.duckdb"
    drops.ingest(db, REPO / "data" / "drops", load_reference(), today=dt.date(2026, 11, 23))
    return warehouse.Warehouse(db).connect()


def national_warehouse() -> duckdb.DuckDBPyConnection:
    """Finance for 150 councils (drops 1..150) plus journeys for 150 more (drops 1001..1150)."""
    con = duckdb.connect()
    _bench_module("budget").build(con, 150)
    perf = _bench_module("indicators").build(150, 6_700, 1_200)
    for table in ("children", "adopters"):
        con.register("_src", perf.table(table).to_arrow_table())
        con.execute(f"INSERT INTO {table} SELECT * REPLACE (drop_id + 1000 AS drop_id) FROM _src")
        con.unregister("_src")
    con.register("_src", perf.table("drops").to_arrow_table())
    con.execute("INSERT INTO drops SELECT * REPLACE (drop_id + 1000 AS drop_id, la_code + 5000 AS la_code) FROM _src")
    con.execute("UPDATE children SET la_code = la_code + 5000 WHERE drop_id > 1000")
    con.execute("UPDATE adopters SET la_code = la_code + 5000 WHERE drop_id > 1000")
    con.unregister("_src")
    perf.close()
    return con


def one_pack(con: duckdb.DuckDBPyConnection, period: str, as_at: dt.date) -> dict[str, float]:
    ref = load_reference()
    t0 = time.perf_counter()
    pack = boardpack.build(snapshot.over(con, ref, as_at), boardpack.PackRequest(period=period, as_at=as_at))
    t1 = time.perf_counter()
    boardpack_files.boardpack_xlsx(pack)
    t2 = time.perf_counter()
    boardpack_files.boardpack_pdf(pack)
    t3 = time.perf_counter()
    return {"figures": t1 - t0, "workbook": t2 - t1, "pdf": t3 - t2, "total": t3 - t0}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", choices=["sample", "national"])
    args = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; median of {args.repeat} runs")
    failed = False
    for scale in ("sample", "national"):
        if args.only and args.only != scale:
            continue
        t = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            if scale == "sample":
                con = sample_warehouse(Path(tmp))
                period, as_at = "2026-27", dt.date(2026, 11, 23)
            else:
                con = national_warehouse()
                period, as_at = "2021-22", dt.date(2026, 3, 31)
            print(f"\n{scale} scale: warehouse ready in {time.perf_counter() - t:.1f}s")
            runs = [one_pack(con, period, as_at) for _ in range(args.repeat)]
            con.close()
        for part in ("figures", "workbook", "pdf", "total"):
            times = [r[part] for r in runs]
            print(f"  {part:9} median {statistics.median(times):6.2f}s  fastest {min(times):6.2f}s")
        total = statistics.median(r["total"] for r in runs)
        ok = total < TARGETS[scale]
        failed |= not ok
        print(f"  target < {TARGETS[scale]:.0f}s: {'met' if ok else 'MISSED'} ({total / TARGETS[scale]:.2f} of target)")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
