"""The live files are owner-only whatever the umask (raa_core/store/warehouse.py `owner_folder`, `owner_only`;
docs/operations.md "File permissions"): the warehouse's version files and the link's ledger, the app-state store
(password hashes) and its WAL, and the folder the service creates."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from raa_core.access import accounts
from raa_core.store import appstate, warehouse
from raa_core.store.appstate import AppState


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def test_the_warehouse_the_service_creates_is_owner_only(tmp_path: Path, umask_022: None) -> None:
    db = tmp_path / "new" / "raa.duckdb"
    warehouse.ensure(db)
    with warehouse.writing(db) as con:  # a second version, copied from the first
        con.execute("INSERT INTO meta VALUES ('marker', 'x')")
    versions = [p for _, p in warehouse._versions(db)]
    assert len(versions) == 2
    assert all(mode(p) == 0o600 for p in versions)
    assert mode(warehouse._state_file(db)) == 0o600
    assert mode(db.parent) == 0o700


def test_a_folder_that_exists_is_left_as_its_owner_set_it(tmp_path: Path, umask_022: None) -> None:
    folder = tmp_path / "operator"
    folder.mkdir(mode=0o750)
    os.chmod(folder, 0o750)
    warehouse.ensure(folder / "raa.duckdb")
    assert mode(folder) == 0o750
    assert mode(warehouse.current_file(folder / "raa.duckdb")) == 0o600


def test_the_app_state_store_and_its_wal_are_owner_only(tmp_path: Path, umask_022: None, ref) -> None:
    path = tmp_path / "state" / appstate.FILE_NAME
    state = AppState(path)
    accounts.add_user(state, "finance.lead", "a long enough passphrase 1", "finance", None, ref)
    with state.connect() as con:  # held open: the WAL and shared-memory files exist
        con.execute("INSERT INTO audit (at, action) VALUES ('2026-11-20T10:00:00', 'test')")
        extras = [path.with_name(path.name + s) for s in ("-wal", "-shm")]
        assert all(p.exists() and mode(p) == 0o600 for p in extras)
    assert mode(path) == 0o600 and mode(path.parent) == 0o700


def test_a_store_left_readable_by_an_earlier_release_is_made_owner_only(tmp_path: Path, umask_022: None) -> None:
    path = tmp_path / appstate.FILE_NAME
    AppState(path).migrate()
    os.chmod(path, 0o644)
    assert AppState(path).schema_version == len(appstate.MIGRATIONS)
    assert mode(path) == 0o600
