"""Contribution drivers per council per financial year (docs/finance.md "Demand-led contributions").

Warehouse drivers come from each council's current children file (or its state as at a date), all five in
one set-based query: placement orders granted, adoption orders, ADM decisions and children placed in the
year (April to March), and children waiting with a placement order at 1 April (the year's start, counted
by the dashboard's one waiting rule, `journeys.waiting_rows_sql`: placement order on or before the date, not
adopted and the plan not reversed by it, and not placed at it, a disrupted placement waiting again). External drivers (e.g. 0-17 population) come from reference data
(`data/reference/external_drivers.csv`); figures not marked official are flagged as illustrative.

A figure is never silently treated as complete. Each council-year carries a `status`:
- `complete`: a whole year inside the council's records;
- `in_progress`: the year had not ended at the council's extract date (counts so far);
- `records_begin`: the council's records start inside the year (counts from that date);
- `gap`: inside the span of the council's records, but not one dated event in the year: a gap in its data;
- `illustrative`: an external figure not from an official source.
Years before a council's records begin, or after its extract date, have no row (no data is not zero).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction

import duckdb
import pandas as pd

from raa_core.performance.journeys import waiting_rows_sql
from raa_core.presentation import date_text, display
from raa_core.reference import Reference, load_reference
from raa_core.requests import CURRENT, AsAt
from raa_core.snapshot import Snapshot
from raa_core.store import sql
from raa_core.store.sql import Bind, state_sql

#: The warehouse drivers (docs/command-line.md names) and what one unit is.
WAREHOUSE_DRIVERS: dict[str, tuple[str, str]] = {
    "placement_orders": ("Placement orders granted", "placement order"),
    "adoption_orders": ("Adoption orders", "adoption order"),
    "adm_decisions": ("ADM decisions (should be placed for adoption)", "ADM decision"),
    "children_placed": ("Children placed for adoption", "child placed"),
    "waiting_with_po": ("Children waiting with a placement order at 1 April", "child waiting"),
}
STATUS_LABELS: dict[str, str] = display.STATUS_LABELS  # the words are the labels table's (kind "driver_status")
COLUMNS = ["driver", "la_code", "financial_year", "value", "status", "note"]
#: A warehouse driver's note by its status, the day written as the app writes days (`date_text`).
NOTE_WORDS: dict[str, str] = {"in_progress": "counts to {day}", "records_begin": "records begin {day}",
                              "gap": "no dated record in the year"}


def driver_catalogue(ref: Reference | None = None) -> dict[str, tuple[str, str]]:
    """Every driver a scenario may use: name -> (label, unit), warehouse drivers first."""
    ref = ref or load_reference()
    out = dict(WAREHOUSE_DRIVERS)
    for e in ref.external_drivers:
        out.setdefault(e.driver, (e.label + ("" if e.official else " (illustrative)"), e.unit))
    return out


def driver_names(ref: Reference | None = None) -> set[str]:
    return set(driver_catalogue(ref))


#: One query for the whole warehouse driver set. $as_at NULL = each council's current children file.
DRIVERS_SQL = """
WITH c AS MATERIALIZED (
    SELECT t.la_code, t.entered_care_date, t.adm_decision_date, t.placement_order_date, t.matched_date,
           t.placed_date, t.adoption_order_date, t.plan_reversed_date, d.extract_date
    FROM ({state}) t JOIN drops d USING (drop_id)),
cur AS (SELECT DISTINCT la_code, extract_date FROM c),
dated AS MATERIALIZED (
    SELECT la_code, kind, d, {fy_of_d} AS y
    FROM (SELECT la_code,
                 unnest(['entered_care', 'adm_decisions', 'placement_orders', 'matched', 'children_placed',
                         'adoption_orders', 'reversed']) AS kind,
                 unnest([entered_care_date, adm_decision_date, placement_order_date, matched_date, placed_date,
                         adoption_order_date, plan_reversed_date]) AS d
          FROM c)
    WHERE d IS NOT NULL),
span AS (SELECT la_code, min(d) AS first_record FROM dated GROUP BY la_code),
active AS (SELECT DISTINCT la_code, y FROM dated),
grid AS (
    SELECT cur.la_code, y, {fy_start} AS fy_start, {fy_end} AS fy_end,
           cur.extract_date, span.first_record
    FROM cur JOIN span USING (la_code),
         range({fy_of_first}, {fy_of_extract} + 1) r(y)),
events AS (
    SELECT la_code, kind AS driver, y, count(*) AS n FROM dated
    WHERE kind IN ('adm_decisions', 'placement_orders', 'children_placed', 'adoption_orders')
    GROUP BY ALL),
-- each child waiting with a placement order at 1 April, by the one waiting rule of the dashboard
-- (journeys.waiting_rows_sql: placed, adopted or plan reversed stops it; a disrupted placement waits again)
waits AS (
    SELECT la_code, year(at_date) AS y, count(*) AS n FROM ({waiting}) w WHERE with_po GROUP BY ALL),
flows AS (
    SELECT dr.driver, g.la_code, g.y, coalesce(e.n, 0) AS value,
           CASE WHEN g.fy_end > g.extract_date THEN 'in_progress'
                WHEN g.first_record > g.fy_start THEN 'records_begin'
                WHEN a.y IS NULL THEN 'gap' ELSE 'complete' END AS status,
           g.extract_date, g.first_record
    FROM grid g
    CROSS JOIN (VALUES ('placement_orders'), ('adoption_orders'), ('adm_decisions'), ('children_placed')) dr(driver)
    LEFT JOIN events e ON e.la_code = g.la_code AND e.y = g.y AND e.driver = dr.driver
    LEFT JOIN active a ON a.la_code = g.la_code AND a.y = g.y),
