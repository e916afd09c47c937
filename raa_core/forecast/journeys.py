"""The children's and adopters' journeys the forecast learns from, as whole-month stage spells (docs/forecast.md).

Dates become month numbers (year x 12 + month - 1). A child's stages are ADM decision -> placement order ->
matched -> placed -> adoption order; an adopter household's are enquiry -> stage 2 -> approval -> matched. The
spec's registration stage is not a stage of its own: registration (`roi_date`) and stage 1 are counted in the
enquiry stage, which starts at the enquiry, else the registration, else the end of stage 1 (why: both dates are
optional in the drop contract, so a registration stage would be learnt from only the households holding both,
and approvals depend on when households reach stage 2 and approval; docs/forecast.md, "How it works"). A
missing stage date that a later stage has is taken as that later date (a child adopted without a recorded
placement was placed in the adoption order's month), and stage dates never go backwards (a match recorded
before the placement order counts in the order's month, as A2 counts 0 days). A spell is one stay in a stage:
it ends by moving on, by leaving (a child's plan reversed or a household withdrawn; for a placed child, a
disruption, after which the child waits again from the disruption's month) or is still open.

Every date after the as-at date is treated as not yet happened, so a fit "as at" an earlier date sees only
what was known then (the backtest's origins).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from raa_core.errors import NoData
from raa_core.requests import CURRENT, AsAt, DataRequest
from raa_core.snapshot import Snapshot
from raa_core.store.sql import state_sql

#: A month number meaning "never" (no date, or a date after the as-at date).
NEVER = 10**7
#: Outcomes of a spell.
ADVANCE, LEAVE, OPEN = 0, 1, 2

CHILDREN_SQL = f"""
SELECT CAST(c.la_code AS VARCHAR) AS area, c.adm_decision_date, c.placement_order_date, c.matched_date, c.placed_date,
       c.adoption_order_date, c.plan_reversed_date,
       CASE WHEN c.disruption_date >= c.placed_date AND NOT coalesce(c.matched_date > c.disruption_date, false)
            THEN c.disruption_date END AS disruption_date,
       coalesce(c.interagency, false) AS interagency, c.sibling_group_id IS NOT NULL AS sibling
FROM ({state_sql("children")}) c
WHERE coalesce(c.adm_decision_date, c.placement_order_date, c.matched_date, c.placed_date,
               c.adoption_order_date) IS NOT NULL
"""
ADOPTERS_SQL = f"""
SELECT CAST(a.la_code AS VARCHAR) AS area,
       coalesce(a.enquiry_date, a.roi_date, a.stage1_end_date) AS enquiry_date, a.stage2_start_date,
       a.approval_date, a.matched_date, a.withdrawn_date, coalesce(a.children_placed, 0) AS children_placed
FROM ({state_sql("adopters")}) a
WHERE coalesce(a.enquiry_date, a.roi_date, a.stage1_end_date, a.stage2_start_date, a.approval_date,
               a.matched_date) IS NOT NULL
"""
CHILD_DATES = ("adm_decision_date", "placement_order_date", "matched_date", "placed_date", "adoption_order_date")
ADOPTER_DATES = ("enquiry_date", "stage2_start_date", "approval_date", "matched_date")
LATEST_SQL = "SELECT max(extract_date) FROM drops WHERE $as_at IS NULL OR extract_date <= CAST($as_at AS DATE)"


def month_of(day: dt.date) -> int:
    """A date's month number (year x 12 + month - 1)."""
    return day.year * 12 + day.month - 1


