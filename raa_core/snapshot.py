"""One pinned view of the warehouse for one script run or one command: the `Snapshot`.

A Snapshot is built once (the app's shell at the top of each script run, the CLI at the start of each command,
a bench or a test once) and passed down to every `raa_core` function that reads figures, with the request
(`raa_core.requests`) that says what is asked for. It holds:

- `version`: the warehouse version file it is pinned to (the cache key of everything computed from it);
- `cursor()`: read-only cursors on *that* version file, never on whatever is current by the time a later loader
  runs, so an ingest published in the middle of a run cannot mix two versions' figures in one page;
- `ref`: the reference data (councils, thresholds, settings, roles);
- `today`: the day figures are judged on (London's date; the bundled sample's own date while only it is held).

Modelled on Fava's `FilteredLedger`: built once per request, cached by its arguments.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

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

    def cursor(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        """A read-only cursor on the pinned version, for one use: `with snapshot.cursor() as con:`."""
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


def pin(warehouse: Warehouse, ref: Reference, today: dt.date) -> Snapshot:
    """The warehouse's current version pinned with the reference data and the day figures are judged on."""
    file = warehouse.current_file()
    return Snapshot(version=file.name if file is not None else MISSING, ref=ref, today=today,
                    _open=lambda: warehouse.cursor(file))


def over(con: duckdb.DuckDBPyConnection, ref: Reference, today: dt.date, version: str = "connection") -> Snapshot:
    """A snapshot over a connection the caller holds (tests' in-memory warehouses, the ingest's own checks):
    each use takes its own cursor of `con`."""

    @contextlib.contextmanager
    def open_cursor() -> Iterator[duckdb.DuckDBPyConnection]:
        cur = con.cursor()
        try:
            yield cur
        finally:
            cur.close()

    return Snapshot(version=version, ref=ref, today=today, _open=open_cursor)
