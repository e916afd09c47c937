"""The health payload of `/healthz` (raa_core/store/status.py; docs/operations.md "Health"): a good service, a
missing or damaged warehouse, a corrupt or unusable store."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from conftest import SAMPLE_DROPS, SAMPLE_TODAY
from raa_core.ingest import drops
from raa_core.store import appstate, status, warehouse
from raa_core.store.appstate import AppState


@pytest.fixture
def live(sample_db: Path, tmp_path: Path) -> Path:
    """A private copy of the sample warehouse, with a migrated store beside it."""
    db = tmp_path / "wh" / "raa.duckdb"
    db.parent.mkdir()
    real = warehouse.current_file(sample_db)
    shutil.copyfile(real, db.parent / real.name)
    db.symlink_to(real.name)
    AppState(db.parent / appstate.FILE_NAME).migrate()
    return db


def test_a_good_service_is_ok(live: Path, ref) -> None:
    now = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    got = status.health(live, ref, now)
    assert got["status"] == "ok" and got["http_status"] == 200
    assert got["warehouse"]["version"] == warehouse.version(live) and got["warehouse"]["problem"] is None
    assert 3500 <= got["warehouse"]["age_seconds"] <= 3700 + 600
    assert got["store"] == {"usable": True, "writable": True, "schema_version": len(appstate.MIGRATIONS),
                            "problem": None}
    assert got["last_ingest"]["outcome"] == "accepted" and got["last_ingest"]["finished_at"].endswith("Z")
    assert got["stale"] == []  # the sample is judged on its own date
    assert got["disk"]["versions"] == 1 and got["disk"]["warehouse_bytes"] > 0
    json.dumps(got)  # JSON as it stands


def test_stale_councils_are_listed(tmp_path: Path, ref) -> None:
    root = tmp_path / "drops"
    shutil.copytree(SAMPLE_DROPS, root)
    (root / "sample.json").unlink(missing_ok=True)
    for manifest in root.glob("*/*/manifest.json"):  # no longer the marked sample: judged on the calendar
        doc = json.loads(manifest.read_text())
        doc.pop("sample", None)
        manifest.write_text(json.dumps(doc))
    db = tmp_path / "wh" / "raa.duckdb"
    drops.ingest(db, root, ref, today=SAMPLE_TODAY)
    later = dt.datetime.combine(SAMPLE_TODAY + dt.timedelta(days=60), dt.time(12), dt.UTC)
    got = status.health(db, ref, later)
    assert got["status"] == "ok"
    assert {(s["area"], s["dataset"]) for s in got["stale"]} >= {(str(c.la_code), "performance")
                                                                  for c in ref.councils}


def test_a_missing_warehouse_is_unusable(tmp_path: Path, ref) -> None:
    got = status.health(tmp_path / "none" / "raa.duckdb", ref)
    assert got["status"] == "unusable" and got["http_status"] == 503
    assert "no warehouse" in got["warehouse"]["problem"]


def test_a_damaged_warehouse_is_unusable_and_a_damaged_link_degraded(live: Path, ref, tmp_path: Path) -> None:
    with warehouse.writing(live):
        pass
    newest = warehouse.current_file(live)
    with open(newest, "r+b") as fh:
        fh.truncate(100)
    got = status.health(live, ref)
    assert got["status"] == "degraded" and got["http_status"] == 200
    assert "using the newest intact version" in got["warehouse"]["problem"]
    for _, p in warehouse._versions(live):
        with open(p, "r+b") as fh:
            fh.truncate(100)
    got = status.health(live, ref)
    assert got["status"] == "unusable" and got["http_status"] == 503
    assert "no intact version" in got["warehouse"]["problem"]


def test_a_corrupt_store_is_unusable(live: Path, ref) -> None:
    store = live.parent / appstate.FILE_NAME
    for extra in (store.with_name(store.name + "-wal"), store.with_name(store.name + "-shm")):
        extra.unlink(missing_ok=True)
    store.write_bytes(b"this is not a database" * 300)
    got = status.health(live, ref)
    assert got["status"] == "unusable" and got["http_status"] == 503
    assert got["store"]["usable"] is False and "not a database" in got["store"]["problem"]
    assert got["warehouse"]["usable"] is True


def test_a_store_that_cannot_be_opened_for_writing_is_unusable(live: Path, ref) -> None:
    store = live.parent / appstate.FILE_NAME
    for p in (store, store.with_name(store.name + "-wal"), store.with_name(store.name + "-shm")):
        p.unlink(missing_ok=True)
    store.mkdir()  # a folder where the file should be: nothing can open it
    got = status.health(live, ref)
    assert got["http_status"] == 503 and got["store"]["writable"] is False


def test_a_store_not_created_yet_is_usable_in_a_writable_folder(live: Path, ref) -> None:
    store = live.parent / appstate.FILE_NAME
    for p in (store, store.with_name(store.name + "-wal"), store.with_name(store.name + "-shm")):
        p.unlink(missing_ok=True)
    got = status.health(live, ref)
    assert got["status"] == "ok" and got["store"]["schema_version"] is None
    assert not store.exists()  # the check creates nothing
