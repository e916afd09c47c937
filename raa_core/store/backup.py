"""Back up and restore the service: one warehouse version, its link and ledger, and the app-state store.

A backup is a folder holding a copy of the warehouse version readers use now (`raa.duckdb.vNNNNNN`: version files
are immutable once published, so a copy of one is consistent however long it takes), the link and publication
record naming it (`raa.duckdb.published.json`), a copy of the app-state store (`appstate.sqlite3`, taken with
SQLite's online backup API, so a consistent copy while the app writes), and `manifest.json` saying what each
file is, its size and sha256, when (London time) and by which release. It is taken while the app serves and an
ingest may run: the version file is pinned first by opening it, so a publish or the retention of old versions
that removes its name meanwhile cannot change what is copied (Linux keeps an open file's data until it is
closed). The writer lock is taken only when the version named by the link keeps vanishing before it can be
opened, and then only for the moment of opening it.

Restoring checks every file against the manifest first, then publishes the version under a version number never
used at the target (so no reader's cached connection can serve a stale file) and the store. It refuses a location
that already holds a warehouse or a store unless told to replace them (`force`). Everything written is
owner-only (files 0o600, folders 0o700) whatever the umask. See docs/operations.md "Back up and restore".
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import importlib.metadata
import json
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from raa_core.clock import LONDON_ZONE
from raa_core.errors import BadInput, Fault, NoData, Refused
from raa_core.store import sql, warehouse
from raa_core.store.appstate import FILE_NAME as STORE_FILE
from raa_core.store.appstate import MIGRATIONS

MANIFEST = "manifest.json"
FORMAT = 1
PACKAGE = "raa-core"
_CHUNK = 1 << 20
_OPEN_RETRIES = 20


def _owner_folder(path: Path) -> None:
    """Create `path` (and missing parents) owner-only, whatever the umask."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)


def _new_file(path: Path) -> int:
    """A new owner-only file opened for writing (fails if one exists)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.fchmod(fd, 0o600)
    return fd


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _copy_fd(src_fd: int, dest: Path) -> tuple[int, str]:
    """Copy an open file (from its start) to a new owner-only file; returns (bytes, sha256)."""
    h = hashlib.sha256()
    size = 0
    out = _new_file(dest)
    try:
        offset = 0
        while chunk := os.pread(src_fd, _CHUNK, offset):
            offset += len(chunk)
            h.update(chunk)
            view = memoryview(chunk)
            while view:
                view = view[os.write(out, view):]
            size += len(chunk)
        os.fsync(out)
    finally:
        os.close(out)
    return size, h.hexdigest()


@contextlib.contextmanager
def _pinned(db: Path) -> Iterator[tuple[Path, int]]:
    """The current version file, opened: (its path, an open descriptor) for the block.

    The descriptor keeps the file's data readable even if a publish and the retention of old versions remove its
    name meanwhile. Raises NoData when there is no warehouse, Fault when none can be opened."""
    for attempt in range(_OPEN_RETRIES + 1):
        try:
            if attempt < _OPEN_RETRIES:
                file = warehouse.current_file(db)
                fd = os.open(file, os.O_RDONLY) if file is not None else None
            else:  # the named version kept vanishing: hold off writers for the moment of opening
                with warehouse.write_lock(db):
                    file = warehouse.current_file(db)
                    fd = os.open(file, os.O_RDONLY) if file is not None else None
        except FileNotFoundError:
            continue
        except warehouse.WarehouseError as exc:
            raise Fault(str(exc)) from exc
        if file is None or fd is None:
            raise NoData(f"there is no warehouse at {db} to back up (run raa ingest first)")
        try:
            yield file, fd
        finally:
            os.close(fd)
        return
    raise Fault(f"could not open the current warehouse version at {db}: it kept being replaced")


def _copy_store(src: Path, dest: Path) -> int:
    """A consistent copy of a SQLite store with the online backup API; returns its schema version."""
    fd = _new_file(dest)
    os.close(fd)
    source = sqlite3.connect(f"file:{src}?mode=ro", uri=True, timeout=10)
    try:
        target = sqlite3.connect(dest)
        try:
            source.backup(target)
            version = int(sql.sqlite_execute(target, "PRAGMA user_version").fetchone()[0])
            sql.sqlite_execute(target, "PRAGMA journal_mode = DELETE")  # one self-contained file, no WAL beside it
        finally:
            target.close()
    except sqlite3.Error as exc:
        raise Fault(f"could not copy the app-state store {src}: {exc}") from exc
    finally:
        source.close()
    os.chmod(dest, 0o600)
    return version


def release() -> dict[str, str | None]:
    """Which release took a backup: the installed package's version and the git commit of its source, if any."""
    try:
        version: str | None = importlib.metadata.version(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        version = None
    commit = None
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        got = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).resolve().parent, capture_output=True,
                             text=True, timeout=5, check=False)
        if got.returncode == 0 and got.stdout.strip():
            commit = got.stdout.strip()
    return {"package": PACKAGE, "version": version, "commit": commit}


