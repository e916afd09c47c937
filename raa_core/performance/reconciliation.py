"""Reconciliation: every figure the business case published beside the figure computed from the drops.

The reference data (`published_figures.csv`) holds the business case's table; A1 and A2 compare the
mean days, A3 compares the count (the printed percentages cannot all come from whole children, so the
computed percentage is shown beside the printed one rather than compared). The business case measured its
differences against 425 / 121 days, so the reconciliation uses the `business_case` threshold set
(docs/indicators.md) and says so in every row.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from raa_core.performance.indicators import scorecards
from raa_core.periods import parse_period
from raa_core.presentation import DASH, count_text, display, missing, percent_text, signed_count
from raa_core.reference import THRESHOLD_SET_SHORT, Reference
from raa_core.requests import CURRENT, AsAt, PerformanceRequest
from raa_core.snapshot import Snapshot

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


def reconcile(snapshot: Snapshot, data: AsAt = CURRENT) -> pd.DataFrame:
    """A row per published figure (reference data): published, computed from the drops (as at the request's
    `as_at`), their
    difference, and whether they agree; differences to threshold against the business case's own set
    (`RECONCILIATION_THRESHOLDS`), so its printed differences reproduce (docs/indicators.md)."""
    ref = snapshot.ref
    published = pd.DataFrame([f.model_dump() for f in ref.published])
    if published.empty:
        return pd.DataFrame(columns=COLUMNS)
    periods = [parse_period(p) for p in dict.fromkeys(published["period"])]
    request = PerformanceRequest(period=periods[0], as_at=data.as_at, thresholds=RECONCILIATION_THRESHOLDS)
    computed = scorecards(snapshot, request, periods)
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


def summary(rec: pd.DataFrame, ref: Reference) -> str:
    """The sentence above the reconciliation table (Markdown): how many published figures the drops reproduce,
    and the business case's own thresholds the differences use, from the thresholds reference data (A1 and A2
    days in force at the end of the latest published period)."""
    ends = [parse_period(p).end for p in dict.fromkeys(f.period for f in ref.published)] or [dt.date.max]
    held = [ref.threshold(i, max(ends), RECONCILIATION_THRESHOLDS) for i in ("A1", "A2")]
    days = " / ".join(str(t) for t in held if t is not None)
    named = THRESHOLD_SET_SHORT[RECONCILIATION_THRESHOLDS] + (f": {days} days" if days else ": none in reference data")
    return (
        f"**{int(rec['matches'].sum())} of {len(rec)}** published figures reproduced from the drops. Differences "
        f"to threshold use the **business case** set ({named}), as printed."
    )


def shown(rec: pd.DataFrame, ref: Reference) -> pd.DataFrame:
    """`reconcile`'s rows as people read them (the page's table and its download): the indicator's short name,
    the area's name, counts as text with a dash where there is no figure, "Yes"/"No" for agreement and the
    threshold set by its name (docs/indicators.md)."""
    names = display.council_names(ref)
    n = count_text
    return pd.DataFrame({
        "Indicator": [display.label("indicator_short", i) for i in rec["indicator"]],
        "Period": list(rec["period"]),
        "Area": [display.area_label(a, names) for a in rec["area"]],
        "Compares": ["children (count)" if c == "count" else "mean days" for c in rec["compares"]],
        "Published": [n(v) for v in rec["published"]],
        "Computed": [n(v) for v in rec["computed"]],
        "Difference": [signed_count(v) for v in rec["difference"]],
        "Agrees": ["Yes" if bool(m) else "No" for m in rec["matches"]],
        "Published %": [percent_text(v, 0) for v in rec["published_pct"]],
        "Computed %": [percent_text(v, 0) for v in rec["computed_pct"]],
        "Children (n)": [n(v) for v in rec["n"]],
        "Threshold (days)": [n(v) for v in rec["threshold"]],
        "Threshold set": [THRESHOLD_SET_SHORT.get(str(s), DASH) if not missing(s) else DASH
                          for s in rec["threshold_set"]],
        "Published difference from threshold": [signed_count(v) for v in rec["published_difference"]],
        "Computed difference from threshold": [signed_count(v) for v in rec["computed_difference"]],
        "Note": list(rec["note"]),
    })
