"""Hand-built warehouse state for unit tests of the calculations (bypasses drop validation)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pandas as pd

from raa_core.ingest.contract import ASGLB_V3_COLUMNS, SQL_TYPE, TABLES
from raa_core.requests import Viewer
from raa_core.store import warehouse


def empty_warehouse() -> duckdb.DuckDBPyConnection:
    """An in-memory warehouse with the full schema and no drops."""
    con = duckdb.connect()
    warehouse.create_schema(con)
    return con


def add_drop(
    con: duckdb.DuckDBPyConnection,
    la_code: int,
    extract_date: dt.date | str,
    **tables: list[dict[str, Any]] | pd.DataFrame,
) -> int:
    """Insert one accepted drop with the given tables (rows as dicts or a DataFrame); returns drop_id.

    Columns left out take the contract's default (false / 0) or NULL; contract v3's ASGLB columns given (a key of
    any row, or a column of the frame) are recorded as carried (`drop_columns`), the others as not provided.
    """
    extract = dt.date.fromisoformat(extract_date) if isinstance(extract_date, str) else extract_date
    drop_id = con.execute("SELECT coalesce(max(drop_id), 0) + 1 FROM drops").fetchall()[0][0]
    version = con.execute(
        "SELECT coalesce(max(version), 0) + 1 FROM drops WHERE la_code = ? AND extract_date = ?",
        [la_code, extract],
    ).fetchall()[0][0]
    files = []
    for spec in TABLES:
        if spec.name not in tables:
            continue
        files.append(spec.file)
        data = tables[spec.name]
        df = data.copy() if isinstance(data, pd.DataFrame) else pd.DataFrame(list(data))
        for name in ASGLB_V3_COLUMNS.get(spec.name, ()):
            if name in df.columns:
                con.execute("INSERT INTO drop_columns VALUES (?, ?, ?)", [drop_id, spec.name, name])
        for col in spec.columns:
            if col.name not in df.columns:
                df[col.name] = col.default
        df = df[spec.column_names]
        con.register("_factory_rows", df)
        select = ", ".join(f"CAST({c.name} AS {SQL_TYPE[c.type]})" for c in spec.columns)
        con.execute(f"INSERT INTO {spec.name} SELECT ?, ?, {select} FROM _factory_rows", [drop_id, la_code])
        con.unregister("_factory_rows")
    con.execute(
        "INSERT INTO drops (drop_id, la_code, extract_date, path, version, fingerprint, files, loaded_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, current_timestamp)",
        [drop_id, la_code, extract, f"{la_code}/{extract}", version, f"factory-{drop_id}", files],
    )
    return drop_id


#: The Head of Service (every page, every council's child-level rows): for tests of child-level functions.
HOS = Viewer(user="test-hos", role="hos", la_code=None)


#: The day snapshots of hand-built warehouses are judged on (the tests' calendar today).
SNAP_TODAY = dt.date(2026, 11, 23)


def snap(con: duckdb.DuckDBPyConnection, ref: Any = None, today: dt.date | None = None) -> Any:
    """A `Snapshot` over a warehouse connection a test holds (reference data: the bundled one unless given)."""
    from raa_core import snapshot
    from raa_core.reference import load_reference

    return snapshot.over(con, ref if ref is not None else load_reference(), today or SNAP_TODAY)


def req(period: Any = "2018-19", **fields: Any) -> Any:
    """A `PerformanceRequest` (period as text or a Period; `as_at`, `la_code`, `thresholds`, `publication`)."""
    from raa_core.requests import PerformanceRequest

    return PerformanceRequest(period=period, **fields)
