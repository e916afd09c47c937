"""The bundled sample in data/drops is what `raa sample data/drops` writes today (content, not just names)."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq

from conftest import SAMPLE_DROPS
from raa_core.ingest import sample


def test_bundled_sample_matches_generator(tmp_path: Path) -> None:
    fresh = tmp_path / "drops"
    sample.generate(fresh)
    bundled = sorted(p.relative_to(SAMPLE_DROPS) for p in SAMPLE_DROPS.rglob("*") if p.is_file())
    assert bundled == sorted(p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file())
    for rel in bundled:
        if rel.suffix == ".parquet":
            assert pq.read_table(SAMPLE_DROPS / rel).equals(pq.read_table(fresh / rel)), rel
        elif rel.name == "sample.json":  # the sample's root marker (contract.SAMPLE_ROOT_FILE)
            assert (SAMPLE_DROPS / rel).read_bytes() == (fresh / rel).read_bytes()
        else:
            old, new = json.loads((SAMPLE_DROPS / rel).read_text()), json.loads((fresh / rel).read_text())
            assert {k: v["rows"] for k, v in old["files"].items()} == {k: v["rows"] for k, v in new["files"].items()}


def test_bundled_sample_loads_without_rejection(sample_db, sample_con) -> None:
    assert sample_con.execute("SELECT count(*) FROM drops").fetchall()[0][0] == 27
    assert sample_con.execute("SELECT count(*) FROM ingest_audit WHERE outcome = 'rejected'").fetchall()[0][0] == 0
