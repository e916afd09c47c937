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


def test_uploaded_files_are_owner_only_while_staged(tmp_path: Path, umask_022: None, ref, monkeypatch) -> None:
    import dropkit as dk
    from raa_core.ingest import drops, uploads

    folder = dk.write_drop(tmp_path / "src", 886, "2022-10-07")
    seen: dict[str, int] = {}
    real = drops.check_only

    def checking(drop, ref_, today=None, **more):
        for p in drop.folder.rglob("*"):
            seen[p.name] = mode(p)
        for p in (drop.folder, drop.folder.parent):
            seen[str(p.relative_to(p.parents[1]))] = mode(p)
        return real(drop, ref_, today, **more)

    monkeypatch.setattr(drops, "check_only", checking)
    out = uploads.check_upload([dk.folder_zip(folder, "886/2022-10-07/")], 886, None, ref, dk.TODAY,
                               tmp_path / "staging")
    assert out.result.outcome == "accepted"
    assert seen and all(m == (0o700 if "." not in name or "/" in name else 0o600) for name, m in seen.items()), seen
    assert list((tmp_path / "staging").iterdir()) == []


def test_exports_written_by_the_command_line_are_owner_only(tmp_path: Path, umask_022: None, sample_db: Path,
                                                            capsys) -> None:
    from conftest import SAMPLE_AS_AT
    from raa_core.cli import main

    out = tmp_path / "pack"
    assert main(["boardpack", "--period", "2026-27", "--as-at", SAMPLE_AS_AT.isoformat(), "--out", str(out),
                 "--db", str(sample_db), "--json"]) == 0, capsys.readouterr().err
    asglb = tmp_path / "asglb.xlsx"
    assert main(["asglb", "--quarter", "2026-27Q2", "--out", str(asglb), "--db", str(sample_db),
                 "--as-at", SAMPLE_AS_AT.isoformat(), "--json"]) in (0, 1)
    files = [*out.iterdir(), asglb]
    assert len(files) == 3 and all(mode(p) == 0o600 for p in files), {p.name: oct(mode(p)) for p in files}
    assert mode(out) == 0o700
