"""The publication view of the performance pages' tables: what may be shown, and what charts draw.

Each function takes the run's snapshot (its reference settings hold the small-number rules, docs/indicators.md
"Small numbers") so the app's one cached data layer (`raa_app.data.load`) caches it like any figure: suppression
and masking are pure functions of small frames, but pandas makes them the larger part of a warm page run.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from raa_core import suppression
from raa_core.snapshot import Snapshot


def published(snapshot: Snapshot, raw: pd.DataFrame, publication: bool,
              rules: tuple[tuple[str, Any], ...] = ()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(shown, view) of a table: its publication strings (`suppression.suppress_table` with `rules`, the keyword
    arguments as sorted pairs) and the frame charts draw: masked where publishing, else the table itself."""
    shown = suppression.suppress_table(raw, snapshot.ref.settings, **dict(rules))
    return shown, suppression.masked(raw, shown) if publication else raw


def published_scorecard(snapshot: Snapshot, sc: pd.DataFrame, publication: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(shown, view) of a scorecard, as `published` for a table (`suppression.suppress_scorecard`)."""
    shown = suppression.suppress_scorecard(sc, snapshot.ref.settings)
    return shown, suppression.masked(sc, shown) if publication else sc
