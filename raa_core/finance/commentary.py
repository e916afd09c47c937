"""Variance commentary: the reason for a line's variance at a period, with author and time.

Comments live in the app-state store (`AppState`, table `comments`), not in the warehouse: saving one is a
small SQLite insert that never copies, republishes or waits for the warehouse (a comment saves while an
ingest holds the writer lock), and ingest never touches them, so they survive every re-ingest. Every save
is its own row: two people saving on the same line at the same moment both keep their comment. The
latest per line (newest `created_at`, then the later save) is the one shown beside the figures; the
earlier ones are its history. Comments stored in the warehouse by earlier versions of the product
(`variance_comments`) are moved here once by `migrate_from_warehouse`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict

from raa_core import clock
from raa_core.access import require_comment
from raa_core.errors import BadInput
from raa_core.finance.monitoring import COMMENT_COLUMNS, Monitoring, with_comments
from raa_core.presentation import display
from raa_core.requests import Viewer
from raa_core.store import appstate, sql
from raa_core.store.appstate import AppState
from raa_core.store.warehouse import Warehouse

KEY = ["la_code", "financial_year", "period", "budget_area", "cost_line"]
COLUMNS = ["id", *KEY, "comment", "author", "created_at"]


class Comment(BaseModel):
    """One saved comment."""

    model_config = ConfigDict(frozen=True)

    id: int
    la_code: int
    financial_year: str
    period: int
    budget_area: str
    cost_line: str
    comment: str
    author: str
    created_at: dt.datetime


def add_comment(
    state: AppState,
    la_code: int,
    year: str,
    period: int,
    area: str,
    line: str,
    comment: str,
    viewer: Viewer,
    *,
    at: dt.datetime | None = None,
) -> Comment:
    """Record a comment on a line's variance (UTC time, now unless `at`), and its audit row; returns it with its id.

    The author is the signed-in viewer (never typed). Raises access.AccessDenied unless the viewer's role
    records comments (the Head of Service); BadInput for an empty comment or author, or a period
    outside 1..12 (nothing is written)."""
    require_comment(viewer)
    comment = comment.strip()
    author = viewer.user.strip()
    if not comment:
        raise BadInput("Write the comment before saving it: it is empty")
    if not author:
        raise BadInput("a comment needs an author")
    if not 1 <= int(period) <= 12:
        raise BadInput(f"period must be 1..12, not {period}")
    created = at or clock.utc_now()
    row = {"la_code": int(la_code), "financial_year": year, "period": int(period), "budget_area": area,
           "cost_line": line, "comment": comment, "author": author,
           "created_at": created.isoformat(sep=" ", timespec="microseconds")}
    with state.connect() as con:
        cur = sql.sqlite_execute(
            con,
            "INSERT INTO comments (la_code, financial_year, period, budget_area, cost_line, comment, author, created_at)"
            " VALUES (:la_code, :financial_year, :period, :budget_area, :cost_line, :comment, :author, :created_at)",
            row,
        )
        new_id = int(cur.lastrowid or 0)
    appstate.record(state, actor=author, role=viewer.role, action="comment", page="budget", la_code=int(la_code),
                    detail=f"Variance comment saved on a {display.label('scope', area).lower()} line ({line}), "
                           f"{year} period {int(period)}.")
    return Comment(id=new_id, la_code=int(la_code), financial_year=year, period=int(period), budget_area=area,
                   cost_line=line, comment=comment, author=author, created_at=created)


def _frame(rows: list[Any], columns: list[str]) -> pd.DataFrame:
    df = pd.DataFrame([tuple(r) for r in rows], columns=columns)
    df["created_at"] = pd.to_datetime(df["created_at"])
    for c in ("id", "la_code", "period", "earlier"):
        if c in df.columns:
            df[c] = df[c].astype("Int64")
    return df


def _where(year: str, period: int | None, la_code: int | None) -> tuple[str, dict[str, Any]]:
    """The WHERE condition selecting a year (and period, council) with its named parameters."""
    where, params = ["financial_year = :year"], {"year": year}
    if period is not None:
        where.append("period = :period")
        params["period"] = int(period)
    if la_code is not None:
        where.append("la_code = :la_code")
        params["la_code"] = int(la_code)
    return " AND ".join(where), params


def comments(state: AppState, year: str, period: int | None = None, la_code: int | None = None) -> pd.DataFrame:
    """The latest comment per council, area and line for a year (and period, council if given), with
    `earlier`: how many earlier comments the line has. Columns: id, la_code, financial_year, period,
    budget_area, cost_line, comment, author, created_at (UTC), earlier."""
    where, params = _where(year, period, la_code)
    text = f"""
        WITH c AS (SELECT *, row_number() OVER (PARTITION BY la_code, financial_year, period, budget_area, cost_line
                                                ORDER BY created_at DESC, id DESC) AS n,
                          count(*) OVER (PARTITION BY la_code, financial_year, period, budget_area, cost_line) AS total
                   FROM comments WHERE {where})
        SELECT id, la_code, financial_year, period, budget_area, cost_line, comment, author, created_at,
               total - 1 AS earlier
        FROM c WHERE n = 1 ORDER BY la_code, period, budget_area, cost_line"""
    with state.connect() as con:
        rows = sql.sqlite_execute(con, text, params).fetchall()
    return _frame(rows, [*COLUMNS, "earlier"])


def history(state: AppState, year: str, period: int | None = None, la_code: int | None = None) -> pd.DataFrame:
    """Every comment recorded for a year (and period, council if given), newest first."""
    where, params = _where(year, period, la_code)
    with state.connect() as con:
        rows = sql.sqlite_execute(
            con,
            f"SELECT {', '.join(COLUMNS)} FROM comments WHERE {where} ORDER BY created_at DESC, id DESC", params
        ).fetchall()
    return _frame(rows, COLUMNS)


def migrate_from_warehouse(state: AppState, warehouse: Warehouse) -> int:
    """Move comments stored in the warehouse (`variance_comments`, earlier versions) into the app-state store.

    Copies each warehouse comment not already in the store (same line, text, author and time), then
    publishes a warehouse version without the old table. Safe to run any number of times and safe if
    interrupted (the copy is idempotent); returns the number of comments copied."""
    if not warehouse.exists():
        return 0
    with warehouse.cursor() as con:
        present = sql.execute(
            con,
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'variance_comments'"
        ).fetchall()[0][0]
    if not present:
        return 0
    with warehouse.writing() as con:
        has = sql.execute(
            con,
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'variance_comments'"
        ).fetchall()[0][0]
        if not has:
            return 0
        rows = sql.execute(
            con, "SELECT la_code, financial_year, period, budget_area, cost_line, comment, author, created_at "
            "FROM variance_comments ORDER BY created_at"
        ).fetchall()
        cols = "la_code, financial_year, period, budget_area, cost_line, comment, author, created_at"
        with state.connect() as sq:
            sql.sqlite_execute(sq, f"CREATE TEMP TABLE incoming AS SELECT {cols} FROM comments WHERE 0")
            names = cols.split(", ")
            sql.sqlite_executemany(sq, f"INSERT INTO incoming VALUES ({', '.join(':' + n for n in names)})",
                           [dict(zip(names, [*r[:7], r[7].isoformat(sep=" ", timespec="microseconds")], strict=True))
                            for r in rows])
            copied = sql.sqlite_execute(
                sq,
                f"INSERT INTO comments ({cols}) SELECT {cols} FROM incoming EXCEPT SELECT {cols} FROM comments"
            ).rowcount
        sql.execute(con, "DROP TABLE variance_comments")
    return copied


def with_latest(mon: Monitoring, state: AppState) -> Monitoring:
    """A monitoring report with the latest comment of each line at its period read now from the app-state
    store (comments change between warehouse versions, so a cached report takes them fresh); a report without
    a ledger period is returned as it is."""
    if mon.period is None:
        return mon
    latest = comments(state, mon.year, mon.period, mon.la_code)
    bare = mon.lines.drop(columns=list(COMMENT_COLUMNS.values()))
    return mon.model_copy(update={"lines": with_comments(bare, latest)})


def earlier(recorded: pd.DataFrame, every: pd.DataFrame) -> pd.DataFrame:
    """The comments of `every` (`history`) that are not the latest of their line (`recorded`, from `comments`)."""
    return every[~every["id"].isin(recorded["id"])]
