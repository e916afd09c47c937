"""The app's one cached data layer: every figure a page shows comes through `load`.

`load(fn, *args, **kwargs)` calls the `raa_core` function `fn(snapshot, *args, **kwargs)` with this script run's
pinned `Snapshot` (`raa_app.shell.snapshot()`, built once per run) and caches the result by the function, the
snapshot's key (warehouse version and day) and the arguments (requests are frozen records, so they hash). An
ingest published in the middle of a run cannot mix versions: every load of the run reads the pinned version,
and the next run pins the new one (a new key, so nothing stale is served).

Pages never write their own cached loader wrappers; a result is a DataFrame or a frozen record (Streamlit's
`cache_data` hands each caller its own copy).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

from raa_core.snapshot import Snapshot

T = TypeVar("T")


@st.cache_data(show_spinner=False, max_entries=512)
def _cached(name: str, key: tuple[Any, ...], args: tuple[Any, ...], kwargs: tuple[tuple[str, Any], ...],
            _fn: Callable[..., Any], _snapshot: Snapshot) -> Any:
    return _fn(_snapshot, *args, **dict(kwargs))


def load(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`fn(snapshot, *args, **kwargs)` for this run's snapshot, cached by (function, snapshot, arguments)."""
    from raa_app import shell

    return load_for(shell.snapshot(), fn, *args, **kwargs)


def load_for(snap: Snapshot, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`load` for a given snapshot rather than this run's (`load` itself, and tests comparing two snapshots)."""
    return _cached(f"{fn.__module__}.{fn.__qualname__}", snap.key, args, tuple(sorted(kwargs.items())), fn, snap)


def clear() -> None:
    """Forget every cached figure (tests clear caches between AppTests)."""
    _cached.clear()
