"""DfE adoption scorecard indicators A1, A2, A3 and A10, per council, region and mean of councils.

Rules (spec indicators.md): the cohort is the children whose adoption order falls in the period;
A1 = mean days entered care -> placed; A2 = mean days placement order -> match (0 where the match came
first) for children with a placement order, not placed with consent, placed before the order; A3 = children
placed before the day 14 calendar months after entering care (count and %); A10 = A1 ending at the day
the child moved in with foster carers who went on to adopt. Means round half away from zero to whole days;
percentages to whole percent from unrounded counts. `region` counts all children together; `region_mean`
is the plain mean of the (rounded) council figures, as the business case computed its "Regional Average".
Everything runs as one set-based DuckDB query over the children table, whatever the number of periods.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import duckdb
import pandas as pd

from raa_core import warehouse
from raa_core.periods import (
    Period,
    add_months_sql,
    financial_year,
    financial_year_of,
    parse_period,
    periods_values_sql,
    three_year,
)
from raa_core.reference import Reference

INDICATORS: tuple[str, ...] = ("A1", "A2", "A3", "A10")
TIME_INDICATORS: tuple[str, ...] = ("A1", "A2", "A10")
SCORECARD_COLUMNS: list[str] = [
    "indicator",
    "area",
    "value",
    "median",
    "n",
    "threshold",
    "difference",
    "low_n",
    "count",
    "national",
]
LABELS: dict[str, str] = {
    "A1": "Average days from entering care to moving in with the adoptive family",
    "A2": "Average days from court authority to place to the match with the adoptive family",
    "A3": "Children placed within 14 months of entering care (count and %)",
    "A10": "Average days from entering care to moving in with the family who adopted (incl. foster carers)",
}
_INT_COLUMNS = ("value", "median", "threshold", "difference", "count", "national")


def state_source(table: str, as_at: dt.date | None = None) -> str:
    """SQL naming a drop table's current state, or its state as at a date (for FROM clauses)."""
    if as_at is None:
        return f"{table}_current"
    return f"({warehouse.state_sql(table, as_at)})"


def councils_sql(ref: Reference | None, as_at: dt.date | None = None) -> str:
    """SQL listing the councils to report: those in reference data and any with a drop (by `as_at`)."""
    when = f"WHERE extract_date <= DATE '{as_at.isoformat()}'" if as_at is not None else ""
    present = f"SELECT DISTINCT la_code FROM drops {when}"
    codes = ref.la_codes if ref is not None else []
    if not codes:
        return present
    listed = ", ".join(f"({int(c)})" for c in codes)
    return f"SELECT la_code FROM (VALUES {listed}) v(la_code) UNION {present}"


#: Sort key that puts `region` after every council code.
REGION_ORDER = 9_000_000_000


def areas_sql(ref: Reference | None, as_at: dt.date | None = None) -> str:
    """SQL table (area, aord): each council code as a string in code order, then `region`."""
    return (
        f"SELECT CAST(la_code AS VARCHAR) AS area, CAST(la_code AS BIGINT) AS aord "
        f"FROM ({councils_sql(ref, as_at)}) UNION ALL SELECT 'region', {REGION_ORDER}"
    )


def area_sql(col: str = "la_code") -> str:
    """The area label of a GROUPING SETS row: the council code, or `region` for the all-councils set."""
    return f"CASE WHEN grouping({col}) = 1 THEN 'region' ELSE CAST({col} AS VARCHAR) END"


def dates_values_sql(dates: Sequence[dt.date]) -> str:
    """SQL table (at_date, dord) of the given dates in order (empty if none)."""
    if not dates:
        return "SELECT * FROM (VALUES (DATE '1900-01-01', 0)) v(at_date, dord) WHERE false"
    rows = ", ".join(f"(DATE '{d.isoformat()}', {i})" for i, d in enumerate(dates))
    return f"SELECT * FROM (VALUES {rows}) v(at_date, dord)"


