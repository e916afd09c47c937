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
import json
import logging
import os
import re
import shutil
import stat
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from raa_core.errors import Fault, NoData, Refused, operational
from raa_core.ingest.contract import SQL_TYPE, TABLES
from raa_core.store import sql

DEFAULT_DB = Path(
    os.environ.get("RAA_DB", Path(__file__).resolve().parent.parent / "data" / "warehouse" / "raa.duckdb")
)
SCHEMA_VERSION = 1
_VERSION_RE = re.compile(r"\.v(\d{6})$")
#: Versions kept by default: the newest N (settings.json `keep_versions` for ingests; docs/operations.md).
KEEP_VERSIONS = 5
T = TypeVar("T")
#: Readers of this process holding a cursor on a version file (summed over every Warehouse object): retention
#: never removes one of these. Another process's reader holds an open file, which removal cannot disturb.
_HELD: dict[Path, int] = {}
_HELD_LOCK = threading.Lock()


def _hold(f: Path, delta: int) -> None:
    f = Path(os.path.abspath(f))
    with _HELD_LOCK:
        n = _HELD.get(f, 0) + delta
        if n > 0:
            _HELD[f] = n
        else:
            _HELD.pop(f, None)


def held() -> set[Path]:
    """The version files a reader of this process holds a cursor on now."""
    with _HELD_LOCK:
        return set(_HELD)


