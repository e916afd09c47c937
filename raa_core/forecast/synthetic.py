"""Synthetic journeys with known rates, for the forecast's tests and bench (docs/forecast.md, "Checking it").

Each council's children arrive at an ADM decision at `entrants` a month (Poisson); in each month in a stage
a child moves on with the stage's chance (`child_chances`: placement order, match, placement, adoption
order), so a stage lasts a geometric number of whole months; a child waiting for a placement order has its plan
reversed with chance `reversal` a month. Adopter households enquire at `enquiries` a month and move on with
`adopter_chances` (stage 2, approval, match), withdrawing at the enquiry stage with chance `withdrawal`. Every
event falls on the 15th of its month; events after `as_at` have not happened. Rows are shaped as the drop
contract's children and adopters tables (docs/drop-contract.md), with `la_code`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from raa_core.forecast.journeys import month_of


def _dates(m: np.ndarray, last: int) -> list[dt.date | None]:
    return [dt.date(int(x) // 12, int(x) % 12 + 1, 15) if x <= last else None for x in m]


def _run(rng: np.random.Generator, start: np.ndarray, chances: Sequence[float], leave: float, last: int
         ) -> tuple[list[np.ndarray], np.ndarray]:
    """Stage entry months (one array per later stage) and the leaving month (or past `last`)."""
    times = []
    t = start.copy()
    left = np.full(len(start), 10**6)
    for k, p in enumerate(chances):
        d = rng.geometric(p, len(t)) - 1
        if k == 0 and leave > 0:
            lv = rng.geometric(leave, len(t)) - 1
            out = lv < d
            left = np.where(out, t + lv, left)
            t = np.where(out, 10**6, t + d)
        else:
            t = np.where(t >= 10**6, t, t + d)
        times.append(t.copy())
    return times, left


def journeys(la_codes: Sequence[int], as_at: dt.date, years: int, *, entrants: float = 10.0,
             child_chances: Sequence[float] = (0.3, 0.2, 0.6, 0.15), reversal: float = 0.02,
             enquiries: float = 12.0, adopter_chances: Sequence[float] = (0.1, 0.2, 0.15),
             withdrawal: float = 0.05, interagency: float = 0.15, seed: int = 1,
             scale: Sequence[float] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Children and adopters rows of `years` years up to `as_at` for each council (see the module docstring);
    `scale` multiplies each council's entrants and enquiries."""
    rng = np.random.default_rng(seed)
    last = month_of(as_at)
    first = last - 12 * years + 1
    kids, adults = [], []
    for i, la in enumerate(la_codes):
        f = 1.0 if scale is None else scale[i]
        n = rng.poisson(entrants * f, last - first + 1)
        start = np.repeat(np.arange(first, last + 1), n)
        (po, mt, pl, ao), rev = _run(rng, start, child_chances, reversal, last)
        c = len(start)
        kids.append(pd.DataFrame({
            "la_code": la, "child_id": [f"S{la}-{k:06d}" for k in range(c)], "sex": "1",
            "date_of_birth": dt.date(2015, 1, 1), "entered_care_date": _dates(start - 3, last),
            "adm_decision_date": _dates(start, last), "placement_order_date": _dates(po, last),
            "matched_date": _dates(mt, last), "placed_date": _dates(pl, last),
            "adoption_order_date": _dates(ao, last), "plan_reversed_date": _dates(rev, last),
            "interagency": rng.random(c) < interagency, "sibling_group_id": None,
        }))
        e = rng.poisson(enquiries * f, last - first + 1)
        estart = np.repeat(np.arange(first, last + 1), e)
        (s2, ap, mt2), wd = _run(rng, estart, adopter_chances, withdrawal, last)
        h = len(estart)
        adults.append(pd.DataFrame({
            "la_code": la, "household_id": [f"H{la}-{k:06d}" for k in range(h)],
            "enquiry_date": _dates(estart, last), "stage2_start_date": _dates(s2, last),
            "approval_date": _dates(ap, last), "matched_date": _dates(mt2, last),
            "placed_date": _dates(mt2, last), "children_placed": np.where(mt2 <= last, 1, 0),
            "withdrawn_date": _dates(wd, last),
        }))
    return pd.concat(kids, ignore_index=True), pd.concat(adults, ignore_index=True)


def model_frames(children: pd.DataFrame, adopters: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Contract-shaped rows as the forecast's query returns them (`journeys.CHILDREN_SQL`, `ADOPTERS_SQL`),
    for running the model without a warehouse (the bench at scale)."""
    c = children.rename(columns={"la_code": "area"}).assign(area=lambda d: d["area"].astype(str))
    c["disruption_date"] = None
    c["sibling"] = c["sibling_group_id"].notna()
    a = adopters.rename(columns={"la_code": "area"}).assign(area=lambda d: d["area"].astype(str))
    return c, a