def round_mean_sql(total: str, n: str) -> str:
    """`total / n` of whole numbers rounded half away from zero (NULL where n = 0 or total is NULL).

    Exact despite the DOUBLE division: a quotient of integers that is exactly k + 0.5 divides to exactly
    k + 0.5, and any other quotient lies at least 1/(2n) from a half, far beyond double precision for
    day counts, so DuckDB's round (half away from zero) gives the exact rounding.
    """
    return f"CAST(round({total} / nullif({n}, 0)) AS BIGINT)"


def round_median_sql(median: str) -> str:
    """A median of whole days (a whole or half number, exact in DOUBLE) rounded half away from zero."""
    return f"CAST(round({median}) AS BIGINT)"


def round_pct_sql(count: str, n: str) -> str:
    """Whole percent of `count` in `n` from the unrounded counts (NULL where n = 0)."""
    return round_mean_sql(f"(100 * {count})", n)


def cohort_sql(source: str, periods: Sequence[Period]) -> str:
    """One row per child in each period's cohort with its A1, A2, A3 and A10 terms."""
    within = add_months_sql("s.entered_care_date", 14)
    return f"""
        SELECT p.period, p.pord, s.la_code,
            datediff('day', s.entered_care_date, s.placed_date) AS a1,
            CASE WHEN s.placement_order_date IS NOT NULL AND NOT coalesce(s.placed_with_consent, false)
                      AND s.matched_date IS NOT NULL AND s.placed_date < s.adoption_order_date
                 THEN greatest(datediff('day', s.placement_order_date, s.matched_date), 0) END AS a2,
            s.placed_date < {within} AS a3,
            datediff('day', s.entered_care_date,
                CASE WHEN s.fostered_by_adopters_from < s.placed_date
                     THEN greatest(s.fostered_by_adopters_from, s.entered_care_date)
                     ELSE s.placed_date END) AS a10
        FROM {source} s JOIN ({periods_values_sql(list(periods))}) p
          ON s.adoption_order_date BETWEEN p.pstart AND p.pend
        WHERE s.placed_date IS NOT NULL
    """


