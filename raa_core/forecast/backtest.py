"""The forecast's record: forecasts made from past origins against what happened (docs/forecast.md, "Backtest").

For each origin, every quarter end over the last three years of data that has 12 months after it, the model is
fitted on the journeys held at that origin (`journeys.read` cuts every later date) and forecasts the next 12
months; what happened is counted from the newest data the same way (`history.monthly`). Per measure and area:
the mean absolute percentage error of the 12-month totals (origins whose outcome is 0 are left out of the
mean) and the share of outcomes inside the 80% and 95% intervals, which should be near 80% and 95%. Approvals
needed is a planning figure with no outcome to compare, so it is not tested.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from raa_core.errors import NoData
from raa_core.forecast.history import monthly
from raa_core.forecast.journeys import latest_extract, month_end, month_of, read
from raa_core.forecast.model import MEASURES, REGION, fit_and_simulate
from raa_core.requests import DataRequest
from raa_core.snapshot import Snapshot

HORIZON = 12
YEARS_BACK = 3
TESTED = tuple(m for m in MEASURES if m != "approvals_needed")


@dataclass(frozen=True, eq=False)
class Backtest:
    """The record: `outcomes` (a row per origin, area and measure: origin, area, measure, actual, forecast,
    low80, high80, low95, high95, in80, in95, ape) and `summary` (per measure and area: origins, mape
    (percent, 1 dp), cover80 and cover95 (percent of origins inside)); `overall` per measure (all areas).
    `seed`, `version` and `latest` (the data's newest extract date) say what it was run on."""

    latest: dt.date
    seed: int
    version: str
    origins: tuple[dt.date, ...]
    outcomes: pd.DataFrame
    summary: pd.DataFrame
    overall: pd.DataFrame

    def as_json(self) -> dict[str, object]:
        """`raa forecast --backtest --json`."""
        def recs(df: pd.DataFrame) -> list[dict[str, object]]:
            return [{k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in r.items()}
                    for r in df.to_dict("records")]
        return {"latest": self.latest.isoformat(), "seed": self.seed, "version": self.version,
                "horizon_months": HORIZON, "origins": [o.isoformat() for o in self.origins],
                "overall": recs(self.overall), "rows": recs(self.summary)}


def origins(latest: dt.date) -> list[dt.date]:
    """Quarter ends from three years before the latest data until 12 months before it."""
    last = month_of(latest) - HORIZON
    if latest != month_end(month_of(latest)):
        last -= 1
    first = month_of(latest) - 12 * YEARS_BACK
    return [month_end(m) for m in range(first, last + 1) if m % 12 in (2, 5, 8, 11)]


def backtest(snapshot: Snapshot, sims: int | None = None) -> Backtest:
    """Run the backtest on the snapshot's data (see the module docstring). Raises NoData without drops or
    without any origin with a year of outcomes after it."""
    latest = latest_extract(snapshot)
    if latest is None:
        raise NoData("no drops are held, so there is nothing to backtest")
    cfg = snapshot.ref.settings.forecast
    sims = sims or cfg.simulations
    points = origins(latest)
    if not points:
        raise NoData("the data do not reach a year past any origin of the last three years")
    now = read(snapshot, DataRequest(as_at=latest))
    rows = []
    for origin in points:
        j = read(snapshot, DataRequest(as_at=origin))
        table, _, _ = fit_and_simulate(j, snapshot.ref, HORIZON, "month", cfg.seed, sims)
        total = table.groupby(["area", "measure"]).head(1)
        first = month_of(origin) + 1
        got = monthly(now, snapshot.ref, first, first + HORIZON - 1)
        for meas in TESTED:
            arr = got[meas]
            if meas == "children_waiting":
                per_area = list(arr[:, -1])
            elif meas == "interagency_fees_gbp":
                per_area = [sum(r, Decimal(0)) for r in arr]
            else:
                per_area = list(arr.sum(axis=1))
            region = sum(per_area, Decimal(0)) if meas == "interagency_fees_gbp" else sum(per_area)
            actual = dict(zip(now.areas, per_area, strict=True)) | {REGION: region}
            sel = total[total["measure"] == meas]
            for r in sel.itertuples(index=False):
                if r.area not in actual:
                    continue
                a = float(actual[r.area])
                f = float(r.forecast)
                rows.append((origin, r.area, meas, a, f, float(r.low80), float(r.high80), float(r.low95),
                             float(r.high95)))
    out = pd.DataFrame(rows, columns=["origin", "area", "measure", "actual", "forecast", "low80", "high80",
                                      "low95", "high95"])
    out["in80"] = (out["low80"] <= out["actual"]) & (out["actual"] <= out["high80"])
    out["in95"] = (out["low95"] <= out["actual"]) & (out["actual"] <= out["high95"])
    out["ape"] = np.where(out["actual"] > 0, (out["forecast"] - out["actual"]).abs() / out["actual"].where(
        out["actual"] > 0, 1) * 100, np.nan)

    def summarise(g: pd.DataFrame) -> pd.Series:
        return pd.Series({"origins": len(g), "mape": round(float(g["ape"].mean()), 1) if g["ape"].notna().any()
                          else np.nan, "cover80": round(float(g["in80"].mean()) * 100, 1),
                          "cover95": round(float(g["in95"].mean()) * 100, 1)})

    order = {m: i for i, m in enumerate(TESTED)}
    summary = out.groupby(["measure", "area"]).apply(summarise, include_groups=False).reset_index()
    summary = summary.sort_values(["measure", "area"], key=lambda s: s.map(order) if s.name == "measure" else s)
    summary["origins"] = summary["origins"].astype(int)
    overall = out.groupby("measure").apply(summarise, include_groups=False).reset_index()
    overall = overall.sort_values("measure", key=lambda s: s.map(order))
    overall["origins"] = overall["origins"].astype(int)
    return Backtest(latest=latest, seed=cfg.seed, version=snapshot.version, origins=tuple(points),
                    outcomes=out, summary=summary.reset_index(drop=True), overall=overall.reset_index(drop=True))
