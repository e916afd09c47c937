"""The Snapshot (raa_core/snapshot.py): the judged-on day applied when pinning, a version removed by retention,
and snapshots over connections that never share a cache key."""

from __future__ import annotations

import argparse
import datetime as dt
import inspect
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest

import dropkit as dk
from conftest import SAMPLE_AS_AT, SAMPLE_TODAY
from raa_core import cli, snapshot
from raa_core.errors import NoData
from raa_core.ingest import drops
from raa_core.store import warehouse as store
from raa_core.store.warehouse import Warehouse


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


def test_pin_judges_a_sample_only_warehouse_on_the_sample_date_and_a_councils_drop_on_today(
        file_warehouse: Warehouse, tmp_path: Path, ref: Any) -> None:
    later = SAMPLE_TODAY + dt.timedelta(days=16)
    assert snapshot.pin(file_warehouse, ref, later).today == SAMPLE_AS_AT  # only the sample: its own date
    args = argparse.Namespace(db=str(file_warehouse.path), today=later)
    assert cli._snapshot(args).today == SAMPLE_AS_AT  # the CLI's command pins the same day

    dk.write_drop(tmp_path / "own", 303, "2026-11-22")
    assert drops.ingest(file_warehouse.path, tmp_path / "own", ref, today=later).by("accepted")
    assert snapshot.pin(file_warehouse, ref, later).today == later  # a council's own drop: the calendar's day
    assert cli._snapshot(args).today == later


def test_a_snapshot_whose_version_retention_removed_says_so(
        file_warehouse: Warehouse, tmp_path: Path, ref: Any) -> None:
    old = snapshot.pin(file_warehouse, ref, SAMPLE_TODAY)
    assert old.held() and old.rows("SELECT count(*) FROM drops")[0][0] > 0
    dk.write_drop(tmp_path / "new", 303, "2026-11-22")
    assert drops.ingest(file_warehouse.path, tmp_path / "new", ref, today=SAMPLE_TODAY).by("accepted")
    assert old.version in store.retain(file_warehouse.path, keep=1)

    assert not old.held()
    with pytest.raises(NoData, match="has since been replaced by newer data and removed"):
        old.rows("SELECT count(*) FROM drops")
    fresh = snapshot.pin(file_warehouse, ref, SAMPLE_TODAY)  # pinning again reads the current version
    assert fresh.held() and fresh.version != old.version and fresh.rows("SELECT count(*) FROM drops")[0][0] > 0


def test_snapshots_over_two_connections_have_two_versions_unless_named(ref: Any) -> None:
    a, b = duckdb.connect(), duckdb.connect()
    assert snapshot.over(a, ref, SAMPLE_TODAY) != snapshot.over(b, ref, SAMPLE_TODAY)
    assert snapshot.over(a, ref, SAMPLE_TODAY) == snapshot.over(a, ref, SAMPLE_TODAY)  # one connection: one key
    assert snapshot.over(a, ref, SAMPLE_TODAY, version="v1").key == ("v1", SAMPLE_TODAY)


def test_query_functions_take_the_snapshot_and_a_request_never_a_loose_as_at() -> None:
    from raa_core.contributions import drivers
    from raa_core.forecast import journeys as fj
    from raa_core.forecast import uses
    from raa_core.ingest import coverage
    from raa_core.performance import asglb, indicators, journeys, reconciliation

    functions = [drivers.warehouse_drivers, drivers.all_drivers, drivers.engine_drivers, fj.latest_extract, fj.read,
                 uses.forecast_drivers, uses.board_summary, coverage.coverage, coverage.missing, coverage.span,
                 coverage.state_at, asglb.asglb_return, asglb.quarter_return, indicators.latest_adoption_year,
                 journeys.area_codes, journeys.latest_date, journeys.series_quarters, journeys.quarter_end_dates,
                 reconciliation.reconcile]
    for fn in functions:
        params = list(inspect.signature(fn).parameters)
        assert params[0] == "snapshot", fn.__qualname__
        assert not {"as_at", "con", "ref", "on", "publication"} & set(params), fn.__qualname__
    assert not hasattr(journeys, "waiting_at_dates") and not hasattr(journeys, "band_counts")  # cursor helpers


def test_a_request_gives_the_as_at_date(ref: Any, sample_con: duckdb.DuckDBPyConnection) -> None:
    from raa_core.performance import journeys
    from raa_core.requests import CURRENT, DataRequest, PerformanceRequest

    snap = snapshot.over(sample_con, ref, SAMPLE_TODAY)
    early = dt.date(2025, 1, 1)
    assert journeys.latest_date(snap, CURRENT) == SAMPLE_AS_AT
    assert journeys.latest_date(snap, DataRequest(as_at=early)) is None  # the sample's drops are later
    assert journeys.latest_date(snap, PerformanceRequest(period="2024-25", as_at=early)) is None
