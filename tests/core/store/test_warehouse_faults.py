"""The warehouse never loses what it held: damaged versions, full disks, crashed writers, racing first starts."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

import dropkit as dk
from dropkit import TODAY
from raa_core.cli import main
from raa_core.ingest import drops
from raa_core.store import warehouse

REPO = Path(__file__).resolve().parents[3]


def _versions(db: Path) -> list[str]:
    return sorted(p.name for p in db.parent.glob(db.name + ".v*"))


def _note(db: Path, text: str) -> None:
    """A small write of something only the warehouse holds (like a comment once was): a new version."""
    with warehouse.writing(db) as con:
        n = con.execute("SELECT count(*) FROM meta WHERE key LIKE 'note %'").fetchall()[0][0]
        con.execute("INSERT INTO meta VALUES (?, ?)", [f"note {n:03d}", text])


def _comments(db: Path) -> list[str]:
    """The notes the current version holds, oldest first."""
    con = warehouse.Warehouse(db).connect()
    try:
        return [r[0] for r in con.execute("SELECT value FROM meta WHERE key LIKE 'note %' ORDER BY key").fetchall()]
    finally:
        con.close()


@pytest.fixture
def built(tmp_path: Path, ref) -> tuple[Path, Path]:
    """Version 1: a Kent drop; version 2: a note (as a comment was); version 3: a Bexley drop. Returns (db, drops root)."""
    root, db = tmp_path / "drops", tmp_path / "wh" / "raa.duckdb"
    dk.write_drop(root, 886, "2022-09-30")
    drops.ingest(db, root, ref, today=TODAY)
    _note(db, "Panel fees up")
    dk.write_drop(root, 303, "2022-09-30")
    drops.ingest(db, root, ref, today=TODAY)
    assert _versions(db) == ["raa.duckdb.v000001", "raa.duckdb.v000002", "raa.duckdb.v000003"]
    return db, root


def _cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("damage", ["missing", "empty", "truncated", "garbage"])
def test_damaged_current_version_falls_back_to_newest_intact_loudly(built, ref, damage: str, capsys) -> None:
    db, root = built
    current = warehouse.current_file(db)
    assert current.name == "raa.duckdb.v000003"
    if damage == "missing":
        current.unlink()
    elif damage == "empty":
        current.write_bytes(b"")
    elif damage == "truncated":
        data = current.read_bytes()
        current.write_bytes(data[: len(data) // 2])
    else:
        current.write_bytes(b"\0" * 20000)
    health = warehouse.health(db)
    assert health.file.name == "raa.duckdb.v000002"
    assert "v000003" in health.problem and "v000002" in health.problem
    assert _comments(db) == ["Panel fees up"]

    code, out, err = _cli(capsys, "ingest", str(root), "--db", str(db), "--json", "--today", TODAY.isoformat())
    assert code == 0, err
    assert "WARNING" in err and "v000002" in err
    assert [r["path"] for r in json.loads(out)["accepted"]] == ["303/2022-09-30"]
    assert warehouse.current_file(db).name == "raa.duckdb.v000004"
    assert warehouse.health(db).problem is None
    assert _comments(db) == ["Panel fees up"]


def test_no_intact_version_is_refused_and_nothing_is_rebuilt(built, ref, capsys) -> None:
    db, root = built
    for name in _versions(db):
        (db.parent / name).write_bytes(b"")
    with pytest.raises(warehouse.WarehouseError, match="no intact version"):
        warehouse.current_file(db)
    with pytest.raises(warehouse.WarehouseError):
        drops.first_build(db, root, ref, today=TODAY)
    code, out, err = _cli(capsys, "ingest", str(root), "--db", str(db), "--json", "--today", TODAY.isoformat())
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err and "no intact version" in err
    assert json.loads(out)["error"]["kind"] == "operational"
    assert _versions(db) == ["raa.duckdb.v000001", "raa.duckdb.v000002", "raa.duckdb.v000003"]
    assert all((db.parent / n).stat().st_size == 0 for n in _versions(db))


def test_a_dangling_link_never_rebuilds_an_empty_warehouse(built, ref) -> None:
    """The app's first-start check and `raa ingest` used to rebuild from the bundled drops, losing comments."""
    db, root = built
    (db.parent / "raa.duckdb.v000003").unlink()
    assert drops.first_build(db, root, ref, today=TODAY) is None
    assert _comments(db) == ["Panel fees up"]
    warehouse.ensure(db)
    assert _comments(db) == ["Panel fees up"]


def test_version_names_are_never_reused_even_after_deletion(built, ref) -> None:
    db, _ = built
    (db.parent / "raa.duckdb.v000003").unlink()  # the newest version deleted by hand
    _note(db, "second")
    assert warehouse.current_file(db).name == "raa.duckdb.v000004"
    for name in _versions(db):
        (db.parent / name).unlink()
    (db.parent / "raa.duckdb").unlink()
    warehouse.ensure(db)  # a fresh start in the same folder still never reuses a name
    assert warehouse.current_file(db).name == "raa.duckdb.v000005"


