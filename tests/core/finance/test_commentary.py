"""Variance commentary in the app-state store: history kept, latest shown, survives re-ingest, never touches or
waits for the warehouse, and comments stored in the warehouse by earlier versions are moved once."""

from __future__ import annotations

import datetime as dt
import threading
import time
from decimal import Decimal as D
from pathlib import Path

import pytest

from factories import add_drop
from financekit import monitor
from raa_core.finance.commentary import add_comment, comments, history, migrate_from_warehouse
from raa_core.reference import load_reference
from raa_core.requests import Viewer
from raa_core.store import warehouse
from raa_core.store.appstate import AppState
from raa_core.store.warehouse import Warehouse

Y = "2021-22"


def hos(name: str) -> Viewer:
    """A Head of Service of that name (who records variance comments)."""
    return Viewer(user=name, role="hos")


def _ledger(amount: str) -> list[dict]:
    return [{"financial_year": Y, "period": 6, "budget_area": "pooled", "cost_line": "panels",
             "actual_gbp": D(amount), "forecast_outturn_gbp": None}]


def _load(wh: Warehouse, amount: str) -> None:
    """Stand-in for an ingest: a writer that loads a drop."""
    with wh.writing() as con:
        add_drop(con, 886, "2021-10-10", ledger=_ledger(amount),
                 budget=[{"financial_year": Y, "budget_area": "pooled", "cost_line": "panels",
                          "budget_gbp": D("1000.00")}])


@pytest.fixture
def wh(tmp_path: Path) -> Warehouse:
    return Warehouse(tmp_path / "wh" / "raa.duckdb")


@pytest.fixture
def state(wh: Warehouse) -> AppState:
    return AppState.beside(wh)


def test_latest_wins_history_kept_and_survives_reingest(wh: Warehouse, state: AppState):
    _load(wh, "600.00")
    t1 = dt.datetime(2021, 10, 11, 9, 0)
    add_comment(state, 886, Y, 6, "pooled", "panels", "Extra panels for the autumn backlog", hos("Head of Service"), at=t1)
    add_comment(state, 886, Y, 6, "pooled", "panels", "Backlog cleared early", hos("Head of Service"),
                at=t1 + dt.timedelta(hours=1))
    add_comment(state, 886, Y, 5, "pooled", "panels", "On track", hos("Finance officer"), at=t1 - dt.timedelta(days=30))
    _load(wh, "650.00")  # re-ingest twice: two more versions written by other writers
    _load(wh, "700.00")
    c = comments(state, Y, 6)
    assert len(c) == 1
    assert (c.iloc[0]["comment"], c.iloc[0]["author"], c.iloc[0]["earlier"]) == (
        "Backlog cleared early", "Head of Service", 1)
    assert c.iloc[0]["created_at"] == t1 + dt.timedelta(hours=1)
    assert sorted(comments(state, Y)["period"].tolist()) == [5, 6]
    assert history(state, Y)["comment"].tolist() == [
        "Backlog cleared early", "Extra panels for the autumn backlog", "On track"]
    with wh.cursor() as con:
        mon = monitor(con, load_reference(), Y, 6, comments=comments(state, Y, 6))
        row = mon.lines.iloc[0]
        assert row["ytd_actual"] == D("700.00")  # the newest load is in place...
        assert (row["comment"], row["comment_author"]) == ("Backlog cleared early", "Head of Service")  # ...beside it
        assert monitor(con, load_reference(), Y, 5, comments=comments(state, Y, 5)).lines.iloc[0]["comment"] == (
            "On track")
        assert monitor(con, load_reference(), Y, 6).lines.iloc[0]["comment"] is None


def test_two_saves_on_one_line_at_the_same_moment_are_both_kept(state: AppState):
    """Two people save on the same line at the same instant: both rows are kept; the later save is shown
    as the latest and the earlier one is in the history (a click away on the page)."""
    at = dt.datetime(2026, 11, 20, 10, 30)
    first = add_comment(state, 303, Y, 6, "pooled", "panels", "Chair fees rose", hos("Alice"), at=at)
    second = add_comment(state, 303, Y, 6, "pooled", "panels", "Two extra panels", hos("Bob"), at=at)
    assert second.id > first.id
    latest = comments(state, Y, 6)
    assert latest[["comment", "author", "earlier"]].values.tolist() == [["Two extra panels", "Bob", 1]]
    assert history(state, Y, 6)[["comment", "author"]].values.tolist() == [
        ["Two extra panels", "Bob"], ["Chair fees rose", "Alice"]]