def _scorecard_sql(source: str, periods: Sequence[Period], ref: Reference, as_at: dt.date | None) -> str:
    """One query: cohort terms -> per-area aggregates -> one row per indicator -> mean of councils."""
    mean, med = round_mean_sql, round_median_sql
    per = periods_values_sql(list(periods))
    facts = (
        ", ".join(
            f"('{p.name}', '{ind}', {_sql_int(ref.threshold(ind, p.end))}, {_sql_int(_national(ref, ind, p.name))})"
            for p in periods
            for ind in INDICATORS
        )
        or "('', '', NULL, NULL)"
    )
    council = f"aord < {REGION_ORDER}"
    w = "OVER (PARTITION BY period, indicator)"
    return f"""
    WITH p AS ({per}),
    agg AS (
        SELECT period, {area_sql()} AS area,
            count(a1) AS n1, sum(a1) AS s1, median(a1) AS m1,
            count(a2) AS n2, sum(a2) AS s2, median(a2) AS m2,
            count(a3) AS n3, count_if(a3) AS k3,
            count(a10) AS n10, sum(a10) AS s10, median(a10) AS m10
        FROM ({cohort_sql(source, periods)}) c GROUP BY GROUPING SETS ((period, la_code), (period))
    ),
    long AS (
        SELECT p.period, p.pord, a.area, a.aord, unnest([
            {{'indicator': 'A1', 'iord': 1, 'n': coalesce(n1, 0), 'value': {mean("s1", "n1")},
              'median': {med("m1")}, 'count': CAST(NULL AS BIGINT)}},
            {{'indicator': 'A2', 'iord': 2, 'n': coalesce(n2, 0), 'value': {mean("s2", "n2")},
              'median': {med("m2")}, 'count': CAST(NULL AS BIGINT)}},
            {{'indicator': 'A3', 'iord': 3, 'n': coalesce(n3, 0), 'value': {round_pct_sql("k3", "n3")},
              'median': CAST(NULL AS BIGINT), 'count': coalesce(k3, 0)}},
            {{'indicator': 'A10', 'iord': 4, 'n': coalesce(n10, 0), 'value': {mean("s10", "n10")},
              'median': {med("m10")}, 'count': CAST(NULL AS BIGINT)}}
        ], recursive := true)
        FROM p CROSS JOIN ({areas_sql(ref, as_at)} UNION ALL SELECT 'region_mean', {REGION_ORDER + 1}) a
        LEFT JOIN agg ON agg.period = p.period AND agg.area = a.area
    ),
    win AS (
        SELECT *, sum(value) FILTER (WHERE {council}) {w} AS rm_s, count(value) FILTER (WHERE {council}) {w} AS rm_c,
               sum(n) FILTER (WHERE {council}) {w} AS rm_n, sum(count) FILTER (WHERE {council}) {w} AS rm_k
        FROM long
    ),
    fig AS (
        SELECT period, pord, area, aord, indicator, iord,
            CASE WHEN area = 'region_mean' THEN {mean("rm_s", "rm_c")} ELSE value END AS value,
            CASE WHEN area = 'region_mean' THEN NULL ELSE median END AS median,
            CAST(CASE WHEN area = 'region_mean' THEN rm_n ELSE n END AS BIGINT) AS n,
            CAST(CASE WHEN area = 'region_mean' THEN rm_k ELSE count END AS BIGINT) AS count
        FROM win
    )
    SELECT fig.period, fig.indicator, fig.area, fig.value, fig.median, fig.n, f.threshold,
           fig.value - f.threshold AS difference, fig.n < {int(ref.settings.low_n_below)} AS low_n,
           fig.count, f.national
    FROM fig LEFT JOIN (SELECT * FROM (VALUES {facts}) v(period, indicator, threshold, national)) f
      ON f.period = fig.period AND f.indicator = fig.indicator
    ORDER BY fig.pord, fig.iord, fig.aord
    """


def _sql_int(v: int | None) -> str:
    return "CAST(NULL AS BIGINT)" if v is None else f"CAST({int(v)} AS BIGINT)"


def scorecards(
    con: duckdb.DuckDBPyConnection,
    periods: Sequence[Period],
    ref: Reference,
    as_at: dt.date | None = None,
) -> pd.DataFrame:
    """The scorecard for several periods at once (one query); a `period` column leads the scorecard's."""
    source = state_source("children", as_at)
    df = con.execute(_scorecard_sql(source, periods, ref, as_at)).df()
    for col in _INT_COLUMNS:
        df[col] = df[col].astype("Int64")
    df["n"] = df["n"].astype("int64")
    df["low_n"] = df["low_n"].astype(bool)
    return df


def _national(ref: Reference, indicator: str, period: str) -> int | None:
    fig = ref.national_figure(indicator, period)
    if fig is None:
        return None
    return fig.pct if indicator == "A3" else fig.value


def scorecard(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    ref: Reference,
    as_at: dt.date | None = None,
) -> pd.DataFrame:
    """A1, A2, A3, A10 for one period: a row per indicator and area (councils, `region`, `region_mean`)."""
    return scorecards(con, [period], ref, as_at).drop(columns="period")


def latest_adoption_year(con: duckdb.DuckDBPyConnection, as_at: dt.date | None = None) -> Period | None:
    """The financial year of the latest adoption order in the (as-at) state, or None if there is none."""
    latest = con.execute(f"SELECT max(adoption_order_date) FROM {state_source('children', as_at)}").fetchall()
    return financial_year_of(latest[0][0]) if latest and latest[0][0] is not None else None