waiting AS (
    SELECT 'waiting_with_po' AS driver, g.la_code, g.y, coalesce(w.n, 0) AS value,
           CASE WHEN a.y IS NULL THEN 'gap' ELSE 'complete' END AS status, g.extract_date, g.first_record
    FROM grid g
    LEFT JOIN waits w ON w.la_code = g.la_code AND w.y = g.y
    LEFT JOIN active a ON a.la_code = g.la_code AND a.y = g.y
    WHERE g.first_record <= g.fy_start)
SELECT driver, la_code, {fy_name} AS financial_year, value, status,
       CASE status WHEN 'in_progress' THEN extract_date WHEN 'records_begin' THEN first_record END AS note_day
FROM (SELECT * FROM flows UNION ALL SELECT * FROM waiting)
ORDER BY driver, la_code, financial_year
"""
_FY_START, _FY_END = sql.financial_year_bounds_sql("y")
DRIVERS_SQL = (DRIVERS_SQL.replace("{fy_of_d}", sql.financial_year_start_sql("d"))
               .replace("{fy_start}", _FY_START).replace("{fy_end}", _FY_END)
               .replace("{fy_of_first}", sql.financial_year_start_sql("span.first_record"))
               .replace("{fy_of_extract}", sql.financial_year_start_sql("cur.extract_date"))
               .replace("{fy_name}", sql.financial_year_name_sql("y")))

#: The range of 1 Aprils the waiting driver can need: from the first placement order to the newest extract.
APRILS_SQL = f"""
SELECT min(t.placement_order_date), max(d.extract_date)
FROM ({state_sql("children")}) t JOIN drops d USING (drop_id)
"""


def warehouse_drivers(snapshot: Snapshot, request: AsAt = CURRENT) -> pd.DataFrame:
    """The five warehouse drivers per council and financial year (columns `COLUMNS`), one query, from the
    drops' state as at the request's `as_at` (None = the current state).

    `value` is a count; `status`/`note` say whether the year is complete (module docstring, docs/finance.md)."""
    with snapshot.cursor() as con:
        return _warehouse_drivers(con, request.as_at)


def _warehouse_drivers(con: duckdb.DuckDBPyConnection, as_at: dt.date | None) -> pd.DataFrame:
    first, last = sql.execute(con, APRILS_SQL, {"as_at": as_at}).fetchone() or (None, None)
    aprils = ([dt.date(y, 4, 1) for y in range(first.year, last.year + 1)]
              if first is not None and last is not None else [])
    b = Bind()
    waiting = waiting_rows_sql(b, f"({state_sql('children')})", aprils)
    query = DRIVERS_SQL.replace("{state}", state_sql("children")).replace("{waiting}", waiting)
    df = sql.execute(con, query, {"as_at": as_at, **b.values}).df()
    df["la_code"] = df["la_code"].astype("int64")
    df["value"] = df["value"].astype("int64")
    df["note"] = [NOTE_WORDS[s].format(day=date_text(d)) if s in NOTE_WORDS else None
                  for s, d in zip(df["status"], df["note_day"], strict=True)]
    return df[COLUMNS]


def external_drivers(ref: Reference) -> pd.DataFrame:
    """External drivers from reference data (columns `COLUMNS`); unofficial figures are `illustrative`."""
    rows = [
        {"driver": e.driver, "la_code": e.la_code, "financial_year": e.financial_year, "value": e.value,
         "status": "complete" if e.official else "illustrative", "note": None if e.official else e.source}
        for e in ref.external_drivers
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


def all_drivers(snapshot: Snapshot, request: AsAt = CURRENT) -> pd.DataFrame:
    """Warehouse (state as at the request's `as_at`, None = current) and external (reference data) drivers
    together (columns `COLUMNS`)."""
    ext = external_drivers(snapshot.ref)
    wh = warehouse_drivers(snapshot, request)
    return pd.concat([wh, ext], ignore_index=True) if not ext.empty else wh


def engine_drivers(snapshot: Snapshot, request: AsAt = CURRENT) -> DriverTable:
    """`all_drivers` keyed for the engine (`DriverTable`): what a scenario is computed from."""
    return DriverTable.from_frame(all_drivers(snapshot, request))


@dataclass(frozen=True)
class DriverTable:
    """Driver figures keyed for the engine: (driver, la_code, year start) -> exact value and status."""

    values: dict[tuple[str, int, int], int | Fraction] = field(default_factory=dict)
    status: dict[tuple[str, int, int], str] = field(default_factory=dict)
    notes: dict[tuple[str, int, int], str] = field(default_factory=dict)

    def merged(self, other: DriverTable) -> DriverTable:
        """This table with `other`'s figures added (other's win where both have a key): the forecast basis's
        figures beside the warehouse's."""
        return DriverTable(values={**self.values, **other.values}, status={**self.status, **other.status},
                           notes={**self.notes, **other.notes})

    @classmethod
    def from_frame(cls, df: pd.DataFrame) -> DriverTable:
        """From a frame with `COLUMNS` (e.g. `all_drivers`); `value` may be int, Decimal or float."""
        values: dict[tuple[str, int, int], int | Fraction] = {}
        status: dict[tuple[str, int, int], str] = {}
        notes: dict[tuple[str, int, int], str] = {}
        note_col = df["note"] if "note" in df.columns else [None] * len(df)
        for d, la, fy, v, s, n in zip(df["driver"], df["la_code"], df["financial_year"], df["value"],
                                      df["status"], note_col, strict=True):
            key = (str(d), int(la), int(str(fy)[:4]))
            f = Fraction(str(v))
            values[key] = f.numerator if f.denominator == 1 else f  # whole counts stay int (fast sums)
            status[key] = str(s)
            if isinstance(n, str) and n:
                notes[key] = n
        return cls(values, status, notes)
