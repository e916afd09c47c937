"""Variance commentary: the Head of Service's reason for a line's variance at a period.

Stored in the warehouse table `variance_comments` with author and time. Ingest never touches that
table, so comments survive re-ingests; a newer comment on the same line and period supersedes the
older one (both are kept for audit).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd

from raa_core import warehouse
from raa_core.budget import frame


def add_comment(
    db_path: Path | str,
    la_code: int,
    year: str,
    period: int,
    area: str,
    line: str,
    comment: str,
    author: str,
    *,
    at: dt.datetime | None = None,
) -> dt.datetime:
    """Record a comment on a line's variance (writes a new warehouse version); returns its time (UTC)."""
    comment = comment.strip()
    author = author.strip()
    if not comment:
        raise ValueError("a comment must not be empty")
    if not author:
        raise ValueError("a comment needs an author")
    if not 1 <= int(period) <= 12:
        raise ValueError(f"period must be 1..12, not {period}")
    created = at or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with warehouse.writing(Path(db_path)) as con:
        con.execute(
            "INSERT INTO variance_comments VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [int(la_code), year, int(period), area, line, comment, author, created],
        )
    return created


def comments(con: duckdb.DuckDBPyConnection, year: str, period: int | None = None) -> pd.DataFrame:
    """The latest comment per council, area and line for a period (or, without one, for every period)."""
    where = "AND period = $period" if period is not None else ""
    params: dict[str, object] = {"year": year}
    if period is not None:
        params["period"] = period
    return frame(
        con.sql(
            f"""SELECT la_code, financial_year, period, budget_area, cost_line,
                       arg_max(comment, created_at) AS comment, arg_max(author, created_at) AS author,
                       max(created_at) AS created_at
                FROM variance_comments WHERE financial_year = $year {where}
                GROUP BY la_code, financial_year, period, budget_area, cost_line
                ORDER BY la_code, period, budget_area, cost_line""",
            params=params,
        )
    )


def history(con: duckdb.DuckDBPyConnection, year: str) -> pd.DataFrame:
    """Every comment recorded for a year, newest first (audit trail)."""
    return frame(
        con.sql(
            "SELECT * FROM variance_comments WHERE financial_year = $year ORDER BY created_at DESC",
            params={"year": year},
        )
    )
