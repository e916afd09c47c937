"""Retention of warehouse versions (settings.json `keep_versions`; docs/operations.md "Retention and disk"): an
ingest keeps the newest N, never one a reader of this process holds, and a reader of a removed version (another
process's open file) keeps reading it; a run where every drop is unchanged writes nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

import dropkit as dk
from raa_core.ingest import drops
from raa_core.store import warehouse


def keeping(ref, n: int):
    return ref.model_copy(update={"settings": ref.settings.model_copy(update={"keep_versions": n})})


def ingest_new(db: Path, root: Path, ref, day: int) -> None:
    """Ingest one new Kent drop (a new extract date), so a new version is published."""
    dk.write_drop(root, 886, dt.date(2022, 9, day), adopters=dk.adopters()[: 1 + day % 3])
    report = drops.ingest(db, root, ref, today=dk.TODAY)
    assert report.by("accepted") and not report.by("rejected")


def names(db: Path) -> list[str]:
    return [p.name for _, p in warehouse._versions(db)]


def test_an_ingest_keeps_the_newest_n_versions(tmp_path: Path, ref) -> None:
    db, root = tmp_path / "wh" / "raa.duckdb", tmp_path / "drops"
    for day in range(1, 6):
        ingest_new(db, root, keeping(ref, 2), day)
    kept = names(db)
    assert kept == [f"raa.duckdb.v{n:06d}" for n in (4, 5)]
    assert warehouse.version(db) == kept[-1]
    assert set(warehouse._load_state(db)["sizes"]) == set(kept)


def test_the_default_keeps_five(ref) -> None:
    assert ref.settings.keep_versions == 5 == warehouse.KEEP_VERSIONS


def test_a_reader_of_a_removed_version_still_reads_it(tmp_path: Path, ref) -> None:
    """Another process's reader is a read-only DuckDB connection on the file: removing the file's name (Linux)
    leaves its open handle readable, so retention may remove it."""
    db, root = tmp_path / "wh" / "raa.duckdb", tmp_path / "drops"
    ingest_new(db, root, keeping(ref, 2), 1)
    old = warehouse.current_file(db)
    reader = duckdb.connect(str(old), read_only=True)  # not through a Warehouse: as another process holds it
    try:
        expected = reader.execute("SELECT path, fingerprint FROM drops ORDER BY 1").fetchall()
        for day in range(2, 6):
            ingest_new(db, root, keeping(ref, 2), day)
        assert not old.exists() and old.name not in names(db)
        assert reader.execute("SELECT path, fingerprint FROM drops ORDER BY 1").fetchall() == expected
        assert reader.execute("SELECT count(*) FROM adopters").fetchall()[0][0] > 0
    finally:
        reader.close()


def test_a_version_a_reader_of_this_process_holds_is_never_removed(tmp_path: Path, ref) -> None:
    db, root = tmp_path / "wh" / "raa.duckdb", tmp_path / "drops"
    ingest_new(db, root, keeping(ref, 2), 1)
    wh = warehouse.Warehouse(db)
    with wh.cursor() as con:
        held = warehouse.current_file(db)
        for day in range(2, 6):
            ingest_new(db, root, keeping(ref, 2), day)
        assert held.exists() and held.name in names(db)
        assert len(names(db)) == 3  # the newest two and the held one
        assert con.execute("SELECT count(*) FROM drops").fetchall() == [(1,)]
    wh.close()
    ingest_new(db, root, keeping(ref, 2), 6)  # once returned, the next ingest removes it
    assert not held.exists() and len(names(db)) == 2


def test_a_run_of_unchanged_drops_writes_nothing(tmp_path: Path, ref) -> None:
    db, root = tmp_path / "wh" / "raa.duckdb", tmp_path / "drops"
    ingest_new(db, root, ref, 1)
    ingest_new(db, root, ref, 2)
    files = sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in db.parent.iterdir()
                   if not p.name.endswith(".lock"))
    report = drops.ingest(db, root, ref, today=dk.TODAY)
    assert [r.outcome for r in report.results] == ["unchanged", "unchanged"]
    after = sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in db.parent.iterdir()
                   if not p.name.endswith(".lock"))
    assert after == files  # no version, no ledger change, no leftovers
    # one changed drop among unchanged ones is loaded as before (and the unchanged ones audited with it)
    dk.write_drop(root, 886, dt.date(2022, 9, 1), adopters=dk.adopters()[:1])
    report = drops.ingest(db, root, ref, today=dk.TODAY)
    assert sorted(r.outcome for r in report.results) == ["accepted", "unchanged"]
    assert names(db)[-1] != files[-1][0]


@pytest.mark.parametrize("keep", [0, -1])
def test_keep_versions_must_be_at_least_one(ref, keep: int) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        type(ref.settings).model_validate(ref.settings.model_dump() | {"keep_versions": keep})
