"""`raa backup` / `raa restore` (raa_core/store/backup.py; docs/operations.md "Back up and restore"): a backup taken
while an ingest publishes restores one published version's figures, every page's text (as the Head of Service
sees it) and the store's tables; a damaged backup and a live location (without --force) are refused."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import re
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest

from conftest import APP, SAMPLE_DROPS, SAMPLE_TODAY, _serve_through_app_py
from raa_core.access import accounts
from raa_core.cli import main
from raa_core.ingest import drops
from raa_core.store import appstate, backup, warehouse
from raa_core.store.appstate import AppState

STORE_TABLES = ("users", "comments", "scenarios", "audit")
TODAY = SAMPLE_TODAY.isoformat()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def figures(capsys: pytest.CaptureFixture[str], db: Path) -> tuple[object, object]:
    code, kpi, err = run(capsys, "kpi", "--period", "2025-26", "--db", str(db), "--json", "--today", TODAY)
    assert code == 0, err
    code, budget, err = run(capsys, "budget", "--year", "2026-27", "--db", str(db), "--json", "--today", TODAY)
    assert code == 0, err
    return json.loads(kpi), json.loads(budget)


def store_tables(path: Path) -> dict[str, list[tuple]]:
    con = sqlite3.connect(path)
    try:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in STORE_TABLES}
    finally:
        con.close()


def fill_store(db: Path, ref) -> AppState:
    state = AppState(db.parent / appstate.FILE_NAME)
    accounts.add_user(state, "finance.lead", "a long enough passphrase 1", "finance", None, ref)
    with state.connect() as con:
        con.execute("INSERT INTO comments (la_code, financial_year, period, budget_area, cost_line, comment, author, "
                    "created_at) VALUES (886, '2026-27', 6, 'staffing', 'salaries', 'vacancy', 'finance.lead', "
                    "'2026-11-20T10:00:00')")
        con.execute("INSERT INTO scenarios (name, spec_json, saved_by, saved_at) VALUES ('base', '{}', "
                    "'finance.lead', '2026-11-20T10:00:00')")
    appstate.record(state, actor="finance.lead", role="finance", action="sign_in", detail="embedded sign-in")
    return state


def app_pages() -> list[str]:
    """The app's page scripts (raa_app.navigation.PAGES, which app.py registers), in menu order."""
    from raa_app.navigation import PAGES

    return [script for _, script, _, _ in PAGES]


def _page_text_module():
    """bench/page_text.py (its `render` walks an AppTest's element tree into text)."""
    path = Path(APP).parent / "bench" / "page_text.py"
    spec = importlib.util.spec_from_file_location("page_text", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _normalised(text: str) -> str:
    """As bench/page_diff.sh: Streamlit's per-run ids and the moments the run itself writes (today's date-times:
    sign-ins, audited views, load times) are dropped; a date-time from the data is compared as it is."""
    days = "|".join(d.isoformat() for d in (dt.datetime.now(dt.UTC).date(),
                                            dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)))
    text = re.sub(r'deferred_file_id: "[^"]*"', "", text)
    text = re.sub(r'\$\$ID-[0-9a-f]+-[^" ]*', "", text)
    return re.sub(rf"({days})[ T][0-9]{{2}}:[0-9]{{2}}(:[0-9]{{2}}(\.[0-9]+)?)?", "<moment>", text)


