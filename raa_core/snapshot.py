"""One pinned view of the warehouse for one script run or one command: the `Snapshot`.

A Snapshot is built once (the app's shell at the top of each script run, the CLI at the start of each command,
a bench or a test once) and passed down to every `raa_core` function that reads figures, with the request
(`raa_core.requests`) that says what is asked for. It holds:

- `version`: the warehouse version file it is pinned to (the cache key of everything computed from it);
- `cursor()`: read-only cursors on *that* version file, never on whatever is current by the time a later loader
  runs, so an ingest published in the middle of a run cannot mix two versions' figures in one page;
- `ref`: the reference data (councils, thresholds, settings, roles);
- `today`: the day figures are judged on (London's date; the bundled sample's own date while only it is held:
  `pin` applies that rule, `raa_core.ingest.freshness.judged_on`, so the app and the CLI agree on the day).

Modelled on Fava's `FilteredLedger`: built once per request, cached by its arguments.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from raa_core.errors import NoData
from raa_core.store.sql import query

if TYPE_CHECKING:
    import duckdb

    from raa_core.reference import Reference
    from raa_core.store.warehouse import Warehouse


@dataclass(frozen=True, eq=False)
class Snapshot:
    """A warehouse version pinned for one run, with its reference data and day (see the module docstring).

    Equality and hashing follow `key` = (version, today): two snapshots of one version on one day give the same
    figures, so caches keyed by a snapshot and a request are shared between sessions. Build one with `pin`
    (a warehouse's current version) or `over` (a connection a test or the ingest already holds).
    """

    version: str
    ref: Reference = field(repr=False)
    today: dt.date
    _open: Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]] = field(repr=False)
    _held: Callable[[], bool] = field(repr=False, default=lambda: True)

    @property
    def key(self) -> tuple[str, dt.date]:
        return (self.version, self.today)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Snapshot) and other.key == self.key

    def __hash__(self) -> int:
        return hash(self.key)

    def exists(self) -> bool:
        """Whether a warehouse version was held when the snapshot was pinned."""
        return self.version != MISSING

    def held(self) -> bool:
        """Whether the pinned version file is still held: False once retention (`raa_core.store.warehouse.retain`)
        has removed it after newer versions were published (a fragment's rerun keeping an old run's snapshot)."""
        return not self.exists() or self._held()

    def cursor(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        """A read-only cursor on the pinned version, for one use: `with snapshot.cursor() as con:`.

        Raises NoData when the pinned version has since been removed by retention (pin again for the current
        one)."""
        if not self.held():
            raise NoData(GONE.format(version=self.version))
        return self._open()

    def frame(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        """The rows of one query on the pinned version as a DataFrame, through the one SQL door
        (`raa_core.store.sql.query`: named parameters only)."""
        with self.cursor() as con:
            return query(con, sql, params).df()

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """The rows of one query on the pinned version as tuples, through the one SQL door."""
        with self.cursor() as con:
            return query(con, sql, params).fetchall()


#: The version of a snapshot taken before the warehouse's first build.
MISSING = "missing"
#: What a snapshot says when its version has been removed by retention since it was pinned.
GONE = ("The warehouse version these figures were read from ({version}) has since been replaced by newer data "
        "and removed: run the command again, or reload the page, to read the current version.")


def pin(warehouse: Warehouse, ref: Reference, today: dt.date) -> Snapshot:
    """The warehouse's current version pinned with the reference data and the day figures are judged on.

    `today` is the calendar's day (London's date, or a test's fixed day); the snapshot's `today` is the day
    freshness and figures are judged on (`raa_core.ingest.freshness.judged_on` over the pinned version): that
    day, or the bundled sample's own as-at date while only the sample is held. Both the app's shell and the CLI
    pin through here, so a page and `raa boardpack` say the same "as at" (docs/operations.md)."""
    file = warehouse.current_file()
    if file is None:
        return Snapshot(version=MISSING, ref=ref, today=today, _open=warehouse.cursor)
    snap = Snapshot(version=file.name, ref=ref, today=today, _open=lambda: warehouse.cursor(file),
                    _held=file.exists)
    return dataclasses.replace(snap, today=_judged_on(str(file), file.stat().st_mtime_ns, today, snap))


@functools.lru_cache(maxsize=64)
def _judged_on(file: str, written_ns: int, today: dt.date, snap: Snapshot) -> dt.date:
    """The day a version file is judged on, cached by (file, when written, calendar day): a published version
    file never changes, so each script run of the app need not ask it again."""
    from raa_core.ingest import freshness

    return freshness.judged_on(snap)


def over(con: duckdb.DuckDBPyConnection, ref: Reference, today: dt.date, version: str | None = None) -> Snapshot:
    """A snapshot over a connection the caller holds (tests' in-memory warehouses, the ingest's own checks):
    each use takes its own cursor of `con`. Its version is the caller's name for it, else one of its own per
    connection (`connection-<id>`), so caches keyed by snapshots never share figures between two connections.
    The day is taken as given (no judged-on rule: the caller holds the connection and says the day)."""

    @contextlib.contextmanager
    def open_cursor() -> Iterator[duckdb.DuckDBPyConnection]:
        cur = con.cursor()
        try:
            yield cur
        finally:
            cur.close()

    return Snapshot(version=version if version is not None else f"connection-{id(con)}", ref=ref, today=today,
                    _open=open_cursor)
