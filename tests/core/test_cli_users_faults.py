"""`raa users add` when the machine fails (docs/operations.md): a full disk, a read-only folder, a store busy
with another writer. Each is one line naming what happened and what to do, exit code 2 (`Fault`), never a
traceback. Tests may run as root, where `chmod` denies nothing: the read-only folder is then made read-only for
SQLite itself (the store opened read-only), so the same class of failure is met either way."""

from __future__ import annotations

import contextlib
import errno
import io
import os
import sqlite3
import sys
from pathlib import Path

import pytest

from raa_core.cli import main
from raa_core.store import appstate, warehouse

PASSWORD = "a long enough secret"


def add(capsys, monkeypatch, db: Path) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    code = main(["users", "add", "kim", "--role", "hos", "--db", str(db)])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "wh" / "raa.duckdb"
    warehouse.ensure(path)
    appstate.AppState.beside(warehouse.Warehouse(path)).migrate()
    return path


def one_sentence(err: str, *words: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("raa users: "), err
    assert "Traceback" not in err and "sqlite3." not in err and "Errno" not in err
    for word in words:
        assert word in lines[0], err


def _writable_by_me(folder: Path) -> bool:
    probe = folder / ".probe"
    try:
        probe.write_bytes(b"")
    except PermissionError:
        return False
    probe.unlink()
    return True


def test_a_read_only_folder_is_a_sentence_and_exit_2(capsys, monkeypatch, db) -> None:
    folder = db.parent
    store = folder / appstate.FILE_NAME
    for extra in ("-wal", "-shm"):
        store.with_name(store.name + extra).unlink(missing_ok=True)
    os.chmod(folder, 0o500)
    os.chmod(store, 0o400)
    try:
        if _writable_by_me(folder):  # root: the permission bits deny nothing, so SQLite opens the store read-only
            real = sqlite3.connect

            def read_only(path, *args, **kwargs):
                kwargs.pop("isolation_level", None)
                return real(f"file:{path}?mode=ro", *args, uri=True, isolation_level=None, **kwargs)

            monkeypatch.setattr(appstate.sqlite3, "connect", read_only)
        code, out, err = add(capsys, monkeypatch, db)
    finally:
        os.chmod(folder, 0o700)
        os.chmod(store, 0o600)
    assert code == 2 and out == ""
    one_sentence(err, "app-state store", "read-only", "tell the administrator")


def test_a_full_disk_under_sqlite_is_a_sentence_and_exit_2(capsys, monkeypatch, db) -> None:
    """SQLite's own "database or disk is full" (the store may grow no further: `max_page_count`)."""
    opened = appstate.AppState._open

    def full(self):
        con = opened(self)
        pages = con.execute("PRAGMA page_count").fetchone()[0]
        con.execute(f"PRAGMA max_page_count = {int(pages)}")
        return con

    monkeypatch.setattr(appstate.AppState, "_open", full)
    con = full(appstate.AppState.beside(warehouse.Warehouse(db)))  # each insert its own transaction
    with contextlib.closing(con):  # no room left in any page
        for size in (4000, 1000, 200, 50, 10):
            n = 0
            while True:
                try:
                    con.execute("INSERT INTO users(username, role, password_hash, created_at) "
                                    "VALUES (:n, 'hos', :v, 'x')", {"n": f"fill{size}-{n}", "v": "x" * size})
                except sqlite3.OperationalError:
                    break
                n += 1
    code, out, err = add(capsys, monkeypatch, db)
    assert code == 2 and out == ""
    one_sentence(err, "disk", "full", "free some space")


def test_a_full_disk_creating_the_store_is_a_sentence_and_exit_2(capsys, monkeypatch, db) -> None:
    """The operating system's ENOSPC while the store's file is created (a deleted store, a full disk)."""
    (db.parent / appstate.FILE_NAME).unlink()
    real = os.open

    def no_space(path, flags, *args, **kwargs):
        if str(path).endswith(appstate.FILE_NAME) and flags & os.O_CREAT:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real(path, flags, *args, **kwargs)

    monkeypatch.setattr(warehouse.os, "open", no_space)
    code, out, err = add(capsys, monkeypatch, db)
    assert code == 2 and out == ""
    one_sentence(err, "No space left on device", appstate.FILE_NAME, "free some space")


def test_a_store_busy_with_another_writer_is_a_sentence_and_exit_2(capsys, monkeypatch, db) -> None:
    monkeypatch.setattr(appstate, "BUSY_TIMEOUT_MS", 200)
    other = sqlite3.connect(db.parent / appstate.FILE_NAME, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program holds the writer's lock
    try:
        code, out, err = add(capsys, monkeypatch, db)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert code == 2 and out == ""
    one_sentence(err, "busy", "try again")
    code, _, err = add(capsys, monkeypatch, db)  # nothing half-written: the same command works once it is free
    assert code == 0, err
