"""Ingest throughput at national scale: 150 councils, >= 1M child rows; and one 10M-row drop's peak memory.

Prints rows/s, peak memory of the ingest process, and the ratio to the floor: DuckDB reading the same Parquet
files into tables with no checks. Every file is read with its own types (per-file typing, drop_files.py).
Targets: within 3x of the floor; one drop of 10M child rows under 1 GiB peak (DuckDB's memory limit,
settings `ingest_memory_mb`, with spilling to disk). Exits 1 when a target is missed.

By default the councils' files are written the ways councils' own tools write them (`--uniform` for one
schema): a quarter each keep the generator's types; carry their children's and adopters' dates as
time-zone-aware London timestamps; their money as doubles; or their dates as naive timestamps and their money as
whole-pound integers. Files of different physical types cannot share one scan, so this times the per-file path.
The floor and the ingest each run `--repeats` times, alternately, after one untimed read that warms the page
cache; the best of each is compared.

    .venv/bin/python bench/ingest.py [--councils 150] [--children 7000] [--big-drop 10000000] [--uniform]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

#: The process's own peak resident memory (KiB). Not ru_maxrss: Linux carries the parent's RSS at fork into
#: the child's ru_maxrss across exec, so a child of a generator holding 10M rows reported the generator's peak.
HWM = r"""
def hwm():
    return int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1])
"""

CHILD = HWM + r"""
import json, sys, time, datetime as dt
from pathlib import Path
sys.path.insert(0, {repo!r})
from raa_core.ingest import drops
from raa_core.reference import Council, load_reference
codes = {codes!r}
ref = load_reference().model_copy(update={{"councils": tuple(
    Council(la_code=c, name=f"Council {{c}}", short_name=str(c), london=False) for c in codes)}})
t = time.perf_counter()
report = drops.ingest(Path({db!r}), Path({root!r}), ref, today=dt.date.fromisoformat({today!r}))
secs = time.perf_counter() - t
rows = sum(sum(r.row_counts.values()) for r in report.results)
print(json.dumps({{"seconds": secs, "rows": rows, "accepted": len(report.by("accepted")),
                  "rejected": [(r.path, [i.located() for i in r.errors][:3]) for r in report.by("rejected")],
                  "maxrss_kib": hwm()}}))
"""

FLOOR = HWM + r"""
import json, sys, time
import duckdb
root = {root!r}
t = time.perf_counter()
con = duckdb.connect({db!r})
rows = 0
for name in ("children", "adopters", "budget", "ledger", "establishment"):
    files = sorted(__import__("glob").glob(f"{{root}}/*/*/{{name}}.parquet"))
    if files:
        con.execute(f"CREATE TABLE {{name}} AS SELECT * FROM read_parquet({{files!r}}, union_by_name = true)")
        rows += con.execute(f"SELECT count(*) FROM {{name}}").fetchall()[0][0]
con.execute("CHECKPOINT")
con.close()
print(json.dumps({{"seconds": time.perf_counter() - t, "rows": rows,
                  "maxrss_kib": hwm()}}))
