"""`kill -9` during a large ingest leaves the warehouse as it was; a rerun equals a clean run."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

import dropkit as dk
from dropkit import TODAY, snapshot
from raa_core.ingest import drops
from raa_core.store import warehouse

REPO = Path(__file__).resolve().parents[3]


def big_children(n: int) -> pa.Table:
    """n valid child journeys, built vectorised."""
    rng = np.random.default_rng(7)
    base = np.datetime64("2012-01-01")
    entered = base + rng.integers(0, 3000, n).astype("timedelta64[D]")
    dob = entered - rng.integers(1, 3000, n).astype("timedelta64[D]")
    placed = entered + rng.integers(200, 600, n).astype("timedelta64[D]")
    return pa.table({
        "child_id": pa.array([f"KC-{i:07d}" for i in range(n)]),
        "sex": pa.array(np.where(rng.integers(0, 2, n) == 0, "M", "F")),
        "date_of_birth": pa.array(dob.astype("datetime64[D]"), pa.date32()),
        "entered_care_date": pa.array(entered, pa.date32()),
        "matched_date": pa.array(placed - np.timedelta64(20, "D"), pa.date32()),
        "placed_date": pa.array(placed, pa.date32()),
        "adoption_order_date": pa.array(placed + np.timedelta64(200, "D"), pa.date32()),
    })


@pytest.mark.slow
def test_kill_9_mid_ingest_then_rerun_equals_clean_run(tmp_path: Path, ref) -> None:
    root = tmp_path / "drops"
    dk.write_drop(root, 303, "2022-10-07")
    dk.write_drop(root, 886, "2022-10-07", children=big_children(1_500_000))
    dk.write_drop(root, 887, "2022-10-07")

    clean = tmp_path / "clean" / "raa.duckdb"
    drops.ingest(clean, root, ref, today=TODAY)

    crash = tmp_path / "crash" / "raa.duckdb"
    first = tmp_path / "first"
    dk.write_drop(first, 303, "2022-10-07")
    drops.ingest(crash, first, ref, today=TODAY)
    before, version = snapshot(crash), warehouse.version(crash)

    proc = subprocess.Popen(
        [sys.executable, "-m", "raa_core", "ingest", str(root), "--db", str(crash), "--today", TODAY.isoformat()],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while not list(crash.parent.glob("*.tmp")):
        assert proc.poll() is None, "ingest finished before it could be killed: make the drop larger"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    time.sleep(0.5)
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL

    assert warehouse.version(crash) == version
    assert snapshot(crash) == before

    report = drops.ingest(crash, root, ref, today=TODAY)
    assert [r.outcome for r in report.results] == ["unchanged", "accepted", "accepted"]
    assert snapshot(crash) == snapshot(clean)
    assert not list(crash.parent.glob("*.tmp"))


def test_ingest_cli_while_app_reads(tmp_path: Path, ref) -> None:
    """A scheduled `raa ingest` in another process succeeds while this process holds the warehouse open."""
    root, db = tmp_path / "drops", tmp_path / "wh" / "raa.duckdb"
    dk.write_drop(root, 303, "2022-10-07")
    drops.ingest(db, root, ref, today=TODAY)
    reader = warehouse.Warehouse(db).connect()
    try:
        dk.write_drop(root, 886, "2022-10-07")
        done = subprocess.run(
            [sys.executable, "-m", "raa_core", "ingest", str(root), "--db", str(db), "--json",
             "--today", TODAY.isoformat()],
            cwd=REPO, capture_output=True, text=True, timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert reader.execute("SELECT count(*) FROM drops").fetchall()[0][0] == 1
    finally:
        reader.close()
    again = warehouse.Warehouse(db).connect()
    try:
        assert again.execute("SELECT la_code FROM drops ORDER BY 1").fetchall() == [(303,), (886,)]
    finally:
        again.close()


def test_ingest_cli_exit_codes(tmp_path: Path) -> None:
    root, db = tmp_path / "drops", tmp_path / "wh" / "raa.duckdb"
    dk.write_drop(root, 303, "2022-10-07")
    dk.write_drop(root, 887, "2022-10-07", children=[*dk.children(), dk.children()[0]])
    run = [sys.executable, "-m", "raa_core", "ingest", str(root), "--db", str(db), "--json", "--today",
           dt.date(2022, 10, 10).isoformat()]
    done = subprocess.run(run, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    import json

    out = json.loads(done.stdout)
    assert [a["path"] for a in out["accepted"]] == ["303/2022-10-07"]
    assert out["rejected"][0]["errors"][0]["rule"] == "duplicate_key"
    missing = subprocess.run([*run[:4], str(tmp_path / "nowhere"), *run[5:]], cwd=REPO, capture_output=True,
                             text=True, timeout=60)
    assert missing.returncode == 2 and "not found" in missing.stderr
