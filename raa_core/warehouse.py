"""The DuckDB warehouse: its schema, and how readers and the one writer share it.

DuckDB lets one process write a file while no other process holds it, even read-only. So the live
warehouse is never written in place: a writer copies the current version to a new file beside it,
writes there, checkpoints, and then atomically repoints the `raa.duckdb` symlink at the new file.
Readers (the app, `raa kpi`) open whichever version the link names, read-only; every version has its
own file name, so a reader never sees a half-written file and DuckDB's per-path instance cache never
serves a stale one. A crash or `kill -9` mid-write leaves only an orphan temporary file.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import duckdb

from raa_core import sql
from raa_core.contract import SQL_TYPE, TABLES

DEFAULT_DB = Path(
    os.environ.get("RAA_DB", Path(__file__).resolve().parent.parent / "data" / "warehouse" / "raa.duckdb")
)
SCHEMA_VERSION = 1
_VERSION_RE = re.compile(r"\.v(\d{6})$")
KEEP_VERSIONS = 3
T = TypeVar("T")


def _drop_table_ddl() -> list[str]:
    ddl = []
    for spec in TABLES:
        cols = ",\n  ".join(f"{c.name} {SQL_TYPE[c.type]}" for c in spec.columns)
        ddl.append(
            f"CREATE TABLE IF NOT EXISTS {spec.name} (\n  drop_id INTEGER NOT NULL,\n"
            f"  la_code INTEGER NOT NULL,\n  {cols}\n)"
        )
        # a warehouse built before an optional column joined the contract (v2: children.disabled) gains it
        ddl += [f"ALTER TABLE {spec.name} ADD COLUMN IF NOT EXISTS {c.name} {SQL_TYPE[c.type]}" for c in spec.columns]
    return ddl


SCHEMA: list[str] = [
    """CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS drops (
        drop_id INTEGER PRIMARY KEY,
        la_code INTEGER NOT NULL,
        extract_date DATE NOT NULL,
        path VARCHAR NOT NULL,
        version INTEGER NOT NULL,
        fingerprint VARCHAR NOT NULL,
        files VARCHAR[] NOT NULL,
        loaded_at TIMESTAMP NOT NULL,
        UNIQUE (la_code, extract_date, version)
    )""",
    """CREATE TABLE IF NOT EXISTS drop_issues (
        attempt_id INTEGER NOT NULL,
        drop_id INTEGER,
        severity VARCHAR NOT NULL,
        file VARCHAR,
        "column" VARCHAR,
        rule VARCHAR NOT NULL,
        rows INTEGER[],
        row_count INTEGER,
        message VARCHAR NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS ingest_audit (
        attempt_id INTEGER PRIMARY KEY,
        path VARCHAR NOT NULL,
        la_code INTEGER,
        extract_date DATE,
        outcome VARCHAR NOT NULL,
        drop_id INTEGER,
        fingerprint VARCHAR,
        checksums VARCHAR,
        row_counts VARCHAR,
        errors INTEGER NOT NULL,
        warnings INTEGER NOT NULL,
        started_at TIMESTAMP NOT NULL,
        finished_at TIMESTAMP NOT NULL
    )""",
    *_drop_table_ddl(),
    # A warehouse built under an older contract gains the columns added since (e.g. children.disabled, v2).
    # Drops of the bundled synthetic sample (manifest "sample": true); see freshness.holds_only_sample.
    "CREATE TABLE IF NOT EXISTS sample_drops (drop_id INTEGER PRIMARY KEY)",
    "ALTER TABLE ingest_audit ADD COLUMN IF NOT EXISTS loaded_by VARCHAR",
    *[f"ALTER TABLE {spec.name} ADD COLUMN IF NOT EXISTS {c.name} {SQL_TYPE[c.type]}"
      for spec in TABLES for c in spec.columns],
    # The newest accepted drop of each council is its current state.
    """CREATE OR REPLACE VIEW current_drops AS
        SELECT la_code, arg_max(drop_id, (extract_date, version)) AS drop_id,
               max(extract_date) AS extract_date
        FROM drops GROUP BY la_code""",
    *[f"CREATE OR REPLACE VIEW {spec.name}_current AS {sql.current_state_sql(spec.name)}" for spec in TABLES],
]


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every table and view (idempotent)."""
    for stmt in SCHEMA:
        con.execute(stmt)
    con.execute(
        "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)]
    )


def current_file(db: Path) -> Path | None:
    """The version file the warehouse link names now, or None before the first build."""
    db = Path(db)
    if not db.exists():
        return None
    return db.resolve()


def version(db: Path) -> str:
    """A token that changes whenever a writer publishes a new version (cache key for readers)."""
    f = current_file(db)
    return f.name if f is not None else "missing"


@contextlib.contextmanager
def write_lock(db: Path) -> Iterator[None]:
    """Serialise writers (scheduled ingest, app commentary) across processes."""
    db = Path(db)
    db.parent.mkdir(parents=True, exist_ok=True)
    with open(db.with_name(db.name + ".lock"), "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _versions(db: Path) -> list[tuple[int, Path]]:
    found = []
    for p in db.parent.glob(db.name + ".v*"):
        m = _VERSION_RE.search(p.name)
        if m:
            found.append((int(m.group(1)), p))
    return sorted(found)


@contextlib.contextmanager
def writing(db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection to a new version; published atomically only if the block succeeds."""
    db = Path(db)
    with write_lock(db):
        for stale in db.parent.glob(db.name + ".v*.tmp"):
            stale.unlink(missing_ok=True)
        versions = _versions(db)
        n = versions[-1][0] + 1 if versions else 1
        target = db.with_name(f"{db.name}.v{n:06d}")
        tmp = target.with_name(target.name + ".tmp")
        src = current_file(db)
        if src is not None:
            shutil.copyfile(src, tmp)
        con = duckdb.connect(str(tmp))
        try:
            create_schema(con)
            yield con
            con.execute("CHECKPOINT")
        except BaseException:
            con.close()
            tmp.unlink(missing_ok=True)
            Path(str(tmp) + ".wal").unlink(missing_ok=True)
            raise
        con.close()
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        link_tmp = db.with_name(db.name + ".link.tmp")
        link_tmp.unlink(missing_ok=True)
        link_tmp.symlink_to(target.name)
        os.replace(link_tmp, db)
        dir_fd = os.open(db.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        # Readers of an unlinked old version keep reading it until they close.
        for _, old in _versions(db)[:-KEEP_VERSIONS]:
            old.unlink(missing_ok=True)


def ensure(db: Path) -> None:
    """Create an empty warehouse if there is none yet."""
    if current_file(db) is None:
        with writing(db):
            pass


class _Counting:
    """A DuckDB cursor that counts the statements run through it (`execute`, `sql`, `query`), for benches."""

    def __init__(self, cur: duckdb.DuckDBPyConnection) -> None:
        self._cur = cur
        self.statements = 0

    def __getattr__(self, name: str) -> object:
        got = getattr(self._cur, name)
        if name in ("execute", "sql", "query", "executemany"):
            def counted(*args: object, **kwargs: object) -> object:
                self.statements += 1
                return got(*args, **kwargs)
            return counted
        return got


class Warehouse:
    """The analytical warehouse: owns its current version, its read-only connections and its writer.

    Built once per process (the app's shell, the CLI, a bench) from the link path, e.g.
    `data/warehouse/raa.duckdb`, and passed in wherever figures are computed; never a global.

    - `version`: a token that changes on each publish (cache key for readers).
    - `cursor()`: a context manager yielding a read-only DuckDB cursor on the current version. One
      connection is opened per version file and shared (thread-safe: each use takes its own cursor, as a
      DuckDB connection must not be used from two threads); a connection to a superseded version is
      closed once its last cursor is returned. Opening retries briefly if a publish races the open.
    - `writing()`: a read-write connection to a new version, published atomically if the block succeeds.

    No other code calls `duckdb.connect` on a warehouse file. Raises FileNotFoundError (naming the path)
    when there is no warehouse yet.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._connections: dict[Path, duckdb.DuckDBPyConnection] = {}
        self._in_use: dict[Path, int] = {}
        self._stats = threading.local()  # per thread (a Streamlit session's script runs on its own thread)
        self.counting = False  # count statements per cursor (benches)

    def __repr__(self) -> str:
        return f"Warehouse({str(self.path)!r})"

    @property
    def version(self) -> str:
        """The current version's file name ('missing' before the first build)."""
        return version(self.path)

    def current_file(self) -> Path | None:
        """The version file the link names now, or None before the first build."""
        return current_file(self.path)

    def exists(self) -> bool:
        return self.current_file() is not None

    def _retrying(self, open_file: Callable[[Path], T], retries: int = 50, wait_s: float = 0.1) -> T:
        """Open the current version with `open_file`, retrying briefly if a publish races the open."""
        last: Exception | None = None
        for _ in range(retries):
            f = self.current_file()
            if f is None:
                raise FileNotFoundError(f"no warehouse at {self.path}: run `raa ingest` or start the app")
            try:
                return open_file(f)
            except (duckdb.IOException, duckdb.CatalogException) as exc:
                last = exc
                time.sleep(wait_s)
        raise RuntimeError(f"could not open warehouse {self.path}: {last}")

    def connect(self) -> duckdb.DuckDBPyConnection:
        """A read-only connection to the current version that the caller owns and closes: for a script or
        test that holds one connection for its whole life. The app and commands use `cursor()`."""
        return self._retrying(lambda f: duckdb.connect(str(f), read_only=True))

    def _take(self, f: Path) -> tuple[Path, duckdb.DuckDBPyConnection]:
        with self._lock:
            con = self._connections.get(f)
            if con is None:
                con = self._connections[f] = duckdb.connect(str(f), read_only=True)
            self._in_use[f] = self._in_use.get(f, 0) + 1
            return f, con

    def _release(self, f: Path) -> None:
        with self._lock:
            self._in_use[f] -= 1
            current = self.current_file()
            for old in [p for p in self._connections if p != current and not self._in_use.get(p)]:
                self._connections.pop(old).close()
                self._in_use.pop(old, None)

    @contextlib.contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only cursor on the current version, for one use (one script run, one command).

        With `counting=True` on the Warehouse (benches: `RAA_PROFILE`), the cursor is wrapped to count the
        statements run through it (`execute`, `sql`, `query`) for `usage()`."""
        f, con = self._retrying(self._take)
        cur = con.cursor()
        start = time.perf_counter()
        counted = _Counting(cur) if self.counting else None
        try:
            yield counted if counted is not None else cur  # type: ignore[misc]
        finally:
            cur.close()
            self._release(f)
            self._stats.uses = getattr(self._stats, "uses", 0) + 1
            self._stats.statements = getattr(self._stats, "statements", 0) + (counted.statements if counted else 0)
            self._stats.seconds = getattr(self._stats, "seconds", 0.0) + time.perf_counter() - start

    def usage(self, reset: bool = False) -> tuple[int, int, float]:
        """(cursors used, statements run through them, seconds spent using them) on this thread since the last
        reset: how often a script run reached DuckDB (cached results take none), how many SQL statements that
        took (counted only when `counting` is on, else 0) and the time (benches)."""
        got = (getattr(self._stats, "uses", 0), getattr(self._stats, "statements", 0),
               getattr(self._stats, "seconds", 0.0))
        if reset:
            self._stats.uses, self._stats.statements, self._stats.seconds = 0, 0, 0.0
        return got

    @contextlib.contextmanager
    def writing(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection to a new version; published atomically only if the block succeeds."""
        with writing(self.path) as con:
            yield con

    def ensure(self) -> None:
        """Create an empty warehouse if there is none yet."""
        ensure(self.path)

    def close(self) -> None:
        """Close every cached connection (cursors in use keep theirs until returned)."""
        with self._lock:
            for f in list(self._connections):
                if not self._in_use.get(f):
                    self._connections.pop(f).close()