def _fail_copy_after(monkeypatch, err: int, text: str) -> None:
    def partial_copy(src, dst, *a, **k):
        with open(src, "rb") as fh, open(dst, "wb") as out:
            out.write(fh.read(5000))
        raise OSError(err, text)

    monkeypatch.setattr(warehouse.shutil, "copyfile", partial_copy)


@pytest.mark.parametrize(("err", "text"), [(errno.ENOSPC, "No space left on device"),
                                           (errno.EROFS, "Read-only file system")])
def test_disk_full_or_read_only_cleans_up_and_exits_2(built, monkeypatch, capsys, err: int, text: str) -> None:
    db, root = built
    before = warehouse.current_file(db)
    _fail_copy_after(monkeypatch, err, text)
    dk.write_drop(root, 887, "2022-09-30")
    code, out, stderr = _cli(capsys, "ingest", str(root), "--db", str(db), "--json", "--today", TODAY.isoformat())
    assert code == 2
    assert stderr.count("\n") == 1 and text in stderr and "Traceback" not in stderr
    assert json.loads(out) == {"error": {"kind": "operational", "message": stderr.strip().split(": ", 1)[1]}}
    assert warehouse.current_file(db) == before
    assert not [p.name for p in db.parent.iterdir() if ".tmp" in p.name]
    with pytest.raises(warehouse.WarehouseError, match=text):
        _note(db, "lost?")
    assert not [p.name for p in db.parent.iterdir() if ".tmp" in p.name]


def test_operational_failure_without_json_is_one_line(built, monkeypatch, capsys) -> None:
    db, root = built
    _fail_copy_after(monkeypatch, errno.ENOSPC, "No space left on device")
    dk.write_drop(root, 887, "2022-09-30")  # something to write (a run of unchanged drops writes nothing)
    code, out, err = _cli(capsys, "ingest", str(root), "--db", str(db), "--today", TODAY.isoformat())
    assert code == 2 and out == "" and len(err.splitlines()) == 1


def test_leftover_spill_folder_and_temp_files_are_swept(built) -> None:
    """A leftover `...tmp.tmp/` folder made every later write fail with IsADirectoryError."""
    db, _ = built
    spill = db.with_name("raa.duckdb.v000004.tmp.tmp")
    spill.mkdir()
    (spill / "duckdb_temp_block-1.block").write_bytes(b"x" * 100)
    db.with_name("raa.duckdb.v000004.tmp").write_bytes(b"partial")
    _note(db, "after the crash")
    assert _comments(db) == ["Panel fees up", "after the crash"]
    assert not [p.name for p in db.parent.iterdir() if ".tmp" in p.name]


def test_orphan_wal_of_a_crashed_write_is_never_replayed(built) -> None:
    """A comment whose save crashed (kill -9 after its insert) must never be published by the next write."""
    db, _ = built
    crash = textwrap.dedent(f"""
        import os, signal
        from raa_core.store import warehouse
        with warehouse.writing({str(db)!r}) as con:
            con.execute("INSERT INTO meta VALUES ('note 001', 'crashed save')")
            os.kill(os.getpid(), signal.SIGKILL)
    """)
    done = subprocess.run([sys.executable, "-c", crash], cwd=REPO, capture_output=True, timeout=60)
    assert done.returncode == -signal.SIGKILL
    assert [p.name for p in db.parent.glob("*.tmp.wal")], "the crash should leave a WAL behind"
    _note(db, "next save")
    assert _comments(db) == ["Panel fees up", "next save"]
    assert not [p.name for p in db.parent.iterdir() if ".tmp" in p.name]


def test_five_sessions_at_first_start_build_once(tmp_path: Path, ref) -> None:
    """Five sessions starting at once used to make four builds, and three were told '0 drops loaded'."""
    root, db = tmp_path / "drops", tmp_path / "wh" / "raa.duckdb"
    for la in (303, 886, 887):
        dk.write_drop(root, la, "2022-09-30")
    results: list[object] = []
    barrier = threading.Barrier(5)

    def session() -> None:
        barrier.wait()
        results.append(drops.first_build(db, root, ref, today=TODAY))

    threads = [threading.Thread(target=session) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    built = [r for r in results if r is not None]
    assert len(results) == 5 and len(built) == 1
    assert len(built[0].by("accepted")) == 3
    assert _versions(db) == ["raa.duckdb.v000001"]


def test_copy_of_a_foreign_file_as_link_target_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "wh" / "raa.duckdb"
    db.parent.mkdir()
    (db.parent / "raa.duckdb.v000001").write_text("not a database at all, but long enough " * 500)
    os.symlink("raa.duckdb.v000001", db)
    with pytest.raises(warehouse.WarehouseError, match="not a DuckDB database"):
        warehouse.Warehouse(db).connect()
    shutil.rmtree(db.parent)
