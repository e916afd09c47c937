"""What happened, month by month, counted exactly as the forecast counts it (docs/forecast.md, "Backtest").

From the same stage spells as the model (`journeys`): ADM decisions are the children's first spells; placement
orders, matches, placements and adoption orders are the moves out of the stage before; children waiting are
those in the first three stages at the month's end; approvals are households moving on from stage 2;
interagency placements are the placed children marked interagency, and their fees the fee in force in the
month (`fees.child_fee`, siblings at the sibling rate, as at the fit's as-at date). Approvals needed is a
planning figure, not an event, so it has no actual.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

from raa_core.forecast import fees
from raa_core.forecast.journeys import ADVANCE, Journeys, Spells, month_end, month_start
from raa_core.reference import Reference

REGION = "region"


def _events(s: Spells, stage: int, n_a: int, first: int, last: int) -> np.ndarray:
    m = (s.stage == stage) & (s.outcome == ADVANCE) & (s.end >= first) & (s.end <= last)
    out = np.zeros((n_a, last - first + 1), dtype=np.int64)
    np.add.at(out, (s.area[m], s.end[m] - first), 1)
    return out


def monthly(j: Journeys, ref: Reference, first: int, last: int) -> dict[str, np.ndarray]:
    """Per measure, actuals per area x month (first..last); fees in Decimal pounds (object array)."""
    n_a = len(j.areas)
    width = last - first + 1
    s = j.children
    entries = np.zeros((n_a, width), dtype=np.int64)
    m = s.first & (s.entry >= first) & (s.entry <= last)
    np.add.at(entries, (s.area[m], s.entry[m] - first), 1)
    waiting = np.zeros((n_a, width), dtype=np.int64)
    for i, mo in enumerate(range(first, last + 1)):
        open_ = (s.stage <= 2) & (s.entry <= mo) & (s.end > mo)
        np.add.at(waiting[:, i], s.area[open_], 1)
    ia = np.zeros((n_a, width), dtype=np.int64)
    sib = np.zeros((n_a, width), dtype=np.int64)
    p = j.placed_interagency & (j.placed_month >= first) & (j.placed_month <= last)
    np.add.at(ia, (j.placed_area[p], j.placed_month[p] - first), 1)
    ps = p & j.placed_sibling
    np.add.at(sib, (j.placed_area[ps], j.placed_month[ps] - first), 1)
    single = [fees.blended_child_fee(ref, month_start(mo), j.as_at, sibling=False) for mo in range(first, last + 1)]
    double = [fees.blended_child_fee(ref, month_start(mo), j.as_at, sibling=True) for mo in range(first, last + 1)]
    money = np.empty((n_a, width), dtype=object)
    for a in range(n_a):
        for i in range(width):
            money[a, i] = (ia[a, i] - sib[a, i]) * single[i] + sib[a, i] * double[i]
    return {
        "adm_decisions": entries, "placement_orders": _events(s, 0, n_a, first, last),
        "matches": _events(s, 1, n_a, first, last), "placements": _events(s, 2, n_a, first, last),
        "adoption_orders": _events(s, 3, n_a, first, last), "children_waiting": waiting,
        "approvals": _events(j.adopters, 1, n_a, first, last), "interagency_placements": ia,
        "interagency_fees_gbp": money,
    }


def actuals(j: Journeys, ref: Reference, first: int, last: int) -> pd.DataFrame:
    """Monthly actuals per area (and the region) and measure: columns area, measure, start, end, actual."""
    got = monthly(j, ref, first, last)
    rows = []
    for meas, arr in got.items():
        region = arr.sum(axis=0) if meas != "interagency_fees_gbp" else np.array(
            [sum(arr[:, i], Decimal(0)) for i in range(arr.shape[1])], dtype=object)
        for area, series in [*zip(j.areas, arr, strict=True), (REGION, region)]:
            for i, v in enumerate(series):
                mo = first + i
                rows.append((area, meas, month_start(mo), month_end(mo), v if isinstance(v, Decimal) else int(v)))
    return pd.DataFrame(rows, columns=["area", "measure", "start", "end", "actual"])
