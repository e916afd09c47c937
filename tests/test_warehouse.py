"""The Warehouse object: current version, cached read-only connections per version file, a cursor per use,
thread safety, atomic publish; and no DuckDB connection to a warehouse file opened anywhere else."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from raa_core.warehouse import Warehouse

REPO = Path(__file__).resolve().parent.parent


def _count(wh: Warehouse) -> int:
    with wh.cursor() as con:
        return con.execute("SELECT count(*) FROM meta WHERE key LIKE 'n%'").fetchall()[0][0]


def _publish(wh: Warehouse, n: int) -> None:
    with wh.writing() as con:
        con.execute("INSERT INTO meta VALUES (?, 'x')", [f"n{n}"])


def test_missing_warehouse_names_its_path(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "raa.duckdb")
    assert wh.version == "missing" and not wh.exists()
    with pytest.raises(FileNotFoundError, match=str(tmp_path)), wh.cursor():
        pass


def test_cursor_reads_the_current_version_and_follows_each_publish(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "raa.duckdb")
    wh.ensure()
    first = wh.version
    assert _count(wh) == 0
    _publish(wh, 1)
    assert wh.version != first
    assert _count(wh) == 1
    _publish(wh, 2)
    assert _count(wh) == 2
    # one cached connection: superseded versions are closed once no cursor uses them
    assert list(wh._connections) == [wh.current_file()]


def test_a_cursor_in_use_keeps_its_version_through_a_publish(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "raa.duckdb")
    wh.ensure()
    with wh.cursor() as old:
        _publish(wh, 1)
        assert _count(wh) == 1  # a new use sees the new version...
        assert old.execute("SELECT count(*) FROM meta WHERE key LIKE 'n%'").fetchall() == [(0,)]  # ...this one not
    assert list(wh._connections) == [wh.current_file()]


def test_a_failed_write_publishes_nothing(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "raa.duckdb")
    wh.ensure()
    before = wh.version
    with pytest.raises(RuntimeError), wh.writing() as con:
        con.execute("INSERT INTO meta VALUES ('n1', 'x')")
        raise RuntimeError("boom")
    assert wh.version == before and _count(wh) == 0


def test_cursors_from_many_threads_while_versions_are_published(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path / "raa.duckdb")
    wh.ensure()
    errors: list[BaseException] = []
    seen: list[int] = []

    def read() -> None:
        try:
            for _ in range(30):
                seen.append(_count(wh))
        except BaseException as exc:
            errors.append(exc)

    readers = [threading.Thread(target=read) for _ in range(6)]
    for t in readers:
        t.start()
    for n in range(1, 6):
        _publish(wh, n)
    for t in readers:
        t.join()
    assert not errors, errors
    assert set(seen) <= set(range(6)) and _count(wh) == 5


def test_no_duckdb_connection_to_a_file_outside_the_warehouse_object() -> None:
    """`grep` for `duckdb.connect(`: product code opens only in-memory databases outside warehouse.py."""
    offenders = []
    for path in [REPO / "app.py", *REPO.glob("pages/*.py"), *REPO.glob("raa_app/*.py"), *REPO.glob("raa_core/*.py")]:
        if path.name == "warehouse.py":
            continue
        for i, line in enumerate(path.read_text().splitlines(), 1):
            for m in re.finditer(r"duckdb\.connect\(([^)]*)\)", line):
                if m.group(1).strip() not in ("", '":memory:"', "':memory:'"):
                    offenders.append(f"{path.relative_to(REPO)}:{i}: {line.strip()}")
            if "connect_read(" in line:
                offenders.append(f"{path.relative_to(REPO)}:{i}: {line.strip()}")
    assert not offenders, offenders
