"""The app-state store: what people write while using the app (comments, saved scenarios, users, audit).

SQLite (Python's own `sqlite3`) in WAL mode, in one file beside the warehouse (`appstate.sqlite3`), so a
small write never copies, republishes or locks the DuckDB warehouse: a comment saves while `raa ingest`
holds the warehouse's writer lock. WAL lets readers read while one writer writes; a writer waits at most
`busy_timeout` for another writer. The schema is built by numbered migrations recorded in
`PRAGMA user_version`; a migration, once landed, is never edited: add the next one to `MIGRATIONS`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from raa_core.store import sql, warehouse

FILE_NAME = "appstate.sqlite3"
BUSY_TIMEOUT_MS = 10_000

#: Migration 1: the tables every part of the app builds on. Never edit; append.
MIGRATION_1 = """
CREATE TABLE comments (
    id INTEGER PRIMARY KEY,
    la_code INTEGER,
    financial_year TEXT,
    period INTEGER,
    budget_area TEXT,
    cost_line TEXT,
    comment TEXT,
    author TEXT,
    created_at TEXT
);
CREATE TABLE scenarios (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    spec_json TEXT NOT NULL,
    saved_by TEXT NOT NULL,
    saved_at TEXT NOT NULL
);
CREATE TABLE users (
    username TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    la_code INTEGER,
    password_hash TEXT,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    created_at TEXT NOT NULL,
    demo INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT,
    role TEXT,
    action TEXT NOT NULL,
    page TEXT,
    la_code INTEGER,
    detail TEXT
);
"""

#: Migration 2: server-side sign-in sessions (a random token's SHA-256, never the token), the store's flags
#: (`demo_mode`), a password an administrator reset (`must_change`), and the audit made append-only in the store
#: itself (an UPDATE or DELETE of an audit row aborts). Never edit; append.
MIGRATION_2 = """
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    role TEXT NOT NULL,
    la_code INTEGER,
    how TEXT NOT NULL,
    started_at TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    ended_at TEXT,
    end_reason TEXT
);
CREATE INDEX sessions_by_user ON sessions(username);
CREATE TABLE flags (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
ALTER TABLE users ADD COLUMN must_change INTEGER NOT NULL DEFAULT 0;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit is append-only'); END;
"""

MIGRATIONS: list[str] = [MIGRATION_1, MIGRATION_2]


def statements(script: str) -> list[str]:
    """A migration's statements, split where SQLite says a statement is complete (a trigger's body keeps its
    own semicolons)."""
    out: list[str] = []
    buffer = ""
    for piece in script.split(";"):
        buffer += piece + ";"
        if sqlite3.complete_statement(buffer):
            if buffer.strip(" \n;"):
                out.append(buffer.strip().rstrip(";").strip())
            buffer = ""
    return out


class _HasPath(Protocol):
    path: Path


def now_text() -> str:
    """The current time in UTC as ISO 8601 text with microseconds (sorts as time)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


class AppState:
    """The app-state store at `path` (created and migrated on first use)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._migrated = False

    def __repr__(self) -> str:
        return f"AppState({str(self.path)!r})"

    @classmethod
    def beside(cls, warehouse: _HasPath) -> AppState:
        """The store in the warehouse's folder (`appstate.sqlite3` beside `raa.duckdb`)."""
        return cls(Path(warehouse.path).parent / FILE_NAME)

    def _open(self) -> sqlite3.Connection:
        warehouse.owner_folder(self.path.parent)  # password hashes: folder, store and its WAL owner-only
        for extra in (self.path, *(self.path.with_name(self.path.name + s) for s in ("-wal", "-shm"))):
            warehouse.owner_only(extra, create=extra == self.path)
        con = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        sql.sqlite_execute(con, sql.setting_sql("PRAGMA", "busy_timeout", BUSY_TIMEOUT_MS))
        sql.sqlite_execute(con, "PRAGMA journal_mode = WAL")
        sql.sqlite_execute(con, "PRAGMA synchronous = NORMAL")
        sql.sqlite_execute(con, "PRAGMA foreign_keys = ON")
        return con

    def migrate(self) -> int:
        """Apply the migrations not yet applied, each in its own transaction; returns the schema version."""
        con = self._open()
        try:
            sql.sqlite_execute(con, "BEGIN IMMEDIATE")  # one migrator at a time
            try:
                have = sql.sqlite_execute(con, "PRAGMA user_version").fetchone()[0]
                for n, script in enumerate(MIGRATIONS[have:], start=have + 1):
                    for stmt in statements(script):
                        sql.sqlite_execute(con, stmt)
                    sql.sqlite_execute(con, sql.setting_sql("PRAGMA", "user_version", n))
                sql.sqlite_execute(con, "COMMIT")
            except BaseException:  # rolls back, then re-raises: nothing is swallowed
                sql.rollback(con)
                raise
            self._migrated = True
            return int(sql.sqlite_execute(con, "PRAGMA user_version").fetchone()[0])
        finally:
            con.close()

    @property
    def schema_version(self) -> int:
        with self.connect() as con:
            return int(sql.sqlite_execute(con, "PRAGMA user_version").fetchone()[0])

    @contextlib.contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A connection in one transaction: committed if the block succeeds, rolled back if it raises. A store
        deleted while the service runs is created again with its schema (not "no such table" on every page)."""
        if not self._migrated or not self.path.exists():
            self.migrate()
        con = self._open()
        con.row_factory = sqlite3.Row
        try:
            sql.sqlite_execute(con, "BEGIN")
            try:
                yield con
            except BaseException:  # rolls back, then re-raises: nothing is swallowed
                sql.rollback(con)
                raise
            sql.sqlite_execute(con, "COMMIT")
        finally:
            con.close()


def record(
    state: AppState,
    *,
    actor: str | None,
    role: str | None = None,
    action: str,
    page: str | None = None,
    la_code: int | None = None,
    detail: str | None = None,
) -> int:
    """Append one audit event (sign-in, failure, lock-out, child-level view, export, upload); returns its id.

    The audit is append-only: nothing here updates or deletes a row."""
    if not action:
        raise ValueError("an audit event needs an action")
    with state.connect() as con:
        cur = sql.sqlite_execute(
            con,
            "INSERT INTO audit (at, actor, role, action, page, la_code, detail) "
            "VALUES (:at, :actor, :role, :action, :page, :la_code, :detail)",
            {"at": now_text(), "actor": actor, "role": role, "action": action, "page": page,
             "la_code": None if la_code is None else int(la_code), "detail": detail},
        )
        return int(cur.lastrowid or 0)


def audit_rows(state: AppState, limit: int = 500) -> list[dict[str, Any]]:
    """The newest audit events first."""
    with state.connect() as con:
        return [dict(r) for r in sql.sqlite_execute(con, "SELECT * FROM audit ORDER BY id DESC LIMIT :limit", {"limit": limit})]
