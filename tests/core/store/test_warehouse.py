"""The Warehouse object: current version, cached read-only connections per version file, a cursor per use,
thread safety, atomic publish; and no DuckDB connection to a warehouse file opened anywhere else."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from raa_core.store.warehouse import Warehouse

REPO = Path(__file__).resolve().parents[3]


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
    for path in [REPO / "app.py", *REPO.glob("pages/*.py"), *REPO.glob("raa_app/*.py"), *REPO.glob("raa_core/**/*.py")]:
        if path.name == "warehouse.py":
            continue
        for i, line in enumerate(path.read_text().splitlines(), 1):
            for m in re.finditer(r"duckdb\.connect\(([^)]*)\)", line):
                if m.group(1).strip() not in ("", '":memory:"', "':memory:'"):
                    offenders.append(f"{path.relative_to(REPO)}:{i}: {line.strip()}")
    assert not offenders, offenders


def test_usage_counts_cursors_and_with_counting_on_the_statements_run_through_them(tmp_path: Path) -> None:
    """The page bench's figures (RAA_PROFILE): cursors taken and SQL statements run on this thread."""
    wh = Warehouse(tmp_path / "raa.duckdb")
    wh.ensure()
    wh.usage(reset=True)
    _count(wh)
    assert wh.usage()[:2] == (1, 0)  # counting off: the cursor is DuckDB's own, statements not counted
    wh.counting = True
    wh.usage(reset=True)
    with wh.cursor() as con:
        con.execute("SELECT 1").fetchall()
        con.sql("SELECT 2").fetchall()
        assert con.execute("SELECT 3").fetchone() == (3,)
    _count(wh)
    cursors, statements, seconds = wh.usage(reset=True)
    assert (cursors, statements) == (2, 4) and seconds >= 0
    assert wh.usage() == (0, 0, 0.0)
    # per thread: another thread's use does not count here
    t = threading.Thread(target=_count, args=(wh,))
    t.start()
    t.join()
    assert wh.usage()[:2] == (0, 0)


def test_the_deprecated_shims_are_gone() -> None:
    """Issue 8: every reader goes through Warehouse; every as-at state through sql.state_sql ($as_at)."""
    from raa_core.store import warehouse

    assert not hasattr(warehouse, "connect_read") and not hasattr(warehouse, "state_sql")