def _empty_or_new(folder: Path) -> None:
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise Refused(f"{folder} is not an empty folder: a backup is written only into a new or empty folder, "
                      "so it never mixes with another one")


def backup(db: Path, out: Path, store: Path | None = None) -> dict[str, Any]:
    """Back up the warehouse at link `db` and the app-state store (`store`, default beside `db`) into `out`.

    Returns the manifest written to `out/manifest.json`: `format`, `taken_at` (London, ISO 8601), `release`
    (`release()`), `warehouse` (link name, version file, bytes, sha256), `store` (file, bytes, sha256, schema
    version; None when there is no store yet) and `files` (every file with its bytes and sha256). Raises Refused
    when `out` is not new or empty, NoData without a warehouse, Fault when a file cannot be read or written.
    """
    db, out = Path(db), Path(out)
    store = Path(store) if store is not None else db.parent / STORE_FILE
    _empty_or_new(out)
    try:
        return _write_backup(db, out, store)
    except BaseException:
        # a backup that failed leaves no half-written files behind (the folder itself stays, empty)
        if out.is_dir():
            for p in out.iterdir():
                with contextlib.suppress(OSError):
                    p.unlink()
        raise


def _write_backup(db: Path, out: Path, store: Path) -> dict[str, Any]:
    try:
        _owner_folder(out)
        with _pinned(db) as (file, fd):
            expected = warehouse._load_state(db)["sizes"].get(file.name)
            have = os.fstat(fd).st_size
            if (expected is not None and have != expected) or os.pread(fd, 12, 0)[8:12] != b"DUCK":
                raise Fault(f"the current warehouse version {file.name} is damaged ({have} bytes, published with "
                            f"{expected}); nothing was backed up: restore an earlier backup")
            size, digest = _copy_fd(fd, out / file.name)
        ledger = warehouse._load_state(db)
        match = warehouse._VERSION_RE.search(file.name)
        number = int(match.group(1)) if match else 0
        record = {"next": max(int(ledger["next"]), number + 1), "sizes": {file.name: size}}
        ledger_name = db.name + ".published.json"
        fd_ledger = _new_file(out / ledger_name)
        with os.fdopen(fd_ledger, "w", encoding="utf-8") as fh:
            json.dump(record, fh, sort_keys=True)
        files = [{"name": file.name, "role": "warehouse", "bytes": size, "sha256": digest},
                 {"name": ledger_name, "role": "ledger", "bytes": (out / ledger_name).stat().st_size,
                  "sha256": _sha256(out / ledger_name)}]
        store_record: dict[str, Any] | None = None
        if store.exists():
            schema = _copy_store(store, out / STORE_FILE)
            store_record = {"file": STORE_FILE, "bytes": (out / STORE_FILE).stat().st_size,
                            "sha256": _sha256(out / STORE_FILE), "schema_version": schema}
            files.append({"name": STORE_FILE, "role": "store", "bytes": store_record["bytes"],
                          "sha256": store_record["sha256"]})
        manifest = {
            "format": FORMAT,
            "taken_at": dt.datetime.now(LONDON_ZONE).isoformat(timespec="seconds"),
            "release": release(),
            "warehouse": {"link": db.name, "version": file.name, "bytes": size, "sha256": digest},
            "store": store_record,
            "files": files,
        }
        fd_manifest = _new_file(out / MANIFEST)
        with os.fdopen(fd_manifest, "w", encoding="utf-8") as fh:
            json.dump(manifest, fh, indent=2, sort_keys=True)
            fh.write("\n")
    except OSError as exc:
        raise Fault(f"could not write the backup in {out}: {exc.strerror or exc}") from exc
    return manifest


