"""The pipeline forecast: children and adopter households flowing stage to stage (docs/forecast.md).

How it works, in order:

1. Chances of moving on. For each stage and each band of months spent in it (0, 1, 2, 3, 4-5, 6-8, 9-11, 12-17,
   18 or more), the chance in a month of moving on and of leaving are estimated from the journeys of the last
   k years (`settings.forecast.years`): events / child-months at risk (`journeys.Spells`). The simulation
   tracks each child's months in the stage exactly (bands only group the estimates), which the backtest
   showed matters: coarse bands with random ageing under-forecast placements and adoption orders.
2. Pooling. A council with few journeys borrows from the region (partial pooling, as an empirical-Bayes
   shrinkage): its estimate is (its events + m x the region's chance) / (its months at risk + m), so its own
   data carry the weight n/(n+m) for n months at risk and the region's chance the rest; m is
   `settings.forecast.pool_months`. Why: a council with, say, five children placed in three years gives a
   chance too noisy to plan on, while the region's is steady; as a council's journeys grow, its own chance
   takes over. The weights are reported (`Forecast.pooling`).
3. Uncertainty of the chances: each simulated future draws its chances from their posterior (a Dirichlet over
   move on / leave / stay with the pooled counts above), so a thinly-evidenced chance varies more.
4. New entrants (ADM decisions; adopter enquiries): the recent monthly rate (`settings.forecast.entrant_months`)
   with a Gamma posterior (parameter uncertainty), and months that vary more than chance alone (overdispersion,
   a Gamma-Poisson or negative binomial draw, its dispersion estimated from the k years, pooled over councils).
5. Simulation: `settings.forecast.simulations` futures with numpy's seeded generator (deterministic for a seed),
   month by month, all councils at once (vectorised binomial draws), the futures in a fixed number of blocks with
   their own spawned streams, side by side on the machine's cores (`FUTURE_BLOCKS`). The region is the sum of its
   councils in each future. Forecast = the mean of the futures (so months add up to the total); the 80% and
   95% intervals are the futures' 10th-90th and 2.5th-97.5th percentiles, widened where needed so the forecast
   always lies inside them.
6. Derived measures: interagency placements = placements x the recent interagency share (a Beta posterior,
   pooled like the chances; `settings.forecast.interagency_share_pct` overrides it); fees = those placements x
   the fee in force on each month (`fees.blended_child_fee`, siblings at the sibling rate, in exact pounds);
   approvals needed = matches made with the RAA's own adopters (matches less the interagency share), in
   households (children placed per household), less the approved households already waiting at the as-at
   date; approvals = the households the adopter pipeline approves.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Literal

import numpy as np
import pandas as pd

from raa_core.errors import BadInput, NoData
from raa_core.forecast import fees
from raa_core.forecast.journeys import (
    ADVANCE,
    LEAVE,
    NEVER,
    Journeys,
    Spells,
    latest_extract,
    month_end,
    month_of,
    month_start,
    read,
)
from raa_core.reference import Reference
from raa_core.requests import DataRequest
from raa_core.snapshot import Snapshot

REGION = "region"
MEASURES: tuple[str, ...] = (
    "adm_decisions", "placement_orders", "matches", "placements", "adoption_orders", "children_waiting",
    "approvals", "approvals_needed", "interagency_placements", "interagency_fees_gbp",
)
#: Measures counted at a period's end rather than summed over it.
STOCKS = frozenset({"children_waiting"})
MONEY = frozenset({"interagency_fees_gbp"})
#: Bands of months in a stage: first month of each band, and each band's width (the last is open).
BAND_STARTS = np.array([0, 1, 2, 3, 4, 6, 9, 12, 18])
BAND_WIDTHS = np.array([1, 1, 1, 1, 2, 3, 3, 6, 0])
#: Months in stage tracked exactly in the simulation (the last counts that many or more).
TRACKED = 19
CHILD_STAGES = 4  # ADM decision, placement order, matched, placed
ADOPTER_STAGES = 3  # enquiry, stage 2, approved
#: Pooling strength of the interagency and sibling shares, in placements.
SHARE_POOL = 10
MIN_MONTHS, MAX_MONTHS = 12, 36


@dataclass(frozen=True)
class ForecastRequest:
    """What is asked: the as-at date (None = the newest data held), months ahead (12 to 36), rows per month or
    quarter, and optionally the seed and number of futures (else `settings.forecast`). Raises BadInput."""

    as_at: dt.date | None = None
    months: int = 12
    step: Literal["month", "quarter"] = "month"
    seed: int | None = None
    simulations: int | None = None

    def __post_init__(self) -> None:
        if not MIN_MONTHS <= self.months <= MAX_MONTHS:
            raise BadInput(f"months must be {MIN_MONTHS} to {MAX_MONTHS}, not {self.months}")
        if self.step not in ("month", "quarter"):
            raise BadInput(f"rows per month or quarter, not {self.step!r}")


@dataclass(frozen=True, eq=False)
class Forecast:
    """One forecast. `rows`: area, measure, start, end, forecast, low80, high80, low95, high95 (a whole-horizon
    row per area and measure, then a row per month or quarter; fees as Decimal pounds, counts as floats (the
    forecast, 1 dp) and whole numbers (the bounds)); `gaps`: per area, the approvals needed by the horizon's end
    less the approvals expected (forecast, low80, high80, by); `pooling`: per council, the weight of its own
    journeys (children, adopters); `history`: monthly actuals over the 3 years before (area, measure, start,
    end, actual)."""

    as_at: dt.date
    months: int
    step: str
    seed: int
    simulations: int
    version: str
    rows: pd.DataFrame
    gaps: pd.DataFrame
    pooling: pd.DataFrame
    history: pd.DataFrame

    def as_json(self) -> dict[str, object]:
        """The JSON of docs/forecast.md (`raa forecast --json`): forecasts to 1 dp, bounds whole numbers, money as
        strings with two decimals (as every money figure of the command line)."""
        rows = []
        for r in self.rows.itertuples(index=False):
            money = r.measure in MONEY
            val = (lambda v: f"{v:.2f}") if money else (lambda v: int(v))
            rows.append({"area": r.area, "measure": r.measure, "start": r.start.isoformat(),
                         "end": r.end.isoformat(), "forecast": f"{r.forecast:.2f}" if money else float(r.forecast),
                         "low80": val(r.low80), "high80": val(r.high80), "low95": val(r.low95),
                         "high95": val(r.high95)})
        return {"as_at": self.as_at.isoformat(), "months": self.months, "seed": self.seed,
                "version": self.version, "rows": rows}


# ---------------------------------------------------------------- estimation


def band_of(d: np.ndarray) -> np.ndarray:
    """The band of months-in-stage `d`."""
    return np.searchsorted(BAND_STARTS, d, side="right") - 1


@dataclass(frozen=True)
class Rates:
    """Counts of one pipeline over the window, per area x stage x band: moves on, leaves, months at risk."""

    advance: np.ndarray
    leave: np.ndarray
    exposure: np.ndarray


def _count(shape: tuple[int, ...], index: tuple[np.ndarray, ...], weights: np.ndarray | None = None) -> np.ndarray:
    """How many (or the sum of `weights`) at each cell of an array of `shape` the index arrays point at."""
    flat = np.ravel_multi_index(index, shape) if len(index[0]) else np.zeros(0, dtype=np.int64)
    return np.bincount(flat, weights=weights, minlength=int(np.prod(shape))).reshape(shape).astype(float)


def count_rates(s: Spells, n_areas: int, n_stages: int, first: int, last: int) -> Rates:
    """Events and months at risk of `s` in months first..last (inclusive), per area, stage and band."""
    shape = (n_areas, n_stages, len(BAND_STARTS))
    lo = np.maximum(s.entry, first)
    hi = np.minimum(s.end, last)
    ok = hi >= lo
    dlo, dhi = (lo - s.entry)[ok], (hi - s.entry)[ok]
    area, stage = s.area[ok], s.stage[ok]
    exposure = np.zeros(shape)
    for b, start in enumerate(BAND_STARTS):
        stop = start + BAND_WIDTHS[b] - 1 if BAND_WIDTHS[b] else NEVER
        n = np.clip(np.minimum(dhi, stop) - np.maximum(dlo, start) + 1, 0, None)
        exposure[..., b] += _count(shape[:2], (area, stage), n)
    ended = (s.end >= first) & (s.end <= last) & (s.end >= s.entry)
    band = band_of(s.end - s.entry)
    advance, leave = np.zeros(shape), np.zeros(shape)
    for arr, what in ((advance, ADVANCE), (leave, LEAVE)):
        m = ended & (s.outcome == what)
        arr += _count(shape, (s.area[m], s.stage[m], band[m]))
    return Rates(advance, leave, exposure)


def stock_at(s: Spells, n_areas: int, n_stages: int, at: int) -> np.ndarray:
    """Spells open at the end of month `at`, per area, stage and months in stage next month (up to TRACKED-1)."""
    out = np.zeros((n_areas, n_stages, TRACKED), dtype=np.int64)
    m = (s.entry <= at) & (s.end > at)
    out += _count(out.shape, (s.area[m], s.stage[m], np.minimum(at + 1 - s.entry[m], TRACKED - 1))).astype(np.int64)
    return out


def entrant_counts(s: Spells, n_areas: int, first: int, last: int) -> np.ndarray:
    """New entrants (first spells) per area and month first..last: shape (areas, months)."""
    out = np.zeros((n_areas, last - first + 1), dtype=np.int64)
    m = s.first & (s.entry >= first) & (s.entry <= last)
    out += _count(out.shape, (s.area[m], s.entry[m] - first)).astype(np.int64)
    return out


def pooled_weights(r: Rates, m: int) -> np.ndarray:
    """Per area, the weight of its own journeys: each stage-and-band chance's weight n/(n+m) (n = its months at
    risk there), averaged over the chances in proportion to the region's months at risk in each."""
    if not m:
        return np.ones(r.exposure.shape[0])
    w = r.exposure / (r.exposure + m)
    region = r.exposure.sum(axis=0)
    total = region.sum()
    return (w * region).sum(axis=(1, 2)) / total if total else np.zeros(r.exposure.shape[0])