def every_page_text(db: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Every page of app.py rendered (AppTest) against the warehouse at `db`, signed in as the Head of Service
    (user `hos`) with the default sidebar choice: page script -> its text."""
    import streamlit as st

    from raa_app import data

    page_text = _page_text_module()
    monkeypatch.setenv("RAA_DB", str(db))
    monkeypatch.setenv("RAA_DROPS", str(SAMPLE_DROPS))
    monkeypatch.setenv("RAA_TODAY", TODAY)
    _serve_through_app_py(monkeypatch)
    texts = {}
    for script in app_pages():
        data.clear()
        st.cache_data.clear()
        st.cache_resource.clear()
        texts[script] = _normalised(page_text.render(Path(script).stem, {}, "hos"))
    data.clear()
    st.cache_data.clear()
    st.cache_resource.clear()
    return texts


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def partial(tmp_path: Path, ref) -> tuple[Path, Path]:
    """A warehouse holding only Kent's sample drops (and a filled store); the full sample's root beside it."""
    part = tmp_path / "part"
    shutil.copytree(SAMPLE_DROPS / "886", part / "886")
    for extra in SAMPLE_DROPS.iterdir():
        if extra.is_file():
            shutil.copy(extra, part / extra.name)
    db = tmp_path / "live" / "raa.duckdb"
    report = drops.ingest(db, part, ref, today=SAMPLE_TODAY)
    assert report.by("accepted") and not report.by("rejected")
    fill_store(db, ref)
    return db, SAMPLE_DROPS


def test_a_backup_taken_while_an_ingest_publishes_restores_the_pinned_version(
        partial, tmp_path: Path, ref, capsys, monkeypatch) -> None:
    db, full = partial
    with AppState(db.parent / appstate.FILE_NAME).connect() as con:  # the Head of Service the pages render for
        con.execute("INSERT INTO users (username, role, la_code, created_at) VALUES ('hos', 'hos', NULL, "
                    "'2026-11-20')")
    before = figures(capsys, db)
    pinned_version = warehouse.version(db)
    pinned = tmp_path / "pinned"  # the source as the backup pins it: its version and store, the app reads a copy
    shutil.copytree(db.parent, pinned, symlinks=True)
    # The ingest publishes between the pin and the copy, and (keeping one version) removes the pinned file's name.
    keep_one = ref.model_copy(update={"settings": ref.settings.model_copy(update={"keep_versions": 1})})
    copy = backup._copy_fd
    published: list[str] = []

    def ingest_then_copy(fd: int, dest: Path) -> tuple[int, str]:
        if not published:
            drops.ingest(db, full, keep_one, today=SAMPLE_TODAY)
            published.append(warehouse.version(db))
            assert not (db.parent / pinned_version).exists()
        return copy(fd, dest)

    monkeypatch.setattr(backup, "_copy_fd", ingest_then_copy)
    old_umask = os.umask(0o022)
    try:
        code, out, err = run(capsys, "backup", str(tmp_path / "bk"), "--db", str(db), "--json")
    finally:
        os.umask(old_umask)
    assert code == 0, err
    manifest = json.loads(out)
    assert published and published[0] != pinned_version
    assert manifest["warehouse"]["version"] == pinned_version
    assert manifest["release"]["package"] == "raa-core" and manifest["release"]["version"]
    assert manifest["taken_at"].endswith(("+00:00", "+01:00"))
    after = figures(capsys, db)
    assert after != before  # the new version's figures differ, so the test tells them apart
    assert mode(tmp_path / "bk") == 0o700
    assert all(mode(p) == 0o600 for p in (tmp_path / "bk").iterdir())

    target = tmp_path / "restored" / "raa.duckdb"
    code, out, err = run(capsys, "restore", str(tmp_path / "bk"), "--db", str(target))
    assert code == 0, err
    assert figures(capsys, target) == before
    assert store_tables(target.parent / appstate.FILE_NAME) == store_tables(db.parent / appstate.FILE_NAME)
    assert mode(target.parent) == 0o700
    assert mode(target.parent / appstate.FILE_NAME) == 0o600
    assert mode(warehouse.current_file(target)) == 0o600
    # the app serves the restored warehouse as it served the source at the pinned version: every page's text
    source_pages = every_page_text(pinned / db.name, monkeypatch)
    restored_pages = every_page_text(target, monkeypatch)
    assert all("exception: []" in text.splitlines()[0] for text in source_pages.values())
    assert len(source_pages) == len(app_pages()) >= 10 and "Kent" in source_pages["pages/overview.py"]
    assert all("finance.lead" in source_pages[f"pages/{p}.py"] for p in ("users", "audit"))  # the store's rows
    assert source_pages == restored_pages
    # the restored warehouse takes the next ingest like any other
    report = drops.ingest(target, full, ref, today=SAMPLE_TODAY)
    assert not report.by("rejected") and figures(capsys, target) == after


@pytest.fixture
def small(tmp_path: Path, ref) -> tuple[Path, Path]:
    """A small warehouse with a store, and a backup of it."""
    db = tmp_path / "live" / "raa.duckdb"
    warehouse.ensure(db)
    with warehouse.writing(db) as con:
        con.execute("INSERT INTO meta VALUES ('marker', 'backed up')")
    fill_store(db, ref)
    out = tmp_path / "bk"
    backup.backup(db, out)
    return db, out


def _marker(db: Path) -> list[tuple]:
    wh = warehouse.Warehouse(db)
    try:
        with wh.cursor() as con:
            return con.execute("SELECT value FROM meta WHERE key = 'marker'").fetchall()
    finally:
        wh.close()


def test_restore_over_a_live_location_refuses_without_force(small, capsys) -> None:
    db, out = small
    with warehouse.writing(db) as con:
        con.execute("UPDATE meta SET value = 'changed since' WHERE key = 'marker'")
    appstate.record(AppState(db.parent / appstate.FILE_NAME), actor="later", action="sign_in")
    live = warehouse.version(db)
    code, _, err = run(capsys, "restore", str(out), "--db", str(db))
    assert code == 1
    assert "already exist" in err and "--force" in err and "nothing was restored" in err
    assert warehouse.version(db) == live and _marker(db) == [("changed since",)]

    code, _, err = run(capsys, "restore", str(out), "--db", str(db), "--force")
    assert code == 0, err
    assert warehouse.version(db) != live  # a new number: no reader's cached connection serves a stale file
    assert int(warehouse.version(db)[-6:]) > int(live[-6:])
    assert _marker(db) == [("backed up",)]
    assert store_tables(db.parent / appstate.FILE_NAME) == store_tables(out / appstate.FILE_NAME)


def test_a_damaged_file_is_refused(small, tmp_path: Path, capsys) -> None:
    _, out = small
    name = json.loads((out / backup.MANIFEST).read_text())["warehouse"]["version"]
    data = bytearray((out / name).read_bytes())
    data[-1] ^= 0xFF
    (out / name).write_bytes(bytes(data))
    target = tmp_path / "new" / "raa.duckdb"
    code, _, err = run(capsys, "restore", str(out), "--db", str(target))
    assert code == 1 and "does not match its sha256" in err
    assert not target.parent.exists()


def test_a_truncated_store_is_refused(small, tmp_path: Path, capsys) -> None:
    _, out = small
    with open(out / appstate.FILE_NAME, "r+b") as fh:
        fh.truncate(100)
    code, _, err = run(capsys, "restore", str(out), "--db", str(tmp_path / "new" / "raa.duckdb"))
    assert code == 1 and f"{appstate.FILE_NAME} is 100 bytes but the manifest says" in err


def test_a_corrupt_manifest_is_refused(small, tmp_path: Path, capsys) -> None:
    _, out = small
    manifest = out / backup.MANIFEST
    doc = json.loads(manifest.read_text())
    doc["files"][0]["sha256"] = "0" * 64
    manifest.write_text(json.dumps(doc))
    target = tmp_path / "new" / "raa.duckdb"
    code, _, err = run(capsys, "restore", str(out), "--db", str(target))
    assert code == 1 and "does not match its sha256" in err
    manifest.write_text("{not json")
    code, _, err = run(capsys, "restore", str(out), "--db", str(target))
    assert code == 2 and "manifest.json cannot be read" in err
    manifest.unlink()
    code, _, err = run(capsys, "restore", str(out), "--db", str(target))
    assert code == 2 and "is not a backup" in err
    assert not target.parent.exists()


def test_backup_refuses_a_folder_in_use_and_a_missing_warehouse(small, tmp_path: Path, capsys) -> None:
    db, out = small
    code, _, err = run(capsys, "backup", str(out), "--db", str(db))
    assert code == 1 and "not an empty folder" in err
    code, _, err = run(capsys, "backup", str(tmp_path / "b2"), "--db", str(tmp_path / "none" / "raa.duckdb"))
    assert code == 1 and "there is no warehouse" in err


def test_disk_usage_counts_every_version_and_the_store(small) -> None:
    db, _ = small
    used = backup.disk_usage(db)
    versions = warehouse._versions(db)
    assert used.versions == len(versions) == 2
    assert used.warehouse_bytes == sum(p.stat().st_size for _, p in versions)
    assert used.store_bytes >= (db.parent / appstate.FILE_NAME).stat().st_size > 0
    assert used.total_bytes == used.warehouse_bytes + used.store_bytes


def test_sizes_read_as_people_read_them() -> None:
    from raa_core.presentation import bytes_text, disk_text

    assert [bytes_text(n) for n in (0, 1, 812, 1536, 5 * 1024 * 1024 + 300 * 1024, 3 * 1024**3)] == [
        "0 bytes", "1 byte", "812 bytes", "1.5 KB", "5.3 MB", "3.0 GB"]
    assert disk_text(backup.DiskUsage(warehouse_bytes=2 * 1024**2, versions=1, store_bytes=49152)) == (
        "Disk used: warehouse 2.0 MB (1 version kept), app-state store 48.0 KB.")


def test_a_backup_that_fails_leaves_no_files(small, tmp_path: Path, capsys) -> None:
    db, _ = small
    store = db.parent / appstate.FILE_NAME
    for extra in (store.with_name(store.name + "-wal"), store.with_name(store.name + "-shm")):
        extra.unlink(missing_ok=True)
    store.write_bytes(b"not a database" * 500)
    out = tmp_path / "failed"
    code, _, err = run(capsys, "backup", str(out), "--db", str(db))
    assert code == 2 and "could not copy the app-state store" in err
    assert out.is_dir() and not list(out.iterdir())


def _rewrite_in_manifest(out: Path, name: str) -> None:
    """Record a file's new size and sha256 in the backup's manifest (a backup a newer release took is intact)."""
    doc = json.loads((out / backup.MANIFEST).read_text())
    for f in doc["files"]:
        if f["name"] == name:
            f["bytes"], f["sha256"] = (out / name).stat().st_size, backup._sha256(out / name)
    (out / backup.MANIFEST).write_text(json.dumps(doc))


def test_a_store_from_a_newer_release_is_refused(small, tmp_path: Path, capsys) -> None:
    _, out = small
    con = sqlite3.connect(out / appstate.FILE_NAME)
    try:
        con.execute(f"PRAGMA user_version = {len(appstate.MIGRATIONS) + 1}")
        con.commit()
    finally:
        con.close()
    _rewrite_in_manifest(out, appstate.FILE_NAME)
    target = tmp_path / "new" / "raa.duckdb"
    code, _, err = run(capsys, "restore", str(out), "--db", str(target))
    assert code == 1
    assert (f"the backup's app-state store has schema version {len(appstate.MIGRATIONS) + 1}, newer than this "
            f"release's {len(appstate.MIGRATIONS)}") in err and "nothing was restored" in err
    assert not target.parent.exists()


def test_restore_names_a_file_given_as_the_backup_and_a_folder_given_as_the_warehouse(
        small, tmp_path: Path, capsys) -> None:
    _, out = small
    code, _, err = run(capsys, "restore", str(out / backup.MANIFEST), "--db", str(tmp_path / "new" / "raa.duckdb"))
    assert code == 2 and f"{out / backup.MANIFEST} is not a folder" in err
    code, _, err = run(capsys, "restore", str(tmp_path / "none"), "--db", str(tmp_path / "new" / "raa.duckdb"))
    assert code == 2 and "backup folder not found" in err
    code, _, err = run(capsys, "restore", str(out), "--db", str(tmp_path / "new") + "/")
    assert code == 2 and "is a folder: give the warehouse file in it" in err
    assert not (tmp_path / "new").exists()
    code, _, err = run(capsys, "backup", str(tmp_path / "b2"), "--db", str(out))
    assert code == 2 and f"'{out}' is a folder" in err
