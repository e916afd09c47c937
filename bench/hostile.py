"""Memory of checking a hostile drop: 300 string values of 1 MB each (without a limit they once took 1.8 GB).

Runs `drops.ingest` in a fresh process on a drop whose `ethnicity` column holds 300 values of 1 MB, once
with the configured limit (settings: drops.string_max_chars, 2,000) and once with the limit lifted to
show what the limit saves; prints each run's peak resident memory (VmHWM of the ingest process), its
verdict, and the ratio. With the limit the file's own sizes prove the oversized text, so it is never
decoded; lifted, DuckDB tries to decode it and stops at the ingest memory limit (settings:
ingest_memory_mb), which rejects the file as unreadable within that memory.
Also times a named pipe called children.parquet (it used to hang the ingest), and the shapes that once took
memory in proportion to the file's shape rather than its size: 20,000 row groups of one row each (6.5 GB
before the footer limits) and 100,000 columns; each is refused from its footer (settings: drops.row_groups_max,
drops.columns_max, drops.footer_max_bytes) before a native reader opens it. Prints each one's peak memory,
through `drops.ingest` and through `raa check` (the command's own peak, VmHWM, and the peak of its whole process
tree, footer probes in child processes included: summed VmRSS sampled from /proc every 10 ms).

    .venv/bin/python bench/hostile.py [--values 300] [--mb 1]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

CHILD = r"""
import json, sys, datetime as dt
from pathlib import Path
sys.path.insert(0, {repo!r})
from raa_core.ingest import drops
from raa_core.reference import load_reference
ref = load_reference()
if {limit!r} is not None:
    ref = ref.model_copy(update={{"settings": ref.settings.model_copy(update={{
        "drops": ref.settings.drops.model_copy(update={{"string_max_chars": {limit!r}}})}})}})
if {memory_mb!r} is not None:
    ref = ref.model_copy(update={{"settings": ref.settings.model_copy(update={{"ingest_memory_mb": {memory_mb!r}}})}})
def hwm():
    # VmHWM: this process's own peak. (ru_maxrss is not: Linux carries the parent's peak across fork+exec.)
    return int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1])
before = hwm()
report = drops.ingest(Path({db!r}), Path({root!r}), ref, today=dt.date(2022, 10, 10))
print(json.dumps({{"outcomes": [r.outcome for r in report.results],
                  "rules": sorted({{e.rule for r in report.results for e in r.errors}}),
                  "before_kib": before, "maxrss_kib": hwm()}}))
"""


def run(root: Path, db: Path, limit: int | None, memory_mb: int | None = None) -> dict:
    code = CHILD.format(repo=str(REPO), root=str(root), db=str(db), limit=limit, memory_mb=memory_mb)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


CHECK = r"""
import sys
sys.path.insert(0, {repo!r})
from raa_core.cli import main
code = main({argv!r})
hwm = int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1])
print("VMHWM", hwm, code, file=sys.stderr)
"""


def _tree_rss_kib(root_pid: int) -> int:
    """The summed resident memory (VmRSS, KiB) of `root_pid` and its descendants, read from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:  # the process ended meanwhile
            continue
        pid = int(entry)
        children.setdefault(int(fields["PPid"]), []).append(pid)
        rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0])
    total, todo = 0, [root_pid]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total


def check_run(folder: Path) -> dict:
    """`raa check FOLDER --json` in a fresh process: its exit code and verdict, its own peak (VmHWM) and the peak
    of its process tree (sampled), and the wall time."""
    argv = ["check", str(folder), "--json", "--today", "2022-10-10"]
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", CHECK.format(repo=str(REPO), argv=argv)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss_kib(proc.pid))
        time.sleep(0.01)
    out, err = proc.communicate()
    line = next(x for x in err.splitlines() if x.startswith("VMHWM"))
    _, hwm, code = line.split()
    verdict = json.loads(out)
    rules = sorted({e["rule"] for d in verdict.get("rejected", []) for e in d.get("errors", [])})
    return {"code": int(code), "hwm_kib": int(hwm), "tree_kib": peak, "rules": rules,
            "seconds": time.perf_counter() - t}


