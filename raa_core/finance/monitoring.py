"""Monthly monitoring of the pooled budget: year-to-date actuals, forecast outturn, variance, RAG and
movement per council, area and cost line, with totals that reconcile to the penny (docs/finance.md).

Decisions where the spec is silent (tested in tests/core/finance/test_monitoring.py):
- Each financial year's budget and ledger come from the newest drop carrying that year.
- A council's monitoring period is its latest ledger period on or before the requested one.
- Lines recharged quarterly (reference `recharged_quarterly`) count only completed quarters:
  `run_rate` scales the actuals of the completed quarters to 12 months; before the first recharge
  (periods 1-2) there is nothing to scale and the forecast is the budget (method shown as `budget`).
- `establishment` (staff lines): actuals of completed months (quarters for recharged lines) plus the
  remaining months of the annual cost of filled posts and of agency posts not covering a go-live
  vacancy, mapped by team (adoption_support team -> adoption support area, others -> pooled) to the
  area's payroll line (recharged quarterly) or agency line. Vacant posts cost nothing until filled.
  A council with no establishment drop falls back to run_rate. Non-staff lines use run_rate.
- `submitted` where the council sent no forecast at that period falls back to the budget.
- Line forecasts are rounded once to the penny (half away from zero); every total is a plain sum.
- RAG: red when the overspend reaches red_pct % of the budget OR red_gbp (inclusive: exactly 5 % or
  exactly £100,000 is red); amber for any smaller overspend or an underspend strictly beyond
  amber_underspend_pct %; green otherwise. Percentages are of |budget| (income lines are negative).
- Movement is this period's forecast less the forecast at the council's previous period, both by the
  same method from the current ledger; null at period 1.
- A council with no ledger for the year has null actuals, forecast and variance; a total with any null
  part is null rather than a partial sum.
- ASF lines are outside the cash-limited totals. Spend and income are told apart by sign (income is
  negative); ASF spend to date not matched by ASF income to date is flagged `unfunded` (amount
  `unmatched_ytd`); `unfunded_forecast` / `unmatched_forecast` do the same for the forecast outturn.
  `raa budget --json` keeps docs/command-line.md's keys (ASF lines are not in `rows`/`totals`) and adds a top-level
  `asf` list: per council and the RAA (la_code null), spend and income budgets, year-to-date spend,
  income (negative) and net as money strings, `unmatched` and the `unfunded` flag.
- Go-live agency cover (establishment `agency_covers_go_live_vacancy`: an agency worker covering a
  post vacant at 1 April 2020) is borne by the council, not the pool (docs/finance.md). The ledger and the
  submitted forecasts are the council's return for the pool, so they are taken to exclude it (the
  council carries it on its own account); the only place the product itself adds establishment cost
  to the pool is the `establishment` forecast, which leaves these posts out. So no pooled figure
  includes them, by any method. The charge is shown apart (`council_charges`): per council and area,
  the posts' annual cost (the full-year charge), and the charge to date = annual cost x months of the
  year elapsed at the council's monitoring period / 12, rounded once to the penny. A council without a
  ledger for the year (so for the 2019-20 baseline, before pooling) has no charge.
- The establishment used for a year (forecast and charges) is the newest on or before the year end
  (and `as_at`): a closed year is not costed on today's posts.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, ConfigDict

from raa_core.finance.budget import COST_LINES_SQL, arrow_frame, cost_lines_param, frame
from raa_core.ingest.contract import MONEY_SUM_SQL as MONEY_SUM
from raa_core.money import json_money
from raa_core.periods import parse_financial_year
from raa_core.presentation import month_text
from raa_core.reference import RagSettings, Reference
from raa_core.requests import MonitoringRequest
from raa_core.snapshot import Snapshot
from raa_core.store import sql

METHODS = ("default", "submitted", "run_rate", "establishment")


class Monitoring(BaseModel):
    """One monitoring report: lines (cash-limited), ASF lines apart, totals at every level, ASF summary
    with the unfunded-spend flag, and go-live agency cover charged to councils."""

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    year: str
    period: int | None
    method: str
    la_code: int | None
    lines: pd.DataFrame
    asf_lines: pd.DataFrame
    totals: pd.DataFrame
    asf: pd.DataFrame
    council_charges: pd.DataFrame

    def total(self, la_code: int | None = None, budget_area: str | None = None) -> pd.Series:
        """The totals row for a council (None = RAA) and area (None = all areas)."""
        t = self.totals
        la = t["la_code"].isna() if la_code is None else t["la_code"] == la_code
        area = t["budget_area"].isna() if budget_area is None else t["budget_area"] == budget_area
        hit = t[la.fillna(False) & area.fillna(False)]
        if hit.empty:
            raise KeyError(f"no total for council {la_code} area {budget_area}")
        return hit.iloc[0]

    @property
    def has_movement(self) -> bool:
        """Whether there is an earlier period to measure the movement in forecast from (none at period 1)."""
        return bool(self.period) and int(self.period or 0) > 1


def year_end(year: str) -> dt.date:
    """31 March ending a financial year 'YYYY-YY' (BadInput for anything else)."""
    return parse_financial_year(year).end


def establishment_as_at(year: str, as_at: dt.date | None) -> dt.date:
    """The date whose establishment costs a year: the year end, or `as_at` if earlier."""
    end = year_end(year)
    return end if as_at is None else min(as_at, end)


def periods_to(latest: int) -> list[int]:
    """The monitoring periods that may be chosen: 1 to the latest any council has loaded."""
    return list(range(1, latest + 1))


def period_label(year: str, period: int | None) -> str:
    """'P7 (Oct 2026)' for period 7 of 2026-27; periods run from April."""
    if period is None:
        return "no ledger"
    month = (period + 2) % 12 + 1
    cal_year = int(year[:4]) + (1 if period >= 10 else 0)
    return f"P{period} ({month_text(dt.date(cal_year, month, 1))})"


_cents = sql.cents_sql
_div_pounds = sql.round_pounds_sql


def rag_params(rag: RagSettings) -> dict[str, Decimal]:
    """The RAG thresholds as the parameters `rag_sql` names."""
    return {"red_gbp": rag.red_gbp, "red_pct": rag.red_pct, "amber_pct": rag.amber_underspend_pct}


def rag_sql(variance: str, budget: str) -> str:
    """SQL for the RAG of a variance against its budget (exact decimal comparisons); thresholds come from
    the parameters `$red_gbp`, `$red_pct`, `$amber_pct` (`rag_params`)."""
    red_gbp, red_pct, amber = (f"CAST(${n} AS DECIMAL(18,4))" for n in ("red_gbp", "red_pct", "amber_pct"))
    return (
        f"CASE WHEN {variance} IS NULL THEN NULL "
        f"WHEN {variance} > 0 AND ({variance} >= {red_gbp} "
        f"OR {variance} * 100 >= abs({budget}) * {red_pct}) THEN 'red' "
        f"WHEN {variance} > 0 THEN 'amber' "
        f"WHEN {variance} < 0 AND -{variance} * 100 > abs({budget}) * {amber} "
        f"THEN 'amber' ELSE 'green' END"
    )


def _pct_sql(variance: str, budget: str) -> str:
    return f"CASE WHEN {budget} <> 0 THEN CAST({variance} AS DOUBLE) / abs(CAST({budget} AS DOUBLE)) * 100 END"


def _base_ctes(by_council: bool) -> str:
    """CTEs shared by monitoring and the forecast trend: budget, ledger (to $period), line universe,
    establishment cost per staff line, and go-live agency posts (parameters: `_params`)."""
    la = "AND la_code = $la" if by_council else ""
    est_state = sql.state_sql("establishment", "est_as_at")
    return f"""
    cl AS ({COST_LINES_SQL}),
    bud AS (SELECT la_code, budget_area, cost_line, budget_gbp AS budget
            FROM ({sql.latest_by_year_sql("budget")}) WHERE financial_year = $year {la}),
    led AS (SELECT la_code, period, budget_area, cost_line, actual_gbp, forecast_outturn_gbp
            FROM ({sql.latest_by_year_sql("ledger")})
            WHERE financial_year = $year AND period <= $period {la}),
    lines AS (SELECT la_code, budget_area, cost_line FROM bud
              UNION SELECT la_code, budget_area, cost_line FROM led),
    linex AS (SELECT l.la_code, l.budget_area, l.cost_line, coalesce(cl.label, l.cost_line) AS label,
                     coalesce(cl.kind, 'non_staff') AS kind, coalesce(cl.asf, false) AS asf,
                     coalesce(cl.recharged_quarterly, false) AS rq, coalesce(cl.sort_order, 999) AS sort_order
              FROM lines l LEFT JOIN cl USING (budget_area, cost_line)),
    est_posts AS (SELECT la_code,
                         CASE WHEN team = 'adoption_support' THEN 'adoption_support' ELSE 'pooled' END AS budget_area,
                         status, coalesce(agency_covers_go_live_vacancy, false) AS golive, fte, annual_cost_gbp
                  FROM ({est_state}) WHERE true {la}),
    staff_lines AS (SELECT budget_area,
                      coalesce(arg_min(cost_line, sort_order) FILTER (WHERE recharged_quarterly),
                               arg_min(cost_line, sort_order)) AS payroll_line,
                      coalesce(arg_min(cost_line, sort_order) FILTER (WHERE NOT recharged_quarterly),
                               arg_min(cost_line, sort_order)) AS agency_line
                    FROM cl WHERE kind = 'staff' GROUP BY budget_area),
    has_est AS (SELECT DISTINCT la_code, true AS has_est FROM est_posts),
    est AS (SELECT p.la_code, p.budget_area,
                   CASE WHEN p.status = 'agency' THEN s.agency_line ELSE s.payroll_line END AS cost_line,
                   sum(p.annual_cost_gbp) AS est_cost
            FROM est_posts p JOIN staff_lines s USING (budget_area)
            WHERE p.status = 'filled' OR (p.status = 'agency' AND NOT p.golive)
            GROUP BY ALL)"""


def _forecast_ctes() -> str:
    """CTEs computing, for every line and every (council, r, k) row of `pts`, the forecast at period k."""
    run_rate = _div_pounds(f"{_cents('ytd_done')} * 12", "md")
    remaining = _div_pounds(_cents("est_cost") + " * (12 - md)", "12")
    establishment = f"CAST(ytd_done + {remaining} AS {MONEY_SUM})"
    return f"""
    grid AS (SELECT x.la_code, x.budget_area, x.cost_line, x.kind, x.rq, a.r, a.k,
                    CASE WHEN x.rq THEN 3 * (a.k // 3) ELSE a.k END AS md
             FROM linex x JOIN pts a USING (la_code)),
    agg AS (SELECT g.la_code, g.budget_area, g.cost_line, g.kind, g.r, g.k, g.md,
                   coalesce(sum(l.actual_gbp), 0) AS ytd,
                   coalesce(sum(l.actual_gbp) FILTER (WHERE l.period <= g.md), 0) AS ytd_done,
                   max(l.forecast_outturn_gbp) FILTER (WHERE l.period = g.k) AS sub
            FROM grid g LEFT JOIN led l
              ON l.la_code = g.la_code AND l.budget_area = g.budget_area AND l.cost_line = g.cost_line
             AND l.period <= g.k
            GROUP BY g.la_code, g.budget_area, g.cost_line, g.kind, g.r, g.k, g.md),
    meth AS (SELECT a.*, coalesce(b.budget, 0) AS budget, coalesce(e.est_cost, 0) AS est_cost,
               CASE
                 WHEN $method = 'submitted' THEN CASE WHEN a.sub IS NOT NULL THEN 'submitted' ELSE 'budget' END
                 WHEN $method = 'run_rate' THEN CASE WHEN a.md > 0 THEN 'run_rate' ELSE 'budget' END
                 WHEN $method = 'establishment' THEN
                   CASE WHEN a.kind = 'staff' AND coalesce(h.has_est, false) THEN 'establishment'
                        WHEN a.md > 0 THEN 'run_rate' ELSE 'budget' END
                 ELSE CASE WHEN a.sub IS NOT NULL THEN 'submitted'
                           WHEN a.kind = 'staff' AND coalesce(h.has_est, false) THEN 'establishment'
                           WHEN a.md > 0 THEN 'run_rate' ELSE 'budget' END
               END AS method
             FROM agg a
             LEFT JOIN bud b USING (la_code, budget_area, cost_line)
             LEFT JOIN has_est h USING (la_code)
             LEFT JOIN est e USING (la_code, budget_area, cost_line)),
    fc AS (SELECT la_code, budget_area, cost_line, r, k, ytd, method,
             CAST(CASE method
               WHEN 'submitted' THEN sub
               WHEN 'run_rate' THEN {run_rate}
               WHEN 'establishment' THEN {establishment}
               ELSE budget END AS {MONEY_SUM}) AS forecast
           FROM meth)"""


def _params(
    ref: Reference, year: str, period: int | None, method: str, la_code: int | None, as_at: dt.date | None
) -> dict[str, Any]:
    """Every parameter monitoring SQL may name (`sql.query` passes each statement the ones it uses)."""
    return {"year": year, "period": period, "method": method, "la": la_code, "as_at": as_at,
            "est_as_at": establishment_as_at(year, as_at), "cost_lines": cost_lines_param(ref),
            **rag_params(ref.settings.rag)}


def _values(request: MonitoringRequest) -> tuple[str, int | None, str, dt.date | None]:
    """(year, period, method, as_at) of a request; the request record has already checked each value."""
    return request.year, request.period, request.method.value, request.as_at


def latest_period(snapshot: Snapshot, request: MonitoringRequest, la_code: int | None = None) -> int | None:
    """The latest ledger period loaded for the request's year as at its as-at date (for one council or any),
    or None without a ledger (docs/finance.md, monitoring period)."""
    with snapshot.cursor() as con:
        return _latest_period(con, request.year, la_code, request.as_at)


def _latest_period(con: duckdb.DuckDBPyConnection, year: str, la_code: int | None, as_at: dt.date | None) -> int | None:
    la = "AND la_code = $la" if la_code is not None else ""
    got = sql.query(
        con,
        f"SELECT max(period) FROM ({sql.latest_by_year_sql('ledger')}) WHERE financial_year = $year {la}",
        {"year": year, "la": la_code, "as_at": as_at},
    ).fetchall()[0][0]
    return None if got is None else int(got)


def ledger_behind(mon: Monitoring, period: int) -> list[tuple[int, int]]:
    """(council, its latest ledger period) for each council of a report whose ledger does not yet reach the
    period asked for: its figures are at its own latest period (docs/finance.md, monitoring period)."""
    reached = mon.lines.groupby("la_code")["period"].max()
    return [(int(c), int(p)) for c, p in reached.items()
            if (mon.la_code is None or int(c) == mon.la_code) and not pd.isna(p) and int(p) < period]


COMMENT_COLUMNS = {"comment": "comment", "author": "comment_author", "created_at": "comment_at"}


def with_comments(lines: pd.DataFrame, comments: pd.DataFrame | None) -> pd.DataFrame:
    """Lines with the latest comment of each (council, area, line) beside them (None where there is none)."""
    keys = ["la_code", "budget_area", "cost_line"]
    if comments is None or comments.empty:
        return lines.assign(comment=None, comment_author=None, comment_at=pd.NaT)
    c = comments[[*keys, *COMMENT_COLUMNS]].rename(columns=COMMENT_COLUMNS)
    c = c.astype({"la_code": lines["la_code"].dtype})
    out = lines.merge(c, on=keys, how="left")
    for col in ("comment", "comment_author"):
        out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out


_TOTALS_SQL = """
SELECT CASE WHEN grouping(la_code) = 0 AND grouping(budget_area) = 0 THEN 'council_area'
            WHEN grouping(la_code) = 0 THEN 'council'
            WHEN grouping(budget_area) = 0 THEN 'area' ELSE 'raa' END AS level,
       la_code, budget_area,
       sum(budget) AS budget,
       CASE WHEN count(ytd_actual) = count(*) THEN sum(ytd_actual) END AS ytd_actual,
       CASE WHEN count(forecast) = count(*) THEN sum(forecast) END AS forecast,
       CASE WHEN count(forecast) = count(*) THEN sum(forecast) - sum(budget) END AS variance,
       CASE WHEN count(prev_forecast) = count(*) THEN sum(prev_forecast) END AS prev_forecast,
       CASE WHEN count(movement) = count(*) THEN sum(movement) END AS movement,
       min(sort_order) AS area_order
FROM l
GROUP BY GROUPING SETS ((la_code, budget_area), (la_code), (budget_area), ())
HAVING count(*) > 0
"""

_ASF_SQL = """
SELECT la_code,
       sum(greatest(budget, 0)) AS spend_budget, sum(least(budget, 0)) AS income_budget,
       CASE WHEN count(ytd_actual) = count(*) THEN sum(greatest(ytd_actual, 0)) END AS spend_ytd,
       CASE WHEN count(ytd_actual) = count(*) THEN sum(least(ytd_actual, 0)) END AS income_ytd,
       CASE WHEN count(ytd_actual) = count(*) THEN sum(ytd_actual) END AS net_ytd,
       CASE WHEN count(forecast) = count(*) THEN sum(greatest(forecast, 0)) END AS spend_forecast,
       CASE WHEN count(forecast) = count(*) THEN sum(least(forecast, 0)) END AS income_forecast,
       CASE WHEN count(forecast) = count(*) THEN sum(forecast) END AS net_forecast
FROM l GROUP BY GROUPING SETS ((la_code), ())
HAVING count(*) > 0
"""


def monitor(
    snapshot: Snapshot,
    request: MonitoringRequest,
    la_code: int | None = None,
    *,
    comments: pd.DataFrame | None = None,
) -> Monitoring:
    """The monitoring report for a year and period (default: the latest loaded) by a forecast method.

    `comments`: the latest variance comment per line for this year and period (`commentary.comments`, from
    the app-state store), shown beside each line as `comment`, `comment_author`, `comment_at`.
    The request gives the year, period, method and as-at date; `la_code` limits the report to one council in
    SQL (its lines and totals; no RAA rows). Rules: docs/finance.md (monitoring) and the module docstring."""
    with snapshot.cursor() as con:
        return _monitor(con, snapshot.ref, request, la_code, comments)


def _monitor(con: duckdb.DuckDBPyConnection, ref: Reference, request: MonitoringRequest, la_code: int | None,
             comments: pd.DataFrame | None) -> Monitoring:
    year, period, method, as_at = _values(request)
    if period is None:
        period = _latest_period(con, year, la_code, as_at)
    by_council = la_code is not None
    params = _params(ref, year, period, method, la_code, as_at)
    query = f"""
    WITH {_base_ctes(by_council)},
    eff AS (SELECT la_code, max(period) AS e FROM led GROUP BY la_code),
    pts AS (SELECT la_code, 0 AS r, e AS k FROM eff
           UNION ALL SELECT la_code, 1 AS r, e - 1 AS k FROM eff WHERE e > 1),
    {_forecast_ctes()},
    lo AS (SELECT x.la_code, CAST($year AS VARCHAR) AS financial_year, c.k AS period,
                  x.budget_area, x.cost_line, x.label, x.kind, x.asf, x.sort_order,
                  CAST(coalesce(b.budget, 0) AS {MONEY_SUM}) AS budget,
                  CAST(c.ytd AS {MONEY_SUM}) AS ytd_actual, c.forecast, c.method,
                  CAST(c.forecast - coalesce(b.budget, 0) AS {MONEY_SUM}) AS variance,
                  p.forecast AS prev_forecast, CAST(c.forecast - p.forecast AS {MONEY_SUM}) AS movement
           FROM linex x
           LEFT JOIN bud b USING (la_code, budget_area, cost_line)
           LEFT JOIN (SELECT * FROM fc WHERE r = 0) c USING (la_code, budget_area, cost_line)
           LEFT JOIN (SELECT * FROM fc WHERE r = 1) p USING (la_code, budget_area, cost_line))
    SELECT lo.*,
           {_pct_sql("variance", "budget")} AS variance_pct,
           {rag_sql("variance", "budget")} AS rag
    FROM lo ORDER BY la_code, sort_order, budget_area, cost_line
    """
    rel = sql.query(con, query, params)
    table: pa.Table = rel.to_arrow_table()
    all_lines = with_comments(arrow_frame(table), comments)
    is_asf = all_lines["asf"].astype(bool)
    lines = all_lines[~is_asf].reset_index(drop=True)
    asf_lines = all_lines[is_asf].reset_index(drop=True)

    cash = table.filter(pc.invert(table["asf"]))
    tot_sql = f"""
        SELECT t.*, {_pct_sql("variance", "budget")} AS variance_pct,
               {rag_sql("variance", "budget")} AS rag
        FROM ({_TOTALS_SQL}) t
        ORDER BY la_code NULLS LAST, budget_area IS NULL, area_order
    """
    con.register("l", cash)
    try:
        totals = frame(sql.query(con, tot_sql, params)).drop(columns="area_order")
    finally:
        con.unregister("l")
    asf_sql = (f"SELECT *, greatest(net_ytd, 0) AS unmatched_ytd, greatest(net_forecast, 0) AS unmatched_forecast, "
               f"coalesce(net_ytd > 0, false) AS unfunded, coalesce(net_forecast > 0, false) AS unfunded_forecast "
               f"FROM ({_ASF_SQL}) ORDER BY la_code NULLS LAST")
    con.register("l", table.filter(table["asf"]))
    try:
        asf = frame(sql.query(con, asf_sql))
    finally:
        con.unregister("l")
    if by_council:
        totals = totals[totals["la_code"].notna()].reset_index(drop=True)
        asf = asf[asf["la_code"].notna()].reset_index(drop=True)
    charges = _council_charges(con, year, period, la_code, as_at)
    return Monitoring(
        year=year,
        period=period,
        method=method,
        la_code=la_code,
        lines=lines,
        asf_lines=asf_lines,
        totals=totals.reset_index(drop=True),
        asf=asf,
        council_charges=charges,
    )


def council_charges(snapshot: Snapshot, request: MonitoringRequest, la_code: int | None = None) -> pd.DataFrame:
    """Agency posts covering a post vacant at go-live, charged to the council and not the pool: per
    council and area, the annual cost (full-year charge) and the charge to the council's period
    (the request's period, else 12; docs/finance.md)."""
    with snapshot.cursor() as con:
        return _council_charges(con, request.year, request.period, la_code, request.as_at)


def _council_charges(con: duckdb.DuckDBPyConnection, year: str, period: int | None, la_code: int | None,
                     as_at: dt.date | None) -> pd.DataFrame:
    la = "AND p.la_code = $la" if la_code is not None else ""
    params: dict[str, Any] = {"year": year, "period": period or 12, "la": la_code, "as_at": as_at,
                              "est_as_at": establishment_as_at(year, as_at)}
    charge = _div_pounds(_cents("annual_cost") + " * months", "12")
    return frame(
        sql.query(
            con,
            f"""WITH eff AS (SELECT la_code, max(period) AS months
                             FROM ({sql.latest_by_year_sql("ledger")})
                             WHERE financial_year = $year AND period <= $period GROUP BY la_code),
                posts AS (SELECT p.la_code,
                                 CASE WHEN p.team = 'adoption_support' THEN 'adoption_support'
                                      ELSE 'pooled' END AS budget_area,
                                 count(*) AS posts, sum(p.fte) AS fte,
                                 CAST(sum(p.annual_cost_gbp) AS {MONEY_SUM}) AS annual_cost
                          FROM ({sql.state_sql("establishment", "est_as_at")}) p
                          WHERE p.status = 'agency' AND coalesce(p.agency_covers_go_live_vacancy, false) {la}
                          GROUP BY ALL)
                SELECT la_code, budget_area, posts, fte, annual_cost, CAST(months AS INTEGER) AS months,
                       {charge} AS charge_to_date
                FROM posts JOIN eff USING (la_code)
                ORDER BY la_code, budget_area DESC""",
            params,
        )
    )


def forecast_trend(snapshot: Snapshot, request: MonitoringRequest, la_code: int | None = None) -> pd.DataFrame:
    """Forecast outturn at each period 1..period (the request's, default: latest) against the budget, per
    council and area (cash-limited lines), computed in one query by the same rules as `monitor`; `la_code`
    limits it to one council in SQL."""
    with snapshot.cursor() as con:
        return _forecast_trend(con, snapshot.ref, request, la_code)


def _forecast_trend(con: duckdb.DuckDBPyConnection, ref: Reference, request: MonitoringRequest,
                    la_code: int | None) -> pd.DataFrame:
    year, period, method, as_at = _values(request)
    if period is None:
        period = _latest_period(con, year, la_code, as_at)
    params = _params(ref, year, period, method, la_code, as_at)
    query = f"""
    WITH {_base_ctes(la_code is not None)},
    eff AS (SELECT la_code, max(period) AS e FROM led GROUP BY la_code),
    pts AS (SELECT eff.la_code, s.period AS r, least(s.period, eff.e) AS k
           FROM eff CROSS JOIN ({sql.monitoring_periods_sql()}) s),
    {_forecast_ctes()}
    SELECT f.r AS period, f.la_code, f.budget_area,
           CAST(sum(coalesce(b.budget, 0)) AS {MONEY_SUM}) AS budget,
           CAST(sum(f.ytd) AS {MONEY_SUM}) AS ytd_actual,
           CAST(sum(f.forecast) AS {MONEY_SUM}) AS forecast
    FROM fc f JOIN linex x USING (la_code, budget_area, cost_line)
    LEFT JOIN bud b USING (la_code, budget_area, cost_line)
    WHERE NOT x.asf
    GROUP BY f.r, f.la_code, f.budget_area
    ORDER BY f.r, f.la_code, f.budget_area
    """
    return frame(sql.query(con, query, params))


def recharge_schedule(snapshot: Snapshot, request: MonitoringRequest, la_code: int | None = None) -> pd.DataFrame:
    """Quarterly staffing recharges per council, quarter and recharged line (reference `recharged_quarterly`):
    the actuals posted in the quarter's periods; `complete` once the council's ledger reaches the quarter end
    (docs/finance.md). The request's year and as-at date; `la_code` limits it to one council in SQL."""
    with snapshot.cursor() as con:
        return _recharge_schedule(con, snapshot.ref, request.year, la_code, request.as_at)


def _recharge_schedule(con: duckdb.DuckDBPyConnection, ref: Reference, year: str, la_code: int | None,
                       as_at: dt.date | None) -> pd.DataFrame:
    la = "AND la_code = $la" if la_code is not None else ""
    params: dict[str, Any] = {"year": year, "la": la_code, "as_at": as_at, "cost_lines": cost_lines_param(ref)}
    query = f"""
    WITH cl AS ({COST_LINES_SQL}),
    led AS (SELECT * FROM ({sql.latest_by_year_sql("ledger")}) WHERE financial_year = $year {la}),
    rq AS (SELECT budget_area, cost_line, sort_order FROM cl WHERE recharged_quarterly),
    councils AS (SELECT la_code, max(period) AS last_period FROM led GROUP BY la_code),
    q AS (SELECT unnest([1, 2, 3, 4]) AS quarter)
    SELECT c.la_code, CAST($year AS VARCHAR) AS financial_year, q.quarter,
           3 * q.quarter - 2 AS first_period, 3 * q.quarter AS last_period,
           rq.budget_area, rq.cost_line,
           CAST(coalesce(sum(l.actual_gbp), 0) AS {MONEY_SUM}) AS recharged,
           c.last_period >= 3 * q.quarter AS complete
    FROM councils c CROSS JOIN q CROSS JOIN rq
    LEFT JOIN led l ON l.la_code = c.la_code AND l.budget_area = rq.budget_area
                   AND l.cost_line = rq.cost_line AND (l.period - 1) // 3 + 1 = q.quarter
    GROUP BY c.la_code, q.quarter, rq.budget_area, rq.cost_line, rq.sort_order, c.last_period
    ORDER BY c.la_code, q.quarter, rq.sort_order
    """
    return frame(sql.query(con, query, params))


def recharge_table(schedule: pd.DataFrame) -> pd.DataFrame:
    """The recharge schedule one row per council and line: Q1..Q4 recharged (None for a quarter not yet
    complete and with nothing posted), the total recharged to date, and how many quarters are complete."""
    cols = ["la_code", "budget_area", "cost_line", "Q1", "Q2", "Q3", "Q4", "to_date", "quarters_complete"]
    if schedule.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    for (la, area, line), g in schedule.groupby(["la_code", "budget_area", "cost_line"], sort=False):
        row: dict[str, Any] = {"la_code": int(la), "budget_area": area, "cost_line": line}
        for q in g.itertuples(index=False):
            shown = q.recharged if bool(q.complete) or q.recharged != 0 else None
            row[f"Q{int(q.quarter)}"] = shown
        row["to_date"] = sum(g["recharged"], Decimal("0.00"))
        row["quarters_complete"] = int(g["complete"].astype(bool).sum())
        rows.append(row)
    return pd.DataFrame(rows, columns=cols)


def _pct_json(variance: Any, budget: Any) -> float | None:
    if variance is None or budget is None or pd.isna(variance) or budget == 0:
        return None
    return float((variance / abs(budget) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _none(v: Any) -> Any:
    return None if v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v)) else v


def report_dict(mon: Monitoring) -> dict[str, Any]:
    """A Monitoring as the JSON of `raa budget` (docs/command-line.md): money strings with two decimals. Beside the
    docs/command-line.md keys, `asf` has the Adoption Support Fund per council (null = RAA), outside the cash-limited
    rows: year-to-date spend, income (negative) and net, and `unfunded` when spend exceeds income."""
    rows = [
        {
            "la_code": int(r.la_code),
            "budget_area": r.budget_area,
            "cost_line": r.cost_line,
            "budget": json_money(_none(r.budget)),
            "ytd_actual": json_money(_none(r.ytd_actual)),
            "forecast": json_money(_none(r.forecast)),
            "method": _none(r.method),
            "variance": json_money(_none(r.variance)),
            "variance_pct": _pct_json(_none(r.variance), _none(r.budget)),
            "rag": _none(r.rag),
            "movement": json_money(_none(r.movement)),
        }
        for r in mon.lines.itertuples(index=False)
    ]
    totals = [
        {
            "la_code": None if pd.isna(t.la_code) else int(t.la_code),
            "budget_area": _none(t.budget_area),
            "budget": json_money(_none(t.budget)),
            "forecast": json_money(_none(t.forecast)),
            "variance": json_money(_none(t.variance)),
        }
        for t in mon.totals.itertuples(index=False)
    ]
    asf = [
        {
            "la_code": None if pd.isna(a.la_code) else int(a.la_code),
            "spend_budget": json_money(_none(a.spend_budget)),
            "income_budget": json_money(_none(a.income_budget)),
            "spend": json_money(_none(a.spend_ytd)),
            "income": json_money(_none(a.income_ytd)),
            "net": json_money(_none(a.net_ytd)),
            "unmatched": json_money(_none(a.unmatched_ytd)),
            "unfunded": bool(a.unfunded),
        }
        for a in mon.asf.itertuples(index=False)
    ]
    return {"year": mon.year, "period": mon.period, "rows": rows, "totals": totals, "asf": asf}


def budget_report(snapshot: Snapshot, request: MonitoringRequest, la_code: int | None = None) -> dict[str, Any]:
    """Exactly the JSON of `raa budget --year --period --method` (docs/command-line.md); ASF lines are not in it."""
    return report_dict(monitor(snapshot, request, la_code))