def trend_periods(
    kind: str, first: str | Period = "2015-16", last: str | Period | None = None, latest: Period | None = None
) -> list[Period]:
    """Successive years, or rolling 3-year periods, from `first` to `last` (default: the `latest` year).

    For 3-year periods the first window starts with `first`'s first year and the last ends with `last`'s
    last year.
    """
    start = parse_period(first) if isinstance(first, str) else first
    end = parse_period(last) if isinstance(last, str) else last
    if end is None:
        end = latest if latest is not None else financial_year_of(start.end)
    last_year = end.end.year - 1  # start year of the final financial year
    if kind == "year":
        return [financial_year(y) for y in range(start.first_year, last_year + 1)]
    if kind == "three_year":
        return [three_year(y) for y in range(start.first_year, last_year - 1)]
    raise ValueError(f"trend kind must be 'year' or 'three_year', not {kind!r}")


def trend(
    con: duckdb.DuckDBPyConnection,
    ref: Reference,
    indicator: str | None,
    kind: str = "year",
    first: str | Period = "2015-16",
    last: str | Period | None = None,
    as_at: dt.date | None = None,
) -> pd.DataFrame:
    """The scorecard over successive periods (for trend charts); `indicator` None keeps all four."""
    if indicator is not None and indicator not in INDICATORS:
        raise ValueError(f"indicator must be one of {', '.join(INDICATORS)}, not {indicator!r}")
    periods = trend_periods(kind, first, last, latest_adoption_year(con, as_at))
    df = scorecards(con, periods, ref, as_at)
    if indicator is not None:
        df = df[df["indicator"] == indicator].reset_index(drop=True)
    return df


def compare_council(scorecard_df: pd.DataFrame, area: str) -> pd.DataFrame:
    """One council's figures beside the region's and the best council's (lowest days, highest A3 %)."""
    rows = []
    for ind in INDICATORS:
        sc = scorecard_df[scorecard_df["indicator"] == ind]
        councils = sc[~sc["area"].isin(["region", "region_mean"]) & sc["value"].notna()]
        best = None
        if len(councils):
            pick = councils["value"].astype("int64")
            best = councils.loc[pick.idxmax() if ind == "A3" else pick.idxmin()]
        own = sc[sc["area"] == area]
        region = sc[sc["area"] == "region"]
        rows.append(
            {
                "indicator": ind,
                "council": own["value"].iloc[0] if len(own) else None,
                "council_n": int(own["n"].iloc[0]) if len(own) else 0,
                "region": region["value"].iloc[0] if len(region) else None,
                "best": None if best is None else best["value"],
                "best_area": None if best is None else str(best["area"]),
            }
        )
    out = pd.DataFrame(rows)
    for col in ("council", "region", "best"):
        out[col] = pd.array([None if pd.isna(v) else int(v) for v in out[col]], dtype="Int64")
    return out


def _plain(v: Any) -> Any:
    if v is None or v is pd.NA:
        return None
    if isinstance(v, bool):
        return v
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(v, "item"):
        return v.item()
    return v


def kpi_report(
    con: duckdb.DuckDBPyConnection,
    period_text: str,
    ref: Reference,
    as_at: dt.date | None = None,
) -> dict[str, Any]:
    """The JSON document of `raa kpi --period P [--as-at DATE]` (spec cli.md)."""
    period = parse_period(period_text)
    df = scorecard(con, period, ref, as_at)
    rows: list[dict[str, Any]] = []
    for rec in df.to_dict(orient="records"):
        row = {
            k: _plain(rec[k]) for k in ("indicator", "area", "value", "median", "n", "threshold", "difference", "low_n")
        }
        row["low_n"] = bool(rec["low_n"])
        if rec["indicator"] == "A3":
            row["count"] = _plain(rec["count"])
        rows.append(row)
    return {"period": period.name, "start": period.start.isoformat(), "end": period.end.isoformat(), "rows": rows}
