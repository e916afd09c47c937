"""The forecast where other parts of the product use it (docs/forecast.md, "Uses"): next years' demand drivers
for contribution scenarios (the "forecast" basis, docs/finance.md) and the board pack's forecast section.

Forecast drivers: for a budget year (April to March), the forecast activity of the year: placement orders,
adoption orders, ADM decisions and children placed (the forecast's placements), each the months already
counted (from the as-at date's data) plus the forecast for the rest; children waiting with a placement order
at 1 April is taken as the forecast of children waiting at the end of the March before (all children waiting:
the forecast does not tell placement orders apart). Every figure carries the status "forecast", so each
contribution row using it is labelled as a forecast, never mistaken for a count.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from raa_core.errors import BadInput, NoData
from raa_core.forecast.journeys import latest_extract, month_end, month_of
from raa_core.forecast.model import MAX_MONTHS, MIN_MONTHS, ForecastRequest, forecast
from raa_core.periods import financial_year
from raa_core.presentation import date_text
from raa_core.requests import AsAt, PerformanceRequest
from raa_core.snapshot import Snapshot

#: Contribution driver -> forecast measure.
DRIVER_MEASURES: dict[str, str] = {
    "placement_orders": "placement_orders",
    "adoption_orders": "adoption_orders",
    "adm_decisions": "adm_decisions",
    "children_placed": "placements",
    "waiting_with_po": "children_waiting",
}
COLUMNS = ["driver", "la_code", "financial_year", "value", "status", "note"]


def forecast_drivers(snapshot: Snapshot, request: AsAt, year_starts: list[int]) -> pd.DataFrame:
    """Forecast driver figures per council for the budget years starting in `year_starts` (columns as
    `contributions.drivers.COLUMNS`, value to 1 dp, status "forecast"), from the data held at the request's
    `as_at` (None: the newest extract). Raises BadInput when a year ends more than 36 months after the data's
    date, or ended before it (its figures would all be counts, not a forecast: the average basis is for that)."""
    if not year_starts:
        return pd.DataFrame(columns=COLUMNS)
    held = request.as_at or latest_extract(snapshot)
    if held is None:
        raise NoData("no drops are held, so there is nothing to forecast from")
    past = [financial_year(y) for y in year_starts if financial_year(y).end < held]
    if past:
        raise BadInput(f"{past[0].name} ended before the data's date ({date_text(held)}): the forecast basis is "
                       "for budget years still to come; use the average basis for past years")
    start = month_of(held)
    last = month_of(dt.date(max(year_starts) + 1, 3, 31))
    need = max(MIN_MONTHS, last - start)
    if need > MAX_MONTHS:
        raise BadInput(f"a forecast reaches {MAX_MONTHS} months from {date_text(held)}: "
                       f"{financial_year(max(year_starts)).name} is further ahead")
    f = forecast(snapshot, ForecastRequest(as_at=held, months=need))
    months = f.rows[f.rows.groupby(["area", "measure"]).cumcount() > 0]
    hist = f.history
    rows = []
    for y in year_starts:
        fy = financial_year(y)
        fy_start, fy_end, label = fy.start, fy.end, fy.name
        for driver, meas in DRIVER_MEASURES.items():
            for area in sorted(set(f.rows["area"]) - {"region"}):
                if meas == "children_waiting":
                    at = month_end(month_of(fy_start) - 1)
                    got = months[(months.area == area) & (months.measure == meas) & (months.end == at)]
                    if got.empty:
                        got_h = hist[(hist.area == area) & (hist.measure == meas) & (hist.end == at)]
                        value = float(got_h["actual"].sum()) if not got_h.empty else None
                    else:
                        value = float(got["forecast"].iloc[0])
                else:
                    fut = months[(months.area == area) & (months.measure == meas) & (months.end >= fy_start)
                                 & (months.end <= fy_end)]
                    past = hist[(hist.area == area) & (hist.measure == meas) & (hist.end >= fy_start)
                                & (hist.end <= min(fy_end, f.as_at))]
                    value = float(fut["forecast"].sum()) + float(past["actual"].sum())
                if value is None:
                    continue
                rows.append((driver, int(area), label,
                             Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP), "forecast",
                             f"from the data held on {date_text(f.as_at)}, seed {f.seed}"))
    return pd.DataFrame(rows, columns=COLUMNS)


def board_summary(snapshot: Snapshot, request: PerformanceRequest) -> tuple[list[str], pd.DataFrame]:
    """The board pack's forecast section from the data held at the request's `as_at`: the approvals gap in words
    per area, then the next 12 months' figures per area and measure as text (area, measure, forecast, range80,
    range95), suppressed as the page's publication view where the request's `publication` is set. Raises
    NoData without data."""
    from raa_core.presentation import forecast_text as ft

    ref = snapshot.ref
    f = forecast(snapshot, ForecastRequest(as_at=request.as_at, months=MIN_MONTHS))
    lines = [ft.run_caption(f)]
    lines += [ft.gap_text(f, ref, area, publication=request.publication) for area in f.gaps["area"]]
    lines.append("The forecast's record against what happened is on the Forecast page (its backtest).")
    parts = []
    for area in [*sorted(set(f.rows["area"]) - {"region"}), "region"]:
        t = ft.horizon_table(f, area, ref, publication=request.publication)
        t.insert(0, "Area", ft.area_label(ref, area))
        parts.append(t)
    frame = pd.concat(parts, ignore_index=True)
    frame.columns = ["area", "measure", "forecast", "range80", "range95"]
    return lines, frame
