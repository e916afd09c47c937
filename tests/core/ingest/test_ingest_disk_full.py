"""A full disk during an ingest is said as such: the cause, never "cannot rollback - no transaction is active"."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import duckdb
import pytest

import dropkit as dk
from dropkit import TODAY
from raa_core import errors
from raa_core.ingest import drops
from raa_core.store import sql
from raa_core.store.appstate import AppState

_FULL = "IO Error: Could not write file: No space left on device"


def test_disk_full_mid_ingest_raises_the_cause_and_classifies_as_a_fault(tmp_path: Path, ref, monkeypatch) -> None:
    root, db = tmp_path / "drops", tmp_path / "wh" / "raa.duckdb"
    dk.write_drop(root, 886, "2022-09-02")
    real = sql.execute

    def filling(con, text, params=None):  # the disk fills while the drop's rows are written
        if text.startswith("INSERT INTO drops"):
            real(con, "ROLLBACK")  # as DuckDB does itself on a failed write: the transaction is gone
            raise duckdb.IOException(_FULL)
        return real(con, text, params)

    monkeypatch.setattr(drops.sql, "execute", filling)
    with pytest.raises((errors.Fault, duckdb.Error)) as caught:
        drops.ingest(db, root, ref, today=TODAY)
    fault = errors.classify(caught.value)
    assert isinstance(fault, errors.Fault) and "No space left on device" in str(fault)
    assert "rollback" not in str(fault).lower()


def test_a_failing_rollback_never_replaces_the_failure(tmp_path: Path) -> None:
    con = duckdb.connect()
    with pytest.raises(OSError, match="No space"):
        try:
            raise OSError(28, "No space left on device")
        except OSError:
            sql.rollback(con)  # no transaction is active: ignored, the cause propagates
            raise
    lite = sqlite3.connect(tmp_path / "x.sqlite3")
    sql.rollback(lite)
    lite.close()


def test_appstate_write_failure_keeps_its_cause(tmp_path: Path) -> None:
    state = AppState(tmp_path / "appstate.sqlite3")
    with pytest.raises(OSError, match="No space"), state.connect() as con:
        sql.sqlite_execute(con, "ROLLBACK")  # the transaction ends under the block, as a full disk can end it
        raise OSError(28, "No space left on device")
