"""Finance and contributions tests' shorthand: the `raa_core` query functions called as the tests write them
(a connection, reference data and loose values), turned into what the functions take: a `Snapshot` over the
connection (`snapshot.over`) and a request record (`MonitoringRequest`, `ContributionsRequest`,
`CompensationRequest`). Only the call's shape is adapted; every figure is the function's own.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import duckdb
import pandas as pd

from raa_core import boardpack, contributions, snapshot
from raa_core.contributions import drivers
from raa_core.contributions.scenario import ContributionsRequest, Scenario
from raa_core.finance import budget, interagency, monitoring, monitoring_export
from raa_core.finance import settlement as settlement_module
from raa_core.reference import Reference, load_reference
from raa_core.requests import DataRequest, Method, MonitoringRequest

#: The day the tests' snapshots are judged on (finance figures depend on the as-at date, not on this).
TODAY = dt.date(2026, 11, 20)


def snap(con: duckdb.DuckDBPyConnection, ref: Reference | None = None, today: dt.date = TODAY) -> snapshot.Snapshot:
    """A snapshot over a test's connection."""
    return snapshot.over(con, ref or load_reference(), today)


def request(year: str | MonitoringRequest, period: int | None = None, method: str = "default",
            as_at: dt.date | None = None) -> MonitoringRequest:
    """A monitoring request from loose values (or the request itself)."""
    if isinstance(year, MonitoringRequest):
        return year
    return MonitoringRequest(year=year, period=period, method=Method(method), as_at=as_at)


def monitor(con: duckdb.DuckDBPyConnection, ref: Reference, year: str | MonitoringRequest, period: int | None = None,
            method: str = "default", la_code: int | None = None, *, as_at: dt.date | None = None,
            comments: pd.DataFrame | None = None) -> monitoring.Monitoring:
    return monitoring.monitor(snap(con, ref), request(year, period, method, as_at), la_code, comments=comments)


def latest_period(con: duckdb.DuckDBPyConnection, year: str | MonitoringRequest, la_code: int | None = None,
                  as_at: dt.date | None = None) -> int | None:
    return monitoring.latest_period(snap(con), request(year, as_at=as_at), la_code)


def forecast_trend(con: duckdb.DuckDBPyConnection, ref: Reference, year: str | MonitoringRequest,
                   method: str = "default", la_code: int | None = None, period: int | None = None, *,
                   as_at: dt.date | None = None) -> pd.DataFrame:
    return monitoring.forecast_trend(snap(con, ref), request(year, period, method, as_at), la_code)


def recharge_schedule(con: duckdb.DuckDBPyConnection, year: str | MonitoringRequest, la_code: int | None = None, *,
                      ref: Reference | None = None, as_at: dt.date | None = None) -> pd.DataFrame:
    return monitoring.recharge_schedule(snap(con, ref), request(year, as_at=as_at), la_code)


def budget_report(con: duckdb.DuckDBPyConnection, ref: Reference, year: str, period: int | None = None,
                  method: str = "default", *, la_code: int | None = None, as_at: dt.date | None = None
                  ) -> dict[str, Any]:
    return monitoring.budget_report(snap(con, ref), request(year, period, method, as_at), la_code)


def budgets(con: duckdb.DuckDBPyConnection, year: str | None = None, *, ref: Reference | None = None,
            as_at: dt.date | None = None, la_code: int | None = None) -> pd.DataFrame:
    return budget.budgets(snap(con, ref), None if year is None else request(year, as_at=as_at), la_code)


def baseline_table(con: duckdb.DuckDBPyConnection, ref: Reference, year: str = budget.BASELINE_YEAR) -> pd.DataFrame:
    return budget.baseline_table(snap(con, ref), year)


def baseline_comparison(con: duckdb.DuckDBPyConnection, ref: Reference, year: str = budget.BASELINE_YEAR
                        ) -> pd.DataFrame:
    return budget.baseline_comparison(snap(con, ref), year)


def reconcile_baseline(con: duckdb.DuckDBPyConnection, ref: Reference, year: str = budget.BASELINE_YEAR
                       ) -> pd.DataFrame:
    return budget.reconcile_baseline(snap(con, ref), year)


def pay_award_check(con: duckdb.DuckDBPyConnection, ref: Reference, base_year: str = budget.BASELINE_YEAR,
                    year: str = budget.FIRST_POOLED_YEAR, *, la_code: int | None = None) -> pd.DataFrame:
    return budget.pay_award_check(snap(con, ref), base_year, year, la_code=la_code)


def settlement(con: duckdb.DuckDBPyConnection, ref: Reference, year: str, period: int | None = None,
               basis: str = "contribution", method: str = "default", shares: dict[int, Decimal] | None = None, *,
               as_at: dt.date | None = None) -> settlement_module.Settlement:
    return settlement_module.settlement(snap(con, ref), request(year, period, method, as_at), basis, shares)


def export_monitoring(con: duckdb.DuckDBPyConnection, ref: Reference, year: str, period: int | None = None,
                      method: str = "default", basis: str = "contribution", *, as_at: dt.date | None = None,
                      **options: Any) -> bytes:
    return monitoring_export.export_monitoring(snap(con, ref), request(year, period, method, as_at), basis,
                                               **options)


def counts_at(con: duckdb.DuckDBPyConnection, at: dt.date, as_at: dt.date | None = None
              ) -> dict[int, tuple[int, int]]:
    return interagency.counts_at(snap(con), interagency.CompensationRequest(at=at, as_at=as_at))


def go_live_compensation(con: duckdb.DuckDBPyConnection, ref: Reference, at: dt.date,
                         shares: dict[int, Decimal] | None = None, *, fee_name: str = interagency.DEFAULT_FEE,
                         london_weighting: bool = False, as_at: dt.date | None = None) -> interagency.Compensation:
    req = interagency.CompensationRequest(at=at, fee_name=fee_name, london_weighting=london_weighting, as_at=as_at)
    return interagency.go_live_compensation(snap(con, ref), req, shares)


def warehouse_drivers(con: duckdb.DuckDBPyConnection, as_at: dt.date | None = None) -> pd.DataFrame:
    return drivers.warehouse_drivers(snap(con), DataRequest(as_at=as_at))


def all_drivers(con: duckdb.DuckDBPyConnection, ref: Reference, as_at: dt.date | None = None) -> pd.DataFrame:
    return drivers.all_drivers(snap(con, ref), DataRequest(as_at=as_at))


def base_budgets(con: duckdb.DuckDBPyConnection, ref: Reference, year: str, scope: str = "pooled", *,
                 as_at: dt.date | None = None) -> dict[int, Decimal]:
    return contributions.base_budgets(snap(con, ref), request(year, as_at=as_at), scope)


def budget_years(con: duckdb.DuckDBPyConnection) -> list[str]:
    return contributions.budget_years(snap(con))


def run(con: duckdb.DuckDBPyConnection, ref: Reference, scenario: Scenario, *, as_at: dt.date | None = None
        ) -> contributions.Result:
    return contributions.run(snap(con, ref), ContributionsRequest(scenario=scenario, as_at=as_at))


def build(con: duckdb.DuckDBPyConnection, ref: Reference, req: boardpack.PackRequest, *, today: dt.date = TODAY,
          **options: Any) -> boardpack.BoardPack:
    return boardpack.build(snap(con, ref, today), req, **options)