"""


def vary_types(root: Path) -> dict[str, int]:
    """Rewrite the councils' files in four type variants (see the module docstring); returns councils per
    variant. The values stay valid for the contract (whole pounds are whole already in variant 3's budget)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    Change = Callable[[str, pa.ChunkedArray], pa.ChunkedArray]

    def rewrite(path: Path, change: Change) -> None:
        if not path.exists():
            return
        t = pq.read_table(path)
        pq.write_table(pa.table({n: change(n, t[n]) for n in t.column_names}), path)
        manifest = path.parent / "manifest.json"  # the council's tool writes its manifest after its files
        if manifest.exists():
            doc = json.loads(manifest.read_text())
            doc["files"][path.name]["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
            manifest.write_text(json.dumps(doc))

    def dates_as(kind: str) -> Change:
        def change(name: str, col: pa.ChunkedArray) -> pa.ChunkedArray:
            if not pa.types.is_date32(col.type):
                return col
            naive = col.cast(pa.timestamp("us"))
            if kind == "naive":
                return naive
            return pc.assume_timezone(naive, "Europe/London", ambiguous="earliest", nonexistent="earliest")
        return change

    def money_as(kind: str) -> Change:
        def change(name: str, col: pa.ChunkedArray) -> pa.ChunkedArray:
            if not pa.types.is_decimal(col.type):
                return col
            if kind == "double":
                return col.cast(pa.float64())
            return pc.round(col.cast(pa.float64())).cast(pa.int64())
        return change

    counts = {"generator's types": 0, "London timestamps": 0, "double money": 0, "naive timestamps, int money": 0}
    for i, folder in enumerate(sorted(p.parent for p in root.glob("*/*/children.parquet"))):
        variant = i % 4
        counts[list(counts)[variant]] += 1
        if variant == 1:
            for name in ("children", "adopters"):
                rewrite(folder / f"{name}.parquet", dates_as("london"))
        elif variant == 2:
            for name in ("budget", "ledger"):
                rewrite(folder / f"{name}.parquet", money_as("double"))
        elif variant == 3:
            for name in ("children", "adopters"):
                rewrite(folder / f"{name}.parquet", dates_as("naive"))
            rewrite(folder / "budget.parquet", money_as("int"))
    return counts


def run(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    found = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if not found:
        raise SystemExit(f"the timed process printed no result:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
    return json.loads(found[-1])


def main() -> None:
    from raa_core.ingest import sample

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--councils", type=int, default=150)
    ap.add_argument("--children", type=int, default=7000)
    ap.add_argument("--big-drop", type=int, default=10_000_000, help="child rows in the one-drop memory run (0: skip)")
    ap.add_argument("--uniform", action="store_true", help="every council's files in the generator's types")
    ap.add_argument("--repeats", type=int, default=2, help="timed runs of the floor and of the ingest, alternately")
    args = ap.parse_args()
    codes = list(range(100, 100 + args.councils))
    extract = dt.date(2026, 11, 20)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "drops"
        t = time.perf_counter()
        sample.generate_national(root, codes, args.children, extract)
        variants = {"generator's types": args.councils} if args.uniform else vary_types(root)
        gen = time.perf_counter() - t
        size = sum(p.stat().st_size for p in root.rglob("*.parquet"))
        run(FLOOR.format(root=str(root), db=str(Path(tmp) / "warm.duckdb")))  # warms the page cache, untimed
        floors, gots = [], []
        for k in range(args.repeats):
            floors.append(run(FLOOR.format(root=str(root), db=str(Path(tmp) / f"floor{k}.duckdb"))))
            gots.append(run(CHILD.format(repo=str(REPO), codes=codes, db=str(Path(tmp) / f"wh{k}" / "raa.duckdb"),
                                         root=str(root), today=(extract + dt.timedelta(days=1)).isoformat())))
    floor = min(floors, key=lambda r: r["seconds"])
    got = min(gots, key=lambda r: r["seconds"])
    assert not got["rejected"], got["rejected"]
    ratio = got["seconds"] / floor["seconds"]
    peak_mib = max(g["maxrss_kib"] for g in gots) / 1024
    print(f"drops: {args.councils} councils, {got['rows']:,} rows in all ({size / 2**20:.0f} MiB Parquet; "
          f"generated in {gen:.1f} s); types: " + ", ".join(f"{n} {c}" for n, c in variants.items()))
    print("runs (s): floor " + ", ".join(f"{r['seconds']:.2f}" for r in floors)
          + "; ingest " + ", ".join(f"{r['seconds']:.2f}" for r in gots) + " (best of each below)")
    print(f"floor  (DuckDB read_parquet into tables, no checks): {floor['seconds']:.2f} s, "
          f"{floor['rows'] / floor['seconds']:,.0f} rows/s, peak {floor['maxrss_kib'] / 1024:.0f} MiB")
    print(f"ingest (validate every rule + load + audit):        {got['seconds']:.2f} s, "
          f"{got['rows'] / got['seconds']:,.0f} rows/s, peak {peak_mib:.0f} MiB")
    print(f"ratio to floor: {ratio:.2f}x (target <= 3x) {'OK' if ratio <= 3 else 'MISSED'}; "
          f"peak memory {peak_mib:.0f} MiB")
    missed = ratio > 3
    if args.big_drop:
        missed |= not big_drop(args.big_drop, extract)
    sys.exit(1 if missed else 0)


def big_drop(rows: int, extract: dt.date) -> bool:
    """One council's drop of `rows` child journeys, checked and loaded alone: time and peak memory."""
    from raa_core.ingest import sample

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "drops"
        t = time.perf_counter()
        sample.generate_national(root, [100], rows, extract)
        gen = time.perf_counter() - t
        size = sum(p.stat().st_size for p in root.rglob("*.parquet"))
        got = run(CHILD.format(repo=str(REPO), codes=[100], db=str(Path(tmp) / "wh" / "raa.duckdb"),
                               root=str(root), today=(extract + dt.timedelta(days=1)).isoformat()))
    assert not got["rejected"], got["rejected"]
    peak_mib = got["maxrss_kib"] / 1024
    print(f"one drop of {rows:,} child rows ({got['rows']:,} rows in all, {size / 2**20:.0f} MiB Parquet; generated "
          f"in {gen:.1f} s): ingest {got['seconds']:.1f} s, {got['rows'] / got['seconds']:,.0f} rows/s, "
          f"peak {peak_mib:.0f} MiB (target < 1024) {'OK' if peak_mib < 1024 else 'MISSED'}")
    return peak_mib < 1024


if __name__ == "__main__":
    main()
