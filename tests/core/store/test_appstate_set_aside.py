"""An app-state store damaged while the service runs ("file is not a database", a malformed image): set aside
under a timestamped owner-only name, a fresh store created with its schema, the set-aside audited and flagged for
the administrator, demo mode kept off (the documented demo passwords never open a server whose accounts were
lost), and never SQLite's error on a page or the command line (docs/operations.md "Back up and restore")."""

from __future__ import annotations

import contextlib
import re
import sqlite3
import stat
import threading
from pathlib import Path

import pytest

from raa_core.access import accounts
from raa_core.errors import Fault, classify
from raa_core.reference import load_reference
from raa_core.store import appstate, sql


def damage(path: Path, *, keep_wal: bool = False) -> None:
    """Overwrite the store's header (what a failing disk or a stray copy leaves): SQLite then says "file is not
    a database"."""
    with open(path, "r+b") as f:
        f.write(b"this is no longer a database " * 8)
    if not keep_wal:
        for extra in ("-wal", "-shm"):
            path.with_name(path.name + extra).unlink(missing_ok=True)


def store_with_an_account(tmp_path: Path) -> appstate.AppState:
    state = appstate.AppState(tmp_path / appstate.FILE_NAME)
    accounts.add_user(state, "kim", "a long enough secret", "admin", None, load_reference())
    appstate.record(state, actor="kim", action="sign_in")
    return state


def test_a_damaged_store_is_set_aside_and_a_fresh_one_serves_the_next_action(tmp_path: Path) -> None:
    state = store_with_an_account(tmp_path)
    damage(state.path)
    rows = appstate.audit_rows(state)  # was: sqlite3.DatabaseError file is not a database, on every page
    [aside] = sorted(tmp_path.glob(appstate.FILE_NAME + ".damaged-*"))
    assert stat.S_IMODE(aside.stat().st_mode) == 0o600
    assert aside.read_bytes().startswith(b"this is no longer a database")  # kept as it was, for the administrator
    assert [r["action"] for r in rows] == ["appstate_set_aside"]
    assert aside.name in rows[0]["detail"] and "restored from a backup" in rows[0]["detail"]
    assert state.schema_version == len(appstate.MIGRATIONS)
    notice = appstate.set_aside_notice(state)
    assert notice is not None and aside.name in notice and "raa restore" in notice and "raa users add" in notice
    assert re.search(r"found damaged on \d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2} UTC", notice)  # as utc_minute writes
    assert accounts.users(state) == []  # the accounts are in the set-aside file, not invented again


def test_demo_mode_is_not_entered_again_after_a_set_aside(tmp_path: Path) -> None:
    state = store_with_an_account(tmp_path)
    assert accounts.enter_demo_mode(state, load_reference())  # demo mode with a real admin beside it
    damage(state.path)
    assert appstate.audit_rows(state)
    assert not accounts.demo_mode(state)
    assert accounts.enter_demo_mode(state, load_reference()) == []  # the bundled sample does not reopen it
    assert accounts.demo_names(state, any_mode=True) == []


def test_damage_met_inside_an_action_is_a_fault_sentence_and_the_store_is_set_aside(tmp_path: Path) -> None:
    """The header intact, the tables' pages overwritten: SQLite opens the store and then finds it "malformed"."""
    state = store_with_an_account(tmp_path)
    with state.connect() as con:
        page = sql.sqlite_execute(con, "PRAGMA page_size").fetchone()[0]
    with contextlib.closing(sqlite3.connect(state.path)) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = state.path.stat().st_size
    with open(state.path, "r+b") as f:
        f.seek(page)
        f.write(b"\xff" * (size - page))
    with pytest.raises(Fault) as raised, state.connect() as con:
        sql.sqlite_execute(con, "SELECT count(*) FROM users").fetchone()
    assert "set aside" in str(raised.value) and "not saved" in str(raised.value)
    assert classify(raised.value) is raised.value
    assert len(list(tmp_path.glob(appstate.FILE_NAME + ".damaged-*"))) == 1
    assert [r["action"] for r in appstate.audit_rows(state)] == ["appstate_set_aside"]


def test_two_workers_meeting_the_damage_set_it_aside_once(tmp_path: Path) -> None:
    state = store_with_an_account(tmp_path)
    damage(state.path)
    results: list[object] = []

    def worker() -> None:
        results.append(len(appstate.audit_rows(appstate.AppState(state.path))))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4
    assert len(list(tmp_path.glob(appstate.FILE_NAME + ".damaged-*"))) == 1
    assert [r["action"] for r in appstate.audit_rows(state)] == ["appstate_set_aside"]


def test_a_healthy_store_has_no_notice(tmp_path: Path) -> None:
    state = store_with_an_account(tmp_path)
    assert appstate.set_aside_notice(state) is None
    assert not list(tmp_path.glob(appstate.FILE_NAME + ".*"))
