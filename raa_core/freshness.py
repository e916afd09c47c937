"""What the warehouse holds and how fresh it is: per council, the newest drop, staleness, rows, warnings."""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pandas as pd

from raa_core.contract import TABLES
from raa_core.reference import Reference


def council_status(con: duckdb.DuckDBPyConnection, ref: Reference, today: dt.date) -> pd.DataFrame:
    """One row per partner council: newest drop, age in days, stale flag, current row counts, open warnings.

    A council is stale when its newest accepted drop is older than `settings.freshness_days` at `today`;
    a council with no accepted drop at all is stale too.
    """
    councils = pd.DataFrame(
        [{"la_code": c.la_code, "council": c.short_name} for c in ref.councils]
    )
    con.register("_councils", councils)
    counts = ",\n".join(
        f"(SELECT count(*) FROM {t.name}_current x WHERE x.la_code = c.la_code) AS {t.name}_rows" for t in TABLES
    )
    try:
        df = con.execute(
            f"""
            SELECT c.la_code, c.council, d.extract_date AS newest_drop, d.loaded_at,
                   (SELECT count(*) FROM drops a WHERE a.la_code = c.la_code) AS drops_held,
                   {counts},
                   (SELECT count(*) FROM drop_issues i WHERE i.drop_id = d.drop_id AND i.severity = 'warning')
                       AS open_warnings,
                   (SELECT count(*) FROM ingest_audit a WHERE a.la_code = c.la_code AND a.outcome = 'rejected'
                       AND a.started_at > coalesce(d.loaded_at, TIMESTAMP '1900-01-01')) AS rejected_since
            FROM _councils c
            LEFT JOIN current_drops cd USING (la_code)
            LEFT JOIN drops d ON d.drop_id = cd.drop_id
            ORDER BY c.la_code
            """
        ).df()
    finally:
        con.unregister("_councils")
    newest = pd.to_datetime(df["newest_drop"]).dt.date
    df["newest_drop"] = newest
    df["age_days"] = pd.array([None if pd.isna(d) else (today - d).days for d in newest], dtype="Int64")
    limit = ref.settings.freshness_days
    df["stale"] = (df["age_days"] > limit).fillna(True).astype(bool)
    return df


def open_warnings(con: duckdb.DuckDBPyConnection, la_code: int | None = None) -> pd.DataFrame:
    """Warnings stored with each council's current drop (loaded, but worth a look)."""
    where = "AND d.la_code = ?" if la_code is not None else ""
    params = [la_code] if la_code is not None else []
    return con.execute(
        f"""
        SELECT d.la_code, d.extract_date, i.file, i."column", i.rule, i.row_count, i.rows, i.message
        FROM drop_issues i JOIN current_drops cd ON i.drop_id = cd.drop_id JOIN drops d ON d.drop_id = i.drop_id
        WHERE i.severity = 'warning' {where}
        ORDER BY d.la_code, i.file, i.rule
        """,
        params,
    ).df()


def ingest_history(con: duckdb.DuckDBPyConnection, limit: int = 200) -> pd.DataFrame:
    """The audit trail of ingest attempts, newest first."""
    return con.execute(
        """SELECT attempt_id, started_at, path, la_code, extract_date, outcome, errors, warnings, row_counts
           FROM ingest_audit ORDER BY attempt_id DESC LIMIT ?""",
        [limit],
    ).df()


def is_stale(status: pd.DataFrame, la_code: int | str | None) -> bool:
    """Whether a council's data is stale in a `council_status` frame (the region: never, councils carry it)."""
    if la_code is None or str(la_code) == "region":
        return False
    mine = status[status["la_code"] == int(la_code)]
    return bool(len(mine)) and bool(mine["stale"].iloc[0])


def council_labels(status: pd.DataFrame) -> dict[str, str]:
    """Council short names by code (as text, the indicator tables' area key), marked `(stale)` where stale."""
    return {str(r.la_code): f"{r.council} (stale)" if r.stale else str(r.council) for r in status.itertuples()}


def staleness_note(row: Any) -> str:
    """Why a council is stale: 'newest drop 20 Nov 2026 (12 days old)' or 'no drop yet'."""
    if pd.isna(row.newest_drop):
        return "no drop yet"
    return f"newest drop {row.newest_drop:%d %b %Y} ({int(row.age_days)} days old)"
