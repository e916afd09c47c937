"""The app-state store: what people write while using the app (comments, saved scenarios, users, audit).

SQLite (Python's own `sqlite3`) in WAL mode, in one file beside the warehouse (`appstate.sqlite3`), so a
small write never copies, republishes or locks the DuckDB warehouse: a comment saves while `raa ingest`
holds the warehouse's writer lock. WAL lets readers read while one writer writes; a writer waits at most
`busy_timeout` for another writer. The schema is built by numbered migrations recorded in
`PRAGMA user_version`; a migration, once landed, is never edited: add the next one to `MIGRATIONS`.

A store found damaged while the service runs (SQLite's "file is not a database" or "database disk image is
malformed") is set aside, never repaired in place: renamed to `appstate.sqlite3.damaged-<UTC time>` (owner-only),
a fresh store is created with its schema, the set-aside is audited and flagged (`set_aside_notice`: what the
administrator reads on the Users and Audit pages and the sign-in screen), and demo mode is ended in the fresh
store, so the documented demo passwords never open a server whose accounts were lost: the accounts come back
from a backup (`raa restore`, docs/operations.md "Back up and restore") or `raa users add`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from raa_core import logs
from raa_core.errors import Fault
from raa_core.presentation.text import utc_minute
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


#: SQLite's names for a file that is not, or no longer, a readable database (`sqlite3.Error.sqlite_errorname`).
DAMAGED = frozenset({"SQLITE_NOTADB", "SQLITE_CORRUPT"})
#: The store's flag recording a set-aside (JSON: when, the set-aside file's name, SQLite's words).
SET_ASIDE_FLAG = "store_set_aside"


def damaged(error: BaseException) -> bool:
    """True for SQLite's error of a file that is not, or no longer, a readable database."""
    return isinstance(error, sqlite3.DatabaseError) and getattr(error, "sqlite_errorname", "") in DAMAGED


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
        """Apply the migrations not yet applied, each in its own transaction; returns the schema version. A
        damaged store is set aside first and a fresh one migrated (`set_aside`)."""
        try:
            return self._migrate()
        except sqlite3.DatabaseError as exc:
            if not damaged(exc):
                raise
            self.set_aside(exc)
            return self._migrate()

    def _migrate(self) -> int:
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
        try:
            con = self._open()
        except sqlite3.DatabaseError as exc:  # damaged since the last action: set aside, then go on in a fresh one
            if not damaged(exc):
                raise
            self.set_aside(exc)
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
        except sqlite3.DatabaseError as exc:  # damaged meanwhile: set aside, and this one action fails in words
            if not damaged(exc):
                raise
            con.close()
            self.set_aside(exc)
            raise Fault(f"the app-state store {self.path} was found damaged and was set aside; a fresh one was "
                        f"created, so this action was not saved") from exc
        finally:
            con.close()

    def _still_damaged(self) -> bool:
        if not self.path.exists():
            return False
        probe = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            row = sql.sqlite_execute(probe, "PRAGMA quick_check(1)").fetchone()
            return row is None or row[0] != "ok"
        except sqlite3.DatabaseError as exc:
            return damaged(exc)
        finally:
            probe.close()

    def set_aside(self, cause: BaseException) -> Path | None:
        """Set a damaged store aside: rename it (and its WAL and shared-memory files) to
        `<name>.damaged-<UTC time>`, owner-only; create a fresh store with its schema, record the set-aside in
        its flags (`SET_ASIDE_FLAG`) and audit, and end demo mode in it (module docstring). One process at a time
        (a lock file beside the store); a store another process has already set aside is left alone. Returns the
        set-aside path, or None when there was nothing left to set aside."""
        lock_path = self.path.with_name(self.path.name + ".lock")
        warehouse.owner_only(lock_path, create=True)
        with open(lock_path, "rb") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                if not self._still_damaged():
                    return None
                stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
                aside = self.path.with_name(f"{self.path.name}.damaged-{stamp}")
                for suffix in ("", "-wal", "-shm"):
                    source = self.path.with_name(self.path.name + suffix)
                    if source.exists():
                        target = aside.with_name(aside.name + suffix)
                        os.replace(source, target)
                        os.chmod(target, 0o600)
                self._migrated = False
                self._migrate()
                note = {"at": now_text(), "file": aside.name, "cause": str(cause)}
                with self.connect() as con:
                    for name, value in ((SET_ASIDE_FLAG, json.dumps(note)), ("demo_mode", "0")):
                        sql.sqlite_execute(con, "INSERT INTO flags(name, value) VALUES (:name, :value) "
                                           "ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                                           {"name": name, "value": value})
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        record(self, actor="service", action="appstate_set_aside", page=None,
               detail=f"The app-state store was found damaged ({cause}) and set aside as {aside.name}; a fresh "
                      f"store was created. Accounts, comments, scenarios and the earlier audit must be restored "
                      f"from a backup (raa restore).")
        logs.event("fault", where="app-state store", message=f"damaged store set aside as {aside}: {cause}")
        return aside


#: What the administrator is told after a set-aside (`set_aside_notice`).
SET_ASIDE_WORDS = (
    "The app-state store was found damaged on {at} UTC and set aside as {file} in the warehouse's folder; a fresh "
    "store was created. Every account, comment, saved scenario and the earlier audit trail are in the set-aside "
    "file, not in the fresh store, and demo mode stays off. Restore them from the latest backup with `raa restore` "
    "(see the operations guide, \"Back up and restore\"), or add accounts again with `raa users add`.")
#: The same fact for the sign-in screen, where nobody is signed in (no file name).
SET_ASIDE_SIGNIN = ("This server's account store was found damaged and set aside, so accounts may be missing. Tell "
                    "the RAA's administrator: accounts must be restored from a backup.")


def set_aside_notice(state: AppState) -> str | None:
    """The administrator's message after a set-aside (`SET_ASIDE_WORDS`), or None when the store was never set
    aside."""
    with state.connect() as con:
        row = sql.sqlite_execute(con, "SELECT value FROM flags WHERE name = :name", {"name": SET_ASIDE_FLAG}).fetchone()
    if row is None:
        return None
    note = json.loads(row[0])
    return SET_ASIDE_WORDS.format(at=utc_minute(dt.datetime.fromisoformat(str(note["at"]))), file=note["file"])


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
