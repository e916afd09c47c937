"""The app-state store: SQLite in WAL mode beside the warehouse, numbered migrations, migration 1's tables
exactly as docs/operations.md's contract, transactions, and the append-only audit."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from raa_core.store import appstate
from raa_core.store.appstate import AppState, record
from raa_core.store.warehouse import Warehouse

CONTRACT = {
    "comments": ["id", "la_code", "financial_year", "period", "budget_area", "cost_line", "comment", "author",
                 "created_at"],
    "scenarios": ["id", "name", "spec_json", "saved_by", "saved_at"],
    "users": ["username", "role", "la_code", "password_hash", "failed_attempts", "locked_until", "created_at", "demo"],
    "audit": ["id", "at", "actor", "role", "action", "page", "la_code", "detail"],
}


def test_beside_the_warehouse(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "wh" / "raa.duckdb")
    assert AppState.beside(wh).path == tmp_path / "wh" / "appstate.sqlite3"


def test_migration_1_creates_exactly_the_contract_tables_in_wal_mode(tmp_path: Path) -> None:
    state = AppState(tmp_path / "appstate.sqlite3")
    assert state.migrate() == len(appstate.MIGRATIONS) >= 1
    con = sqlite3.connect(state.path)
    try:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        con.execute("PRAGMA user_version = 0")  # what migration 1 alone builds:
        con.executescript(";".join(f"DROP TABLE {t}" for t in [*CONTRACT, "sessions", "flags"]))
        con.executescript(appstate.MIGRATION_1)
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert tables == set(CONTRACT)
        for table, columns in CONTRACT.items():
            assert [r[1] for r in con.execute(f"PRAGMA table_info({table})")] == columns
        users = {r[1]: r for r in con.execute("PRAGMA table_info(users)")}
        assert (users["failed_attempts"][3], users["failed_attempts"][4]) == (1, "0")  # NOT NULL DEFAULT 0
        assert users["username"][5] == 1  # primary key
    finally:
        con.close()


def test_migrations_run_once(tmp_path: Path) -> None:
    state = AppState(tmp_path / "appstate.sqlite3")
    state.migrate()
    record(state, actor="alice", action="sign_in")
    again = AppState(state.path)
    assert again.migrate() == len(appstate.MIGRATIONS)
    assert len(appstate.audit_rows(again)) == 1


def test_a_block_that_raises_writes_nothing(tmp_path: Path) -> None:
    state = AppState(tmp_path / "appstate.sqlite3")
    with pytest.raises(RuntimeError), state.connect() as con:
        con.execute("INSERT INTO audit (at, action) VALUES ('2026-01-01', 'x')")
        raise RuntimeError("boom")
    assert appstate.audit_rows(state) == []


def test_record_appends_audit_events(tmp_path: Path) -> None:
    state = AppState(tmp_path / "appstate.sqlite3")
    first = record(state, actor="alice", role="head_of_service", action="export", page="budget", la_code=886,
                   detail="raa_budget_monitoring_2026-27_P7.xlsx")
    second = record(state, actor=None, action="sign_in_failed", detail="unknown user")
    assert second > first
    rows = appstate.audit_rows(state)
    assert [(r["actor"], r["action"], r["la_code"]) for r in rows] == [
        (None, "sign_in_failed", None), ("alice", "export", 886)]
    assert rows[1]["page"] == "budget" and rows[1]["at"] <= rows[0]["at"]
    with pytest.raises(ValueError):
        record(state, actor="x", action="")


def test_a_store_deleted_while_the_service_runs_is_created_again_with_its_schema(tmp_path) -> None:
    from raa_core.store import appstate as appstate_module
    from raa_core.store import sql as sql_module

    state = appstate_module.AppState(tmp_path / appstate_module.FILE_NAME)
    state.migrate()
    state.path.unlink()
    with state.connect() as con:  # was: sqlite3.OperationalError no such table
        assert sql_module.sqlite_execute(con, "SELECT count(*) FROM audit").fetchone()[0] == 0
    assert state.schema_version == len(appstate_module.MIGRATIONS)
