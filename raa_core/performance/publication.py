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


def published_extra(snapshot: Snapshot, extra: pd.DataFrame, publication: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(shown, view) of the scorecard's adopter and context indicators (`recruitment.extra_indicators`): counts
    suppressed as every count (`suppression.suppress_table`, each indicator's areas together so the region
    cannot give a council away), A12's percentage as every percentage (its numerator and denominator)."""
    s = snapshot.ref.settings
    parts = [
        suppression.suppress_table(extra[extra["unit"] == "count"], s, counts=["value", "count", "n"],
                                   group_by=["indicator"]),
        suppression.suppress_table(extra[extra["unit"] == "%"], s, counts=["count", "n"],
                                   pcts={"value": ("count", "n")}, group_by=["indicator"]),
    ]
    shown = pd.concat(parts).loc[extra.index]
    return shown, suppression.masked(extra, shown) if publication else extra