def main() -> None:
    import dropkit as dk
    import hostilekit as hk

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--values", type=int, default=300)
    ap.add_argument("--mb", type=float, default=1.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "drops"
        dk.write_drop(root, 886, "2022-10-07", children=hk.huge_values(args.values, int(args.mb * 1_000_000)))
        size = sum(p.stat().st_size for p in root.rglob("*.parquet"))
        print(f"drop: {args.values} values of {args.mb} MB, {size / 1_048_576:.1f} MiB of Parquet on disk")
        limited = run(root, Path(tmp) / "a" / "raa.duckdb", None)
        lifted = run(root, Path(tmp) / "b" / "raa.duckdb", 10**9)
        unbounded = run(root, Path(tmp) / "d" / "raa.duckdb", 10**9, 64_000)
        for name, r in (("with the 2,000-character limit", limited), ("limit lifted", lifted),
                        ("limit and memory cap lifted", unbounded)):
            print(f"{name:32} peak RSS {r['maxrss_kib'] / 1024:8.0f} MiB (after imports {r['before_kib'] / 1024:.0f} MiB)"
                  f"  outcome {r['outcomes']} {r['rules']}")
        print(f"ratio limited/lifted peak: {limited['maxrss_kib'] / lifted['maxrss_kib']:.2f}; "
              f"limited/unbounded (as before the limit): {limited['maxrss_kib'] / unbounded['maxrss_kib']:.2f}")

        pipe_root = Path(tmp) / "pipe"
        folder = dk.write_drop(pipe_root, 303, "2022-10-07", children=None)
        os.mkfifo(folder / "children.parquet")
        t = time.perf_counter()
        r = run(pipe_root, Path(tmp) / "c" / "raa.duckdb", None)
        print(f"named pipe children.parquet: {r['outcomes']} {r['rules']} in {time.perf_counter() - t:.1f} s "
              "(process start included)")

        import pyarrow as pa
        import pyarrow.parquet as pq

        shapes = Path(tmp) / "shapes"
        hk.one_row_per_group(shapes / "groups", 20_000)
        wide = dk.write_drop(shapes / "wide", 886, "2022-10-08", adopters=None)
        adopters = dk.table("adopters", dk.adopters())
        extra = {f"extra_{i}": pa.array([i] * adopters.num_rows, pa.int32()) for i in range(100_000)}
        pq.write_table(pa.table({**{n: adopters[n] for n in adopters.schema.names}, **extra}),
                       wide / "adopters.parquet")
        for name, root in (("20,000 row groups of one row", shapes / "groups"), ("100,000 columns", shapes / "wide")):
            size = sum(p.stat().st_size for p in root.rglob("*.parquet"))
            t = time.perf_counter()
            r = run(root, Path(tmp) / name.split()[0] / "raa.duckdb", None)
            print(f"{name:30} ({size / 1_048_576:.1f} MiB): peak RSS {r['maxrss_kib'] / 1024:6.0f} MiB "
                  f"(after imports {r['before_kib'] / 1024:.0f} MiB), {r['outcomes']} {r['rules']}, "
                  f"{time.perf_counter() - t:.1f} s")
        for name, folder in (("20,000 row groups of one row", shapes / "groups" / "887" / "2022-10-08"),
                             ("100,000 columns", shapes / "wide" / "886" / "2022-10-08")):
            r = check_run(folder)
            print(f"raa check, {name:30}: exit {r['code']}, {r['rules']}, peak RSS {r['hwm_kib'] / 1024:6.0f} MiB "
                  f"(process tree {r['tree_kib'] / 1024:.0f} MiB), {r['seconds']:.1f} s")


if __name__ == "__main__":
    main()