def draw_chances(rng: np.random.Generator, r: Rates, m: int, sims: int) -> tuple[np.ndarray, np.ndarray]:
    """Chances of moving on and of leaving (given not moving on), per future x area x stage x band, drawn from
    the pooled Dirichlet posterior (see the module docstring)."""
    exp_reg = r.exposure.sum(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        pa = np.where(exp_reg > 0, r.advance.sum(0) / exp_reg, 0.0)
        pl = np.where(exp_reg > 0, r.leave.sum(0) / exp_reg, 0.0)
    stay = np.clip(r.exposure - r.advance - r.leave, 0, None)
    alpha = np.stack([r.advance + m * pa + 0.01, r.leave + m * pl + 0.01,
                      stay + m * np.clip(1 - pa - pl, 0, 1) + 1.0], axis=-1)
    g = rng.gamma(alpha, size=(sims, *alpha.shape))
    p = g / g.sum(axis=-1, keepdims=True)
    adv = p[..., 0]
    leave = np.clip(p[..., 1] / np.clip(1 - adv, 1e-12, None), 0, 1)
    return adv, leave


def dispersion(counts: np.ndarray) -> float:
    """The Gamma-Poisson shape r of monthly counts (areas x months), pooled over areas: mean^2 / (variance -
    mean); infinity (plain Poisson) where the months vary no more than chance."""
    mean = counts.mean(axis=1)
    var = counts.var(axis=1, ddof=1) if counts.shape[1] > 1 else mean
    excess = float((var - mean).sum())
    return float((mean ** 2).sum()) / excess if excess > 0 else float("inf")


def draw_entrants(rng: np.random.Generator, recent: np.ndarray, shape_r: float, sims: int, horizon: int) -> np.ndarray:
    """New entrants per month x future x area: the rate from its Gamma posterior (Jeffreys prior), then each
    month a Gamma-Poisson draw with shape `shape_r` (see `dispersion`)."""
    n_months = recent.shape[1]
    lam = rng.gamma(recent.sum(axis=1) + 0.5, 1.0 / n_months, size=(sims, recent.shape[0]))
    if np.isfinite(shape_r):
        mu = rng.gamma(shape_r, lam / shape_r, size=(horizon, *lam.shape))
    else:
        mu = np.broadcast_to(lam, (horizon, *lam.shape))
    return rng.poisson(mu)


def binomial(rng: np.random.Generator, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Binomial draws for whole-number counts `n` (0 or more) with chances `p` (same shape), drawn only where `n`
    is above 0: about a third of the simulation's cells (a future, a council, a stage and a month in it) are
    empty, and numpy's sampler costs about as much for an empty cell as for a full one. A cell of one child (about
    three in ten of the rest) is a single uniform draw against its chance, the same distribution at a fraction of
    the sampler's cost. Deterministic for the generator's state."""
    flat = n.reshape(-1)
    chances = p.reshape(-1)
    out = np.zeros(flat.shape, dtype=np.int64)
    one = np.flatnonzero(flat == 1)
    if one.size:
        out[one] = rng.random(one.size) < chances[one]
    more = np.flatnonzero(flat > 1)
    if more.size:
        out[more] = rng.binomial(flat[more], chances[more])
    return out.reshape(n.shape)


#: The futures are simulated in this many blocks, each drawing from its own stream spawned from the forecast's
#: generator, run side by side on the machine's cores (numpy's samplers and array operations release the GIL).
#: Fixed, not the number of cores, so a seed gives the same forecast on any machine.
FUTURE_BLOCKS = 16


def simulate(rng: np.random.Generator, stock: np.ndarray, adv: np.ndarray, leave: np.ndarray,
             entrants: np.ndarray, back_to: int | None) -> tuple[np.ndarray, np.ndarray]:
    """`simulate_block` over the futures in `FUTURE_BLOCKS` blocks (futures are independent), on up to as many
    threads as the machine has cores; the same shapes and the same figures for a seed whatever the cores."""
    sims = entrants.shape[1]
    bounds = np.linspace(0, sims, max(1, min(FUTURE_BLOCKS, sims)) + 1).astype(int)
    streams = rng.spawn(len(bounds) - 1)

    def block(i: int) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = int(bounds[i]), int(bounds[i + 1])
        return simulate_block(streams[i], stock, adv[lo:hi], leave[lo:hi], entrants[:, lo:hi], back_to)

    with ThreadPoolExecutor(max_workers=max(1, min(len(streams), os.cpu_count() or 1))) as pool:
        parts = list(pool.map(block, range(len(streams))))
    return np.concatenate([m for m, _ in parts], axis=1), np.concatenate([h for _, h in parts], axis=1)


def simulate_block(rng: np.random.Generator, stock: np.ndarray, adv: np.ndarray, leave: np.ndarray,
                   entrants: np.ndarray, back_to: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Month by month: entrants join stage 0; each stage in order moves on and leaves by binomial draws with the
    chances of the band of each month in stage (those moving on join the next stage in the same month, as the
    estimate counts them); a leaver of the last stage goes back to stage `back_to` (a disrupted placement) if
    given; then everyone still in a stage is a month older (months in stage tracked exactly up to
    `TRACKED - 1`, the last counting "or more"). `stock`: areas x stages x months in stage next month.
    Returns moves on (months x futures x areas x stages) and stage counts at each month's end (same shape)."""
    horizon, sims = entrants.shape[0], entrants.shape[1]
    n_areas, n_stages = stock.shape[0], stock.shape[1]
    # stage-major so each stage's cells are one contiguous block: stages x futures x areas x months in stage
    n = np.broadcast_to(np.moveaxis(stock, 1, 0)[:, None], (n_stages, sims, *stock[:, 0].shape)).copy()
    by_month = band_of(np.arange(TRACKED))
    starts = np.flatnonzero(np.diff(by_month, prepend=-1))  # the first tracked month of each band
    p_any = [adv[:, :, k] + (1 - adv[:, :, k]) * leave[:, :, k] for k in range(n_stages)]  # futures x areas x bands
    p_adv = [np.divide(adv[:, :, k], e, out=np.zeros_like(e), where=e > 0) for k, e in enumerate(p_any)]
    p_cell = [np.ascontiguousarray(e[..., by_month]) for e in p_any]
    moved = np.zeros((horizon, sims, n_areas, n_stages), dtype=np.int64)
    held = np.zeros_like(moved)
    for t in range(horizon):
        n[0, :, :, 0] += entrants[t]
        returning = None
        for k in range(n_stages):
            # one draw per cell for anyone leaving the stage this month; then, per band (whose cells share the
            # chances), which of them moved on: the same distribution as moving on then leaving
            gone = binomial(rng, n[k], p_cell[k])
            n[k] -= gone
            gone_band = np.add.reduceat(gone, starts, axis=-1)
            a = binomial(rng, gone_band, p_adv[k])
            moved[t, :, :, k] = a.sum(-1)
            if k + 1 < n_stages:
                n[k + 1, :, :, 0] += moved[t, :, :, k]
            elif back_to is not None:
                returning = (gone_band - a).sum(-1)
        held[t] = np.moveaxis(n.sum(-1), 0, -1)
        n[..., -1] += n[..., -2]
        n[..., 1:-1] = n[..., :-2]
        n[..., 0] = 0
        if returning is not None:
            n[back_to, :, :, 1] += returning
    return moved, held


def share_draws(rng: np.random.Generator, hits: np.ndarray, totals: np.ndarray, sims: int) -> np.ndarray:
    """Shares per future x area from a Beta posterior pooled to the region (`SHARE_POOL` placements)."""
    p = hits.sum() / totals.sum() if totals.sum() else 0.0
    return rng.beta(hits + SHARE_POOL * p + 0.5, totals - hits + SHARE_POOL * (1 - p) + 0.5,
                    size=(sims, len(totals)))


# ---------------------------------------------------------------- the forecast


def periods(as_at: dt.date, horizon: int, step: str) -> list[tuple[int, int]]:
    """(first, last) month offsets (0-based, 0 = the month after the data's month) of each row's period: whole
    calendar months, or calendar quarters (January-March, April-June, ...); a quarter the horizon starts or ends
    inside keeps only its months in the horizon."""
    if step != "quarter":
        return [(i, i) for i in range(horizon)]
    first = month_of(as_at) + 1
    out, a = [], 0
    while a < horizon:
        b = min(a + 2 - (first + a) % 3, horizon - 1)
        out.append((a, b))
        a = b + 1
    return out


def _quantiles(v: np.ndarray) -> np.ndarray:
    """10th, 90th, 2.5th and 97.5th percentiles over the last axis (futures)."""
    return np.quantile(v, [0.1, 0.9, 0.025, 0.975], axis=-1, method="inverted_cdf")


def fit_and_simulate(j: Journeys, ref: Reference, horizon: int, step: str, seed: int, sims: int
                     ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Rows, gaps and pooling weights of a forecast from journeys (see the module docstring)."""
    cfg = ref.settings.forecast
    rng = np.random.default_rng(seed)
    areas = j.areas
    n_a = len(areas)
    origin = month_of(j.as_at)
    last_full = origin if j.as_at == month_end(origin) else origin - 1
    first = last_full - 12 * cfg.years + 1
    m = cfg.pool_months
    if not len(j.children.area) and not len(j.adopters.area):
        raise NoData("no children's or adopters' journeys held at that date")

    # children
    rc = count_rates(j.children, n_a, CHILD_STAGES, first, last_full)
    adv, leave = draw_chances(rng, rc, m, sims)
    all_entrants = entrant_counts(j.children, n_a, first, last_full)
    recent = all_entrants[:, -cfg.entrant_months:]
    entrants = draw_entrants(rng, recent, dispersion(all_entrants), sims, horizon)
    moved, held = simulate(rng, stock_at(j.children, n_a, CHILD_STAGES, origin), adv, leave, entrants, back_to=1)

    # adopters
    ra = count_rates(j.adopters, n_a, ADOPTER_STAGES, first, last_full)
    a_adv, a_leave = draw_chances(rng, ra, m, sims)
    a_all = entrant_counts(j.adopters, n_a, first, last_full)
    a_entrants = draw_entrants(rng, a_all[:, -cfg.entrant_months:], dispersion(a_all), sims, horizon)
    a_moved, _ = simulate(rng, stock_at(j.adopters, n_a, ADOPTER_STAGES, origin), a_adv, a_leave, a_entrants, None)
    approved_waiting = stock_at(j.adopters, n_a, ADOPTER_STAGES, origin)[:, 2, :].sum(-1)

    # interagency share and fees
    window = (j.placed_month >= first) & (j.placed_month <= last_full)
    placed = np.bincount(j.placed_area[window], minlength=n_a).astype(float)
    ia = np.bincount(j.placed_area[window & j.placed_interagency], minlength=n_a).astype(float)
    if cfg.interagency_share_pct is not None:
        q_ia = np.full((sims, n_a), float(cfg.interagency_share_pct) / 100)
    else:
        q_ia = share_draws(rng, ia, placed, sims)
    sib_hits = np.array([float((window & j.placed_interagency & j.placed_sibling).sum())])
    q_sib = share_draws(rng, sib_hits, np.array([ia.sum()]), sims)[:, 0]
    placements = moved[:, :, :, 2]
    ia_placed = rng.binomial(placements, q_ia[None, :, :])
    ia_sib = rng.binomial(ia_placed, q_sib[None, :, None])
    single = np.array([fees.blended_child_fee(ref, month_start(origin + 1 + t), j.as_at, sibling=False)
                       for t in range(horizon)])
    sibling = np.array([fees.blended_child_fee(ref, month_start(origin + 1 + t), j.as_at, sibling=True)
                        for t in range(horizon)])
    single_p = np.array([int(v * 100) for v in single], dtype=np.int64)[:, None, None]
    sibling_p = np.array([int(v * 100) for v in sibling], dtype=np.int64)[:, None, None]
    fee_pence = (ia_placed - ia_sib) * single_p + ia_sib * sibling_p

    # approvals needed: own matches in households, less approved households waiting
    hh = (j.household_month >= first) & (j.household_month <= last_full) & (j.household_children > 0)
    per_household = float(j.household_children[hh].mean()) if hh.any() else 1.0
    matches = moved[:, :, :, 1]
    own = (matches - rng.binomial(matches, q_ia[None, :, :])) / per_household

    def needed(own_m: np.ndarray, waiting: np.ndarray) -> np.ndarray:
        cum = np.maximum(np.cumsum(own_m, axis=0) - waiting, 0.0)
        return np.diff(cum, axis=0, prepend=0.0)

    # per-measure futures: (areas + region) x measures x months x futures
    council = {
        "adm_decisions": entrants, "placement_orders": moved[:, :, :, 0], "matches": matches,
        "placements": placements, "adoption_orders": moved[:, :, :, 3],
        "children_waiting": held[:, :, :, :3].sum(-1), "approvals": a_moved[:, :, :, 1],
        "approvals_needed": needed(own, approved_waiting[None, None, :]),
        "interagency_placements": ia_placed, "interagency_fees_gbp": fee_pence,
    }
    cube = np.zeros((n_a + 1, len(MEASURES), horizon, sims))
    for i, meas in enumerate(MEASURES):
        v = np.asarray(council[meas], dtype=float)  # months x futures x areas
        cube[:n_a, i] = np.moveaxis(v, 2, 0)
        cube[n_a, i] = v.sum(axis=2)
    cube[n_a, MEASURES.index("approvals_needed")] = needed(own.sum(axis=2), float(approved_waiting.sum()))

    # periods: whole horizon, then months or quarters
    spans = [(0, horizon - 1), *periods(j.as_at, horizon, step)]
    stock = np.array([meas in STOCKS for meas in MEASURES])
    per = np.stack([np.where(stock[None, :, None], cube[:, :, b, :], cube[:, :, a:b + 1, :].sum(axis=2))
                    for a, b in spans], axis=2)  # areas x measures x spans x futures
    mean = per.mean(axis=-1)
    q = _quantiles(per)
    low80, high80 = np.minimum(q[0], mean), np.maximum(q[1], mean)
    low95, high95 = np.minimum(q[2], low80), np.maximum(q[3], high80)
    names = [*areas, REGION]
    starts = [month_start(origin + 1 + a) for a, _ in spans]  # whole months from the month after the data's
    ends = [month_end(origin + 1 + b) for _, b in spans]
    table = _table(names, starts, ends, mean, low80, high80, low95, high95)
    gap = per[:, MEASURES.index("approvals_needed"), 0, :] - per[:, MEASURES.index("approvals"), 0, :]
    gq = _quantiles(gap)
    gmean = gap.mean(axis=-1)
    gaps = pd.DataFrame({"area": names, "by": ends[0], "forecast": np.round(gmean, 1),
                         "low80": np.round(np.minimum(gq[0], gmean)), "high80": np.round(np.maximum(gq[1], gmean)),
                         "needed": np.round(mean[:, MEASURES.index("approvals_needed"), 0], 1),
                         "approvals": np.round(mean[:, MEASURES.index("approvals"), 0], 1)})
    pooling = pd.DataFrame({"area": list(areas), "children_weight": np.round(pooled_weights(rc, m), 3),
                            "adopters_weight": np.round(pooled_weights(ra, m), 3),
                            "children_months": rc.exposure.sum(axis=(1, 2)).astype(int),
                            "adopter_months": ra.exposure.sum(axis=(1, 2)).astype(int)})
    return table, gaps, pooling


def _table(names: list[str], starts: list[dt.date], ends: list[dt.date], *figures: np.ndarray) -> pd.DataFrame:
    """The rows (area x measure x period, in that order) from the figures' arrays (areas x measures x periods):
    counts shown as `_shown` says, all at once; fees row by row (exact pounds)."""
    n_a, n_m, n_s = figures[0].shape
    mean, lo80, hi80, lo95, hi95 = (np.asarray(v, dtype=float).reshape(-1) for v in figures)
    one = np.round(mean, 1)
    measure = np.tile(np.repeat(np.array(MEASURES, dtype=object), n_s), n_a)
    shown = [[float(x) for x in col] for col in (one, np.floor(np.minimum(lo80, one)), np.ceil(np.maximum(hi80, one)),
                                                 np.floor(np.minimum(lo95, one)), np.ceil(np.maximum(hi95, one)))]
    cols: list[list[object]] = [list(c) for c in shown]
    for i in np.flatnonzero(np.isin(measure, list(MONEY))):
        for c, v in zip(cols, _shown(str(measure[i]), (mean[i], lo80[i], hi80[i], lo95[i], hi95[i])), strict=True):
            c[i] = v
    return pd.DataFrame({
        "area": np.repeat(np.array(names, dtype=object), n_m * n_s), "measure": measure,
        "start": np.tile(np.array(starts, dtype=object), n_a * n_m),
        "end": np.tile(np.array(ends, dtype=object), n_a * n_m),
        **{k: pd.Series(c, dtype=object) for k, c in zip(("forecast", "low80", "high80", "low95", "high95"), cols,
                                                          strict=True)},
    })


def _shown(measure: str, vals: tuple[float, ...]) -> tuple[object, ...]:
    """A row's figures as shown: fees as Decimal pounds (from pence), counts to 1 dp (forecast) or whole (the
    bounds, lows rounded down and highs up, so the rounded forecast stays inside its intervals)."""
    mean, lo80, hi80, lo95, hi95 = (float(v) for v in vals)
    if measure in MONEY:
        def pounds(v: float, how: str) -> Decimal:
            return (Decimal(repr(v)) / 100).quantize(fees.PENNY, rounding=how)
        return (pounds(mean, ROUND_HALF_UP), pounds(lo80, ROUND_FLOOR), pounds(hi80, ROUND_CEILING),
                pounds(lo95, ROUND_FLOOR), pounds(hi95, ROUND_CEILING))
    return (round(mean, 1), float(math.floor(min(lo80, round(mean, 1)))), float(math.ceil(max(hi80, round(mean, 1)))),
            float(math.floor(min(lo95, round(mean, 1)))), float(math.ceil(max(hi95, round(mean, 1)))))


def forecast(snapshot: Snapshot, request: ForecastRequest) -> Forecast:
    """The forecast for a request (see the module docstring), with the last three years' actuals beside it.

    Raises NoData when no drop is held (at the as-at date) or no journeys are; BadInput from the request.
    """
    from raa_core.forecast.history import actuals

    # the jump-off is the newest extract held on or before the as-at date: data are as at their extract, so a
    # later as-at date adds no data, and cutting there would take the months since as empty
    held = latest_extract(snapshot, DataRequest(as_at=request.as_at))
    as_at = held or request.as_at  # before the first drop: the newest state, cut at the as-at date
    if as_at is None:
        raise NoData("no drops are held, so there is nothing to forecast from")
    cfg = snapshot.ref.settings.forecast
    seed = cfg.seed if request.seed is None else request.seed
    sims = request.simulations or cfg.simulations
    j = read(snapshot, DataRequest(as_at=as_at))
    rows, gaps, pooling = fit_and_simulate(j, snapshot.ref, request.months, request.step, seed, sims)
    origin = month_of(as_at)
    last_full = origin if as_at == month_end(origin) else origin - 1
    history = actuals(j, snapshot.ref, last_full - 35, last_full)
    return Forecast(as_at=as_at, months=request.months, step=request.step, seed=seed, simulations=sims,
                    version=snapshot.version, rows=rows, gaps=gaps, pooling=pooling, history=history)


def sum_check(rows: pd.DataFrame) -> pd.DataFrame:
    """Per area and flow measure, the whole-horizon forecast and the sum of its periods' forecasts (a check)."""
    flows = rows[~rows["measure"].isin(STOCKS)]
    total = flows.groupby(["area", "measure"]).head(1).set_index(["area", "measure"])["forecast"]
    parts = flows.groupby(["area", "measure"]).apply(lambda g: g["forecast"].iloc[1:].sum(), include_groups=False)
    return pd.DataFrame({"total": total, "parts": parts})


__all__ = ["MEASURES", "NEVER", "REGION", "Forecast", "ForecastRequest", "fit_and_simulate", "forecast"]
