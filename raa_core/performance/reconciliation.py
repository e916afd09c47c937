"""Reconciliation: every figure the business case published beside the figure computed from the drops.

The reference data (`published_figures.csv`) holds the business case's table; A1 and A2 compare the
mean days, A3 compares the count (the printed percentages cannot all come from whole children, so the
computed percentage is shown beside the printed one rather than compared). The business case measured its
differences against 425 / 121 days, so the reconciliation uses the `business_case` threshold set
(spec indicators.md v2) and says so in every row.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from raa_core.performance.indicators import scorecards
from raa_core.periods import parse_period
from raa_core.reference import Reference

#: The threshold set the business case's printed differences were measured against.
RECONCILIATION_THRESHOLDS = "business_case"
COLUMNS: list[str] = [
    "indicator",
    "period",
    "area",
    "compares",
    "published",
    "computed",
    "difference",
    "matches",
    "published_pct",
    "computed_pct",
    "n",
    "threshold",
    "threshold_set",
    "published_difference",
    "computed_difference",
    "note",
]


def reconcile(con: duckdb.DuckDBPyConnection, ref: Reference, as_at: dt.date | None = None) -> pd.DataFrame:
    """A row per published figure: published, computed, their difference, and whether they agree."""
    published = pd.DataFrame([f.model_dump() for f in ref.published])
    if published.empty:
        return pd.DataFrame(columns=COLUMNS)
    periods = [parse_period(p) for p in dict.fromkeys(published["period"])]
    computed = scorecards(con, periods, ref, as_at, RECONCILIATION_THRESHOLDS)
    merged = published.merge(computed, on=["indicator", "period", "area"], how="left", suffixes=("_pub", ""))
    is_a3 = merged["indicator"] == "A3"
    out = pd.DataFrame(
        {
            "indicator": merged["indicator"].astype(str),
            "period": merged["period"].astype(str),
            "area": merged["area"].astype(str),
            "compares": ["count" if a3 else "days" for a3 in is_a3],
        }
    )
    out["published"] = pd.array(
        [c if a3 else v for a3, c, v in zip(is_a3, merged["count_pub"], merged["value_pub"], strict=True)],
        dtype="Int64",
    )
    out["computed"] = pd.array(
        [c if a3 else v for a3, c, v in zip(is_a3, merged["count"], merged["value"], strict=True)],
        dtype="Int64",
    )
    out["difference"] = (out["computed"] - out["published"]).astype("Int64")
    out["published_pct"] = pd.array(merged["pct"], dtype="Int64")
    out["computed_pct"] = pd.array(
        [v if a3 else None for a3, v in zip(is_a3, merged["value"], strict=True)], dtype="Int64"
    )
    out["n"] = pd.array(merged["n"], dtype="Int64")
    out["threshold"] = pd.array(merged["threshold_pub"], dtype="Int64")
    out["threshold_set"] = [RECONCILIATION_THRESHOLDS if pd.notna(t) else None for t in out["threshold"]]
    out["published_difference"] = pd.array(merged["difference_pub"], dtype="Int64")
    out["computed_difference"] = pd.array(
        [None if pd.isna(t) else d for t, d in zip(out["threshold"], merged["difference"], strict=True)],
        dtype="Int64",
    )
    agree = (out["difference"] == 0).fillna(False)
    diff_agree = (
        out["published_difference"].isna() | (out["published_difference"] == out["computed_difference"])
    ).fillna(False)
    out["matches"] = (agree & diff_agree).astype(bool)
    out["note"] = merged["note"].fillna("").astype(str)
    return out[COLUMNS]
