"""The app's one cached data layer (`raa_app.data`): every figure of a run comes from the run's pinned snapshot.

An ingest that publishes a new warehouse version between two loaders of one run must not mix versions: the
loaders read the version pinned at the top of the run; the next run pins the new one. Results are cached by
(function, snapshot key, arguments), so a new version is never served a stale figure.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest

import dropkit as dk
from conftest import SAMPLE_AS_AT, SAMPLE_TODAY
from raa_app import data, shell
from raa_core import cli, snapshot
from raa_core.ingest import coverage, drops, freshness
from raa_core.performance import indicators
from raa_core.requests import PerformanceRequest
from raa_core.store import warehouse as store
from raa_core.store.warehouse import Warehouse

CALLS: list[tuple[str, tuple[Any, ...]]] = []


def counted(snap: snapshot.Snapshot, x: int) -> tuple[str, int]:
    """A figure that records each time it is computed (to see the cache at work)."""
    CALLS.append((snap.version, (x,)))
    return snap.version, x * 2


@pytest.fixture
def file_warehouse(sample_db: Path, tmp_path: Path) -> Warehouse:
    """A file-backed copy of the sample warehouse that a test may publish new versions into."""
    db = tmp_path / "wh" / "raa.duckdb"
    db.parent.mkdir()
    real = Warehouse(sample_db).current_file()
    assert real is not None
    shutil.copyfile(real, db.parent / real.name)
    (db.parent / "raa.duckdb").symlink_to(real.name)
    return Warehouse(db)


def test_a_run_reads_one_version_though_an_ingest_publishes_between_its_loaders(
        file_warehouse: Warehouse, tmp_path: Path, ref: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    data.clear()
    pinned = snapshot.pin(file_warehouse, ref, SAMPLE_TODAY)
    monkeypatch.setattr(shell, "snapshot", lambda: pinned)  # the run's snapshot, as app.py pins it
    first_range = data.load(coverage.data_range)
    assert first_range[1] == SAMPLE_AS_AT

    # an ingest publishes a new version (Bexley's drop of 22 November) while the run is drawing its page
    dk.write_drop(tmp_path / "new", 303, "2026-11-22")
    assert drops.ingest(file_warehouse.path, tmp_path / "new", ref, today=SAMPLE_TODAY).by("accepted")
    assert file_warehouse.current_file() is not None and file_warehouse.current_file().name != pinned.version

    # every later loader of the same run still reads the pinned version
    status = data.load(freshness.council_status, "performance").set_index("la_code")
    scorecard = data.load(indicators.scorecard, PerformanceRequest(period="2025-26"))
    assert status.loc[303, "newest_drop"] == dt.date(2026, 11, 20) != dt.date(2026, 11, 22)
    assert bool(status["sample"].all())  # the new council drop is not in the pinned version: still the sample
    assert data.load(coverage.data_range) == first_range
    assert not scorecard.empty

    # the next run pins the new version, and its figures are computed afresh (a new cache key)
    following = snapshot.pin(file_warehouse, ref, SAMPLE_TODAY)
    monkeypatch.setattr(shell, "snapshot", lambda: following)
    assert following.key != pinned.key
    assert data.load(coverage.data_range)[1] == dt.date(2026, 11, 22)
    assert data.load(freshness.council_status, "performance").set_index("la_code").loc[303, "newest_drop"] == (
        dt.date(2026, 11, 22))


def test_load_caches_by_function_snapshot_key_and_arguments(file_warehouse: Warehouse, ref: Any) -> None:
    data.clear()
    CALLS.clear()
    snap = snapshot.pin(file_warehouse, ref, SAMPLE_TODAY)
    assert data.load_for(snap, counted, 2) == (snap.version, 4)
    assert data.load_for(snap, counted, 2) == (snap.version, 4)
    assert data.load_for(snapshot.pin(file_warehouse, ref, SAMPLE_TODAY), counted, 2) == (snap.version, 4)
    assert len(CALLS) == 1  # the same key (version, day) and arguments: computed once
    data.load_for(snap, counted, 3)
    data.load_for(dataclasses.replace(snap, today=SAMPLE_TODAY + dt.timedelta(days=1)), counted, 2)
    data.load_for(dataclasses.replace(snap, version="another.duckdb"), counted, 2)
    assert len(CALLS) == 4  # another argument, another day, another version: each computed


def test_the_app_and_the_cli_pin_the_same_day_on_the_sample_and_on_a_councils_drop(
        file_warehouse: Warehouse, tmp_path: Path, ref: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    later = SAMPLE_TODAY + dt.timedelta(days=16)
    monkeypatch.setattr(shell, "warehouse", lambda: file_warehouse)
    monkeypatch.setattr(shell, "calendar_today", lambda: later)
    monkeypatch.setattr(shell.st, "session_state", {})
    args = argparse.Namespace(db=str(file_warehouse.path), today=later)
    assert shell.pin_snapshot().today == cli._snapshot(args).today == SAMPLE_AS_AT  # only the sample held

    dk.write_drop(tmp_path / "own", 303, "2026-11-22")
    assert drops.ingest(file_warehouse.path, tmp_path / "own", ref, today=later).by("accepted")
    assert shell.pin_snapshot().today == cli._snapshot(args).today == later  # a council's own drop


def test_a_rerun_whose_pinned_version_was_removed_pins_the_current_one(
        file_warehouse: Warehouse, tmp_path: Path, ref: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shell, "warehouse", lambda: file_warehouse)
    monkeypatch.setattr(shell, "calendar_today", lambda: SAMPLE_TODAY)
    monkeypatch.setattr(shell.st, "session_state", {})
    old = shell.pin_snapshot()
    assert shell.snapshot() is old  # a fragment's rerun keeps its page's snapshot
    dk.write_drop(tmp_path / "new", 303, "2026-11-22")
    assert drops.ingest(file_warehouse.path, tmp_path / "new", ref, today=SAMPLE_TODAY).by("accepted")
    assert old.version in store.retain(file_warehouse.path, keep=1)
    again = shell.snapshot()  # retention removed it: the current version is pinned again, not an IOException
    assert again.version != old.version and again.held()
    assert data.load(coverage.data_range)[1] == dt.date(2026, 11, 22)