def retain(db: Path, keep: int = KEEP_VERSIONS) -> list[str]:
    """Remove version files older than the newest `keep`, except any a reader of this process holds; returns the
    names removed. A reader in another process keeps reading a removed file through its open handle (Linux frees
    the data when the last handle closes). Called by the writer after each publish, under the writer lock."""
    versions = _versions(db)
    keep_files = {Path(os.path.abspath(p)) for _, p in versions[-max(1, keep):]} | held()
    removed = [p for _, p in versions if Path(os.path.abspath(p)) not in keep_files]
    for old in removed:
        _remove(old)
    state = _load_state(db)
    kept = {p.name for _, p in _versions(db)}
    state["sizes"] = {name: size for name, size in state["sizes"].items() if name in kept}
    with contextlib.suppress(OSError):
        _save_state(db, state)
    if removed:
        _log.info("warehouse %s: removed versions older than the newest %d: %s", db, keep,
                  ", ".join(p.name for p in removed))
    return [p.name for p in removed]


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
    # Contract v3's optional ASGLB columns each drop carried (a column not listed was not provided: coverage.provided)
    "CREATE TABLE IF NOT EXISTS drop_columns (drop_id INTEGER NOT NULL, tbl VARCHAR NOT NULL, col VARCHAR NOT NULL)",
    "ALTER TABLE ingest_audit ADD COLUMN IF NOT EXISTS loaded_by VARCHAR",
    # the form a drop's children data came in: 'parquet' or '903' (docs/ssda903.md); NULL without children data
    "ALTER TABLE drops ADD COLUMN IF NOT EXISTS children_form VARCHAR",
    "ALTER TABLE ingest_audit ADD COLUMN IF NOT EXISTS children_form VARCHAR",
    *[f"ALTER TABLE {spec.name} ADD COLUMN IF NOT EXISTS {c.name} {SQL_TYPE[c.type]}"
      for spec in TABLES for c in spec.columns],
    # The newest accepted drop of each council is its current state.
    f"""CREATE OR REPLACE VIEW current_drops AS
        SELECT la_code, {sql.newest_drop_sql()} AS drop_id,
               max(extract_date) AS extract_date
        FROM drops GROUP BY la_code""",
    *[f"CREATE OR REPLACE VIEW {spec.name}_current AS {sql.current_state_sql(spec.name)}" for spec in TABLES],
]


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every table and view (idempotent)."""
    for stmt in SCHEMA:
        sql.execute(con, stmt)
    sql.execute(con, "INSERT OR REPLACE INTO meta VALUES ('schema_version', $version)",
                {"version": str(SCHEMA_VERSION)})


class WarehouseError(Fault):
    """An operational failure of the warehouse (damaged or missing versions, disk full, read-only folder).

    Told apart from a rejected drop: the command line exits 2 with this one-line message.
    """


class AlreadyBuilt(Refused):
    """A first-start build found that another session or process had built the warehouse meanwhile: the
    build is refused (never shown to a person: `drops.first_build` takes it as "nothing to do")."""


class NoWarehouse(NoData, FileNotFoundError):
    """No warehouse at the path given yet (no link, no version file): the figures asked for need data it does
    not hold. A FileNotFoundError too, so code that catches the missing file keeps working."""


_DUCK_MAGIC = b"DUCK"
_HEADER_BYTES = 3 * 4096
_log = logging.getLogger("raa.warehouse")


def owner_folder(path: Path) -> None:
    """Create the folder `path` (and missing parents) if missing, owner-only (0700) whatever the umask; a folder
    that exists is left as its owner set it. The live files hold password hashes and personal data: see
    docs/operations.md "File permissions"."""
    path = Path(path)
    if not path.is_dir():
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(path, 0o700)


def write_private(path: Path, data: bytes) -> None:
    """Write an export (a workbook, a PDF) readable by its owner only (0600) whatever the umask: created 0600
    before a byte is written, and an earlier file of that name made 0600 too (docs/operations.md "File
    permissions"). Raises OSError as writing does (`raa_core.errors.os_sentence` says it in words)."""
    owner_only(path, create=True)
    Path(path).write_bytes(data)


def owner_only(path: Path, *, create: bool = False) -> None:
    """Make the file `path` readable and writable by its owner only (0600), whatever the umask; with `create`,
    create it empty first if missing. A missing file (without `create`) is left missing, and so is the mode of a
    file another user owns (only its owner may change it; it stays as that owner set it)."""
    path = Path(path)
    if create:
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    with contextlib.suppress(FileNotFoundError, PermissionError):
        if stat.S_IMODE(path.stat().st_mode) != 0o600:
            os.chmod(path, 0o600)


def _state_file(db: Path) -> Path:
    return db.with_name(db.name + ".published.json")


def _load_state(db: Path) -> dict[str, Any]:
    """The writer's ledger: the next version number (never reused) and each published file's size."""
    try:
        state = json.loads(_state_file(db).read_text("utf-8"))
        if isinstance(state, dict) and isinstance(state.get("next"), int) and isinstance(state.get("sizes"), dict):
            return state
    except (OSError, ValueError):
        pass
    return {"next": 1, "sizes": {}}


def _save_state(db: Path, state: dict[str, Any]) -> None:
    tmp = _state_file(db).with_name(_state_file(db).name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # owner-only whatever the umask
    with open(fd, "w", encoding="utf-8") as fh:
        json.dump(state, fh, sort_keys=True)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, _state_file(db))


def damage(path: Path, expected_size: int | None = None) -> str | None:
    """Why a version file cannot be trusted (missing, not a regular file, 0 bytes, truncated, not DuckDB), or None.

    Cheap enough for every page run: one stat and a 12-byte read. A size recorded at publish time catches a
    truncated copy whose header survived.
    """
    try:
        st = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return f"{path.name} is missing"
    except OSError as exc:
        return f"{path.name} cannot be read: {exc.strerror}"
    if not stat.S_ISREG(st.st_mode):
        return f"{path.name} is not a regular file"
    if st.st_size == 0:
        return f"{path.name} is empty (0 bytes)"
    if st.st_size < _HEADER_BYTES:
        return f"{path.name} is truncated ({st.st_size} bytes)"
    if expected_size is not None and st.st_size != expected_size:
        return f"{path.name} is {st.st_size} bytes but was published with {expected_size}: truncated or overwritten"
    try:
        with open(path, "rb") as fh:
            head = fh.read(12)
    except OSError as exc:
        return f"{path.name} cannot be read: {exc.strerror}"
    if head[8:12] != _DUCK_MAGIC:
        return f"{path.name} is not a DuckDB database (bad header)"
    return None


@dataclass(frozen=True, slots=True)
class Health:
    """Which version file readers use, and why it is not the one the link names (if so)."""

    file: Path | None
    problem: str | None = None


def health(db: Path) -> Health:
    """The version to read: the one the link names if intact, else the newest intact version kept (loudly).

    Returns `Health(None)` only when there is no warehouse at all (no link, no version file): the one case
    where a first build from the drops is right. Raises WarehouseError when version files exist but none is
    intact, so an empty warehouse is never built over them.
    """
    db = Path(db)
    sizes = _load_state(db)["sizes"]
    named: Path | None = None
    if db.is_symlink():
        named = db.parent / os.readlink(db)
    elif db.exists():
        named = db  # a plain file: a warehouse from before versions (or copied by hand)
    if named is not None:
        why = damage(named, sizes.get(named.name))
        if why is None:
            return Health(named)
    else:
        why = None
    versions = [p for _, p in _versions(db) if p != named]
    if not versions and named is None:
        return Health(None)
    for _, candidate in sorted(((n, p) for n, p in _versions(db) if p != named), reverse=True):
        if damage(candidate, sizes.get(candidate.name)) is None:
            problem = (f"the warehouse link {'names ' + why if why else 'is missing'}; "
                       f"using the newest intact version {candidate.name}")
            _log.error("warehouse %s: %s", db, problem)
            return Health(candidate, problem)
    raise WarehouseError(
        f"warehouse {db}: {why or 'the link is missing'} and no intact version is kept "
        f"({len(versions)} other version files checked); restore it from backup "
        "(nothing was rebuilt, so nothing more was lost)")


def current_file(db: Path) -> Path | None:
    """The version file to read now (see `health`), or None before the first build."""
    return health(db).file


def version(db: Path) -> str:
    """A token that changes whenever a writer publishes a new version (cache key for readers)."""
    f = current_file(db)
    return f.name if f is not None else "missing"


@contextlib.contextmanager
def write_lock(db: Path) -> Iterator[None]:
    """Serialise writers (scheduled ingest, app commentary) across processes."""
    db = Path(db)
    owner_folder(db.parent)
    with open(db.with_name(db.name + ".lock"), "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _versions(db: Path) -> list[tuple[int, Path]]:
    """Published version files beside the link (regular files named `<link>.vNNNNNN`), oldest first."""
    found = []
    for p in db.parent.glob(db.name + ".v*"):
        m = _VERSION_RE.search(p.name)
        if m and p.is_file() and not p.is_symlink():
            found.append((int(m.group(1)), p))
    return sorted(found)


def _remove(path: Path) -> None:
    """Remove a file, link or folder if present (cleanup must not fail the cleanup)."""
    with contextlib.suppress(OSError):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _sweep(db: Path) -> list[str]:
    """Remove what a crashed writer left: temp copies, their WAL (never replayed), DuckDB's spill folder."""
    left = [*db.parent.glob(db.name + ".v*.tmp*"), db.with_name(db.name + ".link.tmp"),
            _state_file(db).with_name(_state_file(db).name + ".tmp")]
    removed = []
    for p in left:
        if p.exists() or p.is_symlink():
            _remove(p)
            removed.append(p.name)
    if removed:
        _log.warning("warehouse %s: removed leftovers of an interrupted write: %s", db, ", ".join(removed))
    return removed


def _fail(action: str, exc: BaseException) -> WarehouseError:
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc).splitlines()[0]
    return WarehouseError(f"could not {action}: {reason}")


@contextlib.contextmanager
def writing(db: Path, *, first_build: bool = False, keep: int | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection to a new version; published atomically only if the block succeeds.

    The new version starts as a copy of the current one (`health`: the newest intact version if the link's
    is damaged, loudly; never an empty file while versions exist). Its name comes from a counter that only
    grows, so no name is ever reused. Any failure, or a kill, leaves the published version as it was;
    leftovers (temp copy, its WAL, DuckDB's spill folder) are removed at once, or by the next writer.
    With `first_build`, raises AlreadyBuilt if a version exists by the time the lock is held. After publishing,
    versions older than the newest `keep` (default KEEP_VERSIONS) are removed (`retain`).
    Raises WarehouseError for operational failures (disk full, read-only folder, damaged warehouse).
    """
    db = Path(db)
    try:
        owner_folder(db.parent)
    except OSError as exc:
        raise _fail(f"create the warehouse folder {db.parent}", exc) from exc
    with write_lock(db):
        _sweep(db)
        src = health(db).file
        if first_build and src is not None:
            raise AlreadyBuilt(str(src))
        state = _load_state(db)
        numbers = [n for n, _ in _versions(db)]
        numbers += [int(m.group(1)) for p in db.parent.glob(db.name + ".v*")
                    if (m := re.search(r"\.v(\d{6})", p.name))]
        n = max([state["next"], *(x + 1 for x in numbers)])
        target = db.with_name(f"{db.name}.v{n:06d}")
        tmp = target.with_name(target.name + ".tmp")
        spill = target.with_name(target.name + ".tmp.tmp")
        published = False
        try:
            state["next"] = n + 1  # reserved before use: a crash below never frees the name
            _save_state(db, state)
        except OSError as exc:
            raise _fail(f"write to the warehouse folder {db.parent}", exc) from exc
        try:
            try:
                if src is not None:
                    shutil.copyfile(src, tmp)
                con = duckdb.connect(str(tmp), config={"temp_directory": str(spill)})
                owner_only(tmp)  # the version file holds personal data: owner-only whatever the umask
            except (OSError, duckdb.Error) as exc:
                raise _fail(f"start a new warehouse version from {src.name if src else 'nothing'}", exc) from exc
            try:
                create_schema(con)
                yield con
                sql.execute(con, "CHECKPOINT")
            finally:
                con.close()
            try:
                with open(tmp, "rb") as fh:
                    os.fsync(fh.fileno())
                size = tmp.stat().st_size
                os.replace(tmp, target)
                link_tmp = db.with_name(db.name + ".link.tmp")
                link_tmp.unlink(missing_ok=True)
                link_tmp.symlink_to(target.name)
                state["sizes"][target.name] = size
                _save_state(db, state)
                os.replace(link_tmp, db)
                published = True
                dir_fd = os.open(db.parent, os.O_RDONLY)
                try:
                    os.fsync(dir_fd)
                finally:
                    os.close(dir_fd)
            except OSError as exc:
                raise _fail(f"publish warehouse version {target.name}", exc) from exc
        except BaseException as exc:  # removes the unpublished files, then re-raises (a Fault if the machine failed)
            for left in (tmp, Path(str(tmp) + ".wal"), spill, db.with_name(db.name + ".link.tmp")):
                _remove(left)
            if not published:
                _remove(target)
            if operational(exc) and not isinstance(exc, WarehouseError):
                raise _fail(f"write warehouse version {target.name}", exc) from exc
            raise
        _remove(spill)
        # Readers of an unlinked old version keep reading it until they close.
        retain(db, KEEP_VERSIONS if keep is None else keep)


def ensure(db: Path) -> None:
    """Create an empty warehouse if there is none yet (never while version files exist: see `health`)."""
    if current_file(db) is None:
        with contextlib.suppress(AlreadyBuilt), writing(db, first_build=True):
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

    No other code calls `duckdb.connect` on a warehouse file. Raises NoWarehouse (NoData, naming the path)
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
                raise NoWarehouse(f"no warehouse at {self.path}: run `raa ingest` or start the app")
            try:
                return open_file(f)
            except (duckdb.IOException, duckdb.CatalogException) as exc:
                last = exc
                time.sleep(wait_s)
        raise WarehouseError(f"could not open warehouse {self.path}: {last}")

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
            _hold(f, 1)
            return f, con

    def _release(self, f: Path) -> None:
        with self._lock:
            self._in_use[f] -= 1
            _hold(f, -1)
            current = self.current_file()
            for old in [p for p in self._connections if p != current and not self._in_use.get(p)]:
                self._connections.pop(old).close()
                self._in_use.pop(old, None)

    @contextlib.contextmanager
    def cursor(self, pinned: Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only cursor on the current version, or on the `pinned` version file of a `Snapshot`, for one
        use (one script run, one command).

        With `counting=True` on the Warehouse (benches: `RAA_PROFILE`), the cursor is wrapped to count the
        statements run through it (`execute`, `sql`, `query`) for `usage()`."""
        f, con = self._take(pinned) if pinned is not None else self._retrying(self._take)
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