@dataclass(frozen=True, slots=True)
class Restored:
    """What a restore published: the version file at the target, and the store (None when the backup had none)."""

    version: Path
    store: Path | None
    manifest: dict[str, Any]


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of a backup folder, its shape checked. Raises BadInput when missing or not a manifest."""
    path = Path(folder) / MANIFEST
    try:
        doc = json.loads(path.read_text("utf-8"))
    except FileNotFoundError as exc:
        raise BadInput(f"{folder} is not a backup: it has no {MANIFEST}") from exc
    except (OSError, ValueError) as exc:
        raise BadInput(f"the backup's {MANIFEST} cannot be read: {exc}") from exc
    ok = (isinstance(doc, dict) and doc.get("format") == FORMAT and isinstance(doc.get("files"), list)
          and isinstance(doc.get("warehouse"), dict)
          and all(isinstance(f, dict) and isinstance(f.get("name"), str) and isinstance(f.get("bytes"), int)
                  and isinstance(f.get("sha256"), str) and f.get("role") in ("warehouse", "ledger", "store")
                  and "/" not in f["name"] and f["name"] not in ("", ".", "..") for f in doc["files"])
          and sum(f["role"] == "warehouse" for f in doc["files"]) == 1)
    if not ok:
        raise BadInput(f"the backup's {MANIFEST} is not a manifest this release can read (format {FORMAT})")
    return doc


def verify(folder: Path) -> dict[str, Any]:
    """Check every file of a backup against its manifest (present, size, sha256, the warehouse file intact).

    Returns the manifest. Raises BadInput for a missing or unreadable manifest, Refused naming the first file
    that does not match (nothing is restored from a backup that fails)."""
    folder = Path(folder)
    doc = read_manifest(folder)
    for f in doc["files"]:
        path = folder / f["name"]
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise Refused(f"the backup is incomplete: {f['name']} is missing or unreadable ({exc.strerror})") from exc
        if size != f["bytes"]:
            raise Refused(f"the backup is damaged: {f['name']} is {size} bytes but the manifest says {f['bytes']}")
        if _sha256(path) != f["sha256"]:
            raise Refused(f"the backup is damaged: {f['name']} does not match its sha256 in the manifest")
    wh = next(f for f in doc["files"] if f["role"] == "warehouse")
    if (why := warehouse.damage(folder / wh["name"], wh["bytes"])) is not None:
        raise Refused(f"the backup is damaged: {why}")
    return doc


def _store_schema(folder: Path, doc: dict[str, Any]) -> None:
    """Refuse a backup whose app-state store was migrated past this release's migrations (`appstate.MIGRATIONS`):
    this release would not know its tables. Read from the store file itself (the manifest records it too)."""
    store_file = next((f for f in doc["files"] if f["role"] == "store"), None)
    if store_file is None:
        return
    try:
        con = sqlite3.connect(f"file:{folder / store_file['name']}?mode=ro", uri=True)
        try:
            have = int(sql.sqlite_execute(con, "PRAGMA user_version").fetchone()[0])
        finally:
            con.close()
    except sqlite3.Error as exc:
        raise Refused(f"the backup is damaged: its app-state store {store_file['name']} cannot be read ({exc})") from exc
    if have > len(MIGRATIONS):
        by = (doc.get("release") or {}).get("version") or "a newer release"
        raise Refused(f"the backup's app-state store has schema version {have}, newer than this release's "
                      f"{len(MIGRATIONS)} (the backup was taken by {by}), so nothing was restored. Restore it with "
                      "the release that took it, or a newer one.")


def _occupied(db: Path, store: Path) -> list[str]:
    held = []
    if db.is_symlink() or db.exists() or warehouse._versions(db):
        held.append(f"a warehouse at {db}")
    if store.exists():
        held.append(f"an app-state store at {store}")
    return held


def restore(folder: Path, db: Path, *, force: bool = False) -> Restored:
    """Restore a backup folder to the warehouse link `db` and the store beside it (`appstate.sqlite3`).

    Every file is checked first (`verify`). Into an empty location the version keeps its number; with `force`
    over a live one it is published under the next unused number, atomically, while holding the writer lock
    (readers keep the version they pinned), and the store is replaced in place with SQLite's backup API (the
    app's connections see the restored rows on their next transaction). Raises BadInput/Refused as `verify`,
    Refused when the backup's store has a schema version newer than this release's migrations, Refused when the
    location holds a warehouse or store and `force` is not given, Fault on a write failure.
    """
    folder, db = Path(folder), Path(db)
    doc = verify(folder)
    _store_schema(folder, doc)
    store = db.parent / STORE_FILE
    held = _occupied(db, store)
    if held and not force:
        them = "them" if len(held) > 1 else "it"
        raise Refused(f"{' and '.join(held)} already {'exist' if len(held) > 1 else 'exists'}; restoring would "
                      f"replace {them}, so nothing was restored. Give --force to replace {them} (back {them} up "
                      "first with raa backup).")
    wh = next(f for f in doc["files"] if f["role"] == "warehouse")
    store_file = next((f for f in doc["files"] if f["role"] == "store"), None)
    try:
        if not db.parent.exists():
            _owner_folder(db.parent)
        with warehouse.write_lock(db):
            state = warehouse._load_state(db)
            match = warehouse._VERSION_RE.search(wh["name"])
            number = int(match.group(1)) if match else 1
            used = [n for n, _ in warehouse._versions(db)]
            n = max([number, int(state["next"]), *(x + 1 for x in used)])
            target = db.with_name(f"{db.name}.v{n:06d}")
            tmp = target.with_name(target.name + ".tmp")
            tmp.unlink(missing_ok=True)
            src = os.open(folder / wh["name"], os.O_RDONLY)
            try:
                size, digest = _copy_fd(src, tmp)
            finally:
                os.close(src)
            if (size, digest) != (wh["bytes"], wh["sha256"]):
                tmp.unlink(missing_ok=True)
                raise Fault(f"the copy of {wh['name']} does not match the backup; nothing was restored")
            os.replace(tmp, target)
            state["next"] = n + 1
            state["sizes"][target.name] = size
            warehouse._save_state(db, state)
            os.chmod(warehouse._state_file(db), 0o600)
            link_tmp = db.with_name(db.name + ".link.tmp")
            link_tmp.unlink(missing_ok=True)
            link_tmp.symlink_to(target.name)
            os.replace(link_tmp, db)
        restored_store = None
        if store_file is not None:
            if not store.exists():
                os.close(_new_file(store))
            source = sqlite3.connect(f"file:{folder / store_file['name']}?mode=ro", uri=True)
            try:
                live = sqlite3.connect(store, timeout=10)
                try:
                    source.backup(live)
                    with contextlib.suppress(sqlite3.Error):  # the app's own connections set it again anyway
                        sql.sqlite_execute(live, "PRAGMA journal_mode = WAL")
                finally:
                    live.close()
            finally:
                source.close()
            os.chmod(store, 0o600)
            restored_store = store
    except OSError as exc:
        raise Fault(f"could not restore into {db.parent}: {exc.strerror or exc}") from exc
    except sqlite3.Error as exc:
        raise Fault(f"could not restore the app-state store {store}: {exc}") from exc
    return Restored(version=target, store=restored_store, manifest=doc)


def disk_usage(db: Path, store: Path | None = None) -> DiskUsage:
    """Bytes on disk of the warehouse (every version file kept, plus the ledger) and of the app-state store (its
    file with its WAL and shared-memory files), for the Overview page and docs/operations.md "Retention and disk".
    """
    db = Path(db)
    store = Path(store) if store is not None else db.parent / STORE_FILE
    versions = warehouse._versions(db)
    wh = 0
    for _, p in versions:
        with contextlib.suppress(OSError):
            wh += p.stat().st_size
    st = 0
    for p in (store, store.with_name(store.name + "-wal"), store.with_name(store.name + "-shm")):
        with contextlib.suppress(OSError):
            st += p.stat().st_size
    return DiskUsage(warehouse_bytes=wh, versions=len(versions), store_bytes=st)


@dataclass(frozen=True, slots=True)
class DiskUsage:
    """Disk used by the warehouse's version files (`versions` of them) and by the app-state store, in bytes."""

    warehouse_bytes: int
    versions: int
    store_bytes: int

    @property
    def total_bytes(self) -> int:
        return self.warehouse_bytes + self.store_bytes