def month_start(m: int) -> dt.date:
    """The first day of month number `m`."""
    return dt.date(m // 12, m % 12 + 1, 1)


def month_end(m: int) -> dt.date:
    """The last day of month number `m`."""
    return month_start(m + 1) - dt.timedelta(days=1)


def months(col: pd.Series, as_at: dt.date) -> np.ndarray:
    """A date column as month numbers; missing dates and dates after `as_at` are `NEVER`."""
    d = pd.to_datetime(col, errors="coerce")
    d = d.where(d <= pd.Timestamp(as_at))
    m = (d.dt.year * 12 + d.dt.month - 1).to_numpy(dtype="float64", na_value=np.nan)
    return np.where(np.isnan(m), NEVER, m).astype(np.int64)


@dataclass(frozen=True)
class Spells:
    """Stage spells of one pipeline: a row per spell (area index, stage, entry month, end month, outcome);
    `first` marks a pipeline's first spell (its new entrants)."""

    area: np.ndarray
    stage: np.ndarray
    entry: np.ndarray
    end: np.ndarray
    outcome: np.ndarray
    first: np.ndarray


def stage_months(df: pd.DataFrame, cols: tuple[str, ...], as_at: dt.date) -> np.ndarray:
    """The month each row entered each stage (columns in stage order), filled back from later stages and
    never going backwards (see the module docstring); `NEVER` where the row has not reached the stage."""
    t = np.stack([months(df[c], as_at) for c in cols], axis=1) if len(df) else np.zeros((0, len(cols)), np.int64)
    for i in range(len(cols) - 2, -1, -1):
        t[:, i] = np.where(t[:, i] == NEVER, t[:, i + 1], t[:, i])
    return np.where(t == NEVER, NEVER, np.maximum.accumulate(np.where(t == NEVER, -1, t), axis=1))


def spells(t: np.ndarray, leave: list[np.ndarray], area: np.ndarray) -> Spells:
    """Spells of `t` (rows x stages+1 entry months; the last column is the end of the pipeline), leaving a stage
    at `leave[stage]` (months) where that comes before moving on."""
    parts = []
    for k in range(t.shape[1] - 1):
        entry, nxt, out = t[:, k], t[:, k + 1], leave[k]
        inn = (entry < NEVER) & (out >= entry)
        adv = inn & (nxt < NEVER) & (nxt <= out)
        lv = inn & ~adv & (out < NEVER)
        end = np.where(adv, nxt, np.where(lv, out, NEVER))
        outcome = np.where(adv, ADVANCE, np.where(lv, LEAVE, OPEN))
        parts.append((area[inn], np.full(inn.sum(), k), entry[inn], end[inn], outcome[inn], np.full(inn.sum(), k == 0)))
    cols = [np.concatenate([p[i] for p in parts]) for i in range(6)]
    return Spells(*cols)


def join(a: Spells, b: Spells) -> Spells:
    """Two sets of spells of one pipeline as one."""
    return Spells(*(np.concatenate([getattr(a, f), getattr(b, f)]) for f in
                    ("area", "stage", "entry", "end", "outcome", "first")))


@dataclass(frozen=True)
class Journeys:
    """What the forecast reads from the warehouse at an as-at date, as month numbers (see the module docstring).

    `children`: spells of stages 0 ADM decision, 1 placement order, 2 matched, 3 placed (a LEAVE from stage 3 is a
    disruption, and the child's next spell is in stage 1); `adopters`: stages 0 enquiry, 1 stage 2, 2 approved.
    `placed_month`, `placed_area`, `placed_interagency`, `placed_sibling`: each child's placement (for the
    interagency share and the fees); `household_children`: children placed per household placed.
    """

    as_at: dt.date
    areas: tuple[str, ...]
    children: Spells
    adopters: Spells
    placed_month: np.ndarray
    placed_area: np.ndarray
    placed_interagency: np.ndarray
    placed_sibling: np.ndarray
    household_month: np.ndarray
    household_children: np.ndarray


def from_frames(children: pd.DataFrame, adopters: pd.DataFrame, as_at: dt.date,
                areas: tuple[str, ...] | None = None) -> Journeys:
    """Journeys from the rows of `CHILDREN_SQL` and `ADOPTERS_SQL` (or frames shaped like them), cut at `as_at`."""
    found = sorted(set(children["area"].astype(str)) | set(adopters["area"].astype(str)))
    codes = tuple(sorted(set(areas or ()) | set(found), key=lambda a: (len(a), a)))
    index = {a: i for i, a in enumerate(codes)}
    c_area = np.array([index[str(a)] for a in children["area"]], dtype=np.int64)
    t = stage_months(children, CHILD_DATES, as_at)
    rev = months(children["plan_reversed_date"], as_at)
    dis = months(children["disruption_date"], as_at)
    placed_leave = np.minimum(dis, rev)
    kids = spells(t, [rev, rev, rev, placed_leave], c_area)
    # a disrupted child waits again (placement order stage) from the disruption's month
    back = (dis < NEVER) & (t[:, 3] <= dis) & (t[:, 4] > dis)
    if back.any():
        n = int(back.sum())
        r = rev[back]
        out = np.where(r >= dis[back], r, NEVER)
        kids = join(kids, Spells(c_area[back], np.full(n, 1), dis[back], out,
                                 np.where(out < NEVER, LEAVE, OPEN), np.zeros(n, bool)))
    a_area = np.array([index[str(a)] for a in adopters["area"]], dtype=np.int64)
    ta = stage_months(adopters, ADOPTER_DATES, as_at)
    wd = months(adopters["withdrawn_date"], as_at)
    adults = spells(ta, [wd, wd, wd], a_area)
    placed = t[:, 3] < NEVER
    h_month = ta[:, 3]
    return Journeys(
        as_at=as_at, areas=codes, children=kids, adopters=adults,
        placed_month=t[placed, 3], placed_area=c_area[placed],
        placed_interagency=children["interagency"].to_numpy(dtype=bool)[placed],
        placed_sibling=children["sibling"].to_numpy(dtype=bool)[placed],
        household_month=h_month[h_month < NEVER],
        household_children=adopters["children_placed"].to_numpy(dtype=np.int64)[h_month < NEVER],
    )


def latest_extract(snapshot: Snapshot, request: AsAt = CURRENT) -> dt.date | None:
    """The newest extract date held (on or before the request's `as_at`): how far the data reaches."""
    got = snapshot.rows(LATEST_SQL, {"as_at": request.as_at})[0][0]
    return got if got is None or (isinstance(got, dt.date) and not isinstance(got, dt.datetime)) else got.date()


def read(snapshot: Snapshot, request: AsAt) -> Journeys:
    """The journeys held at the request's `as_at` (None: the newest extract's date): each council's state as at
    that date, cut at it. Where the warehouse holds no drop from that date (an origin older than its first drop),
    the newest state is cut at `as_at` instead, so dates after `as_at` are never seen. Raises NoData when no
    drop is held."""
    as_at = request.as_at or latest_extract(snapshot)
    if as_at is None:
        raise NoData("no drops are held, so there is nothing to forecast from")
    params: dict[str, dt.date | None] = {"as_at": as_at}
    if latest_extract(snapshot, DataRequest(as_at=as_at)) is None:
        params = {"as_at": None}
    children = snapshot.frame(CHILDREN_SQL, params)
    adopters = snapshot.frame(ADOPTERS_SQL, params)
    areas = tuple(str(c) for c in snapshot.ref.la_codes)
    return from_frames(children, adopters, as_at, areas)
