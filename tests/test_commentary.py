"""Variance commentary: stored with author and time, latest per line, survives re-ingest, shown in monitoring."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from pathlib import Path

import pytest

from factories import add_drop
from raa_core import warehouse
from raa_core.commentary import add_comment, comments, history
from raa_core.monitoring import monitor
from raa_core.reference import load_reference

Y = "2021-22"


def _ledger(amount: str) -> list[dict]:
    return [{"financial_year": Y, "period": 6, "budget_area": "pooled", "cost_line": "panels",
             "actual_gbp": D(amount), "forecast_outturn_gbp": None}]


def _load(db: Path, amount: str) -> None:
    """Stand-in for an ingest: a writer that loads a drop (and never touches variance_comments)."""
    with warehouse.writing(db) as con:
        add_drop(con, 886, "2021-10-10", ledger=_ledger(amount),
                 budget=[{"financial_year": Y, "budget_area": "pooled", "cost_line": "panels",
                          "budget_gbp": D("1000.00")}])


def test_comment_is_stored_latest_wins_and_survives_reingest(tmp_path: Path):
    db = tmp_path / "raa.duckdb"
    _load(db, "600.00")
    t1 = dt.datetime(2021, 10, 11, 9, 0)
    add_comment(db, 886, Y, 6, "pooled", "panels", "Extra panels for the autumn backlog", "Head of Service", at=t1)
    add_comment(db, 886, Y, 6, "pooled", "panels", "Backlog cleared early", "Head of Service",
                at=t1 + dt.timedelta(hours=1))
    add_comment(db, 886, Y, 5, "pooled", "panels", "On track", "Finance officer", at=t1 - dt.timedelta(days=30))
    _load(db, "650.00")  # re-ingest twice: two more versions written by other writers
    _load(db, "700.00")
    con = warehouse.connect_read(db)
    try:
        c = comments(con, Y, 6)
        assert len(c) == 1
        assert (c.iloc[0]["comment"], c.iloc[0]["author"]) == ("Backlog cleared early", "Head of Service")
        assert c.iloc[0]["created_at"] == t1 + dt.timedelta(hours=1)
        every = comments(con, Y)
        assert sorted(every["period"].tolist()) == [5, 6]
        assert len(history(con, Y)) == 3
        mon = monitor(con, load_reference(), Y, 6)
        row = mon.lines.iloc[0]
        assert row["ytd_actual"] == D("700.00")  # the newest load is in place...
        assert (row["comment"], row["comment_author"]) == ("Backlog cleared early", "Head of Service")  # ...beside it
        assert monitor(con, load_reference(), Y, 5).lines.iloc[0]["comment"] == "On track"
    finally:
        con.close()


def test_comment_time_defaults_to_now_utc(tmp_path: Path):
    db = tmp_path / "raa.duckdb"
    warehouse.ensure(db)
    before = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    at = add_comment(db, 303, Y, 1, "pooled", "staffing", " Vacancy ", " HoS ")
    con = warehouse.connect_read(db)
    try:
        got = comments(con, Y, 1).iloc[0]
    finally:
        con.close()
    assert before <= at and got["created_at"] == at
    assert (got["comment"], got["author"]) == ("Vacancy", "HoS")


def test_empty_comment_or_author_refused_and_nothing_written(tmp_path: Path):
    db = tmp_path / "raa.duckdb"
    warehouse.ensure(db)
    before = warehouse.version(db)
    with pytest.raises(ValueError, match="empty"):
        add_comment(db, 303, Y, 1, "pooled", "staffing", "  ", "HoS")
    with pytest.raises(ValueError, match="author"):
        add_comment(db, 303, Y, 1, "pooled", "staffing", "why", "")
    with pytest.raises(ValueError, match="period"):
        add_comment(db, 303, Y, 13, "pooled", "staffing", "why", "HoS")
    assert warehouse.version(db) == before


def test_comment_survives_real_reingest_of_drops(tmp_path: Path):
    from dropkit import ledger, write_drop
    from raa_core import drops

    ref = load_reference()
    db, root = tmp_path / "wh" / "raa.duckdb", tmp_path / "drops"
    today = dt.date(2022, 10, 20)
    write_drop(root, 886, "2022-10-07")
    assert drops.ingest(db, root, ref, today=today).by("accepted")
    add_comment(db, 886, "2022-23", 6, "pooled", "panels", "Panel chair fees up", "HoS")
    changed = ledger()
    changed[0]["actual_gbp"] = D("7000.25")
    write_drop(root, 886, "2022-10-14", ledger=changed)
    assert drops.ingest(db, root, ref, today=today).by("accepted")
    drops.ingest(db, root, ref, today=today)  # and once more: nothing new, comments untouched
    con = warehouse.connect_read(db)
    try:
        mon = monitor(con, ref, "2022-23", 6)
        panels = mon.lines[mon.lines["cost_line"] == "panels"].iloc[0]
        assert panels["ytd_actual"] == D("7000.25") + 5 * D("5000.25")
        assert panels["comment"] == "Panel chair fees up"
    finally:
        con.close()
