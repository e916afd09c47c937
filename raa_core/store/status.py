"""The service's health for a monitor: the payload of the app's `/healthz` route (docs/operations.md "Health").

`health(db)` reads, without writing anything: the warehouse version readers use and its age, whether the link
names an intact version, the app-state store's schema and whether a write could start now, the last ingest attempt
and its outcome, the councils whose data is stale (`freshness.council_status`, judged as the pages judge it) and the
disk used. It holds no personal data: council codes and names, drop paths (council/extract date), counts and
times only. `status` is "ok" (HTTP 200) while both stores are usable, "degraded" (200) while readers fall back from
a damaged link to an intact older version, and "unusable" (HTTP 503) when there is no usable warehouse version or
the store cannot be read or written.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from pathlib import Path
from typing import Any

import duckdb

from raa_core import clock, snapshot
from raa_core.reference import Reference
from raa_core.store import sql, warehouse
from raa_core.store.appstate import FILE_NAME as STORE_FILE
from raa_core.store.backup import disk_usage

HTTP_OK = 200
HTTP_UNAVAILABLE = 503


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _warehouse(db: Path, ref: Reference, now: dt.datetime) -> tuple[dict[str, Any], dict[str, Any] | None,
                                                                      list[dict[str, str]]]:
    """(warehouse record, last ingest or None, stale councils)."""
    from raa_core.ingest import freshness

    try:
        found = warehouse.health(db)
    except warehouse.WarehouseError as exc:
        return {"usable": False, "version": None, "problem": str(exc)}, None, []
    if found.file is None:
        return {"usable": False, "version": None, "problem": f"no warehouse at {db} yet"}, None, []
    try:
        published = dt.datetime.fromtimestamp(found.file.stat().st_mtime, dt.UTC)
    except OSError as exc:
        return {"usable": False, "version": found.file.name, "problem": f"{found.file.name}: {exc.strerror}"}, None, []
    record: dict[str, Any] = {"usable": True, "version": found.file.name, "published_at": _utc(published),
                              "age_seconds": max(0, int((now - published).total_seconds())),
                              "problem": found.problem}
    wh = warehouse.Warehouse(db)
    try:
        with wh.cursor(found.file) as con:
            pinned = snapshot.over(con, ref, clock.today(now), version=found.file.name)
            last = pinned.rows(
                "SELECT finished_at, outcome, path, la_code FROM ingest_audit ORDER BY attempt_id DESC LIMIT 1")
            judged = snapshot.over(con, ref, freshness.judged_on(pinned), version=found.file.name)
            stale = [s for dataset in freshness.DATASETS
                     for s in freshness.stale_councils(freshness.council_status(judged, dataset), dataset)]
    except (duckdb.Error, OSError, warehouse.WarehouseError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return record | {"usable": False, "problem": f"{found.file.name} cannot be read: {first}"}, None, []
    finally:
        wh.close()
    ingest = None
    if last:
        finished, outcome, path, la_code = last[0]
        ingest = {"finished_at": _utc(finished.replace(tzinfo=dt.UTC)), "outcome": outcome, "path": path,
                  "la_code": la_code}
    return record, ingest, stale


def _store(path: Path) -> dict[str, Any]:
    """Whether the store can be read and a write can start now (BEGIN IMMEDIATE, then rolled back: nothing is
    written). A store not created yet is usable when its folder is writable (the app creates it on first use)."""
    if not path.exists():
        writable = os.access(path.parent, os.W_OK) if path.parent.exists() else False
        return {"usable": writable, "writable": writable, "schema_version": None,
                "problem": None if writable else f"{path.name} does not exist and its folder is not writable"}
    try:
        con = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=2)
    except sqlite3.Error as exc:
        return {"usable": False, "writable": False, "schema_version": None, "problem": f"{path.name}: {exc}"}
    try:
        schema = int(sql.sqlite_execute(con, "PRAGMA user_version").fetchone()[0])
        sql.sqlite_execute(con, "SELECT count(*) FROM sqlite_master").fetchone()
        try:
            sql.sqlite_execute(con, "BEGIN IMMEDIATE")
            sql.sqlite_execute(con, "ROLLBACK")
            writable, problem = True, None
        except sqlite3.Error as exc:
            writable, problem = False, f"{path.name} cannot be written: {exc}"
    except sqlite3.Error as exc:
        return {"usable": False, "writable": False, "schema_version": None, "problem": f"{path.name}: {exc}"}
    finally:
        con.close()
    return {"usable": writable, "writable": writable, "schema_version": schema, "problem": problem}


def health(db: Path, ref: Reference, now: dt.datetime | None = None) -> dict[str, Any]:
    """The health payload of the warehouse at link `db` and the store beside it (see the module docstring).

    Keys: `status` ("ok", "degraded", "unusable"), `http_status` (200 or 503), `checked_at` (UTC), `warehouse`
    (usable, version, published_at, age_seconds, problem), `store` (usable, writable, schema_version, problem),
    `last_ingest` (finished_at, outcome, path, la_code; None before the first), `stale` (one record per stale
    council and dataset, as `raa kpi --json`'s), `disk` (warehouse_bytes, versions, store_bytes). Never raises
    for a damaged warehouse or store: that is what it reports."""
    db = Path(db)
    now = now or dt.datetime.now(dt.UTC)
    wh, last, stale = _warehouse(db, ref, now)
    store = _store(db.parent / STORE_FILE)
    used = disk_usage(db)
    usable = wh["usable"] and store["usable"]
    status = "unusable" if not usable else "degraded" if wh.get("problem") else "ok"
    return {"status": status, "http_status": HTTP_OK if usable else HTTP_UNAVAILABLE, "checked_at": _utc(now),
            "warehouse": wh, "store": store, "last_ingest": last, "stale": stale,
            "disk": {"warehouse_bytes": used.warehouse_bytes, "versions": used.versions,
                     "store_bytes": used.store_bytes}}