def test_concurrent_saves_from_threads_all_land(state: AppState):
    def save(i: int) -> None:
        add_comment(state, 886, Y, 7, "pooled", "staffing", f"reason {i}", hos(f"user {i}"))

    threads = [threading.Thread(target=save, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(history(state, Y, 7)["comment"]) == sorted(f"reason {i}" for i in range(8))
    assert comments(state, Y, 7)["earlier"].tolist() == [7]


def test_comment_time_defaults_to_now_utc(state: AppState):
    before = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    saved = add_comment(state, 303, Y, 1, "pooled", "staffing", " Vacancy ", hos(" HoS "))
    got = comments(state, Y, 1).iloc[0]
    assert before <= saved.created_at and got["created_at"] == saved.created_at
    assert (got["comment"], got["author"]) == ("Vacancy", "HoS")


def test_empty_comment_or_author_refused_and_nothing_written(state: AppState):
    with pytest.raises(ValueError, match="empty"):
        add_comment(state, 303, Y, 1, "pooled", "staffing", "  ", hos("HoS"))
    with pytest.raises(ValueError, match="author"):
        add_comment(state, 303, Y, 1, "pooled", "staffing", "why", hos(""))
    with pytest.raises(ValueError, match="period"):
        add_comment(state, 303, Y, 13, "pooled", "staffing", "why", hos("HoS"))
    assert history(state, Y).empty


def test_saving_a_comment_never_writes_the_warehouse(wh: Warehouse, state: AppState):
    wh.ensure()
    before = (wh.version, sorted(p.name for p in wh.path.parent.glob("raa.duckdb*")))
    add_comment(state, 303, Y, 1, "pooled", "staffing", "Vacancy", hos("HoS"))
    assert (wh.version, sorted(p.name for p in wh.path.parent.glob("raa.duckdb*"))) == before


def test_a_comment_saves_while_an_ingest_holds_the_writer_lock(wh: Warehouse, state: AppState):
    """The ingest holds the warehouse's writer lock (a long load); a comment saved meanwhile returns at once."""
    wh.ensure()
    holding, release = threading.Event(), threading.Event()

    def ingest() -> None:
        with wh.writing():
            holding.set()
            release.wait(30)

    writer = threading.Thread(target=ingest)
    writer.start()
    try:
        assert holding.wait(10)
        start = time.monotonic()
        add_comment(state, 886, Y, 6, "pooled", "panels", "Saved during ingest", hos("HoS"))
        assert time.monotonic() - start < 2.0
        assert comments(state, Y, 6)["comment"].tolist() == ["Saved during ingest"]
        assert writer.is_alive()  # the ingest was still running while the comment saved
    finally:
        release.set()
        writer.join()


def test_warehouse_comments_of_earlier_versions_are_moved_once(wh: Warehouse, state: AppState):
    _load(wh, "600.00")
    with wh.writing() as con:  # a warehouse as earlier versions of the product left it
        con.execute("""CREATE TABLE variance_comments (la_code INTEGER NOT NULL, financial_year VARCHAR NOT NULL,
                       period INTEGER NOT NULL, budget_area VARCHAR NOT NULL, cost_line VARCHAR NOT NULL,
                       comment VARCHAR NOT NULL, author VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL)""")
        con.execute("INSERT INTO variance_comments VALUES (886, ?, 6, 'pooled', 'panels', 'Old reason', 'HoS', "
                    "TIMESTAMP '2021-10-11 09:00:00'), (886, ?, 6, 'pooled', 'panels', 'Newer reason', 'CFO', "
                    "TIMESTAMP '2021-10-12 09:00:00')", [Y, Y])
    assert migrate_from_warehouse(state, wh) == 2
    assert migrate_from_warehouse(state, wh) == 0  # once: the warehouse no longer holds them
    with wh.cursor() as con:
        assert con.execute("SELECT count(*) FROM information_schema.tables "
                           "WHERE table_name = 'variance_comments'").fetchall() == [(0,)]
    assert history(state, Y)[["comment", "author"]].values.tolist() == [["Newer reason", "CFO"], ["Old reason", "HoS"]]
    assert comments(state, Y, 6)["created_at"].tolist() == [dt.datetime(2021, 10, 12, 9, 0)]
    _load(wh, "650.00")  # a later ingest: the moved comments stay
    assert len(history(state, Y)) == 2


def test_comment_survives_real_reingest_of_drops(tmp_path: Path):
    from dropkit import ledger, write_drop
    from raa_core.ingest import drops

    ref = load_reference()
    wh, root = Warehouse(tmp_path / "wh" / "raa.duckdb"), tmp_path / "drops"
    state = AppState.beside(wh)
    today = dt.date(2022, 10, 20)
    write_drop(root, 886, "2022-10-07")
    assert drops.ingest(wh.path, root, ref, today=today).by("accepted")
    add_comment(state, 886, "2022-23", 6, "pooled", "panels", "Panel chair fees up", hos("HoS"))
    changed = ledger()
    changed[0]["actual_gbp"] = D("7000.25")
    write_drop(root, 886, "2022-10-14", ledger=changed)
    assert drops.ingest(wh.path, root, ref, today=today).by("accepted")
    drops.ingest(wh.path, root, ref, today=today)  # and once more: nothing new, comments untouched
    assert warehouse.version(wh.path) == wh.version
    with wh.cursor() as con:
        mon = monitor(con, ref, "2022-23", 6, comments=comments(state, "2022-23", 6))
    panels = mon.lines[mon.lines["cost_line"] == "panels"].iloc[0]
    assert panels["ytd_actual"] == D("7000.25") + 5 * D("5000.25")
    assert panels["comment"] == "Panel chair fees up"


@pytest.mark.parametrize("role", ["board", "finance", "admin", "council_analyst"])
def test_only_the_head_of_service_records_comments(tmp_path, role) -> None:
    from raa_core.access import AccessDenied

    state = AppState(tmp_path / "appstate.sqlite3")
    with pytest.raises(AccessDenied, match="may not record variance comments"):
        add_comment(state, 303, Y, 1, "pooled", "staffing", "why", Viewer(user="x", role=role, la_code=303))
    assert history(state, Y).empty
